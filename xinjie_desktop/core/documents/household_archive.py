"""A household's archive (一户一档, issue 18) as one A4 PDF, from ``archive_views.HouseholdArchive``.

In a fixed order: a first page with the contents and the page each part starts on; 1. the household and its
members; 2. the income worksheets; 3. the identification steps, objections and public notices; 4. the
relocation verification; 5. the saved housing plan, whose summary is the plan summary itself
(``plan_summary.render_plan_summary``, the office's copy); 6. the agreements: a table of every version with
its number, status and amounts, then each one's pages as ``records.agreements`` gives them (a signed-on-screen
agreement's pages exactly as signed, a voided version's with 作废 on every page; a paper copy's scan after it);
drafts are listed only; 7. the demolition and its acceptance; 8. the attachments and the files other
records keep, each with its SHA-256.

The archive's own pages are numbered "page n of N"; pages that are another document (the plan summary,
the agreements, a scanned PDF) are put in as they are, unnumbered, and counted.  The layout is made twice:
the first time finds the page each part starts on, the second prints the contents with those numbers (the
same rows, so the same pages).  Everything is drawn with the embedded WenQuanYi font (``documents.fonts``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.archive_views import (
    IMAGE,
    PDF,
    AgreementPart,
    FileLine,
    HouseholdArchive,
    StoredFile,
)
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.documents.plan_summary import render_plan_summary
from xinjie_desktop.core.rules.housing_plan import KINDS
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.i18n import N_, _

MARGIN = 15 * mm
FRAME_PADDING = 6  # reportlab's frame keeps 6 points inside the margins on every side
BOTTOM = MARGIN + 4 * mm  # room for the footer
WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING
HEIGHT = A4[1] - MARGIN - BOTTOM - 2 * FRAME_PADDING  # a fresh page's room for flowables
SIZE = 9.0
GRID = colors.Color(0.35, 0.35, 0.35)
SHADE = colors.Color(0.92, 0.92, 0.92)
VOID_RED = colors.Color(0.8, 0.0, 0.0)
EMPTY = "—"

SECTIONS = (
    ("household", N_("1. Household and members")),
    ("income", N_("2. Income worksheets")),
    ("identification", N_("3. Identification steps and public notices")),
    ("relocation", N_("4. Relocation verification")),
    ("plan", N_("5. Saved housing plan")),
    ("agreements", N_("6. Agreements")),
    ("demolition", N_("7. Demolition of the old house and acceptance")),
    ("attachments", N_("8. Attachments and stored files")),
)


@dataclass(frozen=True)
class ArchiveLayout:
    """What was printed where: the pages in all, and the first page of each part (section keys, the plan
    summary ``plan-summary``, each agreement by its number, a scan by ``scan:<number>``)."""

    pages: int
    starts: dict[str, int]
    inserted: tuple[int, ...]  # pages that are another document, put in as they are


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _yuan(value: Decimal | None) -> str:
    return EMPTY if value is None else format_yuan(value)


def _yes_no(value: bool | None) -> str:
    if value is None:
        return EMPTY
    return _("yes") if value else _("no")


def _text(value: object) -> str:
    if value is None or value == "":
        return EMPTY
    return str(value)


class _Styles:
    def __init__(self, font: str) -> None:
        style = style_maker(font, SIZE, leading=1.3)
        self.font = font
        self.title = style("title", 2.2, alignment=TA_CENTER, spaceAfter=6)
        self.subtitle = style("subtitle", 1.1, alignment=TA_CENTER, textColor=colors.Color(0.25, 0.25, 0.25))
        self.section = style("section", 1.35, spaceBefore=4, spaceAfter=4)
        self.subsection = style("subsection", 1.1, spaceBefore=3, spaceAfter=2)
        self.label = style("label", 1.0, textColor=colors.Color(0.2, 0.2, 0.2))
        self.value = style("value", 1.0)
        self.small = style("small", 0.85)
        self.hash = style("hash", 0.8, wordWrap="CJK")  # a SHA-256 breaks anywhere if it must
        self.amount = style("amount", 1.0, alignment=TA_RIGHT)
        self.note = style("note", 0.95, textColor=colors.Color(0.25, 0.25, 0.25))
        self.void = style("void", 1.0, textColor=VOID_RED)
        self.contents = style("contents", 1.1)
        self.contents_sub = style("contents_sub", 0.95, leftIndent=SIZE * 1.5)
        self.page = style("page", 1.1, alignment=TA_RIGHT)


class _Fitting(Paragraph):
    """A paragraph whose every line stays within its width (see ``plan_summary._Fitting``): reportlab lets a
    character that may not start a line hang past the edge; then the lines are broken again narrower."""

    def wrap(self, availWidth, availHeight):
        width, height = super().wrap(availWidth, availHeight)
        narrower = availWidth
        for _attempt in range(4):
            if max(self.getActualLineWidths0() or [0.0]) <= availWidth + 0.01:
                break
            narrower -= self.style.fontSize
            _width, height = super().wrap(narrower, availHeight)
        self.width = width
        return width, height


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return _Fitting(escape(_text(text)).replace("\n", "<br/>"), style)


def _grid(rows, widths, s: _Styles, *, header: bool = False, shaded_columns: Sequence[int] = ()) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), s.font),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    for column in shaded_columns:
        commands.append(("BACKGROUND", (column, 0), (column, -1), SHADE))
    table.setStyle(TableStyle(commands))
    return table


def _pairs(items: Sequence[tuple[str, object]], s: _Styles) -> Table:
    """Label and value, two pairs a row."""
    label_w, value_w = 0.17 * WIDTH, 0.33 * WIDTH
    rows = []
    for index in range(0, len(items), 2):
        row: list = []
        for label, value in items[index : index + 2]:
            row += [_p(label, s.label), _p(value, s.value)]
        rows.append(row + [""] * (4 - len(row)))
    return _grid(rows, [label_w, value_w, label_w, value_w], s, shaded_columns=(0, 2))


def _wide_pairs(items: Sequence[tuple[str, object]], s: _Styles) -> Table:
    """Label and value, one pair a row (long texts)."""
    rows = [[_p(label, s.label), _p(value, s.value)] for label, value in items]
    return _grid(rows, [0.22 * WIDTH, 0.78 * WIDTH], s, shaded_columns=(0,))


class _Mark(Flowable):
    """Takes no room; notes the page it lands on under ``key``."""

    def __init__(self, key: str, found: dict[str, int]) -> None:
        super().__init__()
        self.key, self.found = key, found

    def wrap(self, availWidth, availHeight):
        return 0, 0

    def draw(self):
        self.found.setdefault(self.key, self.canv.getPageNumber())


class _Reserved(Flowable):
    """A whole page kept for page ``index`` of another document (``key``), put in after the layout."""

    def __init__(self, key: str, index: int, found: _Pass) -> None:
        super().__init__()
        self.key, self.index, self.found = key, index, found

    def wrap(self, availWidth, availHeight):
        return availWidth, HEIGHT - 0.01  # fits only on a fresh page

    def draw(self):
        page = self.canv.getPageNumber()
        self.found.reserved[page] = (self.key, self.index)
        if self.index == 0:
            self.found.starts.setdefault(self.key, page)


@dataclass
class _Pass:
    starts: dict[str, int] = field(default_factory=dict)
    reserved: dict[int, tuple[str, int]] = field(default_factory=dict)
    pages: int = 0


def _pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def _heading(key: str, title: str, s: _Styles, found: dict[str, int]) -> list[Flowable]:
    return [_Mark(key, found), _p(title, s.section)]


def _inserted(key: str, data: bytes, found: _Pass) -> list[Flowable]:
    return [_Reserved(key, index, found) for index in range(_pdf_pages(data))]


def _picture(stored: StoredFile, width: float, height: float) -> Image:
    reader = ImageReader(io.BytesIO(stored.data))
    w, h = reader.getSize()
    scale = min(width / w, height / h, 1.0 if w > 600 else width / w)
    return Image(io.BytesIO(stored.data), width=w * scale, height=h * scale, hAlign="CENTER")


def _contents(view: HouseholdArchive, s: _Styles, pages: dict[str, int], sub: dict[str, list[tuple[str, str]]]):
    rows = []
    style_rows = []
    for key, title in SECTIONS:
        rows.append([_p(_(title), s.contents), _p(str(pages.get(key, "")), s.page)])
        for sub_key, sub_title in sub.get(key, []):
            rows.append([_p(sub_title, s.contents_sub), _p(str(pages.get(sub_key, "")), s.page)])
            style_rows.append(len(rows) - 1)
    table = Table(rows, colWidths=[WIDTH - 22 * mm, 22 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.Color(0.7, 0.7, 0.7)),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _agreement_label(part: AgreementPart) -> str:
    text = _("{kind} {number} (version {version}): {status}").format(
        kind=part.kind, number=part.number, version=part.version, status=part.status_label
    )
    return text


def _sub_entries(view: HouseholdArchive) -> dict[str, list[tuple[str, str]]]:
    sub: dict[str, list[tuple[str, str]]] = {}
    if view.plan is not None:
        sub["plan"] = [("plan-summary", _("Plan summary (office copy)"))]
    entries = []
    for part in view.agreements:
        if part.pages is not None:
            entries.append((part.number, _agreement_label(part)))
        if part.scan is not None and part.scan.kind in (PDF, IMAGE):
            entries.append((f"scan:{part.number}", _("Scan of the paper copy of {number}").format(number=part.number)))
    if entries:
        sub["agreements"] = entries
    return sub


def _household(view: HouseholdArchive, s: _Styles) -> list[Flowable]:
    h = view.household
    story: list[Flowable] = [
        _pairs(
            [
                (_("Head of household"), h.head_name),
                (_("ID number"), h.head_id_number),
                (_("Village"), h.village),
                (_("Group"), h.group),
                (_("Address"), h.address),
                (_("Phone"), h.phone),
                (_("National system number"), h.national_number),
                (_("Population in the national system"), h.system_population),
                (_("Actual population"), h.actual_population),
                (_("Poor household attribute"), h.attribute),
                (_("Causes of poverty"), h.causes),
                (_("Identification standard"), h.identification_standard),
                (_("Willing to work"), _yes_no(h.labour_willing)),
                (_("Helping cadre"), h.helper_cadre),
                (_("Exited poverty"), f"{_yes_no(h.exited)} {h.exit_year or ''}".strip()),
                (_("Identification workflow"), h.workflow_state),
            ],
            s,
        )
    ]
    extra = [
        (_("Population reconciliation (ID-4)"), h.reconciliation_note),
        (
            _("Moved to a shop or row house (ID-7)"),
            _yes_no(h.moved_to_shop_or_row_house) if h.moved_to_shop_or_row_house else "",
        ),
        (_("Re-check outcome (ID-7)"), h.recheck_outcome),
    ]
    extra = [(label, value) for label, value in extra if value]
    if extra:
        story += [Spacer(1, 3), _wide_pairs(extra, s)]
    story += [Spacer(1, 6), _p(_("Members"), s.subsection)]
    header = [
        _("Name"),
        _("ID number"),
        _("Relation"),
        _("Sex, born"),
        _("Ethnicity, education, schooling"),
        _("Health, labour"),
        _("Dibao"),
        _("Membership (ID-2, ID-3)"),
    ]
    rows: list[list] = [[_p(text, s.small) for text in header]]
    for m in h.members:
        counted = _("counted in the actual population") if m.counted else _("not counted in the actual population")
        registered = _("in the national record") if m.registered else _("not in the national record")
        rows.append(
            [
                _p(m.name, s.small),
                _p(m.id_number, s.small),
                _p(m.relation, s.small),
                _p(f"{m.sex}\n{_date(m.birth_date)}", s.small),
                _p(f"{m.ethnicity}\n{m.education}\n{m.schooling}", s.small),
                _p(f"{m.health}\n{m.labour}", s.small),
                _p(_yes_no(m.dibao), s.small),
                _p(f"{m.membership}\n{counted}\n{registered}", s.small),
            ]
        )
    fractions = (0.1, 0.17, 0.1, 0.1, 0.14, 0.12, 0.06, 0.21)
    story.append(_grid(rows, [f * WIDTH for f in fractions], s, header=True))
    story += [Spacer(1, 6), _p(_("Flags"), s.subsection)]
    if h.flags:
        rows = [[_p(_("Rule"), s.small), _p(_("Flag"), s.small), _p(_("Why"), s.small)]]
        rows += [[_p(f.rule, s.small), _p(f.label, s.small), _p(f.explanation, s.small)] for f in h.flags]
        story.append(_grid(rows, [0.09 * WIDTH, 0.25 * WIDTH, 0.66 * WIDTH], s, header=True))
    else:
        story.append(_p(_("No flags."), s.note))
    return story


def _income(view: HouseholdArchive, s: _Styles) -> list[Flowable]:
    if not view.incomes:
        return [_p(_("No income worksheet is recorded."), s.note)]
    story: list[Flowable] = []
    labels = [
        (_("Wage income"), lambda i: _yuan(i.wage)),
        (_("Household business income"), lambda i: _yuan(i.business)),
        (_("Property income"), lambda i: _yuan(i.property_income)),
        (_("Transfer income"), lambda i: _yuan(i.transfer)),
        (_("Production costs"), lambda i: _yuan(i.production_costs)),
        (_("Net income"), lambda i: _yuan(i.result.net_income)),
        (_("Actual population"), lambda i: str(i.result.population)),
        (_("Per-capita net income"), lambda i: _yuan(i.result.per_capita)),
        (_("Income line"), lambda i: _yuan(i.result.line)),
        (
            _("Result (ID-1)"),
            lambda i: (
                EMPTY
                if i.result.below_line is None
                else (_("Below the line") if i.result.below_line else _("Not below the line"))
            ),
        ),
    ]
    per_table = 4
    for start in range(0, len(view.incomes), per_table):
        sheets = view.incomes[start : start + per_table]
        rows = [[_p(_("Year"), s.label), *(_p(str(i.year), s.amount) for i in sheets)]]
        rows += [[_p(label, s.label), *(_p(value(i), s.amount) for i in sheets)] for label, value in labels]
        column = (WIDTH - 0.3 * WIDTH) / per_table
        story += [
            _grid(rows, [0.3 * WIDTH] + [column] * len(sheets), s, header=True, shaded_columns=(0,)),
            Spacer(1, 4),
        ]
    story.append(_p(_("Amounts in yuan. Per-capita net income = net income ÷ actual population (ID-1, ID-2)."), s.note))
    return story


def _identification(view: HouseholdArchive, s: _Styles) -> list[Flowable]:
    story: list[Flowable] = [_p(_("Identification steps (ID-5)"), s.subsection)]
    if view.steps:
        rows = [[_p(t, s.small) for t in (_("No."), _("Step"), _("Date"), _("By"), _("Passed"), _("Notes"))]]
        for step in view.steps:
            notes = [step.notes]
            if step.omission_reason:
                notes.append(_("Omission (漏评): {reason}").format(reason=step.omission_reason))
            if step.notice_place or step.notice_end:
                notes.append(
                    _("Posted at {place} until {end}").format(
                        place=_text(step.notice_place), end=_date(step.notice_end)
                    )
                )
            rows.append(
                [
                    _p(step.ordinal, s.small),
                    _p(step.step, s.small),
                    _p(_date(step.done_on), s.small),
                    _p(step.done_by, s.small),
                    _p(_yes_no(step.passed), s.small),
                    _p("\n".join(n for n in notes if n) or EMPTY, s.small),
                ]
            )
        fractions = (0.06, 0.22, 0.12, 0.16, 0.08, 0.36)
        story.append(_grid(rows, [f * WIDTH for f in fractions], s, header=True))
    else:
        story.append(_p(_("No identification step is recorded."), s.note))
    story += [Spacer(1, 6), _p(_("Objections during identification (PN-1)"), s.subsection)]
    if view.objections:
        rows = [[_p(t, s.small) for t in (_("Raised on"), _("By"), _("Objection"), _("Resolution"), _("Resolved on"))]]
        for o in view.objections:
            rows.append(
                [
                    _p(_date(o.raised_on), s.small),
                    _p(o.raised_by, s.small),
                    _p(o.content, s.small),
                    _p(o.resolution, s.small),
                    _p(_date(o.resolved_on), s.small),
                ]
            )
        story.append(_grid(rows, [f * WIDTH for f in (0.12, 0.12, 0.32, 0.32, 0.12)], s, header=True))
    else:
        story.append(_p(_("No objection was raised."), s.note))
    story += [Spacer(1, 6), _p(_("Public notices that posted the household (PN-1, RL-3)"), s.subsection)]
    if not view.notices:
        story.append(_p(_("The household was not posted on a public notice recorded here."), s.note))
    for notice in view.notices:
        rounds = _("second posting") if notice.posting_round == 2 else _("first posting")
        items: list[tuple[str, object]] = [
            (_("Notice"), f"{notice.subject} · {rounds}"),
            (
                _("Posted"),
                _("{place}, {start} to {end}").format(
                    place=notice.place, start=_date(notice.start_date), end=_date(notice.end_date)
                ),
            ),
            (_("Result posted"), notice.entry.result),
            (_("Reason"), notice.entry.reason),
        ]
        for raised in notice.objections:
            items.append(
                (
                    _("Objection"),
                    _("{date}, {by}: {content}\nRe-verification ({resolved}): {outcome}").format(
                        date=_date(raised.raised_on),
                        by=raised.raised_by or EMPTY,
                        content=raised.content,
                        resolved=_date(raised.resolved_on),
                        outcome=raised.reverification or _("not yet re-verified"),
                    ),
                )
            )
        story += [_wide_pairs(items, s), Spacer(1, 4)]
    return story


def _relocation(view: HouseholdArchive, s: _Styles) -> list[Flowable]:
    r = view.relocation
    if r is None:
        return [_p(_("No relocation verification is recorded."), s.note)]
    items: list[tuple[str, object]] = [
        (_("In relocation scope (RL-1)"), _yes_no(r.in_scope)),
    ]
    if r.in_scope:
        items += [(_("Category of area"), r.area), (_("Why"), r.area_reason)]
    else:
        items += [(_("Taken out of scope (RL-2)"), r.exclusion), (_("Why"), r.exclusion_reason)]
    items += [
        (_("Resettlement"), r.mode),
        (_("Site"), r.site),
        (_("Building mode (HS-5)"), r.building_mode),
        (_("Position (RL-4)"), f"{r.latitude}, {r.longitude}" if r.latitude or r.longitude else ""),
        (
            _("Posted (RL-3)"),
            _("{place}, {start} to {end}").format(
                place=_text(r.notice_place), start=_date(r.notice_start), end=_date(r.notice_end)
            ),
        ),
        (_("Objections"), r.objections),
        (_("Re-verification"), r.reverification),
    ]
    items += [(role, f"{_text(name)} · {_date(on)}") for role, name, on in r.signers]
    items.append((_("Submitted on"), _date(r.submitted_on)))
    story: list[Flowable] = [_wide_pairs(items, s), _p(_("Building progress"), s.subsection)]
    if not r.building:
        return [*story, _p(_("No building stage is recorded."), s.note)]
    header = [_("Building stage"), _("Reached on"), _("Recorded by"), _("Evidence")]
    rows: list[list] = [[_p(t, s.small) for t in header]]
    rows += [
        [
            _p(line.stage, s.value),
            _p(_date(line.reached_on), s.value),
            _p(line.recorded_by, s.value),
            _p(line.evidence, s.value),
        ]
        for line in r.building
    ]
    return [*story, _grid(rows, [f * WIDTH for f in (0.26, 0.14, 0.16, 0.44)], s, header=True)]


def _plan(view: HouseholdArchive, s: _Styles, found: _Pass, plan_pdf: bytes | None) -> list[Flowable]:
    plan = view.plan
    if plan is None or plan_pdf is None:
        return [_p(_("No housing plan is saved."), s.note)]
    money = plan.money
    story: list[Flowable] = [
        _pairs(
            [
                (_("Saved on"), _date(plan.saved_at)),
                (_("Policy parameters"), money.parameters_version),
                (_("Kind of household"), _(KINDS[money.kind]) if money.kind in KINDS else money.kind),
                (_("Rule"), money.rule),
                (_("People"), money.people),
                (_("Building cost"), _yuan(money.building_cost)),
                (_("Subsidy paid"), _yuan(money.subsidy)),
                (_("Reward paid"), _yuan(money.reward)),
                (_("Subsidy and reward"), _yuan(money.subsidy_and_reward)),
                (_("Own funds"), _yuan(money.own_funds)),
                (_("Loan taken over"), _yuan(money.loan_taken_over)),
                (_("Compliant"), _yes_no(plan.result.compliant)),
            ],
            s,
        )
    ]
    if plan.out_of_date:
        story.append(
            _p(
                _("Out of date: the household changed since the plan was saved ({changes}).").format(
                    changes=plan.out_of_date
                ),
                s.void,
            )
        )
    if plan.earlier_plans:
        story.append(_p(_("{n} earlier plan(s) are kept in the store.").format(n=plan.earlier_plans), s.note))
    story.append(_p(_("The plan summary follows, as printed for the office."), s.note))
    story += _inserted("plan-summary", plan_pdf, found)
    return story


def _agreements(view: HouseholdArchive, s: _Styles, found: _Pass, pages: dict[str, int]) -> list[Flowable]:
    if not view.agreements:
        return [_p(_("No agreement is recorded."), s.note)]
    header = [_("Agreement"), _("Number, version"), _("Status"), _("Signed"), _("Amounts (yuan)"), _("Page")]
    rows: list[list] = [[_p(t, s.small) for t in header]]
    voided_rows = []
    for part in view.agreements:
        signed = EMPTY
        if part.signed_on:
            method = {"screen": _("on screen"), "paper": _("on paper")}.get(part.signing_method, part.signing_method)
            signed = f"{_date(part.signed_on)} {method}"
            if part.fingerprint:
                signed += " " + _("(fingerprint)")
        status = part.status_label
        if part.status == "voided":
            status = _("VOIDED (作废) {date}: {reason}").format(date=_date(part.voided_on), reason=part.void_reason)
            voided_rows.append(len(rows))
        elif part.status == "draft":
            status = _("draft: not signed, not printed here")
        if part.supersedes:
            status += "\n" + _("replaces {number}").format(number=part.supersedes)
        if part.scan is not None and part.scan.kind not in (PDF, IMAGE):
            status += "\n" + _("scan kept in the store (its SHA-256 in part 8), not a picture this program can show")
        amounts = "\n".join(f"{_(AMOUNT_LABELS.get(k, k))}: {format_yuan(v)}" for k, v in part.amounts) or EMPTY
        if part.demolition_deadline:
            amounts += "\n" + _("demolition by {date}").format(date=_date(part.demolition_deadline))
        rows.append(
            [
                _p(part.kind, s.small),
                _p(f"{part.number}\nv{part.version}", s.small),
                _p(status, s.void if part.status == "voided" else s.small),
                _p(signed, s.small),
                _p(amounts, s.small),
                _p(str(pages.get(part.number, "")) if part.pages is not None else EMPTY, s.small),
            ]
        )
    fractions = (0.14, 0.22, 0.2, 0.12, 0.25, 0.07)
    story: list[Flowable] = [_grid(rows, [f * WIDTH for f in fractions], s, header=True)]
    story.append(
        _p(
            _(
                "Each agreement's pages follow: one signed on screen exactly as signed (its PDF as stored at "
                "signing), a voided version with 作废 on every page, one signed on paper as printed for signing "
                "with the scan after it."
            ),
            s.note,
        )
    )
    for part in view.agreements:
        if part.pages is not None:
            story += _inserted(part.number, part.pages, found)
        if part.scan is not None:
            story += _scan(part, s, found)
    return story


AMOUNT_LABELS = {
    "building_cost": N_("building cost"),
    "subsidy": N_("subsidy"),
    "reward": N_("reward"),
    "subsidy_and_reward": N_("subsidy and reward"),
    "own_funds": N_("own funds"),
    "own_funds_limit": N_("own funds limit"),
    "loan_taken_over": N_("loan taken over"),
    "dangerous_subsidy": N_("dangerous-house subsidy"),
    "investor_pays": N_("co-investor pays"),
    "household_pays": N_("household pays"),
    "others_pay": N_("others pay"),
    "buy_back_price": N_("buy-back price"),
}


def _scan(part: AgreementPart, s: _Styles, found: _Pass) -> list[Flowable]:
    scan = part.scan
    assert scan is not None
    key = f"scan:{part.number}"
    if scan.kind == PDF:
        return _inserted(key, scan.data, found)
    if scan.kind == IMAGE:
        title = _p(_("Scan of the paper copy of {number}").format(number=part.number), s.subsection)
        return [PageBreak(), _Mark(key, found.starts), title, _picture(scan, WIDTH, HEIGHT - 40)]
    return []  # listed in the table and under the stored files, with its hash


def _demolition(view: HouseholdArchive, s: _Styles) -> list[Flowable]:
    d = view.demolition
    if d is None:
        return [_p(_("No demolition agreement is signed and no demolition is accepted."), s.note)]
    items: list[tuple[str, object]] = [
        (_("Demolition agreement"), d.agreement_number),
        (_("Demolish by"), _date(d.deadline)),
    ]
    if d.overdue_days:
        items.append((_("Overdue"), _("{days} day(s) past the deadline, not accepted").format(days=d.overdue_days)))
    items += [
        (_("Old house demolished on"), _date(d.demolished_on)),
        (_("Accepted on"), _date(d.accepted_on)),
        (_("Inspector"), d.inspector),
        (_("Old certificate handed in (AG-3)"), _yes_no(d.old_certificate_returned)),
        (_("New certificate number"), d.new_certificate_number),
        (_("Land reclaimed"), d.reclamation),
        (_("Reward ({rule})").format(rule=d.reward_rule or "SB-1/SB-2"), _yuan(d.reward) if d.reward_rule else EMPTY),
        (_("Reward due"), d.reward_reason or _yes_no(d.reward_due)),
    ]
    story: list[Flowable] = [_wide_pairs(items, s)]
    if d.photo is not None and d.photo.kind == IMAGE:
        story += [
            Spacer(1, 6),
            _p(_("Photo of the demolished site"), s.subsection),
            _picture(d.photo, WIDTH, HEIGHT / 2),
        ]
    return story


def _files_table(lines: Sequence[FileLine], s: _Styles) -> Table:
    header = [_("Kind"), _("Name, note"), _("Date"), _("Bytes"), _("SHA-256")]
    rows: list[list] = [[_p(t, s.small) for t in header]]
    for line in lines:
        name = "\n".join(t for t in (line.name, line.note) if t) or EMPTY
        rows.append(
            [
                _p(line.what, s.small),
                _p(name, s.small),
                _p(_date(line.added_on), s.small),
                _p(f"{line.size:,}", s.small),
                _p(line.sha256, s.hash),
            ]
        )
    return _grid(rows, [f * WIDTH for f in (0.15, 0.24, 0.11, 0.09, 0.41)], s, header=True)


def _attachments(view: HouseholdArchive, s: _Styles) -> list[Flowable]:
    story: list[Flowable] = [_p(_("Attachments"), s.subsection)]
    story.append(_files_table(view.attachments, s) if view.attachments else _p(_("No attachment."), s.note))
    story += [Spacer(1, 6), _p(_("Files kept with other records"), s.subsection)]
    story.append(_files_table(view.other_files, s) if view.other_files else _p(_("None."), s.note))
    story.append(
        _p(
            _("The SHA-256 of a file identifies it: the same file gives the same hash, a changed file another."),
            s.note,
        )
    )
    return story


def _story(view: HouseholdArchive, s: _Styles, found: _Pass, pages: dict[str, int], plan_pdf: bytes | None) -> list:
    h = view.household
    story: list[Flowable] = [
        Spacer(1, 10 * mm),
        _p(_("Household archive"), s.title),
        _p(f"{view.township} · {h.village} · {h.group}", s.subtitle),
        _p(_("Head of household: {name} · household {id}").format(name=h.head_name, id=h.id), s.subtitle),
        _p(_("Printed on {date}").format(date=_date(view.printed_on)), s.subtitle),
        Spacer(1, 8 * mm),
        _p(_("Contents"), s.section),
        _contents(view, s, pages, _sub_entries(view)),
        PageBreak(),
    ]
    parts: dict[str, Callable[[], list[Flowable]]] = {
        "household": lambda: _household(view, s),
        "income": lambda: _income(view, s),
        "identification": lambda: _identification(view, s),
        "relocation": lambda: _relocation(view, s),
        "plan": lambda: _plan(view, s, found, plan_pdf),
        "agreements": lambda: _agreements(view, s, found, pages),
        "demolition": lambda: _demolition(view, s),
        "attachments": lambda: _attachments(view, s),
    }
    for key, title in SECTIONS:
        body = parts[key]()
        story.append(KeepTogether([*_heading(key, _(title), s, found.starts), *body[:1]]))
        story += body[1:]
        story.append(Spacer(1, 8))
    return story


def _plan_pdf(view: HouseholdArchive) -> bytes | None:
    plan = view.plan
    if plan is None:
        return None
    buffer = io.BytesIO()
    render_plan_summary(
        buffer,
        plan.household,
        plan.plan,
        plan.result,
        view.township,
        view.printed_on,
        chosen_option=plan.chosen_option,
        co_investor=plan.co_investor,
        office_copy=True,
    )
    return buffer.getvalue()


def _clipped(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut (with an ellipsis) to ``width`` points: a long township or head's name stays on the page."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _layout(view: HouseholdArchive, font: str, pages: dict[str, int], total: int, plan_pdf: bytes | None):
    s = _Styles(font)
    found = _Pass()
    buffer = io.BytesIO()
    h = view.household
    footer = _("{township} · household archive · {head} · printed on {date}").format(
        township=view.township, head=h.head_name, date=_date(view.printed_on)
    )

    def decorate(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
        canvas.drawString(MARGIN, 9 * mm, _clipped(footer, font, 7.5, A4[0] - 2 * MARGIN - 40 * mm))
        if total:
            canvas.drawRightString(
                A4[0] - MARGIN, 9 * mm, _("Page {page} of {pages}").format(page=canvas.getPageNumber(), pages=total)
            )
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM,
        initialFontName=font,
        title=_("Household archive"),
        author=view.township,
        creator=name_and_version(),
    )
    document.build(_story(view, s, found, pages, plan_pdf), onFirstPage=decorate, onLaterPages=decorate)
    found.pages = document.page
    return buffer.getvalue(), found


def render_archive(view: HouseholdArchive, out: str | os.PathLike | BinaryIO) -> ArchiveLayout:
    """Write the household's archive to a path or a binary file object; returns where each part is."""
    font = document_font()
    plan_pdf = _plan_pdf(view)
    _first, found = _layout(view, font, {}, 0, plan_pdf)
    data, final = _layout(view, font, dict(found.starts), found.pages, plan_pdf)
    if final.pages != found.pages or final.starts != found.starts:  # the numbers moved a line: once more
        data, final = _layout(view, font, dict(final.starts), final.pages, plan_pdf)
    documents: dict[str, PdfReader] = {}
    if plan_pdf is not None:
        documents["plan-summary"] = PdfReader(io.BytesIO(plan_pdf))
    for part in view.agreements:
        if part.pages is not None:
            documents[part.number] = PdfReader(io.BytesIO(part.pages))
        if part.scan is not None and part.scan.kind == PDF:
            documents[f"scan:{part.number}"] = PdfReader(io.BytesIO(part.scan.data))
    laid_out = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for number, page in enumerate(laid_out.pages, 1):
        if number in final.reserved:
            key, index = final.reserved[number]
            writer.add_page(documents[key].pages[index])
        else:
            writer.add_page(page)
    titles = dict(SECTIONS)
    for key, page in sorted(final.starts.items(), key=lambda item: item[1]):
        if key in titles:
            writer.add_outline_item(title=_(titles[key]), page_number=page - 1)
    h = view.household
    writer.add_metadata(
        {
            "/Title": _("Household archive: {head}, {village}").format(head=h.head_name, village=h.village),
            "/Author": view.township,
            "/Creator": name_and_version(),
            "/Subject": h.id,
        }
    )
    if isinstance(out, (str, os.PathLike)):
        with open(out, "wb") as stream:
            writer.write(stream)
    else:
        writer.write(out)
    return ArchiveLayout(final.pages, dict(final.starts), tuple(sorted(final.reserved)))
