"""Backups of the store: consistent copies in a ``backups/`` folder beside it, rotated, listed, restored.

A backup is made with SQLite's online backup API (``sqlite3.Connection.backup``), so it is a
consistent snapshot even while the application has the store open; it is checked with
``PRAGMA integrity_check`` and only then given its final name (written to a temporary file,
fsync'd, renamed), so a half-written backup never appears in the list.  Backups are named
``<store stem>-<YYYYmmdd-HHMMSS>-<reason>.sqlite`` and rotated: only the last ``keep`` are kept.

Backups are made automatically
  * before every migration (``open_store`` calls ``create_backup(path, BEFORE_MIGRATION)``);
  * once a day, after the application has opened the store (``daily_backup_if_due``);
  * before a bundle import (``backup_before_import``, for the import to call first);
  * before a restore (``restore`` makes it itself);
and by hand (``MANUAL``, the Backups dialog).

Restoring works on paths, with the store closed.  The call order is::

    store.close()                               # every connection of this program to the file
    restore(store.path, backup.path)            # backs up the current store, then replaces it
    store = open_store(store.path)              # opens (and, if need be, migrates) the restored copy

``restore`` refuses (``BackupError``) while any program still has the store open.

An encrypted store's backups are encrypted with the same data key (every function here takes the store's
``key``, ``Store.key``; None for a clear store): SQLCipher's backup API copies the pages between two
connections given the same key, so a backup is restored as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from xinjie_desktop.core.store import cipher
from xinjie_desktop.i18n import N_, _

FOLDER = "backups"
SUFFIX = ".sqlite"
DEFAULT_KEEP = 10

DAILY = "daily"
BEFORE_MIGRATION = "before-migration"
BEFORE_IMPORT = "before-import"
BEFORE_RESTORE = "before-restore"
MANUAL = "manual"
REASONS = {
    DAILY: N_("daily"),
    BEFORE_MIGRATION: N_("before an upgrade"),
    BEFORE_IMPORT: N_("before an import"),
    BEFORE_RESTORE: N_("before a restore"),
    MANUAL: N_("by hand"),
}

_STAMP = "%Y%m%d-%H%M%S"
# What a copy that could not be made raises: the disk's errors and SQLite's (either library's).
_FAILURES: tuple[type[Exception], ...] = (OSError, *cipher.Error)


class BackupError(Exception):
    """A backup or restore that could not be done; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class Backup:
    path: Path
    time: dt.datetime
    reason: str
    size: int
    sequence: int = 0  # two backups within the same second: 0, 1, 2…

    @property
    def reason_label(self) -> str:
        return _(REASONS.get(self.reason, self.reason))


def backup_folder(store_path: Path | str) -> Path:
    """The ``backups/`` folder beside the store."""
    return Path(store_path).parent / FOLDER


def _pattern(store_path: Path) -> re.Pattern[str]:
    reasons = "|".join(re.escape(r) for r in REASONS)
    return re.compile(rf"^{re.escape(store_path.stem)}-(\d{{8}}-\d{{6}})-({reasons})(?:-(\d+))?{re.escape(SUFFIX)}$")


def list_backups(store_path: Path | str) -> list[Backup]:
    """The store's backups, newest first."""
    store_path = Path(store_path)
    folder = backup_folder(store_path)
    pattern = _pattern(store_path)
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if not match:
            continue
        try:
            size = entry.stat().st_size
            when = dt.datetime.strptime(match[1], _STAMP)
        except (OSError, ValueError):
            continue
        found.append(Backup(entry, when, match[2], size, int(match[3] or 0)))
    return sorted(found, key=lambda b: (b.time, b.sequence), reverse=True)


def verify(path: Path | str, key: bytes | None = None) -> bool:
    """True when the file is a SQLite database (encrypted with ``key`` if given) that passes
    ``PRAGMA integrity_check``."""
    path = Path(path)
    try:
        connection = cipher.connect(f"{path.resolve().as_uri()}?mode=ro", key, uri=True, timeout=5)
    except cipher.Error:
        return False
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
        return rows == [("ok",)]
    except cipher.Error:
        return False
    finally:
        connection.close()


