"""The old house's demolition: deadline, acceptance, certificates, reclamation and reward.

AG-1: the signed demolition agreement (搬新拆旧协议) states the date by which the old house is
demolished; houses past that date without an acceptance are listed as overdue.  AG-2: the command
centre accepts (验收) the demolished house — date, inspector, photo — and the old homestead
certificate is taken back before the new one is issued.  AG-3: the freed land is reclaimed as
farmland, forest or grass.  SB-1 / SB-2: the reward (6,000 yuan a person of actual population for a
registered poor household, 10,000 yuan a household for a synchronised one; amounts from the policy
parameters, paid within the HS-3 cap as the saved plan works it out: core.rules.household_money) is due
once the demolition is accepted and the old house was demolished on or before the deadline: the day it
was demolished decides (按时拆除旧房), the acceptance may follow later.

Agreements are read from the ``agreement`` table directly (kind ``demolition``, status ``signed``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import aliased

from xinjie_desktop.core.records import access, edits, form_saving, housing_plans
from xinjie_desktop.core.records.attachments import AttachmentError, put_blob, read_file
from xinjie_desktop.core.rules.household_money import HouseholdMoney, if_demolished
from xinjie_desktop.core.rules.housing_plan import KINDS, REGISTERED, PlanInputError
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyFileError, PolicyParameters, current
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Agreement,
    DemolitionAcceptance,
    Household,
    SavedHousingPlan,
    Village,
    VillagerGroup,
)
from xinjie_desktop.i18n import N_, _

DEMOLITION = "demolition"
SIGNED = "signed"
RECLAMATIONS = {
    "farmland": N_("reclaimed as farmland"),
    "forest": N_("reclaimed as forest"),
    "grass": N_("reclaimed as grass"),
}


class DemolitionError(ValueError):
    """An acceptance that may not be recorded; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class OverdueHouse:
    household_id: str
    head_name: str
    village: str
    group: str
    agreement_id: str
    agreement_number: str
    deadline: dt.date
    days_overdue: int


@dataclass(frozen=True)
class Acceptance:
    id: str
    household_id: str
    agreement_id: str
    accepted_on: dt.date
    inspector: str
    photo_sha256: str | None
    old_certificate_returned: bool
    new_certificate_number: str
    reclamation: str
    versions: str = ""  # the record's sync versions when read: a form's save is checked against them
    demolished_on: dt.date | None = None  # None: recorded before revision 0009


@dataclass(frozen=True)
class RewardDue:
    """Whether the SB-1/SB-2 reward is due, how much, and why (or why not)."""

    due: bool
    amount: Decimal  # what the reward is (or would be) under the rules; paid only when ``due``
    rule: str  # "SB-1" or "SB-2"
    kind: str
    people: int
    deadline: dt.date | None
    accepted_on: dt.date | None
    reason: str
    demolished_on: dt.date | None = None  # the date the old house was demolished: it decides "on time"


def signed_demolition_agreement(session, household_id: str) -> Agreement | None:
    """The household's signed demolition agreement in force (the newest signed version)."""
    return session.scalar(
        select(Agreement)
        .where(Agreement.household_id == household_id, Agreement.kind == DEMOLITION, Agreement.status == SIGNED)
        .order_by(Agreement.version.desc(), Agreement.created_at.desc())
        .limit(1)
    )


def _acceptance_record(session, household_id: str) -> DemolitionAcceptance | None:
    return session.scalar(
        select(DemolitionAcceptance)
        .where(DemolitionAcceptance.household_id == household_id)
        .order_by(DemolitionAcceptance.created_at.desc())
        .limit(1)
    )


def _acceptance(record: DemolitionAcceptance) -> Acceptance:
    return Acceptance(
        record.id,
        record.household_id,
        record.agreement_id,
        record.accepted_on,
        record.inspector,
        record.photo_sha256,
        record.old_certificate_returned,
        record.new_certificate_number,
        record.reclamation,
        record.sync_versions or "",
        record.demolished_on,
    )


