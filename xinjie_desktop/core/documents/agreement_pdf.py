"""Agreements as A4 PDFs (AG-1, HS-4): the template filled in, numbered, hashed and QR-coded.

Plain township-document layout: the number at the top right, the title, the parties, the clauses,
the closing words and the signature boxes (with the signatures captured on screen stamped in when
there are any).  Every page ends with the number, the version, the SHA-256 of the agreement's
content and a QR code carrying both, so a printed copy can be checked against the store; the
number and hash are also in the PDF's metadata (Subject, Keywords) for ``agreements verify``.

Everything is drawn with the shipped, embedded Chinese font (documents.fonts); the canvas's
initial font is that font too, so ``pdffonts`` lists nothing else.  Many agreements render into
one document (one font subset) for a village's batch: each starts on a new page, and a marker
flowable tells the page footer whose number and hash to print.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from xinjie_desktop.core.documents.agreement_templates import TemplateSet

MARGIN_X = 22 * mm
MARGIN_TOP = 18 * mm
FOOTER = 38 * mm  # room at the bottom of every page for the number, hash and QR code
QR_SIZE = 24 * mm
ROLES_ORDER = ("representative", "household_head", "witness", "co_investor")


@dataclass(frozen=True)
class AgreementPrint:
    """What one agreement prints: its number and hash, the filled texts and its signing."""

    number: str
    version: int
    status: str
    sha256: str
    title: str
    parties: tuple[str, ...]
    preamble: str
    clauses: tuple[str, ...]
    closing: str
    roles: tuple[str, ...]  # the signature boxes, in order
    signatures: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # role -> (name, PNG)
    signed_on: str = ""  # already worded
    notes: tuple[str, ...] = ()  # signed on paper, fingerprint, voided, supersedes


def qr_payload(number: str, sha256: str) -> str:
    return f"XJAG|{number}|{sha256}"


def keywords(number: str, sha256: str, version: int, status: str) -> str:
    return f"xinjie-agreement number={number} sha256={sha256} version={version} status={status}"


class _Styles:
    def __init__(self, font: str, cjk: bool) -> None:
        wrap = "CJK" if cjk else None
        base = 10.5

        def style(name: str, size: float = base, leading: float | None = None, **extra) -> ParagraphStyle:
            extra.setdefault("wordWrap", wrap)
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.65, **extra)

        self.font = font
        self.number = style("number", 9, alignment=TA_RIGHT)
        self.title = style("title", 18, 26, alignment=TA_CENTER, spaceBefore=4, spaceAfter=12)
        self.party = style("party", base, base * 1.7)
        self.body = style("body", base, firstLineIndent=2 * base if cjk else 0, spaceBefore=3)
        self.note = style("note", 9, 13, textColor=colors.Color(0.55, 0.0, 0.0), spaceBefore=4)
        self.label = style("label", 9, 12)
        self.small = style("small", 7, 9)


class _Marker(Flowable):
    """Zero-size flowable: from here on the pages belong to ``item`` (for the footer and progress)."""

    def __init__(self, item: AgreementPrint, index: int, on_start: Callable[[int], None] | None) -> None:
        super().__init__()
        self.item, self.index, self.on_start = item, index, on_start
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        doc = self.canv._doctemplate
        doc.current = self.item
        doc.first_page_of_item = doc.page
        self.canv.bookmarkPage(self.item.number)
        self.canv.addOutlineEntry(f"{self.item.number} {self.item.title}", self.item.number, level=0)
        if self.on_start is not None:
            self.on_start(self.index)


class _Document(BaseDocTemplate):
    current: AgreementPrint | None = None
    first_page_of_item = 1


def _footer(words_of: Callable[[], dict[str, str]]):
    def draw(canvas, doc: _Document) -> None:
        item = doc.current
        if item is None:
            return
        words = words_of()
        width, _height = A4
        canvas.saveState()
        canvas.setStrokeColor(colors.Color(0.4, 0.4, 0.4))
        canvas.setLineWidth(0.5)
        top = FOOTER - 4 * mm
        canvas.line(MARGIN_X, top, width - MARGIN_X, top)
        canvas.setFont(doc.font_name, 8)
        page = doc.page - doc.first_page_of_item + 1
        canvas.drawString(MARGIN_X, top - 5 * mm, "  ".join((
            words["number"].format(number=item.number), words["version_line"].format(version=item.version),
            words["page"].format(page=page))))
        canvas.setFont(doc.font_name, 7)
        canvas.drawString(MARGIN_X, top - 9.5 * mm, words["hash"].format(sha256=item.sha256))
        canvas.setFont(doc.font_name, 6.5)
        canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
        text = canvas.beginText(MARGIN_X, top - 14 * mm)
        text.setFont(doc.font_name, 6.5)
        for line in _split(words["check"], doc.font_name, 6.5, width - 2 * MARGIN_X - QR_SIZE - 6 * mm):
            text.textLine(line)
        canvas.drawText(text)
        _draw_qr(canvas, qr_payload(item.number, item.sha256), width - MARGIN_X - QR_SIZE, top - QR_SIZE - 1 * mm,
                 QR_SIZE)
        canvas.restoreState()

    return draw


def _draw_qr(canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR code (level M, quiet zone of 2 modules) as one filled path of its dark runs."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(payload)
    # One fixed mask pattern (any of the eight is a valid code): choosing the "best" one scores all
    # eight and costs two thirds of a page's rendering time.
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    count = code.getModuleCount()
    border = 2
    box = size / (count + 2 * border)
    # Whole-module coordinates under a scaling transform, written as literal path operators: the
    # generic path object formats ~450 floats a code, a third of a page's time.
    runs = []
    for row_index, row in enumerate(code.modules):
        column = 0
        for dark, run in itertools.groupby(bool(cell) for cell in row):
            length = len(list(run))
            if dark:
                runs.append(f"{column + border} {count + border - 1 - row_index} {length} 1 re")
            column += length
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(box, box)
    canvas.setFillColor(colors.black)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def _split(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for char in text:
        if stringWidth(line + char, font, size) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return lines + ([line] if line else [])


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _signature_image(png: bytes, max_width: float, max_height: float) -> Image:
    reader = ImageReader(io.BytesIO(png))
    width, height = reader.getSize()
    scale = min(max_width / width, max_height / height)
    return Image(io.BytesIO(png), width * scale, height * scale, mask="auto")


def _signature_block(item: AgreementPrint, words: dict[str, str], s: _Styles, width: float) -> Table:
    column = (width - 8 * mm) / 2
    cells = []
    for role in item.roles:
        signature = item.signatures.get(role)
        if signature is not None:
            name, png = signature
            mark: Flowable | str = _signature_image(png, column * 0.7, 15 * mm)
            under = _p(name, s.small)
        else:
            mark, under = "", ""
        cells.append([_p(words[role], s.label), mark, under])
    rows, style = [], [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("FONTNAME", (0, 0), (-1, -1), s.font),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    for start in range(0, len(cells), 2):
        pair = cells[start:start + 2] + [["", "", ""]] * (2 - len(cells[start:start + 2]))
        base = len(rows)
        rows.append([pair[0][0], "", pair[1][0]])
        rows.append([pair[0][1], "", pair[1][1]])
        rows.append([pair[0][2], "", pair[1][2]])
        rows.append(["", "", ""])
        for column_index, cell in ((0, pair[0]), (2, pair[1])):
            if cell[0] != "":
                style.append(("LINEBELOW", (column_index, base + 1), (column_index, base + 1), 0.6, colors.black))
    table = Table(rows, colWidths=[column, 8 * mm, column], hAlign="LEFT",
                  rowHeights=[None, 17 * mm, None, 4 * mm] * (len(rows) // 4))
    table.setStyle(TableStyle(style))
    return table


def _story(item: AgreementPrint, words: dict[str, str], s: _Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [_p(words["number"].format(number=item.number) + "　"
                                + words["version_line"].format(version=item.version), s.number),
                             _p(item.title, s.title)]
    story += [_p(note, s.note) for note in item.notes]
    story += [_p(line, s.party) for line in item.parties]
    story.append(Spacer(1, 6))
    story.append(_p(item.preamble, s.body))
    story += [_p(clause, s.body) for clause in item.clauses]
    story.append(_p(item.closing, s.body))
    signing = [Spacer(1, 10), _signature_block(item, words, s, width), Spacer(1, 2),
               _p(words["signed_on"].format(date=item.signed_on or words["blank_date"]), s.party)]
    story.append(KeepTogether(signing))
    return story


def render(target: str | os.PathLike | BinaryIO, items: Sequence[AgreementPrint], templates: TemplateSet,
           language: str, font: str, *, title: str, author: str, subject: str = "", keyword_text: str = "",
           on_start: Callable[[int], None] | None = None) -> int:
    """Draw ``items`` (each from a new page) into one A4 PDF; returns the number of pages."""
    words = templates.words(language)
    s = _Styles(font, language.startswith("zh"))
    target = os.fspath(target) if isinstance(target, (str, os.PathLike)) else target
    doc = _Document(target, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                    bottomMargin=FOOTER, initialFontName=font, title=title, author=author, subject=subject,
                    keywords=keyword_text, creator="xinjie-desktop", invariant=True)
    doc.font_name = font
    frame = Frame(MARGIN_X, FOOTER, A4[0] - 2 * MARGIN_X, A4[1] - MARGIN_TOP - FOOTER, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="agreement", frames=[frame], onPageEnd=_footer(lambda: words))])
    story: list[Flowable] = []
    for index, item in enumerate(items):
        if index:
            story.append(PageBreak())
        story.append(_Marker(item, index, on_start))
        story += _story(item, words, s, frame._width)
    doc.build(story)
    return doc.page


def format_date(value: dt.date | None, words: dict[str, str]) -> str:
    if value is None:
        return ""
    return words["date_format"].format(year=value.year, month=value.month, day=value.day)
