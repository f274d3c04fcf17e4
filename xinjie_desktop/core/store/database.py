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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import create_engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from xinjie_desktop.core.rules.permissions import Actor
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.models import LocalSetting
from xinjie_desktop.i18n import _

if TYPE_CHECKING:  # Alembic is imported when a store is migrated, not at every opening (0.5 s)
    from alembic.config import Config

SQLITE_HEADER = b"SQLite format 3\x00"
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
    elif isinstance(cause, sqlite3.OperationalError):
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


def _inspect_existing(path: Path, *, writing: bool = True) -> tuple[str | None, bool]:
    """Read-only checks of an existing file; returns its schema revision (None if empty) and whether the
    whole file was checked.  ``writing``: the store is about to be opened for work, so the file and its
    folder must be writable and not locked, and a store closed cleanly is checked only where opening
    reads it (its whole file after an unclean shutdown); otherwise (a dump, a check) nothing beside the
    file is created, even when it is damaged, and every page is checked (``PRAGMA quick_check``)."""
    whole_file = writing and closed_uncleanly(path)
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreError(
            _("The data file {path} cannot be read: {error}").format(path=path, error=error.strerror)
        ) from None
    if header != SQLITE_HEADER:
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
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{_read_only_mode(path)}", uri=True, timeout=0.5)
    except sqlite3.Error as error:
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
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise StoreError(_locked_message(path)) from None
            raise StoreError(_damaged_message(path)) from None
        except sqlite3.DatabaseError:
            raise StoreError(_damaged_message(path)) from None
        if check != "ok":
            raise StoreError(_damaged_message(path))
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
    probe = sqlite3.connect(str(path), timeout=0.5, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError:
        raise StoreError(_locked_message(path)) from None
    finally:
        probe.close()
    return revision, whole_file


def _locked_message(path: Path) -> str:
    return _(
        "The data file {path} is in use by another program (perhaps xinjie-desktop is already open). Close it and try again."
    ).format(path=path)


def _damaged_message(path: Path) -> str:
    return _(
        "The data file {path} is damaged and cannot be opened. It has not been changed; restore it from a backup copy."
    ).format(path=path)


WAL_SIZE_LIMIT = 64 * 1024 * 1024
# The household list's text index (migration 0011: a narrow copy of the households' search text, an FTS5
# trigram index over it, and the tables FTS5 keeps for that): derived from ``household.search_text`` by
# triggers, not model tables (never journalled, never dumped, never sent).
DERIVED_INDEX_TABLES = frozenset(
    {
        "household_search",
        "household_search_text",
        *(f"household_search_{part}" for part in ("data", "idx", "docsize", "config", "content")),
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


class Store:
    """An open store: an engine, a session factory, and what the extensions it was opened with set:
    this laptop's device id (empty without one) and the journal of bulk writes."""

    def __init__(self, path: Path, engine: Engine, extensions: Sequence[StoreExtension] = ()) -> None:
        self.path = path
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.device_id = ""
        self.journal: BulkJournal = NoJournal()
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
        except (sa_exc.OperationalError, sqlite3.OperationalError, OSError) as error:
            translated = write_error(error, self.path)
            if translated is None:
                raise
            raise translated from error

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()


class ReadOnlyStore(Store):
    """A store opened for looking only (checking a bundle before importing it): nothing in the file,
    not even the device's home record, is written."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.actor = None
        with self.session() as session:
            self.device_id = get_local(session, "device_id") or ""

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        raise StoreError(_("This data file is open for reading only."))
        yield  # pragma: no cover

    durable_unit_of_work = unit_of_work


def open_read_only(path: Path | str, extensions: Sequence[StoreExtension] = ()) -> Store | None:
    """The store at ``path`` for reading, or None when it must be upgraded first (an older schema).
    Refused like ``open_store`` (``StoreError``) when it is not a usable data file."""
    path = Path(path)
    if not (path.exists() and path.stat().st_size > 0):
        raise StoreError(_("The data file {path} does not exist.").format(path=path))
    if _inspect_existing(path, writing=False)[0] != head_revision():
        return None
    mode = _read_only_mode(path)
    engine = create_engine(
        f"sqlite:///file:{path.resolve()}?{mode}&uri=true",
        connect_args={"timeout": 5, "check_same_thread": False, "uri": True},
    )
    for extension in extensions:
        event.listen(engine, "connect", lambda dbapi_connection, _record, e=extension: e.on_connect(dbapi_connection))
    return ReadOnlyStore(path, engine)


def _engine(path: Path, extensions: Sequence[StoreExtension]) -> Engine:
    # A store may be opened in a background thread and used from the window's thread afterwards;
    # the pool hands a connection to one thread at a time, so pysqlite's same-thread check is off.
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 5, "check_same_thread": False})
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
) -> Store:
    """Open (or create) the store at ``path``, migrating it to ``revision`` (after a backup, of which
    the last ``keep_backups`` are kept), then install ``extensions`` on it.  A store opened for work is
    opened by ``sync.workstore.open_store``, which names the sync layer's extension."""
    path = Path(path)
    existing = path.exists() and path.stat().st_size > 0
    if not existing and not create:
        raise StoreError(_("The data file {path} does not exist.").format(path=path))
    current, checked_whole_file = _inspect_existing(path) if existing else (None, False)
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
            backup = backups.create_backup(path, backups.BEFORE_MIGRATION, keep_backups)
        except backups.BackupError as error:
            raise StoreError(
                _(
                    "The data file {path} must be upgraded, but no backup could be made first, so it "
                    "has not been changed. {reason}"
                ).format(path=path, reason=error)
            ) from None
    engine = _engine(path, extensions)
    try:
        if current != target:
            upgrade(engine, target)
    except BaseException:
        engine.dispose()
        if backup is not None:
            backups.restore_after_failed_migration(backup, path)
        raise
    try:
        store = Store(path, engine, extensions)
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


def check_whole_file(path: Path | str, keep_going: Callable[[], bool] = lambda: True) -> bool | None:
    """``PRAGMA integrity_check`` of every page, on a connection of its own that only reads (run it beside
    an open store, in a thread of its own: it takes seconds on a large store).  True when sound, False
    when damaged, None when ``keep_going`` (asked every few thousand steps) returned False."""
    path = Path(path)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return False
    stopped = False

    def progress() -> int:
        nonlocal stopped
        stopped = stopped or not keep_going()
        return int(stopped)

    connection.set_progress_handler(progress, 1000)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    except sqlite3.DatabaseError:
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
