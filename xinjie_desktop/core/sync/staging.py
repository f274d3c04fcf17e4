"""The changes of a bundle staged where SQLite can work on them (issue 5, the import).

A bundle's ``changes.tsv`` (one change a line, nine tab-separated fields) is put in an SQLite database of
its own, in memory, before anything is checked or written: ``staged_image`` builds it and returns it
serialized.  It holds

* ``sync_incoming``: one row per change (its ``rowid`` is the line number, from 1), indexed by record;
* ``new_<table>``: for every change that creates a record (all its fields), the record's columns already
  read out of the JSON payload into the form the store keeps them in (``staged`` is the change's rowid;
  ``alone`` says it is the only change of that record in the bundle);
* ``scope_ref``: every record the changes name as their owner (a village, a villagers' group, a household,
  an agreement, a notice: ``OWNERS``), once, and whether the bundle creates it (issue 13, case 6: the
  township judges a laptop's scope by what its own records say of these, ``core.sync.scope``).

Building it is the import's Python and JSON work: splitting lines, binding them, validating the payloads,
reading fields out of JSON.  An import builds the next bundle's image in a reader thread while the
current bundle is applied (SQLite lets go of Python during its statements), so that work runs on the
second processor core.  ``stage`` loads an image into the store connection's ``incoming`` schema (an
in-memory database attached to every connection, ``attach``), where the merge finds it under the same
table names; SQLite cannot attach a database inside a transaction, but it can load an image into one
already attached.

An encrypted store (issue 17) is opened with ``sqlcipher3``, whose connections cannot load an image (no
``deserialize``); nothing of a bundle may reach the disk in clear, so there the staging reads each staged
table out as one JSON document (``StagedRows``, ``staged_image(..., as_rows=True)``: SQLite writes it, in the
staging's thread or process) and ``stage`` has SQLCipher's SQLite insert its rows (``jsonb_each``) into the
``incoming`` schema, an in-memory database attached without encryption (``KEY ''``: it never touches the disk).

Every image is made by the same statements in the same order, so its tables sit at the same pages: a
statement the connection prepared against one bundle's image stays right for the next one.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql.sqltypes import Boolean, Date, DateTime, Integer, String

from xinjie_desktop.core.sync import audit_chain, change_log, runs

SCHEMA = "incoming"
COLUMNS = ("origin_device", "seq", "hlc", "table_name", "row_id", "op", "village_id", "payload", "bases")
# A change that creates its record ("created_at" as a key: inside a JSON string the quotes are escaped).
CREATED = "i.op = 'upsert' AND instr(i.payload, '\"created_at\":') > 0"


class StagingError(ValueError):
    """The changes are not well formed (a damaged or forged bundle)."""


class FieldError(StagingError):
    """A change sets a field to a value its column cannot hold (issue 13, case 8): the record (table and
    id), the field, the value as sent (JSON text) and the rule it breaks (``Rule``)."""

    def __init__(self, table: str, row_id: str, field: str, value: str, rule: Rule) -> None:
        super().__init__(f"{table} {row_id}: {field} = {value}")
        self.table, self.row_id, self.field, self.value, self.rule = table, row_id, field, value, rule

    def __reduce__(self):  # as it is, from a staging process (``importing.stage_elsewhere``)
        return (FieldError, (self.table, self.row_id, self.field, self.value, self.rule))


@dataclass(frozen=True)
class Rule:
    """What one journalled field may hold: ``kind`` (integer, boolean, text, date, datetime), empty (JSON
    null) or not, the longest text (ids), the smallest and largest number, the closed list of values."""

    table: str
    field: str
    kind: str
    nullable: bool
    longest: int | None = None
    least: int | None = None
    most: int | None = None
    choices: tuple[str, ...] | None = None


# Values an import accepts beyond a column's type: the closed lists and ranges of the household form
# (records.households.validate) and of the models' comments.  "" stands for "not given" where the form
# allows it.
def _closed_lists() -> dict[tuple[str, str], tuple[str, ...]]:
    from xinjie_desktop.core.records import attachments
    from xinjie_desktop.core.rules import building, funds, identification, idnumber, membership, vocabulary
    from xinjie_desktop.core.rules import work_teams as teams

    def given(choices) -> tuple[str, ...]:
        return tuple(sorted(choices))

    def optional(choices) -> tuple[str, ...]:
        return ("", *given(choices))

    return {
        ("household", "attribute"): optional(vocabulary.ATTRIBUTES),
        ("household", "main_cause"): optional(vocabulary.CAUSES),
        ("household", "identification_standard"): optional(vocabulary.IDENTIFICATION_STANDARDS),
        ("member", "relation"): given(vocabulary.RELATIONS),
        ("member", "membership_basis"): given(membership.BASES),
        ("member", "sex"): optional((idnumber.MALE, idnumber.FEMALE)),
        ("member", "ethnicity"): optional(vocabulary.ETHNICITIES),
        ("member", "education"): optional(vocabulary.EDUCATION),
        ("member", "health"): optional(vocabulary.HEALTH),
        ("member", "labour"): optional(vocabulary.LABOUR),
        ("member", "schooling"): optional(vocabulary.SCHOOLING),
        ("workflow_step", "step"): given(identification.STEP_CODES),
        ("dangerous_house", "grade"): ("C", "D"),
        ("agreement", "status"): ("draft", "signed", "voided"),
        ("attachment", "purpose"): given(attachments.PURPOSES),
        # issue 20
        ("team_member", "role"): given(teams.MEMBER_ROLES),
        ("team_milestone", "task"): given(teams.RECORDED_TASKS),
        ("team_visit", "kind"): given(teams.VISIT_KINDS),
        ("team_meeting", "kind"): given(teams.MEETING_KINDS),
        ("team_check", "kind"): given(teams.CHECK_KINDS),
        ("team_check", "result"): given(teams.CHECK_RESULTS),
        ("fund", "source"): given(funds.SOURCES),
        ("fund_payment", "tranche"): given(funds.TRANCHES),
        ("fund_payment", "acknowledgement"): ("", "paper", "screen"),
        ("fund_check", "kind"): given(funds.CHECK_KINDS),
        ("building_stage", "stage"): given(building.STAGES),  # issues 18, 19
    }


_RANGES = {
    ("household", "system_population"): (0, 99),
    ("household", "exit_year"): (2014, None),
}
_BIGGEST = 2**63 - 1  # SQLite's largest integer


@functools.cache
def rules() -> tuple[Rule, ...]:
    """The rule of every journalled field of every travelling table, from the models."""
    closed = _closed_lists()
    found = []
    for name, columns in _new_record_columns().items():
        for column in columns:
            kind = column.type
            longest = least = most = None
            if isinstance(kind, Boolean):
                sort = "boolean"
            elif isinstance(kind, Integer):  # BigInteger too
                sort, least, most = "integer", -_BIGGEST - 1, _BIGGEST
                low, high = _RANGES.get((name, column.name), (None, None))
                least, most = (least if low is None else low), (most if high is None else high)
            elif isinstance(kind, DateTime):
                sort = "datetime"
            elif isinstance(kind, Date):
                sort = "date"
            else:
                sort = "text"
                if column.foreign_keys or column.name == "device_id":  # a record's id, a blob's SHA-256, a device
                    longest = kind.length if isinstance(kind, String) and kind.length else 64
            found.append(
                Rule(
                    name,
                    column.name,
                    sort,
                    bool(column.nullable),
                    longest,
                    least,
                    most,
                    closed.get((name, column.name)),
                )
            )
    return tuple(found)


_RULES_TABLE = (
    "CREATE TEMP TABLE field_rule (table_name TEXT NOT NULL, field TEXT NOT NULL, kind TEXT NOT NULL, "
    "nullable INTEGER NOT NULL, longest INTEGER, least INTEGER, most INTEGER, choices TEXT, "
    "PRIMARY KEY (table_name, field)) WITHOUT ROWID"
)
# A field whose value its rule refuses (e: the payload's entry, r: the rule); a closed list is held as its
# values between separators (char(31)), found with instr(): a look-up per field would cost more than the rest.
_BAD_FIELD = (
    "CASE WHEN e.type = 'null' THEN NOT r.nullable "
    "WHEN r.kind = 'text' THEN e.type != 'text' OR length(e.atom) > r.longest OR (r.choices IS NOT NULL "
    "AND (instr(r.choices, char(31) || e.atom || char(31)) = 0 OR instr(e.atom, char(31)) > 0)) "
    "WHEN r.kind = 'integer' THEN e.type != 'integer' OR e.atom < r.least OR e.atom > r.most "
    "WHEN r.kind = 'boolean' THEN e.type NOT IN ('true', 'false') AND NOT (e.type = 'integer' AND e.atom IN (0, 1)) "
    "WHEN e.type != 'text' THEN 1 "
    # date() alone takes 2023-02-30; by way of the day number it becomes 2023-03-02
    "WHEN r.kind = 'date' THEN date(julianday(e.atom)) IS NOT e.atom "
    "ELSE date(julianday(e.atom)) IS NOT substr(e.atom, 1, 10) END"
)


def attach(dbapi_connection) -> None:
    """Give a new connection the empty in-memory schema bundles are staged into (before any transaction:
    SQLite attaches nothing inside one)."""
    dbapi_connection.execute(f"ATTACH DATABASE ':memory:' AS {SCHEMA} KEY ''")  # never encrypted: never on disk


def document_rows(document: str) -> list[tuple]:
    """The changes of a bundle's ``changes.tsv``: one change a line, its nine fields separated by tabs
    (journal payloads are JSON text, which never holds a raw tab or line break); no village is empty."""
    rows = []
    for fields in document_fields(document):
        row: list[str | int | None] = list(fields)
        try:
            row[1], row[2] = int(fields[1]), int(fields[2])
        except ValueError:
            raise StagingError("a counter that is not a number") from None
        row[6] = fields[6] or None
        rows.append(tuple(row))
    return rows


def document_text(rows: list) -> str:
    """The ``changes.tsv`` of rows (origin, seq, hlc, table, row, op, village, payload, bases)."""
    return "".join(runs.line_text(row) + "\n" for row in rows)


def document_fields(document: str) -> list[list[str]]:
    """The lines of a ``changes.tsv`` split into their nine fields, as text (the staging table's INTEGER
    columns turn counters into numbers, and the validation refuses one that is not)."""
    return list(_fields_of_lines(document))


def _fields_of_lines(document: str, hashes: dict[tuple[str, str], bytes] | None = None) -> Iterator[list[str]]:
    """Each line's nine fields; ``hashes``: also each line's SHA-256 (``runs.line_hash``), by (origin, counter
    as the line spells it), for the record of who did what (``audit_chain.stage``)."""
    sha256 = hashlib.sha256
    for line in document.split("\n"):
        if line:
            fields = _split(line)
            if hashes is not None:
                hashes[fields[0], fields[1]] = sha256(line.encode("utf-8")).digest()
            yield fields


def _hashed_lines(document: str, source: str, hashes: dict[tuple[str, str], bytes] | None = None) -> Iterator[list]:
    """``_fields_of_lines`` with a tenth field: the line's SHA-256 (``runs.line_hash``) where its origin is
    not ``source`` (the sender's own changes need no run: its signature of the bundle covers them)."""
    sha256 = hashlib.sha256
    for line in document.split("\n"):
        if line:
            fields: list = _split(line)
            digest = None if fields[0] == source and hashes is None else sha256(line.encode("utf-8")).digest()
            if hashes is not None and digest is not None:
                hashes[fields[0], fields[1]] = digest
            fields.append(None if fields[0] == source else digest)
            yield fields


def _split(line: str) -> list[str]:
    """One line's nine fields, its payload and bases spelling only characters (``_check_escapes``)."""
    fields = line.split("\t")
    if len(fields) != len(COLUMNS):
        raise StagingError("a line without nine fields")
    if "\\u" in fields[7] or "\\u" in fields[8]:  # rare: a journal writes its text unescaped
        _check_escapes(fields[7])
        _check_escapes(fields[8])
    return fields


def _check_escapes(value: str) -> None:
    """JSON's escapes can spell half a surrogate pair, which is no character: SQLite's JSON functions
    would turn it into bytes that are not UTF-8, which no reader of the store could decode."""
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):  # not JSON: the validation names it
        return
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise StagingError("half a surrogate pair") from None