def acceptance(store: Store, household_id: str) -> Acceptance | None:
    with store.session() as session:
        record = _acceptance_record(session, household_id)
        return _acceptance(record) if record else None


def overdue_condition(today: dt.date) -> ColumnElement[bool]:
    """AG-1, on the agreement table: a signed demolition agreement in force (no newer signed version of the
    household's) whose deadline has passed before ``today`` without an acceptance of the household's demolition.
    ``overdue`` and the progress view (``records.progress``) both select by it."""
    newer = aliased(Agreement)
    return and_(
        Agreement.kind == DEMOLITION,
        Agreement.status == SIGNED,
        Agreement.demolition_deadline.is_not(None),
        Agreement.demolition_deadline < today,
        ~select(DemolitionAcceptance.id).where(DemolitionAcceptance.household_id == Agreement.household_id).exists(),
        ~select(newer.id)
        .where(
            newer.household_id == Agreement.household_id,
            newer.kind == DEMOLITION,
            newer.status == SIGNED,
            or_(
                newer.version > Agreement.version,
                and_(newer.version == Agreement.version, newer.created_at > Agreement.created_at),
            ),
        )
        .exists(),
    )


def overdue(store: Store, today: dt.date, village_id: str | None = None) -> list[OverdueHouse]:
    """AG-1: households whose signed demolition agreement's deadline has passed without an acceptance,
    most overdue first."""
    with store.session() as session:
        query = (
            select(Agreement, Household, VillagerGroup.name, Village.name)
            .join(Household, Agreement.household_id == Household.id)
            .join(VillagerGroup, Household.group_id == VillagerGroup.id)
            .join(Village, Household.village_id == Village.id)
            .where(overdue_condition(today))
        )
        if village_id is not None:
            query = query.where(Household.village_id == village_id)
        found: dict[str, OverdueHouse] = {}
        for agreement, household, group, village in session.execute(query):
            current_agreement = signed_demolition_agreement(session, household.id)
            if current_agreement is None or current_agreement.id != agreement.id:
                continue  # an older signed version; the one in force decides
            deadline = agreement.demolition_deadline
            if deadline is None:  # never: the query asks for a deadline
                continue
            found[household.id] = OverdueHouse(
                household.id,
                household.head_name,
                village,
                group,
                agreement.id,
                agreement.number,
                deadline,
                (today - deadline).days,
            )
        return sorted(found.values(), key=lambda h: (-h.days_overdue, h.village, h.group, h.head_name))


def _store_photo(session, photo_path: str | Path) -> str:
    try:
        return put_blob(session, read_file(photo_path))
    except AttachmentError as error:
        raise DemolitionError(str(error)) from None


def _check_certificates(old_certificate_returned: bool, new_certificate_number: str) -> None:
    if new_certificate_number.strip() and not old_certificate_returned:
        raise DemolitionError(_("The new homestead certificate is issued only after the old one is taken back (AG-2)."))


