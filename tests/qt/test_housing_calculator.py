"""The housing-plan calculator driven like a user (key presses and clicks): what it shows equals
what ``core.rules.housing_plan.calculate`` answers for the same inputs (HS-1 to HS-4, SB-1, SB-2, LN-1, HB-1).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from user_actions import click_check, retype
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.qt.relocation.housing_calculator import MONEY_ROWS, HousingCalculator

pytestmark = pytest.mark.gui


@pytest.fixture
def calc(qtbot, prepared_app):
    widget = HousingCalculator()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def set_people(qtbot, calc, people: int) -> None:
    editor = calc.people_spin.lineEdit()
    calc.people_spin.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, str(people))
    assert calc.people_spin.value() == people


def shown_money(calc) -> dict[str, str]:
    return {attr: calc.money_table.item(row, 1).text() for row, (attr, _label, _key) in enumerate(MONEY_ROWS)}


def expected_money(result) -> dict[str, str]:
    shown = {}
    for attr, _label, _key in MONEY_ROWS:
        value = getattr(result, attr)
        text = "\u2014" if value is None else f"{format_yuan(value)} yuan"
        if attr == "subsidy_and_reward" and result.cap_reached:
            text += " (cap reached)"
        full = {"subsidy_paid": result.subsidy, "reward_paid": result.reward}.get(attr)
        if full is not None and value < full:
            text += f" ({format_yuan(full)} yuan before the HS-3 cap)"
        shown[attr] = text
    return shown


def test_hs2_hs3_sb1_typed_inputs_show_the_cores_figures(qtbot, calc):
    """HS-2, HS-3, SB-1: typing the people, unit cost, layout and own funds recalculates live; every figure
    shown equals core.calculate's for the same inputs."""
    set_people(qtbot, calc, 5)
    retype(qtbot, calc.unit_cost_edit, "1300")
    qtbot.mouseClick(calc.layout_buttons[125], Qt.MouseButton.LeftButton)
    retype(qtbot, calc.own_funds_edit, "8000")
    click_check(qtbot, calc.demolition_check)
    assert calc.demolition_check.isChecked()

    expected = calculate(
        PlanInput(people=5, unit_cost=Decimal(1300), layout=125, own_funds=Decimal(8000), demolition_signed=True),
        current(),
    )
    assert calc.result() == expected
    assert shown_money(calc) == expected_money(expected)
    assert calc.per_capita_label.text() == "25 m²"
    assert expected.building_cost == Decimal("162500.00") and expected.subsidy == Decimal(100000)
    assert expected.reward == Decimal(30000)
    assert calc.verdict_label.text() == ("The plan complies." if expected.compliant else "The plan does not comply:")


def test_sb1_hs3_cap_reached_is_marked(qtbot, calc):
    """SB-1 and HS-3: 4 people, 100 m² at 1,000 yuan: subsidy 80,000 + reward 24,000 is capped at the
    100,000 building cost of the standard, and the table says the cap is reached."""
    set_people(qtbot, calc, 4)
    retype(qtbot, calc.unit_cost_edit, "1000")
    qtbot.mouseClick(calc.layout_buttons[100], Qt.MouseButton.LeftButton)
    click_check(qtbot, calc.demolition_check)
    result = calc.result()
    assert result.cap_reached and result.subsidy_and_reward == Decimal("100000.00")
    assert shown_money(calc)["subsidy_and_reward"] == "100,000.00 yuan (cap reached)"
    assert shown_money(calc) == expected_money(result)
    # the parts shown add up to the total paid: the reward is cut to 20,000 (issue 14)
    assert shown_money(calc)["subsidy_paid"] == "80,000.00 yuan"
    assert shown_money(calc)["reward_paid"] == "20,000.00 yuan (24,000.00 yuan before the HS-3 cap)"
    assert "HS-3" in calc.money_table.item(3, 1).toolTip()


def test_sb2_synchronised_household_figures(qtbot, calc):
    """SB-2: a synchronised household gets 15,000 a household and may borrow 60,000, as the core says."""
    calc.kind_combo.setFocus()
    qtbot.keyClick(calc.kind_combo, Qt.Key.Key_Down)
    assert calc.kind_combo.code() == "synchronised"
    retype(qtbot, calc.unit_cost_edit, "1100")
    retype(qtbot, calc.loan_edit, "60000")
    expected = calculate(
        PlanInput(people=4, kind="synchronised", unit_cost=Decimal(1100), loan=Decimal(60000)), current()
    )
    assert shown_money(calc) == expected_money(expected)
    assert shown_money(calc)["subsidy_paid"] == "15,000.00 yuan"
    assert shown_money(calc)["loan_allowed"] == "60,000.00 yuan"


def test_hs2_three_people_disable_the_100_layout_with_the_reason(qtbot, calc):
    """HS-2: 3 people may have at most 75 m²; the 100, 125 and 150 m² layouts are disabled and say why."""
    set_people(qtbot, calc, 3)
    assert calc.layout_buttons[75].isEnabled()
    for layout in (100, 125, 150):
        assert not calc.layout_buttons[layout].isEnabled()
    why = calc.result().explanations["allowed_layouts"].text
    assert calc.layout_buttons[100].toolTip() == why
    assert calc.layout_note.isVisible() and why in calc.layout_note.text()
    qtbot.mouseClick(calc.layout_buttons[100], Qt.MouseButton.LeftButton)  # a disabled button does nothing
    assert calc.layout_group.checkedId() != 100
    set_people(qtbot, calc, 6)
    assert all(button.isEnabled() for button in calc.layout_buttons.values())
    assert not calc.layout_note.isVisible()


