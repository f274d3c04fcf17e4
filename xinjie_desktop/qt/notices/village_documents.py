"""Village documents: batch PDFs, public-notice sheets and their objections, overdue demolitions.

A dialog for one village (and optionally one villagers' group):

* **Batch PDF** — every agreement of the village, or every notice sheet, as one PDF, or one archive per
  household (一户一档, issue 18) into a folder, rendered by the core in the background
  (shell.operations.run_in_background) with a progress bar and Cancel; the window never freezes, and a
  cancelled run leaves no file.
* **Public notices** (PN-1, RL-3) — post a notice for the village or group, record objections
  against it, their re-verification, and the second posting after the township audit.
* **Overdue demolitions** (AG-1) — old houses not demolished by the agreed date.

Thin: every rule (7 days at least, objections while posted, the second posting's conditions,
which demolitions are overdue) is the core's; its refusals are shown in words, nothing changed.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.documents import file_names
from xinjie_desktop.core.records import (
    agreements,
    demolition,
    household_archive,
    household_list,
    public_notice,
    township,
)
from xinjie_desktop.core.records.agreements import AgreementError
from xinjie_desktop.core.records.household_list import ListFilter
from xinjie_desktop.core.records.public_notice import NoticeError
from xinjie_desktop.core.rules.dates import DateError
from xinjie_desktop.i18n import N_, _, ngettext
from xinjie_desktop.qt.shell import documents
from xinjie_desktop.qt.shell.collision_dialog import NothingChosen, save_deciding
from xinjie_desktop.qt.shell.operations import Cancelled, Worker, run_in_background
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ChoiceCombo,
    DateField,
    MessageLabel,
    read_only_table,
    table_cell,
)

BATCH_TAB, NOTICES_TAB, OVERDUE_TAB = range(3)
AGREEMENTS, NOTICE_SHEETS, ARCHIVES = "agreements", "notices", "archives"

ROUND_LABELS = {1: N_("first posting"), 2: N_("second posting (audit result)")}


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else EMPTY_MARK


@dataclass(frozen=True)
class ArchivesWritten:
    """One archive per household written into ``folder``."""

    folder: str
    count: int
    seconds: float


@dataclass(frozen=True)
class RenderRefused:
    """The core refused the batch (nothing to render, say); ``message`` is for the user."""

    message: str


def remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


class BatchPage(QWidget):
    """Render all agreements or all notice sheets of the village as one PDF, in the background."""

    finished = Signal(str)  # "succeeded", "failed" or "cancelled"

    def __init__(self, dialog: VillageDocumentsDialog) -> None:
        super().__init__()
        self._dialog = dialog
        self.worker: Worker | None = None
        self.printing: Worker | None = None  # qt.shell.printing's job, while the PDF is being printed
        self._target: Path | None = None
        self._partial: Path | None = None
        self.agreements_radio = QRadioButton(_("All agreements of the village"))
        self.agreements_radio.setObjectName("batch_agreements")
        self.notices_radio = QRadioButton(_("All public-notice sheets of the village"))
        self.notices_radio.setObjectName("batch_notices")
        self.archives_radio = QRadioButton(_("One archive per household (一户一档), each a PDF, into a folder"))
        self.archives_radio.setObjectName("batch_archives")
        self.agreements_radio.setChecked(True)
        for radio in (self.agreements_radio, self.notices_radio, self.archives_radio):
            radio.toggled.connect(lambda _on: self.show_default())
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("batch_path")
        self.path_edit.setPlaceholderText(_("The PDF file to write"))
        self.browse_button = QPushButton(_("Choose…"))
        self.browse_button.clicked.connect(self._choose_path)
        self.open_after_check = QPushButton()  # placeholder for layout symmetry; hidden
        self.open_after_check.hide()
        self.render_button = QPushButton(_("Render PDF"))
        self.render_button.setObjectName("batch_render")
        self.render_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("batch_cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.open_button = QPushButton(_("Open the PDF"))
        self.open_button.setObjectName("batch_open")
        self.open_button.clicked.connect(self._open_result)
        self.open_button.setEnabled(False)
        self.print_button = QPushButton(_("Print…"))
        self.print_button.setObjectName("batch_print")
        self.print_button.clicked.connect(self.print_result)
        self.print_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("batch_progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(_("%v of %m"))
        self.message = MessageLabel()
        self.message.setObjectName("batch_message")

        what = QGroupBox(_("What to render"))
        column = QVBoxLayout(what)
        column.addWidget(self.agreements_radio)
        column.addWidget(self.notices_radio)
        column.addWidget(self.archives_radio)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.render_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        form = QFormLayout()
        form.addRow(_("Save as"), path_row)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        note = QLabel(
            _(
                "Rendering runs in the background: the window stays usable, and Cancel stops it "
                "without leaving a partial file."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        layout.addWidget(note)

    def kind(self) -> str:
        if self.archives_radio.isChecked():
            return ARCHIVES
        return AGREEMENTS if self.agreements_radio.isChecked() else NOTICE_SHEETS

    def _kind_words(self) -> str:
        return {
            AGREEMENTS: _("agreements of the village"),
            NOTICE_SHEETS: _("notice sheets"),
            ARCHIVES: _("household archives"),
        }[self.kind()]

    def default_path(self, make: bool = False) -> Path:
        """Where the batch goes when no file is chosen: the village's documents folder, by kind and date (the
        archives: a folder of that name)."""
        village = self._dialog.village_combo.currentText()
        path = documents.document_path(self._kind_words(), village, make=make)
        return path.with_suffix("") if self.kind() == ARCHIVES else path

    def show_default(self) -> None:
        self.path_edit.setPlaceholderText(_("Leave empty to save as {path}").format(path=str(self.default_path())))
        archives = self.kind() == ARCHIVES
        self.path_edit.setToolTip(_("The folder to write the archives into") if archives else "")
        self.print_button.setVisible(not archives)
        self.open_button.setText(_("Open the folder") if archives else _("Open the PDF"))

    def _choose_path(self) -> None:
        if self.kind() == ARCHIVES:
            start = self.default_path(make=True).parent
            folder = QFileDialog.getExistingDirectory(self, _("Folder for the archives"), str(start))
            if folder:
                self.path_edit.setText(folder)
            return
        path = documents.ask_save_path(
            self, _("Save the PDF"), self._kind_words(), self._dialog.village_combo.currentText()
        )
        if path is not None:
            self.path_edit.setText(str(path))

    def is_running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def start(self) -> bool:
        """Start rendering; False (and a message) when it cannot start."""
        if self.is_running():
            return False
        village_id = self._dialog.village_id()
        if village_id is None:
            self.message.show_message(_("Choose a village."))
            return False
        if self.kind() == ARCHIVES:
            return self._start_archives(village_id)
        text = self.path_edit.text().strip()
        if text:
            target = Path(text)
        else:  # the village's documents folder; an earlier file of the day is kept
            default = self.default_path(make=True)
            target = file_names.free_path(default.parent, default.name)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        if not target.parent.is_dir():
            self.message.show_message(_("The folder {folder} does not exist.").format(folder=str(target.parent)))
            return False
        if self.kind() == AGREEMENTS:

            def render(store, village, out, report):
                return agreements.render_village(store, village, list(agreements.KINDS), out, report)
        else:
            render = public_notice.render_village_notices
        store = self._dialog.store
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        self._target, self._partial = target, partial

        def job(report):
            try:
                done = render(store, village_id, partial, report)
            except (AgreementError, NoticeError) as error:  # a refusal, in words: not a failure to log
                remove_quietly(partial)
                return RenderRefused(str(error))
            if done is False:
                remove_quietly(partial)
                raise Cancelled
            os.replace(partial, target)
            return str(target)

        return self._run(job)

    def _start_archives(self, village_id: str) -> bool:
        """One archive per household of the village into a folder (records.household_archive.render_village)."""
        text = self.path_edit.text().strip()
        target = Path(text) if text else self.default_path(make=True)
        if not target.parent.is_dir():
            self.message.show_message(_("The folder {folder} does not exist.").format(folder=str(target.parent)))
            return False
        store = self._dialog.store
        self._target, self._partial = target, None

        def job(report):
            try:
                written = household_archive.render_village(store, village_id, target, report)
            except household_archive.ArchiveError as error:  # a refusal, in words: not a failure to log
                return RenderRefused(str(error))
            return ArchivesWritten(str(target), len(written.files), written.seconds)

        return self._run(job)

    def _run(self, job) -> bool:
        """Start ``job`` in the background with this page's progress bar, messages and Cancel."""
        self.progress.setRange(0, 0)  # busy until the first report gives the total
        self.message.show_message(_("Rendering…"), "info")
        self._set_running(True)
        self.worker = run_in_background(
            self,
            job,
            progress=self._progressed,
            success=self._succeeded,
            failure=self._failed,
            cancelled=self._cancelled,
            finished=self._worker_done,
        )
        return True

    def cancel(self) -> None:
        if self.printing is not None:  # stop printing before the next page
            self.printing.cancel()
            self.cancel_button.setEnabled(False)
            return
        if self.is_running():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.message.show_message(_("Cancelling…"), "info")

    def _set_running(self, running: bool) -> None:
        self.render_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (
            self.agreements_radio,
            self.notices_radio,
            self.archives_radio,
            self.path_edit,
            self.browse_button,
        ):
            widget.setEnabled(not running)
        self._dialog.village_combo.setEnabled(not running)
        if running:
            self.open_button.setEnabled(False)
            self.print_button.setEnabled(False)

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        if not self.worker or not self.worker.is_cancelling():
            self.message.show_message(_("Rendering {done} of {total}…").format(done=done, total=total), "info")

    def _succeeded(self, path) -> None:
        if isinstance(path, RenderRefused):
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.message.show_message(path.message)
            return
        self.progress.setValue(self.progress.maximum())
        if isinstance(path, ArchivesWritten):
            self.message.show_message(
                ngettext("{n} archive written to {folder}.", "{n} archives written to {folder}.", path.count).format(
                    n=path.count, folder=path.folder
                ),
                "info",
            )
            self.open_button.setEnabled(True)
            return
        self.message.show_message(_("Written to {path}.").format(path=path), "info")
        self.open_button.setEnabled(True)
        self.print_button.setEnabled(True)

    def _failed(self, text: str) -> None:
        self.message.show_message(text)

    def _cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.message.show_message(_("Cancelled: no file was written."), "warning")

    def _worker_done(self, outcome: str) -> None:
        self.worker = None  # run_in_background deletes it
        if self._partial is not None and outcome != "succeeded":
            remove_quietly(self._partial)
        self._set_running(False)
        self.finished.emit(outcome)

    def _open_result(self) -> None:
        if self._target is not None and self._target.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._target)))
        elif self._target is not None and self._target.exists():
            documents.open_document(self, self._target)

    def print_result(self):
        """Print the written PDF from here (qt.shell.printing), page by page in the background; Cancel stops
        before the next page.  Returns the printing worker, or None."""
        from xinjie_desktop.qt.shell import printing

        if self._target is None or not self._target.exists() or self.printing is not None:
            return None
        worker = printing.print_document(self, self._target, lambda text: self.message.show_message(text, "info"))
        if worker is not None:
            self.printing = worker
            self.print_button.setEnabled(False)
            self.cancel_button.setEnabled(True)
            worker.finished.connect(self._printed)
        return worker

    def _printed(self) -> None:
        self.printing = None
        self.print_button.setEnabled(self._target is not None and self._target.exists())
        self.cancel_button.setEnabled(self.is_running())

    def stop_and_wait(self) -> None:
        """Cancel a running job and wait for its thread (closing the dialog)."""
        if self.printing is not None:
            self.printing.cancel()
            self.printing.wait()
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
            self.worker.wait()
            if self._partial is not None:
                remove_quietly(self._partial)


