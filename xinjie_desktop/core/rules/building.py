"""A relocation household's building progress (issues 18 and 19), as pure rules.

The new house is built in four stages, each recorded with the day it was reached (``STAGES``, in order): the
foundation laid (开工/地基: building has started), the main structure built (主体完工), the house completed
(竣工) and the household moved in (入住).  The codes are those of the funds' tranches
(``core.rules.funds.TRANCHE_ORDER``): a tranche is paid by building progress (按建房进度拨付), once its stage is
recorded (``tranche_refusal``).

``check_stage`` says why a stage may not be recorded (empty: it may): only for a household whose relocation is
verified in scope (RL-1) and whose relocation agreement in force is signed (AG-1: its latest version, as the
payments read it); the stages in order, none twice; no day before the stage before it, nor before the agreement
was signed, nor in the future.  Moving in comes only after completion, as every stage after the one before.
``order_problem`` is the same order checked on a household's stages as a whole (a bundle's, at the import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xinjie_desktop.core.rules.funds import COMPLETION, FOUNDATION, MAIN_STRUCTURE, MOVED_IN, TRANCHE_ORDER
from xinjie_desktop.i18n import N_, _

__all__ = [
    "COMPLETION",
    "FOUNDATION",
    "MAIN_STRUCTURE",
    "MOVED_IN",
    "STAGES",
    "STAGE_LABELS",
    "BuildingCase",
    "Reached",
    "check_stage",
    "eligibility",
    "next_stage",
    "order_problem",
    "reached",
    "stage_label",
    "tranche_refusal",
]

STAGES = TRANCHE_ORDER  # foundation, main_structure, completion, moved_in
STAGE_LABELS: dict[str, str] = {
    FOUNDATION: N_("foundation laid (building started)"),
    MAIN_STRUCTURE: N_("main structure completed"),
    COMPLETION: N_("house completed"),
    MOVED_IN: N_("moved in"),
}


def stage_label(code: str) -> str:
    """The stage in the user's language (开工（地基）, 主体完工, 竣工, 入住); the code itself when unknown."""
    return _(STAGE_LABELS[code]) if code in STAGE_LABELS else code


@dataclass(frozen=True)
class Reached:
    """A stage recorded for a household: its code and the day it was reached."""

    stage: str
    on: dt.date


@dataclass(frozen=True)
class BuildingCase:
    """What the rule reads of a household: ``in_plan`` (its relocation verified in scope), ``agreement_status``
    (of the latest version of its relocation agreement: "" none, ``draft``, ``signed``, ``voided``),
    ``signed_on`` (that version's signing day) and the stages recorded so far."""

    in_plan: bool
    agreement_status: str
    signed_on: dt.date | None
    recorded: tuple[Reached, ...]


def next_stage(recorded: Iterable[Reached]) -> str | None:
    """The stage to record next (None: the household has moved in)."""
    done = {r.stage for r in recorded}
    return next((stage for stage in STAGES if stage not in done), None)


def reached(recorded: Iterable[Reached], stage: str) -> Reached | None:
    """The record of ``stage`` (the earliest, if a bundle brought it twice), else None."""
    found = sorted((r for r in recorded if r.stage == stage), key=lambda r: r.on)
    return found[0] if found else None


def eligibility(case: BuildingCase) -> list[str]:
    """Why no stage may be recorded for the household at all (empty: they may): RL-1 and AG-1."""
    found: list[str] = []
    if not case.in_plan:
        found.append(_("The household's relocation is not verified in scope (RL-1): its building is not recorded."))
    if case.agreement_status == "voided":
        found.append(_("The household's relocation agreement is voided; its new version must be signed first (AG-1)."))
    elif case.agreement_status == "draft":
        found.append(_("The household's relocation agreement is not signed yet (AG-1): sign it first."))
    elif case.agreement_status != "signed":
        found.append(_("The household has no signed relocation agreement (AG-1): building follows a signed agreement."))
    return found


def check_stage(case: BuildingCase, stage: str, on: dt.date, today: dt.date) -> list[str]:
    """Why ``stage`` may not be recorded as reached on ``on`` (empty: it may)."""
    if stage not in STAGE_LABELS:
        return [_("Choose the building stage: foundation, main structure, completion or moved in.")]
    found = eligibility(case)
    if on > today:
        found.append(_("A building stage cannot be dated in the future."))
    if reached(case.recorded, stage) is not None:
        found.append(_("“{stage}” is already recorded for this household.").format(stage=stage_label(stage)))
        return found
    index = STAGES.index(stage)
    if index > 0:
        before = reached(case.recorded, STAGES[index - 1])
        if before is None:
            found.append(
                _("“{stage}” comes after “{before}”, which is not recorded yet.").format(
                    stage=stage_label(stage), before=stage_label(STAGES[index - 1])
                )
            )
        elif on < before.on:
            found.append(
                _("“{stage}” cannot be dated before “{before}”, reached on {date}.").format(
                    stage=stage_label(stage), before=stage_label(before.stage), date=before.on.isoformat()
                )
            )
    if case.signed_on is not None and on < case.signed_on and case.agreement_status == "signed":
        found.append(
            _("A building stage cannot be dated before the relocation agreement was signed, on {date}.").format(
                date=case.signed_on.isoformat()
            )
        )
    return found


def order_problem(recorded: Sequence[Reached]) -> str | None:
    """Whether a household's stages as a whole are out of order (a later stage without the one before it, or
    dated before it): the message, else None."""
    for index, stage in enumerate(STAGES[1:], start=1):
        this = reached(recorded, stage)
        if this is None:
            continue
        before = reached(recorded, STAGES[index - 1])
        if before is None:
            return _("“{stage}” without “{before}” before it").format(
                stage=stage_label(stage), before=stage_label(STAGES[index - 1])
            )
        if this.on < before.on:
            return _("“{stage}” on {date}, before “{before}” on {earlier}").format(
                stage=stage_label(stage),
                date=this.on.isoformat(),
                before=stage_label(before.stage),
                earlier=before.on.isoformat(),
            )
    return None


def tranche_refusal(tranche: str, recorded: Iterable[Reached], paid_on: dt.date, household: str) -> str | None:
    """FD-1, paid by building progress (按建房进度拨付): a tranche is paid once its stage is recorded for the
    household, and not dated before the stage was reached.  The refusal names the stage and the household."""
    if tranche not in STAGE_LABELS:
        return None
    this = reached(list(recorded), tranche)
    if this is None:
        return _(
            "FD-1: the tranche “{stage}” is paid by building progress, and “{stage}” is not recorded for the "
            "household of {household}: record the stage first."
        ).format(stage=stage_label(tranche), household=household)
    if paid_on < this.on:
        return _(
            "FD-1: the tranche “{stage}” cannot be paid on {paid}, before the household of {household} reached it "
            "on {date}."
        ).format(stage=stage_label(tranche), paid=paid_on.isoformat(), household=household, date=this.on.isoformat())
    return None
