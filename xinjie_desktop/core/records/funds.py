"""Relocation funds (issue 19): the ledger, the payments to households, the checks (FD-1 to FD-3).

- The ledger (``record_fund``, ``record_paperwork``, ``record_replacement``): funds received with their source,
  documents (计划文号, 资金文号), arrival, amount and account; the paperwork due on the 7th working day after
  arrival (FD-3, China's statutory calendar: ``core.rules.funds``); a loan's replacement (置换) by 2017-04-30.
- Payments (``record_payment``): a tranche by building progress to a household, from one fund, under the
  latest version of the household's relocation agreement: FD-1 decides (``core.rules.funds.check_payment``);
  a refusal (``FundsError``) names the rule and the fund and writes nothing.  Paid by building progress
  (按建房进度拨付): a tranche's stage must be recorded for the household first (``core.records.building``), and the
  payment not dated before it was reached; otherwise refused, naming the stage and the household.  The household acknowledges
  (``acknowledge_on_screen`` with the signature drawn, ``acknowledge_on_paper`` with the scan), in the village
  on a laptop too: the payment is a record of the household's village and travels in bundles with it.
- Checks (``record_check``, ``record_finding``, ``report_finding``, ``rectify_finding``): the calendar of FD-2,
  the findings, a major one's report to the command centre within 24 hours, their rectification.
- Reading (``ledger``, ``payments``, ``check_board``, ``findings``, ``report``): the figures the window, the
  command line (``funds report``) and the notice of funds show.

The ledger and the checks are the township's own records (``core.sync.staging.SHARED``): only the township
office changes them, and its actions are ``MANAGE_FUNDS`` (the township's administrators) and ``FUND_CHECKS``
(the administrators and the auditors, 纪检/审计: FD-2's checks, findings and rectification are their work product);
recording a payment is ``RECORD_PAYMENT`` (the township's administrators, where the funds' balances are kept);
acknowledging it ``ACKNOWLEDGE_PAYMENT`` (also the work teams and village cadres of its village); reading is
``READ``.  Every write goes through ``Store.unit_of_work``, so the change journal and the record of who did what
take it as every other change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents import file_names, funds_notice
from xinjie_desktop.core.documents.funds_notice import FundsNoticeView, NoticeAllocation, NoticeFund
from xinjie_desktop.core.records import access, building
from xinjie_desktop.core.records.attachments import AttachmentError, put_blob, read_file
from xinjie_desktop.core.rules import building as building_rules
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.rules.idnumber import mask
from xinjie_desktop.core.rules.money import from_fen, to_fen
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Agreement,
    FundCheck,
    FundFinding,
    FundPayment,
    Household,
    RelocationVerification,
    Township,
    Village,
    VillagerGroup,
)
from xinjie_desktop.core.store.models import Fund as FundRecord
from xinjie_desktop.i18n import _

RELOCATION = "relocation"  # the agreement kind payments follow
SCREEN, PAPER = "screen", "paper"


class FundsError(ValueError):
    """A funds action that may not be done; ``str()`` is a message for the user (FD-1's name the rule and fund)."""


def _township_only(on_laptop: bool) -> None:
    """The ledger, the payments and the checks are written at the township office (``on_laptop``: the store is a
    village laptop, ``core.sync.roles.role(store) == LAPTOP``; the township would refuse its bundle)."""
    if on_laptop:
        raise FundsError(
            _(
                "On a village laptop a payment is only acknowledged: the township office records the funds, the "
                "payments and the checks."
            )
        )


# --- the ledger ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundDraft:
    source: str
    name: str
    arrived_on: dt.date
    amount: Decimal  # yuan
    plan_document: str = ""
    fund_document: str = ""
    account: str = ""
    use: str = ""
    units: str = ""
    note: str = ""


def _check_draft(draft: FundDraft) -> None:
    if draft.source not in rules.SOURCES:
        raise FundsError(_("Choose the fund's source."))
    if not draft.name.strip():
        raise FundsError(_("Name the fund (as its documents do)."))
    if draft.amount <= 0:
        raise FundsError(_("The amount received is more than zero."))
    if draft.source in rules.FROM_ABOVE and not (draft.plan_document.strip() or draft.fund_document.strip()):
        raise FundsError(_("Funds from above carry their document numbers (plan or fund document)."))


def record_fund(store: Store, draft: FundDraft, today: dt.date | None = None, *, on_laptop: bool = False) -> str:
    """Record funds received; returns the fund's id."""
    _township_only(on_laptop)
    _check_draft(draft)
    if draft.arrived_on > (today or dt.date.today()):
        raise FundsError(_("The funds cannot arrive in the future."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.MANAGE_FUNDS)
        record = FundRecord(
            source=draft.source,
            name=draft.name.strip(),
            plan_document=draft.plan_document.strip(),
            fund_document=draft.fund_document.strip(),
            arrived_on=draft.arrived_on,
            amount=to_fen(draft.amount),
            account=draft.account.strip(),
            use=draft.use.strip(),
            units=draft.units.strip(),
            note=draft.note.strip(),
        )
        session.add(record)
        session.flush()
        return record.id


def _fund(session: Session, fund_id: str) -> FundRecord:
    record = session.get(FundRecord, fund_id)
    if record is None:
        raise FundsError(_("This fund is not in the store."))
    return record


def _paid_from(session: Session, fund_id: str) -> int:
    return sum(session.scalars(select(FundPayment.amount).where(FundPayment.fund_id == fund_id)))


def change_amount(store: Store, fund_id: str, amount: Decimal, *, on_laptop: bool = False) -> None:
    """Correct the amount received; never below what the fund has paid (FD-1: no negative balance)."""
    _township_only(on_laptop)
    with store.unit_of_work() as session:
        access.require(store, session, Action.MANAGE_FUNDS)
        record = _fund(session, fund_id)
        problem = rules.balance_refusal(record.name, amount, from_fen(_paid_from(session, fund_id)))
        if problem:
            raise FundsError(problem)
        if amount <= 0:
            raise FundsError(_("The amount received is more than zero."))
        record.amount = to_fen(amount)


def record_paperwork(store: Store, fund_id: str, done_on: dt.date, *, on_laptop: bool = False) -> None:
    """FD-3: the paperwork of the funds completed on ``done_on``."""
    _township_only(on_laptop)
    with store.unit_of_work() as session:
        access.require(store, session, Action.MANAGE_FUNDS)
        record = _fund(session, fund_id)
        if done_on < record.arrived_on:
            raise FundsError(_("The paperwork cannot be done before the funds arrived."))
        record.paperwork_done_on = done_on


def record_replacement(store: Store, fund_id: str, replaced_on: dt.date, *, on_laptop: bool = False) -> None:
    """FD-3: a low-cost loan replaced (置换) on ``replaced_on``."""
    _township_only(on_laptop)
    with store.unit_of_work() as session:
        access.require(store, session, Action.MANAGE_FUNDS)
        record = _fund(session, fund_id)
        if record.source != rules.LOW_COST_LOAN:
            raise FundsError(_("Only low-cost long-term loans are replaced."))
        record.replaced_on = replaced_on


# --- payments -------------------------------------------------------------------------------------------------


def _agreement_total(agreement: Agreement) -> Decimal:
    """What the agreement states the household is paid: its subsidy and reward (or its subsidy)."""
    try:
        content = json.loads(agreement.content or "{}")
    except ValueError:
        content = {}

    def amount(key: str) -> Decimal:
        value = content.get(key)
        return Decimal(str(value).replace(",", "")) if value not in (None, "") else Decimal(0)

    return amount("subsidy_and_reward") or amount("subsidy") + amount("reward")


def _latest_relocation_agreement(session: Session, household_id: str) -> Agreement | None:
    return session.scalars(
        select(Agreement)
        .where(Agreement.household_id == household_id, Agreement.kind == RELOCATION)
        .order_by(Agreement.version.desc(), Agreement.created_at.desc())
        .limit(1)
    ).first()


def _household_kind(agreement: Agreement | None) -> str:
    if agreement is None:
        return ""
    try:
        kind = json.loads(agreement.content or "{}").get("household_kind", "")
    except ValueError:
        return ""
    return kind if isinstance(kind, str) else ""


def _paid_to(session: Session, household_id: str) -> int:
    """What the household has been paid under its relocation agreement, all its versions."""
    return sum(
        session.scalars(
            select(FundPayment.amount)
            .join(Agreement, Agreement.id == FundPayment.agreement_id)
            .where(FundPayment.household_id == household_id, Agreement.kind == RELOCATION)
        )
    )


def payment_case(store: Store, household_id: str, fund_id: str, amount: Decimal) -> rules.PaymentCase:
    """What FD-1 reads of a payment about to be made (the window shows its refusals before saving)."""
    with store.session() as session:
        return _case(session, household_id, fund_id, amount)


def _case(session: Session, household_id: str, fund_id: str, amount: Decimal) -> rules.PaymentCase:
    fund = _fund(session, fund_id)
    if session.get(Household, household_id) is None:
        raise FundsError(_("This household no longer exists in the store."))
    agreement = _latest_relocation_agreement(session, household_id)
    verification = session.scalars(
        select(RelocationVerification).where(RelocationVerification.household_id == household_id)
    ).first()
    return rules.PaymentCase(
        fund_source=fund.source,
        fund_name=fund.name,
        fund_balance=from_fen(fund.amount - _paid_from(session, fund_id)),
        household_kind=_household_kind(agreement),
        in_plan=bool(verification is not None and verification.in_scope),
        agreement_status=agreement.status if agreement is not None else "",
        agreement_total=_agreement_total(agreement) if agreement is not None else Decimal(0),
        paid_before=from_fen(_paid_to(session, household_id)),
        amount=amount,
    )


def _household_name(session: Session, household_id: str) -> str:
    household = session.get(Household, household_id)
    if household is None:
        return household_id[:8]
    return f"{household.head_name}（{household.address}）" if household.address else household.head_name


def tranche_refusal(store: Store, household_id: str, tranche: str, paid_on: dt.date) -> str | None:
    """按建房进度拨付: why the tranche may not be paid yet (its stage not recorded for the household, or reached
    after ``paid_on``), else None; for the window to say before it saves (``record_payment`` decides)."""
    with store.session() as session:
        return building_rules.tranche_refusal(
            tranche, building.reached_in(session, household_id), paid_on, _household_name(session, household_id)
        )


def record_payment(
    store: Store,
    household_id: str,
    fund_id: str,
    tranche: str,
    paid_on: dt.date,
    amount: Decimal,
    note: str = "",
    today: dt.date | None = None,
    *,
    on_laptop: bool = False,
) -> str:
    """Pay a tranche to a household from a fund (FD-1 checked in the same transaction); returns its id."""
    _township_only(on_laptop)
    if tranche not in rules.TRANCHES:
        raise FundsError(_("Choose the tranche: the building progress the payment is for."))
    if paid_on > (today or dt.date.today()):
        raise FundsError(_("A payment cannot be dated in the future."))
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RECORD_PAYMENT, household_id)
        case = _case(session, household_id, fund_id, amount)
        refused = [r.message for r in rules.check_payment(case)]
        by_progress = building_rules.tranche_refusal(
            tranche, building.reached_in(session, household_id), paid_on, _household_name(session, household_id)
        )
        if by_progress is not None:  # 按建房进度拨付: the stage recorded first
            refused.append(by_progress)
        if refused:
            raise FundsError("\n".join(refused))
        fund = _fund(session, fund_id)
        if paid_on < fund.arrived_on:
            raise FundsError(
                _("A fund pays only after it arrived, on {date}.").format(date=fund.arrived_on.isoformat())
            )
        agreement = _latest_relocation_agreement(session, household_id)
        assert agreement is not None  # check_payment refuses without a signed one
        record = FundPayment(
            household_id=household_id,
            fund_id=fund_id,
            agreement_id=agreement.id,
            tranche=tranche,
            paid_on=paid_on,
            amount=to_fen(amount),
            note=note.strip(),
        )
        session.add(record)
        session.flush()
        return record.id


def _payment(session: Session, payment_id: str) -> FundPayment:
    record = session.get(FundPayment, payment_id)
    if record is None:
        raise FundsError(_("This payment is not in the store."))
    return record


def _acknowledge(store: Store, payment_id: str, signer: str, data: bytes, on: dt.date, method: str) -> None:
    if not signer.strip():
        raise FundsError(_("Name the household member who acknowledges the payment."))
    with store.unit_of_work() as session:
        record = _payment(session, payment_id)
        access.require_household(store, session, Action.ACKNOWLEDGE_PAYMENT, record.household_id)
        if record.acknowledgement:
            raise FundsError(_("This payment is already acknowledged."))
        if on < record.paid_on:
            raise FundsError(_("A payment is acknowledged on or after the day it was paid."))
        record.acknowledgement = method
        record.acknowledged_on = on
        record.acknowledged_by = signer.strip()
        record.acknowledgement_sha256 = put_blob(session, data)


def acknowledge_on_screen(store: Store, payment_id: str, signer: str, signature_png: bytes, on: dt.date) -> None:
    """The household acknowledges the payment by signing on the screen (the signature pad's PNG)."""
    if not signature_png.startswith(b"\x89PNG"):
        raise FundsError(_("The signature is not a picture drawn on the signature pad."))
    _acknowledge(store, payment_id, signer, signature_png, on, SCREEN)


def acknowledge_on_paper(store: Store, payment_id: str, signer: str, scan_path: str | Path, on: dt.date) -> None:
    """The household acknowledged the payment on paper; the scan of the signed receipt is kept."""
    try:
        data = read_file(scan_path)
    except AttachmentError as error:
        raise FundsError(str(error)) from None
    _acknowledge(store, payment_id, signer, data, on, PAPER)


# --- checks and findings ------------------------------------------------------------------------------------


def record_check(
    store: Store,
    kind: str,
    held_on: dt.date,
    checked_by: str,
    looked_at: str,
    summary: str = "",
    *,
    on_laptop: bool = False,
) -> str:
    """FD-2: a check of the funds' use held; returns its id."""
    _township_only(on_laptop)
    if kind not in rules.CHECK_KINDS:
        raise FundsError(_("Choose the kind of check."))
    if not checked_by.strip():
        raise FundsError(_("Record who checked."))
    if not looked_at.strip():
        raise FundsError(_("Record what the check looked at."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.FUND_CHECKS)
        record = FundCheck(
            kind=kind, held_on=held_on, checked_by=checked_by.strip(), looked_at=looked_at.strip(), summary=summary
        )
        session.add(record)
        session.flush()
        return record.id


def record_finding(
    store: Store,
    check_id: str,
    description: str,
    found_at: dt.datetime,
    *,
    major: bool = False,
    reported_at: dt.datetime | None = None,
    fund_id: str | None = None,
    on_laptop: bool = False,
) -> str:
    """A problem the check found (``major``: reported to the command centre within 24 hours); returns its id."""
    _township_only(on_laptop)
    if not description.strip():
        raise FundsError(_("Describe the problem found."))
    if reported_at is not None and reported_at < found_at:
        raise FundsError(_("A problem cannot be reported before it was found."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.FUND_CHECKS)
        if session.get(FundCheck, check_id) is None:
            raise FundsError(_("This check is not in the store."))
        if fund_id is not None:
            _fund(session, fund_id)
        record = FundFinding(
            check_id=check_id,
            fund_id=fund_id,
            description=description.strip(),
            major=major,
            found_at=found_at,
            reported_at=reported_at,
        )
        session.add(record)
        session.flush()
        return record.id


def _finding(session: Session, finding_id: str) -> FundFinding:
    record = session.get(FundFinding, finding_id)
    if record is None:
        raise FundsError(_("This finding is not in the store."))
    return record


def report_finding(store: Store, finding_id: str, reported_at: dt.datetime, *, on_laptop: bool = False) -> None:
    """FD-2: when the problem reached the command centre."""
    _township_only(on_laptop)
    with store.unit_of_work() as session:
        access.require(store, session, Action.FUND_CHECKS)
        record = _finding(session, finding_id)
        if record.reported_at is not None:
            raise FundsError(_("This problem is already reported."))
        if reported_at < record.found_at:
            raise FundsError(_("A problem cannot be reported before it was found."))
        record.reported_at = reported_at


def rectify_finding(
    store: Store, finding_id: str, rectification: str, rectified_on: dt.date | None, *, on_laptop: bool = False
) -> None:
    """The rectification of a finding; with ``rectified_on`` it is closed."""
    _township_only(on_laptop)
    if rectified_on is not None and not rectification.strip():
        raise FundsError(_("Say how the problem was rectified before closing it."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.FUND_CHECKS)
        record = _finding(session, finding_id)
        if rectified_on is not None and rectified_on < record.found_at.date():
            raise FundsError(_("A problem cannot be rectified before it was found."))
        record.rectification = rectification.strip()
        record.rectified_on = rectified_on


# --- reading -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundLine:
    id: str
    source: str
    name: str
    plan_document: str
    fund_document: str
    arrived_on: dt.date
    account: str
    use: str
    units: str
    received: Decimal
    paid: Decimal
    balance: Decimal
    paid_by_kind: dict[str, Decimal]  # registered / synchronised / "" (unknown)
    paperwork: rules.Deadline
    replacement: rules.Deadline
    calendar_problem: str = ""  # FD-3 could not be worked out (the calendar does not cover the year)

    @property
    def earmarked(self) -> bool:
        return rules.is_earmarked(self.source)


def _require_read(store: Store, village_id: str | None = None) -> None:
    access.require_open(store, Action.READ, village_id)


def _kinds_by_agreement(session: Session) -> dict[str, str]:
    rows = session.execute(select(Agreement.id, Agreement.content).where(Agreement.kind == RELOCATION)).all()
    found = {}
    for agreement_id, content in rows:
        try:
            kind = json.loads(content or "{}").get("household_kind", "")
        except ValueError:
            kind = ""
        found[agreement_id] = kind if isinstance(kind, str) else ""
    return found


def ledger(store: Store, today: dt.date) -> list[FundLine]:
    """Every fund: received, paid (by household kind), balance, its paperwork and a loan's replacement."""
    _require_read(store)
    with store.session() as session:
        kinds = _kinds_by_agreement(session)
        paid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for fund_id, agreement_id, amount in session.execute(
            select(FundPayment.fund_id, FundPayment.agreement_id, FundPayment.amount)
        ):
            paid[fund_id][kinds.get(agreement_id, "")] += amount
        lines = []
        for record in session.scalars(select(FundRecord).order_by(FundRecord.arrived_on, FundRecord.name)):
            by_kind = {kind: from_fen(fen) for kind, fen in sorted(paid[record.id].items())}
            total = sum(paid[record.id].values())
            problem = ""
            try:
                paperwork = rules.paperwork(record.source, record.arrived_on, record.paperwork_done_on, today)
            except rules.CalendarNotCovered as error:
                paperwork, problem = rules.Deadline(None, record.paperwork_done_on, rules.DUE), str(error)
            lines.append(
                FundLine(
                    id=record.id,
                    source=record.source,
                    name=record.name,
                    plan_document=record.plan_document,
                    fund_document=record.fund_document,
                    arrived_on=record.arrived_on,
                    account=record.account,
                    use=record.use,
                    units=record.units,
                    received=from_fen(record.amount),
                    paid=from_fen(total),
                    balance=from_fen(record.amount - total),
                    paid_by_kind=by_kind,
                    paperwork=paperwork,
                    replacement=rules.loan_replacement(record.source, record.replaced_on, today),
                    calendar_problem=problem,
                )
            )
        return lines


@dataclass(frozen=True)
class PaymentLine:
    id: str
    household_id: str
    head_name: str
    head_id_number: str
    village_id: str
    village: str
    group: str
    household_kind: str
    fund_id: str
    fund_name: str
    fund_source: str
    agreement_id: str
    agreement_number: str
    agreement_status: str
    tranche: str
    paid_on: dt.date
    amount: Decimal
    acknowledgement: str
    acknowledged_on: dt.date | None
    acknowledged_by: str

    @property
    def id_number_masked(self) -> str:
        return mask(self.head_id_number) if self.head_id_number else ""


def payments(
    store: Store, *, fund_id: str | None = None, village_id: str | None = None, household_id: str | None = None
) -> list[PaymentLine]:
    """The payments (of a fund, a village or a household), by village, group, head and date; only the villages
    the person logged in may read."""
    _require_read(store, village_id)
    readable = access.readable_villages(store)
    with store.session() as session:
        query = (
            select(FundPayment, Household, VillagerGroup.name, Village.name, FundRecord, Agreement)
            .join(Household, Household.id == FundPayment.household_id)
            .join(VillagerGroup, VillagerGroup.id == Household.group_id)
            .join(Village, Village.id == Household.village_id)
            .join(FundRecord, FundRecord.id == FundPayment.fund_id)
            .join(Agreement, Agreement.id == FundPayment.agreement_id)
        )
        if fund_id is not None:
            query = query.where(FundPayment.fund_id == fund_id)
        if village_id is not None:
            query = query.where(Household.village_id == village_id)
        if household_id is not None:
            query = query.where(FundPayment.household_id == household_id)
        if readable is not None:
            query = query.where(Household.village_id.in_(sorted(readable)))
        query = query.order_by(Household.list_key, FundPayment.paid_on, FundPayment.created_at)
        lines = []
        for payment, household, group, village, fund, agreement in session.execute(query):
            lines.append(
                PaymentLine(
                    id=payment.id,
                    household_id=household.id,
                    head_name=household.head_name,
                    head_id_number=household.head_id_number,
                    village_id=household.village_id,
                    village=village,
                    group=group,
                    household_kind=_household_kind(agreement),
                    fund_id=fund.id,
                    fund_name=fund.name,
                    fund_source=fund.source,
                    agreement_id=agreement.id,
                    agreement_number=agreement.number,
                    agreement_status=agreement.status,
                    tranche=payment.tranche,
                    paid_on=payment.paid_on,
                    amount=from_fen(payment.amount),
                    acknowledgement=payment.acknowledgement,
                    acknowledged_on=payment.acknowledged_on,
                    acknowledged_by=payment.acknowledged_by,
                )
            )
        return lines


@dataclass(frozen=True)
class FindingLine:
    id: str
    check_id: str
    check_kind: str
    fund_id: str | None
    description: str
    major: bool
    found_at: dt.datetime
    reported_at: dt.datetime | None
    report_state: str  # core.rules.funds: on_time, late, not_reported, overdue_unreported ("" not major)
    hours_late: float
    rectification: str
    rectified_on: dt.date | None

    @property
    def closed(self) -> bool:
        return self.rectified_on is not None


@dataclass(frozen=True)
class CheckLine:
    id: str
    kind: str
    held_on: dt.date
    checked_by: str
    looked_at: str
    summary: str
    findings: tuple[FindingLine, ...]


@dataclass(frozen=True)
class CheckBoard:
    """FD-2: the checks held, and per kind every period from the first to today's: done, due or overdue."""

    since: dt.date
    checks: tuple[CheckLine, ...]
    periods: dict[str, list[rules.CheckPeriod]] = field(default_factory=dict)

    def states(self, kind: str) -> dict[str, int]:
        counted: dict[str, int] = defaultdict(int)
        for period in self.periods.get(kind, []):
            counted[period.state] += 1
        return dict(counted)


def _finding_line(record: FundFinding, kind: str, now: dt.datetime) -> FindingLine:
    state = rules.report_timing(record.found_at, record.reported_at, now) if record.major else ""
    return FindingLine(
        id=record.id,
        check_id=record.check_id,
        check_kind=kind,
        fund_id=record.fund_id,
        description=record.description,
        major=record.major,
        found_at=record.found_at,
        reported_at=record.reported_at,
        report_state=state,
        hours_late=rules.hours_late(record.found_at, record.reported_at, now) if record.major else 0.0,
        rectification=record.rectification,
        rectified_on=record.rectified_on,
    )


def _since(session: Session) -> dt.date | None:
    """The calendar starts with the first fund's arrival (or the first check, if earlier)."""
    firsts = [
        session.scalar(select(FundRecord.arrived_on).order_by(FundRecord.arrived_on).limit(1)),
        session.scalar(select(FundCheck.held_on).order_by(FundCheck.held_on).limit(1)),
    ]
    known = [day for day in firsts if day is not None]
    return min(known) if known else None


def check_board(
    store: Store, today: dt.date, now: dt.datetime | None = None, since: dt.date | None = None
) -> CheckBoard:
    """The checks held (newest first, with their findings) and the calendar of FD-2 from ``since`` (by default
    the first fund's arrival) to ``today``."""
    _require_read(store)
    now = now or dt.datetime.combine(today, dt.time(23, 59, 59))
    with store.session() as session:
        checks = list(session.scalars(select(FundCheck).order_by(FundCheck.held_on.desc(), FundCheck.created_at)))
        by_check: dict[str, list[FindingLine]] = defaultdict(list)
        kinds = {c.id: c.kind for c in checks}
        for record in session.scalars(select(FundFinding).order_by(FundFinding.found_at)):
            by_check[record.check_id].append(_finding_line(record, kinds.get(record.check_id, ""), now))
        start = since or _since(session) or today
    lines = tuple(
        CheckLine(c.id, c.kind, c.held_on, c.checked_by, c.looked_at, c.summary, tuple(by_check[c.id])) for c in checks
    )
    periods = {
        kind: rules.check_calendar(kind, start, today, [c.held_on for c in checks if c.kind == kind])
        for kind in rules.CHECK_ORDER
    }
    return CheckBoard(start, lines, periods)


def findings(store: Store, now: dt.datetime) -> list[FindingLine]:
    """Every finding, oldest first, with its report's timing (major ones) and rectification."""
    board = check_board(store, now.date(), now)
    return sorted((f for c in board.checks for f in c.findings), key=lambda f: f.found_at)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def report(store: Store, today: dt.date, now: dt.datetime | None = None) -> dict:
    """The figures of ``funds report --json`` (the README documents its keys)."""
    now = now or dt.datetime.combine(today, dt.time(23, 59, 59))
    lines = ledger(store, today)
    board = check_board(store, today, now)
    fund_rows = []
    for line in lines:
        fund_rows.append(
            {
                "id": line.id,
                "name": line.name,
                "source": line.source,
                "earmarked": line.earmarked,
                "plan_document": line.plan_document,
                "fund_document": line.fund_document,
                "arrived_on": line.arrived_on.isoformat(),
                "account": line.account,
                "received": _money(line.received),
                "paid": _money(line.paid),
                "balance": _money(line.balance),
                "paid_by_household_kind": {
                    (kind or "unknown"): _money(value) for kind, value in line.paid_by_kind.items()
                },
                "paperwork": {
                    "due_on": line.paperwork.due_on.isoformat() if line.paperwork.due_on else None,
                    "done_on": line.paperwork.done_on.isoformat() if line.paperwork.done_on else None,
                    "state": line.paperwork.state,
                },
                "loan_replacement": {
                    "due_on": line.replacement.due_on.isoformat() if line.replacement.due_on else None,
                    "done_on": line.replacement.done_on.isoformat() if line.replacement.done_on else None,
                    "state": line.replacement.state,
                },
            }
        )
    overdue = [
        {
            "fund_id": line.id,
            "name": line.name,
            "what": what,
            "due_on": deadline.due_on.isoformat() if deadline.due_on else None,
            "days_overdue": (today - deadline.due_on).days if deadline.due_on else None,
        }
        for line in lines
        for what, deadline in (("paperwork", line.paperwork), ("loan_replacement", line.replacement))
        if deadline.state == rules.OVERDUE
    ]
    checks_due, checks_overdue = [], []
    for kind, periods in board.periods.items():
        for period in periods:
            entry = {"kind": kind, "from": period.first.isoformat(), "to": period.last.isoformat()}
            if period.state == rules.DUE:
                checks_due.append(entry)
            elif period.state == rules.OVERDUE:
                checks_overdue.append(entry)
    late = [
        {
            "finding_id": f.id,
            "check_id": f.check_id,
            "description": f.description,
            "found_at": f.found_at.isoformat(timespec="minutes"),
            "reported_at": f.reported_at.isoformat(timespec="minutes") if f.reported_at else None,
            "state": f.report_state,
            "hours_late": round(f.hours_late, 1),
        }
        for c in board.checks
        for f in c.findings
        if f.report_state in (rules.LATE, rules.OVERDUE_UNREPORTED)
    ]
    open_findings = sum(1 for c in board.checks for f in c.findings if not f.closed)
    return {
        "today": today.isoformat(),
        "funds": fund_rows,
        "totals": {
            "received": _money(sum((line.received for line in lines), Decimal(0))),
            "paid": _money(sum((line.paid for line in lines), Decimal(0))),
            "balance": _money(sum((line.balance for line in lines), Decimal(0))),
        },
        "overdue_paperwork": overdue,
        "checks_due": checks_due,
        "checks_overdue": checks_overdue,
        "checks_held": len(board.checks),
        "open_findings": open_findings,
        "late_major_reports": late,
    }


# --- the public notice of funds (资金公告公示) ---------------------------------------------------------------


# The complaint telephone's place on a notice printed without one (``funds notice`` without ``--telephone``):
# written in by hand before it is posted.
TELEPHONE_BY_HAND = "＿＿＿＿＿＿＿＿＿＿"


def notice_view(
    store: Store,
    village_id: str | None,
    start: dt.date,
    end: dt.date,
    telephone: str,
    place: str = "",
    posting_round: int = 1,
) -> FundsNoticeView:
    """What the notice of funds of a village (None: the township) prints: every fund, what of it went to the
    village, and to whom (ID numbers masked).  ``FundsError`` when the posting is shorter than 7 full days.
    Without a complaint telephone the notice leaves a line to write it in by hand (``TELEPHONE_BY_HAND``)."""
    problem = rules.notice_period_problem(start, end)
    if problem:
        raise FundsError(problem)
    telephone = telephone.strip() or TELEPHONE_BY_HAND
    if posting_round not in (1, 2):
        raise FundsError(_("A notice is posted a first or a second time."))
    _require_read(store, village_id)
    with store.session() as session:
        township_name = session.scalar(select(Township.name).limit(1)) or ""
        village_name = ""
        if village_id is not None:
            village = session.get(Village, village_id)
            if village is None:
                raise FundsError(_("There is no village with the id {id}.").format(id=village_id))
            village_name = village.name
    lines = ledger(store, start)
    paid = payments(store, village_id=village_id)
    here: dict[str, Decimal] = defaultdict(Decimal)
    for line in paid:
        here[line.fund_id] += line.amount
    notice_funds = tuple(
        NoticeFund(
            source=line.source,
            name=line.name,
            documents=" ".join(part for part in (line.plan_document, line.fund_document) if part),
            received=line.received,
            use=line.use,
            units=line.units,
            allocated_here=here.get(line.id, Decimal(0)),
        )
        for line in lines
        if village_id is None or line.id in here
    )
    allocations = tuple(
        NoticeAllocation(
            head_name=p.head_name,
            id_number_masked=p.id_number_masked,
            village=p.village,
            group=p.group,
            household_kind=p.household_kind,
            fund_name=p.fund_name,
            tranche=p.tranche,
            paid_on=p.paid_on,
            amount=p.amount,
        )
        for p in paid
    )
    default_place = _("the notice board of {where}").format(where=village_name or township_name)
    return FundsNoticeView(
        township=township_name,
        village=village_name,
        place=place.strip() or default_place,
        start_date=start,
        end_date=end,
        telephone=telephone.strip(),
        posting_round=posting_round,
        funds=notice_funds,
        allocations=allocations,
    )


def write_notice(view: FundsNoticeView, folder: Path | str, printed_on: dt.date) -> Path:
    """The notice as a PDF in ``folder``, named by place, posting and date; written whole or not at all."""
    folder = Path(folder)
    kind = _("notice of funds") if view.posting_round == 1 else _("notice of funds, second posting")
    target = file_names.free_path(folder, file_names.document_file_name(kind, view.start_date, view.where))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            funds_notice.render(view, stream, printed_on)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


@dataclass(frozen=True)
class Payee:
    """A household with a relocation agreement: what its latest version states and what it has been paid."""

    household_id: str
    head_name: str
    village_id: str
    village: str
    group: str
    household_kind: str
    agreement_status: str  # of the latest version: signed, voided, draft
    agreement_total: Decimal
    paid: Decimal


def payees(store: Store, village_id: str | None = None) -> list[Payee]:
    """The households with a relocation agreement (of a village), by village, group and head: whom a payment may be
    recorded for (FD-1 decides whether it may be made)."""
    _require_read(store, village_id)
    readable = access.readable_villages(store)
    with store.session() as session:
        query = (
            select(Agreement, Household, VillagerGroup.name, Village.name)
            .join(Household, Household.id == Agreement.household_id)
            .join(VillagerGroup, VillagerGroup.id == Household.group_id)
            .join(Village, Village.id == Household.village_id)
            .where(Agreement.kind == RELOCATION)
            .order_by(Household.list_key, Agreement.version.desc())
        )
        if village_id is not None:
            query = query.where(Household.village_id == village_id)
        if readable is not None:
            query = query.where(Household.village_id.in_(sorted(readable)))
        found: dict[str, Payee] = {}
        for agreement, household, group, village in session.execute(query):
            if household.id in found:
                continue  # an earlier version
            found[household.id] = Payee(
                household_id=household.id,
                head_name=household.head_name,
                village_id=household.village_id,
                village=village,
                group=group,
                household_kind=_household_kind(agreement),
                agreement_status=agreement.status,
                agreement_total=_agreement_total(agreement),
                paid=from_fen(_paid_to(session, household.id)),
            )
        return list(found.values())
