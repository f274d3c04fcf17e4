"""Dates as people type them: 2017-03-05, 2017/3/5, 2017.3.5, 20170305, 2017年3月5日, in full-width
digits too. ``read_date`` turns such text into a date or says why it cannot; ``show_date`` writes a
date the one way the application shows it (YYYY-MM-DD)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

from xinjie_desktop.i18n import _

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

_SEPARATED = re.compile(r"([0-9]{4}) *[-/. 年] *([0-9]{1,2}) *[-/. 月] *([0-9]{1,2}) *日?")
_DIGITS = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


class DateError(ValueError):
    """Text that is not a date; the message says why, in the user's words."""


def _normal(text: str) -> str:
    """Full-width digits and punctuation as their ASCII forms (NFKC), ends trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def read_date(text: str, optional: bool = False) -> dt.date | None:
    """The date ``text`` names; ``None`` for empty text when ``optional``; DateError otherwise."""
    normal = _normal(text)
    if not normal:
        if optional:
            return None
        raise DateError(_("Enter a date, e.g. 2017-03-05."))
    match = _SEPARATED.fullmatch(normal) or _DIGITS.fullmatch(normal)
    if match is None:
        raise DateError(
            _("“{text}” is not a date: type the year, month and day, e.g. 2017-03-05 or 2017/3/5.").format(
                text=text.strip()
            )
        )
    year, month, day = (int(part) for part in match.groups())
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise DateError(
            _("The year {year} is out of range: a year from {first} to {last}.").format(
                year=year, first=EARLIEST_YEAR, last=LATEST_YEAR
            )
        )
    if not 1 <= month <= 12:
        raise DateError(_("There is no month {month}: a month is 1 to 12.").format(month=month))
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise DateError(
            _("There is no day {day} in {year}-{month:02d}: that month has {days} days.").format(
                day=day, year=year, month=month, days=days
            )
        )
    return dt.date(year, month, day)


def date_problem(text: str, optional: bool = False) -> str:
    """Why ``text`` is not a date, or "" when it is one (or empty and ``optional``)."""
    try:
        read_date(text, optional)
    except DateError as error:
        return str(error)
    return ""


def show_date(value: dt.date | None) -> str:
    """A date as the application shows it: YYYY-MM-DD; "" for none."""
    return "" if value is None else value.isoformat()
