"""Saving a form against the store as it is now, not as it was when the form opened (issue 13, case 1).

The rule (which fields the user changed, which collide) is ``edits``: pure. This module is what every
editor's ``save`` needs of the store around it, whatever the record:

* ``Loaded``: what a form remembers of a record it opened (its values, and the record's sync versions);
* ``save_fields``: write the fields of one record the user changed since it was loaded, each checked
  against what was loaded; a field changed in the store meanwhile is a collision the user decides;
* ``EditCollisions``: nothing was saved, these fields were changed meanwhile (described: who wrote the
  store's value, when);
* ``journal_decision``: a decided field gets a new version even when the store's value was kept, and its
  journal entry names the versions decided between (as a sync conflict's resolution does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from xinjie_desktop.core.records import edits
from xinjie_desktop.core.store.database import DECIDED_VERSIONS, Store
from xinjie_desktop.core.store.models import SyncPeer, Travelling
from xinjie_desktop.i18n import _


class EditCollisions(Exception):
    """Fields the user changed that were also changed in the store since the form loaded them; nothing
    was saved. ``collisions`` say what each side holds, and who wrote the store's value when known."""

    def __init__(self, collisions: list[edits.Collision]) -> None:
        super().__init__(f"{len(collisions)} field(s) changed in the store meanwhile")
        self.collisions = collisions


@dataclass(frozen=True)
class Loaded:
    """One record as a form loaded it: its values (as the store holds them) and its ``sync_versions``
    then. ``values`` empty: the record was not there yet (the form starts from nothing)."""

    values: Mapping[str, object]
    versions: str = ""


def loaded(record: Travelling | None, fields: tuple[str, ...]) -> Loaded:
    """What a form remembers of ``record`` (``None``: not there yet, every field at its empty value)."""
    if record is None:
        return Loaded({})
    return Loaded({name: getattr(record, name) for name in fields}, record.sync_versions or "")


def field_version(sync_versions: str, name: str) -> tuple[int, str] | None:
    """Who wrote a field last, and when, as a record's ``sync_versions`` says (empty without a journal)."""
    try:
        versions = json.loads(sync_versions or "{}")
    except ValueError:
        return None
    entry = versions.get(name) or versions.get("*") if isinstance(versions, dict) else None
    return (int(entry[0]), str(entry[1])) if isinstance(entry, list) and len(entry) == 2 else None


def who_wrote(session: Session, store: Store, record: Travelling, name: str) -> tuple[str, str]:
    """Who wrote the record's field ``name`` last (this computer, a peer's name) and when, in the user's words."""
    version = field_version(record.sync_versions, name)
    device = version[1] if version else record.device_id
    when = dt.datetime.fromtimestamp(version[0] / 1000, dt.UTC) if version else record.updated_at.replace(tzinfo=dt.UTC)
    by = ""
    if device and device == store.device_id:
        by = _("this computer")
    elif device:
        peer = session.get(SyncPeer, device)
        by = peer.name if peer is not None and peer.name else _("computer {id}").format(id=device)
    return by, when.astimezone().strftime("%Y-%m-%d %H:%M")


def describe(
    session: Session, store: Store, collision: edits.Collision, record: Travelling | None, label: str = ""
) -> edits.Collision:
    """The collision with what the user knows the record by, and who wrote the store's value when."""
    by, at = who_wrote(session, store, record, collision.field or "updated_at") if record is not None else ("", "")
    return dataclasses.replace(collision, label=label, changed_by=by, changed_at=at)


def journal_decision(session: Session, record: Travelling, table: str, name: str, loaded_versions: str) -> None:
    """The decided field is written again (a new version, even when the store's value was kept), and its
    journal entry names the store's version and the one the form loaded: the versions decided between."""
    note_decided(session, table, record.id, name, record.sync_versions, loaded_versions)
    flag_modified(record, name)


def note_decided(
    session: Session, table: str, record_id: str, name: str, store_versions: str, loaded_versions: str
) -> None:
    """Have the journal entry that writes ``name`` of the record name the versions decided between: the
    store's (``store_versions``: a record's ``sync_versions``) and the one the form loaded."""
    theirs = field_version(store_versions, name)
    base = field_version(loaded_versions, name)
    session.info.setdefault(DECIDED_VERSIONS, {})[(table, record_id, name)] = [
        list(v) for v in (theirs, base) if v is not None
    ]


def save_fields(
    session: Session,
    store: Store,
    record: Travelling,
    mine: Mapping[str, object],
    was: Loaded | None,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
    label: str = "",
) -> dict[str, object]:
    """Write ``mine`` (the form's values, as they are stored) into ``record``, a record already in the
    store: with ``was`` (what the form loaded), only the fields the user changed since, each checked
    against what was loaded; without it, every field. Raises ``EditCollisions`` (nothing written) while a
    field both changed is undecided. Returns the values the record holds now (of ``mine``'s fields)."""
    table = type(record).__tablename__
    theirs = {name: getattr(record, name) for name in mine}
    decided: dict[edits.Key, object] = {}
    if was is None:
        values = dict(mine)
    else:
        base = {name: was.values.get(name, _empty(value)) for name, value in mine.items()}
        merged = edits.Merged({}, [], {})
        values = edits.merge_fields(table, record.id, base, mine, theirs, decisions or {}, merged)
        if merged.collisions:
            raise EditCollisions([describe(session, store, c, record, label) for c in merged.collisions])
        decided = merged.decided
    for name, value in values.items():
        if theirs[name] != value:
            setattr(record, name, value)
    for _table, _record, name in decided:
        journal_decision(session, record, table, name, was.versions if was else "")
    return values


def _empty(value: object) -> object:
    """What a field of a record not yet there stands for: the form's empty value of its kind."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return ""
    return None
