"""Backups: consistent copies beside the store, named, listed, rotated, verified, restored."""

import datetime as dt
import sqlite3

import pytest

from builders import family_draft, renumber
from xinjie_desktop.core.records import households
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.models import Household
from xinjie_desktop.core.sync.workstore import open_store


def count_households(path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM household").fetchone()[0]
    finally:
        connection.close()


def test_backup_of_an_open_store_is_a_consistent_checked_copy_in_the_backups_folder(store, group_id):
    households.save(store, family_draft(group_id))
    backup = backups.create_backup(store.path, backups.MANUAL, now=dt.datetime(2017, 4, 1, 8, 30, 5))
    assert backup.path.parent == store.path.parent / "backups"
    assert backup.path.name == "store-20170401-083005-manual.sqlite"
    assert backup.reason == backups.MANUAL and backup.time == dt.datetime(2017, 4, 1, 8, 30, 5)
    assert backup.size == backup.path.stat().st_size > 0
    assert backups.verify(backup.path)
    assert count_households(backup.path) == 1
    # one self-contained file: no log beside it, no temporary file left behind
    assert sorted(p.name for p in backup.path.parent.iterdir()) == [backup.path.name]
    households.save(store, renumber(family_draft(group_id), 40))  # the store is still usable
    assert count_households(backup.path) == 1


def test_backups_are_listed_newest_first_with_time_reason_and_size(store):
    first = backups.create_backup(store.path, backups.DAILY, now=dt.datetime(2017, 4, 1, 8, 0, 0))
    second = backups.create_backup(store.path, backups.BEFORE_IMPORT, now=dt.datetime(2017, 4, 2, 9, 0, 0))
    same_second = backups.create_backup(store.path, backups.MANUAL, now=dt.datetime(2017, 4, 2, 9, 0, 0))
    (store.path.parent / "backups" / "unrelated.txt").write_text("x")
    listed = backups.list_backups(store.path)
    assert [b.path for b in listed] == [same_second.path, second.path, first.path]
    assert [b.reason for b in listed] == ["manual", "before-import", "daily"]
    assert all(b.size > 0 for b in listed)


def test_rotation_keeps_the_last_n(store):
    made = [
        backups.create_backup(store.path, backups.MANUAL, keep=3, now=dt.datetime(2017, 4, day, 8))
        for day in range(1, 7)
    ]
    assert [b.path for b in backups.list_backups(store.path)] == [b.path for b in reversed(made[-3:])]
    assert not made[0].path.exists()


def test_daily_backup_is_made_once_a_day(store):
    morning = dt.datetime(2017, 4, 1, 8, 0)
    assert backups.daily_backup_if_due(store.path, now=morning).reason == backups.DAILY
    assert backups.daily_backup_if_due(store.path, now=morning.replace(hour=17)) is None
    assert backups.daily_backup_if_due(store.path, now=morning + dt.timedelta(days=1)) is not None
    assert len(backups.list_backups(store.path)) == 2


def test_backup_before_import_is_named_for_the_import(store):
    assert backups.backup_before_import(store.path).reason == backups.BEFORE_IMPORT


def test_verify_rejects_a_damaged_copy(tmp_path, store):
    backup = backups.create_backup(store.path)
    data = bytearray(backup.path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(page, len(data), page):
        data[start : start + 8] = b"\x07" * 8
    backup.path.write_bytes(bytes(data))
    assert not backups.verify(backup.path)
    (tmp_path / "text.sqlite").write_text("not a database")
    assert not backups.verify(tmp_path / "text.sqlite")


def test_restore_backs_up_the_current_store_then_brings_back_the_earlier_state(tmp_path, store, group_id):
    households.save(store, family_draft(group_id))
    earlier = backups.create_backup(store.path, now=dt.datetime(2017, 4, 1, 8))
    later_id = households.save(store, renumber(family_draft(group_id), 40))
    path = store.path
    store.close()
    before_restore = backups.restore(path, earlier.path)
    assert before_restore.reason == backups.BEFORE_RESTORE and count_households(before_restore.path) == 2
    assert count_households(path) == 1
    assert not any(p.name.endswith((".restoring", "-wal")) for p in tmp_path.iterdir())
    reopened = open_store(path)
    with reopened.session() as session:
        assert session.get(Household, later_id) is None
    with reopened.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    reopened.close()
    # the restore can itself be undone from its before-restore backup
    backups.restore(path, before_restore.path)
    assert count_households(path) == 2


def test_restore_survives_rotation_deleting_the_backup_it_restores(store, group_id):
    oldest = backups.create_backup(store.path, keep=2, now=dt.datetime(2017, 4, 1, 8))
    households.save(store, family_draft(group_id))
    backups.create_backup(store.path, keep=2, now=dt.datetime(2017, 4, 2, 8))
    path = store.path
    store.close()
    backups.restore(path, oldest.path, keep=2)  # its before-restore backup rotates the oldest away
    assert not oldest.path.exists()
    assert count_households(path) == 0


def test_restore_is_refused_while_the_store_is_open(store, group_id):
    households.save(store, family_draft(group_id))
    backup = backups.create_backup(store.path)
    with store.session() as session:  # a connection holds the file
        session.get(Household, "x")
        with pytest.raises(backups.BackupError, match="still in use"):
            backups.restore(store.path, backup.path)
    assert count_households(store.path) == 1
    assert [b.reason for b in backups.list_backups(store.path)] == ["manual"]


def test_restore_of_a_damaged_backup_changes_nothing(store, group_id, tmp_path):
    households.save(store, family_draft(group_id))
    bad = tmp_path / "backups" / "store-20170401-080000-manual.sqlite"
    bad.parent.mkdir()
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    path = store.path
    store.close()
    with pytest.raises(backups.BackupError, match="damaged"):
        backups.restore(path, bad)
    assert count_households(path) == 1


def test_failed_backup_leaves_no_partial_file(store, monkeypatch):
    def full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_fsync_file", full)
    with pytest.raises(backups.BackupError, match="No space left"):
        backups.create_backup(store.path)
    assert list((store.path.parent / "backups").iterdir()) == []
