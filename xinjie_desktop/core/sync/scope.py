"""What a village laptop's bundle may change, judged by the township's own records (issue 13, case 6).

A change's village is not the sender's word (the ``village_id`` each line of ``changes.tsv`` carries).
For a staged change not held yet (``merge._NOT_HELD``) the township asks its own records:

* the township's own records (``staging.SHARED``: the township, its villages and villagers' groups) are
  never changed by a laptop;
* a record stored here belongs to the village its records give: a household its group's village, a
  record of a household (member, income, step, relocation, plan, agreement, attachment, …) that
  household's, a signature its agreement's household's, a notice its village, an objection its notice's;
  a delete is judged the same way, by the record deleted;
* what a change names as its record's owner (``staging.owners``: a new member's household, a household's
  new group, …) belongs to the village found the same way, through this store's records or the records the
  same bundle creates: moving a household into another village's group is outside the scope when either
  village is (an owner found nowhere is left to the foreign keys, which refuse the bundle);
* a record neither stored here nor created by the bundle, but deleted here, is judged by the village this
  store's journal gave it; one this store has never heard of is outside any scope;
* and, as before, the village label the sender gave the change must be one of its villages (the label
  decides which laptops the township sends the change to).

The common case costs one look-up per staged change in the table of its record (new records are not
found, which is all) and one per distinct owner (``incoming.scope_ref``, collected in the reader thread:
a bundle of 2,000 new households names two villagers' groups).  Only when one of those looks wrong is each
change examined with its owners (``_owner_outside``), which also leaves out changes held already.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from xinjie_desktop.core.sync import staging

# A change this store holds already (as ``merge`` has it): the merge skips it, so it is not judged.
_NOT_HELD = "NOT EXISTS (SELECT 1 FROM change_log c WHERE c.origin_device = i.origin_device AND c.seq = i.seq)"
_OUT = "coalesce({v}, '') NOT IN (SELECT value FROM json_each(:scope))"
_CREATED_N = staging.CREATED.replace("i.", "n.")


@dataclass(frozen=True)
class Outside:
    """A change outside the sender's scope: its record (table, id), the village it belongs to (None: the
    township's own record, or a record this store cannot place) and why (``shared``, ``village``,
    ``unknown``, ``label``)."""

    table: str
    row_id: str
    village_id: str | None
    reason: str


# --- the village of a record stored here, by kind ---------------------------------------------------------


def _household(x: str) -> str:
    return f"(SELECT g.village_id FROM household h JOIN villager_group g ON g.id = h.group_id WHERE h.id = {x})"


def _group(x: str) -> str:
    return f"(SELECT g.village_id FROM villager_group g WHERE g.id = {x})"


def _agreement(x: str) -> str:
    return (
        "(SELECT g.village_id FROM agreement a JOIN household h ON h.id = a.household_id JOIN villager_group g "
        f"ON g.id = h.group_id WHERE a.id = {x})"
    )


def _notice(x: str) -> str:
    return f"(SELECT p.village_id FROM public_notice p WHERE p.id = {x})"


_STORED = {"village": lambda x: x, "group": _group, "household": _household, "agreement": _agreement, "notice": _notice}


def _journalled(table: str, x: str) -> str:
    """The village this store's journal last gave a record deleted here (None when it was not deleted)."""
    return (
        f"(SELECT c.village_id FROM tombstone b JOIN change_log c ON c.table_name = b.table_name AND c.row_id = "
        f"b.row_id WHERE b.table_name = '{table}' AND b.row_id = {x} AND c.village_id IS NOT NULL "
        "ORDER BY c.hlc DESC LIMIT 1)"
    )


def _anywhere(kind: str, x: str) -> str:
    """The village of an owner: stored here, created by the bundle (as the bundle creates it), or deleted here."""
    table = staging.OWNER_KINDS[f"{kind}_id"][1]
    stored = _STORED[kind](x)
    if kind in ("village", "group"):
        return stored

    def created(column: str) -> str:
        return (
            f"(SELECT json_extract(n.payload, '$.{column}') FROM sync_incoming n WHERE n.table_name = '{table}' "
            f"AND n.row_id = {x} AND {_CREATED_N} LIMIT 1)"
        )

    if kind == "household":
        new = _group(created("group_id"))
    elif kind == "agreement":
        new = _household(created("household_id"))
    else:
        new = created("village_id")
    return f"coalesce({stored}, {new}, {_journalled(table, x)})"


