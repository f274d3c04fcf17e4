"""The national system's roster, row by row: finding its header and validating each person's row.

Pure: it receives the cells as the spreadsheet reader gives them (text, whole numbers, floats, dates,
None) and returns validated ``RosterPerson`` rows, or raises ``RosterError`` naming the sheet, the row,
the column and what is wrong.  Nothing here reads a file (``core.records.national_roster`` does).
Header rows, merged title cells and the order of the columns vary between exports, so the header is
searched for in the first rows and every column is found by its name; extra columns are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from xinjie_desktop.core.rules import idnumber, vocabulary
from xinjie_desktop.core.rules.national_codes import NationalCodes, normalise_label
from xinjie_desktop.i18n import _

HEADER_SEARCH_ROWS = 30  # the header is in the first rows (titles, merged cells and notes above it)
MAX_POPULATION = 30
# The columns a roster must have to be compared; the others are validated when present.
REQUIRED = ("household_number", "name", "id_number", "population", "relation", "attribute", "main_cause", "exited")
OTHER_CAUSES_SEPARATORS = re.compile(r"[、,，;；/／\s\u3000]+")
# A household's fields: the same on every row of one household number.
HOUSEHOLD_FIELDS = ("population", "attribute", "main_cause", "exited", "other_causes")


class RosterError(ValueError):
    """A roster that cannot be used; ``str()`` says where (sheet, row, column) and what is wrong."""

    def __init__(self, message: str, sheet: str = "", row: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.sheet, self.row, self.column = sheet, row, column


@dataclass(frozen=True, slots=True)
class RosterPerson:
    """One person's row, validated; codes are the program's (vocabulary.py), labels as the file had them."""

    row: int
    county: str
    township: str
    village: str
    hamlet: str
    household_number: str
    person_number: str
    name: str
    id_number: str
    population: int
    relation: str
    ethnicity: str
    education: str
    schooling: str
    health: str
    labour: str
    migrant_work: str
    exited: bool
    attribute: str
    main_cause: str
    other_causes: tuple[str, ...] | None  # codes in the program's order; None when the roster has no such column
    standard: str
    dangerous_house: str
    income: Decimal | None
    phone: str


@dataclass(frozen=True)
class Header:
    row: int  # 1-based row of the header
    columns: dict[str, int]  # field -> 0-based column index
    names: dict[str, str]  # field -> the header text as the file has it


def column_letter(index: int) -> str:
    """Column ``index`` (0-based) as the spreadsheet names it: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def find_header(sheet: str, rows: Sequence[Sequence[object]], codes: NationalCodes) -> Header | None:
    """The header among the first rows: the row that names the most known columns, with every required one;
    None when no row of the sheet names any required column."""
    by_name = {name: field for field, names in codes.headers().items() for name in names}
    best: Header | None = None
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        columns: dict[str, int] = {}
        names: dict[str, str] = {}
        for index, value in enumerate(row):
            if not isinstance(value, str):
                continue
            field = by_name.get(normalise_label(value))
            if field is not None and field not in columns:
                columns[field], names[field] = index, value.strip()
        if best is None or len(columns) > len(best.columns):
            best = Header(number, columns, names)
    if best is None or not set(REQUIRED) & set(best.columns):
        return None
    return best


def missing_columns(header: Header, codes: NationalCodes) -> list[str]:
    """The required columns the header lacks, by their first header name."""
    every = codes.headers()
    return [every[field][0] for field in REQUIRED if field not in header.columns]


