"""A household's housing plan as a one-page A4 summary (易地扶贫搬迁安置房测算表), issue 3.

Plain township-document style: the household, the inputs the cadre entered, every figure with
how it is worked out and the rules behind it, the verdict with every reason, the co-ownership
options of HS-4 (2) with the plan's conditions in its own words, the rules and the parameter
version used, and lines for the signatures.  Everything is drawn with the shipped, embedded
Chinese font (documents.fonts), so the PDF reads the same on a computer without Chinese fonts.

The page always holds on one sheet: a plan that runs over is laid out again at the largest smaller
font size that fits, and as a last resort the whole content is shrunk into the page.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.rules.housing_plan import KINDS, LAND_LABELS, ZONE_LABELS, CoOwnership, PlanInput, PlanResult
from xinjie_desktop.core.rules.idnumber import mask
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.i18n import _

MARGIN = 14 * mm
FRAME_PADDING = 6  # reportlab's frame keeps 6 points inside the margins on every side
WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING  # what a table may fill: wider runs off the margin
HEIGHT = A4[1] - 2 * MARGIN - 2 * FRAME_PADDING
LARGEST, SMALLEST = 9.5, 6.0  # base font size (points) of a plan that fits easily, and the least tried
GRID = colors.Color(0.35, 0.35, 0.35)
SHADE = colors.Color(0.92, 0.92, 0.92)
EMPTY = "—"


@dataclass(frozen=True)
class PlanHousehold:
    """The household block of the summary; ``id_number`` is printed masked (first 6, last 4).  The kind of
    household printed beside it is the plan's (``PlanInput.kind``), the kind its money was worked out for."""

    head_name: str
    id_number: str
    village: str
    group: str
    actual_population: int


def render_plan_summary(
    path_or_file: str | os.PathLike | BinaryIO,
    household: PlanHousehold,
    plan_input: PlanInput,
    result: PlanResult,
    township: str,
    printed_on: dt.date,
    *,
    chosen_option: str = "",
    co_investor: str = "",
    office_copy: bool = True,
) -> None:
    """Write the one-page A4 summary of ``result`` to a path or a binary file object.

    With ``chosen_option`` (a co-ownership way of HS-4 (2) the household chose) only that way is
    printed, with ``co_investor``; without, every way open to the household.  The office copy names
    the rule behind each figure; the household's copy (``office_copy=False``) says the same in words
    only, without rule codes."""
    font = document_font()
    copy = _Copy(office_copy, chosen_option, co_investor)

    def story_at(size: float) -> list[Flowable]:
        return _story(_Styles(font, size), household, plan_input, result, township, printed_on, copy)

    story = story_at(LARGEST)
    if _pages(story, font) > 1:
        # the largest size that still fits, to 0.2 point: about five trial layouts of a few ms each
        fits, low, high = None, SMALLEST, LARGEST
        while high - low > 0.2:
            size = (low + high) / 2
            trial = story_at(size)
            if _pages(trial, font) == 1:
                fits, low = trial, size
            else:
                high = size
        if fits is None:
            smallest = story_at(SMALLEST)
            fits = smallest if _pages(smallest, font) == 1 else [KeepInFrame(WIDTH, HEIGHT, smallest, mode="shrink")]
        story = fits
    target = os.fspath(path_or_file) if isinstance(path_or_file, (str, os.PathLike)) else path_or_file
    _document(target, font, township).build(story)


def _document(target, font: str, township: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        initialFontName=font,
        title=_("Resettlement housing plan"),
        author=township,
        creator=name_and_version(),
    )


def _pages(story: list[Flowable], font: str) -> int:
    document = _document(io.BytesIO(), font, "")
    document.build(list(story))
    return document.page


class _Styles:
    def __init__(self, font: str, size: float) -> None:
        style = style_maker(font, size, leading=1.3)
        self.size = size
        self.font = font
        self.title = style("title", 1.75, alignment=TA_CENTER, spaceAfter=size * 0.3)
        self.subtitle = style("subtitle", 0.95, alignment=TA_CENTER, textColor=colors.Color(0.25, 0.25, 0.25))
        self.section = style("section", 1.1)
        self.label = style("label", 1.0, textColor=colors.Color(0.2, 0.2, 0.2))
        self.value = style("value", 1.0)
        self.amount = style("amount", 1.0, alignment=TA_RIGHT)
        self.basis = style("basis", 0.85, textColor=colors.Color(0.2, 0.2, 0.2))
        self.verdict = style("verdict", 1.2)
        self.reason = style("reason", 1.0, leftIndent=size * 1.6, firstLineIndent=-size * 1.1)
        self.conditions = style("conditions", 0.85, wordWrap="CJK")  # the plan's words are Chinese
        self.small = style("small", 0.85)
        self.padding = max(1.5, size * 0.3)


