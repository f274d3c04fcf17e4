"""The work-teams window's tables (issue 20): a read-only model over rows of text, the table view it is shown in,
a day and the days left as the pages write them.  Shared by qt.teams.teams_view and qt.teams.team_pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK

NO_PARENT = QModelIndex()
PREVIEW_HEIGHT = 200
THUMB_WIDTH, THUMB_HEIGHT = 120, 90  # a weekly report's photos, side by side


class RowsModel(QAbstractTableModel):
    """A read-only table of rows of text (each row's object kept for ``UserRole``)."""

    def __init__(self, headers: Callable[[], list[str]], parent=None) -> None:
        super().__init__(parent)
        self._headers = headers
        self.rows: list[tuple[object, Sequence[str]]] = []

    def set_rows(self, rows: list[tuple[object, Sequence[str]]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers()[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        item, texts = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return texts[index.column()] or EMPTY_MARK
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def days_text(days: int) -> str:
    if days < 0:
        return _("quarter ended")
    return _("last day") if days == 0 else _("days left: {n}").format(n=days)
