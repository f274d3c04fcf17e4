"""The store: one SQLite file per laptop, opened safely.

``open_store`` checks a file before it touches it: a file that is not a
SQLite database, is damaged, is locked by another program or was written by a
newer release of the application is refused with a ``StoreError`` whose text
is a message for the user, and the file is left exactly as it was.  Checking
every page takes seconds on a large store (11 s for 100,000 households), so a
store that was closed cleanly is opened after a check of what opening reads;
the whole file is checked before opening after an unclean shutdown (its
write-ahead log left behind), and every ``WHOLE_FILE_CHECK_DAYS`` days behind
the window (``whole_file_check_due``, ``check_whole_file``).  Only then
are WAL mode and foreign keys switched on and the Alembic migrations run; an
upgrade is preceded by a backup (core.store.backups, reason "before-migration"), which is
put back if it fails.

Writing: ``Store.unit_of_work`` turns SQLite's "disk is full" and "read-only" failures
into a ``StoreWriteError`` with a message for the user (the transaction is rolled back,
so nothing saved before is lost); ``Store.durable_unit_of_work`` also commits with
``synchronous=FULL``, for signing and importing, which must survive a power cut.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import create_engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from xinjie_desktop.core.rules.permissions import Actor
from xinjie_desktop.core.store import backups, cipher
from xinjie_desktop.core.store.models import LocalSetting
from xinjie_desktop.i18n import _

if TYPE_CHECKING:  # Alembic is imported when a store is migrated, not at every opening (0.5 s)
    from alembic.config import Config

SQLITE_HEADER = cipher.SQLITE_HEADER
# A unit of work's note (``session.info``) of the fields a person decided: (table, row id, field) → the
# versions decided between.  Written by records (an edit's collisions) and sync (a conflict's resolution),
# read by the journal, which records them in the edit's bases as "<field>+".  Named here, below both.
DECIDED_VERSIONS = "sync_resolving"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class StoreError(Exception):
    """A store that cannot be opened; ``str()`` is a message for the user."""


class StoreWriteError(StoreError):
    """A change that could not be written (disk full, read-only folder); nothing was saved by it,
    and everything saved before is intact.  ``str()`` is a message for the user."""


# What a failed write raises: SQLAlchemy's wrapping, either SQLite library's own, the disk's.
_WRITE_FAILURES: tuple[type[Exception], ...] = (sa_exc.OperationalError, *cipher.OperationalError, OSError)
# SQLite's result codes for a failed write: SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_FULL.
_READONLY_CODES, _FULL_CODE = {8, 10, 14}, 13


def write_error(error: BaseException, path: Path) -> StoreWriteError | None:
    """The user's message for a write that failed because of the disk or the folder, else None."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).lower()
    code = getattr(cause, "sqlite_errorcode", None)
    folder = path.parent
    if isinstance(cause, OSError):
        full = cause.errno == errno.ENOSPC
        if not full and cause.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            return None
    elif isinstance(cause, cipher.OperationalError):
        full = code == _FULL_CODE or "disk is full" in text
        if not full and code not in _READONLY_CODES and "readonly" not in text and "read-only" not in text:
            return None
    else:
        return None
    if full:
        return StoreWriteError(
            _(
                "Not saved: the disk holding the data file is full. Everything saved before is safe. "
                "Free some space on the disk (folder {folder}) and save again."
            ).format(folder=folder)
        )
    return StoreWriteError(
        _(
            "Not saved: the data file cannot be written to (the folder {folder} is read-only, or this user may "
            "not change it). Everything saved before is safe. Copy the data file to a folder you can write to "
            "and open it there."
        ).format(folder=folder)
    )


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# The migrations ship inside the program and do not change while it runs: their revisions are read once,
# from the first lines of each file ("revision = ..." and "down_revision = ..."), without importing Alembic
# (half a second of a cold start) when the store needs no migration.  A test compares them with Alembic's.
_REVISION_LINE = re.compile(r'^(down_revision|revision) = (?:"([^"]*)"|None)$', re.MULTILINE)


