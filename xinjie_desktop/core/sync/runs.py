"""Signed runs of changes (issue 13, case 4): a change attributed to a device is verifiable as that device's
own through any relay.

Each device signs its own changes when it exports them, a *run* at a time: for changes ``first``..``last`` of
its journal, an Ed25519 signature with its key over ``RUN_CONTEXT``, the origin, the range and the SHA-256
of each change's line as a bundle carries it (``line_text``: the nine fields, tab-separated), in order
(``run_message``).  Runs are kept in ``change_run`` (migration 0010) with the changes, and a bundle carries
the runs of the changes it carries (``runs.json``): a relay (the township passing laptop A's changes to
laptop B, B passing them on) carries A's signatures; where it leaves some of a run's changes out (the
township filters by the recipient's villages), it carries their hashes (``omitted``), so the signature
still checks.

The receiver stages a bundle's changes with the hash of each line of another origin than the sender and
checks each run of such an origin against that origin's key (``verify``, in the reader thread): the valid
ones (``sync_run`` in the staged image), and the sender's own runs, are kept with the changes.  A change of another origin than the bundle's sender that no valid run covers, and
that this store does not hold already exactly as it is (``unproven``), is refused at the township; a
laptop takes such changes from the township, its trust anchor (changes journalled before 0010 were never
signed, and cannot be signed for their devices afterwards).
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.sync import device

RUN_CONTEXT = b"xinjie-desktop change run v1\n"  # domain separation of a run's signature
PART = "runs.json"
# The image's table of runs found valid (staging builds it in every image, the same way).
TABLE = (
    "CREATE TABLE sync_run (origin_device TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, "
    "signature TEXT NOT NULL, omitted TEXT NOT NULL, PRIMARY KEY (origin_device, first_seq))"
)


def line_text(row: Sequence[Any]) -> str:
    """A change's line in ``changes.tsv`` (without its line break): its nine fields, tab-separated."""
    return "\t".join("" if value is None else str(value) for value in row)


def line_hash(line: bytes) -> bytes:
    return hashlib.sha256(line).digest()


def run_message(origin: str, first: int, last: int, hashes: Iterable[bytes]) -> bytes:
    """What the origin signs for its changes ``first``..``last`` (``hashes``: each line's, in order)."""
    return RUN_CONTEXT + f"{origin}\n{first}\n{last}\n".encode() + b"".join(hashes)


# --- the sender -----------------------------------------------------------------------------------------


def sign_own(store: Store) -> None:
    """Sign this store's own changes not signed yet, as one run (its history before 0010 included: the
    first export after the upgrade signs it)."""
    me = store.device_id
    with store.session() as session:
        signed = session.execute(
            text("SELECT coalesce(max(last_seq), 0) FROM change_run WHERE origin_device = :d"), {"d": me}
        ).scalar_one()
        rows = session.execute(
            text(
                "SELECT origin_device, seq, hlc, table_name, row_id, op, village_id, payload, bases FROM change_log "
                "WHERE origin_device = :d AND seq > :s ORDER BY seq"
            ),
            {"d": me, "s": signed},
        ).all()
    if not rows:
        return
    first = rows[0][1]
    rows = [row for index, row in enumerate(rows) if row[1] == first + index]  # a run has no gap
    last = rows[-1][1]
    hashes = [line_hash(line_text(row).encode("utf-8")) for row in rows]
    signature = device.sign(store, run_message(me, first, last, hashes))
    with store.unit_of_work() as session:
        session.execute(
            text(
                "INSERT OR IGNORE INTO change_run (origin_device, first_seq, last_seq, signature, omitted) "
                "VALUES (:o, :f, :l, :s, '{}')"
            ),
            {"o": me, "f": first, "l": last, "s": device.b64(signature)},
        )


def for_changes(session: Session, changes: Sequence[Sequence[Any]]) -> list[dict]:
    """The runs a bundle carrying ``changes`` (journal rows) carries: every run of this store holding one of
    them, with the hashes of the run's changes left out of the bundle (from this store's journal, or as the
    run came here).  A run some of whose hashes this store lacks is left out (its changes then prove
    nothing; an honest store never lacks one)."""
    carried: defaultdict[str, set[int]] = defaultdict(set)
    for change in changes:
        carried[change[0]].add(int(change[1]))
    found = []
    for origin, seqs in sorted(carried.items()):
        ordered = sorted(seqs)
        low, high = ordered[0], ordered[-1]
        for first, last, signature, omitted_text in session.execute(
            text(
                "SELECT first_seq, last_seq, signature, omitted FROM change_run WHERE origin_device = :o "
                "AND first_seq <= :h AND last_seq >= :l ORDER BY first_seq"
            ),
            {"o": origin, "h": high, "l": low},
        ):
            inside = bisect.bisect_right(ordered, last) - bisect.bisect_left(ordered, first)
            if not inside:
                continue
            left_out = [seq for seq in range(first, last + 1) if seq not in seqs] if inside <= last - first else []
            omitted = {}
            if left_out:
                stored = json.loads(omitted_text or "{}")
                held = {
                    row[1]: line_hash(line_text(row).encode("utf-8"))
                    for row in session.execute(
                        text(
                            "SELECT origin_device, seq, hlc, table_name, row_id, op, village_id, payload, bases "
                            "FROM change_log WHERE origin_device = :o AND seq BETWEEN :f AND :l"
                        ),
                        {"o": origin, "f": first, "l": last},
                    )
                    if row[1] not in seqs
                }
                for seq in left_out:
                    omitted[str(seq)] = held[seq].hex() if seq in held else stored.get(str(seq))
                if None in omitted.values():
                    continue
            found.append({"origin": origin, "first": first, "last": last, "signature": signature, "omitted": omitted})
    return found


