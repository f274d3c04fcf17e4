"""Who is who in sync: this store's role (a provisioned laptop or the township office), its name, and
the peers it sends bundles to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Township
from xinjie_desktop.core.sync import device
from xinjie_desktop.i18n import _

TOWNSHIP, LAPTOP = "township", "laptop"


def role(store: Store) -> str | None:
    """``laptop`` once a provisioning was accepted, else ``township`` once it provisioned a laptop."""
    if device.provisioning(store) is not None:
        return LAPTOP
    if device.issued(store):
        return TOWNSHIP
    return None


def my_name(store: Store) -> str:
    accepted = device.provisioning(store)
    if accepted is not None:
        return accepted.laptop_name
    with store.session() as session:
        return session.query(Township.name).limit(1).scalar() or _("township office")


@dataclass(frozen=True)
class Peer:
    device_id: str
    name: str
    role: str
    signing_public: str
    box_public: str
    scope: tuple[str, ...] = ()  # village ids a laptop may write (empty: everything, the township)


def peers(store: Store) -> list[Peer]:
    """Whom this store sends bundles to: a laptop its township; the township every laptop seen."""
    accepted = device.provisioning(store)
    if accepted is not None:
        town = accepted.township
        return [Peer(town.device_id, accepted.township_name, TOWNSHIP, town.signing_public, town.box_public)]
    with store.session() as session:
        rows = session.execute(
            text(
                "SELECT device_id, name, role, signing_public, box_public, scope FROM sync_peer "
                "WHERE trusted AND role = 'laptop' ORDER BY name, device_id"
            )
        ).all()
    return [Peer(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5]))) for r in rows]


def device_names(session: Session) -> dict[str, str]:
    return {row[0]: row[1] for row in session.execute(text("SELECT device_id, name FROM sync_peer"))}


def laptop_villages(store: Store) -> frozenset[str] | None:
    """The villages of this laptop (its accepted provisioning), or None at the township (or a store not
    provisioned): what ``records.accounts`` needs to refuse on a laptop what the township would refuse in
    its bundle (issue 17)."""
    accepted = device.provisioning(store)
    return None if accepted is None else frozenset(accepted.village_ids)
