"""A C/D-grade dangerous house's appraisal kept with the household (SB-3; the rule: ``rules.dangerous_house``).

Only a registered poor household outside relocation has one (``refusal`` says why not); the latest
appraisal is read back with its assessment, and a D-grade rebuild whose loan the district company
takes over gets its co-ownership agreement (``records.agreements``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules.dangerous_house import (
    DangerousHouseError,
    DangerousHouseInput,
    DangerousHouseResult,
    assess,
    eligibility,
)
from xinjie_desktop.core.rules.identification import in_national_system
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyParameters, current
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import DangerousHouse, Household, RelocationVerification
from xinjie_desktop.i18n import _


def refusal_in(session: Session, household_id: str) -> str | None:
    household = session.get(Household, household_id)
    if household is None:
        return _("This household no longer exists in the store.")
    relocating = session.scalar(
        select(RelocationVerification.in_scope).where(RelocationVerification.household_id == household_id)
    )
    return eligibility(in_national_system(household), bool(relocating))


def refusal(store: Store, household_id: str) -> str | None:
    """Why the household cannot have a dangerous-house appraisal (SB-3), or None."""
    with store.session() as session:
        return refusal_in(session, household_id)


def record(store: Store, household_id: str, house: DangerousHouseInput, params: PolicyParameters) -> str:
    """Keep the appraisal with the household (after checking it); returns the record's id."""
    assess(house, params)
    figures = {
        "people": house.people,
        "start_date": house.start_date.isoformat() if house.start_date else None,
        "unit_cost": str(house.unit_cost) if house.unit_cost is not None else None,
        "area": str(house.area) if house.area is not None else None,
        "own_funds": str(house.own_funds),
        "loan": str(house.loan),
    }
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RELOCATION, household_id)
        reason = refusal_in(session, household_id)
        if reason is not None:
            raise DangerousHouseError(reason)
        entry = DangerousHouse(
            household_id=household_id,
            grade=house.grade,
            appraiser=house.appraiser.strip(),
            appraised_on=house.appraised_on,
            rebuild=house.rebuild,
            inputs=json.dumps(figures, sort_keys=True),
        )
        session.add(entry)
        session.flush()
        return entry.id


@dataclass(frozen=True)
class Appraisal:
    id: str
    house: DangerousHouseInput
    result: DangerousHouseResult


def input_of(entry: DangerousHouse) -> DangerousHouseInput:
    figures = json.loads(entry.inputs or "{}")

    def amount(key: str) -> Decimal | None:
        return Decimal(figures[key]) if figures.get(key) not in (None, "") else None

    return DangerousHouseInput(
        grade=entry.grade,
        appraiser=entry.appraiser,
        appraised_on=entry.appraised_on,
        people=int(figures.get("people") or 1),
        rebuild=entry.rebuild,
        start_date=dt.date.fromisoformat(figures["start_date"]) if figures.get("start_date") else None,
        unit_cost=amount("unit_cost"),
        area=amount("area"),
        own_funds=amount("own_funds") or Decimal(0),
        loan=amount("loan") or Decimal(0),
    )


def latest_in(session: Session, household_id: str, params: PolicyParameters | None = None) -> Appraisal | None:
    entry = session.scalars(
        select(DangerousHouse)
        .where(DangerousHouse.household_id == household_id)
        .order_by(DangerousHouse.created_at.desc(), DangerousHouse.id)
    ).first()
    if entry is None:
        return None
    house = input_of(entry)
    return Appraisal(entry.id, house, assess(house, params or current()))


def latest(store: Store, household_id: str, params: PolicyParameters | None = None) -> Appraisal | None:
    """The household's latest appraisal, assessed again under ``params`` (now)."""
    with store.session() as session:
        return latest_in(session, household_id, params)
