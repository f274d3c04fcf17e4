"""Closed lists the national system (国办系统) and the household form use.

Values are stored as stable codes; labels are English message ids shown
through ``_()``.
"""

from __future__ import annotations

import datetime as dt

from xinjie_desktop.i18n import N_

ATTRIBUTES = {
    "general": N_("ordinary poor household"),
    "dibao": N_("dibao poor household"),
    "wubao": N_("five-guarantee poor household"),
}

CAUSES = {
    "illness": N_("illness"),
    "disability": N_("disability"),
    "schooling": N_("schooling costs"),
    "disaster": N_("natural disaster"),
    "land": N_("lack of land"),
    "water": N_("lack of water"),
    "skills": N_("lack of skills"),
    "labour": N_("lack of labour"),
    "capital": N_("lack of capital"),
    "transport": N_("poor transport"),
    "motivation": N_("lack of drive to develop"),
    "other": N_("other"),
}

RELATIONS = {
    "head": N_("head of household"),
    "spouse": N_("spouse"),
    "child": N_("child"),
    "child_in_law": N_("son- or daughter-in-law"),
    "grandchild": N_("grandchild"),
    "parent": N_("parent"),
    "grandparent": N_("grandparent"),
    "sibling": N_("brother or sister"),
    "other": N_("other relation"),
}

EDUCATION = {
    "none": N_("illiterate or semi-literate"),
    "primary": N_("primary school"),
    "junior": N_("junior secondary"),
    "senior": N_("senior secondary"),
    "tertiary": N_("college or above"),
    "preschool": N_("pre-school"),
}

HEALTH = {
    "healthy": N_("healthy"),
    "chronic": N_("long-term chronic illness"),
    "serious": N_("serious illness"),
    "disabled": N_("disabled"),
}

LABOUR = {
    "normal": N_("ordinary labour"),
    "skilled": N_("skilled labour"),
    "weak": N_("weak labour"),
    "none": N_("no labour capacity"),
}

LABOUR_CAPABLE = frozenset({"normal", "skilled", "weak"})

# The labour capacity a new member gets until someone records it (ID-1, the employment agreement of AG-1):
# a child below the working age has none, a person of the elderly age weak labour, the others ordinary.
WORKING_AGE = 16  # 《劳动法》: no one under 16 is employed
ELDERLY_AGE = 60  # 《老年人权益保障法》: 60 and older


def age_on(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def default_labour(birth_date: dt.date | None, on: dt.date) -> str:
    """The labour capacity a new member born on ``birth_date`` (read from the ID number) gets by default:
    "none" for a child under 16, "weak" from 60, "normal" in between and when the birth date is unknown."""
    if birth_date is None:
        return "normal"
    age = age_on(birth_date, on)
    if age < WORKING_AGE:
        return "none"
    return "weak" if age >= ELDERLY_AGE else "normal"


SCHOOLING = {
    "not_in_school": N_("not in school"),
    "preschool": N_("in pre-school"),
    "primary": N_("in primary school"),
    "junior": N_("in junior secondary"),
    "senior": N_("in senior secondary"),
    "vocational": N_("in vocational school"),
    "tertiary": N_("in college"),
}

ETHNICITIES = {
    "han": N_("Han"),
    "yi": N_("Yi"),
    "bai": N_("Bai"),
    "dai": N_("Dai"),
    "lisu": N_("Lisu"),
    "hui": N_("Hui"),
    "miao": N_("Miao"),
    "other": N_("other ethnicity"),
}

IDENTIFICATION_STANDARDS = {
    "national": N_("national standard"),
    "provincial": N_("provincial standard"),
}