def accept(
    store: Store,
    household_id: str,
    accepted_on: dt.date,
    inspector: str,
    photo_path: str | Path | None,
    old_certificate_returned: bool,
    new_certificate_number: str,
    reclamation: str,
    today: dt.date | None = None,
    *,
    demolished_on: dt.date | None = None,
) -> str:
    """Record the acceptance (验收) of the demolished old house (AG-2, AG-3) and the day it was demolished
    (``demolished_on``, by default the day of the acceptance), which decides whether the reward of SB-1 /
    SB-2 is due; returns its id."""
    demolished_on = demolished_on or accepted_on
    if demolished_on > accepted_on:
        raise DemolitionError(_("The old house cannot be accepted before it was demolished."))
    if not inspector.strip():
        raise DemolitionError(_("Record who inspected and accepted the demolition."))
    if reclamation not in RECLAMATIONS:
        raise DemolitionError(_("Say how the freed land is reclaimed: farmland, forest or grass (AG-3)."))
    if accepted_on > (today or dt.date.today()):
        raise DemolitionError(_("The acceptance cannot be dated in the future."))
    _check_certificates(old_certificate_returned, new_certificate_number)
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RELOCATION, household_id)
        if session.get(Household, household_id) is None:
            raise DemolitionError(_("This household no longer exists in the store."))
        agreement = signed_demolition_agreement(session, household_id)
        if agreement is None:
            raise DemolitionError(
                _("The household has no signed demolition agreement; the demolition is accepted against it.")
            )
        if agreement.signed_on is not None and accepted_on < agreement.signed_on:
            raise DemolitionError(
                _("The acceptance cannot be dated before the agreement was signed, on {date}.").format(
                    date=agreement.signed_on.isoformat()
                )
            )
        if agreement.signed_on is not None and demolished_on < agreement.signed_on:
            raise DemolitionError(
                _("The demolition cannot be dated before the agreement was signed, on {date}.").format(
                    date=agreement.signed_on.isoformat()
                )
            )
        if _acceptance_record(session, household_id) is not None:
            raise DemolitionError(_("The demolition of this household's old house is already accepted."))
        photo = _store_photo(session, photo_path) if photo_path else None
        record = DemolitionAcceptance(
            household_id=household_id,
            agreement_id=agreement.id,
            accepted_on=accepted_on,
            demolished_on=demolished_on,
            inspector=inspector.strip(),
            photo_sha256=photo,
            old_certificate_returned=old_certificate_returned,
            new_certificate_number=new_certificate_number.strip(),
            reclamation=reclamation,
        )
        session.add(record)
        session.flush()
        return record.id


def record_certificates(
    store: Store,
    household_id: str,
    old_certificate_returned: bool,
    new_certificate_number: str,
    loaded: Acceptance | None = None,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
) -> None:
    """AG-2 after the acceptance: the old certificate taken back, then the new one issued.

    ``loaded``: the acceptance as the form showed it; then only what the user changed since is written,
    each checked against it (issue 13, case 1): ``EditCollisions`` while a certificate field changed here
    and in the store meanwhile is undecided. The rules are checked on what is written (nothing is then)."""
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RELOCATION, household_id)
        record = _acceptance_record(session, household_id)
        if record is None:
            raise DemolitionError(_("The certificates change hands after the demolition is accepted (AG-2)."))
        was_returned = record.old_certificate_returned
        mine = {
            "old_certificate_returned": bool(old_certificate_returned),
            "new_certificate_number": new_certificate_number.strip(),
        }
        was = (
            form_saving.Loaded(
                {
                    "old_certificate_returned": loaded.old_certificate_returned,
                    "new_certificate_number": loaded.new_certificate_number,
                },
                loaded.versions,
            )
            if loaded is not None
            else None
        )
        values = form_saving.save_fields(session, store, record, mine, was, decisions)
        if was_returned and not values["old_certificate_returned"]:
            raise DemolitionError(_("The old homestead certificate was already taken back."))
        _check_certificates(bool(values["old_certificate_returned"]), str(values["new_certificate_number"]))


def _plan_of(session, agreement: Agreement | None, household_id: str) -> SavedHousingPlan | None:
    """The saved plan the demolition agreement was drafted from (its content names it), else the
    household's latest saved plan."""
    if agreement is not None:
        try:
            plan_id = json.loads(agreement.content or "{}").get("plan_id")
        except (ValueError, AttributeError):
            plan_id = None
        named = session.get(SavedHousingPlan, plan_id) if isinstance(plan_id, str) else None
        if named is not None and named.household_id == household_id:
            return named
    return session.scalar(
        select(SavedHousingPlan)
        .where(SavedHousingPlan.household_id == household_id)
        .order_by(SavedHousingPlan.created_at.desc())
        .limit(1)
    )


def household_kind(store: Store, household_id: str) -> tuple[str, str | None]:
    """The household's kind (registered / synchronised) and parameter version: those of its latest
    saved housing plan, or else what its records say now (current parameters)."""
    with store.session() as session:
        saved = _plan_of(session, None, household_id)
        if saved is not None:
            return housing_plans.input_from_json(saved.inputs).kind, saved.parameters_version
    return housing_plans.defaults_for(store, household_id).kind, None


