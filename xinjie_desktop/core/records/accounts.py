"""Accounts (issue 17): who may open the store, logging in, passwords, locking.

An account is a travelling record (``models.Account``): made at the township, it reaches the laptops of its
villages in bundles; a laptop's administrator may also make a local account for the laptop's own work team
(a work-team member or village cadre of the laptop's villages, never authorised to sign for the township),
which stays "not countersigned" until the township's next bundle countersigns it (core.sync.importing).  The
functions that change accounts take ``laptop_villages``: the villages of the laptop the store is (None at
the township; ``core.sync.roles.laptop_villages`` gives it), and refuse on a laptop what the township would
refuse in its bundle.

Passwords are hashed with Argon2id (argon2-cffi's ``PasswordHasher``, the cost ``permissions.KDF_PARAMETERS``)
and rehashed at login when the parameters have risen.  Repeated wrong passwords slow down (a growing delay
before the next attempt is checked) and, after ``MAX_FAILURES``, lock the account out on this computer until
an administrator unlocks it.  The count is kept beside the store (``<store>.logins``, JSON, written
atomically), not in it: a wrong password leaves the store itself exactly as it was (and can be counted before
an encrypted store is opened).  An administrator's lock (``Account.locked``) travels with the account.

The first account of a store must be a township administrator, and may be made with no one logged in; from
then on the store asks for a login (``login`` sets ``store.actor``), and only administrators manage accounts.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules.permissions import Action, Actor, Role
from xinjie_desktop.core.store import safe_file
from xinjie_desktop.core.store.database import Store, StoreError
from xinjie_desktop.core.store.models import Account, Village
from xinjie_desktop.i18n import _

MAX_FAILURES = 5
# The wait before the next attempt is checked, after 1, 2, 3, … wrong passwords in a row (seconds).
DELAYS = (0.0, 1.0, 2.0, 4.0, 8.0)
MIN_PASSWORD = 8
TEAM_ROLES = frozenset({Role.WORK_TEAM, Role.VILLAGE_CADRE})
_NAME = re.compile(r"^[^\s/\\:]{1,64}$")


class AccountError(ValueError):
    """An account action that cannot be done; ``str()`` is a message for the user."""


class LoginRefused(AccountError):
    """A login refused: wrong name or password, or the account is locked."""


@dataclass(frozen=True)
class AccountView:
    id: str
    name: str
    display_name: str
    role: Role
    villages: tuple[str, ...]  # village ids; empty: every village
    may_sign: bool
    locked: bool  # locked by an administrator (travels)
    locked_out: bool  # locked on this computer after too many wrong passwords
    countersigned: bool
    made_by: str
    public_key: str | None
    encrypted_private_key: str | None


def hasher() -> PasswordHasher:
    """Argon2id with the parameters in force (``permissions.KDF_PARAMETERS``)."""
    p = permissions.KDF_PARAMETERS
    return PasswordHasher(time_cost=p.time_cost, memory_cost=p.memory_cost, parallelism=p.parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def _actor(account: Account) -> Actor:
    return Actor(
        account.id,
        account.name,
        Role(account.role),
        frozenset(json.loads(account.villages or "[]")),
        bool(account.may_sign) and account.role in (Role.WORK_TEAM, Role.TOWNSHIP_ADMIN),
    )


def actor_of(store: Store, name: str) -> Actor | None:
    """The actor of the account ``name`` (without a password: for a caller that checked it otherwise)."""
    with store.session() as session:
        account = _by_name(session, name)
        return None if account is None else _actor(account)


def any_accounts(store: Store) -> bool:
    """Whether the store holds an account: then it asks for a login."""
    with store.session() as session:
        return access.has_accounts(session)


def _by_name(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name))


def _existing(session: Session, name: str) -> Account:
    account = _by_name(session, name)
    if account is None:
        raise AccountError(_("There is no account named {name}.").format(name=name))
    return account


# --- failed logins, counted beside the store -------------------------------------------------------------


def logins_path(store_path: Path | str) -> Path:
    path = Path(store_path)
    return path.with_name(path.name + ".logins")


def _failures(store_path: Path | str) -> dict[str, dict[str, float]]:
    try:
        loaded = json.loads(logins_path(store_path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def failures(store_path: Path | str, name: str) -> int:
    """The wrong passwords given in a row for the account ``name`` on this computer."""
    entry = _failures(store_path).get(name) or {}
    return int(entry.get("count", 0))


def _write_failures(store_path: Path | str, found: dict[str, dict[str, float]]) -> None:
    path = logins_path(store_path)
    if not found:
        if path.exists():
            path.unlink()
        return
    safe_file.write_atomically(path, json.dumps(found, sort_keys=True).encode("utf-8"))


def note_failure(store_path: Path | str, name: str, now: float) -> int:
    """Count one more wrong password for ``name``; returns the count."""
    found = _failures(store_path)
    count = int((found.get(name) or {}).get("count", 0)) + 1
    found[name] = {"count": count, "at": now}
    _write_failures(store_path, found)
    return count


def clear_failures(store_path: Path | str, name: str) -> None:
    found = _failures(store_path)
    if found.pop(name, None) is not None:
        _write_failures(store_path, found)


def wait_before_attempt(store_path: Path | str, name: str, now: float) -> float:
    """Seconds to wait before checking the next password for ``name`` (0: at once)."""
    entry = _failures(store_path).get(name) or {}
    count = int(entry.get("count", 0))
    if count <= 0:
        return 0.0
    delay = DELAYS[min(count, len(DELAYS) - 1)]
    return max(0.0, float(entry.get("at", 0.0)) + delay - now)


def locked_out(store_path: Path | str, name: str) -> bool:
    return failures(store_path, name) >= MAX_FAILURES


# --- login -----------------------------------------------------------------------------------------------

_DUMMY: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    """A hash to check an unknown name's password against, so that it takes as long as a known one's."""
    p = permissions.KDF_PARAMETERS
    key = (p.time_cost, p.memory_cost, p.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not a password of anyone")
    return _DUMMY[key]


def locked_message(name: str) -> str:
    return _(
        "The account {name} is locked after {n} wrong passwords. Ask a township administrator to unlock it."
    ).format(name=name, n=MAX_FAILURES)


# ``login``'s ``laptop_villages`` when the caller did not say where the store is: the hash is not renewed.
UNKNOWN_PLACE: frozenset[str] = frozenset({"\x00unknown"})


def login(
    store: Store,
    name: str,
    password: str,
    *,
    laptop_villages: frozenset[str] | None = UNKNOWN_PLACE,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Actor:
    """Check ``name`` and ``password``; on success ``store.actor`` is that account's actor (returned).
    Raises ``LoginRefused`` (nothing in the store changed) for a wrong name or password, or a locked
    account; a wrong password is counted beside the store (the next attempt waits longer, the fifth locks the
    account out).  A hash made with weaker parameters than today's is renewed where this store may change the
    account: at the township (``laptop_villages`` None), or on a laptop (its villages) for a local account of
    its work team; not when the caller does not say (``UNKNOWN_PLACE``)."""
    with store.session() as session:
        account = _by_name(session, name)
    if account is None:
        try:
            hasher().verify(_dummy_hash(), password)
        except VerificationError:
            pass
        raise LoginRefused(_("Wrong name or password."))
    if account.locked:
        raise LoginRefused(
            _("The account {name} is locked. Ask a township administrator to unlock it.").format(name=name)
        )
    if locked_out(store.path, name):
        raise LoginRefused(locked_message(name))
    wait = wait_before_attempt(store.path, name, clock())
    if wait > 0:
        sleep(wait)
    checker = hasher()
    try:
        checker.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        count = note_failure(store.path, name, clock())
        if count >= MAX_FAILURES:
            raise LoginRefused(locked_message(name)) from None
        raise LoginRefused(_("Wrong name or password.")) from None
    clear_failures(store.path, name)
    if checker.check_needs_rehash(account.password_hash) and _may_renew(laptop_villages, account):
        try:
            with store.unit_of_work() as session:
                stored = _existing(session, name)
                stored.password_hash = checker.hash(password)
        except StoreError:  # a store open for reading only: renewed at the next login for work
            pass
    actor = _actor(account)
    store.actor = actor
    return actor


def _may_renew(laptop_villages: frozenset[str] | None, account: Account) -> bool:
    if laptop_villages is UNKNOWN_PLACE:
        return False
    try:
        _laptop_may_touch(laptop_villages, account)
    except AccountError:
        return False
    return True


def logout(store: Store) -> None:
    store.actor = None


# --- managing accounts -----------------------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise AccountError(
            _("An account name is 1 to 64 characters without spaces or slashes: {name!r} is not.").format(name=name)
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("A password has at least {n} characters.").format(n=MIN_PASSWORD))


def _village_ids(session: Session, villages: Iterable[str]) -> list[str]:
    known = {v.id: v.name for v in session.scalars(select(Village))}
    ids = []
    for given in villages:
        if given not in known:
            raise AccountError(_("There is no village with the id {id}.").format(id=given))
        ids.append(given)
    return sorted(set(ids))


def _check_scope(role: Role, villages: list[str], may_sign: bool) -> None:
    if role in (Role.TOWNSHIP_ADMIN, Role.AUDITOR) and villages:
        raise AccountError(_("A township administrator or an auditor works in every village: name no village."))
    if role in TEAM_ROLES and not villages:
        raise AccountError(_("A work-team member or a village cadre works in named villages: name at least one."))
    if may_sign and role is not Role.WORK_TEAM:
        raise AccountError(_("Only a work-team member is authorised to sign agreements for the township."))


def _check_laptop(laptop_villages: frozenset[str] | None, role: Role, villages: Iterable[str], may_sign: bool) -> None:
    """On a laptop, only local accounts of its own work team: the township refuses the others in its bundle."""
    if laptop_villages is None:
        return
    scope = set(villages)
    if role not in TEAM_ROLES or not scope or not scope <= laptop_villages or may_sign:
        raise AccountError(
            _(
                "On a village laptop only accounts of its own work team and village cadres are made or changed, "
                "in the laptop's villages and not authorised to sign for the township; the township office manages "
                "the others."
            )
        )


def _require_admin(store: Store, session: Session) -> None:
    access.require(store, session, Action.MANAGE_ACCOUNTS)


def create(
    store: Store,
    name: str,
    password: str,
    role: Role | str,
    villages: Iterable[str] = (),
    *,
    display_name: str = "",
    may_sign: bool = False,
    laptop_villages: frozenset[str] | None = None,
    public_key: str | None = None,
    encrypted_private_key: str | None = None,
) -> str:
    """Make an account; returns its id.  Only a township administrator (``store.actor``) makes accounts, except
    the first of a store, which must be a township administrator itself.  ``villages``: village ids (none for
    an administrator or auditor, at least one for a work-team member or village cadre)."""
    role = Role(role)
    _check_name(name)
    _check_password(password)
    password_hash = hash_password(password)  # (seconds of work: before the transaction)
    with store.unit_of_work() as session:
        if access.has_accounts(session):
            _require_admin(store, session)
        elif role is not Role.TOWNSHIP_ADMIN:
            raise AccountError(_("The first account of a data file is a township administrator's."))
        ids = _village_ids(session, villages)
        _check_scope(role, ids, may_sign)
        _check_laptop(laptop_villages, role, ids, may_sign)
        if _by_name(session, name) is not None:
            raise AccountError(_("There is already an account named {name}.").format(name=name))
        account = Account(
            name=name,
            display_name=display_name,
            role=str(role),
            villages=json.dumps(ids),
            may_sign=may_sign,
            password_hash=password_hash,
            locked=False,
            made_by=store.actor.id if store.actor else "",
            countersigned=laptop_villages is None,
            public_key=public_key,
            encrypted_private_key=encrypted_private_key,
        )
        session.add(account)
        session.flush()
        return account.id


def _laptop_may_touch(laptop_villages: frozenset[str] | None, account: Account) -> None:
    _check_laptop(laptop_villages, Role(account.role), json.loads(account.villages or "[]"), False)


def change_password(store: Store, old: str, new: str, *, laptop_villages: frozenset[str] | None = None) -> None:
    """The person logged in changes their own password (``old`` checked first)."""
    actor = store.actor
    if actor is None:
        raise AccountError(_("Log in first: a password is changed by the person it belongs to."))
    _check_password(new)
    with store.session() as session:
        account = _existing(session, actor.name)
    try:
        hasher().verify(account.password_hash, old)
    except (VerificationError, InvalidHashError):
        raise AccountError(_("The present password is wrong; the password was not changed.")) from None
    if laptop_villages is not None:
        _laptop_may_touch(laptop_villages, account)
    new_hash = hash_password(new)
    with store.unit_of_work() as session:
        _existing(session, actor.name).password_hash = new_hash


def reset_password(store: Store, name: str, new: str, *, laptop_villages: frozenset[str] | None = None) -> None:
    """A township administrator gives the account ``name`` a new password (and unlocks it on this computer)."""
    _check_password(new)
    new_hash = hash_password(new)
    with store.unit_of_work() as session:
        _require_admin(store, session)
        account = _existing(session, name)
        _laptop_may_touch(laptop_villages, account)
        account.password_hash = new_hash
    clear_failures(store.path, name)


def set_locked(store: Store, name: str, locked: bool, *, laptop_villages: frozenset[str] | None = None) -> None:
    """A township administrator locks the account ``name`` (it can no longer log in, anywhere its record
    reaches) or unlocks it (also after too many wrong passwords on this computer)."""
    with store.unit_of_work() as session:
        _require_admin(store, session)
        account = _existing(session, name)
        if locked and store.actor is not None and account.id == store.actor.id:
            raise AccountError(_("You cannot lock your own account."))
        if bool(account.locked) != locked:
            _laptop_may_touch(laptop_villages, account)
            account.locked = locked
    if not locked:
        clear_failures(store.path, name)


def lock(store: Store, name: str, *, laptop_villages: frozenset[str] | None = None) -> None:
    set_locked(store, name, True, laptop_villages=laptop_villages)


def unlock(store: Store, name: str, *, laptop_villages: frozenset[str] | None = None) -> None:
    set_locked(store, name, False, laptop_villages=laptop_villages)


def set_key_material(store: Store, name: str, public_key: str | None, encrypted_private_key: str | None) -> None:
    """Keep the account's key pair for the store's data key (core.store.keyring) with the account, so that it
    travels with it: the account's own person or an administrator."""
    with store.unit_of_work() as session:
        account = _existing(session, name)
        if store.actor is None or store.actor.id != account.id:
            _require_admin(store, session)
        account.public_key = public_key
        account.encrypted_private_key = encrypted_private_key


