"""Entering and saving a household with its members and income worksheets.

The editor works on plain drafts; ``validate`` says what is wrong in words
next to the field it concerns, and ``save`` writes the whole household in one
transaction or, if anything is wrong, writes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, selectinload

from xinjie_desktop.core.records import access, edits, form_saving
from xinjie_desktop.core.records.form_saving import EditCollisions
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import identification, membership, vocabulary
from xinjie_desktop.core.rules.idnumber import SEX_LABELS, IdNumberError, normalise, parse
from xinjie_desktop.core.rules.money import from_fen, to_fen
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyParameters, current
from xinjie_desktop.core.rules.problems import ERROR, WARNING, Problem, ValidationFailed
from xinjie_desktop.core.store.database import DECIDED_VERSIONS as DECIDED_VERSIONS  # the journal reads decisions there
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Household,
    IncomeWorksheet,
    Member,
    Objection,
    Travelling,
    VillagerGroup,
    WorkflowStep,
)
from xinjie_desktop.i18n import _


@dataclass
class MemberDraft:
    name: str = ""
    id_number: str = ""
    relation: str = "head"
    sex: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = "han"
    education: str = ""
    health: str = "healthy"
    labour: str = "normal"
    schooling: str = "not_in_school"
    dibao: bool = False
    membership_basis: str = "resident"
    registered: bool = True
    id: str | None = None


@dataclass
class IncomeDraft:
    year: int
    wage: Decimal = Decimal(0)
    business: Decimal = Decimal(0)
    property_income: Decimal = Decimal(0)
    transfer: Decimal = Decimal(0)
    production_costs: Decimal = Decimal(0)


@dataclass
class HouseholdDraft:
    group_id: str = ""
    address: str = ""
    phone: str = ""
    labour_willing: bool = True
    national_number: str = ""
    system_population: int | None = None
    attribute: str = ""
    main_cause: str = ""
    secondary_causes: list[str] = field(default_factory=list)
    identification_standard: str = ""
    exited: bool = False
    exit_year: int | None = None
    helper_cadre: str = ""
    reconciliation_note: str = ""
    moved_to_shop_or_row_house: bool = False
    recheck_outcome: str = ""
    members: list[MemberDraft] = field(default_factory=list)
    incomes: list[IncomeDraft] = field(default_factory=list)
    id: str | None = None


HOUSEHOLD_FIELDS = (
    "group_id",
    "address",
    "phone",
    "labour_willing",
    "national_number",
    "system_population",
    "attribute",
    "main_cause",
    "identification_standard",
    "exited",
    "exit_year",
    "helper_cadre",
    "reconciliation_note",
    "moved_to_shop_or_row_house",
    "recheck_outcome",
)
MEMBER_FIELDS = (
    "name",
    "relation",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "health",
    "labour",
    "schooling",
    "dibao",
    "membership_basis",
    "registered",
)
INCOME_FIELDS = ("wage", "business", "property_income", "transfer", "production_costs")


def _check_choice(problems: list[Problem], where: str, value: str, choices: dict, allow_empty: bool = True) -> None:
    if (value or not allow_empty) and value not in choices:
        problems.append(Problem(where, _("Choose a value from the list.")))


def validate(session: Session, draft: HouseholdDraft) -> list[Problem]:
    """Every problem with ``draft``; errors block saving, warnings become flags."""
    problems: list[Problem] = []
    if not draft.group_id or session.get(VillagerGroup, draft.group_id) is None:
        problems.append(Problem("household.group_id", _("Choose the village and villagers' group.")))
    if draft.phone and not draft.phone.replace("-", "").replace(" ", "").isdigit():
        problems.append(Problem("household.phone", _("A phone number has digits only.")))
    _check_choice(problems, "household.attribute", draft.attribute, vocabulary.ATTRIBUTES)
    _check_choice(problems, "household.main_cause", draft.main_cause, vocabulary.CAUSES)
    for cause in draft.secondary_causes:
        _check_choice(problems, "household.secondary_causes", cause, vocabulary.CAUSES)
    _check_choice(
        problems,
        "household.identification_standard",
        draft.identification_standard,
        vocabulary.IDENTIFICATION_STANDARDS,
    )
    if draft.system_population is not None and not 0 <= draft.system_population <= 99:
        problems.append(Problem("household.system_population", _("The system population must be between 0 and 99.")))
    if draft.exited and draft.exit_year is None:
        problems.append(Problem("household.exit_year", _("Give the year the household exited.")))
    if draft.exit_year is not None and not 2014 <= draft.exit_year <= dt.date.today().year:
        problems.append(Problem("household.exit_year", _("The exit year must lie between 2014 and this year.")))
    if not draft.members:
        problems.append(Problem("household.members", _("Enter at least the head of household.")))
    heads = [i for i, m in enumerate(draft.members) if m.relation == "head"]
    if draft.members and len(heads) != 1:
        problems.append(
            Problem("household.members", _("A household has exactly one head; this one has {n}.").format(n=len(heads)))
        )
    seen: dict[str, int] = {}
    for index, member in enumerate(draft.members):
        where = f"member.{index}."
        if not member.name.strip():
            problems.append(Problem(where + "name", _("Enter the member's name.")))
        if not member.relation:  # never a silent default: a spouse saved as a child by Enter (issue 16)
            problems.append(Problem(where + "relation", _("Choose the member's relation to the head of household.")))
        else:
            _check_choice(problems, where + "relation", member.relation, vocabulary.RELATIONS)
        _check_choice(
            problems, where + "membership_basis", member.membership_basis, membership.BASES, allow_empty=False
        )
        _check_choice(problems, where + "ethnicity", member.ethnicity, vocabulary.ETHNICITIES)
        _check_choice(problems, where + "education", member.education, vocabulary.EDUCATION)
        _check_choice(problems, where + "health", member.health, vocabulary.HEALTH)
        _check_choice(problems, where + "labour", member.labour, vocabulary.LABOUR)
        _check_choice(problems, where + "schooling", member.schooling, vocabulary.SCHOOLING)
        number = normalise(member.id_number)
        try:
            facts = parse(number)
        except IdNumberError as error:
            problems.append(Problem(where + "id_number", str(error)))
            continue
        if number in seen:
            problems.append(
                Problem(
                    where + "id_number",
                    _("This ID number is already entered for member {n} of this household.").format(n=seen[number] + 1),
                )
            )
        seen[number] = index
        if member.birth_date and member.birth_date != facts.birth_date:
            problems.append(
                Problem(
                    where + "birth_date",
                    _("The ID number says the birth date is {date}.").format(date=facts.birth_date.isoformat()),
                    WARNING,
                )
            )
        if member.sex and member.sex != facts.sex:
            problems.append(
                Problem(
                    where + "sex",
                    _("The ID number says the sex is {sex}.").format(sex=_(SEX_LABELS[facts.sex])),
                    WARNING,
                )
            )
    if seen:
        others = _households_holding(session, set(seen), exclude=draft.id)
        for number, holders in others.items():
            problems.append(
                Problem(
                    f"member.{seen[number]}.id_number",
                    _("This ID number is also registered in the household of {heads}.").format(
                        heads="、".join(holders)
                    ),
                    WARNING,
                )
            )
    years = set()
    for index, sheet in enumerate(draft.incomes):
        if not 2010 <= sheet.year <= dt.date.today().year:
            problems.append(Problem(f"income.{index}.year", _("Choose a year between 2010 and this year.")))
        if sheet.year in years:
            problems.append(
                Problem(f"income.{index}.year", _("There is already a worksheet for {year}.").format(year=sheet.year))
            )
        years.add(sheet.year)
        for name in INCOME_FIELDS:
            if getattr(sheet, name) < 0:
                problems.append(Problem(f"income.{index}.{name}", _("The amount may not be negative.")))
    return problems


def _households_holding(session: Session, numbers: set[str], exclude: str | None) -> dict[str, list[str]]:
    query = (
        select(Member.id_number, Household.head_name, Household.id)
        .join(Household, Member.household_id == Household.id)
        .where(Member.id_number.in_(numbers))
    )
    found: dict[str, list[str]] = {}
    for number, head, household_id in session.execute(query):
        if household_id != exclude:
            found.setdefault(number, []).append(head or "?")
    return found


def duplicate_numbers(session: Session, household: Household) -> set[str]:
    numbers = {m.id_number for m in household.members}
    return set(_households_holding(session, numbers, exclude=household.id)) if numbers else set()


# A household's search text (what the list's filter finds: every member's name and ID number) in two parts, the
# words, then SEARCH_PARTS, then the numbers: a field that holds a character other than NUMBER_CHARACTERS is a word,
# one that holds any of them a number (a name with a digit is both).  A filter of digits and X alone can then only
# be inside a number, any other filter only inside a word, and the list scans that part alone, a third or half of
# the text (core.records.household_list; migration 0020 keeps the parts in narrow tables of their own).
SEARCH_PARTS = "\x1e"
NUMBER_CHARACTERS = frozenset("0123456789Xx")


def search_text(household: Household) -> str:
    words, numbers = [], []
    for member in household.members:
        for value in (member.name, member.id_number):
            written = (value or "").replace(SEARCH_PARTS, "")
            if any(c not in NUMBER_CHARACTERS for c in written):
                words.append(written)
            if any(c in NUMBER_CHARACTERS for c in written):
                numbers.append(written)
    return f"{'|'.join(words)}{SEARCH_PARTS}{'|'.join(numbers)}"


def list_key(village: str, group: str, head_name: str) -> str:
    """The household list's order: village name, group name, head's name (unit separators between)."""
    return f"{village}\x1f{group}\x1f{head_name}"


# The household list's caches: computed from the household, its members and steps (``derived_values``),
# never journalled, recomputed wherever the household arrives.
DERIVED_COLUMNS = (
    "head_name",
    "head_id_number",
    "actual_population",
    "workflow_step",
    "flags",
    "search_text",
    "list_key",
)


def fields_read() -> dict[str, frozenset[str]]:
    """Per table, the fields ``derived_values`` reads of a household and of its records: what the rules'
    protocols name (``rules.shapes``: a rule reads nothing else, mypy holds them to it) and each member's
    relation (which one is the head).  An import reads only these (``sync.staging``)."""
    from xinjie_desktop.core.rules import shapes

    def named(protocol: type) -> frozenset[str]:
        return frozenset(name for name, value in vars(protocol).items() if isinstance(value, property))

    return {
        "household": named(shapes.Household) - {"members", "incomes", "steps", "objections"},
        "member": named(shapes.Member) | {"relation"},
        "income_worksheet": named(shapes.IncomeWorksheet),
        "workflow_step": named(shapes.WorkflowStep),
        "objection": named(shapes.Objection),
    }


def derived_values(
    household, village_name: str, group_name: str, params: PolicyParameters, duplicates: set[str]
) -> dict:
    """The derived columns of a household (ORM object, or any object with the same attributes and its
    members, incomes, steps and objections in order)."""
    head = next((m for m in household.members if m.relation == "head"), None)
    head_name = head.name if head else ""
    return {
        "head_name": head_name,
        "head_id_number": head.id_number if head else "",
        "actual_population": len(flag_rules.actual_members(household)),
        "search_text": search_text(household),
        "list_key": list_key(village_name, group_name, head_name),
        "workflow_step": identification.state(household.steps),
        "flags": flag_rules.encode(flag_rules.compute(household, params, duplicates)),
    }


def refresh_derived(
    session: Session, household: Household, params: PolicyParameters, duplicates: set[str] | None = None
) -> None:
    """Recompute the household's derived columns (head, population, step, flags).

    ``duplicates``: its members' ID numbers held by other households, when the caller knows them."""
    group = session.get_one(VillagerGroup, household.group_id)
    if duplicates is None:
        duplicates = duplicate_numbers(session, household)
    for name, value in derived_values(household, group.village.name, group.name, params, duplicates).items():
        if getattr(household, name) != value:
            setattr(household, name, value)


