"""The household editor, driven the way a user drives it: key presses, Tab, Enter and mouse clicks.

Each test names the rules it checks (ID-1, ID-2, ID-3, ID-5, PN-1) and ends by looking at what
the store holds, not only at what the window shows.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QCheckBox, QComboBox
from sqlalchemy import func, select

from builders import family_draft
from xinjie_desktop.core.records import demo_data, households, township
from xinjie_desktop.core.rules.identification import StepInput, WorkflowError
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, make
from xinjie_desktop.core.store.models import Household, IncomeWorksheet, Member, WorkflowStep
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.qt.households.household_editor import HouseholdEditor
from xinjie_desktop.qt.shell.widgets import DateField

pytestmark = pytest.mark.gui

HEAD_BIRTH = dt.date(1970, 3, 5)
HEAD_ID = make("530502", HEAD_BIRTH, 11, MALE)
WRONG_HEAD_ID = HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")  # same number, wrong check digit


# --------------------------------------------------------------------------------------------
# Fixtures and a keyboard that types into whatever has the focus
# --------------------------------------------------------------------------------------------
@pytest.fixture
def editor_store(tmp_path):
    store = open_store(tmp_path / "s.sqlite")
    township.set_up(store, "T", "C", {"V1": ["G1", "G2"]})
    yield store
    store.close()


@pytest.fixture
def group_ids(editor_store):
    with editor_store.session() as session:
        return {group.name: group.id for group in township.groups(session)}


@pytest.fixture
def open_editor(qtbot, editor_store):
    def opener(household_id: str | None = None) -> HouseholdEditor:
        editor = HouseholdEditor(editor_store, household_id)
        qtbot.addWidget(editor)
        editor.resize(1100, 750)
        with qtbot.waitActive(editor):
            editor.show()
            editor.activateWindow()
        return editor

    return opener


def focused():
    return QApplication.focusWidget()


class Keyboard:
    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot

    def type(self, text: str) -> None:
        widget = focused()
        assert widget is not None, "nothing has the keyboard focus"
        if text.isascii():
            self.qtbot.keyClicks(widget, text)
        else:  # Chinese arrives from the input method (pinyin IME), committed as a whole word
            event = QInputMethodEvent()
            event.setCommitString(text)
            QApplication.sendEvent(widget, event)

    def key(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(focused(), key, modifier)

    def tab(self, expected=None) -> None:
        self.key(Qt.Key.Key_Tab)
        if expected is not None:
            assert focused() is expected, f"Tab went to {focused().objectName()!r}, not {expected.objectName()!r}"

    def enter(self) -> None:
        self.key(Qt.Key.Key_Return)

    def select_all_and_type(self, text: str) -> None:
        self.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.key(Qt.Key.Key_Backspace)
        self.type(text)

    def choose(self, code: str) -> None:
        """Arrow keys through the focused closed list until ``code`` is chosen."""
        combo = focused()
        assert isinstance(combo, QComboBox)
        target = combo.findData(code)
        assert target >= 0, code
        step = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
        for _ in range(combo.count()):
            if combo.currentData() == code:
                return
            self.key(step)
        assert combo.currentData() == code

    def date(self, text: str) -> None:
        """Select all in the focused date field and type the date as it is written."""
        edit = focused()
        assert isinstance(edit, DateField)
        self.select_all_and_type(text)
        assert edit.value().isoformat() == text


def click(qtbot, widget) -> None:
    if isinstance(widget, QAbstractSpinBox):  # the text inside, on the year (the first section)
        text = widget.lineEdit()
        qtbot.mouseClick(text, Qt.MouseButton.LeftButton, pos=QPoint(4, text.height() // 2))
    elif isinstance(widget, QCheckBox):  # on the box, not on the empty space beside a short label
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_tab(qtbot, editor: HouseholdEditor, index: int) -> None:
    bar = editor.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert editor.tabs.currentIndex() == index


def click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def add_member(
    qtbot,
    kb: Keyboard,
    editor: HouseholdEditor,
    name: str,
    id_number: str,
    relation: str | None = None,
    labour: str | None = None,
    basis: str | None = None,
    dibao: bool = False,
    registered: bool = True,
) -> None:
    """Fill the member form with the keyboard only, in tab order, and press Enter."""
    if focused() is not editor.m_name:
        click(qtbot, editor.m_name)
    kb.type(name)
    kb.tab(editor.m_id)
    kb.type(id_number)
    kb.tab(editor.m_relation)
    if relation:
        kb.choose(relation)
    kb.tab(editor.m_sex)
    kb.tab(editor.m_birth)
    kb.tab(editor.m_ethnicity)
    kb.tab(editor.m_education)
    kb.tab(editor.m_health)
    kb.tab(editor.m_labour)
    if labour:
        kb.choose(labour)
    kb.tab(editor.m_schooling)
    kb.tab(editor.m_basis)
    if basis:
        kb.choose(basis)
    kb.tab(editor.m_dibao)
    if dibao:
        kb.key(Qt.Key.Key_Space)
    kb.tab(editor.m_registered)
    if not registered:
        kb.key(Qt.Key.Key_Space)
    kb.enter()
    assert focused() is editor.m_name, "after Enter the name field is ready for the next member"


def count(store, model) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def saved_household(store, household_id: str) -> Household:
    with store.session() as session:
        return households.load_household(session, household_id)


# --------------------------------------------------------------------------------------------
# Entering a whole household
# --------------------------------------------------------------------------------------------
def test_whole_household_entered_by_keyboard_ID1_ID2_ID3(qtbot, open_editor, editor_store, group_ids):
    """ID-2, ID-3, ID-1: a household typed in with keys only; a wrong check digit and two heads
    block saving (nothing reaches the store) until corrected; only included members count toward
    the actual population; the income worksheet gives the per-capita figure against the line."""
    editor = open_editor(None)
    kb = Keyboard(qtbot)
    assert focused() is editor.group_combo

    # Basic information.
    kb.choose(group_ids["G1"])
    kb.tab(editor.address_edit)
    kb.type("V1 G1 No. 5")
    kb.tab(editor.phone_edit)
    kb.type("0875-2212345")

    # Members: the head's ID number is typed with a wrong check digit.
    click_tab(qtbot, editor, 1)
    click(qtbot, editor.m_name)
    kb.type("杨明")
    kb.tab(editor.m_id)
    kb.type(WRONG_HEAD_ID)
    assert editor._member_messages["id_number"].isVisible()
    assert "check digit" in editor._member_messages["id_number"].text()
    assert editor.m_birth.text() == "", "a wrong number fills in nothing"
    assert editor.m_relation.currentData() == "head", "the first member is offered as the head"
    kb.enter()
    assert editor.member_model.rowCount() == 1
    assert focused() is editor.m_name
    assert "check digit" in editor.member_model.data(editor.member_model.index(0, 0), Qt.ItemDataRole.ToolTipRole)

    add_member(qtbot, kb, editor, "李芳", make("530502", dt.date(1972, 8, 9), 12, FEMALE), relation="spouse")
    assert editor.member_model.members[1].birth_date == dt.date(1972, 8, 9)
    assert editor.member_model.members[1].sex == FEMALE
    add_member(
        qtbot,
        kb,
        editor,
        "杨华",
        make("530502", dt.date(2000, 1, 2), 13, MALE),
        relation="child",
        labour="none",
        basis="student_supported",
    )
    add_member(
        qtbot,
        kb,
        editor,
        "杨英",
        make("530502", dt.date(2005, 6, 7), 14, FEMALE),
        relation="child",
        labour="none",
        dibao=True,
    )
    add_member(
        qtbot,
        kb,
        editor,
        "杨秀",
        make("530502", dt.date(1995, 2, 3), 15, FEMALE),
        relation="child",
        basis="married_out",
        registered=False,
    )
    # A second head: once a head exists the relation is left to choose (issue 16); the user picks head.
    add_member(
        qtbot,
        kb,
        editor,
        "杨强",
        make("530502", dt.date(1998, 4, 4), 16, MALE),
        relation="head",
        basis="migrant_worker",
    )
    assert editor.member_model.rowCount() == 6
    assert editor.population_label.text() == "6 people entered; actual population: 5"

    # Saving is refused: wrong check digit and two heads; nothing is written.
    click(qtbot, editor.save_button)
    assert count(editor_store, Household) == 0
    assert count(editor_store, Member) == 0
    assert "exactly one head" in editor.members_message.text() and editor.members_message.isVisible()
    assert "Not saved: 2 problem(s)" in editor.summary.text()
    assert editor.tabs.currentIndex() == 1
    assert editor.member_table.selectionModel().selectedRows()[0].row() == 0, "the member in error is selected"
    assert editor.m_name.text() == "杨明"
    assert "check digit" in editor._member_messages["id_number"].text()
    assert editor._member_messages["id_number"].isVisible()

    # Correct the number: birth date and sex are read from it.
    click(qtbot, editor.m_id)
    kb.select_all_and_type(HEAD_ID)
    assert not editor._member_messages["id_number"].isVisible()
    assert editor.m_birth.text() == "1970-03-05"
    assert editor.m_sex.currentData() == MALE
    kb.enter()
    assert focused() is editor.m_name
    assert editor.member_model.members[0].id_number == HEAD_ID

    click(qtbot, editor.save_button)
    assert count(editor_store, Household) == 0, "two heads are still refused"
    assert "this one has 2" in editor.members_message.text()

    # 杨强 is a son: select his row with the mouse and change the relation by keyboard.
    click_row(qtbot, editor.member_table, 5)
    assert editor.m_name.text() == "杨强"
    click(qtbot, editor.m_name)
    kb.tab(editor.m_id)
    kb.tab(editor.m_relation)
    kb.choose("child")
    kb.enter()
    assert editor.member_model.members[5].relation == "child"

    # Income worksheet (ID-1): a mistyped amount is shown inline, then corrected.
    click_tab(qtbot, editor, 2)
    assert editor.income_year_spin.value() == 2016
    click(qtbot, editor.income_edits["wage"])
    kb.type("9,000")
    kb.tab(editor.income_edits["business"])
    kb.type("4,550.49")
    kb.tab(editor.income_edits["property_income"])
    kb.tab(editor.income_edits["transfer"])
    kb.type("2,199.4x")
    assert editor._income_messages["transfer"].isVisible()
    assert "Not an amount" in editor._income_messages["transfer"].text()
    assert "Correct the amounts" in editor.income_result_label.text()
    kb.key(Qt.Key.Key_Backspace)
    kb.type("6")
    assert not editor._income_messages["transfer"].isVisible()
    kb.tab(editor.income_edits["production_costs"])
    kb.type("500")
    assert editor.net_income_label.text() == "15,249.95 yuan"
    assert editor.income_population_label.text() == "5"
    assert editor.per_capita_label.text() == "3,049.99 yuan"
    assert editor.line_label.text() == "3,050.00 yuan"
    assert editor.income_result_label.text() == "Below the line"

    with qtbot.waitSignal(editor.saved, timeout=2000) as saved:
        kb.key(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    household_id = saved.args[0]
    assert editor.summary.text() == "Saved."

    household = saved_household(editor_store, household_id)
    assert household.group_id == group_ids["G1"]
    assert household.address == "V1 G1 No. 5"
    assert household.phone == "0875-2212345"
    assert [(m.name, m.relation, m.membership_basis) for m in household.members] == [
        ("杨明", "head", "resident"),
        ("李芳", "spouse", "resident"),
        ("杨华", "child", "student_supported"),
        ("杨英", "child", "resident"),
        ("杨秀", "child", "married_out"),
        ("杨强", "child", "migrant_worker"),
    ]
    assert household.members[0].id_number == HEAD_ID
    assert household.members[0].birth_date == HEAD_BIRTH and household.members[0].sex == MALE
    assert [m.dibao for m in household.members] == [False, False, False, True, False, False]
    assert [m.registered for m in household.members] == [True, True, True, True, False, True]
    assert household.head_name == "杨明"
    assert household.actual_population == 5
    [sheet] = household.incomes
    assert (sheet.year, sheet.wage, sheet.business, sheet.property_income, sheet.transfer, sheet.production_costs) == (
        2016,
        900_000,
        455_049,
        0,
        219_946,
        50_000,
    )
    assert household.flags == "|below_line|"
    assert editor.flag_codes() == ["below_line"]
    assert editor.flags_table.item(0, 0).text() == "ID-1"
    assert "3,049.99" in editor.flags_table.item(0, 2).text()
    assert editor.heading.text().startswith("Household of 杨明")
    assert count(editor_store, Household) == 1


def test_birth_date_mismatch_and_duplicate_id_warn_but_save_ID2(qtbot, open_editor, editor_store, group_ids):
    """ID-2: a birth date typed against the ID number, or a number already in another household,
    is shown as a warning next to the field but does not block saving; both become flags."""
    other = family_draft(group_ids["G2"])
    households.save(editor_store, other)
    shared = other.members[3].id_number  # 杨英's number, already in the other household

    editor = open_editor(None)
    kb = Keyboard(qtbot)
    kb.choose(group_ids["G1"])
    click_tab(qtbot, editor, 1)
    click(qtbot, editor.m_name)
    kb.type("王红")
    kb.tab(editor.m_id)
    number = make("530502", dt.date(1980, 1, 1), 40, FEMALE)
    kb.type(number)
    assert editor.m_birth.text() == "1980-01-01" and editor.m_sex.currentData() == FEMALE
    kb.tab(editor.m_relation)
    kb.tab(editor.m_sex)
    kb.tab(editor.m_birth)
    kb.select_all_and_type("1980-01-02")
    message = editor._member_messages["birth_date"]
    assert message.isVisible() and message.severity == "warning"
    assert "1980-01-01" in message.text()
    kb.enter()
    add_member(qtbot, kb, editor, "杨英", shared, relation="child")
    assert editor.member_model.problems(1)[0].severity == "warning"
    assert "also registered" in editor.member_model.problems(1)[0].message

    with qtbot.waitSignal(editor.saved, timeout=2000) as saved:
        click(qtbot, editor.save_button)
    assert "Saved, with 2 warning(s)" in editor.summary.text()
    household = saved_household(editor_store, saved.args[0])
    assert household.members[0].birth_date == dt.date(1980, 1, 2)
    assert "|id_mismatch|" in household.flags and "|duplicate_id|" in household.flags
    assert {"id_mismatch", "duplicate_id"} <= set(editor.flag_codes())


def test_enter_on_empty_form_adds_nothing_and_bad_birth_date_is_refused_ID2(qtbot, open_editor, editor_store):
    """ID-2: Enter on an empty member form adds no blank member; a birth date that is no date is
    said so next to the field and the member is not added until it is corrected."""
    editor = open_editor(None)
    kb = Keyboard(qtbot)
    click_tab(qtbot, editor, 1)
    click(qtbot, editor.m_name)
    kb.enter()
    assert editor.member_model.rowCount() == 0
    kb.type("Zhang San")
    kb.tab(editor.m_id)
    kb.tab(editor.m_relation)
    kb.tab(editor.m_sex)
    kb.tab(editor.m_birth)
    kb.type("1970-02-30")
    kb.enter()
    assert editor.member_model.rowCount() == 0
    assert "no day 30 in 1970-02" in editor._member_messages["birth_date"].text()
    assert focused() is editor.m_birth
    kb.select_all_and_type("1970-02-28")
    kb.enter()
    assert editor.member_model.rowCount() == 1
    assert editor.member_model.members[0].birth_date == dt.date(1970, 2, 28)
    click(qtbot, editor.save_button)
    assert count(editor_store, Household) == 0
    assert "18 characters" in editor._member_messages["id_number"].text()


def test_unticking_registered_for_a_member_flags_partial_household_ID3(qtbot, open_editor, editor_store, group_ids):
    """ID-3: a household member left out of the registration makes the household partial; the flags
    tab shows the rule and its explanation after saving."""
    household_id = households.save(editor_store, family_draft(group_ids["G1"]))
    editor = open_editor(household_id)
    kb = Keyboard(qtbot)
    click_tab(qtbot, editor, 1)
    assert editor.population_label.text() == "4 people entered; actual population: 4"
    click_row(qtbot, editor.member_table, 3)
    assert editor.m_name.text() == "杨英"
    editor.m_registered.setFocus()
    kb.key(Qt.Key.Key_Space)
    kb.enter()
    with qtbot.waitSignal(editor.saved, timeout=2000):
        click(qtbot, editor.save_button)
    household = saved_household(editor_store, household_id)
    assert [m.registered for m in household.members] == [True, True, True, False]
    assert "|partial_household|" in household.flags
    click_tab(qtbot, editor, 4)
    row = editor.flag_codes().index("partial_household")
    assert editor.flags_table.item(row, 0).text() == "ID-3"
    assert "杨英" in editor.flags_table.item(row, 2).text()


# --------------------------------------------------------------------------------------------
# The identification workflow
# --------------------------------------------------------------------------------------------
def test_workflow_tab_asks_to_save_first_ID5(open_editor):
    """ID-5: steps are recorded for a saved household only."""
    editor = open_editor(None)
    editor.tabs.setCurrentIndex(3)
    assert editor.workflow_placeholder.isVisible()
    assert not editor.workflow_body.isVisible()


def test_workflow_steps_in_order_with_notice_of_seven_days_ID5_PN1(qtbot, open_editor, editor_store, group_ids):
    """ID-5, PN-1: only the next step is offered; the core refuses a skipped step; proposal needs the
    circumstances and, for an omission, the reason; a notice shorter than 7 full days is refused,
    7 days accepted; an open objection blocks entry until re-verified; entry records the number."""
    household_id = households.save(editor_store, family_draft(group_ids["G1"]))
    editor = open_editor(household_id)
    kb = Keyboard(qtbot)
    click_tab(qtbot, editor, 3)
    assert editor.workflow_body.isVisible()
    assert editor.workflow_state_label.text() == "Workflow state: not started"
    assert editor.step_box.title() == "Next step: proposed by the village"
    assert editor.steps_table.rowCount() == 0

    # The form offers only the next step; the core refuses a skipped one.
    with pytest.raises(WorkflowError, match="cannot be skipped"):
        households.record_step(
            editor_store, household_id, StepInput("audited", dt.date(2016, 10, 8), "Township audit team")
        )
    assert count(editor_store, WorkflowStep) == 0

    def record(date: str, who: str, notes: str = "") -> None:
        click(qtbot, editor.step_date)
        kb.date(date)
        click(qtbot, editor.step_by)
        kb.select_all_and_type(who)
        if notes:
            click(qtbot, editor.step_notes)
            kb.type(notes)
        click(qtbot, editor.record_step_button)

    # Proposal: circumstances are required; an omission needs its reason.
    record("2016-10-08", "Village committee")
    assert "circumstances" in editor.step_message.text() and editor.step_message.isVisible()
    assert count(editor_store, WorkflowStep) == 0
    click(qtbot, editor.step_notes)
    kb.type("Head ill since 2015, two children at school")
    click(qtbot, editor.step_omission)
    click(qtbot, editor.record_step_button)
    assert "reason it was missed" in editor.step_message.text()
    click(qtbot, editor.step_omission_reason)
    kb.type("Working away during the 2015 identification")
    click(qtbot, editor.record_step_button)
    assert editor.steps_table.rowCount() == 1
    assert editor.step_box.title() == "Next step: home-visit audit by the township command centre"
    assert not editor.step_omission.isVisible(), "the omission fields belong to the proposal only"

    # Audit: cannot be dated before the proposal.
    record("2016-10-07", "Command centre")
    assert "cannot be dated before 2016-10-08" in editor.step_message.text()
    assert count(editor_store, WorkflowStep) == 1
    record("2016-10-10", "Command centre", "Home visit done")
    record("2016-10-12", "Representatives assembly", "Approved 31 of 33")
    assert editor.step_box.title() == "Next step: public notice"
    assert editor.step_notice_place.isVisible() and editor.step_notice_end.isVisible()

    # Public notice (PN-1): 6 days is refused, 7 days is accepted.
    click(qtbot, editor.step_date)
    kb.date("2016-10-14")
    click(qtbot, editor.step_by)
    kb.type("Village committee")
    click(qtbot, editor.step_notice_place)
    kb.type("V1 notice board")
    assert editor.step_notice_end.value() == dt.date(2016, 10, 21), "offered: the earliest end allowed"
    click(qtbot, editor.step_notice_end)
    kb.date("2016-10-20")
    click(qtbot, editor.record_step_button)
    assert "at least 7 full days" in editor.step_message.text()
    assert "2016-10-21" in editor.step_message.text()
    assert count(editor_store, WorkflowStep) == 3
    click(qtbot, editor.step_notice_end)
    kb.date("2016-10-21")
    click(qtbot, editor.record_step_button)
    assert not editor.step_message.isVisible()
    assert count(editor_store, WorkflowStep) == 4

    # An objection raised during the notice blocks entry until it is re-verified.
    click(qtbot, editor.objection_date)
    kb.date("2016-10-16")
    click(qtbot, editor.objection_content)
    kb.type("Neighbour says the son works in town")
    click(qtbot, editor.add_objection_button)
    assert editor.objections_table.rowCount() == 1
    assert editor.step_box.title() == "Next step: entered into the national system"
    click(qtbot, editor.step_national_number)
    kb.type("530502000123")
    record("2016-10-22", "Township office")
    assert "not re-verified" in editor.step_message.text()
    assert count(editor_store, WorkflowStep) == 4
    click(qtbot, editor.resolve_button)
    assert "Select the objection" in editor.objection_message.text()
    click_row(qtbot, editor.objections_table, 0)
    click(qtbot, editor.resolution_date)
    kb.date("2016-10-20")
    click(qtbot, editor.resolution_text)
    kb.type("Visited: the son studies, no income")
    click(qtbot, editor.resolve_button)
    assert editor.objections_table.item(0, 4).text() == "Visited: the son studies, no income"
    click(qtbot, editor.step_national_number)
    kb.select_all_and_type("530502000123")
    with qtbot.waitSignal(editor.changed, timeout=2000):
        click(qtbot, editor.record_step_button)

    assert editor.workflow_state_label.text() == "Workflow state: entered into the national system"
    assert editor.workflow_done_label.text() == "All steps of the workflow are recorded."
    assert not editor.record_step_button.isVisible()
    assert editor.national_number_edit.text() == "530502000123"
    household = saved_household(editor_store, household_id)
    assert [(s.step, s.done_on) for s in household.steps] == [
        ("proposed", dt.date(2016, 10, 8)),
        ("audited", dt.date(2016, 10, 10)),
        ("evaluated", dt.date(2016, 10, 12)),
        ("noticed", dt.date(2016, 10, 14)),
        ("entered", dt.date(2016, 10, 22)),
    ]
    proposal, notice = household.steps[0], household.steps[3]
    assert proposal.is_omission and proposal.omission_reason == "Working away during the 2015 identification"
    assert proposal.notes == "Head ill since 2015, two children at school"
    assert (notice.notice_place, notice.notice_end) == ("V1 notice board", dt.date(2016, 10, 21))
    assert household.objections[0].resolved_on == dt.date(2016, 10, 20)
    assert household.national_number == "530502000123"
    assert household.workflow_step == "entered"

    # Saving the household afterwards keeps the number the workflow recorded.
    with qtbot.waitSignal(editor.saved, timeout=2000):
        click(qtbot, editor.save_button)
    assert saved_household(editor_store, household_id).national_number == "530502000123"


def test_step_not_approved_closes_workflow_ID5(qtbot, open_editor, editor_store, group_ids):
    """ID-5: a step that did not pass closes the workflow; no further step is offered."""
    household_id = households.save(editor_store, family_draft(group_ids["G1"]))
    editor = open_editor(household_id)
    kb = Keyboard(qtbot)
    click_tab(qtbot, editor, 3)
    click(qtbot, editor.step_by)
    kb.type("Village committee")
    click(qtbot, editor.step_notes)
    kb.type("Proposed after the village meeting")
    click(qtbot, editor.step_passed)
    click(qtbot, editor.record_step_button)
    assert editor.workflow_state_label.text() == "Workflow state: not approved"
    assert "closed" in editor.workflow_done_label.text()
    assert not editor.record_step_button.isVisible()
    assert saved_household(editor_store, household_id).steps[0].passed is False


# --------------------------------------------------------------------------------------------
# Loading and saving existing households
# --------------------------------------------------------------------------------------------
def test_demo_household_round_trip_ID2(qtbot, tmp_path):
    """ID-2: a demo household loads with its members and membership bases and saves unchanged."""
    store = open_store(tmp_path / "demo.sqlite")
    try:
        demo_data.generate(store, 2, 20, 1)
        with store.session() as session:
            household_id, population, flags = session.execute(
                select(Household.id, Household.actual_population, Household.flags).order_by(
                    Household.actual_population.desc()
                )
            ).first()
            before = [
                (m.name, m.id_number, m.membership_basis, m.dibao)
                for m in households.load_household(session, household_id).members
            ]
        editor = HouseholdEditor(store, household_id)
        qtbot.addWidget(editor)
        assert editor.member_model.rowCount() == len(before)
        assert f"actual population: {population}" in editor.population_label.text()
        assert editor.flag_codes() == [code for code in flags.split("|") if code]
        with qtbot.waitSignal(editor.saved, timeout=2000):
            editor.save_button.click()
        household = saved_household(store, household_id)
        assert [(m.name, m.id_number, m.membership_basis, m.dibao) for m in household.members] == before
        assert household.actual_population == population
    finally:
        store.close()


def test_cancel_emits_cancelled_and_saves_nothing(qtbot, open_editor, editor_store):
    editor = open_editor(None)
    kb = Keyboard(qtbot)
    click_tab(qtbot, editor, 1)
    click(qtbot, editor.m_name)
    kb.type("Li Si")
    with qtbot.waitSignal(editor.cancelled, timeout=1000):
        click(qtbot, editor.cancel_button)
    assert count(editor_store, Household) == 0
    assert count(editor_store, IncomeWorksheet) == 0


def test_new_members_labour_capacity_follows_age_from_the_id_number_AG_1(qtbot, open_editor, group_ids):
    """AG-1 (the employment agreement's commitments), ID-1: a new member's labour capacity follows the age the
    ID number gives — a child has none, a person of 60 or more weak labour — until someone chooses it."""
    editor = open_editor(None)
    kb = Keyboard(qtbot)
    click_tab(qtbot, editor, 1)
    today = dt.date.today()
    adult = make("530502", dt.date(today.year - 40, 1, 1), 11, MALE)
    child = make("530502", dt.date(today.year - 6, 1, 1), 13, MALE)
    elder = make("530502", dt.date(today.year - 70, 1, 1), 15, MALE)
    chosen = make("530502", dt.date(today.year - 8, 1, 1), 17, MALE)
    add_member(qtbot, kb, editor, "杨明", adult, relation="head")
    add_member(qtbot, kb, editor, "杨小", child)
    add_member(qtbot, kb, editor, "杨老", elder, relation="parent")
    add_member(qtbot, kb, editor, "杨帮", chosen, labour="weak")  # chosen by hand: kept
    assert [m.labour for m in editor.member_model.members] == ["normal", "none", "weak", "weak"]
