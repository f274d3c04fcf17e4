"""The work teams' records (issue 20; the rules: ``core.rules.work_teams``, WT-1 to WT-3).

A village's team (its members, their arrival, their helper-cadre pairings with households), the WT-1 tasks the
team reports done (village known, causes-of-poverty list, development plan, village rules), the visits to
households (遍访) with their photos, the meetings, the weekly reports and the township's checks.  Every write is
one function here, asks ``access.require`` first (``Action.TEAM_WORK`` for a team's own records in its village,
``Action.TEAM_CHECKS`` for the township's checks, WT-3, which its auditors record too, ``Action.OVERSEE_TEAMS`` for
its leaders' and all-member meetings) and goes through
the store's unit of work, so that the change journal and the record of who did what take it like every other
record; each record names its village and travels in bundles to that village's laptops.

WT-1's agreements and archives are judged from the software's own records, not from what a team says:

* the 3 agreements (AG-1: relocation, demolition, employment) are signed when every household of the village
  in relocation (``relocation_verification.in_scope``) has all three signed, not voided; the day is the last
  signature's; a village with no household in relocation has none to sign (``not_needed``);
* the archives are complete when every poor household of the village (in the national system, not exited)
  has its members, an income worksheet, a main cause of poverty and a helper cadre (a pairing with a team
  member or the household's ``helper_cadre``); the day is the last of those households' changes.

Photos are resized for the stick (``photo_for_stick``: at most 1024 pixels on the long side, JPEG quality 70,
the camera's rotation applied and its metadata dropped; about 100-200 KB a photo, so a team's week of 20
photos stays under 4 MB) and kept once per content in ``blob`` (``attachments.put_blob``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access
from xinjie_desktop.core.records.attachments import AttachmentError, put_blob, read_file
from xinjie_desktop.core.rules import work_teams as wt
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Blob,
    HelperPairing,
    Household,
    TeamCheck,
    TeamMeeting,
    TeamMember,
    TeamMilestone,
    TeamVisit,
    TeamVisitPhoto,
    Village,
    WeeklyReport,
    WeeklyReportPhoto,
)
from xinjie_desktop.i18n import _

PHOTO_LONG_SIDE = 1024
PHOTO_QUALITY = 70
PHOTO_MAX_PIXELS = 64_000_000  # a camera's largest photo is about 50 megapixels: more is refused unread
AGREEMENT_KINDS = ("relocation", "demolition", "employment")  # AG-1's three


class WorkTeamError(ValueError):
    """A team record that cannot be written as given; ``str()`` is a message for the user."""


# --- drafts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberDraft:
    name: str
    arrived_on: dt.date
    unit: str = ""
    role: str = "member"
    telephone: str = ""
    left_on: dt.date | None = None
    account_name: str = ""


@dataclass(frozen=True)
class VisitDraft:
    household_id: str
    visited_on: dt.date
    kind: str
    member_ids: tuple[str, ...]
    done: str = ""
    promises: str = ""


@dataclass(frozen=True)
class Decision:
    text: str
    owner: str = ""
    due_on: dt.date | None = None


@dataclass(frozen=True)
class MeetingDraft:
    kind: str
    held_on: dt.date
    village_id: str | None
    attendees: tuple[str, ...] = ()
    minutes: str = ""
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class CheckDraft:
    village_id: str
    checked_on: dt.date
    kind: str
    checker: str
    result: str
    member_id: str | None = None
    household_id: str | None = None
    findings: str = ""
    follow_up: str = ""
    follow_up_done_on: dt.date | None = None
    talked_to: bool = False


# --- photos ------------------------------------------------------------------------------------------------


def photo_for_stick(data: bytes, name: str = "") -> bytes:
    """A photo as it travels: at most ``PHOTO_LONG_SIDE`` pixels on its long side, JPEG at ``PHOTO_QUALITY``,
    turned as the camera held it, its metadata (place, camera) dropped.  WorkTeamError, naming the file
    (``name``), if it is no picture, a damaged one, or one declaring more than ``PHOTO_MAX_PIXELS`` pixels (refused
    from its header, before anything is decoded: a file made to exhaust the memory)."""
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    shown = name or _("chosen")
    too_large = _("The photo {name} is too large (more than {n} million pixels); it is not taken.").format(
        name=shown, n=PHOTO_MAX_PIXELS // 1_000_000
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width * height > PHOTO_MAX_PIXELS:
                    raise WorkTeamError(too_large)
                image = ImageOps.exif_transpose(opened)
                image = image.convert("RGB")
    except WorkTeamError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise WorkTeamError(too_large) from None
    except (UnidentifiedImageError, OSError, ValueError):
        if name:
            raise WorkTeamError(
                _("The file {name} is not a photo that can be read (JPEG or PNG).").format(name=name)
            ) from None
        raise WorkTeamError(_("This file is not a photo that can be read (JPEG or PNG).")) from None
    image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return out.getvalue()


Photo = Path | bytes | tuple[str, bytes]  # a file, its bytes, or its name and bytes (a camera's, the demo's)


def _photo(source: Photo) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return "photo.jpg", photo_for_stick(source)
    if isinstance(source, tuple):
        name, data = source
        return Path(name).stem + ".jpg", photo_for_stick(data, name)
    try:
        data = read_file(source)
    except AttachmentError as error:
        raise WorkTeamError(str(error)) from None
    return Path(source).stem + ".jpg", photo_for_stick(data, Path(source).name)


# --- helpers -----------------------------------------------------------------------------------------------


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise WorkTeamError(_("Enter the {what}.").format(what=what))
    return value


def _village(session: Session, village_id: str) -> Village:
    village = session.get(Village, village_id)
    if village is None:
        raise WorkTeamError(_("This village is not in the store."))
    return village


def _member(session: Session, member_id: str) -> TeamMember:
    member = session.get(TeamMember, member_id)
    if member is None:
        raise WorkTeamError(_("This team member is not in the store."))
    return member


def _household(session: Session, household_id: str) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise WorkTeamError(_("This household no longer exists in the store."))
    return household


# --- the team ----------------------------------------------------------------------------------------------


def _check_member(draft: MemberDraft) -> None:
    _text(draft.name, _("member's name"))
    if draft.role not in wt.MEMBER_ROLES:
        raise WorkTeamError(_("Unknown role in the team."))
    if draft.left_on is not None and draft.left_on < draft.arrived_on:
        raise WorkTeamError(_("A member cannot leave the village before arriving."))


def add_member(store: Store, village_id: str, draft: MemberDraft) -> str:
    """A member of the village's team (WT-1 counts their deadlines from ``arrived_on``); returns the id."""
    _check_member(draft)
    with store.unit_of_work() as session:
        access.require(store, session, Action.TEAM_WORK, village_id)
        _village(session, village_id)
        member = TeamMember(
            village_id=village_id,
            name=draft.name.strip(),
            unit=draft.unit.strip(),
            role=draft.role,
            telephone=draft.telephone.strip(),
            arrived_on=draft.arrived_on,
            left_on=draft.left_on,
            account_name=draft.account_name.strip(),
        )
        session.add(member)
        session.flush()
        return member.id


