"""A household's money, worked out once from its saved housing plan: SB-1, SB-2, HS-3, HS-4, LN-1.

Every page and screen that states an amount of a household — the plan summary, the relocation,
demolition and co-ownership agreements, the reward due once the old house is demolished — takes it
from ``household_money``, so a household reads the same figure wherever it is printed:

- the kind of household (registered 建档立卡 / synchronised 同步搬迁) is the plan's;
- the subsidy and the reward are what is *paid*: for a registered household the HS-3 cap (the building
  cost of the area-controlled standard) reduces the reward first, then the subsidy, so that the two
  parts always add up to the total paid; a synchronised household gets its 15,000 + 10,000 whatever the
  building cost (SB-2);
- the reward counts only when the plan assumes the demolition agreement signed and the old house
  demolished on time (``reward_assumed``); ``if_demolished`` gives the figures once it is;
- the own funds, the loan taken over, and the shares of the co-ownership way the plan chose.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from xinjie_desktop.core.rules.housing_plan import REGISTERED, CoOwnership, PlanInput, PlanResult, calculate
from xinjie_desktop.core.rules.policy_params import PolicyParameters


@dataclass(frozen=True)
class HouseholdMoney:
    kind: str  # REGISTERED / SYNCHRONISED, the plan's
    rule: str  # "SB-1" or "SB-2"
    people: int  # the plan's actual population
    parameters_version: str
    reward_assumed: bool  # the plan assumes the demolition agreement signed and the house demolished on time
    building_cost: Decimal | None
    cap: Decimal | None  # HS-3, registered households with a known cost only
    cap_reached: bool
    subsidy_by_rule: Decimal  # SB-1 / SB-2 before the cap
    reward_by_rule: Decimal  # before the cap; 0 unless the reward is assumed
    subsidy: Decimal  # paid
    reward: Decimal  # paid
    subsidy_and_reward: Decimal  # paid: subsidy + reward
    own_funds: Decimal | None  # the building cost less what is paid; None without a cost
    own_funds_limit: Decimal | None  # HS-3, registered households only
    loan_taken_over: Decimal  # LN-1
    chosen_option: str  # HS-4 (2) way the plan chose, "" if none
    option: CoOwnership | None  # its figures, None if none chosen or it does not apply to the plan
    result: PlanResult


def money_of(plan: PlanInput, result: PlanResult, chosen_option: str = "") -> HouseholdMoney:
    """The money of ``result`` (already calculated for ``plan``)."""
    option = next((o for o in result.options if o.code == chosen_option), None) if chosen_option else None
    return HouseholdMoney(
        kind=plan.kind,
        rule="SB-1" if plan.kind == REGISTERED else "SB-2",
        people=plan.people,
        parameters_version=result.parameters_version,
        reward_assumed=plan.demolition_signed,
        building_cost=result.building_cost,
        cap=result.standard_cost if plan.kind == REGISTERED else None,
        cap_reached=result.cap_reached,
        subsidy_by_rule=result.subsidy,
        reward_by_rule=result.reward,
        subsidy=result.subsidy_paid,
        reward=result.reward_paid,
        subsidy_and_reward=result.subsidy_and_reward,
        own_funds=result.own_funds_needed,
        own_funds_limit=result.own_funds_limit,
        loan_taken_over=result.loan_taken_over,
        chosen_option=chosen_option,
        option=option,
        result=result,
    )


def household_money(plan: PlanInput, params: PolicyParameters, chosen_option: str = "") -> HouseholdMoney:
    """The household's money under the saved ``plan`` and the parameters it was made with
    (``PlanInputError`` if the plan cannot be calculated)."""
    return money_of(plan, calculate(plan, params), chosen_option)


def if_demolished(plan: PlanInput, params: PolicyParameters, chosen_option: str = "") -> HouseholdMoney:
    """The money once the demolition agreement is signed and the old house demolished on time: the
    reward that is then due, within the cap."""
    return household_money(dataclasses.replace(plan, demolition_signed=True), params, chosen_option)
