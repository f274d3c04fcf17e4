"""The sync board (issue 5, "The window"): every computer this one exchanges bundles with.

One row per laptop (at the township office) or for the township office (on a laptop): its name,
role, when it was last seen and how many days ago, when the last bundle was imported from it and
written for it (the file's name in the tooltip), the work it holds that has not arrived here (a bundle
lost or not imported yet), the work sent to it it has not confirmed yet, told in households and dates,
and problems (a new identity after a copy).  No text is cut: the words wrap, and the tooltip adds the
change numbers for the technician.  The rows are core.sync.board.rows; nothing here decides what is missing.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.sync import board as sync_board
from xinjie_desktop.core.sync import roles
from xinjie_desktop.core.sync.board import PeerRow
from xinjie_desktop.i18n import N_, _, ngettext
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, ERROR_COLOUR
from xinjie_desktop.qt.sync.sync_common import local_text, role_label, this_computer_text

COLUMNS = (
    ("name", N_("Computer")),
    ("role", N_("Role")),
    ("last_seen", N_("Last seen")),
    ("days", N_("Days since")),
    ("last_in", N_("Last bundle received")),
    ("last_out", N_("Last bundle written for it")),
    ("missing", N_("Missing here")),
    ("unacknowledged", N_("Not yet confirmed by it")),
    ("problem", N_("Problem")),
)
KEYS = [key for key, _label in COLUMNS]
WRAPPED = ("missing", "unacknowledged", "problem")  # sentences: wrapped over lines, never cut
WRAPPED_WIDTH = 300

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


class SyncBoardModel(QAbstractTableModel):
    """One row a peer (core.sync.board.PeerRow)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.peers: list[PeerRow] = []

    def set_rows(self, rows: list[PeerRow]) -> None:
        self.beginResetModel()
        self.peers = list(rows)
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.peers)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section][1])
        return None

    def text(self, peer: PeerRow, key: str) -> str:
        if key == "name":
            return peer.name or peer.device_id  # whole: two ids may begin alike
        if key == "role":
            return role_label(peer.role) or peer.role
        if key == "last_seen":
            return local_text(peer.last_seen)
        if key == "days":
            if peer.days_since_seen is None:
                return EMPTY_MARK
            if peer.days_since_seen == 0:
                return _("today")
            return ngettext("{n} day", "{n} days", peer.days_since_seen).format(n=peer.days_since_seen)
        if key == "last_in":
            return local_text(peer.last_in_at) if peer.last_in else EMPTY_MARK
        if key == "last_out":
            return local_text(peer.last_out_at) if peer.last_out else EMPTY_MARK
        value = getattr(peer, key)
        return value or EMPTY_MARK

    def tooltip(self, peer: PeerRow, key: str) -> str:
        """The whole text, and for the technician what the words stand for (file names, change numbers)."""
        shown = self.text(peer, key)
        detail = {
            "last_in": peer.last_in,
            "last_out": peer.last_out,
            "missing": peer.missing_detail,
            "unacknowledged": peer.unacknowledged_detail,
        }.get(key, "")
        return f"{shown}\n{_('Details')}: {detail}" if detail else shown

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.peers):
            return None
        peer = self.peers[index.row()]
        key = KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(peer, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(peer, key)
        if role == Qt.ItemDataRole.ForegroundRole and key in ("missing", "problem") and getattr(peer, key):
            return QColor(ERROR_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "days":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SyncBoardDialog(QDialog):
    """The sync board of the open data file."""

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_board_dialog")
        self.setWindowTitle(_("Sync board"))
        self.store = store
        role = roles.role(store)
        if role == roles.TOWNSHIP:
            intro = _(
                'Every village laptop this township office exchanges bundles with. "Missing here": changes a '
                'laptop has that have not arrived (a bundle lost or not imported yet). "Not yet confirmed": '
                "changes sent to it whose arrival it has not confirmed with a bundle back."
            )
        elif role == roles.LAPTOP:
            intro = _(
                'The township office this laptop exchanges bundles with. "Missing here": changes the township '
                'office has that have not arrived. "Not yet confirmed": changes sent to it whose arrival it '
                "has not confirmed with a bundle back."
            )
        else:
            intro = _("This computer does not take part in sync yet.")
        self.intro = QLabel(intro, objectName="board_intro")
        self.intro.setWordWrap(True)
        self.this_computer = QLabel(this_computer_text(store), objectName="board_this_computer")
        self.this_computer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.this_computer.font())
        font.setBold(True)
        self.this_computer.setFont(font)
        self.model = SyncBoardModel(self)
        self.view = QTableView(objectName="sync_board_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)  # the words in full: a row grows rather than cut them
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.empty_label = QLabel(_("No other computer has sent a bundle to this one yet."), objectName="board_empty")
        self.refresh_button = QPushButton(_("Refresh"), objectName="board_refresh")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.refresh_button.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.this_computer)
        layout.addWidget(self.intro)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(1100, 420)
        self.refresh()

    def refresh(self) -> None:
        rows = sync_board.rows(self.store)
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        metrics = self.view.fontMetrics()
        self._headings: list[int] = []
        self._wanted: list[int] = []
        for column, (key, _label) in enumerate(COLUMNS):
            heading = metrics.horizontalAdvance(self.model.headerData(column, Qt.Orientation.Horizontal)) + 24
            widest = max([metrics.horizontalAdvance(self.model.text(peer, key)) + 16 for peer in rows] or [0])
            limit = WRAPPED_WIDTH if key in WRAPPED else 240  # sentences wrap; a name or date fits whole
            self._headings.append(heading)
            self._wanted.append(max(heading, min(widest, limit)))
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Every column inside the table's width (none hidden past a scroll bar at 1366×768, the last column
        "Problem" least of all): the columns of sentences share what the names and dates leave, each at least
        as wide as its heading, and wrap over more lines."""
        wanted = list(getattr(self, "_wanted", []))
        if not wanted:
            return
        wrapped = [column for column, (key, _label) in enumerate(COLUMNS) if key in WRAPPED]
        width = self.view.viewport().width() - 2
        if not self.view.verticalScrollBar().isVisible():  # taller rows may bring it: its room kept free
            width -= self.view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        room = width - sum(w for c, w in enumerate(wanted) if c not in wrapped)
        if sum(wanted[c] for c in wrapped) > room:
            flexible = list(wrapped)
            while flexible:  # those that would shrink below their heading keep it; the others share the rest
                asked = sum(wanted[c] for c in flexible)
                floored = [c for c in flexible if wanted[c] * max(room, 0) // asked < self._headings[c]]
                if not floored:
                    for column in flexible:
                        wanted[column] = wanted[column] * max(room, 0) // asked
                    break
                for column in floored:
                    wanted[column] = self._headings[column]
                    room -= wanted[column]
                    flexible.remove(column)
        for column, size in enumerate(wanted):
            self.view.setColumnWidth(column, size)
        self.view.resizeRowsToContents()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_columns()