@functools.cache
def _revision_graph() -> dict[str, str | None]:
    """Each revision of the shipped migrations → the revision it follows (None for the first)."""
    graph: dict[str, str | None] = {}
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, str | None] = {
            name: value or None for name, value in _REVISION_LINE.findall(script.read_text("utf-8"))
        }
        revision = found.get("revision")
        if revision:
            graph[revision] = found.get("down_revision")
    return graph


@functools.cache
def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - set(graph.values())
    if len(heads) != 1:  # the migrations ship inside the program: only a broken installation lacks them
        raise RuntimeError(f"not one head revision in {MIGRATIONS}: {sorted(heads)}")
    return heads.pop()


@functools.cache
def known_revisions() -> frozenset[str]:
    return frozenset(_revision_graph())


def _read_only_mode(path: Path) -> str:
    """The URI parameter that opens ``path`` without writing anything beside it.  Without a journal beside
    it (the file was closed cleanly) it is opened "immutable": SQLite then creates no journal or
    shared-memory file either, and the folder stays exactly as it was; with one, "mode=ro" reads the
    journal's committed transactions too."""
    wal = path.with_name(path.name + "-wal")
    return "mode=ro" if wal.exists() and wal.stat().st_size else "immutable=1"


# The tables opening a store reads (its schema, its revision, this laptop's settings): checked at every
# opening; the rest of the file only after an unclean shutdown and on the schedule.
OPENING_TABLES = ("alembic_version", "local_setting")
# The whole file is checked this often (the day of the last check is a local setting).
WHOLE_FILE_CHECK_DAYS = 7
WHOLE_FILE_CHECKED = "whole_file_checked_on"


def closed_uncleanly(path: Path) -> bool:
    """True when the store's write-ahead log was left beside it: the program that had it open ended
    without closing it (a crash, a power cut).  SQLite removes the log when its last connection closes."""
    return path.with_name(path.name + "-wal").exists()


