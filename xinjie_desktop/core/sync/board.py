"""The sync board (issue 5): every computer this one exchanges bundles with, and what is missing.

For each peer: its last bundle in and out, how long since it was last seen, the work it says it
holds that has not arrived here (a bundle lost or not yet imported), the work sent to it that it has
not acknowledged yet, and problems (a new identity after a copy, which needs a new provisioning).

In plain words (issue 16): the work waiting is told in households and dates ("青山村笔记本 has not yet
confirmed the work on 3 households, waiting since 2026-12-05"); a household's own records (members,
income, agreements, …) count for it.  The change numbers are kept in ``*_detail`` for the technician.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import text

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Base, utcnow
from xinjie_desktop.core.sync.change_log import hlc_time
from xinjie_desktop.i18n import _, join, ngettext


@dataclass(frozen=True)
class PeerRow:
    device_id: str
    name: str
    role: str
    last_seen: dt.datetime | None
    days_since_seen: int | None
    last_in: str  # file name of the last bundle imported from it
    last_out: str  # file name of the last bundle written for it
    missing: str  # work it holds that has not arrived here, in words
    unacknowledged: str  # work sent to it, not yet acknowledged, in words (households and dates)
    problem: str
    last_in_at: dt.datetime | None = None  # when the last bundle from it was imported (UTC)
    last_out_at: dt.datetime | None = None  # when the last bundle for it was written (UTC)
    waiting_households: int = 0  # households whose work it has not confirmed
    waiting_other: int = 0  # other changes it has not confirmed (villages, notices, settings)
    waiting_since: dt.datetime | None = None  # the oldest change it has not confirmed (UTC, by its stamp)
    missing_detail: str = ""  # the change numbers, for the technician
    unacknowledged_detail: str = ""


# Tables whose records belong to one household: a change to one of them is work on that household.
HOUSEHOLD_TABLES = {
    table.name: "household_id" for table in Base.metadata.sorted_tables if "household_id" in table.columns
} | {"household": "id"}


def local_date(moment: dt.datetime | None) -> str:
    """A UTC time (without a zone) as this computer's local date, ``YYYY-MM-DD``."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.UTC).astimezone().date().isoformat()


def _waiting(session, me: str, acked: int) -> tuple[int, int, int | None]:
    """(households, other changes, the oldest stamp) of this computer's changes after ``acked``."""
    parts = ["SELECT w.row_id AS h FROM waiting w WHERE w.table_name = 'household'"]
    for table, column in sorted(HOUSEHOLD_TABLES.items()):
        if table != "household":
            parts.append(
                f"SELECT t.{column} FROM waiting w JOIN {table} t ON t.id = w.row_id WHERE w.table_name = '{table}'"
            )
    parts.append(
        "SELECT a.household_id FROM waiting w JOIN agreement_signature s ON s.id = w.row_id "
        "JOIN agreement a ON a.id = s.agreement_id WHERE w.table_name = 'agreement_signature'"
    )
    waiting = "WITH waiting AS (SELECT table_name, row_id, hlc FROM change_log WHERE origin_device = :me AND seq > :a) "
    households = session.execute(
        text(waiting + "SELECT count(DISTINCT h) FROM (" + " UNION ALL ".join(parts) + ") AS found"),
        {"me": me, "a": acked},
    ).scalar()
    owned = ", ".join(f"'{name}'" for name in sorted(HOUSEHOLD_TABLES) + ["agreement_signature"])
    other, oldest = session.execute(
        text(
            waiting + f"SELECT sum(table_name NOT IN ({owned})), min(hlc) FROM waiting"  # the names are ours
        ),
        {"me": me, "a": acked},
    ).one()
    return int(households or 0), int(other or 0), oldest


