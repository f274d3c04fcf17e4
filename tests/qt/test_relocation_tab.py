"""The household editor's "Relocation and housing" tab, driven like a user: the relocation verification
(RL-1 to RL-4, HS-5) and the household's housing plans (saved with their parameter version, reopened,
compared). Each test ends by looking at what the store holds.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from builders import family_draft
from user_actions import click_check, retype
from xinjie_desktop.core.records import households, housing_plans, township
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.rules import relocation
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.store.models import RelocationVerification, SavedHousingPlan
from xinjie_desktop.qt.households.household_editor import RELOCATION_TAB, HouseholdEditor
from xinjie_desktop.qt.relocation.relocation_tab import RelocationTab

pytestmark = pytest.mark.gui


@pytest.fixture
def household_id(store):
    township.set_up(store, "T", "C", {"V1": ["G1", "G2"]})
    with store.session() as session:
        group = township.groups(session)[0].id
    return households.save(store, family_draft(group, national_number="5305020001"))


@pytest.fixture
def tab(qtbot, prepared_app, store, household_id):
    widget = RelocationTab(store, household_id)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def choose(qtbot, combo, code: str) -> None:
    """Arrow keys through a closed list until ``code`` is chosen."""
    combo.setFocus()
    target = combo.findData(code)
    assert target >= 0, code
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count()):
        if combo.currentData() == code:
            break
        qtbot.keyClick(combo, key)
    assert combo.currentData() == code


def stored_verifications(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(RelocationVerification))


def fill_in_scope(qtbot, tab, reason: str = "Landslide zone above the river") -> None:
    click_check(qtbot, tab.in_scope_check)
    assert tab.in_scope_check.isChecked()
    choose(qtbot, tab.area_combo, "harsh")
    if reason:
        tab.area_reason_edit.setFocus()
        qtbot.keyClicks(tab.area_reason_edit, reason)
    choose(qtbot, tab.mode_combo, "centralised")
    retype(qtbot, tab.site_edit, "Xinjie site")
    choose(qtbot, tab.building_mode_combo, "unified")


def test_rl1_missing_reason_shows_the_message_inline_and_stores_nothing(qtbot, tab, store):
    """RL-1: a household in scope without the reason it must move is not saved; the core's message is shown
    next to the reason field."""
    fill_in_scope(qtbot, tab, reason="")
    assert tab.has_unsaved_changes()
    qtbot.mouseClick(tab.save_verification_button, Qt.MouseButton.LeftButton)
    message = tab._messages["area_reason"]
    assert message.isVisible() and "RL-1" in message.text()
    assert "Not saved" in tab.verification_status.text()
    assert stored_verifications(store) == 0


def test_rl3_rl4_complete_verification_with_sign_offs_is_stored(qtbot, tab, store, household_id):
    """RL-3 and RL-4: in scope with area and reason, coordinates, the notice posted 7 days, an objection
    re-verified, and the secretary, director and work-team leader signing before submission: saved."""
    fill_in_scope(qtbot, tab)
    retype(qtbot, tab.latitude_edit, "25.1120")
    retype(qtbot, tab.longitude_edit, "99.1680")
    retype(qtbot, tab.notice_start_edit, "2017-04-14")
    retype(qtbot, tab.notice_end_edit, "2017-04-21")
    retype(qtbot, tab.notice_place_edit, "Village notice board")
    tab.objections_edit.setFocus()
    qtbot.keyClicks(tab.objections_edit, "Neighbour says the house is safe")
    tab.reverification_edit.setFocus()
    qtbot.keyClicks(tab.reverification_edit, "Re-checked on site: landslide confirmed")
    for number, (_name, (name_edit, date_edit)) in enumerate(tab.signer_edits.items()):
        retype(qtbot, name_edit, f"Signer {number}")
        retype(qtbot, date_edit, "2017-04-22")
    retype(qtbot, tab.submitted_edit, "2017-04-23")
    qtbot.mouseClick(tab.save_verification_button, Qt.MouseButton.LeftButton)
    assert tab.verification_status.text() == "Verification saved.", tab.verification_status.text()
    assert not tab.has_unsaved_changes()
    stored = relocation_records.load(store, household_id)
    assert stored.in_scope and stored.area_category == "harsh" and stored.latitude == "25.1120"
    assert (stored.secretary, stored.director, stored.team_leader) == ("Signer 0", "Signer 1", "Signer 2")
    assert str(stored.submitted_on) == "2017-04-23"
    assert stored_verifications(store) == 1


def test_rl4_submission_without_sign_offs_is_refused(qtbot, tab, store):
    """RL-4: a submission date without the three signatures and the coordinates is refused, inline."""
    fill_in_scope(qtbot, tab)
    retype(qtbot, tab.submitted_edit, "2017-04-23")
    qtbot.mouseClick(tab.save_verification_button, Qt.MouseButton.LeftButton)
    for name in ("secretary", "director", "team_leader", "latitude"):
        assert tab._messages[name].isVisible() and "RL-4" in tab._messages[name].text(), name
    assert stored_verifications(store) == 0


def test_hs5_building_modes_follow_the_resettlement_mode(qtbot, tab):
    """HS-5: a registered household at a centralised site builds unified only; dispersed resettlement
    allows unified or unified-joint; the other modes cannot be chosen."""
    click_check(qtbot, tab.in_scope_check)
    choose(qtbot, tab.mode_combo, "centralised")
    assert tab.allowed_building_modes() == list(relocation.building_modes_allowed("centralised", "registered"))
    assert tab.allowed_building_modes() == ["unified"]
    choose(qtbot, tab.mode_combo, "dispersed")
    assert tab.allowed_building_modes() == ["unified", "unified_joint"]
    tab.building_mode_combo.setFocus()
    for _ in range(6):
        qtbot.keyClick(tab.building_mode_combo, Qt.Key.Key_Down)
    assert tab.building_mode_combo.code() in ("unified", "unified_joint")


def test_hs2_sb1_plan_prefilled_saved_with_its_version_and_reopened(qtbot, tab, store, household_id):
    """HS-2, SB-1: the calculator starts from the household's actual population (4, registered); a saved plan
    stores the parameter version, and reopening it shows the same figures."""
    tab.inner_tabs.setCurrentIndex(1)
    calc = tab.calculator
    assert calc.people_spin.value() == 4 and calc.kind_combo.code() == "registered"
    retype(qtbot, calc.unit_cost_edit, "1200")
    qtbot.mouseClick(calc.layout_buttons[100], Qt.MouseButton.LeftButton)
    shown_before = [calc.money_table.item(row, 1).text() for row in range(calc.money_table.rowCount())]
    expected = calculate(PlanInput(people=4, unit_cost=Decimal(1200), layout=100), current())
    assert calc.result() == expected
    qtbot.mouseClick(tab.save_plan_button, Qt.MouseButton.LeftButton)
    plans = housing_plans.saved_plans(store, household_id)
    assert len(plans) == 1 and plans[0].parameters_version == current().version
    assert tab.plans_model.rowCount() == 1
    assert tab.plans_model.index(0, 1).data() == current().version
    assert tab.plans_model.index(0, 2).data() == "100 m²"

    retype(qtbot, calc.unit_cost_edit, "900")  # a what-if
    qtbot.mouseClick(calc.layout_buttons[75], Qt.MouseButton.LeftButton)
    assert calc.result().building_cost == Decimal("67500.00")
    tab.plans_view.selectRow(0)
    qtbot.mouseClick(tab.reopen_button, Qt.MouseButton.LeftButton)
    assert calc.result() == housing_plans.reopen(plans[0]) == expected
    assert [calc.money_table.item(row, 1).text() for row in range(calc.money_table.rowCount())] == shown_before

    qtbot.mouseClick(tab.compare_button, Qt.MouseButton.LeftButton)
    assert housing_plans.compare(plans[0]) == []
    assert "every figure is the same" in tab.compare_message.text()


def test_hs4_plan_with_co_ownership_needs_the_co_investor(qtbot, tab, store, household_id):
    """HS-1, HS-4 (2): a rectification case is saved with the chosen way and the co-investor's details."""
    tab.inner_tabs.setCurrentIndex(1)
    calc = tab.calculator
    retype(qtbot, calc.start_edit, "2017-02-20")
    retype(qtbot, calc.unit_cost_edit, "1200")
    retype(qtbot, calc.built_area_edit, "160")
    assert calc.options_box.isVisible()
    click_check(qtbot, calc.option_buttons["relatives"])
    assert calc.chosen_option() == "relatives"
    qtbot.mouseClick(tab.save_plan_button, Qt.MouseButton.LeftButton)
    assert "co-investor" in tab.plan_status.text()
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(SavedHousingPlan)) == 0
    retype(qtbot, calc.co_investor_name, "Yang Wei")
    retype(qtbot, calc.co_investor_details, "son, 13800000000")
    qtbot.mouseClick(tab.save_plan_button, Qt.MouseButton.LeftButton)
    saved = housing_plans.saved_plans(store, household_id)[0]
    assert (saved.chosen_option, saved.co_investor) == ("relatives", "Yang Wei; son, 13800000000")
    assert not saved.compliant