class NoticesPage(QWidget):
    """Notices of the village: post one, record objections and re-verification, post the audit result."""

    def __init__(self, dialog: VillageDocumentsDialog) -> None:
        super().__init__()
        self._dialog = dialog
        self._notices: list[public_notice.NoticeView] = []
        self._objections_loaded: dict = {}  # the selected notice's objections as shown (form_saving.Loaded by id)

        # The village's notices and the selected one's objections.
        self.notice_table = read_only_table(
            [_("Subject"), _("Group"), _("Posting"), _("Posted"), _("Place"), _("Households"), _("Open objections")]
        )
        self.notice_table.setObjectName("notice_table")
        self.notice_table.itemSelectionChanged.connect(self._notice_selected)
        self.sheet_button = QPushButton(_("Preview sheet"))
        self.sheet_button.setObjectName("notice_preview")
        self.sheet_button.clicked.connect(self.preview_sheet)
        self.objection_table = read_only_table(
            [_("Raised on"), _("Raised by"), _("Household"), _("Objection"), _("Re-verified on"), _("Re-verification")]
        )
        self.objection_table.setObjectName("notice_objections")

        # A new notice.
        new_box = QGroupBox(_("Post a new notice (PN-1)"))
        form = QFormLayout(new_box)
        self.subject_combo = ChoiceCombo(public_notice.SUBJECTS)
        self.subject_combo.setObjectName("notice_subject")
        self.group_combo = QComboBox()
        self.group_combo.setObjectName("notice_group")
        self.group_combo.currentIndexChanged.connect(lambda _i: self.fill_households())
        self.household_list = QListWidget()
        self.household_list.setObjectName("notice_households")
        self.household_list.setMaximumHeight(110)
        self.place_edit = QLineEdit()
        self.place_edit.setObjectName("notice_place")
        self.place_edit.setPlaceholderText(_("e.g. the village committee's notice board"))
        self.start_edit = DateField(dt.date.today())
        self.start_edit.setObjectName("notice_start")
        self.end_edit = DateField(dt.date.today() + dt.timedelta(days=7))
        self.end_edit.setObjectName("notice_end")
        dates = QHBoxLayout()
        dates.addWidget(self.start_edit)
        dates.addWidget(QLabel(_("to")))
        dates.addWidget(self.end_edit)
        dates.addStretch(1)
        self.contact_edit = QLineEdit()
        self.contact_edit.setObjectName("notice_contact")
        self.contact_edit.setPlaceholderText(_("where and to whom objections are raised"))
        self.create_button = QPushButton(_("Post notice"))
        self.create_button.setObjectName("notice_create")
        self.create_button.clicked.connect(self.create_notice)
        self.create_message = MessageLabel()
        for field in (self.start_edit, self.end_edit):
            field.problem_changed.connect(self.create_message.show_message)
        self.create_message.setObjectName("notice_create_message")
        form.addRow(_("Subject"), self.subject_combo)
        form.addRow(_("Village or group"), self.group_combo)
        form.addRow(_("Households"), self.household_list)
        form.addRow(_("Where posted"), self.place_edit)
        form.addRow(_("Posted"), dates)
        form.addRow(_("Objections to"), self.contact_edit)
        form.addRow("", self.create_button)
        form.addRow("", self.create_message)

        # An objection, its re-verification, and the second posting, for the selected notice.
        act_box = QGroupBox(_("Selected notice"))
        act = QFormLayout(act_box)
        self.objection_household = QComboBox()
        self.objection_household.setObjectName("objection_household")
        self.objection_date = DateField(dt.date.today())
        self.objection_date.setObjectName("objection_date")
        self.objection_by = QLineEdit()
        self.objection_by.setObjectName("objection_by")
        self.objection_by.setPlaceholderText(_("who raised it"))
        self.objection_content = QLineEdit()
        self.objection_content.setObjectName("objection_content")
        self.objection_content.setPlaceholderText(_("what the objection says"))
        self.objection_button = QPushButton(_("Record objection"))
        self.objection_button.setObjectName("objection_record")
        self.objection_button.clicked.connect(self.record_objection)
        row = QHBoxLayout()
        row.addWidget(self.objection_date)
        row.addWidget(self.objection_by, 1)
        act.addRow(_("Objection"), self.objection_household)
        act.addRow("", row)
        act.addRow("", self.objection_content)
        act.addRow("", self.objection_button)
        self.reverify_date = DateField(dt.date.today())
        self.reverify_date.setObjectName("reverify_date")
        self.reverify_edit = QLineEdit()
        self.reverify_edit.setObjectName("reverify_outcome")
        self.reverify_edit.setPlaceholderText(_("result of the re-verification of the selected objection"))
        self.reverify_button = QPushButton(_("Record re-verification"))
        self.reverify_button.setObjectName("reverify_record")
        self.reverify_button.clicked.connect(self.reverify)
        row = QHBoxLayout()
        row.addWidget(self.reverify_date)
        row.addWidget(self.reverify_edit, 1)
        act.addRow(_("Re-verification"), row)
        act.addRow("", self.reverify_button)
        self.audit_date = DateField(dt.date.today())
        self.audit_date.setObjectName("audit_date")
        self.second_start = DateField(dt.date.today())
        self.second_start.setObjectName("second_start")
        self.second_end = DateField(dt.date.today() + dt.timedelta(days=7))
        self.second_end.setObjectName("second_end")
        row = QHBoxLayout()
        row.addWidget(QLabel(_("audited")))
        row.addWidget(self.audit_date)
        row.addWidget(QLabel(_("posted")))
        row.addWidget(self.second_start)
        row.addWidget(QLabel(_("to")))
        row.addWidget(self.second_end)
        row.addStretch(1)
        self.second_button = QPushButton(_("Post the audit result"))
        self.second_button.setObjectName("second_posting")
        self.second_button.clicked.connect(self.second_posting)
        act.addRow(_("Second posting"), row)
        act.addRow("", self.second_button)
        self.act_message = MessageLabel()
        for field in (self.objection_date, self.reverify_date, self.audit_date, self.second_start, self.second_end):
            field.problem_changed.connect(self.act_message.show_message)
        self.act_message.setObjectName("notice_act_message")
        act.addRow("", self.act_message)

        top = QVBoxLayout()
        heading = QHBoxLayout()
        heading.addWidget(QLabel(_("Notices of the village")), 1)
        heading.addWidget(self.sheet_button)
        top.addLayout(heading)
        top.addWidget(self.notice_table, 2)
        top.addWidget(QLabel(_("Objections to the selected notice")))
        top.addWidget(self.objection_table, 1)
        left = QWidget()
        left.setLayout(top)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(new_box)
        right_layout.addWidget(act_box)
        right_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._update_buttons()

    # --- filling ------------------------------------------------------------------------------
    def village_changed(self) -> None:
        village_id = self._dialog.village_id()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        self.group_combo.addItem(_("the whole village"), None)
        for group in self._dialog.groups:
            if group.village_id == village_id:
                self.group_combo.addItem(group.name, group.id)
        self.group_combo.blockSignals(False)
        self.fill_households()
        self.refresh()

    def fill_households(self) -> None:
        self.household_list.clear()
        village_id = self._dialog.village_id()
        if village_id is None:
            return
        criteria = ListFilter(village_id=village_id, group_id=self.group_combo.currentData())
        with self._dialog.store.session() as session:
            rows = household_list.page(session, criteria, 0, 10_000)
        for row in rows:
            item = QListWidgetItem(f"{row.head_name}（{row.group}）")
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.household_list.addItem(item)

    def checked_households(self) -> list[str]:
        return [
            self.household_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.household_list.count())
            if self.household_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def refresh(self, select_id: str | None = None) -> None:
        previous = select_id or self.selected_notice_id()
        village_id = self._dialog.village_id()
        self._notices = public_notice.list_notices(self._dialog.store, village_id) if village_id else []
        self.notice_table.setRowCount(len(self._notices))
        for row, notice in enumerate(self._notices):
            self.notice_table.setItem(
                row, 0, table_cell(_(public_notice.SUBJECTS.get(notice.subject, notice.subject)), notice.id)
            )
            self.notice_table.setItem(row, 1, table_cell(notice.group or _("the whole village")))
            self.notice_table.setItem(
                row, 2, table_cell(_(ROUND_LABELS.get(notice.posting_round, "")) or str(notice.posting_round))
            )
            self.notice_table.setItem(row, 3, table_cell(f"{_date(notice.start_date)} – {_date(notice.end_date)}"))
            self.notice_table.setItem(row, 4, table_cell(notice.place))
            self.notice_table.setItem(row, 5, table_cell(str(len(notice.entries))))
            self.notice_table.setItem(row, 6, table_cell(str(notice.open_objections)))
            if notice.id == previous:
                self.notice_table.selectRow(row)
        self._notice_selected()

    def selected_notice_id(self) -> str | None:
        rows = self.notice_table.selectionModel().selectedRows() if self.notice_table.selectionModel() else []
        return self.notice_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def selected_notice(self) -> public_notice.NoticeView | None:
        notice_id = self.selected_notice_id()
        return next((n for n in self._notices if n.id == notice_id), None)

    def _notice_selected(self) -> None:
        notice = self.selected_notice()
        objections = notice.objections if notice else ()
        # As shown: a re-verification is checked against it (one recorded meanwhile is shown, not lost).
        self._objections_loaded = public_notice.loaded_objections(self._dialog.store, notice.id) if notice else {}
        self.objection_table.setRowCount(len(objections))
        names = {e.household_id: e.head_name for e in notice.entries} if notice else {}
        for row, objection in enumerate(objections):
            self.objection_table.setItem(row, 0, table_cell(_date(objection.raised_on), objection.id))
            self.objection_table.setItem(row, 1, table_cell(objection.raised_by))
            self.objection_table.setItem(row, 2, table_cell(names.get(objection.household_id, EMPTY_MARK)))
            self.objection_table.setItem(row, 3, table_cell(objection.content))
            self.objection_table.setItem(row, 4, table_cell(_date(objection.resolved_on)))
            self.objection_table.setItem(row, 5, table_cell(objection.reverification or _("not re-verified yet")))
        self.objection_household.clear()
        self.objection_household.addItem(_("the notice as a whole"), None)
        if notice:
            for entry in notice.entries:
                self.objection_household.addItem(entry.head_name, entry.household_id)
            self.objection_date.set_value(min(max(dt.date.today(), notice.start_date), notice.end_date))
            self.audit_date.set_value(max(dt.date.today(), notice.end_date))
            self.second_start.set_value(self.audit_date.value())
            self.second_end.set_value(self.audit_date.value() + dt.timedelta(days=7))
        self._update_buttons()

    def _update_buttons(self) -> None:
        notice = self.selected_notice()
        for widget in (self.objection_button, self.reverify_button, self.second_button, self.sheet_button):
            widget.setEnabled(notice is not None)
        if notice is not None and notice.posting_round != 1:
            self.second_button.setEnabled(False)

    def selected_objection_id(self) -> str | None:
        rows = self.objection_table.selectionModel().selectedRows()
        return self.objection_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    # --- actions ------------------------------------------------------------------------------
    def create_notice(self) -> str | None:
        village_id = self._dialog.village_id()
        if village_id is None:
            self.create_message.show_message(_("Choose a village."))
            return None
        try:
            notice_id = public_notice.create_notice(
                self._dialog.store,
                village_id,
                self.group_combo.currentData(),
                self.subject_combo.code(),
                self.checked_households(),
                self.place_edit.text(),
                self.start_edit.value(),
                self.end_edit.value(),
                self.contact_edit.text(),
            )
        except (NoticeError, DateError) as error:
            self.create_message.show_message(str(error))
            return None
        self.create_message.show_message(_("Notice posted."), "info")
        self.refresh(notice_id)
        return notice_id

    def record_objection(self) -> str | None:
        notice = self.selected_notice()
        if notice is None:
            return None
        try:
            objection_id = public_notice.record_objection(
                self._dialog.store,
                notice.id,
                self.objection_household.currentData(),
                self.objection_date.value(),
                self.objection_by.text(),
                self.objection_content.text(),
            )
        except (NoticeError, DateError) as error:
            self.act_message.show_message(str(error))
            return None
        self.objection_by.clear()
        self.objection_content.clear()
        self.act_message.show_message(_("Objection recorded."), "info")
        self.refresh()
        return objection_id

    def reverify(self) -> bool:
        objection_id = self.selected_objection_id()
        if objection_id is None:
            self.act_message.show_message(_("Select the objection that was re-verified."))
            return False
        try:  # re-verified meanwhile too: the user decides
            save_deciding(
                self,
                lambda decisions: public_notice.reverify(
                    self._dialog.store,
                    objection_id,
                    self.reverify_edit.text(),
                    self.reverify_date.value(),
                    loaded=self._objections_loaded.get(objection_id),
                    decisions=decisions,
                ),
            )
        except (NoticeError, NothingChosen, DateError) as error:
            self.act_message.show_message(str(error))
            return False
        self.reverify_edit.clear()
        self.act_message.show_message(_("Re-verification recorded."), "info")
        self.refresh()
        return True

    def second_posting(self) -> str | None:
        notice = self.selected_notice()
        if notice is None:
            return None
        try:
            notice_id = public_notice.second_posting(
                self._dialog.store,
                notice.id,
                self.audit_date.value(),
                self.second_start.value(),
                self.second_end.value(),
                notice.place,
                notice.objection_contact,
            )
        except (NoticeError, DateError) as error:
            self.act_message.show_message(str(error))
            return None
        self.act_message.show_message(_("The audit result is posted."), "info")
        self.refresh(notice_id)
        return notice_id

    def preview_sheet(self) -> Path | None:
        notice = self.selected_notice()
        if notice is None:
            return None
        try:
            path = documents.document_path(
                _("notice sheet"),
                notice.village,
                notice.group,
                _("round {n}").format(n=notice.posting_round),
                notice.start_date,
                make=True,
            )
            public_notice.render_notice_sheet(self._dialog.store, notice.id, path)
        except (NoticeError, OSError) as error:
            self.act_message.show_message(str(error))
            return None
        self.act_message.show_message(_("Saved as {path}.").format(path=str(path)), "info")
        documents.open_document(self, path)
        return path


