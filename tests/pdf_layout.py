"""Where a PDF's text and its tables' vertical rules are, for tests that nothing overflows (issue 14).

The text runs come from pypdf's content-stream visitor; each run's width is measured with the embedded
font's own widths (reportlab's ``stringWidth``), so it is what the page shows, not what a text extractor
guesses.  The vertical rules are the line segments a table's grid draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from xinjie_desktop.core.documents.fonts import document_font


@dataclass(frozen=True)
class Run:
    page: int
    x: float
    y: float
    width: float
    text: str

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Rule:
    page: int
    x: float
    bottom: float
    top: float


def _times(a: list[float], b: list[float]) -> list[float]:
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def runs(path: Path) -> list[Run]:
    """Every piece of text drawn, with where it starts and how wide it is (points)."""
    font = document_font()
    found: list[Run] = []
    for number, page in enumerate(PdfReader(path).pages, 1):

        def visit(text, cm, tm, _font, size, number=number):
            text = text.strip("\n")
            if not text.strip():
                return
            matrix = _times(list(tm), list(cm))
            # how far the run reaches to the right: its width along the text's direction (a stamp is turned)
            found.append(Run(number, matrix[4], matrix[5], stringWidth(text, font, size) * matrix[0], text))

        page.extract_text(visitor_text=visit)
    return found


def vertical_rules(path: Path) -> list[Rule]:
    """The vertical line segments drawn (a table's grid)."""
    found: list[Rule] = []
    for number, page in enumerate(PdfReader(path).pages, 1):
        state: dict = {"at": None}

        def visit(operator, operands, cm, _tm, number=number, state=state):
            if operator == b"m":
                state["at"] = (float(operands[0]), float(operands[1]), cm)
            elif operator == b"l" and state["at"] is not None:
                x0, y0, matrix = state["at"]
                x1, y1 = float(operands[0]), float(operands[1])
                if abs(x0 - x1) < 0.01 and abs(y0 - y1) > 0.5:
                    x = x0 * matrix[0] + y0 * matrix[2] + matrix[4]
                    ends = (x0 * matrix[1] + y0 * matrix[3] + matrix[5], x1 * matrix[1] + y1 * matrix[3] + matrix[5])
                    found.append(Rule(number, x, min(ends), max(ends)))
                state["at"] = (x1, y1, matrix)

        page.extract_text(visitor_operand_before=visit)
    return found


def overflowing(path: Path, margin: float, tolerance: float = 0.5) -> list[str]:
    """Every text run that leaves the page's printing area (``margin`` on the left and right) or runs
    past the vertical rule to the right of where it starts (its table cell)."""
    problems = []
    rules = vertical_rules(path)
    for run in runs(path):
        if run.x < margin - tolerance or run.right > A4[0] - margin + tolerance:
            problems.append(f"page {run.page}: {run.text!r} runs from {run.x:.1f} to {run.right:.1f}, off the page")
            continue
        beside = [r.x for r in rules if r.page == run.page and r.bottom - 1 <= run.y <= r.top + 1]
        right = min((x for x in beside if x > run.x + tolerance), default=None)
        if right is not None and run.right > right + tolerance:
            problems.append(
                f"page {run.page}: {run.text!r} runs to {run.right:.1f}, past its cell's edge at {right:.1f}"
            )
    return problems
