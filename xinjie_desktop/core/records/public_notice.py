"""Public notices (公示) of identification and relocation-verification results, rules PN-1 and RL-3.

A notice posts the results of some households of a village (or of one villagers' group) at a
conspicuous place for at least ``notice_minimum_days`` full days (end ≥ start + 7), each result
with its reason, and says where and to whom to object.  Objections are recorded against the notice
while it is posted and each is re-verified.  After the township command centre's audit the result
is posted a second time, again for at least 7 days — only once the first posting has ended and
every objection raised against it has been re-verified.

Each entry of a notice keeps what was posted (head's name, the ID number already masked, group,
actual population, result and reason), so a sheet printed again later reads as it did on the wall.
The full ID number is never stored in a notice nor printed on it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from xinjie_desktop.core.documents import notice_sheet
from xinjie_desktop.core.documents.notice_views import (
    IDENTIFICATION,
    SUBJECTS,
    NoticeEntry,
    NoticeView,
    ObjectionView,
)
from xinjie_desktop.core.records import access, edits, form_saving
from xinjie_desktop.core.records.households import existing_household
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import identification
from xinjie_desktop.core.rules.idnumber import mask
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyParameters, current
from xinjie_desktop.core.rules.relocation import EXCLUSIONS
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Household,
    NoticeObjection,
    PublicNotice,
    RelocationVerification,
    Township,
    Village,
    VillagerGroup,
)
from xinjie_desktop.i18n import _, language


class NoticeError(ValueError):
    """A notice, objection or posting that may not be recorded; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class EntryInput:
    """One household to post; an empty ``result`` is worked out from the household's records."""

    household_id: str
    result: str = ""
    reason: str = ""


# ---------------------------------------------------------------------------------------------- results


def _area_label(code: str, params: PolicyParameters) -> str:
    area = next((a for a in params.relocation_areas if a.code == code), None)
    if area is None:
        return code
    return area.zh if language().startswith("zh") else area.en


def relocation_result(session, household_id: str, params: PolicyParameters) -> tuple[str, str]:
    """RL-3: the household's verification result and its reason, as posted."""
    record = session.scalar(select(RelocationVerification).where(RelocationVerification.household_id == household_id))
    if record is None or not (record.in_scope or record.exclusion):
        raise NoticeError(
            _("{head}: the relocation verification has not been recorded yet; it cannot be posted.").format(
                head=_head(session, household_id)
            )
        )
    if record.in_scope:
        reason = _area_label(record.area_category, params)
        if record.area_reason.strip():
            reason = _labelled(reason, record.area_reason.strip()) if reason else record.area_reason.strip()
        return _("in relocation scope"), reason
    label = _(EXCLUSIONS[record.exclusion]) if record.exclusion in EXCLUSIONS else record.exclusion
    reason = _labelled(label, record.exclusion_reason.strip()) if record.exclusion_reason.strip() else label
    return _("taken out of relocation scope"), reason


def identification_result(session, household_id: str, params: PolicyParameters) -> tuple[str, str]:
    """PN-1 for ID-5/ID-6/EX-1: the identification result of the household and its reason."""
    household = existing_household(session, household_id)
    computed = {f.code: f for f in flag_rules.compute(household, params)}
    state = identification.state(household.steps)
    if state == identification.REJECTED:
        failed = max(household.steps, key=lambda s: s.ordinal)
        reason = _('not approved at the step "{step}"').format(step=_(identification.STEP_LABELS[failed.step]))
        if failed.notes.strip():
            reason = _labelled(reason, failed.notes.strip())
        return _("not identified"), reason
    if "wrong_inclusion" in computed:
        return _("wrong inclusion: to be removed"), computed["wrong_inclusion"].explanation
    if "wrongly_exited" in computed:
        return _("wrongly exited: identified as poor again"), computed["wrongly_exited"].explanation
    income = computed.get("below_line") or computed.get("above_line")
    proposal = next((s for s in household.steps if s.step == "proposed"), None)
    if income is None:
        raise NoticeError(
            _("{head}: no income worksheet with an income line; give the result and reason to post.").format(
                head=household.head_name or household_id
            )
        )
    if "above_line" in computed:
        return _("does not qualify"), income.explanation
    if identification.in_national_system(household):
        return _("remains a registered poor household"), income.explanation
    if proposal is not None and proposal.is_omission:
        reason = _("omitted earlier: {reason}").format(reason=proposal.omission_reason.strip())
        return _("proposed for identification (omission)"), f"{reason} {income.explanation}"
    return _("proposed for identification"), income.explanation


def _labelled(label: str, text: str) -> str:
    return _("{label}: {text}").format(label=label, text=text)


