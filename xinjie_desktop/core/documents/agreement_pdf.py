"""Agreements as A4 PDFs (AG-1, HS-4): the template filled in, numbered, hashed and QR-coded.

Plain township-document layout: the number at the top right, the title, the parties, the clauses,
the closing words and the signature boxes (with the signatures captured on screen stamped in when
there are any).  Every page ends with the number, the version, the SHA-256 of the agreement's
content and a QR code carrying both, so a printed copy can be checked against the store; the
number and hash are also in the PDF's metadata (Subject, Keywords), which ``agreements verify``
takes only as a hint of which agreement to compare the PDF with (it checks what the pages show).

Everything is drawn with the shipped, embedded Chinese font (documents.fonts); the canvas's
initial font is that font too, so ``pdffonts`` lists nothing else.  The page is laid out straight
onto the canvas, not through platypus: a line breaker that knows Chinese (break between any two
characters, never before closing or after opening punctuation, Latin words and amounts whole),
with whole paragraphs cached since most clauses repeat from one household to the next; the QR
code comes from documents.qr.  Many agreements render into one document (one font subset) for a
village's batch, each from a new page, every page's content compressed as soon as it is done so
that the batch stays small in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents import qr
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
    void_mark: str = ""  # a voided agreement: stamped across every page with the date and reason
    office: tuple[str, ...] = ()  # the office's copy: its marking, the rules, the verification command


def qr_payload(number: str, sha256: str) -> str:
    return f"XJAG|{number}|{sha256}"


def keywords(number: str, sha256: str, version: int, status: str, office: bool = False) -> str:
    text = f"xinjie-agreement number={number} sha256={sha256} version={version} status={status}"
    return text + " copy=office" if office else text


QR_BORDER = 2  # modules of quiet zone around the QR code


def qr_drawing(payload: str) -> tuple[int, str]:
    """(modules a side, the page-content operators) of the QR code carrying ``payload``: one filled
    path of its dark runs in whole-module coordinates; ``agreements verify`` looks for exactly these
    operators on every page of a PDF to check the QR code it shows."""
    count, runs = qr.dark_runs(payload)
    top = count + QR_BORDER - 1
    return count, "\n".join([f"{column + QR_BORDER} {top - row} {length} 1 re" for row, column, length in runs]) + "\nf"


def _draw_qr(canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR code (level M, mask pattern 0, quiet zone of 2 modules) as one filled path of its
    dark runs, in whole-module coordinates under a scaling transform (documents.qr)."""
    count, operators = qr_drawing(payload)
    box = size / (count + 2 * QR_BORDER)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(box, box)
    canvas.setFillColor(colors.black)
    canvas.addLiteral(operators)
    canvas.restoreState()


# ---------------------------------------------------------------------------------------------
# Line breaking: Chinese may break between any two characters, except before closing punctuation
# (a line never starts with ，。、；：）」》 …) and after opening punctuation (nor ends with （「《 …);
# runs of Latin letters, digits and ASCII punctuation (words, amounts such as 240,000.00) break
# only at spaces.  Widths come from the font's own table, cached per token.

OPENING = "（「《『【〔〈“‘([{"
CLOSING = "，。、；：？！）」》』】〕〉”’…,.;:!?)]}%"
_TOKEN = re.compile(
    rf"[{re.escape(OPENING)}]*(?:[^\s\u2e80-\uffff{re.escape(OPENING)}]+|[^\s])[{re.escape(CLOSING)}]*|\s"
)