def _inspect_existing(path: Path, *, writing: bool = True, key: bytes | None = None) -> tuple[str | None, bool]:
    """Read-only checks of an existing file; returns its schema revision (None if empty) and whether the
    whole file was checked.  ``writing``: the store is about to be opened for work, so the file and its
    folder must be writable and not locked, and a store closed cleanly is checked only where opening
    reads it (its whole file after an unclean shutdown); otherwise (a dump, a check) nothing beside the
    file is created, even when it is damaged, and every page is checked (``PRAGMA quick_check``).
    ``key``: the store's data key (an encrypted store, ``core.store.cipher``); None for a clear store."""
    whole_file = writing and closed_uncleanly(path)
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreError(
            _("The data file {path} cannot be read: {error}").format(path=path, error=error.strerror)
        ) from None
    if key is not None and header == SQLITE_HEADER:
        raise StoreError(
            _(
                "The data file {path} is not encrypted, so it cannot be opened with a key. It has not been changed."
            ).format(path=path)
        )
    if key is None and header != SQLITE_HEADER and Path(f"{path}.keys").exists():
        raise StoreError(
            _("The data file {path} is encrypted: log in to open it. It has not been changed.").format(path=path)
        )
    if key is None and header != SQLITE_HEADER:
        raise StoreError(
            _(
                "The file {path} is not a data file of this application, or it is damaged. It has not been changed."
            ).format(path=path)
        )
    if writing and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise StoreError(
            _(
                "The data file {path} is in a folder that cannot be written to (it is read-only, or this user may "
                "not change it). It has not been changed. Copy it to a folder you can write to and open it there."
            ).format(path=path)
        )
    try:
        connection = cipher.connect(f"{path.resolve().as_uri()}?{_read_only_mode(path)}", key, uri=True, timeout=0.5)
    except cipher.Error as error:
        raise StoreError(_("The data file {path} cannot be opened: {error}").format(path=path, error=error)) from None
    try:
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if whole_file:
                checks = ["PRAGMA integrity_check"]
            elif writing:  # each table opening reads, with its indexes
                checks = [f"PRAGMA quick_check({name})" for name in OPENING_TABLES if name in tables]
            else:
                checks = ["PRAGMA quick_check"]
            check = next(
                (found for pragma in checks if (found := connection.execute(pragma).fetchone()[0]) != "ok"), "ok"
            )
        except cipher.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise StoreError(_locked_message(path)) from None
            raise StoreError(_damaged_message(path, key)) from None
        except cipher.DatabaseError:
            raise StoreError(_damaged_message(path, key)) from None
        if check != "ok":
            raise StoreError(_damaged_message(path, key))
        if not tables:
            return None, whole_file
        if "alembic_version" not in tables:
            raise StoreError(
                _(
                    "The file {path} is a database of another program, not a data file of this application. It has not been changed."
                ).format(path=path)
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    finally:
        connection.close()
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            _(
                "The data file {path} was saved by a newer version of xinjie-desktop. Install the newer version to open it; the file has not been changed."
            ).format(path=path)
        )
    if not writing:
        return revision, whole_file
    # A write lock held by another program shows only when we ask for one.
    probe = cipher.connect(str(path), key, timeout=0.5, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except cipher.OperationalError:
        raise StoreError(_locked_message(path)) from None
    finally:
        probe.close()
    return revision, whole_file


def _locked_message(path: Path) -> str:
    return _(
        "The data file {path} is in use by another program (perhaps xinjie-desktop is already open). Close it and try again."
    ).format(path=path)


def _damaged_message(path: Path, key: bytes | None = None) -> str:
    if key is not None:  # SQLCipher cannot tell a wrong key from a damaged first page
        return _(
            "The data file {path} cannot be opened with its key: it is damaged, or the key file beside it belongs to "
            "another data file. It has not been changed; restore it from a backup copy."
        ).format(path=path)
    return _(
        "The data file {path} is damaged and cannot be opened. It has not been changed; restore it from a backup copy."
    ).format(path=path)


WAL_SIZE_LIMIT = 64 * 1024 * 1024
# The household list's text index (migration 0011: a narrow copy of the households' search text, an FTS5
# trigram index over it, and the tables FTS5 keeps for that; migration 0020: the copy's two parts, words and
# numbers; migration 0021: the words' character index, its tables and the positions its triggers read): derived
# from ``household.search_text`` by triggers, not model tables (never journalled, never dumped, never sent).
DERIVED_INDEX_TABLES = frozenset(
    {
        "household_search",
        "household_search_text",
        "household_search_words",
        "household_search_numbers",
        "household_search_chars",
        "household_search_positions",
        *(
            f"{index}_{part}"
            for index in ("household_search", "household_search_chars")
            for part in ("data", "idx", "docsize", "config", "content")
        ),
    }
)


class StoreExtension(Protocol):
    """What a layer above installs on a store it opens (the sync layer's journal and staging schema:
    ``sync.workstore``).  The store calls it and knows nothing else of it."""

    def on_connect(self, dbapi_connection: sqlite3.Connection) -> None:
        """Every new SQLite connection to the store, after the store's own pragmas."""

    def on_open(self, store: Store) -> None:
        """Once, when the store has been opened for work (never for a read-only store)."""


class BulkJournal(Protocol):
    """Records written with a bulk ``insert()`` (the demo data) bypass the session's hooks; a store
    opened with a journal (sync) records them through this."""

    def versions(self, connection: Connection) -> str:
        """The version stamp (``sync_versions``) for records about to be bulk-inserted."""
        ...

    def log(
        self,
        connection: Connection,
        table_name: str,
        rows: list[dict[str, Any]],
        known: dict[tuple[str, str], str | None],
    ) -> None:
        """Journal rows just bulk-inserted into ``table_name``."""

    def forget(self, session: Session, row_ids: Any) -> None:
        """Forget the journal entries of the rows whose ids ``row_ids`` (a select) yields."""


class NoJournal:
    """The journal of a store opened without one: nothing is recorded."""

    def versions(self, connection: Connection) -> str:
        return ""

    def log(
        self,
        connection: Connection,
        table_name: str,
        rows: list[dict[str, Any]],
        known: dict[tuple[str, str], str | None],
    ) -> None:
        return None

    def forget(self, session: Session, row_ids: Any) -> None:
        return None


def _on_connect(dbapi_connection: sqlite3.Connection, extensions: Sequence[StoreExtension]) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")  # an import's staging table: never a file beside the store
    # A stick's import is one transaction: its write-ahead log grows to the stick's size; once checkpointed
    # it is cut back to this, not left at hundreds of megabytes beside the store while the program runs.
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cursor.close()
    for extension in extensions:
        extension.on_connect(dbapi_connection)


_WATCHING = threading.Lock()  # Store.data_version's connection: opened and used by one thread at a time


class Store:
    """An open store: an engine, a session factory, and what the extensions it was opened with set:
    this laptop's device id (empty without one) and the journal of bulk writes."""

    def __init__(
        self, path: Path, engine: Engine, extensions: Sequence[StoreExtension] = (), key: bytes | None = None
    ) -> None:
        self.path = path
        self.engine = engine
        # The data key of an encrypted store (None: a clear store); backups and checks of the file need it.
        self.key = key
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.device_id = ""
        self.journal: BulkJournal = NoJournal()
        # The person logged in (issue 17; core.records.accounts.login), None when no one is: on a store
        # without accounts everything is allowed then, on one with accounts every change is refused.
        self.actor: Actor | None = None
        for extension in extensions:
            extension.on_open(self)

    def session(self) -> Session:
        """A session for reading; use ``unit_of_work`` to change anything."""
        return self.sessions()

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One user action: everything in the block is committed together, or nothing is.

        A full disk or a read-only file raises ``StoreWriteError`` (the block is rolled back)."""
        session = self.sessions()
        try:
            with self._writing(), session.begin():
                yield session
        finally:
            session.close()

    @contextlib.contextmanager
    def durable_unit_of_work(self) -> Iterator[Session]:
        """``unit_of_work`` committed with ``synchronous=FULL``: once the block has returned, the change
        survives a power cut (signing, importing).  The connection goes back to NORMAL afterwards."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA synchronous=FULL")
            connection.rollback()  # the pragma is no transaction: the session begins (and commits) its own
            session = self.sessions(bind=connection)
            try:
                with self._writing(), session.begin():
                    # SQLite's own transaction from the start (pysqlite would begin one only at the first
                    # write): the write lock is taken now, and a savepoint inside is never the outermost
                    # transaction, whose release would commit.
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                    yield session
            finally:
                session.close()
                try:
                    connection.rollback()
                    connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                    connection.rollback()
                except sa_exc.DBAPIError:  # a failed commit can leave SQLite's transaction open:
                    connection.invalidate()  # not back to the pool with FULL (or a transaction) on it

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except _WRITE_FAILURES as error:
            translated = write_error(error, self.path)
            if translated is None:
                raise
            raise translated from error

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # The connection ``data_version`` asks (opened at its first use, closed with the store); it never writes.
    _watch: Any = None

    def data_version(self) -> int:
        """A number that changes whenever anything is committed to the store, by this program or another
        (SQLite's ``PRAGMA data_version`` on a connection of its own that never writes, so every commit is
        another connection's): what was read from the store is still true while the number is the same."""
        with _WATCHING:
            if self._watch is None:
                watch = self.engine.raw_connection()
                watch.detach()  # the store's own, not the pool's: a session never writes through it
                self._watch = watch
            cursor = self._watch.cursor()
            try:
                version: int = cursor.execute("PRAGMA data_version").fetchone()[0]
            finally:
                cursor.close()
            return version

    def close(self) -> None:
        with _WATCHING:
            watch, self._watch = self._watch, None
            if watch is not None:
                watch.close()
        self.engine.dispose()


