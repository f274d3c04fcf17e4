"""ID-1 (income line) and ID-2 (who counts as a household member)."""

import datetime as dt
from decimal import Decimal

import pytest

from builders import family_draft, person
from xinjie_desktop.core.records import households
from xinjie_desktop.core.records.households import IncomeDraft
from xinjie_desktop.core.rules import income, membership
from xinjie_desktop.core.rules.money import AmountError, parse_yuan, to_fen


def assess(yuan: str, people: int, params, year=2016):
    return income.assess(year, to_fen(Decimal(yuan)), 0, 0, 0, 0, people, params)


def test_ID_1_line_is_exclusive(params):
    """ID-1: 3,049.99 per person qualifies, 3,050.00 does not."""
    assert params.income_line(2016) == Decimal("3050.00")
    assert assess("3049.99", 1, params).below_line is True
    assert assess("3050.00", 1, params).below_line is False
    assert assess("12199.96", 4, params).below_line is True
    assert assess("12200.00", 4, params).below_line is False


def test_ID_1_comparison_is_exact_not_on_rounded_figure(params):
    """ID-1: 9,149.99 for 3 people is 3,049.996…: shown as 3,049.99 and below the line."""
    result = assess("9149.99", 3, params)
    assert result.per_capita == Decimal("3049.99")
    assert result.below_line is True


def test_ID_1_net_income_subtracts_production_costs(params):
    result = income.assess(2016, 500_000, 200_000, 10_000, 90_000, 300_000, 2, params)
    assert result.net_income == Decimal("5000.00")
    assert result.per_capita == Decimal("2500.00")
    assert result.below_line is True


def test_ID_1_year_without_a_line_is_undecided(params):
    assert assess("100", 1, params, year=2011).below_line is None


def test_amounts_typed_by_people():
    assert parse_yuan("3,049.99元") == Decimal("3049.99")
    assert parse_yuan("") == Decimal(0)
    for bad in ("abc", "1.234", "-5", "NaN"):
        with pytest.raises(AmountError):
            parse_yuan(bad)


def test_ID_2_every_category_of_the_plan_is_classified():
    """ID-2: the six included and six excluded categories of 云贫开办发〔2016〕198号."""
    assert set(membership.INCLUDED) == {
        "resident",
        "student_supported",
        "migrant_worker",
        "migrant_family",
        "elder_rotating",
        "temporarily_away",
    }
    assert set(membership.EXCLUDED) == {
        "student_unsupported",
        "split_off",
        "married_out",
        "nominal_or_lodger",
        "hired_helper",
        "enlisted",
    }
    assert all(membership.is_included(code) for code in membership.INCLUDED)
    assert not any(membership.is_included(code) for code in membership.EXCLUDED)


def test_ID_2_only_included_members_count_toward_actual_population(store, group_id, params):
    """ID-2: a married-out daughter and a soldier are listed but do not count; income per capita follows."""
    draft = family_draft(group_id)
    draft.members += [
        person("杨兰", dt.date(1995, 4, 4), 15, "female", membership_basis="married_out", registered=False),
        person("杨军", dt.date(1998, 9, 9), 16, "male", membership_basis="enlisted", registered=False),
    ]
    household_id = households.save(store, draft)
    with store.session() as session:
        household = households.load_household(session, household_id)
        assert household.actual_population == 4
        assert len(household.members) == 6
        assert "|below_line|" in household.flags  # 12,199.96 / 4, not / 6


def test_ID_2_income_worksheet_saved_in_fen(store, group_id):
    draft = family_draft(group_id)
    draft.incomes = [
        IncomeDraft(year=2016, wage=Decimal("1000.10"), business=Decimal("20.05"), production_costs=Decimal("0.15"))
    ]
    household_id = households.save(store, draft)
    with store.session() as session:
        sheet = households.load_household(session, household_id).incomes[0]
        assert (sheet.wage, sheet.business, sheet.production_costs) == (100010, 2005, 15)


def test_ID_2_actual_members_counted_from_plain_members_as_from_a_stored_household(store, group_id):
    """ID-2: the window counts the members a form holds (plain drafts) by the same rule as a stored
    household's members: included bases count, excluded ones do not."""
    from xinjie_desktop.core.records.households import MemberDraft
    from xinjie_desktop.core.rules import flags

    draft = family_draft(group_id)
    bases = ["resident", "married_out", "student_supported", "enlisted"]  # one a member of the family
    members = [
        MemberDraft(**{**vars(member), "membership_basis": basis})
        for member, basis in zip(draft.members, bases, strict=True)
    ]
    plain = flags.actual_members_of(members)
    assert [m.membership_basis for m in plain] == [b for b in bases if b in membership.INCLUDED]
    household_id = households.save(store, households.HouseholdDraft(**{**vars(draft), "members": members}))
    with store.session() as session:
        stored = households.load_household(session, household_id)
        assert len(flags.actual_members(stored)) == len(plain)