def _head(session, household_id: str) -> str:
    household = session.get(Household, household_id)
    return household.head_name if household is not None and household.head_name else household_id


# ---------------------------------------------------------------------------------------------- checks


def _check_posting(place: str, start: dt.date, end: dt.date, contact: str, params: PolicyParameters) -> None:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise NoticeError(_("Give the first and the last day of the notice."))
    minimum = params.notice_minimum_days
    if end < start + dt.timedelta(days=minimum):
        raise NoticeError(
            _("A public notice stays posted for at least {days} full days: it cannot end before {date}.").format(
                days=minimum, date=(start + dt.timedelta(days=minimum)).isoformat()
            )
        )
    if not place.strip():
        raise NoticeError(_("Record where the notice is posted."))
    if not contact.strip():
        raise NoticeError(_("Say where and to whom objections are raised."))


def _entries_json(entries: Sequence[NoticeEntry]) -> str:
    return json.dumps([entry.__dict__ for entry in entries], ensure_ascii=False)


def _entries_from_json(text: str) -> tuple[NoticeEntry, ...]:
    rows = json.loads(text or "[]")
    return tuple(
        NoticeEntry(
            household_id=row["household_id"],
            head_name=row.get("head_name", ""),
            id_number_masked=row.get("id_number_masked", ""),
            group=row.get("group", ""),
            actual_population=int(row.get("actual_population", 0)),
            result=row.get("result", ""),
            reason=row.get("reason", ""),
        )
        for row in rows
    )


def _snapshot(session, household: Household, result: str, reason: str) -> NoticeEntry:
    group = session.get(VillagerGroup, household.group_id)
    return NoticeEntry(
        household_id=household.id,
        head_name=household.head_name,
        id_number_masked=mask(household.head_id_number) if household.head_id_number else "",
        group=group.name if group else "",
        actual_population=household.actual_population,
        result=result.strip(),
        reason=reason.strip(),
    )


def _as_input(item) -> EntryInput:
    if isinstance(item, EntryInput):
        return item
    if isinstance(item, str):
        return EntryInput(item)
    return EntryInput(*item)


# ---------------------------------------------------------------------------------------------- actions


