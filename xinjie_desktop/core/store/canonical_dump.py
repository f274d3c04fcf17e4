"""A deterministic dump of a store's records, for comparing stores (issue 5: "any set of bundles
imported in any order gives identical stores").

``dump(store)`` is a JSON-able dict: ``{"format": 1, "tables": {name: [row, …]}}`` with every
table of the model except the local ones, rows sorted by primary key, each row a dict of its
columns (``canonical_text`` sorts the keys), dates and times in ISO 8601, bytes as
``"sha256:<hex>"`` (a blob's content is compared by its hash, never printed).

Left out, and why:

* ``local_setting`` (``LOCAL_TABLES``): this laptop's identity, keys, home nonce, counters and
  scope; they differ between stores by design and never travel.  ``alembic_version`` is not a
  model table (two stores compared are at the same schema anyway).
* Derived columns (``DERIVED``), unless ``derived=True``: the household list's caches (head, actual
  population, workflow step, flags, search text, list order).  They are recomputed on every save
  from the records and the policy parameters in force on that laptop, and the flags also depend on
  *other* households (duplicate ID numbers), so two stores holding identical records may hold
  different caches.  Sync tests should compare both ways: records without, and (same code, same
  parameters) with them, to prove an import refreshes what it touches.
* With ``stamps=False``: the Travelling columns ``created_at``, ``updated_at``, ``device_id`` and
  ``sync_versions`` (who wrote each field, and when).
  After a sync they are equal in every store (they travel with the record), so the default keeps
  them; two stores built independently (the same demo-data seed on two laptops) differ only there.

Tables added later are dumped automatically; a new local table must be added to ``LOCAL_TABLES``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import select

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Base

FORMAT = 1
# This laptop's settings, and what it knows of sync (journal, peers, cursors, conflicts found here).
LOCAL_TABLES = frozenset(
    {
        "local_setting",
        "change_log",
        "change_run",
        "audit_record",
        "tombstone",
        "sync_peer",
        "peer_cursor",
        "origin_cursor",
        "bundle_log",
        "sync_conflict",
        "possible_duplicate",
        "bulletin",  # the township's weekly bulletins, kept where they were issued (issue 18)
        "roster_correction",  # the township office's record of what it entered into the national system
    }
)
STAMP_COLUMNS = frozenset({"created_at", "updated_at", "device_id", "sync_versions"})
DERIVED = {
    "household": frozenset(
        {"head_name", "head_id_number", "actual_population", "workflow_step", "flags", "search_text", "list_key"}
    ),
}


def _value(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def dumped_tables() -> list[str]:
    return sorted(name for name in Base.metadata.tables if name not in LOCAL_TABLES)


def dump(store: Store, *, stamps: bool = True, derived: bool = False) -> dict:
    """Every record of every travelling table, deterministically ordered (see the module's notes)."""
    tables: dict[str, list[dict]] = {}
    with store.engine.connect() as connection:
        for name in dumped_tables():
            table = Base.metadata.tables[name]
            skip = set() if stamps else set(STAMP_COLUMNS)
            if not derived:
                skip |= DERIVED.get(name, set())
            columns = [column for column in table.columns if column.name not in skip]
            keys = list(table.primary_key.columns)
            rows = [
                {column.name: _value(value) for column, value in zip(columns, row, strict=True)}
                for row in connection.execute(select(*columns).order_by(*keys))
            ]
            key_names = [column.name for column in keys]
            if all(name_ in {c.name for c in columns} for name_ in key_names):
                rows.sort(key=lambda row: tuple(str(row[k]) for k in key_names))
            tables[name] = rows
    return {"format": FORMAT, "tables": tables}


def canonical_text(dumped: dict) -> str:
    """The dump as text: keys sorted, UTF-8 (Chinese as is), one row a line, ending with a newline."""
    lines = ["{", f' "format": {json.dumps(dumped["format"])},', ' "tables": {']
    names = sorted(dumped["tables"])
    for index, name in enumerate(names):
        rows = dumped["tables"][name]
        end = "," if index < len(names) - 1 else ""
        if not rows:
            lines.append(f"  {json.dumps(name)}: []{end}")
            continue
        lines.append(f"  {json.dumps(name)}: [")
        for position, row in enumerate(rows):
            comma = "," if position < len(rows) - 1 else ""
            lines.append("   " + json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + comma)
        lines.append("  ]" + end)
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def digest(store: Store, **options) -> str:
    """SHA-256 of the canonical text: one string to compare two stores by."""
    return hashlib.sha256(canonical_text(dump(store, **options)).encode("utf-8")).hexdigest()
