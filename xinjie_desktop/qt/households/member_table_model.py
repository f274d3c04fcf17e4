"""A table model over the household editor's list of ``MemberDraft``s."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from xinjie_desktop.core.records.households import ERROR, MemberDraft, Problem
from xinjie_desktop.core.rules import membership, vocabulary
from xinjie_desktop.core.rules.idnumber import SEX_LABELS
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, ERROR_COLOUR, WARNING_COLOUR

COLUMNS: list[tuple[str, str]] = [
    ("name", N_("Name")),
    ("id_number", N_("ID number")),
    ("relation", N_("Relation to head")),
    ("sex", N_("Sex")),
    ("birth_date", N_("Birth date")),
    ("membership_basis", N_("Membership basis")),
    ("counted", N_("Counts in actual population")),
    ("dibao", N_("Dibao")),
    ("registered", N_("Registered")),
]

_LISTS = {
    "relation": vocabulary.RELATIONS,
    "sex": SEX_LABELS,
    "membership_basis": membership.BASES,
}

Index = QModelIndex | QPersistentModelIndex

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


class MemberTableModel(QAbstractTableModel):
    """Rows are the members in household order; the model never copies them."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._members: list[MemberDraft] = []
        self._problems: dict[int, list[Problem]] = {}

    # -- the list -------------------------------------------------------------------------
    @property
    def members(self) -> list[MemberDraft]:
        return self._members

    def set_members(self, members: list[MemberDraft]) -> None:
        self.beginResetModel()
        self._members = members
        self._problems = {}
        self.endResetModel()

    def append(self, member: MemberDraft) -> int:
        row = len(self._members)
        self.beginInsertRows(QModelIndex(), row, row)
        self._members.append(member)
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._members[row]
        # Problems were reported by position: later rows move up by one.
        self._problems = {(r - 1 if r > row else r): p for r, p in self._problems.items() if r != row}
        self.endRemoveRows()

    def row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- problems reported by the core (member.<row>.<attr>) --------------------------------
    def set_problems(self, problems: dict[int, list[Problem]]) -> None:
        self._problems = {row: list(p) for row, p in problems.items()}
        if self._members:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._members) - 1, len(COLUMNS) - 1))

    def problems(self, row: int) -> list[Problem]:
        return self._problems.get(row, [])

    def clear_problem(self, row: int, attr: str) -> None:
        kept = [p for p in self._problems.get(row, []) if not p.field.endswith("." + attr)]
        if kept != self._problems.get(row, []):
            self._problems[row] = kept
            self.row_changed(row)

    # -- Qt model interface ----------------------------------------------------------------
    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._members)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section][1])
        return str(section + 1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        member = self._members[index.row()]
        column = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(member, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            problems = self._problems.get(index.row())
            return "\n".join(p.message for p in problems) if problems else None
        if role == Qt.ItemDataRole.ForegroundRole:
            problems = self._problems.get(index.row())
            if problems:
                severe = any(p.severity == ERROR for p in problems)
                return QBrush(QColor(ERROR_COLOUR if severe else WARNING_COLOUR))
        return None

    @staticmethod
    def _display(member: MemberDraft, column: str) -> str:
        if column in _LISTS:
            value = getattr(member, column)
            label = _LISTS[column].get(value)
            return _(label) if label else (value or EMPTY_MARK)
        if column == "birth_date":
            return member.birth_date.isoformat() if member.birth_date else EMPTY_MARK
        if column == "counted":
            return _yes_no(
                member.membership_basis in membership.BASES and membership.is_included(member.membership_basis)
            )
        if column in ("dibao", "registered"):
            return _yes_no(getattr(member, column))
        return getattr(member, column) or EMPTY_MARK
