"""Issue 14, money rules that hold everywhere money is stated: one function (core.rules.household_money)
works out a household's money from its saved plan; the plan summary, the agreements and the reward due
print its figures (SB-1, SB-2, HS-3, HS-4, HS-5, AG-1, ID-1).

Figures worked out by hand from ../shared/POLICY.md:
- 4 registered people, 100 m² at 1,000 yuan/m²: cost 100,000 = the HS-3 cap; subsidy 80,000 + reward 24,000
  = 104,000 → 100,000 paid: the reward is cut to 20,000 (the subsidy is not touched), own funds 0.
- 4 registered people, 100 m² at 700 yuan/m²: cap 70,000 < the subsidy 80,000 → subsidy 70,000, reward 0.
- 4 synchronised people, 100 m² at 200 yuan/m² (cost 20,000): SB-2 pays 15,000 + 10,000 whatever the cost.
- 5 registered people, 180 m² built 2016-10-01 at 1,200 yuan/m²: cost 216,000; subsidy 100,000; without the
  demolition reward own funds 116,000 (relatives pay 106,000 = 49.07 %), with it (30,000) 86,000 (35.19 %).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest

from builders import family_draft, person, renumber
from xinjie_desktop.core.documents.plan_summary import PlanHousehold, render_plan_summary
from xinjie_desktop.core.records import agreements, demolition, households, housing_plans, relocation
from xinjie_desktop.core.records.agreements import AgreementError
from xinjie_desktop.core.rules import identification, vocabulary
from xinjie_desktop.core.rules import relocation as relocation_rules
from xinjie_desktop.core.rules.household_money import household_money, if_demolished
from xinjie_desktop.core.rules.housing_plan import REGISTERED, SYNCHRONISED, PlanInput, calculate
from xinjie_desktop.core.rules.identification import StepInput, WorkflowError
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE
from xinjie_desktop.core.store.models import Agreement

TODAY = dt.date(2017, 5, 2)
DEADLINE = dt.date(2017, 8, 31)
EARLY = dt.date(2016, 10, 1)


def flat(path: Path) -> str:
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", raw)


def summary_text(tmp_path, plan: PlanInput, params, people: int = 4) -> str:
    path = tmp_path / "summary.pdf"
    family = PlanHousehold("杨明", "530502197003050113", "V1", "G1", people)
    render_plan_summary(path, family, plan, calculate(plan, params), "辛街乡", TODAY)
    return flat(path)


def registered_household(store, group_id, sequence: int = 0) -> str:
    draft = family_draft(group_id, national_number=f"53050200{sequence:02d}")
    return households.save(store, renumber(draft, 100 + sequence) if sequence else draft)


def save_plan(store, household_id, plan: PlanInput, params, **chosen) -> None:
    housing_plans.save(store, household_id, plan, calculate(plan, params), **chosen)


def sign_on_paper(store, agreement_id, tmp_path) -> None:
    scan = tmp_path / f"scan-{agreement_id}.pdf"
    scan.write_bytes(b"%PDF-1.4 scan of the signed paper copy " + agreement_id.encode())
    agreements.sign_on_paper(store, agreement_id, scan, fingerprint=False, signed_on=TODAY)


def text_of(store, tmp_path, household_id, kind) -> str:
    agreement_id = agreements.current_agreements(store, household_id)[kind].id
    return flat(agreements.render_pdf(store, agreement_id, tmp_path / f"{kind}.pdf"))


# ---------------------------------------------------------------- SB-1 / HS-3: the cap, in one place


def test_SB_1_HS_3_cap_cuts_the_reward_so_the_parts_add_up(params):
    """HS-3: subsidy plus reward never exceed the cost of the area-controlled standard; the paid parts add up
    to the paid total, the reward is cut first."""
    money = household_money(PlanInput(people=4, layout=100, unit_cost=D(1000), demolition_signed=True), params)
    assert money.cap == D(100000) and money.cap_reached
    assert (money.subsidy_by_rule, money.reward_by_rule) == (D(80000), D(24000))
    assert (money.subsidy, money.reward, money.subsidy_and_reward) == (D(80000), D(20000), D(100000))
    assert money.own_funds == 0
    below_subsidy = household_money(PlanInput(people=4, layout=100, unit_cost=D(700), demolition_signed=True), params)
    assert (below_subsidy.subsidy, below_subsidy.reward, below_subsidy.subsidy_and_reward) == (D(70000), 0, D(70000))
    at_cap = household_money(PlanInput(people=4, layout=100, unit_cost=D(1040), demolition_signed=True), params)
    assert not at_cap.cap_reached and (at_cap.subsidy, at_cap.reward) == (D(80000), D(24000))  # 104,000 = cap


def test_SB_1_HS_3_every_page_states_the_capped_figures(store, group_id, params, tmp_path):
    """SB-1, HS-3, AG-1: the plan summary, the relocation and demolition agreements and the reward due all
    state 80,000 + 20,000 = 100,000, never the uncapped 24,000."""
    household_id = registered_household(store, group_id)
    plan = PlanInput(people=4, layout=100, unit_cost=D(1000), demolition_signed=True)
    save_plan(store, household_id, plan, params)
    _drafted, refused = agreements.draft_missing(store, household_id, demolition_deadline=DEADLINE, today=TODAY)
    assert refused == {}
    relocation_text = text_of(store, tmp_path, household_id, "relocation")
    assert "subsidyof80,000.00" in relocation_text and "rewardof20,000.00" in relocation_text
    assert "100,000.00" in relocation_text and "24,000.00" not in relocation_text
    demolition_text = text_of(store, tmp_path, household_id, "demolition")
    assert "rewardof20,000.00" in demolition_text and "24,000.00" not in demolition_text
    summary = summary_text(tmp_path, plan, params)
    assert "Subsidy(yuan)80,000.00" in summary and "Reward(yuan)20,000.00" in summary
    assert "(capreached)100,000.00" in summary

    agreement_id = agreements.current_agreements(store, household_id)["demolition"].id
    sign_on_paper(store, agreement_id, tmp_path)
    demolition.accept(store, household_id, dt.date(2017, 8, 1), "张工", None, True, "", "farmland")
    due = demolition.reward_due(store, household_id)
    assert due.due and due.amount == D(20000) and "20,000.00" in due.reason and "HS-3" in due.reason


# ---------------------------------------------------------------- SB-2: synchronised households are not capped


def test_SB_2_synchronised_household_gets_15000_and_10000_whatever_the_cost(params):
    cheap = PlanInput(people=4, kind=SYNCHRONISED, layout=100, unit_cost=D(200), demolition_signed=True)
    result = calculate(cheap, params)
    assert result.building_cost == D(20000)
    assert not result.cap_reached
    assert (result.subsidy_paid, result.reward_paid, result.subsidy_and_reward) == (D(15000), D(10000), D(25000))
    assert result.own_funds_needed == 0
    assert "SB-2" in result.explanations["subsidy_and_reward"].rules
    money = household_money(cheap, params)
    assert money.cap is None and (money.subsidy, money.reward) == (D(15000), D(10000))


def test_SB_2_edge_registered_household_of_the_same_cost_is_capped(params):
    registered = calculate(PlanInput(people=4, layout=100, unit_cost=D(200), demolition_signed=True), params)
    assert registered.cap_reached and registered.subsidy_and_reward == D(20000)


# ---------------------------------------------------------------- AG-1: the kind and every amount from the saved plan


def test_AG_1_agreements_print_the_kind_of_the_saved_plan(store, group_id, params, tmp_path):
    """A household in the national system whose saved plan is that of a synchronised household: the
    agreements say 同步搬迁 beside the SB-2 money, not 建档立卡 beside it."""
    household_id = registered_household(store, group_id)
    plan = PlanInput(people=4, kind=SYNCHRONISED, layout=100, unit_cost=D(1100), demolition_signed=True)
    save_plan(store, household_id, plan, params)
    agreements.draft(store, household_id, "relocation", today=TODAY)
    text = text_of(store, tmp_path, household_id, "relocation")
    assert "synchronisedrelocationhousehold" in text and "registeredpoorhousehold" not in text
    assert "subsidyof15,000.00" in text and "rewardof10,000.00" in text
    with store.session() as session:
        stored = session.query(Agreement).one()
        assert '"household_kind":"synchronised"' in stored.content


# ---------------------------------------------------------------- no reward the saved plan did not assume


def test_SB_1_agreements_count_no_reward_the_plan_did_not_assume(store, group_id, params, tmp_path):
    """The plan summary says own funds 116,000 (no demolition assumed); so does the relocation agreement
    (not 86,000), and the co-ownership shares are the plan's (49.07 %, not 35.19 %); the demolition
    agreement, whose reward the plan does not count, is refused with what to do."""
    draft = family_draft(group_id, national_number="5305020001")
    draft.members.append(person("杨小", dt.date(2008, 2, 2), 15, MALE, labour="none"))
    household_id = households.save(store, draft)
    plan = PlanInput(people=5, unit_cost=D(1200), built_area=D(180), start_date=EARLY)
    save_plan(store, household_id, plan, params, chosen_option="relatives", co_investor="杨大山")
    summary = summary_text(tmp_path, plan, params, people=5)
    assert "Reward(yuan)0.00" in summary and "Ownfundsneeded(yuan)116,000.00" in summary
    assert "86,000.00" not in summary and "PartyC" not in summary and "49.07%" in summary

    _drafted, refused = agreements.draft_missing(store, household_id, demolition_deadline=DEADLINE, today=TODAY)
    assert set(refused) == {"demolition"} and "Demolition agreement signed" in refused["demolition"]
    relocation_text = text_of(store, tmp_path, household_id, "relocation")
    assert "116,000.00" in relocation_text and "86,000.00" not in relocation_text
    assert "rewardof" not in relocation_text  # no reward counted: none stated, not a reward of 0.00
    co = text_of(store, tmp_path, household_id, "co_ownership")
    assert "PartyCpays106,000.00" in co and "PartyC49.07%" in co and "35.19" not in co


def test_SB_1_edge_plan_assuming_the_reward_drafts_the_demolition_agreement(store, group_id, params, tmp_path):
    household_id = registered_household(store, group_id)
    plan = PlanInput(people=4, unit_cost=D(1200), built_area=D(160), start_date=EARLY, demolition_signed=True)
    save_plan(store, household_id, plan, params)
    agreements.draft(store, household_id, "demolition", demolition_deadline=DEADLINE, today=TODAY)
    assert "rewardof24,000.00" in text_of(store, tmp_path, household_id, "demolition")
    unassumed = dataclasses.replace(plan, demolition_signed=False)
    save_plan(store, household_id, unassumed, params)  # a newer plan without the reward: no new draft from it
    agreement_id = agreements.current_agreements(store, household_id)["demolition"].id
    with pytest.raises(AgreementError, match="Demolition agreement signed"):
        agreements.edit(store, agreement_id, today=TODAY)


# ---------------------------------------------------------------- "on time": the day the house was demolished


def test_SB_1_on_time_is_judged_by_the_day_the_old_house_was_demolished(store, group_id, params, tmp_path):
    """Demolished on the deadline, accepted (验收) ten days later: the reward is due; demolished a day late
    and accepted the same day: it is not."""
    on_time = registered_household(store, group_id)
    late = registered_household(store, group_id, 1)
    plan = PlanInput(people=4, layout=100, unit_cost=D(1100), demolition_signed=True)
    for household_id in (on_time, late):
        save_plan(store, household_id, plan, params)
        agreements.draft(store, household_id, "demolition", demolition_deadline=DEADLINE, today=TODAY)
        agreement_id = agreements.current_agreements(store, household_id)["demolition"].id
        sign_on_paper(store, agreement_id, tmp_path)
    accepted_later = DEADLINE + dt.timedelta(days=10)
    demolition.accept(
        store, on_time, accepted_later, "张工", None, True, "", "farmland", today=accepted_later, demolished_on=DEADLINE
    )
    demolition.accept(
        store,
        late,
        accepted_later,
        "张工",
        None,
        True,
        "",
        "farmland",
        today=accepted_later,
        demolished_on=DEADLINE + dt.timedelta(days=1),
    )
    due = demolition.reward_due(store, on_time)
    assert due.due and due.amount == D(24000) and due.demolished_on == DEADLINE
    assert demolition.acceptance(store, on_time).demolished_on == DEADLINE
    refused = demolition.reward_due(store, late)
    assert not refused.due and "1 day(s) after the deadline" in refused.reason


def test_SB_1_edge_demolition_cannot_follow_its_acceptance(store, group_id, params, tmp_path):
    household_id = registered_household(store, group_id)
    save_plan(store, household_id, PlanInput(people=4, layout=100, unit_cost=D(1100), demolition_signed=True), params)
    agreements.draft(store, household_id, "demolition", demolition_deadline=DEADLINE, today=TODAY)
    agreement_id = agreements.current_agreements(store, household_id)["demolition"].id
    sign_on_paper(store, agreement_id, tmp_path)
    with pytest.raises(demolition.DemolitionError, match="before it was demolished"):
        demolition.accept(
            store,
            household_id,
            dt.date(2017, 6, 1),
            "张工",
            None,
            True,
            "",
            "farmland",
            demolished_on=dt.date(2017, 6, 2),
        )
    with pytest.raises(demolition.DemolitionError, match="before the agreement was signed"):
        demolition.accept(
            store,
            household_id,
            dt.date(2017, 6, 1),
            "张工",
            None,
            True,
            "",
            "farmland",
            demolished_on=dt.date(2017, 5, 1),
        )


# ---------------------------------------------------------------- HS-5: synchronised households choose


@pytest.mark.parametrize("mode", ["centralised", "dispersed"])
@pytest.mark.parametrize("building", ["unified", "joint", "agency", "self"])
def test_HS_5_synchronised_household_chooses_its_building_mode_wherever_it_settles(mode, building):
    assert building in relocation_rules.building_modes_allowed(mode, SYNCHRONISED)


def test_HS_5_dispersed_synchronised_self_build_is_saved(store, group_id, params):
    household_id = households.save(store, family_draft(group_id))  # not in the national system: synchronised
    draft = relocation_rules.VerificationDraft(
        in_scope=True, area_category="geohazard", area_reason="滑坡隐患点", mode="dispersed", building_mode="self"
    )
    relocation.save(store, household_id, draft, SYNCHRONISED, params)
    assert relocation.load(store, household_id).building_mode == "self"


def test_HS_5_edge_registered_dispersed_household_still_builds_unified_or_unified_joint():
    assert relocation_rules.building_modes_allowed("dispersed", REGISTERED) == ("unified", "unified_joint")
    assert relocation_rules.building_modes_allowed("centralised", REGISTERED) == ("unified",)


# ---------------------------------------------------------------- ID-1: labour capacity and willingness


def _steps_up_to_audit(store, household_id, params):
    households.record_step(
        store, household_id, StepInput("proposed", dt.date(2017, 3, 1), "村委会", notes="因病致贫"), params
    )


def test_ID_1_audit_refused_for_a_household_without_labour_capacity_or_willingness(store, group_id, params):
    """ID-1 in identification itself: the home-visit audit cannot pass a household with no member able to
    work, or one not willing to work; it can be recorded as not approved."""
    draft = family_draft(group_id)
    for member in draft.members:
        member.labour = "none"
    no_labour = households.save(store, draft)
    unwilling = households.save(store, renumber(family_draft(group_id, labour_willing=False), 60))
    fine = households.save(store, renumber(family_draft(group_id), 80))
    audit = StepInput("audited", dt.date(2017, 3, 5), "乡指挥部")
    for household_id, reason in ((no_labour, "no member has labour capacity"), (unwilling, "not willing to work")):
        _steps_up_to_audit(store, household_id, params)
        with pytest.raises(WorkflowError, match=reason):
            households.record_step(store, household_id, audit, params)
        households.record_step(store, household_id, dataclasses.replace(audit, passed=False), params)
    _steps_up_to_audit(store, fine, params)
    households.record_step(store, fine, audit, params)


def test_ID_1_edge_dibao_household_is_identified_on_its_own_grounds(store, group_id, params):
    draft = family_draft(group_id, attribute="dibao")
    for member in draft.members:
        member.labour = "none"
    household_id = households.save(store, draft)
    _steps_up_to_audit(store, household_id, params)
    households.record_step(store, household_id, StepInput("audited", dt.date(2017, 3, 5), "乡指挥部"), params)
    assert identification.JUDGING_STEPS == ("audited", "evaluated", "entered")


# ---------------------------------------------------------------- AG-1: the employment agreement's labour


@pytest.mark.parametrize(
    "birth, labour",
    [
        (dt.date(2001, 5, 3), "none"),  # 15 the day before the 16th birthday
        (dt.date(2001, 5, 2), "normal"),  # 16 that day
        (dt.date(1957, 5, 3), "normal"),  # 59
        (dt.date(1957, 5, 2), "weak"),  # 60
        (None, "normal"),
    ],
)
def test_AG_1_default_labour_capacity_follows_age(birth, labour):
    assert vocabulary.default_labour(birth, TODAY) == labour


def test_AG_1_employment_agreement_counts_the_members_who_really_can_work(store, group_id, params, tmp_path):
    """The employment agreement commits the members whose recorded labour capacity lets them work: none
    when none can (not “at least 1”)."""
    draft = family_draft(group_id, national_number="5305020001", labour_willing=True, attribute="dibao")
    for member in draft.members:
        member.labour = "none"
    household_id = households.save(store, draft)
    agreements.draft(store, household_id, "employment", today=TODAY)
    with store.session() as session:
        assert '"employment_workers":0' in session.query(Agreement).one().content
    two = registered_household(store, group_id, 3)
    agreements.draft(store, two, "employment", today=TODAY)
    assert "atleast2householdmembers" in text_of(store, tmp_path, two, "employment")


def test_if_demolished_counts_the_reward_within_the_cap(params):
    plan = PlanInput(people=4, layout=100, unit_cost=D(1000))
    assert household_money(plan, params).reward == 0
    assert if_demolished(plan, params).reward == D(20000)
    assert person("x", dt.date(2000, 1, 1), 1, FEMALE).labour == "normal"  # the core's default is untouched


def test_SB_1_HS_3_command_line_states_the_paid_parts(params):
    """The plan command's text states the parts as paid, and what the cap took."""
    from xinjie_desktop.core.rules import housing_plan

    text = housing_plan.summary_text(
        calculate(PlanInput(people=4, layout=100, unit_cost=D(1000), demolition_signed=True), params)
    )
    assert "Subsidy: 80,000.00 yuan\n" in text
    assert "Reward: 20,000.00 yuan (24,000.00 yuan before the HS-3 cap)" in text
    assert "Subsidy and reward paid: 100,000.00 yuan" in text
