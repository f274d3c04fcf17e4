"""The household list as a Qt table model that never loads every row.

The rows are fetched a page at a time, when the view first asks for a row of
that page in ``data()``, each page with a short-lived session that is closed
right after.  A small LRU cache keeps the pages last shown, so scrolling
back and forth does not query again.  ``set_filter`` and ``refresh`` drop the
cache, fetch the first page (the view shows it next) and count: with one
``COUNT`` query (core.records.household_list.count) only when the first page is
full, for a shorter page is the whole list.  A filter that few households
match thus costs one query per keystroke, not two scans of the table.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from xinjie_desktop.core.records import household_list
from xinjie_desktop.core.records.household_list import ListFilter, Row
from xinjie_desktop.core.rules.flags import FLAGS
from xinjie_desktop.core.rules.identification import STATE_LABELS
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import N_, _

PAGE_SIZE = 200
MAX_CACHED_PAGES = 20
# How many pages ``row_of`` may read to find a household that is not cached.
MAX_SEARCH_PAGES = 50

HOUSEHOLD_ID_ROLE = Qt.ItemDataRole.UserRole + 1

COLUMNS: list[tuple[str, str]] = [
    ("head_name", N_("Head of household")),
    ("head_id_number", N_("ID number")),
    ("village", N_("Village")),
    ("group", N_("Group")),
    ("actual_population", N_("Actual population")),
    ("system_population", N_("System population")),
    ("workflow_step", N_("Identification progress")),
    ("flags", N_("Flags")),
]
NUMERIC = {"actual_population", "system_population"}

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


class HouseholdTableModel(QAbstractTableModel):
    """Households matching a ``ListFilter``, in the core's order (village, group, head)."""

    count_changed = Signal(int)

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = ListFilter()
        self._count = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._headers = [_(label) for _key, label in COLUMNS]
        self._step_labels = {code: _(label) for code, label in STATE_LABELS.items()}
        self._flag_labels = {code: _(label) for code, (_rule, label) in FLAGS.items()}
        self._count = self._load()

    # --- filtering -------------------------------------------------------
    def list_filter(self) -> ListFilter:
        return self._filter

    def set_filter(self, criteria: ListFilter) -> None:
        self._filter = criteria
        self.refresh()

    def refresh(self) -> None:
        """Count again and forget every cached page (after a save or a filter change)."""
        self.beginResetModel()
        self._pages.clear()
        self._count = self._load()
        self.endResetModel()
        self.count_changed.emit(self._count)

    def total(self) -> int:
        return self._count

    # --- Qt model interface ---------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            HOUSEHOLD_ID_ROLE,
        ):
            return None
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == HOUSEHOLD_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "flags" and row.flags:
                return "\n".join(
                    _("{name}: {value}").format(name=FLAGS[code][0], value=self._flag_labels[code])
                    for code in row.flags
                    if code in FLAGS
                )
            return None
        return self._display(row, key)

    def _display(self, row: Row, key: str) -> str:
        if key == "system_population":
            return "" if row.system_population is None else str(row.system_population)
        if key == "actual_population":
            return str(row.actual_population)
        if key == "workflow_step":
            return self._step_labels.get(row.workflow_step, row.workflow_step)
        if key == "flags":
            return " · ".join(self._flag_labels.get(code, code) for code in row.flags)
        return getattr(row, key)

    # --- rows and pages ---------------------------------------------------
    def row_at(self, row: int) -> Row | None:
        if not 0 <= row < self._count:
            return None
        rows = self._page(row // PAGE_SIZE)
        offset = row % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    def household_id(self, row: int) -> str | None:
        found = self.row_at(row)
        return found.id if found else None

    def row_of(self, household_id: str, near: int = 0, *, search: bool = True) -> int | None:
        """The row showing ``household_id``, looking in cached pages, then (``search``) outward from row ``near``."""
        for number, rows in self._pages.items():
            for offset, found in enumerate(rows):
                if found.id == household_id:
                    return number * PAGE_SIZE + offset
        if not search:
            return None
        pages = (self._count + PAGE_SIZE - 1) // PAGE_SIZE
        start = min(max(near, 0) // PAGE_SIZE, max(pages - 1, 0))
        order = [start]
        for distance in range(1, pages):
            order.extend(p for p in (start + distance, start - distance) if 0 <= p < pages)
        for number in order[:MAX_SEARCH_PAGES]:
            for offset, found in enumerate(self._page(number)):
                if found.id == household_id:
                    return number * PAGE_SIZE + offset
        return None

    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def _page(self, number: int) -> list[Row]:
        rows = self._pages.get(number)
        if rows is not None:
            self._pages.move_to_end(number)
            return rows
        with self._store.session() as session:
            rows = household_list.page(session, self._filter, number * PAGE_SIZE, PAGE_SIZE, matches=self._count)
        self._pages[number] = rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def _load(self) -> int:
        """Cache the first page and return the count (core.records.household_list.first_page: as few passes as it takes)."""
        with self._store.session() as session:  # one read transaction: page and count agree
            count, rows = household_list.first_page(session, self._filter, PAGE_SIZE)
        self._pages[0] = rows
        return count
