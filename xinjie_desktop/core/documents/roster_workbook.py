"""The spreadsheets of the national system's roster (openpyxl): the township's roster in the national
system's layout, and the correction list (数据清洗) the township enters into the national system.

Each writer receives the rows it writes (the records layer computes them) and returns the workbook's
bytes; it never reads the store.  Every cell is written as text or a number exactly as given: ID numbers
and household numbers as text, so that no spreadsheet turns them into numbers and loses digits.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from xinjie_desktop.core.rules.roster_rows import column_letter
from xinjie_desktop.i18n import _

ROSTER_SHEET = "贫困人口"


def _text_cell(sheet: Worksheet, value: object) -> object:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "@"
        return cell
    return value


def roster_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The roster: a merged title row, the header row, one row per person (text cells kept as text)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(ROSTER_SHEET)
    sheet.merged_cells.add(f"A1:{column_letter(len(headers) - 1)}1")  # the title across the columns
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = Font(bold=True, size=14)
    title_cell.alignment = Alignment(horizontal="center")
    sheet.append([title_cell])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_text_cell(sheet, v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def corrections_headers() -> list[str]:
    return [
        _("No."),
        _("Kind"),
        _("Village"),
        _("National household number"),
        _("Name"),
        _("ID number"),
        _("Field"),
        _("National system"),
        _("Township"),
        _("Rule"),
        _("What to correct"),
        _("Corrected"),
    ]


def corrections_bytes(title: str, rows: Iterable[Sequence[object]]) -> bytes:
    """The correction list: a title, the header, one row per difference (as ``corrections_headers``)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Corrections"))
    headers = corrections_headers()
    widths = [6, 14, 12, 20, 10, 21, 14, 16, 16, 8, 70, 16]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str) and len(value) > 30:
                cell = WriteOnlyCell(sheet, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(cell)
            else:
                cells.append(_text_cell(sheet, value))
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
