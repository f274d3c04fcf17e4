"""Relocation funds (issue 19): FD-1, FD-2 and FD-3 of the plan's 三(七), as pure rules.

- The sources (``SOURCES``): the four earmarked ones — 中央预算内资金, 地方政府债务资金, 专项建设基金 and
  低成本长期贷款, kept apart and closed (专款专用、物理隔离、封闭运行) — and the others (provincial, city and
  district finance, social help, the households' own funds, other).
- FD-1 (``check_payment``): an earmarked fund pays only a registered poor household (建档立卡) of the
  three-year plan, never a synchronised household's subsidy or loan; no fund's balance goes below zero; a
  household is never paid more than its agreement states; while its agreement is voided and the new version
  not signed, nothing more is paid.  Each refusal names the rule and the fund (``PaymentRefusal``).
- FD-3 (``paperwork``, ``loan_replacement``): the paperwork of funds from above is due on the 7th working day
  after their arrival by China's statutory calendar (holidays off, make-up working days on: the
  ``chinesecalendar`` package, whose data covers 2004 to 2026); the loans' replacement (置换) was due by
  2017-04-30.
- FD-2 (``check_calendar``, ``report_timing``): the command centre checks weekly; the township discipline
  commission and finance office spot-check monthly and check in full quarterly; the township people's congress
  reviews half-yearly.  Each period's check is done, due or overdue.  A major problem found reaches the command
  centre within 24 hours: exactly 24 hours is in time, a second more is late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import chinese_calendar

from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.i18n import N_, _

# --- the sources ------------------------------------------------------------------------------------------

CENTRAL_BUDGET = "central_budget"  # 中央预算内资金
LOCAL_DEBT = "local_debt"  # 地方政府债务资金
SPECIAL_CONSTRUCTION = "special_construction"  # 专项建设基金
LOW_COST_LOAN = "low_cost_loan"  # 低成本长期贷款
PROVINCIAL = "provincial"
CITY = "city"
DISTRICT = "district"
SOCIAL = "social"  # 社会帮扶资金
OWN_FUNDS = "own_funds"  # 群众自筹资金
OTHER = "other"

EARMARKED = frozenset({CENTRAL_BUDGET, LOCAL_DEBT, SPECIAL_CONSTRUCTION, LOW_COST_LOAN})
SOURCES: dict[str, str] = {
    CENTRAL_BUDGET: N_("central budget funds"),
    LOCAL_DEBT: N_("local government debt funds"),
    SPECIAL_CONSTRUCTION: N_("special construction funds"),
    LOW_COST_LOAN: N_("low-cost long-term loans"),
    PROVINCIAL: N_("provincial finance"),
    CITY: N_("city finance"),
    DISTRICT: N_("district finance"),
    SOCIAL: N_("social help"),
    OWN_FUNDS: N_("the households' own funds"),
    OTHER: N_("other sources"),
}
# Funds from above: their paperwork is due within 7 working days of arrival (FD-3).
FROM_ABOVE = frozenset({CENTRAL_BUDGET, LOCAL_DEBT, SPECIAL_CONSTRUCTION, LOW_COST_LOAN, PROVINCIAL, CITY, DISTRICT})


def source_label(code: str) -> str:
    """The source in the user's language (中央预算内资金, …); the code itself when unknown."""
    return _(SOURCES[code]) if code in SOURCES else code


def is_earmarked(code: str) -> bool:
    return code in EARMARKED


# --- payments: tranches by building progress ----------------------------------------------------------------

FOUNDATION = "foundation"
MAIN_STRUCTURE = "main_structure"
COMPLETION = "completion"
MOVED_IN = "moved_in"
TRANCHES: dict[str, str] = {
    FOUNDATION: N_("foundation laid"),
    MAIN_STRUCTURE: N_("main structure built"),
    COMPLETION: N_("house completed"),
    MOVED_IN: N_("moved in"),
}
TRANCHE_ORDER = (FOUNDATION, MAIN_STRUCTURE, COMPLETION, MOVED_IN)

REGISTERED = "registered"  # as core.rules.housing_plan
SYNCHRONISED = "synchronised"


def tranche_label(code: str) -> str:
    return _(TRANCHES[code]) if code in TRANCHES else code


@dataclass(frozen=True)
class PaymentCase:
    """What FD-1 reads of one payment about to be recorded.

    ``fund_source``: the fund's source code; ``fund_name``: how the refusal names it; ``fund_balance``: what the
    fund holds now (received less paid); ``household_kind``: registered / synchronised (its agreement's);
    ``in_plan``: the household is in the three-year plan (its relocation verified in scope);
    ``agreement_status``: the status of the latest version of the household's agreement ("" none; ``signed``,
    ``voided``, ``draft``); ``agreement_total``: what that agreement states the household is paid;
    ``paid_before``: what the household has been paid under that agreement and its earlier versions."""

    fund_source: str
    fund_name: str
    fund_balance: Decimal
    household_kind: str
    in_plan: bool
    agreement_status: str
    agreement_total: Decimal
    paid_before: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PaymentRefusal:
    rule: str
    message: str