def edit_member(store: Store, member_id: str, draft: MemberDraft) -> None:
    _check_member(draft)
    with store.unit_of_work() as session:
        member = _member(session, member_id)
        access.require(store, session, Action.TEAM_WORK, member.village_id)
        member.name, member.unit, member.role = draft.name.strip(), draft.unit.strip(), draft.role
        member.telephone, member.arrived_on, member.left_on = draft.telephone.strip(), draft.arrived_on, draft.left_on
        member.account_name = draft.account_name.strip()


def pair(store: Store, member_id: str, household_id: str, start_on: dt.date, end_on: dt.date | None = None) -> str:
    """The member becomes the household's helper cadre (帮扶干部) from ``start_on`` (to ``end_on``)."""
    if end_on is not None and end_on < start_on:
        raise WorkTeamError(_("A pairing cannot end before it starts."))
    with store.unit_of_work() as session:
        member = _member(session, member_id)
        access.require(store, session, Action.TEAM_WORK, member.village_id)
        if _household(session, household_id).village_id != member.village_id:
            raise WorkTeamError(_("A member is paired only with households of their own village."))
        pairing = HelperPairing(
            village_id=member.village_id,
            member_id=member_id,
            household_id=household_id,
            start_on=start_on,
            end_on=end_on,
        )
        session.add(pairing)
        session.flush()
        return pairing.id


def end_pairing(store: Store, pairing_id: str, end_on: dt.date) -> None:
    with store.unit_of_work() as session:
        pairing = session.get(HelperPairing, pairing_id)
        if pairing is None:
            raise WorkTeamError(_("This pairing is not in the store."))
        access.require(store, session, Action.TEAM_WORK, pairing.village_id)
        if end_on < pairing.start_on:
            raise WorkTeamError(_("A pairing cannot end before it starts."))
        pairing.end_on = end_on


def record_task(store: Store, village_id: str, task: str, done_on: dt.date, evidence: str, today: dt.date) -> str:
    """A WT-1 task the team reports done (village known, causes list, development plan, village rules), with
    what shows it; the agreements and archives are not reported: the records show them."""
    if task not in wt.RECORDED_TASKS:
        raise WorkTeamError(_("This task is judged from the records; it is not reported."))
    if done_on > today:
        raise WorkTeamError(_("A task cannot be done on a day still to come."))
    evidence = _text(evidence, _("what shows it is done"))
    with store.unit_of_work() as session:
        access.require(store, session, Action.TEAM_WORK, village_id)
        _village(session, village_id)
        milestone = TeamMilestone(village_id=village_id, task=task, done_on=done_on, evidence=evidence)
        session.add(milestone)
        session.flush()
        return milestone.id


# --- visits ------------------------------------------------------------------------------------------------


def record_visit(store: Store, draft: VisitDraft, photos: Sequence[Path | bytes] = (), *, today: dt.date) -> str:
    """A visit to a household (WT-1 遍访) by members of its village's team, with its photos resized for the
    stick; returns the visit's id."""
    if draft.kind not in wt.VISIT_KINDS:
        raise WorkTeamError(_("Unknown kind of visit."))
    if draft.visited_on > today:
        raise WorkTeamError(_("A visit cannot be recorded for a day still to come."))
    if not draft.member_ids:
        raise WorkTeamError(_("Name the team members who made the visit."))
    done = _text(draft.done, _("what was done"))
    resized = [_photo(source) for source in photos]  # before the transaction: a bad photo changes nothing
    with store.unit_of_work() as session:
        household = _household(session, draft.household_id)
        access.require(store, session, Action.TEAM_WORK, household.village_id)
        for member_id in draft.member_ids:
            if _member(session, member_id).village_id != household.village_id:
                raise WorkTeamError(_("Only members of the village's own team are recorded on its visits."))
        visit = TeamVisit(
            village_id=household.village_id,
            household_id=household.id,
            visited_on=draft.visited_on,
            kind=draft.kind,
            member_ids=json.dumps(sorted(set(draft.member_ids))),
            done=done,
            promises=draft.promises.strip(),
        )
        session.add(visit)
        session.flush()
        for name, data in resized:
            session.add(
                TeamVisitPhoto(
                    village_id=visit.village_id, visit_id=visit.id, filename=name, sha256=put_blob(session, data)
                )
            )
        return visit.id


def add_photos(store: Store, visit_id: str, photos: Sequence[Path | bytes]) -> list[str]:
    resized = [_photo(source) for source in photos]
    with store.unit_of_work() as session:
        visit = session.get(TeamVisit, visit_id)
        if visit is None:
            raise WorkTeamError(_("This visit is not in the store."))
        access.require(store, session, Action.TEAM_WORK, visit.village_id)
        made = []
        for name, data in resized:
            photo = TeamVisitPhoto(
                village_id=visit.village_id, visit_id=visit.id, filename=name, sha256=put_blob(session, data)
            )
            session.add(photo)
            session.flush()
            made.append(photo.id)
        return made


@dataclass(frozen=True)
class VisitInfo:
    id: str
    village_id: str
    household_id: str
    household: str  # the head's name
    visited_on: dt.date
    kind: str
    members: tuple[str, ...]  # names
    done: str
    promises: str
    photos: tuple[str, ...]  # SHA-256 of each photo

    @property
    def kind_label(self) -> str:
        return _(wt.VISIT_KINDS.get(self.kind, self.kind))


def _names(session: Session, village_id: str) -> dict[str, str]:
    return dict(
        session.execute(select(TeamMember.id, TeamMember.name).where(TeamMember.village_id == village_id)).all()
    )


