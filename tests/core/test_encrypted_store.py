"""The store encrypted at rest (issue 17): SQLCipher for the file, its write-ahead log and its backups; the
device's private keys therefore too; a wrong key changes nothing; an import stages its bundles without a
clear copy on disk; a clear store is encrypted with a verified copy first."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from xinjie_desktop.core.records import demo_data, township
from xinjie_desktop.core.store import backups, cipher, database, keyring
from xinjie_desktop.core.store.database import StoreError
from xinjie_desktop.core.sync import device, exporting, importing
from xinjie_desktop.core.sync.workstore import open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stores"
REVISIONS = sorted(path.stem.removeprefix("store-") for path in FIXTURES.glob("store-*.sqlite"))
VILLAGES = {"青山村": ["第一村民小组"], "绿水村": ["第一村民小组"]}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def filled(path: Path, key: bytes | None, households: int = 5):
    store = open_store(path, key=key)
    township.set_up(store, "辛街乡", "指挥部", VILLAGES)
    demo_data.add_households(store, households, seed=7)
    return store


def id_numbers(store) -> list[str]:
    with store.session() as session:
        return list(session.execute(text("SELECT id_number FROM member WHERE id_number != ''")).scalars())


def private_keys(store) -> list[str]:
    with store.session() as session:
        return list(
            session.execute(
                text("SELECT value FROM local_setting WHERE key IN (:a, :b)"),
                {"a": device.SIGNING_KEY, "b": device.BOX_KEY},
            ).scalars()
        )


def unreadable_to_sqlite3(path: Path) -> bool:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError:
            return True
    return False


def secrets_in(data: bytes, numbers: list[str], keys: list[str]) -> list[str]:
    found = [number for number in numbers if number.encode("ascii") in data]
    found += [key for key in keys if key.encode("ascii") in data or device.unb64(key) in data]
    return found


def test_a_clear_store_holds_id_numbers_and_keys_in_clear(tmp_path):
    """The control of the next test: in a clear store the grep finds them (so it would find them there too)."""
    store = filled(tmp_path / "clear.sqlite", None)
    numbers, keys = id_numbers(store), private_keys(store)
    store.close()
    assert numbers and len(keys) == 2
    assert secrets_in((tmp_path / "clear.sqlite").read_bytes(), numbers, keys)


def test_the_file_its_journal_and_its_backups_hold_nothing_in_clear(tmp_path):
    """Issue 17: the store, its write-ahead log and its backups are unreadable to plain sqlite3 and hold no ID
    number; the device's private keys (kept in the store) are not in clear either."""
    key = keyring.new_data_key()
    path = tmp_path / "store.sqlite"
    store = filled(path, key)
    numbers, keys = id_numbers(store), private_keys(store)
    assert numbers and len(keys) == 2
    wal = Path(f"{path}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the store is open: its log holds the latest writes
    assert secrets_in(path.read_bytes() + wal.read_bytes(), numbers, keys) == []
    # the file with its log, as a thief copies them
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copyfile(path, copy / "store.sqlite")
    shutil.copyfile(wal, copy / "store.sqlite-wal")
    assert unreadable_to_sqlite3(copy / "store.sqlite")
    backup = backups.create_backup(path, key=key)
    assert secrets_in(backup.path.read_bytes(), numbers, keys) == []
    assert unreadable_to_sqlite3(backup.path)
    assert not backups.verify(backup.path) and backups.verify(backup.path, key)
    store.close()
    assert unreadable_to_sqlite3(path)
    assert secrets_in(path.read_bytes(), numbers, keys) == []


def test_a_backup_of_an_encrypted_store_is_restored_with_its_key(tmp_path):
    key = keyring.new_data_key()
    path = tmp_path / "store.sqlite"
    store = filled(path, key)
    backup = backups.create_backup(path, key=key)
    demo_data.add_households(store, 3, seed=8)
    store.close()
    with pytest.raises(backups.BackupError):  # without the key the backup is nothing
        backups.restore(path, backup.path)
    before_restore = backups.restore(path, backup.path, key=key)
    assert before_restore is not None and backups.verify(before_restore.path, key)
    store = open_store(path, key=key)
    with store.session() as session:
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 5
    store.close()
    assert cipher.is_encrypted(path)


def test_a_wrong_key_or_no_key_is_refused_and_changes_nothing(tmp_path):
    """Issue 17: a wrong key (or none) opens nothing and leaves every file as it was."""
    key = keyring.new_data_key()
    path = tmp_path / "store.sqlite"
    filled(path, key).close()
    before = folder_state(tmp_path)
    with pytest.raises(StoreError, match="cannot be opened with its key"):
        open_store(path, key=keyring.new_data_key())
    with pytest.raises(StoreError, match="not a data file of this application"):
        open_store(path)
    keyring.enrol(path, key, "id-admin", "admin", "pw")
    before = folder_state(tmp_path)
    with pytest.raises(StoreError, match="encrypted: log in"):
        open_store(path)
    with pytest.raises(StoreError, match="cannot be opened with its key"):
        database.open_read_only(path, key=keyring.new_data_key())
    assert database.check_whole_file(path, key=keyring.new_data_key()) is False
    assert folder_state(tmp_path) == before
    assert database.check_whole_file(path, key=key) is True


def test_a_key_for_a_clear_store_is_refused(tmp_path):
    path = tmp_path / "clear.sqlite"
    open_store(path).close()
    before = digest(path)
    with pytest.raises(StoreError, match="not encrypted"):
        open_store(path, key=keyring.new_data_key())
    assert digest(path) == before


def test_an_encrypted_store_open_elsewhere_is_refused_while_writing(tmp_path):
    """Opened twice: a second program finds it in use while the first writes, as with a clear store."""
    key = keyring.new_data_key()
    path = tmp_path / "store.sqlite"
    open_store(path, key=key).close()
    holder = cipher.connect(str(path), key, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="in use by another program"):
            open_store(path, key=key)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    first = open_store(path, key=key)
    second = open_store(path, key=key)  # two readers of a WAL store, as before
    assert first.device_id == second.device_id
    first.close()
    second.close()


def test_bound_values_stay_out_of_error_messages(tmp_path):
    """Issue 17: the log never holds bound values (the engine hides them: ``hide_parameters``)."""
    store = open_store(tmp_path / "store.sqlite", key=keyring.new_data_key())
    try:
        with pytest.raises(sa_exc.DBAPIError) as failed:
            with store.engine.begin() as connection:
                connection.execute(text("INSERT INTO no_such_table VALUES (:number)"), {"number": "110101199003077777"})
        assert "110101199003077777" not in str(failed.value)
    finally:
        store.close()
    clear = database.open_store(tmp_path / "clear.sqlite")
    try:
        assert clear.engine.hide_parameters
    finally:
        clear.close()


def test_an_import_into_an_encrypted_store_stages_nothing_on_disk(tmp_path):
    """Issue 17: the import's staging works on the encrypted store (rows into an in-memory schema that is never
    written out), with the same result as on a clear one."""
    from sync_world import provision_laptop

    results = {}
    for name, key in (("clear", None), ("encrypted", keyring.new_data_key())):
        folder = tmp_path / name
        town = open_store(folder / "township.sqlite", key=key)
        township.set_up(town, "辛街乡", "指挥部", VILLAGES)
        with town.session() as session:
            village = session.execute(text("SELECT id FROM village ORDER BY name")).scalars().first()
        laptop = open_store(folder / "laptop.sqlite")
        provision_laptop(town, laptop, "笔记本", [village], folder / "stick")
        importing.import_bundles(town, [r.path for r in exporting.export(laptop, folder / "stick")])
        importing.import_bundles(laptop, [r.path for r in exporting.export(town, folder / "stick")])
        demo_data.add_households(laptop, 30, seed=3)
        (bundle,) = exporting.export(laptop, folder / "stick")
        (outcome,) = importing.import_bundles(town, [bundle.path])
        with town.session() as session:
            results[name] = (
                outcome.outcome.applied,
                session.execute(text("SELECT count(*) FROM household")).scalar(),
                session.execute(text("SELECT count(*) FROM member")).scalar(),
                sorted(session.execute(text("SELECT head_id_number, flags FROM household")).all()),
            )
        numbers = id_numbers(town)
        town.close()
        laptop.close()
        if key is not None:
            files = [p for p in folder.rglob("township*") if p.is_file() and not p.name.endswith(".device")]
            files += list((folder / "backups").glob("township-*"))
            assert files and all(secrets_in(p.read_bytes(), numbers, []) == [] for p in files)
    assert results["clear"] == results["encrypted"] and results["clear"][1] == 30


def test_staged_rows_and_the_image_stage_the_same_tables(tmp_path):
    """``staging.stage`` of an image's rows (an encrypted store's way: its connection cannot load an image) leaves
    the same tables as loading the image into a clear store; a second bundle's rows replace the first's."""
    from xinjie_desktop.core.sync import staging

    source = filled(tmp_path / "source.sqlite", None)
    with source.session() as session:
        rows = session.execute(
            text(f"SELECT {', '.join(staging.COLUMNS)} FROM change_log ORDER BY origin_device, seq")
        ).all()
    source.close()
    small, large = (staging.staged_image(staging.document_text(part)) for part in (rows[:3], rows))

    def staged(store, images) -> dict[str, list]:
        with store.engine.connect() as connection:
            for image in images:
                staging.stage(connection, image)
            driver = connection.connection.driver_connection
            names = [r[0] for r in driver.execute("SELECT name FROM incoming.sqlite_master WHERE type = 'table'")]
            found = {}
            for name in names:
                rowid = "" if name in ("scope_ref", "new_household_derived") else "rowid, "  # WITHOUT ROWID
                found[name] = sorted(driver.execute(f"SELECT {rowid}* FROM incoming.{name}"), key=repr)
            connection.rollback()
        return found

    clear = open_store(tmp_path / "clear.sqlite")
    encrypted = open_store(tmp_path / "encrypted.sqlite", key=keyring.new_data_key())
    try:
        expected = staged(clear, [large])
        assert len(expected["sync_incoming"]) == len(rows) and expected["new_member"]
        assert staged(encrypted, [small, large]) == expected  # images turned into rows on the way in
        assert staged(encrypted, [staging.image_rows(small), staging.image_rows(large)]) == expected
    finally:
        clear.close()
        encrypted.close()


def test_staged_rows_keep_every_value_as_it_was(tmp_path):
    """Issue 17 (the import's staging on the encrypted store): the staged tables cross to SQLCipher as one JSON
    document a table (``staging.StagedRows``); every value arrives as it was staged, of the same type: a line's
    hash (a blob, empty too), texts with quotes, backslashes, tabs, line breaks, NUL, Chinese and line separators,
    the largest integer, NULL; and a rowid that is not 1, 2, 3."""
    import sqlite3

    from xinjie_desktop.core.sync import staging

    staged = sqlite3.connect(":memory:")
    for statement in staging._schema():
        staged.execute(statement)
    texts = ['a"b\\c', "tab\there\nnext\r", "nul\x00inside", "中文\u2028\u2029", "", "[1, 2]", '{"x": 1}']
    rows = [
        (row_id * 7, "origin", row_id, 2**63 - 1, "household", text_value, "upsert", None, "{}", "{}", digest)
        for row_id, (text_value, digest) in enumerate(
            zip(texts, [bytes(range(32)), b"", None, b"\x00", bytes([255] * 32), None, b"x"], strict=True), start=1
        )
    ]
    staged.executemany(
        "INSERT INTO sync_incoming (rowid, origin_device, seq, hlc, table_name, row_id, op, "
        "village_id, payload, bases, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    staged.commit()
    image = staged.serialize()
    staged.close()

    store = open_store(tmp_path / "encrypted.sqlite", key=keyring.new_data_key())
    try:
        with store.engine.connect() as connection:
            staging.stage(connection, staging.image_rows(image))
            driver = connection.connection.driver_connection
            found = driver.execute(
                "SELECT rowid, origin_device, seq, hlc, table_name, row_id, op, village_id, payload, bases, hash, "
                "typeof(row_id), typeof(hash) FROM incoming.sync_incoming ORDER BY rowid"
            ).fetchall()
            connection.rollback()
    finally:
        store.close()
    assert [row[:11] for row in found] == rows
    assert [row[11:] for row in found] == [("text", "null" if row[10] is None else "blob") for row in rows]


def test_a_staged_change_is_looked_up_in_the_journal_not_the_journal_scanned(tmp_path):
    """Issue 17 (the encrypted import's speed): the check for a change held already with another content
    (``merge.staged_fork``) looks each staged change up in the journal by its key, in SQLCipher's SQLite too (3.53
    chose to scan the whole journal, the import's time growing with the store)."""
    from xinjie_desktop.core.sync import merge, staging

    for key in (None, keyring.new_data_key()):
        store = open_store(tmp_path / f"store-{key is None}.sqlite", key=key)
        try:
            with store.engine.connect() as connection:
                staging.stage(connection, staging.staged_image(""))  # the staged tables (empty)
                plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + merge.FORK)]
        finally:
            store.close()
        assert plan[0].startswith("SCAN i"), plan
        assert any(step.startswith("SEARCH c USING PRIMARY KEY") for step in plan), plan


