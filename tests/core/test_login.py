"""Issue 17: a store opened as a person; a clear store encrypted with its first administrator and the recovery
code; the key file kept in step with the accounts (made, password changed, reset, arrived by bundle)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from xinjie_desktop.core.records import accounts, demo_data, township
from xinjie_desktop.core.rules.permissions import Role
from xinjie_desktop.core.store import keyring
from xinjie_desktop.core.sync import login, roles
from xinjie_desktop.core.sync.workstore import open_store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
ADMIN, PASSWORD = "admin", "admin password 1"
FIXTURE_ADMIN = ("xinjie-admin", "admin password 2017")  # scripts/make_migration_fixtures.py


def unreadable(path: Path, needle: bytes) -> None:
    """The file is not a database to plain sqlite3 and holds no ``needle`` bytes."""
    with pytest.raises(sqlite3.DatabaseError), contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert needle not in path.read_bytes()


@pytest.fixture
def secured(tmp_path):
    """A demo store encrypted by its first administrator; (path, a head's ID number, the recovery code)."""
    path = tmp_path / "store.sqlite"
    store = open_store(path)
    demo_data.generate(store, villages=2, households=20, seed=4)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        number = connection.execute("SELECT head_id_number FROM household LIMIT 1").fetchone()[0]
    assert number.encode() in path.read_bytes() or Path(f"{path}-wal").exists()
    reopened, code = login.secure(store, ADMIN, PASSWORD)
    assert reopened.actor.name == ADMIN and reopened.actor.role is Role.TOWNSHIP_ADMIN
    reopened.close()
    return path, number, code


def test_a_secured_store_is_encrypted_and_opens_only_with_the_administrator_s_password(secured):
    """Issue 17: the file unreadable to sqlite3 and without an ID number's bytes; the right password opens it
    as the administrator; a wrong one is refused and counted, and the fifth locks the account out."""
    path, number, code = secured
    unreadable(path, number.encode())
    assert login.is_encrypted(path) and len(code.split("-")) == 6
    store = login.open_as(path, ADMIN, PASSWORD)
    try:
        assert store.actor.name == ADMIN
        with store.session() as session:
            assert len(township.villages(session)) == 2
    finally:
        store.close()
    waits = []
    for attempt in range(1, accounts.MAX_FAILURES + 1):
        with pytest.raises(accounts.LoginRefused) as refused:
            login.open_as(path, ADMIN, "not the password", sleep=waits.append)
        assert ("locked" in str(refused.value)) == (attempt == accounts.MAX_FAILURES)
    assert waits and waits == sorted(waits)  # each wrong password waits longer
    with pytest.raises(accounts.LoginRefused, match="locked"):
        login.open_as(path, ADMIN, PASSWORD, sleep=waits.append)  # locked out: even the right one


def test_the_recovery_code_opens_the_store_to_give_an_administrator_a_new_password(secured):
    """Issue 17: every administrator's password lost: the printed code opens the store; the administrator gets a
    new password; the old one no longer opens it; a wrong code is refused."""
    path, _number, code = secured
    with pytest.raises(accounts.LoginRefused, match="recovery code is wrong"):
        login.open_with_recovery(path, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")
    store = login.open_with_recovery(path, code.lower().replace("-", " "))  # as typed from the sheet
    try:
        assert store.actor.role is Role.TOWNSHIP_ADMIN
        assert login.administrators(store) == [ADMIN]
        login.reset_password(store, ADMIN, "a new password 2")
    finally:
        store.close()
    with pytest.raises(accounts.LoginRefused):
        login.open_as(path, ADMIN, PASSWORD)
    login.open_as(path, ADMIN, "a new password 2").close()


def test_an_account_made_or_changed_on_an_encrypted_store_opens_it_with_its_own_password(secured):
    """Issue 17: several people on one laptop: the data key wrapped once per account; a password change
    re-wraps that account's key only (the administrator's still opens the store)."""
    path, _number, _code = secured
    store = login.open_as(path, ADMIN, PASSWORD)
    try:
        with store.session() as session:
            village = township.villages(session)[0]
        login.add_account(store, "zhang", "zhang password", Role.WORK_TEAM, [village.id])
    finally:
        store.close()
    assert set(keyring.accounts(path)) == {ADMIN, "zhang"}
    store = login.open_as(path, "zhang", "zhang password")
    try:
        assert store.actor.villages == frozenset({village.id})
        login.change_password(store, "zhang password", "zhang password 2")
    finally:
        store.close()
    with pytest.raises(accounts.LoginRefused):
        login.open_as(path, "zhang", "zhang password")
    login.open_as(path, "zhang", "zhang password 2").close()
    login.open_as(path, ADMIN, PASSWORD).close()


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("store-*.sqlite")), ids=lambda p: p.stem)
def test_a_clear_store_of_every_earlier_revision_is_migrated_then_encrypted(tmp_path, fixture):
    """Issue 17: a store saved by each earlier schema revision is migrated, then encrypted by its first
    administrator: every household kept, the clear file gone."""
    path = tmp_path / "old.sqlite"
    shutil.copy(fixture, path)
    store = open_store(path)
    with store.session() as session:
        households = session.execute(text("SELECT count(*) FROM household")).scalar_one()
    name, password = (ADMIN, PASSWORD) if not accounts.any_accounts(store) else FIXTURE_ADMIN  # from 0012 on
    reopened, _code = login.secure(store, name, password)
    try:
        with reopened.session() as session:
            again = session.execute(text("SELECT count(*) FROM household")).scalar_one()
        assert again == households
    finally:
        reopened.close()
    with pytest.raises(sqlite3.DatabaseError), contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("SELECT count(*) FROM household").fetchone()