@functools.cache
def _new_record_columns() -> dict[str, list]:
    """Per travelling table, the journalled columns a created record is written with."""
    tables = change_log.tracked_tables()
    return {
        name: [column for column in tables[name].columns if column.name in change_log.fields(name)]
        for name in sorted(tables)
    }


@functools.cache
def _schema() -> tuple[str, ...]:
    statements = [
        "CREATE TABLE sync_incoming (origin_device TEXT NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, "
        "table_name TEXT NOT NULL, row_id TEXT NOT NULL, op TEXT NOT NULL, village_id TEXT, payload TEXT NOT NULL, "
        "bases TEXT NOT NULL, hash BLOB, PRIMARY KEY (origin_device, seq))",
        "CREATE INDEX sync_incoming_row ON sync_incoming (table_name, row_id)",
        runs.TABLE,
        audit_chain.TABLE,
        audit_chain.PROBLEM_TABLE,
    ]
    for name, columns in _new_record_columns().items():
        statements.append(
            f"CREATE TABLE new_{name} (staged INTEGER PRIMARY KEY, alone INTEGER NOT NULL, "
            + ", ".join(column.name for column in columns)
            + ")"
        )
    statements.append(
        "CREATE TABLE scope_ref (kind TEXT NOT NULL, id NOT NULL, created INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (kind, id)) WITHOUT ROWID"
    )
    # What the records a bundle creates say of their households' derived columns (``_derive_new_households``).
    statements.append(
        f"CREATE TABLE new_household_derived (id TEXT PRIMARY KEY, {', '.join(DERIVED_HERE)}) WITHOUT ROWID"
    )
    return tuple(statements)


