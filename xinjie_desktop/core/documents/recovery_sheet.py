"""The recovery sheet (issue 17): the printed recovery code that opens a data file whose every administrator
password is lost.  Made at set-up (and again whenever an administrator makes a new code), kept sealed in the
township safe.  One A4 page: the township, the data file, when and by whom it was made, the code in large
characters grouped as the keyring gives it, and what to do (and not to do) with it.  The code itself comes
from ``core.store.keyring.make_recovery``; this module only prints what it is given.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.i18n import _

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN - 12


@dataclass(frozen=True)
class RecoverySheet:
    township: str
    data_file: str  # the file's name as the township knows it (not a secret)
    code: str  # as make_recovery gave it, with its dashes
    made_on: str  # the date and time, as printed
    made_by: str  # the administrator's name


def render_pdf(sheet: RecoverySheet) -> bytes:
    font = document_font()
    style = style_maker(font, 11)
    title = style("title", 1.6, alignment=TA_CENTER, spaceAfter=4 * mm)
    body = style("body", spaceAfter=2.5 * mm)
    code = style("code", 2.2, alignment=TA_CENTER, wordWrap=None)
    story = [
        Paragraph(escape(_("Recovery code of the data file")), title),
        Paragraph(
            escape(_("{township}: keep this sheet sealed in the township safe.").format(township=sheet.township)), body
        ),
    ]
    facts = [
        [_("Data file"), sheet.data_file],
        [_("Made on"), sheet.made_on],
        [_("Made by"), sheet.made_by],
    ]
    story.append(
        Table(
            [[Paragraph(escape(label), body), Paragraph(escape(value), body)] for label, value in facts],
            colWidths=[40 * mm, WIDTH - 40 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font)]),
        )
    )
    story.append(Spacer(1, 6 * mm))
    groups = sheet.code.split("-")
    lines = [
        "-".join(groups[start : start + 3]) + ("-" if start + 3 < len(groups) else "")
        for start in range(0, len(groups), 3)
    ]
    box = Table(
        [[Paragraph("<br/>".join(escape(line) for line in lines), code)]],  # three groups a line, never cut inside one
        colWidths=[WIDTH],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("TOPPADDING", (0, 0), (-1, -1), 6 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6 * mm),
            ]
        ),
    )
    story.append(box)
    story.append(Spacer(1, 6 * mm))
    for line in (
        _(
            "Whoever has this code can open the data file and read every household in it, without a password. "
            "Do not photograph it, copy it or keep it with the laptop."
        ),
        _(
            "Use it only when every administrator's password is lost: on the login screen choose \"Use the "
            'recovery code", type the code, then set a new administrator password at once.'
        ),
        _("A new code made later replaces this one: destroy this sheet then."),
    ):
        story.append(Paragraph(escape(line), body))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Recovery code of the data file"),
        invariant=True,
        author=sheet.township,
        initialFontName=font,
    ).build(story, canvasmaker=functools.partial(Canvas, initialFontName=font))  # no Helvetica, even unused
    return buffer.getvalue()