# --- the checks ------------------------------------------------------------------------------------------


def _last(condition: str) -> str:
    """``condition``, then whether the change is not held yet, in that order (SQLite would otherwise look a
    change up in the journal first, as its term needs only the change)."""
    return f"CASE WHEN {condition} THEN {_NOT_HELD} ELSE 0 END"


@functools.cache
def _queries() -> tuple[tuple[str, str], ...]:
    """(reason, query) in the order they are asked; each query finds the first change outside :scope as
    (table, row, village)."""
    found = []
    for table in staging.SHARED:
        found.append(
            (
                "shared",
                f"SELECT i.table_name, i.row_id, NULL FROM sync_incoming i WHERE i.table_name = '{table}' "
                f"AND {_NOT_HELD} LIMIT 1",  # (none, as a rule: nothing to look up)
            )
        )
    for table, owners in staging.owners().items():
        # A record stored here: every village its stored owners give.  One look-up in the table's index
        # decides whether it is (a new record is not: that is all it costs); the record itself is read only
        # then.  One neither stored here nor created by the bundle: the journal's village if deleted here.
        cases = []
        for column, kind, empty in owners:
            village = _STORED[kind](f"t.{column}")
            outside = _OUT.format(v=village)
            cases.append((f"t.{column} IS NOT NULL AND {outside}" if empty else outside, village))
        which = "CASE " + " ".join(f"WHEN {c} THEN {v}" for c, v in cases) + " END"
        journalled = _journalled(table, "i.row_id")
        # Created by the bundle: its staged row in new_<table>, found by number (reading the payload of every
        # change would cost more than the rest); or another change of the same record creates it.
        unknown = (
            f"NOT EXISTS (SELECT 1 FROM sync_incoming n JOIN new_{table} m ON m.staged = n.rowid WHERE "
            f"n.table_name = i.table_name AND n.row_id = i.row_id) AND {_OUT.format(v=journalled)}"
        )
        outside = (
            f"CASE WHEN t.id IS NOT NULL THEN {' OR '.join(f'({c})' for c, _v in cases)} "
            f"WHEN m.staged IS NULL THEN {unknown} ELSE 0 END"
        )
        found.append(
            (
                "village",
                f"SELECT i.table_name, i.row_id, CASE WHEN t.id IS NOT NULL THEN {which} ELSE {journalled} END "
                f"FROM sync_incoming i LEFT JOIN {table} t ON t.id = i.row_id LEFT JOIN new_{table} m ON m.staged = "
                f"i.rowid WHERE i.table_name = '{table}' AND {_last(outside)} LIMIT 1",
            )
        )
    return tuple(found)


@functools.cache
def _owners_suspect() -> str:
    """Whether any owner the bundle names (``incoming.scope_ref``, once each) is outside :scope."""
    kinds = " ".join(
        f"WHEN '{kind}' THEN coalesce({_STORED[kind]('r.id')}, {_journalled(table, 'r.id')})"
        if kind not in ("village", "group")
        else f"WHEN '{kind}' THEN {_STORED[kind]('r.id')}"
        for kind, table in staging.OWNER_KINDS.values()
    )
    return f"SELECT 1 FROM scope_ref r WHERE NOT r.created AND {_OUT.format(v=f'CASE r.kind {kinds} END')} LIMIT 1"


@functools.cache
def _owner_outside() -> tuple[str, ...]:
    """Per table and owner column, the first change (not held) naming an owner outside :scope.  An owner
    found nowhere (not stored, created or deleted here) is left to the foreign keys: the bundle cannot be
    written and is refused as one holding records that do not fit."""
    found = []
    for table, owners in staging.owners().items():
        for column, kind, _empty in owners:
            named = f"json_extract(i.payload, '$.{column}')"
            village = _anywhere(kind, named)
            found.append(
                f"SELECT i.table_name, i.row_id, {village} FROM sync_incoming i WHERE i.table_name = '{table}' "
                f"AND i.op = 'upsert' AND "
                + _last(f"{named} IS NOT NULL AND ({village}) IS NOT NULL AND {_OUT.format(v=village)}")
                + " LIMIT 1"
            )
    return tuple(found)


