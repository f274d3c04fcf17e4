"""The store's tables, as SQLAlchemy 2 typed ORM classes.

Every record a user enters travels between laptops later, so it carries a
UUID primary key, its creation and update times (UTC) and the id of the
laptop (device) that last wrote it (``Travelling``).  Amounts are kept in fen
(分, integers) so that 3,049.99 yuan stays exactly that.  Columns marked
"derived" are recomputed by the core on every save, so that the household list
can filter 100,000 rows with plain indexed SQL.
"""

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# A job that must be reproducible (the demo township, core.sync.demo_township) names its records from a
# seeded sequence in its own thread: ``with record_ids(source): ...``.  Everywhere else ids are random.
_RECORD_IDS: ContextVar[Callable[[], str] | None] = ContextVar("record_ids", default=None)


def new_uuid() -> str:
    source = _RECORD_IDS.get()
    return source() if source is not None else str(uuid.uuid4())


@contextlib.contextmanager
def record_ids(source: Callable[[], str]) -> Iterator[None]:
    """New records made in this thread (or task) within the block take their ids from ``source``."""
    token = _RECORD_IDS.set(source)
    try:
        yield
    finally:
        _RECORD_IDS.reset(token)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every class here maps one table (none maps a join or a select): its ``__table__`` is a Table.
        __table__: ClassVar[Table]


class Travelling:
    """Columns every record that travels between laptops carries."""

    if TYPE_CHECKING:
        # Mixed only into mapped classes (``class X(Travelling, Base)``), each with its table.
        __tablename__: str

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # set by core.sync.change_log
    device_id: Mapped[str] = mapped_column(String(36))
    # Per-field versions for sync (core.sync.change_log): {"*": [hlc, device], field: [hlc, device], …}.
    sync_versions: Mapped[str] = mapped_column(Text, default="")


class LocalSetting(Base):
    """Facts about this laptop's store that never travel (its device id, …)."""

    __tablename__ = "local_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Township(Travelling, Base):
    __tablename__ = "township"
    name: Mapped[str] = mapped_column(String(100))
    command_centre: Mapped[str] = mapped_column(String(200), default="")
    representative: Mapped[str] = mapped_column(String(50), default="")  # signs agreements for the centre
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    villages: Mapped[list["Village"]] = relationship(
        back_populates="township", order_by=lambda: (Village.created_at, Village.name, Village.id)
    )


class Village(Travelling, Base):
    __tablename__ = "village"
    township_id: Mapped[str] = mapped_column(ForeignKey("township.id"))
    name: Mapped[str] = mapped_column(String(100))
    township: Mapped["Township"] = relationship(back_populates="villages")
    groups: Mapped[list["VillagerGroup"]] = relationship(
        back_populates="village", order_by=lambda: (VillagerGroup.created_at, VillagerGroup.name, VillagerGroup.id)
    )


class VillagerGroup(Travelling, Base):
    """村民小组."""

    __tablename__ = "villager_group"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    village: Mapped["Village"] = relationship(back_populates="groups")


