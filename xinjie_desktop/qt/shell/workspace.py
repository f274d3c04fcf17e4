"""The household workspace: workflow navigation, filter bar, household list and editor.

Left, the identification workflow's stages and the flags, to pick a working
list; in the middle, the filter bar (village, group, name or ID number) over
the household list; the household editor for the selected household (or a
new one, Ctrl+N) on a page of its own.  The parts talk through signals; the
workspace only combines what they report into a ``ListFilter`` for the
list's model.

This module needs the core (SQLAlchemy); the window's frame
(qt.shell.main_window) imports it only once a store is open, so that the frame is
painted before SQLAlchemy and Alembic are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import township
from xinjie_desktop.core.records.household_list import ListFilter
from xinjie_desktop.core.records.township import GroupRef
from xinjie_desktop.core.rules.flags import FLAGS
from xinjie_desktop.core.rules.identification import REJECTED, STATE_LABELS, STEP_CODES
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.households.household_table_model import COLUMNS, HouseholdTableModel
from xinjie_desktop.qt.households.household_table_view import HouseholdTableView

if TYPE_CHECKING:
    from xinjie_desktop.qt.households.household_editor import HouseholdEditor

FILTER_DELAY_MS = 150
# The household editor's modules (its tabs, the agreements' PDF writing: 0.14 s at a cold start)
# are loaded this long after the workspace is made, once its list has been painted, not before the list.
EDITOR_LOADED_AFTER_MS = 300
VIEW_ROLE = Qt.ItemDataRole.UserRole + 1

# Initial column widths in pixels, by column key.
COLUMN_WIDTHS = {
    "head_name": 100,
    "head_id_number": 160,
    "village": 80,
    "group": 100,
    "actual_population": 70,
    "system_population": 70,
    "workflow_step": 150,
}


@dataclass(frozen=True)
class WorkView:
    """One entry of the navigation: every household, one workflow state or one flag."""

    step: str | None = None
    flag: str | None = None
    figure: object | None = None  # a core.records.progress.Selection: the households a progress number counts


class WorkflowNavigation(QTreeWidget):
    """The stages of the identification workflow and the flags, as working lists."""

    view_chosen = Signal(object)  # WorkView

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navigation")
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setRootIsDecorated(False)
        self.setIndentation(14)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setMinimumWidth(160)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._add(self.invisibleRootItem(), _("All households"), WorkView())
        workflow = self._heading(_("Identification workflow"))
        for code in ["", *STEP_CODES, REJECTED]:
            self._add(workflow, _(STATE_LABELS[code]), WorkView(step=code))
        flags = self._heading(_("Flags"))
        for code, (rule, label) in FLAGS.items():
            self._add(flags, _("{label} ({rule})").format(label=_(label), rule=rule), WorkView(flag=code))
        self.expandAll()
        self.setItemsExpandable(False)
        self.setCurrentItem(self.topLevelItem(0))
        self.currentItemChanged.connect(self._changed)

    def _heading(self, text: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [text])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not a list to choose
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(0, font)
        return item

    def _add(self, parent: QTreeWidgetItem, text: str, view: WorkView) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, VIEW_ROLE, view)
        item.setToolTip(0, text)
        return item

    def items(self) -> list[QTreeWidgetItem]:
        found = []
        iterator = QTreeWidgetItemIterator(self)
        while iterator.value() is not None:
            found.append(iterator.value())
            iterator += 1
        return found

    def item_for(self, view: WorkView) -> QTreeWidgetItem | None:
        return next((item for item in self.items() if item.data(0, VIEW_ROLE) == view), None)

    def current_view(self) -> WorkView:
        item = self.currentItem()
        view = item.data(0, VIEW_ROLE) if item is not None else None
        return view if isinstance(view, WorkView) else WorkView()

    def select_view(self, view: WorkView) -> bool:
        item = self.item_for(view)
        if item is not None:
            self.setCurrentItem(item)
        return item is not None

    def show_figure(self, selection: object, text: str) -> None:
        """An entry for the households of a number of the progress view (issue 18), chosen: the list shows them."""
        heading = next((i for i in self.items() if i.data(0, VIEW_ROLE) == "figures"), None)
        if heading is None:
            heading = self._heading(_("From the progress view"))
            heading.setData(0, VIEW_ROLE, "figures")
        heading.takeChildren()
        item = self._add(heading, text, WorkView(figure=selection))
        heading.setExpanded(True)
        self.setCurrentItem(item)

    def _changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and isinstance(current.data(0, VIEW_ROLE), WorkView):
            self.view_chosen.emit(current.data(0, VIEW_ROLE))


class FilterBar(QWidget):
    """Village, villagers' group (of that village) and a name or ID number to look for."""

    changed = Signal()
    new_household_requested = Signal()
    to_list = Signal()  # Down or Enter in the search box: on to the list

    def __init__(self, groups: list[GroupRef], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._groups = groups
        self.village_combo = QComboBox(objectName="village_filter")
        self.group_combo = QComboBox(objectName="group_filter")
        self.text_edit = QLineEdit(objectName="text_filter")
        self.text_edit.setPlaceholderText(_("Name or ID number"))
        self.text_edit.setClearButtonEnabled(True)
        self.new_button = QPushButton(_("New household"), objectName="new_household_button")
        self.new_button.setToolTip(_("Add a household (Ctrl+N)"))
        self.village_combo.addItem(_("All villages"), None)
        villages: dict[str, str] = {}
        for group in groups:
            villages.setdefault(group.village_id, group.village_name)
        for village_id, name in villages.items():
            self.village_combo.addItem(name, village_id)
        self._fill_groups()
        self._text_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        village_label = QLabel(_("Village:"))
        village_label.setBuddy(self.village_combo)
        group_label = QLabel(_("Group:"))
        group_label.setBuddy(self.group_combo)
        layout.addWidget(village_label)
        layout.addWidget(self.village_combo)
        layout.addWidget(group_label)
        layout.addWidget(self.group_combo)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(self.new_button)

        self.village_combo.currentIndexChanged.connect(self._village_changed)
        self.group_combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
        self.text_edit.textChanged.connect(lambda _text: self._text_timer.start())
        self.text_edit.returnPressed.connect(self._apply_text_now)
        self._text_timer.timeout.connect(self.changed.emit)
        self.new_button.clicked.connect(self.new_household_requested.emit)
        self.text_edit.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        """Down or Enter in the search box filters now and moves on to the list."""
        if (
            watched is self.text_edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self._apply_text_now()
            self.to_list.emit()
            return True
        return super().eventFilter(watched, event)

    def _fill_groups(self) -> None:
        village_id = self.village_combo.currentData()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        self.group_combo.addItem(_("All groups"), None)
        for group in self._groups:
            if group.village_id == village_id:
                self.group_combo.addItem(group.name, group.id)
        self.group_combo.setEnabled(village_id is not None)
        self.group_combo.blockSignals(False)

    def _village_changed(self, _index: int) -> None:
        self._fill_groups()
        self.changed.emit()

    def _apply_text_now(self) -> None:
        if self._text_timer.isActive():
            self._text_timer.stop()
            self.changed.emit()

    def village_id(self) -> str | None:
        return self.village_combo.currentData()

    def group_id(self) -> str | None:
        return self.group_combo.currentData()

    def text(self) -> str:
        return self.text_edit.text()


class HouseholdWorkspace(QWidget):
    """Navigation, filter bar, household list and editor over one open store: the window's centre."""

    count_changed = Signal(int)  # households in the list

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("household_workspace")
        self.store = store
        with store.session() as session:
            town = township.township(session)
            self.township_name = town.name if town else ""
            self.is_demo = bool(town and town.is_demo)
            groups = township.groups(session)
        self._editor: HouseholdEditor | None = None
        self._editor_household: str | None = None
        QTimer.singleShot(EDITOR_LOADED_AFTER_MS, _editor_class)

        self.navigation = WorkflowNavigation()
        self.filter_bar = FilterBar(groups)
        self.model = HouseholdTableModel(store, self)
        self.table = HouseholdTableView(objectName="household_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never sized from every row
        header.setStretchLastSection(True)
        metrics = header.fontMetrics()
        for column, (key, _label) in enumerate(COLUMNS):
            if key in COLUMN_WIDTHS:  # wide enough for the heading in any language
                heading = self.model.headerData(column, Qt.Orientation.Horizontal)
                self.table.setColumnWidth(column, max(COLUMN_WIDTHS[key], metrics.horizontalAdvance(heading) + 20))

        list_page = QWidget(objectName="list_page")
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(4, 4, 4, 4)
        list_layout.addWidget(self.filter_bar)
        list_layout.addWidget(self.table, 1)
        hint = QLabel(_("Enter or double-click opens the selected household; Ctrl+N adds a new one."))
        hint.setObjectName("list_hint")
        hint.setStyleSheet("color: #555555;")
        list_layout.addWidget(hint)

        # The editor has a page of its own: it needs the width a household's members and income take.
        self.back_button = QPushButton(_("Back to the list"), objectName="back_button")
        self.back_button.setToolTip(_("Back to the household list (Alt+Left)"))
        self.back_button.setShortcut(QKeySequence.StandardKey.Back)
        self.back_button.setAutoDefault(False)
        self.editor_stack = QStackedWidget(objectName="editor_stack")
        self.placeholder = QLabel(_("No household is open."), objectName="editor_placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.editor_stack.addWidget(self.placeholder)
        editor_page = QWidget(objectName="editor_page")
        editor_layout = QVBoxLayout(editor_page)
        editor_layout.setContentsMargins(4, 4, 4, 4)
        back_row = QHBoxLayout()
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)
        editor_layout.addLayout(back_row)
        editor_layout.addWidget(self.editor_stack, 1)

        self.pages = QStackedWidget(objectName="pages")
        self.pages.addWidget(list_page)
        self.pages.addWidget(editor_page)
        self.list_page, self.editor_page = list_page, editor_page

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([230, 1050])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.navigation.view_chosen.connect(self._view_chosen)
        self.back_button.clicked.connect(self.show_list)
        self.table.activated.connect(self._row_activated)
        self.filter_bar.changed.connect(self.apply_filter)
        self.filter_bar.new_household_requested.connect(self.new_household)
        self.filter_bar.to_list.connect(self.focus_list)
        self.model.count_changed.connect(self.count_changed)

    def focus_search(self) -> None:
        self.filter_bar.text_edit.setFocus()
        self.filter_bar.text_edit.selectAll()

    def focus_list(self) -> None:
        """The keyboard on the list, on the household still selected there, else on the first row (Enter then
        opens it)."""
        self.table.setFocus()
        if self.model.rowCount() > 0 and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)

    # --- the list -------------------------------------------------------
    def current_filter(self) -> ListFilter:
        view = self.navigation.current_view()
        return ListFilter(
            village_id=self.filter_bar.village_id(),
            group_id=self.filter_bar.group_id(),
            step=view.step,
            flag=view.flag,
            text=self.filter_bar.text(),
            figure=view.figure,  # type: ignore[arg-type]  # a progress.Selection
        )

    def apply_filter(self) -> None:
        criteria = self.current_filter()
        if criteria != self.model.list_filter():
            selected = self.selected_household()
            self.model.set_filter(criteria)
            if selected:  # kept if among the rows just fetched: a keystroke never reads page after page
                self.select_household(selected, search=False)

    def show_figure(self, selection: object, village_id: str | None, text: str) -> None:
        """The list of the households a number of the progress view counts (issue 18): that figure's households,
        in its village (every village for the township's number), with no other filter."""
        bar = self.filter_bar
        for widget in (bar.village_combo, bar.group_combo, bar.text_edit):
            widget.blockSignals(True)
        bar.village_combo.setCurrentIndex(max(0, bar.village_combo.findData(village_id)))
        bar._fill_groups()
        bar.text_edit.clear()
        for widget in (bar.village_combo, bar.group_combo, bar.text_edit):
            widget.blockSignals(False)
        self.navigation.blockSignals(True)
        self.navigation.show_figure(selection, text)
        self.navigation.blockSignals(False)
        self.apply_filter()
        self.show_list()

    def select_household(self, household_id: str, near: int = 0, *, search: bool = True) -> bool:
        """Select the household's row, if the list (still) holds it (``search``: beyond the cached pages too)."""
        row = self.model.row_of(household_id, near, search=search)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        return True

    def selected_household(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.household_id(index.row()) if index.isValid() else None

    def _row_activated(self, index: QModelIndex) -> None:
        household_id = self.model.household_id(index.row()) if index.isValid() else None
        if household_id:
            self.open_household(household_id)

    def _view_chosen(self, _view: WorkView) -> None:
        self.apply_filter()
        self.show_list()

    def show_list(self) -> None:
        self.pages.setCurrentWidget(self.list_page)
        self.table.setFocus()

    # --- the editor -----------------------------------------------------
    def editor(self) -> HouseholdEditor | None:
        return self._editor

    def may_leave_editor(self) -> bool:
        """Before the editor is closed: unsaved changes are saved, discarded or kept, as the user says."""
        editor = self._editor
        if editor is None or not editor.has_unsaved_changes():
            return True
        self.pages.setCurrentWidget(self.editor_page)
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            _("Unsaved changes"),
            _("This household has changes that are not saved yet. Save them now?"),
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return editor.save() is not None
        return answer == buttons.Discard

    def open_household(self, household_id: str | None) -> HouseholdEditor:
        """Open the editor page for ``household_id`` (None: a new household)."""
        if self._editor is not None and household_id is not None and household_id == self._editor_household:
            self.pages.setCurrentWidget(self.editor_page)  # the same household: keep what is typed
            return self._editor
        if not self.may_leave_editor():
            return self._editor
        self._close_editor()
        editor = _editor_class()(self.store, household_id)
        editor.saved.connect(self._household_saved)
        editor.cancelled.connect(self._editing_cancelled)
        if hasattr(editor, "deleted"):
            editor.deleted.connect(self._household_deleted)
        if hasattr(editor, "changed"):  # a workflow step or objection was recorded: the list's progress changed
            editor.changed.connect(self._household_changed)
        self._editor, self._editor_household = editor, household_id
        self.editor_stack.addWidget(editor)
        self.editor_stack.setCurrentWidget(editor)
        self.pages.setCurrentWidget(self.editor_page)
        editor.setFocus()
        return editor

    def new_household(self) -> None:
        if not self.may_leave_editor():
            return
        self.table.clearSelection()
        self.open_household(None)

    def _close_editor(self) -> None:
        if self._editor is not None:
            self.editor_stack.removeWidget(self._editor)
            self._editor.deleteLater()
        self._editor, self._editor_household = None, None
        self.editor_stack.setCurrentWidget(self.placeholder)

    def _household_saved(self, household_id: str) -> None:
        """The editor saved (and shows the saved household): refresh the list, keep it selected."""
        self._editor_household = household_id
        self._household_changed(household_id)

    def _household_changed(self, household_id: str) -> None:
        near = max(self.table.currentIndex().row(), 0)
        self.model.refresh()
        self.select_household(household_id, near)

    def _household_deleted(self, _household_id: str) -> None:
        """The editor's household was deleted: the editor closes, the list shows the households left."""
        self._close_editor()
        self.model.refresh()
        self.show_list()

    def _editing_cancelled(self) -> None:
        if not self.may_leave_editor():
            return
        self._close_editor()
        self.show_list()


def _editor_class() -> type[HouseholdEditor]:
    """The household editor's class, its modules loaded the first time (``EDITOR_LOADED_AFTER_MS``)."""
    from xinjie_desktop.qt.households.household_editor import HouseholdEditor

    return HouseholdEditor
