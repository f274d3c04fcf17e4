"""The changes of a bundle staged where SQLite can work on them (issue 5, the import).

A bundle's ``changes.tsv`` (one change a line, nine tab-separated fields) is put in an SQLite database of
its own, in memory, before anything is checked or written: ``staged_image`` builds it and returns it
serialized.  It holds

* ``sync_incoming``: one row per change (its ``rowid`` is the line number, from 1), indexed by record;
* ``new_<table>``: for every change that creates a record (all its fields), the record's columns already
  read out of the JSON payload into the form the store keeps them in (``staged`` is the change's rowid;
  ``alone`` says it is the only change of that record in the bundle).

Building it is the import's Python and JSON work: splitting lines, binding them, validating the payloads,
reading fields out of JSON.  An import builds the next bundle's image in a reader thread while the
current bundle is applied (SQLite lets go of Python during its statements), so that work runs on the
second processor core.  ``stage`` loads an image into the store connection's ``incoming`` schema (an
in-memory database attached to every connection, ``attach``), where the merge finds it under the same
table names; SQLite cannot attach a database inside a transaction, but it can load an image into one
already attached.

Every image is made by the same statements in the same order, so its tables sit at the same pages: a
statement the connection prepared against one bundle's image stays right for the next one.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator

from sqlalchemy.sql.sqltypes import DateTime

from xinjie_desktop.core.sync import change_log

SCHEMA = "incoming"
COLUMNS = ("origin_device", "seq", "hlc", "table_name", "row_id", "op", "village_id", "payload", "bases")
# A change that creates its record ("created_at" as a key: inside a JSON string the quotes are escaped).
CREATED = "i.op = 'upsert' AND instr(i.payload, '\"created_at\":') > 0"


class StagingError(ValueError):
    """The changes are not well formed (a damaged or forged bundle)."""


def attach(dbapi_connection) -> None:
    """Give a new connection the empty in-memory schema bundles are staged into (before any transaction:
    SQLite attaches nothing inside one)."""
    dbapi_connection.execute(f"ATTACH DATABASE ':memory:' AS {SCHEMA}")


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
    return "".join("\t".join("" if value is None else str(value) for value in row) + "\n" for row in rows)


def document_fields(document: str) -> list[list[str]]:
    """The lines of a ``changes.tsv`` split into their nine fields, as text (the staging table's INTEGER
    columns turn counters into numbers, and the validation refuses one that is not)."""
    return list(_fields_of_lines(document))


def _fields_of_lines(document: str) -> Iterator[list[str]]:
    for line in document.split("\n"):
        if line:
            fields = line.split("\t")
            if len(fields) != len(COLUMNS):
                raise StagingError("a line without nine fields")
            yield fields


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
        "bases TEXT NOT NULL, PRIMARY KEY (origin_device, seq))",
        "CREATE INDEX sync_incoming_row ON sync_incoming (table_name, row_id)",
    ]
    for name, columns in _new_record_columns().items():
        statements.append(
            f"CREATE TABLE new_{name} (staged INTEGER PRIMARY KEY, alone INTEGER NOT NULL, "
            + ", ".join(column.name for column in columns)
            + ")"
        )
    return tuple(statements)


def staged_image(document: str) -> bytes:
    """The changes of ``changes.tsv`` staged, checked and the records they create read out, in an
    in-memory SQLite database of their own, serialized (``stage`` loads it).  Thread-safe: it uses a
    connection of its own.  ``StagingError`` when the changes are not well formed."""
    database = sqlite3.connect(":memory:")
    try:
        for statement in _schema():  # empty tables first, always the same: the same pages in every image
            database.execute(statement)
        try:
            # Split as they are bound: the lines' fields are never all in memory at once.
            database.executemany(
                "INSERT INTO sync_incoming VALUES (?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?)", _fields_of_lines(document)
            )
        except sqlite3.Error as error:  # the same change twice
            raise StagingError(str(error)) from None
        _validate(database)
        for name, columns in _new_record_columns().items():
            database.execute(
                f"INSERT INTO new_{name} SELECT i.rowid, (SELECT count(*) FROM sync_incoming j WHERE j.table_name "
                f"= i.table_name AND j.row_id = i.row_id) = 1, {', '.join(_column_sql(column) for column in columns)} "
                f"FROM sync_incoming i WHERE i.table_name = '{name}' AND {CREATED}"
            )
        database.commit()
        return database.serialize()
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


def stage(connection, image: bytes) -> None:
    """Load a bundle's ``staged_image`` into the ``incoming`` schema of the store's connection (a
    SQLAlchemy connection), in place of the bundle staged there before."""
    connection.connection.driver_connection.deserialize(image, name=SCHEMA)


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
