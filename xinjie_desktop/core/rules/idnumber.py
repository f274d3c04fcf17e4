"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

The check digit is ISO 7064 MOD 11-2 through python-stdnum, and the birth date
is read from the number as stdnum reads it (a test holds the two to agree); the
region code is not checked against a table (stdnum's table predates Longyang
District's code 530502).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from stdnum.cn import ric
from stdnum.iso7064 import mod_11_2

from xinjie_desktop.i18n import N_, _

MALE = "male"
FEMALE = "female"


class IdNumberError(ValueError):
    """An ID number that cannot be right; ``str()`` is a message for the user."""


class IdNumberFacts(NamedTuple):  # a named tuple: made for every member whenever flags are computed
    number: str
    birth_date: dt.date
    sex: str  # MALE or FEMALE


_ALREADY_COMPACT = re.compile(r"\d{17}[\dX]")


def normalise(number: str) -> str:
    if number and _ALREADY_COMPACT.fullmatch(number):  # stored numbers are: no work to do (an import checks thousands)
        return number
    return ric.compact(number or "").upper()


def check_digit(first17: str) -> str:
    return mod_11_2.calc_check_digit(first17)


def parse(number: str) -> IdNumberFacts:
    """Validate ``number`` and return what it says; raise IdNumberError otherwise."""
    number = normalise(number)
    if len(number) != 18:
        raise IdNumberError(_("The ID number must have 18 characters (it has {n}).").format(n=len(number)))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(_("The ID number may contain only digits, with X allowed as the last character."))
    if check_digit(number[:17]) != number[17]:
        raise IdNumberError(_("The ID number's check digit is wrong: please check every digit."))
    try:
        # Characters 7-14 as stdnum's ``ric.get_birth_date`` reads them, without its cleaning the number again
        # (already done above: three quarters of the time of computing a household's flags went there).
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(_("The ID number contains an impossible birth date.")) from None
    if birth > dt.date.today() or birth.year < 1890:
        raise IdNumberError(_("The ID number contains an impossible birth date."))
    sex = MALE if int(number[16]) % 2 == 1 else FEMALE
    return IdNumberFacts(number=number, birth_date=birth, sex=sex)


def make(region: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """Build a valid number (for demo data and tests): sequence 0..99, sex sets the 17th digit."""
    digit = (sequence % 5) * 2 + (1 if sex == MALE else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{sequence % 100:02d}{digit}"
    return first17 + check_digit(first17)


def mask(number: str) -> str:
    """Keep the first 6 and last 4 characters, as public notices require."""
    number = normalise(number)
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


SEX_LABELS = {MALE: N_("male"), FEMALE: N_("female")}
