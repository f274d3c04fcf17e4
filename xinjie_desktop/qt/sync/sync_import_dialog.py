"""Import from USB: the bundles on a USB stick, previewed, imported, reported (issue 5, "The window").

Choose the stick; every bundle on it is listed: those written for this computer are previewed in a
background operation (core.sync.importing.preview_all: new, changed and deleted records, conflicts, possible
duplicates, or "already imported", or the reason it would be refused), those written for other
computers are shown as left on the stick.  Nothing is changed until "Import": then the bundles
that can be imported are imported with a progress bar and Cancel (core.sync.importing.import_bundles,
after a backup), a bundle refused only because an earlier one was missing is tried again once the
others are in, and the table becomes the import report, which "Print report…" writes as a PDF
(core.documents.import_report).  The same on a village laptop (the township's bundle coming back)
and at the township office (every laptop's bundle at once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.documents import import_report
from xinjie_desktop.core.documents.import_report import (
    ALREADY,
    ELSEWHERE,
    IMPORTED,
    NOT_IMPORTED,
    REFUSED,
    ReportLine,
    between_others_note,
    counts_text,
)
from xinjie_desktop.core.rules import idnumber
from xinjie_desktop.core.sync import importing, roles, usb_stick
from xinjie_desktop.core.sync.bundle_format import SyncError
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell import documents
from xinjie_desktop.qt.shell.operations import Cancelled, Worker, run_in_background
from xinjie_desktop.qt.shell.widgets import ERROR_COLOUR, MessageLabel, close_buttons, read_only_table, table_cell
from xinjie_desktop.qt.sync.sync_common import DrivePicker, WorkerDialog, local_text, local_time

COLUMNS = ("file", "source", "status", "new", "changed", "deleted", "conflicts", "duplicates")
NUMBER_COLUMNS = {"new", "changed", "deleted", "conflicts", "duplicates"}
TO_IMPORT = "to_import"  # a previewed bundle that will be imported


@dataclass
class Entry:
    """One bundle on the stick: what the preview said, then what the import did."""

    path: Path
    state: str  # TO_IMPORT, or one of import_report's outcomes
    preview: importing.ImportResult | None = None
    message: str = ""
    line: ReportLine | None = None  # once imported (or not)

    @property
    def source(self) -> str:
        if self.line is not None and self.line.source:
            return self.line.source
        if self.preview is not None:
            return self.preview.source_name
        return getattr(self.message, "source_name", "")  # a refusal names the sender when it could be read


@dataclass
class Imported:
    """What the import job did, per bundle path."""

    results: dict[Path, importing.ImportResult] = field(default_factory=dict)
    refusals: dict[Path, str] = field(default_factory=dict)
    logged: dict[Path, ReportLine] = field(default_factory=dict)  # imported before an error stopped the batch
    error: str = ""
    cancelled: bool = False


def preview_job(store, paths: list[Path]):
    """The background preview of ``paths``: per path, an ImportResult or the refusal's message."""

    def job(report):
        if not report(0, len(paths)):
            raise Cancelled
        cancelled = []

        def step(done: int, total: int) -> bool:
            if not report(done, total):
                cancelled.append(True)
                return False
            return True

        # In one rolled-back transaction, in the stick's order: each bundle sees those before it.
        found = importing.preview_all(store, paths, progress=step)
        if cancelled:
            raise Cancelled
        return found

    return job


