"""Applying changes received from other devices (issue 5): the merge.

``apply_staged(session, …)`` applies the changes staged from a bundle inside the caller's
transaction (a savepoint of the stick's import).  The result depends only on the set of changes,
never on the order in which bundles arrive (property 2), because every decision is a maximum, a
minimum or a union:

* **Fields**: each field keeps the value of its highest version ``(hlc, device)``.  A lower
  version arriving later is kept in the journal and, when its value differs, listed as a conflict
  (``sync_conflict``: the winner and every loser, property 4); so is a value that won over one
  written without knowing it.  A person resolves a conflict with a new edit (a higher version),
  which travels like any other.
* **Deletes** win: a deleted record stays deleted (``tombstone``) and takes the records that hang
  from it along.  A change to it that arrives later is not applied; if it was made after the
  delete it is listed as a conflict ("changed after it was deleted"), so it is not lost from view.
* **Signed agreements never change** (AG-1): the change that signs an agreement carries all its
  fields and is applied whole, over any draft edit, whatever the versions; after that only the
  voiding fields may change, and a voided agreement never changes again.  Anything else aimed at
  it is kept as a conflict of kind "signed".  A signed agreement is never deleted.

* **Records that exist once** (``natural_keys``) entered on two computers: a workflow step, a
  relocation verification or a year's income worksheet is kept once, of those not deleted the lower
  id, in every store (``SETTLED_TWICE``), the differences listed (kind "twice"); the others are set
  aside, and one takes the place back when the one kept is deleted on its own (a year cleared).  Two
  agreements given one number are refused by the import, undone, with what to do.

The same (origin, seq) arriving twice with the same content is skipped; with different content it
means two stores share one identity (a copied laptop): ``staged_fork`` finds it and the import is
refused.  Derived columns (the household list's caches) are recomputed for the households touched,
and an ID number found in more than one household is listed in ``possible_duplicate`` for review,
never merged.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import ColumnDefault

from xinjie_desktop.core.store.models import Base, utcnow
from xinjie_desktop.core.sync import change_log, staging
from xinjie_desktop.core.sync.change_log import Version, from_json, read_versions, version_of, write_versions

STAMP_FIELDS = frozenset(change_log.STAMPS)
_AGREEMENT_VOID_FIELDS = frozenset({"status", "voided_on", "void_reason"})
# A record that hangs from another: (its column, the parent's table).
_PARENTS = (("household_id", "household"), ("agreement_id", "agreement"), ("notice_id", "public_notice"))


@dataclass(frozen=True)
class Change:
    origin: str
    seq: int
    hlc: int
    table: str
    row_id: str
    op: str  # upsert / delete
    village_id: str | None
    payload: str  # JSON text, as journalled (compared byte for byte)
    bases: str = "{}"

    @property
    def version(self) -> Version:
        return (self.hlc, self.origin)

    @functools.cached_property
    def values(self) -> dict:
        """The payload, parsed once."""
        return json.loads(self.payload)


@dataclass
class Outcome:
    """What an import did, counted per table (for the preview and the report)."""

    new: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    changed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    deleted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped: int = 0  # already held
    applied: int = 0
    conflicts: list[str] = field(default_factory=list)  # sync_conflict ids opened or grown
    # of those, the ones none of whose values this computer wrote (``between_others``): filled by the import
    between_others: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # ID numbers newly in two households
    households: set[str] = field(default_factory=set)  # touched, derived columns refreshed
    # created in bulk with their derived columns as this computer computed them from the bundle's records
    prefilled: set[str] = field(default_factory=set)
    slow_households: set[str] = field(default_factory=set)  # touched by the merge

    def summary(self) -> dict:
        return {
            "new": dict(self.new),
            "changed": dict(self.changed),
            "deleted": dict(self.deleted),
            "skipped": self.skipped,
            "applied": self.applied,
            "conflicts": len(self.conflicts),
            "conflicts_between_others": len(self.between_others),
            "duplicates": sorted(self.duplicates),
        }


# --- the staged changes (core.sync.staging) -------------------------------------------------------------------
#
# An import loads each bundle's changes into the ``incoming`` schema (an in-memory database: nothing is
# written to the store's file or journal), so that SQLite itself finds the ones already held, a copied
# laptop, records outside a laptop's villages, and writes new records in bulk.  Checking works the same on
# a store opened read-only.


def staged_changes(connection, where: str = "1") -> list[Change]:
    return [
        Change(*row)
        for row in connection.exec_driver_sql(
            f"SELECT {', '.join(staging.COLUMNS)} FROM sync_incoming i WHERE {where} ORDER BY origin_device, seq"
        )
    ]


# CROSS JOIN: each staged change looked up in the journal by its key.  Left to choose, SQLite 3.53 (SQLCipher's, the
# encrypted store's) scanned the whole journal instead: 1.7 s of an encrypted import of 12 bundles, a bundle's time
# growing with the store (issue 17).
FORK = (
    "SELECT i.origin_device, i.seq FROM sync_incoming i CROSS JOIN change_log c ON c.origin_device = i.origin_device "
    "AND c.seq = i.seq WHERE c.op != i.op OR c.payload != i.payload LIMIT 1"
)


def staged_fork(connection) -> tuple[str, int] | None:
    """A staged change held already with a different content: (origin, seq), else None."""
    row = connection.exec_driver_sql(FORK).first()
    return (row[0], row[1]) if row else None


_NOT_HELD = "NOT EXISTS (SELECT 1 FROM change_log c WHERE c.origin_device = i.origin_device AND c.seq = i.seq)"


@functools.cache
def natural_keys() -> dict[str, list[tuple[str, ...]]]:
    """Per travelling table, the columns that must be unique besides the id (a household's income
    worksheet of a year, its workflow step, its relocation verification, an agreement's number)."""
    from sqlalchemy import UniqueConstraint

    found: dict[str, list[tuple[str, ...]]] = {}
    for name, table in change_log.tracked_tables().items():
        keys = {
            tuple(column.name for column in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        }
        keys |= {(column.name,) for column in table.columns if column.unique}
        if keys:
            found[name] = sorted(keys)
    return found


@dataclass(frozen=True)
class Collision:
    """A record a bundle creates whose unique columns (``natural_keys``) are those of another record:
    the same thing entered on two computers, which the store cannot hold twice."""

    table: str
    incoming_id: str
    other_id: str
    key: dict


_NOT_DELETED_HERE = (
    "NOT EXISTS (SELECT 1 FROM sync_incoming d WHERE d.table_name = {t} AND d.op = 'delete' AND d.row_id = {r})"
)


def staged_collision(connection) -> Collision | None:
    """A staged new record (not deleted again in the same bundle) that has the unique columns of a record
    stored here or of another staged new record, else None.  Asked when the store's unique index refused
    a record as the bundle was written (nothing to pay for while there is none), to name the refusal.  The
    records the merge settles itself (``SETTLED_TWICE``) never collide."""
    for name, keys in natural_keys().items():
        if name in SETTLED_TWICE:
            continue
        for columns in keys:
            extract = [f"json_extract(i.payload, '$.{column}')" for column in columns]
            alive = _NOT_DELETED_HERE.format(t="i.table_name", r="i.row_id")
            row = connection.exec_driver_sql(
                f"SELECT i.row_id, t.id, {', '.join(extract)} FROM sync_incoming i JOIN {name} t ON "
                + " AND ".join(f"t.{column} = {value}" for column, value in zip(columns, extract, strict=True))
                + f" WHERE i.table_name = '{name}' AND {staging.CREATED} AND t.id != i.row_id AND {alive} AND "
                + _NOT_DELETED_HERE.format(t=f"'{name}'", r="t.id")
                + " LIMIT 1"
            ).first()
            if row is None:
                row = connection.exec_driver_sql(
                    f"SELECT min(i.row_id), max(i.row_id), {', '.join(extract)} FROM sync_incoming i "
                    f"WHERE i.table_name = '{name}' AND {staging.CREATED} AND {alive} "
                    + "".join(f"AND {value} IS NOT NULL " for value in extract)
                    + f"GROUP BY {', '.join(extract)} "
                    "HAVING count(DISTINCT i.row_id) > 1 LIMIT 1"
                ).first()
            if row is not None:
                return Collision(name, row[0], row[1], dict(zip(columns, row[2:], strict=True)))
    return None


class _Rows:
    """The records the changes touch, loaded once, changed in memory, written at the end."""

    def __init__(self, session: Session, changes: list[Change]) -> None:
        self.connection = session.connection()
        self.tables = change_log.tracked_tables()
        self.rows: dict[tuple[str, str], dict | None] = {}
        self.original: dict[tuple[str, str], dict | None] = {}
        self.dirty: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.tombstones: dict[tuple[str, str], Version] = {}
        self.seen: dict[tuple[str, str], int] = {}  # the newest version the deleter had seen
        self.deletes_seen: dict[tuple[str, str], int] = {}  # the same, for the deletes being applied
        self.settled: dict[str, set[Version]] = {}  # conflict id → the versions a person decided between
        self.displaced: dict[tuple[str, str], str] = {}  # a one-of record that lost its place → the one that took it
        # One-of records set aside (``tombstone.settled_by``): the one that took the place; None: deleted.
        self.settled_by: dict[tuple[str, str], str | None] = {}
        self.revived: set[tuple[str, str]] = set()  # set aside before, back in their place now
        wanted: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            wanted[change.table].add(change.row_id)
            payload_parent = _parent_of(change)
            if payload_parent:
                wanted[payload_parent[0]].add(payload_parent[1])
        for name, ids in wanted.items():
            self._load(name, ids)

    def _load(self, name: str, ids: set[str]) -> None:
        missing = [i for i in ids if (name, i) not in self.rows]
        table = self.tables[name]
        for start in range(0, len(missing), 500):
            part = missing[start : start + 500]
            for row in self.connection.execute(table.select().where(table.c.id.in_(part))).mappings():
                self.rows[(name, row["id"])] = dict(row)
                self.original[(name, row["id"])] = dict(row)
            marks = ",".join(f":p{i}" for i in range(len(part)))
            for row_id, hlc, device, seen, settled_by in self.connection.execute(
                text(
                    f"SELECT row_id, hlc, device_id, seen_hlc, settled_by FROM tombstone WHERE table_name = :t "
                    f"AND row_id IN ({marks})"
                ),
                {"t": name, **{f"p{i}": value for i, value in enumerate(part)}},
            ):
                self.tombstones[(name, row_id)] = (int(hlc), device)
                self.seen[(name, row_id)] = int(seen)
                self.settled_by[(name, row_id)] = settled_by
        for row_id in ids:
            self.rows.setdefault((name, row_id), None)
            self.original.setdefault((name, row_id), None)

    def get(self, name: str, row_id: str) -> dict | None:
        if (name, row_id) not in self.rows:
            self._load(name, {row_id})
        return self.rows[(name, row_id)]

    def rival(self, name: str, payload: dict, row_id: str) -> str | None:
        """Another live record of table ``name`` with the unique columns (``natural_keys``) ``payload`` gives."""
        table = self.tables[name]
        for columns in natural_keys().get(name, []):
            if any(payload.get(column) is None for column in columns):
                continue
            wanted = {column: from_json(table.c[column], payload[column]) for column in columns}
            for (other_table, other_id), row in self.rows.items():
                if (
                    other_table == name
                    and other_id != row_id
                    and row is not None
                    and all(row.get(column) == value for column, value in wanted.items())
                ):
                    return other_id
            found = (
                self.connection.execute(
                    table.select()
                    .with_only_columns(table.c.id)
                    .where(table.c.id != row_id, *(table.c[column] == value for column, value in wanted.items()))
                )
                .scalars()
                .all()
            )
            for other_id in found:
                if self.get(name, other_id) is not None:
                    return other_id
        return None

    def set_aside(self, name: str, kept_id: str) -> list[str]:
        """The records of ``name`` set aside for ``kept_id`` (entered on another computer as well), by id."""
        stored = (
            self.connection.execute(
                text("SELECT row_id FROM tombstone WHERE table_name = :t AND settled_by = :k"),
                {"t": name, "k": kept_id},
            )
            .scalars()
            .all()
        )
        self._load(name, set(stored))
        return sorted(row_id for (table, row_id), by in self.settled_by.items() if table == name and by == kept_id)

    def twin_seen(self, name: str, twin_id: str) -> int:
        """What the deleters of a one-of record kept of two (``SETTLED_TWICE``) had seen of its twin, against
        which the twin's creation is judged as a store that received the delete first judges it (there the
        twin came under a deleted household: listed whole, unless its own delete came too, its deleter
        knowing it)."""
        return self.deletes_seen.get((name, twin_id), 0)

    def children(self, name: str, row_id: str) -> list[tuple[str, str]]:
        """Records hanging from this one: in the store (cascades) and created in memory."""
        found = set(change_log.descendants(self.connection, name, row_id))
        frontier = [(name, row_id)]
        while frontier:
            parent = frontier.pop()
            for (child_table, child_id), row in self.rows.items():
                if row is None or (child_table, child_id) in found:
                    continue
                for column, parent_table in _PARENTS:
                    if parent_table == parent[0] and row.get(column) == parent[1]:
                        found.add((child_table, child_id))
                        frontier.append((child_table, child_id))
        return sorted(found)


def _parent_of(change: Change) -> tuple[str, str] | None:
    if change.op != "upsert":
        return None
    payload = change.values
    for column, parent in _PARENTS:
        if payload.get(column):
            return parent, payload[column]
    return None


@dataclass(frozen=True)
class Listed:
    """A value listed in a conflict (the one in force, or one that lost), stored in ``sync_conflict.winner``
    and ``losers`` as JSON: the value, the version (clock, device) that wrote it and, for a record entered
    twice, the twin (``row``) that brought it."""

    value: Any
    hlc: int
    device: str
    row: str | None = None

    @property
    def version(self) -> Version:
        return (int(self.hlc), self.device)

    def to_json(self) -> dict[str, Any]:
        """As stored (the keys in this order; ``row`` only for a twin)."""
        stored: dict[str, Any] = {"value": self.value, "hlc": self.hlc, "device": self.device}
        if self.row is not None:
            stored["row"] = self.row
        return stored

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> Listed:
        return cls(stored.get("value"), stored["hlc"], stored["device"], stored.get("row"))


def _listed_values(stored: str) -> tuple[Listed, ...]:
    """The values of a stored ``losers`` column."""
    return tuple(Listed.from_json(value) for value in json.loads(stored))


def between_others(connection, ids: Iterable[str], mine: Iterable[str]) -> list[str]:
    """Of the conflicts ``ids``, those none of whose values was written by this computer (``mine``: its
    device ids, the former ones too): values two other computers wrote, which met before they reached
    this one (the township's open conflict about a household of a new laptop's village arrives with the
    household, and is listed there too, as in every store).  For the import's report, in plain words."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    own = set(mine)
    rows = connection.execute(
        text("SELECT id, winner, losers FROM sync_conflict WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": wanted},
    ).all()
    return sorted(
        key
        for key, winner, losers in rows
        if not any(value.device in own for value in (Listed.from_json(json.loads(winner)), *_listed_values(losers)))
    )


def _newest(value: Listed) -> tuple[int, str]:
    return (value.hlc, value.device)


@dataclass(frozen=True)
class Found:
    """A conflict about one field of one record (``*``: the record itself), found in this change set or
    read back from ``sync_conflict``; its id is ``table_name:row_id:field``."""

    table_name: str
    row_id: str
    field: str
    kind: str  # field, deleted, twice, signed
    winner: Listed
    losers: tuple[Listed, ...] = ()
    replace: bool = False  # written whole, instead of merged into the stored one
    twin_deleted: bool = False  # a twice conflict whose kept record was deleted (``_Conflicts._twin_deleted``)


class _Conflicts:
    def __init__(self, connection) -> None:
        self.connection = connection
        self.found: dict[str, Found] = {}
        self.forgotten: set[str] = set()  # stored conflicts to drop (unless listed anew)
        self.stored_ids: set[str] | None = None  # the ids of the stored conflicts, read when first needed

    def add(self, name: str, row_id: str, field_: str, kind: str, winner: Listed, loser: Listed) -> None:
        key = f"{name}:{row_id}:{field_}"
        entry = self.found.get(key) or Found(name, row_id, field_, kind, winner)
        self.found[key] = replace(
            entry,
            winner=max(entry.winner, winner, key=_newest),
            losers=entry.losers if loser in entry.losers else (*entry.losers, loser),
            kind=kind if kind != "field" else entry.kind,
        )

    def gone(self, tombstones: dict[tuple[str, str], Version], rows: _Rows) -> None:
        """Conflicts about records now deleted become "changed after it was deleted": the delete is in
        force, and the values written without knowing of it (newer than anything a deleter had seen)
        are listed as lost.  Values some deleter had seen were deleted knowingly: not a conflict."""
        seen = rows.seen
        for (name, row_id), version in tombstones.items():
            stored = self.connection.execute(
                text("SELECT id, field, winner, losers FROM sync_conflict WHERE table_name = :t AND row_id = :r"),
                {"t": name, "r": row_id},
            ).all()
            for key, field_, stored_winner, stored_losers in stored:
                winner = Listed.from_json(json.loads(stored_winner))
                losers = _listed_values(stored_losers)
                found = self.found.get(key)
                if found is not None and found.kind == "twice":
                    losers = (*losers, *found.losers)
                if self._twin_deleted(name, row_id, key, field_, winner, losers, version, rows):
                    continue
                self.found.setdefault(key, Found(name, row_id, field_, "deleted", _entry("deleted", version)))
                for value in (winner, *losers):
                    if value.value != "deleted":
                        self.add(name, row_id, field_, "deleted", _entry("deleted", version), value)
                self.found[key] = replace(self.found[key], replace=True)
        for key in list(self.found):
            entry = self.found[key]
            row = (entry.table_name, entry.row_id)
            deleted = tombstones.get(row)
            if deleted is None or entry.twin_deleted:
                continue
            if entry.kind == "twice" and self._twin_deleted(
                *row, key, entry.field, entry.winner, entry.losers, deleted, rows
            ):
                continue
            old = entry.winner
            losers = (*entry.losers, old) if old.value != "deleted" and old not in entry.losers else entry.losers
            self.found[key] = replace(
                entry,
                kind="deleted",
                winner=_entry("deleted", deleted),
                losers=tuple(loser for loser in losers if loser.hlc > seen.get(row, 0)),
                replace=True,
            )

    def _twin_deleted(
        self,
        name: str,
        row_id: str,
        key: str,
        field_: str,
        winner: Listed,
        losers: tuple[Listed, ...],
        version: Version,
        rows: _Rows,
    ) -> bool:
        """A record kept of two entered on two computers (kind "twice") is deleted: what its twin brought
        becomes "the twin was created after the delete" (``*`` on the twin, as a store that received the
        delete first lists it); or, when it lost its place to a third (``moved_to``), the twin is listed
        against that one, as if the two had met first.  The twice conflict goes.  False when the conflict
        is not of that kind."""
        twins = [(entry.row, entry.version) for entry in losers if entry.row]
        if not twins:
            return False
        moved_to = rows.displaced.get((name, row_id))
        for twin_id, twin_version in twins:
            if moved_to is not None:
                self.relist(rows, name, moved_to, twin_id, twin_version)
            elif twin_version[0] > rows.twin_seen(name, twin_id):
                self.add(name, twin_id, "*", "deleted", _entry("deleted", version), _entry("", twin_version))
        existing = self.found.get(key)
        if existing is not None and existing.kind != "twice":  # the record's own "*" listed by its delete
            self.found[key] = replace(
                existing, losers=tuple(entry for entry in existing.losers if not entry.row), replace=True
            )
            return True
        self.found[key] = Found(name, row_id, field_, "twice", winner, replace=True, twin_deleted=True)
        return True

    def relist(self, rows: _Rows, name: str, winner_id: str, loser_id: str, loser_version: Version) -> None:
        """The fields ``loser_id`` was created with that differ from those ``winner_id`` was created with."""
        if loser_id == winner_id:
            return
        winner_row = rows.get(name, winner_id)
        created = tuple(read_versions(winner_row[change_log.VERSIONS]).get("*") or (0, "")) if winner_row else (0, "")
        winner_values = _creation_values(self.connection, name, winner_id, created) or {}
        loser_values = _creation_values(self.connection, name, loser_id, loser_version) or {}
        self.twice(name, winner_id, winner_values, (int(created[0]), created[1]), loser_id, loser_values, loser_version)

    def twice(
        self,
        name: str,
        winner_id: str,
        winner_values: dict,
        winner_version: Version,
        loser_id: str,
        loser_values: dict,
        loser_version: Version,
    ) -> None:
        """List a one-of record entered twice: on the one kept, each field the two were created with
        differently, and the record itself (``*``: settled from the start when nothing differs; it
        remembers the twin, for when the kept one is deleted or loses its place)."""
        keys = {column for columns in natural_keys()[name] for column in columns}
        for field_ in change_log.fields(name):
            if field_ in STAMP_FIELDS or field_ in keys or winner_values.get(field_) == loser_values.get(field_):
                continue
            self.add(
                name,
                winner_id,
                field_,
                "twice",
                _entry(winner_values.get(field_), winner_version),
                _entry(loser_values.get(field_), loser_version, row=loser_id),
            )
        self.add(name, winner_id, "*", "twice", _entry("", winner_version), _entry("", loser_version, row=loser_id))

    def _about(self, name: str, row_id: str) -> dict[str, Found]:
        """The conflicts about a record, stored and found in this change set, by id."""
        listed = {
            key: Found(name, row_id, field_, kind, Listed.from_json(json.loads(winner)), _listed_values(losers))
            for key, field_, kind, winner, losers in self.connection.execute(
                text("SELECT id, field, kind, winner, losers FROM sync_conflict WHERE table_name = :t AND row_id = :r"),
                {"t": name, "r": row_id},
            )
        }
        for key, entry in self.found.items():
            if (entry.table_name, entry.row_id) == (name, row_id):
                stored = listed[key].losers if key in listed else ()
                listed[key] = replace(
                    entry, losers=(*entry.losers, *(loser for loser in stored if loser not in entry.losers))
                )
        return listed

    def _listed(self, name: str, row_id: str, field_: str) -> Found | None:
        """The conflict about one field, stored or found in this change set; None (cheaply) when none is."""
        key = f"{name}:{row_id}:{field_}"
        if self.stored_ids is None:
            self.stored_ids = set(self.connection.execute(text("SELECT id FROM sync_conflict")).scalars())
        if key not in self.found and key not in self.stored_ids:
            return None
        return self._about(name, row_id).get(key)

    def _keep(self, key: str, entry: Found, losers: tuple[Listed, ...], winner: Listed | None = None) -> None:
        """The conflict ``key`` with only these values listed (and ``winner``); gone when none is left."""
        if losers:
            self.found[key] = replace(entry, winner=winner or entry.winner, losers=losers, replace=True)
        else:
            self.found.pop(key, None)
            self.forgotten.add(key)

    def forget_twin(self, name: str, kept_id: str, twin_id: str) -> None:
        """``twin_id``, set aside for ``kept_id``, was deleted by its author: what it was listed for on the one
        kept goes (where it arrived deleted, the two never met)."""
        for key, entry in self._about(name, kept_id).items():
            losers = tuple(loser for loser in entry.losers if loser.row != twin_id)
            if losers != entry.losers:
                self._keep(key, entry, losers)

    def retract(self, name: str, row_id: str, field_: str, version: Version) -> None:
        """An edit based on ``version`` arrived: that value was replaced by an author who knew it, so it is
        nobody's value any more and no longer listed as one that lost (where the two arrived the other way
        round, it was replaced before it could lose; the new edit is compared in its place)."""
        entry = self._listed(name, row_id, field_)
        if entry is None:
            return
        losers = tuple(loser for loser in entry.losers if loser.row or loser.version != version)
        if losers != entry.losers:
            self._keep(f"{name}:{row_id}:{field_}", entry, losers)

    def rewin(self, name: str, row_id: str, field_: str, winner: Listed) -> None:
        """An edit made on top of the value in force of a field in conflict (its author knew that value, not
        the others listed): it is the value in force now, and the values listed stay listed against it,
        unless equal to it (as where they arrived after it)."""
        entry = self._listed(name, row_id, field_)
        if entry is None or entry.kind != "field":
            return
        losers = tuple(loser for loser in entry.losers if loser.value != winner.value)
        self._keep(f"{name}:{row_id}:{field_}", entry, losers, winner=winner)

    def forget_row(self, name: str, row_id: str) -> None:
        """Everything listed about a record goes (it is applied again from its journal, which lists anew)."""
        for key in self._about(name, row_id):
            self.found.pop(key, None)
            self.forgotten.add(key)

    def write(self, now: dt.datetime, settled: dict[str, set[Version]]) -> list[str]:
        """Store the conflicts found; one a person decided in the same change set (every value listed among
        those the decision names, ``conflicts.resolve``) is stored as resolved."""
        opened = []
        for key in sorted(self.forgotten):
            if key in self.found:
                self.found[key] = replace(self.found[key], replace=True)
            else:
                self.connection.execute(text("DELETE FROM sync_conflict WHERE id = :id"), {"id": key})
        for key, entry in sorted(self.found.items(), key=lambda item: item[0]):
            row = self.connection.execute(
                text("SELECT winner, losers, status FROM sync_conflict WHERE id = :id"), {"id": key}
            ).first()
            losers = list(entry.losers)
            winner = entry.winner
            if entry.replace:  # a deleted record's conflict, recomputed whole by ``gone``
                if not losers:
                    self.connection.execute(text("DELETE FROM sync_conflict WHERE id = :id"), {"id": key})
                    continue
                row = None
            if row is not None:
                old_losers = list(_listed_values(row[1]))
                old_winner = Listed.from_json(json.loads(row[0]))
                winner = max(old_winner, winner, key=_newest)
                losers = old_losers + [loser for loser in losers if loser not in old_losers]
                losers = [loser for loser in losers if loser != winner]
                if losers == old_losers and winner == old_winner:
                    continue
            losers = sorted(losers, key=_newest)
            status = (
                "resolved"
                if _decided(settled.get(key), losers) or (entry.kind == "twice" and entry.field == "*")
                else "open"
            )
            self.connection.execute(
                text(
                    "INSERT INTO sync_conflict (id, table_name, row_id, field, kind, winner, losers, status, detected_at, "
                    "resolved_at) VALUES (:id, :t, :r, :f, :k, :w, :l, :st, :at, :done) ON CONFLICT(id) DO UPDATE SET "
                    "winner = excluded.winner, losers = excluded.losers, status = excluded.status, "
                    "resolved_at = excluded.resolved_at, "
                    "kind = CASE WHEN excluded.kind != 'field' THEN excluded.kind ELSE sync_conflict.kind END"
                ),
                {
                    "id": key,
                    "t": entry.table_name,
                    "r": entry.row_id,
                    "f": entry.field,
                    "k": entry.kind,
                    "w": json.dumps(winner.to_json(), ensure_ascii=False),
                    "l": json.dumps([loser.to_json() for loser in losers], ensure_ascii=False),
                    "at": now,
                    "st": status,
                    "done": now if status == "resolved" else None,
                },
            )
            if status == "open":
                opened.append(key)
        return opened


def _decided(named: set[Version] | None, losers: Iterable[Listed]) -> bool:
    """Every value listed is among those a person decided between."""
    if not named:
        return False
    return all(loser.version in named for loser in losers)


def _entry(value: Any, version: Version | None, row: str | None = None) -> Listed:
    hlc, device = version or (0, "")
    return Listed(value, hlc, device, row)


def apply_staged(session: Session, outcome: Outcome | None = None) -> Outcome:
    """Apply the staged changes (``staging.stage``, checked by ``staged_fork``) in the session's transaction.

    Households created in bulk are written with the derived columns computed from the bundle's records as it
    was staged (``staging._derive_new_households``), so that ``finish`` has nothing to compute for them."""
    outcome = outcome or Outcome()
    connection = session.connection()
    total = connection.exec_driver_sql("SELECT count(*) FROM sync_incoming").scalar_one()
    connection.exec_driver_sql("DELETE FROM sync_incoming AS i WHERE NOT " + _NOT_HELD)
    fresh_count, newest = connection.exec_driver_sql("SELECT count(*), max(hlc) FROM sync_incoming").one()
    outcome.skipped += total - fresh_count
    if not fresh_count:
        return outcome
    connection.execute(text("PRAGMA defer_foreign_keys = ON"))
    connection.exec_driver_sql(
        f"INSERT INTO change_log ({', '.join(staging.COLUMNS)}) SELECT {', '.join(staging.COLUMNS)} FROM sync_incoming"
    )
    change_log.observe_hlc(connection, newest)
    _create_in_bulk(connection, outcome)
    rest = staged_changes(connection, "i.rowid NOT IN (SELECT staged FROM sync_bulk)")
    rest.sort(key=lambda c: (c.hlc, c.origin, c.seq))
    rows = _Rows(session, rest)
    rows.deletes_seen = {(c.table, c.row_id): _seen(c) for c in rest if c.op == "delete"}
    conflicts = _Conflicts(connection)
    new_tombstones: dict[tuple[str, str], Version] = {}
    for change in rest:
        if change.op == "delete":
            _delete(rows, change, conflicts, new_tombstones)
        else:
            _upsert(rows, change, conflicts, new_tombstones)
    _write(connection, rows, new_tombstones, outcome)
    outcome.applied += fresh_count
    now = utcnow()
    for key in sorted(set(rows.settled) - set(conflicts.found)):
        stored = connection.execute(
            text("SELECT losers FROM sync_conflict WHERE id = :id AND status = 'open'"), {"id": key}
        ).first()
        if stored is not None and _decided(rows.settled[key], _listed_values(stored[0])):
            connection.execute(
                text("UPDATE sync_conflict SET status = 'resolved', resolved_at = :now WHERE id = :id"),
                {"now": now, "id": key},
            )
    in_conflict = {(entry.table_name, entry.row_id) for entry in conflicts.found.values()}
    conflicts.gone(
        {key: version for key, version in rows.tombstones.items() if key in new_tombstones or key in in_conflict}, rows
    )
    outcome.conflicts.extend(conflicts.write(now, rows.settled))
    return outcome


def _create_in_bulk(connection, outcome: Outcome) -> None:
    """The common case of an import, new records, done by SQLite itself: a change that creates a record
    (all its fields, read out of its JSON already in ``incoming.new_<table>``), the only change of that
    record in the bundle, of a record not stored (the insert leaves it out), not deleted and whose parent
    is neither.  Marks them in ``temp.sync_bulk``; the merge does the others."""
    connection.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS sync_bulk (staged INTEGER PRIMARY KEY)")
    connection.exec_driver_sql("DELETE FROM sync_bulk")
    tables = change_log.tracked_tables()
    # Deletes (stored or staged) are rare: the checks for them are left out where there are none.
    deleted = {
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT DISTINCT table_name FROM tombstone UNION SELECT DISTINCT table_name FROM sync_incoming "
            "WHERE op = 'delete'"
        )
    }
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        new = f"new_{table.name}"
        parents = "".join(
            f" AND NOT EXISTS (SELECT 1 FROM tombstone WHERE table_name = '{parent}' AND row_id = n.{column})"
            f" AND NOT EXISTS (SELECT 1 FROM sync_incoming d WHERE d.table_name = '{parent}' AND d.op = 'delete'"
            f" AND d.row_id = n.{column})"
            for column, parent in _PARENTS
            if column in table.c and parent in deleted
        )
        chosen = connection.exec_driver_sql(
            f"INSERT INTO sync_bulk SELECT n.staged FROM {new} n JOIN sync_incoming i ON i.rowid = n.staged "
            "WHERE n.alone"
            + (
                f" AND NOT EXISTS (SELECT 1 FROM tombstone WHERE table_name = '{table.name}' AND row_id = i.row_id)"
                if table.name in deleted
                else ""
            )
            + parents
        ).rowcount
        if not chosen:
            continue
        columns = staging.new_record_columns(table.name)
        # Derived columns start at their defaults; ``finish`` computes them.
        derived = {
            column.name: column.default.arg
            for column in table.columns
            if column.name not in columns
            and column.name not in ("id", change_log.VERSIONS)
            and isinstance(column.default, ColumnDefault)
            and not callable(column.default.arg)
        }
        names = ", ".join([*columns, *derived])
        household = table.name == "household"
        reads = ", ".join(
            [
                *(f"n.{name}" for name in columns),
                *(_derived_read(name) if household and name in _DERIVED else f":d_{name}" for name in derived),
            ]
        )
        chosen_rows = (
            f"FROM {new} n JOIN sync_bulk b ON b.staged = n.staged JOIN sync_incoming c ON c.rowid = n.staged "
        )
        # A record already here (the same id: a store journalled when sync came, say) or a one-of record
        # (``natural_keys``) already here under another id is left out (OR IGNORE: the indexes look, once) and
        # goes to the merge; the count of rows written tells whether there was any.
        written = connection.execute(
            text(
                f"INSERT OR IGNORE INTO {table.name} ({names}, id, {change_log.VERSIONS}) "
                f"SELECT {reads}, c.row_id, json_object('*', json_array(c.hlc, c.origin_device)) "
                + chosen_rows
                + (
                    "LEFT JOIN new_household_derived h ON h.id = c.row_id LEFT JOIN villager_group g ON g.id = "
                    "n.group_id LEFT JOIN village v ON v.id = g.village_id"
                    if household
                    else ""
                )
            ),
            {f"d_{name}": value for name, value in derived.items()},
        ).rowcount
        if written < chosen:  # the ones left out: no row of theirs carries their creation's version
            connection.exec_driver_sql(
                f"DELETE FROM sync_bulk WHERE staged IN (SELECT n.staged {chosen_rows} WHERE NOT EXISTS "
                f"(SELECT 1 FROM {table.name} t WHERE t.id = c.row_id AND t.{change_log.VERSIONS} = "
                "json_object('*', json_array(c.hlc, c.origin_device))))"
            )
        outcome.new[table.name] += written
        if table.name == "household":
            created = set(connection.exec_driver_sql(f"SELECT c.row_id {chosen_rows}").scalars())
            outcome.households |= created
            outcome.prefilled |= created
        elif "household_id" in table.c:  # the households of records created under them
            outcome.households.update(
                household
                for household in connection.exec_driver_sql(f"SELECT DISTINCT n.household_id {chosen_rows}").scalars()
                if household
            )


# The derived columns of a household created in bulk, as ``staging._derive_new_households`` computed them.
_DERIVED = (*staging.DERIVED_HERE, "list_key")


def _derived_read(name: str) -> str:
    """How the bulk insert reads a household's derived column ``name`` (``h``: its row of
    ``new_household_derived``, ``v`` and ``g``: its village and group as stored here)."""
    from xinjie_desktop.core.records.households import list_key

    if name != "list_key":
        return f"coalesce(h.{name}, :d_{name})"
    assert list_key("a", "b", "c") == "a\x1fb\x1fc", "list_key is village, group and head between unit separators"
    return "coalesce(v.name, '') || char(31) || coalesce(g.name, '') || char(31) || coalesce(h.head_name, '')"


def _seen(change: Change) -> int:
    """The newest version the author of a delete had seen of the record (its ``bases``)."""
    try:
        return int(json.loads(change.bases or "{}").get("seen", change.hlc))
    except (ValueError, TypeError, AttributeError):
        return change.hlc


def _tombstone(
    rows: _Rows, key: tuple[str, str], version: Version, seen: int, new_tombstones: dict, settled_by: str | None = None
) -> None:
    """Delete a record (``settled_by``: set it aside for that one, see ``_entered_twice``)."""
    rows.settled_by[key] = settled_by
    best = max(version, rows.tombstones.get(key, version))
    rows.tombstones[key] = best
    rows.seen[key] = max(seen, rows.seen.get(key, seen))  # what any of its deleters knew
    new_tombstones[key] = best
    rows.rows[key] = None


def _is_signed_agreement(row: dict | None) -> bool:
    return row is not None and row.get("status") in ("signed", "voided")


def _delete(rows: _Rows, change: Change, conflicts: _Conflicts, new_tombstones: dict) -> None:
    key = (change.table, change.row_id)
    row = rows.get(*key)
    victims = [key, *rows.children(*key)] if row is not None else [key]
    kept = [victim for victim in victims if victim[0] == "agreement" and _is_signed_agreement(rows.get(*victim))]
    if kept:
        # A signed agreement is never deleted, nor is what it belongs to: the delete is listed instead.
        conflicts.add(
            change.table, change.row_id, "*", "signed", _entry("kept", None), _entry("deleted", change.version)
        )
        return
    seen = _seen(change)
    set_aside_for = rows.settled_by.get(key) if row is None else None
    for victim in victims:
        # A record the deleter knew has its own delete in the same change set (a delete journals the records
        # hanging from it), with what it had seen of it; one hanging from it that it did not know is listed
        # whole, as one created under a deleted record is (``_upsert``).
        victim_seen = seen if victim == key else rows.deletes_seen.get(victim, 0)
        current = rows.get(*victim)
        if current is not None:
            # Edits the deleter had not seen are listed, so a delete never silently swallows them.
            versions = read_versions(current.get(change_log.VERSIONS))
            default = versions.get("*")
            for field_ in rows.tables[victim[0]].c.keys():
                entry = versions.get(field_) or (default if field_ == "created_at" else None)
                if entry and int(entry[0]) > victim_seen and field_ not in STAMP_FIELDS - {"created_at"}:
                    label = "*" if field_ == "created_at" else field_
                    value = "" if field_ == "created_at" else change_log.to_json(current.get(field_))
                    conflicts.add(
                        victim[0],
                        victim[1],
                        label,
                        "deleted",
                        _entry("deleted", change.version),
                        _entry(value, (int(entry[0]), entry[1])),
                    )
        _tombstone(rows, victim, change.version, victim_seen, new_tombstones)
    if set_aside_for:
        # Deleted by its author, set aside here for another: as where it arrived deleted, nothing to list.
        conflicts.forget_twin(change.table, set_aside_for, change.row_id)
    elif row is not None and change.table in SETTLED_TWICE and _household_stays(rows, row):
        _revive(rows, change.table, change.row_id, conflicts, new_tombstones)


def _household_stays(rows: _Rows, record: dict) -> bool:
    household = record.get("household_id")
    if not household:
        return False
    return rows.get("household", household) is not None and (("household", household) not in rows.deletes_seen)


def _revive(rows: _Rows, name: str, gone_id: str, conflicts: _Conflicts, new_tombstones: dict) -> None:
    """A one-of record deleted on its own (a year's income worksheet cleared) gives its place to the lowest
    of those set aside for it, as in a store where that one arrived after the delete: it comes back with
    its whole journal applied, the others are set aside for it, and what was listed is listed against it."""
    waiting = rows.set_aside(name, gone_id)
    if not waiting:
        return
    heir, *others = waiting
    key = (name, heir)
    for held in (rows.tombstones, rows.seen, rows.settled_by, new_tombstones):
        held.pop(key, None)
    rows.revived.add(key)
    rows.rows[key] = None
    conflicts.forget_row(name, heir)  # its edits listed while it was set aside: applied now
    rows.displaced[(name, gone_id)] = heir  # the listings of the one deleted move to the heir (``gone``)
    for other in others:
        rows.settled_by[(name, other)] = heir
        new_tombstones[(name, other)] = rows.tombstones[(name, other)]
    journal = [
        Change(*row)
        for row in rows.connection.execute(
            text(
                f"SELECT {', '.join(staging.COLUMNS)} FROM change_log WHERE table_name = :t AND row_id = :r "
                "AND op = 'upsert' ORDER BY hlc, origin_device, seq"
            ),
            {"t": name, "r": heir},
        )
    ]
    for change in journal:
        _upsert(rows, change, conflicts, new_tombstones)
    for other in others:  # listed against the heir, as where they met it first
        conflicts.relist(rows, name, heir, other, rows.tombstones[(name, other)])


def _upsert(rows: _Rows, change: Change, conflicts: _Conflicts, new_tombstones: dict) -> None:
    key = (change.table, change.row_id)
    payload = json.loads(change.payload)
    bases = json.loads(change.bases or "{}")
    table = rows.tables[change.table]
    for field_, base in bases.items():
        if field_ in table.c and field_ not in STAMP_FIELDS and isinstance(base, list):
            conflicts.retract(change.table, change.row_id, field_, (int(base[0]), str(base[1])))
    tomb = rows.tombstones.get(key)
    if tomb is None:
        for column, parent_table in _PARENTS:
            parent_id = payload.get(column)
            if parent_id and (parent_table, parent_id) in rows.tombstones:
                # Made under a deleted record by someone who did not know of the delete, and not known to its
                # deleters either (they would have deleted it too): listed whole, the delete in force.
                tomb = rows.tombstones[(parent_table, parent_id)]
                _tombstone(rows, key, tomb, 0, new_tombstones)
                break
    if tomb is not None:
        if change.hlc > rows.seen.get(key, tomb[0]):  # written without knowing of the delete
            for field_, value in payload.items():
                if field_ not in STAMP_FIELDS:
                    label = "*" if "created_at" in payload else field_
                    conflicts.add(
                        change.table,
                        change.row_id,
                        label,
                        "deleted",
                        _entry("deleted", tomb),
                        _entry("" if label == "*" else value, change.version),
                    )
        return
    current = rows.get(*key)
    if current is None:
        if "created_at" not in payload:
            return  # a later change of a record this store never received (outside its villages)
        if change.table in SETTLED_TWICE:
            rival = rows.rival(change.table, payload, change.row_id)
            if rival is not None and _entered_twice(rows, change, payload, rival, conflicts, new_tombstones):
                return
        record: dict[str, Any] = {column.name: None for column in table.columns}
        for table_column in table.columns:
            if table_column.name in payload:
                record[table_column.name] = from_json(table_column, payload[table_column.name])
            elif isinstance(table_column.default, ColumnDefault) and not callable(table_column.default.arg):
                record[table_column.name] = table_column.default.arg
        record["id"] = change.row_id
        record[change_log.VERSIONS] = write_versions({"*": list(change.version)})
        rows.rows[key] = record
        rows.dirty[key].update(record)
        return
    versions = read_versions(current.get(change_log.VERSIONS))
    if change.table == "agreement" and _agreement_rule(rows, key, current, versions, change, payload, conflicts):
        return
    changed = False
    for field_, value in payload.items():
        if field_ not in table.c:
            continue
        held_version = version_of(versions, field_)
        held_value = change_log.to_json(current.get(field_))
        incoming = change.version
        if held_version is not None and incoming == held_version:
            continue
        differs = held_value != value
        if held_version is None or incoming > held_version:
            base = bases.get(field_)
            if (
                differs
                and held_version is not None
                and field_ not in STAMP_FIELDS
                and (base is None or tuple(base) != held_version)
            ):
                conflicts.add(
                    change.table,
                    change.row_id,
                    field_,
                    "field",
                    _entry(value, incoming),
                    _entry(held_value, held_version),
                )
            elif base is not None and held_version is not None and tuple(base) == held_version:
                key_ = f"{change.table}:{change.row_id}:{field_}"
                decided = bases.get(f"{field_}+")
                if isinstance(decided, list):  # a person chose between the values listed (conflicts.resolve)
                    rows.settled.setdefault(key_, set()).update((int(v[0]), str(v[1])) for v in decided)
                else:  # an edit on top of the value in force: the values it did not know of stay listed
                    conflicts.rewin(change.table, change.row_id, field_, _entry(value, incoming))
            current[field_] = from_json(table.c[field_], value)
            versions[field_] = list(incoming)
            rows.dirty[key].add(field_)
            changed = True
        elif (
            differs
            and field_ not in STAMP_FIELDS
            and not _replaced_knowingly(rows.connection, key, field_, held_version, incoming, value)
        ):
            conflicts.add(
                change.table, change.row_id, field_, "field", _entry(held_value, held_version), _entry(value, incoming)
            )
    if changed:
        current[change_log.VERSIONS] = write_versions(change_log.compact(versions))
        rows.dirty[key].add(change_log.VERSIONS)


def _replaced_knowingly(connection, key: tuple[str, str], field_: str, held: Version, late: Version, value) -> bool:
    """An older edit arriving after the value in force (``held``): was its value, written by another
    author at the same time as an earlier value of the chain in force, already the value that chain replaced
    knowingly?  (Two computers set the same number; one changes it again: in the store that received the
    other's first, the equal value lost silently and the change after it was an informed one; so it is here.)
    Walks the field's versions back through each edit's ``bases`` while they are not older than ``late``."""
    version: Version | None = held
    while version is not None and version >= late:
        if version == late:  # the late edit itself is in the chain: its value was replaced knowingly
            return True
        journalled = _journalled(connection, key[0], key[1], version)
        if journalled is None:
            return False
        payload, bases = journalled
        if version != held and payload.get(field_) == value:
            return True
        base = bases.get(field_)
        version = (int(base[0]), str(base[1])) if base else None
    return False


# One-of records (``natural_keys``) the merge settles itself when two computers each created one: of those
# not deleted, the lowest id keeps the place in every store, whatever the order they arrive in; the others
# are set aside (``tombstone.settled_by``).  A step or a verification is deleted only with its household; a
# year's income worksheet can be cleared and entered again: the one kept, deleted on its own, gives the place
# to the lowest set aside for it (``_revive``), and one set aside that its author deletes is forgotten.  An
# agreement's number is not settled: the bundle is refused with what to do (``bundles``).
SETTLED_TWICE = ("workflow_step", "relocation_verification", "income_worksheet")


def _entered_twice(
    rows: _Rows, change: Change, payload: dict, rival_id: str, conflicts: _Conflicts, new_tombstones: dict
) -> bool:
    """The record ``change`` creates and ``rival_id`` (held) are the same one-of record, entered on two
    computers.  The lower id stays; the other is deleted (its own creation version, so every store
    deletes it alike), and each field where the two were entered differently is listed on the one that
    stays (kind "twice"), to be settled by a person.  Returns True when the incoming record lost."""
    table = change.table
    rival = rows.rows[(table, rival_id)]
    assert rival is not None, "rows.rival found it"
    rival_created = tuple(read_versions(rival.get(change_log.VERSIONS)).get("*") or (0, ""))
    rival_values = _creation_values(rows.connection, table, rival_id, rival_created) or {
        name: change_log.to_json(rival.get(name)) for name in change_log.fields(table)
    }
    entered = {
        change.row_id: (payload, change.version),
        rival_id: (rival_values, (int(rival_created[0]), rival_created[1])),
    }
    winner_id, loser_id = sorted(entered)
    (winner_values, winner_version), (loser_values, loser_version) = entered[winner_id], entered[loser_id]
    conflicts.twice(table, winner_id, winner_values, winner_version, loser_id, loser_values, loser_version)
    if loser_id == rival_id:  # edits it had by now, as if they had come after the delete (the other order)
        rows.displaced[(table, rival_id)] = change.row_id
        for other in rows.set_aside(table, rival_id):  # those set aside for it are set aside for the new one
            rows.settled_by[(table, other)] = change.row_id
            new_tombstones[(table, other)] = rows.tombstones[(table, other)]
        versions = read_versions(rival.get(change_log.VERSIONS))
        for name, entry in versions.items():
            if name != "*" and name not in STAMP_FIELDS and int(entry[0]) > loser_version[0]:
                conflicts.add(
                    table,
                    loser_id,
                    name,
                    "deleted",
                    _entry("deleted", loser_version),
                    _entry(change_log.to_json(rival.get(name)), (int(entry[0]), entry[1])),
                )
    _tombstone(rows, (table, loser_id), loser_version, loser_version[0], new_tombstones, settled_by=winner_id)
    return loser_id == change.row_id


def _creation_values(connection, table: str, row_id: str, created) -> dict | None:
    """The fields a record was created with (its first journalled change), if the journal has it."""
    if not created or not created[1]:
        return None
    journalled = _journalled(connection, table, row_id, (int(created[0]), str(created[1])))
    return journalled[0] if journalled is not None else None


def _journalled(connection, table: str, row_id: str, version: Version) -> tuple[dict, dict] | None:
    """The payload and bases of the edit of a record with this version, if the journal has it."""
    row = connection.execute(
        text(
            "SELECT payload, bases FROM change_log WHERE origin_device = :d AND hlc = :h AND table_name = :t "
            "AND row_id = :r AND op = 'upsert' ORDER BY seq LIMIT 1"
        ),
        {"d": version[1], "h": version[0], "t": table, "r": row_id},
    ).first()
    return (json.loads(row[0]), json.loads(row[1] or "{}")) if row is not None else None


def _agreement_rule(
    rows: _Rows, key, current: dict, versions: dict, change: Change, payload: dict, conflicts: _Conflicts
) -> bool:
    """AG-1: returns True when the agreement rule decided the change (see the module's notes)."""
    status = current.get("status")
    incoming_status = payload.get("status")
    table = rows.tables["agreement"]
    if status == "draft" and incoming_status == "signed":
        bases = json.loads(change.bases or "{}")
        for field_, value in payload.items():
            if field_ in table.c:
                held = change_log.to_json(current.get(field_))
                held_version = version_of(versions, field_)
                # A draft value the signer had before them (the signing's base) was replaced knowingly: the
                # signed value is its next edit, not a rival (a draft, then its signing, arriving together
                # on a new laptop listed the draft's empty signed PDF as "changed after signing").
                base = bases.get(field_)
                knew = isinstance(base, list) and held_version == (int(base[0]), str(base[1]))
                if held != value and field_ not in STAMP_FIELDS and field_ != "status" and not knew:
                    conflicts.add(
                        "agreement",
                        key[1],
                        field_,
                        "signed",
                        _entry(value, change.version),
                        _entry(held, held_version),
                    )
                current[field_] = from_json(table.c[field_], value)
                rows.dirty[key].add(field_)
        current[change_log.VERSIONS] = write_versions({"*": list(change.version)})
        rows.dirty[key].add(change_log.VERSIONS)
        return True
    if status not in ("signed", "voided"):
        return False
    may_change = _AGREEMENT_VOID_FIELDS if status == "signed" and incoming_status == "voided" else frozenset()
    refused = {
        f: v
        for f, v in payload.items()
        if f in table.c and f not in may_change and f not in STAMP_FIELDS and change_log.to_json(current.get(f)) != v
    }
    for field_, value in refused.items():
        conflicts.add(
            "agreement",
            key[1],
            field_,
            "signed",
            _entry(change_log.to_json(current.get(field_)), version_of(versions, field_)),
            _entry(value, change.version),
        )
    if may_change:
        for field_ in (*may_change, *STAMP_FIELDS):
            if field_ in payload:
                current[field_] = from_json(table.c[field_], payload[field_])
                versions[field_] = list(change.version)
                rows.dirty[key].add(field_)
        current[change_log.VERSIONS] = write_versions(change_log.compact(versions))
        rows.dirty[key].add(change_log.VERSIONS)
    return True


def _write(connection, rows: _Rows, new_tombstones: dict, outcome: Outcome) -> None:
    order = [table.name for table in Base.metadata.sorted_tables if table.name in rows.tables]
    deletes: dict[str, list[str]] = defaultdict(list)
    inserts: dict[str, list[dict]] = defaultdict(list)
    updates: dict[tuple[str, tuple[str, ...]], list[dict]] = defaultdict(list)
    for key, row in rows.rows.items():
        name, row_id = key
        before = rows.original.get(key)
        if row is None:
            if before is not None:
                deletes[name].append(row_id)
                outcome.deleted[name] += 1
                if before.get("household_id"):
                    outcome.households.add(before["household_id"])
                    outcome.slow_households.add(before["household_id"])
            continue
        if key not in rows.dirty:
            continue
        household = row_id if name == "household" else row.get("household_id")
        if household:
            outcome.households.add(household)
            outcome.slow_households.add(household)
        if before is None:
            inserts[name].append(row)
            outcome.new[name] += 1
        else:
            columns = tuple(sorted(rows.dirty[key]))
            updates[(name, columns)].append({**{c: row[c] for c in columns}, "id": row_id})
            outcome.changed[name] += 1
    for name in reversed(order):
        ids = deletes.get(name, [])
        for start in range(0, len(ids), 500):
            table = rows.tables[name]
            connection.execute(table.delete().where(table.c.id.in_(ids[start : start + 500])))
    for name in order:
        if inserts.get(name):
            connection.execute(rows.tables[name].insert(), inserts[name])
    for (name, columns), values in updates.items():
        table = rows.tables[name]
        statement = (
            table.update().where(table.c.id == bindparam("row_id")).values({c: bindparam(f"new_{c}") for c in columns})
        )
        connection.execute(statement, [{"row_id": v["id"], **{f"new_{c}": v[c] for c in columns}} for v in values])
    for name, row_id in sorted(rows.revived - set(new_tombstones)):
        connection.execute(
            text("DELETE FROM tombstone WHERE table_name = :t AND row_id = :r"), {"t": name, "r": row_id}
        )
    change_log.write_tombstones(
        connection,
        [
            {
                "table_name": name,
                "row_id": row_id,
                "hlc": version[0],
                "device_id": version[1],
                "seen_hlc": rows.seen.get((name, row_id), 0),
                "settled_by": rows.settled_by.get((name, row_id)),
            }
            for (name, row_id), version in new_tombstones.items()
        ],
    )
    # Household ids of records deleted here no longer need refreshing, unless they survive.
    outcome.households = {h for h in outcome.households if rows.rows.get(("household", h), True) is not None}


def finish(session: Session, outcome: Outcome, params) -> None:
    """After ``apply``: recompute the derived columns of the households touched (and of those sharing
    an ID number with them), and list an ID number held by two households as a possible duplicate.

    Households created whole by this import and touched by nothing else in it were written with their
    derived columns computed here from the bundle's records (``apply_staged``): taken as they are (see
    ``households.refresh_many``)."""
    from xinjie_desktop.core.records import households

    if not outcome.households:
        return
    session.info[change_log.APPLYING] = True
    try:
        computed = outcome.prefilled - outcome.slow_households
        shared = households.refresh_many(session, outcome.households, params, computed)
    finally:
        session.info.pop(change_log.APPLYING, None)
    connection = session.connection()
    now = utcnow()
    for number, holders in sorted(shared.items()):
        if not holders & outcome.households:
            continue
        listed = json.dumps(sorted(holders))
        row = connection.execute(
            text("SELECT household_ids FROM possible_duplicate WHERE id_number = :n"), {"n": number}
        ).first()
        if row is not None and row[0] == listed:
            continue
        connection.execute(
            text(
                "INSERT INTO possible_duplicate (id_number, household_ids, status, note, detected_at) "
                "VALUES (:n, :h, 'open', '', :at) ON CONFLICT(id_number) DO UPDATE SET household_ids = excluded.household_ids, "
                "status = 'open', detected_at = excluded.detected_at"
            ),
            {"n": number, "h": listed, "at": now},
        )
        outcome.duplicates.append(number)