def create_backup(
    store_path: Path | str,
    reason: str = MANUAL,
    keep: int = DEFAULT_KEEP,
    *,
    now: dt.datetime | None = None,
    key: bytes | None = None,
) -> Backup:
    """Back up the store at ``store_path`` (open or not) into its backups folder, then rotate.

    Raises ``BackupError`` (nothing is left behind) if the store cannot be read, the folder cannot
    be written, or the copy does not pass the integrity check."""
    store_path = Path(store_path)
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if not store_path.is_file():
        raise BackupError(_("The data file {path} does not exist.").format(path=store_path))
    folder = backup_folder(store_path)
    when = (now or dt.datetime.now()).replace(microsecond=0)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(store_path, folder, when, reason)
        temporary = target.with_name(f".{target.name}.partial")
        _copy_database(store_path, temporary, key)
        if not verify(temporary, key):
            raise BackupError(
                _("The backup copy of {path} failed its check; the data file may be damaged.").format(path=store_path)
            )
        _fsync_file(temporary)
        os.replace(temporary, target)
        _fsync_folder(folder)
    except BackupError:
        _discard(locals().get("temporary"))
        raise
    except _FAILURES as error:
        _discard(locals().get("temporary"))
        raise BackupError(
            _("No backup could be made in {folder}: {error}").format(folder=folder, error=_describe(error))
        ) from error
    backup = next(b for b in list_backups(store_path) if b.path == target)
    rotate(store_path, keep)
    return backup


def _free_name(store_path: Path, folder: Path, when: dt.datetime, reason: str) -> Path:
    """The next name for ``when``: a second backup within the same second gets a sequence number."""
    same_second = [b.sequence for b in list_backups(store_path) if b.time == when]
    sequence = max(same_second) + 1 if same_second else 0
    return folder / f"{store_path.stem}-{when.strftime(_STAMP)}-{reason}{f'-{sequence}' if sequence else ''}{SUFFIX}"


def _copy_database(source: Path, destination: Path, key: bytes | None = None) -> None:
    """A consistent copy of ``source`` (which may be in use) into a new self-contained file (encrypted with
    the same ``key``)."""
    destination.unlink(missing_ok=True)
    # Not mode=ro: a read-only connection to a WAL store leaves its -wal and -shm files behind.
    reader = cipher.connect(str(source), key, timeout=5)
    try:
        writer = cipher.connect(str(destination), key)
        try:
            reader.backup(writer)
            # The copy is one file, readable without -wal/-shm (and openable read-only).
            writer.execute("PRAGMA journal_mode=DELETE")
        finally:
            writer.close()
    finally:
        reader.close()
    for suffix in ("-journal", "-wal", "-shm"):
        Path(f"{destination}{suffix}").unlink(missing_ok=True)


