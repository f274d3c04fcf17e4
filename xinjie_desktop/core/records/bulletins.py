"""The township's weekly bulletin (issue 18, WT-2: the township issues at least one a week).

``issue`` computes the week's figures (core.records.progress, as of the week's Sunday, or today for the week
under way), the weekly trend, what changed since the last bulletin kept (its figures as issued), and the overdue
items by village (demolitions overdue: ``records.demolition.overdue``; objections still open), prints them
(``documents.bulletin``) and keeps the bulletin in the store, one per ISO week: the figures as issued and the
PDF.  ``listing`` lists the kept bulletins by week; ``pdf_bytes`` and ``write_pdf`` give one back as issued.

Issuing is the township's (``Action.ISSUE_BULLETIN``: the township's administration); reading is everyone's who
may read.  A bulletin is kept where it was issued: a local table, never sent to laptops.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents import bulletin as bulletin_pdf
from xinjie_desktop.core.documents.bulletin_views import (
    BulletinView,
    FigureLine,
    OverdueLine,
    TrendLine,
    VillageChange,
)
from xinjie_desktop.core.documents.file_names import safe_part
from xinjie_desktop.core.records import access, demolition, progress
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Blob,
    Bulletin,
    Household,
    NoticeObjection,
    Objection,
    Township,
    Village,
    VillagerGroup,
    utcnow,
)
from xinjie_desktop.i18n import _

Report = Callable[[int, int], bool]
STEPS = 6  # the progress reported while issuing: figures, trend, last bulletin, overdue items, printing, keeping


class BulletinError(ValueError):
    """A bulletin that cannot be issued or found; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class BulletinInfo:
    week: str
    as_of: dt.date
    issued_at: dt.datetime  # UTC
    issued_by: str
    pages: int
    size: int  # bytes of the PDF


def parse_week(text: str) -> tuple[dt.date, dt.date]:
    """The Monday and Sunday of an ISO week written ``2017-W16``; BulletinError names a malformed one."""
    try:
        return progress.week_days(text.strip())
    except ValueError:
        raise BulletinError(
            _("{week} is not a week: write the year and the ISO week number, as 2017-W16.").format(week=text)
        ) from None


