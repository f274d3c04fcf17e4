# ruff: noqa: F811  (the fixtures imported from test_agreements_tab are parameters here)
"""Issue 18, one archive per household (一户一档) from the window: the village documents dialog's batch page
writes one archive PDF per household of the village into a folder, in the background, with progress and
Cancel (a cancelled run leaves no file); driven like a user, clicks on the radio button and the buttons."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import func, select
from test_agreements_tab import documents, village, village_with_agreements  # noqa: F401  (fixtures)

from xinjie_desktop.core.store.models import Household

pytestmark = pytest.mark.gui

SCREENSHOTS = Path(os.environ.get("XINJIE_SCREENSHOTS", "/tmp/archive"))


def choose_archives(qtbot, page) -> None:
    """Click the radio button on its circle (the button is as wide as the page; its middle is empty space)."""
    radio = page.archives_radio
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))


def _households(store, village_id: str) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Household).where(Household.village_id == village_id))


def test_archives_of_a_village_in_the_background_with_progress(qtbot, documents, village_with_agreements, tmp_path):
    """一户一档 for the village: chosen with its radio button, rendered by the worker (progress to the number of
    households), one PDF per household in the folder, the folder offered to open; Print is for one PDF only."""
    page = documents.batch_page
    choose_archives(qtbot, page)
    assert page.archives_radio.isChecked() and page.kind() == "archives"
    assert not page.print_button.isVisibleTo(page)
    folder = tmp_path / "archives"
    qtbot.keyClicks(page.path_edit, str(folder))
    count = _households(documents.store, documents.village_id())
    reports = []
    with qtbot.waitSignal(page.finished, timeout=120_000) as blocker:
        qtbot.mouseClick(page.render_button, Qt.MouseButton.LeftButton)
        assert page.worker is not None
        page.worker.progressed.connect(lambda done, total: reports.append((done, total)))
        assert not page.render_button.isEnabled() and page.cancel_button.isEnabled()
    assert blocker.args == ["succeeded"]
    pdfs = sorted(folder.glob("*.pdf"))
    assert len(pdfs) == count == 3 and all(PdfReader(p).pages for p in pdfs)
    assert page.progress.maximum() == count and page.progress.value() == count
    assert str(count) in page.message.text() and str(folder) in page.message.text()
    assert page.open_button.isEnabled() and page.open_button.text() == "Open the folder"
    documents.resize(1366, 768)
    documents.grab().save(str(SCREENSHOTS / "village-archives.png"))


def test_archives_cancelled_leave_no_file(qtbot, documents, village_with_agreements, tmp_path):
    """Cancel stops the archives before the next household; those written are removed again."""
    page = documents.batch_page
    choose_archives(qtbot, page)
    folder = tmp_path / "archives"
    page.path_edit.setText(str(folder))
    with qtbot.waitSignal(page.finished, timeout=120_000) as blocker:
        qtbot.mouseClick(page.render_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["cancelled"]
    assert not folder.exists() or list(folder.iterdir()) == []
    assert "Cancelled" in page.message.text() and page.render_button.isEnabled()
