"""Small builders for test data (valid ID numbers, members, households)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xinjie_desktop.core.records.households import HouseholdDraft, IncomeDraft, MemberDraft
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, make

# 4 people × 3,049.99 yuan: per-capita net income one fen below the 2016 line.
FOUR_JUST_BELOW = Decimal("12199.96")


def person(name: str, birth: dt.date, seq: int, sex: str = MALE, **fields) -> MemberDraft:
    fields.setdefault("relation", "child")
    return MemberDraft(name=name, id_number=make("530502", birth, seq, sex), sex=sex, birth_date=birth, **fields)


def family_draft(group_id: str, **household_fields) -> HouseholdDraft:
    """Head, spouse, a supported student away and a child; income just below the 2016 line."""
    members = [
        person("杨明", dt.date(1970, 3, 5), 11, MALE, relation="head"),
        person("李芳", dt.date(1972, 8, 9), 12, FEMALE, relation="spouse"),
        person("杨华", dt.date(2000, 1, 2), 13, MALE, membership_basis="student_supported", labour="none"),
        person("杨英", dt.date(2005, 6, 7), 14, FEMALE, labour="none"),
    ]
    draft = HouseholdDraft(
        group_id=group_id,
        address="V1 G1 No. 3",
        members=members,
        incomes=[IncomeDraft(year=2016, wage=FOUR_JUST_BELOW)],
    )
    for key, value in household_fields.items():
        setattr(draft, key, value)
    return draft


def renumber(draft: HouseholdDraft, sequence: int) -> HouseholdDraft:
    """Give every member a fresh ID number (same birth date and sex), for a second household."""
    for index, member in enumerate(draft.members):
        member.id_number = make("530502", member.birth_date, sequence + index, member.sex)
    return draft


def tables_changed_by(store, account: str) -> set[str]:
    """The tables of the changes the record of who did what names ``account`` for."""
    from sqlalchemy import text

    with store.session() as session:
        return set(
            session.execute(
                text(
                    "SELECT c.table_name FROM audit_record a JOIN change_log c ON c.origin_device = a.origin_device "
                    "AND c.seq = a.seq WHERE a.account_name = :account"
                ),
                {"account": account},
            ).scalars()
        )