class ReadOnlyStore(Store):
    """A store opened for looking only (checking a bundle before importing it): nothing in the file,
    not even the device's home record, is written."""

    def __init__(self, path: Path, engine: Engine, key: bytes | None = None) -> None:
        self.path = path
        self.engine = engine
        self.key = key
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.actor = None
        with self.session() as session:
            self.device_id = get_local(session, "device_id") or ""

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        raise StoreError(_("This data file is open for reading only."))
        yield  # pragma: no cover

    durable_unit_of_work = unit_of_work


def open_read_only(
    path: Path | str, extensions: Sequence[StoreExtension] = (), key: bytes | None = None
) -> Store | None:
    """The store at ``path`` for reading, or None when it must be upgraded first (an older schema).
    Refused like ``open_store`` (``StoreError``) when it is not a usable data file.  ``key``: as ``open_store``."""
    path = Path(path)
    if not (path.exists() and path.stat().st_size > 0):
        raise StoreError(_("The data file {path} does not exist.").format(path=path))
    if _inspect_existing(path, writing=False, key=key)[0] != head_revision():
        return None
    mode = _read_only_mode(path)
    engine = _create_engine(path, f"{path.resolve().as_uri()}?{mode}", key, uri=True)
    for extension in extensions:
        event.listen(engine, "connect", lambda dbapi_connection, _record, e=extension: e.on_connect(dbapi_connection))
    return ReadOnlyStore(path, engine, key)


