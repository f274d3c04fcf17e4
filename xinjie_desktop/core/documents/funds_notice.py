"""The public notice of relocation funds (资金公告公示, issue 19), A4, printed like the identification notices.

Per village (or for the whole township): the funds — source, name and document numbers, amount received, use
and the units that use it, and how much of it went to this village — then to whom it was allocated, household
by household (head's name, ID number masked to its first 6 and last 4 characters, group, kind, the fund, the
tranche, the day and the amount), the posting place and period (at least 7 full days; first or second posting),
the complaint telephone, and lines for the seals.  The table headings repeat on every page, the pages are
numbered, and only the shipped, embedded Chinese font is used (``documents.notice_sheet``'s tables and canvas).

The renderer receives ``FundsNoticeView`` (filled by ``records.funds.notice_view``); it never queries the store.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.documents.notice_sheet import (
    MARGIN,
    WIDTH,
    canvas_maker,
    date_text,
    facts_table,
    grid_table,
    signature_row,
)
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.rules.housing_plan import KINDS
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.i18n import _

SIZE = 9.0


@dataclass(frozen=True)
class NoticeFund:
    source: str
    name: str
    documents: str  # 计划文号 / 资金文号, as printed
    received: Decimal
    use: str
    units: str
    allocated_here: Decimal  # paid to the households of the notice's village (township: all)


@dataclass(frozen=True)
class NoticeAllocation:
    head_name: str
    id_number_masked: str
    village: str
    group: str
    household_kind: str
    fund_name: str
    tranche: str
    paid_on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class FundsNoticeView:
    township: str
    village: str  # "" for the township's notice
    place: str
    start_date: dt.date
    end_date: dt.date
    telephone: str
    posting_round: int
    funds: tuple[NoticeFund, ...]
    allocations: tuple[NoticeAllocation, ...]

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days

    @property
    def where(self) -> str:
        return self.village or self.township

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal(0))


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def title(view: FundsNoticeView) -> str:
    return _("Public notice of the relocation funds of {where}").format(where=view.where)


def _round(view: FundsNoticeView) -> str:
    return _("(first posting)") if view.posting_round == 1 else _("(second posting)")


def _story(view: FundsNoticeView, font: str) -> list:
    style = style_maker(font, SIZE)
    place = style("place", 1.15, alignment=TA_CENTER)
    heading = style("title", 2.0, alignment=TA_CENTER, spaceBefore=2, spaceAfter=4)
    sub = style("round", 1.05, alignment=TA_CENTER, textColor=colors.Color(0.2, 0.2, 0.2))
    body = style("body", 1.05, firstLineIndent=SIZE * 2.1, wordWrap="CJK")
    section = style("section", 1.15, spaceBefore=4, spaceAfter=3)
    head = style("head", 0.95, alignment=TA_CENTER, wordWrap="CJK")
    cell = style("cell", 0.95, wordWrap="CJK")
    centre = style("centre", 0.95, alignment=TA_CENTER, wordWrap="CJK")
    right = style("right", 0.95, alignment=TA_RIGHT)
    label = style("label", 1.05)

    story: list = [
        _p(view.township if view.village else "", place),
        _p(title(view), heading),
        _p(_round(view), sub),
        Spacer(1, 3),
        _p(
            _(
                "The sources, amounts and use of the relocation funds, the units that use them, and to whom they were "
                "paid are posted publicly at {place} from {start} to {end} ({days} full days) for the people to see "
                "and check. Earmarked funds pay only registered poor households of the three-year plan. Anyone who "
                "finds a problem may report it during the posting to the complaint telephone {telephone}."
            ).format(
                place=view.place,
                start=date_text(view.start_date),
                end=date_text(view.end_date),
                days=view.days,
                telephone=view.telephone,
            ),
            body,
        ),
        _p(_("1. The funds"), section),
    ]
    rows = [
        [
            _p(text, head)
            for text in (
                _("No."),
                _("Source"),
                _("Fund and documents"),
                _("Received (yuan)"),
                _("Use"),
                _("Units using it"),
                _("Allocated here (yuan)") if view.village else _("Paid out (yuan)"),
            )
        ]
    ]
    for number, fund in enumerate(view.funds, 1):
        earmarked = _("earmarked") if rules.is_earmarked(fund.source) else ""
        rows.append(
            [
                _p(str(number), centre),
                _p(rules.source_label(fund.source) + (f"（{earmarked}）" if earmarked else ""), cell),
                _p(f"{fund.name} {fund.documents}".strip(), cell),
                _p(format_yuan(fund.received), right),
                _p(fund.use, cell),
                _p(fund.units, cell),
                _p(format_yuan(fund.allocated_here), right),
            ]
        )
    if not view.funds:
        rows.append([_p(_("No funds recorded."), cell)] + [""] * 6)
    widths = [20, 66, 120, 62, 70, 70]
    widths.append(WIDTH - sum(widths))
    story.append(grid_table(rows, widths, font))

    story.append(_p(_("2. To whom they were allocated"), section))
    header = [
        _p(text, head)
        for text in (
            _("No."),
            _("Head of household"),
            _("ID number"),
            _("Villagers' group"),
            _("Kind"),
            _("Fund"),
            _("Tranche"),
            _("Paid on"),
            _("Amount (yuan)"),
        )
    ]
    rows = [header]
    for number, entry in enumerate(view.allocations, 1):
        group = entry.group if view.village else f"{entry.village} {entry.group}"
        rows.append(
            [
                _p(str(number), centre),
                _p(entry.head_name, centre),
                _p(entry.id_number_masked, centre),
                _p(group, centre),
                _p(_(KINDS[entry.household_kind]) if entry.household_kind in KINDS else "", cell),
                _p(entry.fund_name, cell),
                _p(rules.tranche_label(entry.tranche), centre),
                _p(date_text(entry.paid_on), centre),
                _p(format_yuan(entry.amount), right),
            ]
        )
    rows.append(
        [_p(_("Total"), centre), "", "", "", "", "", "", "", _p(format_yuan(view.total), right)]
        if view.allocations
        else [_p(_("Nothing paid yet."), cell)] + [""] * 8
    )
    widths = [18, 40, 96, 46, 50, 80, 44, 58]
    widths.append(WIDTH - sum(widths))
    table = grid_table(rows, widths, font)
    table.setStyle(TableStyle([("SPAN", (0, len(rows) - 1), (7 if view.allocations else 8, len(rows) - 1))]))
    story.append(table)
    story.append(Spacer(1, 10))

    facts = [
        (_("Posting place"), view.place),
        (
            _("Posting period"),
            _("{start} to {end}").format(start=date_text(view.start_date), end=date_text(view.end_date)),
        ),
        (_("Complaint telephone"), view.telephone),
    ]
    signers = [
        _("Village committee (seal)") if view.village else _("Township finance office (seal)"),
        _("Township relocation command centre (seal)"),
        _("Township discipline commission (seal)"),
    ]
    signature = signature_row(signers, label, font)
    story.append(KeepTogether([facts_table(facts, label, font), Spacer(1, 24), signature]))
    return story


def render(view: FundsNoticeView, out, printed_on: dt.date) -> None:
    """Write the notice to ``out`` (a path or a binary file object)."""
    font = document_font()
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    running = f"{title(view)} {_round(view)}"
    footer = _("{township} · notice of funds · printed on {date}").format(
        township=view.township, date=date_text(printed_on)
    )
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 8,
        initialFontName=font,
        title=running,
        author=view.township,
        creator=name_and_version(),
    )
    document.build(_story(view, font), canvasmaker=canvas_maker(footer, running, font))