def import_job(store, importable: list[Path], retry: list[Path], bundle_ids: dict[Path, str]):
    """Import ``importable``; then the bundles of ``retry`` (refused in the preview) that the import made
    importable (a gap filled by a bundle imported just before), and so on."""

    def job(report):
        done = Imported()
        pending, waiting = list(importable), list(retry)
        offset = 0
        while pending:
            total = offset + len(pending)

            def step(count: int, _total: int, offset=offset, total=total) -> bool:
                return report(offset + count, total)

            try:
                got = importing.import_bundles(store, pending, progress=step)
            except SyncError as error:
                done.error = str(error)
                for path in pending:  # those imported before the refusal stay imported
                    lines = importing.lines_from_log(store, [bundle_ids[path]]) if path in bundle_ids else []
                    if lines:
                        done.logged[path] = lines[0]
                break
            done.results.update({Path(result.path): result for result in got})
            if len(got) < len(pending):
                done.cancelled = True
                break
            offset += len(pending)
            pending = []
            for path in list(waiting):
                ((_path, again),) = importing.preview_all(store, [path])
                if isinstance(again, importing.Refusal):  # still refused: the reason, and who sent it
                    done.refusals[path] = again
                    continue
                waiting.remove(path)
                done.refusals.pop(path, None)
                if again.already is None:
                    bundle_ids[path] = again.bundle_id
                    pending.append(path)
        return done

    return job


