"""The national system's roster in and out: read the roster the national system exports, compare it with
the township's records by ID number, write the correction list (数据清洗) and the township's own roster in
the same layout.

Reading only reads: a roster that cannot be used is refused with ``RosterError`` naming the sheet, the
row and the column, and nothing is written anywhere.  The file is held to limits before it is parsed
(its size, the sizes inside the zip, then rows and columns), and read with python-calamine (about
fifteen times as fast as openpyxl's read-only mode on this machine: ``scripts/bench_roster.py``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from sqlalchemy import select

from xinjie_desktop.core.documents import roster_workbook
from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules import income, membership, national_codes, vocabulary
from xinjie_desktop.core.rules.national_codes import NationalCodes
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import current as current_params
from xinjie_desktop.core.rules.roster_compare import (
    DIFFERENT,
    ONLY_HERE,
    ONLY_NATIONAL,
    Comparison,
    Difference,
    HereHousehold,
    HereMember,
    compare,
)
from xinjie_desktop.core.rules.roster_rows import (
    HEADER_SEARCH_ROWS,
    Header,
    RosterError,
    RosterPerson,
    RowReader,
    check_households,
    find_header,
    missing_columns,
)
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Household,
    IncomeWorksheet,
    Member,
    RosterCorrection,
    Township,
    Village,
    VillagerGroup,
    WorkflowStep,
)
from xinjie_desktop.core.store.safe_file import write_atomically
from xinjie_desktop.i18n import _

# Limits, checked before a cell is parsed.  A national export of a whole county is some 100,000 people
# (about 8 MB as .xlsx, 60 MB of XML inside); a file beyond these is not a roster.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_PACKING_RATIO = 200  # a zip bomb packs far tighter than any spreadsheet
MAX_ROWS = 300_000
MAX_COLUMNS = 300

# The township's roster, in the national system's column order (the first header name of each).
EXPORT_COLUMNS = (
    "county",
    "township",
    "village",
    "hamlet",
    "household_number",
    "person_number",
    "name",
    "id_number",
    "population",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour",
    "migrant_work",
    "exited",
    "attribute",
    "main_cause",
    "other_causes",
    "dangerous_house",
    "income",
    "phone",
)


@dataclass(frozen=True)
class Roster:
    path: Path
    sheet: str
    header: Header
    people: list[RosterPerson]
    codes_version: str


def _refuse(message: str) -> RosterError:
    return RosterError(message)


def _check_file(path: Path) -> None:
    """The limits a file must meet before any of it is parsed; ``RosterError`` otherwise."""
    name = path.name
    if not path.is_file():
        raise _refuse(_("The file {name} does not exist.").format(name=name))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse(
            _("The file {name} is {size} MB, larger than any roster ({most} MB at most).").format(
                name=name, size=size // (1024 * 1024), most=MAX_FILE_BYTES // (1024 * 1024)
            )
        )
    not_xlsx = _(
        "The file {name} is not an Excel workbook (.xlsx): export the roster from the national system as .xlsx, "
        "or open it in a spreadsheet program and save it as .xlsx."
    ).format(name=name)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refuse(not_xlsx) from None
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise _refuse(not_xlsx)
    _check_dimensions(path, entries)
    unpacked = sum(entry.file_size for entry in entries)
    packed = max(1, sum(entry.compress_size for entry in entries))
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * packed + 10_000_000:
        raise _refuse(
            _("The file {name} unpacks to {size} MB: it is not a roster the program reads.").format(
                name=name, size=unpacked // (1024 * 1024)
            )
        )


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')


def _check_dimensions(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    """The size each sheet declares at its start (``<dimension ref="A1:V100002"/>``, when the writer gave
    one), held to the limits before the sheet is parsed."""
    with zipfile.ZipFile(path) as archive:
        for entry in entries:
            if not (entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")):
                continue
            try:
                with archive.open(entry) as handle:
                    start = handle.read(4096)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                raise _refuse(
                    _("The file {name} cannot be read as a workbook: {error}").format(
                        name=path.name, error=entry.filename
                    )
                ) from None
            found = _DIMENSION.search(start)
            if found is None:
                continue
            columns = sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(found.group(1).decode())))
            rows = int(found.group(2))
            if rows > MAX_ROWS + 50 or columns > MAX_COLUMNS:
                raise _refuse(
                    _(
                        "Sheet {sheet} has {rows} rows and {columns} columns: a roster has at most {most_rows} "
                        "rows and {most_columns} columns."
                    ).format(
                        sheet=Path(entry.filename).stem,
                        rows=rows,
                        columns=columns,
                        most_rows=MAX_ROWS,
                        most_columns=MAX_COLUMNS,
                    )
                )


def read(path: Path | str, codes: NationalCodes | None = None) -> Roster:
    """The roster at ``path``, every row validated; ``RosterError`` names the sheet, row and column of the
    first fault.  Reads only."""
    path = Path(path)
    codes = codes or national_codes.current()
    _check_file(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine's errors (zip, XML, password) have no common base of their own
        raise _refuse(
            _("The file {name} cannot be read as a workbook: {error}").format(name=path.name, error=error)
        ) from None
    rows: Iterator[list[object]] | None = None
    try:
        closest: tuple[str, Header] | None = None
        for sheet_name in book.sheet_names:
            try:
                sheet = book.get_sheet_by_name(sheet_name)
            except Exception as error:
                raise _refuse(
                    _("Sheet {sheet} of {name} cannot be read: {error}").format(
                        sheet=sheet_name, name=path.name, error=error
                    )
                ) from None
            if sheet.height > MAX_ROWS + 50 or sheet.width > MAX_COLUMNS:
                raise _refuse(
                    _(
                        "Sheet {sheet} has {rows} rows and {columns} columns: a roster has at most {most_rows} "
                        "rows and {most_columns} columns."
                    ).format(
                        sheet=sheet_name,
                        rows=sheet.height,
                        columns=sheet.width,
                        most_rows=MAX_ROWS,
                        most_columns=MAX_COLUMNS,
                    )
                )
            if sheet.start is None:  # an empty sheet
                continue
            # Row by row (the sheet's cells stay in calamine's compact form until a row is read): calamine's
            # rows begin at the sheet's first row but at its first used column, so each row is given the
            # empty cells before that column back, and every column keeps its letter.
            pad: list[object] = [None] * sheet.start[1]
            rows = (pad + row for row in sheet.iter_rows())
            first = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
            header = find_header(sheet_name, first, codes)
            if header is None:
                continue
            if missing_columns(header, codes):
                if closest is None or len(header.columns) > len(closest[1].columns):
                    closest = (sheet_name, header)
                continue
            return _people(path, sheet_name, header, itertools.chain(first[header.row :], rows), codes)
        if closest is not None:
            sheet_name, header = closest
            raise _refuse(
                _("Sheet {sheet}, row {row} (the header): the columns {columns} are missing.").format(
                    sheet=sheet_name, row=header.row, columns="、".join(missing_columns(header, codes))
                )
            )
        raise _refuse(
            _(
                "No sheet of {name} has the roster's header (证件号码, 姓名, 户编号 …) in its first rows: "
                "is it the roster the national system exports?"
            ).format(name=path.name)
        )
    finally:
        rows = None  # a sheet's rows not read to the end are let go before their workbook is closed
        book.close()


def _people(path: Path, sheet: str, header: Header, rows: Iterable[Sequence[object]], codes: NationalCodes) -> Roster:
    """The people of the rows under the header (``rows`` begins with the row after it)."""
    reader = RowReader(sheet, header, codes)
    people = []
    for number, cells in enumerate(rows, start=header.row + 1):
        person = reader.person(number, cells)
        if person is not None:
            people.append(person)
    if not people:
        raise _refuse(
            _("Sheet {sheet}: there is no person under the header (row {row}).").format(sheet=sheet, row=header.row)
        )
    check_households(sheet, people, header)
    return Roster(path, sheet, header, people, codes.version)


def here_households(store: Store) -> list[HereHousehold]:
    """The township's households as the comparison reads them (plain values, in the list's order).  Every
    village's people: the township office's work with the national system (``Action.NATIONAL_ROSTER``)."""
    with store.session() as session:
        access.require(store, session, Action.NATIONAL_ROSTER)
        entered = set(
            session.scalars(
                select(WorkflowStep.household_id).where(WorkflowStep.step == "entered", WorkflowStep.passed)
            )
        )
        members: dict[str, list[HereMember]] = {}
        for household_id, id_number, name, relation, sex, basis in session.execute(
            select(
                Member.household_id, Member.id_number, Member.name, Member.relation, Member.sex, Member.membership_basis
            ).order_by(Member.household_id, Member.position)
        ):
            members.setdefault(household_id, []).append(
                HereMember(id_number, name, relation, sex == "female", basis in membership.INCLUDED)
            )
        found = []
        for row in session.execute(
            select(
                Household.id,
                Village.name,
                VillagerGroup.name,
                Household.national_number,
                Household.head_name,
                Household.head_id_number,
                Household.actual_population,
                Household.attribute,
                Household.main_cause,
                Household.exited,
                Household.secondary_causes,
            )
            .join(Village, Village.id == Household.village_id)
            .join(VillagerGroup, VillagerGroup.id == Household.group_id)
            .order_by(Household.list_key, Household.id)
        ):
            found.append(
                HereHousehold(
                    id=row[0],
                    village=row[1],
                    group=row[2],
                    national_number=row[3],
                    head_name=row[4],
                    head_id_number=row[5],
                    actual_population=row[6],
                    attribute=row[7],
                    main_cause=row[8],
                    exited=row[9],
                    in_national_system=bool(row[3]) or row[0] in entered,
                    members=tuple(members.get(row[0], ())),
                    other_causes=_causes(row[10]),
                )
            )
    return found


def _causes(stored: str) -> tuple[str, ...]:
    """A household's secondary causes (comma-separated codes) in the program's order."""
    found = set(stored.split(",")) if stored else set()
    return tuple(code for code in vocabulary.CAUSES if code in found)


def compare_file(store: Store, path: Path | str) -> tuple[Roster, Comparison]:
    """Read the roster at ``path`` and compare it with the store.  Reads only."""
    roster = read(path)
    return roster, compare(roster.people, here_households(store))


# --- the correction list --------------------------------------------------------------------------


def shown_value(difference: Difference, value: str, codes: NationalCodes | None = None) -> str:
    """A difference's value as the national system labels it (a code becomes its label)."""
    codes = codes or national_codes.current()
    if difference.field == "other_causes":
        return _cause_labels(codes, value.split(",") if value else ())
    if difference.field in codes.fields and value:
        return codes.fields[difference.field].label_for(value) or value
    return value