class _Breaker:
    """Lines of a paragraph for the embedded font; whole paragraphs are cached (the fixed clauses
    and the words around every agreement repeat on every page of a batch)."""

    def __init__(self, font: str) -> None:
        face = pdfmetrics.getFont(font).face
        self._char_widths = face.charWidths
        self._default = face.defaultWidth
        self._widths: dict[str, float] = {}
        self._paragraphs: dict[tuple, tuple[tuple[str, float], ...]] = {}

    def units(self, text: str) -> float:
        """Width in thousandths of the font size."""
        width = self._widths.get(text)
        if width is None:
            get, default = self._char_widths.get, self._default
            width = sum(get(ord(char), default) for char in text)
            if len(text) < 40:
                self._widths[text] = width
        return width

    def lines(self, text: str, size: float, width: float, indent: float = 0.0) -> tuple[tuple[str, float], ...]:
        """(line, width in points) for ``text``; ``indent`` narrows the first line; "\\n" breaks."""
        key = (text, size, width, indent)
        found = self._paragraphs.get(key)
        if found is not None:
            return found
        scale = size / 1000.0
        out: list[tuple[str, float]] = []
        for number, part in enumerate(text.split("\n")):
            self._break(part, scale, width, width - indent if number == 0 else width, out)
        result = tuple(out)
        if len(self._paragraphs) > 4096:
            self._paragraphs.clear()
        self._paragraphs[key] = result
        return result

    def _break(self, text: str, scale: float, width: float, available: float, out: list) -> None:
        units = self.units
        limit = available / scale
        line: list[str] = []
        used = 0.0
        for token in _TOKEN.findall(text):
            size = units(token)
            if token.isspace():
                if line:
                    line.append(token)
                    used += size
                continue
            if used + size > limit and line:
                while line and line[-1].isspace():
                    used -= units(line.pop())
                out.append(("".join(line), used * scale))
                line, used, limit = [], 0.0, width / scale
            if size > limit:  # longer than a whole line: break it between characters
                for char in token:
                    char_size = units(char)
                    if used + char_size > limit and line:
                        out.append(("".join(line), used * scale))
                        line, used, limit = [], 0.0, width / scale
                    line.append(char)
                    used += char_size
                continue
            line.append(token)
            used += size
        while line and line[-1].isspace():
            used -= units(line.pop())
        out.append(("".join(line), used * scale))


# ---------------------------------------------------------------------------------------------
# Page layout, straight onto the canvas


@dataclass(frozen=True)
class _Style:
    size: float
    leading: float
    indent: float = 0.0  # of the first line
    before: float = 0.0
    after: float = 0.0
    align: str = "left"  # "left", "centre" or "right"
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)


class _Styles:
    def __init__(self, cjk: bool) -> None:
        base = 10.5
        self.number = _Style(9, 9 * 1.65, align="right")
        self.title = _Style(18, 26, before=4, after=12, align="centre")
        self.party = _Style(base, base * 1.7)
        self.body = _Style(base, base * 1.65, indent=2 * base if cjk else 0, before=3)
        self.note = _Style(9, 13, before=4, colour=(0.55, 0.0, 0.0))
        self.label = _Style(9, 12)
        self.small = _Style(7, 9)


_BLACK = (0.0, 0.0, 0.0)
_FOOTER_GREY = (0.3, 0.3, 0.3)


