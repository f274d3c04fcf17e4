"""The record of who did what, read (issue 17): for 纪检/审计 and the township's administration.

Each change of the journal (``change_log``: the record, the fields and their new values, the village) and its
entry in ``audit_record`` (the account, the time, the values replaced; written and chained by core.sync.audit_chain)
are read together, filtered by person, village, household and dates, newest first, a page at a time (a
township's store holds hundreds of thousands), as ``documents.audit_views.AuditEntry`` objects.

Reading it is for the roles ``township_admin`` and ``auditor``: every function here calls ``require_reader``
first, the one place that decides it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents.audit_views import DELETE, UPSERT_CHANGED, UPSERT_NEW, AuditEntry, FieldChange
from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Base
from xinjie_desktop.i18n import _

# Fields every change carries that say nothing a person changed (the record's own stamps).
STAMPS = frozenset({"created_at", "updated_at", "device_id"})
PAGE = 200


class NotAllowed(Exception):
    """The acting person may not read the record of who did what; ``str()`` says so."""


def require_reader(store: Store) -> None:
    """Whether the person logged in may read the record of who did what: township administration and 纪检/审计
    (``permissions.Action.READ_AUDIT``, asked as every service asks: nobody logged in on a store with accounts
    may not; a store without accounts asks no one).  ``NotAllowed`` says why not."""
    try:
        access.require_open(store, Action.READ_AUDIT)
    except PermissionRefused as refused:
        raise NotAllowed(str(refused)) from None


@dataclass(frozen=True)
class AuditFilter:
    """``person``: part of an account's name; ``village``: a village's id or name; ``household``: a household's
    id or its head's name (every household of that head); ``date_from``/``date_to``: local days, both included."""

    person: str = ""
    village: str = ""
    household: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@functools.cache
def _household_tables() -> tuple[str, ...]:
    """The travelling tables whose records name their household (``household_id``)."""
    return tuple(
        sorted(
            table.name
            for table in Base.metadata.tables.values()
            if isinstance(table, Table) and "household_id" in table.c and "sync_versions" in table.c
        )
    )


def _utc_text(day: dt.date) -> str:
    """The start of a local day as the record's UTC time text."""
    start = dt.datetime.combine(day, dt.time()).astimezone(dt.UTC).replace(tzinfo=None)
    return start.isoformat(timespec="seconds")


def _where(session: Session, wanted: AuditFilter) -> tuple[str, dict]:
    clauses, parameters = [], {}
    if wanted.person.strip():
        clauses.append("instr(a.account_name, :person) > 0")
        parameters["person"] = wanted.person.strip()
    if wanted.village.strip():
        villages = list(
            session.execute(
                text("SELECT id FROM village WHERE id = :v OR name = :v"), {"v": wanted.village.strip()}
            ).scalars()
        )
        clauses.append(f"c.village_id IN ({', '.join(f':village{i}' for i in range(len(villages))) or 'NULL'})")
        parameters.update({f"village{i}": village for i, village in enumerate(villages)})
    if wanted.household.strip():
        found = list(
            session.execute(
                text("SELECT id FROM household WHERE id = :h OR head_name = :h"), {"h": wanted.household.strip()}
            ).scalars()
        ) or [wanted.household.strip()]  # a household deleted since: its id still finds its entries
        marks = ", ".join(f":household{i}" for i in range(len(found)))
        parameters.update({f"household{i}": household for i, household in enumerate(found)})
        inside = " UNION ALL ".join(
            f"SELECT id FROM {name} WHERE household_id IN ({marks})" for name in _household_tables()
        )
        clauses.append(
            f"((c.table_name = 'household' AND c.row_id IN ({marks})) "
            f"OR json_extract(c.payload, '$.household_id') IN ({marks}) "
            f"OR json_extract(a.old, '$.household_id') IN ({marks}) "
            f"OR c.row_id IN ({inside}) "
            "OR (c.table_name = 'agreement_signature' AND c.row_id IN (SELECT s.id FROM agreement_signature s "
            f"JOIN agreement g ON g.id = s.agreement_id WHERE g.household_id IN ({marks}))))"
        )
    if wanted.date_from is not None:
        clauses.append("a.at >= :start")
        parameters["start"] = _utc_text(wanted.date_from)
    if wanted.date_to is not None:
        clauses.append("a.at < :end")
        parameters["end"] = _utc_text(wanted.date_to + dt.timedelta(days=1))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


_FROM = "FROM audit_record a JOIN change_log c ON c.origin_device = a.origin_device AND c.seq = a.seq"
_ORDER = " ORDER BY a.at DESC, a.origin_device, a.seq DESC"


def count(store: Store, wanted: AuditFilter = AuditFilter()) -> int:
    """How many entries the filter finds."""
    require_reader(store)
    with store.session() as session:
        where, parameters = _where(session, wanted)
        return int(session.execute(text(f"SELECT count(*) {_FROM}{where}"), parameters).scalar_one())


def page(store: Store, wanted: AuditFilter = AuditFilter(), offset: int = 0, limit: int = PAGE) -> list[AuditEntry]:
    """The entries ``offset`` .. ``offset + limit`` the filter finds, newest first."""
    require_reader(store)
    with store.session() as session:
        return _page(session, store.device_id, wanted, offset, limit)


