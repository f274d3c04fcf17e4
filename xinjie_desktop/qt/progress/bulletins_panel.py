"""The weekly bulletins (issue 18, WT-2: the township issues at least one a week): those kept, by week, newest
first; issuing one for a week (this week by default) in the background with its progress, and opening one as it
was issued (saved into the documents folder, then the PDF viewer).  What a bulletin holds, and who may issue it,
is core.records.bulletins'."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import bulletins, progress
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell import documents
from xinjie_desktop.qt.shell.operations import run_in_background
from xinjie_desktop.qt.shell.widgets import MessageLabel, read_only_table, table_cell

WEEKS_OFFERED = 8  # this week and the seven before it


class BulletinsPanel(QWidget):
    issued = Signal(str)  # the week

    def __init__(self, store: Store, parent=None, *, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulletins_panel")
        self.store = store
        self.today = today or dt.date.today()
        self._worker = None
        self.table = read_only_table([_("Week"), _("Figures as of"), _("Pages"), _("Issued"), _("Issued by")])
        self.table.setObjectName("bulletins_table")
        self.week_combo = QComboBox(objectName="bulletin_week")
        for back in range(WEEKS_OFFERED):
            week = progress.iso_week(self.today - dt.timedelta(weeks=back))
            monday, sunday = progress.week_days(week)
            self.week_combo.addItem(
                _("{week} ({monday} to {sunday})").format(
                    week=week, monday=monday.isoformat(), sunday=sunday.isoformat()
                ),
                week,
            )
        self.issue_button = QPushButton(_("Issue the bulletin"), objectName="issue_bulletin_button")
        self.issue_button.setToolTip(_("Count the week's figures, print the bulletin and keep it"))
        self.cancel_button = QPushButton(_("Cancel"), objectName="cancel_bulletin_button")
        self.cancel_button.setVisible(False)
        self.open_button = QPushButton(_("Open the bulletin"), objectName="open_bulletin_button")
        self.open_button.setToolTip(
            _("Save the chosen bulletin, as it was issued, in the documents folder and open it")
        )
        self.bar = QProgressBar(objectName="bulletin_progress")
        self.bar.setVisible(False)
        self.message = MessageLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Week:")))
        top.addWidget(self.week_combo)
        top.addWidget(self.issue_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.bar, 1)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.issue_button.clicked.connect(self.issue)
        self.cancel_button.clicked.connect(self._cancel)
        self.open_button.clicked.connect(self.open_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.reload()

    def reload(self) -> None:
        try:
            kept = bulletins.listing(self.store)
        except Exception as error:  # a refusal: say it
            self.message.show_message(str(error))
            kept = []
        self.table.setRowCount(0)
        for info in kept:
            row = self.table.rowCount()
            self.table.insertRow(row)
            issued = info.issued_at.replace(tzinfo=dt.UTC).astimezone()
            for column, text in enumerate(
                (
                    info.week,
                    info.as_of.isoformat(),
                    str(info.pages),
                    issued.strftime("%Y-%m-%d %H:%M"),
                    info.issued_by or "—",
                )
            ):
                self.table.setItem(row, column, table_cell(text, info.week))
        self._selection_changed()

    def weeks(self) -> list[str]:
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]

    def selected_week(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def select_week(self, week: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == week:
                self.table.selectRow(row)

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(self.selected_week() is not None and self._worker is None)

    # --- issuing, in the background --------------------------------------
    def issue(self) -> None:
        if self._worker is not None:
            return
        week = self.week_combo.currentData()
        store, today = self.store, self.today
        self.message.clear_message()
        self.issue_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.bar.setRange(0, bulletins.STEPS)
        self.bar.setValue(0)
        self.bar.setVisible(True)

        def job(report):
            return bulletins.issue(store, week, today=today, report=report)

        self._worker = run_in_background(
            self,
            job,
            success=self._issued,
            failure=self._failed,
            progress=self._progressed,
            cancelled=lambda: self.message.show_message(_("Cancelled: no bulletin was kept."), "warning"),
            finished=self._ended,
        )

    def _progressed(self, done: int, total: int) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)

    def _issued(self, info: bulletins.BulletinInfo) -> None:
        self.reload()
        self.select_week(info.week)
        self.message.show_message(
            _("The bulletin of {week} is issued and kept ({pages} pages).").format(week=info.week, pages=info.pages),
            "info",
        )
        self.issued.emit(info.week)

    def _failed(self, message: str) -> None:
        self.message.show_message(message)

    def _cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def _ended(self, _outcome: str) -> None:
        self._worker = None
        self.issue_button.setEnabled(True)
        self.cancel_button.setVisible(False)
        self.bar.setVisible(False)
        self._selection_changed()

    def is_busy(self) -> bool:
        return self._worker is not None

    # --- opening one as issued -------------------------------------------
    def open_selected(self):
        week = self.selected_week()
        if week is None:
            return None
        try:
            path = bulletins.write_pdf(self.store, week, documents.documents_root())
        except (bulletins.BulletinError, OSError) as error:
            self.message.show_message(str(error))
            return None
        documents.open_document(self, path)
        return path