def test_a_failed_encryption_leaves_the_clear_store_and_no_key_file(tmp_path, monkeypatch):
    """Issue 17: the key file is written first; if the file cannot be encrypted, the key file goes again and
    the clear store opens as before."""
    from xinjie_desktop.core.store import database

    path = tmp_path / "store.sqlite"
    store = open_store(path)
    demo_data.generate(store, villages=1, households=5, seed=2)

    def full_disk(*_args, **_kwargs):
        raise database.StoreError("The disk is full.")

    monkeypatch.setattr(database, "encrypt_store", full_disk)
    with pytest.raises(database.StoreError):
        login.secure(store, ADMIN, PASSWORD)
    assert not keyring.keys_path(path).exists() and not login.is_encrypted(path)
    again = login.open_as(path, ADMIN, PASSWORD)  # the clear store, its administrator made
    again.close()


def test_an_account_made_at_the_township_opens_a_laptop_s_encrypted_store_after_the_bundle(world):
    """Issue 17: accounts travel with their key pair: the laptop's store, encrypted by the township's
    administrator there, gives the data key to an account made at the township once its bundle is imported
    (``grant_arrived``); that account's own password then opens the laptop's store."""
    town = world.township
    login.add_account(town, ADMIN, PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(town, ADMIN, PASSWORD)
    name, laptop = next(iter(world.laptops.items()))
    (village,) = roles.laptop_villages(laptop)
    world.import_into(laptop, world.export(town, to=laptop))  # the administrator's account reaches the laptop
    laptop.actor = accounts.login(laptop, ADMIN, PASSWORD)
    laptop, _code = login.secure(laptop, ADMIN, PASSWORD)
    world.laptops[name] = laptop
    login.add_account(town, "team", "team password", Role.WORK_TEAM, [village], may_sign=True)
    world.import_into(laptop, world.export(town, to=laptop))  # the import gives it the data key
    assert "team" in keyring.accounts(laptop.path)
    assert login.grant_arrived(laptop) == []  # once
    path = laptop.path
    laptop.close()
    opened = login.open_as(path, "team", "team password")
    assert opened.actor.name == "team" and opened.actor.may_sign
    world.laptops[name] = opened


def test_a_key_file_left_beside_a_clear_store_does_not_make_it_encrypted(tmp_path):
    """Issue 17: an encryption interrupted after the key file was written leaves the store clear: it is opened as
    the clear store it is (the header decides, not the key file alone)."""
    path = tmp_path / "store.sqlite"
    store = open_store(path)
    login.add_account(store, ADMIN, PASSWORD, Role.TOWNSHIP_ADMIN)
    store.close()
    keyring.enrol(path, keyring.new_data_key(), "id", ADMIN, PASSWORD)
    assert keyring.has_keys(path) and not login.is_encrypted(path)
    opened = login.open_as(path, ADMIN, PASSWORD)
    assert opened.key is None and opened.actor.name == ADMIN
    opened.close()