# A line's counters as the sender writes them (``str(int)``): another spelling ("007", "+7") would be stored
# as the number and relayed in its own spelling, which its origin's signature does not cover.
_INSERT_CHANGE = (
    "INSERT INTO sync_incoming VALUES (?1, CASE WHEN CAST(CAST(?2 AS INTEGER) AS TEXT) = ?2 THEN ?2 END, "
    "CASE WHEN CAST(CAST(?3 AS INTEGER) AS TEXT) = ?3 THEN ?3 END, ?4, ?5, ?6, nullif(?7, ''), ?8, ?9, {hash})"
)


def staged_image(
    document: str,
    signed_runs: list[dict] | None = None,
    keys: dict[str, str] | None = None,
    source: str = "",
    params=None,
    audit: str = "",
    *,
    as_rows: bool = False,
) -> bytes | StagedRows:
    """The changes of ``changes.tsv`` staged, checked and the records they create read out, in an
    in-memory SQLite database of their own, serialized (``stage`` loads it).  Thread-safe: it uses a
    connection of its own.  ``StagingError`` when the changes are not well formed.

    ``signed_runs`` (the bundle's ``runs.json``) of other origins than the bundle's ``source`` are checked
    against ``keys`` (origin → signing key): their lines are hashed as they are staged (only when the bundle
    carries such runs), and the valid runs go into ``sync_run`` with the sender's own (``runs.verify``).
    ``params``: the policy parameters the derived columns of new households are computed under (those in force).
    ``audit``: the bundle's ``audit.tsv`` (core.sync.audit_chain.stage: where its chain breaks is kept in the
    image, for ``checking.check`` to refuse after the changes' other checks).
    ``as_rows``: the tables' rows instead of the image (for a store that cannot load an image, ``StagedRows``)."""
    database = sqlite3.connect(":memory:")
    # Its sorts and temporary tables in memory too: a bundle's names and ID numbers never reach a temporary file.
    database.execute("PRAGMA temp_store=MEMORY")
    try:
        for statement in _schema():  # empty tables first, always the same: the same pages in every image
            database.execute(statement)
        try:
            # Split as they are bound: the lines' fields are never all in memory at once.
            # The lines' hashes for the record of who did what, taken from the lines as they are staged
            # (a staged change's line, ``runs.line_text``, is the line it was read from: the validation refuses
            # a counter spelt otherwise).
            line_hashes: dict[tuple[str, str], bytes] | None = {} if audit else None
            if any(run["origin"] != source for run in signed_runs or ()):
                database.executemany(_INSERT_CHANGE.format(hash="?10"), _hashed_lines(document, source, line_hashes))
            else:
                database.executemany(_INSERT_CHANGE.format(hash="NULL"), _fields_of_lines(document, line_hashes))
        except sqlite3.Error as error:  # the same change twice, a counter spelt otherwise
            raise StagingError(str(error)) from None
        _validate(database)
        if signed_runs:
            runs.verify(database, signed_runs, keys or {}, source)
        for name, columns in _new_record_columns().items():
            database.execute(
                f"INSERT INTO new_{name} SELECT i.rowid, (SELECT count(*) FROM sync_incoming j WHERE j.table_name "
                f"= i.table_name AND j.row_id = i.row_id) = 1, {', '.join(_column_sql(column) for column in columns)} "
                f"FROM sync_incoming i WHERE i.table_name = '{name}' AND {CREATED}"
            )
        _validate_fields(database)
        # The record of who did what after the changes' own fields: a field of the wrong kind is named as such.
        try:
            audit_chain.stage(database, audit, line_hashes or {})
        except (ValueError, sqlite3.Error) as error:  # a malformed entry, the same entry twice
            raise StagingError(str(error)) from None
        if params is None:
            from xinjie_desktop.core.rules.policy_params import current

            params = current()
        _derive_new_households(database, params)
        _collect_owners(database)
        database.commit()
        return _rows_of(database) if as_rows else database.serialize()
    finally:
        database.close()