def _create_engine(path: Path, database: str, key: bytes | None, **connect_args: Any) -> Engine:
    """An engine whose connections ``cipher.connect`` makes (keyed first for an encrypted store).  Bound values
    are never written into an error's text or a log (``hide_parameters``): they hold names and ID numbers.
    A store may be opened in a background thread and used from the window's thread afterwards; the pool hands
    a connection to one thread at a time, so pysqlite's same-thread check is off.  (The URL names the file
    only for SQLAlchemy's choice of pool: a file's, not an in-memory database's.)"""
    return create_engine(
        f"sqlite:///{path}",
        module=cipher.dbapi(key),
        creator=lambda: cipher.connect(database, key, timeout=5, check_same_thread=False, **connect_args),
        hide_parameters=True,
    )


def _engine(path: Path, extensions: Sequence[StoreExtension]) -> Engine:
    return _encrypted_engine(path, extensions, None)


def _encrypted_engine(path: Path, extensions: Sequence[StoreExtension], key: bytes | None) -> Engine:
    """``_engine`` for the store encrypted with ``key`` (every connection keyed before anything else)."""
    engine = _create_engine(path, str(path), key)
    event.listen(engine, "connect", lambda dbapi_connection, _record: _on_connect(dbapi_connection, extensions))
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations with foreign keys off: SQLite rebuilds a table by copying it, and
    dropping the old copy with foreign keys on would cascade-delete every member row."""
    from alembic import command

    config = alembic_config()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(
                    _("The data file could not be upgraded: {n} records lost their links.").format(n=len(broken))
                )
            connection.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def open_store(
    path: Path | str,
    *,
    create: bool = True,
    revision: str = "head",
    keep_backups: int = backups.DEFAULT_KEEP,
    extensions: Sequence[StoreExtension] = (),
    key: bytes | None = None,
) -> Store:
    """Open (or create) the store at ``path``, migrating it to ``revision`` (after a backup, of which
    the last ``keep_backups`` are kept), then install ``extensions`` on it.  A store opened for work is
    opened by ``sync.workstore.open_store``, which names the sync layer's extension.

    ``key``: the data key of an encrypted store (``core.store.keyring.unlock``); the store, its write-ahead
    log and its backups are then encrypted by SQLCipher (``core.store.cipher``), and a new store is made
    encrypted.  None: a clear store, as before issue 17.  A key that does not open the file, or a key for a
    clear file, is refused (``StoreError``) and the file is left as it was."""
    path = Path(path)
    existing = path.exists() and path.stat().st_size > 0
    if not existing and not create:
        raise StoreError(_("The data file {path} does not exist.").format(path=path))
    if key is not None:
        shred_leftovers(path)
    current, checked_whole_file = _inspect_existing(path, key=key) if existing else (None, False)
    if not existing:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                _("The data file {path} cannot be created: {error}").format(path=path, error=error.strerror)
            ) from None
    target = head_revision() if revision == "head" else revision
    backup = None
    if existing and current != target:
        try:
            backup = backups.create_backup(path, backups.BEFORE_MIGRATION, keep_backups, key=key)
        except backups.BackupError as error:
            raise StoreError(
                _(
                    "The data file {path} must be upgraded, but no backup could be made first, so it "
                    "has not been changed. {reason}"
                ).format(path=path, reason=error)
            ) from None
    engine = _engine(path, extensions) if key is None else _encrypted_engine(path, extensions, key)
    try:
        if current != target:
            upgrade(engine, target)
    except BaseException:
        engine.dispose()
        if backup is not None:
            backups.restore_after_failed_migration(backup, path, key=key)
        raise
    try:
        store = Store(path, engine, extensions, key)
        if checked_whole_file:
            remember_whole_file_check(store)
        return store
    except BaseException:
        engine.dispose()  # a store that fails to open leaves no file open behind it
        raise


def whole_file_check_due(store: Store, today: dt.date | None = None) -> bool:
    """True when the whole file was last checked ``WHOLE_FILE_CHECK_DAYS`` days ago or more (or never)."""
    today = today or dt.date.today()
    with store.session() as session:
        last = get_local(session, WHOLE_FILE_CHECKED)
    try:
        return last is None or (today - dt.date.fromisoformat(last)).days >= WHOLE_FILE_CHECK_DAYS
    except ValueError:
        return True


def check_whole_file(
    path: Path | str, keep_going: Callable[[], bool] = lambda: True, *, key: bytes | None = None
) -> bool | None:
    """``PRAGMA integrity_check`` of every page, on a connection of its own that only reads (run it beside
    an open store, in a thread of its own: it takes seconds on a large store).  True when sound, False
    when damaged, None when ``keep_going`` (asked every few thousand steps) returned False.  ``key``: the
    data key of an encrypted store (``Store.key``)."""
    path = Path(path)
    try:
        connection = cipher.connect(f"{path.resolve().as_uri()}?mode=ro", key, uri=True, timeout=5)
    except cipher.Error:
        return False
    stopped = False

    def progress() -> int:
        nonlocal stopped
        stopped = stopped or not keep_going()
        return int(stopped)

    connection.set_progress_handler(progress, 1000)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    except cipher.DatabaseError:
        return None if stopped else False
    finally:
        connection.close()


def remember_whole_file_check(store: Store, today: dt.date | None = None) -> None:
    """Note that the whole file was found sound ``today``: the next check is due a week later."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO local_setting (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (WHOLE_FILE_CHECKED, (today or dt.date.today()).isoformat()),
        )


