"""The Backups dialog: the data file's backups, "Back up now", "Restore…", and how many to keep.

The list is core.store.backups.list_backups (newest first) in a table model.  A restore is confirmed here
and then asked of the window (``restore_requested``): the shell (qt.shell.app._Shell.restore_backup)
closes the store, restores (backing up the current store first) and opens the file again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.store import backups
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.settings import backups_to_keep, save_backups_to_keep
from xinjie_desktop.qt.shell.widgets import PathLabel, size_text

COLUMNS = ("time", "reason", "size")

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


class BackupTableModel(QAbstractTableModel):
    """One row a backup: when, why, how large."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.backups: list[backups.Backup] = []

    def set_backups(self, listed: list[backups.Backup]) -> None:
        self.beginResetModel()
        self.backups = list(listed)
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.backups)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (_("Made at"), _("Why"), _("Size"))[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        backup = self.backups[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "time":
                return backup.time.strftime("%Y-%m-%d %H:%M:%S")
            if column == "reason":
                return backup.reason_label
            return size_text(backup.size)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(backup.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "size":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BackupsDialog(QDialog):
    """Backups of the data file at ``store_path``."""

    restore_requested = Signal(str)  # the chosen backup's path, once confirmed

    def __init__(self, store_path: Path | str, parent: QWidget | None = None, *, key: bytes | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backups_dialog")
        self.setWindowTitle(_("Backups"))
        self.store_path = Path(store_path)
        self.key = key  # an encrypted store's data key: its backups are encrypted with it
        self.intro = QLabel(
            _(
                "Backups of the data file are made every day at the first start, before every upgrade and import, "
                "and before a restore."
            )
        )
        self.intro.setWordWrap(True)
        # The folder on a line of its own, elided in the middle with the whole path in its tooltip and copied by
        # the button beside it: wrapped in the sentence it broke after a "/" (the new-user trial, issue 16).
        self.folder = PathLabel(str(backups.backup_folder(self.store_path)), objectName="backups_folder")
        self.copy_folder_button = QPushButton(_("Copy the path"), objectName="copy_folder_button")
        self.copy_folder_button.setToolTip(_("Copy the backups folder's whole path, to paste it in a file manager"))
        self.copy_folder_button.clicked.connect(self.copy_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(_("Backups folder:")))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.copy_folder_button)
        self.model = BackupTableModel(self)
        self.table = QTableView(objectName="backups_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.keep_spin = QSpinBox(objectName="keep_spin")
        self.keep_spin.setRange(1, 100)
        self.keep_spin.setValue(backups_to_keep())
        self.keep_spin.valueChanged.connect(self._keep_changed)
        keep_row = QHBoxLayout()
        keep_row.addWidget(QLabel(_("Keep the last")))
        keep_row.addWidget(self.keep_spin)
        keep_row.addWidget(QLabel(_("backups")))
        keep_row.addStretch(1)

        self.status = QLabel(objectName="backups_status")
        self.status.setWordWrap(True)
        self.backup_button = QPushButton(_("Back up &now"), objectName="backup_now_button")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton(_("&Restore…"), objectName="restore_button")
        self.restore_button.clicked.connect(self.restore_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.backup_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(folder_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(keep_row)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(620, 420)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.refresh()

    def copy_folder(self) -> None:
        QApplication.clipboard().setText(self.folder.path())
        self._say(_("Copied: {path}").format(path=self.folder.path()))

    def refresh(self) -> None:
        self.model.set_backups(backups.list_backups(self.store_path))
        if self.model.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def selected_backup(self) -> backups.Backup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.backups[rows[0].row()] if rows else None

    def _update_buttons(self, *_args) -> None:
        self.restore_button.setEnabled(self.selected_backup() is not None)

    def _keep_changed(self, value: int) -> None:
        save_backups_to_keep(value)

    def back_up_now(self) -> backups.Backup | None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            made = backups.create_backup(self.store_path, backups.MANUAL, self.keep_spin.value(), key=self.key)
        except backups.BackupError as error:
            self._say(str(error), error=True)
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.refresh()
        self._say(_("Backup made: {name}").format(name=made.path.name))
        return made

    def restore_selected(self) -> bool:
        """Ask, then hand the chosen backup to the window to restore; True if the user said yes."""
        backup = self.selected_backup()
        if backup is None:
            return False
        answer = QMessageBox.question(
            self,
            _("Restore a backup"),
            _(
                "Restore the backup made at {time} ({reason})? Everything changed in the data file since then is "
                "replaced by the backup. The data file as it is now is backed up first, so this can be undone."
            ).format(time=backup.time.strftime("%Y-%m-%d %H:%M:%S"), reason=backup.reason_label),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.accept()
        self.restore_requested.emit(str(backup.path))
        return True

    def _say(self, message: str, error: bool = False) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("color: #b00020;" if error else "")
