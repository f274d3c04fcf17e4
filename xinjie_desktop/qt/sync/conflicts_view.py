"""Conflicts and possible duplicates, for a person to decide (issue 5, property 4; "The window").

**Conflicts**: the open conflicts in a table (household, kind of record, field, what happened, the
computers involved).  The selected one shows its values side by side: the value in force and each
other value, with the computer that wrote it and when.  "Keep this value" on one of them, or type
the right value and save it: core.sync.conflicts.resolve writes it as a new edit, which travels with the
next bundles and settles the conflict on the other computers too.

**Possible duplicates**: an ID number found in two households after an import, never merged by
the program.  A person looks, then records "same person, kept apart for now" or "corrected".

Thin: labels and the typing of a value are presentation; what a resolution does is the core's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.documents.import_report import kind_label
from xinjie_desktop.core.rules import vocabulary
from xinjie_desktop.core.rules.money import AmountError, format_yuan, from_fen, parse_yuan, to_fen
from xinjie_desktop.core.store.database import StoreWriteError
from xinjie_desktop.core.sync import conflicts
from xinjie_desktop.core.sync.conflicts import Conflict, ConflictError, Version
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.field_labels import CHOICES, MONEY_FIELDS, field_label
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    INFO_COLOUR,
    MessageLabel,
    close_buttons,
    read_only_table,
    table_cell,
)
from xinjie_desktop.qt.sync.sync_common import local_text

CONFLICTS_TAB, DUPLICATES_TAB = range(2)

SPECIAL_VALUES = {"deleted": N_("deleted"), "kept": N_("kept (a signed agreement is never changed)")}
YES, NO = N_("yes"), N_("no")

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


def value_text(conflict: Conflict, value) -> str:
    """A value as a person reads it: a label for a code, yes or no, yuan for an amount."""
    if not conflict.settled_by_a_value and isinstance(value, str) and value in SPECIAL_VALUES:
        return _(SPECIAL_VALUES[value])
    if value is None or value == "":
        return EMPTY_MARK
    if isinstance(value, bool):
        return _(YES) if value else _(NO)
    key = (conflict.table, conflict.field)
    if key in MONEY_FIELDS and isinstance(value, int):
        return _("{amount} yuan").format(amount=format_yuan(from_fen(value)))
    choices = CHOICES.get(key)
    if choices and isinstance(value, str) and value in choices:
        return _(choices[value])
    if key == ("household", "secondary_causes") and isinstance(value, str):
        return _(", ").join(_(vocabulary.CAUSES.get(code, code)) for code in value.split(",") if code)
    return str(value)


def version_when(version: Version) -> str:
    return local_text(version.when)


# --- the list of conflicts ---------------------------------------------------------------------------


class ConflictTableModel(QAbstractTableModel):
    """One row an open conflict."""

    HEADERS = (N_("Household"), N_("Record"), N_("Field"), N_("What happened"), N_("Computers"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.conflicts: list[Conflict] = []

    def set_conflicts(self, listed: list[Conflict]) -> None:
        self.beginResetModel()
        self.conflicts = list(listed)
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.conflicts)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.HEADERS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.conflicts):
            return None
        conflict = self.conflicts[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == 0:
                return conflict.household_name or EMPTY_MARK
            if column == 1:
                return kind_label(conflict.table)
            if column == 2:
                return field_label(conflict.table, conflict.field)
            if column == 3:
                return conflict.kind_label
            names = []
            for version in (conflict.winner, *conflict.losers):
                if version.device_name and version.device_name not in names:
                    names.append(version.device_name)
            return _(", ").join(names)
        return None

    def conflict(self, row: int) -> Conflict | None:
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None


# --- one conflict, its values side by side -------------------------------------------------------------


class VersionCard(QFrame):
    """One value of a conflict: the value, who wrote it and when, and "Keep this value"."""

    keep_requested = Signal(object)  # the Version

    def __init__(self, conflict: Conflict, version: Version, in_force: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("version_card")
        self.version = version
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#version_card { border: 1px solid %s; border-radius: 4px; }" % ("#2e7d32" if in_force else "#9e9e9e")
        )
        heading = QLabel(_("Value in force now") if in_force else _("Other value (not applied)"))
        heading.setStyleSheet(f"color: {INFO_COLOUR};" if in_force else "color: #555555;")
        self.value_label = QLabel(value_text(conflict, version.value), objectName="version_value")
        font = QFont(self.value_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.value_label.setFont(font)
        self.value_label.setWordWrap(True)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.who_label = QLabel(_("Changed on: {computer}").format(computer=version.device_name or EMPTY_MARK))
        self.when_label = QLabel(_("When: {when}").format(when=version_when(version)))
        self.keep_button = QPushButton(_("Keep this value"), objectName="keep_button")
        self.keep_button.clicked.connect(lambda: self.keep_requested.emit(self.version))
        self.keep_button.setVisible(conflict.settled_by_a_value)
        layout = QVBoxLayout(self)
        for widget in (heading, self.value_label, self.who_label, self.when_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.keep_button)
        self.setMinimumWidth(200)


class ConflictPanel(QWidget):
    """The selected conflict: values side by side, keep one or enter the right one."""

    resolve_requested = Signal(str, object)  # conflict id, the value (JSON form)
    open_household_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict: Conflict | None = None
        self.cards: list[VersionCard] = []
        self._use_combo = False
        self.title = QLabel(objectName="conflict_title")
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.explanation = QLabel(objectName="conflict_explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet("color: #555555;")
        self.cards_widget = QWidget()
        self.cards_layout = QHBoxLayout(self.cards_widget)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        cards_area = QScrollArea()
        cards_area.setWidgetResizable(True)
        cards_area.setFrameShape(QFrame.Shape.NoFrame)
        cards_area.setWidget(self.cards_widget)

        self.enter_label = QLabel(_("Or enter the right value:"))
        self.value_edit = QLineEdit(objectName="value_edit")
        self.value_combo = QComboBox(objectName="value_combo")
        self.save_button = QPushButton(_("Save this value"), objectName="save_value_button")
        self.close_button = QPushButton(_("Seen: close the conflict"), objectName="close_conflict_button")
        self.close_button.setToolTip(_("The record stays as it is now; the conflict leaves the list"))
        self.open_button = QPushButton(_("Open the household"), objectName="open_household_button")
        enter_row = QHBoxLayout()
        enter_row.addWidget(self.enter_label)
        enter_row.addWidget(self.value_edit, 1)
        enter_row.addWidget(self.value_combo, 1)
        enter_row.addWidget(self.save_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.close_button)
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        self.message = MessageLabel()
        self.message.setObjectName("conflict_message")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.explanation)
        layout.addWidget(cards_area, 1)
        layout.addLayout(enter_row)
        layout.addLayout(bottom)
        layout.addWidget(self.message)

        self.save_button.clicked.connect(self._save_entered)
        self.value_edit.returnPressed.connect(self._save_entered)
        self.close_button.clicked.connect(self._close_conflict)
        self.open_button.clicked.connect(self._open_household)
        self.show_conflict(None)

    def show_conflict(self, conflict: Conflict | None) -> None:
        self.conflict = conflict
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        while self.cards_layout.count():
            self.cards_layout.takeAt(0)
        self.message.clear_message()
        is_field = conflict is not None and conflict.settled_by_a_value
        for widget in (self.enter_label, self.value_edit, self.value_combo, self.save_button):
            widget.setVisible(is_field)
        self.close_button.setVisible(conflict is not None and not is_field)
        self.open_button.setVisible(conflict is not None and bool(conflict.household_id))
        if conflict is None:
            self.title.setText(_("Select a conflict in the list."))
            self.explanation.setText("")
            return
        where = conflict.household_name and _("Household of {head}").format(head=conflict.household_name)
        self.title.setText(
            _(" · ").join(
                part
                for part in (
                    where,
                    kind_label(conflict.table),
                    field_label(conflict.table, conflict.field),
                    conflict.kind_label,
                )
                if part
            )
        )
        if conflict is not None and conflict.kind == "twice":
            self.explanation.setText(
                _(
                    "This record was entered on two computers, and there can be only one. Every computer keeps the same "
                    "one of the two (its value is in force); the other one's value is listed so that nothing is lost. "
                    "Keep the right one, or enter the right value: it is saved as a new change and goes to the other "
                    "computers with the next bundles."
                )
            )
        elif is_field:
            self.explanation.setText(
                _(
                    "This field was changed on two computers without either knowing of the other. The latest change is "
                    "in force everywhere; the other value was kept so that nothing is lost. Keep the right one, or enter "
                    "the right value: it is saved as a new change and goes to the other computers with the next "
                    "bundles."
                )
            )
        else:
            self.explanation.setText(
                _(
                    "This change could not be applied: the record was deleted, or it belongs to a signed agreement, which "
                    "never changes. It is kept here so that nothing is lost from view. Look at it, correct the record by "
                    "hand if needed, then close the conflict."
                )
            )
        for number, version in enumerate((conflict.winner, *conflict.losers)):
            card = VersionCard(conflict, version, number == 0)
            card.keep_requested.connect(self._keep)
            self.cards.append(card)
            self.cards_layout.addWidget(card, 1)
        self.cards_layout.addStretch(0)
        if is_field:
            self._prepare_entry(conflict)

    def _prepare_entry(self, conflict: Conflict) -> None:
        self.value_edit.clear()
        self.value_combo.clear()
        choices = CHOICES.get((conflict.table, conflict.field))
        values = [conflict.winner.value, *(v.value for v in conflict.losers)]
        if choices:
            for code, label in choices.items():
                self.value_combo.addItem(_(label), code)
        elif any(isinstance(v, bool) for v in values):
            self.value_combo.addItem(_(YES), True)
            self.value_combo.addItem(_(NO), False)
        use_combo = self._use_combo = self.value_combo.count() > 0
        self.value_combo.setVisible(use_combo)
        self.value_edit.setVisible(not use_combo)
        if use_combo:
            index = self.value_combo.findData(conflict.winner.value)
            self.value_combo.setCurrentIndex(max(index, 0))
        elif (conflict.table, conflict.field) in MONEY_FIELDS:
            self.value_edit.setPlaceholderText(_("amount in yuan"))
        elif any(isinstance(v, int) for v in values):
            self.value_edit.setPlaceholderText(_("a whole number"))
        elif any(isinstance(v, str) and len(v) == 10 and v[4:5] == "-" for v in values):
            self.value_edit.setPlaceholderText(_("YYYY-MM-DD"))
        else:
            self.value_edit.setPlaceholderText(_("the right value"))

    def entered_value(self):
        """The value typed or chosen, in the form the core stores (raises ValueError with a message)."""
        conflict = self.conflict
        if self._use_combo:
            return self.value_combo.currentData()
        text = self.value_edit.text().strip()
        key = (conflict.table, conflict.field)
        values = [conflict.winner.value, *(v.value for v in conflict.losers)]
        if key in MONEY_FIELDS:
            try:
                return to_fen(parse_yuan(text) if text else Decimal(0))
            except AmountError as error:
                raise ValueError(str(error)) from None
        if any(isinstance(v, int) and not isinstance(v, bool) for v in values):
            if not text:
                return None
            try:
                return int(text)
            except ValueError:
                raise ValueError(_("Enter a whole number.")) from None
        if not text and any(v is None for v in values):
            return None
        return text

    def _keep(self, version: Version) -> None:
        if self.conflict is not None:
            self.resolve_requested.emit(self.conflict.id, version.value)

    def _save_entered(self) -> None:
        if self.conflict is None or not self.conflict.settled_by_a_value:
            return
        try:
            value = self.entered_value()
        except ValueError as error:
            self.message.show_message(str(error))
            return
        self.resolve_requested.emit(self.conflict.id, value)

    def _close_conflict(self) -> None:
        if self.conflict is not None:
            self.resolve_requested.emit(self.conflict.id, None)

    def _open_household(self) -> None:
        if self.conflict is not None and self.conflict.household_id:
            self.open_household_requested.emit(self.conflict.household_id)


# --- possible duplicates --------------------------------------------------------------------------------


def _detected(value) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return local_text(value)


class DuplicatesPage(QWidget):
    """Possible duplicates: the ID number, the households holding it, and the decision."""

    decide_requested = Signal(str, str, str)  # ID number, status, note
    open_household_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duplicates: list[dict] = []
        intro = QLabel(
            _(
                "The same ID number is registered in more than one household. The program never merges "
                "households by itself: check with the village, correct the record that is wrong (in the "
                "household editor), then record what you found."
            )
        )
        intro.setWordWrap(True)
        self.table = read_only_table([_("ID number"), _("Households"), _("Found on")])
        self.table.setObjectName("duplicates_table")
        self.households = QListWidget(objectName="duplicate_households")
        self.households.setMaximumHeight(80)
        self.note_edit = QLineEdit(objectName="duplicate_note")
        self.note_edit.setPlaceholderText(_("A note: what was checked, with whom"))
        self.same_button = QPushButton(
            _("Confirmed the same person; not merged for now"), objectName="same_person_button"
        )
        self.fixed_button = QPushButton(_("Corrected"), objectName="corrected_button")
        self.open_button = QPushButton(_("Open the household"), objectName="open_duplicate_household")
        self.message = MessageLabel()
        self.message.setObjectName("duplicates_message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.same_button)
        buttons.addWidget(self.fixed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(_("Households holding the selected ID number:")))
        layout.addWidget(self.households)
        layout.addWidget(self.note_edit)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.table.itemSelectionChanged.connect(self._selected)
        self.households.itemDoubleClicked.connect(lambda _item: self._open())
        self.same_button.clicked.connect(lambda: self._decide("same_person_kept_apart"))
        self.fixed_button.clicked.connect(lambda: self._decide("fixed"))
        self.open_button.clicked.connect(self._open)
        self._selected()

    def set_duplicates(self, listed: list[dict]) -> None:
        self.duplicates = list(listed)
        self.table.setRowCount(len(self.duplicates))
        for row, entry in enumerate(self.duplicates):
            holders = _("; ").join(
                _("{head} ({village})").format(head=h["head"] or EMPTY_MARK, village=h["village"])
                for h in entry["households"]
            )
            self.table.setItem(row, 0, table_cell(entry["id_number"], entry["id_number"]))
            self.table.setItem(row, 1, table_cell(holders))
            self.table.setItem(row, 2, table_cell(_detected(entry["detected_at"])))
        if self.duplicates:
            self.table.selectRow(0)
        self._selected()

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.duplicates[rows[0].row()] if rows and rows[0].row() < len(self.duplicates) else None

    def _selected(self) -> None:
        entry = self.selected()
        self.households.clear()
        if entry is not None:
            for holder in entry["households"]:
                item = QListWidgetItem(
                    _("{head} ({village})").format(head=holder["head"] or EMPTY_MARK, village=holder["village"])
                )
                item.setData(Qt.ItemDataRole.UserRole, holder["id"])
                self.households.addItem(item)
            self.households.setCurrentRow(0)
            self.note_edit.setText(entry.get("note") or "")
        for widget in (self.same_button, self.fixed_button, self.open_button, self.note_edit):
            widget.setEnabled(entry is not None)

    def _decide(self, status: str) -> None:
        entry = self.selected()
        if entry is not None:
            self.decide_requested.emit(entry["id_number"], status, self.note_edit.text().strip())

    def _open(self) -> None:
        item = self.households.currentItem()
        if item is not None:
            self.open_household_requested.emit(item.data(Qt.ItemDataRole.UserRole))


# --- the dialog -------------------------------------------------------------------------------------------


class ConflictsDialog(QDialog):
    """Open conflicts and possible duplicates of the open data file."""

    changed = Signal()  # a value was written: the household list may show it
    open_household_requested = Signal(str)

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflicts_dialog")
        self.setWindowTitle(_("Conflicts and possible duplicates"))
        self.store = store
        self.model = ConflictTableModel(self)
        self.view = QTableView(objectName="conflicts_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty_label = QLabel(_("No open conflict: every value received agrees."), objectName="no_conflicts")
        self.empty_label.setStyleSheet(f"color: {INFO_COLOUR};")
        self.panel = ConflictPanel()
        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.empty_label)
        list_layout.addWidget(self.view, 1)
        detail_box = QGroupBox(_("The values side by side"))
        QVBoxLayout(detail_box).addWidget(self.panel)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(list_box)
        splitter.addWidget(detail_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        conflicts_page = QWidget()
        QVBoxLayout(conflicts_page).addWidget(splitter)

        self.duplicates_page = DuplicatesPage()
        self.tabs = QTabWidget(objectName="conflict_tabs")
        self.tabs.addTab(conflicts_page, "")
        self.tabs.addTab(self.duplicates_page, "")
        buttons = close_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

        self.view.selectionModel().currentRowChanged.connect(lambda current, _previous: self._selected(current))
        self.panel.resolve_requested.connect(self.resolve)
        self.panel.open_household_requested.connect(self._open_household)
        self.duplicates_page.decide_requested.connect(self.decide_duplicate)
        self.duplicates_page.open_household_requested.connect(self._open_household)
        self.resize(980, 680)
        self.refresh()

    def refresh(self, keep_row: int = 0) -> None:
        listed = conflicts.listing(self.store)
        self.model.set_conflicts(listed)
        self.empty_label.setVisible(not listed)
        self.view.setVisible(bool(listed))
        if listed:
            self.view.selectRow(min(keep_row, len(listed) - 1))
        self._selected(self.view.currentIndex())
        duplicates = conflicts.duplicates(self.store)
        self.duplicates_page.set_duplicates(duplicates)
        self.tabs.setTabText(CONFLICTS_TAB, _("Conflicts ({n})").format(n=len(listed)))
        self.tabs.setTabText(DUPLICATES_TAB, _("Possible duplicates ({n})").format(n=len(duplicates)))

    def _selected(self, index: QModelIndex) -> None:
        self.panel.show_conflict(self.model.conflict(index.row()) if index.isValid() else None)

    def select_conflict(self, conflict_id: str) -> bool:
        for row, conflict in enumerate(self.model.conflicts):
            if conflict.id == conflict_id:
                self.view.selectRow(row)
                return True
        return False

    def resolve(self, conflict_id: str, value) -> bool:
        row = max(self.view.currentIndex().row(), 0)
        try:
            conflicts.resolve(self.store, conflict_id, value)
        except (ConflictError, StoreWriteError) as error:
            self.panel.message.show_message(str(error))
            return False
        self.refresh(row)
        self.changed.emit()
        return True

    def decide_duplicate(self, id_number: str, status: str, note: str) -> bool:
        try:
            conflicts.mark_duplicate(self.store, id_number, status, note)
        except (ConflictError, StoreWriteError) as error:
            self.duplicates_page.message.show_message(str(error))
            return False
        self.refresh(max(self.view.currentIndex().row(), 0))
        self.duplicates_page.message.show_message(_("Recorded."), "info")
        return True

    def _open_household(self, household_id: str) -> None:
        self.open_household_requested.emit(household_id)
        self.accept()