def get_local(session: Session, key: str) -> str | None:
    setting = session.scalar(select(LocalSetting).where(LocalSetting.key == key))
    return setting.value if setting else None


# --- encrypting a clear store (issue 17) -----------------------------------------------------------------------


def is_encrypted(path: Path | str) -> bool:
    """True when the store at ``path`` is encrypted (``open_store`` needs its key): decided by the file itself, not
    by the key file beside it (which an interrupted ``encrypt_store`` may leave beside a store still clear)."""
    return cipher.is_encrypted(path)


def _clear_leftover(path: Path) -> Path:
    """Where the clear file stays reachable (a hard link) between its replacement and its overwriting."""
    return path.with_name(f".{path.name}.clear")


def shred_leftovers(path: Path | str) -> None:
    """Overwrite and remove a clear copy an encryption left beside the store or its backups when it was
    interrupted after the encrypted file took its place (only then: the store itself is encrypted)."""
    path = Path(path)
    for item in (path, *(backup.path for backup in backups.list_backups(path))):
        leftover = _clear_leftover(item)
        if leftover.exists() and cipher.is_encrypted(item):
            with contextlib.suppress(OSError):
                backups.overwrite_and_remove(leftover)


def _table_counts(connection: Any) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _claim_unchanged(path: Path, counts: dict[str, int]) -> None:
    """Check that no program has the clear store open (its write-ahead log folded into the file: it is about to
    be replaced) and that it still holds what was copied."""
    try:
        backups.claim(path)
    except backups.BackupError as error:
        raise StoreError(str(error)) from None
    with contextlib.closing(cipher.connect(str(path), None)) as connection:
        if _table_counts(connection) != counts:
            raise StoreError(
                _("The data file {path} was changed while it was being encrypted, and has been left as it was.").format(
                    path=path
                )
            )


