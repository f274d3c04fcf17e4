"""Flags on households: ID-1, ID-3, ID-4, ID-6, ID-7 and EX-1, each explained in words."""

import datetime as dt
from decimal import Decimal

from builders import family_draft, person, renumber
from xinjie_desktop.core.records import households
from xinjie_desktop.core.records.households import IncomeDraft
from xinjie_desktop.core.rules import flags
from xinjie_desktop.core.rules.policy_params import current


def saved_flags(store, draft) -> dict[str, str]:
    household_id = households.save(store, draft)
    with store.session() as session:
        household = households.load_household(session, household_id)
        computed = {f.code: f.explanation for f in flags.compute(household, current())}
        stored = {code for code in household.flags.split("|") if code}
        assert stored - {"duplicate_id"} == set(computed)
        return computed


def test_ID_1_below_and_above_the_line(store, group_id):
    below = saved_flags(store, family_draft(group_id))
    assert "3,049.99" in below["below_line"] and "3,050.00" in below["below_line"]
    draft = renumber(family_draft(group_id), 40)
    draft.incomes = [IncomeDraft(year=2016, wage=Decimal("12200.00"))]
    above = saved_flags(store, draft)
    assert "above_line" in above and "below_line" not in above


def test_ID_3_partial_household(store, group_id):
    """ID-3: an actual member left out of the identification is an error to flag."""
    draft = family_draft(group_id)
    draft.members[3].registered = False
    result = saved_flags(store, draft)
    assert "partial_household" in result and "杨英" in result["partial_household"]


def test_ID_3_non_member_identified_with_the_household(store, group_id):
    draft = family_draft(group_id)
    draft.members.append(person("王帮工", dt.date(1980, 1, 1), 20, membership_basis="hired_helper", registered=True))
    result = saved_flags(store, draft)
    assert "王帮工" in result["partial_household"]


def test_ID_3_whole_household_is_not_flagged(store, group_id):
    assert "partial_household" not in saved_flags(store, family_draft(group_id))


def test_ID_4_system_population_differs(store, group_id):
    """ID-4: the national system says 5, the actual population is 4."""
    result = saved_flags(store, family_draft(group_id, system_population=5))
    assert result["population_differs"] == "The national system records 5 people; the actual population is 4."


def test_ID_4_equal_populations_not_flagged(store, group_id):
    assert "population_differs" not in saved_flags(store, family_draft(group_id, system_population=4))


def test_ID_6_wrong_inclusion_names_every_reason(store, group_id):
    """ID-6: a registered household above the line, unwilling to work, is flagged with its reasons."""
    draft = family_draft(group_id, national_number="530502000001", attribute="general", labour_willing=False)
    draft.incomes = [IncomeDraft(year=2016, wage=Decimal("20000"))]
    text = saved_flags(store, draft)["wrong_inclusion"]
    assert "5,000.00 yuan is not below the line" in text
    assert "not willing to work" in text


def test_ID_6_registered_household_meeting_the_standard_is_not_flagged(store, group_id):
    draft = family_draft(group_id, national_number="530502000001", attribute="general")
    assert "wrong_inclusion" not in saved_flags(store, draft)


def test_ID_6_unregistered_household_is_not_wrong_inclusion(store, group_id):
    draft = family_draft(group_id)
    draft.incomes = [IncomeDraft(year=2016, wage=Decimal("20000"))]
    assert "wrong_inclusion" not in saved_flags(store, draft)


def five_with_dibao(group_id, dibao: int, **fields):
    draft = family_draft(group_id, **fields)
    draft.members.append(person("杨奶奶", dt.date(1940, 2, 2), 21, "female", relation="parent", labour="none"))
    for member in draft.members[:dibao]:
        member.dibao = True
    return draft


def test_EX_1_three_of_five_on_dibao_cannot_exit(store, group_id):
    """EX-1: 3 of 5 = 60 % → cannot exit."""
    text = saved_flags(store, five_with_dibao(group_id, 3))["cannot_exit"]
    assert text.startswith("3 of 5 members receive dibao (60%)")


def test_EX_1_two_of_five_may_exit(store, group_id):
    assert "cannot_exit" not in saved_flags(store, five_with_dibao(group_id, 2))


def test_EX_1_exited_household_with_dibao_share_is_wrongly_exited(store, group_id):
    """EX-1: a household exited although 60 % are on dibao was wrongly exited (错退)."""
    draft = five_with_dibao(group_id, 3, exited=True, exit_year=2016, national_number="5305020001")
    draft.incomes = [IncomeDraft(year=2016, wage=Decimal("20000"))]
    result = saved_flags(store, draft)
    assert "wrongly_exited" in result and "60% or more" in result["wrongly_exited"]


def test_EX_1_exited_below_the_line_is_wrongly_exited(store, group_id):
    draft = family_draft(group_id, exited=True, exit_year=2016, national_number="5305020001")
    assert "still below the line" in saved_flags(store, draft)["wrongly_exited"]


def test_EX_1_properly_exited_household_is_not_flagged(store, group_id):
    draft = family_draft(group_id, exited=True, exit_year=2016, national_number="5305020001")
    draft.incomes = [IncomeDraft(year=2016, wage=Decimal("20000"))]
    assert "wrongly_exited" not in saved_flags(store, draft)


def test_ID_7_shop_or_row_house_needs_recheck_until_outcome_kept(store, group_id):
    """ID-7: households moved to shop/row houses are re-checked; the outcome is kept."""
    assert "recheck_pending" in saved_flags(store, family_draft(group_id, moved_to_shop_or_row_house=True))
    draft = renumber(
        family_draft(group_id, moved_to_shop_or_row_house=True, recheck_outcome="2017-04-20 re-checked: qualifies"), 40
    )
    assert "recheck_pending" not in saved_flags(store, draft)