@dataclass(frozen=True)
class StagedRows:
    """A staged image as its statements and its tables' rows, for ``stage`` into a connection that cannot load an
    image: ``schema`` creates its tables and indexes in the ``incoming`` schema (if not there yet), ``tables`` holds
    per table its name, the statement inserting its rows and the rows themselves as one document (a JSON array of
    rows, each an array of its values, UTF-8) that the statement reads with ``jsonb_each`` (parsed once into SQLite's
    binary JSON, whose values it reads without parsing them again: half the time of ``json_each``).  Each table's rowid is
    kept: ``staged`` names a change by its rowid.

    One document a table, made and read by SQLite (issue 17): the rows cross from the staging's SQLite to the
    store's SQLCipher as one value, not as Python objects.  Handed over as Python values (tuples of many rows a
    statement) they cost the encrypted import about 0.3 s a bundle on the applying thread (binding each value,
    freeing each object afterwards) and about 0.7 s in the threads and processes that made, pickled and unpickled
    them, all holding Python's lock.  A JSON text keeps every value as it was: integers, texts (any character;
    the staging refuses what is not Unicode) and NULL as themselves; a column holding a blob (a line's hash)
    writes it as ``[hex]`` and is read back with ``unhex``.  Nothing else is stored in these tables: a real
    number is never a staged field (``_validate_fields`` refuses it for every kind)."""

    schema: tuple[str, ...]
    tables: tuple[tuple[str, str, bytes], ...]