def _visit_rows(session: Session, village_id: str, first: dt.date, last: dt.date) -> list[VisitInfo]:
    names = _names(session, village_id)
    photos: dict[str, list[str]] = {}
    for visit_id, sha in session.execute(
        select(TeamVisitPhoto.visit_id, TeamVisitPhoto.sha256)
        .where(TeamVisitPhoto.village_id == village_id)
        .order_by(TeamVisitPhoto.created_at, TeamVisitPhoto.id)
    ):
        photos.setdefault(visit_id, []).append(sha)
    rows = session.execute(
        select(TeamVisit, Household.head_name)
        .join(Household, Household.id == TeamVisit.household_id)
        .where(TeamVisit.village_id == village_id, TeamVisit.visited_on >= first, TeamVisit.visited_on <= last)
        .order_by(TeamVisit.visited_on.desc(), TeamVisit.created_at.desc(), TeamVisit.id)
    ).all()
    return [
        VisitInfo(
            v.id,
            v.village_id,
            v.household_id,
            head,
            v.visited_on,
            v.kind,
            tuple(names.get(m, "?") for m in json.loads(v.member_ids or "[]")),
            v.done,
            v.promises,
            tuple(photos.get(v.id, ())),
        )
        for v, head in rows
    ]


def visits(store: Store, village_id: str, first: dt.date, last: dt.date) -> list[VisitInfo]:
    """The village's visits from ``first`` to ``last`` (both included), newest first."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        return _visit_rows(session, village_id, first, last)


def photo(store: Store, sha256: str) -> bytes:
    with store.session() as session:
        return session.get_one(Blob, sha256).data


# --- meetings ----------------------------------------------------------------------------------------------


def _township_only(on_laptop: bool) -> None:
    """The township's checks and its own meetings are recorded at the township office (``on_laptop``: the store is
    a village laptop, ``core.sync.roles.role(store) == LAPTOP``; the township would refuse its bundle); they reach
    the laptops in the township's bundles, where they are read."""
    if on_laptop:
        raise WorkTeamError(
            _(
                "On a village laptop the township's checks and its leaders' and all-member meetings are only read: "
                "the township office records them."
            )
        )


def record_meeting(store: Store, draft: MeetingDraft, *, today: dt.date, on_laptop: bool = False) -> str:
    """A meeting (WT-2): a village's team meeting (``village_id`` its village), or the township's leaders' or
    all-member meeting (``village_id`` None, recorded by the township, not on a laptop); returns its id."""
    if draft.village_id is None:
        _township_only(on_laptop)
    if draft.kind not in wt.MEETING_KINDS:
        raise WorkTeamError(_("Unknown kind of meeting."))
    if (draft.kind == wt.TEAM_MEETING) != (draft.village_id is not None):
        raise WorkTeamError(
            _("A team meeting is a village's; the leaders' and all-member meetings are the township's.")
        )
    if draft.held_on > today:
        raise WorkTeamError(_("A meeting cannot be recorded for a day still to come."))
    attendees = [name.strip() for name in draft.attendees if name.strip()]
    if not attendees:
        raise WorkTeamError(_("Name who came to the meeting."))
    decisions = []
    for decision in draft.decisions:
        if not decision.text.strip():
            continue
        if decision.due_on is not None and decision.due_on < draft.held_on:
            raise WorkTeamError(_("A decision cannot be due before the meeting that took it."))
        decisions.append(
            {
                "text": decision.text.strip(),
                "owner": decision.owner.strip(),
                "due_on": decision.due_on.isoformat() if decision.due_on else None,
            }
        )
    with store.unit_of_work() as session:
        if draft.village_id is None:
            access.require(store, session, Action.OVERSEE_TEAMS, None)
        else:
            access.require(store, session, Action.TEAM_WORK, draft.village_id)
            _village(session, draft.village_id)
        meeting = TeamMeeting(
            village_id=draft.village_id,
            kind=draft.kind,
            held_on=draft.held_on,
            attendees=json.dumps(attendees, ensure_ascii=False),
            minutes=draft.minutes.strip(),
            decisions=json.dumps(decisions, ensure_ascii=False),
        )
        session.add(meeting)
        session.flush()
        return meeting.id


@dataclass(frozen=True)
class MeetingInfo:
    id: str
    village_id: str | None
    kind: str
    held_on: dt.date
    attendees: tuple[str, ...]
    minutes: str
    decisions: tuple[Decision, ...]

    @property
    def kind_label(self) -> str:
        return _(wt.MEETING_KINDS.get(self.kind, self.kind))


def _meeting_info(m: TeamMeeting) -> MeetingInfo:
    decisions = tuple(
        Decision(d.get("text", ""), d.get("owner", ""), dt.date.fromisoformat(d["due_on"]) if d.get("due_on") else None)
        for d in json.loads(m.decisions or "[]")
    )
    return MeetingInfo(
        m.id, m.village_id, m.kind, m.held_on, tuple(json.loads(m.attendees or "[]")), m.minutes, decisions
    )