# --- encrypting a clear store ---------------------------------------------------------------------------------


def rows_of(path: Path, key: bytes | None) -> dict[str, list]:
    with closing(cipher.connect(str(path), key)) as connection:
        names = [
            r[0]
            for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not r[0].startswith("sqlite_")
        ]
        return {name: sorted(map(repr, connection.execute(f'SELECT * FROM "{name}"'))) for name in names}


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_clear_store_of_each_revision_is_encrypted_with_its_backups(tmp_path, revision):
    """Issue 17: an existing clear store (saved by each earlier schema revision) and its backups are encrypted,
    every row kept, no clear copy left; it then opens with its key (and is migrated)."""
    path = tmp_path / "data.sqlite"
    shutil.copyfile(FIXTURES / f"store-{revision}.sqlite", path)
    made = backups.create_backup(path)
    expected = rows_of(path, None)
    with closing(sqlite3.connect(path)) as connection:
        numbers = [
            r[0] for r in connection.execute("SELECT id_number FROM member WHERE id_number != ''") if len(r[0]) == 18
        ]
    assert numbers
    key = keyring.new_data_key()
    assert database.encrypt_store(path, key) == 2
    assert cipher.is_encrypted(path) and cipher.is_encrypted(made.path)
    assert rows_of(path, key) == expected and rows_of(made.path, key) == expected
    assert backups.verify(made.path, key)
    names = sorted(p.name for p in tmp_path.rglob("*"))
    assert names == sorted(["data.sqlite", "backups", made.path.name])  # no copy, no leftover
    for item in (path, made.path):
        assert unreadable_to_sqlite3(item)
        assert secrets_in(item.read_bytes(), numbers, []) == []
    store = open_store(path, key=key)
    try:
        assert store.revision() == database.head_revision()
        with store.session() as session:
            assert session.execute(text("SELECT count(*) FROM household")).scalar() == len(expected["household"])
    finally:
        store.close()
    for backup in backups.list_backups(path):  # the before-migration backup: encrypted too
        assert cipher.is_encrypted(backup.path) and backups.verify(backup.path, key)


