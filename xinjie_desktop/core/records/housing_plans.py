"""Housing plans saved with a household: what was put in, what came out, under which parameters.

A saved plan reopens exactly as it was: it is recalculated under the parameter version it was
made with (and that must give the same figures), and can be compared with a new calculation
under the parameters in force now.

A plan is saved as a new record, never changed; the household's plan is its latest. The calculator saves
what its form changed since it opened (issue 13, case 1): when a newer plan was saved meanwhile (an import,
a second window), the user's changes are made to that plan, and an input both changed is a collision the
user decides (``form_saving``), journalled with the versions it decided between.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access, edits, form_saving
from xinjie_desktop.core.rules import membership
from xinjie_desktop.core.rules.housing_plan import (
    KINDS,
    OPTION_LABELS,
    REGISTERED,
    SYNCHRONISED,
    PlanInput,
    PlanInputError,
    PlanResult,
    calculate,
)
from xinjie_desktop.core.rules.identification import in_national_system
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyParameters, current
from xinjie_desktop.core.rules.vocabulary import LABOUR_CAPABLE
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Household, Member, SavedHousingPlan, new_uuid
from xinjie_desktop.i18n import N_, _

COMPARED = (
    "allowed_layouts",
    "layout_m2",
    "per_capita_m2",
    "building_cost",
    "subsidy",
    "reward",
    "subsidy_and_reward",
    "own_funds_needed",
    "own_funds_limit",
    "loan_allowed",
    "loan_taken_over",
    "homestead_limit_m2",
    "garden_m2",
    "compliant",
)


def input_to_json(plan: PlanInput) -> str:
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return json.dumps({key: plain(value) for key, value in asdict(plan).items()}, ensure_ascii=False, sort_keys=True)


def input_from_json(text: str) -> PlanInput:
    data = json.loads(text)
    for key in ("unit_cost", "built_area", "own_funds", "loan", "homestead_area"):
        if data.get(key) is not None:
            data[key] = Decimal(data[key])
    if data.get("start_date"):
        data["start_date"] = dt.date.fromisoformat(data["start_date"])
    return PlanInput(**data)


def defaults_for(store: Store, household_id: str) -> PlanInput:
    """A first plan for the household: its actual population, kind and labour capacity."""
    with store.session() as session:
        household = session.get_one(Household, household_id)
        members = session.scalars(select(Member).where(Member.household_id == household_id)).all()
        actual = [m for m in members if m.membership_basis in membership.INCLUDED]
        kind = REGISTERED if in_national_system(household) else SYNCHRONISED
        return PlanInput(
            people=planned_people(actual), kind=kind, labour=any(m.labour in LABOUR_CAPABLE for m in actual)
        )


def planned_people(actual: Sequence[object]) -> int:
    """The number of people a plan is worked out for: the household's actual members (at least one)."""
    return max(1, len(actual))


# What a plan takes from the household's records (``defaults_for``): when one of these changed since
# the plan was made, the plan is out of date.
HOUSEHOLD_FACTS = {
    "people": N_("actual population"),
    "kind": N_("kind of household"),
    "labour": N_("labour capacity"),
}


def household_changes(store: Store, household_id: str, plan: PlanInput) -> list[tuple[str, object, object]]:
    """(fact, in the plan, in the records now) for each fact of the household the plan no longer matches."""
    now = defaults_for(store, household_id)
    return [
        (fact, getattr(plan, fact), getattr(now, fact))
        for fact in HOUSEHOLD_FACTS
        if getattr(plan, fact) != getattr(now, fact)
    ]


def as_household_is_now(store: Store, household_id: str, plan: PlanInput) -> PlanInput:
    """``plan`` with the household's facts (actual population, kind, labour capacity) as the records hold them."""
    now = defaults_for(store, household_id)
    return replace(plan, **{fact: getattr(now, fact) for fact in HOUSEHOLD_FACTS})


def describe_changes(changes: list[tuple[str, object, object]]) -> str:
    """E.g. "actual population 4 → 5"."""

    def shown(fact: str, value: object) -> str:
        if fact == "kind":
            return _(KINDS.get(str(value), str(value)))
        if fact == "labour":
            return _("able to work") if value else _("no labour capacity")
        return str(value)

    return _(", ").join(
        f"{_(HOUSEHOLD_FACTS[fact])} {shown(fact, then)} → {shown(fact, now)}" for fact, then, now in changes
    )


@dataclass(frozen=True)
class SavedPlan:
    id: str
    saved_at: dt.datetime
    parameters_version: str
    plan: PlanInput
    results: dict
    compliant: bool
    chosen_option: str
    co_investor: str
    note: str


PLAN_TABLE = SavedHousingPlan.__tablename__


@dataclass(frozen=True)
class PlanBase:
    """The household's plan as the calculator opened it: the latest saved plan (``plan_id``; ``None``: no
    plan yet, the household's defaults were shown), its inputs and co-ownership choice, and its record's
    sync versions then. A save is checked against it."""

    plan_id: str | None
    plan: PlanInput
    chosen_option: str = ""
    co_investor: str = ""
    versions: str = ""


