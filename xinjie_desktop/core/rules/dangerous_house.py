"""Dangerous houses (CD级危房) of registered poor households outside relocation: rule SB-3.

A third-party appraiser grades the house.  C grade: a subsidy per household for repair and
reinforcement.  D grade: a subsidy per household to remove the danger or demolish and rebuild in
place; a rebuild keeps to the area limits of HS-2, its cost may not exceed the subsidy plus own
funds, and own funds stay within the limit.  A D-grade household that started building on or
before the key date and drew the low-cost loan has it taken over by the district company, which
becomes co-investor (as HS-4 ②).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from xinjie_desktop.core.rules.money import CENT, format_yuan
from xinjie_desktop.core.rules.plan_wording import quote
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.i18n import N_, _

GRADES = {"C": N_("C grade: repair and reinforce"), "D": N_("D grade: remove the danger or rebuild in place")}


class DangerousHouseError(ValueError):
    pass


@dataclass(frozen=True)
class DangerousHouseInput:
    grade: str
    appraiser: str
    appraised_on: dt.date
    people: int = 1
    rebuild: bool = False
    start_date: dt.date | None = None
    unit_cost: Decimal | None = None
    area: Decimal | None = None
    own_funds: Decimal = Decimal(0)
    loan: Decimal = Decimal(0)


@dataclass(frozen=True)
class DangerousHouseResult:
    subsidy: Decimal
    building_cost: Decimal | None
    max_area_m2: int | None
    compliant: bool
    reasons: list[str]
    loan_taken_over: Decimal
    explanation: str
    plan: str


def eligibility(registered: bool, relocating: bool) -> str | None:
    """Why SB-3 does not apply to the household, or None: it covers registered poor households whose
    house is not dealt with by relocation."""
    if not registered:
        return _(
            "Dangerous-house aid (SB-3) is for registered poor households; this household is not in the "
            "national system."
        )
    if relocating:
        return _(
            "This household is in relocation scope: its house is dealt with by relocation, not by "
            "dangerous-house aid (SB-3)."
        )
    return None


def assess(house: DangerousHouseInput, params: PolicyParameters) -> DangerousHouseResult:
    if house.grade not in GRADES:
        raise DangerousHouseError(_("The grade of a dangerous house is C or D."))
    if not house.appraiser.strip():
        raise DangerousHouseError(_("Name the third-party appraiser who graded the house."))
    if house.rebuild and house.grade != "D":
        raise DangerousHouseError(_("Only a D-grade house is demolished and rebuilt."))
    if house.people < 1:
        raise DangerousHouseError(_("The actual population must be between 1 and 30."))
    reasons: list[str] = []
    if house.grade == "C":
        subsidy = params.c_grade_subsidy
        text = _("C grade: {amount} yuan a household for repair and reinforcement.").format(amount=format_yuan(subsidy))
        return DangerousHouseResult(subsidy, None, None, True, reasons, Decimal(0), text, quote("SB-3"))
    subsidy = params.d_grade_subsidy
    text = _("D grade: {amount} yuan a household to remove the danger or demolish and rebuild in place.").format(
        amount=format_yuan(subsidy)
    )
    cost = None
    limit_area = min(params.per_capita_max_m2 * house.people, params.max_area_m2)
    loan_taken_over = Decimal(0)
    if house.rebuild:
        if house.area is not None and house.area > limit_area:
            reasons.append(
                _("A rebuild for {people} people may have at most {limit} m²; {area} m² is planned.").format(
                    people=house.people, limit=limit_area, area=house.area
                )
            )
        if house.own_funds > params.own_funds_limit:
            reasons.append(
                _("Own funds of {need} yuan are more than the {limit} yuan a household may raise.").format(
                    need=format_yuan(house.own_funds), limit=format_yuan(params.own_funds_limit)
                )
            )
        if house.unit_cost is not None and house.area is not None:
            cost = (house.area * house.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
            if cost > subsidy + house.own_funds:
                reasons.append(
                    _(
                        "The rebuild costs {cost} yuan, more than the subsidy and own funds together ({total} yuan)."
                    ).format(cost=format_yuan(cost), total=format_yuan(subsidy + house.own_funds))
                )
        if house.loan > 0:
            if house.start_date is not None and house.start_date <= params.key_date:
                loan_taken_over = min(house.loan, params.registered_loan)
                text += " " + _(
                    "The {loan} yuan loan drawn before {key} is taken over by the district company, "
                    "which becomes co-investor under a co-ownership agreement."
                ).format(loan=format_yuan(loan_taken_over), key=params.key_date.isoformat())
            else:
                reasons.append(
                    _(
                        "A rebuild started after {key} may not leave the household in debt; the {loan} yuan "
                        "loan drawn is debt the plan does not allow."
                    ).format(key=params.key_date.isoformat(), loan=format_yuan(house.loan))
                )
    return DangerousHouseResult(
        subsidy, cost, limit_area if house.rebuild else None, not reasons, reasons, loan_taken_over, text, quote("SB-3")
    )