def _as_of(week: str, today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    monday, sunday = parse_week(week)
    if monday > today:
        raise BulletinError(_("The week {week} has not begun yet (today is {today}).").format(week=week, today=today))
    return monday, sunday, min(sunday, today)


def _report(report: Report | None, done: int) -> None:
    if report is not None and not report(done, STEPS):
        raise InterruptedError("cancelled")


def _overdue(store: Store, session: Session, as_of: dt.date) -> list[OverdueLine]:
    """AG-1: the demolitions whose deadline passed without an acceptance; PN-1: the objections still open."""
    found = [
        OverdueLine(
            village=house.village,
            head=house.head_name,
            group=house.group,
            what=_("demolition of the old house overdue (agreement {number}, deadline {deadline})").format(
                number=house.agreement_number, deadline=house.deadline.isoformat()
            ),
            since=house.deadline,
            days=house.days_overdue,
        )
        for house in demolition.overdue(store, as_of)
    ]
    for model in (Objection, NoticeObjection):
        query = (
            select(Village.name, VillagerGroup.name, Household.head_name, model.raised_on, model.content)
            .join(Household, Household.id == model.household_id)
            .join(Village, Village.id == Household.village_id)
            .join(VillagerGroup, VillagerGroup.id == Household.group_id)
            .where(model.resolved_on.is_(None), model.raised_on <= as_of)
        )
        for village, group, head, raised_on, content in session.execute(query):
            what = _("objection not yet re-verified: {content}").format(content=content[:60])
            found.append(OverdueLine(village, head, group, what, raised_on, (as_of - raised_on).days))
    return sorted(found, key=lambda item: (item.village, -item.days, item.group, item.head))


def _previous(session: Session, week: str) -> Bulletin | None:
    return session.scalars(select(Bulletin).where(Bulletin.week < week).order_by(Bulletin.week.desc()).limit(1)).first()


def build_view(
    store: Store, week: str, *, today: dt.date | None = None, report: Report | None = None
) -> tuple[BulletinView, dict]:
    """What the bulletin of ``week`` prints, and its figures as kept (``progress.as_json``)."""
    access.require_open(store, Action.READ)
    monday, sunday, as_of = _as_of(week, today or utcnow().date())
    with store.session() as session:
        within = access.readable_villages(store)
        found = progress.compute_in(session, as_of, within)
        _report(report, 1)
        points = progress.trend_in(session, as_of, 12, within)
        _report(report, 2)
        last = _previous(session, week)
        before = json.loads(last.figures) if last is not None else None
        _report(report, 3)
        overdue = _overdue(store, session, as_of)
        _report(report, 4)
        town = session.scalars(select(Township)).first()
    before_total = (before or {}).get("total", {}).get("figures", {})
    before_villages = {v.get("id"): v.get("figures", {}) for v in (before or {}).get("villages", [])}
    figures = tuple(
        FigureLine(
            f.key,
            dict(progress.GROUPS)[f.group],
            f.label,
            f.rule,
            found.total.figures[f.key],
            tuple(v.figures[f.key] for v in found.villages),
            before_total.get(f.key) if before is not None else None,
        )
        for f in progress.FIGURES
    )
    village_changes = []
    if before is not None:
        for village in found.villages:
            then = before_villages.get(village.village_id)
            if then is None:
                continue
            changes = tuple(
                (f.label, int(then[f.key]), village.figures[f.key])
                for f in progress.FIGURES
                if f.key in then and int(then[f.key]) != village.figures[f.key]
            )
            if changes:
                village_changes.append(VillageChange(village.name, changes))
    actor = store.actor
    view = BulletinView(
        township=town.name if town else "",
        week=week,
        monday=monday,
        sunday=sunday,
        as_of=as_of,
        issued_on=today or utcnow().date(),
        issued_by=actor.name if actor is not None else "",
        villages=tuple(v.name for v in found.villages),
        households=tuple(v.households for v in found.villages),
        total_households=found.total.households,
        figures=figures,
        step_keys=tuple(f.key for f in progress.FIGURES if f.group == "identification"),
        previous_week=last.week if last is not None else None,
        village_changes=tuple(village_changes),
        overdue=tuple(overdue),
        trend=tuple(TrendLine(p.week, dict(p.values)) for p in points),
        trend_series=progress.TREND_SERIES,
        quiet_laptops=found.total.quiet_laptops,
    )
    return view, progress.as_json(found)


def issue(store: Store, week: str, *, today: dt.date | None = None, report: Report | None = None) -> BulletinInfo:
    """Issue the bulletin of ``week`` (``2017-W16``) and keep it (a bulletin of that week already kept is replaced:
    issued again, with the figures as they are now)."""
    access.require_open(store, Action.ISSUE_BULLETIN)
    view, figures = build_view(store, week, today=today, report=report)
    data, pages = bulletin_pdf.render(view)
    _report(report, 5)
    digest = hashlib.sha256(data).hexdigest()
    issued_at = utcnow().replace(microsecond=0)
    with store.unit_of_work() as session:
        access.require(store, session, Action.ISSUE_BULLETIN)
        if session.get(Blob, digest) is None:
            session.add(Blob(sha256=digest, size=len(data), data=data))
        kept = session.get(Bulletin, week)
        if kept is None:
            kept = Bulletin(week=week)
            session.add(kept)
        kept.as_of = view.as_of
        kept.issued_at = issued_at
        kept.issued_by = view.issued_by
        kept.figures = json.dumps(figures, ensure_ascii=False, sort_keys=True)
        kept.pdf_sha256 = digest
        kept.pages = pages
    _report(report, 6)
    return BulletinInfo(week, view.as_of, issued_at, view.issued_by, pages, len(data))


def listing(store: Store) -> list[BulletinInfo]:
    """The bulletins kept, newest week first."""
    access.require_open(store, Action.READ)
    with store.session() as session:
        return [
            BulletinInfo(b.week, b.as_of, b.issued_at, b.issued_by, b.pages, size or 0)
            for b, size in session.execute(
                select(Bulletin, Blob.size)
                .join(Blob, Blob.sha256 == Bulletin.pdf_sha256)
                .order_by(Bulletin.week.desc())
            )
        ]


def pdf_bytes(store: Store, week: str) -> bytes:
    """The PDF of the bulletin of ``week`` as it was issued."""
    access.require_open(store, Action.READ)
    with store.session() as session:
        kept = session.get(Bulletin, week)
        if kept is None:
            raise BulletinError(_("No bulletin of {week} is kept.").format(week=week))
        blob = session.get(Blob, kept.pdf_sha256)
        if blob is None or hashlib.sha256(blob.data).hexdigest() != kept.pdf_sha256:
            raise BulletinError(_("The PDF of the bulletin of {week} is damaged in the store.").format(week=week))
        return bytes(blob.data)


def file_name(store: Store, week: str) -> str:
    with store.session() as session:
        town = session.scalars(select(Township.name)).first() or ""
    kind = _("weekly bulletin")
    return f"{safe_part(town, 'township')}-{safe_part(kind)}-{week}.pdf"


def write_pdf(store: Store, week: str, folder: Path | str) -> Path:
    """Write the kept bulletin of ``week`` into ``folder`` (made if missing; a file there of that name replaced
    whole, never half written)."""
    data = pdf_bytes(store, week)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name(store, week)
    partial = target.with_name(target.name + ".part")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return target
