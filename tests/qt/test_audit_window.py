"""The record of who did what on the screen (issue 17), driven like a user: File → Record of who did what at the
township office, its filters typed and chosen, the table read a page at a time; refused to a work-team member."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt

from builders import family_draft, renumber
from sync_world import World, edit, group_of
from xinjie_desktop.core.records import demo_data, households
from xinjie_desktop.core.rules.permissions import Actor, Role
from xinjie_desktop.qt.audit.audit_view import AuditDialog
from xinjie_desktop.qt.shell.app import create_main_window

pytestmark = pytest.mark.gui

WANG = Actor("7a1d0c6e-0000-4000-8000-000000000001", "王芳", Role.WORK_TEAM, frozenset())
LI = Actor("7a1d0c6e-0000-4000-8000-000000000002", "李明", Role.WORK_TEAM, frozenset())
ZHAO = Actor("7a1d0c6e-0000-4000-8000-000000000003", "赵审计", Role.AUDITOR, frozenset())
SHOTS = Path("/tmp/audit")


@pytest.fixture
def township(tmp_path):
    world = World(tmp_path / "world", laptops=2)
    qingshan, lushui = world.laptop(0), world.laptop(1)
    qingshan.actor, lushui.actor = WANG, LI
    first = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    edit(qingshan, first, phone="13800000001")
    households.save(lushui, renumber(family_draft(group_of(lushui, "绿水村")), 40))
    demo_data.add_households(lushui, 60, seed=5)  # enough entries for more than one page
    world.sync(qingshan)
    world.sync(lushui)
    world.township.actor = ZHAO
    yield world.township, first
    world.close()


def _open(qtbot, store) -> tuple[object, AuditDialog]:
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.audit_action.isEnabled()
    window.audit_action.trigger()
    dialog = window.findChild(AuditDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return window, dialog


def _column(dialog: AuditDialog, name: str) -> set[str]:
    model = dialog.model
    column = model.COLUMNS.index(name)
    return {model.index(row, column).data() for row in range(model.rowCount())}


@pytest.fixture
def type_over(qtbot, type_text):
    """Select what the field holds, type ``text`` over it (Chinese as an input method commits it), press Enter."""

    def type_into(field, text: str) -> None:
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(field, Qt.Key.Key_Backspace)
        type_text(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)

    return type_into


def test_the_auditor_filters_the_record_by_person_village_household_and_date(qtbot, prepared_app, township, type_over):
    """Issue 17: shown to 纪检/审计 with filters by person, village, household and date."""
    store, first = township
    _window, dialog = _open(qtbot, store)
    model = dialog.model
    everything = model.total
    assert everything > 200 and model.rowCount() == 200  # the first page; the rest as the table scrolls
    assert "found intact" in dialog.chain.text()
    dialog.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 200)

    type_over(dialog.person, "王芳")
    assert _column(dialog, "person") == {"王芳"} and 0 < model.total < everything
    assert dialog.count.text() == f"{model.total} entries"
    changed = [entry for entry in model.entries if entry.action == "changed"]
    assert len(changed) == 1 and "13800000001" in model.text(changed[0], "fields")

    type_over(dialog.person, "")
    dialog.village.setFocus()  # the village chosen from the list with the keyboard
    while dialog.village.currentText() != "绿水村":
        qtbot.keyClick(dialog.village, Qt.Key.Key_Down)
    assert _column(dialog, "village") == {"绿水村"}
    assert "王芳" not in _column(dialog, "person")

    qtbot.keyClick(dialog.village, Qt.Key.Key_Home)
    assert dialog.village.currentIndex() == 0
    type_over(dialog.household, "杨明")
    assert _column(dialog, "household") == {"杨明"} and {"王芳", "李明"} <= _column(dialog, "person")
    type_over(dialog.household, first)
    assert _column(dialog, "person") == {"王芳"}

    type_over(dialog.household, "")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    type_over(dialog.date_from, tomorrow)
    assert model.total == 0 and model.rowCount() == 0 and dialog.count.text() == "0 entries"
    type_over(dialog.date_from, dt.date.today().isoformat())
    assert model.total == everything

    type_over(dialog.person, "王芳")
    dialog.resize(QSize(1366, 768))
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "audit_window.png"))


def test_the_record_is_refused_to_a_work_team_member(qtbot, prepared_app, township):
    """Issue 17: reading the record of who did what is for township_admin and auditor."""
    store, _first = township
    store.actor = WANG
    _window, dialog = _open(qtbot, store)
    assert not dialog.allowed and "王芳 (work-team member) may not read the record" in dialog.chain.text()
    assert not dialog.table.isEnabled() and dialog.model.rowCount() == 0


def test_a_broken_chain_is_shown_above_the_table(qtbot, prepared_app, township):
    """Issue 17: a removed entry is named where the auditor reads the record."""
    import sqlite3
    from contextlib import closing

    store, _first = township
    with closing(sqlite3.connect(store.path)) as connection, connection:
        origin, seq = connection.execute(
            "SELECT origin_device, seq FROM audit_record WHERE account_name = '王芳' ORDER BY seq LIMIT 1 OFFSET 1"
        ).fetchone()
        connection.execute("DELETE FROM audit_record WHERE origin_device = ? AND seq = ?", (origin, seq))
    _window, dialog = _open(qtbot, store)
    assert "chain of hashes is broken" in dialog.chain.text()
    assert f"Entry {seq} of 青山村笔记本 (device {origin})" in dialog.chain.text()


def test_the_auditor_saves_the_filtered_record_as_a_pdf_and_prints_it(qtbot, prepared_app, township, monkeypatch):
    """Issue 17: the record of who did what, printable as PDF from the window: the entries the filters show,
    saved in the documents folder, then the print dialog for it."""
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QDialog

    asked = []
    monkeypatch.setattr(
        QPrintDialog, "exec", lambda dialog: asked.append(dialog.windowTitle()) or QDialog.DialogCode.Rejected
    )
    store, _first = township
    _window, dialog = _open(qtbot, store)
    dialog.person.setText("王芳")
    dialog.apply()
    shown = dialog.model.total
    assert 0 < shown
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)
    saved = dialog.chain.text()
    assert f"{shown} entries saved as" in saved or asked
    pdfs = sorted(Path(os.environ["XINJIE_DOCUMENTS"]).rglob("*record of who did what*.pdf"))
    assert pdfs and "王芳" in "".join(page.extract_text() for page in PdfReader(pdfs[-1]).pages)