class OverduePage(QWidget):
    """Old houses not demolished by the date in the demolition agreement (AG-1)."""

    HEADERS = (N_("Household head"), N_("Village"), N_("Group"), N_("Agreement"), N_("Deadline"), N_("Days overdue"))

    def __init__(self, dialog: VillageDocumentsDialog) -> None:
        super().__init__()
        self._dialog = dialog
        self.table = read_only_table([_(h) for h in self.HEADERS])
        self.table.setObjectName("overdue_table")
        self.note = QLabel()
        self.note.setObjectName("overdue_note")
        self.note.setWordWrap(True)
        self.refresh_button = QPushButton(_("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.note, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        rows = demolition.overdue(self._dialog.store, dt.date.today(), self._dialog.village_id())
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            values = (
                row.head_name,
                row.village,
                row.group,
                row.agreement_number,
                _date(row.deadline),
                str(row.days_overdue),
            )
            for column, value in enumerate(values):
                self.table.setItem(index, column, table_cell(value, row.household_id))
        self.note.setText(
            _("{n} old houses of the village are past their demolition date.").format(n=len(rows))
            if rows
            else _("No old house of the village is past its demolition date.")
        )


class VillageDocumentsDialog(QDialog):
    """Batch PDFs, public notices and overdue demolitions of one village."""

    def __init__(self, store, village_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("village_documents")
        self.setWindowTitle(_("Village documents"))
        self.store = store
        with store.session() as session:
            self.groups = township.groups(session)
        self.village_combo = QComboBox()
        self.village_combo.setObjectName("village_combo")
        seen = set()
        for group in self.groups:
            if group.village_id not in seen:
                seen.add(group.village_id)
                self.village_combo.addItem(group.village_name, group.village_id)
        if village_id is not None and self.village_combo.findData(village_id) >= 0:
            self.village_combo.setCurrentIndex(self.village_combo.findData(village_id))
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Village")))
        top.addWidget(self.village_combo)
        top.addStretch(1)
        self.tabs = QTabWidget()
        self.batch_page = BatchPage(self)
        self.notices_page = NoticesPage(self)
        self.overdue_page = OverduePage(self)
        self.tabs.addTab(self.batch_page, _("Batch PDF"))
        self.tabs.addTab(self.notices_page, _("Public notices"))
        self.tabs.addTab(self.overdue_page, _("Overdue demolitions"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.village_combo.currentIndexChanged.connect(lambda _i: self._village_changed())
        self._village_changed()
        self.resize(1100, 720)

    def village_id(self) -> str | None:
        return self.village_combo.currentData()

    def _village_changed(self) -> None:
        self.batch_page.show_default()
        self.notices_page.village_changed()
        self.overdue_page.refresh()

    def done(self, result: int) -> None:
        self.batch_page.stop_and_wait()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.batch_page.stop_and_wait()
        super().closeEvent(event)