def _cause_labels(codes: NationalCodes, causes: Iterable[str]) -> str:
    """Causes as the national system writes several in one cell: its labels, 、 between them."""
    return "、".join(codes.fields["main_cause"].label_for(code) or code for code in causes)


def side_label(side: str) -> str:
    return {
        ONLY_NATIONAL: _("only in the national system"),
        ONLY_HERE: _("only in the township"),
        DIFFERENT: _("differs"),
    }[side]


def correction_rows(comparison: Comparison, corrected: dict[str, str] | None = None) -> list[list[object]]:
    """The correction list's rows (``roster_workbook.corrections_headers``); ``corrected``: difference key ->
    what the record of corrections says (who, when)."""
    codes = national_codes.current()
    corrected = corrected or {}
    rows: list[list[object]] = []
    for number, difference in enumerate(comparison.differences, start=1):
        rows.append(
            [
                number,
                side_label(difference.side),
                difference.village,
                difference.household_number,
                difference.name,
                difference.id_number,
                difference.field_label,
                shown_value(difference, difference.national, codes),
                shown_value(difference, difference.here, codes),
                difference.rule,
                difference.meaning,
                corrected.get(difference.key, ""),
            ]
        )
    return rows


# --- the record of corrections entered into the national system ------------------------------------


class CorrectionError(ValueError):
    """A correction that cannot be recorded; ``str()`` says why."""


