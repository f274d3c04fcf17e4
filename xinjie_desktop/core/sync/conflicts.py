"""Sync conflicts and possible duplicates, for a person to decide (issue 5, property 4).

A conflict is one field of one record for which this store received more than one value, written
without knowing each other (or a change that lost to a delete, or to a signed agreement).  The
value with the highest version is in force everywhere (core.sync.merge); the others are kept here, with
who wrote them and when.  ``resolve`` writes the value a person chose (one of them, or a new one) as
a new edit: it has the highest version, so it wins in every store it reaches, and it settles the
conflict there too (an edit made on top of the value in force settles it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm.attributes import flag_modified

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import AgreementError, Base, SyncConflict, utcnow
from xinjie_desktop.core.sync import change_log
from xinjie_desktop.i18n import N_, _

KINDS = {
    "field": N_("edited on two computers"),
    "deleted": N_("changed after it was deleted"),
    "signed": N_("aimed at a signed agreement"),
    "twice": N_("entered on two computers"),
}


VALUE_KINDS = ("field", "twice")


class ConflictError(ValueError):
    """A resolution that cannot be written; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class Version:
    value: object
    hlc: int
    device_id: str
    device_name: str

    @property
    def when(self) -> dt.datetime | None:
        return change_log.hlc_time(self.hlc) if self.hlc else None


@dataclass(frozen=True)
class Conflict:
    id: str
    table: str
    row_id: str
    field: str
    kind: str
    winner: Version
    losers: tuple[Version, ...]
    status: str
    household_id: str | None
    household_name: str

    @property
    def kind_label(self) -> str:
        return _(KINDS.get(self.kind, self.kind))

    @property
    def settled_by_a_value(self) -> bool:
        """Resolved by choosing or entering the field's value (two values of one field), rather than by
        closing it (a change that came after a delete, or aimed at a signed agreement)."""
        return self.kind in VALUE_KINDS


def _names(store: Store) -> dict[str, str]:
    with store.session() as session:
        names = {row[0]: row[1] for row in session.execute(text("SELECT device_id, name FROM sync_peer"))}
    names.setdefault(store.device_id, _("this computer"))
    return names


def _version(entry: dict, names: dict[str, str]) -> Version:
    return Version(
        entry.get("value"),
        int(entry.get("hlc", 0)),
        entry.get("device", ""),
        # a device without a known name by its whole id: two ids may begin alike (issue 13, case 14)
        names.get(entry.get("device", ""), entry.get("device", "")),
    )


def listing(store: Store, status: str | None = "open") -> list[Conflict]:
    """Conflicts (open ones by default), with the household each belongs to when there is one."""
    names = _names(store)
    with store.session() as session:
        query = session.query(SyncConflict)
        if status is not None:
            query = query.filter(SyncConflict.status == status)
        found = []
        for row in query.order_by(SyncConflict.detected_at, SyncConflict.id):
            household_id = _household_of(session, row.table_name, row.row_id)
            head = (
                session.execute(text("SELECT head_name FROM household WHERE id = :h"), {"h": household_id}).scalar()
                if household_id
                else None
            )
            found.append(
                Conflict(
                    row.id,
                    row.table_name,
                    row.row_id,
                    row.field,
                    row.kind,
                    _version(json.loads(row.winner), names),
                    tuple(_version(e, names) for e in json.loads(row.losers)),
                    row.status,
                    household_id,
                    head or "",
                )
            )
    return found


def _household_of(session, table: str, row_id: str) -> str | None:
    if table == "household":
        return row_id
    columns = {c.name for c in Base.metadata.tables[table].columns}
    if "household_id" in columns:
        return session.execute(text(f"SELECT household_id FROM {table} WHERE id = :r"), {"r": row_id}).scalar()
    return None


def _model(table: str):
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    raise KeyError(table)


def resolve(store: Store, conflict_id: str, value) -> None:
    """Write ``value`` (JSON form, as listed) to the field as a new edit and mark the conflict resolved."""
    with store.unit_of_work() as session:
        conflict = session.get(SyncConflict, conflict_id)
        if conflict is None or conflict.status != "open":
            raise ConflictError(_("This conflict has been resolved already."))
        if conflict.kind in VALUE_KINDS:
            record = session.get(_model(conflict.table_name), conflict.row_id)
            if record is None:
                raise ConflictError(_("The record no longer exists (it was deleted); the conflict is closed."))
            links = {
                column: getattr(record, column)
                for column in ("village_id", "household_id", "agreement_id", "notice_id", "villages")
                if hasattr(record, column)
            }
            village = change_log.village_of(session.connection(), conflict.table_name, {**links, "id": record.id})
            access.require(store, session, Action.EDIT_HOUSEHOLD, village)
            column = Base.metadata.tables[conflict.table_name].c[conflict.field]
            session.info.setdefault(change_log.RESOLVING, {})[
                (conflict.table_name, conflict.row_id, conflict.field)
            ] = [
                [int(entry["hlc"]), entry["device"]]
                for entry in [json.loads(conflict.winner), *json.loads(conflict.losers)]
            ]
            try:
                setattr(record, conflict.field, change_log.from_json(column, value))
                flag_modified(record, conflict.field)  # a new version even when the value in force is kept
                session.flush()
            except (ValueError, TypeError) as error:
                raise ConflictError(
                    _("This value cannot be stored in this field: {error}").format(error=error)
                ) from None
            except AgreementError as error:
                raise ConflictError(str(error)) from None
        conflict.status = "resolved"
        conflict.resolved_at = utcnow()


def duplicates(store: Store, status: str | None = "open") -> list[dict]:
    """Possible duplicates: an ID number held by more than one household, with the households."""
    with store.session() as session:
        rows = session.execute(
            text(
                "SELECT id_number, household_ids, status, note, detected_at FROM possible_duplicate "
                + ("WHERE status = :s " if status else "")
                + "ORDER BY detected_at, id_number"
            ),
            {"s": status},
        ).all()
        found = []
        for number, ids, state, note, detected in rows:
            households = []
            for household_id in json.loads(ids):
                row = session.execute(
                    text(
                        "SELECT household.head_name, village.name FROM household JOIN village ON "
                        "village.id = household.village_id WHERE household.id = :h"
                    ),
                    {"h": household_id},
                ).first()
                households.append({"id": household_id, "head": row[0] if row else "", "village": row[1] if row else ""})
            found.append(
                {"id_number": number, "households": households, "status": state, "note": note, "detected_at": detected}
            )
    return found


def mark_duplicate(store: Store, id_number: str, status: str, note: str = "") -> None:
    """A person's decision on a possible duplicate: ``same_person_kept_apart`` or ``fixed``."""
    if status not in ("same_person_kept_apart", "fixed", "open"):
        raise ConflictError(status)
    with store.unit_of_work() as session:
        access.require(store, session, Action.EDIT_HOUSEHOLD)
        session.execute(
            text("UPDATE possible_duplicate SET status = :s, note = :n WHERE id_number = :i"),
            {"s": status, "n": note, "i": id_number},
        )