def shared_numbers(connection, household_ids: list[str]) -> dict[str, set[str]]:
    """ID numbers of these households' members that another household holds too: number → households.
    One indexed join (usually finding nothing), not a look-up per number."""
    connection.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS refresh_household (id TEXT PRIMARY KEY) WITHOUT ROWID")
    connection.exec_driver_sql("DELETE FROM refresh_household")
    connection.exec_driver_sql("INSERT INTO refresh_household VALUES (?)", [(i,) for i in household_ids])
    shared: dict[str, set[str]] = {}
    for number, mine, other in connection.exec_driver_sql(
        "SELECT m.id_number, m.household_id, o.household_id FROM refresh_household r "
        "JOIN member m ON m.household_id = r.id JOIN member o ON o.id_number = m.id_number "
        "AND o.household_id != m.household_id"
    ):
        shared.setdefault(number, set()).update((mine, other))
    return shared


def refresh_many(
    session: Session, household_ids: set[str], params: PolicyParameters, computed: Set[str] = frozenset()
) -> dict[str, set[str]]:
    """``refresh_derived`` for many households at once (an import), and for the households sharing an ID
    number with them; returns the ID numbers held by more than one household (number → households).

    ``computed``: households whose derived columns were just written as ``derived_values`` gives them for
    their records under ``params`` (an import computes them as it reads a bundle), left as they are unless
    one of their ID numbers is held elsewhere.  Reads and writes with plain SQL, 500 households at a time:
    the import writes thousands."""
    from types import SimpleNamespace

    from xinjie_desktop.core.store.models import Objection, WorkflowStep

    connection = session.connection()
    ids = sorted(household_ids)
    shared = shared_numbers(connection, ids)
    everyone = sorted(set(ids).union(*shared.values()) if shared else set(ids))
    from xinjie_desktop.core.store.models import Village

    names = {
        row[0]: (row[1], row[2])
        for row in connection.execute(
            select(VillagerGroup.id, VillagerGroup.name, Village.name).join(
                Village, VillagerGroup.village_id == Village.id
            )
        )
    }
    derived = DERIVED_COLUMNS
    updates: list[dict[str, object]] = []
    involved = set().union(*shared.values()) if shared else set()
    everyone = [household_id for household_id in everyone if household_id not in computed or household_id in involved]
    for start in range(0, len(everyone), 500):
        part = everyone[start : start + 500]
        children: dict[str, dict[str, list]] = {
            household_id: {"members": [], "incomes": [], "steps": [], "objections": []} for household_id in part
        }
        for key, model, order in (
            ("members", Member, Member.position),
            ("incomes", IncomeWorksheet, IncomeWorksheet.year),
            ("steps", WorkflowStep, WorkflowStep.ordinal),
            ("objections", Objection, Objection.raised_on),
        ):
            table = model.__table__
            for row in connection.execute(
                select(table).where(table.c.household_id.in_(part)).order_by(order)
            ).mappings():
                children[row["household_id"]][key].append(SimpleNamespace(**row))
        for row in connection.execute(select(Household.__table__).where(Household.id.in_(part))).mappings():
            household = SimpleNamespace(**row, **children[row["id"]])
            group_name, village_name = names.get(row["group_id"], ("", ""))
            mine = {m.id_number for m in household.members}
            values = derived_values(
                household,
                village_name,
                group_name,
                params,
                {n for n in mine if n in shared and shared[n] - {household.id}},
            )
            if any(row[name] != values[name] for name in derived):
                updates.append({"row_id": row["id"], **{f"new_{name}": values[name] for name in derived}})
    if updates:
        table = Household.__table__
        connection.execute(
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in derived}),
            updates,
        )
    return shared