_CREATE = re.compile(r"^CREATE (TABLE|INDEX) ")


def _rows_of(database) -> StagedRows:
    """The staged database's tables and indexes, and every table's rows as one document (``StagedRows``)."""
    schema, tables = [], []
    for kind, name, sql in database.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type = 'index', rowid"
    ):
        schema.append(_CREATE.sub(rf"CREATE \1 IF NOT EXISTS {SCHEMA}.", sql, count=1))
        if kind != "table":
            continue
        info = database.execute(f'PRAGMA table_info("{name}")').fetchall()
        columns = [f'"{column[1]}"' for column in info]
        keys = [column for column in info if column[5]]
        rowid_alias = len(keys) == 1 and keys[0][2].upper() == "INTEGER"
        if "WITHOUT ROWID" not in sql.upper() and not rowid_alias:
            columns.insert(0, "rowid")
        holds_blob = database.execute(
            f'SELECT {", ".join(f"coalesce(max(typeof({column}) = {_BLOB}), 0)" for column in columns)} FROM "{name}"'
        ).fetchone()
        (document,) = database.execute(
            "SELECT CAST(json_group_array(json_array("
            + ", ".join(
                f"CASE WHEN typeof({column}) = {_BLOB} THEN json_array(hex({column})) ELSE {column} END"
                if blob
                else column
                for column, blob in zip(columns, holds_blob, strict=True)
            )
            + f')) AS BLOB) FROM "{name}"'
        ).fetchone()
        read = ", ".join(
            f"CASE WHEN json_type(value, '$[{index}]') = 'array' THEN unhex(value ->> '$[{index}][0]') "
            f"ELSE value ->> {index} END"
            if blob
            else f"value ->> {index}"
            for index, blob in enumerate(holds_blob)
        )
        insert = f'INSERT INTO {SCHEMA}."{name}" ({", ".join(columns)}) SELECT {read} FROM jsonb_each(CAST(? AS TEXT))'
        tables.append((name, insert, document))
    return StagedRows(tuple(schema), tuple(tables))


