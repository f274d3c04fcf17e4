"""The work teams' rules (issue 20; POLICY.md WT-1 to WT-3), as pure functions over plain values.

WT-1 deadlines.  Each member's deadlines are counted from the day they arrived in the village, in calendar
months: within 1 month the village is known and the list of causes of poverty (致贫清单) made; within 2 months
the development plan drafted, the 3 agreements signed and the archives complete; within 4 months the village
rules (村规民约) complete.  ``add_months`` is the one calendar: the same day of the month ``n`` months later,
and where that month is shorter, its last day (arrival on 31 January: one month is 28 February, 29 in a leap
year; arrival on 31 March: one month is 30 April, two months 31 May).  The due day itself still counts as in
time.  A task is ``met`` when done on or before its due day, ``met_late`` when done after it, ``due`` when not
done and its day not passed, ``overdue`` when not done and its day passed (the day after the due day).

WT-1 visits (遍访).  Every quarter every poor household is visited at least once.  A quarter is a calendar
quarter, ``2017-Q2`` = 1 April to 30 June, both days included: a visit on 30 June counts for Q2, one on 1 July
for Q3.  On the quarter's last day the households not yet visited have 0 days left, and are still not overdue.

WT-2 rhythm.  Weeks are Monday to Sunday (ISO).  A week belongs to the quarter its Sunday falls in (a week
straddling two quarters counts once, for the later one; a meeting on any of its days counts for it).  A week,
month or quarter without its meeting is ``missing`` once it has ended (its last day before ``today``), and
``due`` while it runs.  Team meetings: one a week per village; team leaders' meetings: one a month; the
all-member meeting: one a quarter.  Weekly reports: at least one sent a week per team (village), by the same
weeks; a draft not sent is not in.

WT-3 checks.  The township checks by telephone, village visit or household visit; a check whose result is not
``good`` needs follow-up, open until the follow-up is recorded as done.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xinjie_desktop.i18n import N_, _

# --- WT-1: deadlines from arrival ------------------------------------------------------------------------

VILLAGE_KNOWN = "village_known"
CAUSES_LIST = "causes_list"
DEVELOPMENT_PLAN = "development_plan"
AGREEMENTS = "agreements"
ARCHIVES = "archives"
VILLAGE_RULES = "village_rules"

# task → months from arrival (WT-1)
DEADLINE_MONTHS: dict[str, int] = {
    VILLAGE_KNOWN: 1,
    CAUSES_LIST: 1,
    DEVELOPMENT_PLAN: 2,
    AGREEMENTS: 2,
    ARCHIVES: 2,
    VILLAGE_RULES: 4,
}
TASK_LABELS: dict[str, str] = {
    VILLAGE_KNOWN: N_("village known"),
    CAUSES_LIST: N_("list of causes of poverty"),
    DEVELOPMENT_PLAN: N_("village development plan"),
    AGREEMENTS: N_("the 3 agreements signed"),
    ARCHIVES: N_("archives complete"),
    VILLAGE_RULES: N_("village rules"),
}
# Tasks a team records itself (a milestone with its date and what shows it); the agreements and the archives
# are judged from the software's own records (core.records.work_teams).
RECORDED_TASKS = (VILLAGE_KNOWN, CAUSES_LIST, DEVELOPMENT_PLAN, VILLAGE_RULES)

MET, MET_LATE, DUE, OVERDUE, NOT_NEEDED = "met", "met_late", "due", "overdue", "not_needed"
STATUS_LABELS: dict[str, str] = {
    NOT_NEEDED: N_("nothing to do"),
    MET: N_("met"),
    MET_LATE: N_("met late"),
    DUE: N_("due"),
    OVERDUE: N_("overdue"),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on: the same day of the month, or the target month's last day
    when it is shorter (2017-01-31 + 1 = 2017-02-28; 2016-01-31 + 1 = 2016-02-29; 2017-03-31 + 1 = 2017-04-30)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    """One task of one member: its due day (from ``arrived_on``), the day it was done (None: not yet), what
    shows it, and its status on the day asked (``status_on``)."""

    task: str
    arrived_on: dt.date
    due_on: dt.date
    done_on: dt.date | None
    evidence: str
    status: str

    @property
    def label(self) -> str:
        return _(TASK_LABELS[self.task])


def deadline_status(due_on: dt.date, done_on: dt.date | None, today: dt.date) -> str:
    """``met`` (done by the due day, the due day included), ``met_late``, ``due`` (not done, the due day not
    passed: on the due day itself still ``due``), ``overdue`` (not done, the due day passed)."""
    if done_on is not None and done_on <= today:
        return MET if done_on <= due_on else MET_LATE
    return DUE if today <= due_on else OVERDUE


def deadlines(
    arrived_on: dt.date,
    done: dict[str, tuple[dt.date | None, str]],
    today: dt.date,
    not_needed: frozenset[str] = frozenset(),
) -> tuple[Deadline, ...]:
    """Every WT-1 task of a member who arrived on ``arrived_on``, in the plan's order; ``done``: task → (the
    day it was done or None, what shows it); ``not_needed``: tasks with nothing to do in the village (no
    household to sign agreements with), ``not_needed`` whatever the day."""
    found = []
    for task, months in DEADLINE_MONTHS.items():
        due_on = add_months(arrived_on, months)
        done_on, evidence = done.get(task, (None, ""))
        status = NOT_NEEDED if task in not_needed else deadline_status(due_on, done_on, today)
        found.append(Deadline(task, arrived_on, due_on, done_on, evidence, status))
    return tuple(found)


def near(items: Iterable[Deadline], today: dt.date, within_days: int = 14) -> list[Deadline]:
    """The deadlines not met whose day is within ``within_days`` of ``today`` or passed, nearest first (the plan's
    order between tasks due on one day)."""
    return sorted(
        (d for d in items if d.status in (DUE, OVERDUE) and (d.due_on - today).days <= within_days),
        key=lambda d: (d.due_on, list(DEADLINE_MONTHS).index(d.task)),
    )


# --- quarters and visits -----------------------------------------------------------------------------------

_QUARTER = re.compile(r"([0-9]{4})-?Q([1-4])", re.IGNORECASE)


class QuarterError(ValueError):
    """Text that is not a quarter; the message says why, in the user's words."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> dt.date:
        month = 3 * self.number
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def days_left(self, today: dt.date) -> int:
        """Days from ``today`` to the quarter's last day (0 on that day; negative once it has passed)."""
        return (self.last_day - today).days

    def months(self) -> tuple[tuple[int, int], ...]:
        return tuple((self.year, 3 * self.number - 2 + i) for i in range(3))


