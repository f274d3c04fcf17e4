"""The household list's view: the rows laid out and painted once per change of the list, not two or three times.

A ``QTableView`` lays its rows out after a model change in a timer of its own (``doItemsLayout``), and repaints the
whole viewport when it has, even if the rows shown did not change.  For the household list this came on top of the
paint that shows a keystroke's first page: when its count came in (``HouseholdTableModel``: the rows beyond the
first page are appended) the visible rows were laid out and painted again, unchanged, each paint of them taking
about as long as the first page's query.  Rows appended below the last visible one now only set the scroll bar's
range (``updateGeometries``).  And a reset is laid out at once: a paint asked for at once (``repaint()``, as the
benchmark's) showed the rows before their layout and was followed by a second one; in the application's own event
loop the layout came before the paint already.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QTableView

APPENDED, OTHER = "appended", "other"


class HouseholdTableView(QTableView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # What changed since the rows were last laid out: None (nothing), APPENDED (rows appended below the
        # visible ones, and nothing else), OTHER.
        self._since_layout: str | None = OTHER

    def setModel(self, model: QAbstractItemModel | None) -> None:
        previous = self.model()
        if previous is not None:
            for signal, slot in self._followed(previous):
                signal.disconnect(slot)
        super().setModel(model)  # the view's own connections first: ours run after them
        self._since_layout = OTHER
        if model is not None:
            for signal, slot in self._followed(model):
                signal.connect(slot)

    def _followed(self, model: QAbstractItemModel) -> list:
        """The model's signals this view follows, each with its slot."""
        others = (model.rowsRemoved, model.rowsMoved, model.layoutChanged, model.columnsInserted)
        return [(model.modelReset, self._reset), (model.rowsInserted, self._rows_inserted)] + [
            (signal, self._other_change) for signal in others
        ]

    def _reset(self) -> None:
        self._since_layout = OTHER
        self.executeDelayedItemsLayout()  # now, so that the next paint shows the rows laid out (and is the only one)

    def _rows_inserted(self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        model = self.model()
        appended = not parent.isValid() and last == model.rowCount() - 1
        bottom = self.rowAt(self.viewport().height() - 1)  # -1: the rows end above the viewport's bottom
        below = appended and bottom != -1 and first > bottom
        self._since_layout = APPENDED if below and self._since_layout in (None, APPENDED) else OTHER

    def _other_change(self, *_args) -> None:
        self._since_layout = OTHER

    def doItemsLayout(self) -> None:
        appended_only, self._since_layout = self._since_layout == APPENDED, None
        if appended_only:
            self.updateGeometries()  # the scroll bar's range; the rows shown are unchanged
        else:
            super().doItemsLayout()
