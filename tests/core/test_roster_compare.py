"""Issue 18, the comparison by ID number (core.rules.roster_compare), rule by rule: ID-4 population, attribute
and cause, and a household on one side only; ID-3 a person counted who is not an actual member (ID-2), a
member left out, a person who belongs to another household; EX-1 the exit mark; ID-2 a name or relation."""

from __future__ import annotations

import datetime as dt

from xinjie_desktop.core.rules.idnumber import MALE, make
from xinjie_desktop.core.rules.roster_compare import (
    DIFFERENT,
    ONLY_HERE,
    ONLY_NATIONAL,
    HereHousehold,
    HereMember,
    compare,
)
from xinjie_desktop.core.rules.roster_rows import RosterPerson

A, B, C, D, E = (make("530502", dt.date(1970 + i, 1, 2), i, MALE) for i in range(5))


def national(number: str, name: str, id_number: str, population: int, relation: str = "head", **over) -> RosterPerson:
    values = {
        "row": 3,
        "county": "",
        "township": "",
        "village": "大寨村",
        "hamlet": "",
        "household_number": number,
        "person_number": "",
        "name": name,
        "id_number": id_number,
        "population": population,
        "relation": relation,
        "ethnicity": "han",
        "education": "",
        "schooling": "",
        "health": "",
        "labour": "",
        "migrant_work": "",
        "exited": False,
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": "",
        "standard": "",
        "dangerous_house": "",
        "income": None,
        "phone": "",
    }
    values.update(over)
    return RosterPerson(**values)


def here(members: list[HereMember], **over) -> HereHousehold:
    values = {
        "id": "h1",
        "village": "大寨村",
        "group": "一组",
        "national_number": "N1",
        "head_name": members[0].name,
        "head_id_number": members[0].id_number,
        "actual_population": sum(1 for m in members if m.included),
        "attribute": "general",
        "main_cause": "illness",
        "exited": False,
        "in_national_system": True,
        "members": tuple(members),
    }
    values.update(over)
    return HereHousehold(**values)


def member(name: str, id_number: str, relation: str = "child", included: bool = True) -> HereMember:
    return HereMember(id_number, name, relation, False, included)


def test_id3_a_person_counted_who_married_out_and_a_member_left_out_and_id4_the_population():
    township = here([member("杨明", A, "head"), member("杨芳", B, included=False), member("杨华", C)])
    roster = [national("N1", "杨明", A, 2), national("N1", "杨芳", B, 2, "child")]
    found = compare(roster, [township])
    assert [(d.side, d.field, d.id_number, d.rule) for d in found.differences] == [
        (ONLY_NATIONAL, "person", B, "ID-3"),
        (ONLY_HERE, "person", C, "ID-3"),
    ]  # the population agrees (2 and 2): the people differ
    assert "not an actual member" in found.differences[0].meaning
    roster = [national("N1", "杨明", A, 3), national("N1", "杨华", C, 3, "child")]
    found = compare(roster, [township])
    assert [(d.field, d.national, d.here, d.rule) for d in found.differences] == [("population", "3", "2", "ID-4")]


def test_ex1_the_exit_mark_and_id4_attribute_and_cause_and_id2_name_and_relation():
    township = here([member("杨明", A, "head"), member("杨华", C)])
    roster = [
        national("N1", "杨明", A, 2, exited=True, attribute="dibao", main_cause="labour"),
        national("N1", "杨化", C, 2, "grandchild", exited=True, attribute="dibao", main_cause="labour"),
    ]
    found = compare(roster, [township])
    assert [(d.side, d.field, d.national, d.here, d.rule) for d in found.differences] == [
        (DIFFERENT, "attribute", "dibao", "general", "ID-4"),
        (DIFFERENT, "main_cause", "labour", "illness", "ID-4"),
        (DIFFERENT, "exited", "yes", "no", "EX-1"),
        (DIFFERENT, "name", "杨化", "杨华", "ID-2"),
        (DIFFERENT, "relation", "grandchild", "child", "ID-2"),
    ]
    assert "identified as poor again" in found.differences[2].meaning


def test_households_on_one_side_and_a_person_who_belongs_to_another_household():
    first = here([member("杨明", A, "head"), member("杨华", C)])
    second = here([member("李四", D, "head")], id="h2", national_number="")
    never_entered = here([member("王五", E, "head")], id="h3", national_number="", in_national_system=False)
    roster = [
        national("N1", "杨明", A, 3),
        national("N1", "杨华", C, 3, "child"),
        national("N1", "李四", D, 3, "other"),
        national("N9", "赵六", B, 1),
    ]
    found = compare(roster, [first, second, never_entered])
    assert [(d.side, d.field, d.id_number) for d in found.differences] == [
        (DIFFERENT, "population", A),
        (ONLY_NATIONAL, "person", D),
        (ONLY_NATIONAL, "household", B),
        (ONLY_HERE, "household", D),
    ]
    assert "belongs here to the household of 李四" in found.differences[1].meaning
    assert found.differences[2].people == (B,)