class RowReader:
    """Validates the rows under one header; ``person(row_number, cells)`` for each."""

    def __init__(self, sheet: str, header: Header, codes: NationalCodes) -> None:
        self.sheet, self.header, self.codes = sheet, header, codes
        self.columns = header.columns

    def fail(self, row: int, field: str, problem: str) -> RosterError:
        column = column_letter(self.columns[field])
        return RosterError(
            _("Sheet {sheet}, row {row}, column {column} ({header}): {problem}").format(
                sheet=self.sheet, row=row, column=column, header=self.header.names[field], problem=problem
            ),
            self.sheet,
            row,
            column,
        )

    def text(self, cells: Sequence[object], field: str) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return _cell_text(cells[index])

    def coded(self, row: int, cells: Sequence[object], field: str, required: bool) -> str:
        label = self.text(cells, field)
        if not label:
            if required:
                raise self.fail(row, field, _("the value is missing"))
            return ""
        code = self.codes.code_for(field, label)
        if code is None:
            raise self.fail(
                row,
                field,
                _(
                    "the label {label} is not one the program knows for this column (national codes {version}): "
                    "add it to the national codes file if the national system now uses it"
                ).format(label=label, version=self.codes.version),
            )
        return code

    def other_causes(self, row: int, cells: Sequence[object]) -> tuple[str, ...] | None:
        """其他致贫原因: several of the main cause's labels in one cell (、 , ; / or spaces between them), each
        mapped by its label; None when the roster has no such column (it says nothing about them then)."""
        if "other_causes" not in self.columns:
            return None
        found = set()
        for label in OTHER_CAUSES_SEPARATORS.split(self.text(cells, "other_causes")):
            if not label:
                continue
            code = self.codes.code_for("main_cause", label)
            if code is None:
                raise self.fail(
                    row,
                    "other_causes",
                    _(
                        "the label {label} is not one the program knows for this column (national codes {version}): "
                        "add it to the national codes file if the national system now uses it"
                    ).format(label=label, version=self.codes.version),
                )
            found.add(code)
        return tuple(code for code in vocabulary.CAUSES if code in found)

    def id_number(self, row: int, cells: Sequence[object]) -> str:
        value = cells[self.columns["id_number"]] if self.columns["id_number"] < len(cells) else None
        if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value > 10**15):
            raise self.fail(
                row,
                "id_number",
                _(
                    "the ID number is stored as a number, so the spreadsheet has lost its last digits: "
                    "format the column as text and export it again"
                ),
            )
        text = _cell_text(value)
        if not text:
            raise self.fail(row, "id_number", _("the value is missing"))
        try:
            return idnumber.parse(text).number
        except idnumber.IdNumberError as error:
            raise self.fail(row, "id_number", f"{text}: {error}") from None

    def population(self, row: int, cells: Sequence[object]) -> int:
        value = cells[self.columns["population"]] if self.columns["population"] < len(cells) else None
        text = _cell_text(value)
        if isinstance(value, bool) or not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= MAX_POPULATION:
            raise self.fail(
                row,
                "population",
                _("{value!r} is not a number of people (a whole number from 1 to {most})").format(
                    value=text, most=MAX_POPULATION
                ),
            )
        return int(text)

    def income(self, row: int, cells: Sequence[object]) -> Decimal | None:
        index = self.columns.get("income")
        value = cells[index] if index is not None and index < len(cells) else None
        if value is None or value == "":
            return None
        if isinstance(value, (bool, dt.date)):
            raise self.fail(row, "income", _("{value!r} is not an amount in yuan").format(value=str(value)))
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise self.fail(row, "income", _("{value!r} is not an amount in yuan").format(value=str(value))) from None
        # below 0 when production costs exceed the income (ID-1's worksheet allows it too)
        if not amount.is_finite() or abs(amount) > Decimal(10) ** 9:
            raise self.fail(row, "income", _("{value!r} is not an amount in yuan").format(value=str(value)))
        return amount.quantize(Decimal("0.01"))

    def person(self, row: int, cells: Sequence[object]) -> RosterPerson | None:
        """The person of ``row`` (1-based), validated; None for an empty row."""
        if not any(c is not None and _cell_text(c) for c in cells):
            return None
        household = self.text(cells, "household_number")
        if not household:
            raise self.fail(row, "household_number", _("the value is missing"))
        name = self.text(cells, "name")
        if not name:
            raise self.fail(row, "name", _("the value is missing"))
        return RosterPerson(
            row=row,
            county=self.text(cells, "county"),
            township=self.text(cells, "township"),
            village=self.text(cells, "village"),
            hamlet=self.text(cells, "hamlet"),
            household_number=household,
            person_number=self.text(cells, "person_number"),
            name=name,
            id_number=self.id_number(row, cells),
            population=self.population(row, cells),
            relation=self.coded(row, cells, "relation", True),
            ethnicity=self.coded(row, cells, "ethnicity", False),
            education=self.coded(row, cells, "education", False),
            schooling=self.coded(row, cells, "schooling", False),
            health=self.coded(row, cells, "health", False),
            labour=self.coded(row, cells, "labour", False),
            migrant_work=self.text(cells, "migrant_work"),
            exited=self.coded(row, cells, "exited", True) == "yes",
            attribute=self.coded(row, cells, "attribute", True),
            main_cause=self.coded(row, cells, "main_cause", True),
            other_causes=self.other_causes(row, cells),
            standard=self.coded(row, cells, "standard", False),
            dangerous_house=self.text(cells, "dangerous_house"),
            income=self.income(row, cells),
            phone=self.text(cells, "phone"),
        )


def check_households(sheet: str, people: Sequence[RosterPerson], header: Header) -> None:
    """Within one household number, the household's fields agree and each ID number appears once in the file."""
    seen: dict[str, int] = {}
    first: dict[str, RosterPerson] = {}
    reader_columns = header.columns
    for person in people:
        earlier = seen.get(person.id_number)
        if earlier is not None:
            column = column_letter(reader_columns["id_number"])
            raise RosterError(
                _("Sheet {sheet}, row {row}, column {column} ({header}): {problem}").format(
                    sheet=sheet,
                    row=person.row,
                    column=column,
                    header=header.names["id_number"],
                    problem=_("the ID number {number} is already in row {other}").format(
                        number=person.id_number, other=earlier
                    ),
                ),
                sheet,
                person.row,
                column,
            )
        seen[person.id_number] = person.row
        head = first.setdefault(person.household_number, person)
        for field in HOUSEHOLD_FIELDS:
            if field in reader_columns and getattr(person, field) != getattr(head, field):
                column = column_letter(reader_columns[field])
                raise RosterError(
                    _("Sheet {sheet}, row {row}, column {column} ({header}): {problem}").format(
                        sheet=sheet,
                        row=person.row,
                        column=column,
                        header=header.names[field],
                        problem=_("differs from row {other} of the same household {number}").format(
                            other=head.row, number=person.household_number
                        ),
                    ),
                    sheet,
                    person.row,
                    column,
                )