def rectification_case(qtbot, calc, start: str) -> None:
    set_people(qtbot, calc, 4)
    retype(qtbot, calc.start_edit, start)
    retype(qtbot, calc.unit_cost_edit, "1200")
    retype(qtbot, calc.built_area_edit, "160")
    retype(qtbot, calc.loan_edit, "60000")


def test_hs1_hs4_co_ownership_only_for_a_house_started_by_the_key_date(qtbot, calc):
    """HS-1 and HS-4 (2): a 160 m² house of 4 people started 2017-02-28 is rectified by co-ownership, and the
    selector shows the core's three ways with who pays what; started 2017-03-01 it is not offered (LN-1 loan)."""
    rectification_case(qtbot, calc, "2017-02-28")
    result = calc.result()
    assert result.options and calc.options_box.isVisible()
    assert list(calc.option_buttons) == [o.code for o in result.options]
    for option in result.options:
        detail = calc.option_details[option.code].text()
        assert f"{format_yuan(option.investor_pays)} yuan" in detail
        assert f"{format_yuan(option.buy_back_price)} yuan" in detail
        assert str(option.investor_share) in detail
    click_check(qtbot, calc.option_buttons["district_company"])
    assert calc.chosen_option() == "district_company"
    company = next(o for o in result.options if o.code == "district_company")
    assert company.conditions in calc.conditions_label.text()
    assert calc.co_investor_name.isEnabled()
    retype(qtbot, calc.co_investor_name, "Longyang company")
    assert calc.co_investor() == "Longyang company"
    assert shown_money(calc)["loan_taken_over"] == "60,000.00 yuan"

    retype(qtbot, calc.start_edit, "2017-03-01")
    assert not calc.result().options
    assert not calc.options_box.isVisible()
    assert calc.chosen_option() == ""
    assert "Started after 2017-02-28" in calc.reasons_label.text()


def test_hs4_two_people_without_labour_go_to_the_elderly_home(qtbot, calc):
    """HS-4 (1): a household of 2 without labour capacity is told to move to the happiness home or the
    township home for the elderly."""
    set_people(qtbot, calc, 2)
    assert not calc.elderly_label.isVisible()
    click_check(qtbot, calc.labour_check)
    assert not calc.labour_check.isChecked()
    result = calc.result()
    assert result.elderly_home
    assert calc.elderly_label.isVisible()
    assert calc.elderly_label.text() == result.explanations["elderly_home"].text
    assert "happiness home" in calc.elderly_label.text()
    assert calc.verdict_label.text() == "The plan does not comply:"


def test_hb1_homestead_and_explanations_name_the_rules(qtbot, calc):
    """HB-1: a 180 m² homestead on basin farmland: 150 m² limit, 30 m² becomes garden; every figure's
    explanation shows the rule IDs, the sentence and the plan's own Chinese words."""
    calc.zone_combo.setFocus()
    qtbot.keyClick(calc.zone_combo, Qt.Key.Key_Down)
    calc.land_combo.setFocus()
    qtbot.keyClick(calc.land_combo, Qt.Key.Key_Down)
    assert (calc.zone_combo.code(), calc.land_combo.code()) == ("basin", "farmland")
    retype(qtbot, calc.homestead_edit, "180")
    result = calc.result()
    assert result.homestead_limit_m2 == 150 and result.garden_m2 == Decimal(30)
    assert calc.homestead_label.text() == "at most 150 m²; 30 m² becomes garden"
    assert "HB-1" in calc.homestead_label.toolTip()
    retype(qtbot, calc.unit_cost_edit, "1000")
    calc.money_table.setCurrentCell(1, 0)  # the subsidy row
    explanation = calc.result().explanations["subsidy"]
    assert "SB-1" in calc.explain_label.text()
    assert explanation.text in calc.explain_label.text()
    assert explanation.plan and explanation.plan in calc.explain_label.text()


def test_an_unreadable_input_is_shown_next_to_its_field(qtbot, calc):
    """A unit cost that is not an amount: the message is next to the field, no figure is shown."""
    retype(qtbot, calc.unit_cost_edit, "12a")
    assert calc.result() is None
    assert calc._messages["unit_cost"].isVisible()
    assert shown_money(calc)["subsidy_paid"] == "\u2014"
    retype(qtbot, calc.unit_cost_edit, "1200")
    assert calc.result() is not None and not calc._messages["unit_cost"].isVisible()


@pytest.mark.parametrize(("field", "text"), [("unit_cost", "1e30"), ("unit_cost", "9" * 40), ("built_area", "1e30")])
def test_a_huge_or_exponent_input_is_shown_next_to_its_field(qtbot, calc, field, text):
    """Issue 13 case 14: the window reads amounts and areas by the command line's rule (core.rules.money):
    beyond the limit, or in exponent notation, the field says so; the calculation never overflows."""
    edit = {"unit_cost": calc.unit_cost_edit, "built_area": calc.built_area_edit}[field]
    retype(qtbot, calc.start_edit, "2017-01-01")
    retype(qtbot, edit, text)
    assert calc.result() is None
    assert calc._messages[field].isVisible()


def test_set_plan_input_round_trips(qtbot, calc):
    plan = PlanInput(
        people=4,
        start_date=dt.date(2017, 2, 1),
        unit_cost=Decimal("1250.50"),
        built_area=Decimal(160),
        own_funds=Decimal(10000),
        loan=Decimal(60000),
        demolition_signed=True,
        zone="mountain",
        land="unused",
        homestead_area=Decimal(210),
    )
    calc.set_plan_input(plan)
    assert calc.plan_input() == plan
    assert calc.result() == calculate(plan, current())