def rotate(store_path: Path | str, keep: int = DEFAULT_KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` backups (at least one is always kept); returns those deleted."""
    keep = max(1, int(keep))
    deleted = []
    for backup in list_backups(store_path)[keep:]:
        with contextlib.suppress(OSError):
            backup.path.unlink()
            deleted.append(backup.path)
    return deleted


def is_daily_backup_due(store_path: Path | str, today: dt.date | None = None) -> bool:
    """No backup of any kind has been made today."""
    today = today or dt.date.today()
    return not any(b.time.date() == today for b in list_backups(store_path))


def daily_backup_if_due(
    store_path: Path | str, keep: int = DEFAULT_KEEP, *, now: dt.datetime | None = None, key: bytes | None = None
) -> Backup | None:
    """The day's backup, made the first time the store is opened that day; None if one exists already."""
    now = now or dt.datetime.now()
    if not is_daily_backup_due(store_path, now.date()):
        return None
    return create_backup(store_path, DAILY, keep, now=now, key=key)


def backup_before_import(store_path: Path | str, keep: int = DEFAULT_KEEP, *, key: bytes | None = None) -> Backup:
    """For the bundle import to call before it writes anything (the store may be open)."""
    return create_backup(store_path, BEFORE_IMPORT, keep, key=key)


def restore(
    store_path: Path | str, backup_path: Path | str, keep: int = DEFAULT_KEEP, *, key: bytes | None = None
) -> Backup | None:
    """Put the backup at ``backup_path`` in place of the (closed) store at ``store_path``.

    First the backup is checked and copied beside the store, then the current store is backed up
    (reason ``before-restore``; returned, None if there was no store), then the copy replaces the
    store by an atomic rename.  If anything fails the store is left as it was.  Raises
    ``BackupError`` if the backup is damaged or the store is still open (here or elsewhere)."""
    store_path, backup_path = Path(store_path), Path(backup_path)
    if not verify(backup_path, key):
        raise BackupError(
            _("The backup {path} is damaged or not a backup of this application; nothing was restored.").format(
                path=backup_path
            )
        )
    exists = store_path.is_file() and store_path.stat().st_size > 0
    if exists:
        claim(store_path, key)
    temporary = store_path.with_name(f".{store_path.name}.restoring")
    try:
        _copy_database(backup_path, temporary, key)  # before the rotation below can delete the backup
        _fsync_file(temporary)
    except _FAILURES as error:
        _discard(temporary)
        raise BackupError(_("The backup could not be restored: {error}").format(error=_describe(error))) from error
    try:
        before = create_backup(store_path, BEFORE_RESTORE, keep, key=key) if exists else None
        if exists:
            claim(store_path, key)  # still nobody else: its log is folded in and gone
        put_back(temporary, store_path)
    except BaseException:
        _discard(temporary)
        raise
    return before


def put_back(copy: Path | str, store_path: Path | str) -> None:
    """Replace the store with ``copy`` (a closed, self-contained database file, which is moved).

    The store's stale -wal and -shm are removed first: a log left beside the new file would be
    replayed into it."""
    copy, store_path = Path(copy), Path(store_path)
    try:
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{store_path}{suffix}").unlink(missing_ok=True)
        os.replace(copy, store_path)
        _fsync_folder(store_path.parent)
    except OSError as error:
        raise BackupError(_("The backup could not be restored: {error}").format(error=_describe(error))) from error


def restore_after_failed_migration(backup: Backup, store_path: Path | str, *, key: bytes | None = None) -> None:
    """``open_store``'s way back when a migration fails: the before-migration backup, copied into place."""
    store_path = Path(store_path)
    temporary = store_path.with_name(f".{store_path.name}.restoring")
    _copy_database(backup.path, temporary, key)
    _fsync_file(temporary)
    put_back(temporary, store_path)


def claim(store_path: Path, key: bytes | None = None) -> None:
    """Check that no connection (of any program) has the store open, folding its log into the file.

    Switching out of WAL mode needs the only connection to the file; it checkpoints the log and
    removes it.  ``open_store`` switches WAL mode on again."""
    try:
        connection = cipher.connect(str(store_path), key, timeout=1)
    except cipher.Error as error:
        raise BackupError(
            _("The data file {path} cannot be opened: {error}").format(path=store_path, error=error)
        ) from error
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except cipher.OperationalError:
        mode = None
    except cipher.DatabaseError as error:  # not a database at all: nothing to fold in
        raise BackupError(
            _("The data file {path} cannot be opened: {error}").format(path=store_path, error=error)
        ) from error
    finally:
        connection.close()
    if mode != "delete":
        raise BackupError(
            _(
                "The data file {path} is still in use; close it (and any other program using it) "
                "before restoring a backup."
            ).format(path=store_path)
        )


def overwrite_and_remove(path: Path) -> None:
    """Overwrite the file's bytes with zeros, flush them to the disk, then remove it (a clear copy of the store
    replaced by an encrypted one).  On a journalling file system or a flash disk the old blocks may survive
    elsewhere; this removes what an ordinary reader of the disk would find."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with open(path, "r+b") as handle:
        chunk = b"\0" * (1024 * 1024)
        left = size
        while left > 0:
            left -= handle.write(chunk[: min(left, len(chunk))])
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder; its renames are journalled by NTFS
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _discard(path: Path | None) -> None:
    if path is not None:
        for candidate in (path, Path(f"{path}-journal")):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def fsync_file(path: Path) -> None:
    """Flush the file's bytes to the disk (for ``database.encrypt_store``'s copies)."""
    _fsync_file(path)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable where the platform allows it."""
    _fsync_folder(folder)
