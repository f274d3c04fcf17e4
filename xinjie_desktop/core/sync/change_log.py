"""Change tracking for sync (issue 5): every write to a travelling record is journalled.

Clocks on village laptops cannot be trusted, so nothing depends on them.  Every change gets a
version ``(hlc, device)``: ``hlc`` is a hybrid logical clock (milliseconds, but always above every
version this store has written or received, so it goes up even when the clock goes back), and the
device id breaks ties, so every store orders two versions the same way.  Each device also numbers
its changes 1, 2, 3, … without gaps (``seq``): bundles, receipts and gap detection count in it.

Versions are kept **per field**: a record's ``sync_versions`` column holds ``{"*": [hlc, device]}``
(the version of every field) plus one entry for each field changed later.  Two laptops that
change different fields of one household both keep their change.

``track(store)`` registers the session hooks:

* ``before_flush`` stamps new and changed records (id, times, device, versions) and notes what
  changed.  A change to derived columns only (``canonical_dump.DERIVED``: the household list's
  caches) is not a change: it is neither stamped nor journalled, because every store recomputes
  them.  A record deleted also deletes, and journals, the records that hang from it (members of
  a household, its agreements, …), so a delete reads the same in every store.
* ``after_flush`` writes one ``change_log`` row per record (``op`` ``upsert`` with the changed
  fields and their values, or ``delete``) and a ``tombstone`` per deleted record.  An agreement
  being signed journals all its fields: a signature covers the whole text.

Importing (core.sync.merge) writes with SQL of its own and sets ``session.info[APPLYING]``, so its
writes keep the origin's stamps and are not journalled a second time.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections.abc import Iterable

from sqlalchemy import Table, event, inspect, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import Boolean, Date, DateTime

from xinjie_desktop.core.rules.permissions import Actor
from xinjie_desktop.core.store.database import DECIDED_VERSIONS, Store
from xinjie_desktop.core.store.models import Agreement, Base, ChangeLog, Travelling, new_uuid, utcnow
from xinjie_desktop.core.sync import audit_chain

APPLYING = "sync_applying"  # session.info flag: the importer is writing
# session.info: (table, row id, field) → the versions a person decided between (core.sync.conflicts.resolve,
# an editor's collisions); journalled in the edit's bases as "<field>+", so every store knows what it settles.
RESOLVING = DECIDED_VERSIONS
_PENDING = "sync_pending"
_OLD = "sync_old_values"  # session.info: (table, row id) → the JSON text of the values a change replaces
HLC_KEY = "sync_hlc"
STAMPS = ("created_at", "updated_at", "device_id")
VERSIONS = "sync_versions"
DERIVED = {
    "household": frozenset(
        {"head_name", "head_id_number", "actual_population", "workflow_step", "flags", "search_text", "list_key"}
    ),
}
assert isinstance(ChangeLog.__table__, Table)
CHANGE_LOG: Table = ChangeLog.__table__
# Fields of these tables that a signature covers: when one of them is signed, all its fields travel.
_SIGNED_STATUSES = ("signed", "voided")


@functools.cache
def tracked_tables() -> dict[str, Table]:
    """Every table whose records travel (the ``Travelling`` models), by name."""
    tables: dict[str, Table] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if issubclass(mapper.class_, Travelling) and isinstance(table, Table):
            tables[table.name] = table
    return tables


def _table_name(record: Travelling) -> str:
    """The table of a travelling record: every ``Travelling`` model is also a mapped ``Base`` class."""
    assert isinstance(record, Base)
    return record.__tablename__


@functools.cache
def _fields(table_name: str) -> tuple[str, ...]:
    skip = DERIVED.get(table_name, frozenset()) | {"id", VERSIONS}
    return tuple(column.name for column in tracked_tables()[table_name].columns if column.name not in skip)


def fields(table_name: str) -> list[str]:
    """The journalled fields of a table: every column but the id, the derived ones and the versions."""
    return list(_fields(table_name))


# --- versions ---------------------------------------------------------------------------------------

Version = tuple[int, str]


def read_versions(value: str | None) -> dict[str, list]:
    if not value:
        return {}
    try:
        loaded = json.loads(value)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def write_versions(versions: dict[str, list]) -> str:
    return json.dumps(versions, sort_keys=True, separators=(",", ":"))


def version_of(versions: dict[str, list], field: str) -> Version | None:
    entry = versions.get(field) or versions.get("*")
    return (int(entry[0]), str(entry[1])) if entry else None


def compact(versions: dict[str, list]) -> dict[str, list]:
    """Drop per-field entries equal to the row's default version."""
    default = versions.get("*")
    return {key: value for key, value in versions.items() if key == "*" or value != default}


# --- values -----------------------------------------------------------------------------------------