def check_payment(case: PaymentCase) -> list[PaymentRefusal]:
    """FD-1: the reasons the payment may not be made (empty: it may).  Each names the rule and the fund."""
    fund = case.fund_name or source_label(case.fund_source)
    found: list[PaymentRefusal] = []

    def refuse(message: str) -> None:
        found.append(PaymentRefusal("FD-1", _("FD-1, fund “{fund}”: {reason}").format(fund=fund, reason=message)))

    if case.amount <= 0:
        refuse(_("a payment is more than zero."))
    if is_earmarked(case.fund_source):
        label = source_label(case.fund_source)
        if case.household_kind == SYNCHRONISED:
            refuse(
                _(
                    "{source} are earmarked for registered poor households of the three-year plan; they never pay a "
                    "synchronised household's subsidy or loan."
                ).format(source=label)
            )
        elif case.household_kind != REGISTERED or not case.in_plan:
            refuse(
                _(
                    "{source} are earmarked for registered poor households of the three-year plan only; this "
                    "household is not one (its relocation is not verified in scope)."
                ).format(source=label)
            )
    if case.agreement_status == "voided":
        refuse(_("the household's agreement is voided; nothing more is paid until the new version is signed."))
    elif case.agreement_status == "draft":
        refuse(_("the new version of the household's agreement is not signed yet; payments wait for it."))
    elif case.agreement_status != "signed":
        refuse(_("the household has no signed agreement; payments follow a signed agreement."))
    elif case.paid_before + case.amount > case.agreement_total:
        refuse(
            _(
                "the household would be paid {total} yuan, more than the {stated} yuan its agreement states "
                "({before} yuan paid before)."
            ).format(
                total=format_yuan(case.paid_before + case.amount),
                stated=format_yuan(case.agreement_total),
                before=format_yuan(case.paid_before),
            )
        )
    if case.amount > 0 and case.amount > case.fund_balance:
        refuse(
            _("the fund holds {balance} yuan; paying {amount} yuan would leave its balance negative.").format(
                balance=format_yuan(case.fund_balance), amount=format_yuan(case.amount)
            )
        )
    return found


def balance_refusal(fund_name: str, received: Decimal, paid: Decimal) -> str:
    """FD-1: why a fund's amount received may not be set below what it has paid ("" when it may)."""
    if received >= paid:
        return ""
    return _("FD-1, fund “{fund}”: it has paid {paid} yuan; the amount received cannot be less.").format(
        fund=fund_name, paid=format_yuan(paid)
    )


# --- FD-3: working days and the paperwork -------------------------------------------------------------------

PAPERWORK_WORKING_DAYS = 7
LOAN_REPLACEMENT_DEADLINE = dt.date(2017, 4, 30)


class CalendarNotCovered(ValueError):
    """A day outside the years China's statutory calendar is known for (the package's data)."""


def is_working_day(day: dt.date) -> bool:
    """China's statutory working day: Monday to Friday but the holidays, and the make-up Saturdays and Sundays."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise CalendarNotCovered(
            _("China's statutory calendar in this program does not cover the year {year}.").format(year=day.year)
        ) from None


def working_day_after(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    day, found = start, 0
    while found < count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day


def paperwork_due(arrived_on: dt.date) -> dt.date:
    """FD-3: the day the paperwork of funds from above is due: the 7th working day after their arrival."""
    return working_day_after(arrived_on, PAPERWORK_WORKING_DAYS)


DONE = "done"
DONE_LATE = "done_late"
DUE = "due"
OVERDUE = "overdue"
NOT_APPLICABLE = "not_applicable"
STATES: dict[str, str] = {
    DONE: N_("done"),
    DONE_LATE: N_("done late"),
    DUE: N_("due"),
    OVERDUE: N_("overdue"),
    NOT_APPLICABLE: N_("not applicable"),
}


def state_label(code: str) -> str:
    return _(STATES[code]) if code in STATES else code


@dataclass(frozen=True)
class Deadline:
    """A dated duty: its deadline, when it was done (None: not yet) and its state as of a day."""

    due_on: dt.date | None
    done_on: dt.date | None
    state: str


def _state(due_on: dt.date, done_on: dt.date | None, today: dt.date) -> str:
    if done_on is not None:
        return DONE if done_on <= due_on else DONE_LATE
    return DUE if today <= due_on else OVERDUE


def paperwork(source: str, arrived_on: dt.date, done_on: dt.date | None, today: dt.date) -> Deadline:
    """FD-3: the paperwork of a fund from above (other sources: not applicable)."""
    if source not in FROM_ABOVE:
        return Deadline(None, done_on, NOT_APPLICABLE)
    due_on = paperwork_due(arrived_on)
    return Deadline(due_on, done_on, _state(due_on, done_on, today))


def loan_replacement(source: str, replaced_on: dt.date | None, today: dt.date) -> Deadline:
    """FD-3: the low-cost loans' replacement (置换), due by 2017-04-30 (other sources: not applicable)."""
    if source != LOW_COST_LOAN:
        return Deadline(None, replaced_on, NOT_APPLICABLE)
    return Deadline(LOAN_REPLACEMENT_DEADLINE, replaced_on, _state(LOAN_REPLACEMENT_DEADLINE, replaced_on, today))