_BLOB = "'blob'"


def image_rows(image: bytes) -> StagedRows:
    """``StagedRows`` of a serialized image."""
    database = sqlite3.connect(":memory:")
    try:
        database.deserialize(image)
        return _rows_of(database)
    finally:
        database.close()


def _validate(database) -> None:
    tables = ",".join(f"'{name}'" for name in change_log.tracked_tables())
    bad = database.execute(
        f"SELECT count(*) FROM sync_incoming WHERE op NOT IN ('upsert', 'delete') OR table_name NOT IN ({tables}) "
        "OR typeof(seq) != 'integer' OR typeof(hlc) != 'integer' OR json_valid(payload) = 0 "
        "OR substr(payload, 1, 1) != '{' OR substr(bases, 1, 1) != '{'"
    ).fetchone()[0]
    if bad:
        raise StagingError(f"{bad} malformed changes")


def _validate_fields(database) -> None:
    """Every field every change sets, against its column (``rules``), before anything is written: a
    ``FieldError`` names the first one refused.  Fields the models do not know (a newer sender's) are
    left alone.

    Two ways, for speed (this runs for every change of every bundle): a created record's fields are
    already read out of the JSON into ``new_<table>``, where one pass per table checks them as SQLite
    values (``_created_field_check``); a JSON array or object there would read as text, so a creation
    holding one (``:[`` or ``:{`` in its payload, which a journal's text values never hold unescaped in
    that form after a key) and every other change are checked field by field from their JSON."""
    database.execute(_RULES_TABLE)
    database.executemany(
        "INSERT INTO temp.field_rule VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.table,
                r.field,
                r.kind,
                r.nullable,
                r.longest,
                r.least,
                r.most,
                None if r.choices is None else "\x1f" + "\x1f".join(r.choices) + "\x1f",
            )
            for r in rules()
        ],
    )
    bad = database.execute(
        # CROSS JOIN: the rule looked up by its key for each field (SQLite would rather scan the rules)
        "SELECT i.table_name, i.row_id, e.key, json_quote(e.value) FROM sync_incoming i CROSS JOIN json_each(i.payload) e "
        "CROSS JOIN temp.field_rule r ON r.table_name = i.table_name AND r.field = e.key "
        f"WHERE i.op = 'upsert' AND (NOT ({CREATED}) OR instr(i.payload, ':[') > 0 OR instr(i.payload, ':{{') > 0) "
        f"AND ({_BAD_FIELD}) ORDER BY i.rowid LIMIT 1"
    ).fetchone()
    if bad is None:
        for check in _created_field_check().values():
            found = database.execute(check).fetchone()
            if found is not None:
                bad = database.execute(
                    "SELECT table_name, row_id, ?, json_quote(json_extract(payload, '$.' || ?)) FROM sync_incoming "
                    "WHERE rowid = ?",
                    (found[1], found[1], found[0]),
                ).fetchone()
                break
    if bad is not None:
        table, row_id, field, value = bad
        rule = next(r for r in rules() if r.table == table and r.field == field)
        raise FieldError(table, row_id, field, value, rule)


@functools.cache
def _created_field_check() -> dict[str, str]:
    """Per table, the query finding a created record (in ``new_<table>``, its fields as the store keeps them)
    with a field its rule refuses: (staged, field).  A JSON null where the model has a default reads as
    the default there (as a field an older sender did not have)."""
    checks = {}
    for name in _new_record_columns():
        cases = []
        for rule in (r for r in rules() if r.table == name):
            x = rule.field
            if rule.kind == "text":
                wrong = f"typeof({x}) != 'text'"
                if rule.longest is not None:
                    wrong += f" OR length({x}) > {rule.longest}"
                if rule.choices is not None:
                    wrong += f" OR {x} NOT IN ({', '.join(_literal(choice) for choice in rule.choices)})"
            elif rule.kind == "integer":
                wrong = f"typeof({x}) != 'integer' OR {x} < {rule.least} OR {x} > {rule.most}"
            elif rule.kind == "boolean":
                wrong = f"typeof({x}) != 'integer' OR {x} NOT IN (0, 1)"
            elif rule.kind == "date":
                wrong = f"typeof({x}) != 'text' OR date(julianday({x})) IS NOT {x}"
            else:  # datetime, as _column_sql made it (julianday() is NULL for what is not a date and time)
                wrong = f"date(julianday({x})) IS NOT substr({x}, 1, 10)"
            refused = f"{x} IS NOT NULL AND ({wrong})" if rule.nullable else f"{x} IS NULL OR {wrong}"
            cases.append(f"WHEN {refused} THEN '{x}'")
        checks[name] = (
            f"SELECT staged, CASE {' '.join(cases)} END AS field FROM new_{name} WHERE field IS NOT NULL LIMIT 1"
        )
    return checks


