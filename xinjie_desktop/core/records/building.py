"""A relocation household's building progress (issues 18, 19): the stages of its new house, recorded.

``record_stage`` records one stage reached (foundation laid, main structure, completion, moved in:
``core.rules.building.STAGES``) with its day, who recorded it and a short note of the evidence, in one
transaction; ``core.rules.building.check_stage`` decides (a relocation verified in scope, the relocation
agreement in force signed, the stages in order, no day going backwards or in the future), and a refusal
(``BuildingError``) names what is wrong and writes nothing.  Recording is ``Action.BUILDING_PROGRESS`` (the work
teams and village cadres in their villages, the township's administrators); reading is ``Action.READ``.  The
record belongs to its household's village and travels in bundles with it; the import checks a household's stages
as a whole (``core.sync.checking``: ``core.rules.building.order_problem``).

The funds' tranches are paid by these stages (``core.records.funds.record_payment``: ``reached_in``), the
progress view counts them (``core.records.progress``) and the household's archive lists them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules import building as rules
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Agreement, BuildingStage, Household, RelocationVerification
from xinjie_desktop.i18n import _

RELOCATION = "relocation"  # the agreement kind the building follows (as the payments: core.records.funds)


class BuildingError(ValueError):
    """A stage that may not be recorded; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class StageRecord:
    id: str
    household_id: str
    stage: str
    reached_on: dt.date
    recorded_by: str
    evidence: str

    @property
    def label(self) -> str:
        return rules.stage_label(self.stage)


def _records(session: Session, household_id: str) -> list[BuildingStage]:
    return list(
        session.scalars(
            select(BuildingStage)
            .where(BuildingStage.household_id == household_id)
            .order_by(BuildingStage.reached_on, BuildingStage.created_at, BuildingStage.id)
        )
    )


def reached_in(session: Session, household_id: str) -> tuple[rules.Reached, ...]:
    """The stages recorded for the household (in the session's transaction), for the rules."""
    return tuple(rules.Reached(r.stage, r.reached_on) for r in _records(session, household_id))


def _stage_record(record: BuildingStage) -> StageRecord:
    return StageRecord(
        record.id, record.household_id, record.stage, record.reached_on, record.recorded_by, record.evidence
    )


def stages_in(session: Session, household_id: str) -> list[StageRecord]:
    """The household's stages in the order of building (then by day)."""
    order = {stage: index for index, stage in enumerate(rules.STAGES)}
    found = [_stage_record(r) for r in _records(session, household_id)]
    return sorted(found, key=lambda r: (order.get(r.stage, len(order)), r.reached_on))


def stages(store: Store, household_id: str) -> list[StageRecord]:
    """The household's building stages recorded, in order."""
    access.require_household_open(store, Action.READ, household_id)
    with store.session() as session:
        return stages_in(session, household_id)


def _case(session: Session, household_id: str) -> rules.BuildingCase:
    verification = session.scalars(
        select(RelocationVerification).where(RelocationVerification.household_id == household_id)
    ).first()
    agreement = session.scalars(
        select(Agreement)
        .where(Agreement.household_id == household_id, Agreement.kind == RELOCATION)
        .order_by(Agreement.version.desc(), Agreement.created_at.desc())
        .limit(1)
    ).first()
    return rules.BuildingCase(
        in_plan=bool(verification is not None and verification.in_scope),
        agreement_status=agreement.status if agreement is not None else "",
        signed_on=agreement.signed_on if agreement is not None else None,
        recorded=reached_in(session, household_id),
    )


def next_stage(store: Store, household_id: str) -> str | None:
    """The stage to record next for the household (None: it has moved in)."""
    access.require_household_open(store, Action.READ, household_id)
    with store.session() as session:
        return rules.next_stage(reached_in(session, household_id))


def eligibility(store: Store, household_id: str) -> list[str]:
    """Why no building stage may be recorded for the household (RL-1, AG-1; empty: they may), for the window."""
    with store.session() as session:
        if session.get(Household, household_id) is None:
            return [_("This household no longer exists in the store.")]
        return rules.eligibility(_case(session, household_id))


def refusals(
    store: Store, household_id: str, stage: str, reached_on: dt.date, today: dt.date | None = None
) -> list[str]:
    """Why the stage may not be recorded (empty: it may), for the window to say before it saves."""
    with store.session() as session:
        if session.get(Household, household_id) is None:
            return [_("This household no longer exists in the store.")]
        return rules.check_stage(_case(session, household_id), stage, reached_on, today or dt.date.today())


def record_stage(
    store: Store,
    household_id: str,
    stage: str,
    reached_on: dt.date,
    recorded_by: str,
    evidence: str = "",
    today: dt.date | None = None,
) -> str:
    """Record that the household's new house reached ``stage`` on ``reached_on``; returns the record's id.
    ``BuildingError`` names why not (nothing written); ``PermissionRefused`` for a person outside the village."""
    if not recorded_by.strip():
        raise BuildingError(_("Record who recorded the building stage."))
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.BUILDING_PROGRESS, household_id)
        if session.get(Household, household_id) is None:
            raise BuildingError(_("This household no longer exists in the store."))
        found = rules.check_stage(_case(session, household_id), stage, reached_on, today or dt.date.today())
        if found:
            raise BuildingError("\n".join(found))
        record = BuildingStage(
            household_id=household_id,
            stage=stage,
            reached_on=reached_on,
            recorded_by=recorded_by.strip(),
            evidence=evidence.strip(),
        )
        session.add(record)
        session.flush()
        return record.id
