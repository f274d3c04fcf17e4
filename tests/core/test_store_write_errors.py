"""A full disk or a read-only data folder: a clear message, and nothing saved before is lost."""

import contextlib
import errno
import os
import sqlite3
import subprocess
import uuid

import pytest
from sqlalchemy import exc as sa_exc

from builders import family_draft, renumber
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.store.database import StoreError, StoreWriteError
from xinjie_desktop.core.store.models import Household, LocalSetting
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.i18n import set_language


def household_ids(path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT id FROM household")]
    finally:
        connection.close()


def fail_commit(monkeypatch, store, error: BaseException) -> None:
    """The DBAPI commit fails as SQLite's would on a full disk or a read-only file."""

    def do_commit(_dbapi_connection):
        raise error

    monkeypatch.setattr(store.engine.dialect, "do_commit", do_commit)


@pytest.mark.parametrize(
    "error, expected",
    [
        (sqlite3.OperationalError("database or disk is full"), "disk holding the data file is full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "cannot be written to"),
        (OSError(errno.ENOSPC, "No space left on device"), "disk holding the data file is full"),
        (OSError(errno.EROFS, "Read-only file system"), "cannot be written to"),
        (OSError(errno.EACCES, "Permission denied"), "cannot be written to"),
    ],
)
def test_injected_write_failure_gives_a_message_and_keeps_what_was_saved(store, group_id, monkeypatch, error, expected):
    saved = households.save(store, family_draft(group_id))
    fail_commit(monkeypatch, store, error)
    with pytest.raises(StoreWriteError, match=expected) as refused:
        households.save(store, renumber(family_draft(group_id), 40))
    assert isinstance(refused.value, StoreError)
    assert "Everything saved before is safe" in str(refused.value)
    monkeypatch.undo()
    assert household_ids(store.path) == [saved]
    with store.session() as session:
        assert len(session.get(Household, saved).members) == 4


def test_write_failure_message_is_chinese_by_default(store, group_id, monkeypatch):
    fail_commit(monkeypatch, store, sqlite3.OperationalError("database or disk is full"))
    set_language("zh_CN")
    with pytest.raises(StoreWriteError) as refused:
        households.save(store, family_draft(group_id))
    assert "磁盘" in str(refused.value)


def test_other_database_errors_are_not_disguised(store, group_id, monkeypatch):
    fail_commit(monkeypatch, store, sqlite3.OperationalError("no such table: household"))
    with pytest.raises(sa_exc.OperationalError) as raised:
        households.save(store, family_draft(group_id))
    assert not isinstance(raised.value, StoreError)


def settings(path) -> dict[str, str]:
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT key, value FROM local_setting"))
    finally:
        connection.close()


def test_durable_unit_of_work_commits_with_synchronous_full_then_back_to_normal(store):
    with store.durable_unit_of_work() as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        session.add(LocalSetting(key="durable", value="yes"))
    assert settings(store.path)["durable"] == "yes"
    for _ in range(3):  # whichever pooled connection comes next
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_durable_unit_of_work_rolls_back_on_error(store):
    with pytest.raises(RuntimeError), store.durable_unit_of_work() as session:
        session.add(LocalSetting(key="lost", value="yes"))
        session.flush()
        raise RuntimeError("interrupted")
    assert "lost" not in settings(store.path)


def test_durable_unit_of_work_is_one_transaction_that_savepoints_nest_in(store):
    """A savepoint released inside it commits nothing: rolled back, the whole block is gone (pysqlite
    alone would have made the first savepoint the transaction, and its release a commit)."""
    with pytest.raises(RuntimeError), store.durable_unit_of_work() as session:
        with session.begin_nested():
            session.add(LocalSetting(key="in a savepoint", value="yes"))
        raise RuntimeError("interrupted")
    assert "in a savepoint" not in settings(store.path)


def test_a_big_transaction_leaves_no_big_write_ahead_log_behind(tmp_path, monkeypatch):
    """A stick's import is one transaction; once checkpointed, the log beside the store is cut back."""
    from xinjie_desktop.core.store import database as store_module

    monkeypatch.setattr(store_module, "WAL_SIZE_LIMIT", 1024 * 1024)
    big = open_store(tmp_path / "big.sqlite")
    with big.durable_unit_of_work() as session:
        for number in range(8):
            session.add(LocalSetting(key=f"big {number}", value="x" * 1024 * 1024))
    with big.unit_of_work() as session:  # the next write starts the log again, at most the limit long
        session.add(LocalSetting(key="small", value="y"))
    assert os.path.getsize(f"{big.path}-wal") <= 1024 * 1024 + 64 * 1024
    assert settings(big.path)["big 7"] == "x" * 1024 * 1024
    big.close()


def test_durable_unit_of_work_reports_a_full_disk(store, monkeypatch):
    fail_commit(monkeypatch, store, sqlite3.OperationalError("database or disk is full"))
    with pytest.raises(StoreWriteError, match="full"), store.durable_unit_of_work() as session:
        session.add(LocalSetting(key="lost", value="yes"))
    monkeypatch.undo()
    assert "lost" not in settings(store.path)


# --- the real thing: a tiny tmpfs (needs root and mount; skipped elsewhere) ---------------------


@pytest.fixture
def tiny_disk(tmp_path):
    folder = tmp_path / "disk"
    folder.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("mounting a small tmpfs needs root")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_really_full_disk_gives_the_message_and_loses_nothing(tiny_disk):
    store = open_store(tiny_disk / "store.sqlite")
    try:
        township.set_up(store, "T", "C", {"V": ["G"]})
        with store.session() as session:
            group = township.groups(session)[0].id
        saved = households.save(store, family_draft(group))
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with open(tiny_disk / "filler", "wb", buffering=0) as filler:  # every byte left
            with contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * 4096)
        with pytest.raises(StoreWriteError, match="full"):
            for sequence in range(40, 4000, 10):  # until the log cannot grow
                households.save(store, renumber(family_draft(group, address=uuid.uuid4().hex * 50), sequence))
    finally:
        store.close()
    (tiny_disk / "filler").unlink()
    reopened = open_store(tiny_disk / "store.sqlite")
    try:
        with reopened.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with reopened.session() as session:
            assert len(session.get(Household, saved).members) == 4
    finally:
        reopened.close()


def test_really_read_only_folder_refuses_to_open_with_a_message_and_no_change(tiny_disk):
    """A store on a folder that became read-only (a locked USB stick) between two sessions."""
    store = open_store(tiny_disk / "store.sqlite")
    township.set_up(store, "T", "C", {"V": ["G"]})
    store.close()
    before = (tiny_disk / "store.sqlite").read_bytes()
    assert subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)]).returncode == 0
    with pytest.raises(StoreError, match="read-only|cannot be written"):
        open_store(tiny_disk / "store.sqlite")
    assert (tiny_disk / "store.sqlite").read_bytes() == before
