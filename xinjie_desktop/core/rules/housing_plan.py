"""The housing-plan calculator (安置房测算): rules HS-1 to HS-4, HB-1, SB-1, SB-2 and LN-1.

From a household's actual population and kind, its labour capacity, when building started,
the cost per square metre, the layout (or the area already built), its own funds and any loan,
whether the demolition agreement was signed and the old house demolished on time, and its
homestead, ``calculate`` answers: the layouts allowed, the area per person, the building cost,
subsidy and reward (capped by HS-3), the own funds needed against the limit, the loan allowed or
taken over, the homestead limit and the area that becomes garden, whether the plan complies and
every reason if not, and for houses started on or before the key date that break the limits the
co-ownership options of HS-4 (2).  Every figure carries its explanation: the rules applied, a
sentence with the numbers, and the plan's own words.

All numbers come from the policy parameters (core.rules.policy_params) of the version asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import TypedDict, overload

from xinjie_desktop.core.rules.money import CENT, format_yuan
from xinjie_desktop.core.rules.plan_wording import quote
from xinjie_desktop.core.rules.policy_params import LAND_TYPES, ZONES, PolicyParameters
from xinjie_desktop.i18n import N_, _

REGISTERED = "registered"
SYNCHRONISED = "synchronised"
KINDS = {REGISTERED: N_("registered poor household"), SYNCHRONISED: N_("synchronised relocation household")}
ZONE_LABELS = {"basin": N_("flat basin"), "mountain": N_("mountain, semi-mountain or border ethnic township")}
LAND_LABELS = {
    "farmland": N_("farmland"),
    "other": N_("other agricultural land"),
    "unused": N_("abandoned or unused land"),
}

RELATIVES = "relatives"
DISTRICT_COMPANY = "district_company"
COOPERATIVE = "cooperative"
OPTION_LABELS = {
    RELATIVES: N_("① direct relatives (parents, children) + household"),
    DISTRICT_COMPANY: N_("② district poverty-alleviation investment company + household"),
    COOPERATIVE: N_("③ buy-back by the resettlement site's residents' public-service cooperative"),
}


class PlanInputError(ValueError):
    """An input the calculator cannot work with; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class PlanInput:
    people: int
    kind: str = REGISTERED
    labour: bool = True
    start_date: dt.date | None = None  # None: not started yet
    unit_cost: Decimal | None = None  # yuan per m²
    layout: int | None = None  # m²; None: the largest allowed
    built_area: Decimal | None = None  # m², for a house already built
    own_funds: Decimal | None = None  # planned own funds (自筹), yuan
    loan: Decimal = Decimal(0)  # loan already drawn, yuan
    demolition_signed: bool = False  # signed the demolition agreement and demolished on time
    zone: str | None = None
    land: str | None = None
    homestead_area: Decimal | None = None


@dataclass(frozen=True)
class Explanation:
    rules: tuple[str, ...]
    text: str
    plan: str  # the plan's words, from resources/policy/plan-wording-*.toml


@dataclass(frozen=True)
class CoOwnership:
    """One way out of HS-4 (2): who pays what, who owns what share, and the plan's conditions."""

    code: str
    investor: str
    investor_pays: Decimal
    household_pays: Decimal
    others_pay: Decimal  # what still exceeds the own-funds limit (relatives or other means)
    investor_share: Decimal  # percent of the building cost
    household_share: Decimal
    buy_back_price: Decimal  # at cost: what the co-investor put in
    conditions: str

    @property
    def label(self) -> str:
        return _(OPTION_LABELS[self.code])


class OptionJSON(TypedDict):
    """One co-ownership way (``CoOwnership``) in the command line's JSON."""

    code: str
    label: str
    investor: str
    investor_pays: int | float
    household_pays: int | float
    others_pay: int | float
    investor_share_percent: int | float
    household_share_percent: int | float
    buy_back_price: int | float
    conditions: str


class ExplanationJSON(TypedDict):
    rules: list[str]
    text: str
    plan: str