def meetings(store: Store, village_id: str | None, first: dt.date, last: dt.date) -> list[MeetingInfo]:
    """The village's team meetings and the township's meetings from ``first`` to ``last``, newest first."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        query = select(TeamMeeting).where(TeamMeeting.held_on >= first, TeamMeeting.held_on <= last)
        if village_id is not None:
            query = query.where((TeamMeeting.village_id == village_id) | TeamMeeting.village_id.is_(None))
        return [_meeting_info(m) for m in session.scalars(query.order_by(TeamMeeting.held_on.desc(), TeamMeeting.id))]


# --- weekly reports ----------------------------------------------------------------------------------------


def _monday(day: dt.date) -> dt.date:
    return wt.week_of(day)[0]


def draft_report_text(store: Store, village_id: str, week_start: dt.date) -> str:
    """A week's report drafted from the week's records (WT-2): the visits and their photos, the promises made,
    the WT-1 tasks done, the agreements signed, the meetings, and the problems (households of the village not
    yet visited this quarter, checks that found a shortfall); the team edits it before sending."""
    monday = _monday(week_start)
    sunday = monday + dt.timedelta(days=6)
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        village = _village(session, village_id)
        week_visits = _visit_rows(session, village_id, monday, sunday)
        tasks = session.scalars(
            select(TeamMilestone).where(
                TeamMilestone.village_id == village_id, TeamMilestone.done_on >= monday, TeamMilestone.done_on <= sunday
            )
        ).all()
        signed = session.execute(
            text(
                "SELECT count(*) FROM agreement a JOIN household h ON h.id = a.household_id WHERE h.village_id = :v "
                "AND a.status = 'signed' AND a.signed_on BETWEEN :a AND :b"
            ),
            {"v": village_id, "a": monday.isoformat(), "b": sunday.isoformat()},
        ).scalar_one()
        held = session.scalar(
            select(TeamMeeting.id).where(
                TeamMeeting.village_id == village_id, TeamMeeting.held_on >= monday, TeamMeeting.held_on <= sunday
            )
        )
        quarter = wt.quarter_of(sunday)
        poor = _poor_households(session, village_id)
        seen = _visited(session, village_id, quarter)
        shortfalls = session.scalars(
            select(TeamCheck).where(
                TeamCheck.village_id == village_id,
                TeamCheck.checked_on >= monday,
                TeamCheck.checked_on <= sunday,
                TeamCheck.result != wt.GOOD,
            )
        ).all()
    lines = [_("{village}, week of {first} to {last}").format(village=village.name, first=monday, last=sunday), ""]
    photos = sum(len(v.photos) for v in week_visits)
    lines.append(
        _("Visits: {visits}; households visited: {households}; photos: {photos}.").format(
            visits=len(week_visits), households=len({v.household_id for v in week_visits}), photos=photos
        )
    )
    for v in sorted(week_visits, key=lambda v: v.visited_on):
        lines.append(f"- {v.visited_on} {v.household}: {v.kind_label}. {v.done}")
        if v.promises:
            lines.append("  " + _("Promised: {promises}").format(promises=v.promises))
    for task in tasks:
        lines.append(
            _("Done: {task} ({day}), {evidence}").format(
                task=_(wt.TASK_LABELS[task.task]), day=task.done_on, evidence=task.evidence
            )
        )
    lines.append(_("Agreements signed this week: {n}.").format(n=signed))
    lines.append(_("Team meeting held this week.") if held else _("No team meeting this week."))
    missing = len(poor - seen)
    lines.append("")
    lines.append(_("Problems:"))
    lines.append(
        _("{n} of {total} poor households not yet visited in {quarter}.").format(
            n=missing, total=len(poor), quarter=quarter
        )
    )
    for check in shortfalls:
        lines.append(
            _("Check on {day}: {result}. {findings}").format(
                day=check.checked_on,
                result=_(wt.CHECK_RESULTS.get(check.result, check.result)),
                findings=check.findings,
            )
        )
    return "\n".join(lines)


def save_report(
    store: Store,
    village_id: str,
    week_start: dt.date,
    report_text: str,
    *,
    send: bool,
    today: dt.date,
    photos: Sequence[Photo] = (),
) -> str:
    """Keep the team's report of the week starting ``week_start`` (its Monday), edited, with ``photos`` added to
    those it has (WT-2: "with pictures"; resized for the stick like the visits' photos, ``photo_for_stick``);
    ``send``: it is sent (in, as of ``today``: it goes in the next bundle, photos and all).  One report a week per
    village: saving again edits it; a sent report is not changed again.  Returns its id."""
    monday = _monday(week_start)
    if monday > today:
        raise WorkTeamError(_("A week still to come cannot be reported."))
    body = _text(report_text, _("report"))
    resized = [_photo(source) for source in photos]  # before the transaction: a bad photo changes nothing
    with store.unit_of_work() as session:
        access.require(store, session, Action.TEAM_WORK, village_id)
        _village(session, village_id)
        report = session.scalars(
            select(WeeklyReport)
            .where(WeeklyReport.village_id == village_id, WeeklyReport.week_start == monday)
            .order_by(WeeklyReport.created_at, WeeklyReport.id)
        ).first()
        if report is not None and report.sent_on is not None:
            raise WorkTeamError(_("This week's report was sent already; it is not changed."))
        if report is None:
            report = WeeklyReport(village_id=village_id, week_start=monday)
            session.add(report)
        report.text = body
        report.sent_on = today if send else None
        session.flush()
        for name, data in resized:
            session.add(
                WeeklyReportPhoto(
                    village_id=village_id, report_id=report.id, filename=name, sha256=put_blob(session, data)
                )
            )
        return report.id


def remove_report_photo(store: Store, photo_id: str) -> None:
    """Take a photo off a report not sent yet (a sent report is not changed again)."""
    with store.unit_of_work() as session:
        found = session.get(WeeklyReportPhoto, photo_id)
        if found is None:
            raise WorkTeamError(_("This photo is not in the store."))
        access.require(store, session, Action.TEAM_WORK, found.village_id)
        report = session.get_one(WeeklyReport, found.report_id)
        if report.sent_on is not None:
            raise WorkTeamError(_("This week's report was sent already; it is not changed."))
        session.delete(found)


@dataclass(frozen=True)
class ReportPhoto:
    id: str
    filename: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ReportInfo:
    id: str
    village_id: str
    week_start: dt.date
    text: str
    sent_on: dt.date | None
    photos: tuple[ReportPhoto, ...] = ()


def report_of_week(store: Store, village_id: str, week_start: dt.date) -> ReportInfo | None:
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        r = session.scalars(
            select(WeeklyReport)
            .where(WeeklyReport.village_id == village_id, WeeklyReport.week_start == _monday(week_start))
            .order_by(WeeklyReport.created_at, WeeklyReport.id)
        ).first()
        if r is None:
            return None
        photos = tuple(
            ReportPhoto(p.id, p.filename, p.sha256, size)
            for p, size in session.execute(
                select(WeeklyReportPhoto, Blob.size)
                .join(Blob, Blob.sha256 == WeeklyReportPhoto.sha256)
                .where(WeeklyReportPhoto.report_id == r.id)
                .order_by(WeeklyReportPhoto.created_at, WeeklyReportPhoto.id)
            ).all()
        )
        return ReportInfo(r.id, r.village_id, r.week_start, r.text, r.sent_on, photos)


# --- checks ------------------------------------------------------------------------------------------------


def record_check(store: Store, draft: CheckDraft, *, today: dt.date, on_laptop: bool = False) -> str:
    """A check on a village's team by the township (WT-3), not on a laptop; returns its id."""
    _township_only(on_laptop)
    problem = wt.check_problem(draft.kind, draft.result, draft.household_id is not None)
    if problem:
        raise WorkTeamError(problem)
    if draft.checked_on > today:
        raise WorkTeamError(_("A check cannot be recorded for a day still to come."))
    if draft.follow_up_done_on is not None and draft.follow_up_done_on < draft.checked_on:
        raise WorkTeamError(_("A follow-up cannot be done before the check."))
    checker = _text(draft.checker, _("who checked"))
    with store.unit_of_work() as session:
        access.require(store, session, Action.TEAM_CHECKS, draft.village_id)
        _village(session, draft.village_id)
        if draft.member_id is not None and _member(session, draft.member_id).village_id != draft.village_id:
            raise WorkTeamError(_("The member checked is not on this village's team."))
        if draft.household_id is not None and _household(session, draft.household_id).village_id != draft.village_id:
            raise WorkTeamError(_("The household visited is not in this village."))
        check = TeamCheck(
            village_id=draft.village_id,
            checked_on=draft.checked_on,
            kind=draft.kind,
            checker=checker,
            member_id=draft.member_id,
            household_id=draft.household_id,
            result=draft.result,
            findings=draft.findings.strip(),
            follow_up=draft.follow_up.strip(),
            follow_up_done_on=draft.follow_up_done_on,
            talked_to=draft.talked_to,
        )
        session.add(check)
        session.flush()
        return check.id


def record_follow_up(
    store: Store,
    check_id: str,
    follow_up: str,
    done_on: dt.date,
    *,
    talked_to: bool,
    today: dt.date,
    on_laptop: bool = False,
) -> None:
    """The follow-up of a check (WT-3): what was done, the day, whether the member was talked to (约谈)."""
    _township_only(on_laptop)
    body = _text(follow_up, _("follow-up"))
    if done_on > today:
        raise WorkTeamError(_("A follow-up cannot be done on a day still to come."))
    with store.unit_of_work() as session:
        check = session.get(TeamCheck, check_id)
        if check is None:
            raise WorkTeamError(_("This check is not in the store."))
        access.require(store, session, Action.TEAM_CHECKS, check.village_id)
        if done_on < check.checked_on:
            raise WorkTeamError(_("A follow-up cannot be done before the check."))
        check.follow_up, check.follow_up_done_on, check.talked_to = body, done_on, talked_to


# --- what the records show (WT-1's agreements and archives) -------------------------------------------------

_POOR = (
    "SELECT id FROM household WHERE village_id = :v AND NOT exited AND (national_number != '' OR workflow_step = "
    "'entered')"
)


def _poor_households(session: Session, village_id: str) -> set[str]:
    """The village's poor households: in the national system (its number, or entered by the workflow), not exited."""
    return {row[0] for row in session.execute(text(_POOR), {"v": village_id})}


def poor_households(store: Store, village_id: str) -> list[str]:
    """The ids of the village's poor households (in the national system, not exited), sorted."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        return sorted(_poor_households(session, village_id))


def _visited(session: Session, village_id: str, quarter: wt.Quarter) -> set[str]:
    return set(
        session.scalars(
            select(TeamVisit.household_id).where(
                TeamVisit.village_id == village_id,
                TeamVisit.visited_on >= quarter.first_day,
                TeamVisit.visited_on <= quarter.last_day,
            )
        )
    )


def agreements_done(session: Session, village_id: str, _today: dt.date) -> tuple[dt.date | None, str, bool]:
    """WT-1's 3 agreements from the agreements' records: (the day the last was signed or None, what shows it,
    whether there is anything to sign)."""
    relocating = [
        row[0]
        for row in session.execute(
            text(
                "SELECT h.id FROM household h JOIN relocation_verification r ON r.household_id = h.id "
                "WHERE h.village_id = :v AND r.in_scope"
            ),
            {"v": village_id},
        )
    ]
    if not relocating:
        return None, _("no household of the village is in relocation"), False
    signed: dict[str, dict[str, dt.date]] = {}
    for household_id, kind, signed_on in session.execute(
        text(
            "SELECT a.household_id, a.kind, a.signed_on FROM agreement a JOIN household h ON h.id = a.household_id "
            "WHERE h.village_id = :v AND a.status = 'signed'"
        ),
        {"v": village_id},
    ):
        if signed_on is not None:
            day = signed_on if isinstance(signed_on, dt.date) else dt.date.fromisoformat(str(signed_on))
            signed.setdefault(household_id, {})[kind] = day
    complete = [h for h in relocating if all(k in signed.get(h, {}) for k in AGREEMENT_KINDS)]
    evidence = _("{n} of {total} households in relocation have the 3 agreements signed").format(
        n=len(complete), total=len(relocating)
    )
    if len(complete) < len(relocating):
        return None, evidence, True
    return max(max(signed[h][k] for k in AGREEMENT_KINDS) for h in relocating), evidence, True


def archives_done(session: Session, village_id: str, today: dt.date) -> tuple[dt.date | None, str, bool]:
    """WT-1's archives from the households' records: every poor household with members, an income worksheet,
    a main cause and a helper cadre; (the day the last of them changed or None, what shows it, anything to do).
    The records keep no history of when an archive became complete: it is judged on the records as they are, and
    its day is the last change of those households, or ``today`` (the day asked) when that is later."""
    poor = _poor_households(session, village_id)
    if not poor:
        return None, _("no poor household in the village"), False
    rows = session.execute(
        text(
            "SELECT h.id, h.updated_at, h.main_cause != '' AS cause, "
            "EXISTS (SELECT 1 FROM member m WHERE m.household_id = h.id) AS members, "
            "EXISTS (SELECT 1 FROM income_worksheet i WHERE i.household_id = h.id) AS income, "
            "(h.helper_cadre != '' OR EXISTS (SELECT 1 FROM helper_pairing p WHERE p.household_id = h.id)) AS helper "
            "FROM household h WHERE h.village_id = :v"
        ),
        {"v": village_id},
    ).all()
    complete = [r for r in rows if r[0] in poor and r[2] and r[3] and r[4] and r[5]]
    evidence = _("{n} of {total} poor households' archives complete").format(n=len(complete), total=len(poor))
    if len(complete) < len(poor):
        return None, evidence, True
    days = [r[1] if isinstance(r[1], dt.datetime) else dt.datetime.fromisoformat(str(r[1])) for r in complete]
    return min(max(days).date(), today), evidence, True


def _done(
    session: Session, village_id: str, today: dt.date
) -> tuple[dict[str, tuple[dt.date | None, str]], frozenset[str]]:
    done: dict[str, tuple[dt.date | None, str]] = {}
    for m in session.scalars(
        select(TeamMilestone)
        .where(TeamMilestone.village_id == village_id, TeamMilestone.done_on <= today)
        .order_by(TeamMilestone.done_on, TeamMilestone.id)
    ):
        done.setdefault(m.task, (m.done_on, m.evidence))  # the first day it was done
    not_needed = set()
    for task, judged in ((wt.AGREEMENTS, agreements_done), (wt.ARCHIVES, archives_done)):
        day, evidence, needed = judged(session, village_id, today)
        done[task] = (day, evidence)
        if not needed:
            not_needed.add(task)
    return done, frozenset(not_needed)


# --- the quarter's report (the command line's ``teams report``) --------------------------------------------


@dataclass(frozen=True)
class MemberReport:
    id: str
    name: str
    role: str
    unit: str
    telephone: str
    arrived_on: dt.date
    left_on: dt.date | None
    deadlines: tuple[wt.Deadline, ...]
    coverage: wt.Coverage  # the households paired with the member, visited by them
    visits: int  # visits in the quarter the member made
    checks: int
    checks_short: int
    talked_to: int


@dataclass(frozen=True)
class CheckInfo:
    id: str
    checked_on: dt.date
    kind: str
    checker: str
    member: str
    household: str
    result: str
    findings: str
    follow_up: str
    follow_up_done_on: dt.date | None
    talked_to: bool

    @property
    def follow_up_state(self) -> str:
        return wt.follow_up_state(self.result, self.follow_up_done_on)


@dataclass(frozen=True)
class VillageReport:
    village_id: str
    village: str
    quarter: wt.Quarter
    as_of: dt.date
    members: tuple[MemberReport, ...]
    coverage: wt.Coverage
    heads: dict[str, str]  # household id → the head's name
    team_meetings: tuple[wt.Period, ...]
    reports: tuple[wt.Period, ...]
    checks: tuple[CheckInfo, ...]
    visits: int = 0
    photos: int = 0
    photo_bytes: int = 0
    report_photos: int = 0  # the photos of the quarter's weekly reports sent (WT-2 "with pictures")


@dataclass(frozen=True)
class TeamsReport:
    quarter: wt.Quarter
    as_of: dt.date
    villages: tuple[VillageReport, ...]
    leaders_meetings: tuple[wt.Period, ...]
    all_member_meetings: tuple[wt.Period, ...]


def _days(session: Session, query: Select[tuple[dt.date]] | Select[dt.date]) -> list[dt.date]:
    return list(session.scalars(query))


def _village_report(session: Session, village: Village, quarter: wt.Quarter, today: dt.date) -> VillageReport:
    vid = village.id
    poor = _poor_households(session, vid)
    heads = {
        h: n
        for h, n in session.execute(select(Household.id, Household.head_name).where(Household.village_id == vid)).all()
        if h in poor
    }
    quarter_visits = session.execute(
        select(TeamVisit.id, TeamVisit.household_id, TeamVisit.visited_on, TeamVisit.member_ids).where(
            TeamVisit.village_id == vid,
            TeamVisit.visited_on >= quarter.first_day,
            TeamVisit.visited_on <= min(quarter.last_day, today),
        )
    ).all()
    pairs = [(h, d) for _i, h, d, _m in quarter_visits]
    done, not_needed = _done(session, vid, today)
    checks = [
        CheckInfo(
            c.id,
            c.checked_on,
            c.kind,
            c.checker,
            name or "",
            head or "",
            c.result,
            c.findings,
            c.follow_up,
            c.follow_up_done_on,
            c.talked_to,
        )
        for c, name, head in session.execute(
            select(TeamCheck, TeamMember.name, Household.head_name)
            .outerjoin(TeamMember, TeamMember.id == TeamCheck.member_id)
            .outerjoin(Household, Household.id == TeamCheck.household_id)
            .where(
                TeamCheck.village_id == vid,
                TeamCheck.checked_on >= quarter.first_day,
                TeamCheck.checked_on <= min(quarter.last_day, today),
            )
            .order_by(TeamCheck.checked_on, TeamCheck.id)
        ).all()
    ]
    members = []
    for m in session.scalars(
        select(TeamMember).where(TeamMember.village_id == vid).order_by(TeamMember.arrived_on, TeamMember.name)
    ):
        if m.arrived_on > quarter.last_day or (m.left_on is not None and m.left_on < quarter.first_day):
            continue
        paired = {
            p.household_id
            for p in session.scalars(select(HelperPairing).where(HelperPairing.member_id == m.id))
            if p.start_on <= quarter.last_day and (p.end_on is None or p.end_on >= quarter.first_day)
        }
        mine = [(h, d) for _i, h, d, ids in quarter_visits if m.id in json.loads(ids or "[]")]
        member_checks = [c for c in checks if c.member == m.name]
        members.append(
            MemberReport(
                m.id,
                m.name,
                m.role,
                m.unit,
                m.telephone,
                m.arrived_on,
                m.left_on,
                wt.deadlines(m.arrived_on, done, today, not_needed),
                wt.coverage(paired, mine, quarter, today),
                len(mine),
                len(member_checks),
                sum(1 for c in member_checks if c.result != wt.GOOD),
                sum(1 for c in member_checks if c.talked_to),
            )
        )
    meeting_days = _days(
        session,
        select(TeamMeeting.held_on).where(
            TeamMeeting.village_id == vid, TeamMeeting.kind == wt.TEAM_MEETING, TeamMeeting.held_on <= today
        ),
    )
    sent = _days(
        session,
        select(WeeklyReport.week_start).where(
            WeeklyReport.village_id == vid, WeeklyReport.sent_on.is_not(None), WeeklyReport.sent_on <= today
        ),
    )
    photo_rows = session.execute(
        select(Blob.size)
        .join(TeamVisitPhoto, TeamVisitPhoto.sha256 == Blob.sha256)
        .where(TeamVisitPhoto.visit_id.in_([i for i, _h, _d, _m in quarter_visits]))
    ).all()
    report_photos = session.scalar(
        select(func.count(WeeklyReportPhoto.id))
        .join(WeeklyReport, WeeklyReport.id == WeeklyReportPhoto.report_id)
        .where(
            WeeklyReport.village_id == vid,
            WeeklyReport.sent_on.is_not(None),
            WeeklyReport.sent_on <= today,
            WeeklyReport.week_start >= quarter.first_day - dt.timedelta(days=6),  # a week is its Sunday's quarter's
            WeeklyReport.week_start <= quarter.last_day - dt.timedelta(days=6),
        )
    )
    return VillageReport(
        vid,
        village.name,
        quarter,
        today,
        tuple(members),
        wt.coverage(poor, pairs, quarter, today),
        heads,
        wt.meeting_periods(wt.TEAM_MEETING, quarter, meeting_days, today),
        wt.report_weeks(quarter, sent, today),
        tuple(checks),
        len(quarter_visits),
        len(photo_rows),
        sum(r[0] for r in photo_rows),
        report_photos or 0,
    )


def report(store: Store, quarter: wt.Quarter, today: dt.date, village_ids: Iterable[str] | None = None) -> TeamsReport:
    """The quarter's work-team report as of ``today``: per village (the reader's villages) and member, WT-1's
    deadlines and visits, WT-2's meetings and weekly reports, WT-3's checks; the township's meetings."""
    readable = access.readable_villages(store)
    wanted = None if village_ids is None else set(village_ids)
    with store.session() as session:
        access.require(store, session, Action.READ, None)
        villages = [
            v
            for v in session.scalars(select(Village).order_by(Village.created_at, Village.name, Village.id))
            if (readable is None or v.id in readable) and (wanted is None or v.id in wanted)
        ]
        found = tuple(_village_report(session, v, quarter, today) for v in villages)
        township = {
            kind: wt.meeting_periods(
                kind,
                quarter,
                _days(
                    session,
                    select(TeamMeeting.held_on).where(
                        TeamMeeting.village_id.is_(None), TeamMeeting.kind == kind, TeamMeeting.held_on <= today
                    ),
                ),
                today,
            )
            for kind in (wt.LEADERS_MEETING, wt.ALL_MEMBERS_MEETING)
        }
    return TeamsReport(quarter, today, found, township[wt.LEADERS_MEETING], township[wt.ALL_MEMBERS_MEETING])


