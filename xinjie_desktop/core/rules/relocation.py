"""Relocation verification of a household: rules RL-1 to RL-4 and the building modes of HS-5.

RL-1: a relocation household lives in one of the six categories of areas (policy parameters)
and the reason is written down.  RL-2: original-site rebuilds and in-village homestead swaps are
taken out of scope with the reason kept.  RL-3: the verification result is posted for at least
7 days and objections re-verified.  RL-4: the residential point's coordinates are recorded and
the village secretary, village director and work-team leader sign before submission.  HS-5: the
building mode fits the resettlement mode and the kind of household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from xinjie_desktop.core.rules.housing_plan import REGISTERED
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.core.rules.problems import Problem
from xinjie_desktop.i18n import N_, _

EXCLUSIONS = {
    "original_site_rebuild": N_("rebuilds on the original site (原址原拆原建)"),
    "homestead_swap": N_("swaps homesteads inside the village"),
    "outside_areas": N_("lives outside the six categories of areas"),
}
MODES = {"centralised": N_("centralised resettlement"), "dispersed": N_("dispersed resettlement")}
BUILDING_MODES = {
    "unified": N_("unified planning and building (统规统建)"),
    "unified_joint": N_("unified planning, joint building (统规联建)"),
    "joint": N_("joint building (联建)"),
    "agency": N_("agency building (代建)"),
    "self": N_("self-building (自建)"),
}


def building_modes_allowed(mode: str, kind: str) -> tuple[str, ...]:
    """HS-5: centralised sites build registered households' houses by tender, unified; dispersed
    resettlement builds registered households' houses unified or unified-joint (“分散安置建档立卡贫困人口
    住房建设，可采取统规统建、统规联建等方式”); synchronised households choose unified, joint, agency or
    self-building wherever they settle (“同步搬迁人口根据农户意愿实行统建、联建、代建或自建”)."""
    if mode not in ("centralised", "dispersed"):
        return ()
    if kind != REGISTERED:
        return ("unified", "joint", "agency", "self")
    return ("unified",) if mode == "centralised" else ("unified", "unified_joint")


@dataclass
class VerificationDraft:
    in_scope: bool = False
    area_category: str = ""
    area_reason: str = ""
    exclusion: str = ""
    exclusion_reason: str = ""
    mode: str = ""
    site: str = ""
    building_mode: str = ""
    latitude: str = ""
    longitude: str = ""
    notice_start: dt.date | None = None
    notice_end: dt.date | None = None
    notice_place: str = ""
    objections: str = ""
    reverification: str = ""
    secretary: str = ""
    secretary_signed_on: dt.date | None = None
    director: str = ""
    director_signed_on: dt.date | None = None
    team_leader: str = ""
    team_leader_signed_on: dt.date | None = None
    submitted_on: dt.date | None = None


FIELDS = tuple(f.name for f in fields(VerificationDraft))
SIGNERS = (
    ("secretary", N_("village secretary")),
    ("director", N_("village director")),
    ("team_leader", N_("work-team leader")),
)


def _coordinate(text: str, low: int, high: int) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and low <= value <= high else None


def validate(draft: VerificationDraft, kind: str, params: PolicyParameters) -> list[Problem]:
    problems: list[Problem] = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(f"relocation.{name}", message))

    categories = {area.code for area in params.relocation_areas}
    if draft.in_scope and draft.exclusion:
        problem("exclusion", _("A household is either in relocation scope or taken out of it, not both."))
    if draft.in_scope:
        if draft.area_category not in categories:
            problem("area_category", _("Choose which of the six categories of areas the household lives in (RL-1)."))
        if not draft.area_reason.strip():
            problem("area_reason", _("Write down why the household must move (RL-1)."))
        if draft.mode not in MODES:
            problem("mode", _("Choose centralised or dispersed resettlement."))
        elif draft.building_mode and draft.building_mode not in building_modes_allowed(draft.mode, kind):
            problem(
                "building_mode",
                _("This building mode is not allowed here; allowed: {modes} (HS-5).").format(
                    modes="、".join(_(BUILDING_MODES[m]) for m in building_modes_allowed(draft.mode, kind))
                ),
            )
    if draft.exclusion:
        if draft.exclusion not in EXCLUSIONS:
            problem("exclusion", _("Choose a value from the list."))
        if not draft.exclusion_reason.strip():
            problem("exclusion_reason", _("Keep the reason the household is taken out of relocation (RL-2)."))
    if draft.latitude or draft.longitude:
        if _coordinate(draft.latitude, -90, 90) is None:
            problem("latitude", _("Latitude is a number of degrees between -90 and 90, e.g. 25.1120."))
        if _coordinate(draft.longitude, -180, 180) is None:
            problem("longitude", _("Longitude is a number of degrees between -180 and 180, e.g. 99.1680."))
    if draft.notice_start or draft.notice_end:
        minimum = params.notice_minimum_days
        if draft.notice_start is None or draft.notice_end is None:
            problem("notice_end", _("Give the first and the last day of the notice."))
        elif draft.notice_end < draft.notice_start + dt.timedelta(days=minimum):
            problem(
                "notice_end",
                _("A public notice stays posted for at least {days} full days: it cannot end before {date}.").format(
                    days=minimum, date=(draft.notice_start + dt.timedelta(days=minimum)).isoformat()
                ),
            )
        if not draft.notice_place.strip():
            problem("notice_place", _("Record where the notice is posted."))
    if draft.objections.strip() and not draft.reverification.strip():
        problem("reverification", _("Objections to the result are re-verified: write down the outcome (RL-3)."))
    for name, label in SIGNERS:
        signed_on = getattr(draft, f"{name}_signed_on")
        if signed_on is not None and not getattr(draft, name).strip():
            problem(name, _("Write the name of the {who} who signed.").format(who=_(label)))
    if draft.submitted_on is not None:
        if not draft.in_scope:
            problem("submitted_on", _("Only a household in relocation scope is submitted to the command centre."))
        if not (draft.latitude and draft.longitude):
            problem("latitude", _("Locate the residential point (its coordinates) before submission (RL-4)."))
        for name, label in SIGNERS:
            signed_on = getattr(draft, f"{name}_signed_on")
            if not getattr(draft, name).strip() or signed_on is None:
                problem(
                    name, _("The {who} signs before the data go to the command centre (RL-4).").format(who=_(label))
                )
            elif signed_on > draft.submitted_on:
                problem(f"{name}_signed_on", _("The {who} signed after the submission date.").format(who=_(label)))
        if draft.notice_end is None:
            problem("notice_start", _("The verification result is posted publicly before submission (RL-3)."))
    return problems