class PlanJSON(TypedDict):
    """``PlanResult.to_json``: the command line's JSON object, also saved with a plan (keys are a contract)."""

    allowed_layouts: list[int]
    layout_m2: int | None
    area_m2: int | float | None
    per_capita_m2: int | float | None
    building_cost: int | float | None
    subsidy: int | float
    reward: int | float
    subsidy_and_reward: int | float
    subsidy_paid: int | float
    reward_paid: int | float
    cap_reached: bool
    own_funds_needed: int | float | None
    own_funds_limit: int | float | None
    funding_gap: int | float | None
    loan_allowed: int | float
    loan_taken_over: int | float
    homestead_limit_m2: int | None
    garden_m2: int | float | None
    compliant: bool
    reasons: list[str]
    notes: list[str]
    options: list[OptionJSON]
    elderly_home: bool
    before_key_date: bool
    rules: list[str]
    explanations: dict[str, ExplanationJSON]
    parameters_version: str


@overload
def _number(value: Decimal) -> int | float: ...
@overload
def _number(value: Decimal | None) -> int | float | None: ...
def _number(value: Decimal | None) -> int | float | None:
    """A whole amount as an int, any other as a float (JSON has no decimals); None stays None, and so does
    an int or float a caller put in a ``PlanInput`` although it asks for a Decimal."""
    if value is None or not isinstance(value, Decimal):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class PlanResult:
    parameters_version: str
    allowed_layouts: list[int]
    layout_m2: int | None
    area_m2: Decimal | None
    per_capita_m2: Decimal | None
    standard_area_m2: int
    building_cost: Decimal | None
    standard_cost: Decimal | None
    subsidy: Decimal  # SB-1 / SB-2 before the HS-3 cap
    reward: Decimal  # SB-1 / SB-2 before the HS-3 cap (0 when the plan does not assume the demolition)
    subsidy_and_reward: Decimal  # what is paid, after the HS-3 cap
    cap_reached: bool
    own_funds_needed: Decimal | None
    own_funds_limit: Decimal | None
    funding_gap: Decimal | None
    loan_allowed: Decimal
    loan_taken_over: Decimal
    homestead_limit_m2: int | None
    garden_m2: Decimal | None
    compliant: bool
    reasons: list[str]
    notes: list[str]
    options: list[CoOwnership]
    elderly_home: bool
    before_key_date: bool
    rules: list[str]
    explanations: dict[str, Explanation] = field(default_factory=dict)
    # The paid total split into its parts (HS-3 reduces the reward first, then the subsidy):
    # subsidy_paid + reward_paid == subsidy_and_reward, always.
    subsidy_paid: Decimal = Decimal(0)
    reward_paid: Decimal = Decimal(0)

    def to_json(self) -> PlanJSON:
        """The command line's JSON object (keys are a contract: see issue 3)."""
        return {
            "allowed_layouts": self.allowed_layouts,
            "layout_m2": self.layout_m2,
            "area_m2": _number(self.area_m2),
            "per_capita_m2": _number(self.per_capita_m2),
            "building_cost": _number(self.building_cost),
            "subsidy": _number(self.subsidy),
            "reward": _number(self.reward),
            "subsidy_and_reward": _number(self.subsidy_and_reward),
            "subsidy_paid": _number(self.subsidy_paid),
            "reward_paid": _number(self.reward_paid),
            "cap_reached": self.cap_reached,
            "own_funds_needed": _number(self.own_funds_needed),
            "own_funds_limit": _number(self.own_funds_limit),
            "funding_gap": _number(self.funding_gap),
            "loan_allowed": _number(self.loan_allowed),
            "loan_taken_over": _number(self.loan_taken_over),
            "homestead_limit_m2": self.homestead_limit_m2,
            "garden_m2": _number(self.garden_m2),
            "compliant": self.compliant,
            "reasons": self.reasons,
            "notes": self.notes,
            "options": [
                {
                    "code": o.code,
                    "label": o.label,
                    "investor": o.investor,
                    "investor_pays": _number(o.investor_pays),
                    "household_pays": _number(o.household_pays),
                    "others_pay": _number(o.others_pay),
                    "investor_share_percent": _number(o.investor_share),
                    "household_share_percent": _number(o.household_share),
                    "buy_back_price": _number(o.buy_back_price),
                    "conditions": o.conditions,
                }
                for o in self.options
            ],
            "elderly_home": self.elderly_home,
            "before_key_date": self.before_key_date,
            "rules": self.rules,
            "explanations": {
                key: {"rules": list(e.rules), "text": e.text, "plan": e.plan} for key, e in self.explanations.items()
            },
            "parameters_version": self.parameters_version,
        }