def test_editor_tab_needs_a_saved_household_and_counts_unsaved_verification(qtbot, prepared_app, store, household_id):
    """The tab is disabled for a new household and says to save first; typed verification edits count as
    unsaved changes of the household editor, and the editor's Save saves them (RL-1)."""
    new = HouseholdEditor(store, None)
    qtbot.addWidget(new)
    assert not new.tabs.isTabEnabled(RELOCATION_TAB)
    assert "Save the household first" in new.tabs.tabToolTip(RELOCATION_TAB)

    editor = HouseholdEditor(store, household_id)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    with qtbot.waitExposed(editor):
        editor.show()
    assert editor.tabs.isTabEnabled(RELOCATION_TAB)
    editor.tabs.setCurrentIndex(RELOCATION_TAB)
    tab = editor.relocation_tab
    assert not editor.has_unsaved_changes()
    fill_in_scope(qtbot, tab, reason="")
    assert editor.has_unsaved_changes()
    assert editor.save() is None  # the verification lacks its reason
    assert tab._messages["area_reason"].isVisible()
    assert stored_verifications(store) == 0
    tab.area_reason_edit.setFocus()
    qtbot.keyClicks(tab.area_reason_edit, "Rockfall")
    assert editor.save() == household_id
    assert stored_verifications(store) == 1
    assert not editor.has_unsaved_changes()


def test_print_summary_writes_the_one_page_pdf(qtbot, tab, tmp_path):
    """The shown plan prints through core.documents.plan_summary (HS-2, SB-1 figures from the core)."""
    assert tab.print_button.text() == "Print summary…"  # always offered: the summary is part of the program
    target = tmp_path / "plan.pdf"
    tab.write_summary(target, tab.calculator.last_input(), tab.calculator.result())
    assert target.read_bytes().startswith(b"%PDF")
