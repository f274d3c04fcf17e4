"""A store opened for work: the one place the sync layer installs itself on a store.

``open_store`` opens the store of ``store.database`` with the sync extension: every new connection gets
the import's staging schema (``staging.attach``), and the opened store gets this laptop's identity
(``device.ensure_identity``: made on first open, renewed for a copy), the session hooks that give every
write its versions and journal it (``change_log.track``), and the journal of bulk writes (demo data).
The window, the command line and the self-test open their stores here; ``store.database.open_store``
alone gives a store that does not sync (migration tests, inspecting a file).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinjie_desktop.core.store import backups, database
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import AuditRecord
from xinjie_desktop.core.sync import change_log, device, staging


class _ChangeLogJournal:
    """``database.BulkJournal`` on the change journal, writing as the store's device and its acting person."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.device_id = store.device_id

    def versions(self, connection: Connection) -> str:
        return change_log.bulk_versions(connection, self.device_id)

    def log(
        self,
        connection: Connection,
        table_name: str,
        rows: list[dict[str, Any]],
        known: dict[tuple[str, str], str | None],
    ) -> None:
        change_log.log_bulk(connection, self.device_id, table_name, rows, known, self.store.actor)

    def forget(self, session: Session, row_ids: Any) -> None:
        journal = change_log.CHANGE_LOG
        forgotten = select(journal.c.origin_device, journal.c.seq).where(journal.c.row_id.in_(row_ids))
        # their entries in the record of who did what go with them (the end of this device's chain)
        session.execute(delete(AuditRecord).where(tuple_(AuditRecord.origin_device, AuditRecord.seq).in_(forgotten)))
        session.execute(delete(journal).where(journal.c.row_id.in_(row_ids)))


class SyncExtension:
    """``database.StoreExtension``: what a store opened for work gets from sync."""

    def on_connect(self, dbapi_connection: sqlite3.Connection) -> None:
        staging.attach(dbapi_connection)

    def on_open(self, store: Store) -> None:
        store.device_id = device.ensure_identity(store)
        # Every record written through this store names this laptop as its writer, gets its
        # versions and is journalled for sync.
        change_log.track(store, store.sessions)
        store.journal = _ChangeLogJournal(store)


SYNC = SyncExtension()


def open_store(
    path: Path | str,
    *,
    create: bool = True,
    revision: str = "head",
    keep_backups: int = backups.DEFAULT_KEEP,
    key: bytes | None = None,
) -> Store:
    """``database.open_store`` for work: with this laptop's identity and the journal installed.  ``key``: the
    data key of an encrypted store (issue 17), None for a clear one."""
    return database.open_store(
        path, create=create, revision=revision, keep_backups=keep_backups, extensions=(SYNC,), key=key
    )


def open_read_only(path: Path | str, key: bytes | None = None) -> Store | None:
    """``database.open_read_only`` with the staging schema (checking a bundle before importing it)."""
    return database.open_read_only(path, extensions=(SYNC,), key=key)
