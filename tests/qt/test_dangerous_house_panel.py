"""SB-3 dangerous houses in the household window (issue 14), driven like a user."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import func, select
from test_household_editor import click_tab, editor_store, group_ids, open_editor  # noqa: F401

from builders import family_draft
from xinjie_desktop.core.records import agreements, households
from xinjie_desktop.core.store.models import DangerousHouse, RelocationVerification
from xinjie_desktop.qt.households.household_editor import AGREEMENTS_TAB, RELOCATION_TAB
from xinjie_desktop.qt.relocation.relocation_tab import DANGEROUS_HOUSE_TAB

pytestmark = pytest.mark.gui


def type_into(qtbot, edit, text: str) -> None:
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(edit, text)


def open_panel(qtbot, editor):
    click_tab(qtbot, editor, RELOCATION_TAB)
    tabs = editor.relocation_tab.inner_tabs
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(DANGEROUS_HOUSE_TAB).center())
    assert tabs.currentIndex() == DANGEROUS_HOUSE_TAB
    return editor.relocation_tab.dangerous_panel


def test_SB_3_d_rebuild_recorded_in_the_window_and_its_co_ownership_agreement_drafted(
    qtbot,
    editor_store,  # noqa: F811
    group_ids,  # noqa: F811
    open_editor,  # noqa: F811
):
    household_id = households.save(editor_store, family_draft(group_ids["G1"], national_number="5305020001"))
    editor = open_editor(household_id)
    panel = open_panel(qtbot, editor)
    assert panel.form_box.isEnabled() and panel.people_spin.value() == 4
    panel.grade_combo.setFocus()
    panel.grade_combo.set_code("D")
    type_into(qtbot, panel.appraiser_edit, "Baoshan appraisal office")
    qtbot.mouseClick(panel.rebuild_check, Qt.MouseButton.LeftButton, pos=QPoint(8, panel.rebuild_check.height() // 2))
    type_into(qtbot, panel.start_edit, "2017-01-15")
    type_into(qtbot, panel.area_edit, "90")
    type_into(qtbot, panel.unit_cost_edit, "700")
    type_into(qtbot, panel.own_funds_edit, "5000")
    type_into(qtbot, panel.loan_edit, "60000")
    assert panel.rebuild_check.isChecked()
    assert "taken over by the district company" in panel.result_label.text()
    assert "D级危房户" in panel.result_label.text()  # the plan's words
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert "recorded" in panel.message.text()
    with editor_store.session() as session:
        assert session.scalar(select(func.count()).select_from(DangerousHouse)) == 1

    click_tab(qtbot, editor, AGREEMENTS_TAB)
    tab = editor.agreements_tab
    assert "dangerous house" in tab.applicable_label.text()
    qtbot.mouseClick(tab.draft_button, Qt.MouseButton.LeftButton)
    assert [item.kind for item in tab.model.items] == ["dangerous_house"]
    assert agreements.current_agreements(editor_store, household_id)["dangerous_house"].number.endswith("-WF-v1")


def test_SB_3_relocating_household_is_told_why_not(qtbot, editor_store, group_ids, open_editor):  # noqa: F811
    household_id = households.save(editor_store, family_draft(group_ids["G1"], national_number="5305020001"))
    with editor_store.unit_of_work() as session:
        session.add(RelocationVerification(household_id=household_id, in_scope=True))
    panel = open_panel(qtbot, open_editor(household_id))
    assert not panel.form_box.isEnabled()
    assert "relocation scope" in panel.eligibility_label.text()
    assert panel.record() is None
    with editor_store.session() as session:
        assert session.scalar(select(func.count()).select_from(DangerousHouse)) == 0