def to_json(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def from_json(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Boolean):
        return bool(value)
    return value


# --- the clock --------------------------------------------------------------------------------------


def _read_hlc(connection) -> int:
    row = connection.execute(text("SELECT value FROM local_setting WHERE key = :k"), {"k": HLC_KEY}).first()
    return int(row[0]) if row else 0


def _write_hlc(connection, value: int) -> None:
    connection.execute(
        text(
            "INSERT INTO local_setting (key, value) VALUES (:k, :v) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        ),
        {"k": HLC_KEY, "v": str(value)},
    )


def next_hlc(connection, wall_ms: int | None = None) -> int:
    """The next version stamp: above the wall clock, the last one written and every one received."""
    wall = int(time.time() * 1000) if wall_ms is None else wall_ms
    value = max(wall, _read_hlc(connection) + 1)
    _write_hlc(connection, value)
    return value


def observe_hlc(connection, seen: int) -> None:
    """Raise the clock past a version received from another device."""
    if seen > _read_hlc(connection):
        _write_hlc(connection, seen)


def hlc_time(hlc: int) -> dt.datetime:
    """The wall time (UTC) a version stamp stands for (approximately: the clock may have been wrong)."""
    return dt.datetime.fromtimestamp(hlc / 1000, dt.UTC).replace(tzinfo=None)


def next_seq(connection, device_id: str) -> int:
    row = connection.execute(text("SELECT max(seq) FROM change_log WHERE origin_device = :d"), {"d": device_id}).first()
    return (row[0] or 0) + 1


# --- which village a record belongs to (the scope of a laptop) ---------------------------------------

_VIA_HOUSEHOLD = "SELECT village_id FROM household WHERE id = :id"
_VIA_AGREEMENT = (
    "SELECT household.village_id FROM agreement JOIN household ON household.id = agreement.household_id "
    "WHERE agreement.id = :id"
)
_VIA_NOTICE = "SELECT village_id FROM public_notice WHERE id = :id"


def village_of(
    connection, table_name: str, values: dict, known: dict[tuple[str, str], str | None] | None = None
) -> str | None:
    """The village a record belongs to, or None for township-wide records (township, policy)."""
    if table_name == "township":
        return None
    if table_name == "accounts":  # the first village of the account's scope; none (every village): None
        villages = json.loads(values.get("villages") or "[]")
        return villages[0] if villages else None
    if table_name == "village":
        return values.get("id")
    if "village_id" in values and table_name != "notice_objection":
        return values.get("village_id")
    for column, query, parent in (
        ("household_id", _VIA_HOUSEHOLD, "household"),
        ("agreement_id", _VIA_AGREEMENT, "agreement"),
        ("notice_id", _VIA_NOTICE, "public_notice"),
    ):
        parent_id = values.get(column)
        if parent_id:
            if known is not None and (parent, parent_id) in known:
                return known[(parent, parent_id)]
            row = connection.execute(text(query), {"id": parent_id}).first()
            return row[0] if row else None
    return None


def _cascade_children() -> dict[str, list[tuple[str, str]]]:
    """parent table → [(child table, foreign key column)] for the foreign keys that delete with the parent."""
    tables = tracked_tables()
    children: dict[str, list[tuple[str, str]]] = {}
    for name, table in tables.items():
        for key in table.foreign_keys:
            if key.ondelete == "CASCADE" and key.column.table.name in tables:
                children.setdefault(key.column.table.name, []).append((name, key.parent.name))
    return children


def descendants(connection, table_name: str, row_id: str) -> list[tuple[str, str]]:
    """Every record deleted with this one by the database's cascades, depth first."""
    found: list[tuple[str, str]] = []
    for child, column in _cascade_children().get(table_name, []):
        for (child_id,) in connection.execute(text(f"SELECT id FROM {child} WHERE {column} = :id"), {"id": row_id}):
            found.append((child, child_id))
            found.extend(descendants(connection, child, child_id))
    return found


# --- the session hooks -------------------------------------------------------------------------------


def track(store: Store, sessions) -> None:
    """Register the hooks on a session factory of ``store``."""
    event.listen(sessions, "before_flush", lambda session, _c, _i: _before_flush(store, session))
    event.listen(sessions, "after_flush", lambda session, _c: _after_flush(store, session))


def _changed_fields(record) -> set[str]:
    state = inspect(record)
    name = record.__tablename__
    skip = DERIVED.get(name, frozenset()) | {VERSIONS, "updated_at", "device_id"}
    columns = {column.key for column in state.mapper.column_attrs} - skip
    return {key for key in columns if state.attrs[key].history.has_changes()}


def _before_flush(store: Store, session: Session) -> None:
    if session.info.get(APPLYING):
        return
    pending = session.info.setdefault(_PENDING, {})
    connection = session.connection()
    me = store.device_id
    stamp: list[int] = []

    def version() -> list:
        if not stamp:
            stamp.append(next_hlc(connection))
        return [stamp[0], me]

    now = utcnow()
    _delete_orphans(session)
    for record in session.new:
        if not isinstance(record, Travelling):
            continue
        record.id = record.id or new_uuid()
        record.created_at = record.created_at or now
        record.updated_at = record.updated_at or now
        record.device_id = me
        record.sync_versions = write_versions({"*": version()})
        name = _table_name(record)
        decided = session.info.get(RESOLVING, {})  # a record made from a person's choice (a plan's inputs)
        bases = {
            f"{field}+": versions
            for (table, row, field), versions in decided.items()
            if (table, row) == (name, record.id)
        }
        pending[(name, record.id)] = ("upsert", record, None, bases)
    for record in session.dirty:
        if not isinstance(record, Travelling) or record in session.deleted:
            continue
        changed = _changed_fields(record)
        if not changed:
            continue
        name = _table_name(record)
        if isinstance(record, Agreement) and record.status in _SIGNED_STATUSES and "status" in changed:
            changed = set(fields(name)) - {"updated_at", "device_id"}
        _note_old(session, connection, name, record.id, changed)
        changed |= {"updated_at", "device_id"}
        record.updated_at = now
        record.device_id = me
        versions = read_versions(record.sync_versions)
        bases = {field: version_of(versions, field) for field in changed}
        decided = session.info.get(RESOLVING, {})
        bases.update(
            {f"{field}+": decided[(name, record.id, field)] for field in changed if (name, record.id, field) in decided}
        )
        current = version()
        for field in changed:
            versions[field] = current
        record.sync_versions = write_versions(compact(versions))
        key = (name, record.id)
        earlier = pending.get(key)
        if earlier is not None and earlier[2] is None:
            continue  # created in this unit of work: the creation journals every field
        if earlier is not None:
            changed |= earlier[2]
            bases = {**bases, **earlier[3]}
        pending[key] = ("upsert", record, changed, bases)
    deleted: list[tuple[str, str]] = []
    for record in session.deleted:
        if isinstance(record, Travelling):
            deleted.append((_table_name(record), record.id))
            deleted.extend(descendants(connection, _table_name(record), record.id))
    for name, row_id in deleted:
        if (name, row_id) in pending and pending[(name, row_id)][0] == "delete":
            continue
        values = dict(
            connection.execute(text(f"SELECT * FROM {name} WHERE id = :id"), {"id": row_id}).mappings().first() or {}
        )
        seen = max((int(entry[0]) for entry in read_versions(values.get(VERSIONS)).values()), default=0)
        _note_old(session, connection, name, row_id, set(fields(name)) - {"created_at", "updated_at", "device_id"})
        pending[(name, row_id)] = ("delete", seen, version(), village_of(connection, name, values))


def _note_old(session: Session, connection, name: str, row_id: str, changed: set[str]) -> None:
    """The values ``changed`` fields of a record hold before this flush, as the record of who did what keeps
    them (core.sync.audit_chain); read from the store, which the flush has not written yet.  A record changed
    twice in one flush's unit of work keeps the values from before the first."""
    table = tracked_tables()[name]
    olds = session.info.setdefault(_OLD, {})
    known = olds.get((name, row_id), {})
    wanted = sorted(field for field in changed if field not in known and field in table.c)
    if wanted:
        row = connection.execute(select(*(table.c[f] for f in wanted)).where(table.c.id == row_id)).first()
        if row is not None:
            known = {**known, **{field: to_json(value) for field, value in zip(wanted, row, strict=True)}}
    olds[(name, row_id)] = known


def _delete_orphans(session: Session) -> None:
    """Records taken out of a collection that deletes its orphans (a member removed from a household in the
    editor, a year's income worksheet cleared) are deleted by the flush itself, where ``session.deleted``
    does not show them: deleted here explicitly, so that their delete is journalled and travels."""
    added: set[int] = set()
    removed: list[Travelling] = []
    for record in list(session.dirty):
        state = inspect(record)
        for relationship in state.mapper.relationships:
            if not relationship.cascade.delete_orphan:
                continue
            history = state.attrs[relationship.key].history
            added.update(id(child) for child in history.added or ())
            removed.extend(child for child in history.deleted or () if isinstance(child, Travelling))
    for child in removed:
        if id(child) not in added and inspect(child).persistent:
            session.delete(child)


def _after_flush(store: Store, session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    olds = session.info.pop(_OLD, {})
    if not pending or session.info.get(APPLYING):
        return
    connection = session.connection()
    me = store.device_id
    seq = next_seq(connection, me)
    changes, tombstones = [], []
    for (name, row_id), (op, record, changed, bases) in pending.items():
        if op == "delete":  # (op, the highest version the deleter had seen, its version, village)
            hlc = changed[0]
            changes.append(
                {
                    "origin_device": me,
                    "seq": seq,
                    "hlc": hlc,
                    "table_name": name,
                    "row_id": row_id,
                    "op": "delete",
                    "village_id": bases,
                    "payload": "{}",
                    "bases": payload_text({"seen": record}),
                }
            )
            tombstones.append(
                {
                    "table_name": name,
                    "row_id": row_id,
                    "hlc": hlc,
                    "device_id": me,
                    "seen_hlc": record,
                    "settled_by": None,
                }
            )
            seq += 1
            continue
        names = fields(name) if changed is None else sorted(changed)
        values = {field: to_json(getattr(record, field)) for field in names}
        versions = read_versions(record.sync_versions)
        hlc = max(int(entry[0]) for entry in versions.values())
        # The record's links, even those not changed (a partial change still belongs to its village).
        links = {
            column: getattr(record, column)
            for column in ("village_id", "household_id", "agreement_id", "notice_id", "villages")
            if hasattr(record, column)
        }
        village = village_of(connection, name, {**values, **links, "id": row_id})
        changes.append(
            {
                "origin_device": me,
                "seq": seq,
                "hlc": hlc,
                "table_name": name,
                "row_id": row_id,
                "op": "upsert",
                "village_id": village,
                "payload": payload_text(values),
                "bases": payload_text({f: list(v) for f, v in bases.items() if v is not None}),
            }
        )
        seq += 1
    write_changes(connection, changes)
    write_tombstones(connection, tombstones)
    audit_chain.record(
        connection,
        changes,
        {key: payload_text(values) for key, values in olds.items() if values},
        getattr(store, "actor", None),
    )


def payload_text(values: dict) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_INSERT_TOMBSTONE = text(
    "INSERT INTO tombstone (table_name, row_id, hlc, device_id, seen_hlc, settled_by) "
    "VALUES (:table_name, :row_id, :hlc, :device_id, :seen_hlc, :settled_by) "
    "ON CONFLICT(table_name, row_id) DO UPDATE SET hlc = max(hlc, excluded.hlc), "
    "seen_hlc = max(seen_hlc, excluded.seen_hlc), settled_by = excluded.settled_by"
)


_CHANGE_COLUMNS = ("origin_device", "seq", "hlc", "table_name", "row_id", "op", "village_id", "payload", "bases")


def write_changes(connection, changes: list[dict]) -> None:
    if changes:  # straight to the driver: an import writes tens of thousands
        connection.exec_driver_sql(
            f"INSERT INTO change_log ({', '.join(_CHANGE_COLUMNS)}) VALUES ({', '.join('?' * len(_CHANGE_COLUMNS))})",
            [tuple(change[column] for column in _CHANGE_COLUMNS) for change in changes],
        )


def write_tombstones(connection, tombstones: list[dict]) -> None:
    if tombstones:
        connection.execute(_INSERT_TOMBSTONE, tombstones)


def log_bulk(
    connection,
    device_id: str,
    table_name: str,
    rows: Iterable[dict],
    known: dict[tuple[str, str], str | None] | None = None,
    actor: Actor | None = None,
) -> None:
    """Journal records written with a bulk ``insert()`` (demo data): one upsert each, all fields, each
    attributed to ``actor`` in the record of who did what.

    The rows must already carry their ``sync_versions`` (``bulk_versions``).  ``known`` (household
    id → village) spares a query per member when the households were logged by an earlier call."""
    rows = list(rows)
    if not rows:
        return
    names = fields(table_name)
    seq = next_seq(connection, device_id)
    known = {} if known is None else known
    changes = []
    for offset, row in enumerate(rows):
        values = {field: to_json(row.get(field)) for field in names}
        if table_name == "household":
            known[("household", row["id"])] = row["village_id"]
        changes.append(
            {
                "origin_device": device_id,
                "seq": seq + offset,
                "hlc": int(read_versions(row[VERSIONS])["*"][0]),
                "table_name": table_name,
                "row_id": row["id"],
                "op": "upsert",
                "village_id": village_of(connection, table_name, {**values, "id": row["id"]}, known),
                "payload": payload_text(values),
                "bases": "{}",
            }
        )
    write_changes(connection, changes)
    audit_chain.record(connection, changes, {}, actor)


def bulk_versions(connection, device_id: str) -> str:
    """The ``sync_versions`` value for records about to be bulk-inserted by this device."""
    return write_versions({"*": [next_hlc(connection), device_id]})
