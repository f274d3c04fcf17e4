"""What the agreements say about money and work is true for every household (issue 14).

- SB-2: a synchronised household gets 15,000 + 10,000 whatever the building cost, so its relocation
  agreement never says the two stay within the building cost (a house of 75 m² at 200 yuan costs
  15,000: the 25,000 paid is more).  SB-1 / HS-3: a registered household's does.
- SB-1, SB-2: no agreement promises a reward of 0.00: the relocation agreement of a plan that counts no
  reward leaves the reward out; a demolition agreement whose reward the HS-3 cap took says so and why.
- AG-1, ID-1: the employment agreement of a household with no member able to work makes no commitment
  of "at least 0" workers.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from builders import family_draft
from xinjie_desktop.core.records import agreements, households, housing_plans
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.store.models import Member
from xinjie_desktop.i18n import set_language

TODAY = dt.date(2017, 5, 2)
DEADLINE = dt.date(2017, 12, 31)
CHEAP_SYNCHRONISED = PlanInput(  # 75 m² × 200 = 15,000 < 15,000 + 10,000
    people=4, kind="synchronised", unit_cost=Decimal(200), layout=75, demolition_signed=True
)
CAPPED = PlanInput(people=4, unit_cost=Decimal(100), layout=100, demolition_signed=True)  # cost 10,000: no reward left


def text(path: Path) -> str:
    return "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def with_plan(store, group_id, plan: PlanInput, **draft_fields) -> str:
    draft = family_draft(group_id, national_number="5305020001" if plan.kind == "registered" else "")
    for key, value in draft_fields.items():
        setattr(draft, key, value)
    household_id = households.save(store, draft)
    housing_plans.save(store, household_id, plan, calculate(plan, housing_plans.current()))
    return household_id


def printed(store, household_id, kind: str, tmp_path: Path) -> str:
    agreements.draft_missing(store, household_id, demolition_deadline=DEADLINE, today=TODAY)
    info = agreements.current_agreements(store, household_id)[kind]
    return text(agreements.render_pdf(store, info.id, tmp_path / f"{kind}.pdf"))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_SB_2_synchronised_money_is_not_said_to_stay_within_a_lower_cost(store, group_id, tmp_path, language):
    set_language(language)
    household_id = with_plan(store, group_id, CHEAP_SYNCHRONISED)
    relocation = printed(store, household_id, "relocation", tmp_path)
    assert "15,000.00" in relocation and "10,000.00" in relocation and "25,000.00" in relocation
    if language == "zh_CN":
        assert "不超过面积控制标准的建房成本" not in relocation
        assert "不以建房成本为限" in relocation
    else:
        assert "notmorethanthebuildingcost" not in relocation
        assert "whateverthebuildingcost" in relocation


def test_SB_1_HS_3_registered_money_stays_within_the_cost(store, group_id, tmp_path):
    set_language("zh_CN")
    household_id = with_plan(
        store, group_id, PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True)
    )
    relocation = printed(store, household_id, "relocation", tmp_path)
    assert "补助和奖励合计104,000.00元，不超过面积控制标准的建房成本" in relocation


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_SB_1_no_reward_is_left_out_not_promised_as_zero(store, group_id, tmp_path, language):
    set_language(language)
    plan = PlanInput(people=4, unit_cost=Decimal(1100), layout=100)  # the demolition box not ticked
    relocation = printed(store, with_plan(store, group_id, plan), "relocation", tmp_path)
    assert "80,000.00" in relocation
    assert not re.search(r"奖励0\.00|rewardof0\.00", relocation)
    assert "拆旧奖励" not in relocation and "rewardof" not in relocation


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_SB_1_HS_3_reward_taken_by_the_cap_is_said_plainly(store, group_id, tmp_path, language):
    set_language(language)
    household_id = with_plan(store, group_id, CAPPED)
    relocation = printed(store, household_id, "relocation", tmp_path)
    demolition = printed(store, household_id, "demolition", tmp_path)
    for document in (relocation, demolition):
        assert not re.search(r"奖励0\.00|rewardof0\.00", document)
    if language == "zh_CN":
        assert "不另给予拆旧奖励" in demolition and "已达到面积控制标准的建房成本" in demolition
    else:
        assert "noreward" in demolition and "alreadyreachesthebuildingcost" in demolition


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_AG_1_ID_1_no_employment_commitment_of_zero(store, group_id, tmp_path, language):
    set_language(language)
    household_id = with_plan(store, group_id, CAPPED)
    with store.unit_of_work() as session:
        for member in session.query(Member).filter(Member.household_id == household_id):
            member.labour = "none"
    employment = printed(store, household_id, "employment", tmp_path)
    assert not re.search(r"至少0名|atleast0", employment)
    if language == "zh_CN":
        assert "没有有劳动能力的成员" in employment
    else:
        assert "nomemberabletowork" in employment


def test_HS_2_no_agreement_from_a_plan_for_another_number_of_people(store, group_id, tmp_path):
    """HS-2: the agreement prints the household's actual population beside the plan's area per person; a plan
    worked out for 2 people of a household of 4 would print 37.50 m² a person beside "4人". Drafting is refused
    with both numbers, and the agreement already drafted is marked out of date once the household changes."""
    set_language("zh_CN")
    household_id = with_plan(store, group_id, PlanInput(people=2, layout=75))
    with pytest.raises(agreements.AgreementError, match="2.*4"):
        agreements.draft(store, household_id, "relocation", today=TODAY)
    plan = PlanInput(people=4, layout=75)
    housing_plans.save(store, household_id, plan, calculate(plan, housing_plans.current()))
    agreement_id = agreements.draft(store, household_id, "relocation", today=TODAY)
    assert "人均住房面积18.75平方米" in printed(store, household_id, "relocation", tmp_path)
    with store.unit_of_work() as session:
        session.query(Member).filter(Member.household_id == household_id, Member.relation == "child").delete()
    assert agreements.stale_fields(store, agreement_id)[0] == "plan_id"