class Household(Travelling, Base):
    __tablename__ = "household"
    group_id: Mapped[str] = mapped_column(ForeignKey("villager_group.id"), index=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)  # derived from the group
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    labour_willing: Mapped[bool] = mapped_column(Boolean, default=True)  # 劳动意愿 (ID-1)
    # What the national system (国办系统) records of the household (ID-4).
    national_number: Mapped[str] = mapped_column(String(40), default="")
    system_population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attribute: Mapped[str] = mapped_column(String(20), default="")
    main_cause: Mapped[str] = mapped_column(String(20), default="")
    secondary_causes: Mapped[str] = mapped_column(String(200), default="")  # comma-separated codes
    identification_standard: Mapped[str] = mapped_column(String(20), default="")
    exited: Mapped[bool] = mapped_column(Boolean, default=False)
    exit_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    helper_cadre: Mapped[str] = mapped_column(String(50), default="")
    reconciliation_note: Mapped[str] = mapped_column(Text, default="")  # ID-4
    # ID-7: moved to a resettlement site's shop house or row house, and the re-check.
    moved_to_shop_or_row_house: Mapped[bool] = mapped_column(Boolean, default=False)
    recheck_outcome: Mapped[str] = mapped_column(Text, default="")
    # Derived on every save (see core.records.households.refresh_derived).
    head_name: Mapped[str] = mapped_column(String(50), default="", index=True)
    head_id_number: Mapped[str] = mapped_column(String(18), default="", index=True)
    actual_population: Mapped[int] = mapped_column(Integer, default=0)
    workflow_step: Mapped[str] = mapped_column(String(20), default="", index=True)
    flags: Mapped[str] = mapped_column(String(200), default="")  # "|CODE|CODE|"
    search_text: Mapped[str] = mapped_column(Text, default="")  # every member's name and ID number
    list_key: Mapped[str] = mapped_column(String(300), default="")  # village, group, head: the list's order

    group: Mapped["VillagerGroup"] = relationship()
    members: Mapped[list["Member"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Member.position"
    )
    incomes: Mapped[list["IncomeWorksheet"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="IncomeWorksheet.year"
    )
    steps: Mapped[list["WorkflowStep"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="WorkflowStep.ordinal"
    )
    objections: Mapped[list["Objection"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Objection.raised_on"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        cascade="all, delete-orphan", order_by="Attachment.created_at"
    )


class Member(Travelling, Base):
    """家庭成员."""

    __tablename__ = "member"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    sex: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ethnicity: Mapped[str] = mapped_column(String(20), default="han")
    education: Mapped[str] = mapped_column(String(20), default="")
    health: Mapped[str] = mapped_column(String(20), default="healthy")
    labour: Mapped[str] = mapped_column(String(20), default="normal")
    schooling: Mapped[str] = mapped_column(String(20), default="not_in_school")
    dibao: Mapped[bool] = mapped_column(Boolean, default=False)
    membership_basis: Mapped[str] = mapped_column(String(30), default="resident")
    registered: Mapped[bool] = mapped_column(Boolean, default=True)  # counted in the 建档立卡 record (ID-3)
    household: Mapped["Household"] = relationship(back_populates="members")


class IncomeWorksheet(Travelling, Base):
    """收入测算: one household, one year (ID-1). Amounts in fen."""

    __tablename__ = "income_worksheet"
    __table_args__ = (UniqueConstraint("household_id", "year"),)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    wage: Mapped[int] = mapped_column(Integer, default=0)
    business: Mapped[int] = mapped_column(Integer, default=0)
    property_income: Mapped[int] = mapped_column(Integer, default=0)
    transfer: Mapped[int] = mapped_column(Integer, default=0)
    production_costs: Mapped[int] = mapped_column(Integer, default=0)
    household: Mapped["Household"] = relationship(back_populates="incomes")


class WorkflowStep(Travelling, Base):
    """One recorded step of the identification workflow (ID-5, PN-1)."""

    __tablename__ = "workflow_step"
    __table_args__ = (UniqueConstraint("household_id", "step"),)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    ordinal: Mapped[int] = mapped_column(Integer)
    done_on: Mapped[dt.date] = mapped_column(Date)
    done_by: Mapped[str] = mapped_column(String(100))
    passed: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_omission: Mapped[bool] = mapped_column(Boolean, default=False)  # 漏评 (proposal step)
    omission_reason: Mapped[str] = mapped_column(Text, default="")
    notice_place: Mapped[str] = mapped_column(String(200), default="")
    notice_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    household: Mapped["Household"] = relationship(back_populates="steps")


class Objection(Travelling, Base):
    """An objection raised while a result was posted (PN-1), and its re-verification."""

    __tablename__ = "objection"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    raised_by: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    household: Mapped["Household"] = relationship(back_populates="objections")


Index("ix_household_list_key", Household.list_key, Household.id)


class Attachment(Travelling, Base):
    """A supporting file kept with a household (ID-4 reconciliation papers, scans, photos).

    The bytes are stored once per content (``sha256``); a file attached twice is one blob.
    """

    __tablename__ = "attachment"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    note: Mapped[str] = mapped_column(Text, default="")


class Blob(Base):
    """File content, addressed by its SHA-256; never changed once written."""

    __tablename__ = "blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RelocationVerification(Travelling, Base):
    """Relocation verification of one household (RL-1 to RL-4, HS-5)."""

    __tablename__ = "relocation_verification"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), unique=True)
    in_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    area_category: Mapped[str] = mapped_column(String(30), default="")  # RL-1, one of the six
    area_reason: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(String(30), default="")  # RL-2
    exclusion_reason: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(20), default="")  # centralised / dispersed
    site: Mapped[str] = mapped_column(String(200), default="")
    building_mode: Mapped[str] = mapped_column(String(20), default="")  # HS-5
    latitude: Mapped[str] = mapped_column(String(20), default="")  # RL-4, decimal degrees as typed
    longitude: Mapped[str] = mapped_column(String(20), default="")
    notice_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # RL-3
    notice_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notice_place: Mapped[str] = mapped_column(String(200), default="")
    objections: Mapped[str] = mapped_column(Text, default="")
    reverification: Mapped[str] = mapped_column(Text, default="")
    secretary: Mapped[str] = mapped_column(String(50), default="")
    secretary_signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    director: Mapped[str] = mapped_column(String(50), default="")
    director_signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    team_leader: Mapped[str] = mapped_column(String(50), default="")
    team_leader_signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class SavedHousingPlan(Travelling, Base):
    """A housing plan as calculated and saved, with the parameter version it used."""

    __tablename__ = "housing_plan"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    parameters_version: Mapped[str] = mapped_column(String(20))
    inputs: Mapped[str] = mapped_column(Text)  # JSON of the PlanInput
    results: Mapped[str] = mapped_column(Text)  # JSON of the PlanResult as calculated then
    compliant: Mapped[bool] = mapped_column(Boolean)
    chosen_option: Mapped[str] = mapped_column(String(30), default="")  # HS-4 (2) co-ownership chosen
    co_investor: Mapped[str] = mapped_column(Text, default="")  # name and details of the co-investor
    note: Mapped[str] = mapped_column(Text, default="")


class DangerousHouse(Travelling, Base):
    """A CD-grade dangerous house of a registered household outside relocation (SB-3)."""

    __tablename__ = "dangerous_house"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    grade: Mapped[str] = mapped_column(String(1))  # C or D
    appraiser: Mapped[str] = mapped_column(String(200))
    appraised_on: Mapped[dt.date] = mapped_column(Date)
    rebuild: Mapped[bool] = mapped_column(Boolean, default=False)
    inputs: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the D rebuild's figures


class Agreement(Travelling, Base):
    """One version of one of a household's agreements (AG-1, HS-4): drafted, signed or voided.

    A signed agreement never changes again: a correction voids it (with the reason) and drafts a
    new version that ``supersedes`` it; both are kept.
    """

    __tablename__ = "agreement"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # relocation / demolition / employment / co_ownership
    number: Mapped[str] = mapped_column(String(60), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("agreement.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft / signed / voided
    template_version: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of every filled-in field
    content_sha256: Mapped[str] = mapped_column(String(64))
    demolition_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    signing_method: Mapped[str] = mapped_column(String(10), default="")  # screen / paper
    signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    fingerprint: Mapped[bool] = mapped_column(Boolean, default=False)  # 按手印 noted
    scan_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"), nullable=True)
    signed_pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"), nullable=True)
    voided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")


class AgreementSignature(Travelling, Base):
    """A signature captured on screen for an agreement (household head, representative, witness)."""

    __tablename__ = "agreement_signature"
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    signer_name: Mapped[str] = mapped_column(String(50))
    image_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))


class DemolitionAcceptance(Travelling, Base):
    """Acceptance (验收) of a demolished old house (AG-2, AG-3; makes the SB-1/SB-2 reward due)."""

    __tablename__ = "demolition_acceptance"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"))
    accepted_on: Mapped[dt.date] = mapped_column(Date)
    # the day the old house was demolished: it decides "按时拆除旧房" (SB-1, SB-2), not the acceptance's date;
    # None for an acceptance recorded before revision 0009 (then the acceptance's date stands for it)
    demolished_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    inspector: Mapped[str] = mapped_column(String(100))
    photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"), nullable=True)
    old_certificate_returned: Mapped[bool] = mapped_column(Boolean, default=False)
    new_certificate_number: Mapped[str] = mapped_column(String(60), default="")
    reclamation: Mapped[str] = mapped_column(String(20), default="")  # farmland / forest / grass


class BuildingStage(Travelling, Base):
    """A stage of a relocation household's new house reached (issues 18, 19; core.rules.building): the
    foundation laid, the main structure, the completion, moving in; the day, who recorded it and the evidence
    (a short note).  The funds' tranches are paid by these stages (按建房进度拨付)."""

    __tablename__ = "building_stage"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # core.rules.building.STAGES
    reached_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[str] = mapped_column(Text, default="")


class PublicNotice(Travelling, Base):
    """A public-notice sheet (公示表) posted in a village or villagers' group (PN-1, RL-3)."""

    __tablename__ = "public_notice"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("villager_group.id"), nullable=True)
    subject: Mapped[str] = mapped_column(String(20))  # identification / relocation
    posting_round: Mapped[int] = mapped_column(Integer, default=1)  # 2: after the township audit
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("public_notice.id"), nullable=True)
    audited_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    place: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    objection_contact: Mapped[str] = mapped_column(Text)  # where and to whom objections go
    entries: Mapped[str] = mapped_column(Text)  # JSON: [{household_id, result, reason}]