def load_household(session: Session, household_id: str) -> Household | None:
    return session.scalar(
        select(Household)
        .where(Household.id == household_id)
        .options(
            selectinload(Household.members),
            selectinload(Household.incomes),
            selectinload(Household.steps),
            selectinload(Household.objections),
        )
    )


def existing_household(session: Session, household_id: str) -> Household:
    """``load_household`` of a household that must be in the store (``NoResultFound`` if it is not)."""
    household = load_household(session, household_id)
    if household is None:
        raise NoResultFound(f"no household {household_id}")
    return household


def to_draft(household: Household) -> HouseholdDraft:
    return HouseholdDraft(
        id=household.id,
        **{name: getattr(household, name) for name in HOUSEHOLD_FIELDS},
        secondary_causes=[c for c in household.secondary_causes.split(",") if c],
        members=[
            MemberDraft(id=m.id, id_number=m.id_number, **{name: getattr(m, name) for name in MEMBER_FIELDS})
            for m in household.members
        ],
        incomes=[
            IncomeDraft(year=s.year, **{name: from_fen(getattr(s, name)) for name in INCOME_FIELDS})
            for s in household.incomes
        ],
    )


def apply_draft(
    session: Session, household: Household, draft: HouseholdDraft, keep_positions: bool = False
) -> set[str]:
    """Copy ``draft`` onto ``household``; returns the ID numbers it held before (for duplicate checks).

    ``keep_positions``: members already there keep their place, new ones go after the last (a merged
    draft: nothing is written but what changed); otherwise the draft's order numbers them."""
    before = {m.id_number for m in household.members}
    next_position = max((m.position for m in household.members), default=-1) + 1
    for name in HOUSEHOLD_FIELDS:
        value = getattr(draft, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(household, name) != value:
            setattr(household, name, value)
    causes = ",".join(draft.secondary_causes)
    if household.secondary_causes != causes:
        household.secondary_causes = causes
    group = session.get_one(VillagerGroup, draft.group_id)  # there: validate checked it
    household.village_id = group.village_id
    existing = {m.id: m for m in household.members}
    members = []
    for position, member_draft in enumerate(draft.members):
        member = existing.pop(member_draft.id, None) if member_draft.id else None
        member = member or Member()
        for name in MEMBER_FIELDS:
            value = getattr(member_draft, name)
            value = value.strip() if isinstance(value, str) else value
            if getattr(member, name) != value:
                setattr(member, name, value)
        number = normalise(member_draft.id_number)
        if member.id_number != number:
            member.id_number = number
        if keep_positions:
            if member.id is None:
                member.position, next_position = next_position, next_position + 1
        elif member.position != position:
            member.position = position
        members.append(member)
    household.members = members
    sheets = {s.year: s for s in household.incomes}
    kept = []
    for sheet_draft in draft.incomes:
        sheet = sheets.pop(sheet_draft.year, None) or IncomeWorksheet(year=sheet_draft.year)
        for name in INCOME_FIELDS:
            fen = to_fen(getattr(sheet_draft, name))
            if getattr(sheet, name) != fen:
                setattr(sheet, name, fen)
        kept.append(sheet)
    household.incomes = kept
    return before


def save(
    store: Store,
    draft: HouseholdDraft,
    params: PolicyParameters | None = None,
    loaded: LoadedHousehold | None = None,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
) -> str:
    """Validate and write the household in one transaction; returns its id.

    ``loaded``: the household as the form loaded it. Then only what the user changed since is written,
    each field checked against what was loaded: a field changed in the store meanwhile (an import, a
    second window) that the user did not touch keeps the store's value; a field both changed raises
    ``EditCollisions`` (nothing written) until ``decisions`` settles it, and the decision is journalled
    with the versions it decided between. Without ``loaded`` the whole draft is written."""
    params = params or current()
    with store.unit_of_work() as session:
        access.require_group(store, session, Action.EDIT_HOUSEHOLD, draft.group_id)
        if draft.id:
            access.require_household(store, session, Action.EDIT_HOUSEHOLD, draft.id)
        problems = [p for p in validate(session, draft) if p.severity == ERROR]
        if problems:
            raise ValidationFailed(problems)
        household = load_household(session, draft.id) if draft.id else None
        if draft.id and household is None:
            raise ValidationFailed([Problem("household", _("This household no longer exists in the store."))])
        is_new = household is None
        household = household or Household()
        decided: dict[edits.Key, object] = {}
        if household is not None and not is_new and loaded is not None:
            merged = merge_drafts(loaded.draft, draft, to_draft(household), decisions)
            if merged.collisions:
                raise EditCollisions(_described(session, store, household, merged.collisions))
            draft, decided = merged.draft, merged.decided
            problems = [p for p in validate(session, draft) if p.severity == ERROR]
            if problems:
                raise ValidationFailed(problems)
        with session.no_autoflush:
            before = apply_draft(session, household, draft, keep_positions=loaded is not None)
            _journal_decisions(session, household, decided, loaded)
        if is_new:
            session.add(household)
        session.flush()
        refresh_derived(session, household, params)
        _refresh_sharing(session, household, before | {m.id_number for m in household.members}, params)
        return household.id


# --- saving what the form changed (issue 13, case 1) ------------------------------------------------------

HOUSEHOLD_TABLE, MEMBER_TABLE, INCOME_TABLE = "household", "member", "income_worksheet"


@dataclass(frozen=True)
class LoadedHousehold:
    """A household as a form loaded it: its draft, and the sync versions of its records then (table,
    record id → the record's ``sync_versions``)."""

    draft: HouseholdDraft
    versions: dict[tuple[str, str], str]


def loaded_household(household: Household) -> LoadedHousehold:
    """What a form remembers of the household it opens."""
    versions = {(HOUSEHOLD_TABLE, household.id): household.sync_versions}
    versions.update({(MEMBER_TABLE, m.id): m.sync_versions for m in household.members})
    versions.update({(INCOME_TABLE, str(s.year)): s.sync_versions for s in household.incomes})
    return LoadedHousehold(copy.deepcopy(to_draft(household)), versions)


def _text(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _causes(causes: list[str]) -> str:
    order = list(vocabulary.CAUSES)
    known = sorted({c for c in causes if c in vocabulary.CAUSES}, key=order.index)
    return ",".join(known + sorted({c for c in causes if c not in vocabulary.CAUSES}))


def edit_records(draft: HouseholdDraft) -> dict[tuple[str, str], dict[str, object]]:
    """A draft as the records it writes, with the values it would store (stripped text, ID numbers
    normalised, amounts in fen), keyed (table, record): the household, each member by id (a new one by
    its place), each year's income worksheet by year."""
    records: dict[tuple[str, str], dict[str, object]] = {
        (HOUSEHOLD_TABLE, draft.id or ""): {
            **{name: _text(getattr(draft, name)) for name in HOUSEHOLD_FIELDS},
            "secondary_causes": _causes(draft.secondary_causes),
        }
    }
    for index, member in enumerate(draft.members):
        records[(MEMBER_TABLE, member.id or f"new-{index}")] = {
            **{name: _text(getattr(member, name)) for name in MEMBER_FIELDS},
            "id_number": normalise(member.id_number),
        }
    for sheet in draft.incomes:
        records[(INCOME_TABLE, str(sheet.year))] = {name: to_fen(getattr(sheet, name)) for name in INCOME_FIELDS}
    return records


def differs(draft: HouseholdDraft, other: HouseholdDraft) -> bool:
    """Whether saving ``draft`` would store anything other than ``other`` holds (order of members aside)."""
    return edit_records(draft) != edit_records(other)


EMPTY_SHEET: dict[str, object] = dict.fromkeys(INCOME_FIELDS, 0)


@dataclass
class MergedDraft:
    draft: HouseholdDraft
    collisions: list[edits.Collision]
    decided: dict[edits.Key, object]


def merge_drafts(
    base: HouseholdDraft,
    mine: HouseholdDraft,
    theirs: HouseholdDraft,
    decisions: Mapping[edits.Key, edits.Decision] | None = None,
) -> MergedDraft:
    """The household to write when the form loaded ``base``, the user made ``mine`` of it and the store
    now holds ``theirs`` (the rule: ``core.records.edits``). Members and income worksheets are records of
    their own: one added, removed or changed in the store is kept so unless the user changed the same."""
    household_id = theirs.id or base.id or ""
    sides = []
    for draft in (base, mine, theirs):
        records = edit_records(draft)
        records[(HOUSEHOLD_TABLE, household_id)] = records.pop((HOUSEHOLD_TABLE, draft.id or ""))
        sides.append(records)
    result = edits.merge(sides[0], sides[1], sides[2], decisions=decisions, empty={INCOME_TABLE: EMPTY_SHEET})
    fields = result.records[(HOUSEHOLD_TABLE, household_id)] or {}
    merged = HouseholdDraft(
        id=theirs.id,
        **{name: fields[name] for name in HOUSEHOLD_FIELDS},  # type: ignore[arg-type]
        secondary_causes=[c for c in str(fields["secondary_causes"]).split(",") if c],
    )
    # The store's order, then the members the user added (or chose to keep after they were removed there).
    theirs_ids = [m.id for m in theirs.members]
    order = [(MEMBER_TABLE, i) for i in theirs_ids if i] + [
        key for key in sides[1] if key[0] == MEMBER_TABLE and key[1] not in theirs_ids
    ]
    for key in order:
        values = result.records.get(key)
        if values is None:
            continue
        kept = key[1] in theirs_ids
        merged.members.append(MemberDraft(id=key[1] if kept else None, **values))  # type: ignore[arg-type]
    years = sorted(int(record) for table, record in result.records if table == INCOME_TABLE)
    for year in years:
        values = result.records[(INCOME_TABLE, str(year))]
        if values is not None:
            merged.incomes.append(
                IncomeDraft(year=year, **{name: from_fen(int(values[name])) for name in INCOME_FIELDS})  # type: ignore[call-overload]
            )
    return MergedDraft(merged, result.collisions, result.decided)


def _record(household: Household, table: str, record: str) -> Travelling | None:
    if table == HOUSEHOLD_TABLE:
        return household
    if table == MEMBER_TABLE:
        return next((m for m in household.members if m.id == record), None)
    return next((s for s in household.incomes if str(s.year) == record), None)


def _described(
    session: Session, store: Store, household: Household, collisions: list[edits.Collision]
) -> list[edits.Collision]:
    """The collisions with what the user knows the records by, and who wrote the store's value when."""
    described = []
    for collision in collisions:
        record = _record(household, collision.table, collision.record)
        label = ""
        if collision.table == MEMBER_TABLE:
            for side in (collision.mine, collision.theirs, collision.base):
                if isinstance(side, dict) and side.get("name"):
                    label = str(side["name"])
                    break
            else:
                label = str(getattr(record, "name", ""))
        elif collision.table == INCOME_TABLE:
            label = collision.record
        described.append(form_saving.describe(session, store, collision, record, label))
    return described


def _journal_decisions(
    session: Session, household: Household, decided: dict[edits.Key, object], loaded: LoadedHousehold | None
) -> None:
    """Each decided field gets a new version even when the store's value was kept, and its journal entry
    names the versions it decided between (as a conflict's resolution does)."""
    for table, record_key, name in decided:
        if name == edits.EXISTS:
            continue  # a record kept or removed: its creation or deletion is journalled as such
        record = _record(household, table, record_key)
        if record is None or record.id is None:
            continue
        versions = (loaded.versions if loaded else {}).get((table, record_key), "")
        form_saving.journal_decision(session, record, table, name, versions)


def _refresh_sharing(session: Session, household: Household, numbers: set[str], params: PolicyParameters) -> None:
    """Other households that share (or shared) an ID number get their duplicate flag updated."""
    if not numbers:
        return
    others = session.scalars(
        select(Household.id).join(Member).where(Member.id_number.in_(numbers), Household.id != household.id).distinct()
    ).all()
    for other_id in others:
        refresh_derived(session, existing_household(session, other_id), params)


def record_step(
    store: Store, household_id: str, entry: identification.StepInput, params: PolicyParameters | None = None
) -> None:
    """Record one workflow step (ID-5, PN-1) in its own transaction."""
    params = params or current()
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.RECORD_STEP, household_id)
        household = existing_household(session, household_id)
        identification.check(household, entry, params)
        household.steps.append(
            WorkflowStep(
                step=entry.step,
                ordinal=identification.STEP_CODES.index(entry.step),
                done_on=entry.done_on,
                done_by=entry.done_by.strip(),
                passed=entry.passed,
                notes=entry.notes.strip(),
                is_omission=entry.is_omission,
                omission_reason=entry.omission_reason.strip(),
                notice_place=entry.notice_place.strip(),
                notice_end=entry.notice_end,
            )
        )
        if entry.step == "entered" and entry.passed and entry.national_number.strip():
            household.national_number = entry.national_number.strip()
        session.flush()
        refresh_derived(session, household, params)


def add_objection(store: Store, household_id: str, raised_on: dt.date, raised_by: str, content: str) -> None:
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.EDIT_HOUSEHOLD, household_id)
        household = existing_household(session, household_id)
        identification.check_objection(household, raised_on, content)
        household.objections.append(
            Objection(raised_on=raised_on, raised_by=raised_by.strip(), content=content.strip())
        )


