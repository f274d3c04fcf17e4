"""The store: migrations run on open, bad files refused untouched, WAL and foreign keys on."""

import datetime as dt
import hashlib
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from builders import family_draft
from xinjie_desktop.core.records import households
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store import database as store_module
from xinjie_desktop.core.store.database import StoreError, head_revision
from xinjie_desktop.core.store.models import Base
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.i18n import set_language


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_store_is_at_head_with_wal_and_foreign_keys(tmp_path):
    store = open_store(tmp_path / "new.sqlite")
    assert store.revision() == head_revision()
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_migrations_build_exactly_the_models(store):
    """...and, beside them, only the household list's text index (derived, no model: migration 0011)."""

    def modelled(name, kind, _parent):
        return kind != "table" or name not in store_module.DERIVED_INDEX_TABLES

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": modelled})
        differences = compare_metadata(context, Base.metadata)
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert differences == []
    assert tables - set(Base.metadata.tables) - {"alembic_version"} <= store_module.DERIVED_INDEX_TABLES


def test_device_id_is_kept_across_openings(tmp_path):
    first = open_store(tmp_path / "s.sqlite")
    device = first.device_id
    first.close()
    again = open_store(tmp_path / "s.sqlite")
    assert again.device_id == device
    again.close()


def test_store_at_first_revision_upgrades_with_data_intact(tmp_path):
    """A store saved by revision 0001 (the first release's schema), filled, then opened at head."""
    path = tmp_path / "old.sqlite"
    old = open_store(path, revision="0001")
    assert old.revision() == "0001"
    old.close()
    now = dt.datetime(2017, 4, 1, 8, 0, 0)
    stamp = (now, now, "dev-1")
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO township VALUES ('t1', ?, ?, ?, '辛街乡', '指挥部', 0)", stamp)
        connection.execute("INSERT INTO village VALUES ('v1', ?, ?, ?, 't1', '青山村')", stamp)
        connection.execute("INSERT INTO villager_group VALUES ('g1', ?, ?, ?, 'v1', '第一组')", stamp)
        connection.execute(
            "INSERT INTO household VALUES ('h1', ?, ?, ?, 'g1', 'v1', '青山村1号', '', 1, '5305020001', 4, "
            "'general', 'illness', '', 'national', 0, NULL, '李干部', '杨明', '530502197003051134', 4, "
            "'entered', '|below_line|', '杨明|530502197003051134')",
            stamp,
        )
        connection.execute(
            "INSERT INTO member VALUES ('m1', ?, ?, ?, 'h1', 0, '杨明', '530502197003051134', 'head', 'male', "
            "'1970-03-05', 'han', 'primary', 'healthy', 'normal', 'not_in_school', 0, 'resident', 1)",
            stamp,
        )
        connection.execute(
            "INSERT INTO income_worksheet VALUES ('i1', ?, ?, ?, 'h1', 2016, 1219996, 0, 0, 0, 0)", stamp
        )
    connection.close()  # the with block commits; it does not close
    upgraded = open_store(path)
    assert upgraded.revision() == head_revision()
    with upgraded.session() as session:
        household = households.load_household(session, "h1")
        assert household.head_name == "杨明" and household.national_number == "5305020001"
        assert household.members[0].birth_date == dt.date(1970, 3, 5)
        assert household.incomes[0].wage == 1219996
        assert household.device_id == "dev-1" and household.created_at == now
        assert household.objections == [] and household.reconciliation_note == ""
        assert household.moved_to_shop_or_row_house is False
        assert household.list_key == "青山村\x1f第一组\x1f杨明"  # 0004 fills the list order of old rows
    upgraded.close()
    (backup,) = backups.list_backups(path)  # the upgrade made a backup of the 0001 file first
    assert backup.reason == backups.BEFORE_MIGRATION and backups.verify(backup.path)
    with sqlite3.connect(backup.path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert connection.execute("SELECT name FROM member").fetchall() == [("杨明",)]
    connection.close()


def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "future.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    before = digest(path)
    with pytest.raises(StoreError, match="newer version"):
        open_store(path)
    assert digest(path) == before


def test_refusal_message_is_in_chinese_by_default(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("买化肥 300 元", encoding="utf-8")
    set_language("zh_CN")
    with pytest.raises(StoreError) as refused:
        open_store(path)
    assert "未被修改" in str(refused.value) or "没有被修改" in str(refused.value)


@pytest.mark.parametrize("content", [b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 3000])
def test_foreign_or_damaged_file_is_refused_untouched(tmp_path, content):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a data file|damaged"):
        open_store(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.sqlite"]


def test_corrupted_pages_are_refused_untouched(tmp_path):
    path = tmp_path / "corrupt.sqlite"
    store = open_store(path)
    households.save(store, family_draft(_group(store)))
    store.close()
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(page, len(data), page):  # scribble over every b-tree page header but the schema's
        data[start : start + 8] = b"\x07" * 8
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises(StoreError, match="damaged"):
        open_store(path)
    assert digest(path) == before


def test_other_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE accounts (id INTEGER)")
    connection.close()
    before = digest(path)
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    assert digest(path) == before


def test_locked_store_is_refused(tmp_path):
    path = tmp_path / "locked.sqlite"
    open_store(path).close()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="in use by another program"):
            open_store(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    open_store(path).close()


def dump(path):
    """The file's schema and rows (the backup API rewrites the header's change counter, so not its bytes)."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_failed_upgrade_puts_the_old_file_back(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite"
    open_store(path, revision="0001").close()
    before = dump(path)
    real_upgrade = store_module.upgrade

    def broken(engine, _revision="head"):
        real_upgrade(engine, "0002")  # the file is changed half-way…
        raise RuntimeError("disk full")  # …then the upgrade fails

    monkeypatch.setattr("xinjie_desktop.core.store.database.upgrade", broken)
    with pytest.raises(RuntimeError):
        open_store(path)
    assert dump(path) == before
    assert backups.verify(path)
    assert not any(p.name.endswith(("-wal", "-shm", ".restoring")) for p in tmp_path.iterdir())
    monkeypatch.undo()
    reopened = open_store(path)
    assert reopened.revision() == head_revision()
    reopened.close()


def test_upgrade_refused_untouched_when_no_backup_can_be_made(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite"
    open_store(path, revision="0001").close()
    before = digest(path)

    def no_space(*_args, **_kwargs):
        raise backups.BackupError("No backup could be made: No space left on device")

    monkeypatch.setattr(backups, "create_backup", no_space)
    with pytest.raises(StoreError, match="no backup could be made first"):
        open_store(path)
    assert digest(path) == before


def _group(store):
    from xinjie_desktop.core.records import township

    township.set_up(store, "T", "C", {"V": ["G"]})
    with store.session() as session:
        return township.groups(session)[0].id


def test_data_version_changes_with_every_commit_and_only_then(tmp_path):
    """Issue 16 (the household list's kept counts): ``data_version`` moves when this program or another commits
    to the store, not when it is only read; it is closed with the store."""
    store = open_store(tmp_path / "store.sqlite")
    try:
        before = store.data_version()
        group = _group(store)
        assert store.data_version() != before
        before = store.data_version()
        with store.session() as session:
            assert households.load_household(session, "no such household") is None  # a read: no change
        assert store.data_version() == before
        households.save(store, family_draft(group))
        after_save = store.data_version()
        assert after_save != before
        with sqlite3.connect(store.path) as other:
            other.execute("UPDATE household SET head_name = '改过'")
        assert store.data_version() != after_save
    finally:
        store.close()
    assert store._watch is None