# --- the roster, the pairings, the tasks reported (the window's pages) --------------------------------------


def may(store: Store, village_id: str | None, action: Action = Action.TEAM_WORK, *, on_laptop: bool = False) -> bool:
    """Whether the person logged in may do ``action`` for the teams of ``village_id``: ``Action.TEAM_WORK``, the
    team's own records; ``Action.TEAM_CHECKS``, the township's checks on the teams (WT-3); ``Action.OVERSEE_TEAMS``,
    the township's meetings with them; the township's two never on a laptop.  For the window to show a form or
    only the records."""
    if on_laptop and action is not Action.TEAM_WORK:
        return False
    with store.session() as session:
        try:
            access.require(store, session, action, village_id)
        except PermissionRefused:
            return False
    return True


def team_villages(store: Store) -> list[tuple[str, str]]:
    """(id, name) of the villages the reader may read, in the township's order."""
    readable = access.readable_villages(store)
    with store.session() as session:
        access.require(store, session, Action.READ, None)
        return [
            (v.id, v.name)
            for v in session.scalars(select(Village).order_by(Village.created_at, Village.name, Village.id))
            if readable is None or v.id in readable
        ]


@dataclass(frozen=True)
class MemberInfo:
    id: str
    village_id: str
    name: str
    unit: str
    role: str
    telephone: str
    arrived_on: dt.date
    left_on: dt.date | None
    account_name: str

    @property
    def role_label(self) -> str:
        return _(wt.MEMBER_ROLES.get(self.role, self.role))

    def draft(self) -> MemberDraft:
        return MemberDraft(
            self.name, self.arrived_on, self.unit, self.role, self.telephone, self.left_on, self.account_name
        )