@pytest.mark.parametrize("failing", [0, 1])
def test_an_encryption_that_fails_leaves_the_clear_store_as_it_was(tmp_path, monkeypatch, failing):
    """Issue 17: the encrypted copies are checked before anything is replaced; a failed check (of the store's
    copy, or of a backup's) leaves the store and its backups byte for byte as they were."""
    path = tmp_path / "data.sqlite"
    shutil.copyfile(FIXTURES / f"store-{REVISIONS[-1]}.sqlite", path)
    backups.create_backup(path)
    before = folder_state(tmp_path)
    checks = []

    def check(sound, expected, found):
        checks.append(found)
        return len(checks) - 1 != failing

    monkeypatch.setattr(database, "_copy_is_whole", check)
    with pytest.raises(StoreError, match="left as it was"):
        database.encrypt_store(path, keyring.new_data_key())
    assert folder_state(tmp_path) == before
    assert not cipher.is_encrypted(path)


def test_a_store_in_use_is_not_encrypted(tmp_path):
    path = tmp_path / "data.sqlite"
    store = open_store(path)
    before = digest(path)
    try:
        with pytest.raises(StoreError, match="still in use"):
            database.encrypt_store(path, keyring.new_data_key())
    finally:
        store.close()
    assert not cipher.is_encrypted(path)
    assert digest(path) == before or backups.verify(path)