@dataclass(frozen=True)
class Correction:
    key: str
    field: str
    id_number: str
    household_number: str
    national_value: str
    here_value: str
    entered_on: dt.date
    entered_by: str
    note: str

    @property
    def text(self) -> str:
        """As the correction list's last column shows it."""
        return f"{self.entered_on:%Y-%m-%d} {self.entered_by}".strip()


def corrections(store: Store) -> dict[str, Correction]:
    """Every correction the township office has recorded as entered into the national system, by difference key.
    (Not asked: the record names what was corrected, when and by whom; the roster's people are read by
    ``here_households`` and ``export_rows``, which ask.)"""
    with store.session() as session:
        return {
            row.difference_key: Correction(
                row.difference_key,
                row.field,
                row.id_number,
                row.household_number,
                row.national_value,
                row.here_value,
                row.entered_on,
                row.entered_by,
                row.note,
            )
            for row in session.scalars(select(RosterCorrection).order_by(RosterCorrection.recorded_at))
        }


def corrected_texts(store: Store) -> dict[str, str]:
    """Difference key -> when and by whom it was entered into the national system."""
    return {key: correction.text for key, correction in corrections(store).items()}


def record_corrections(
    store: Store, differences: Sequence[Difference], entered_on: dt.date, entered_by: str, note: str = ""
) -> int:
    """Record that ``differences`` were entered into the national system, in one transaction; one already
    recorded is left as it was.  Returns how many were recorded now.  (The one place that writes the record:
    the township's administration only, ``Action.ROSTER_CORRECTIONS``; auditors compare and read, issue 17 and 18.)"""
    entered_by = entered_by.strip()
    if not entered_by:
        raise CorrectionError(_("Say who entered the corrections into the national system."))
    if len(entered_by) > 50:
        raise CorrectionError(_("A name has at most 50 characters."))
    if entered_on > dt.date.today():
        raise CorrectionError(_("The day the corrections were entered cannot be in the future."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.ROSTER_CORRECTIONS)  # the township office's work with the national system
        known = set(session.scalars(select(RosterCorrection.difference_key)))
        added = 0
        for difference in differences:
            if difference.key in known:
                continue
            known.add(difference.key)
            session.add(
                RosterCorrection(
                    difference_key=difference.key,
                    field=difference.field,
                    id_number=difference.id_number,
                    household_number=difference.household_number,
                    national_value=difference.national,
                    here_value=difference.here,
                    entered_on=entered_on,
                    entered_by=entered_by,
                    note=note,
                )
            )
            added += 1
    return added


def write_corrections(
    comparison: Comparison, out: Path | str, corrected: dict[str, str] | None = None, title: str = ""
) -> Path:
    """The correction list as an .xlsx at ``out`` (written whole or not at all)."""
    out = Path(out)
    title = title or _("Corrections to enter into the national system ({date})").format(date=dt.date.today())
    write_atomically(out, roster_workbook.corrections_bytes(title, correction_rows(comparison, corrected)))
    return out


def to_json(comparison: Comparison, corrected: dict[str, Correction] | None = None) -> dict[str, object]:
    """``only_national``, ``only_here``, ``different``: each a list naming ID numbers and fields; ``corrected``
    (the record of corrections) adds to each entry when it was entered into the national system, and by whom."""
    corrected = corrected or {}

    def entry(difference: Difference) -> dict[str, object]:
        shown: dict[str, object] = {
            "kind": "household"
            if difference.field == "household"
            else "person"
            if difference.field == "person"
            else "field",
            "id_number": difference.id_number,
            "name": difference.name,
            "household_number": difference.household_number,
            "household_id": difference.household_id,
            "village": difference.village,
            "field": difference.field,
            "rule": difference.rule,
            "meaning": difference.meaning,
        }
        if difference.side == DIFFERENT:
            shown["national"] = difference.national
            shown["here"] = difference.here
        if difference.people:
            shown["people"] = list(difference.people)
        record = corrected.get(difference.key)
        shown["corrected"] = None if record is None else {"on": record.entered_on.isoformat(), "by": record.entered_by}
        return shown

    return {
        ONLY_NATIONAL: [entry(d) for d in comparison.side(ONLY_NATIONAL)],
        ONLY_HERE: [entry(d) for d in comparison.side(ONLY_HERE)],
        DIFFERENT: [entry(d) for d in comparison.side(DIFFERENT)],
        "counts": {
            "national_households": comparison.national_households,
            "national_people": comparison.national_people,
            "here_households": comparison.here_households,
        },
    }


# --- the township's roster in the national system's layout ---------------------------------------


def export_rows(store: Store, codes: NationalCodes | None = None) -> tuple[list[str], list[list[object]]]:
    """The header and the rows of the township's roster: every household entered into the national system,
    one row per actual member (ID-2), with the actual population and the national system's labels.  Read as
    plain columns (no ORM objects): a whole township is some 100,000 rows."""
    codes = codes or national_codes.current()
    params = current_params()
    headers = [codes.headers()[field][0] for field in EXPORT_COLUMNS]
    labels: dict[tuple[str, str, bool], str] = {}

    def label(field: str, code: str, female: bool = False) -> str:
        key = (field, code, female)
        if key not in labels:
            labels[key] = codes.fields[field].label_for(code, female)
        return labels[key]

    with store.session() as session:
        access.require(store, session, Action.NATIONAL_ROSTER)  # every village's people
        township_name = session.scalar(select(Township.name).limit(1)) or ""
        entered = set(
            session.scalars(
                select(WorkflowStep.household_id).where(WorkflowStep.step == "entered", WorkflowStep.passed)
            )
        )
        sheets: dict[str, tuple[int, int, int, int, int, int]] = {}
        for household_id, *figures in session.execute(
            select(
                IncomeWorksheet.household_id,
                IncomeWorksheet.year,
                IncomeWorksheet.wage,
                IncomeWorksheet.business,
                IncomeWorksheet.property_income,
                IncomeWorksheet.transfer,
                IncomeWorksheet.production_costs,
            ).order_by(IncomeWorksheet.year)
        ):
            if params.income_line(figures[0]) is not None or household_id not in sheets:
                sheets[household_id] = (figures[0], figures[1], figures[2], figures[3], figures[4], figures[5])
        people: dict[str, list[tuple]] = {}
        for row in session.execute(
            select(
                Member.household_id,
                Member.name,
                Member.id_number,
                Member.relation,
                Member.sex,
                Member.ethnicity,
                Member.education,
                Member.schooling,
                Member.health,
                Member.labour,
                Member.membership_basis,
            ).order_by(Member.household_id, Member.position)
        ):
            if row[10] in membership.INCLUDED:
                people.setdefault(row[0], []).append(tuple(row))
        rows: list[list[object]] = []
        for (
            household_id,
            village,
            group,
            national_number,
            head_id_number,
            exited,
            attribute,
            main_cause,
            secondary_causes,
            phone,
        ) in session.execute(
            select(
                Household.id,
                Village.name,
                VillagerGroup.name,
                Household.national_number,
                Household.head_id_number,
                Household.exited,
                Household.attribute,
                Household.main_cause,
                Household.secondary_causes,
                Household.phone,
            )
            .join(Village, Village.id == Household.village_id)
            .join(VillagerGroup, VillagerGroup.id == Household.group_id)
            .order_by(Household.list_key, Household.id)
        ):
            if not (national_number or household_id in entered):
                continue
            members = people.get(household_id, [])
            if not members:
                continue
            number = national_number or _("unnumbered-{id}").format(id=head_id_number)
            sheet = sheets.get(household_id)
            per_capita = None
            if sheet is not None:
                per_capita = income.assess(*sheet, len(members), params).per_capita
            household_values = {
                "county": "",
                "township": township_name,
                "village": village,
                "hamlet": group,
                "household_number": number,
                "population": len(members),
                "migrant_work": "",
                "exited": label("exited", "yes" if exited else "no"),
                "attribute": label("attribute", attribute),
                "main_cause": label("main_cause", main_cause),
                "other_causes": _cause_labels(codes, _causes(secondary_causes)),
                "dangerous_house": "",
                "income": float(per_capita) if per_capita is not None else None,
                "phone": phone,
            }
            for position, (
                _h,
                name,
                id_number,
                relation,
                sex,
                ethnicity,
                education,
                schooling,
                health,
                labour,
                _b,
            ) in enumerate(members, start=1):
                values = {
                    **household_values,
                    "person_number": f"{number}{position:02d}",
                    "name": name,
                    "id_number": id_number,
                    "relation": label("relation", relation, sex == "female"),
                    "ethnicity": label("ethnicity", ethnicity),
                    "education": label("education", education),
                    "schooling": label("schooling", schooling),
                    "health": label("health", health),
                    "labour": label("labour", labour),
                }
                rows.append([values[field] for field in EXPORT_COLUMNS])
    return headers, rows


def export(store: Store, out: Path | str) -> int:
    """Write the township's roster at ``out`` (whole or not at all); the number of people written."""
    headers, rows = export_rows(store)
    with store.session() as session:
        township_name = session.scalar(select(Township.name).limit(1)) or ""
    title = _("{township}: registered poor people as the township records them ({date})").format(
        township=township_name, date=dt.date.today()
    )
    write_atomically(Path(out), roster_workbook.roster_bytes(title, headers, rows))
    return len(rows)
