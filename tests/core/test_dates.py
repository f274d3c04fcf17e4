"""Dates as people type them (issue 16): every way of writing a real date reads as that date, and text
that is no date says why."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinjie_desktop.core.rules.dates import DateError, date_problem, read_date, show_date

DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")


def spellings(day: dt.date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    return [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}-{m}-{d}",
        f"{y}年{m}月{d}日",
        f" {y} / {m:02d} / {d} ",
        f"{y}-{m:02d}-{d:02d}".translate(FULL_WIDTH),
        f"{y}/{m}/{d}".translate(FULL_WIDTH),
    ]


@given(DATES)
def test_every_usual_spelling_of_a_date_reads_as_that_date(day):
    for text in spellings(day):
        assert read_date(text) == day, text
        assert date_problem(text) == ""


@given(DATES)
def test_a_date_shown_reads_back_as_itself(day):
    assert show_date(day) == day.isoformat()
    assert read_date(show_date(day)) == day


@given(st.text(max_size=12))
def test_any_text_is_a_date_or_a_reason_never_a_crash(text):
    try:
        value = read_date(text, optional=True)
    except DateError as error:
        assert str(error)
        assert date_problem(text, optional=True) == str(error)
    else:
        assert value is None or isinstance(value, dt.date)
        assert date_problem(text, optional=True) == ""


def test_empty_is_no_date_where_a_date_is_optional_and_a_problem_where_it_is_required():
    assert read_date("", optional=True) is None
    assert read_date("  ", optional=True) is None
    with pytest.raises(DateError, match="Enter a date"):
        read_date("")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2017-02-30", "no day 30 in 2017-02: that month has 28 days"),
        ("2016-02-30", "that month has 29 days"),
        ("2017-13-01", "no month 13"),
        ("2017-00-01", "no month 0"),
        ("1899-12-31", "The year 1899 is out of range"),
        ("2017-03", "is not a date"),
        ("03-05", "is not a date"),
        ("abc", "is not a date"),
        ("2017030", "is not a date"),
        ("2017-3-5-1", "is not a date"),
    ],
)
def test_text_that_is_no_date_says_why(text, reason):
    with pytest.raises(DateError, match=reason):
        read_date(text)
    assert reason in date_problem(text, optional=True)