def roster(store: Store, village_id: str) -> list[MemberInfo]:
    """The village's team, those still there first (by arrival), then those who left."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        found = [
            MemberInfo(m.id, m.village_id, m.name, m.unit, m.role, m.telephone, m.arrived_on, m.left_on, m.account_name)
            for m in session.scalars(select(TeamMember).where(TeamMember.village_id == village_id))
        ]
    return sorted(found, key=lambda m: (m.left_on is not None, m.arrived_on, m.name, m.id))


@dataclass(frozen=True)
class PairingInfo:
    id: str
    member_id: str
    member: str
    household_id: str
    household: str  # the head's name
    start_on: dt.date
    end_on: dt.date | None


def pairings(store: Store, village_id: str, member_id: str | None = None) -> list[PairingInfo]:
    """The village's helper-cadre pairings (of one member), open ones first, by member and household."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        query = (
            select(HelperPairing, TeamMember.name, Household.head_name)
            .join(TeamMember, TeamMember.id == HelperPairing.member_id)
            .join(Household, Household.id == HelperPairing.household_id)
            .where(HelperPairing.village_id == village_id)
        )
        if member_id is not None:
            query = query.where(HelperPairing.member_id == member_id)
        found = [
            PairingInfo(p.id, p.member_id, name, p.household_id, head, p.start_on, p.end_on)
            for p, name, head in session.execute(query).all()
        ]
    return sorted(found, key=lambda p: (p.end_on is not None, p.member, p.household, p.start_on, p.id))