def _money(store: Store, household_id: str, saved: tuple[str, str, str] | None) -> HouseholdMoney:
    """The money once the old house is demolished on time (core.rules.household_money) under the saved
    plan ``saved`` (inputs, parameter version, chosen way) — the plan the demolition agreement was drafted
    from — within the HS-3 cap, as the agreements print it; without a saved plan, the household's records."""
    if saved is None:
        plan, version, chosen = housing_plans.defaults_for(store, household_id), None, ""
    else:
        plan, version, chosen = housing_plans.input_from_json(saved[0]), saved[1], saved[2]
    try:
        params = current(version)
    except PolicyFileError:
        params = current()
    try:
        return if_demolished(plan, params, chosen)
    except PlanInputError as error:
        raise DemolitionError(str(error)) from None


def reward_due(store: Store, household_id: str) -> RewardDue:
    """SB-1 / SB-2: the reward is due only when the old house was demolished (the date recorded with the
    acceptance, not the date of the acceptance) on or before the deadline of the signed demolition
    agreement, and only as much as the plan that agreement was drafted from pays within the HS-3 cap."""
    with store.session() as session:
        if session.get(Household, household_id) is None:
            raise DemolitionError(_("This household no longer exists in the store."))
        agreement = signed_demolition_agreement(session, household_id)
        record = _acceptance_record(session, household_id)
        if record is not None:
            accepted_under = session.get_one(Agreement, record.agreement_id)
            if agreement is None or accepted_under.status == SIGNED:
                agreement = accepted_under
        deadline = agreement.demolition_deadline if agreement is not None else None
        accepted_on = record.accepted_on if record is not None else None
        demolished_on = (record.demolished_on or record.accepted_on) if record is not None else None
        plan_row = _plan_of(session, agreement, household_id)
        saved = (plan_row.inputs, plan_row.parameters_version, plan_row.chosen_option) if plan_row else None
    money = _money(store, household_id, saved)
    kind, people, rule, amount = money.kind, money.people, money.rule, money.reward
    params = _params(money.parameters_version)
    if kind == REGISTERED:
        basis = _("{per} yuan a person × {people} people").format(
            per=format_yuan(params.registered_reward_per_person), people=people
        )
    else:
        basis = _("{per} yuan a household").format(per=format_yuan(params.synchronised_reward_per_household))
    if money.reward < money.reward_by_rule:
        basis = _("{basis} = {full} yuan, of which the HS-3 cap leaves").format(
            basis=basis, full=format_yuan(money.reward_by_rule)
        )

    def answer(due: bool, reason: str) -> RewardDue:
        return RewardDue(due, amount, rule, kind, people, deadline, accepted_on, reason, demolished_on)

    if agreement is None:
        return answer(False, _("No reward: the household has not signed a demolition agreement."))
    if deadline is None:
        return answer(False, _("No reward yet: the demolition agreement states no deadline."))
    if record is None or demolished_on is None:
        return answer(
            False,
            _("No reward yet: the demolition of the old house has not been accepted (deadline {deadline}).").format(
                deadline=deadline.isoformat()
            ),
        )
    if demolished_on > deadline:
        return answer(
            False,
            _(
                "No reward: the old house was demolished on {demolished}, {days} day(s) after the "
                "deadline of {deadline}; the reward is for demolition on time."
            ).format(
                demolished=demolished_on.isoformat(),
                days=(demolished_on - deadline).days,
                deadline=deadline.isoformat(),
            ),
        )
    return answer(
        True,
        _(
            "Reward due ({rule}, {kind}): {basis} {total} yuan; the old house was demolished on {demolished}, "
            "on time (deadline {deadline}), and the demolition accepted on {accepted}."
        ).format(
            rule=rule,
            kind=_(KINDS[kind]),
            basis=basis if money.reward < money.reward_by_rule else basis + " =",
            total=format_yuan(amount),
            demolished=demolished_on.isoformat(),
            accepted=(accepted_on or demolished_on).isoformat(),
            deadline=deadline.isoformat(),
        ),
    )


def _params(version: str) -> PolicyParameters:
    try:
        return current(version)
    except PolicyFileError:
        return current()