def test_an_interrupted_encryption_is_finished_and_its_clear_leftover_shredded(tmp_path, monkeypatch):
    """Interrupted after the store was replaced: the next run encrypts the backups still clear, and opening the
    store removes a clear copy left beside it."""
    path = tmp_path / "data.sqlite"
    shutil.copyfile(FIXTURES / f"store-{REVISIONS[-1]}.sqlite", path)
    made = backups.create_backup(path)
    key = keyring.new_data_key()
    real = database._put_encrypted_in_place
    calls = []

    def interrupted(copy, clear):
        calls.append(clear)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real(copy, clear)

    monkeypatch.setattr(database, "_put_encrypted_in_place", interrupted)
    with pytest.raises(StoreError):
        database.encrypt_store(path, key)
    assert cipher.is_encrypted(path) and not cipher.is_encrypted(made.path)
    monkeypatch.setattr(database, "_put_encrypted_in_place", real)
    assert database.encrypt_store(path, key) == 1
    assert cipher.is_encrypted(made.path)
    leftover = tmp_path / ".data.sqlite.clear"
    shutil.copyfile(FIXTURES / f"store-{REVISIONS[-1]}.sqlite", leftover)
    open_store(path, key=key).close()
    assert not leftover.exists()


def test_the_staging_keeps_its_sorts_and_temporary_tables_in_memory(monkeypatch):
    """Issue 17: a bundle's changes staged in a reader thread never reach a temporary file in clear (SQLite's
    default puts large sorts and temporary tables in files)."""
    from xinjie_desktop.core.sync import staging

    executed = []
    real_connect = sqlite3.connect

    class Recording:
        def __init__(self, connection):
            self.connection = connection

        def execute(self, statement, *args):
            executed.append(statement)
            return self.connection.execute(statement, *args)

        def __getattr__(self, name):
            return getattr(self.connection, name)

    monkeypatch.setattr(staging.sqlite3, "connect", lambda *a, **k: Recording(real_connect(*a, **k)))
    staging.staged_image("")
    assert executed[0] == "PRAGMA temp_store=MEMORY"


def test_an_encrypted_stores_connections_keep_a_larger_page_cache(tmp_path):
    """Issue 17, the list within 1.3 × of the clear store: pages of an encrypted store are decrypted as they enter
    SQLite's cache, so its connections keep 64 MiB of them (scripts/benchmark.py --encrypted measures it)."""
    store = open_store(tmp_path / "store.sqlite", key=keyring.new_data_key())
    clear = open_store(tmp_path / "clear.sqlite")
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -cipher.ENCRYPTED_CACHE_KIB
        with clear.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -2000  # SQLite's default, as before
    finally:
        store.close()
        clear.close()