def resolve_objection(store: Store, objection_id: str, resolved_on: dt.date, resolution: str) -> None:
    with store.unit_of_work() as session:
        objection = session.get_one(Objection, objection_id)
        access.require_household(store, session, Action.EDIT_HOUSEHOLD, objection.household_id)
        identification.check_resolution(objection, resolved_on, resolution)
        objection.resolution = resolution.strip()
        objection.resolved_on = resolved_on


def _kept_by_township(session: Session, household_id: str) -> str | None:
    """Why the household may not be deleted because records are kept of it that no one deletes (issue 19):
    payments from the relocation funds (FD-1: the township office records them where the balances are kept, and
    refuses a laptop's bundle that deletes one, ``core.sync.scope``); an objection to a public notice naming it
    (PN-1); a check on its village's work team that visited it (WT-3: the township keeps its checks).  None:
    nothing."""
    from xinjie_desktop.core.store.models import FundPayment, NoticeObjection, TeamCheck

    paid = session.scalar(select(FundPayment.id).where(FundPayment.household_id == household_id).limit(1))
    if paid is not None:
        return _(
            "This household cannot be deleted: payments from the relocation funds have been made to it, and the "
            "township office keeps every payment."
        )
    # An objection raised against a public notice names the household (PN-1): the objection is kept with its
    # notice (its household column holds the household: deleting it would be refused by the store itself).
    objected = session.scalar(select(NoticeObjection.id).where(NoticeObjection.household_id == household_id).limit(1))
    if objected is not None:
        return _(
            "This household cannot be deleted: an objection raised against a public notice names it, and the "
            "notice's objections are kept (PN-1)."
        )
    # A check of the work team that visited the household (WT-3) names it; deleting the household would delete
    # the township's record of the check with it (its foreign key cascades).
    checked = session.scalar(select(TeamCheck.checked_on).where(TeamCheck.household_id == household_id).limit(1))
    if checked is not None:
        return _(
            "This household cannot be deleted: the township's check of the work team on {day} visited it, and the "
            "township keeps its checks (WT-3)."
        ).format(day=checked.isoformat())
    return None


