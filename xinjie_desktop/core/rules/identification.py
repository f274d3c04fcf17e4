"""The identification workflow for a registered poor household, rules ID-5 and PN-1.

proposed by the village (with its circumstances and, for an omission 漏评, the
reason it was missed) → home-visit audit by the township relocation command
centre → evaluation by the villagers' representatives assembly → public notice
of at least 7 full days, objections recorded and re-verified → entered into
the national system.  Steps are recorded in this order only, each with its
date and who did it; a step that did not pass closes the workflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from xinjie_desktop.core.rules import membership
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.core.rules.shapes import Household, Objection, WorkflowStep
from xinjie_desktop.core.rules.vocabulary import LABOUR_CAPABLE
from xinjie_desktop.i18n import N_, _, join

STEPS: list[tuple[str, str]] = [
    ("proposed", N_("proposed by the village")),
    ("audited", N_("home-visit audit by the township command centre")),
    ("evaluated", N_("evaluated by the villagers' representatives assembly")),
    ("noticed", N_("public notice")),
    ("entered", N_("entered into the national system")),
]
STEP_CODES = [code for code, _label in STEPS]
STEP_LABELS = dict(STEPS)
REJECTED = "rejected"
STATE_LABELS = {"": N_("not started"), REJECTED: N_("not approved"), **STEP_LABELS}
# ID-1: the steps that judge the household against the standard (“有劳动能力、劳动意愿的贫困户”) pass only
# for a household with labour capacity and willingness to work (an ordinary poor household: dibao and
# five-guarantee households are identified on their own grounds).
JUDGING_STEPS = ("audited", "evaluated", "entered")


class WorkflowError(ValueError):
    """A step that may not be recorded; ``str()`` is a message for the user."""


@dataclass
class StepInput:
    step: str
    done_on: dt.date
    done_by: str
    passed: bool = True
    notes: str = ""
    is_omission: bool = False
    omission_reason: str = ""
    notice_place: str = ""
    notice_end: dt.date | None = None
    national_number: str = ""


def state(steps: Sequence[WorkflowStep]) -> str:
    """The workflow's state: the last step recorded, "rejected", or "" if none."""
    if not steps:
        return ""
    last = max(steps, key=lambda s: s.ordinal)
    return last.step if last.passed else REJECTED


def next_step(steps: Sequence[WorkflowStep]) -> str | None:
    current = state(steps)
    if current == REJECTED:
        return None
    if current == "":
        return STEP_CODES[0]
    index = STEP_CODES.index(current)
    return STEP_CODES[index + 1] if index + 1 < len(STEP_CODES) else None


def check(household: Household, entry: StepInput, params: PolicyParameters) -> None:
    """Raise WorkflowError unless ``entry`` may be recorded next for ``household``."""
    if entry.step not in STEP_CODES:
        raise WorkflowError(_("Unknown workflow step."))
    expected = next_step(household.steps)
    if expected is None:
        if state(household.steps) == REJECTED:
            raise WorkflowError(_("The workflow was closed because a step was not approved."))
        raise WorkflowError(_("All steps of the workflow are already recorded."))
    if entry.step != expected:
        raise WorkflowError(
            _('Steps cannot be skipped: the next step is "{expected}".').format(expected=_(STEP_LABELS[expected]))
        )
    if not entry.done_by.strip():
        raise WorkflowError(_("Record who carried out this step."))
    if household.steps:
        previous = max(household.steps, key=lambda s: s.ordinal)
        if previous.step == "noticed" and previous.notice_end:
            if entry.done_on < previous.notice_end:
                raise WorkflowError(
                    _(
                        "This step cannot be dated before {end}, the end of the public notice "
                        "(posted on {posted} until {end})."
                    ).format(end=previous.notice_end.isoformat(), posted=previous.done_on.isoformat())
                )
        elif entry.done_on < previous.done_on:
            raise WorkflowError(
                _('This step cannot be dated before {date}, the date of the previous step ("{step}").').format(
                    date=previous.done_on.isoformat(), step=_(STEP_LABELS.get(previous.step, previous.step))
                )
            )
    if entry.passed and entry.step in JUDGING_STEPS and (missing := labour_shortfalls(household)):
        raise WorkflowError(
            _(
                "The household does not meet the identification standard (ID-1: labour capacity and willingness "
                "to work): {reasons}. Record this step as not approved, or correct the household's records first."
            ).format(reasons=join(missing))
        )
    if entry.step == "proposed":
        if not entry.notes.strip():
            raise WorkflowError(_("Describe the household's circumstances for the proposal."))
        if entry.is_omission and not entry.omission_reason.strip():
            raise WorkflowError(_("For an omitted household (漏评), give the reason it was missed."))
    if entry.step == "noticed":
        if not entry.notice_place.strip():
            raise WorkflowError(_("Record where the notice is posted."))
        minimum = params.notice_minimum_days
        if entry.notice_end is None or entry.notice_end < entry.done_on + dt.timedelta(days=minimum):
            raise WorkflowError(
                _("A public notice stays posted for at least {days} full days: it cannot end before {date}.").format(
                    days=minimum, date=(entry.done_on + dt.timedelta(days=minimum)).isoformat()
                )
            )
    if entry.step == "entered":
        open_objections = [o for o in household.objections if not o.resolution.strip()]
        if open_objections:
            raise WorkflowError(
                _("{n} objection(s) raised during the notice are not re-verified yet.").format(n=len(open_objections))
            )


def labour_shortfalls(household: Household) -> list[str]:
    """ID-1: what an ordinary poor household lacks of labour capacity and willingness to work (empty if
    nothing, or if it is a dibao or five-guarantee household)."""
    if household.attribute not in ("", "general"):
        return []
    missing = []
    if not any(m.labour in LABOUR_CAPABLE for m in household.members if m.membership_basis in membership.INCLUDED):
        missing.append(_("no member has labour capacity"))
    if not household.labour_willing:
        missing.append(_("the household is not willing to work"))
    return missing


def check_objection(household: Household, raised_on: dt.date, content: str) -> None:
    """An objection to a posted result (PN-1) is recorded only while a notice is or was posted."""
    if not content.strip():
        raise WorkflowError(_("Write down what the objection says."))
    notice = next((s for s in household.steps if s.step == "noticed"), None)
    if notice is None:
        raise WorkflowError(
            _("Objections are recorded against a public notice; this household has not been posted yet.")
        )
    if raised_on < notice.done_on:
        raise WorkflowError(_("The objection is dated before the notice was posted."))
    if any(s.step == "entered" for s in household.steps):
        raise WorkflowError(_("The household is already entered into the national system."))


def check_resolution(objection: Objection, resolved_on: dt.date, resolution: str) -> None:
    """The re-verification of an objection says what was found, on or after the objection's date."""
    if not resolution.strip():
        raise WorkflowError(_("Write down the result of the re-verification."))
    if resolved_on < objection.raised_on:
        raise WorkflowError(_("The re-verification cannot be dated before the objection."))


def in_national_system(household: Household) -> bool:
    return bool(household.national_number) or any(s.step == "entered" and s.passed for s in household.steps)
