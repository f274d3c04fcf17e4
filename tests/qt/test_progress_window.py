"""Progress at a glance on the screen (issue 18), driven like a user: View → Progress at a glance over the lived-in
demo township; a number clicked shows exactly those households in the main window's list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from xinjie_desktop.core.records import progress
from xinjie_desktop.core.sync import demo_township
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.qt.progress.progress_view import ProgressDialog
from xinjie_desktop.qt.shell.app import create_main_window

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/progress/shots")
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("progress-window") / "demo.sqlite")
    demo_township.build(store, 4, 120, seed=3, today=TODAY)
    yield store
    store.close()


def _open(qtbot, store):
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert window.progress_action.isEnabled()
    window.progress_action.trigger()
    dialog = window.findChild(ProgressDialog)
    assert dialog is not None
    dialog.resize(1366, 768)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.view.model.progress is not None, timeout=20000)
    return window, dialog


def _click(qtbot, view, row: int, column: int) -> None:
    index = view.model.index(row, column)
    view.table.scrollTo(index)
    rect = view.table.visualRect(index)
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _listed(window) -> list[str]:
    model = window.workspace.model
    return sorted(model.household_id(row) for row in range(model.rowCount()))


@pytest.mark.parametrize(("key", "village"), [("demolition_overdue", False), ("flag_below_line", True)])
def test_every_number_opens_the_list_of_those_households(qtbot, prepared_app, lived_in, key, village):
    """Issue 18: clicking a figure's number (the township's, or one village's) shows in the main window's list
    exactly the households that figure counts, and says which list it is."""
    window, dialog = _open(qtbot, lived_in)
    view = dialog.view
    found = view.model.progress
    column = 1
    if village:
        column = 2 + next(i for i, v in enumerate(found.villages) if v.figures[key])
    row = view.model.row_of(key)
    shown = int(view.model.index(row, column).data())
    assert shown == found.value(key, view.model.village_at(column)) > 0
    _click(qtbot, view, row, column)
    qtbot.waitUntil(lambda: window.workspace.model.list_filter().figure is not None)
    expected = sorted(
        progress.households(lived_in, progress.Selection(key, found.as_of), view.model.village_at(column))
    )
    qtbot.waitUntil(lambda: _listed(window) == expected, timeout=5000)
    assert len(expected) == shown
    item = window.workspace.navigation.currentItem()
    assert str(shown) in item.text(0)
    assert window.workspace.filter_bar.village_id() == view.model.village_at(column)


def test_the_progress_view_at_1366_by_768(qtbot, prepared_app, lived_in):
    """The table by village with the township first, and the two charts; rendered for a person to look at."""
    window, dialog = _open(qtbot, lived_in)
    view = dialog.view
    assert view.model.columnCount() == 2 + len(view.model.progress.villages)
    assert view.model.headerData(1, Qt.Orientation.Horizontal) == "Township"
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "progress-view.png"))
    _click(qtbot, view, view.model.row_of("relocation_verified"), 1)
    qtbot.waitUntil(lambda: window.workspace.model.list_filter().figure is not None)
    window.resize(1366, 768)
    assert window.grab().save(str(SHOTS / "progress-list.png"))


def test_WT_2_the_weeks_bulletin_issued_in_the_background_kept_listed_and_opened(
    qtbot, prepared_app, lived_in, monkeypatch, tmp_path
):
    """WT-2: the 「Weekly bulletins」 tab issues the chosen week's bulletin in the background with its progress,
    lists it by week, and opens it as issued (saved into the documents folder first)."""
    from xinjie_desktop.core.records import bulletins
    from xinjie_desktop.qt.shell import documents

    opened = []
    monkeypatch.setattr(documents, "open_document", lambda _parent, path: opened.append(path) or True)
    window, dialog = _open(qtbot, lived_in)
    panel = dialog.bulletins
    dialog.tabs.setCurrentWidget(panel)
    week = progress.iso_week(TODAY)
    assert panel.week_combo.currentData() == week
    seen = []
    panel.bar.valueChanged.connect(seen.append)
    qtbot.mouseClick(panel.issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: week in panel.weeks() and not panel.is_busy(), timeout=30000)
    assert seen and max(seen) == bulletins.STEPS
    assert panel.selected_week() == week and panel.open_button.isEnabled()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "bulletins-tab.png"))
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    (path,) = opened
    assert path.read_bytes() == bulletins.pdf_bytes(lived_in, week)