class NoticeObjection(Travelling, Base):
    """An objection raised against a posted notice, and its re-verification (PN-1)."""

    __tablename__ = "notice_objection"
    notice_id: Mapped[str] = mapped_column(ForeignKey("public_notice.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("household.id"), nullable=True)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    raised_by: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text)
    reverification: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Account(Travelling, Base):
    """A person who may open the store (issue 17; core.records.accounts): login name, role and village
    scope (``villages``: a JSON list of village ids, empty for every village), the Argon2id hash of the
    password, locked by an administrator or not.  Made at the township (``countersigned``) or on a laptop for
    its own work team (not countersigned until the township's next bundle).  ``public_key`` and
    ``encrypted_private_key``: the account's key pair for the store's data key (core.store.keyring), so that
    it travels with the account."""

    __tablename__ = "accounts"
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    villages: Mapped[str] = mapped_column(Text, default="[]")
    may_sign: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    made_by: Mapped[str] = mapped_column(String(36), default="")
    countersigned: Mapped[bool] = mapped_column(Boolean, default=False)
    public_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    encrypted_private_key: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- funds (issue 19, FD-1 to FD-3) ------------------------------------------------------------------
# The ledger and the checks live at the township (core.sync.staging.SHARED: only the township office changes
# them); payments belong to their household's village and travel with it.


class Fund(Travelling, Base):
    """Funds received from above or raised (core.rules.funds.SOURCES), with their documents, arrival, amount
    (fen) and account; the paperwork (FD-3, due on the 7th working day after arrival) and, for a low-cost
    loan, its replacement (置换, due by 2017-04-30) when done."""

    __tablename__ = "fund"
    source: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    plan_document: Mapped[str] = mapped_column(String(100), default="")  # 计划文号
    fund_document: Mapped[str] = mapped_column(String(100), default="")  # 资金文号
    arrived_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)  # fen
    account: Mapped[str] = mapped_column(String(200), default="")  # the account it sits in
    use: Mapped[str] = mapped_column(Text, default="")  # 用途
    units: Mapped[str] = mapped_column(Text, default="")  # the units that use it
    paperwork_done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    replaced_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # a loan's replacement (置换)
    note: Mapped[str] = mapped_column(Text, default="")


class FundPayment(Travelling, Base):
    """A tranche paid to a household by building progress (按建房进度拨付) from one fund, under the agreement
    version in force, and the household's acknowledgement (on screen: the signature image; on paper: the scan)."""

    __tablename__ = "fund_payment"
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[str] = mapped_column(ForeignKey("fund.id"), index=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"))
    tranche: Mapped[str] = mapped_column(String(20))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)  # fen
    acknowledgement: Mapped[str] = mapped_column(String(10), default="")  # "" / screen / paper
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    acknowledged_by: Mapped[str] = mapped_column(String(50), default="")
    acknowledgement_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class FundCheck(Travelling, Base):
    """A check of the funds' use (FD-2): its kind (core.rules.funds.CHECK_KINDS), day, who checked and what."""

    __tablename__ = "fund_check"
    kind: Mapped[str] = mapped_column(String(30))
    held_on: Mapped[dt.date] = mapped_column(Date)
    checked_by: Mapped[str] = mapped_column(String(200))
    looked_at: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")


class FundFinding(Travelling, Base):
    """A problem a check found, its rectification until closed; a major one is reported to the command centre
    within 24 hours of being found (FD-2): when found, when reported."""

    __tablename__ = "fund_finding"
    check_id: Mapped[str] = mapped_column(ForeignKey("fund_check.id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[str | None] = mapped_column(ForeignKey("fund.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    found_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reported_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    rectification: Mapped[str] = mapped_column(Text, default="")
    rectified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class AgreementError(ValueError):
    """An agreement action that is not allowed; ``str()`` is a message for the user."""


_SIGNED_MAY_CHANGE = frozenset({"status", "voided_on", "void_reason", "updated_at", "device_id", "sync_versions"})
_ALWAYS_MAY_CHANGE = frozenset({"updated_at", "device_id", "sync_versions"})


@event.listens_for(Agreement, "before_update")
def _signed_agreements_never_change(_mapper, _connection, target: Agreement) -> None:
    """The last guard (issue 4): whatever code flushes it, a signed agreement's content, number and
    signing stay as signed; it may only be voided.  A voided one never changes again."""
    state = inspect(target)
    history = state.attrs.status.history
    before = history.deleted[0] if history.deleted else target.status
    if before not in ("signed", "voided"):
        return
    changed = {attribute.key for attribute in state.attrs if attribute.history.has_changes()}
    allowed = _SIGNED_MAY_CHANGE if before == "signed" and target.status == "voided" else _ALWAYS_MAY_CHANGE
    if changed - allowed:
        from xinjie_desktop.i18n import _

        raise AgreementError(
            _(
                "A signed or voided agreement cannot be changed. Void it with the reason, then "
                "correct and sign the new version."
            )
        )


@event.listens_for(Agreement, "before_delete")
def _signed_agreements_are_kept(_mapper, _connection, target: Agreement) -> None:
    history = inspect(target).attrs.status.history
    if (history.deleted[0] if history.deleted else target.status) != "draft":
        from xinjie_desktop.i18n import _

        raise AgreementError(_("A signed or voided agreement is kept; it cannot be deleted."))


# --- sync (issue 5): local tables, never dumped as records (canonical_dump.LOCAL_TABLES) -----------


class ChangeLog(Base):
    """The journal of every change, this store's own and those received (core.sync.change_log)."""

    __tablename__ = "change_log"
    __table_args__ = {"sqlite_with_rowid": False}
    origin_device: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hlc: Mapped[int] = mapped_column(BigInteger)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(10))  # upsert / delete
    village_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON: field → value
    bases: Mapped[str] = mapped_column(Text, default="{}")  # JSON: field → the version the editor saw


class AuditRecord(Base):
    """The record of who did what (issue 17; core.sync.audit_chain): for each change of the journal
    (``origin_device``, ``seq``: its ``change_log`` entry, which names the records, fields, new values and
    village), the account that made it (its id and name at the time, empty where no one was logged in),
    when (the wall clock of the computer that made it, UTC), the values it replaced (``old``: JSON field →
    value; every field of a deleted record), and the entry's place in its device's chain of hashes:
    ``hash`` covers ``prev_hash`` (the hash of the device's entry before it, ``GENESIS`` for its first) and
    the entry's canonical content, the change's line included, so a removed, altered or reordered entry is
    detected (``audit_chain.verify_chain``).  Kept with the changes, travelling with them in bundles."""

    __tablename__ = "audit_record"
    __table_args__ = {"sqlite_with_rowid": False}
    origin_device: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601, UTC, whole seconds
    account_id: Mapped[str] = mapped_column(String(36), default="")
    account_name: Mapped[str] = mapped_column(String(100), default="")
    old: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChangeRun(Base):
    """A run of one device's changes (``first_seq``..``last_seq`` of ``origin_device``), signed by that device
    with its Ed25519 key over the SHA-256 of each change's line (core.sync.runs): this store's own runs,
    signed when it exports them, and the runs of other devices that came with their changes, so that a relay
    proves each change to be its origin's.  ``omitted``: JSON seq → SHA-256 (hex) of the run's changes this
    store never received (a relay left them out), so that the signature can still be checked."""

    __tablename__ = "change_run"
    __table_args__ = {"sqlite_with_rowid": False}
    origin_device: Mapped[str] = mapped_column(String(36), primary_key=True)
    first_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(100))  # base64
    omitted: Mapped[str] = mapped_column(Text, default="{}")


class Tombstone(Base):
    __tablename__ = "tombstone"
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hlc: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(36))
    seen_hlc: Mapped[int] = mapped_column(BigInteger, default=0)  # the newest version the deleter had seen
    # Set aside by the merge, not deleted by anyone: a one-of record entered on two computers, the other kept
    # (its id); it takes the place back when that one is deleted on its own (core.sync.merge).
    settled_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class SyncPeer(Base):
    """Another store this one exchanges bundles with: the township office or a village laptop."""

    __tablename__ = "sync_peer"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(10))  # township / laptop
    signing_public: Mapped[str] = mapped_column(String(64))
    box_public: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text, default="[]")  # JSON village ids
    provisioning_id: Mapped[str] = mapped_column(String(36), default="")
    former_ids: Mapped[str] = mapped_column(Text, default="[]")
    trusted: Mapped[bool] = mapped_column(Boolean, default=True)
    problem: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_bundle_id: Mapped[str] = mapped_column(String(36), default="")


