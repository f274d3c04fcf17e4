"""Opening a store as a person, and keeping the key file in step with the accounts (issue 17).

The two halves meet here: ``core.records.accounts`` (who may log in, their role, wrong passwords counted and
the account locked out) and ``core.store.keyring`` (the data key of an encrypted store, sealed once per account
and once for the recovery code, in ``<store>.keys``).

* ``open_as(path, name, password)``: an encrypted store's data key from the keyring with that account's
  password (the same waits and lockout as a login, counted before the key is even tried), the store opened with
  it, then the login proper (``store.actor``).  A clear store is opened and logged into the same way.
* ``open_with_recovery(path, code)``: the printed recovery code opens the store as the township's administrator
  for one thing: giving an administrator a new password (``reset_password``).
* ``secure(store, name, password)``: a clear store gets its first administrator (or the administrator logged in)
  and is encrypted: the key file is written first (the administrator's entry and the recovery code), then the
  file and its backups are replaced by verified encrypted copies (``database.encrypt_store``); returns the store
  opened again, encrypted, and the recovery code to print.
* Accounts carry their key pair (public key, private key under the account's password) so that an account
  made at the township opens a laptop's store: ``add_account``, ``change_password``, ``reset_password`` keep the
  account record and the key file in step, and ``grant_arrived`` (after an import) gives the data key to every
  account whose key pair arrived or changed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from xinjie_desktop.core.records import accounts
from xinjie_desktop.core.records.accounts import AccountError, LoginRefused
from xinjie_desktop.core.rules.permissions import Actor, Role
from xinjie_desktop.core.store import backups, cipher, database, keyring
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Account
from xinjie_desktop.core.sync import workstore
from xinjie_desktop.i18n import _

RECOVERY_ACTOR_NAME = "recovery-code"


def is_encrypted(path: Path | str) -> bool:
    """True when the store at ``path`` is encrypted: it has a key file, and it is not a clear SQLite file (a key
    file left beside a clear store by an interrupted encryption does not count); it opens only with an
    account's password or the recovery code."""
    return keyring.has_keys(path) and cipher.is_encrypted(path)