def village_households(store: Store, village_id: str) -> list[tuple[str, str]]:
    """(id, head's name) of the village's households, by head (to pair a member with one)."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        rows = session.execute(
            select(Household.id, Household.head_name)
            .where(Household.village_id == village_id)
            .order_by(Household.head_name, Household.id)
        ).all()
    return [(a, b) for a, b in rows]


@dataclass(frozen=True)
class TaskInfo:
    id: str
    task: str
    done_on: dt.date
    evidence: str

    @property
    def task_label(self) -> str:
        return _(wt.TASK_LABELS.get(self.task, self.task))


def tasks_reported(store: Store, village_id: str) -> list[TaskInfo]:
    """The WT-1 tasks the village's team reported done, newest first."""
    with store.session() as session:
        access.require(store, session, Action.READ, village_id)
        return [
            TaskInfo(m.id, m.task, m.done_on, m.evidence)
            for m in session.scalars(
                select(TeamMilestone)
                .where(TeamMilestone.village_id == village_id)
                .order_by(TeamMilestone.done_on.desc(), TeamMilestone.id)
            )
        ]


# --- the day view ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdToVisit:
    household_id: str
    head: str
    group: str
    last_visit: dt.date | None  # before this quarter's (None: never visited)
    days_left: int
    paired: bool  # the member is its helper cadre


@dataclass(frozen=True)
class DayView:
    member_id: str
    member: str
    village_id: str
    village: str
    today: dt.date
    quarter: wt.Quarter
    visits_today: tuple[HouseholdToVisit, ...]
    deadlines_near: tuple[wt.Deadline, ...]
    not_visited: tuple[HouseholdToVisit, ...]
    decisions_due: tuple[tuple[dt.date, str], ...]  # (due day, decision) owned by the member, due within 7 days


def members(store: Store, village_id: str | None = None) -> list[tuple[str, str, str, str]]:
    """(id, name, village id, village name) of the teams' members still in their village, of the villages the
    reader may read."""
    readable = access.readable_villages(store)
    with store.session() as session:
        query = (
            select(TeamMember.id, TeamMember.name, Village.id, Village.name)
            .join(Village, Village.id == TeamMember.village_id)
            .where(TeamMember.left_on.is_(None))
            .order_by(Village.name, TeamMember.arrived_on, TeamMember.name)
        )
        if village_id is not None:
            query = query.where(TeamMember.village_id == village_id)
        return [(a, b, c, d) for a, b, c, d in session.execute(query).all() if readable is None or c in readable]


def member_for_account(store: Store, account_name: str) -> str | None:
    with store.session() as session:
        return session.scalar(
            select(TeamMember.id).where(TeamMember.account_name == account_name, TeamMember.left_on.is_(None))
        )