def _latest(session: Session, household_id: str) -> SavedHousingPlan | None:
    return session.scalar(
        select(SavedHousingPlan)
        .where(SavedHousingPlan.household_id == household_id)
        .order_by(SavedHousingPlan.created_at.desc())
        .limit(1)
    )


def plan_base(store: Store, household_id: str) -> PlanBase:
    """What the calculator opens: the latest saved plan, or the household's defaults."""
    with store.session() as session:
        record = _latest(session, household_id)
        if record is not None:
            plan = input_from_json(record.inputs)
            return PlanBase(record.id, plan, record.chosen_option, record.co_investor, record.sync_versions or "")
    return PlanBase(None, defaults_for(store, household_id))


def _fields(plan: PlanInput, chosen_option: str, co_investor: str) -> dict[str, object]:
    return {
        **{f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)},
        "chosen_option": chosen_option,
        "co_investor": co_investor.strip(),
    }


def _merged(
    session: Session,
    store: Store,
    latest: SavedHousingPlan,
    loaded: PlanBase,
    mine: dict[str, object],
    decisions: Mapping[edits.Key, edits.Decision] | None,
) -> tuple[dict[str, object], dict[edits.Key, object]]:
    """The inputs to save when a newer plan than the loaded one is in the store: the user's changes made to
    it (``edits.merge_fields``); ``EditCollisions`` while an input both changed is undecided."""
    base = _fields(loaded.plan, loaded.chosen_option, loaded.co_investor)
    theirs = _fields(input_from_json(latest.inputs), latest.chosen_option, latest.co_investor)
    merged = edits.Merged({}, [], {})
    values = edits.merge_fields(PLAN_TABLE, latest.id, base, mine, theirs, decisions or {}, merged)
    if merged.collisions:
        raise form_saving.EditCollisions([form_saving.describe(session, store, c, latest) for c in merged.collisions])
    return values, merged.decided


def save(
    store: Store,
    household_id: str,
    plan: PlanInput,
    result: PlanResult,
    *,
    chosen_option: str = "",
    co_investor: str = "",
    note: str = "",
    loaded: PlanBase | None = None,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
) -> str:
    """Save the plan with the parameter version it was calculated under; returns its id.

    ``loaded``: the plan the calculator opened (``plan_base``). When the household's latest plan is another
    now (saved meanwhile), the inputs the user changed since are made to that plan and the plan is
    recalculated (under the same parameter version); an input both changed raises ``EditCollisions``
    (nothing saved) until ``decisions`` settles it."""
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RELOCATION, household_id)
        if session.get(Household, household_id) is None:
            raise PlanInputError(_("This household no longer exists in the store."))
        latest = _latest(session, household_id)
        decided: dict[edits.Key, object] = {}
        if loaded is not None and latest is not None and latest.id != loaded.plan_id:
            mine = _fields(plan, chosen_option, co_investor)
            values, decided = _merged(session, store, latest, loaded, mine, decisions)
            if values != mine:
                chosen_option, co_investor = str(values.pop("chosen_option")), str(values.pop("co_investor"))
                plan = PlanInput(**values)  # type: ignore[arg-type]
                result = calculate(plan, current(result.parameters_version))
        if chosen_option and chosen_option not in {o.code for o in result.options}:
            raise PlanInputError(_("That co-ownership way does not apply to this plan."))
        if chosen_option and chosen_option in OPTION_LABELS and not co_investor.strip():
            raise PlanInputError(_("Give the co-investor's name and details."))
        record = SavedHousingPlan(
            household_id=household_id,
            parameters_version=result.parameters_version,
            inputs=input_to_json(plan),
            results=json.dumps(result.to_json(), ensure_ascii=False),
            compliant=result.compliant,
            chosen_option=chosen_option,
            co_investor=co_investor.strip(),
            note=note.strip(),
        )
        if decided and latest is not None:  # its inputs decided between the latest plan's and the loaded one's
            record.id = new_uuid()
            loaded_versions = loaded.versions if loaded is not None else ""
            form_saving.note_decided(session, PLAN_TABLE, record.id, "inputs", latest.sync_versions, loaded_versions)
        session.add(record)
        session.flush()
        return record.id


def saved_plans(store: Store, household_id: str) -> list[SavedPlan]:
    with store.session() as session:
        records = session.scalars(
            select(SavedHousingPlan)
            .where(SavedHousingPlan.household_id == household_id)
            .order_by(SavedHousingPlan.created_at.desc())
        ).all()
        return [
            SavedPlan(
                r.id,
                r.created_at,
                r.parameters_version,
                input_from_json(r.inputs),
                json.loads(r.results),
                r.compliant,
                r.chosen_option,
                r.co_investor,
                r.note,
            )
            for r in records
        ]


def reopen(saved: SavedPlan) -> PlanResult:
    """The saved plan recalculated under the parameters it was made with."""
    return calculate(saved.plan, current(saved.parameters_version))


def compare(saved: SavedPlan, params: PolicyParameters | None = None) -> list[tuple[str, object, object]]:
    """The figures that differ between the saved plan and the same inputs under ``params`` (now)."""
    now = calculate(saved.plan, params or current()).to_json()
    return [(key, saved.results.get(key), now.get(key)) for key in COMPARED if saved.results.get(key) != now.get(key)]