def entries(store: Store, wanted: AuditFilter = AuditFilter(), batch: int = 2000) -> Iterator[AuditEntry]:
    """Every entry the filter finds, newest first (for printing and the command line), read a batch at a time."""
    require_reader(store)
    offset = 0
    while True:
        with store.session() as session:
            found = _page(session, store.device_id, wanted, offset, batch)
        yield from found
        if len(found) < batch:
            return
        offset += batch


def _page(session: Session, me: str, wanted: AuditFilter, offset: int, limit: int) -> list[AuditEntry]:
    where, parameters = _where(session, wanted)
    rows = session.execute(
        text(
            "SELECT a.origin_device, a.seq, a.at, a.account_id, a.account_name, a.old, c.table_name, c.row_id, c.op, "
            f"c.village_id, c.payload {_FROM}{where}{_ORDER} LIMIT :limit OFFSET :offset"
        ),
        {**parameters, "limit": limit, "offset": offset},
    ).all()
    names: dict[str, str] = {row[0]: row[1] for row in session.execute(text("SELECT device_id, name FROM sync_peer"))}
    villages: dict[str, str] = {row[0]: row[1] for row in session.execute(text("SELECT id, name FROM village"))}
    decoded = [(row, _json(row.old), _json(row.payload)) for row in rows]
    households = _households_of(session, decoded)
    heads = _heads(session, {h for h in households.values() if h})
    found = []
    for row, old, new in decoded:
        household = households.get((row.table_name, row.row_id))
        if row.op == "delete":
            action = DELETE
            changes = tuple(FieldChange(f, v, None) for f, v in sorted(old.items()) if f not in STAMPS)
        else:
            action = UPSERT_NEW if "created_at" in new else UPSERT_CHANGED
            fields = sorted((set(new) | set(old)) - STAMPS)
            changes = tuple(
                FieldChange(f, old.get(f) if action == UPSERT_CHANGED else None, new.get(f)) for f in fields
            )
        found.append(
            AuditEntry(
                device_id=row.origin_device,
                device_name=names.get(row.origin_device) or (_("this computer") if row.origin_device == me else ""),
                seq=row.seq,
                at=_local(row.at),
                account_id=row.account_id,
                account_name=row.account_name,
                table=row.table_name,
                row_id=row.row_id,
                action=action,
                village_id=row.village_id,
                village=villages.get(row.village_id, "") if row.village_id else "",
                household_id=household,
                household=heads.get(household, "") if household else "",
                changes=changes,
            )
        )
    return found


def _json(value: str | None) -> dict:
    try:
        loaded = json.loads(value or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _local(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def _households_of(session: Session, decoded: list) -> dict[tuple[str, str], str | None]:
    """The household each entry's record belongs to: its own id, the one its values name, or the one the
    record now names in the store (a change of some fields only)."""
    found: dict[tuple[str, str], str | None] = {}
    looked_up: dict[str, set[str]] = {}
    for row, old, new in decoded:
        key = (row.table_name, row.row_id)
        if row.table_name == "household":
            found[key] = row.row_id
        elif new.get("household_id") or old.get("household_id"):
            found[key] = new.get("household_id") or old.get("household_id")
        elif row.table_name in _household_tables() or row.table_name == "agreement_signature":
            looked_up.setdefault(row.table_name, set()).add(row.row_id)
    for table, ids in looked_up.items():
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        query = (
            f"SELECT s.id, g.household_id FROM agreement_signature s JOIN agreement g ON g.id = s.agreement_id "
            f"WHERE s.id IN ({marks})"
            if table == "agreement_signature"
            else f"SELECT id, household_id FROM {table} WHERE id IN ({marks})"
        )
        for row_id, household in session.execute(text(query), {f"i{n}": i for n, i in enumerate(sorted(ids))}):
            found[(table, row_id)] = household
    return found


def _heads(session: Session, household_ids: set[str]) -> dict[str, str]:
    if not household_ids:
        return {}
    ordered = sorted(household_ids)
    marks = ", ".join(f":h{n}" for n in range(len(ordered)))
    return {
        household: head or ""
        for household, head in session.execute(
            text(f"SELECT id, head_name FROM household WHERE id IN ({marks})"),
            {f"h{n}": h for n, h in enumerate(ordered)},
        )
    }


def villages(store: Store) -> list[tuple[str, str]]:
    """(id, name) of every village, by name: the village filter's choices."""
    with store.session() as session:
        return [(row[0], row[1]) for row in session.execute(text("SELECT id, name FROM village ORDER BY name"))]


def as_json(entry: AuditEntry) -> dict:
    """An entry as the command line's ``--json`` writes it."""
    return {
        "device_id": entry.device_id,
        "device_name": entry.device_name,
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="seconds"),
        "account_id": entry.account_id,
        "account_name": entry.account_name,
        "table": entry.table,
        "row_id": entry.row_id,
        "action": entry.action,
        "village_id": entry.village_id,
        "village": entry.village,
        "household_id": entry.household_id,
        "household": entry.household,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in entry.changes],
    }
