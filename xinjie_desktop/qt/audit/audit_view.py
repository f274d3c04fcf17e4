"""The record of who did what, for 纪检/审计 and the township's administration (issue 17).

A table of the changes — when, who, on which computer, village, household, record, what was done and each
field's old and new value — newest first, filtered by person, village, household and dates; read a page at a
time as the table scrolls (``AuditModel``: ``canFetchMore``/``fetchMore``), so a store of hundreds of thousands
of entries opens at once.  Above it, whether every computer's chain of hashes was found intact, or which entries
break it (core.sync.audit_chain).  Thin: what is found, and who may read it, is core.records.audit's.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from xinjie_desktop.core.documents.audit_views import ACTIONS, AuditEntry
from xinjie_desktop.core.documents.import_report import kind_label
from xinjie_desktop.core.records import audit
from xinjie_desktop.core.rules.money import format_yuan, from_fen
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.sync import audit_chain
from xinjie_desktop.core.sync.roles import device_names
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.field_labels import CHOICES, MONEY_FIELDS, field_label
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, DateField, MessageLabel, close_buttons

NO_PARENT = QModelIndex()
PAGE = 200
LONGEST = 80  # characters of a value shown in the table (the whole value in its tooltip)


def value_text(table: str, field: str, value: object) -> str:
    """A value as a person reads it: a label for a code, yes or no, yuan for an amount (as the conflicts view)."""
    if value is None or value == "":
        return EMPTY_MARK
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    key = (table, field)
    if key in MONEY_FIELDS and isinstance(value, int):
        return _("{amount} yuan").format(amount=format_yuan(from_fen(value)))
    choices = CHOICES.get(key)
    if choices and isinstance(value, str) and value in choices:
        return _(choices[value])
    shown = str(value)
    return shown if len(shown) <= LONGEST else shown[: LONGEST - 1] + "…"


def fields_text(entry: AuditEntry) -> str:
    """Each field: ``label: old → new`` (changed), ``label: value`` (created, deleted); links left out."""
    parts = []
    for change in entry.changes:
        label = field_label(entry.table, change.field)
        if entry.action == "changed":
            old, new = (value_text(entry.table, change.field, v) for v in (change.old, change.new))
            parts.append(f"{label}: {old} → {new}")
        else:
            value = change.new if entry.action == "created" else change.old
            if value not in (None, "") and not change.field.endswith("_id"):
                parts.append(f"{label}: {value_text(entry.table, change.field, value)}")
    return "; ".join(parts)


class AuditModel(QAbstractTableModel):
    """The entries a filter finds, fetched a page at a time as the view scrolls."""

    COLUMNS = ("time", "person", "computer", "village", "household", "record", "action", "fields")

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.wanted = audit.AuditFilter()
        self.total = 0
        self.entries: list[AuditEntry] = []

    def headers(self) -> list[str]:
        return [
            _("Time"),
            _("Person"),
            _("Computer"),
            _("Village"),
            _("Household"),
            _("Record"),
            _("Action"),
            _("Fields"),
        ]

    def set_filter(self, wanted: audit.AuditFilter) -> None:
        self.beginResetModel()
        self.wanted = wanted
        self.total = audit.count(self.store, wanted)
        self.entries = audit.page(self.store, wanted, 0, PAGE)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> bool:
        return not parent.isValid() and len(self.entries) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> None:
        if parent.isValid():
            return
        more = audit.page(self.store, self.wanted, len(self.entries), PAGE)
        if not more:
            self.total = len(self.entries)
            return
        self.beginInsertRows(NO_PARENT, len(self.entries), len(self.entries) + len(more) - 1)
        self.entries.extend(more)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def text(self, entry: AuditEntry, column: str) -> str:
        if column == "time":
            return entry.at.strftime("%Y-%m-%d %H:%M:%S")
        if column == "person":
            return entry.account_name or _("(no one logged in)")
        if column == "computer":
            return entry.device_name or entry.device_id
        if column == "village":
            return entry.village or EMPTY_MARK
        if column == "household":
            return entry.household or EMPTY_MARK
        if column == "record":
            return kind_label(entry.table)
        if column == "action":
            return _(ACTIONS[entry.action])
        return fields_text(entry) or EMPTY_MARK

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.entries):
            return None
        entry = self.entries[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "fields":
                return "\n".join(self.text(entry, column).split("; "))
            if column == "computer":
                return entry.device_id
            if column == "household":
                return entry.household_id or ""
        if role == Qt.ItemDataRole.UserRole:
            return entry
        return None


class AuditDialog(QDialog):
    """Records → Record of who did what."""

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("audit_dialog")
        self.setWindowTitle(_("Record of who did what"))
        self.resize(1200, 680)
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        form = QFormLayout()
        self.person = QLineEdit(objectName="audit_person")
        self.person.setPlaceholderText(_("part of an account's name"))
        self.village = QComboBox(objectName="audit_village")
        self.village.addItem(_("All villages"), "")
        self.household = QLineEdit(objectName="audit_household")
        self.household.setPlaceholderText(_("the head's name or the household's id"))
        self.date_from = DateField(optional=True)
        self.date_from.setObjectName("audit_from")
        self.date_to = DateField(optional=True)
        self.date_to.setObjectName("audit_to")
        form.addRow(_("Person:"), self.person)
        form.addRow(_("Village:"), self.village)
        second = QFormLayout()
        second.addRow(_("Household:"), self.household)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel(_("to")))
        dates.addWidget(self.date_to)
        second.addRow(_("Dates:"), dates)
        filters.addLayout(form, 1)
        filters.addLayout(second, 1)
        layout.addLayout(filters)
        self.chain = MessageLabel()
        self.chain.setObjectName("audit_chain")
        self.chain.setWordWrap(True)
        layout.addWidget(self.chain)
        self.count = QLabel(objectName="audit_count")
        layout.addWidget(self.count)
        self.model = AuditModel(store, self)
        self.table = QTableView(objectName="audit_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(len(AuditModel.COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(AuditModel.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.pdf_button = QPushButton(_("Save as PDF and print…"), objectName="audit_pdf_button")
        self.pdf_button.setToolTip(_("The entries the filters show, as a PDF in the documents folder, then printed"))
        self.pdf_button.clicked.connect(self.save_pdf)
        bottom.addWidget(self.pdf_button)
        bottom.addStretch(1)
        bottom.addWidget(close_buttons(self))
        layout.addLayout(bottom)
        self.problems: list[str] = []
        self.allowed = True
        try:
            audit.require_reader(store)
        except audit.NotAllowed as refused:
            self.allowed = False
            self.chain.show_message(str(refused))
            for widget in (
                self.person,
                self.village,
                self.household,
                self.date_from,
                self.date_to,
                self.table,
                self.pdf_button,
            ):
                widget.setEnabled(False)
            return
        for village_id, name in audit.villages(store):
            self.village.addItem(name, village_id)
        with store.session() as session:
            names = device_names(session)
            problems = audit_chain.verify_all(session)
        self.problems = [p.message(names.get(p.device_id, "")) for p in problems]
        if problems:
            lines = [_("The chain of hashes is broken:"), *self.problems]
            self.chain.show_message("\n".join(lines))
        else:
            self.chain.show_message(_("Every computer's chain of hashes was checked and found intact."), "info")
        self.person.editingFinished.connect(self.apply)
        self.household.editingFinished.connect(self.apply)
        self.village.currentIndexChanged.connect(self.apply)
        self.date_from.date_changed.connect(self.apply)
        self.date_to.date_changed.connect(self.apply)
        self.date_from.editingFinished.connect(self.apply)
        self.date_to.editingFinished.connect(self.apply)
        self.apply()

    def save_pdf(self):
        """The record as the filters show it, saved as a PDF and printed (``_save_pdf``)."""
        return _save_pdf(self)

    def current_filter(self) -> audit.AuditFilter:
        start = self.date_from.date_or_none() if self.date_from.is_valid() else None
        end = self.date_to.date_or_none() if self.date_to.is_valid() else None
        return audit.AuditFilter(
            person=self.person.text().strip(),
            village=self.village.currentData() or "",
            household=self.household.text().strip(),
            date_from=start,
            date_to=end,
        )

    def apply(self, *_ignored) -> None:
        wanted = self.current_filter()
        if wanted == self.model.wanted and self.model.total:
            return
        self.model.set_filter(wanted)
        self.count.setText(_("{n} entries").format(n=self.model.total))


def _printed_filter(wanted: audit.AuditFilter):
    from xinjie_desktop.core.documents.audit_views import AuditFilterView

    return AuditFilterView(wanted.person, wanted.village, wanted.household, wanted.date_from, wanted.date_to)


def _save_pdf(dialog: AuditDialog):
    """The record as the filters show it, written to the documents folder in the background (qt.shell.operations),
    then the print dialog for it (qt.shell.printing).  Returns the worker, or None."""
    import sqlalchemy

    from xinjie_desktop.core.documents import audit_report
    from xinjie_desktop.qt.shell import documents, printing
    from xinjie_desktop.qt.shell.operations import run_in_background

    wanted = dialog.current_filter()
    target = documents.document_path(_("record of who did what"))
    with dialog.store.session() as session:
        town = session.execute(sqlalchemy.text("SELECT name FROM township LIMIT 1")).scalar() or dialog.store.path.name
    store, problems = dialog.store, list(dialog.problems)

    def job(_report) -> int:
        return audit_report.render(
            town, audit.entries(store, wanted), target, filters=_printed_filter(wanted), chain_problems=problems
        )

    def written(count: int) -> None:
        dialog.chain.show_message(_("{n} entries saved as {path}.").format(n=count, path=target), "info")
        printing.print_document(dialog, target, lambda text: dialog.chain.show_message(text, "info"))

    dialog.pdf_button.setEnabled(False)
    return run_in_background(
        dialog,
        job,
        success=written,
        failure=dialog.chain.show_message,
        finished=lambda _outcome: dialog.pdf_button.setEnabled(True),
    )
