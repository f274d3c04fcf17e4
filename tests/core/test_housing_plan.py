"""The housing-plan calculator, rule by rule (HS-1..HS-4, HB-1, SB-1, SB-2, LN-1).

Written from ../shared/POLICY.md and the plan's own text (二(三)(四), 三(二)), not from the code: every
expected number is worked out by hand from the policy, with the arithmetic in a comment.
Figures of the 2017 parameters used below: layouts 75/100/125/150 m², at most 25 m² a person and
150 m² a house; key date 2017-02-28 inclusive; registered 20,000 a person + 6,000 a person reward;
synchronised 15,000 a household + 10,000 reward, 60,000 loan; own funds at most 10,000 (registered).
"""

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from xinjie_desktop.core.rules.housing_plan import (
    COOPERATIVE,
    DISTRICT_COMPANY,
    REGISTERED,
    RELATIVES,
    SYNCHRONISED,
    PlanInput,
    PlanInputError,
    calculate,
)

KEY_DATE = dt.date(2017, 2, 28)
DAY_AFTER = dt.date(2017, 3, 1)
EARLY = dt.date(2016, 10, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")
RULE_ID = re.compile(r"^[A-Z]{2}-\d+$")


def plan(params, people, **fields):
    for name in ("unit_cost", "built_area", "own_funds", "loan", "homestead_area"):
        if fields.get(name) is not None:
            fields[name] = D(str(fields[name]))
    return calculate(PlanInput(people=people, **fields), params)


def codes(result):
    return [option.code for option in result.options]


def option(result, code):
    return next(o for o in result.options if o.code == code)


def has_reason(result, *words):
    return any(all(word in reason for word in words) for reason in result.reasons)


# ---------------------------------------------------------------- HS-2 area and layouts


@pytest.mark.parametrize(
    "people, layouts",
    [
        (1, []),  # 1 × 25 = 25 m² < 75: no layout
        (2, []),  # 2 × 25 = 50 m² < 75
        (3, [75]),  # 3 × 25 = 75
        (4, [75, 100]),  # 4 × 25 = 100
        (5, [75, 100, 125]),  # 5 × 25 = 125
        (6, [75, 100, 125, 150]),  # 6 × 25 = 150 ("150 m² for households of 6 or more")
        (7, [75, 100, 125, 150]),  # 7 × 25 = 175, but the house is at most 150
        (12, [75, 100, 125, 150]),  # never above 150
    ],
)
def test_HS_2_allowed_layouts_by_people(params, people, layouts):
    result = plan(params, people)
    assert result.allowed_layouts == layouts
    assert all(layout <= 150 and layout <= 25 * people for layout in result.allowed_layouts)


@pytest.mark.parametrize(
    "people, layout, per_capita",
    [
        (3, 75, D(25)),  # 75 / 3 = 25
        (5, 125, D(25)),  # 125 / 5 = 25
        (6, 150, D(25)),  # 150 / 6 = 25
        (7, 150, D("21.43")),  # 150 / 7 = 21.428… → 21.43
    ],
)
def test_HS_2_default_layout_is_the_largest_allowed(params, people, layout, per_capita):
    result = plan(params, people)
    assert result.layout_m2 == layout
    assert result.per_capita_m2 == per_capita
    assert result.compliant, result.reasons


def test_HS_2_one_or_two_people_with_labour_get_no_standard_layout(params):
    """HS-2 with HS-4 (1): 1–2 people who can work fit no layout (75 m² > 2 × 25 m²); said plainly."""
    for people in (1, 2):
        result = plan(params, people, labour=True)
        assert result.allowed_layouts == []
        assert result.layout_m2 is None
        assert not result.elderly_home
        assert not result.compliant
        assert has_reason(result, "No standard layout")


def test_HS_2_layout_larger_than_allowed_is_not_compliant(params):
    # 4 people: 4 × 25 = 100 m² allowed; 125 m² is 125 / 4 = 31.25 m² a person.
    result = plan(params, 4, layout=125)
    assert result.layout_m2 == 125
    assert result.per_capita_m2 == D("31.25")
    assert not result.compliant
    assert has_reason(result, "125", "100")
    assert has_reason(result, "31.25")


def test_HS_2_chosen_smaller_layout_is_fine(params):
    # 5 people may choose 100 m² (20 m² a person).
    result = plan(params, 5, layout=100)
    assert result.layout_m2 == 100 and result.per_capita_m2 == D(20)
    assert result.compliant


def test_HS_2_built_area_exactly_25_per_person_complies(params):
    # 4 people, 100 m² built after the key date: 100 / 4 = 25.00 m², not more than 25.
    result = plan(params, 4, start_date=DAY_AFTER, built_area=100)
    assert result.per_capita_m2 == D(25)
    assert result.compliant, result.reasons


@pytest.mark.parametrize(
    "people, area",
    [
        (4, "100.04"),  # 100.04 / 4 = 25.01 m² a person
        (3, "75.01"),  # 75.01 / 3 = 25.0033… m² a person: more than 25 even though it shows as 25.00
    ],
)
def test_HS_2_built_area_just_over_25_per_person_breaks(params, people, area):
    result = plan(params, people, start_date=DAY_AFTER, built_area=area)
    assert not result.compliant
    assert has_reason(result, "a person")
    assert not has_reason(result, "is 25 m² a person")  # the figure shown reads as over 25


def test_HS_2_seven_people_never_above_150(params):
    # 7 people, 175 m²: 175 / 7 = 25 m² a person (fine) but 175 > 150 m² largest house.
    result = plan(params, 7, start_date=DAY_AFTER, built_area=175)
    assert result.per_capita_m2 == D(25)
    assert not result.compliant
    assert has_reason(result, "175", "150")


# ---------------------------------------------------------------- HS-1 key date


def test_HS_1_started_on_the_key_date_is_rectified_with_co_ownership(params):
    """HS-1: 2017-02-28 is included; a house breaking the limits is rectified (HS-4 (2) options)."""
    # 4 people built 120 m²: 120 / 4 = 30 m² a person > 25.
    result = plan(params, 4, start_date=KEY_DATE, built_area=120)
    assert result.before_key_date
    assert result.options, "a house started on 2017-02-28 gets the co-ownership options"
    assert "HS-4" in result.rules
    assert not has_reason(result, "no co-ownership")
    assert not result.compliant  # it still breaks the limits until rectified


def test_HS_1_started_the_day_after_is_strict_with_no_options(params):
    result = plan(params, 4, start_date=DAY_AFTER, built_area=120)
    assert not result.before_key_date
    assert result.options == []
    assert not result.compliant
    assert has_reason(result, "2017-02-28", "no co-ownership")
    assert "HS-1" in result.rules


def test_HS_1_not_started_yet_is_held_to_the_limits_strictly(params):
    result = plan(params, 4, layout=125)
    assert not result.before_key_date and result.options == []
    assert has_reason(result, "no co-ownership")


def test_HS_1_within_limits_complies_on_either_side_of_the_key_date(params):
    for start in (KEY_DATE, DAY_AFTER):
        result = plan(params, 4, start_date=start, built_area=100)
        assert result.compliant and result.options == []


def test_HS_1_explanation_quotes_the_plan(params):
    result = plan(params, 4, start_date=KEY_DATE, built_area=100)
    explanation = result.explanations["start_date"]
    assert explanation.rules == ("HS-1",)
    assert "2017-02-28" in explanation.text
    assert "2017年2月28日（含28日）" in explanation.plan


# ---------------------------------------------------------------- SB-1 registered subsidy and reward


@pytest.mark.parametrize(
    "people, subsidy, reward",
    [
        (3, D(60000), D(18000)),  # 3 × 20,000; 3 × 6,000
        (5, D(100000), D(30000)),  # 5 × 20,000; 5 × 6,000
        (7, D(140000), D(42000)),  # 7 × 20,000; 7 × 6,000
    ],
)
def test_SB_1_per_person_subsidy_and_reward_only_with_demolition(params, people, subsidy, reward):
    unsigned = plan(params, people)
    assert (unsigned.subsidy, unsigned.reward, unsigned.subsidy_and_reward) == (subsidy, 0, subsidy)
    signed = plan(params, people, demolition_signed=True)
    assert (signed.subsidy, signed.reward, signed.subsidy_and_reward) == (subsidy, reward, subsidy + reward)
    assert "SB-1" in signed.rules
    assert "人均补助2万元" in signed.explanations["subsidy"].plan
    assert "人均奖励0.6万元" in signed.explanations["reward"].plan


# ---------------------------------------------------------------- HS-3 cap and own funds


def test_HS_3_cap_not_reached(params):
    # 4 people, 100 m² × 1,100 = 110,000; subsidy 4 × 20,000 = 80,000 + reward 4 × 6,000 = 24,000
    # → 104,000 ≤ 110,000 (cap = 100 m² standard × 1,100): not capped; own funds 110,000 − 104,000 = 6,000.
    result = plan(params, 4, layout=100, unit_cost=1100, demolition_signed=True)
    assert result.building_cost == D(110000)
    assert result.subsidy_and_reward == D(104000)
    assert not result.cap_reached
    assert result.own_funds_needed == D(6000)
    assert result.own_funds_limit == D(10000)
    assert result.compliant


def test_HS_3_cap_reached(params):
    # 4 people, 100 m² × 1,000 = 100,000 = cap; subsidy + reward 104,000 > 100,000 → 100,000 paid, own funds 0.
    result = plan(params, 4, layout=100, unit_cost=1000, demolition_signed=True)
    assert result.building_cost == D(100000)
    assert (result.subsidy, result.reward) == (D(80000), D(24000))
    assert result.subsidy_and_reward == D(100000)
    assert result.cap_reached
    assert result.own_funds_needed == 0
    assert result.compliant
    assert "HS-3" in result.explanations["subsidy_and_reward"].rules
    assert "不得超过面积控制标准的建房成本" in result.explanations["subsidy_and_reward"].plan


def test_HS_3_cap_is_the_cost_of_the_controlled_standard_not_of_an_oversized_house(params):
    # 4 people built 150 m² before the key date at 1,000/m²: cost 150,000, but the cap is the
    # standard 100 m² × 1,000 = 100,000; subsidy + reward 104,000 → 100,000; own funds 150,000 − 100,000 = 50,000.
    result = plan(params, 4, start_date=EARLY, built_area=150, unit_cost=1000, demolition_signed=True)
    assert result.building_cost == D(150000)
    assert result.cap_reached
    assert result.subsidy_and_reward == D(100000)
    assert result.own_funds_needed == D(50000)
    assert not result.compliant
    assert has_reason(result, "50,000.00", "10,000.00")


def test_HS_3_own_funds_needed_exactly_10000_is_allowed(params):
    # 100 m² × 1,140 = 114,000 − 104,000 = 10,000: at the limit, not over it.
    result = plan(params, 4, layout=100, unit_cost=1140, demolition_signed=True)
    assert result.own_funds_needed == D(10000)
    assert result.compliant, result.reasons


def test_HS_3_own_funds_needed_10000_01_breaks(params):
    # 100 m² × 1,140.0001 = 114,000.01 − 104,000 = 10,000.01 > 10,000.
    result = plan(params, 4, layout=100, unit_cost="1140.0001", demolition_signed=True)
    assert result.building_cost == D("114000.01")
    assert result.own_funds_needed == D("10000.01")
    assert not result.compliant
    assert has_reason(result, "10,000.01")


def test_HS_3_planned_own_funds_at_and_over_the_limit(params):
    # Same house (own funds needed 10,000): planning 10,000 is fine, 10,000.01 is more than a household may raise.
    at_limit = plan(params, 4, layout=100, unit_cost=1140, demolition_signed=True, own_funds=10000)
    assert at_limit.compliant and at_limit.funding_gap == 0
    over = plan(params, 4, layout=100, unit_cost=1140, demolition_signed=True, own_funds="10000.01")
    assert not over.compliant
    assert has_reason(over, "10,000.01")


def test_HS_3_every_yuan_of_the_cost_has_a_source(params):
    # Own funds 4,000 planned against 10,000 needed: 6,000 of the cost has no source.
    result = plan(params, 4, layout=100, unit_cost=1140, demolition_signed=True, own_funds=4000)
    assert result.funding_gap == D(6000)
    assert not result.compliant
    assert has_reason(result, "6,000.00")


def test_HS_3_without_a_unit_cost_money_is_not_checked_but_said(params):
    result = plan(params, 4, layout=100)
    assert result.building_cost is None and result.own_funds_needed is None
    assert any("HS-3" in note for note in result.notes)


# ---------------------------------------------------------------- SB-2 synchronised households


def test_SB_2_per_household_subsidy_reward_and_loan(params):
    # 5 people synchronised: 15,000 a household whatever the size; reward 10,000 once demolished; loan 60,000.
    unsigned = plan(params, 5, kind=SYNCHRONISED)
    assert (unsigned.subsidy, unsigned.reward) == (D(15000), 0)
    signed = plan(params, 5, kind=SYNCHRONISED, demolition_signed=True)
    assert (signed.subsidy, signed.reward, signed.subsidy_and_reward) == (D(15000), D(10000), D(25000))
    assert signed.loan_allowed == D(60000)
    assert "SB-2" in signed.rules and "SB-1" not in signed.rules
    assert "户均补助1.5万元" in signed.explanations["subsidy"].plan


def test_SB_2_loan_and_own_funds_pay_the_rest(params):
    # 5 people, 125 m² × 1,000 = 125,000 − (15,000 + 10,000) = 100,000, paid by 40,000 own funds + 60,000 loan.
    # The 10,000 own-funds limit is written for registered poor households (二(四)), not synchronised ones.
    result = plan(params, 5, kind=SYNCHRONISED, unit_cost=1000, demolition_signed=True, own_funds=40000, loan=60000)
    assert result.building_cost == D(125000)
    assert result.own_funds_needed == D(100000)
    assert result.own_funds_limit is None
    assert result.funding_gap == 0
    assert result.loan_taken_over == 0
    assert result.compliant, result.reasons


def test_SB_2_loan_above_60000_is_refused(params):
    result = plan(params, 5, kind=SYNCHRONISED, unit_cost=1000, own_funds=50000, loan="60000.01")
    assert not result.compliant
    assert has_reason(result, "60,000.01", "60,000.00")


def test_SB_2_synchronised_household_gets_no_co_ownership(params):
    """HS-4 (2) is written for 贫困户 (registered); a synchronised house over the limits gets no options."""
    result = plan(params, 4, kind=SYNCHRONISED, start_date=EARLY, built_area=150, unit_cost=1000)
    assert result.options == []
    assert not result.compliant
    assert any("registered" in note for note in result.notes)


# ---------------------------------------------------------------- LN-1 loans of registered households


def test_LN_1_registered_household_gets_no_loan(params):
    result = plan(params, 4, layout=100, unit_cost=1100, demolition_signed=True)
    assert result.loan_allowed == 0
    assert result.loan_taken_over == 0
    assert "LN-1" in result.rules
    assert "已发放贫困户贷款由区扶投公司承接" in result.explanations["loan"].plan


def test_LN_1_drawn_loan_is_taken_over_by_the_district_company(params):
    # A house started before the key date with the 60,000 loan: the company takes it over (and option ②).
    result = plan(params, 4, start_date=EARLY, built_area=100, unit_cost=1500, demolition_signed=True, loan=60000)
    assert result.loan_allowed == 0
    assert result.loan_taken_over == D(60000)
    assert DISTRICT_COMPANY in codes(result)


def test_LN_1_loan_drawn_for_a_house_started_after_the_key_date(params):
    """Judgment call kept from the code: the loan is still taken over, but the debt makes the plan non-compliant
    and, the house being after the key date, no co-ownership is offered."""
    result = plan(params, 4, start_date=DAY_AFTER, built_area=100, unit_cost=1140, demolition_signed=True, loan=60000)
    assert result.loan_taken_over == D(60000)
    assert result.options == []
    assert not result.compliant


# ---------------------------------------------------------------- HS-4 (1) elderly


@pytest.mark.parametrize("people", [1, 2])
def test_HS_4_one_or_two_people_without_labour_go_to_the_elderly_home(params, people):
    result = plan(params, people, labour=False)
    assert result.elderly_home
    assert "HS-4" in result.rules
    assert not result.compliant
    assert has_reason(result, "happiness home")
    assert "村级幸福院" in result.explanations["elderly_home"].plan


def test_HS_4_three_people_without_labour_are_not_sent_to_the_elderly_home(params):
    result = plan(params, 3, labour=False)
    assert not result.elderly_home
    assert result.allowed_layouts == [75]
    assert result.compliant


def test_HS_4_elderly_household_in_an_oversized_house_moves_out_rather_than_co_owning(params):
    # 2 people, no labour, 100 m² built before the key date with a loan: they move out; the house goes to 3+.
    result = plan(params, 2, labour=False, start_date=EARLY, built_area=100, unit_cost=1000, loan=60000)
    assert result.elderly_home
    assert result.options == []


# ---------------------------------------------------------------- HS-4 (2) co-ownership


def assert_money_adds_up(result):
    for o in result.options:
        assert o.investor_pays + o.household_pays + o.others_pay == result.own_funds_needed, o.code
        assert o.household_pays <= result.own_funds_limit
        for share in (o.investor_share, o.household_share):
            assert 0 <= share <= 100, (o.code, share)
        assert o.investor_pays >= 0 and o.household_pays >= 0 and o.others_pay >= 0
        assert o.buy_back_price == o.investor_pays  # bought back at cost


def test_HS_4_all_three_options_with_who_pays_what(params):
    # 4 people built 150 m² on 2016-10-01 at 1,200/m², demolished on time, 60,000 loan drawn.
    # cost 150 × 1,200 = 180,000; cap 100 × 1,200 = 120,000 ≥ 104,000 (not capped);
    # own funds needed 180,000 − 104,000 = 76,000 > 10,000.
    result = plan(params, 4, start_date=EARLY, built_area=150, unit_cost=1200, demolition_signed=True, loan=60000)
    assert result.building_cost == D(180000)
    assert result.own_funds_needed == D(76000)
    assert codes(result) == [RELATIVES, DISTRICT_COMPANY, COOPERATIVE]
    # ① relatives pay what exceeds 10,000: 76,000 − 10,000 = 66,000; household 10,000.
    relatives = option(result, RELATIVES)
    assert (relatives.investor_pays, relatives.household_pays, relatives.others_pay) == (D(66000), D(10000), 0)
    assert relatives.investor_share == D("36.67")  # 66,000 / 180,000 = 36.666…%
    # ② company takes over the 60,000 loan; 16,000 left: household 10,000, relatives/other means 6,000.
    company = option(result, DISTRICT_COMPANY)
    assert (company.investor_pays, company.household_pays, company.others_pay) == (D(60000), D(10000), D(6000))
    assert company.investor_share == D("33.33")  # 60,000 / 180,000
    # ③ the cooperative buys back: it pays the 76,000 beyond the subsidy, the household nothing.
    cooperative = option(result, COOPERATIVE)
    assert cooperative.investor_pays == D(76000) and cooperative.household_pays == 0
    assert_money_adds_up(result)
    # The plan's conditions: buy-back at cost, joint management, no disposal alone.
    assert "成本回购" in relatives.conditions and "直系亲属" in relatives.conditions
    assert "区扶投公司" in company.conditions and "6万元" in company.conditions
    assert "合作社" in cooperative.conditions
    assert "HS-4" in result.explanations["options"].rules
    assert "户均自筹资金超过1万元" in result.explanations["options"].plan


def test_HS_4_relatives_option_only_when_own_funds_exceed_the_limit(params):
    # 4 people built 110 m² on the key date at 1,000/m²: 27.5 m² a person (breaks HS-2);
    # cost 110,000, cap 100,000 → paid 100,000, own funds 10,000 (at the limit). No loan.
    result = plan(params, 4, start_date=KEY_DATE, built_area=110, unit_cost=1000, demolition_signed=True)
    assert result.own_funds_needed == D(10000)
    assert codes(result) == [COOPERATIVE]
    assert_money_adds_up(result)


def test_HS_4_company_option_only_when_a_loan_was_drawn(params):
    # Same house over the own-funds limit but no loan: ① and ③, not ②.
    # 150 m² × 1,200 = 180,000 − 104,000 = 76,000.
    result = plan(params, 4, start_date=EARLY, built_area=150, unit_cost=1200, demolition_signed=True)
    assert codes(result) == [RELATIVES, COOPERATIVE]
    assert_money_adds_up(result)


def test_HS_4_loan_larger_than_the_own_funds_needed_still_adds_up(params):
    # 100 m² × 1,140 = 114,000 − 104,000 = 10,000 own funds needed, yet a 60,000 loan was drawn (超标准负债).
    # The company takes over the whole 60,000 loan (LN-1), but can only have put 10,000 into the house.
    result = plan(params, 4, start_date=EARLY, built_area=100, unit_cost=1140, demolition_signed=True, loan=60000)
    assert result.loan_taken_over == D(60000)
    assert codes(result) == [DISTRICT_COMPANY, COOPERATIVE]
    company = option(result, DISTRICT_COMPANY)
    assert company.investor_pays == D(10000) and company.household_pays == 0 and company.others_pay == 0
    assert_money_adds_up(result)


def test_HS_4_options_only_for_houses_started_on_or_before_the_key_date(params):
    before = plan(params, 4, start_date=KEY_DATE, built_area=150, unit_cost=1200, demolition_signed=True)
    after = plan(params, 4, start_date=DAY_AFTER, built_area=150, unit_cost=1200, demolition_signed=True)
    assert codes(before) == [RELATIVES, COOPERATIVE]
    assert after.options == []


# ---------------------------------------------------------------- HB-1 homestead


@pytest.mark.parametrize(
    "zone, land, limit",
    [
        ("basin", "farmland", 150),
        ("basin", "other", 160),
        ("basin", "unused", 170),
        ("mountain", "farmland", 170),
        ("mountain", "other", 180),
        ("mountain", "unused", 200),
    ],
)
def test_HB_1_homestead_limit_by_zone_and_land(params, zone, land, limit):
    within = plan(params, 4, zone=zone, land=land, homestead_area=limit)
    assert within.homestead_limit_m2 == limit
    assert within.garden_m2 == 0
    assert "HB-1" in within.rules
    # 20.5 m² above the limit becomes greening or vegetable garden.
    above = plan(params, 4, zone=zone, land=land, homestead_area=D(limit) + D("20.5"))
    assert above.garden_m2 == D("20.5")
    assert "20.5" in above.explanations["homestead"].text
    assert "绿化、菜园用地" in above.explanations["homestead"].plan


def test_HB_1_area_above_the_limit_becomes_garden_not_a_breach(params):
    """Judgment call kept from the code: HB-1 turns the excess into garden, so the plan still complies."""
    result = plan(params, 4, zone="basin", land="farmland", homestead_area=200)
    assert result.garden_m2 == D(50)  # 200 − 150
    assert result.compliant


def test_HB_1_zone_and_land_without_an_area_give_the_limit_only(params):
    result = plan(params, 4, zone="mountain", land="unused")
    assert result.homestead_limit_m2 == 200 and result.garden_m2 is None


# ---------------------------------------------------------------- explanations and version


def test_every_figure_carries_rule_ids_and_the_plans_wording(params):
    """HS-1, HS-2, HS-3, SB-1, LN-1, HB-1, HS-4: each explanation names rules and quotes the plan in Chinese."""
    result = plan(
        params,
        4,
        start_date=EARLY,
        built_area=150,
        unit_cost=1200,
        demolition_signed=True,
        loan=60000,
        zone="mountain",
        land="other",
        homestead_area=190,
    )
    for key in (
        "start_date",
        "allowed_layouts",
        "per_capita_m2",
        "subsidy",
        "reward",
        "building_cost",
        "subsidy_and_reward",
        "own_funds_needed",
        "loan",
        "homestead",
        "options",
    ):
        explanation = result.explanations[key]
        assert explanation.rules and all(RULE_ID.match(rule) for rule in explanation.rules), key
        assert explanation.text, key
        assert explanation.plan and CJK.search(explanation.plan), key
    assert set(result.rules) >= {"HS-1", "HS-2", "HS-3", "HS-4", "SB-1", "LN-1", "HB-1"}
    assert all(RULE_ID.match(rule) for rule in result.rules)


def test_parameters_version_is_recorded(params):
    result = plan(params, 4)
    assert result.parameters_version == params.version == "2017.1"
    assert result.to_json()["parameters_version"] == "2017.1"


# ---------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "people, fields",
    [
        (0, {}),
        (-1, {}),
        (4, {"kind": "other"}),
        (4, {"layout": 90}),
        (4, {"unit_cost": D(-1)}),
        (4, {"unit_cost": D(0)}),
        (4, {"start_date": EARLY, "built_area": D(-100)}),
        (4, {"own_funds": D("-0.01")}),
        (4, {"loan": D(-60000)}),
        (4, {"zone": "basin", "land": "farmland", "homestead_area": D(-1)}),
        (4, {"built_area": D(100)}),  # built area without a start date
        (4, {"zone": "basin"}),  # zone without land
        (4, {"land": "farmland"}),  # land without zone
        (4, {"homestead_area": D(150)}),  # area without zone and land
        (4, {"zone": "plateau", "land": "farmland"}),
    ],
)
def test_HS_2_bad_inputs_are_refused(params, people, fields):
    with pytest.raises(PlanInputError) as error:
        calculate(PlanInput(people=people, **fields), params)
    assert str(error.value)


def test_registered_is_the_default_kind(params):
    assert plan(params, 4).subsidy == plan(params, 4, kind=REGISTERED).subsidy == D(80000)