def delete(store: Store, household_id: str) -> None:
    """Delete a household with everything recorded for it; refused (``ValidationFailed``, nothing written) while
    it has payments from the relocation funds (issue 19: the township would refuse the laptop's bundle that
    deletes them) or holds a signed or voided agreement (AG-1: a signed agreement is kept, whatever else happens)."""
    from xinjie_desktop.core.store.models import Agreement

    with store.unit_of_work() as session:
        access.require_household(store, session, Action.EDIT_HOUSEHOLD, household_id)
        household = load_household(session, household_id)
        why = _kept_by_township(session, household_id)
        if why is not None:
            raise ValidationFailed([Problem("household", why)])
        kept = session.scalar(
            select(Agreement.number).where(Agreement.household_id == household_id, Agreement.status != "draft").limit(1)
        )
        if kept is not None:
            raise ValidationFailed(
                [
                    Problem(
                        "household",
                        _(
                            "This household cannot be deleted: its agreement {number} has been signed, and a signed "
                            "agreement is kept."
                        ).format(number=kept),
                    )
                ]
            )
        if household is not None:
            numbers = {m.id_number for m in household.members}
            session.delete(household)
            session.flush()
            params = current()
            for other_id in session.scalars(
                select(Member.household_id).where(Member.id_number.in_(numbers)).distinct()
            ).all():
                refresh_derived(session, existing_household(session, other_id), params)
