"""Issue 19 in the window: the household editor's Delete household… asks first, then deletes; a household the
township keeps records of (payments from the relocation funds, FD-1) is refused in words under the tabs and
nothing is written."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QMessageBox

from builders import family_draft, renumber
from funds_builders import TODAY, FundsTown
from xinjie_desktop.core.records import funds, households
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.store.models import Household
from xinjie_desktop.qt.shell.app import create_main_window

pytestmark = pytest.mark.gui
SHOTS = Path("/tmp/s10-fixes")


def _files(store) -> tuple:
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (store.path, store.path.with_name(store.path.name + "-wal"))
    )


def test_FD_1_delete_from_the_editor_refused_in_words_for_a_paid_household(
    qtbot, prepared_app, store, group_id, monkeypatch
):
    town = FundsTown(store, group_id)
    funds.record_payment(
        store, town.registered, town.central, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY
    )
    plain = households.save(store, renumber(family_draft(group_id), 70))
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: asked.append(args) or QMessageBox.StandardButton.Yes
    )

    editor = window.workspace.open_household(town.registered)
    assert editor.delete_button.isEnabled()
    before = _files(store)
    qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    shown = editor.summary.text()
    assert shown.startswith("This household cannot be deleted: payments from the relocation funds have been made")
    assert _files(store) == before
    window.resize(QSize(1366, 768))
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "delete_refused.png"))

    count = window.workspace.model.rowCount()
    editor = window.workspace.open_household(plain)
    qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    with store.session() as session:
        assert session.get(Household, plain) is None
        assert session.get(Household, town.registered) is not None
    assert window.workspace.model.rowCount() == count - 1
    assert window.workspace.pages.currentWidget() is not window.workspace.editor_page


def test_a_new_household_has_nothing_to_delete(qtbot, prepared_app, store, group_id):
    window = create_main_window(store)
    qtbot.addWidget(window)
    editor = window.workspace.open_household(None)
    assert not editor.delete_button.isEnabled()
