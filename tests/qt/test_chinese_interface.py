"""The interface is Simplified Chinese by default: our messages and Qt's own standard buttons."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from xinjie_desktop import i18n
from xinjie_desktop.qt.shell.app import create_main_window, prepare_application


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
