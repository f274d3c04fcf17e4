"""Public-notice sheets (公示表), A4, as a village posts them on the wall (PN-1, RL-3).

Title (what is posted, village and group, first or second posting), the posting period, place and
where to object, a table of the households — head's name, ID number masked to its first 6 and
last 4 characters, group, actual population, result and reason — whose header repeats on every
page, and lines for the signatures and seals.  Only the shipped, embedded Chinese font is used.

``render_village`` puts every notice of a village into one PDF, page by page numbered per notice;
it reports progress after each notice, stops when told to, and writes the file only when it is
complete (a temporary file renamed into place).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.documents.notice_views import SUBJECTS, NoticeView
from xinjie_desktop.i18n import _

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN - 12  # the frame's usable width (platypus pads a frame by 6 points a side)
GRID = colors.Color(0.3, 0.3, 0.3)
SHADE = colors.Color(0.9, 0.9, 0.9)
SIZE = 9.5


def date_text(day: dt.date) -> str:
    return _("{year:04d}-{month:02d}-{day:02d}").format(year=day.year, month=day.month, day=day.day)


class _Styles:
    def __init__(self, font: str) -> None:
        style = style_maker(font, SIZE)

        self.font = font
        self.place = style("place", 1.15, alignment=TA_CENTER)
        self.title = style("title", 2.0, alignment=TA_CENTER, spaceBefore=2, spaceAfter=4)
        self.round = style("round", 1.05, alignment=TA_CENTER, textColor=colors.Color(0.2, 0.2, 0.2))
        self.body = style("body", 1.05, firstLineIndent=SIZE * 2.1, wordWrap="CJK")
        self.head = style("head", 0.95, alignment=TA_CENTER)
        self.cell = style("cell", 0.95, wordWrap="CJK")
        self.centre = style("centre", 0.95, alignment=TA_CENTER, wordWrap="CJK")
        self.label = style("label", 1.05)
        self.right = style("right", 1.05, alignment=TA_RIGHT)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _where(view: NoticeView) -> str:
    return f"{view.village} {view.group}".strip()


def _title(view: NoticeView) -> str:
    return _("Public notice of the results of the {subject}").format(subject=_(SUBJECTS[view.subject]))


def _round(view: NoticeView) -> str:
    if view.posting_round == 1:
        return _("(first posting)")
    return _("(second posting: the township command centre's audit result)")


def _story(view: NoticeView, first: NoticeView | None, s: _Styles) -> list:
    story = [_p(_where(view), s.place), _p(_title(view), s.title), _p(_round(view), s.round), Spacer(1, 4 * mm)]
    story.append(
        _p(
            _(
                "The results below are posted publicly at {place} from {start} to {end} ({days} full days) for the "
                "villagers to see and check. Anyone who objects to a result may raise it during the posting, with "
                "the facts, to: {contact}. Every objection is re-verified."
            ).format(
                place=view.place,
                start=date_text(view.start_date),
                end=date_text(view.end_date),
                days=view.days,
                contact=view.objection_contact,
            ),
            s.body,
        )
    )
    if view.posting_round == 2 and first is not None:
        count = len(first.objections)
        story.append(Spacer(1, 1.5 * mm))
        story.append(
            _p(
                _(
                    "The first posting ran from {start} to {end}; {n} objection(s) were raised and every one was "
                    "re-verified. The township relocation command centre audited the results on {audited}."
                ).format(
                    start=date_text(first.start_date),
                    end=date_text(first.end_date),
                    n=count,
                    audited=date_text(view.audited_on) if view.audited_on else "",
                ),
                s.body,
            )
        )
    story.append(Spacer(1, 4 * mm))

    header = [
        _p(text, s.head)
        for text in (
            _("No."),
            _("Head of household"),
            _("ID number"),
            _("Villagers' group"),
            _("Actual population"),
            _("Result"),
            _("Reason"),
        )
    ]
    rows = [header]
    for number, entry in enumerate(view.entries, 1):
        rows.append(
            [
                _p(str(number), s.centre),
                _p(entry.head_name, s.centre),
                _p(entry.id_number_masked, s.centre),
                _p(entry.group, s.centre),
                _p(str(entry.actual_population), s.centre),
                _p(entry.result, s.cell),
                _p(entry.reason, s.cell),
            ]
        )
    widths = [22, 46, 96, 62, 44, 74]
    widths.append(WIDTH - sum(widths))
    story.append(grid_table(rows, widths, s.font))
    story.append(Spacer(1, 5 * mm))

    facts = [
        (_("Posting place"), view.place),
        (
            _("Posting period"),
            _("{start} to {end}").format(start=date_text(view.start_date), end=date_text(view.end_date)),
        ),
        (_("Objections to"), view.objection_contact),
    ]
    closing = [facts_table(facts, s.label, s.font), Spacer(1, 9 * mm)]

    if view.posting_round == 1:
        signers = [_("Village committee (seal)"), _("Village secretary (signature)"), _("Work-team leader (signature)")]
    else:
        signers = [
            _("Township relocation command centre (seal)"),
            _("Village committee (seal)"),
            _("Work-team leader (signature)"),
        ]
    signature = signature_row(signers, s.label, s.font)
    closing.append(signature)
    story.append(KeepTogether(closing))  # the facts stay with the signatures
    return story


def facts_table(facts: Sequence[tuple[str, str]], label: ParagraphStyle, font: str) -> Table:
    """The notice's facts under its table (where posted, the period, whom to turn to), a label and a value a line."""
    table = Table(
        [[_p(name, label), _p(value, label)] for name, value in facts],
        colWidths=[0.2 * WIDTH, 0.8 * WIDTH],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def signature_row(signers: Sequence[str], label: ParagraphStyle, font: str) -> Table:
    """Three boxes side by side for a seal or a signature, each with its line and its date."""
    gap = 8 * mm
    box = (WIDTH - 2 * gap) / 3
    signature = Table(
        [
            [_p(signers[0], label), "", _p(signers[1], label), "", _p(signers[2], label)],
            [""] * 5,
            [_p(_("Date:"), label), "", _p(_("Date:"), label), "", _p(_("Date:"), label)],
        ],
        colWidths=[box, gap, box, gap, box],
        rowHeights=[None, 13 * mm, None],
        hAlign="LEFT",
    )
    signature.setStyle(
        TableStyle(
            [("LINEBELOW", (column, 1), (column, 1), 0.6, colors.black) for column in (0, 2, 4)]
            + [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("FONTNAME", (0, 0), (-1, -1), font),
            ]
        )
    )
    return signature


def grid_table(rows: list, widths: Sequence[float], font: str, *, top_padding: float = 3) -> Table:
    """A ruled table with a shaded heading row repeated on every page (notice sheets, import reports)."""
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("TOPPADDING", (0, 0), (-1, -1), top_padding),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def canvas_maker(footer_left: str, running_title: str, font: str):
    """A canvas that numbers pages "page n of m" and repeats a short title on continuation pages."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            page = self._pageNumber
            self.saveState()
            self.setFont(font, 8)
            self.setFillColor(colors.Color(0.3, 0.3, 0.3))
            self.drawString(MARGIN, 9 * mm, footer_left)
            width, height = self._pagesize  # A4, or A4 landscape (the record of who did what)
            self.drawRightString(width - MARGIN, 9 * mm, _("Page {page} of {pages}").format(page=page, pages=total))
            if page > 1:
                self.drawString(MARGIN, height - 9 * mm, running_title)
            self.restoreState()

    return NumberedCanvas


def _render(view: NoticeView, first: NoticeView | None, target, township: str, printed_on: dt.date) -> None:
    font = document_font()
    s = _Styles(font)
    title = f"{_where(view)} · {_title(view)} {_round(view)}"
    footer = _("{township} · notice {number} · printed on {date}").format(
        township=township, number=view.id[:8].upper(), date=date_text(printed_on)
    )
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        initialFontName=font,
        title=title,
        author=township,
        creator=name_and_version(),
    )
    document.build(_story(view, first, s), canvasmaker=canvas_maker(footer, title, font))


def render_sheet(view: NoticeView, first: NoticeView | None, township: str, out, printed_on: dt.date) -> None:
    """Write the notice's sheet to ``out`` (a path or a binary file object); ``first`` is the first
    posting of a second one."""
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    _render(view, first, target, township, printed_on)


def render_village(
    views: list[NoticeView], township: str, out_pdf, progress: Callable[[int, int], bool] | None, printed_on: dt.date
) -> bool:
    """All notice sheets of a village (``views``, at least one) as one PDF at ``out_pdf``.

    ``progress(done, total)`` is called before the first sheet and after each; when it returns
    False the work stops, nothing is written (an existing file is left alone) and False is returned.
    """
    by_id = {v.id: v for v in views}
    total = len(views)
    if progress is not None and progress(0, total) is False:
        return False
    writer = PdfWriter()
    writer.add_metadata(
        {
            "/Title": _("Public notices of {village}").format(village=views[0].village),
            "/Author": township,
            "/Creator": name_and_version(),
        }
    )
    for done, view in enumerate(views, 1):
        buffer = io.BytesIO()
        first = by_id.get(view.previous_id) if view.previous_id else None
        _render(view, first, buffer, township, printed_on)
        buffer.seek(0)
        writer.append(PdfReader(buffer))
        if progress is not None and progress(done, total) is False:
            return False
    out_pdf = Path(out_pdf)
    handle, temporary = tempfile.mkstemp(prefix=f".{out_pdf.name}.", suffix=".part", dir=out_pdf.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            writer.write(stream)
        os.replace(temporary, out_pdf)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
