"""Progress at a glance (issue 18): the township's figures by village in a table, the township's total first,
and two charts drawn with QPainter (the identification steps per village; the weekly trend).

Every number is a figure of core.records.progress; clicking one asks the window (``figure_chosen``) to show
the household list filtered by that figure (and village): the same condition that counted it.  The figures are
computed off the window's thread (qt.shell.operations); ``refresh_now`` computes them in this thread (tests,
benchmark).

The charts are the window's own drawing (``QPainter``): QtCharts (PySide6-Addons) and pyqtgraph (with numpy)
are not in the program, and were measured against it (README, "Progress at a glance").
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import progress
from xinjie_desktop.core.records.progress import FIGURES, GROUPS, Figure, Progress, Selection, TrendPoint
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.progress.bulletins_panel import BulletinsPanel
from xinjie_desktop.qt.shell.operations import run_in_background
from xinjie_desktop.qt.shell.widgets import MessageLabel

NO_PARENT = QModelIndex()
FIGURE_ROLE = Qt.ItemDataRole.UserRole + 1
# The identification states, in the workflow's order, and their colours in the chart.
STEP_KEYS = tuple(f.key for f in FIGURES if f.group == "identification")
STEP_COLOURS = ("#c7c7c7", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#d94801")
TREND_COLOURS = ("#08519c", "#238b45", "#d94801")


def legend_layout(metrics, labels: list[str], width: float) -> tuple[list[tuple[float, int]], int]:
    """Where each legend entry goes (x, line number) in ``width``, and how many lines it takes."""
    places, x, line = [], 8.0, 0
    for label in labels:
        needed = 16 + metrics.horizontalAdvance(label) + 14
        if x > 8 and x + needed > width:
            x, line = 8.0, line + 1
        places.append((x, line))
        x += needed
    return places, line + 1


def draw_legend(painter: QPainter, labels: list[str], colours: tuple[str, ...], top: float, width: float) -> None:
    metrics = painter.fontMetrics()
    places, _lines = legend_layout(metrics, labels, width)
    for (x, line), label, colour in zip(places, labels, colours, strict=False):
        y = top + line * metrics.height()
        painter.fillRect(QRectF(x, y + 3, 11, metrics.height() - 6), QColor(colour))
        painter.setPen(QColor("#222222"))
        painter.drawText(QPointF(x + 15, y + metrics.ascent()), label)


class ProgressModel(QAbstractTableModel):
    """Rows: a heading per group of figures, then its figures; columns: the figure, the township, each village."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._progress: Progress | None = None
        self._rows: list[tuple[str, Figure | None]] = []  # (heading text, None) or ("", figure)
        for group, label in GROUPS:
            self._rows.append((label, None))
            self._rows.extend(("", f) for f in FIGURES if f.group == group)

    def set_progress(self, found: Progress) -> None:
        self.beginResetModel()
        self._progress = found
        self.endResetModel()

    @property
    def progress(self) -> Progress | None:
        return self._progress

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows) + 1  # the households' row first

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        if parent.isValid():
            return 0
        return 2 + (len(self._progress.villages) if self._progress else 0)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == 0:
            return _("Progress figure")
        if section == 1:
            return _("Township")
        return self._progress.villages[section - 2].name if self._progress else None

    def is_heading(self, row: int) -> bool:
        return row > 0 and self._rows[row - 1][1] is None

    def figure_at(self, row: int) -> Figure | None:
        return self._rows[row - 1][1] if row > 0 else None

    def village_at(self, column: int) -> str | None:
        """The village of a column (None for the township's)."""
        if self._progress is None or column < 2:
            return None
        return self._progress.villages[column - 2].village_id

    def row_of(self, key: str) -> int:
        return next(i + 1 for i, (_h, f) in enumerate(self._rows) if f is not None and f.key == key)

    def value(self, row: int, column: int) -> int | None:
        if self._progress is None or column < 1 or self.is_heading(row):
            return None
        line = self._progress.total if column == 1 else self._progress.villages[column - 2]
        figure = self.figure_at(row)
        return line.households if figure is None else line.figures[figure.key]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        figure = self.figure_at(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if self.is_heading(row):
                return _(self._rows[row - 1][0]) if column == 0 else None
            if column == 0:
                if figure is None:
                    return _("Households")
                return f"{_(figure.label)} ({figure.rule})" if figure.rule else _(figure.label)
            value = self.value(row, column)
            return None if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and (self.is_heading(row) or column == 1 or row == 0):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column > 0 and figure is not None and self.value(row, column):
            return QBrush(QColor("#0b57d0"))  # a number that opens its households
        if role == Qt.ItemDataRole.ToolTipRole and column > 0 and figure is not None and self.value(row, column):
            return _("Click to list these households")
        if role == FIGURE_ROLE:
            return figure.key if figure is not None else None
        return None


class VillageSteps(QWidget):
    """A horizontal bar per village (the township first), split by the households' identification state."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("village_steps_chart")
        self._progress: Progress | None = None
        self.setMinimumHeight(200)

    def set_progress(self, found: Progress) -> None:
        self._progress = found
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        metrics = painter.fontMetrics()
        line = metrics.height()
        painter.setPen(QColor("#222222"))
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QPointF(8, line), _("Identification steps by village (share of households)"))
        painter.setFont(self.font())
        if self._progress is None:
            return
        rows = [(_("Township"), self._progress.total), *((v.name, v) for v in self._progress.villages)]
        labels = [_(progress.BY_KEY[key].label) for key in STEP_KEYS]
        _places, lines = legend_layout(metrics, labels, self.width())
        legend_top = self.height() - lines * line - 4
        top, bottom = line * 1.6, legend_top - 6
        label_width = max(metrics.horizontalAdvance(name) for name, _r in rows) + 12
        left, right = 8 + label_width, self.width() - 12
        step = max(1.0, (bottom - top) / max(1, len(rows)))
        bar = max(2.0, min(step * 0.7, 22.0))
        for index, (name, found) in enumerate(rows):
            y = top + index * step + (step - bar) / 2
            painter.setPen(QColor("#222222"))
            painter.drawText(QRectF(8, y, label_width - 8, bar), int(Qt.AlignmentFlag.AlignVCenter), name)
            x = float(left)
            total = max(1, found.households)
            for key, colour in zip(STEP_KEYS, STEP_COLOURS, strict=True):
                width = (right - left) * found.figures.get(key, 0) / total
                if width > 0:
                    painter.fillRect(QRectF(x, y, width, bar), QColor(colour))
                x += width
        draw_legend(painter, labels, STEP_COLOURS, legend_top, self.width())
        painter.end()


class TrendChart(QWidget):
    """Lines of the weekly trend (households by each week's end)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("trend_chart")
        self._points: list[TrendPoint] = []
        self.setMinimumHeight(180)

    def set_points(self, points: list[TrendPoint]) -> None:
        self._points = points
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        metrics = painter.fontMetrics()
        line = metrics.height()
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#222222"))
        painter.drawText(QPointF(8, line), _("Weekly trend (households by the end of each week)"))
        painter.setFont(self.font())
        if not self._points:
            return
        highest = max(1, *(v for p in self._points for v in p.values.values()))
        labels = [_(label) for _key, label in progress.TREND_SERIES]
        _places, lines = legend_layout(metrics, labels, self.width())
        axis_width = metrics.horizontalAdvance(str(highest)) + 10
        left, right = 8 + axis_width, self.width() - 12 - metrics.horizontalAdvance("2017-W16") / 2
        top, bottom = line * 1.8, self.height() - (lines + 1) * line - 10
        for fraction in (0.0, 0.5, 1.0):
            y = bottom - (bottom - top) * fraction
            painter.setPen(QPen(QColor("#dddddd"), 1))
            painter.drawLine(QPointF(left, y), QPointF(right, y))
            painter.setPen(QColor("#555555"))
            painter.drawText(
                QRectF(0, y - line / 2, axis_width + 4, line),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                str(round(highest * fraction)),
            )
        count = len(self._points)

        def x_of(index: int) -> float:
            return left + (right - left) * (index / max(1, count - 1))

        painter.setPen(QColor("#555555"))
        label_width = metrics.horizontalAdvance("2017-W16") + 12
        every = max(1, int(label_width / max(1.0, (right - left) / max(1, count - 1))) + 1)
        for index, point in enumerate(self._points):
            if (count - 1 - index) % every == 0:  # the newest week always named
                painter.drawText(
                    QRectF(x_of(index) - label_width / 2, bottom + 2, label_width, line),
                    int(Qt.AlignmentFlag.AlignHCenter),
                    point.week,
                )
        for (key, _label), colour in zip(progress.TREND_SERIES, TREND_COLOURS, strict=True):
            path = QPainterPath()
            for index, point in enumerate(self._points):
                spot = QPointF(x_of(index), bottom - (bottom - top) * point.values.get(key, 0) / highest)
                if index == 0:
                    path.moveTo(spot)
                else:
                    path.lineTo(spot)
            painter.setPen(QPen(QColor(colour), 2))
            painter.drawPath(path)
        draw_legend(painter, labels, TREND_COLOURS, self.height() - lines * line - 4, self.width())
        painter.end()


class ProgressView(QWidget):
    """The table and the charts of one moment (``as_of``: the day the figures are for)."""

    figure_chosen = Signal(object, object, str)  # Selection, village id (None: every village), what it is

    def __init__(self, store: Store, parent=None, *, as_of: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progress_view")
        self.store = store
        self.as_of = as_of or dt.date.today()
        self._worker = None
        self.model = ProgressModel(self)
        self.table = QTableView(objectName="progress_table")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.clicked.connect(self._clicked)
        self.steps_chart = VillageSteps()
        self.trend_chart = TrendChart()
        self.status = QLabel(objectName="progress_status")
        self.message = MessageLabel()
        self.refresh_button = QPushButton(_("Refresh"), objectName="refresh_button")
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        charts = QWidget()
        charts_layout = QVBoxLayout(charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.addWidget(self.steps_chart, 3)
        charts_layout.addWidget(self.trend_chart, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(charts)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([800, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.status.setText(_("Counting…"))

    # --- computing ------------------------------------------------------
    def _compute(self, _report=None) -> tuple[Progress, list[TrendPoint]]:
        return progress.compute(self.store, self.as_of), progress.trend(self.store, self.as_of)

    def refresh(self) -> None:
        """Count again in the background; the table and charts are filled when it is done."""
        if self._worker is not None:
            return
        self.refresh_button.setEnabled(False)
        self.status.setText(_("Counting…"))
        self.message.clear_message()
        self._worker = run_in_background(
            self, self._compute, success=self._show, failure=self._failed, finished=self._ended
        )

    def refresh_now(self) -> None:
        self._show(self._compute())

    def _ended(self, _outcome: str) -> None:
        self._worker = None
        self.refresh_button.setEnabled(True)

    def _failed(self, message: str) -> None:
        self.status.setText("")
        self.message.show_message(message)

    def _show(self, result: tuple[Progress, list[TrendPoint]]) -> None:
        found, points = result
        self.model.set_progress(found)
        self.steps_chart.set_progress(found)
        self.trend_chart.set_points(points)
        self.table.resizeColumnToContents(0)
        for column in range(1, self.model.columnCount()):
            self.table.setColumnWidth(
                column,
                max(
                    56,
                    self.table.fontMetrics().horizontalAdvance(
                        str(self.model.headerData(column, Qt.Orientation.Horizontal))
                    )
                    + 16,
                ),
            )
        quiet = found.total.quiet_laptops
        text = _("Figures as of {day}: {n} households.").format(day=found.as_of.isoformat(), n=found.total.households)
        if quiet:
            text += " " + _("Not heard from for a week: {laptops}.").format(laptops=_(", ").join(quiet))
        self.status.setText(text)

    # --- a number opens its households ---------------------------------
    def _clicked(self, index: QModelIndex) -> None:
        figure = self.model.figure_at(index.row())
        value = self.model.value(index.row(), index.column())
        if figure is None or index.column() < 1 or not value:
            return
        village = self.model.village_at(index.column())
        where = self.model.headerData(index.column(), Qt.Orientation.Horizontal)
        self.figure_chosen.emit(
            Selection(figure.key, self.model.progress.as_of if self.model.progress else self.as_of),
            village,
            _("{figure}, {where}: {n} households").format(figure=_(figure.label), where=where, n=value),
        )


class ProgressDialog(QDialog):
    """The progress view and the weekly bulletins in a window of its own, beside the main window (not modal: its
    numbers open lists there)."""

    figure_chosen = Signal(object, object, str)

    def __init__(self, store: Store, parent=None, *, as_of: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progress_dialog")
        self.setWindowTitle(_("Progress at a glance"))
        self.view = ProgressView(store, self, as_of=as_of)
        self.view.figure_chosen.connect(self.figure_chosen)
        self.bulletins = BulletinsPanel(store, self, today=as_of)
        self.tabs = QTabWidget(objectName="progress_tabs")
        self.tabs.addTab(self.view, _("Figures by village"))
        self.tabs.addTab(self.bulletins, _("Weekly bulletins"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.resize(1280, 720)
        self.view.refresh()

    def closeEvent(self, event) -> None:
        if self.bulletins.is_busy():  # a bulletin being issued finishes first
            self.bulletins.message.show_message(_("A bulletin is being issued: wait for it, or cancel it."), "warning")
            event.ignore()
            return
        super().closeEvent(event)