def check_input(plan: PlanInput, params: PolicyParameters) -> None:
    """Raise PlanInputError for inputs that make no sense (the calculator never guesses)."""
    if plan.people < 1 or plan.people > 30:
        raise PlanInputError(_("The actual population must be between 1 and 30."))
    if plan.kind not in KINDS:
        raise PlanInputError(_("The kind of household must be registered or synchronised."))
    if plan.layout is not None and plan.layout not in params.layouts_m2:
        raise PlanInputError(
            _("The layouts are {layouts} m²; {layout} m² is not one of them.").format(
                layouts="/".join(str(x) for x in params.layouts_m2), layout=plan.layout
            )
        )
    for name, value in (
        ("unit_cost", plan.unit_cost),
        ("built_area", plan.built_area),
        ("own_funds", plan.own_funds),
        ("loan", plan.loan),
        ("homestead_area", plan.homestead_area),
    ):
        if value is not None and value < 0:
            raise PlanInputError(_("A number may not be negative ({name}).").format(name=name))
    if plan.unit_cost is not None and plan.unit_cost == 0:
        raise PlanInputError(_("The building cost per square metre must be more than 0."))
    if plan.built_area is not None and plan.built_area == 0:
        raise PlanInputError(_("The built area must be more than 0."))
    if plan.built_area is not None and plan.start_date is None:
        raise PlanInputError(_("For a house already built, give the date its construction started."))
    if (plan.zone is None) != (plan.land is None):
        raise PlanInputError(_("Give both the homestead's zone and its land type, or neither."))
    if plan.zone is not None and (plan.zone not in ZONES or plan.land not in LAND_TYPES):
        raise PlanInputError(_("Unknown zone or land type."))
    if plan.homestead_area is not None and plan.zone is None:
        raise PlanInputError(_("Give the homestead's zone and land type with its area."))