def _as_datetime(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def rows(store: Store, now: dt.datetime | None = None) -> list[PeerRow]:
    now = now or utcnow()
    me = store.device_id
    found = []
    with store.session() as session:
        own = session.execute(text("SELECT max(seq) FROM change_log WHERE origin_device = :d"), {"d": me}).scalar() or 0
        received: dict[str, int] = dict(
            session.execute(text("SELECT origin_device, received_seq FROM origin_cursor")).all()
        )
        peers = session.execute(
            text("SELECT device_id, name, role, last_seen, problem, former_ids FROM sync_peer ORDER BY role DESC, name")
        ).all()
        for device_id, name, role, last_seen, problem, former in peers:
            last_in = session.execute(
                text(
                    "SELECT file_name, at FROM bundle_log WHERE direction = 'in' AND "
                    "peer_id = :p ORDER BY at DESC LIMIT 1"
                ),
                {"p": device_id},
            ).first()
            last_out = session.execute(
                text(
                    "SELECT file_name, at FROM bundle_log WHERE direction = 'out' AND peer_id = :p "
                    "ORDER BY at DESC LIMIT 1"
                ),
                {"p": device_id},
            ).first()
            acked = (
                session.execute(
                    text("SELECT acked_seq FROM peer_cursor WHERE peer_id = :p AND origin_device = :o"),
                    {"p": device_id, "o": me},
                ).scalar()
                or 0
            )
            claims = (
                session.execute(
                    text("SELECT acked_seq FROM peer_cursor WHERE peer_id = :p AND origin_device = :p"),
                    {"p": device_id},
                ).scalar()
                or 0
            )
            have = received.get(device_id, 0)
            last_in_at = _as_datetime(last_in[1]) if last_in else None
            last_out_at = _as_datetime(last_out[1]) if last_out else None
            peer_name = name or device_id
            missing = missing_detail = ""
            if claims > have:
                missing_detail = _("changes {first}–{last} of {laptop}").format(
                    first=have + 1, last=claims, laptop=peer_name
                )
                missing = (
                    _(
                        "Work done on {laptop} after the bundle received on {date} has not arrived here "
                        "(a bundle lost or not imported yet)."
                    ).format(laptop=peer_name, date=local_date(last_in_at))
                    if last_in_at
                    else _("Work done on {laptop} has not arrived here (a bundle lost or not imported yet).").format(
                        laptop=peer_name
                    )
                )
            unacknowledged = unacknowledged_detail = ""
            households = other = 0
            since = None
            if own > acked:
                households, other, oldest = _waiting(session, me, acked)
                since = hlc_time(oldest) if oldest is not None else None
                unacknowledged_detail = _("changes {first}–{last} of this computer").format(first=acked + 1, last=own)
                unacknowledged = _plain_waiting(peer_name, households, other, since, last_out_at)
            seen = _as_datetime(last_seen)
            notes = [problem] if problem else []
            if json.loads(former or "[]"):
                notes.append(_("took a new identity after a copy or restore"))
            found.append(
                PeerRow(
                    device_id,
                    name,
                    role,
                    seen,
                    (now - seen).days if seen else None,
                    last_in[0] if last_in else "",
                    last_out[0] if last_out else "",
                    missing,
                    unacknowledged,
                    "; ".join(notes),
                    last_in_at,
                    last_out_at,
                    households,
                    other,
                    since,
                    missing_detail,
                    unacknowledged_detail,
                )
            )
    return found


def _plain_waiting(
    peer: str, households: int, other: int, since: dt.datetime | None, last_out: dt.datetime | None
) -> str:
    """ "青山村笔记本 has not yet confirmed the work on 3 households (waiting since 2026-12-05; last bundle
    written for it on 2026-12-06)."""
    if households:
        what = ngettext(
            "{peer} has not yet confirmed the work on {n} household",
            "{peer} has not yet confirmed the work on {n} households",
            households,
        ).format(peer=peer, n=households)
        if other:
            what += ngettext(" and {n} other change", " and {n} other changes", other).format(n=other)
    else:
        what = ngettext(
            "{peer} has not yet confirmed {n} change (villages, notices or settings)",
            "{peer} has not yet confirmed {n} changes (villages, notices or settings)",
            other,
        ).format(peer=peer, n=other)
    when = []
    if since is not None:
        when.append(_("waiting since {date}").format(date=local_date(since)))
    if last_out is not None:
        when.append(_("last bundle written for it on {date}").format(date=local_date(last_out)))
    else:
        when.append(_("no bundle written for it yet"))
    return _("{what} ({when}).").format(what=what, when=join(when))
