"""Supporting files of a household (ID-4 reconciliation papers, ID-7 re-check records).

A list (model/view) of what is kept, and buttons to add a file, save a copy and remove one.
Each action is its own transaction in the core (core.records.attachments); nothing here decides rules.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QListView, QPushButton, QVBoxLayout, QWidget

from xinjie_desktop.core.records import attachments
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import ChoiceCombo, MessageLabel

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class AttachmentPanel(QWidget):
    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._household_id: str | None = None
        self.model = QStandardItemModel(self)
        self.view = QListView(objectName="attachment_list")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view.setMaximumHeight(90)
        self.purpose_combo = ChoiceCombo(attachments.PURPOSES)
        self.purpose_combo.setObjectName("attachment_purpose")
        self.purpose_combo.set_code("reconciliation")
        self.add_button = QPushButton(_("Add a file…"), objectName="attachment_add")
        self.export_button = QPushButton(_("Save a copy…"), objectName="attachment_export")
        self.remove_button = QPushButton(_("Remove"), objectName="attachment_remove")
        self.message = MessageLabel()
        self.message.setObjectName("attachment_message")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.purpose_combo, 1)
        for button in (self.add_button, self.export_button, self.remove_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.add_button.clicked.connect(self._choose_and_add)
        self.export_button.clicked.connect(self._export)
        self.remove_button.clicked.connect(self._remove)
        self.view.selectionModel().selectionChanged.connect(lambda *_args: self._update_buttons())
        self.set_household(None)

    def set_household(self, household_id: str | None) -> None:
        self._household_id = household_id
        self.message.clear_message()
        self.refresh()
        if household_id is None:
            self.message.show_message(_("Save the household first; then supporting files can be added."), "info")

    def refresh(self) -> None:
        self.model.clear()
        if self._household_id is not None:
            for attachment in attachments.listing(self._store, self._household_id):
                label = _(attachments.PURPOSES.get(attachment.purpose, attachment.purpose))
                item = QStandardItem(f"{attachment.filename}（{label}）")
                item.setData(attachment.id, ID_ROLE)
                item.setData(attachment.filename, Qt.ItemDataRole.ToolTipRole)
                self.model.appendRow(item)
        self._update_buttons()

    def add_file(self, path: Path) -> bool:
        """Keep a copy of ``path`` with the household; False (and a message) if it cannot be kept."""
        if self._household_id is None:
            return False
        try:
            attachments.attach(self._store, self._household_id, path, self.purpose_combo.code() or "other")
        except attachments.AttachmentError as error:
            self.message.show_message(str(error))
            return False
        self.message.show_message(_("Kept: {name}").format(name=Path(path).name), "info")
        self.refresh()
        self.changed.emit()
        return True

    def _selected_id(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def _update_buttons(self) -> None:
        has_household = self._household_id is not None
        self.add_button.setEnabled(has_household)
        self.purpose_combo.setEnabled(has_household)
        selected = self._selected_id() is not None
        self.export_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def _choose_and_add(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose a supporting file"))
        if path:
            self.add_file(Path(path))

    def _export(self) -> None:
        attachment_id = self._selected_id()
        if attachment_id is None:
            return
        name = self.model.itemFromIndex(self.view.currentIndex()).data(Qt.ItemDataRole.ToolTipRole)
        path, _filter = QFileDialog.getSaveFileName(self, _("Save a copy of the file"), name)
        if path:
            try:
                Path(path).write_bytes(attachments.content(self._store, attachment_id))
            except OSError as error:
                self.message.show_message(_("The file cannot be written: {error}").format(error=error.strerror))

    def _remove(self) -> None:
        attachment_id = self._selected_id()
        if attachment_id is not None:
            attachments.remove(self._store, attachment_id)
            self.refresh()
            self.changed.emit()
