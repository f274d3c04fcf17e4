"""The printed record of who did what (issue 17), for 纪检/审计: the entries a filter found (``AuditEntry``,
filled by ``records.audit``), newest first, one row each — when, who, on which computer, the village and
household, the record, what was done, and each field's old and new value — under a title stating the filters
and whether every computer's chain of hashes was found intact.  A4 landscape, the shipped embedded font only.
ID numbers are printed masked, as on a public notice (the window shows them whole to whoever may read them).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.audit_views import ACTIONS, AuditEntry, AuditFilterView
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.documents.import_report import kind_label
from xinjie_desktop.core.documents.notice_sheet import canvas_maker as numbered_canvas
from xinjie_desktop.core.rules import idnumber
from xinjie_desktop.i18n import _

PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN - 12
SIZE = 8.5
LONGEST = 160  # characters of one value printed


def value_text(field: str, value: object) -> str:
    """A field's value as printed: none as a dash, yes/no, ID numbers masked, long texts cut."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    shown = str(value)
    if "id_number" in field and isinstance(value, str) and len(value) >= 15:
        shown = idnumber.mask(value)
    return shown if len(shown) <= LONGEST else shown[: LONGEST - 1] + "…"


def change_lines(entry: AuditEntry) -> list[str]:
    """``field: old → new`` for each field (a new record: its values; a deleted one: the values it had)."""
    lines = []
    for change in entry.changes:
        if entry.action == "changed":
            lines.append(
                f"{change.field}: {value_text(change.field, change.old)} → {value_text(change.field, change.new)}"
            )
        else:
            value = change.new if entry.action == "created" else change.old
            if value in (None, "") or change.field.endswith("_id"):  # a link: the village and household columns
                continue
            lines.append(f"{change.field}: {value_text(change.field, value)}")
    return lines


def stamp(moment: dt.datetime) -> str:
    return _("{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}").format(
        year=moment.year, month=moment.month, day=moment.day, hour=moment.hour, minute=moment.minute
    )


def filters_text(filters: AuditFilterView) -> str:
    parts = []
    if filters.person:
        parts.append(_("person: {value}").format(value=filters.person))
    if filters.village:
        parts.append(_("village: {value}").format(value=filters.village))
    if filters.household:
        parts.append(_("household: {value}").format(value=filters.household))
    if filters.date_from or filters.date_to:
        parts.append(
            _("dates: {start} to {end}").format(
                start=filters.date_from.isoformat() if filters.date_from else "…",
                end=filters.date_to.isoformat() if filters.date_to else "…",
            )
        )
    return _("Filters: {filters}").format(filters=_(", ").join(parts)) if parts else _("Filters: none (every entry)")


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def render(
    computer: str,
    entries: Iterable[AuditEntry],
    out,
    *,
    filters: AuditFilterView | None = None,
    chain_problems: Sequence[str] = (),
    printed_at: dt.datetime | None = None,
) -> int:
    """Write the record of ``entries`` (printed on ``computer``, its name) to ``out`` (a path or a binary file
    object); ``chain_problems``: the messages of ``audit_chain.verify_chain`` (none: every chain intact).
    Returns the number of entries printed."""
    font = document_font()
    style = style_maker(font, SIZE)
    title_style = style("title", 1.9, alignment=TA_CENTER, spaceAfter=3)
    subtitle = style("subtitle", 1.05, alignment=TA_CENTER, textColor=colors.Color(0.25, 0.25, 0.25))
    body, head, cell = style("body", 1.1), style("head", 1.0, alignment=TA_CENTER), style("cell", 1.0)
    warning = style("warning", 1.1, textColor=colors.Color(0.7, 0.0, 0.0))
    small = style("small", 0.9, wordWrap="CJK")
    printed_at = printed_at or dt.datetime.now()
    title = _("Record of who did what")
    header = [
        _p(text_, head)
        for text_ in (_("Time"), _("Person"), _("Computer"), _("Village / household"), _("Record"), _("Fields"))
    ]
    rows = [header]
    for entry in entries:
        record = _("{kind} ({action})").format(kind=kind_label(entry.table), action=_(ACTIONS[entry.action]))
        where = " / ".join(part for part in (entry.village, entry.household) if part) or "—"
        rows.append(
            [
                _p(stamp(entry.at), cell),
                _p(entry.account_name or _("(no one logged in)"), cell),
                _p(entry.device_name or entry.device_id[:8], small),
                _p(where, cell),
                _p(record, cell),
                _p("\n".join(change_lines(entry)) or "—", small),
            ]
        )
    count = len(rows) - 1
    story = [
        _p(title, title_style),
        _p(
            _("Printed on {computer} · {when} · {n} entries").format(
                computer=computer, when=stamp(printed_at), n=count
            ),
            subtitle,
        ),
        Spacer(1, 3 * mm),
        _p(filters_text(filters or AuditFilterView()), body),
    ]
    if chain_problems:
        story.append(_p(_("The chain of hashes is broken:"), warning))
        story.extend(_p(problem, warning) for problem in chain_problems)
    else:
        story.append(_p(_("Every computer's chain of hashes was checked and found intact."), body))
    story.append(Spacer(1, 3 * mm))
    if count:
        widths = [62, 62, 70, 100, 90]
        widths.append(WIDTH - sum(widths))
        table = LongTable(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.4, 0.4, 0.4)),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        story.append(table)
    else:
        story.append(_p(_("No entry matches these filters."), body))
    footer = _("{computer} · record of who did what · printed on {when}").format(
        computer=computer, when=stamp(printed_at)
    )
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    document = SimpleDocTemplate(
        target,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        initialFontName=font,
        title=title,
        author=computer,
        creator=name_and_version(),
    )
    document.build(story, canvasmaker=numbered_canvas(footer, title, font))
    return count
