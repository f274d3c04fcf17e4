"""FD-1, FD-2, FD-3: the funds' rules (core.rules.funds), pure (issue 19)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from xinjie_desktop.core.rules import funds
from xinjie_desktop.core.rules.funds import PaymentCase, check_payment

CASE = PaymentCase(
    fund_source=funds.CENTRAL_BUDGET,
    fund_name="发改投资〔2017〕12号",
    fund_balance=Decimal("500000"),
    household_kind=funds.REGISTERED,
    in_plan=True,
    agreement_status="signed",
    agreement_total=Decimal("104000"),
    paid_before=Decimal("40000"),
    amount=Decimal("30000"),
)


def case(**changes):
    return dataclasses.replace(CASE, **changes)


def test_FD_1_the_four_earmarked_sources_and_the_others():
    assert funds.EARMARKED == {"central_budget", "local_debt", "special_construction", "low_cost_loan"}
    assert not funds.is_earmarked(funds.DISTRICT) and not funds.is_earmarked(funds.OWN_FUNDS)
    assert set(funds.SOURCES) >= funds.EARMARKED | {"provincial", "city", "district", "social", "own_funds"}


def test_FD_1_an_earmarked_fund_pays_a_registered_household_of_the_plan():
    assert check_payment(CASE) == []


@pytest.mark.parametrize("source", sorted(funds.EARMARKED))
def test_FD_1_an_earmarked_fund_never_pays_a_synchronised_household(source):
    refusals = check_payment(case(fund_source=source, household_kind=funds.SYNCHRONISED))
    assert [r.rule for r in refusals] == ["FD-1"]
    message = refusals[0].message
    assert message.startswith("FD-1") and "发改投资〔2017〕12号" in message and "synchronised" in message


def test_FD_1_other_sources_may_pay_a_synchronised_household():
    assert check_payment(case(fund_source=funds.DISTRICT, household_kind=funds.SYNCHRONISED)) == []


def test_FD_1_earmarked_only_for_households_in_the_three_year_plan():
    (refusal,) = check_payment(case(in_plan=False))
    assert "three-year plan" in refusal.message
    (refusal,) = check_payment(case(household_kind=""))
    assert "three-year plan" in refusal.message


def test_FD_1_never_more_than_the_agreement_states_edge():
    assert check_payment(case(amount=Decimal("64000"))) == []  # 40,000 + 64,000 = 104,000 exactly
    (refusal,) = check_payment(case(amount=Decimal("64000.01")))
    assert "104,000.00" in refusal.message and "104,000.01" in refusal.message


def test_FD_1_a_voided_agreement_stops_payments_until_the_new_version_is_signed():
    (voided,) = check_payment(case(agreement_status="voided"))
    assert "voided" in voided.message
    (draft,) = check_payment(case(agreement_status="draft"))
    assert "not signed" in draft.message
    (none,) = check_payment(case(agreement_status=""))
    assert "no signed agreement" in none.message


def test_FD_1_the_balance_never_goes_negative_edge():
    assert check_payment(case(fund_balance=Decimal("30000"))) == []
    (refusal,) = check_payment(case(fund_balance=Decimal("29999.99")))
    assert "negative" in refusal.message and "29,999.99" in refusal.message
    assert funds.balance_refusal("F", Decimal(100), Decimal(100)) == ""
    assert "FD-1" in funds.balance_refusal("F", Decimal("99.99"), Decimal(100))


def test_FD_1_a_payment_is_more_than_zero():
    assert any("more than zero" in r.message for r in check_payment(case(amount=Decimal(0))))


def test_FD_3_seventh_working_day_across_qingming_and_a_make_up_saturday():
    """Arrival Tuesday 2017-03-28: 29, 30, 31 March, Saturday 1 April (a make-up working day), 5, 6, 7 April
    (2-4 April the Qingming holiday): due Friday 2017-04-07, not 04-10 as weekdays alone would give."""
    assert funds.is_working_day(dt.date(2017, 4, 1))  # Saturday, make-up
    assert not funds.is_working_day(dt.date(2017, 4, 3))  # Monday, holiday
    assert funds.paperwork_due(dt.date(2017, 3, 28)) == dt.date(2017, 4, 7)


def test_FD_3_seventh_working_day_across_the_spring_festival():
    """Arrival Friday 2017-01-20: Sunday 22 January is a make-up working day (1), 23-26 (2-5), the holiday
    27 January to 2 February, Friday 3 February (6), Saturday 4 February, a make-up working day (7): the paperwork
    is due on a Saturday."""
    assert funds.paperwork_due(dt.date(2017, 1, 20)) == dt.date(2017, 2, 4)


def test_FD_3_paperwork_states_on_the_edge():
    arrived, due = dt.date(2017, 3, 28), dt.date(2017, 4, 7)
    assert funds.paperwork(funds.CENTRAL_BUDGET, arrived, None, due).state == funds.DUE
    assert funds.paperwork(funds.CENTRAL_BUDGET, arrived, None, due + dt.timedelta(days=1)).state == funds.OVERDUE
    assert funds.paperwork(funds.CENTRAL_BUDGET, arrived, due, dt.date(2017, 5, 1)).state == funds.DONE
    late = funds.paperwork(funds.CENTRAL_BUDGET, arrived, dt.date(2017, 4, 10), dt.date(2017, 5, 1))
    assert (late.state, late.due_on) == (funds.DONE_LATE, due)
    assert funds.paperwork(funds.OWN_FUNDS, arrived, None, dt.date(2018, 1, 1)).state == funds.NOT_APPLICABLE


def test_FD_3_loan_replacement_due_by_2017_04_30():
    loan = funds.LOW_COST_LOAN
    assert funds.loan_replacement(loan, dt.date(2017, 4, 30), dt.date(2017, 6, 1)).state == funds.DONE
    assert funds.loan_replacement(loan, dt.date(2017, 5, 1), dt.date(2017, 6, 1)).state == funds.DONE_LATE
    assert funds.loan_replacement(loan, None, dt.date(2017, 4, 30)).state == funds.DUE
    assert funds.loan_replacement(loan, None, dt.date(2017, 5, 1)).state == funds.OVERDUE
    assert funds.loan_replacement(funds.CENTRAL_BUDGET, None, dt.date(2017, 5, 1)).state == funds.NOT_APPLICABLE


def test_FD_3_a_year_the_calendar_does_not_cover_is_said():
    with pytest.raises(funds.CalendarNotCovered, match="2099"):
        funds.paperwork_due(dt.date(2099, 3, 1))


def test_FD_2_the_periods_of_each_kind():
    day = dt.date(2017, 5, 17)  # a Wednesday
    assert funds.period_of(funds.WEEKLY, day) == (dt.date(2017, 5, 15), dt.date(2017, 5, 21))
    assert funds.period_of(funds.MONTHLY_SPOT, day) == (dt.date(2017, 5, 1), dt.date(2017, 5, 31))
    assert funds.period_of(funds.QUARTERLY_FULL, day) == (dt.date(2017, 4, 1), dt.date(2017, 6, 30))
    assert funds.period_of(funds.HALF_YEARLY_REVIEW, day) == (dt.date(2017, 1, 1), dt.date(2017, 6, 30))
    assert funds.period_of(funds.QUARTERLY_FULL, dt.date(2017, 12, 31)) == (dt.date(2017, 10, 1), dt.date(2017, 12, 31))


def test_FD_2_weekly_checks_done_due_and_overdue():
    since, today = dt.date(2017, 5, 1), dt.date(2017, 5, 17)
    periods = funds.check_calendar(funds.WEEKLY, since, today, [dt.date(2017, 5, 5)])
    assert [(p.first, p.state) for p in periods] == [
        (dt.date(2017, 5, 1), funds.DONE),
        (dt.date(2017, 5, 8), funds.OVERDUE),
        (dt.date(2017, 5, 15), funds.DUE),
    ]
    # the week's last day (Sunday) is still in time
    (last,) = funds.check_calendar(funds.WEEKLY, dt.date(2017, 5, 15), dt.date(2017, 5, 21), [])
    assert last.state == funds.DUE


def test_FD_2_monthly_quarterly_half_yearly():
    since, today = dt.date(2017, 3, 1), dt.date(2017, 7, 2)
    monthly = funds.check_calendar(funds.MONTHLY_SPOT, since, today, [dt.date(2017, 3, 20), dt.date(2017, 5, 2)])
    assert [p.state for p in monthly] == ["done", "overdue", "done", "overdue", "due"]
    quarterly = funds.check_calendar(funds.QUARTERLY_FULL, since, today, [dt.date(2017, 6, 30)])
    assert [p.state for p in quarterly] == ["overdue", "done", "due"]
    half = funds.check_calendar(funds.HALF_YEARLY_REVIEW, since, today, [])
    assert [p.state for p in half] == ["overdue", "due"]


def test_FD_2_a_major_problem_reported_at_the_24th_hour_is_in_time():
    found = dt.datetime(2017, 5, 3, 9, 30)
    at_24 = found + dt.timedelta(hours=24)
    assert funds.report_timing(found, at_24, at_24) == funds.ON_TIME
    assert funds.report_timing(found, at_24 + dt.timedelta(seconds=1), at_24) == funds.LATE
    assert funds.report_timing(found, None, at_24) == funds.NOT_REPORTED
    assert funds.report_timing(found, None, at_24 + dt.timedelta(minutes=1)) == funds.OVERDUE_UNREPORTED
    assert funds.hours_late(found, found + dt.timedelta(hours=30), at_24) == pytest.approx(6.0)
    assert funds.hours_late(found, at_24, at_24) == 0


def test_notice_of_funds_posted_at_least_seven_full_days():
    start = dt.date(2017, 5, 1)
    assert funds.notice_period_problem(start, dt.date(2017, 5, 8)) == ""
    assert "2017-05-08" in funds.notice_period_problem(start, dt.date(2017, 5, 7))
