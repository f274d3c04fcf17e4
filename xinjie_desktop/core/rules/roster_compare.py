"""The national system's roster against the township's records, by ID number (the plan's 数据清洗).

Pure: it receives the roster's validated rows (``roster_rows.RosterPerson``) and the township's
households as plain values (``HereHousehold``) and lists every difference, each with the rule it means:
a population that differs is ID-4 (system against actual population), a person in one and not the other
is ID-3 (whole-household identification: a member left out, or someone who is not a member counted), a
household in one only is ID-4, an exit mark that differs is EX-1, a name or relation that differs is ID-2.
The list is what the township must enter into the national system.

A national household is matched with the township's household that holds most of its people's ID
numbers; the township's side of a household is its *actual* members (ID-2: those whose membership is
included) and its actual population, the figures the national system should hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xinjie_desktop.core.rules.roster_rows import RosterPerson
from xinjie_desktop.i18n import N_, _

ONLY_NATIONAL = "only_national"
ONLY_HERE = "only_here"
DIFFERENT = "different"
SIDES = (ONLY_NATIONAL, ONLY_HERE, DIFFERENT)

# field -> (rule, label)
FIELDS: dict[str, tuple[str, str]] = {
    "household": ("ID-4", N_("household")),
    "person": ("ID-3", N_("household member")),
    "population": ("ID-4", N_("population")),
    "attribute": ("ID-4", N_("poor household attribute")),
    "main_cause": ("ID-4", N_("main cause of poverty")),
    "other_causes": ("ID-4", N_("other causes of poverty")),
    "exited": ("EX-1", N_("exit mark")),
    "name": ("ID-2", N_("name")),
    "relation": ("ID-2", N_("relation to the head")),
}
COMPARED_FIELDS = ("population", "attribute", "main_cause", "exited", "other_causes")


@dataclass(frozen=True, slots=True)
class HereMember:
    id_number: str
    name: str
    relation: str
    female: bool
    included: bool  # an actual member (ID-2)


@dataclass(frozen=True)
class HereHousehold:
    id: str
    village: str
    group: str
    national_number: str
    head_name: str
    head_id_number: str
    actual_population: int
    attribute: str
    main_cause: str
    exited: bool
    in_national_system: bool
    members: tuple[HereMember, ...]
    other_causes: tuple[str, ...] = ()  # the secondary causes' codes, in the program's order


@dataclass(frozen=True)
class Difference:
    side: str  # ONLY_NATIONAL, ONLY_HERE or DIFFERENT
    field: str  # a key of FIELDS
    id_number: str  # the person's; for a household, its head's
    name: str
    household_number: str  # the national system's, "" when it has none
    household_id: str  # the township's, "" when it has none
    village: str
    national: str  # the value the national system holds (a code or a number), "" when none
    here: str  # the value the township holds
    meaning: str  # what the difference means, in words, naming the rule
    people: tuple[str, ...] = ()  # a household only on one side: its people's ID numbers

    @property
    def rule(self) -> str:
        return FIELDS[self.field][0]

    @property
    def key(self) -> str:
        """Names this difference across comparisons (the record of corrections keeps it)."""
        return f"{self.side}|{self.field}|{self.id_number}|{self.national}|{self.here}"

    @property
    def field_label(self) -> str:
        return _(FIELDS[self.field][1])


@dataclass
class Comparison:
    differences: list[Difference] = field(default_factory=list)
    national_households: int = 0
    national_people: int = 0
    here_households: int = 0

    def side(self, side: str) -> list[Difference]:
        return [d for d in self.differences if d.side == side]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def compare(national: Sequence[RosterPerson], here: Iterable[HereHousehold]) -> Comparison:
    households = list(here)
    holder: dict[str, int] = {}  # ID number -> index of the household here holding it
    for index, household in enumerate(households):
        for member in household.members:
            holder.setdefault(member.id_number, index)
    by_number: dict[str, list[RosterPerson]] = {}
    for person in national:
        by_number.setdefault(person.household_number, []).append(person)
    result = Comparison(national_households=len(by_number), national_people=len(national))
    paired: dict[int, str] = {}  # household here -> national household number
    out = result.differences
    for number, people in by_number.items():
        head = next((p for p in people if p.relation == "head"), people[0])
        hits: dict[int, int] = {}
        for person in people:
            holding = holder.get(person.id_number)
            if holding is not None:
                hits[holding] = hits.get(holding, 0) + 1
        if not hits:
            out.append(
                Difference(
                    ONLY_NATIONAL,
                    "household",
                    head.id_number,
                    head.name,
                    number,
                    "",
                    head.village,
                    str(head.population),
                    "",
                    _(
                        "The national system records household {number} ({name}, {n} people) that the township "
                        "has not recorded: check it and reconcile the national system's record (ID-4)."
                    ).format(number=number, name=head.name, n=len(people)),
                    tuple(p.id_number for p in people),
                )
            )
            continue
        best = max(hits, key=lambda i: (hits[i], holder.get(head.id_number) == i, -i))
        if best in paired:
            first = households[best]
            out.append(
                Difference(
                    ONLY_NATIONAL,
                    "household",
                    head.id_number,
                    head.name,
                    number,
                    first.id,
                    head.village,
                    str(head.population),
                    "",
                    _(
                        "The national system records household {number} ({name}), whose people belong here to the "
                        "household of {head}, recorded in the national system as household {other}: the household "
                        "is registered twice (ID-4)."
                    ).format(number=number, name=head.name, head=first.head_name, other=paired[best]),
                    tuple(p.id_number for p in people),
                )
            )
            continue
        paired[best] = number
        _compare_household(out, number, people, households[best], households, holder)
    for index, household in enumerate(households):
        if index in paired or not household.in_national_system:
            continue
        result.here_households += 1
        actual = [m for m in household.members if m.included]
        out.append(
            Difference(
                ONLY_HERE,
                "household",
                household.head_id_number,
                household.head_name,
                household.national_number,
                household.id,
                household.village,
                "",
                str(household.actual_population),
                _(
                    "The township records the household of {name} ({n} people) as entered into the national system, "
                    "but the national system's roster does not have it: enter it, or correct the township's record "
                    "(ID-4)."
                ).format(name=household.head_name, n=household.actual_population),
                tuple(m.id_number for m in actual),
            )
        )
    result.here_households += len(paired)
    return result


def _compare_household(
    out: list[Difference],
    number: str,
    people: list[RosterPerson],
    here: HereHousehold,
    households: list[HereHousehold],
    holder: dict[str, int],
) -> None:
    head = people[0]
    village = here.village

    def household_difference(field_name: str, national: str, mine: str, meaning: str) -> None:
        out.append(
            Difference(
                DIFFERENT,
                field_name,
                here.head_id_number,
                here.head_name,
                number,
                here.id,
                village,
                national,
                mine,
                meaning,
            )
        )

    if head.population != here.actual_population:
        household_difference(
            "population",
            str(head.population),
            str(here.actual_population),
            _("The national system records {system} people; the actual population is {actual} (ID-4).").format(
                system=head.population, actual=here.actual_population
            ),
        )
    if head.attribute != here.attribute:
        household_difference(
            "attribute",
            head.attribute,
            here.attribute,
            _("The national system records a different poor household attribute than the township found (ID-4)."),
        )
    if head.main_cause != here.main_cause:
        household_difference(
            "main_cause",
            head.main_cause,
            here.main_cause,
            _("The national system records a different main cause of poverty than the township found (ID-4)."),
        )
    if head.exited != here.exited:
        household_difference(
            "exited",
            _yes_no(head.exited),
            _yes_no(here.exited),
            _(
                "The national system marks the household as exited, the township does not: a household wrongly "
                "exited is identified as poor again (EX-1)."
            )
            if head.exited
            else _("The township records the household as exited; the national system does not (EX-1)."),
        )
    if head.other_causes is not None and set(head.other_causes) != set(here.other_causes):
        household_difference(
            "other_causes",
            ",".join(head.other_causes),
            ",".join(here.other_causes),
            _("The national system records other causes of poverty than the township found (ID-4)."),
        )
    members = {m.id_number: m for m in here.members}
    actual = {m.id_number: m for m in here.members if m.included}
    for person in people:
        member = actual.get(person.id_number)
        if member is None:
            other_index = holder.get(person.id_number)
            if person.id_number in members:
                meaning = _(
                    "{name} is counted in the national system but is not an actual member of the household "
                    "(ID-2): remove the person from the household (ID-3)."
                ).format(name=person.name)
            elif other_index is not None:
                meaning = _(
                    "{name} is counted in this household in the national system but belongs here to the household "
                    "of {head} (ID-3)."
                ).format(name=person.name, head=households[other_index].head_name)
            else:
                meaning = _(
                    "{name} is counted in the national system but is not a member of the household here: remove "
                    "the person from the household, or record the person here (ID-3)."
                ).format(name=person.name)
            out.append(
                Difference(
                    ONLY_NATIONAL, "person", person.id_number, person.name, number, here.id, village, "", "", meaning
                )
            )
            continue
        if person.name != member.name:
            out.append(
                Difference(
                    DIFFERENT,
                    "name",
                    person.id_number,
                    member.name,
                    number,
                    here.id,
                    village,
                    person.name,
                    member.name,
                    _("The national system spells the name {national}; the township records {here} (ID-2).").format(
                        national=person.name, here=member.name
                    ),
                )
            )
        if person.relation != member.relation:
            out.append(
                Difference(
                    DIFFERENT,
                    "relation",
                    person.id_number,
                    member.name,
                    number,
                    here.id,
                    village,
                    person.relation,
                    member.relation,
                    _("The national system records a different relation to the head for {name} (ID-2).").format(
                        name=member.name
                    ),
                )
            )
    in_roster = {p.id_number for p in people}
    for member in actual.values():
        if member.id_number not in in_roster:
            out.append(
                Difference(
                    ONLY_HERE,
                    "person",
                    member.id_number,
                    member.name,
                    number,
                    here.id,
                    village,
                    "",
                    "",
                    _(
                        "{name} is an actual member of the household but the national system leaves the person out: "
                        "the household must be identified whole (ID-3)."
                    ).format(name=member.name),
                )
            )