_LABEL = (
    "SELECT i.table_name, i.row_id, i.village_id FROM sync_incoming i WHERE CASE WHEN {out} AND i.table_name NOT IN "
    "({shared}) THEN {held} ELSE 0 END LIMIT 1"
)


# An account a laptop sends (issue 17): only a local account of its own work team.  Outside when the change
# deletes an account, when the account stored here is not a work-team member's or a village cadre's or reaches
# beyond the laptop's villages (a laptop never touches the township's administrators), when the change makes
# it another role, gives it a village outside (or every village: an empty scope), countersigns it or
# authorises it to sign for the township, or when this store does not hold it and the change does not create it.
_TEAM_ROLES = "('work_team', 'village_cadre')"


def _widens(villages: str) -> str:
    return (
        f"(coalesce({villages}, '[]') = '[]' OR EXISTS (SELECT 1 FROM json_each(coalesce({villages}, '[]')) v "
        "WHERE v.value NOT IN (SELECT value FROM json_each(:scope))))"
    )


_PAYLOAD = "json_extract(i.payload, '$.{}')"
_ACCOUNT = (
    "SELECT i.table_name, i.row_id, coalesce(json_extract(coalesce(t.villages, "
    + _PAYLOAD.format("villages")
    + "), '$[0]'), NULL) FROM sync_incoming i LEFT JOIN accounts t ON t.id = i.row_id WHERE i.table_name = 'accounts' "
    "AND "
    + _last(
        "i.op != 'upsert' OR (t.id IS NOT NULL AND (t.role NOT IN "
        + _TEAM_ROLES
        + " OR "
        + _widens("t.villages")
        + ")) OR (t.id IS NULL AND NOT ("
        + staging.CREATED
        + ")) OR coalesce("
        + _PAYLOAD.format("role")
        + ", 'work_team') NOT IN "
        + _TEAM_ROLES
        + " OR ("
        + _PAYLOAD.format("villages")
        + " IS NOT NULL AND "
        + _widens(_PAYLOAD.format("villages"))
        + ") OR coalesce("
        + _PAYLOAD.format("countersigned")
        + ", 0) != 0 OR coalesce("
        + _PAYLOAD.format("may_sign")
        + ", 0) != 0"
    )
    + " LIMIT 1"
)


# A payment a laptop sends (issue 19): only the household's acknowledgement of a payment the township recorded.
# The township records payments where the funds' balances are kept (FD-1 is checked there, in the transaction
# that writes them); a laptop's change that makes, deletes or changes anything else of a payment is outside.
ACKNOWLEDGEMENT_FIELDS = (
    "acknowledgement",
    "acknowledged_on",
    "acknowledged_by",
    "acknowledgement_sha256",
    "updated_at",
    "device_id",
)
_PAYMENT = (
    "SELECT i.table_name, i.row_id, NULL FROM sync_incoming i WHERE i.table_name = 'fund_payment' AND "
    + _last(
        "i.op != 'upsert' OR EXISTS (SELECT 1 FROM json_each(i.payload) k WHERE k.key NOT IN ("
        + ", ".join(f"'{name}'" for name in ACKNOWLEDGEMENT_FIELDS)
        + "))"
    )
    + " LIMIT 1"
)


def staged_outside(connection, scope: list[str]) -> Outside | None:
    """The first staged change (not held yet) of a record outside ``scope`` (village ids), judged by this
    store's records (see the module's docstring), else None."""
    parameters = {"scope": json.dumps(scope)}

    def first(query: str):
        return connection.exec_driver_sql(query, parameters).first()

    row = first(_ACCOUNT)
    if row is not None:
        return Outside(row[0], row[1], row[2], "account")
    row = first(_PAYMENT)
    if row is not None:
        return Outside(row[0], row[1], row[2], "payment")
    for reason, query in _queries():
        row = first(query)
        if row is not None:
            return Outside(row[0], row[1], row[2], reason if row[2] is not None or reason == "shared" else "unknown")
    if first(_owners_suspect()) is not None:
        for query in _owner_outside():
            row = first(query)
            if row is not None:
                return Outside(row[0], row[1], row[2], "village")
    shared = ", ".join(f"'{table}'" for table in staging.SHARED)
    row = first(_LABEL.format(out=_OUT.format(v="i.village_id"), shared=shared, held=_NOT_HELD))
    if row is not None:
        return Outside(row[0], row[1], row[2], "label")
    return None
