"""Asking the rule of who may do what (core.rules.permissions) before a service writes (issue 17).

Every service that changes a record calls ``require`` (or ``require_household``) with the store's actor
(``Store.actor``, the person logged in) and the village concerned, before it writes anything, so that a
refused action raises ``PermissionRefused`` and leaves the store as it was.

A store without any account is the store of before issue 17: no one logs in, and everything is allowed.
Once a store holds an account, no one logged in (``store.actor`` None) may change anything.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store


def has_accounts(session: Session) -> bool:
    """Whether the store holds any account (then every change needs someone logged in)."""
    return session.execute(text("SELECT 1 FROM accounts LIMIT 1")).first() is not None


def _village_name(session: Session, village_id: str | None) -> str:
    if village_id is None:
        return ""
    name = session.execute(text("SELECT name FROM village WHERE id = :id"), {"id": village_id}).scalar()
    return str(name) if name else ""


def require(store: Store, session: Session, action: Action, village_id: str | None = None) -> None:
    """Raise ``PermissionRefused`` unless the person logged in may do ``action`` in ``village_id`` (nothing is
    asked on a store without accounts)."""
    actor = store.actor
    if actor is None and not has_accounts(session):
        return
    if not permissions.allowed(actor, action, village_id):
        permissions.require(actor, action, village_id, _village_name(session, village_id))


def household_village(session: Session, household_id: str) -> str | None:
    return session.execute(text("SELECT village_id FROM household WHERE id = :id"), {"id": household_id}).scalar()


def require_household(store: Store, session: Session, action: Action, household_id: str) -> None:
    """``require`` for the village of the household ``household_id``."""
    if store.actor is None and not has_accounts(session):
        return
    require(store, session, action, household_village(session, household_id))


def require_open(store: Store, action: Action, village_id: str | None = None) -> None:
    """``require`` in a session of its own (before a unit of work, or where none is open)."""
    with store.session() as session:
        require(store, session, action, village_id)


def require_household_open(store: Store, action: Action, household_id: str) -> None:
    with store.session() as session:
        require_household(store, session, action, household_id)


def require_group(store: Store, session: Session, action: Action, group_id: str | None) -> None:
    """``require`` for the village of the villagers' group ``group_id`` (a household being entered there)."""
    if store.actor is None and not has_accounts(session):
        return
    village = session.execute(text("SELECT village_id FROM villager_group WHERE id = :id"), {"id": group_id}).scalar()
    require(store, session, action, village)


def notice_village(session: Session, notice_id: str) -> str | None:
    return session.execute(text("SELECT village_id FROM public_notice WHERE id = :id"), {"id": notice_id}).scalar()


def readable_villages(store: Store) -> frozenset[str] | None:
    """The villages whose records the person logged in may read: None for every village (a store without
    accounts, an administrator, an auditor), else the ids of their scope (empty: nobody logged in on a store
    with accounts).  For the window's lists to show only those (issue 17: a village cadre views their village)."""
    actor = store.actor
    if actor is None:
        with store.session() as session:
            return None if not has_accounts(session) else frozenset()
    return None if not actor.villages else actor.villages