# The records a household's derived columns are computed from, in the order ``households.refresh_many`` reads
# them: (attribute, table, order).
_DERIVED_FROM = (
    ("members", "member", "position"),
    ("incomes", "income_worksheet", "year"),
    ("steps", "workflow_step", "ordinal"),
    ("objections", "objection", "raised_on"),
)


def _derive_new_households(database, params) -> None:
    """For every household the bundle creates, its derived columns (``households.derived_values``: head, head's
    ID number, actual population, workflow step, flags, search text) computed here from the records the bundle
    creates, under this computer's parameters (issue 13, case 9: the sender's word is not taken for any of
    them), into ``new_household_derived``.  The merge writes them with households created whole (the list key
    there, from the village and group as stored); one whose records the merge touches, or sharing an ID number
    with another household, is computed again from the store (``merge.finish``).  The records are read as
    SQLAlchemy would read them from the store (its SQLite result processors), so that the values are the same."""
    from types import SimpleNamespace

    from xinjie_desktop.core.records.households import derived_values

    def records(name: str, key: str, order: str = "") -> Iterator[Sequence]:
        """(key, then the record's fields ``_read_as_stored`` names, as SQLAlchemy reads them) of every record
        the bundle creates in table ``name``."""
        names, processors, _kind = _read_as_stored(name)
        query = (
            f"SELECT {key}, {', '.join(f'n.{column}' for column in names)} FROM new_{name} n "
            f"JOIN sync_incoming i ON i.rowid = n.staged {order}"
        )
        if not processors:
            yield from database.execute(query)
            return
        for row in database.execute(query):
            values = list(row)
            for index, convert in processors.items():
                values[index] = convert(values[index])
            yield values

    found = {}
    names = _read_as_stored("household")[0]
    for row in records("household", "i.row_id"):
        household = SimpleNamespace(**dict(zip(names, row[1:], strict=True)))
        household.id = row[0]
        for attribute, _table, _order in _DERIVED_FROM:
            setattr(household, attribute, [])
        found[row[0]] = household
    if not found:
        return
    for attribute, table, order in _DERIVED_FROM:
        make = _read_as_stored(table)[2]._make
        for row in records(table, "n.household_id", f"ORDER BY n.household_id, n.{order}"):
            owner = found.get(row[0])
            if owner is not None:  # (a record added to a household this store holds: not derived here)
                getattr(owner, attribute).append(make(row[1:]))
    rows = []
    for household_id, household in found.items():
        values = derived_values(household, "", "", params, set())
        rows.append((household_id, *(values[name] for name in DERIVED_HERE)))
    marks = ", ".join("?" * (len(DERIVED_HERE) + 1))
    database.executemany(f"INSERT OR REPLACE INTO new_household_derived VALUES ({marks})", rows)