class PeerCursor(Base):
    """What a peer is known to hold of one origin's changes (bundles to it start after)."""

    __tablename__ = "peer_cursor"
    peer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    origin_device: Mapped[str] = mapped_column(String(36), primary_key=True)
    acked_seq: Mapped[int] = mapped_column(Integer)


class OriginCursor(Base):
    """How far this store holds one origin's changes without a gap (gap detection)."""

    __tablename__ = "origin_cursor"
    origin_device: Mapped[str] = mapped_column(String(36), primary_key=True)
    received_seq: Mapped[int] = mapped_column(Integer)


class BundleLog(Base):
    __tablename__ = "bundle_log"
    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # in / out
    peer_id: Mapped[str] = mapped_column(String(36))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    covers: Mapped[str] = mapped_column(Text, default="{}")
    counts: Mapped[str] = mapped_column(Text, default="{}")
    report: Mapped[str] = mapped_column(Text, default="{}")


class SyncConflict(Base):
    """Values of one field that lost to another version, kept for a person to decide (property 4)."""

    __tablename__ = "sync_conflict"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # table:row:field
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), default="field")  # field / deleted / signed
    winner: Mapped[str] = mapped_column(Text)  # JSON {value, hlc, device}
    losers: Mapped[str] = mapped_column(Text)  # JSON [{value, hlc, device}]
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class PossibleDuplicate(Base):
    """One ID number found in more than one household after an import: reviewed, never merged."""

    __tablename__ = "possible_duplicate"
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    household_ids: Mapped[str] = mapped_column(Text)  # JSON list
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Bulletin(Base):
    """A weekly bulletin the township issued (issue 18, WT-2; core.records.bulletins): one per ISO week, kept at
    the office that issued it: the figures as issued (JSON of core.records.progress.as_json), its PDF (a blob),
    who issued it and when.  Never travels (canonical_dump.LOCAL_TABLES)."""

    __tablename__ = "bulletin"
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # "2017-W16"
    as_of: Mapped[dt.date] = mapped_column(Date)  # the week's Sunday: the figures are as of that day
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(100), default="")
    figures: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    pages: Mapped[int] = mapped_column(Integer, default=0)