def _encrypted_copy(source: Path, target: Path, key: bytes) -> dict[str, int]:
    """``target``: the clear database ``source`` encrypted with ``key`` (SQLCipher's ``sqlcipher_export``), then
    checked: every page sound, every table holding as many rows as in ``source``.  ``StoreError`` otherwise.
    Returns the number of rows of every table."""
    target.unlink(missing_ok=True)
    clear = cipher.sqlcipher.connect(str(source), isolation_level=None)  # no key: reads the clear file
    try:
        clear.execute("PRAGMA cipher_log_level = NONE")
        clear.execute(f"ATTACH DATABASE ? AS encrypted KEY {cipher.key_literal(key)}", (str(target),))
        clear.execute("SELECT sqlcipher_export('encrypted')")
        clear.execute("DETACH DATABASE encrypted")
        expected = _table_counts(clear)
    finally:
        clear.close()
    copy = cipher.connect(str(target), key)
    try:
        sound = copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        found = _table_counts(copy)
    finally:
        copy.close()
    if not _copy_is_whole(sound, expected, found):
        raise StoreError(
            _(
                "The encrypted copy of {path} failed its check, so the data file has been left as it was (not "
                "encrypted)."
            ).format(path=source)
        )
    return found


def _copy_is_whole(sound: bool, expected: dict[str, int], found: dict[str, int]) -> bool:
    return sound and expected == found


def _put_encrypted_in_place(copy: Path, clear: Path) -> None:
    """Replace the clear file by its encrypted ``copy`` (an atomic rename), then overwrite the clear bytes and
    remove them (reachable meanwhile through a hard link; where the file system has none, moved aside)."""
    leftover = _clear_leftover(clear)
    leftover.unlink(missing_ok=True)
    try:
        os.link(clear, leftover)
        os.replace(copy, clear)
    except OSError:
        if not leftover.exists():  # no hard links here (FAT32): moved aside, then the copy takes its place
            os.replace(clear, leftover)
            os.replace(copy, clear)
        else:
            raise
    backups.fsync_folder(clear.parent)
    backups.overwrite_and_remove(leftover)


def encrypt_store(path: Path | str, data_key: bytes) -> int:
    """Encrypt the clear store at ``path`` (closed: no connection of any program to it) and its backups with
    ``data_key`` (issue 17: a store made before encryption, migrated on its first opening by an administrator).

    First an encrypted copy is made beside the store and each of its backups, and each copy is checked (every
    page sound, every table as many rows as its original; the store then found not in use and unchanged); only
    then does the copy replace the clear store, whose bytes are overwritten and removed; then the same for each
    backup.  A failure before the store is replaced
    leaves the store and its backups exactly as they were (``StoreError``).  Run again on a store encrypted
    already (interrupted while its backups were replaced), it encrypts the backups still clear.  Give the
    administrator the data key (``keyring.enrol``) first.  Returns the number of files encrypted."""
    path = Path(path)
    if not (path.is_file() and path.stat().st_size > 0):
        raise StoreError(_("The data file {path} does not exist.").format(path=path))
    clear_backups = [backup.path for backup in backups.list_backups(path) if not cipher.is_encrypted(backup.path)]
    if cipher.is_encrypted(path):
        _inspect_existing(path, key=data_key)  # the key opens it: the backups are encrypted with it
        clear = clear_backups
    else:
        _inspect_existing(path)  # a sound data file of ours, not in use
        clear = [path, *clear_backups]
    copies: dict[Path, Path] = {}
    try:
        for item in reversed(clear):  # the store's copy last: then it is claimed
            copy = item.with_name(f".{item.name}.encrypting")
            copies[item] = copy
            counts = _encrypted_copy(item, copy, data_key)
            backups.fsync_file(copy)
            if item == path:
                _claim_unchanged(path, counts)
    except BaseException as error:
        for copy in copies.values():
            with contextlib.suppress(OSError):
                copy.unlink(missing_ok=True)
        if isinstance(error, (OSError, *cipher.Error)):
            raise StoreError(
                _("The data file {path} could not be encrypted, and has been left as it was: {error}").format(
                    path=path, error=getattr(error, "strerror", None) or error
                )
            ) from None
        raise
    try:
        for item in clear:
            _put_encrypted_in_place(copies[item], item)
    except OSError as error:
        raise StoreError(
            _("The data file {path} could not be encrypted, and has been left as it was: {error}").format(
                path=path, error=error.strerror or error
            )
        ) from None
    finally:
        for copy in copies.values():
            with contextlib.suppress(OSError):
                copy.unlink(missing_ok=True)
    return len(clear)