def create_notice(
    store: Store,
    village_id: str,
    group_id: str | None,
    subject: str,
    households: Sequence[str | EntryInput | tuple],
    place: str,
    start_date: dt.date,
    end_date: dt.date,
    objection_contact: str,
    params: PolicyParameters | None = None,
) -> str:
    """Post the results of ``households`` (PN-1, RL-3); returns the notice's id.

    Each item is a household id (its result and reason worked out from its records: the workflow
    and flags for identification, the relocation verification for relocation) or an
    ``EntryInput``/tuple (household id, result, reason) giving them.
    """
    params = params or current()
    if subject not in SUBJECTS:
        raise NoticeError(_("Choose what the notice posts: identification or relocation results."))
    _check_posting(place, start_date, end_date, objection_contact, params)
    inputs = [_as_input(item) for item in households]
    if not inputs:
        raise NoticeError(_("Choose at least one household to post."))
    if len({i.household_id for i in inputs}) != len(inputs):
        raise NoticeError(_("A household is listed twice on the notice."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.NOTICES, village_id)
        village = session.get(Village, village_id)
        if village is None:
            raise NoticeError(_("This village no longer exists in the store."))
        if group_id is not None:
            group = session.get(VillagerGroup, group_id)
            if group is None or group.village_id != village_id:
                raise NoticeError(_("The villagers' group is not in this village."))
        entries = []
        for item in inputs:
            household = session.get(Household, item.household_id)
            if household is None:
                raise NoticeError(_("This household no longer exists in the store."))
            if household.village_id != village_id or (group_id is not None and household.group_id != group_id):
                raise NoticeError(
                    _("{head} does not live in the village or group of this notice.").format(
                        head=household.head_name or household.id
                    )
                )
            result, reason = item.result.strip(), item.reason.strip()
            if not result:
                worked_out = identification_result if subject == IDENTIFICATION else relocation_result
                result, reason = worked_out(session, household.id, params)
            if not reason:
                raise NoticeError(
                    _("{head}: a posted result gives its reason.").format(head=household.head_name or household.id)
                )
            entries.append(_snapshot(session, household, result, reason))
        notice = PublicNotice(
            village_id=village_id,
            group_id=group_id,
            subject=subject,
            posting_round=1,
            place=place.strip(),
            start_date=start_date,
            end_date=end_date,
            objection_contact=objection_contact.strip(),
            entries=_entries_json(entries),
        )
        session.add(notice)
        session.flush()
        return notice.id


def record_objection(
    store: Store, notice_id: str, household_id: str | None, raised_on: dt.date, raised_by: str, content: str
) -> str:
    """Record an objection raised while the notice was posted (PN-1); returns its id."""
    if not content.strip():
        raise NoticeError(_("Write down what the objection says."))
    with store.unit_of_work() as session:
        notice = session.get(PublicNotice, notice_id)
        if notice is None:
            raise NoticeError(_("This notice no longer exists in the store."))
        access.require(store, session, Action.NOTICES, notice.village_id)
        if not notice.start_date <= raised_on <= notice.end_date:
            raise NoticeError(
                _("Objections are raised while the notice is posted, from {start} to {end}.").format(
                    start=notice.start_date.isoformat(), end=notice.end_date.isoformat()
                )
            )
        if household_id is not None and household_id not in {
            e.household_id for e in _entries_from_json(notice.entries)
        }:
            raise NoticeError(_("That household is not on this notice."))
        objection = NoticeObjection(
            notice_id=notice_id,
            household_id=household_id,
            raised_on=raised_on,
            raised_by=raised_by.strip(),
            content=content.strip(),
        )
        session.add(objection)
        session.flush()
        return objection.id


def reverify(
    store: Store,
    objection_id: str,
    outcome: str,
    on: dt.date,
    loaded: form_saving.Loaded | None = None,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
) -> None:
    """Record the re-verification of an objection (PN-1, RL-3).

    ``loaded``: the objection as the user had it open (``loaded_objections``). Then a re-verification
    recorded meanwhile (an import, a second window) is not refused outright nor written over: a field
    recorded differently on both sides raises ``EditCollisions`` until the user decides (issue 13,
    case 1). Without it, an objection already re-verified is refused."""
    if not outcome.strip():
        raise NoticeError(_("Write down the result of the re-verification."))
    with store.unit_of_work() as session:
        objection = session.get(NoticeObjection, objection_id)
        if objection is None:
            raise NoticeError(_("This objection no longer exists in the store."))
        access.require(store, session, Action.NOTICES, access.notice_village(session, objection.notice_id))
        if objection.resolved_on is not None and loaded is None:
            raise NoticeError(
                _("This objection was already re-verified on {date}.").format(date=objection.resolved_on.isoformat())
            )
        if on < objection.raised_on:
            raise NoticeError(_("The re-verification cannot be dated before the objection."))
        mine = {"reverification": outcome.strip(), "resolved_on": on}
        form_saving.save_fields(session, store, objection, mine, loaded, decisions)


def loaded_objections(store: Store, notice_id: str) -> dict[str, form_saving.Loaded]:
    """The notice's objections as a form opens them (a re-verification is checked against them), by id."""
    with store.session() as session:
        objections = session.scalars(select(NoticeObjection).where(NoticeObjection.notice_id == notice_id)).all()
        return {o.id: form_saving.loaded(o, ("reverification", "resolved_on")) for o in objections}


def notice_of_objection(store: Store, objection_id: str) -> str | None:
    with store.session() as session:
        objection = session.get(NoticeObjection, objection_id)
        return objection.notice_id if objection is not None else None


def second_posting(
    store: Store,
    notice_id: str,
    audited_on: dt.date,
    start_date: dt.date,
    end_date: dt.date,
    place: str,
    objection_contact: str,
    results: Sequence[EntryInput | tuple] = (),
    params: PolicyParameters | None = None,
) -> str:
    """Post the township command centre's audit result again for at least 7 days (PN-1); returns its id.

    Allowed once the first posting has ended and every objection raised against it is re-verified.
    The entries are those of the first posting; ``results`` changes the result and reason of
    households whose result the re-verification or the audit changed.
    """
    params = params or current()
    _check_posting(place, start_date, end_date, objection_contact, params)
    changes = {i.household_id: i for i in (_as_input(r) for r in results)}
    with store.unit_of_work() as session:
        first = session.get(PublicNotice, notice_id)
        if first is None:
            raise NoticeError(_("This notice no longer exists in the store."))
        access.require(store, session, Action.NOTICES, first.village_id)
        if first.posting_round != 1:
            raise NoticeError(_("This is already the second posting."))
        if session.scalar(select(PublicNotice.id).where(PublicNotice.previous_id == notice_id)) is not None:
            raise NoticeError(_("The audit result of this notice has already been posted."))
        if audited_on < first.end_date:
            raise NoticeError(
                _("The township audits after the first posting ends on {date}.").format(date=first.end_date.isoformat())
            )
        open_count = len(
            session.scalars(
                select(NoticeObjection.id).where(
                    NoticeObjection.notice_id == notice_id, NoticeObjection.resolved_on.is_(None)
                )
            ).all()
        )
        if open_count:
            raise NoticeError(
                _("{n} objection(s) raised during the notice are not re-verified yet.").format(n=open_count)
            )
        if start_date < audited_on:
            raise NoticeError(
                _("The audit result cannot be posted before the audit, on {date}.").format(date=audited_on.isoformat())
            )
        entries = list(_entries_from_json(first.entries))
        unknown = set(changes) - {e.household_id for e in entries}
        if unknown:
            raise NoticeError(_("That household is not on this notice."))
        for index, entry in enumerate(entries):
            change = changes.get(entry.household_id)
            if change is not None:
                if not change.result.strip() or not change.reason.strip():
                    raise NoticeError(_("{head}: a posted result gives its reason.").format(head=entry.head_name))
                entries[index] = NoticeEntry(
                    **{**entry.__dict__, "result": change.result.strip(), "reason": change.reason.strip()}
                )
        notice = PublicNotice(
            village_id=first.village_id,
            group_id=first.group_id,
            subject=first.subject,
            posting_round=2,
            previous_id=first.id,
            audited_on=audited_on,
            place=place.strip(),
            start_date=start_date,
            end_date=end_date,
            objection_contact=objection_contact.strip(),
            entries=_entries_json(entries),
        )
        session.add(notice)
        session.flush()
        return notice.id


# ---------------------------------------------------------------------------------------------- reading


def _view(session, notice: PublicNotice) -> NoticeView:
    village = session.get(Village, notice.village_id)
    group = session.get(VillagerGroup, notice.group_id) if notice.group_id else None
    objections = session.scalars(
        select(NoticeObjection)
        .where(NoticeObjection.notice_id == notice.id)
        .order_by(NoticeObjection.raised_on, NoticeObjection.created_at)
    ).all()
    follower = session.scalar(select(PublicNotice.id).where(PublicNotice.previous_id == notice.id))
    return NoticeView(
        id=notice.id,
        village_id=notice.village_id,
        village=village.name if village else "",
        group_id=notice.group_id,
        group=group.name if group else "",
        subject=notice.subject,
        posting_round=notice.posting_round,
        previous_id=notice.previous_id,
        audited_on=notice.audited_on,
        place=notice.place,
        start_date=notice.start_date,
        end_date=notice.end_date,
        objection_contact=notice.objection_contact,
        entries=_entries_from_json(notice.entries),
        objections=tuple(
            ObjectionView(o.id, o.household_id, o.raised_on, o.raised_by, o.content, o.reverification, o.resolved_on)
            for o in objections
        ),
        second_posting_id=follower,
    )


def get_notice(store: Store, notice_id: str) -> NoticeView:
    with store.session() as session:
        notice = session.get(PublicNotice, notice_id)
        if notice is None:
            raise NoticeError(_("This notice no longer exists in the store."))
        return _view(session, notice)


def list_notices(store: Store, village_id: str) -> list[NoticeView]:
    """The village's notices, oldest posting first (a second posting follows its first)."""
    with store.session() as session:
        notices = session.scalars(
            select(PublicNotice)
            .where(PublicNotice.village_id == village_id)
            .order_by(PublicNotice.start_date, PublicNotice.posting_round, PublicNotice.created_at)
        ).all()
        return [_view(session, n) for n in notices]


def second_posting_allowed(view: NoticeView, on: dt.date) -> bool:
    """Whether ``second_posting`` would accept an audit dated ``on`` (for enabling a button)."""
    return (
        view.posting_round == 1 and view.second_posting_id is None and on >= view.end_date and view.open_objections == 0
    )


def _township_name(store: Store) -> str:
    with store.session() as session:
        town = session.query(Township).first()
        return town.name if town else ""


def render_notice_sheet(store: Store, notice_id: str, out, printed_on: dt.date | None = None) -> None:
    """The A4 公示表 of the notice, written to a path or a binary file (see documents.notice_sheet)."""
    view = get_notice(store, notice_id)
    first = get_notice(store, view.previous_id) if view.previous_id else None
    notice_sheet.render_sheet(view, first, _township_name(store), out, printed_on or dt.date.today())


def render_village_notices(
    store: Store,
    village_id: str,
    out_pdf,
    progress: Callable[[int, int], bool] | None = None,
    printed_on: dt.date | None = None,
) -> bool:
    """Every notice sheet of the village as one PDF; False (and no file) if ``progress`` cancels."""
    views = list_notices(store, village_id)
    if not views:
        raise NoticeError(_("This village has no public notice yet."))
    return notice_sheet.render_village(views, _township_name(store), out_pdf, progress, printed_on or dt.date.today())