class _Fitting(Paragraph):
    """A paragraph whose every line stays within the width it is given.  reportlab lets a character
    that may not start a line (a closing bracket, a comma) hang past the right edge; then the lines are
    broken again a character narrower, so that nothing runs into the next cell or off the page."""

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


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return _Fitting(escape(text), style)


def _yuan(value: Decimal | None) -> str:
    return EMPTY if value is None else format_yuan(value)


def _m2(value: Decimal | int | None) -> str:
    if value is None:
        return EMPTY
    value = Decimal(value)
    number = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"
    return f"{number} m²"


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _kind(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


def _shares(option: CoOwnership) -> str:
    shares = f"{option.investor_share}% / {option.household_share}%"
    others = Decimal(100) - option.investor_share - option.household_share
    if option.others_pay > 0 and others > 0:  # the rest is held by whoever pays the part above the limit
        shares += " " + _("(others {share}%)").format(share=others)
    return shares


def _grid(rows, widths, s: _Styles, *, shaded_columns=(), header=False, extra=()) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), s.font),
        ("FONTSIZE", (0, 0), (-1, -1), s.size),
        ("TOPPADDING", (0, 0), (-1, -1), s.padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), s.padding),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for column in shaded_columns:
        commands.append(("BACKGROUND", (column, 0), (column, -1), SHADE))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


def _section(text: str, s: _Styles) -> list[Flowable]:
    return [Spacer(1, s.size * 0.7), _p(text, s.section), Spacer(1, s.size * 0.25)]


@dataclass(frozen=True)
class _Copy:
    office: bool  # rule codes beside the figures (the office's copy), or words only (the household's)
    chosen_option: str = ""
    co_investor: str = ""


def _basis(
    result: PlanResult,
    *keys: str,
    s: _Styles,
    paid: tuple[Decimal, Decimal] | None = None,
    codes: bool = True,
) -> Paragraph:
    texts: list[str] = []
    rules: list[str] = []
    for key in keys:
        explanation = result.explanations.get(key)
        if explanation is None:
            continue
        texts.append(explanation.text)
        rules.extend(r for r in explanation.rules if r not in rules)
    if paid is not None and paid[1] < paid[0]:  # cut by the HS-3 cap
        texts.append(
            _("Within the cap of the building cost of the area-controlled house, {paid} yuan of it is paid.").format(
                paid=format_yuan(paid[1])
            )
        )
        rules.append("HS-3")
    text = " ".join(texts)
    if rules and codes:
        text = f"{text} [{', '.join(rules)}]" if text else f"[{', '.join(rules)}]"
    return _p(text, s.basis)


