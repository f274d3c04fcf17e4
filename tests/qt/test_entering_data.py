"""Entering data without stumbles (issue 16): dates typed as written or picked from a calendar, problems
that neither move the fields nor outstay their cause, and the search box that hands over to the list.
Driven as a user drives the window: key presses and mouse clicks."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableView

from builders import family_draft
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.rules.idnumber import MALE, make
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.qt.households.household_editor import MEMBERS_TAB, HouseholdEditor
from xinjie_desktop.qt.shell.widgets import DateField

pytestmark = pytest.mark.gui


@pytest.fixture
def editor_store(tmp_path):
    store = open_store(tmp_path / "s.sqlite")
    township.set_up(store, "T", "C", {"V1": ["G1", "G2"]})
    yield store
    store.close()


@pytest.fixture
def open_editor(qtbot, editor_store, prepared_app):
    def opener(household_id: str | None = None) -> HouseholdEditor:
        editor = HouseholdEditor(editor_store, household_id)
        qtbot.addWidget(editor)
        editor.resize(1300, 700)
        with qtbot.waitActive(editor):
            editor.show()
            editor.activateWindow()
        return editor

    return opener


def select_all_and_type(qtbot, widget, text: str) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def leave(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Tab)


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed", ["2017-03-05", "2017/3/5", "20170305", "2017.3.5", "２０１７－０３－０５", "2017年3月5日"]
)
def test_a_date_is_typed_as_written_and_shown_as_yyyy_mm_dd_on_leaving(qtbot, prepared_app, typed):
    field = DateField(dt.date(2016, 10, 8))
    qtbot.addWidget(field)
    field.show()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if typed.isascii():
        qtbot.keyClicks(field, typed)
    else:
        field.insert(typed)  # as an input method commits it
    assert field.value() == dt.date(2017, 3, 5)
    field.normalise()  # what leaving the field does
    assert field.text() == "2017-03-05"


def test_a_date_that_cannot_be_read_says_why_next_to_the_field_and_nothing_is_recorded(
    qtbot, open_editor, editor_store
):
    """ID-5: the workflow's date field: the date typed is refused with its reason beside it; the step is
    not recorded until the date is a date."""
    with editor_store.session() as session:
        group_id = township.groups(session)[0].id
    household_id = households.save(editor_store, family_draft(group_id))
    editor = open_editor(household_id)
    editor.tabs.setCurrentIndex(3)
    select_all_and_type(qtbot, editor.step_date, "2017-02-30")
    leave(qtbot, editor.step_date)
    message = editor.step_date.parentWidget().findChildren(type(editor.step_message))[0]
    assert message.isVisible() and "no day 30 in 2017-02" in message.text()
    select_all_and_type(qtbot, editor.step_by, "Village committee")
    qtbot.mouseClick(editor.step_notes, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.step_notes, "Head ill")
    qtbot.mouseClick(editor.record_step_button, Qt.MouseButton.LeftButton)
    assert "no day 30" in editor.step_message.text()
    with editor_store.session() as session:
        assert households.load_household(session, household_id).steps == []
    select_all_and_type(qtbot, editor.step_date, "2017/2/28")
    assert not message.isVisible(), "the reason goes once the date reads"
    qtbot.mouseClick(editor.record_step_button, Qt.MouseButton.LeftButton)
    with editor_store.session() as session:
        [step] = households.load_household(session, household_id).steps
    assert step.done_on == dt.date(2017, 2, 28)


@pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "does not support grabbing the keyboard"
)  # a popup offscreen
def test_a_date_is_picked_from_the_calendar(qtbot, prepared_app):
    field = DateField(optional=True)
    qtbot.addWidget(field)
    field.show()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, "2017-03-05")
    qtbot.keyClick(field, Qt.Key.Key_F4)
    popup = field.calendar_popup
    assert popup is not None and popup.isVisible()
    assert popup.selectedDate().toString("yyyy-MM-dd") == "2017-03-05", "opens on the date typed"
    grid = popup.findChild(QTableView)  # the month's days
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # the next day
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert field.text() == "2017-03-06"
    field.clear()
    field.normalise()
    assert field.date_or_none() is None and field.is_valid(), "an optional date may be left empty"


# --------------------------------------------------------------------------------------------
# Problems: shown without moving the fields, gone once fixed
# --------------------------------------------------------------------------------------------
def geometry(widgets):
    return [(w.mapTo(w.window(), QPoint(0, 0)), w.size()) for w in widgets]


def test_problems_show_without_moving_the_fields_and_clear_when_fixed(qtbot, open_editor, editor_store):
    """ID-2: saving a new household without a group and without members shows both problems next to
    their fields; no field moves; choosing the group and adding the head clears them."""
    editor = open_editor(None)
    basic = [editor.group_combo, editor.address_edit, editor.phone_edit, editor.labour_willing_check]
    member_fields = [editor.m_name, editor.m_id, editor.m_relation, editor.m_birth, editor.m_basis]
    editor.tabs.setCurrentIndex(MEMBERS_TAB)
    qtbot.wait(10)
    members_before = geometry([editor.member_table, *member_fields])
    editor.tabs.setCurrentIndex(0)
    qtbot.wait(10)
    basic_before = geometry(basic)

    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    group_message = editor._household_messages["group_id"]
    assert group_message.isVisible() and "village" in group_message.text()
    qtbot.wait(10)
    assert geometry(basic) == basic_before, "the basic fields stay where they were"
    editor.tabs.setCurrentIndex(MEMBERS_TAB)
    qtbot.wait(10)
    assert editor.members_message.isVisible() and "head" in editor.members_message.text()
    assert geometry([editor.member_table, *member_fields]) == members_before, "the member form stays put"

    # Choose the group with the keyboard: its problem is gone at once.
    editor.tabs.setCurrentIndex(0)
    editor.group_combo.setFocus()
    qtbot.keyClick(editor.group_combo, Qt.Key.Key_Down)
    assert editor.group_combo.currentData()
    assert not group_message.isVisible()
    assert "village" not in editor.summary.text() and "1 problem" in editor.summary.text()

    # Add the head: "enter at least the head" goes too, and the summary with it.
    editor.tabs.setCurrentIndex(MEMBERS_TAB)
    qtbot.mouseClick(editor.m_name, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.m_name, "Yang Ming")
    qtbot.keyClick(editor.m_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(editor.m_id, make("530502", dt.date(1970, 3, 5), 11, MALE))
    qtbot.keyClick(editor.m_id, Qt.Key.Key_Return)
    assert editor.member_model.rowCount() == 1
    assert not editor.members_message.isVisible()
    assert not editor.summary.isVisible()
    assert geometry([editor.member_table, *member_fields]) == members_before


# --------------------------------------------------------------------------------------------
# The search box hands over to the list
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [Qt.Key.Key_Down, Qt.Key.Key_Return])
def test_down_or_enter_in_the_search_box_goes_to_the_list_with_the_first_row_selected(qtbot, window, key):
    text = window.filter_bar.text_edit
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert text.hasFocus()
    qtbot.keyClick(text, key)
    assert window.table.hasFocus()
    assert [index.row() for index in window.table.selectionModel().selectedRows()] == [0]
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # and Enter opens that household
    assert window.editor() is not None


def test_down_from_the_search_box_keeps_a_household_still_selected_in_the_list(qtbot, window):
    window.table.selectRow(5)
    chosen = window.selected_household()
    text = window.filter_bar.text_edit
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(text, Qt.Key.Key_Down)
    assert window.table.hasFocus()
    assert window.selected_household() == chosen
