"""The record of who did what, chained by hashes per device (issue 17).

Every change of the journal (``change_log``: which record, which fields, their new values, the village) gets
an entry in ``audit_record`` keyed like it (origin device, counter): the account that made it (``Store.actor``:
its id and name at the time; empty where no one was logged in), when (the wall clock of the computer that
made it, UTC), and the values it replaced (``old``: the changed fields' values before; every field of a
deleted record; nothing for a created one).  It is written by the same flush hooks that journal the change
(``change_log._after_flush``, ``change_log.log_bulk``).

Each device's entries form a chain: an entry's ``hash`` is the SHA-256 of ``CONTEXT``, the ``prev_hash`` (the
hash of the device's entry before it; ``GENESIS`` for its first, the first change after migration 0013) and
the entry's canonical content (``content``: origin, counter, time, account id and name, old values and the
SHA-256 of the change's line as a bundle carries it, ``runs.line_text``).  So altering an entry, or the
change it records, breaks its own hash; removing one, or putting two in another order, breaks the link of
the next; ``verify_chain`` names each such entry.  The chain is as strong as its anchor: a store's own
entries exported before are held, and checked, at the township office; one who can write the file can
compute a whole new chain from a point on, which the copies elsewhere then contradict.

Entries travel with their changes (``PART``, ``audit.tsv``: one entry a line, its eight fields tab-separated);
the receiver stages them (``stage``: every field checked, every entry's hash recomputed from the staged change,
the links inside the bundle checked) and compares the links at the bundle's edges with the entries it holds
(``staged_conflict``) before anything is written; then ``keep`` stores them.  Any order of arrival gives
every store the same entries for the changes it holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop.core.rules.permissions import Actor
from xinjie_desktop.core.sync import runs
from xinjie_desktop.i18n import _

PART = "audit.tsv"
CONTEXT = b"xinjie-desktop audit record v1\n"  # domain separation of an entry's hash
GENESIS = "0" * 64  # the prev_hash of a device's first entry
COLUMNS = ("origin_device", "seq", "at", "account_id", "account_name", "old", "prev_hash", "hash")
# The staged image's table of a bundle's entries (staging builds it in every image, the same way).
TABLE = (
    "CREATE TABLE sync_audit (origin_device TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, "
    "account_id TEXT NOT NULL, account_name TEXT NOT NULL, old TEXT NOT NULL, prev_hash TEXT NOT NULL, "
    "hash TEXT NOT NULL, PRIMARY KEY (origin_device, seq))"
)
# Where the bundle's own chain breaks (``stage``), for ``check`` to refuse after the changes' other checks,
# whose reasons are more precise (a record outside the sender's villages, a field of the wrong kind).
PROBLEM_TABLE = (
    "CREATE TABLE sync_audit_problem (origin_device TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL)"
)
_CHANGE_COLUMNS = ("origin_device", "seq", "hlc", "table_name", "row_id", "op", "village_id", "payload", "bases")
NAME_LIMIT = 100
OLD_LIMIT = 1024 * 1024  # the old values of one change (JSON text), as a bundle may bring them


class ChainError(ValueError):
    """A bundle's record of who did what is not a chain (``stage``, ``staged_conflict``): the device and
    entry where it breaks, and how (``kind``: ``altered``, ``link``, ``differs``, ``missing``: a change after
    the chain's start carried without its entry)."""

    def __init__(self, origin: str, seq: int, kind: str) -> None:
        super().__init__(f"{origin} {seq}: {kind}")
        self.origin, self.seq, self.kind = origin, seq, kind


# --- the hash ---------------------------------------------------------------------------------------------


def line_sha256(change: Sequence[Any]) -> str:
    """The SHA-256 (hex) of a change's line (its nine journal fields, ``runs.line_text``)."""
    return runs.line_hash(runs.line_text(change).encode("utf-8")).hex()


# ``json.dumps`` with these options would make an encoder for each entry (tens of thousands an import).
_CONTENT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def content(origin: str, seq: int, at: str, account_id: str, account_name: str, old: str, line: str) -> bytes:
    """An entry's canonical content: JSON of its fields in a fixed order, the old values as the text stored."""
    return _CONTENT.encode([origin, int(seq), at, account_id, account_name, old, line]).encode("utf-8")


_SEEDED = hashlib.sha256(CONTEXT)  # copied for each entry


def entry_hash(prev_hash: str, origin: str, seq: int, at: str, account_id: str, name: str, old: str, line: str) -> str:
    digest = _SEEDED.copy()
    digest.update(prev_hash.encode("ascii", "replace") + b"\n")
    digest.update(content(origin, seq, at, account_id, name, old, line))
    return digest.hexdigest()


def now_text(now: dt.datetime | None = None) -> str:
    """When, as an entry records it: UTC, ISO 8601, whole seconds."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def clean_name(name: str) -> str:
    """An account's name as recorded: no tab or line break (a line of ``audit.tsv``), at most 100 characters."""
    return " ".join(name.split())[:NAME_LIMIT] if any(c in name for c in "\t\r\n") else name[:NAME_LIMIT]


# --- writing ----------------------------------------------------------------------------------------------


def _last_hash(connection, origin: str) -> str:
    row = connection.exec_driver_sql(
        "SELECT hash FROM audit_record WHERE origin_device = ? ORDER BY seq DESC LIMIT 1", (origin,)
    ).first()
    return row[0] if row else GENESIS


def record(
    connection,
    changes: Sequence[dict],
    olds: dict[tuple[str, str], str],
    actor: Actor | None,
    at: str | None = None,
) -> None:
    """The entries of ``changes`` (journal rows just written by this device, in counter order): ``olds`` gives,
    per (table, row id), the JSON text of the values each change replaced ("{}" where none)."""
    if not changes:
        return
    origin = changes[0]["origin_device"]
    prev = _last_hash(connection, origin)
    at = at or now_text()
    account_id = actor.id if actor is not None else ""
    name = clean_name(actor.name) if actor is not None else ""
    rows = []
    for change in changes:
        old = olds.get((change["table_name"], change["row_id"]), "{}")
        line = line_sha256([change[column] for column in _CHANGE_COLUMNS])
        digest = entry_hash(prev, origin, change["seq"], at, account_id, name, old, line)
        rows.append((origin, change["seq"], at, account_id, name, old, prev, digest))
        prev = digest
    connection.exec_driver_sql(
        f"INSERT INTO audit_record ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows
    )


# --- checking a store's chain -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    """Where a device's chain is broken: the entry (``seq``) and how (``kind``): ``altered`` (its hash does not
    match its content or its change), ``missing`` (removed), ``link`` (it does not follow the entry before it:
    one was altered, replaced or put in another order), ``no_change`` (the change it records was removed)."""

    device_id: str
    seq: int
    kind: str

    def message(self, device_name: str = "") -> str:
        who = _("{name} (device {id})").format(name=device_name, id=self.device_id) if device_name else self.device_id
        texts = {
            "altered": _(
                "Entry {seq} of {device} in the record of who did what was altered: its hash does not match "
                "its content."
            ),
            "missing": _("Entry {seq} of {device} in the record of who did what is missing: it was removed."),
            "link": _(
                "Entry {seq} of {device} in the record of who did what does not follow the entry before it: an "
                "entry was altered, replaced or put in another order."
            ),
            "no_change": _(
                "Entry {seq} of {device} in the record of who did what names a change that is not in the "
                "journal: the change was removed."
            ),
        }
        return texts[self.kind].format(seq=self.seq, device=who)


def _expected(session: Session, device_id: str) -> tuple[bool, list[tuple[int, int, set[int]]]]:
    """Whether the device is this store's own (its journal is whole here), and the runs held of it (a run
    vouches for every change in it but those a relay left out)."""
    own = session.execute(text("SELECT value FROM local_setting WHERE key = 'device_id'")).scalar() == device_id
    held = []
    for first, last, omitted in session.execute(
        text("SELECT first_seq, last_seq, omitted FROM change_run WHERE origin_device = :d"), {"d": device_id}
    ):
        try:
            left_out = {int(seq) for seq in json.loads(omitted or "{}")}
        except (ValueError, TypeError):
            left_out = set()
        held.append((first, last, left_out))
    return own, held


def verify_chain(session: Session, device_id: str) -> list[ChainProblem]:
    """The problems of ``device_id``'s chain as this store holds it, in counter order (none: intact).

    Every entry's hash is recomputed from its content and the change it records; each entry whose
    predecessor is held must follow it; an entry is missing where this store holds its change, where the
    device is this store itself (its journal is whole), or where a signed run held here vouches for it.
    Entries this store never received (a laptop receives the changes of its own villages) are no problem."""
    own, held_runs = _expected(session, device_id)
    journal = {
        seq
        for (seq,) in session.execute(
            text("SELECT seq FROM change_log WHERE origin_device = :d"),
            {"d": device_id},
        )
    }

    def vouched(seq: int) -> bool:
        return own or seq in journal or any(f <= seq <= last and seq not in out for f, last, out in held_runs)

    problems: list[ChainProblem] = []
    missing: set[int] = set()
    rows = session.execute(
        text(
            "SELECT a.seq, a.at, a.account_id, a.account_name, a.old, a.prev_hash, a.hash, "
            "c.origin_device, c.seq, c.hlc, c.table_name, c.row_id, c.op, c.village_id, c.payload, c.bases "
            "FROM audit_record a LEFT JOIN change_log c ON c.origin_device = a.origin_device AND c.seq = a.seq "
            "WHERE a.origin_device = :d ORDER BY a.seq"
        ),
        {"d": device_id},
    )
    previous: tuple[int, str] | None = None
    first_seq = None
    for seq, at, account_id, name, old, prev, digest, *change in rows:
        first_seq = seq if first_seq is None else first_seq
        if change[0] is None:
            problems.append(ChainProblem(device_id, seq, "no_change"))
        elif entry_hash(prev, device_id, seq, at, account_id, name, old, line_sha256(change)) != digest:
            problems.append(ChainProblem(device_id, seq, "altered"))
        if previous is None:
            if prev != GENESIS and seq > 1 and vouched(seq - 1):
                missing.add(seq - 1)
        elif previous[0] == seq - 1:
            if prev != previous[1]:
                problems.append(ChainProblem(device_id, seq, "link"))
        else:
            gap = [m for m in range(previous[0] + 1, seq) if vouched(m)]
            missing.update(gap)
            if prev == GENESIS:
                problems.append(ChainProblem(device_id, seq, "link"))
        previous = (seq, digest)
    if first_seq is not None:
        assert previous is not None
        # Changes after the chain's start without their entry, and the end of a run beyond the last entry.
        missing.update(seq for seq in journal if seq > first_seq and seq > previous[0])
        ends = [last for _f, last, _o in held_runs if last > previous[0]]
        if ends:
            missing.update(m for m in range(previous[0] + 1, max(ends) + 1) if vouched(m))
    problems.extend(ChainProblem(device_id, seq, "missing") for seq in missing)
    return sorted(problems, key=lambda problem: (problem.seq, problem.kind))


def devices(session: Session) -> list[str]:
    """The devices whose entries this store holds."""
    return list(session.execute(text("SELECT DISTINCT origin_device FROM audit_record ORDER BY 1")).scalars())


def verify_all(session: Session) -> list[ChainProblem]:
    """``verify_chain`` of every device this store holds entries of."""
    return [problem for device_id in devices(session) for problem in verify_chain(session, device_id)]


# --- in bundles -------------------------------------------------------------------------------------------


def for_changes(session: Session, changes: Sequence[Sequence[Any]]) -> str:
    """``audit.tsv`` for a bundle carrying ``changes`` (journal rows): the entries this store holds of them."""
    carried: defaultdict[str, set[int]] = defaultdict(set)
    for change in changes:
        carried[change[0]].add(int(change[1]))
    lines = []
    for origin, seqs in sorted(carried.items()):
        for row in session.connection().exec_driver_sql(
            f"SELECT {', '.join(COLUMNS)} FROM audit_record WHERE origin_device = ? AND seq BETWEEN ? AND ? "
            "ORDER BY seq",
            (origin, min(seqs), max(seqs)),
        ):
            if row[1] in seqs:
                lines.append("\t".join(str(value) for value in row) + "\n")
    return "".join(lines)


def _lines(document: str) -> Iterator[list[str]]:
    for line in document.split("\n"):
        if line:
            fields = line.split("\t")
            if len(fields) != len(COLUMNS):
                raise ValueError("an entry without eight fields")
            yield fields


_INSERT = (
    "INSERT INTO sync_audit VALUES (?1, CASE WHEN CAST(CAST(?2 AS INTEGER) AS TEXT) = ?2 THEN ?2 END, "
    "?3, ?4, ?5, ?6, ?7, ?8)"
)
# An entry whose fields are not as a writer writes them (a: the staged entry); its two hashes are checked in
# ``stage``'s pass over the entries (``_HEX``: SQLite's GLOB over 2 × 64 characters took a third of the staging).
_MALFORMED = (
    "SELECT count(*) FROM sync_audit a WHERE length(a.origin_device) > 36 OR a.seq < 1 "
    "OR length(a.at) != 19 OR strftime('%Y-%m-%dT%H:%M:%S', a.at) IS NOT a.at "
    f"OR length(a.account_id) > 36 OR length(a.account_name) > {NAME_LIMIT} "
    f"OR instr(a.account_name, char(13)) > 0 OR length(CAST(a.old AS BLOB)) > {OLD_LIMIT} "
    "OR NOT json_valid(a.old) OR json_type(a.old) != 'object' "
    "OR typeof(a.origin_device) != 'text' OR typeof(a.old) != 'text' "
    "OR NOT EXISTS (SELECT 1 FROM sync_incoming i WHERE i.origin_device = a.origin_device AND i.seq = a.seq)"
)


_HEX = re.compile(r"[0-9a-f]{64}\Z")


def stage(database, document: str, line_hashes: dict[tuple[str, str], bytes]) -> None:
    """Stage a bundle's ``audit.tsv`` into ``sync_audit`` of its staged image (``database``: the staging's own
    sqlite3 connection, its changes staged in ``sync_incoming``) and check it: every field as a writer writes it,
    every entry the entry of a change the bundle carries, its hash that of its content and that change, and
    each entry whose predecessor the bundle carries following it.  ``ValueError`` for a malformed entry (the
    staging reports the bundle damaged); where the chain breaks goes into ``sync_audit_problem``, which
    ``staged_conflict`` reports.  ``line_hashes``: each staged change's line hash by (origin, counter as text),
    taken as the lines were staged (``staging._fields_of_lines``)."""
    if not document:
        return
    database.executemany(_INSERT, _lines(document))
    (bad,) = database.execute(_MALFORMED).fetchone()
    if bad:
        raise ValueError(f"{bad} malformed entries of the record of who did what")
    problems = []
    # Every entry's change is staged (``_MALFORMED``), its line hashed under its counter as the line spells it.
    query = (
        "SELECT a.origin_device, a.seq, a.at, a.account_id, a.account_name, a.old, a.prev_hash, a.hash, "
        "p.hash FROM sync_audit a LEFT JOIN sync_audit p ON p.origin_device = a.origin_device "
        "AND p.seq = a.seq - 1 ORDER BY a.origin_device, a.seq"
    )
    entries = ((*row, line_hashes.get((row[0], str(row[1])), b"").hex()) for row in database.execute(query))
    malformed = 0
    for origin, seq, at, account_id, name, old, prev, digest, before, line in entries:
        if not (_HEX.match(prev) and _HEX.match(digest)):
            malformed += 1
        elif entry_hash(prev, origin, seq, at, account_id, name, old, line) != digest:
            problems.append((origin, seq, "altered"))
        elif before is not None and before != prev:
            problems.append((origin, seq, "link"))
    if malformed:
        raise ValueError(f"{malformed} malformed entries of the record of who did what")
    problems.extend((origin, seq, "missing") for origin, seq in database.execute(_WITHOUT_ENTRY).fetchmany(1))
    database.executemany("INSERT INTO sync_audit_problem VALUES (?, ?, ?)", sorted(problems)[:1])


# A change carried without its entry, although its origin's chain had started before it in the bundle: its
# entry was left out.
_WITHOUT_ENTRY = (
    "SELECT i.origin_device, i.seq FROM sync_incoming i WHERE NOT EXISTS (SELECT 1 FROM sync_audit a "
    "WHERE a.origin_device = i.origin_device AND a.seq = i.seq) AND EXISTS (SELECT 1 FROM sync_audit b "
    "WHERE b.origin_device = i.origin_device AND b.seq < i.seq) ORDER BY 1, 2 LIMIT 1"
)


def staged_conflict(connection) -> ChainError | None:
    """Where the staged bundle's chain breaks (found by ``stage``), else the first entry of the staged bundle that
    contradicts the entries this store holds (``connection``: the store's, with the bundle staged): held with
    another hash, not following the held entry before it, or not followed by the held entry after it.

    A change carried without its entry where the bundle holds none of its device's entries before it, while
    this store holds some, is not refused: the change is resent in every bundle until it is acknowledged, so
    refusing would stop that computer's sync for good; ``verify_chain`` names the entry missing here instead."""
    row = connection.exec_driver_sql("SELECT origin_device, seq, kind FROM sync_audit_problem LIMIT 1").first()
    if row is not None:
        return ChainError(row[0], row[1], row[2])
    row = connection.exec_driver_sql(
        "SELECT a.origin_device, a.seq, 'differs' FROM sync_audit a CROSS JOIN audit_record r "
        "ON r.origin_device = a.origin_device AND r.seq = a.seq WHERE r.hash != a.hash "
        # The links inside the bundle are checked (``stage``): only its edges are looked up among those held.
        # (CROSS JOIN: the bundle's entries outside, each looked up by its key; not every entry held scanned.)
        "UNION ALL SELECT a.origin_device, a.seq, 'link' FROM sync_audit a CROSS JOIN audit_record r "
        "ON r.origin_device = a.origin_device AND r.seq = a.seq - 1 WHERE NOT EXISTS (SELECT 1 FROM sync_audit p "
        "WHERE p.origin_device = a.origin_device AND p.seq = a.seq - 1) AND a.prev_hash != r.hash "
        "UNION ALL SELECT r.origin_device, r.seq, 'link' FROM sync_audit a CROSS JOIN audit_record r "
        "ON r.origin_device = a.origin_device AND r.seq = a.seq + 1 WHERE NOT EXISTS (SELECT 1 FROM sync_audit n "
        "WHERE n.origin_device = a.origin_device AND n.seq = a.seq + 1) AND r.prev_hash != a.hash "
        "ORDER BY 1, 2 LIMIT 1"
    ).first()
    return ChainError(row[0], row[1], row[2]) if row else None


def keep(connection) -> None:
    """The staged bundle's entries, kept (those held already are held alike: ``staged_conflict``)."""
    connection.exec_driver_sql(
        f"INSERT OR IGNORE INTO audit_record ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM sync_audit"
    )


def entries(session: Session, device_id: str, seqs: Iterable[int]) -> dict[int, tuple]:
    """The entries held of ``device_id``'s changes ``seqs`` (tests, the records service)."""
    wanted = set(seqs)
    return {
        row[1]: tuple(row)
        for row in session.connection().exec_driver_sql(
            f"SELECT {', '.join(COLUMNS)} FROM audit_record WHERE origin_device = ?", (device_id,)
        )
        if row[1] in wanted
    }
