"""Entering households: validation, one transaction per save, travelling-record stamps."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from builders import family_draft, person
from xinjie_desktop.core.records import households
from xinjie_desktop.core.records.households import ValidationFailed
from xinjie_desktop.core.store.models import Household, IncomeWorksheet, Member


def counts(store):
    with store.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Household, Member, IncomeWorksheet))


def test_saved_household_reads_back_whole(store, group_id):
    household_id = households.save(store, family_draft(group_id, phone="13800000000"))
    with store.session() as session:
        draft = households.to_draft(households.load_household(session, household_id))
    assert [m.name for m in draft.members] == ["杨明", "李芳", "杨华", "杨英"]
    assert draft.phone == "13800000000"
    assert counts(store) == (1, 4, 1)


def test_travelling_records_carry_uuid_times_and_device(store, group_id):
    household_id = households.save(store, family_draft(group_id))
    with store.session() as session:
        household = households.load_household(session, household_id)
        for record in (household, *household.members, *household.incomes):
            assert uuid.UUID(record.id).version == 4
            assert record.device_id == store.device_id
            assert record.created_at is not None and record.updated_at >= record.created_at


def test_ID_2_wrong_check_digit_blocks_the_whole_save(store, group_id):
    """ID-2 member data: one bad ID number and nothing of the household is written."""
    draft = family_draft(group_id)
    number = draft.members[2].id_number
    draft.members[2].id_number = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as failure:
        households.save(store, draft)
    assert [p.field for p in failure.value.problems] == ["member.2.id_number"]
    assert "check digit" in failure.value.problems[0].message
    assert counts(store) == (0, 0, 0)


@pytest.mark.parametrize("heads", [0, 2])
def test_exactly_one_head(store, group_id, heads):
    draft = family_draft(group_id)
    draft.members[0].relation = "head" if heads else "parent"
    if heads == 2:
        draft.members[1].relation = "head"
    with pytest.raises(ValidationFailed, match=f"exactly one head; this one has {heads}"):
        households.save(store, draft)
    assert counts(store) == (0, 0, 0)


def test_same_number_twice_in_one_household_is_an_error(store, group_id):
    draft = family_draft(group_id)
    draft.members[3].id_number = draft.members[2].id_number
    with pytest.raises(ValidationFailed, match="already entered for member 3"):
        households.save(store, draft)


def test_ID_2_birth_date_or_sex_unlike_the_number_is_flagged_not_refused(store, group_id):
    draft = family_draft(group_id)
    draft.members[1].birth_date = dt.date(1972, 8, 10)
    with store.session() as session:
        problems = households.validate(session, draft)
    assert [(p.field, p.severity) for p in problems] == [("member.1.birth_date", "warning")]
    assert "1972-08-09" in problems[0].message
    household_id = households.save(store, draft)
    with store.session() as session:
        assert "|id_mismatch|" in households.load_household(session, household_id).flags


def test_ID_2_same_number_in_two_households_flags_both_and_clears(store, group_id):
    first = households.save(store, family_draft(group_id))
    other = family_draft(group_id)
    other.members = [person("张三", dt.date(1970, 3, 5), 11, relation="head")]  # 杨明's number
    other.members[0].id_number = family_draft(group_id).members[0].id_number
    with store.session() as session:
        warning = [p for p in households.validate(session, other) if p.field == "member.0.id_number"]
    assert warning and warning[0].severity == "warning" and "杨明" in warning[0].message
    second = households.save(store, other)
    with store.session() as session:
        assert "|duplicate_id|" in session.get(Household, first).flags
        assert "|duplicate_id|" in session.get(Household, second).flags
    households.delete(store, second)
    with store.session() as session:
        assert "duplicate_id" not in session.get(Household, first).flags


def test_editing_keeps_member_ids_and_removes_dropped_members(store, group_id):
    household_id = households.save(store, family_draft(group_id))
    with store.session() as session:
        draft = households.to_draft(households.load_household(session, household_id))
    kept = [m.id for m in draft.members[:3]]
    draft.members = draft.members[:3]
    draft.members[2].name = "杨华华"
    households.save(store, draft)
    with store.session() as session:
        household = households.load_household(session, household_id)
        assert [m.id for m in household.members] == kept
        assert household.members[2].name == "杨华华"
    assert counts(store) == (1, 3, 1)


def test_unknown_group_is_refused(store, group_id):
    with pytest.raises(ValidationFailed, match="village and villagers' group"):
        households.save(store, family_draft("no-such-group"))
