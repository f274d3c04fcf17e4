"""The national system's roster in the window (issue 18): open the roster the national system exported,
see every difference with the township's records (only in the national system, only in the township,
different), each with the rule it means, and save the correction list or the township's own roster.

The rows are core.records.national_roster's correction rows, the same the saved list holds; nothing here
decides what differs.  Reading and comparing run in the background; a roster that cannot be used is shown
with the sheet, row and column the core names, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.documents.roster_workbook import corrections_headers
from xinjie_desktop.core.records import national_roster
from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules.national_codes import NationalCodesError
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.roster_compare import DIFFERENT, ONLY_HERE, ONLY_NATIONAL, Comparison, Difference
from xinjie_desktop.i18n import _, ngettext
from xinjie_desktop.qt.shell.operations import run_in_background
from xinjie_desktop.qt.shell.widgets import ERROR_COLOUR

NO_PARENT = QModelIndex()
MEANING_COLUMN = 10
WIDTHS = (36, 120, 70, 130, 60, 150, 90, 90, 80, 46, 0, 130)  # the meaning (0) takes what is left
XLSX_FILTER = "Excel (*.xlsx)"


class RosterComparisonModel(QAbstractTableModel):
    """One row a difference (core.rules.roster_compare.Difference), shown as the correction list shows it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.headers = corrections_headers()
        self.differences: list[Difference] = []
        self.rows: list[list[object]] = []

    def set_comparison(self, comparison: Comparison | None, side: str = "", corrected: dict[str, str] | None = None):
        self.beginResetModel()
        if comparison is None:
            self.differences, self.rows = [], []
        else:
            every = national_roster.correction_rows(comparison, corrected)
            pairs = [(d, r) for d, r in zip(comparison.differences, every, strict=True) if not side or d.side == side]
            self.differences = [d for d, _r in pairs]
            self.rows = [r for _d, r in pairs]
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        value = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            side = self.differences[index.row()].side
            return QColor(ERROR_COLOUR) if side != DIFFERENT else None
        return None


