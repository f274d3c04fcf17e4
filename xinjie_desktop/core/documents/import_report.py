"""The printed report of an import of sync bundles (issue 5, "an import report that can be printed").

One A4 document: which computer imported, when, and one row per bundle found on the USB stick —
the file, the laptop it came from, what happened to it (imported, already imported before, refused
with the reason, or left on the stick for another computer) and the records it brought: new,
changed, deleted, conflicts and possible duplicates.  Under the table, per bundle, the counts by
kind of record, the full reason of every refusal, and the possible duplicates' ID numbers masked
as on a public notice (the full numbers are on the conflicts screen).  A line for the signature of
whoever checked it.

The rows are ``ReportLine``s: made from the report an import stores in ``bundle_log.report``
(``ReportLine.from_report`` or ``lines_from_log``), or for a bundle that was not imported, from
what the window knows of it.  Only the shipped, embedded Chinese font is used.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.documents.notice_sheet import canvas_maker as numbered_canvas
from xinjie_desktop.core.documents.notice_sheet import grid_table
from xinjie_desktop.core.rules import idnumber
from xinjie_desktop.i18n import N_, _

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN - 12  # the frame's usable width (platypus pads a frame by 6 points a side)
SIZE = 9.5

# The kinds of record that travel in a bundle, in the order a person reads them.
RECORD_KINDS: dict[str, str] = {
    "household": N_("households"),
    "member": N_("household members"),
    "income_worksheet": N_("income worksheets"),
    "workflow_step": N_("identification steps"),
    "objection": N_("objections"),
    "attachment": N_("supporting files"),
    "relocation_verification": N_("relocation verifications"),
    "housing_plan": N_("housing plans"),
    "dangerous_house": N_("dangerous houses"),
    "agreement": N_("agreements"),
    "agreement_signature": N_("agreement signatures"),
    "demolition_acceptance": N_("demolition acceptances"),
    "building_stage": N_("building stages"),
    "public_notice": N_("public notices"),
    "notice_objection": N_("objections to public notices"),
    "fund": N_("relocation funds"),
    "fund_payment": N_("payments to households"),
    "fund_check": N_("checks of the funds"),
    "fund_finding": N_("findings of the funds' checks"),
    "team_member": N_("work-team members"),
    "helper_pairing": N_("helper pairings"),
    "team_milestone": N_("work-team tasks done"),
    "team_visit": N_("household visits"),
    "team_visit_photo": N_("visit photos"),
    "team_meeting": N_("work-team meetings"),
    "weekly_report": N_("weekly reports"),
    "weekly_report_photo": N_("weekly report photos"),
    "team_check": N_("checks of the work teams"),
    "accounts": N_("accounts"),
    "township": N_("township"),
    "village": N_("villages"),
    "villager_group": N_("villagers' groups"),
}

IMPORTED, ALREADY, REFUSED, ELSEWHERE, NOT_IMPORTED = "imported", "already", "refused", "elsewhere", "not_imported"
OUTCOMES: dict[str, str] = {
    IMPORTED: N_("imported"),
    ALREADY: N_("already imported before"),
    REFUSED: N_("refused"),
    ELSEWHERE: N_("for another computer, left on the stick"),
    NOT_IMPORTED: N_("not imported (cancelled)"),
}


def kind_label(table: str) -> str:
    return _(RECORD_KINDS[table]) if table in RECORD_KINDS else table


def counts_text(counts: dict[str, int]) -> str:
    """ "households 20, household members 78, …" in the order of RECORD_KINDS; "" when there are none."""
    order = list(RECORD_KINDS)
    shown = sorted((table for table, n in counts.items() if n), key=lambda t: (order.index(t) if t in order else 99, t))
    return _(", ").join(_("{kind} {n}").format(kind=kind_label(table), n=counts[table]) for table in shown)


def conflicts_text(conflicts: int, between_others: int = 0) -> str:
    """ "3 conflicts", saying how many are between values other computers entered (``merge.between_others``):
    a new laptop's first bundle brings the township's open conflicts about its villages' households, which
    are no conflict with anything entered on the laptop."""
    if between_others and between_others >= conflicts:
        return _(
            "{n} conflicts, all between values other computers entered (nothing entered on this computer is in "
            "question)"
        ).format(n=conflicts)
    if between_others:
        return _("{n} conflicts ({others} of them between values other computers entered)").format(
            n=conflicts, others=between_others
        )
    return _("{n} conflicts").format(n=conflicts)


def between_others_note(conflicts: int, between_others: int) -> str:
    """The sentence the report and the import window add about the conflicts between other computers' values
    ("" when there are none)."""
    if not between_others:
        return ""
    if between_others >= conflicts:
        return _(
            "They were there before this import, between values entered on other computers, and arrived with the "
            "records: nothing entered on this computer is in question. Whoever knows the right value may settle "
            "them on the conflicts screen."
        )
    return _(
        "{n} of them were there before this import, between values entered on other computers, and arrived with "
        "the records."
    ).format(n=between_others)


@dataclass(frozen=True)
class ReportLine:
    """One bundle of the report."""

    file: str
    source: str  # the computer it came from ("" when not known: a refused or unreadable file)
    outcome: str  # one of OUTCOMES
    new: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    conflicts_between_others: int = 0  # of ``conflicts``, those between other computers' values
    duplicates: tuple[str, ...] = ()  # ID numbers
    message: str = ""  # the reason of a refusal, or a note
    when: dt.datetime | None = None  # for "already imported before": when

    @classmethod
    def from_report(cls, report: dict, outcome: str = IMPORTED, **extra) -> ReportLine:
        """From the dict an import stores in ``bundle_log.report`` (``merge.Outcome.summary`` and the bundle)."""
        return cls(
            file=report.get("file", ""),
            source=report.get("source", ""),
            outcome=outcome,
            new=dict(report.get("new", {})),
            changed=dict(report.get("changed", {})),
            deleted=dict(report.get("deleted", {})),
            conflicts=int(report.get("conflicts", 0)),
            conflicts_between_others=int(report.get("conflicts_between_others", 0)),
            duplicates=tuple(report.get("duplicates", ())),
            **extra,
        )

    @property
    def outcome_label(self) -> str:
        return _(OUTCOMES.get(self.outcome, self.outcome))

    def total(self, which: str) -> int:
        return sum(getattr(self, which).values())


# --- the document -------------------------------------------------------------------------------------


class _Styles:
    def __init__(self, font: str) -> None:
        style = style_maker(font, SIZE)

        self.font = font
        self.title = style("title", 1.8, alignment=TA_CENTER, spaceAfter=3)
        self.subtitle = style("subtitle", 1.0, alignment=TA_CENTER, textColor=colors.Color(0.25, 0.25, 0.25))
        self.body = style("body", 1.0)
        self.heading = style("heading", 1.1, spaceBefore=4, spaceAfter=2)
        self.head = style("head", 0.85, alignment=TA_CENTER)
        self.cell = style("cell", 0.85)
        self.file = style("file", 0.75, wordWrap="CJK")  # a long ASCII file name breaks anywhere
        self.number = style("number", 0.85, alignment=TA_CENTER)


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value), style)


def _stamp(moment: dt.datetime) -> str:
    return _("{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}").format(
        year=moment.year, month=moment.month, day=moment.day, hour=moment.hour, minute=moment.minute
    )


def _number(line: ReportLine, value: int) -> str:
    return str(value) if line.outcome == IMPORTED else "—"


def _summary(lines: list[ReportLine]) -> str:
    count = {outcome: sum(1 for line in lines if line.outcome == outcome) for outcome in OUTCOMES}
    parts = [_("{n} bundles found").format(n=len(lines)), _("{n} imported").format(n=count[IMPORTED])]
    if count[ALREADY]:
        parts.append(_("{n} already imported before").format(n=count[ALREADY]))
    if count[REFUSED]:
        parts.append(_("{n} refused").format(n=count[REFUSED]))
    if count[NOT_IMPORTED]:
        parts.append(_("{n} not imported (cancelled)").format(n=count[NOT_IMPORTED]))
    if count[ELSEWHERE]:
        parts.append(_("{n} for other computers").format(n=count[ELSEWHERE]))
    return _(", ").join(parts) + _(".")


def _table(lines: list[ReportLine], s: _Styles) -> Table:
    header = [
        _p(value, s.head)
        for value in (
            _("No."),
            _("Bundle file"),
            _("From"),
            _("Result"),
            _("New"),
            _("Changed"),
            _("Deleted"),
            _("Conflicts"),
            _("Possible duplicates"),
        )
    ]
    rows = [header]
    for number, line in enumerate(lines, 1):
        rows.append(
            [
                _p(str(number), s.number),
                _p(line.file, s.file),
                _p(line.source or "—", s.cell),
                _p(line.outcome_label, s.cell),
                _p(_number(line, line.total("new")), s.number),
                _p(_number(line, line.total("changed")), s.number),
                _p(_number(line, line.total("deleted")), s.number),
                _p(_number(line, line.conflicts), s.number),
                _p(_number(line, len(line.duplicates)), s.number),
            ]
        )
    widths = [20, 128, 70, 62, 34, 34, 34, 34]
    widths.append(WIDTH - sum(widths))
    return grid_table(rows, widths, s.font, top_padding=2)


def _details(lines: list[ReportLine], s: _Styles) -> list:
    story = []
    for number, line in enumerate(lines, 1):
        said = []
        if line.outcome == IMPORTED:
            for which, label in (("new", _("New")), ("changed", _("Changed")), ("deleted", _("Deleted"))):
                counts = getattr(line, which)
                if any(counts.values()):
                    said.append(_("{label}: {counts}").format(label=label, counts=counts_text(counts)))
            if line.conflicts:
                said.append(_("{n} conflicts to resolve on the conflicts screen.").format(n=line.conflicts))
                note = between_others_note(line.conflicts, line.conflicts_between_others)
                if note:
                    said.append(note)
            if line.duplicates:
                said.append(
                    _("Possible duplicates (ID numbers): {numbers}").format(
                        numbers=_(", ").join(idnumber.mask(n) for n in line.duplicates)
                    )
                )
            if not said:
                said.append(_("Nothing new: this computer already held every record in the bundle."))
        elif line.outcome == ALREADY and line.when is not None:
            said.append(_("Already imported on {when}; nothing changed.").format(when=_stamp(line.when)))
        if line.message:
            said.append(line.message)
        if said:
            title = _("{number}. {source} ({file})").format(
                number=number, source=line.source or _("unknown sender"), file=line.file
            )
            story.append(KeepTogether([_p(title, s.heading), *[_p(text_, s.body) for text_ in said]]))
    return story


def render(computer: str, lines: list[ReportLine], out, printed_at: dt.datetime | None = None) -> None:
    """Write the report of ``lines``, imported into ``computer`` (its name), to ``out`` (a path or a binary
    file object)."""
    font = document_font()
    s = _Styles(font)
    printed_at = printed_at or dt.datetime.now()
    me = computer
    title = _("Import report of sync bundles")
    story = [
        _p(title, s.title),
        _p(_("Imported into {computer} · printed on {when}").format(computer=me, when=_stamp(printed_at)), s.subtitle),
        Spacer(1, 4 * mm),
        _p(_summary(lines), s.body),
        Spacer(1, 3 * mm),
        _table(lines, s),
        Spacer(1, 4 * mm),
        *_details(lines, s),
        Spacer(1, 8 * mm),
    ]
    signature = Table(
        [[_p(_("Checked by (signature):"), s.body), "", _p(_("Date:"), s.body), ""]],
        colWidths=[0.22 * WIDTH, 0.36 * WIDTH, 0.1 * WIDTH, 0.32 * WIDTH],
        rowHeights=[10 * mm],
        hAlign="LEFT",
    )
    signature.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black),
                ("LINEBELOW", (3, 0), (3, 0), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("FONTNAME", (0, 0), (-1, -1), font),
            ]
        )
    )
    story.append(signature)
    footer = _("{computer} · import report · printed on {when}").format(computer=me, when=_stamp(printed_at))
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        initialFontName=font,
        title=title,
        author=me,
        creator=name_and_version(),
    )
    document.build(story, canvasmaker=numbered_canvas(footer, title, font))
