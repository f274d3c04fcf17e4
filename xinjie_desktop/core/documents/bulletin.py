"""The township's weekly bulletin as a PDF (issue 18, WT-2): the week's figures by village, two charts
(reportlab's own graphics: the identification steps of each village; the weekly trend), what changed since the
last bulletin, and the overdue items by village.  A4 landscape, the shipped embedded font only; from a
``BulletinView`` (core.records.bulletins fills it), never from the store."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.bulletin_views import BulletinView, FigureLine
from xinjie_desktop.core.documents.fonts import document_font, style_maker
from xinjie_desktop.core.documents.notice_sheet import canvas_maker as numbered_canvas
from xinjie_desktop.i18n import _

PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN - 12
SIZE = 8.5
VILLAGES_PER_TABLE = 9  # more villages: the figures table continues in another block of columns
STEP_COLOURS = ("#c7c7c7", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#d94801")
TREND_COLOURS = ("#08519c", "#238b45", "#d94801")


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def title_of(view: BulletinView) -> str:
    year, week = view.week.split("-W")
    return _("{township}: weekly bulletin, {year} week {week}").format(
        township=view.township, year=year, week=int(week)
    )


def _label(line: FigureLine) -> str:
    return f"{_(line.label)} ({line.rule})" if line.rule else _(line.label)


def _grid(font: str) -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.5, 0.5, 0.5)),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), SIZE),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
    )


def _figure_tables(view: BulletinView, font: str, cell: ParagraphStyle) -> list:
    """The figures by village: a row per figure, the township first, then the villages (in blocks of columns)."""
    tables = []
    blocks = [
        list(range(start, min(start + VILLAGES_PER_TABLE, len(view.villages))))
        for start in range(0, max(1, len(view.villages)), VILLAGES_PER_TABLE)
    ]
    for number, block in enumerate(blocks):
        header = [_("Progress figure"), _("Township"), *(view.villages[i] for i in block)]
        rows: list[list] = [
            header,
            [_("Households"), str(view.total_households), *(str(view.households[i]) for i in block)],
        ]
        style = _grid(font)
        group = None
        for line in view.figures:
            if line.group != group:
                group = line.group
                rows.append([_(group)] + [""] * (len(header) - 1))
                style.add("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.Color(0.97, 0.97, 0.9))
                style.add("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1))
            rows.append([_p(_label(line), cell), str(line.total), *(str(line.by_village[i]) for i in block)])
        first = 150.0
        rest = (WIDTH - first) / (len(header) - 1)
        table = LongTable(rows, colWidths=[first] + [min(rest, 70.0)] * (len(header) - 1), repeatRows=1)
        table.setStyle(style)
        tables.append(table)
        if number < len(blocks) - 1:
            tables.append(Spacer(1, 4 * mm))
    return tables


def _steps_chart(view: BulletinView, font: str) -> Drawing:
    """A stacked horizontal bar per village (the township first): the share of its households in each state."""
    by_key = {line.key: line for line in view.figures}
    names = [_("Township"), *view.villages]
    totals = [max(1, view.total_households), *(max(1, n) for n in view.households)]
    series = []
    for key in view.step_keys:
        line = by_key[key]
        counts = [line.total, *line.by_village]
        series.append([round(100 * c / t, 1) for c, t in zip(counts, totals, strict=True)])
    height = 40 + 16 * len(names)
    drawing = Drawing(WIDTH / 2 - 6, height + 60, initialFontName=font)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 55
    chart.width, chart.height = WIDTH / 2 - 90, height
    chart.data = [list(reversed(values)) for values in series]
    chart.categoryAxis.categoryNames = list(reversed(names))
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars.strokeWidth = 0
    for index, colour in enumerate(STEP_COLOURS[: len(series)]):
        chart.bars[index].fillColor = colors.HexColor(colour)
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 10, 40
    legend.fontName, legend.fontSize = font, 7
    legend.columnMaximum = 2
    legend.dx = legend.dy = 6
    legend.deltax = 10
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(colour), _(by_key[key].label)[:18])
        for key, colour in zip(view.step_keys, STEP_COLOURS, strict=False)
    ]
    drawing.add(legend)
    return drawing


def _trend_chart(view: BulletinView, font: str) -> Drawing:
    height = 150.0
    drawing = Drawing(WIDTH / 2 - 6, height + 60, initialFontName=font)
    if not view.trend:
        return drawing
    plot = LinePlot()
    plot.x, plot.y = 40, 45
    plot.width, plot.height = WIDTH / 2 - 70, height
    plot.data = [[(i, point.values.get(key, 0)) for i, point in enumerate(view.trend)] for key, _l in view.trend_series]
    highest = max(1, *(v for point in view.trend for v in point.values.values()))
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, highest
    plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontSize = 7
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, max(1, len(view.trend) - 1)
    every = max(1, len(view.trend) // 6)
    plot.xValueAxis.valueSteps = [i for i in range(len(view.trend)) if (len(view.trend) - 1 - i) % every == 0]
    plot.xValueAxis.labelTextFormat = lambda i: view.trend[int(i)].week if 0 <= int(i) < len(view.trend) else ""
    plot.xValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = 7
    for index, colour in enumerate(TREND_COLOURS[: len(view.trend_series)]):
        plot.lines[index].strokeColor = colors.HexColor(colour)
        plot.lines[index].strokeWidth = 1.6
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = 40, 14
    legend.fontName, legend.fontSize = font, 7
    legend.columnMaximum = 1
    legend.deltax = 10
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(colour), _(label))
        for (_key, label), colour in zip(view.trend_series, TREND_COLOURS, strict=False)
    ]
    drawing.add(legend)
    return drawing


def render(view: BulletinView) -> tuple[bytes, int]:
    """The bulletin's PDF, and its number of pages."""
    font = document_font()
    style = style_maker(font, SIZE)
    title_style = style("title", 1.9, alignment=TA_CENTER, spaceAfter=3)
    subtitle = style("subtitle", 1.05, alignment=TA_CENTER, textColor=colors.Color(0.25, 0.25, 0.25))
    heading = style("heading", 1.35, spaceBefore=6, spaceAfter=3)
    body, cell = style("body", 1.1), style("cell", 1.0)
    title = title_of(view)
    story: list = [
        _p(title, title_style),
        _p(
            _("{monday} to {sunday} · figures as of {as_of} · issued on {issued} by {by}").format(
                monday=view.monday.isoformat(),
                sunday=view.sunday.isoformat(),
                as_of=view.as_of.isoformat(),
                issued=view.issued_on.isoformat(),
                by=view.issued_by or _("the township office"),
            ),
            subtitle,
        ),
        Spacer(1, 3 * mm),
        _p(_("1. The week's figures by village"), heading),
        _p(_("Households; each figure counts households."), body),
        Spacer(1, 2 * mm),
        *_figure_tables(view, font, cell),
    ]
    if view.quiet_laptops:
        story.append(
            _p(_("Not heard from for a week: {laptops}.").format(laptops=_(", ").join(view.quiet_laptops)), body)
        )
    charts = LongTable(
        [
            [
                _p(_("Identification steps by village (share of households)"), body),
                _p(_("Weekly trend (households by the end of each week)"), body),
            ],
            [_steps_chart(view, font), _trend_chart(view, font)],
        ],
        colWidths=[WIDTH / 2, WIDTH / 2],
    )
    charts.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("VALIGN", (0, 1), (-1, 1), "BOTTOM")]))
    story += [CondPageBreak(90 * mm), _p(_("2. Charts"), heading), charts]
    story.append(_p(_("3. What changed since the last bulletin"), heading))
    changed = [line for line in view.figures if line.before is not None and line.before != line.total]
    if view.previous_week is None:
        story.append(_p(_("This is the first bulletin: there is nothing to compare with."), body))
    elif not changed:
        story.append(_p(_("No figure changed since the bulletin of {week}.").format(week=view.previous_week), body))
    else:
        story.append(_p(_("Since the bulletin of {week}, in the township:").format(week=view.previous_week), body))
        rows = [[_("Progress figure"), view.previous_week, view.week, _("Change")]]
        for line in changed:
            assert line.before is not None
            rows.append([_p(_label(line), cell), str(line.before), str(line.total), f"{line.total - line.before:+d}"])
        table = LongTable(rows, colWidths=[220, 70, 70, 70], repeatRows=1, hAlign="LEFT")
        table.setStyle(_grid(font))
        story += [Spacer(1, 2 * mm), table, Spacer(1, 2 * mm)]
        for village in view.village_changes:
            story.append(
                _p(
                    _("{village}: {changes}").format(
                        village=village.village,
                        changes=_(", ").join(
                            f"{_(label)} {before} → {now} ({now - before:+d})" for label, before, now in village.changes
                        ),
                    ),
                    body,
                )
            )
    story.append(_p(_("4. Overdue items by village"), heading))
    if not view.overdue:
        story.append(_p(_("Nothing is overdue."), body))
    else:
        rows = [[_("Village"), _("Group"), _("Head of household"), _("Item"), _("Since"), _("Days")]]
        for item in view.overdue:
            rows.append(
                [item.village, item.group, item.head, _p(item.what, cell), item.since.isoformat(), str(item.days)]
            )
        table = LongTable(rows, colWidths=[80, 80, 80, WIDTH - 80 * 3 - 70 - 45, 70, 45], repeatRows=1)
        overdue_style = _grid(font)
        overdue_style.add("ALIGN", (0, 1), (3, -1), "LEFT")
        table.setStyle(overdue_style)
        story.append(table)
    footer = _("{township} · weekly bulletin {week}").format(township=view.township, week=view.week)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        initialFontName=font,
        title=title,
        author=view.township,
        creator=name_and_version(),
    )
    document.build(story, canvasmaker=numbered_canvas(footer, title, font))
    return buffer.getvalue(), int(document.page)
