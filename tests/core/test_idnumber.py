"""Resident ID numbers: GB 11643 check digit (ISO 7064 MOD 11-2), birth date and sex."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinjie_desktop.core.rules import idnumber
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, IdNumberError


def test_published_example_number_is_valid():
    # The example number printed in GB 11643-1999 itself.
    facts = idnumber.parse("11010519491231002X")
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.sex == FEMALE


def test_lower_case_x_and_spaces_are_accepted():
    assert idnumber.parse(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize("wrong", ["110105194912310021", "530502199001011230"])
def test_wrong_check_digit_is_refused(wrong):
    with pytest.raises(IdNumberError, match="check digit"):
        idnumber.parse(wrong)


def test_every_single_digit_typo_is_caught():
    number = idnumber.make("530502", dt.date(1980, 5, 17), 3, MALE)
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            with pytest.raises(IdNumberError):
                idnumber.parse(typo)


@pytest.mark.parametrize(
    "bad, words",
    [("53050219900101123", "18 characters"), ("5305021990010112A4", "digits"), ("530502199002301234", None)],
)
def test_malformed_numbers_are_refused_with_a_reason(bad, words):
    if words is None:  # 30 February, with a correct check digit
        bad = bad[:17] + idnumber.check_digit(bad[:17])
        words = "birth date"
    with pytest.raises(IdNumberError, match=words):
        idnumber.parse(bad)


def test_sex_and_birth_date_are_derived():
    male = idnumber.make("530502", dt.date(1966, 2, 3), 45, MALE)
    female = idnumber.make("530502", dt.date(2001, 11, 30), 45, FEMALE)
    assert (idnumber.parse(male).sex, idnumber.parse(male).birth_date) == (MALE, dt.date(1966, 2, 3))
    assert (idnumber.parse(female).sex, idnumber.parse(female).birth_date) == (FEMALE, dt.date(2001, 11, 30))


def test_mask_keeps_first_six_and_last_four():
    assert idnumber.mask("11010519491231002X") == "110105********002X"


@given(
    first17=st.text(alphabet="0123456789", min_size=17, max_size=17),
)
def test_the_birth_date_is_the_one_stdnum_reads(first17):
    """ID-2: the birth date parse reads from the number (characters 7-14) is the one python-stdnum reads, and a
    number whose date stdnum refuses is refused."""
    from stdnum import exceptions
    from stdnum.cn import ric

    number = first17 + idnumber.check_digit(first17)
    try:
        expected = ric.get_birth_date(number)
    except exceptions.ValidationError:
        expected = None
    try:
        facts = idnumber.parse(number)
    except IdNumberError:
        assert expected is None or expected > dt.date.today() or expected.year < 1890
    else:
        assert facts.birth_date == expected


@pytest.mark.parametrize("date", ["19900230", "19901301", "19900001", "00000000"])
def test_an_impossible_birth_date_is_refused(date):
    """ID-2: February 30th, a 13th month, a month or year 0."""
    first17 = "530502" + date + "123"
    with pytest.raises(IdNumberError, match="impossible birth date"):
        idnumber.parse(first17 + idnumber.check_digit(first17))
