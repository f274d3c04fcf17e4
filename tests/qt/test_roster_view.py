"""Issue 18, the national system's roster in the window: File → The national system's roster opens the
comparison; the user opens the national roster, sees each difference with its rule (ID-3, ID-4), filters
them, and saves the correction list; a bad file is named and nothing is shown or written."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog

from xinjie_desktop.core.records import national_roster

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("XINJIE_ROSTER_SHOTS", "/tmp/roster"))


def national_roster_file(store, folder: Path) -> tuple[Path, str, int]:
    """The township's roster as the national system would return it with one household's population changed."""
    path = folder / "national.xlsx"
    national_roster.export(store, path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    number = sheet.cell(3, column["户编号"]).value
    population = sheet.cell(3, column["人数"]).value
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, column["户编号"]).value == number:
            sheet.cell(row, column["人数"]).value = population + 2
    book.save(path)
    return path, number, population


def open_dialog(qtbot, window):
    window.roster_action.trigger()
    dialog = window.findChild(QDialog, "roster_dialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def grab(dialog, name: str) -> None:
    dialog.resize(1366, 768)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / name))


def test_open_the_national_roster_see_the_differences_mark_one_corrected_filter_and_save_the_correction_list(
    qtbot, window, demo_store, tmp_path, monkeypatch, type_text
):
    """ID-4: a population the national system records differently is listed with its meaning; marked as
    entered into the national system, it shows who entered it and when, in the window and the saved list."""
    path, number, population = national_roster_file(demo_store, tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    dialog = open_dialog(qtbot, window)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1 and dialog.open_button.isEnabled(), timeout=20_000)
    row = [dialog.model.data(dialog.model.index(0, column)) for column in range(dialog.model.columnCount())]
    assert row[1] == "differs" and row[3] == number and row[6] == "population"
    assert (row[7], row[8], row[9]) == (str(population + 2), str(population), "ID-4")
    assert "actual population" in row[10]
    assert "Only in the national system: 0; only in the township: 0; different: 1." == dialog.summary.text()

    assert not dialog.mark_button.isEnabled()  # nothing chosen, nobody named
    cell = dialog.view.visualRect(dialog.model.index(0, 5)).center()
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    type_text(dialog.entered_by, "李文书")
    assert dialog.mark_button.isEnabled()
    qtbot.mouseClick(dialog.mark_button, Qt.MouseButton.LeftButton)
    assert dialog.model.data(dialog.model.index(0, 11)) == f"{dt.date.today():%Y-%m-%d} 李文书"
    assert [c.entered_by for c in national_roster.corrections(demo_store).values()] == ["李文书"]
    assert "1 difference recorded" in dialog.summary.text()
    grab(dialog, "roster-comparison.png")

    dialog.side_box.setFocus()
    qtbot.keyClick(dialog.side_box, Qt.Key.Key_Down)  # only in the national system
    assert dialog.side_box.currentData() == "only_national" and dialog.model.rowCount() == 0
    qtbot.keyClick(dialog.side_box, Qt.Key.Key_End)  # different
    assert dialog.model.rowCount() == 1

    saved = tmp_path / "更正清单"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(saved), ""))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    written = saved.with_name("更正清单.xlsx")
    listed = list(openpyxl.load_workbook(written).active.values)
    assert listed[2][3] == number and listed[2][9] == "ID-4" and listed[2][11].endswith("李文书")
    assert "Correction list saved (1 difference)" in dialog.summary.text()


def test_a_bad_file_is_named_and_nothing_is_shown_or_written(qtbot, window, demo_store, tmp_path, monkeypatch):
    given = tmp_path / "名单.xlsx"
    given.write_bytes(b"%PDF-1.7 not a workbook")
    before = hashlib.sha256(Path(demo_store.path).read_bytes()).hexdigest()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(given), ""))
    dialog = open_dialog(qtbot, window)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not an Excel workbook" in dialog.file_label.text(), timeout=20_000)
    assert dialog.model.rowCount() == 0 and not dialog.save_button.isEnabled()
    assert "名单.xlsx" in dialog.file_label.text()
    grab(dialog, "roster-bad-file.png")
    assert hashlib.sha256(Path(demo_store.path).read_bytes()).hexdigest() == before


def test_export_the_townships_roster_from_the_window(qtbot, window, demo_store, tmp_path, monkeypatch):
    """The township's roster in the national system's layout, written in the background, reads back clean."""
    target = tmp_path / "本乡"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    dialog = open_dialog(qtbot, window)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: dialog.export_button.isEnabled() and "Roster written" in dialog.summary.text(), timeout=20_000
    )
    written = target.with_name("本乡.xlsx")
    _roster, found = national_roster.compare_file(demo_store, written)
    assert found.differences == [] and found.national_people > 0


def test_the_window_stays_open_until_the_roster_is_read(qtbot, prepared_app, demo_store, tmp_path, monkeypatch):
    """No thread is left reading the store behind a closed window: Close waits for the reading to end."""
    import threading

    from xinjie_desktop.qt.roster.roster_view import RosterComparisonDialog

    path, _number, _population = national_roster_file(demo_store, tmp_path)
    reading = threading.Event()
    compare_file = national_roster.compare_file

    def slow_compare(store, given):
        reading.wait(20)
        return compare_file(store, given)

    monkeypatch.setattr(national_roster, "compare_file", slow_compare)
    dialog = RosterComparisonDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load(path)
    dialog.done(0)
    reading.set()
    assert dialog.isVisible() and "Still working" in dialog.summary.text()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=20_000)
    dialog.done(0)
    assert not dialog.isVisible()


@pytest.mark.parametrize("role", ["auditor", "work_team"])
def test_the_roster_per_role_an_auditor_compares_and_saves_and_never_marks(
    qtbot, window, demo_store, tmp_path, monkeypatch, role
):
    """Issue 18 and 17: 纪检/审计 reads everything: File → The national system's roster is offered, the roster is
    compared, the correction list saved; marking differences as entered into the national system is not offered
    (the reason in the button's tip) and the data file is not written.  A work-team member is not offered the
    roster at all (every village's people)."""
    from xinjie_desktop.core.rules.permissions import Actor, Role

    path, number, _population = national_roster_file(demo_store, tmp_path)
    actor = Actor("7a1d0c6e-0000-4000-8000-000000000003", "赵审计", Role(role), frozenset())
    demo_store.actor = actor
    window.set_actor("赵审计", actor)
    if role == "work_team":
        assert not window.roster_action.isEnabled()
        return
    assert window.roster_action.isEnabled()
    before = hashlib.sha256(Path(demo_store.path).read_bytes()).hexdigest()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    dialog = open_dialog(qtbot, window)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1 and dialog.open_button.isEnabled(), timeout=20_000)
    cell = dialog.view.visualRect(dialog.model.index(0, 5)).center()
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert dialog.selected_differences()
    assert not dialog.entered_by.isEnabled() and not dialog.mark_button.isEnabled()
    assert "赵审计 (auditor) may not record corrections" in dialog.mark_button.toolTip()
    saved = tmp_path / "更正清单"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(saved), ""))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    listed = list(openpyxl.load_workbook(saved.with_name("更正清单.xlsx")).active.values)
    assert listed[2][3] == number
    dialog.resize(1366, 768)
    Path("/tmp/s10-fixes").mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save("/tmp/s10-fixes/roster_auditor.png")
    assert national_roster.corrections(demo_store) == {}
    assert hashlib.sha256(Path(demo_store.path).read_bytes()).hexdigest() == before
