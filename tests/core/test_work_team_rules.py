"""Issue 20, the work teams' rules (core.rules.work_teams): WT-1 deadlines and visits, WT-2 meetings and
weekly reports, WT-3 checks, with their edges (arrival on the 31st, a quarter's last day)."""

from __future__ import annotations

import datetime as dt

import pytest

from xinjie_desktop.core.rules import work_teams as wt

D = dt.date


@pytest.mark.parametrize(
    ("arrived", "months", "due"),
    [
        (D(2017, 3, 5), 1, D(2017, 4, 5)),
        (D(2017, 1, 31), 1, D(2017, 2, 28)),  # the 31st into a 28-day month: its last day
        (D(2016, 1, 31), 1, D(2016, 2, 29)),  # a leap year
        (D(2017, 3, 31), 1, D(2017, 4, 30)),
        (D(2017, 3, 31), 2, D(2017, 5, 31)),  # two months on, the 31st exists again
        (D(2017, 10, 31), 4, D(2018, 2, 28)),  # across the year
        (D(2017, 12, 15), 1, D(2018, 1, 15)),
    ],
)
def test_WT_1_deadlines_count_calendar_months_from_arrival(arrived, months, due):
    """WT-1: within 1, 2, 4 months of arrival; arrival on the 31st ends on the shorter month's last day."""
    assert wt.add_months(arrived, months) == due


def test_WT_1_every_task_of_a_member_arrived_on_the_31st():
    """WT-1: a member who arrived on 31 January 2017 owes the 1-month tasks on 28 February, the 2-month ones on
    31 March, the village rules on 31 May."""
    found = {d.task: d for d in wt.deadlines(D(2017, 1, 31), {}, D(2017, 2, 1))}
    assert found[wt.VILLAGE_KNOWN].due_on == D(2017, 2, 28)
    assert found[wt.CAUSES_LIST].due_on == D(2017, 2, 28)
    assert found[wt.DEVELOPMENT_PLAN].due_on == D(2017, 3, 31)
    assert found[wt.AGREEMENTS].due_on == D(2017, 3, 31)
    assert found[wt.ARCHIVES].due_on == D(2017, 3, 31)
    assert found[wt.VILLAGE_RULES].due_on == D(2017, 5, 31)
    assert [d.task for d in wt.deadlines(D(2017, 1, 31), {}, D(2017, 2, 1))] == list(wt.DEADLINE_MONTHS)


def test_WT_1_due_met_met_late_overdue_on_either_side_of_the_due_day():
    """WT-1: on the due day a task not done is still due; the day after, overdue; done on the due day is met,
    done the day after is met late; a day recorded in the future does not count yet."""
    due = D(2017, 2, 28)
    assert wt.deadline_status(due, None, D(2017, 2, 28)) == wt.DUE
    assert wt.deadline_status(due, None, D(2017, 3, 1)) == wt.OVERDUE
    assert wt.deadline_status(due, D(2017, 2, 28), D(2017, 3, 10)) == wt.MET
    assert wt.deadline_status(due, D(2017, 3, 1), D(2017, 3, 10)) == wt.MET_LATE
    assert wt.deadline_status(due, D(2017, 3, 20), D(2017, 3, 10)) == wt.OVERDUE
    found = {
        d.task: d for d in wt.deadlines(D(2017, 1, 31), {wt.VILLAGE_KNOWN: (D(2017, 2, 10), "走访记录")}, D(2017, 3, 1))
    }
    assert found[wt.VILLAGE_KNOWN].status == wt.MET and found[wt.VILLAGE_KNOWN].evidence == "走访记录"
    assert found[wt.CAUSES_LIST].status == wt.OVERDUE
    assert found[wt.DEVELOPMENT_PLAN].status == wt.DUE


def test_WT_1_a_task_with_nothing_to_do_is_never_overdue():
    """WT-1: a village with no household to sign the 3 agreements with owes none."""
    found = {d.task: d for d in wt.deadlines(D(2017, 1, 31), {}, D(2018, 1, 1), frozenset({wt.AGREEMENTS}))}
    assert found[wt.AGREEMENTS].status == wt.NOT_NEEDED
    assert found[wt.ARCHIVES].status == wt.OVERDUE
    assert wt.near(found.values(), D(2018, 1, 1))[0].task != wt.AGREEMENTS


def test_WT_1_deadlines_near_nearest_first():
    """WT-1 (day view): the tasks not met due within two weeks or passed, nearest first."""
    items = wt.deadlines(D(2017, 3, 20), {wt.VILLAGE_KNOWN: (D(2017, 4, 1), "")}, D(2017, 4, 10))
    near = wt.near(items, D(2017, 4, 10))
    assert [d.task for d in near] == [wt.CAUSES_LIST]  # 04-20; the 2-month ones (05-20) are not near yet
    assert [d.task for d in wt.near(items, D(2017, 5, 10))][:1] == [wt.CAUSES_LIST]


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2017-Q1", D(2017, 1, 1), D(2017, 3, 31)),
        ("2017-Q2", D(2017, 4, 1), D(2017, 6, 30)),
        ("2017q3", D(2017, 7, 1), D(2017, 9, 30)),
        (" 2016-Q4 ", D(2016, 10, 1), D(2016, 12, 31)),
    ],
)
def test_WT_1_quarters(text, first, last):
    """WT-1: a quarter is a calendar quarter, its first and last days included."""
    quarter = wt.read_quarter(text)
    assert (quarter.first_day, quarter.last_day) == (first, last)