# --- FD-2: the check calendar -------------------------------------------------------------------------------

WEEKLY = "weekly"
MONTHLY_SPOT = "monthly_spot"
QUARTERLY_FULL = "quarterly_full"
HALF_YEARLY_REVIEW = "half_yearly_review"
CHECK_KINDS: dict[str, str] = {
    WEEKLY: N_("weekly check by the command centre"),
    MONTHLY_SPOT: N_("monthly spot check by the discipline commission and finance office"),
    QUARTERLY_FULL: N_("quarterly full check by the discipline commission and finance office"),
    HALF_YEARLY_REVIEW: N_("half-yearly review by the township people's congress"),
}
CHECK_ORDER = (WEEKLY, MONTHLY_SPOT, QUARTERLY_FULL, HALF_YEARLY_REVIEW)


def check_kind_label(code: str) -> str:
    return _(CHECK_KINDS[code]) if code in CHECK_KINDS else code


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of a check of ``kind`` that holds ``day``: its first and last day (weeks Monday to Sunday,
    months, quarters, half years)."""
    if kind == WEEKLY:
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    months = {MONTHLY_SPOT: 1, QUARTERLY_FULL: 3, HALF_YEARLY_REVIEW: 6}[kind]
    start_month = (day.month - 1) // months * months + 1
    first = dt.date(day.year, start_month, 1)
    end_month = start_month + months
    after = dt.date(day.year + 1, 1, 1) if end_month > 12 else dt.date(day.year, end_month, 1)
    return first, after - dt.timedelta(days=1)


@dataclass(frozen=True)
class CheckPeriod:
    kind: str
    first: dt.date
    last: dt.date
    done_on: tuple[dt.date, ...]  # the checks of this kind held in the period
    state: str  # DONE, DUE (the period is not over), OVERDUE


def check_calendar(kind: str, since: dt.date, today: dt.date, held: Iterable[dt.date]) -> list[CheckPeriod]:
    """FD-2: every period of ``kind`` from the one holding ``since`` to the one holding ``today``, each done (a
    check held in it), due (not yet held, the period not over) or overdue (over without one)."""
    if kind not in CHECK_KINDS:
        raise ValueError(kind)
    days = sorted(held)
    periods: list[CheckPeriod] = []
    first, last = period_of(kind, since)
    while first <= today:
        done = tuple(day for day in days if first <= day <= last)
        state = DONE if done else (DUE if today <= last else OVERDUE)
        periods.append(CheckPeriod(kind, first, last, done, state))
        first, last = period_of(kind, last + dt.timedelta(days=1))
    return periods


MAJOR_REPORT_LIMIT = dt.timedelta(hours=24)
ON_TIME = "on_time"
LATE = "late"
NOT_REPORTED = "not_reported"
OVERDUE_UNREPORTED = "overdue_unreported"
REPORT_STATES: dict[str, str] = {
    ON_TIME: N_("reported in time"),
    LATE: N_("reported late"),
    NOT_REPORTED: N_("not reported yet"),
    OVERDUE_UNREPORTED: N_("not reported, more than 24 hours"),
}


def report_state_label(code: str) -> str:
    return _(REPORT_STATES[code]) if code in REPORT_STATES else code


def report_timing(found_at: dt.datetime, reported_at: dt.datetime | None, now: dt.datetime) -> str:
    """FD-2: a major problem reaches the command centre within 24 hours of being found: at the 24th hour
    exactly it is in time; later it is late (or, not yet reported, overdue)."""
    if reported_at is not None:
        return ON_TIME if reported_at - found_at <= MAJOR_REPORT_LIMIT else LATE
    return NOT_REPORTED if now - found_at <= MAJOR_REPORT_LIMIT else OVERDUE_UNREPORTED


def hours_late(found_at: dt.datetime, reported_at: dt.datetime | None, now: dt.datetime) -> float:
    """How many hours past the 24 the report came (or, not reported, has been waiting); 0 when in time."""
    end = reported_at if reported_at is not None else now
    late = end - found_at - MAJOR_REPORT_LIMIT
    return max(0.0, late.total_seconds() / 3600)


# --- the public notice of funds -------------------------------------------------------------------------------

NOTICE_MIN_DAYS = 7


def notice_period_problem(start: dt.date, end: dt.date) -> str:
    """A notice of funds is posted for at least 7 days ("" when it is)."""
    if end < start:
        return _("The posting ends before it starts.")
    if end < start + dt.timedelta(days=NOTICE_MIN_DAYS):
        return _("A notice of funds stays posted for at least {days} full days: it cannot end before {date}.").format(
            days=NOTICE_MIN_DAYS, date=(start + dt.timedelta(days=NOTICE_MIN_DAYS)).isoformat()
        )
    return ""
