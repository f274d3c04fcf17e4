"""A household's relocation verification, loaded and saved (the rules RL-1 to RL-4: ``rules.relocation``).

The editor saves what its form changed since it loaded the verification, and nothing else (issue 13,
case 1: ``form_saving``): a field changed in the store meanwhile (an import, a second window) keeps the
store's value unless the user changed it too; then the user decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access, edits, form_saving
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyParameters, current
from xinjie_desktop.core.rules.problems import ERROR, Problem, ValidationFailed
from xinjie_desktop.core.rules.relocation import FIELDS, VerificationDraft, validate
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Household, RelocationVerification
from xinjie_desktop.i18n import _

__all__ = ["LoadedVerification", "VerificationDraft", "load", "load_for_editing", "record_id", "save"]


@dataclass(frozen=True)
class LoadedVerification:
    """The verification as a form loaded it: its draft, and the record's sync versions then."""

    draft: VerificationDraft
    versions: str = ""


def _record(session: Session, household_id: str) -> RelocationVerification | None:
    return session.scalar(select(RelocationVerification).where(RelocationVerification.household_id == household_id))


def _draft(record: RelocationVerification | None) -> VerificationDraft:
    if record is None:
        return VerificationDraft()
    return VerificationDraft(**{name: getattr(record, name) for name in FIELDS})


def load(store: Store, household_id: str) -> VerificationDraft:
    with store.session() as session:
        return _draft(_record(session, household_id))


def load_for_editing(store: Store, household_id: str) -> LoadedVerification:
    """What a form remembers of the verification it opens (a save is checked against it)."""
    with store.session() as session:
        record = _record(session, household_id)
        return LoadedVerification(_draft(record), record.sync_versions if record is not None else "")


def record_id(store: Store, household_id: str) -> str | None:
    """The verification record's id (the record a collision names), if there is one."""
    with store.session() as session:
        record = _record(session, household_id)
        return record.id if record is not None else None


def _stored(draft: VerificationDraft) -> dict[str, object]:
    """The values the draft stores (text stripped)."""
    return {name: (value.strip() if isinstance(value := getattr(draft, name), str) else value) for name in FIELDS}


def save(
    store: Store,
    household_id: str,
    draft: VerificationDraft,
    kind: str,
    params: PolicyParameters | None = None,
    loaded: LoadedVerification | None = None,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
) -> None:
    """Validate and save the verification in one transaction, or nothing.

    ``loaded``: the verification as the form loaded it; then only the fields the user changed since are
    written, each checked against what was loaded (``form_saving.save_fields``): ``EditCollisions`` while
    a field changed both here and in the store meanwhile is undecided. What is written is validated as
    written. Without ``loaded`` every field is written."""
    params = params or current()
    problems = [p for p in validate(draft, kind, params) if p.severity == ERROR]
    if problems:
        raise ValidationFailed(problems)
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RELOCATION, household_id)
        if session.get(Household, household_id) is None:
            raise ValidationFailed([Problem("household", _("This household no longer exists in the store."))])
        record = _record(session, household_id)
        if record is None:
            record = RelocationVerification(household_id=household_id, **_stored(draft))
            session.add(record)
            return
        was = form_saving.Loaded(_stored(loaded.draft), loaded.versions) if loaded is not None else None
        values = form_saving.save_fields(session, store, record, _stored(draft), was, decisions)
        problems = [p for p in validate(VerificationDraft(**values), kind, params) if p.severity == ERROR]  # type: ignore[arg-type]
        if problems:
            raise ValidationFailed(problems)