@pytest.mark.parametrize("text", ["2017-Q5", "2017-Q0", "2017", "Q2", "1999-Q1", "2017-Q2x", ""])
def test_WT_1_a_bad_quarter_is_refused_with_the_reason(text):
    with pytest.raises(wt.QuarterError) as refused:
        wt.read_quarter(text)
    assert str(refused.value)


def test_WT_1_visit_coverage_on_the_quarters_last_day():
    """WT-1 遍访: a visit on 30 June counts for Q2, one on 1 July does not, one on 31 March neither; on the last
    day the household not visited has 0 days left."""
    q2 = wt.read_quarter("2017-Q2")
    visits = [("h1", D(2017, 6, 30)), ("h2", D(2017, 7, 1)), ("h3", D(2017, 3, 31)), ("h4", D(2017, 4, 1))]
    found = wt.coverage(["h1", "h2", "h3", "h4", "h5"], visits, q2, D(2017, 6, 30))
    assert found.visited == ("h1", "h4")
    assert found.not_visited == ("h2", "h3", "h5")
    assert found.days_left == 0 and not found.complete
    assert wt.coverage(["h1"], visits, q2, D(2017, 6, 1)).complete
    assert wt.coverage(["h5"], visits, q2, D(2017, 7, 2)).days_left < 0
    assert wt.coverage([], visits, q2, D(2017, 6, 1)).complete


def test_WT_2_weeks_belong_to_the_quarter_of_their_sunday():
    """WT-2: 2017-Q2 starts on a Saturday: the week of 27 March to 2 April is Q2's first; the week of
    26 June to 2 July belongs to Q3, so Q2's last week ends on 25 June."""
    weeks = wt.weeks_of(wt.read_quarter("2017-Q2"))
    assert weeks[0] == (D(2017, 3, 27), D(2017, 4, 2))
    assert weeks[-1] == (D(2017, 6, 19), D(2017, 6, 25))
    assert len(weeks) == 13
    q3 = wt.weeks_of(wt.read_quarter("2017-Q3"))
    assert q3[0] == (D(2017, 6, 26), D(2017, 7, 2))
    for week in weeks:
        assert week[0].weekday() == 0 and (week[1] - week[0]).days == 6


def test_WT_2_team_meetings_held_missing_and_the_running_week():
    """WT-2: a weekly team meeting; a week that ended without one is missing, the running week is not yet."""
    q2 = wt.read_quarter("2017-Q2")
    held = [D(2017, 3, 28), D(2017, 4, 7)]  # the first week's meeting in March still counts for it
    found = wt.meeting_periods(wt.TEAM_MEETING, q2, held, D(2017, 4, 19))
    assert [p.state for p in found] == [wt.HELD, wt.HELD, wt.MISSING, wt.RUNNING]
    assert wt.count(found, wt.MISSING) == 1


def test_WT_2_leaders_monthly_and_all_member_quarterly_meetings():
    """WT-2: a team-leader meeting every month, an all-member meeting every quarter; missing once ended."""
    q2 = wt.read_quarter("2017-Q2")
    months = wt.meeting_periods(wt.LEADERS_MEETING, q2, [D(2017, 4, 30), D(2017, 6, 30)], D(2017, 7, 1))
    assert [p.state for p in months] == [wt.HELD, wt.MISSING, wt.HELD]
    assert [p.state for p in wt.meeting_periods(wt.ALL_MEMBERS_MEETING, q2, [], D(2017, 6, 30))] == [wt.RUNNING]
    assert [p.state for p in wt.meeting_periods(wt.ALL_MEMBERS_MEETING, q2, [], D(2017, 7, 1))] == [wt.MISSING]
    assert [p.state for p in wt.meeting_periods(wt.ALL_MEMBERS_MEETING, q2, [D(2017, 6, 30)], D(2017, 7, 1))] == [
        wt.HELD
    ]


def test_WT_2_weekly_reports_in_and_missing():
    """WT-2: each team reports at least once a week; a week ended without a sent report is missing."""
    q2 = wt.read_quarter("2017-Q2")
    found = wt.report_weeks(q2, [D(2017, 3, 27), D(2017, 4, 10)], D(2017, 4, 17))
    assert [p.state for p in found] == [wt.HELD, wt.MISSING, wt.HELD, wt.RUNNING]


def test_WT_3_checks_and_their_follow_up():
    """WT-3: a check that found a shortfall stays open until its follow-up is done; a good one needs none; a
    household visit names the household."""
    assert wt.follow_up_state(wt.GOOD, None) == wt.FOLLOW_UP_NONE
    assert wt.follow_up_state(wt.SHORTFALL, None) == wt.FOLLOW_UP_OPEN
    assert wt.follow_up_state(wt.ABSENT, D(2017, 5, 2)) == wt.FOLLOW_UP_DONE
    assert wt.check_problem(wt.HOUSEHOLD_VISIT, wt.GOOD, household_given=False)
    assert wt.check_problem(wt.HOUSEHOLD_VISIT, wt.GOOD, household_given=True) == ""
    assert wt.check_problem(wt.TELEPHONE, wt.SHORTFALL, household_given=False) == ""
    assert wt.check_problem("letter", wt.GOOD, household_given=False)
    assert wt.check_problem(wt.TELEPHONE, "fine", household_given=False)
