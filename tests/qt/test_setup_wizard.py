"""Issue 16, "set-up and demo data": the set-up wizard keeps the villages (and their groups) in the order typed,
everywhere the window lists them, and its hint is never cut nor pushed when an error shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QComboBox, QLabel

from xinjie_desktop.qt.shell.setup_dialog import SetupDialog

pytestmark = pytest.mark.gui

OUTLINE = "青山村：一组，二组，十组\n白沙村：三组，一组\n松林村：五组"
TYPED = {"青山村": ["一组", "二组", "十组"], "白沙村": ["三组", "一组"], "松林村": ["五组"]}


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_villages_and_groups_keep_the_order_typed_in_every_list_of_the_window(qtbot, prepared_app, store, type_text):
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.name_edit, "辛街乡")
    type_text(dialog.outline_edit, OUTLINE)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    from xinjie_desktop.qt.shell.app import create_main_window

    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    village_filter = window.findChild(QComboBox, "village_filter")
    group_filter = window.findChild(QComboBox, "group_filter")
    assert combo_texts(village_filter)[1:] == list(TYPED)
    for index, (village, groups) in enumerate(TYPED.items(), start=1):
        village_filter.setFocus()
        village_filter.setCurrentIndex(index)
        assert village_filter.currentText() == village
        assert combo_texts(group_filter)[1:] == groups

    window.new_action.trigger()  # a new household: its villagers' group is chosen from the list
    editor = window.editor()
    assert editor is not None
    assert combo_texts(editor.basic_tab.group_combo) == [
        f"{village} {group}" for village, groups in TYPED.items() for group in groups
    ]


def wrapped_labels_cut(dialog) -> list[tuple[str, int, int]]:
    """Visible wrapped labels shorter than their text needs at their width (name or text, height, needed), and
    the lines under the villages box drawn over it or over the Create button."""
    cut = [
        (label.objectName() or label.text()[:20], label.height(), label.heightForWidth(label.width()))
        for label in dialog.findChildren(QLabel)
        if label.isVisible() and label.wordWrap() and label.text()
        if label.heightForWidth(label.width()) > label.height()
    ]
    for label in (dialog.outline_hint, dialog.outline_status):
        for other in (dialog.outline_edit, dialog.create_button):
            if label.geometry().intersects(other.geometry()):
                cut.append((f"{label.objectName()} over {other.objectName()}", label.y(), other.y()))
    return cut


def squeeze(qtbot, dialog) -> None:
    """Make the dialog as small as it lets itself be made (as a user, or a low screen, would)."""
    dialog.resize(dialog.minimumWidth(), 0)
    qtbot.wait(20)


def test_the_hint_is_neither_cut_nor_pushed_when_an_error_shows(qtbot, prepared_app, store, type_text):
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    squeeze(qtbot, dialog)
    assert wrapped_labels_cut(dialog) == []
    places = {w.objectName(): w.geometry() for w in (dialog.outline_hint, dialog.outline_edit, dialog.create_button)}
    type_text(dialog.outline_edit, "青山村：一组\n白沙村")  # the second line lacks its groups
    qtbot.wait(20)
    assert dialog.outline_status.property("error") is True and "Line 2" in dialog.outline_status.text()
    assert {w.objectName(): w.geometry() for w in (dialog.outline_hint, dialog.outline_edit, dialog.create_button)} == (
        places
    )  # the error takes the line kept for it
    assert wrapped_labels_cut(dialog) == []

    type_text(dialog.outline_edit, "：一组")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)  # no township name
    assert dialog.name_error.text() == "Enter the township's name."
    dialog.outline_edit.moveCursor(QTextCursor.MoveOperation.End)
    long_name = "很长的村名" * 12
    type_text(dialog.outline_edit, f"\n{long_name}")  # an error of several lines
    squeeze(qtbot, dialog)
    assert long_name in dialog.outline_status.text()
    assert wrapped_labels_cut(dialog) == []
    assert dialog.outline_hint.text() and dialog.outline_hint.isVisible()


def test_the_wizard_fits_a_1366_by_768_screen_with_an_error_shown(qtbot, prepared_app, store, type_text):
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.outline_edit, "青山村")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.wait(20)
    assert dialog.outline_status.property("error") is True
    assert dialog.minimumHeight() + 40 + 40 <= 768  # whole, with a taskbar and a title bar
    assert dialog.width() <= 1366 and wrapped_labels_cut(dialog) == []