class SyncImportDialog(WorkerDialog):
    """Import from USB into the open data file."""

    imported = Signal()  # something was imported: the household list changed

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_import_dialog")
        self.setWindowTitle(_("Import from USB"))
        self.store = store
        self.worker: Worker | None = None
        self.entries: list[Entry] = []
        self.reported = False  # the table shows the import report (no longer the preview)
        self.report_path: Path | None = None
        self._importing = False

        intro = QLabel(
            _(
                "The bundles on the USB stick are checked and shown first; nothing is changed until you "
                'press "Import". A backup of the data file is made before anything is imported.'
            )
        )
        intro.setWordWrap(True)
        self.drive = DrivePicker()
        drive_box = QGroupBox(_("1. The USB stick"))
        QVBoxLayout(drive_box).addWidget(self.drive)

        self.summary = QLabel(objectName="import_summary")
        self.summary.setWordWrap(True)
        self.table = read_only_table(
            [
                _("Bundle file"),
                _("From"),
                _("What happens"),
                _("New"),
                _("Changed"),
                _("Deleted"),
                _("Conflicts"),
                _("Possible duplicates"),
            ]
        )
        self.table.setObjectName("import_table")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COLUMNS.index("status"), header.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMNS.index("duplicates"), header.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.details = QLabel(objectName="import_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setFrameShape(QFrame.Shape.StyledPanel)
        self.details.setMinimumHeight(self.fontMetrics().height() * 4)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setContentsMargins(6, 4, 6, 4)
        self.table_box = QGroupBox(_("2. Preview: what importing would do"))
        table_layout = QVBoxLayout(self.table_box)
        table_layout.addWidget(self.summary)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.details)

        self.import_button = QPushButton(_("Import"), objectName="import_button")
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton(_("Cancel"), objectName="import_cancel")
        self.progress = QProgressBar(objectName="import_progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(_("%v of %m"))
        self.progress.setTextVisible(False)
        self.print_button = QPushButton(_("Print report…"), objectName="print_report_button")
        self.print_button.setToolTip(_("Save the import report as a PDF and open it for printing"))
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.print_button)
        self.message = MessageLabel()
        self.message.setObjectName("import_message")

        buttons = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(drive_box)
        layout.addWidget(self.table_box, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.drive.folder_changed.connect(self._folder_changed)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel)
        self.print_button.clicked.connect(self.print_report)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.resize(1000, 640)
        self._update_buttons()
        self._folder_changed(self.drive.folder_text())

    # --- finding and previewing ----------------------------------------------------------------
    def _folder_changed(self, folder: str) -> None:
        if self.is_running():
            return
        self.entries = []
        self.reported = False
        self.table_box.setTitle(_("2. Preview: what importing would do"))
        self.message.clear_message()
        self._fill()
        if not folder:
            self.summary.setText(_("Choose the USB stick with the bundles."))
            return
        try:
            found = usb_stick.find_bundles(folder)
        except SyncError as error:
            self.summary.setText("")
            self.message.show_message(str(error))
            return
        mine, others = usb_stick.addressed_to(self.store, found)
        self.entries = [Entry(Path(path), TO_IMPORT) for path in mine]
        self.entries += [Entry(Path(path), ELSEWHERE) for path in others]
        self.entries.sort(key=lambda entry: (entry.state == ELSEWHERE, entry.path.name))  # this computer's first
        self._fill()
        if not found:
            self.summary.setText(_("There is no bundle (.xjb file) in {folder}.").format(folder=folder))
            return
        if not mine:
            self._summarise()
            return
        self.summary.setText(_("Checking {n} bundle(s)…").format(n=len(mine)))
        self._start(preview_job(self.store, [Path(path) for path in mine]), self._previewed, importing=False)

    def _previewed(self, found) -> None:
        by_path = dict(found)
        for entry in self.entries:
            outcome = by_path.get(entry.path)
            if outcome is None:
                continue
            if isinstance(outcome, str):
                entry.state, entry.message = REFUSED, outcome
            else:
                entry.preview = outcome
                entry.state = ALREADY if outcome.already is not None else TO_IMPORT
        self._fill()
        self._summarise()
        self._select_first_of(REFUSED)

    def _summarise(self) -> None:
        count = {
            state: sum(1 for e in self.entries if e.state == state)
            for state in (TO_IMPORT, ALREADY, REFUSED, ELSEWHERE)
        }
        parts = [_("{n} bundle(s) can be imported").format(n=count[TO_IMPORT])]
        if count[ALREADY]:
            parts.append(_("{n} already imported before").format(n=count[ALREADY]))
        if count[REFUSED]:
            parts.append(_("{n} would be refused (select it to see why)").format(n=count[REFUSED]))
        if count[ELSEWHERE]:
            parts.append(_("{n} written for other computers (left on the stick)").format(n=count[ELSEWHERE]))
        tail = _("Nothing has been changed yet.") if count[TO_IMPORT] else _("There is nothing to import.")
        self.summary.setText(_("; ").join(parts) + _(". ") + tail)

    # --- the table --------------------------------------------------------------------------------
    def _status(self, entry: Entry) -> str:
        if entry.state == TO_IMPORT:
            return _("will be imported")
        if entry.state == ALREADY:
            when = entry.preview.already if entry.preview is not None else None
            if when is not None:
                return _("already imported on {when}; nothing to do").format(when=local_text(when))
        if entry.state == REFUSED:
            return _("refused: {reason}").format(reason=entry.message)
        return _(import_report.OUTCOMES[entry.state])

    def _numbers(self, entry: Entry) -> dict[str, str]:
        if entry.line is not None and entry.state == IMPORTED:
            line = entry.line
            return {
                "new": str(line.total("new")),
                "changed": str(line.total("changed")),
                "deleted": str(line.total("deleted")),
                "conflicts": str(line.conflicts),
                "duplicates": str(len(line.duplicates)),
            }
        if entry.state == TO_IMPORT and entry.preview is not None and entry.preview.outcome is not None:
            summary = entry.preview.outcome.summary()
            return {
                "new": str(sum(summary["new"].values())),
                "changed": str(sum(summary["changed"].values())),
                "deleted": str(sum(summary["deleted"].values())),
                "conflicts": str(summary["conflicts"]),
                "duplicates": str(len(summary["duplicates"])),
            }
        return {}

    def _fill(self) -> None:
        selected = self.selected_entry()
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            numbers = self._numbers(entry)
            values = {"file": entry.path.name, "source": entry.source or "—", "status": self._status(entry), **numbers}
            for column, key in enumerate(COLUMNS):
                item = table_cell(values.get(key, "—"), row)
                if key in NUMBER_COLUMNS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if key == "status":
                    item.setToolTip(values["status"])
                if key == "file":
                    item.setToolTip(str(entry.path))
                if entry.state == REFUSED and key == "status":
                    item.setForeground(Qt.GlobalColor.darkRed)
                if key in ("conflicts", "duplicates") and values.get(key, "0") not in ("0", "—"):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
        if selected is not None and selected in self.entries:
            self.table.selectRow(self.entries.index(selected))
        self._show_details()
        self._update_buttons()

    def selected_entry(self) -> Entry | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def _select_first_of(self, state: str) -> None:
        for row, entry in enumerate(self.entries):
            if entry.state == state:
                self.table.selectRow(row)
                return
        if self.entries:
            self.table.selectRow(0)

    def _show_details(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.details.setText(_("Select a bundle to see what it holds."))
            self.details.setStyleSheet("")
            return
        said = [
            _("{file} from {source}").format(file=entry.path.name, source=entry.source)
            if entry.source
            else entry.path.name
        ]
        counts = None
        if entry.state == IMPORTED and entry.line is not None:
            counts = {
                "new": entry.line.new,
                "changed": entry.line.changed,
                "deleted": entry.line.deleted,
                "conflicts": entry.line.conflicts,
                "conflicts_between_others": entry.line.conflicts_between_others,
                "duplicates": list(entry.line.duplicates),
            }
        elif entry.state == TO_IMPORT and entry.preview is not None and entry.preview.outcome is not None:
            counts = entry.preview.outcome.summary()
        if counts is not None:
            for key, label in (("new", _("New")), ("changed", _("Changed")), ("deleted", _("Deleted"))):
                if any(counts[key].values()):
                    said.append(_("{label}: {counts}").format(label=label, counts=counts_text(counts[key])))
            if counts["conflicts"]:
                said.append(
                    _(
                        "{n} conflicts: the same field was changed on two computers. Resolve them under "
                        "Sync → Conflicts and duplicates."
                    ).format(n=counts["conflicts"])
                )
                note = between_others_note(counts["conflicts"], counts.get("conflicts_between_others", 0))
                if note:
                    said.append(note)
            if counts["duplicates"]:
                said.append(
                    _(
                        "Possible duplicates (the same ID number in two households, never merged by itself): {numbers}"
                    ).format(numbers=_(", ").join(idnumber.mask(n) for n in counts["duplicates"]))
                )
            if len(said) == 1:
                said.append(_("Nothing new: this computer already holds every record in the bundle."))
        else:
            said.append(self._status(entry))
        self.details.setText("\n".join(said))
        self.details.setStyleSheet(f"color: {ERROR_COLOUR};" if entry.state == REFUSED else "")

    # --- importing ---------------------------------------------------------------------------------
    def start_import(self) -> bool:
        if self.is_running() or self.reported:
            return False
        importable = [e.path for e in self.entries if e.state == TO_IMPORT]
        if not importable:
            self.message.show_message(_("There is nothing to import."))
            return False
        retry = [e.path for e in self.entries if e.state == REFUSED]
        ids = {e.path: e.preview.bundle_id for e in self.entries if e.preview is not None}
        self.message.show_message(_("Importing… Do not remove the USB stick."), "info")
        self._start(import_job(self.store, importable, retry, ids), self._imported, importing=True)
        return True

    def _imported(self, done: Imported) -> None:
        stamp = dt.datetime.now()
        for entry in self.entries:
            result = done.results.get(entry.path)
            if result is not None:
                if result.already is not None:
                    entry.state = ALREADY
                    entry.line = ReportLine(
                        entry.path.name, result.source_name, ALREADY, when=local_time(result.already)
                    )
                else:
                    entry.state = IMPORTED
                    entry.line = ReportLine.from_report(result.report)
            elif entry.path in done.logged:
                entry.state, entry.line = IMPORTED, done.logged[entry.path]
            elif entry.state == ALREADY:
                entry.line = ReportLine(
                    entry.path.name,
                    entry.source,
                    ALREADY,
                    when=local_time(entry.preview.already if entry.preview else None),
                )
            elif entry.state == REFUSED or entry.path in done.refusals:
                entry.state = REFUSED
                entry.message = done.refusals.get(entry.path, entry.message)
                entry.line = ReportLine(entry.path.name, entry.source, REFUSED, message=entry.message)
            elif entry.state == ELSEWHERE:
                entry.line = ReportLine(entry.path.name, "", ELSEWHERE)
            else:
                entry.state = NOT_IMPORTED
                entry.line = ReportLine(entry.path.name, entry.source, NOT_IMPORTED, message=done.error)
        self.reported = True
        self.table_box.setTitle(_("3. Import report ({when})").format(when=stamp.strftime("%Y-%m-%d %H:%M")))
        lines = self.report_lines()
        count = sum(1 for line in lines if line.outcome == IMPORTED)
        conflicts = sum(line.conflicts for line in lines)
        duplicates = sum(len(line.duplicates) for line in lines)
        said = [_("{n} bundle(s) imported.").format(n=count)]
        if conflicts or duplicates:
            said.append(
                _(
                    "{conflicts} conflicts and {duplicates} possible duplicates to look at under Sync → "
                    "Conflicts and duplicates."
                ).format(conflicts=conflicts, duplicates=duplicates)
            )
        self.summary.setText("\n".join(said))
        self._fill()
        if done.error:
            self.message.show_message(done.error)
        elif done.cancelled:
            self.message.show_message(
                _(
                    "Stopped: the bundles imported so far stay imported; the others were not "
                    "imported. Import again to bring them in."
                ),
                "warning",
            )
        else:
            self.message.show_message(
                _("Import finished. You can print the report, then remove the USB stick."), "info"
            )
        if count:
            self.imported.emit()

    def report_lines(self) -> list[ReportLine]:
        return [entry.line for entry in self.entries if entry.line is not None]

    def print_report(self) -> Path | None:
        """Save the import report as a PDF (asking where) and open it."""
        if not self.reported:
            return None
        target = documents.ask_save_path(self, _("Save the import report"), _("import report"))
        if target is None:
            return None
        try:
            import_report.render(roles.my_name(self.store), self.report_lines(), target)
        except OSError as error:
            self.message.show_message(
                _("The report could not be written to {path}: {error}").format(
                    path=target, error=error.strerror or error
                )
            )
            return None
        self.report_path = target
        self.message.show_message(_("The report is saved as {path}.").format(path=target), "info")
        documents.open_document(self, target)
        return target

    # --- the background job ------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _start(self, job, on_success, *, importing: bool) -> None:
        self._importing = importing
        self.progress.setRange(0, 0)
        self._update_buttons()
        self.worker = run_in_background(
            self,
            job,
            progress=self._progressed,
            success=on_success,
            failure=self._failed,
            cancelled=self._cancelled,
            finished=self._worker_done,
        )

    def cancel(self) -> None:
        if self.is_running():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.message.show_message(
                _("Stopping after the bundle being imported…") if self._importing else _("Stopping…"), "info"
            )

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setTextVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _failed(self, text: str) -> None:
        if not self._importing:  # the preview failed: what it did not check is not imported
            for entry in self.entries:
                if entry.state == TO_IMPORT and entry.preview is None:
                    entry.state, entry.message = REFUSED, text
            self._fill()
            self._summarise()
        self.message.show_message(text)

    def _cancelled(self) -> None:  # only the preview is cancelled this way
        self.entries = []
        self._fill()
        self.message.show_message(_("Stopped: choose the stick again to check its bundles."), "warning")
        self.summary.setText("")

    def _worker_done(self, _outcome: str) -> None:
        self.worker = None  # run_in_background deletes it
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if self.reported else 0)
        self.progress.setTextVisible(self.reported)
        self._importing = False
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.is_running()
        self.import_button.setEnabled(
            not running and not self.reported and any(e.state == TO_IMPORT for e in self.entries)
        )
        self.cancel_button.setEnabled(running and not self.worker.is_cancelling())
        self.print_button.setEnabled(not running and self.reported)
        self.drive.set_enabled(not running)