def _view(store: Store, account: Account) -> AccountView:
    return AccountView(
        id=account.id,
        name=account.name,
        display_name=account.display_name,
        role=Role(account.role),
        villages=tuple(json.loads(account.villages or "[]")),
        may_sign=bool(account.may_sign),
        locked=bool(account.locked),
        locked_out=locked_out(store.path, account.name),
        countersigned=bool(account.countersigned),
        made_by=account.made_by,
        public_key=account.public_key,
        encrypted_private_key=account.encrypted_private_key,
    )


def listing(store: Store) -> list[AccountView]:
    """Every account, by name: for administrators and auditors."""
    with store.session() as session:
        if access.has_accounts(session) and not (
            permissions.allowed(store.actor, Action.MANAGE_ACCOUNTS)
            or permissions.allowed(store.actor, Action.READ_AUDIT)
        ):
            access.require(store, session, Action.MANAGE_ACCOUNTS)
        return [_view(store, account) for account in session.scalars(select(Account).order_by(Account.name))]


def view(store: Store, name: str) -> AccountView:
    with store.session() as session:
        return _view(store, _existing(session, name))


def countersign_all(store: Store) -> int:
    """At the township: countersign the accounts laptops made (they arrived in their bundles, within the
    laptops' scope as core.sync.scope checked); the township's next bundle carries the countersignature.
    Returns how many."""
    with store.unit_of_work() as session:
        waiting = list(session.scalars(select(Account).where(Account.countersigned.is_(False))))
        for account in waiting:
            account.countersigned = True
        return len(waiting)
