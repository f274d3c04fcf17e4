"""The store: one SQLite file per laptop, opened safely.

``open_store`` checks a file before it touches it: a file that is not a
SQLite database, is damaged, is locked by another program or was written by a
newer release of the application is refused with a ``StoreError`` whose text
is a message for the user, and the file is left exactly as it was.  Only then
are WAL mode and foreign keys switched on and the Alembic migrations run; an
upgrade runs against a backup copy taken first, which is put back if it fails.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic import command
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from xinjie_desktop.core.models import LocalSetting, Travelling
from xinjie_desktop.i18n import _

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class StoreError(Exception):
    """A store that cannot be opened; ``str()`` is a message for the user."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _inspect_existing(path: Path) -> str | None:
    """Read-only checks of an existing file; returns its schema revision (None if empty)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreError(_("The data file {path} cannot be read: {error}").format(path=path, error=error.strerror)) from None
    if header != SQLITE_HEADER:
        raise StoreError(
            _("The file {path} is not a data file of this application, or it is damaged. It has not been changed.").format(path=path)
        )
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error as error:
        raise StoreError(_("The data file {path} cannot be opened: {error}").format(path=path, error=error)) from None
    try:
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise StoreError(_locked_message(path)) from None
            raise StoreError(_damaged_message(path)) from None
        except sqlite3.DatabaseError:
            raise StoreError(_damaged_message(path)) from None
        if check != "ok":
            raise StoreError(_damaged_message(path))
        if not tables:
            return None
        if "alembic_version" not in tables:
            raise StoreError(
                _("The file {path} is a database of another program, not a data file of this application. It has not been changed.").format(path=path)
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    finally:
        connection.close()
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            _("The data file {path} was saved by a newer version of xinjie-desktop. Install the newer version to open it; the file has not been changed.").format(path=path)
        )
    # A write lock held by another program shows only when we ask for one.
    probe = sqlite3.connect(str(path), timeout=0.5, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError:
        raise StoreError(_locked_message(path)) from None
    finally:
        probe.close()
    return revision


def _locked_message(path: Path) -> str:
    return _("The data file {path} is in use by another program (perhaps xinjie-desktop is already open). Close it and try again.").format(path=path)


def _damaged_message(path: Path) -> str:
    return _("The data file {path} is damaged and cannot be opened. It has not been changed; restore it from a backup copy.").format(path=path)


def _on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """An open store: an engine, a session factory and this laptop's device id."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.device_id = self._ensure_device_id()
        event.listen(self._sessions, "before_flush", self._stamp_device)

    def _stamp_device(self, session: Session, _context, _instances) -> None:
        """Every record written through this store names this laptop as its writer."""
        for record in (*session.new, *session.dirty):
            if isinstance(record, Travelling) and session.is_modified(record):
                record.device_id = self.device_id
        for record in session.new:
            if isinstance(record, Travelling):
                record.device_id = self.device_id

    def session(self) -> Session:
        """A session for reading; use ``unit_of_work`` to change anything."""
        return self._sessions()

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One user action: everything in the block is committed together, or nothing is."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def _ensure_device_id(self) -> str:
        with self.unit_of_work() as session:
            setting = session.get(LocalSetting, "device_id")
            if setting is None:
                setting = LocalSetting(key="device_id", value=str(uuid.uuid4()))
                session.add(setting)
            return setting.value

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()


def _engine(path: Path) -> Engine:
    # A store may be opened in a background thread and used from the window's thread afterwards;
    # the pool hands a connection to one thread at a time, so pysqlite's same-thread check is off.
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 5, "check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations with foreign keys off: SQLite rebuilds a table by copying it, and
    dropping the old copy with foreign keys on would cascade-delete every member row."""
    config = alembic_config()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(_("The data file could not be upgraded: {n} records lost their links.").format(n=len(broken)))
            connection.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def open_store(path: Path | str, *, create: bool = True, revision: str = "head") -> Store:
    """Open (or create) the store at ``path``, migrating it to ``revision``."""
    path = Path(path)
    existing = path.exists() and path.stat().st_size > 0
    if not existing and not create:
        raise StoreError(_("The data file {path} does not exist.").format(path=path))
    current = _inspect_existing(path) if existing else None
    if not existing:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(_("The data file {path} cannot be created: {error}").format(path=path, error=error.strerror)) from None
    target = head_revision() if revision == "head" else revision
    backup = None
    if existing and current != target:
        backup = path.with_name(f"{path.name}.before-{target}.bak")
        _copy_store(path, backup)
    engine = _engine(path)
    try:
        if current != target:
            upgrade(engine, target)
    except BaseException:
        engine.dispose()
        if backup is not None:
            _copy_store(backup, path)
        raise
    return Store(path, engine)


def _copy_store(source: Path, destination: Path) -> None:
    """Copy the database file and its write-ahead log byte for byte (no writer holds it)."""
    shutil.copyfile(source, destination)
    for suffix in ("-wal",):
        source_log, destination_log = Path(f"{source}{suffix}"), Path(f"{destination}{suffix}")
        if source_log.exists():
            shutil.copyfile(source_log, destination_log)
        else:
            destination_log.unlink(missing_ok=True)
    Path(f"{destination}-shm").unlink(missing_ok=True)


def get_local(session: Session, key: str) -> str | None:
    setting = session.scalar(select(LocalSetting).where(LocalSetting.key == key))
    return setting.value if setting else None