def keys_of(session: Session, origins: Iterable[str]) -> dict[str, str]:
    """The signing keys this store knows of ``origins`` (its peers'; the township's manifest passes them
    on to its laptops)."""
    wanted = set(origins)
    return {
        device_id: key
        for device_id, key in session.execute(text("SELECT device_id, signing_public FROM sync_peer"))
        if device_id in wanted
    }


# --- the receiver ---------------------------------------------------------------------------------------


def known_keys(store: Store, manifest: dict, *, from_township: bool) -> dict[str, str]:
    """The key of each origin whose runs a bundle may carry: this store's own (current and former), its
    peers', the sender's (whose signature of the manifest was checked), and in the township's bundle to a
    laptop, the keys its manifest names (the township is the laptop's trust anchor)."""
    keys: dict[str, str] = {}
    if from_township:
        keys.update({k: v for k, v in manifest.get("keys", {}).items() if isinstance(v, str)})
    source = manifest["source"]
    keys[source["device_id"]] = source["signing_public"]
    with store.session() as session:
        keys.update(dict(session.execute(text("SELECT device_id, signing_public FROM sync_peer")).all()))
    for entry in device.history(store):
        if entry.get("signing_public"):
            keys[entry["device_id"]] = entry["signing_public"]
    keys[store.device_id] = device.identity(store).signing_public
    return keys


def verify(database, runs: list[dict], keys: dict[str, str], source: str) -> None:
    """Check each run a bundle carries of another origin than its ``source`` against its origin's key and
    the staged changes' hashes (``sync_incoming.hash``); the valid ones go into ``sync_run``, with the hashes
    of those of their changes the bundle left out.  The sender's own runs go there as it sent them: it is
    the one device that can sign them, and a wrong one only leaves its own changes unproven to whoever
    they are relayed to (not checking them keeps the township's import from hashing every line).
    ``database``: the staging's own sqlite3 connection."""
    valid = []
    for run in runs:
        origin, first, last = run["origin"], run["first"], run["last"]
        key = keys.get(origin)
        omitted = run.get("omitted") or {}
        if origin == source:
            valid.append((origin, first, last, run["signature"], json.dumps(omitted, sort_keys=True)))
            continue
        if key is None:
            continue
        carried = dict(
            database.execute(
                "SELECT seq, hash FROM sync_incoming WHERE origin_device = ? AND seq BETWEEN ? AND ?",
                (origin, first, last),
            ).fetchall()
        )
        if last - first + 1 > len(carried) + len(omitted):
            continue  # more changes than hashes: not a run of these (and never a long loop over a claim)
        hashes: list[bytes] = []
        left_out: dict[str, str] = {}
        for seq in range(first, last + 1):
            found = carried.get(seq)
            if found is None:
                given = omitted.get(str(seq))
                if given is None:
                    break
                left_out[str(seq)] = given
                found = bytes.fromhex(given)
            hashes.append(found)
        else:
            signature = device.unb64(run["signature"]) if _is_base64(run["signature"]) else b""
            if device.verify_signature(key, run_message(origin, first, last, hashes), signature):
                valid.append((origin, first, last, run["signature"], json.dumps(left_out, sort_keys=True)))
    database.executemany("INSERT OR IGNORE INTO sync_run VALUES (?, ?, ?, ?, ?)", valid)


def _is_base64(value: str) -> bool:
    try:
        device.unb64(value)
    except ValueError:
        return False
    return True


def unproven(connection, source: str) -> tuple[str, int, int] | None:
    """The first origin (other than the bundle's ``source``) with staged changes that no valid run covers
    and that this store does not hold exactly as they are: (origin, lowest, highest counter), else None.
    ``connection``: the store's (SQLAlchemy), with the bundle staged."""
    row = connection.exec_driver_sql(
        "SELECT i.origin_device, min(i.seq), max(i.seq) FROM sync_incoming i WHERE i.origin_device != ? "
        "AND NOT EXISTS (SELECT 1 FROM sync_run r WHERE r.origin_device = i.origin_device AND r.first_seq <= i.seq "
        "AND r.last_seq >= i.seq) AND NOT EXISTS (SELECT 1 FROM change_log c WHERE c.origin_device = i.origin_device "
        "AND c.seq = i.seq AND c.hlc = i.hlc AND c.table_name = i.table_name AND c.row_id = i.row_id AND c.op = i.op "
        "AND c.village_id IS i.village_id AND c.payload = i.payload AND c.bases = i.bases) "
        "GROUP BY i.origin_device ORDER BY i.origin_device LIMIT 1",
        (source,),
    ).first()
    return (row[0], row[1], row[2]) if row else None


def keep(connection) -> None:
    """The valid runs of the bundle staged, kept with its changes (``change_run``)."""
    connection.exec_driver_sql(
        "INSERT OR IGNORE INTO change_run (origin_device, first_seq, last_seq, signature, omitted) "
        "SELECT origin_device, first_seq, last_seq, signature, omitted FROM sync_run"
    )
