"""Importing bundles: after one backup, each checked bundle applied (core.sync.merge) in one durable
transaction, and what it did recorded in ``bundle_log``; the preview of an import; the stored reports.

Importing a bundle again changes nothing.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import json
import logging
import multiprocessing
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents import import_report
from xinjie_desktop.core.records import access, accounts
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import utcnow
from xinjie_desktop.core.sync import audit_chain, device, merge, runs, staging
from xinjie_desktop.core.sync.bundle_format import Progress, SyncError
from xinjie_desktop.core.sync.checking import Incoming, check, damaged, imported_at, read, sent_to
from xinjie_desktop.core.sync.merge import Outcome
from xinjie_desktop.core.sync.roles import LAPTOP, TOWNSHIP, role
from xinjie_desktop.i18n import _

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    path: Path
    source_name: str
    bundle_id: str
    already: dt.datetime | None = None
    outcome: Outcome | None = None
    report: dict = field(default_factory=dict)

    def describe(self) -> str:
        if self.already is not None:
            return _("{name}: already imported on {when}; nothing changed.").format(
                name=self.path.name, when=self.already.strftime("%Y-%m-%d %H:%M")
            )
        assert self.outcome is not None, "a bundle not imported before was applied"
        summary = self.outcome.summary()
        return _(
            "{name} from {laptop}: {new} new, {changed} changed, {deleted} deleted records; {conflicts}, "
            "{duplicates} possible duplicates."
        ).format(
            name=self.path.name,
            laptop=self.source_name,
            new=sum(summary["new"].values()),
            changed=sum(summary["changed"].values()),
            deleted=sum(summary["deleted"].values()),
            conflicts=import_report.conflicts_text(summary["conflicts"], summary["conflicts_between_others"]),
            duplicates=len(summary["duplicates"]),
        )


def import_bundles(
    store: Store,
    paths: list[Path | str],
    *,
    params=None,
    keep_backups: int = backups.DEFAULT_KEEP,
    progress: Progress | None = None,
    refused: list[tuple[Path, str]] | None = None,
    processes: bool | None = None,
) -> list[ImportResult]:
    """Import bundles after one backup, in one durable transaction (one commit for a whole stick), each
    bundle in a savepoint of its own.  Each bundle is read and checked before anything is written; the
    first refused one stops the import with ``SyncError`` after the bundles before it are committed.
    Stopping (``progress`` returning False) commits the bundles done so far.  A bundle that breaks a
    reference (found only by the commit) sends the import round again, one transaction per bundle.
    Given a ``refused`` list, a refused bundle is added to it (path, reason) and the import goes on.
    ``processes``: stage the bundles in processes of their own (``_reading_ahead``); None: when they are large."""
    from xinjie_desktop.core.rules.policy_params import current

    params = params or current()
    access.require_open(store, Action.IMPORT_BUNDLE)
    backed_up = [False]

    def backup() -> None:
        if backed_up[0]:
            return
        try:
            backups.backup_before_import(store.path, keep_backups, key=store.key)
        except backups.BackupError as error:
            raise SyncError(
                _("No backup could be made before the import, so nothing was imported. {reason}").format(reason=error)
            ) from None
        backed_up[0] = True

    noted = len(refused) if refused is not None else 0
    try:
        results = _import_stick(store, paths, params, backup, progress, refused, together=True, processes=processes)
    except _BrokenReference:
        # A bundle refers to a record nobody sent (SQLite checks references at the commit): again, one
        # transaction per bundle, so that the bundles before the faulty one are kept and it is named.
        if refused is not None:
            del refused[noted:]
        results = _import_stick(store, paths, params, backup, progress, refused, together=False, processes=processes)
    if results and role(store) == TOWNSHIP:
        # The local accounts laptops made (within their scope, as checking.py made sure) are countersigned
        # here; the township's next bundle carries the countersignature back (issue 17).
        accounts.countersign_all(store)
    if results and store.key is not None:
        # Accounts made or given a new password elsewhere open this encrypted store with their own password
        # from now on: the key file gives them the data key (issue 17).
        from xinjie_desktop.core.sync import login

        login.grant_arrived(store)
    return results


class _BrokenReference(Exception):
    pass


def _read_and_stage(
    store: Store, path: Path | str, params, pool: concurrent.futures.Executor | None = None
) -> Incoming:
    """``read``, and the changes staged (``Incoming.staged``) unless the bundle was imported before (then
    there is nothing to stage).  Not well formed: ``check`` says so.  ``pool``: the staging runs there (a
    process of its own), this thread waiting for it; should that process fail, here."""
    incoming = read(store, path)
    incoming.params = params
    with store.session() as session:
        if imported_at(session, incoming.bundle_id) is not None:
            return incoming
    if pool is not None:
        try:
            incoming.__dict__["staged"] = pool.submit(stage_elsewhere, incoming.staging_arguments()).result()
        except staging.StagingError:
            return incoming  # ``check`` stages it again, here, and says what is wrong
        except (concurrent.futures.BrokenExecutor, OSError, pickle.PicklingError, EOFError) as error:
            log.warning("staging in a process of its own failed (%s); staging here", type(error).__name__)
    with contextlib.suppress(staging.StagingError):
        _ = incoming.staged  # built here, in the reader thread (unless the process built it)
    return incoming


def stage_elsewhere(arguments: tuple) -> bytes | staging.StagedRows:
    """``staging.staged_image`` of ``Incoming.staging_arguments``: what a staging process runs."""
    *positional, as_rows = arguments
    return staging.staged_image(*positional, as_rows=as_rows)


_READERS = 2  # bundles read at a time while one is applied
# Bundles this large in all (bytes) are staged in processes of their own: a reader thread's Python holds the
# interpreter's lock, so two threads and the import's own could not keep two cores busy (12 bundles of 2,000
# households: 12.1 s, 1.3 cores).  A process costs about a second to start (its modules imported), paid beside the
# first bundle, which is staged here while they start.
PROCESSES_FROM = 6 * 1024 * 1024


def _staging_pool(paths: list[Path | str], processes: bool | None) -> concurrent.futures.ProcessPoolExecutor | None:
    if processes is None:
        processes = len(paths) > 1 and sum(_size(path) for path in paths) >= PROCESSES_FROM
    return _new_pool(_READERS) if processes else None


def _new_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor | None:
    try:
        # "spawn" everywhere, as on Windows: a process forked from one running Qt's and SQLite's threads may
        # inherit a lock held at that moment.
        return concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError) as error:
        log.warning("no staging processes (%s): staging in threads", error)
        return None


def staging_process_works() -> str:
    """The self-test's check: a staging process starts (the frozen program calls ``multiprocessing.freeze_support``
    first thing) and stages an empty bundle's changes; raises otherwise."""
    pool = _new_pool(1)
    if pool is None:
        raise RuntimeError("no staging process could be started")
    with pool:
        image = pool.submit(stage_elsewhere, ("", [], {}, "self-test", None, "", False)).result(timeout=300)
    if not isinstance(image, bytes) or not image.startswith(b"SQLite format 3\x00"):
        raise RuntimeError("the staging process did not give a staged image")
    return _("a staging process of the import started and staged ({size} bytes)").format(size=len(image))