# The progress view's covering indexes (core.records.progress): every state and flag by village in one pass over
# a narrow index, a household's village from its id, the weekly trend of households entered.
Index("ix_household_progress", Household.workflow_step, Household.flags, Household.village_id)
Index("ix_household_village", Household.id, Household.village_id)
Index("ix_workflow_step_day", WorkflowStep.step, WorkflowStep.passed, WorkflowStep.done_on)

# The record of who did what, read by time and by person (core.records.audit).
Index("ix_audit_record_at", AuditRecord.at)
Index("ix_audit_record_account", AuditRecord.account_name)


# --- work teams (issue 20; rules: core.rules.work_teams; services: core.records.work_teams) --------------
# Each record names its village (``village_id``) so that it travels to that village's laptops and a laptop's
# bundle is judged by it (core.sync.scope); the leaders' and all-member meetings are the township's (no village).


class TeamMember(Travelling, Base):
    """A member of a village's work team (驻村工作队员): name, unit, role in the team, telephone, the day they
    arrived in the village (WT-1 counts from it), the day they left (None: still there), the login name of
    their account when they have one (their day view)."""

    __tablename__ = "team_member"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(100), default="")  # 派出单位
    role: Mapped[str] = mapped_column(String(20), default="member")  # leader / first_secretary / member
    telephone: Mapped[str] = mapped_column(String(30), default="")
    arrived_on: Mapped[dt.date] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    account_name: Mapped[str] = mapped_column(String(64), default="")


