"""Files and paper (issue 16): a saved PDF lands in the user's documents folder, by village, household head,
kind and date; "Preview / print" opens the PDF viewer, or says where the file is when there is none; the
sync board's words are never cut."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from builders import family_draft
from xinjie_desktop.core.records import demo_data, households, township
from xinjie_desktop.core.sync import exporting
from xinjie_desktop.qt.agreements.agreements_tab import AgreementsTab
from xinjie_desktop.qt.relocation.relocation_tab import RelocationTab
from xinjie_desktop.qt.shell import documents
from xinjie_desktop.qt.sync.sync_board_view import KEYS, SyncBoardDialog

TODAY = dt.date.today().isoformat()
SENTENCES = ("missing", "unacknowledged", "problem")  # the board's columns of words: wrapped, never cut


@pytest.fixture
def documents_folder(tmp_path, monkeypatch):
    """The user's Documents folder (a tmp folder), no folder chosen before."""
    folder = tmp_path / "Documents"
    folder.mkdir()
    monkeypatch.setenv(documents.DOCUMENTS_ENV, str(folder))
    QSettings().remove(documents.FOLDER_KEY)
    yield folder
    QSettings().remove(documents.FOLDER_KEY)


@pytest.fixture
def household_id(store):
    township.set_up(store, "辛街乡", "C", {"青山村": ["一组"], "绿水村": ["一组"]})
    with store.session() as session:
        group = next(g for g in township.groups(session) if g.village_name == "青山村").id
    return households.save(store, family_draft(group, national_number="5305020001"))


@pytest.fixture
def opened(monkeypatch):
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url.toLocalFile()) or True)
    return urls


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def test_the_plan_summary_is_saved_in_the_villages_documents_folder_and_opened(
    qtbot, prepared_app, store, household_id, documents_folder, opened, monkeypatch
):
    tab = shown(qtbot, RelocationTab(store, household_id))
    suggested = []

    def save_dialog(parent, title, path, filters):
        suggested.append(path)
        return path, filters  # the user accepts the suggested place and name

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    app_folder = documents_folder / documents.app_folder_name()
    expected = app_folder / "青山村" / f"杨明-housing plan summary-{TODAY}.pdf"
    assert suggested == [str(expected)]
    assert expected.read_bytes().startswith(b"%PDF") and opened == [str(expected)]

    # A folder chosen elsewhere is remembered: the next summary is suggested there, by village.
    elsewhere = documents_folder.parent / "U盘" / "青山村"
    elsewhere.mkdir(parents=True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(elsewhere / "plan.pdf"), ""))
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    assert (elsewhere / "plan.pdf").exists()
    assert documents.documents_root() == elsewhere.parent
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    assert suggested[-1] == str(elsewhere / f"杨明-housing plan summary-{TODAY}.pdf")


def test_preview_opens_the_viewer_or_says_where_the_file_is(
    qtbot, prepared_app, store, household_id, documents_folder, monkeypatch
):
    tab = shown(qtbot, AgreementsTab(store, household_id))
    tab.draft_missing()
    tab.view.selectRow(0)
    calls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: calls.append(url.toLocalFile()) or False)
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)  # 预览/打印, with no PDF viewer installed
    (path,) = (Path(p) for p in calls)
    assert path.parent == documents_folder / documents.app_folder_name() / "青山村"
    assert path.name.startswith("杨明-") and TODAY in path.name and path.read_bytes().startswith(b"%PDF")
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "document_where_box" and w.isVisible())
    assert isinstance(box, QMessageBox) and str(path) in box.text() and "PDF reader" in box.text()
    box.grab().save(str(screenshot_folder() / "where-it-is.png"))
    tab.grab().save(str(screenshot_folder() / "where-it-is-tab.png"))
    folder_button = box.findChild(QPushButton, "open_folder_button")
    qtbot.mouseClick(folder_button, Qt.MouseButton.LeftButton)  # "Open the folder"
    assert calls[-1] == str(path.parent)
    assert str(path) in tab.message.text()


def screenshot_folder() -> Path:
    folder = Path(os.environ.get("XINJIE_PAPER_SHOTS", "")) if os.environ.get("XINJIE_PAPER_SHOTS") else None
    if folder is None:
        import tempfile

        folder = Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_sync_board_cuts_no_words(qtbot, prepared_app, world):
    """ "对方尚未确认：本电脑的第 2933–2934 号更…" was cut: the words wrap, the row grows to hold them."""
    laptop = world.laptop(0)
    demo_data.add_households(laptop, 3, seed=1)
    exporting.export(laptop, world.stick)
    dialog = SyncBoardDialog(laptop)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 500)
    with qtbot.waitExposed(dialog):
        dialog.show()
    view, model = dialog.view, dialog.model
    metrics = view.fontMetrics()
    waiting = model.index(0, KEYS.index("unacknowledged")).data()
    assert waiting.startswith("辛街乡 has not yet confirmed the work on 3 households"), waiting
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            text = model.index(row, column).data()
            room = view.columnWidth(column) - 8
            if KEYS[column] in SENTENCES:
                needed = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, text).height()
                assert needed <= view.rowHeight(row), (text, needed, view.rowHeight(row))
            else:
                assert metrics.horizontalAdvance(text) <= room, (text, room)
    dialog.grab().save(str(screenshot_folder() / "sync-board.png"))


def test_a_village_batch_with_no_file_chosen_goes_to_the_villages_documents_folder(
    qtbot, prepared_app, store, household_id, documents_folder, opened
):
    from xinjie_desktop.core.records import agreements
    from xinjie_desktop.qt.notices.village_documents import VillageDocumentsDialog

    today = dt.date.today()
    agreements.draft_missing(store, household_id, demolition_deadline=today + dt.timedelta(days=60), today=today)
    with store.session() as session:
        village_id = next(g.village_id for g in township.groups(session) if g.village_name == "青山村")
    dialog = shown(qtbot, VillageDocumentsDialog(store, village_id))
    page = dialog.batch_page
    folder = documents_folder / documents.app_folder_name() / "青山村"
    expected = folder / f"agreements of the village-{TODAY}.pdf"
    assert str(expected) in page.path_edit.placeholderText()  # where it goes, before it goes
    for round_ in (1, 2):  # the second batch of the day does not overwrite the first
        with qtbot.waitSignal(page.finished, timeout=60_000) as blocker:
            qtbot.mouseClick(page.render_button, Qt.MouseButton.LeftButton)
        assert blocker.args == ["succeeded"], page.message.text()
        written = expected if round_ == 1 else expected.with_name(f"{expected.stem}-2.pdf")
        assert written.read_bytes().startswith(b"%PDF")
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
        assert opened[-1] == str(written)
    assert sorted(p.name for p in folder.iterdir()) == sorted([expected.name, f"{expected.stem}-2.pdf"])
