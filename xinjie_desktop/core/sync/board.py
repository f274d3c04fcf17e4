"""The sync board (issue 5): every computer this one exchanges bundles with, and what is missing.

For each peer: its last bundle in and out, how long since it was last seen, the changes it says it
holds that have not arrived here (a bundle lost or not yet imported: "needs the bundle of <laptop>
covering changes N–M"), the changes sent to it that it has not acknowledged yet, and problems (a
new identity after a copy, which needs a new provisioning).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import text

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import utcnow
from xinjie_desktop.i18n import _


@dataclass(frozen=True)
class PeerRow:
    device_id: str
    name: str
    role: str
    last_seen: dt.datetime | None
    days_since_seen: int | None
    last_in: str  # file name of the last bundle imported from it
    last_out: str  # file name of the last bundle written for it
    missing: str  # changes it holds that have not arrived here
    unacknowledged: str  # changes sent to it, not yet acknowledged
    problem: str


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
                    "SELECT file_name, report FROM bundle_log WHERE direction = 'in' AND "
                    "peer_id = :p ORDER BY at DESC LIMIT 1"
                ),
                {"p": device_id},
            ).first()
            last_out = session.execute(
                text(
                    "SELECT file_name FROM bundle_log WHERE direction = 'out' AND peer_id = :p ORDER BY at DESC LIMIT 1"
                ),
                {"p": device_id},
            ).scalar()
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
            missing = (
                _("changes {first}–{last} of {laptop} (a bundle lost or not imported yet)").format(
                    first=have + 1, last=claims, laptop=name
                )
                if claims > have
                else ""
            )
            unacknowledged = (
                _("changes {first}–{last} of this computer").format(first=acked + 1, last=own) if own > acked else ""
            )
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
                    last_out or "",
                    missing,
                    unacknowledged,
                    "; ".join(notes),
                )
            )
    return found
