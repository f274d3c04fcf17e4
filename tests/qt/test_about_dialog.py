"""Help → About (issue 6): the icon, the version and the build date, reached from the menu bar
like a user does; "development build" when run from source, the date of a packaged build."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMenu

from xinjie_desktop import __version__, build_info
from xinjie_desktop.qt.shell.about_dialog import AboutDialog

# A drop-down menu asks the platform to raise it and grab the keyboard; the offscreen platform cannot.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing the keyboard")


def choose_from_menu(qtbot, window, menu_text: str, action):
    """Click the menu's title in the menu bar, then the entry in the menu that drops down."""
    bar = window.menuBar()
    title = next(a for a in bar.actions() if a.text() == menu_text)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(title).center())
    menu: QMenu = title.menu()
    qtbot.waitUntil(menu.isVisible)
    assert action in menu.actions()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def open_about(qtbot, window) -> AboutDialog:
    choose_from_menu(qtbot, window, window.menuBar().actions()[-1].text(), window.about_action)
    qtbot.waitUntil(lambda: window.findChild(AboutDialog) is not None and window.findChild(AboutDialog).isVisible())
    return window.findChild(AboutDialog)


def test_help_menu_opens_about_with_icon_version_and_development_build(qtbot, window):
    assert window.menuBar().actions()[-1].text() == "&Help"
    assert window.about_action.text() == "&About xinjie-desktop"
    dialog = open_about(qtbot, window)
    assert dialog.windowTitle() == "About xinjie-desktop"
    assert dialog.isModal()  # window-modal: the window waits until it is closed
    assert dialog.version_label.text() == __version__
    assert dialog.build_label.text() == "development build"  # run from source: no build-info.json
    pixmap = dialog.icon_label.pixmap()
    assert not pixmap.isNull() and pixmap.width() >= 96
    assert "Xinjie Township" in dialog.name_label.text()

    close = dialog.buttons.button(dialog.buttons.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(AboutDialog) is None)  # closed and deleted


def test_a_packaged_build_shows_its_build_date(qtbot, window, tmp_path, monkeypatch):
    (tmp_path / build_info.FILE_NAME).write_text(
        json.dumps({"version": __version__, "built": "2026-11-28", "commit": "4a959bc"}), encoding="utf-8"
    )
    monkeypatch.setattr(build_info, "bundle_folder", lambda: tmp_path)
    dialog = open_about(qtbot, window)
    assert dialog.build_label.text() == "2026-11-28"
    dialog.reject()


@pytest.fixture
def chinese(prepared_app):
    from xinjie_desktop.qt.shell.app import prepare_application

    prepare_application(prepared_app, "zh_CN")
    yield
    prepare_application(prepared_app, "en")


def test_about_in_chinese_draws_chinese_text(qtbot, chinese, tmp_path):
    from xinjie_desktop.qt.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.menuBar().actions()[-1].text() == "帮助(&H)"
    dialog = open_about(qtbot, window)
    assert dialog.windowTitle() == "关于辛街乡扶贫工作工具"  # the application's one name (issue 16)
    assert dialog.build_label.text() == "开发版本（从源代码运行）"
    assert dialog.name_label.text() == "辛街乡扶贫工作工具"
    assert dialog.buttons.button(dialog.buttons.StandardButton.Close).text() == "关闭"  # Qt's own translation
    # Chinese is drawn with the shipped font, which has every character (no empty boxes)…
    for label in (dialog.name_label, dialog.build_label, dialog.description_label):
        metrics = QFontMetrics(label.font())
        assert label.font().family() == "WenQuanYi Micro Hei"
        assert all(metrics.inFontUcs4(ord(char)) for char in label.text()), label.text()
    # …and the dialog is really painted: the name's line has dark pixels.
    picture = dialog.grab().toImage()
    picture.save(str(tmp_path / "about.png"))
    name = dialog.name_label.geometry()
    dark = sum(
        1
        for x in range(name.left(), name.right(), 2)
        for y in range(name.top(), name.bottom(), 2)
        if picture.pixelColor(QPoint(x, y)).lightness() < 100
    )
    assert dark > 50
    dialog.reject()


def test_every_window_carries_the_application_icon(prepared_app):
    icon = QApplication.windowIcon()
    assert not icon.isNull()
    assert icon.availableSizes() and max(size.width() for size in icon.availableSizes()) == 256
