"""Issue 17, accounts: made by the township's administrator, Argon2id passwords, login, lockout, reset."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from xinjie_desktop.core.records import accounts, township
from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules.permissions import Actor, PermissionRefused, Role

PASSWORD = "admin password"


def village_ids(store) -> list[str]:
    with store.session() as session:
        return [v.id for v in township.villages(session)]


@pytest.fixture
def admin(store, group_id):
    """A store with its first administrator, logged in."""
    accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN, display_name="Township administrator")
    return accounts.login(store, "admin", PASSWORD)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Clock:
    """An injected clock and sleeper: sleeping moves the clock on, and is remembered."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_shipped_argon2id_parameters_are_strong():
    """Issue 17: the shipped Argon2id cost is at least 64 MiB and three passes (the suite lowers it for speed)."""
    shipped = permissions.SHIPPED_KDF_PARAMETERS
    assert shipped.memory_cost >= 64 * 1024 and shipped.time_cost >= 3 and shipped.parallelism >= 1
    out = subprocess.run(
        [sys.executable, "-c", "from xinjie_desktop.core.rules import permissions as p; print(p.KDF_PARAMETERS)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == repr(shipped)  # what the program uses unless a test lowers it


def test_the_first_account_is_an_administrator_made_with_no_one_logged_in(store, group_id):
    """Issue 17: a new store's first administrator; from then on nobody logged in changes nothing."""
    with pytest.raises(accounts.AccountError, match="first account"):
        accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, village_ids(store)[:1])
    assert not accounts.any_accounts(store)
    account_id = accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    assert accounts.any_accounts(store)
    with pytest.raises(PermissionRefused, match="Nobody is logged in"):
        accounts.create(store, "second", PASSWORD, Role.TOWNSHIP_ADMIN)
    view = accounts.view(store, "admin")
    assert view.id == account_id and view.role is Role.TOWNSHIP_ADMIN and view.countersigned
    with store.session() as session:
        stored = session.execute(text("SELECT password_hash FROM accounts")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_gives_the_actor_and_sets_it_on_the_store(store, admin):
    """Issue 17: login(store, name, password) -> Actor; Store.actor is the person logged in."""
    v1, v2 = village_ids(store)
    accounts.create(store, "wang", "team password", Role.WORK_TEAM, [v1, v2], may_sign=True, display_name="王")
    accounts.logout(store)
    assert store.actor is None
    actor = accounts.login(store, "wang", "team password")
    assert actor == Actor(actor.id, "wang", Role.WORK_TEAM, frozenset({v1, v2}), True)
    assert store.actor == actor


def test_wrong_password_changes_nothing_in_the_store(store, admin):
    """Issue 17: a wrong password is refused and the store's file (and its write-ahead log) stay byte-identical."""
    store.actor = None
    wal = store.path.with_name(store.path.name + "-wal")
    before = (digest(store.path), digest(wal))
    with pytest.raises(accounts.LoginRefused, match="Wrong name or password"):
        accounts.login(store, "admin", "not the password", sleep=lambda s: None)
    with pytest.raises(accounts.LoginRefused, match="Wrong name or password"):
        accounts.login(store, "nobody", PASSWORD, sleep=lambda s: None)
    assert store.actor is None
    assert (digest(store.path), digest(wal)) == before


def test_repeated_wrong_passwords_slow_down_then_lock_until_an_administrator_unlocks(store, admin):
    """Issue 17: repeated wrong passwords slow down (a growing delay) and then lock the account."""
    v1, _v2 = village_ids(store)
    accounts.create(store, "li", "li password", Role.VILLAGE_CADRE, [v1])
    clock = Clock()
    for attempt in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(accounts.LoginRefused, match="Wrong name or password"):
            accounts.login(store, "li", "wrong", clock=clock, sleep=clock.sleep)
        assert accounts.failures(store.path, "li") == attempt + 1
    assert clock.slept == [1.0, 2.0, 4.0]  # growing: none before the first wrong one
    with pytest.raises(accounts.LoginRefused, match="locked after 5 wrong passwords"):
        accounts.login(store, "li", "wrong", clock=clock, sleep=clock.sleep)
    with pytest.raises(accounts.LoginRefused, match="locked"):  # even the right password now
        accounts.login(store, "li", "li password", clock=clock, sleep=clock.sleep)
    assert accounts.view(store, "li").locked_out
    accounts.login(store, "admin", PASSWORD)
    accounts.unlock(store, "li")
    assert not accounts.view(store, "li").locked_out
    assert accounts.login(store, "li", "li password", clock=clock, sleep=clock.sleep).name == "li"


def test_a_wait_already_passed_is_not_slept_again(store, admin):
    """Issue 17: the delay counts from the last wrong password (a person who waited is not made to wait)."""
    clock = Clock()
    with pytest.raises(accounts.LoginRefused):
        accounts.login(store, "admin", "wrong", clock=clock, sleep=clock.sleep)
    clock.now += 60
    accounts.login(store, "admin", PASSWORD, clock=clock, sleep=clock.sleep)
    assert clock.slept == [] and accounts.failures(store.path, "admin") == 0


def test_admin_lock_and_unlock(store, admin):
    """Issue 17: an administrator locks an account (it cannot log in) and unlocks it."""
    v1, _ = village_ids(store)
    accounts.create(store, "zhao", "zhao password", Role.WORK_TEAM, [v1])
    accounts.lock(store, "zhao")
    with pytest.raises(accounts.AccountError, match="own account"):
        accounts.lock(store, "admin")
    with pytest.raises(accounts.LoginRefused, match="is locked"):
        accounts.login(store, "zhao", "zhao password")
    accounts.unlock(store, "zhao")
    accounts.login(store, "zhao", "zhao password")
    with pytest.raises(PermissionRefused, match="may not manage accounts"):
        accounts.lock(store, "admin")


def test_change_own_password_and_admin_reset(store, admin):
    """Issue 17: a person changes their own password; the township administrator resets a forgotten one."""
    v1, _ = village_ids(store)
    accounts.create(store, "sun", "first password", Role.VILLAGE_CADRE, [v1])
    accounts.login(store, "sun", "first password")
    with pytest.raises(accounts.AccountError, match="present password is wrong"):
        accounts.change_password(store, "wrong", "second password")
    with pytest.raises(accounts.AccountError, match="at least 8"):
        accounts.change_password(store, "first password", "short")
    accounts.change_password(store, "first password", "second password")
    with pytest.raises(accounts.LoginRefused):
        accounts.login(store, "sun", "first password", sleep=lambda s: None)
    accounts.login(store, "sun", "second password")
    with pytest.raises(PermissionRefused):
        accounts.reset_password(store, "admin", "taken over")
    accounts.login(store, "admin", PASSWORD)
    accounts.reset_password(store, "sun", "third password")
    assert accounts.login(store, "sun", "third password").name == "sun"


def test_only_administrators_make_accounts_and_scopes_fit_roles(store, admin):
    """Issue 17: accounts are made by the township administrator; a role's scope is checked."""
    v1, v2 = village_ids(store)
    with pytest.raises(accounts.AccountError, match="every village"):
        accounts.create(store, "aud", PASSWORD, Role.AUDITOR, [v1])
    with pytest.raises(accounts.AccountError, match="at least one"):
        accounts.create(store, "team", PASSWORD, Role.WORK_TEAM)
    with pytest.raises(accounts.AccountError, match="Only a work-team member"):
        accounts.create(store, "cadre", PASSWORD, Role.VILLAGE_CADRE, [v1], may_sign=True)
    with pytest.raises(accounts.AccountError, match="no village with the id"):
        accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, ["nowhere"])
    with pytest.raises(accounts.AccountError, match="already an account"):
        accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.create(store, "aud", PASSWORD, Role.AUDITOR)
    accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, [v2])
    accounts.login(store, "team", PASSWORD)
    with pytest.raises(PermissionRefused, match="work-team member.*may not manage accounts"):
        accounts.create(store, "other", PASSWORD, Role.WORK_TEAM, [v2])
    with pytest.raises(PermissionRefused):
        accounts.listing(store)
    accounts.login(store, "aud", PASSWORD)  # an auditor reads who may do what
    assert [a.name for a in accounts.listing(store)] == ["admin", "aud", "team"]