def quarter_of(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def read_quarter(text: str) -> Quarter:
    """``2017-Q2`` (or 2017Q2, 2017-q2) as a Quarter; QuarterError naming what is wrong."""
    match = _QUARTER.fullmatch(text.strip())
    if match is None:
        raise QuarterError(
            _("“{text}” is not a quarter: write the year and the quarter 1 to 4, e.g. 2017-Q2.").format(text=text)
        )
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise QuarterError(_("The year {year} is out of range: a year from 2000 to 2100.").format(year=year))
    return Quarter(year, int(match.group(2)))


@dataclass(frozen=True)
class Coverage:
    """Which of the households were visited in the quarter: ``visited`` and ``not_visited`` (ids, sorted),
    ``days_left`` to the quarter's end as of the day asked (0 on its last day, negative after it)."""

    households: int
    visited: tuple[str, ...]
    not_visited: tuple[str, ...]
    days_left: int

    @property
    def complete(self) -> bool:
        return not self.not_visited


def coverage(
    households: Iterable[str], visits: Iterable[tuple[str, dt.date]], quarter: Quarter, today: dt.date
) -> Coverage:
    """WT-1 遍访: the ``households`` (ids) visited at least once within ``quarter`` (its first and last days
    included) by ``visits`` (household id, day); visits outside the quarter do not count."""
    wanted = set(households)
    seen = {household for household, day in visits if quarter.contains(day) and household in wanted}
    return Coverage(
        len(wanted),
        tuple(sorted(seen)),
        tuple(sorted(wanted - seen)),
        quarter.days_left(today),
    )


# --- WT-2: meetings and weekly reports -------------------------------------------------------------------

TEAM_MEETING, LEADERS_MEETING, ALL_MEMBERS_MEETING = "team", "leaders", "all_members"
MEETING_KINDS: dict[str, str] = {
    TEAM_MEETING: N_("team meeting (weekly, per village)"),
    LEADERS_MEETING: N_("team leaders' meeting (monthly)"),
    ALL_MEMBERS_MEETING: N_("all-member meeting (quarterly)"),
}
HELD, MISSING, RUNNING = "held", "missing", "running"
PERIOD_LABELS: dict[str, str] = {HELD: N_("held"), MISSING: N_("missing"), RUNNING: N_("this period")}


@dataclass(frozen=True)
class Period:
    """One week, month or quarter that should have its meeting (or report): first and last days, and its
    state as of the day asked: ``held`` (one was on any of its days), ``missing`` (ended without one), ``running``
    (not ended, none yet)."""

    first_day: dt.date
    last_day: dt.date
    state: str


def weeks_of(quarter: Quarter) -> tuple[tuple[dt.date, dt.date], ...]:
    """The Monday-to-Sunday weeks whose Sunday falls in ``quarter`` (so each week belongs to one quarter)."""
    first_sunday = quarter.first_day + dt.timedelta(days=(6 - quarter.first_day.weekday()) % 7)
    weeks = []
    sunday = first_sunday
    while sunday <= quarter.last_day:
        weeks.append((sunday - dt.timedelta(days=6), sunday))
        sunday += dt.timedelta(days=7)
    return tuple(weeks)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def months_of(quarter: Quarter) -> tuple[tuple[dt.date, dt.date], ...]:
    return tuple(
        (dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
        for year, month in quarter.months()
    )


def periods(spans: Sequence[tuple[dt.date, dt.date]], days: Iterable[dt.date], today: dt.date) -> tuple[Period, ...]:
    """Each span (first, last day) ``held`` when one of ``days`` falls in it, else ``missing`` once it ended
    before ``today``, else ``running``; spans that have not begun by ``today`` are left out."""
    held = sorted(set(days))
    found = []
    for first, last in spans:
        if first > today:
            continue
        if any(first <= day <= last for day in held):
            state = HELD
        elif last < today:
            state = MISSING
        else:
            state = RUNNING
        found.append(Period(first, last, state))
    return tuple(found)


def meeting_periods(kind: str, quarter: Quarter, days: Iterable[dt.date], today: dt.date) -> tuple[Period, ...]:
    """WT-2: the periods of ``quarter`` that should have a ``kind`` meeting, each held, missing or running."""
    if kind == TEAM_MEETING:
        spans = weeks_of(quarter)
    elif kind == LEADERS_MEETING:
        spans = months_of(quarter)
    elif kind == ALL_MEMBERS_MEETING:
        spans = ((quarter.first_day, quarter.last_day),)
    else:
        raise ValueError(kind)
    return periods(spans, days, today)


def report_weeks(quarter: Quarter, sent_weeks: Iterable[dt.date], today: dt.date) -> tuple[Period, ...]:
    """WT-2: the quarter's weeks, each with a report in (``held``: one sent for the week starting that Monday),
    ``missing`` or ``running``.  ``sent_weeks``: the Mondays of the weeks the team's sent reports cover."""
    return periods(weeks_of(quarter), sent_weeks, today)


def count(found: Iterable[Period], state: str) -> int:
    return sum(1 for period in found if period.state == state)


# --- WT-3: checks ------------------------------------------------------------------------------------------

TELEPHONE, VILLAGE_VISIT, HOUSEHOLD_VISIT = "telephone", "village_visit", "household_visit"
CHECK_KINDS: dict[str, str] = {
    TELEPHONE: N_("telephone call"),
    VILLAGE_VISIT: N_("village visit"),
    HOUSEHOLD_VISIT: N_("household visit"),
}
GOOD, SHORTFALL, ABSENT = "good", "shortfall", "absent"
CHECK_RESULTS: dict[str, str] = {
    GOOD: N_("good"),
    SHORTFALL: N_("fell short"),
    ABSENT: N_("not at post"),
}
FOLLOW_UP_NONE, FOLLOW_UP_OPEN, FOLLOW_UP_DONE = "none", "open", "done"


def follow_up_state(result: str, follow_up_done_on: dt.date | None) -> str:
    """WT-3: a good result needs no follow-up; any other is ``open`` until its follow-up is done."""
    if result == GOOD:
        return FOLLOW_UP_NONE
    return FOLLOW_UP_DONE if follow_up_done_on is not None else FOLLOW_UP_OPEN


def check_problem(kind: str, result: str, household_given: bool) -> str:
    """Why a check cannot be recorded as given, or ""."""
    if kind not in CHECK_KINDS:
        return _("Unknown kind of check.")
    if result not in CHECK_RESULTS:
        return _("Unknown result of a check.")
    if kind == HOUSEHOLD_VISIT and not household_given:
        return _("A household visit names the household visited.")
    return ""


# --- visits ------------------------------------------------------------------------------------------------

VISIT_KINDS: dict[str, str] = {
    "situation": N_("learning the household's situation"),  # 了解基本情况
    "handbook": N_("filling in the poverty-alleviation handbook"),  # 填写扶贫手册
    "exit_plan": N_("drawing up the plan out of poverty"),  # 制定脱贫计划
    "funds_projects": N_("putting funds and projects in place"),  # 落实资金项目
    "policy": N_("explaining the policies"),  # 宣传政策
    "festival": N_("festival visit"),  # 节日慰问
    "other": N_("other"),  # 其他
}
MEMBER_ROLES: dict[str, str] = {
    "leader": N_("team leader"),  # 队长
    "first_secretary": N_("first secretary"),  # 第一书记
    "member": N_("team member"),  # 队员
}
