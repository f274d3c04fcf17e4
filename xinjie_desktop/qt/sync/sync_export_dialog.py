"""Export to USB: write this computer's bundles onto a USB stick (issue 5, "The window").

Choose the stick, see per recipient what goes (records by kind, supporting files, an estimated size),
optionally a full bundle, then write: core.sync.exporting.export runs in the background (shell.operations.run_in_background) with a
progress bar and Cancel, and the dialog ends with "You can safely remove the USB stick" and the
files written.  A village laptop writes one bundle, for the township office; the township office
writes one for every laptop it knows.

Thin: what goes to whom is core.sync.exporting.plan; writing safely (temporary file, fsync, read back)
and every refusal (not provisioned, a copied laptop, a full stick) are core.sync.exporting.export's,
shown in its words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.documents.import_report import counts_text
from xinjie_desktop.core.sync import exporting, roles
from xinjie_desktop.core.sync.bundle_format import SyncError
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.operations import Worker, run_in_background
from xinjie_desktop.qt.shell.widgets import (
    INFO_COLOUR,
    MessageLabel,
    close_buttons,
    read_only_table,
    size_text,
    table_cell,
)
from xinjie_desktop.qt.sync.sync_common import DrivePicker, WorkerDialog, awaiting_first_bundle, role_label

MANIFEST_ALLOWANCE = 4096  # the manifest, signature and sealing add about this much to a bundle


@dataclass(frozen=True)
class Refused:
    """The core refused (nothing was written); ``message`` is for the user."""

    message: str


@dataclass(frozen=True)
class Going:
    """What one bundle would carry."""

    peer: str
    peer_role: str
    counts: dict[str, int]
    attachments: int
    size: int


@dataclass
class Written:
    results: list = field(default_factory=list)  # exporting.ExportResult
    expected: int = 0


def estimated_size(store, outgoing: exporting.Outgoing) -> int:
    """About the size of the bundle ``outgoing`` makes."""
    return exporting.estimate_size(store, outgoing)


def plan_all(store, full: bool) -> list[Going] | Refused:
    """Per recipient, what goes (the preview); a Refused when this computer cannot export."""
    role = roles.role(store)
    if role is None:
        return Refused(
            _(
                "This computer does not take part in sync yet. A village laptop must first accept the "
                "provisioning file the township office wrote for it; the township office must first "
                "provision a laptop."
            )
        )
    peers = roles.peers(store)
    if not peers:
        return Refused(
            _(
                "No laptop has sent a bundle to this township office yet: import each laptop's first "
                "bundle, then write bundles back."
            )
        )
    going = []
    for peer in peers:
        outgoing = exporting.plan(store, peer, full=full)
        going.append(
            Going(peer.name, peer.role, dict(outgoing.counts), len(outgoing.blobs), estimated_size(store, outgoing))
        )
    return going


class SyncExportDialog(WorkerDialog):
    """Export to USB for the open data file."""

    exported = Signal(list)  # the ExportResults written

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_export_dialog")
        self.setWindowTitle(_("Export to USB"))
        self.store = store
        self.worker: Worker | None = None
        self._preview_again = False
        self._preview_ready = False
        self._writing = False
        self.results: list = []
        role = roles.role(store)
        self.first_bundle = awaiting_first_bundle(store) is not None  # a laptop not yet introduced

        self.intro = QLabel(objectName="export_intro")
        self.intro.setWordWrap(True)
        if role is not None:
            self.intro.setText(
                _(
                    "This computer: {name} ({role}). Its work since the last bundle is written onto the USB stick as a "
                    "bundle file, locked so that only the computer it is for can read it."
                ).format(name=roles.my_name(store), role=role_label(role))
            )
            if self.first_bundle:
                self.intro.setText(
                    self.intro.text()
                    + "\n"
                    + _(
                        "This first bundle introduces this laptop to the township office: its keys and the villages it is "
                        "provisioned for. Give it to the township office; its bundle back brings the villages."
                    )
                )

        self.drive = DrivePicker()
        drive_box = QGroupBox(_("1. The USB stick"))
        QVBoxLayout(drive_box).addWidget(self.drive)

        self.table = read_only_table([_("For"), _("What goes"), _("Files"), _("Estimated size")])
        self.table.setObjectName("export_table")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, header.ResizeMode.Stretch)
        header.setSectionResizeMode(3, header.ResizeMode.ResizeToContents)
        self.full_check = QCheckBox(
            _("Full bundle: everything, not only what is new since the last bundle (when a bundle was lost)"),
            objectName="full_check",
        )
        self.preview_note = QLabel(objectName="export_preview_note")
        self.preview_note.setWordWrap(True)
        what_box = QGroupBox(_("2. What goes"))
        what_layout = QVBoxLayout(what_box)
        what_layout.addWidget(self.table, 1)
        what_layout.addWidget(self.preview_note)
        what_layout.addWidget(self.full_check)

        self.export_button = QPushButton(_("Write to the USB stick"), objectName="export_button")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton(_("Cancel"), objectName="export_cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(objectName="export_progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(_("%v of %m"))
        self.progress.setTextVisible(False)
        write_row = QHBoxLayout()
        write_row.addWidget(self.export_button)
        write_row.addWidget(self.cancel_button)
        write_row.addWidget(self.progress, 1)
        self.message = MessageLabel()
        self.message.setObjectName("export_message")

        self.safe_label = QLabel(_("You can safely remove the USB stick."), objectName="safe_label")
        font = QFont(self.safe_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.safe_label.setFont(font)
        self.safe_label.setStyleSheet(f"color: {INFO_COLOUR};")
        self.files_label = QLabel(objectName="files_label")
        self.files_label.setWordWrap(True)
        self.files_list = QListWidget(objectName="files_list")
        self.files_list.setMaximumHeight(90)
        self.done_box = QGroupBox(_("3. Done"))
        done_layout = QVBoxLayout(self.done_box)
        done_layout.addWidget(self.safe_label)
        done_layout.addWidget(self.files_label)
        done_layout.addWidget(self.files_list)
        self.done_box.hide()

        buttons = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(drive_box)
        layout.addWidget(what_box, 1)
        layout.addLayout(write_row)
        layout.addWidget(self.message)
        layout.addWidget(self.done_box)
        layout.addWidget(buttons)

        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel)
        self.full_check.toggled.connect(lambda _checked: self.start_preview())
        self.drive.folder_changed.connect(lambda _folder: self._update_buttons())
        self.resize(820, 560)
        self.start_preview()

    # --- the preview ----------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def start_preview(self) -> None:
        if self.is_running():
            self._preview_again = True
            return
        self._preview_ready = False
        self.preview_note.setText(_("Working out what goes…"))
        store, full = self.store, self.full_check.isChecked()
        self._start(lambda _report: plan_all(store, full), self._previewed)

    def _previewed(self, going) -> None:
        if self._preview_again:
            return  # the full bundle box changed meanwhile: a new preview follows
        if isinstance(going, Refused):
            self.table.setRowCount(0)
            self.preview_note.setText("")
            self.message.show_message(going.message)
            return
        self.table.setRowCount(len(going))
        for row, bundle in enumerate(going):
            what = counts_text(bundle.counts) or (
                _("this laptop's introduction (no households yet)")
                if self.first_bundle
                else _("nothing new (the bundle still tells the other computer what this one has received)")
            )
            for column, value in enumerate(
                (
                    _("{name} ({role})").format(name=bundle.peer, role=role_label(bundle.peer_role)),
                    what,
                    str(bundle.attachments),
                    size_text(bundle.size),
                )
            ):
                item = table_cell(value)
                if column in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        total = sum(bundle.size for bundle in going)
        self.preview_note.setText(
            _(
                "{n} bundle(s), about {size} in all. Files: supporting files, scans and "
                "signatures that travel with the records."
            ).format(n=len(going), size=size_text(total))
        )
        self._preview_ready = True

    # --- writing --------------------------------------------------------------------------------
    def start_export(self) -> bool:
        """Write the bundles to the chosen stick; False (and a message) when it cannot start."""
        if self.is_running():
            return False
        folder = self.drive.folder()
        if folder is None:
            self.message.show_message(_("Choose the USB stick (or a folder) first."))
            return False
        store, full = self.store, self.full_check.isChecked()
        expected = self.table.rowCount()

        def job(report):
            try:
                return Written(exporting.export(store, folder, full=full, progress=report), expected)
            except SyncError as error:
                return Refused(str(error))

        self.done_box.hide()
        self.progress.setRange(0, 0)  # busy until the first bundle is written
        self.message.show_message(_("Writing to {folder}… Do not remove the USB stick.").format(folder=folder), "info")
        self._start(job, self._written)
        return True

    def cancel(self) -> None:
        if self.is_running():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.message.show_message(_("Stopping after the bundle being written…"), "info")

    def _written(self, written) -> None:
        self.progress.setRange(0, 1)
        if isinstance(written, Refused):
            self.progress.setValue(0)
            self.message.show_message(written.message)
            return
        self.results = list(written.results)
        self.progress.setRange(0, max(written.expected, len(self.results), 1))
        self.progress.setValue(len(self.results))
        if not self.results:
            self.message.show_message(_("Cancelled: no bundle was written."), "warning")
            return
        if len(self.results) < written.expected:
            self.message.show_message(
                _(
                    "Stopped: {done} of {total} bundles were written; each one written is "
                    "complete. Write again for the others."
                ).format(done=len(self.results), total=written.expected),
                "warning",
            )
        else:
            self.message.clear_message()
        folder = self.results[0].path.parent
        self.files_label.setText(
            _("Written to {folder}; give the stick to the township office and import the bundles there:").format(
                folder=folder
            )
            if roles.role(self.store) == roles.LAPTOP
            else _("Written to {folder}; take the stick to the laptops and import the bundles there:").format(
                folder=folder
            )
        )
        self.files_list.clear()
        for result in self.results:
            self.files_list.addItem(
                _("{file} for {peer}, {size}").format(
                    file=result.path.name, peer=result.peer.name, size=size_text(result.size)
                )
            )
        self.done_box.show()
        self.exported.emit(self.results)

    # --- the background job ---------------------------------------------------------------------
    def _start(self, job, on_success) -> None:
        self._writing = on_success == self._written
        self._update_buttons()
        self.worker = run_in_background(
            self, job, progress=self._progressed, success=on_success, failure=self._failed, finished=self._worker_done
        )

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setTextVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _failed(self, text: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.message.show_message(text)

    def _worker_done(self, _outcome: str) -> None:
        self.worker = None  # run_in_background deletes it
        self._writing = False
        self._update_buttons()
        if self._preview_again:
            self._preview_again = False
            self.start_preview()

    def _update_buttons(self) -> None:
        running = self.is_running()
        writing = running and self._writing
        self.export_button.setEnabled(not running and self._preview_ready and self.drive.folder() is not None)
        self.cancel_button.setEnabled(writing and not self.worker.is_cancelling())
        self.full_check.setEnabled(not writing)
        self.drive.set_enabled(not writing)
