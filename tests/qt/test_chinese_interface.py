"""The interface is Simplified Chinese by default: our messages and Qt's own standard buttons."""

import re
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import Qt, QTranslator
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel, QPushButton, QTreeView

from xinjie_desktop import i18n
from xinjie_desktop.qt.shell.app import create_main_window, prepare_application
from xinjie_desktop.resources import qt_translations_dir


@pytest.fixture
def chinese(qapp):
    prepare_application(qapp, "zh_CN")
    yield qapp
    prepare_application(qapp, "en")


def test_qt_standard_buttons_are_chinese(qtbot, chinese):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    texts = {
        box.button(b).text().replace("&", "")
        for b in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel)
    }
    assert texts == {"确定(O)", "取消"} or texts == {"确定", "取消"}


def test_main_window_speaks_chinese_with_policy_terms(qtbot, chinese, demo_store):
    assert i18n.language() == "zh_CN"
    window = create_main_window(demo_store)
    qtbot.addWidget(window)
    model = window.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "户主" in headers and "实有人口" in headers and "系统人口" in headers


def english_words(texts) -> list[str]:
    return [text for text in texts if re.search(r"[A-Za-z]{3,}", text.replace("&", ""))]


def test_qt_file_dialog_is_chinese(qtbot, chinese, tmp_path):
    """Qt's own file dialog (the one the window opens where the system has none of its own): no "Look in:",
    "Files of type:" or "Folder" left in English (issue 16)."""
    (tmp_path / "村").mkdir()
    dialog = QFileDialog(None, "打开", str(tmp_path), "数据文件 (*.sqlite)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    buttons = [button.text() for button in dialog.findChildren(QPushButton) if button.isVisible()]
    view = dialog.findChild(QTreeView)
    headers = [view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(view.model().columnCount())]
    model = view.model()
    qtbot.waitUntil(lambda: model.rowCount(view.rootIndex()) == 1)
    kind = model.index(0, 2, view.rootIndex()).data()
    assert english_words(labels + buttons + headers + [kind]) == []


def test_our_additions_to_qts_translation_are_compiled():
    """resources/translations/qt: the .qm the program loads gives every translation the .ts holds."""
    source = qt_translations_dir() / "qtbase_additions_zh_CN.ts"
    translator = QTranslator()
    assert translator.load("qtbase_additions_zh_CN", str(qt_translations_dir()))
    for context in ElementTree.parse(source).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            assert translator.translate(name, message.findtext("source")) == message.findtext("translation")


def test_the_window_calls_the_application_by_its_chinese_name(qtbot, chinese, demo_store):
    """Help → 关于辛街乡扶贫工作工具, the About box and the window's title: never "xinjie-desktop" (issue 16)."""
    window = create_main_window(demo_store)
    qtbot.addWidget(window)
    texts = [action.text() for menu in window.menuBar().actions() for action in menu.menu().actions()]
    assert "关于辛街乡扶贫工作工具(&A)" in texts
    assert [text for text in texts if "xinjie-desktop" in text] == []
    assert QApplication.applicationDisplayName() == "辛街乡扶贫工作工具"
    about = window.open_about()
    qtbot.waitExposed(about)
    assert about.windowTitle() == "关于辛街乡扶贫工作工具"
    assert about.name_label.text() == "辛街乡扶贫工作工具"
    assert about.program_label.text() == "程序名：xinjie-desktop"
    about.close()