def data_key(
    path: Path | str,
    name: str,
    password: str,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """The data key of the encrypted store at ``path`` with ``name``'s password, under the same waits and
    lockout as a login (``LoginRefused``)."""
    path = Path(path)
    if accounts.locked_out(path, name):
        raise LoginRefused(accounts.locked_message(name))
    wait = accounts.wait_before_attempt(path, name, clock())
    if wait > 0:
        sleep(wait)
    try:
        return keyring.unlock(path, name, password)
    except keyring.WrongPassword:
        if accounts.note_failure(path, name, clock()) >= accounts.MAX_FAILURES:
            raise LoginRefused(accounts.locked_message(name)) from None
        raise LoginRefused(_("Wrong name or password.")) from None


def open_as(
    path: Path | str,
    name: str,
    password: str,
    *,
    keep_backups: int = backups.DEFAULT_KEEP,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Store:
    """The store at ``path`` opened for work by the account ``name`` (``store.actor`` set).  ``LoginRefused``
    for a wrong name or password, a locked account, or one locked out after wrong passwords; nothing is
    changed then but the count of wrong passwords beside the store."""
    path = Path(path)
    key = data_key(path, name, password, clock, sleep) if is_encrypted(path) else None
    store = workstore.open_store(path, create=False, keep_backups=keep_backups, key=key)
    try:
        accounts.login(store, name, password, clock=clock, sleep=sleep)
    except BaseException:
        store.close()
        raise
    return store


def open_with_recovery(path: Path | str, code: str, *, keep_backups: int = backups.DEFAULT_KEEP) -> Store:
    """The encrypted store at ``path`` opened with its printed recovery code, as a township administrator
    (``RECOVERY_ACTOR_NAME``) whose first task is to give an administrator a new password."""
    path = Path(path)
    try:
        key = keyring.unlock_with_recovery(path, code)
    except keyring.WrongPassword as error:
        raise LoginRefused(str(error)) from None
    store = workstore.open_store(path, create=False, keep_backups=keep_backups, key=key)
    store.actor = Actor("", RECOVERY_ACTOR_NAME, Role.TOWNSHIP_ADMIN)
    return store


def administrators(store: Store) -> list[str]:
    """The names of the township administrators' accounts (the recovery code resets one of them)."""
    return [view.name for view in accounts.listing(store) if view.role == Role.TOWNSHIP_ADMIN]


def add_account(
    store: Store,
    name: str,
    password: str,
    role: Role | str,
    villages: Iterable[str] = (),
    *,
    display_name: str = "",
    may_sign: bool = False,
    laptop_villages: frozenset[str] | None = None,
) -> str:
    """``accounts.create`` with the account's key pair made from its password; on an encrypted store the new
    account is given the data key at once.  Returns the account's id."""
    public_key, encrypted_private_key = keyring.make_key_pair(password)
    account_id = accounts.create(
        store,
        name,
        password,
        role,
        villages,
        display_name=display_name,
        may_sign=may_sign,
        laptop_villages=laptop_villages,
        public_key=public_key,
        encrypted_private_key=encrypted_private_key,
    )
    if store.key is not None:
        keyring.grant(store.path, store.key, account_id, name, public_key, encrypted_private_key)
    return account_id


def change_password(store: Store, old: str, new: str, *, laptop_villages: frozenset[str] | None = None) -> None:
    """The person logged in changes their own password: the hash, and the private key that opens the data key
    (re-encrypted under the new password: the data key itself stays as it is)."""
    actor = store.actor
    if actor is None:
        raise AccountError(_("Log in first: a password is changed by the person it belongs to."))
    accounts.change_password(store, old, new, laptop_villages=laptop_villages)
    with store.session() as session:
        account = session.query(Account).filter_by(name=actor.name).one()
        public_key, encrypted = account.public_key, account.encrypted_private_key
    if store.key is not None and actor.name in keyring.accounts(store.path):
        encrypted = keyring.change_password(store.path, actor.name, old, new)
    elif encrypted:
        encrypted = keyring.reencrypt_private_key(encrypted, old, new)
    else:
        public_key, encrypted = keyring.make_key_pair(new)
    accounts.set_key_material(store, actor.name, public_key, encrypted)


def reset_password(store: Store, name: str, new: str, *, laptop_villages: frozenset[str] | None = None) -> None:
    """An administrator gives ``name`` a new password (a forgotten one, or after the recovery code): a new key
    pair for the account, given the data key on an encrypted store."""
    accounts.reset_password(store, name, new, laptop_villages=laptop_villages)
    public_key, encrypted = keyring.make_key_pair(new)
    accounts.set_key_material(store, name, public_key, encrypted)
    if store.key is not None:
        with store.session() as session:
            account_id = session.query(Account).filter_by(name=name).one().id
        keyring.grant(store.path, store.key, account_id, name, public_key, encrypted)


def grant_arrived(store: Store) -> list[str]:
    """After an import into an encrypted store: every account whose key pair arrived or changed (made or given a
    new password at the township) is given the data key; an account locked or without a key pair is not.
    Returns their names."""
    if store.key is None:
        return []
    known = keyring.entries(store.path)
    granted = []
    with store.session() as session:
        rows = session.query(Account).filter(Account.public_key.isnot(None)).all()
    for account in rows:
        public_key, encrypted = account.public_key, account.encrypted_private_key
        if not (public_key and encrypted) or known.get(account.name) == (public_key, encrypted):
            continue
        keyring.grant(store.path, store.key, account.id, account.name, public_key, encrypted)
        granted.append(account.name)
    return granted


def secure(store: Store, name: str, password: str) -> tuple[Store, str]:
    """Encrypt the clear ``store`` (issue 17: a new data file, or one made before encryption), as its first
    administrator ``name`` (made now when the store has no account; else ``name`` must be a township
    administrator whose password this is).  The key file is written first; then ``database.encrypt_store``
    replaces the file and its backups by verified encrypted copies; a failure there removes the key file again
    and leaves the clear store as it was.  ``store`` is closed; returns the store opened again (encrypted, logged
    in) and the recovery code to print."""
    path = store.path
    if store.key is not None:
        raise AccountError(_("The data file {path} is encrypted already.").format(path=path))
    if not accounts.any_accounts(store):
        add_account(store, name, password, Role.TOWNSHIP_ADMIN, display_name=name)
    actor = accounts.login(store, name, password)
    if actor.role is not Role.TOWNSHIP_ADMIN:
        raise AccountError(_("Only a township administrator encrypts the data file."))
    new_key = keyring.new_data_key()
    with store.session() as session:
        keyed = [
            (account.id, account.name, account.public_key, account.encrypted_private_key)
            for account in session.query(Account).all()
        ]
    store.close()
    try:
        for account_id, account_name, public_key, encrypted in keyed:
            if account_name == name:
                public, private = keyring.enrol(path, new_key, account_id, account_name, password)
            elif public_key and encrypted:  # every other account keeps opening the store with its own password
                keyring.grant(path, new_key, account_id, account_name, public_key, encrypted)
        code = keyring.make_recovery(path, new_key)
        database.encrypt_store(path, new_key)
    except BaseException:
        if not cipher.is_encrypted(path):
            with contextlib.suppress(OSError):
                keyring.keys_path(path).unlink()
        raise
    reopened = open_as(path, name, password)
    accounts.set_key_material(reopened, name, public, private)
    return reopened, code


__all__ = [
    "LoginRefused",
    "add_account",
    "administrators",
    "change_password",
    "grant_arrived",
    "is_encrypted",
    "open_as",
    "open_with_recovery",
    "reset_password",
    "secure",
]
