"""The household list as a Qt table model that never loads every row.

The rows are fetched a page at a time, when the view first asks for a row of
that page in ``data()``, each page with a short-lived session that is closed
right after.  A small LRU cache keeps the pages last shown, so scrolling
back and forth does not query again.  ``set_filter`` and ``refresh`` drop the
cache, fetch the first page (the view shows it next) and count: with one
``COUNT`` query (core.records.household_list.count) only when the first page is
full, for a shorter page is the whole list.  A filter that few households
match thus costs one query per keystroke, not two scans of the table.

A text filter that a thousand households or more match needs a count of its own
(a pass over every household's text, unless an index counts it: ``household_list.counted_through_an_index``,
made with the first page).  That count starts in a thread of its own at once,
beside the first page and the repaint, on another core (and is stopped when the first page
shows that fewer match):
until it is in, the list has the first page's rows; then the rest are inserted
(``rowsInserted``) and ``count_changed`` gives the number.  A newer keystroke
interrupts a count still running (SQLite's ``interrupt``); a result that comes
after a newer filter is dropped.  A count made before is given again without a pass while nothing has
been committed to the store since (``household_list.KnownCounts``, ``Store.data_version``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from sqlalchemy.exc import OperationalError

from xinjie_desktop.core.records import access, household_list
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

# The roles ``data`` answers, as the integers a view passes (comparing them with Qt's enums costs more).
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_HOUSEHOLD_ID = int(HOUSEHOLD_ID_ROLE)
_ANSWERED = frozenset({_DISPLAY, int(Qt.ItemDataRole.ToolTipRole), _ALIGNMENT, _HOUSEHOLD_ID})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_NUMERIC_COLUMNS = frozenset(column for column, (key, _label) in enumerate(COLUMNS) if key in NUMERIC)

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root

log = logging.getLogger(__name__)


class _Counted(QObject):
    """Carries a count from its thread to the model's (a queued signal)."""

    counted = Signal(int, int)  # generation, count


class _Count:
    """One filter's count, run in a thread with a connection of its own; ``interrupt`` stops it."""

    def __init__(self, store: Store, criteria: ListFilter, generation: int, version: int, deliver: _Counted) -> None:
        self.generation = generation
        self.criteria, self.version = criteria, version  # what is counted, in the store's version (KnownCounts)
        self._lock = threading.Lock()
        self._driver = None  # the sqlite3 connection while the count runs
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, args=(store, criteria, deliver), name="household-count", daemon=True
        )
        self._thread.start()

    def _run(self, store: Store, criteria: ListFilter, deliver: _Counted) -> None:
        try:
            with store.session() as session:
                connection = session.connection()
                with self._lock:
                    if self._stopped:
                        return
                    self._driver = connection.connection.driver_connection
                try:
                    found = household_list.count(session, criteria)
                finally:
                    with self._lock:
                        self._driver = None
        except OperationalError:  # interrupted (or the store was closed under it): nobody waits for it
            return
        except Exception:  # never a traceback in a thread: the model keeps the first page's rows
            log.exception("counting the households failed")
            return
        if not self._stopped:
            deliver.counted.emit(self.generation, found)

    def interrupt(self) -> None:
        with self._lock:
            self._stopped = True
            if self._driver is not None:
                self._driver.interrupt()

    def wait(self) -> None:
        self._thread.join()


