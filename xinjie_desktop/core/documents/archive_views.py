"""What a household's archive (一户一档, issue 18) prints: one household's whole file as view objects, filled
by ``records.household_archive`` and printed by ``documents.household_archive``.

Texts a cadre chose from a list (relations, causes, areas …) arrive already in words; every figure arrives
as the computation the other documents use made it: the income worksheets' results from ``rules.income``
(as the income tab and the flags), the plan's inputs and result (recalculated under the plan's own
parameter version, as the plan summary prints them) with its money from ``rules.household_money``, each
agreement's number, status and amounts as ``records.agreements`` stores and prints them, and each
agreement's pages as ``records.agreements`` gives them (the signed PDF as it was signed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from xinjie_desktop.core.documents.notice_views import NoticeEntry, ObjectionView
from xinjie_desktop.core.documents.plan_summary import PlanHousehold
from xinjie_desktop.core.rules.household_money import HouseholdMoney
from xinjie_desktop.core.rules.housing_plan import PlanInput, PlanResult
from xinjie_desktop.core.rules.income import IncomeResult

PDF, IMAGE, OTHER = "pdf", "image", "other"  # what a stored file is, for showing it


@dataclass(frozen=True)
class MemberLine:
    name: str
    id_number: str
    relation: str
    sex: str
    birth_date: dt.date | None
    ethnicity: str
    education: str
    health: str
    labour: str
    schooling: str
    dibao: bool
    membership: str  # the membership basis, in words
    counted: bool  # counted in the actual population (ID-2)
    registered: bool  # counted in the national system's record (ID-3)


@dataclass(frozen=True)
class FlagLine:
    rule: str
    label: str
    explanation: str


@dataclass(frozen=True)
class HouseholdPart:
    id: str
    head_name: str
    head_id_number: str
    village: str
    group: str
    address: str
    phone: str
    national_number: str
    system_population: int | None
    actual_population: int
    attribute: str
    causes: str  # main cause first, in words
    identification_standard: str
    exited: bool
    exit_year: int | None
    helper_cadre: str
    labour_willing: bool
    reconciliation_note: str
    moved_to_shop_or_row_house: bool
    recheck_outcome: str
    workflow_state: str  # in words
    members: tuple[MemberLine, ...]
    flags: tuple[FlagLine, ...]


@dataclass(frozen=True)
class IncomeLine:
    year: int
    wage: Decimal
    business: Decimal
    property_income: Decimal
    transfer: Decimal
    production_costs: Decimal
    result: IncomeResult  # rules.income.assess over the actual population


@dataclass(frozen=True)
class StepLine:
    ordinal: int
    step: str  # in words
    done_on: dt.date
    done_by: str
    passed: bool
    notes: str
    omission_reason: str  # "" unless proposed as an omission (漏评)
    notice_place: str
    notice_end: dt.date | None


@dataclass(frozen=True)
class HouseholdObjection:
    """An objection raised against the household during its identification (ID-5, PN-1)."""

    raised_on: dt.date
    raised_by: str
    content: str
    resolution: str
    resolved_on: dt.date | None


@dataclass(frozen=True)
class NoticeLine:
    """A public notice that posted the household: its own line as posted, and the objections about it."""

    subject: str  # in words
    posting_round: int
    where: str  # village (and group)
    place: str
    start_date: dt.date
    end_date: dt.date
    entry: NoticeEntry
    objections: tuple[ObjectionView, ...]


@dataclass(frozen=True)
class BuildingLine:
    """A stage of the new house reached (issues 18, 19): the stage in words, its day, who recorded it, the evidence."""

    stage: str
    reached_on: dt.date
    recorded_by: str
    evidence: str


@dataclass(frozen=True)
class RelocationPart:
    in_scope: bool
    area: str  # RL-1 category, in words
    area_reason: str
    exclusion: str  # RL-2, in words
    exclusion_reason: str
    mode: str
    site: str
    building_mode: str
    latitude: str
    longitude: str
    notice_start: dt.date | None
    notice_end: dt.date | None
    notice_place: str
    objections: str
    reverification: str
    signers: tuple[tuple[str, str, dt.date | None], ...]  # (role in words, name, signed on)
    submitted_on: dt.date | None
    building: tuple[BuildingLine, ...] = ()  # the new house's stages reached, in order (records.building)


@dataclass(frozen=True)
class PlanPart:
    """The latest saved housing plan, as the plan summary prints it (``documents.plan_summary``)."""

    saved_at: dt.datetime
    household: PlanHousehold
    plan: PlanInput
    result: PlanResult  # recalculated under the plan's own parameter version (records.housing_plans.reopen)
    money: HouseholdMoney
    chosen_option: str
    co_investor: str
    note: str
    out_of_date: str  # what changed in the household since, in words; "" if nothing
    earlier_plans: int  # saved before it (kept in the store)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    kind: str  # PDF / IMAGE / OTHER
    data: bytes


@dataclass(frozen=True)
class AgreementPart:
    kind: str  # in words
    number: str
    version: int
    status: str  # "draft" / "signed" / "voided"
    status_label: str
    content_sha256: str
    signing_method: str  # "screen" / "paper" / ""
    signed_on: dt.date | None
    fingerprint: bool
    voided_on: dt.date | None
    void_reason: str
    supersedes: str  # the number of the version it replaces, "" if none
    demolition_deadline: dt.date | None
    amounts: tuple[tuple[str, Decimal], ...]  # (field, amount) as the agreement prints them
    pages: bytes | None  # the agreement's PDF (records.agreements.copy_bytes); None for a draft
    scan: StoredFile | None  # the paper copy's scan


@dataclass(frozen=True)
class DemolitionPart:
    agreement_number: str  # the signed demolition agreement in force, "" if none
    deadline: dt.date | None
    overdue_days: int  # 0 unless not accepted and past the deadline
    accepted_on: dt.date | None
    demolished_on: dt.date | None
    inspector: str
    photo: StoredFile | None
    old_certificate_returned: bool | None
    new_certificate_number: str
    reclamation: str  # in words
    reward_due: bool
    reward: Decimal
    reward_rule: str
    reward_reason: str


@dataclass(frozen=True)
class FileLine:
    what: str  # the attachment's purpose, or which record keeps the file
    name: str
    note: str
    added_on: dt.date | None
    size: int
    sha256: str


@dataclass(frozen=True)
class HouseholdArchive:
    township: str
    printed_on: dt.date
    household: HouseholdPart
    incomes: tuple[IncomeLine, ...]
    steps: tuple[StepLine, ...]
    objections: tuple[HouseholdObjection, ...]
    notices: tuple[NoticeLine, ...]
    relocation: RelocationPart | None
    plan: PlanPart | None
    agreements: tuple[AgreementPart, ...]
    demolition: DemolitionPart | None
    attachments: tuple[FileLine, ...]
    other_files: tuple[FileLine, ...]  # signed PDFs, scans, the demolition photo: the record keeping each