@functools.cache
def _read_as_stored(name: str) -> tuple[list[str], dict[int, Any], Any]:
    """How ``_derive_new_households`` reads the records of table ``name``: the columns ``derived_values`` reads
    (``households.fields_read``), SQLAlchemy's SQLite result processors by position in a row whose first value is
    a key, and a named tuple of those fields (cheap to make, one a record)."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from xinjie_desktop.core.records.households import fields_read

    dialect = sqlite_dialect.dialect()
    read = fields_read()[name]
    columns = [column for column in _new_record_columns()[name] if column.name in read]
    processors = {
        index: convert
        for index, convert in enumerate(
            (column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns), start=1
        )
        if convert is not None
    }
    names = [column.name for column in columns]
    return names, processors, collections.namedtuple(f"new_{name}", names)


# The derived columns ``_derive_new_households`` computes (the list key is the merge's: it needs the names of
# the village and group as stored).
DERIVED_HERE = ("head_name", "head_id_number", "actual_population", "workflow_step", "flags", "search_text")


# The records a laptop may not change at all: the township's own (issue 13, case 6).
# The funds' ledger and checks (issue 19) are the township's too: a laptop never changes them.
SHARED = ("township", "village", "villager_group", "fund", "fund_check", "fund_finding")
# The accounts (issue 17): belong to no one record but to the villages of their scope (core.sync.scope).
PEOPLE = ("accounts",)
# What a column naming an owner names (``OWNERS``), and the table that holds it.
OWNER_KINDS = {
    "village_id": ("village", "village"),
    "group_id": ("group", "villager_group"),
    "household_id": ("household", "household"),
    "notice_id": ("notice", "public_notice"),
    "agreement_id": ("agreement", "agreement"),
}


@functools.cache
def owners() -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Per travelling table of a village (not ``SHARED``), the columns naming what a record belongs to:
    (column, kind, may be empty).  A household belongs to its group and village; a notice to its village
    (and group); a record of a household to the household; a signature to its agreement; an objection to
    its notice (and the household it names).  An acceptance belongs to its household (the agreement it
    names is the household's)."""
    from xinjie_desktop.core.store.models import Base

    tracked = change_log.tracked_tables()
    found = {}
    for table in Base.metadata.sorted_tables:  # a record before those that hang from it (named first)
        name = table.name
        if name in SHARED or name in PEOPLE or name not in tracked:
            continue
        columns = [
            (column, OWNER_KINDS[column][0], bool(table.c[column].nullable))
            for column in OWNER_KINDS
            if column in table.c and not (column == "agreement_id" and "household_id" in table.c)
        ]
        found[name] = tuple(columns)
    return found


def _collect_owners(database) -> None:
    """``scope_ref``: what every change names as its record's owner, once (a bundle of 2,000 households
    names two groups), so that the applying thread looks up only those."""
    for name, columns in owners().items():
        for column, kind, _empty in columns:
            database.execute(
                f"INSERT OR IGNORE INTO scope_ref (kind, id) SELECT '{kind}', {column} FROM new_{name} "
                f"WHERE {column} IS NOT NULL"
            )
            database.execute(
                f"INSERT OR IGNORE INTO scope_ref (kind, id) SELECT '{kind}', json_extract(i.payload, '$.{column}') "
                f"FROM sync_incoming i WHERE i.table_name = '{name}' AND i.op = 'upsert' AND NOT ({CREATED}) "
                f"AND json_extract(i.payload, '$.{column}') IS NOT NULL"
            )
    for kind, table in OWNER_KINDS.values():
        database.execute(
            f"UPDATE scope_ref SET created = 1 WHERE kind = '{kind}' AND id IN (SELECT i.row_id FROM sync_incoming i "
            f"WHERE i.table_name = '{table}' AND {CREATED})"
        )


def stage(connection, image: bytes | StagedRows) -> None:
    """Load a bundle's ``staged_image`` into the ``incoming`` schema of the store's connection (a
    SQLAlchemy connection), in place of the bundle staged there before: the image itself, or (an encrypted
    store's connection, which cannot load one) its tables' rows."""
    driver = connection.connection.driver_connection
    if isinstance(image, bytes):
        if hasattr(driver, "deserialize"):
            driver.deserialize(image, name=SCHEMA)
            return
        image = image_rows(image)
    for statement in image.schema:
        driver.execute(statement)
    for name, insert, document in image.tables:
        driver.execute(f'DELETE FROM {SCHEMA}."{name}"')
        if document != b"[]":
            driver.execute(insert, (document,))


def _column_sql(column) -> str:
    """SQL reading one field of a journalled record into the form SQLAlchemy stores it in (a field the
    sender's version did not have takes its default)."""
    value = f"json_extract(i.payload, '$.{column.name}')"
    default = column.default.arg if column.default is not None and not callable(column.default.arg) else None
    if default is not None and not column.nullable:
        value = f"coalesce({value}, {_literal(default)})"
    if isinstance(column.type, DateTime):  # ISO 8601 "T" → "YYYY-MM-DD HH:MM:SS.ffffff" (whole seconds: ".000000")
        return f"substr(replace({value}, 'T', ' ') || '.000000', 1, 26)"
    return value


def _literal(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def new_record_columns(name: str) -> list[str]:
    """The columns of ``incoming.new_<name>`` that hold the record's fields."""
    return [column.name for column in _new_record_columns()[name]]
