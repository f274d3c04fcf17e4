"""A household's relocation verification, loaded and saved (the rules RL-1 to RL-4: ``rules.relocation``)."""

from __future__ import annotations

from sqlalchemy import select

from xinjie_desktop.core.rules.policy_params import PolicyParameters, current
from xinjie_desktop.core.rules.problems import ERROR, Problem, ValidationFailed
from xinjie_desktop.core.rules.relocation import FIELDS, VerificationDraft, validate
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Household, RelocationVerification
from xinjie_desktop.i18n import _

__all__ = ["VerificationDraft", "load", "save"]


def load(store: Store, household_id: str) -> VerificationDraft:
    with store.session() as session:
        record = session.scalar(
            select(RelocationVerification).where(RelocationVerification.household_id == household_id)
        )
        if record is None:
            return VerificationDraft()
        return VerificationDraft(**{name: getattr(record, name) for name in FIELDS})


def save(
    store: Store, household_id: str, draft: VerificationDraft, kind: str, params: PolicyParameters | None = None
) -> None:
    """Validate and save the verification in one transaction, or nothing."""
    params = params or current()
    problems = [p for p in validate(draft, kind, params) if p.severity == ERROR]
    if problems:
        raise ValidationFailed(problems)
    with store.unit_of_work() as session:
        if session.get(Household, household_id) is None:
            raise ValidationFailed([Problem("household", _("This household no longer exists in the store."))])
        record = session.scalar(
            select(RelocationVerification).where(RelocationVerification.household_id == household_id)
        )
        if record is None:
            record = RelocationVerification(household_id=household_id)
            session.add(record)
        for name in FIELDS:
            value = getattr(draft, name)
            value = value.strip() if isinstance(value, str) else value
            if getattr(record, name) != value:
                setattr(record, name, value)