class HouseholdTableModel(QAbstractTableModel):
    """Households matching a ``ListFilter``, in the core's order (village, group, head)."""

    count_changed = Signal(int)

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = ListFilter()
        # The villages the person logged in may read (None: every one): every query of the list keeps to them.
        self._within = access.readable_villages(store)
        self._count = 0
        self._generation = 0
        self._counting: _Count | None = None  # the count that runs beside the first page (see the docstring)
        self._counted = _Counted()
        self._counted.counted.connect(self._count_arrived)
        self._known = household_list.KnownCounts()  # counts made before, while the store is unchanged
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        # Each shown page: the list of rows its texts were made from, and the column texts of each row shown.
        self._page_texts: dict[int, tuple[list[Row], list[tuple[str, ...] | None]]] = {}
        self._headers = [_(label) for _key, label in COLUMNS]
        self._step_labels = {code: _(label) for code, label in STATE_LABELS.items()}
        self._flag_labels = {code: _(label) for code, (_rule, label) in FLAGS.items()}
        self._count = self._load()

    # --- filtering -------------------------------------------------------
    def _scoped(self) -> ListFilter:
        return self._filter if self._within is None else dataclasses.replace(self._filter, within=self._within)

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
        if self._counting is None:
            self.count_changed.emit(self._count)

    def total(self) -> int:
        """The number of households listed; while ``count_pending``, the first page's."""
        return self._count

    def count_pending(self) -> bool:
        """True while the count of a text filter is still running beside the first page."""
        return self._counting is not None

    def wait_for_count(self) -> None:
        """Block until a pending count is in (tests, and closing the store under it)."""
        counting = self._counting
        if counting is not None:
            counting.wait()
            from PySide6.QtCore import QCoreApplication

            QCoreApplication.sendPostedEvents(self._counted)

    def stop_counting(self, wait: bool = False) -> None:
        """Interrupt a count still running and forget it (a newer filter); ``wait``: until its thread has let
        go of its connection (the store is about to be closed or replaced)."""
        counting, self._counting = self._counting, None
        if counting is not None:
            counting.interrupt()
            if wait:
                counting.wait()

    def _count_arrived(self, generation: int, found: int) -> None:
        counting = self._counting
        if counting is None or generation != counting.generation:
            return  # a count of an older filter
        self._counting = None
        self._known.put(counting.version, counting.criteria, found)
        if found > self._count:
            self.beginInsertRows(NO_PARENT, self._count, found - 1)
            self._count = found
            self.endInsertRows()
        elif found < self._count:  # households deleted meanwhile: the list as counted
            self.beginResetModel()
            self._pages.clear()
            self._count = found
            self.endResetModel()
        self.count_changed.emit(self._count)

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
        # A repaint asks every visible cell for about seven roles: the ones this model answers are looked up
        # as plain integers first, and a row's texts are made once per page (``_texts``), not per cell.
        if role not in _ANSWERED or not index.isValid():
            return None
        row_number = index.row()
        if not 0 <= row_number < self._count:
            return None
        column = index.column()
        if role == _ALIGNMENT:
            return _RIGHT if column in _NUMERIC_COLUMNS else None
        if role == _DISPLAY:
            texts = self._texts_at(row_number)
            return None if texts is None else texts[column]
        row = self.row_at(row_number)
        if row is None:
            return None
        if role == _HOUSEHOLD_ID:
            return row.id
        if COLUMNS[column][0] == "flags" and row.flags:  # the tooltip
            return "\n".join(
                _("{name}: {value}").format(name=FLAGS[code][0], value=self._flag_labels[code])
                for code in row.flags
                if code in FLAGS
            )
        return None

    def _texts_at(self, row_number: int) -> tuple[str, ...] | None:
        """The texts the columns of row ``row_number`` show (made once, the first time the row is shown)."""
        number, offset = divmod(row_number, PAGE_SIZE)
        made_from = self._page_texts.get(number)
        if made_from is None or made_from[0] is not self._pages.get(number):
            rows = self._page(number)
            made_from = self._page_texts[number] = (rows, [None] * len(rows))
            for stale in [page for page in self._page_texts if page not in self._pages]:
                del self._page_texts[stale]
        rows, texts = made_from
        if offset >= len(texts):
            return None
        made = texts[offset]
        if made is None:
            made = texts[offset] = tuple(self._display(rows[offset], key) for key, _label in COLUMNS)
        return made

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
            rows = household_list.page(session, self._scoped(), number * PAGE_SIZE, PAGE_SIZE, matches=self._count)
        self._pages[number] = rows
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def _load(self) -> int:
        """Cache the first page and return the count (core.records.household_list.first_rows: as few passes as
        it takes); a text filter's count starts beside it and is kept only if the first page cannot give it."""
        self.stop_counting()
        self._generation += 1
        generation, criteria = self._generation, self._scoped()
        version = self._store.data_version()
        known = self._known.get(version, criteria)

        if known is None and criteria.text.strip() and not household_list.counted_through_an_index(criteria):
            # The count of a text filter starts at once, beside the first page: whether a thousand or more match
            # (and so need it) is known only once the first page's query has looked; if fewer do, it is stopped.
            self._counting = _Count(self._store, criteria, generation, version, self._counted)
        with self._store.session() as session:
            rows, count = household_list.first_rows(session, criteria, PAGE_SIZE, known=known)
        self._pages[0] = rows
        if count is not None:
            self.stop_counting()
            self._known.put(version, criteria, count)
            return count
        return len(rows)  # until the count is in (_count_arrived)
