"""A newcomer opens the demo township (issue 16, "Set-up and demo data"): every main screen shows something.

The window at 1366×768 on the demo store (core.sync.demo_township); each screen is grabbed to a PNG in
``<tmp>/xinjie-demo-screens`` to be looked at: the household list, the editor's tabs, relocation, the
agreements, the village's notices and overdue demolitions, the conflicts and duplicates, the sync board,
the backups."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from xinjie_desktop.core.store.models import Agreement, Household, PublicNotice
from xinjie_desktop.core.sync import demo_township
from xinjie_desktop.core.sync.workstore import open_store

pytestmark = pytest.mark.gui

SHOTS = Path(tempfile.gettempdir()) / "xinjie-demo-screens"
SIZE = (1366, 768)


@pytest.fixture
def chinese(prepared_app):
    from xinjie_desktop.qt.shell.app import prepare_application

    yield prepare_application(prepared_app, "zh_CN")
    prepare_application(prepared_app, "en")


@pytest.fixture
def demo(tmp_path):
    store = open_store(tmp_path / "示例乡.sqlite")
    demo_township.build(store, 4, 160, seed=1)
    yield store
    store.close()


def grab(widget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path)), path
    return path


def test_every_main_screen_of_the_demo_shows_something(qtbot, chinese, demo):
    from xinjie_desktop.qt.households.household_editor import (
        AGREEMENTS_TAB,
        FLAGS_TAB,
        RELOCATION_TAB,
        WORKFLOW_TAB,
    )
    from xinjie_desktop.qt.shell.app import create_main_window

    store = demo
    with store.session() as session:
        voided = session.scalars(select(Agreement).where(Agreement.status == "voided")).one()
        household = session.get(Household, voided.household_id)
        household_id = household.id
        notice_village = session.scalars(select(PublicNotice.village_id)).first()

    window = create_main_window(store)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    assert window.model.rowCount() > 0
    grab(window, "01-household-list.png")

    # Find the household whose agreement was voided and re-issued, and open it with Enter.
    assert window._workspace.select_household(household_id)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    editor = window.editor()
    assert editor is not None and editor.household_id == household_id
    for index, name in enumerate(("basic", "members", "income", "workflow", "flags")):
        editor.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        grab(window, f"02-editor-{index}-{name}.png")
    editor.tabs.setCurrentIndex(WORKFLOW_TAB)
    editor.tabs.setCurrentIndex(FLAGS_TAB)

    editor.tabs.setCurrentIndex(RELOCATION_TAB)
    relocation = editor.relocation_tab
    assert relocation.draft().in_scope  # the saved verification is shown
    relocation.inner_tabs.setCurrentIndex(0)
    qtbot.wait(20)
    grab(window, "03-relocation-verification.png")
    relocation.inner_tabs.setCurrentIndex(1)
    qtbot.wait(50)
    grab(window, "03-relocation-plan.png")

    editor.tabs.setCurrentIndex(AGREEMENTS_TAB)
    agreements = editor.agreements_tab
    qtbot.wait(50)
    assert agreements.view.model().rowCount() >= 4  # three signed, the voided one, its re-issued draft
    grab(window, "04-agreements.png")

    # Back to the list, then the village's documents: its notices, then the overdue demolitions.
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    documents = window.open_village_documents()
    documents.resize(1200, 700)
    documents.village_combo.setCurrentIndex(documents.village_combo.findData(notice_village))
    documents.tabs.setCurrentWidget(documents.notices_page)
    notices = documents.notices_page
    assert notices.notice_table.rowCount() == 2  # the first posting and the second (the audit's result)
    first = notices.notice_table.visualItemRect(notices.notice_table.item(0, 0)).center()
    qtbot.mouseClick(notices.notice_table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    assert notices.objection_table.rowCount() == 2
    qtbot.wait(50)
    grab(documents, "05-notices.png")
    with store.session() as session:
        overdue_village = session.scalars(
            select(Household.village_id)
            .join(Agreement, Agreement.household_id == Household.id)
            .where(Agreement.kind == "demolition", Agreement.demolition_deadline < dt.date.today())
        ).first()
    documents.village_combo.setCurrentIndex(documents.village_combo.findData(overdue_village))
    documents.tabs.setCurrentWidget(documents.overdue_page)
    assert documents.overdue_page.table.rowCount() == 1
    qtbot.wait(50)
    grab(documents, "06-overdue-demolitions.png")
    documents.close()

    conflicts = window.open_conflicts()
    conflicts.resize(1200, 680)
    qtbot.waitExposed(conflicts)
    assert conflicts.model.rowCount() == 1
    qtbot.wait(200)
    grab(conflicts, "07-conflicts.png")
    conflicts.tabs.setCurrentIndex(1)
    qtbot.wait(20)
    grab(conflicts, "08-duplicates.png")
    conflicts.close()

    board = window.open_sync_board()
    board.resize(1300, 420)
    qtbot.waitExposed(board)
    assert board.model.rowCount() == 2
    grab(board, "09-sync-board.png")
    board.close()

    backups = window.open_backups()
    qtbot.waitExposed(backups)
    qtbot.wait(20)
    grab(backups, "10-backups.png")
    backups.close()
