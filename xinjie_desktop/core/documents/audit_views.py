"""What the record of who did what shows (issue 17): entries as view objects, filled by ``records.audit`` and
printed by ``documents.audit_report`` (the window and the command line show the same objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinjie_desktop.i18n import N_

UPSERT_NEW, UPSERT_CHANGED, DELETE = "created", "changed", "deleted"
ACTIONS = {UPSERT_NEW: N_("created"), UPSERT_CHANGED: N_("changed"), DELETE: N_("deleted")}


@dataclass(frozen=True)
class FieldChange:
    """One field of a record: its value before the change (None: it had none, the record was new) and after
    (None for a deleted record).  Values as the journal holds them (JSON: text, numbers, true/false)."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class AuditEntry:
    """One change: who (the account's id and name at the time; empty: no one was logged in), when (the clock of
    the computer that made it), on which computer, which record, and its fields' old and new values."""

    device_id: str
    device_name: str
    seq: int
    at: dt.datetime  # local time
    account_id: str
    account_name: str
    table: str
    row_id: str
    action: str  # one of ACTIONS
    village_id: str | None
    village: str
    household_id: str | None
    household: str  # the household's head, as the list shows it ("" when not known)
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AuditFilterView:
    """The filters a printed record states under its title (texts as the person chose them)."""

    person: str = ""
    village: str = ""
    household: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