class _Writer:
    """Draws agreements one after another into one canvas, each from a new page."""

    def __init__(self, canvas: Canvas, font: str, words: dict[str, str], cjk: bool) -> None:
        self.canvas, self.font, self.words = canvas, font, words
        self.s = _Styles(cjk)
        self.breaker = _BREAKERS.get(font) or _BREAKERS.setdefault(font, _Breaker(font))
        self.width = A4[0] - 2 * MARGIN_X
        self.top = A4[1] - MARGIN_TOP
        self.pages = 0
        self.check_lines = self.breaker.lines(words["check"], 6.5, self.width - QR_SIZE - 6 * mm)
        self.images: dict[bytes, tuple[ImageReader, int, int]] = {}

    # pages --------------------------------------------------------------------------------

    def _begin_page(self) -> None:
        self.y = self.top
        self.at_top = True
        self.text = self.canvas.beginText()
        self.text.setFont(self.font, 10.5)
        self.text_size, self.text_colour = 10.5, _BLACK

    def _end_page(self) -> None:
        self._footer()
        self.canvas.drawText(self.text)
        if self.item.void_mark:  # over the text, so that nothing covers it
            self._void_stamp()
        self.canvas.showPage()
        _compress_last_page(self.canvas)
        self.pages += 1
        self.page_of_item += 1

    def _line(self, line: str, x: float, y: float, size: float, colour=_BLACK) -> None:
        text = self.text
        if size != self.text_size:
            text.setFont(self.font, size)
            self.text_size = size
        if colour != self.text_colour:
            text.setFillColorRGB(*colour)
            self.text_colour = colour
        text.setTextOrigin(x, y)
        text._textOut(line)  # the line's width is known: no need to move the cursor past it

    def _paragraph(self, text: str, style: _Style) -> None:
        if not text:
            return
        if not self.at_top:
            self.y -= style.before
        lines = self.breaker.lines(text, style.size, self.width, style.indent)
        for number, (line, width) in enumerate(lines):
            if self.y - style.leading < FOOTER and not self.at_top:
                self._end_page()
                self._begin_page()
            if style.align == "right":
                x = MARGIN_X + self.width - width
            elif style.align == "centre":
                x = MARGIN_X + (self.width - width) / 2
            else:
                x = MARGIN_X + (style.indent if number == 0 else 0)
            self._line(line, x, self.y - style.size, style.size, style.colour)
            self.y -= style.leading
            self.at_top = False
        self.y -= style.after

    def _footer(self) -> None:
        item, words, canvas = self.item, self.words, self.canvas
        top = FOOTER - 4 * mm
        canvas.setStrokeColorRGB(0.4, 0.4, 0.4)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top, A4[0] - MARGIN_X, top)
        self._line(
            "  ".join(
                (
                    words["number"].format(number=item.number),
                    words["version_line"].format(version=item.version),
                    words["page"].format(page=self.page_of_item),
                    *item.office[:1],  # every page of the office's copy says so
                )
            ),
            MARGIN_X,
            top - 5 * mm,
            8,
        )
        self._line(words["hash"].format(sha256=item.sha256), MARGIN_X, top - 9.5 * mm, 7)
        y = top - 14 * mm
        for line, _width in self.check_lines:
            self._line(line, MARGIN_X, y, 6.5, _FOOTER_GREY)
            y -= 6.5 * 1.2
        _draw_qr(
            canvas, qr_payload(item.number, item.sha256), A4[0] - MARGIN_X - QR_SIZE, top - QR_SIZE - 1 * mm, QR_SIZE
        )

    def _void_stamp(self) -> None:
        """作废 across the page in red, and below it the date and reason, so that no page of a voided
        agreement can be handed over as if it were in force."""
        canvas, words = self.canvas, self.words
        canvas.saveState()
        canvas.setFillColorRGB(0.8, 0.0, 0.0)
        canvas.setStrokeColorRGB(0.8, 0.0, 0.0)
        canvas.setFillAlpha(0.35)
        canvas.setStrokeAlpha(0.6)
        canvas.translate(A4[0] / 2, A4[1] / 2 + 20 * mm)
        canvas.rotate(30)
        canvas.setFont(self.font, 96)
        canvas.drawCentredString(0, 0, words["void_stamp"])
        canvas.setLineWidth(3)
        width = max(canvas.stringWidth(words["void_stamp"], self.font, 96), 120 * mm) + 16 * mm
        canvas.rect(-width / 2, -10 * mm, width, 46 * mm)
        canvas.setFillAlpha(1)
        canvas.setFont(self.font, 12)
        for number, (line, line_width) in enumerate(self.breaker.lines(self.item.void_mark, 12, width - 8 * mm)[:3]):
            y = -18 * mm - number * 15
            canvas.setFillColorRGB(1, 1, 1)  # the date and reason stay legible over the text below
            canvas.rect(-line_width / 2 - 2, y - 4, line_width + 4, 16, stroke=0, fill=1)
            canvas.setFillColorRGB(0.8, 0.0, 0.0)
            canvas.drawCentredString(0, y, line)
        canvas.restoreState()

    # one agreement ------------------------------------------------------------------------

    def agreement(self, item: AgreementPrint) -> None:
        canvas, words, s = self.canvas, self.words, self.s
        self.item, self.page_of_item = item, 1
        self._begin_page()
        canvas.bookmarkPage(item.number)
        canvas.addOutlineEntry(f"{item.number} {item.title}", item.number, level=0)
        self._paragraph(
            words["number"].format(number=item.number) + "　" + words["version_line"].format(version=item.version),
            s.number,
        )
        self._paragraph(item.title, s.title)
        for line in item.office:
            self._paragraph(line, s.note)
        for note in item.notes:
            self._paragraph(note, s.note)
        for line in item.parties:
            self._paragraph(line, s.party)
        self.y -= 6
        self._paragraph(item.preamble, s.body)
        for clause in item.clauses:
            self._paragraph(clause, s.body)
        self._paragraph(item.closing, s.body)
        self._signing(item)
        self._end_page()

    def _signing(self, item: AgreementPrint) -> None:
        """The signature boxes, two a row, and the date: kept together on one page."""
        s, words, breaker = self.s, self.words, self.breaker
        column = (self.width - 8 * mm) / 2
        boxes = []
        for role in item.roles:
            label = breaker.lines(words[role], s.label.size, column)
            boxes.append((label, item.signatures.get(role)))
        rows = [boxes[start : start + 2] for start in range(0, len(boxes), 2)]
        heights = [max(len(label) for label, _signature in row) * s.label.leading + 2 for row in rows]
        date = words["signed_on"].format(date=item.signed_on or words["blank_date"])
        date_lines = breaker.lines(date, s.party.size, self.width)
        needed = (
            10
            + sum(h + 17 * mm + s.small.leading + 2 + 4 * mm for h in heights)
            + 2
            + len(date_lines) * s.party.leading
        )
        if self.y - needed < FOOTER and not self.at_top:
            self._end_page()
            self._begin_page()
        y = self.y - (0 if self.at_top else 10)
        canvas = self.canvas
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.setLineWidth(0.6)
        for row, label_height in zip(rows, heights, strict=True):
            for position, (label, signature) in enumerate(row):
                x = MARGIN_X + position * (column + 8 * mm)
                baseline = y - label_height + 1 + len(label) * s.label.leading - s.label.size
                for line, _width in label:
                    self._line(line, x, baseline, s.label.size)
                    baseline -= s.label.leading
                bottom = y - label_height - 17 * mm
                canvas.line(x, bottom, x + column, bottom)
                if signature is not None:
                    name, png = signature
                    self._signature(png, x, bottom + 1, column * 0.7, 15 * mm)
                    # a name as long as the store holds (50 characters) takes two lines, within the gap below
                    for number, (line, _width) in enumerate(breaker.lines(name, s.small.size, column)[:2]):
                        self._line(line, x, bottom - 1 - s.small.size - number * s.small.leading, s.small.size)
            y -= label_height + 17 * mm + s.small.leading + 2 + 4 * mm
        self.y = y - 2
        self.at_top = False
        self._paragraph(date, s.party)

    def _signature(self, png: bytes, x: float, y: float, max_width: float, max_height: float) -> None:
        found = self.images.get(png)
        if found is None:
            reader = ImageReader(io.BytesIO(png))
            found = self.images[png] = (reader, *reader.getSize())
        reader, width, height = found
        scale = min(max_width / width, max_height / height)
        self.canvas.drawImage(reader, x, y, width * scale, height * scale, mask="auto")


