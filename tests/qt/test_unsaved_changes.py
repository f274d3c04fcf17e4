"""Nothing typed is lost: leaving a household with unsaved changes asks to save, discard or stay."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from xinjie_desktop.core.store.models import Household

Button = QMessageBox.StandardButton


def open_row(qtbot, window, row):
    window.table.setCurrentIndex(window.model.index(row, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    return window.editor()


def address(store, household_id):
    with store.session() as session:
        return session.scalar(select(Household.address).where(Household.id == household_id))


@pytest.fixture
def answer(monkeypatch):
    asked = []

    def reply(button):
        def question(*args, **kwargs):
            asked.append(args[2])
            return button

        monkeypatch.setattr(QMessageBox, "question", question)

    reply.asked = asked
    return reply


def test_untouched_household_leaves_without_a_question(qtbot, window, answer):
    answer(Button.Cancel)
    first = open_row(qtbot, window, 0)
    second = open_row(qtbot, window, 1)
    assert answer.asked == [] and second is not first


def test_changes_kept_when_the_user_stays(qtbot, window, answer, demo_store, type_text):
    editor = open_row(qtbot, window, 0)
    editor.address_edit.clear()
    type_text(editor.address_edit, "新地址 8号")
    answer(Button.Cancel)
    assert open_row(qtbot, window, 1) is editor
    assert answer.asked and editor.address_edit.text() == "新地址 8号"
    window.close()
    assert window.isVisible()  # closing the window asks too, and the user stayed


def test_changes_saved_when_the_user_says_save(qtbot, window, answer, demo_store, type_text):
    editor = open_row(qtbot, window, 0)
    household_id = editor.household_id
    editor.address_edit.clear()
    type_text(editor.address_edit, "新地址 9号")
    answer(Button.Save)
    window.new_household()
    assert address(demo_store, household_id) == "新地址 9号"
    assert window.editor().household_id is None


def test_changes_dropped_when_the_user_says_discard(qtbot, window, answer, demo_store, type_text):
    editor = open_row(qtbot, window, 0)
    household_id, before = editor.household_id, editor.address_edit.text()
    type_text(editor.address_edit, "X")
    answer(Button.Discard)
    qtbot.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)
    assert answer.asked and window.editor() is None
    assert address(demo_store, household_id) == before


def test_a_member_typed_but_not_added_counts_as_a_change(qtbot, window, answer, type_text):
    editor = open_row(qtbot, window, 0)
    type_text(editor.m_name, "杨新")
    answer(Button.Cancel)
    window.new_household()
    assert answer.asked and window.editor() is editor