class RosterComparisonDialog(QDialog):
    """Compare the national system's roster with the open data file."""

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roster_dialog")
        self.setWindowTitle(_("The national system's roster"))
        self.store = store
        self.comparison: Comparison | None = None
        self.corrected: dict[str, str] = {}  # difference key -> when and by whom it was entered
        self.worker = None
        self.export_worker = None
        self.intro = QLabel(
            _(
                "Open the roster exported from the national poverty-alleviation information system (.xlsx). "
                "It is compared with this data file by ID number: households and people only in one of the two, "
                "and the population, attribute, causes, exit mark and members that differ, each with the rule it "
                "concerns. The list is what the township corrects in the national system."
            ),
            objectName="roster_intro",
        )
        self.intro.setWordWrap(True)
        self.open_button = QPushButton(_("Open the national roster…"), objectName="roster_open")
        self.file_label = QLabel(_("No roster opened yet."), objectName="roster_file")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.side_box = QComboBox(objectName="roster_side")
        for side, label in (
            ("", _("All differences")),
            (ONLY_NATIONAL, _("Only in the national system")),
            (ONLY_HERE, _("Only in the township")),
            (DIFFERENT, _("Different")),
        ):
            self.side_box.addItem(label, side)
        self.side_box.currentIndexChanged.connect(self._show)
        self.summary = QLabel("", objectName="roster_summary")
        self.model = RosterComparisonModel(self)
        self.view = QTableView(objectName="roster_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MEANING_COLUMN, QHeaderView.ResizeMode.Stretch)  # sentences wrap, never cut
        metrics = header.fontMetrics()
        for column, width in enumerate(WIDTHS):
            if width:  # a heading is never cut
                self.view.setColumnWidth(column, max(width, metrics.horizontalAdvance(self.model.headers[column]) + 20))
        self.save_button = QPushButton(_("Save the correction list…"), objectName="roster_save")
        self.save_button.setEnabled(False)
        self.export_button = QPushButton(_("Export the township's roster…"), objectName="roster_export")
        self.entered_by = QLineEdit(objectName="roster_entered_by")
        self.entered_by.setPlaceholderText(_("who entered them"))
        self.mark_button = QPushButton(_("Mark as entered into the national system"), objectName="roster_mark")
        self.mark_button.setToolTip(
            _("Record that the selected differences were corrected in the national system today, by the name typed")
        )
        self.mark_button.setEnabled(False)
        # Recording corrections is the township administration's; an auditor (纪检/审计) compares and reads (issue 18).
        actor = store.actor
        self.may_mark = actor is None or permissions.any_village(actor, Action.ROSTER_CORRECTIONS)
        if not self.may_mark:
            self.entered_by.setEnabled(False)
            self.mark_button.setToolTip(permissions.refusal(actor, Action.ROSTER_CORRECTIONS))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.choose_roster)
        self.save_button.clicked.connect(self.save_corrections)
        self.export_button.clicked.connect(self.export_roster)
        self.mark_button.clicked.connect(self.mark_selected)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.entered_by.textChanged.connect(self._selection_changed)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.file_label, 1)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(_("Show:")))
        filters.addWidget(self.side_box)
        filters.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        marking = QHBoxLayout()
        marking.addWidget(QLabel(_("Entered by:")))
        marking.addWidget(self.entered_by)
        marking.addWidget(self.mark_button)
        marking.addStretch(1)
        layout.addLayout(marking)
        layout.addWidget(buttons)
        self.resize(1300, 640)

    def busy(self) -> bool:
        """A read or an export is running (in a thread of this window)."""
        return any(w is not None and w.isRunning() for w in (self.worker, self.export_worker))

    def done(self, result: int) -> None:
        if self.busy():  # the window stays until its work is done: a thread is never left behind it
            self.summary.setText(_("Still working: the window can be closed when the file is read or written."))
            return
        super().done(result)

    def closeEvent(self, event) -> None:
        if self.busy():
            self.summary.setText(_("Still working: the window can be closed when the file is read or written."))
            event.ignore()
            return
        super().closeEvent(event)

    # --- reading and comparing -------------------------------------------------------------------------
    def choose_roster(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open the national roster"), "", XLSX_FILTER)
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        """Read and compare ``path`` in the background; the table shows the differences when done."""
        self.open_button.setEnabled(False)
        self.file_label.setText(_("Reading {name} …").format(name=path.name))
        store = self.store

        def work(_report):
            try:
                return national_roster.compare_file(store, path)[1], national_roster.corrected_texts(store)
            except (national_roster.RosterError, NationalCodesError) as error:  # the file's fault, told as such
                return error

        def done(result: tuple[Comparison, dict[str, str]] | ValueError) -> None:
            if isinstance(result, ValueError):
                failed(str(result))
                return
            comparison, self.corrected = result
            self.comparison = comparison
            self.file_label.setStyleSheet("")
            self.file_label.setText(
                _("{name}: {households} households, {people} people in the national system's roster.").format(
                    name=path.name, households=comparison.national_households, people=comparison.national_people
                )
            )
            self.save_button.setEnabled(True)
            self._show()

        def failed(message: str) -> None:
            self.comparison = None
            self.file_label.setStyleSheet(f"color: {ERROR_COLOUR}")
            self.file_label.setText(message)
            self.save_button.setEnabled(False)
            self._show()

        def finished(_outcome: str) -> None:
            self.open_button.setEnabled(True)
            self.worker = None

        self.worker = run_in_background(self, work, success=done, failure=failed, finished=finished)

    def _show(self) -> None:
        side = self.side_box.currentData() or ""
        self.model.set_comparison(self.comparison, side, self.corrected)
        self._selection_changed()
        if self.comparison is None:
            self.summary.setText("")
            return
        counts = [len(self.comparison.side(s)) for s in (ONLY_NATIONAL, ONLY_HERE, DIFFERENT)]
        if not any(counts):
            self.summary.setText(_("The national system's roster and this data file agree."))
        else:
            self.summary.setText(
                _("Only in the national system: {a}; only in the township: {b}; different: {c}.").format(
                    a=counts[0], b=counts[1], c=counts[2]
                )
            )
        self.view.resizeRowsToContents()

    def selected_differences(self) -> list[Difference]:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [self.model.differences[row] for row in rows if row < len(self.model.differences)]

    def _selection_changed(self, *_args) -> None:
        self.mark_button.setEnabled(
            self.may_mark and bool(self.selected_differences()) and bool(self.entered_by.text().strip())
        )

    def mark_selected(self) -> int:
        """Record the selected differences as entered into the national system today (records service)."""
        chosen = self.selected_differences()
        if not chosen:
            return 0
        try:
            added = national_roster.record_corrections(self.store, chosen, dt.date.today(), self.entered_by.text())
        except (national_roster.CorrectionError, permissions.PermissionRefused) as error:
            self.summary.setText(str(error))
            return 0
        self.corrected = national_roster.corrected_texts(self.store)
        self._show()
        self.summary.setText(
            ngettext(
                "{n} difference recorded as entered into the national system.",
                "{n} differences recorded as entered into the national system.",
                added,
            ).format(n=added)
        )
        return added

    # --- writing ---------------------------------------------------------------------------------------
    def _save_path(self, title: str, suggested: str) -> Path | None:
        path, _filter = QFileDialog.getSaveFileName(self, title, suggested, XLSX_FILTER)
        if not path:
            return None
        chosen = Path(path)
        return chosen if chosen.suffix.lower() == ".xlsx" else chosen.with_name(chosen.name + ".xlsx")

    def save_corrections(self) -> Path | None:
        if self.comparison is None:
            return None
        path = self._save_path(_("Save the correction list"), _("correction-list.xlsx"))
        if path is None:
            return None
        try:
            national_roster.write_corrections(self.comparison, path, self.corrected)
        except OSError as error:
            self.summary.setText(_("The file {path} cannot be written: {error}").format(path=path, error=error))
            return None
        count = len(self.comparison.differences)
        self.summary.setText(
            ngettext(
                "Correction list saved ({n} difference): {path}",
                "Correction list saved ({n} differences): {path}",
                count,
            ).format(n=count, path=path)
        )
        return path

    def export_roster(self) -> Path | None:
        """Write the township's roster in the background (a whole township is some 100,000 rows)."""
        path = self._save_path(_("Export the township's roster"), _("township-roster.xlsx"))
        if path is None:
            return None
        store = self.store
        self.export_button.setEnabled(False)
        self.summary.setText(_("Writing {name} …").format(name=path.name))

        def work(_report):
            try:
                return national_roster.export(store, path)
            except OSError as error:  # the disk's refusal, told as such
                return error

        def done(result: int | OSError) -> None:
            if isinstance(result, OSError):
                failed(_("The file {path} cannot be written: {error}").format(path=path, error=result))
                return
            self.summary.setText(_("Roster written: {n} people, in {path}").format(n=result, path=path))

        def failed(message: str) -> None:
            self.summary.setText(message)

        def finished(_outcome: str) -> None:
            self.export_button.setEnabled(True)
            self.export_worker = None

        self.export_worker = run_in_background(self, work, success=done, failure=failed, finished=finished)
        return path