def _story(
    s: _Styles,
    household: PlanHousehold,
    plan: PlanInput,
    result: PlanResult,
    township: str,
    printed_on: dt.date,
    copy: _Copy,
) -> list[Flowable]:
    def basis(*keys: str, paid: tuple[Decimal, Decimal] | None = None) -> Paragraph:
        return _basis(result, *keys, s=s, paid=paid, codes=copy.office)

    story: list[Flowable] = [
        _p(_("Resettlement housing plan"), s.title),
        _p(
            _("{township} · printed on {date} · policy parameters {version}").format(
                township=township, date=printed_on.isoformat(), version=result.parameters_version
            ),
            s.subtitle,
        ),
        Spacer(1, s.size * 0.6),
    ]
    label_w, value_w = 0.19 * WIDTH, 0.31 * WIDTH
    four = [label_w, value_w, label_w, value_w]

    def pairs(items: list[tuple[str, str]]) -> list[list[Paragraph]]:
        rows = []
        for index in range(0, len(items), 2):
            row = []
            for label, value in items[index : index + 2]:
                row += [_p(label, s.label), _p(value, s.value)]
            rows.append(row + [""] * (4 - len(row)))
        return rows

    # The household.
    story += _section(_("1. Household"), s)
    story.append(
        _grid(
            pairs(
                [
                    (_("Head of household"), household.head_name),
                    (_("ID number"), mask(household.id_number)),
                    (_("Village"), household.village),
                    (_("Group"), household.group),
                    (_("Actual population"), str(household.actual_population)),
                    (_("Kind of household"), _kind(plan.kind)),  # the money's kind (AG-1, SB-2)
                ]
            ),
            four,
            s,
            shaded_columns=(0, 2),
        )
    )

    # What the plan was worked out from.
    if plan.built_area is not None:
        area = _("{area} built").format(area=_m2(plan.built_area))
    elif plan.layout is not None:
        area = _("{area} layout").format(area=_m2(plan.layout))
    else:
        area = _("the largest layout allowed")
    homestead = EMPTY
    if plan.zone is not None and plan.land is not None:  # both or neither (housing_plan.check_input)
        homestead = f"{_(ZONE_LABELS[plan.zone])}, {_(LAND_LABELS[plan.land])}"
        if plan.homestead_area is not None:
            homestead += f", {_m2(plan.homestead_area)}"
    story += _section(_("2. Plan inputs"), s)
    story.append(
        _grid(
            pairs(
                [
                    (_("People in the plan"), str(plan.people)),
                    (_("Kind of household"), _kind(plan.kind)),
                    (_("Labour capacity"), _yes_no(plan.labour)),
                    (
                        _("Construction started"),
                        plan.start_date.isoformat() if plan.start_date else _("not started yet"),
                    ),
                    (
                        _("Building cost per m²"),
                        EMPTY
                        if plan.unit_cost is None
                        else _("{amount} yuan").format(amount=format_yuan(plan.unit_cost)),
                    ),
                    (_("Layout or built area"), area),
                    (
                        _("Planned own funds"),
                        EMPTY
                        if plan.own_funds is None
                        else _("{amount} yuan").format(amount=format_yuan(plan.own_funds)),
                    ),
                    (_("Loan drawn"), _("{amount} yuan").format(amount=format_yuan(plan.loan))),
                    (_("Demolition agreement signed, old house demolished on time"), _yes_no(plan.demolition_signed)),
                    (_("Homestead"), homestead),
                ]
            ),
            four,
            s,
            shaded_columns=(0, 2),
        )
    )

    # The figures, each with how it is worked out.
    layouts = "、".join(f"{x} m²" for x in result.allowed_layouts) or _("none")
    area_text = (
        EMPTY
        if result.area_m2 is None
        else _("{area} ({per} a person)").format(area=_m2(result.area_m2), per=_m2(result.per_capita_m2))
    )
    own = _yuan(result.own_funds_needed)
    if result.own_funds_limit is not None:
        own_limit = _("limit {limit}").format(limit=format_yuan(result.own_funds_limit))
    else:
        own_limit = ""
    paid_label = (
        _("Subsidy and reward paid, after the HS-3 cap") if copy.office else _("Subsidy and reward paid, after the cap")
    ) + (" " + _("(cap reached)") if result.cap_reached else "")
    rows = [
        [
            _p(_("Item"), s.label),
            _p(_("Figure"), s.label),
            _p(_("How it is worked out [rules]") if copy.office else _("How it is worked out"), s.label),
        ],
        [_p(_("Layouts allowed"), s.label), _p(layouts, s.amount), basis("allowed_layouts")],
        [_p(_("Area of the house"), s.label), _p(area_text, s.amount), basis("per_capita_m2")],
        [
            _p(_("Building cost (yuan)"), s.label),
            _p(_yuan(result.building_cost), s.amount),
            basis("building_cost"),
        ],
        # the parts as paid (core.rules.household_money): they add up to the total below
        [
            _p(_("Subsidy (yuan)"), s.label),
            _p(_yuan(result.subsidy_paid), s.amount),
            basis("subsidy", paid=(result.subsidy, result.subsidy_paid)),
        ],
        [
            _p(_("Reward (yuan)"), s.label),
            _p(_yuan(result.reward_paid), s.amount),
            basis("reward", paid=(result.reward, result.reward_paid)),
        ],
        [
            _p(paid_label, s.label),
            _p(_yuan(result.subsidy_and_reward), s.amount),
            basis("subsidy_and_reward"),
        ],
        [
            _p(_("Own funds needed (yuan)"), s.label),
            _Fitting(escape(own) + (f"<br/>({escape(own_limit)})" if own_limit else ""), s.amount),
            basis("own_funds_needed"),
        ],
        [
            _p(_("Still unpaid after the money planned (yuan)"), s.label),
            _p(_yuan(result.funding_gap), s.amount),
            _p("" if result.funding_gap is not None else _("Give the planned own funds to see the gap."), s.basis),
        ],
        [_p(_("Loan allowed (yuan)"), s.label), _p(_yuan(result.loan_allowed), s.amount), basis("loan")],
        [
            _p(_("Loan taken over by the district company (yuan)"), s.label),
            _p(_yuan(result.loan_taken_over), s.amount),
            _p("", s.basis),
        ],
    ]
    if result.homestead_limit_m2 is not None:
        rows.append(
            [
                _p(_("Homestead limit / becomes garden"), s.label),
                _p(
                    f"{_m2(result.homestead_limit_m2)} / {_m2(result.garden_m2) if result.garden_m2 else EMPTY}",
                    s.amount,
                ),
                basis("homestead"),
            ]
        )
    story += _section(_("3. Figures"), s)
    story.append(_grid(rows, [0.25 * WIDTH, 0.22 * WIDTH, 0.53 * WIDTH], s, shaded_columns=(0,), header=True))

    # The verdict with every reason.
    story += _section(_("4. Verdict"), s)
    verdict = [
        _p(
            _("The plan complies with the policy.")
            if result.compliant
            else _("The plan does not comply, for these reasons:"),
            s.verdict,
        )
    ]
    verdict += [_p(f"{index}. {reason}", s.reason) for index, reason in enumerate(result.reasons, 1)]
    verdict += [_p(_("Note: {note}").format(note=note), s.reason) for note in result.notes]
    if result.elderly_home and result.explanations.get("elderly_home"):
        explanation = result.explanations["elderly_home"]
        verdict.append(Spacer(1, s.size * 0.3))
        verdict.append(
            _p(
                _("The plan's words [{rules}]: {words}").format(
                    rules=", ".join(explanation.rules), words=explanation.plan
                )
                if copy.office
                else _("The plan's own words: {words}").format(words=explanation.plan),
                s.conditions,
            )
        )
    story.append(
        _grid(
            [[verdict]],
            [WIDTH],
            s,
            extra=[("TOPPADDING", (0, 0), (-1, -1), s.padding * 2), ("BOTTOMPADDING", (0, 0), (-1, -1), s.padding * 2)],
        )
    )

    # HS-4 (2): the co-ownership ways out.
    options = [o for o in result.options if not copy.chosen_option or o.code == copy.chosen_option]
    if options:
        story += _section(
            _("5. Co-ownership rectification (HS-4)") if copy.office else _("5. Co-ownership rectification"), s
        )
        if copy.chosen_option:
            story.append(
                _p(
                    _("Way chosen: {way}; co-investor: {investor}").format(
                        way=options[0].label, investor=copy.co_investor or EMPTY
                    ),
                    s.value,
                )
            )
            story.append(Spacer(1, s.size * 0.3))
        if "options" in result.explanations:
            story.append(_p(result.explanations["options"].text, s.small))
            story.append(Spacer(1, s.size * 0.3))
        rows = [
            [
                _p(text, s.label)
                for text in (
                    _("Option"),
                    _("Co-investor pays"),
                    _("Household pays"),
                    _("Others pay"),
                    _("Shares: co-investor / household"),
                    _("Buy-back at cost"),
                )
            ]
        ]
        spans = []
        for option in options:
            rows.append(
                [
                    _p(option.label, s.value),
                    _p(format_yuan(option.investor_pays), s.amount),
                    _p(format_yuan(option.household_pays), s.amount),
                    _p(format_yuan(option.others_pay), s.amount),
                    _p(_shares(option), s.amount),
                    _p(format_yuan(option.buy_back_price), s.amount),
                ]
            )
            rows.append(
                [
                    _p(
                        _("Conditions (the plan's words): {conditions}").format(conditions=option.conditions),
                        s.conditions,
                    ),
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            spans.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
        widths = [0.30 * WIDTH, 0.13 * WIDTH, 0.13 * WIDTH, 0.11 * WIDTH, 0.18 * WIDTH, 0.15 * WIDTH]
        story.append(_grid(rows, widths, s, header=True, extra=spans))

    # The rules and the parameters, then the signatures.
    story.append(Spacer(1, s.size * 0.8))
    story.append(
        _p(
            _("Rules applied: {rules}. Policy parameters version {version}.").format(
                rules=", ".join(result.rules), version=result.parameters_version
            )
            if copy.office
            else _("Policy parameters version {version}.").format(version=result.parameters_version),
            s.small,
        )
    )
    story.append(Spacer(1, s.size * 1.4))
    signers = [
        _("Household head (signature)"),
        _("Village cadre (signature)"),
        _("Work-team member (signature)"),
        _("Date"),
    ]
    gap = 5 * mm
    box = (WIDTH - 3 * gap) / 4
    signature = Table(
        [
            [
                _p(signers[0], s.label),
                "",
                _p(signers[1], s.label),
                "",
                _p(signers[2], s.label),
                "",
                _p(signers[3], s.label),
            ],
            [""] * 7,
        ],
        colWidths=[box, gap, box, gap, box, gap, box],
        rowHeights=[None, s.size * 2.6],
        hAlign="LEFT",
    )
    signature.setStyle(
        TableStyle(
            [("LINEBELOW", (column, 1), (column, 1), 0.6, colors.black) for column in (0, 2, 4, 6)]
            + [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("FONTNAME", (0, 0), (-1, -1), s.font),
            ]
        )
    )
    story.append(signature)
    return story