def test_a_laptop_makes_only_local_accounts_of_its_work_team_not_countersigned(store, admin):
    """Issue 17: a laptop's local account: its own villages, never an administrator, not countersigned."""
    v1, v2 = village_ids(store)
    laptop = frozenset({v1})
    for role, villages, may_sign in (
        (Role.TOWNSHIP_ADMIN, [], False),
        (Role.AUDITOR, [], False),
        (Role.WORK_TEAM, [v2], False),
        (Role.WORK_TEAM, [v1, v2], False),
        (Role.WORK_TEAM, [v1], True),
    ):
        with pytest.raises(accounts.AccountError, match="village laptop"):
            accounts.create(store, "local", PASSWORD, role, villages, may_sign=may_sign, laptop_villages=laptop)
    accounts.create(store, "local", PASSWORD, Role.WORK_TEAM, [v1], laptop_villages=laptop)
    view = accounts.view(store, "local")
    assert not view.countersigned and view.made_by == admin.id
    with pytest.raises(accounts.AccountError, match="village laptop"):
        accounts.reset_password(store, "admin", "new password", laptop_villages=laptop)
    assert accounts.countersign_all(store) == 1 and accounts.view(store, "local").countersigned


def test_a_hash_of_weaker_parameters_is_renewed_at_login(store, group_id, monkeypatch):
    """Issue 17: rehash when the parameters rise (argon2-cffi's check_needs_rehash), where the store may change
    the account (a laptop renewing the township administrator's hash would have its bundle refused)."""
    accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    with store.session() as session:
        old = session.execute(text("SELECT password_hash FROM accounts")).scalar()
    stronger = permissions.KdfParameters(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    monkeypatch.setattr(permissions, "KDF_PARAMETERS", stronger)
    accounts.login(store, "admin", PASSWORD)  # where the store is not said: not renewed
    with store.session() as session:
        assert session.execute(text("SELECT password_hash FROM accounts")).scalar() == old
    v1 = village_ids(store)[0]
    accounts.login(store, "admin", PASSWORD, laptop_villages=frozenset({v1}))  # a laptop never changes an admin
    with store.session() as session:
        assert session.execute(text("SELECT password_hash FROM accounts")).scalar() == old
    accounts.login(store, "admin", PASSWORD, laptop_villages=None)  # at the township
    with store.session() as session:
        new = session.execute(text("SELECT password_hash FROM accounts")).scalar()
    assert new != old and "m=16384,t=2,p=1" in new and "m=8192,t=1,p=1" in old
    assert accounts.login(store, "admin", PASSWORD).name == "admin"


def test_key_material_is_kept_with_the_account(store, admin):
    """Issue 17: the account carries its public key and password-encrypted private key (for the keyring)."""
    accounts.set_key_material(store, "admin", "pub", "sealed")
    view = accounts.view(store, "admin")
    assert (view.public_key, view.encrypted_private_key) == ("pub", "sealed")
    with store.session() as session:
        row = session.execute(text("SELECT villages FROM accounts")).scalar()
    assert json.loads(row) == []


def test_accounts_of_a_store_saved_by_0012_log_in(tmp_path):
    """Issue 17: the fixture store of migration 0012 (the township's administrator and a laptop's local
    work-team account, not countersigned) opens at head and its accounts log in."""
    import shutil
    from pathlib import Path

    from xinjie_desktop.core.sync.workstore import open_store

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "stores"
    shutil.copyfile(fixtures / "store-0012.sqlite", tmp_path / "data.sqlite")
    shutil.copyfile(fixtures / "store-0011.sqlite", tmp_path / "older.sqlite")
    store = open_store(tmp_path / "data.sqlite")
    try:
        admin = accounts.login(store, "xinjie-admin", "admin password 2017")
        assert admin.role is Role.TOWNSHIP_ADMIN and admin.villages == frozenset()
        team = accounts.view(store, "yang-team")
        assert team.role is Role.WORK_TEAM and not team.countersigned and len(team.villages) == 1
        assert accounts.login(store, "yang-team", "team password 2017").villages == frozenset(team.villages)
    finally:
        store.close()
    older = open_store(tmp_path / "older.sqlite")  # a store of before accounts: no login, as before
    try:
        assert not accounts.any_accounts(older) and older.actor is None
    finally:
        older.close()