def day_view(store: Store, member_id: str, today: dt.date) -> DayView:
    """A team member's day: the visits due today (the households not yet visited this quarter spread over the
    days left, the member's own pairings first), the WT-1 deadlines near, and every poor household of the
    village not yet visited this quarter, nearest first: the member's own pairings, then those visited longest
    ago (never visited first), by villagers' group and head."""
    quarter = wt.quarter_of(today)
    with store.session() as session:
        member = _member(session, member_id)
        access.require(store, session, Action.READ, member.village_id)
        village = _village(session, member.village_id)
        poor = _poor_households(session, village.id)
        seen = _visited(session, village.id, quarter)
        paired = {
            p.household_id
            for p in session.scalars(select(HelperPairing).where(HelperPairing.member_id == member_id))
            if p.start_on <= today and (p.end_on is None or p.end_on >= today)
        }
        last: dict[str, object] = dict(
            session.execute(
                text(
                    "SELECT household_id, max(visited_on) FROM team_visit WHERE village_id = :v AND visited_on < :a "
                    "GROUP BY household_id"
                ),
                {"v": village.id, "a": quarter.first_day.isoformat()},
            ).all()
        )
        rows = session.execute(
            text(
                "SELECT h.id, h.head_name, g.name FROM household h JOIN villager_group g ON g.id = h.group_id "
                "WHERE h.village_id = :v"
            ),
            {"v": village.id},
        ).all()
        done, not_needed = _done(session, village.id, today)
        decisions = []
        for m in session.scalars(
            select(TeamMeeting).where(
                (TeamMeeting.village_id == village.id) | TeamMeeting.village_id.is_(None),
                TeamMeeting.held_on <= today,
            )
        ):
            for d in _meeting_info(m).decisions:
                if d.owner == member.name and d.due_on is not None and d.due_on <= today + dt.timedelta(days=7):
                    decisions.append((d.due_on, d.text))
    days_left = quarter.days_left(today)
    waiting = [
        HouseholdToVisit(
            h,
            head,
            group,
            dt.date.fromisoformat(str(last[h])) if last.get(h) else None,
            days_left,
            h in paired,
        )
        for h, head, group in rows
        if h in poor and h not in seen
    ]
    waiting.sort(key=lambda w: (not w.paired, w.last_visit or dt.date.min, w.group, w.head, w.household_id))
    per_day = math.ceil(len(waiting) / max(days_left + 1, 1)) if waiting else 0
    items = wt.deadlines(member.arrived_on, done, today, not_needed)
    return DayView(
        member.id,
        member.name,
        village.id,
        village.name,
        today,
        quarter,
        tuple(waiting[:per_day]),
        tuple(wt.near(items, today)),
        tuple(waiting),
        tuple(sorted(decisions)),
    )


# --- the report as one JSON document (``teams report --json``; its keys are documented in the README) -------


def _period_json(found: Sequence[wt.Period]) -> dict[str, object]:
    return {
        "held": wt.count(found, wt.HELD),
        "missing": wt.count(found, wt.MISSING),
        "running": wt.count(found, wt.RUNNING),
        "missing_periods": [[p.first_day.isoformat(), p.last_day.isoformat()] for p in found if p.state == wt.MISSING],
    }


def _deadline_counts(items: Iterable[wt.Deadline]) -> dict[str, int]:
    counts = dict.fromkeys(wt.STATUS_LABELS, 0)
    for item in items:
        counts[item.status] += 1
    return counts


def _checks_json(checks: Sequence[CheckInfo]) -> dict[str, object]:
    return {
        "count": len(checks),
        "by_kind": {kind: sum(1 for c in checks if c.kind == kind) for kind in wt.CHECK_KINDS},
        "by_result": {result: sum(1 for c in checks if c.result == result) for result in wt.CHECK_RESULTS},
        "follow_up_open": sum(1 for c in checks if c.follow_up_state == wt.FOLLOW_UP_OPEN),
        "talked_to": sum(1 for c in checks if c.talked_to),
        "checks": [
            {
                "id": c.id,
                "checked_on": c.checked_on.isoformat(),
                "kind": c.kind,
                "checker": c.checker,
                "member": c.member,
                "household": c.household,
                "result": c.result,
                "findings": c.findings,
                "follow_up": c.follow_up,
                "follow_up_done_on": c.follow_up_done_on.isoformat() if c.follow_up_done_on else None,
                "follow_up_state": c.follow_up_state,
                "talked_to": c.talked_to,
            }
            for c in checks
        ],
    }


def report_json(found: TeamsReport) -> dict[str, object]:
    """``report`` as one JSON document (plain types only)."""
    villages = []
    for v in found.villages:
        members = []
        for m in v.members:
            members.append(
                {
                    "id": m.id,
                    "name": m.name,
                    "role": m.role,
                    "unit": m.unit,
                    "telephone": m.telephone,
                    "arrived_on": m.arrived_on.isoformat(),
                    "left_on": m.left_on.isoformat() if m.left_on else None,
                    "deadlines": [
                        {
                            "task": d.task,
                            "due_on": d.due_on.isoformat(),
                            "done_on": d.done_on.isoformat() if d.done_on else None,
                            "status": d.status,
                            "evidence": d.evidence,
                        }
                        for d in m.deadlines
                    ],
                    "deadline_counts": _deadline_counts(m.deadlines),
                    "visits": {
                        "made": m.visits,
                        "paired_households": m.coverage.households,
                        "paired_visited": len(m.coverage.visited),
                        "paired_not_visited": list(m.coverage.not_visited),
                    },
                    "checks": {"count": m.checks, "short": m.checks_short, "talked_to": m.talked_to},
                }
            )
        villages.append(
            {
                "village_id": v.village_id,
                "village": v.village,
                "members": members,
                "deadline_counts": _deadline_counts(d for m in v.members for d in m.deadlines),
                "visit_coverage": {
                    "households": v.coverage.households,
                    "visited": len(v.coverage.visited),
                    "not_visited": [
                        {"household_id": h, "head": v.heads.get(h, ""), "days_left": v.coverage.days_left}
                        for h in v.coverage.not_visited
                    ],
                    "complete": v.coverage.complete,
                    "days_left": v.coverage.days_left,
                    "visits": v.visits,
                    "photos": v.photos,
                    "photo_bytes": v.photo_bytes,
                },
                "team_meetings": _period_json(v.team_meetings),
                "weekly_reports": _period_json(v.reports) | {"photos": v.report_photos},
                "checks": _checks_json(v.checks),
            }
        )
    return {
        "quarter": str(found.quarter),
        "first_day": found.quarter.first_day.isoformat(),
        "last_day": found.quarter.last_day.isoformat(),
        "as_of": found.as_of.isoformat(),
        "villages": villages,
        "township_meetings": {
            "leaders": _period_json(found.leaders_meetings),
            "all_members": _period_json(found.all_member_meetings),
        },
    }