def _m2(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def calculate(plan: PlanInput, params: PolicyParameters) -> PlanResult:
    check_input(plan, params)
    people = plan.people
    registered = plan.kind == REGISTERED
    explain: dict[str, Explanation] = {}
    reasons: list[str] = []
    notes: list[str] = []
    rules: set[str] = {"HS-2"}

    def note(key: str, rule_ids: tuple[str, ...], text: str, wording_key: str | None = None) -> None:
        rules.update(r for r in rule_ids if "-" in r)
        explain[key] = Explanation(rule_ids, text, quote(wording_key or rule_ids[0]))

    # HS-1: the key date decides between rectification and strict limits.
    before_key = plan.start_date is not None and plan.start_date <= params.key_date
    if plan.start_date is not None:
        note(
            "start_date",
            ("HS-1",),
            (
                _(
                    "Construction started on {date}, on or before the key date {key}: a house that breaks the limits is "
                    "rectified against the standard."
                )
                if before_key
                else _(
                    "Construction started on {date}, after the key date {key}: the house must meet the area and money "
                    "limits strictly."
                )
            ).format(date=plan.start_date.isoformat(), key=params.key_date.isoformat()),
        )

    # HS-2: the layouts allowed for this many people.
    standard_area = min(params.per_capita_max_m2 * people, params.max_area_m2)
    allowed = [layout for layout in params.layouts_m2 if layout <= standard_area]
    note(
        "allowed_layouts",
        ("HS-2",),
        _(
            "{people} people may have at most {standard} m² ({per} m² a person, {max} m² at most): layouts {allowed}."
        ).format(
            people=people,
            standard=standard_area,
            per=params.per_capita_max_m2,
            max=params.max_area_m2,
            allowed="、".join(f"{x} m²" for x in allowed) if allowed else _("none"),
        ),
    )

    # HS-4 (1): one or two people without labour capacity go to a happiness home or the home for the elderly.
    elderly_home = people <= params.elderly_home_max_people and not plan.labour
    if elderly_home:
        rules.add("HS-4")
        reasons.append(
            _(
                "A household of {people} without labour capacity moves to the village happiness home or the "
                "township home for the elderly; a resettlement house goes to a household of 3 or more."
            ).format(people=people)
        )
        note("elderly_home", ("HS-4",), reasons[-1], "HS-4-1")
    elif not allowed:
        reasons.append(
            _(
                "No standard layout fits {people} people: the smallest layout, {smallest} m², is more than "
                "{per} m² a person."
            ).format(people=people, smallest=params.layouts_m2[0], per=params.per_capita_max_m2)
        )

    # The layout used and the area.
    layout = plan.layout if plan.layout is not None else (max(allowed) if allowed and plan.built_area is None else None)
    if plan.layout is not None and plan.layout not in allowed:
        reasons.append(
            _("The {layout} m² layout is larger than the {standard} m² allowed for {people} people.").format(
                layout=plan.layout, standard=standard_area, people=people
            )
        )
    area = plan.built_area if plan.built_area is not None else (Decimal(layout) if layout is not None else None)
    per_capita: Decimal | None = None
    area_breaks = False
    if area is not None:
        per_capita = (area / people).quantize(CENT, rounding=ROUND_HALF_UP)
        # Compared exactly (75.01 m² for 3 people is over 25 m² a person although it rounds to 25.00);
        # the reason then shows the figure rounded up so that it reads as over the limit.
        if area > params.per_capita_max_m2 * people:
            area_breaks = True
            shown = (area / people).quantize(CENT, rounding=ROUND_CEILING)
            reasons.append(
                _("{area} m² for {people} people is {per} m² a person, more than {limit} m².").format(
                    area=_m2(area), people=people, per=_m2(shown), limit=params.per_capita_max_m2
                )
            )
        if area > params.max_area_m2:
            area_breaks = True
            reasons.append(
                _("{area} m² is more than the largest house allowed, {limit} m².").format(
                    area=_m2(area), limit=params.max_area_m2
                )
            )
        over = area > params.per_capita_max_m2 * people  # what is, and where the limit stands: never "40 (at most 25)"
        note(
            "per_capita_m2",
            ("HS-2",),
            (
                _("{area} m² ÷ {people} people = {per} m² a person, over the limit of {limit} m² a person.")
                if over
                else _("{area} m² ÷ {people} people = {per} m² a person, within the limit of {limit} m² a person.")
            ).format(
                area=_m2(area),
                people=people,
                per=_m2((area / people).quantize(CENT, rounding=ROUND_CEILING) if over else per_capita),
                limit=params.per_capita_max_m2,
            ),
        )

    # SB-1 / SB-2: subsidy and reward.
    if registered:
        subsidy = params.registered_per_person * people
        reward = params.registered_reward_per_person * people if plan.demolition_signed else Decimal(0)
        note(
            "subsidy",
            ("SB-1",),
            _("{per} yuan a person × {people} people of actual population = {total} yuan.").format(
                per=format_yuan(params.registered_per_person), people=people, total=format_yuan(subsidy)
            ),
        )
        note(
            "reward",
            ("SB-1",),
            (
                _(
                    "{per} yuan a person × {people} people, for signing the demolition agreement and demolishing the old "
                    "house on time = {total} yuan."
                )
                if plan.demolition_signed
                else _(
                    "No reward yet: it is {per} yuan a person once the demolition agreement is signed and the old house "
                    "is demolished on time."
                )
            ).format(per=format_yuan(params.registered_reward_per_person), people=people, total=format_yuan(reward)),
        )
    else:
        subsidy = params.synchronised_per_household
        reward = params.synchronised_reward_per_household if plan.demolition_signed else Decimal(0)
        note(
            "subsidy",
            ("SB-2",),
            _("{total} yuan a household for a synchronised relocation household.").format(total=format_yuan(subsidy)),
        )
        note(
            "reward",
            ("SB-2",),
            (
                _(
                    "{total} yuan a household for signing the demolition agreement and demolishing the old house on time."
                )
                if plan.demolition_signed
                else _(
                    "No reward yet: it is {per} yuan a household once the demolition agreement is signed and the old house "
                    "is demolished on time."
                )
            ).format(total=format_yuan(reward), per=format_yuan(params.synchronised_reward_per_household)),
        )

    # HS-3: the cap, the building cost and the own funds.
    building_cost = standard_cost = own_needed = gap = None
    combined = subsidy + reward
    cap_reached = False
    if plan.unit_cost is not None and area is not None:
        building_cost = (area * plan.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
        standard_cost = (min(area, Decimal(standard_area)) * plan.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
        note(
            "building_cost",
            ("HS-3",),
            _("{area} m² × {unit} yuan/m² = {cost} yuan.").format(
                area=_m2(area), unit=format_yuan(plan.unit_cost), cost=format_yuan(building_cost)
            ),
        )
        if registered and combined > standard_cost:
            cap_reached = True
            combined = standard_cost
        if registered:
            note(
                "subsidy_and_reward",
                ("HS-3",),
                (
                    _(
                        "Subsidy and reward, {sum} yuan, may not exceed the building cost of the area-controlled "
                        "standard ({standard} m² × {unit} yuan = {cap} yuan): {combined} yuan is paid, {subsidy} yuan "
                        "of subsidy and {reward} yuan of reward."
                    )
                    if cap_reached
                    else _(
                        "Subsidy and reward, {sum} yuan, stay within the building cost of the area-controlled standard "
                        "({standard} m² × {unit} yuan = {cap} yuan)."
                    )
                ).format(
                    sum=format_yuan(subsidy + reward),
                    standard=_m2(min(area, Decimal(standard_area))),
                    unit=format_yuan(plan.unit_cost),
                    cap=format_yuan(standard_cost),
                    combined=format_yuan(combined),
                    subsidy=format_yuan(min(subsidy, combined)),
                    reward=format_yuan(combined - min(subsidy, combined)),
                ),
            )
        else:
            note(
                "subsidy_and_reward",
                ("SB-2",),
                _(
                    "A synchronised relocation household gets {sum} yuan of subsidy and reward whatever the building "
                    "cost: the cap of HS-3 is written for registered poor households."
                ).format(sum=format_yuan(combined)),
            )
        own_needed = max(Decimal(0), building_cost - combined)
    elif area is not None:
        notes.append(_("Give the building cost per square metre to check the money (HS-3)."))

    own_limit = params.own_funds_limit if registered else None
    funds_break = False
    if own_needed is not None and building_cost is not None:  # known together: with the cost per m² and an area
        if registered:
            note(
                "own_funds_needed",
                ("HS-3",),
                _(
                    "Building cost {cost} − subsidy and reward {paid} = {need} yuan of own funds; at most {limit} yuan a "
                    "household."
                ).format(
                    cost=format_yuan(building_cost),
                    paid=format_yuan(combined),
                    need=format_yuan(own_needed),
                    limit=format_yuan(params.own_funds_limit),
                ),
            )
            if own_needed > params.own_funds_limit:
                funds_break = True
                reasons.append(
                    _("Own funds of {need} yuan are more than the {limit} yuan a household may raise.").format(
                        need=format_yuan(own_needed), limit=format_yuan(params.own_funds_limit)
                    )
                )
        else:
            note(
                "own_funds_needed",
                ("SB-2",),
                _(
                    "Building cost {cost} − subsidy and reward {paid} = {need} yuan, which the household raises, with a "
                    "loan of up to {loan} yuan."
                ).format(
                    cost=format_yuan(building_cost),
                    paid=format_yuan(combined),
                    need=format_yuan(own_needed),
                    loan=format_yuan(params.synchronised_loan),
                ),
            )
        if plan.own_funds is not None:
            available = plan.own_funds + (min(plan.loan, params.synchronised_loan) if not registered else Decimal(0))
            gap = max(Decimal(0), own_needed - available)
            if gap > 0:
                reasons.append(
                    _("The money planned leaves {gap} yuan of the building cost unpaid.").format(gap=format_yuan(gap))
                )
        if registered and plan.own_funds is not None and plan.own_funds > params.own_funds_limit:
            funds_break = True
            reasons.append(
                _("Planned own funds of {own} yuan are more than the {limit} yuan a household may raise.").format(
                    own=format_yuan(plan.own_funds), limit=format_yuan(params.own_funds_limit)
                )
            )

    # LN-1: loans.
    loan_taken_over = Decimal(0)
    debt_breaks = False
    if registered:
        loan_allowed = Decimal(0)
        if plan.loan > 0:
            loan_taken_over = min(plan.loan, params.registered_loan)
            debt_breaks = True
            if not before_key:
                reasons.append(
                    _(
                        "Registered relocation households get no loan any more; the {loan} yuan drawn is "
                        "debt the plan does not allow."
                    ).format(loan=format_yuan(plan.loan))
                )
            if plan.loan > params.registered_loan:
                reasons.append(
                    _(
                        "The loan of {loan} yuan is more than the {limit} yuan loan the district company takes over."
                    ).format(loan=format_yuan(plan.loan), limit=format_yuan(params.registered_loan))
                )
        note(
            "loan",
            ("LN-1",),
            (
                _(
                    "Registered relocation households no longer get the {limit} yuan loan; the {loan} yuan already drawn "
                    "is taken over by the district poverty-alleviation investment company."
                )
                if plan.loan > 0
                else _("Registered relocation households no longer get the {limit} yuan loan.")
            ).format(limit=format_yuan(params.registered_loan), loan=format_yuan(loan_taken_over)),
        )
    else:
        loan_allowed = params.synchronised_loan
        if plan.loan > loan_allowed:
            reasons.append(
                _("The loan of {loan} yuan is more than the {limit} yuan a synchronised household may borrow.").format(
                    loan=format_yuan(plan.loan), limit=format_yuan(loan_allowed)
                )
            )
        note(
            "loan",
            ("SB-2",),
            _("A synchronised relocation household may borrow up to {limit} yuan.").format(
                limit=format_yuan(loan_allowed)
            ),
        )

    # HB-1: homestead.
    homestead_limit = garden = None
    if plan.zone is not None and plan.land is not None:  # both or neither (check_input)
        homestead_limit = params.homestead_limits[(plan.zone, plan.land)]
        garden = max(Decimal(0), plan.homestead_area - homestead_limit) if plan.homestead_area is not None else None
        note(
            "homestead",
            ("HB-1",),
            _("{zone}, {land}: at most {limit} m² of homestead a household.").format(
                zone=_(ZONE_LABELS[plan.zone]), land=_(LAND_LABELS[plan.land]), limit=homestead_limit
            )
            + (
                " "
                + _("{garden} m² above the limit becomes greening or vegetable garden and may not be built on.").format(
                    garden=_m2(garden)
                )
                if garden
                else ""
            ),
        )

    # HS-1 / HS-4 (2): rectification of houses started on or before the key date.
    breaks = area_breaks or funds_break or debt_breaks
    options: list[CoOwnership] = []
    if breaks and registered and before_key and not elderly_home:
        rules.add("HS-4")
        options = _co_ownership(building_cost, own_needed, params.own_funds_limit, loan_taken_over)
        note(
            "options",
            ("HS-4",),
            _(
                "The house was started on or before {key} and breaks the limits: it is rectified by co-ownership."
            ).format(key=params.key_date.isoformat()),
            "HS-4-2",
        )
    elif breaks and (not before_key):
        rules.add("HS-1")
        reasons.append(
            _(
                "Started after {key} (or not started yet): the limits apply strictly, with no co-ownership "
                "way around them."
            ).format(key=params.key_date.isoformat())
        )
    elif breaks and not registered:
        notes.append(_("Co-ownership rectification (HS-4) is for registered poor households."))

    compliant = not reasons
    return PlanResult(
        parameters_version=params.version,
        allowed_layouts=allowed,
        layout_m2=layout,
        area_m2=area,
        per_capita_m2=per_capita,
        standard_area_m2=standard_area,
        building_cost=building_cost,
        standard_cost=standard_cost,
        subsidy=subsidy,
        reward=reward,
        subsidy_and_reward=combined,
        subsidy_paid=min(subsidy, combined),
        reward_paid=combined - min(subsidy, combined),
        cap_reached=cap_reached,
        own_funds_needed=own_needed,
        own_funds_limit=own_limit,
        funding_gap=gap,
        loan_allowed=loan_allowed,
        loan_taken_over=loan_taken_over,
        homestead_limit_m2=homestead_limit,
        garden_m2=garden,
        compliant=compliant,
        reasons=reasons,
        notes=notes,
        options=options,
        elderly_home=elderly_home,
        before_key_date=before_key,
        rules=sorted(rules, key=_rule_order),
        explanations=explain,
    )


def _rule_order(rule: str) -> tuple[str, int]:
    prefix, number = rule.split("-")
    return prefix, int(number)


def _co_ownership(cost: Decimal | None, own_needed: Decimal | None, limit: Decimal, loan: Decimal) -> list[CoOwnership]:
    """The three ways of HS-4 (2), with the money when the cost is known."""
    cost = cost or Decimal(0)
    # The company takes over the whole loan (LN-1), but puts into the house at most what the
    # household had to fund itself; without a building cost that is unknown, so the whole loan.
    invested = loan if own_needed is None else min(loan, own_needed)
    own_needed = own_needed or Decimal(0)
    excess = max(Decimal(0), own_needed - limit)
    options = []
    if excess > 0:
        household = own_needed - excess
        options.append(
            CoOwnership(
                code=RELATIVES,
                investor=_("direct relatives (parents, children)"),
                investor_pays=excess,
                household_pays=household,
                others_pay=Decimal(0),
                investor_share=_pct(excess, cost),
                household_share=Decimal(100) - _pct(excess, cost),
                buy_back_price=excess,
                conditions=quote("HS-4-relatives"),
            )
        )
    if loan > 0:
        rest = max(Decimal(0), own_needed - invested)
        others = max(Decimal(0), rest - limit)
        options.append(
            CoOwnership(
                code=DISTRICT_COMPANY,
                investor=_("district poverty-alleviation investment company"),
                investor_pays=invested,
                household_pays=rest - others,
                others_pay=others,
                investor_share=_pct(invested, cost),
                household_share=Decimal(100) - _pct(invested, cost) - _pct(others, cost),
                buy_back_price=invested,
                conditions=quote("HS-4-district_company"),
            )
        )
    options.append(
        CoOwnership(
            code=COOPERATIVE,
            investor=_("the resettlement site's residents' public-service cooperative"),
            investor_pays=own_needed,
            household_pays=Decimal(0),
            others_pay=Decimal(0),
            investor_share=_pct(own_needed, cost),
            household_share=Decimal(100) - _pct(own_needed, cost),
            buy_back_price=own_needed,
            conditions=quote("HS-4-cooperative"),
        )
    )
    return options


def summary_text(result: PlanResult) -> str:
    """The plan as plain lines of text (the command line without --json)."""

    def yuan(value: Decimal | None) -> str:
        return "—" if value is None else _("{amount} yuan").format(amount=format_yuan(value))

    def paid(value: Decimal, full: Decimal) -> str:  # a part as paid; what the cap took, if it did
        if value < full:
            return _("{amount} ({full} before the HS-3 cap)").format(amount=yuan(value), full=yuan(full))
        return yuan(value)

    lines = [
        _("Layouts allowed: {layouts}").format(
            layouts="、".join(f"{x} m²" for x in result.allowed_layouts) or _("none")
        ),
        _("Layout used: {layout}").format(layout=f"{result.layout_m2} m²" if result.layout_m2 else "—"),
        _("Area a person: {per}").format(per=f"{_m2(result.per_capita_m2)} m²" if result.per_capita_m2 else "—"),
        _("Building cost: {value}").format(value=yuan(result.building_cost)),
        _("Subsidy: {value}").format(value=paid(result.subsidy_paid, result.subsidy)),
        _("Reward: {value}").format(value=paid(result.reward_paid, result.reward)),
        _("Subsidy and reward paid: {value}").format(value=yuan(result.subsidy_and_reward)),
        _("Own funds needed: {value} (limit {limit})").format(
            value=yuan(result.own_funds_needed), limit=yuan(result.own_funds_limit)
        ),
        _("Loan allowed: {value}; taken over by the district company: {over}").format(
            value=yuan(result.loan_allowed), over=yuan(result.loan_taken_over)
        ),
    ]
    if result.homestead_limit_m2 is not None:
        lines.append(
            _("Homestead limit: {limit} m²; becomes garden: {garden}").format(
                limit=result.homestead_limit_m2, garden=f"{_m2(result.garden_m2)} m²" if result.garden_m2 else "—"
            )
        )
    lines.append(_("Complies: {answer}").format(answer=_("yes") if result.compliant else _("no")))
    lines.extend(f"  - {reason}" for reason in result.reasons)
    lines.extend(f"  · {note}" for note in result.notes)
    for option in result.options:
        lines.append(
            f"{option.label}: "
            + _("{investor} pays {pays}; the household pays {household}").format(
                investor=option.investor, pays=yuan(option.investor_pays), household=yuan(option.household_pays)
            )
        )
    lines.append(
        _("Rules applied: {rules}; parameters {version}").format(
            rules=", ".join(result.rules), version=result.parameters_version
        )
    )
    return "\n".join(lines)