def _size(path: Path | str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0  # ``read`` says so


@contextlib.contextmanager
def _reading_ahead(
    store: Store, paths: list[Path | str], params, processes: bool | None = None
) -> Iterator[Iterator[concurrent.futures.Future[Incoming]]]:
    """The bundles of ``paths`` in order, each as a future of its ``Incoming``, read and staged in two threads
    while the one before is applied: decrypting, verifying, splitting lines, validating JSON, reading fields out
    of it and computing the new households' list values (flags included) run beside the import's SQL (SQLite
    lets go of Python while it applies a bundle; reading one bundle costs more than applying one, so two are
    read at a time).  The first is read alone (nothing to apply meanwhile), then each bundle's two successors
    start as it is handed over.  ``result()`` raises the bundle's ``SyncError``.  With ``processes`` (or large
    bundles, ``_staging_pool``) the threads have the staging done in processes of their own, the first bundle's
    excepted (staged in its thread while the processes start)."""
    pool = _staging_pool(paths, processes)
    if pool is not None:
        for _worker in range(_READERS):
            pool.submit(int)  # each process started now, beside the first bundle
    with (
        contextlib.ExitStack() as stack,
        concurrent.futures.ThreadPoolExecutor(max_workers=_READERS, thread_name_prefix="bundle-reader") as reader,
    ):
        if pool is not None:
            stack.callback(pool.shutdown, cancel_futures=True)
        # Submitted and not handed over yet (a bundle handed over is forgotten here: it holds its text and
        # image until it is applied).
        pending: dict[int, concurrent.futures.Future[Incoming]] = {}

        def futures() -> Iterator[concurrent.futures.Future[Incoming]]:
            submitted = 0
            for index in range(len(paths)):
                while submitted < min(index + 1 + _READERS, len(paths)):
                    pending[submitted] = reader.submit(
                        _read_and_stage, store, paths[submitted], params, pool if submitted else None
                    )
                    submitted += 1
                    if submitted == 1:
                        concurrent.futures.wait([pending[0]])  # the first alone: nothing to apply meanwhile
                yield pending.pop(index)

        yield futures()


def _import_stick(
    store: Store,
    paths: list[Path | str],
    params,
    backup,
    progress: Progress | None,
    refused_list: list[tuple[Path, str]] | None,
    *,
    together: bool,
    processes: bool | None = None,
) -> list[ImportResult]:
    results: list[ImportResult] = []
    refused: SyncError | None = None
    total = len(paths)
    with _reading_ahead(store, paths, params, processes) as pending:
        with contextlib.ExitStack() as stick:
            session = stick.enter_context(store.durable_unit_of_work()) if together else None
            for index, bundle in enumerate(pending):
                try:
                    incoming = bundle.result()
                    if session is not None:  # together
                        with session.begin_nested():
                            results.append(_import_into(store, session, incoming, params, backup))
                    else:
                        results.append(_import_alone(store, incoming, params, backup))
                except SyncError as error:
                    if refused_list is not None:
                        refused_list.append((Path(paths[index]), str(error)))
                        continue
                    refused = error
                    break
                if progress is not None and not progress(index + 1, total):
                    break
            if together:
                try:
                    stick.close()  # the commit
                except sa_exc.IntegrityError:
                    raise _BrokenReference() from None
    if refused is not None:
        refused.imported = tuple(results)  # committed: the command line says them before the refusal
        raise refused
    return results


def _import_alone(store: Store, incoming: Incoming, params, backup) -> ImportResult:
    try:
        with store.durable_unit_of_work() as session:
            return _import_into(store, session, incoming, params, backup)
    except sa_exc.IntegrityError:
        raise _unmergeable(incoming.path) from None


def _import_into(store: Store, session: Session, incoming: Incoming, params, before_writing=None) -> ImportResult:
    """One bundle into the session's transaction: check, then (after ``before_writing``) apply and record."""
    manifest = incoming.manifest
    if incoming.params is None:  # read here, not staged yet
        incoming.params = params
    checked = check(store, incoming, session)
    if checked.already is not None:
        return ImportResult(incoming.path, incoming.source_name, incoming.bundle_id, already=checked.already)
    if before_writing is not None:
        before_writing()
    connection = session.connection()
    for sha, content in sorted(incoming.blobs.items()):
        connection.execute(
            text("INSERT OR IGNORE INTO blob (sha256, size, data) VALUES (:s, :n, :d)"),
            {"s": sha, "n": len(content), "d": content},
        )
    try:
        outcome = merge.apply_staged(session)
    except sa_exc.OperationalError as error:
        if "JSON" not in str(error):
            raise
        raise damaged(incoming.path) from None
    except sa_exc.IntegrityError:  # undone with the bundle's savepoint; SQLite undid the failed statement itself
        # Most likely a one-of record entered on two computers (found by the unique index as it is written:
        # nothing to pay for while there is none); else a faulty sender.
        collision = merge.staged_collision(connection)
        if collision is not None:
            raise SyncError(_collision_message(session, incoming, collision)) from None
        raise _unmergeable(incoming.path) from None
    merge.finish(session, outcome, params)
    if outcome.conflicts:  # which of them only arrived here, between other computers' values (issue 16's trial)
        outcome.between_others = merge.between_others(connection, outcome.conflicts, device.known_ids(store))
    runs.keep(connection)  # the origins' signatures, to pass on with their changes
    audit_chain.keep(connection)  # the record of who did what of the changes, checked as they were staged
    _record_peer(store, session, incoming)
    limited = _advance_cursors(store, session, incoming)
    report = {
        "source": incoming.source_name,
        "source_device": incoming.source["device_id"],
        "file": incoming.path.name,
        "kind": manifest.get("kind"),
        "covers": manifest.get("covers", {}),
        **outcome.summary(),
        "manifest_sha256": incoming.manifest_sha256,  # what a bundle with this id holds (issue 13)
    }
    if limited:
        report["receipt_clamped"] = limited  # origin → [claimed, acknowledged] (issue 13, case 5)
    session.execute(
        text(
            "INSERT INTO bundle_log (bundle_id, direction, peer_id, file_name, sha256, at, covers, counts, report) "
            "VALUES (:b, 'in', :p, :f, :s, :at, :c, :n, :r)"
        ),
        {
            "b": incoming.bundle_id,
            "p": incoming.source["device_id"],
            "f": incoming.path.name,
            "s": incoming.sha256,
            "at": utcnow(),
            "c": json.dumps(manifest.get("covers", {})),
            "n": json.dumps(manifest.get("counts", {})),
            "r": json.dumps(report, ensure_ascii=False),
        },
    )
    return ImportResult(incoming.path, incoming.source_name, incoming.bundle_id, outcome=outcome, report=report)


def _unmergeable(path: Path) -> SyncError:
    return SyncError(
        _(
            "The bundle {name} holds records that do not fit the records on this computer (a record it "
            "refers to is missing, or one that can exist only once is there already). Nothing was imported "
            "from it; keep the bundle file: it shows a fault of the computer that wrote it."
        ).format(name=path.name)
    )


def _collision_message(session: Session, incoming: Incoming, collision: merge.Collision) -> str:
    """Why a bundle that brings a second copy of a one-of record is refused, and what to do."""
    said = _(
        "The bundle {name} from {laptop} brings {record} of the household of {head}, which this computer also "
        "has, entered here separately: each computer entered one, and there can be only one. Nothing was "
        "changed."
    ).format(
        name=incoming.path.name,
        laptop=incoming.source_name,
        record=_collision_record(collision),
        head=_collision_household(session, collision),
    )
    what_to_do = _(
        "This version of xinjie-desktop cannot merge the two: keep the bundle and note the household; "
        "the bundles after it from the same computer wait until this is resolved."
    )
    return _("{said} {what_to_do}").format(said=said, what_to_do=what_to_do)  # Chinese: no space between


def _collision_record(collision: merge.Collision) -> str:
    """What the colliding record is, in words ("agreement number …"): only records the merge does not
    settle itself collide (``merge.staged_collision``)."""
    if collision.table == "agreement":
        return _("agreement number {number}").format(number=collision.key.get("number"))
    return collision.table


def _collision_household(session: Session, collision: merge.Collision) -> str:
    table = collision.table
    row = session.execute(
        text(
            f"SELECT h.head_name, h.address FROM {table} t JOIN household h ON h.id = t.household_id WHERE t.id = :id"
        ),
        {"id": collision.other_id},
    ).first()
    if row is None:  # both in the bundle
        row = session.execute(
            text(
                "SELECT h.head_name, h.address FROM household h WHERE h.id = (SELECT json_extract(payload, "
                "'$.household_id') FROM sync_incoming WHERE table_name = :t AND row_id = :id)"
            ),
            {"t": table, "id": collision.incoming_id},
        ).first()
    if row is None:
        return "?"
    return f"{row[0]}（{row[1]}）" if row[1] else row[0]


class Refusal(str):
    """Why a bundle would be refused (the message), and the computer that wrote it when the bundle
    could be read (its name; empty otherwise)."""

    source_name: str

    def __new__(cls, message: str, source_name: str = "") -> Refusal:
        refusal = super().__new__(cls, message)
        refusal.source_name = source_name
        return refusal


def preview_all(
    store: Store, paths: list[Path | str], *, params=None, progress: Progress | None = None
) -> list[tuple[Path, ImportResult | Refusal]]:
    """What importing ``paths`` in this order would do, each bundle seeing the ones before it (a laptop's
    later bundle, a person registered by two laptops), in one transaction rolled back at the end: nothing
    changes.  Per path: its ``ImportResult``, or the message saying why it would be refused."""
    from xinjie_desktop.core.rules.policy_params import current

    params = params or current()
    found: list[tuple[Path, ImportResult | Refusal]] = []
    session = store.session()
    try:
        # One transaction from the start (rolled back at the end), so that each bundle's savepoint nests in it.
        session.connection().exec_driver_sql("BEGIN")
        with _reading_ahead(store, paths, params) as pending:
            for index, (path, bundle) in enumerate(zip(paths, pending, strict=True)):
                incoming = None
                try:
                    incoming = bundle.result()
                    with session.begin_nested():  # a bundle refused half-way leaves nothing for the next ones
                        found.append((Path(path), _import_into(store, session, incoming, params)))
                except SyncError as error:
                    found.append((Path(path), Refusal(str(error), incoming.source_name if incoming else "")))
                except sa_exc.DBAPIError:  # left half-applied: start again without the bundles before it
                    session.rollback()
                    session.connection().exec_driver_sql("BEGIN")
                    found.append(
                        (
                            Path(path),
                            Refusal(
                                _("The bundle {name} could not be previewed.").format(name=Path(path).name),
                                incoming.source_name if incoming else "",
                            ),
                        )
                    )
                if progress is not None and not progress(index + 1, len(paths)):
                    break
    finally:
        session.rollback()
        session.close()
    return found


def _record_peer(store: Store, session: Session, incoming: Incoming) -> None:
    source = incoming.source
    now = utcnow()
    exists = session.execute(text("SELECT 1 FROM sync_peer WHERE device_id = :d"), {"d": source["device_id"]}).first()
    if exists:
        session.execute(
            text("UPDATE sync_peer SET last_seen = :now, last_bundle_id = :b, name = :n WHERE device_id = :d"),
            {"now": now, "b": incoming.bundle_id, "n": source.get("name", ""), "d": source["device_id"]},
        )
        return
    peer_role = TOWNSHIP if role(store) == LAPTOP else LAPTOP
    scope = []
    for entry in device.issued(store):
        if entry["provisioning_id"] == source.get("provisioning_id"):
            scope = entry["villages"]
    session.execute(
        text(
            "INSERT INTO sync_peer (device_id, name, role, signing_public, box_public, scope, provisioning_id, former_ids, "
            "trusted, problem, first_seen, last_seen, last_bundle_id) VALUES (:d, :n, :r, :sp, :bp, :sc, :p, :f, 1, '', "
            ":now, :now, :b)"
        ),
        {
            "d": source["device_id"],
            "n": source.get("name", ""),
            "r": peer_role,
            "sp": source["signing_public"],
            "bp": source["box_public"],
            "sc": json.dumps(scope),
            "p": source.get("provisioning_id", ""),
            "f": json.dumps(source.get("former_ids", [])),
            "now": now,
            "b": incoming.bundle_id,
        },
    )


def _raise_cursor(session: Session, peer: str, origin: str, seq: int) -> None:
    session.execute(
        text(
            "INSERT INTO peer_cursor (peer_id, origin_device, acked_seq) VALUES (:p, :o, :s) "
            "ON CONFLICT(peer_id, origin_device) DO UPDATE SET acked_seq = max(acked_seq, excluded.acked_seq)"
        ),
        {"p": peer, "o": origin, "s": seq},
    )


def _advance_cursors(store: Store, session: Session, incoming: Incoming) -> dict[str, list[int]]:
    """Raise what this store knows the sender and itself hold; per origin, a receipt limited to what was
    sent: [claimed, acknowledged]."""
    source = incoming.source["device_id"]
    mine = set(device.known_ids(store))
    for origin, span in incoming.manifest.get("covers", {}).items():
        _raise_cursor(session, source, origin, int(span[1]))  # the sender holds what it sent
        if origin not in mine:
            session.execute(
                text(
                    "INSERT INTO origin_cursor (origin_device, received_seq) VALUES (:o, :s) "
                    "ON CONFLICT(origin_device) DO UPDATE SET received_seq = max(received_seq, excluded.received_seq)"
                ),
                {"o": origin, "s": int(span[1])},
            )
    # What the sender holds of each origin, as far as this store sent it (issue 13, case 5): a receipt
    # beyond that is limited (the reasons are in the report); one beyond this store's own changes is refused
    # by ``checking._check_receipt``.  The sender's own changes are never sent to it: taken as said.  A
    # laptop's bundles carry only its own changes, and the township (its trust anchor, which holds the other
    # laptops' changes from them) is taken at its word about the others'.
    sent = sent_to(session, source)
    vouched = None if role(store) == TOWNSHIP else mine
    limited: dict[str, list[int]] = {}
    for origin, seq in sorted(incoming.manifest.get("receipt", {}).items()):
        limit = origin != source and (vouched is None or origin in vouched)
        allowed = min(int(seq), sent.get(origin, 0)) if limit else int(seq)
        if allowed < int(seq):
            limited[origin] = [int(seq), allowed]
        if allowed > 0:
            _raise_cursor(session, source, origin, allowed)
    return limited


def lines_from_log(store: Store, bundle_ids: list[str]) -> list[import_report.ReportLine]:
    """The stored reports of bundles imported into ``store``, in the order given (unknown ids are left out)."""
    found = []
    with store.session() as session:
        for bundle_id in bundle_ids:
            row = session.execute(
                text("SELECT report, at FROM bundle_log WHERE bundle_id = :b AND direction = 'in'"), {"b": bundle_id}
            ).first()
            if row is not None:
                found.append(import_report.ReportLine.from_report(json.loads(row[0] or "{}")))
    return found