class HelperPairing(Travelling, Base):
    """A member paired as helper cadre (帮扶干部) with a household, from ``start_on`` to ``end_on`` (None: open)."""

    __tablename__ = "helper_pairing"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("team_member.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class TeamMilestone(Travelling, Base):
    """A WT-1 task a village's team reports done (village known, causes-of-poverty list, development plan,
    village rules): the day and what shows it."""

    __tablename__ = "team_milestone"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    task: Mapped[str] = mapped_column(String(30))
    done_on: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")


class TeamVisit(Travelling, Base):
    """A visit to a household (遍访, WT-1): the day, its kind, the members seen (JSON list of team_member ids),
    what was done, the promises made; photos in ``team_visit_photo``."""

    __tablename__ = "team_visit"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    member_ids: Mapped[str] = mapped_column(Text, default="[]")
    done: Mapped[str] = mapped_column(Text, default="")
    promises: Mapped[str] = mapped_column(Text, default="")


class TeamVisitPhoto(Travelling, Base):
    """A photo of a visit, resized for the stick, kept once per content (``blob``)."""

    __tablename__ = "team_visit_photo"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("team_visit.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))


class TeamMeeting(Travelling, Base):
    """A meeting (WT-2): a village's weekly team meeting, or the township's monthly leaders' or quarterly
    all-member meeting (``village_id`` None); who came (JSON list of names), minutes, decisions (JSON list of
    {"text", "owner", "due_on"})."""

    __tablename__ = "team_meeting"
    village_id: Mapped[str | None] = mapped_column(ForeignKey("village.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[dt.date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text, default="[]")
    minutes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="[]")


class WeeklyReport(Travelling, Base):
    """A team's report of its week (WT-2), the week starting on Monday ``week_start``: drafted from the week's
    records, edited, then sent (``sent_on``); a draft is not in."""

    __tablename__ = "weekly_report"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    week_start: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    sent_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class WeeklyReportPhoto(Travelling, Base):
    """A photo of a team's weekly report (WT-2: the week reported "with pictures"), resized for the stick like the
    visits' photos, kept once per content (``blob``); it travels with its report."""

    __tablename__ = "weekly_report_photo"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("weekly_report.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))


class TeamCheck(Travelling, Base):
    """A check on a team by the township (WT-3): the day, how (telephone, village visit, household visit), who
    checked, the member checked (None: the team), the household visited, the result, what was found, the
    follow-up and the day it was done, whether the member was talked to (约谈)."""

    __tablename__ = "team_check"
    village_id: Mapped[str] = mapped_column(ForeignKey("village.id"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    checker: Mapped[str] = mapped_column(String(100))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("team_member.id", ondelete="CASCADE"), nullable=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), nullable=True)
    result: Mapped[str] = mapped_column(String(20))
    findings: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    talked_to: Mapped[bool] = mapped_column(Boolean, default=False)


class RosterCorrection(Base):
    """A difference with the national system's roster that the township office entered into the national
    system (数据清洗, issue 18): which difference (``difference_key``: side, field, ID number and both values,
    core.rules.roster_compare.Difference.key), when and by whom.  The township office's own record: it never
    travels to the laptops (not ``Travelling``), like the other sync-local tables it stays in this store."""

    __tablename__ = "roster_correction"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    difference_key: Mapped[str] = mapped_column(String(300), unique=True)
    field: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    household_number: Mapped[str] = mapped_column(String(40), default="")
    national_value: Mapped[str] = mapped_column(String(40), default="")
    here_value: Mapped[str] = mapped_column(String(40), default="")
    entered_on: Mapped[dt.date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