_BREAKERS: dict[str, _Breaker] = {}


def _compress_last_page(canvas: Canvas) -> None:
    """Deflate the page just finished now, without reportlab's ASCII85 layer.

    reportlab keeps every page's content as text until ``save`` and then encodes it twice (Flate,
    then ASCII85 in pure Python, a third of a page's time).  Compressing each page as it ends
    keeps a village's batch small in memory and skips the ASCII85 pass; the stream carries its
    /Filter, so reportlab writes it as it is."""
    page = canvas._doc.Pages.pages[-1]
    data = page.stream.encode("utf8") if isinstance(page.stream, str) else page.stream
    stream = PDFStream(content=zlib.compress(data))
    stream.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
    stream.__Comment__ = "page stream"
    page.Contents, page.stream = stream, None


def render(
    target: str | os.PathLike | BinaryIO,
    items: Iterable[AgreementPrint],
    templates: TemplateSet,
    language: str,
    font: str,
    *,
    title: str,
    author: str,
    subject: str = "",
    keyword_text: str = "",
    on_start: Callable[[int], None] | None = None,
) -> int:
    """Draw ``items`` (each from a new page) into one A4 PDF; returns the number of pages."""
    target = os.fspath(target) if isinstance(target, (str, os.PathLike)) else target
    canvas = Canvas(target, pagesize=A4, initialFontName=font, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setKeywords(keyword_text)
    canvas.setCreator(name_and_version())
    writer = _Writer(canvas, font, templates.words(language), language.startswith("zh"))
    for index, item in enumerate(items):
        if on_start is not None:
            on_start(index)
        writer.agreement(item)
    canvas.save()
    return writer.pages


def format_date(value: dt.date | None, words: dict[str, str]) -> str:
    if value is None:
        return ""
    return words["date_format"].format(year=value.year, month=value.month, day=value.day)
