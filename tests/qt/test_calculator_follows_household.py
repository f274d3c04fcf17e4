"""The housing calculator shows the household as it is now (issue 14), driven like a user.

HS-2, SB-1: a member added and saved counts at once (actual population, area limit, subsidy), without
opening another household; a saved plan made for the household as it was is marked out of date,
naming what changed.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from test_household_editor import Keyboard, add_member, click_tab, editor_store, group_ids, open_editor  # noqa: F401

from builders import family_draft
from xinjie_desktop.core.records import households, housing_plans
from xinjie_desktop.core.rules.housing_plan import calculate
from xinjie_desktop.core.rules.idnumber import FEMALE, make
from xinjie_desktop.qt.households.household_editor import MEMBERS_TAB, RELOCATION_TAB
from xinjie_desktop.qt.relocation.relocation_tab import PLAN_TAB, SAVED_PLANS_TAB

pytestmark = pytest.mark.gui


def test_HS_2_SB_1_member_added_and_saved_counts_in_the_calculator(qtbot, editor_store, group_ids, open_editor):  # noqa: F811
    household_id = households.save(editor_store, family_draft(group_ids["G1"], national_number="5305020001"))
    plan = replace(housing_plans.defaults_for(editor_store, household_id), unit_cost=Decimal(1100), layout=100)
    assert plan.people == 4
    housing_plans.save(editor_store, household_id, plan, calculate(plan, housing_plans.current()))
    editor = open_editor(household_id)
    calculator = editor.relocation_tab.calculator
    assert calculator.people_spin.value() == 4
    assert editor.relocation_tab.plan_stale_label.isHidden()

    click_tab(qtbot, editor, MEMBERS_TAB)
    add_member(
        qtbot, Keyboard(qtbot), editor, "杨芳", make("530502", dt.date(2010, 2, 3), 15, FEMALE), relation="child"
    )
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "Saved" in editor.summary.text()

    click_tab(qtbot, editor, RELOCATION_TAB)
    editor.relocation_tab.inner_tabs.setCurrentIndex(PLAN_TAB)
    assert calculator.people_spin.value() == 5
    assert calculator.result().subsidy == Decimal(100000)  # SB-1: 5 × 20,000
    stale = editor.relocation_tab.plan_stale_label
    assert stale.isVisible() and "4 → 5" in stale.text()
    editor.relocation_tab.inner_tabs.setCurrentIndex(SAVED_PLANS_TAB)
    model = editor.relocation_tab.plans_model
    assert "4 → 5" in model.index(0, model.columnCount() - 1).data()

    qtbot.mouseClick(editor.relocation_tab.save_plan_button, Qt.MouseButton.LeftButton)  # saved again: current
    assert editor.relocation_tab.plan_stale_label.isHidden()
    assert housing_plans.saved_plans(editor_store, household_id)[0].plan.people == 5


def test_HS_4_household_copy_prints_the_chosen_way_without_rule_codes(
    qtbot,
    editor_store,  # noqa: F811
    group_ids,  # noqa: F811
    open_editor,  # noqa: F811
    tmp_path,
):
    """The summary printed from the window for the household names the way chosen and its co-investor,
    without rule codes; the office copy keeps them."""
    import re
    import subprocess

    household_id = households.save(editor_store, family_draft(group_ids["G1"], national_number="5305020001"))
    plan = replace(
        housing_plans.defaults_for(editor_store, household_id),
        unit_cost=Decimal(1200),
        built_area=Decimal(160),
        start_date=dt.date(2016, 10, 1),
        loan=Decimal(60000),
    )
    result = calculate(plan, housing_plans.current())
    housing_plans.save(editor_store, household_id, plan, result, chosen_option="relatives", co_investor="杨大山")
    tab = open_editor(household_id).relocation_tab
    assert tab.calculator.chosen_option() == "relatives"
    texts = {}
    for office in (False, True):
        path = tmp_path / f"{office}.pdf"
        tab.write_summary(path, tab.calculator.last_input(), tab.calculator.result(), office_copy=office)
        texts[office] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "杨大山" in texts[False] and "cooperative" not in texts[False]
    assert not re.search(r"\b(?:HS|SB|LN|HB)-\d", texts[False]) and re.search(r"\bHS-\d", texts[True])


def test_SB_2_summary_household_block_shows_the_plans_kind(
    qtbot,
    editor_store,  # noqa: F811
    group_ids,  # noqa: F811
    open_editor,  # noqa: F811
    tmp_path,
):
    """AG-1, SB-2: the summary's household block names the kind of household the plan used (the source of
    its money), as the agreements do, not the kind the national-system record suggests."""
    import subprocess

    household_id = households.save(editor_store, family_draft(group_ids["G1"], national_number="5305020001"))
    assert housing_plans.defaults_for(editor_store, household_id).kind == "registered"  # in the national system
    tab = open_editor(household_id).relocation_tab
    tab.calculator.kind_combo.set_code("synchronised")  # the cadre works the plan out as a synchronised household
    assert tab.calculator.last_input().kind == "synchronised"
    path = tmp_path / "summary.pdf"
    tab.write_summary(path, tab.calculator.last_input(), tab.calculator.result())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "registered poor household" not in text
    block = text[text.index("1. Household") : text.index("2. Plan inputs")]
    assert "synchronised relocation household" in block
