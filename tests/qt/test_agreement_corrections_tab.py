"""The agreements tab keeps the printed text true to the store (issue 14), driven like a user.

AG-1: a draft whose household changed since drafting says what changed and is filled in again with
one click ("agreements.edit"); a voided agreement's successor is drafted from the records as they
are now.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from test_agreements_tab import household_id, select_kind, tab, village  # noqa: F401

from xinjie_desktop.core.records import agreements
from xinjie_desktop.core.store.models import Household

pytestmark = pytest.mark.gui


def test_AG_1_stale_draft_is_marked_and_filled_in_again(qtbot, tab, store):  # noqa: F811
    tab.draft_missing()
    item = select_kind(tab, "relocation")
    assert tab.stale_label.isHidden()
    assert tab.edit_button.isEnabled()
    with store.unit_of_work() as session:
        session.get(Household, tab.household_id).address = "青山村第二组8号"
    tab.refresh()
    select_kind(tab, "relocation")
    assert tab.stale_label.isVisible() and "address" in tab.stale_label.text()
    assert "out of date" in tab.model.index(tab.model.items.index(tab.selected()), 5).data()
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    assert tab.stale_label.isHidden()
    assert agreements.stale_fields(store, item.id) == []
    assert "filled in again" in tab.message.text()


def test_AG_1_signed_agreement_whose_household_changed_says_to_void(qtbot, tab, store, tmp_path):  # noqa: F811
    tab.draft_missing()
    select_kind(tab, "employment")
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    assert tab.mark_signed_on_paper(scan, True, tab.deadline_edit.value())
    with store.unit_of_work() as session:
        session.get(Household, tab.household_id).address = "青山村第二组8号"
    tab.refresh()
    select_kind(tab, "employment", "signed")
    assert not tab.edit_button.isEnabled()
    assert tab.stale_label.isVisible() and "Void" in tab.stale_label.text()
    new_id = tab.void_selected("地址写错")
    assert tab.selected().id == new_id and tab.stale_label.isHidden()
