"""Issues 18, 19: the new house's building progress (建房进度) in the household window, driven like a user: the
stages with their days, the next one recorded with its date box, a refusal shown in words with nothing written."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from test_household_editor import click_tab, editor_store, group_ids, open_editor  # noqa: F401

from funds_builders import TODAY, relocation_household
from user_actions import retype
from xinjie_desktop.core.records import building
from xinjie_desktop.core.store.models import Township
from xinjie_desktop.qt.households.household_editor import RELOCATION_TAB
from xinjie_desktop.qt.relocation.relocation_tab import BUILDING_TAB

pytestmark = pytest.mark.gui
SHOTS = Path("/tmp/s10-build")


def open_panel(qtbot, editor):
    click_tab(qtbot, editor, RELOCATION_TAB)
    tabs = editor.relocation_tab.inner_tabs
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(BUILDING_TAB).center())
    assert tabs.currentIndex() == BUILDING_TAB
    panel = editor.relocation_tab.building_panel
    panel.today = TODAY
    return panel


def column(panel, index: int) -> list[str]:
    return [panel.table.item(row, index).text() for row in range(panel.table.rowCount())]


@pytest.fixture
def household(editor_store, group_ids):  # noqa: F811
    with editor_store.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    return relocation_household(editor_store, group_ids["G1"], 40, built=False)


def test_stages_recorded_in_the_window_and_a_refusal_shown_in_words(
    qtbot,
    prepared_app,
    editor_store,  # noqa: F811
    household,
    open_editor,  # noqa: F811
    type_text,
):
    editor = open_editor(household)
    panel = open_panel(qtbot, editor)
    assert column(panel, 1) == ["—"] * 4 and panel.form_box.isEnabled()
    assert panel.next_label.text() == "foundation laid (building started)"
    retype(qtbot, panel.reached_edit, "2017-06-05")  # after the panel's today: refused, in words
    retype(qtbot, panel.recorded_by_edit, "")
    type_text(panel.recorded_by_edit, "王芳")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert "cannot be dated in the future" in panel.message.text()
    assert building.stages(editor_store, household) == []
    retype(qtbot, panel.reached_edit, "2017-04-25")
    retype(qtbot, panel.evidence_edit, "")
    type_text(panel.evidence_edit, "地基验收照片")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert "Recorded: foundation laid (building started) on 2017-04-25" in panel.message.text()
    assert column(panel, 1) == ["2017-04-25", "—", "—", "—"] and column(panel, 2)[0] == "王芳"
    assert panel.next_label.text() == "main structure completed"
    retype(qtbot, panel.reached_edit, "2017-04-20")  # before the foundation: the dates never go back
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert "cannot be dated before “foundation laid (building started)”, reached on 2017-04-25" in panel.message.text()
    assert len(building.stages(editor_store, household)) == 1
    retype(qtbot, panel.reached_edit, "2017-05-20")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert column(panel, 1)[:2] == ["2017-04-25", "2017-05-20"]
    editor.resize(QSize(1366, 768))
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert editor.grab().save(str(SHOTS / "building_panel.png"))


def test_a_household_not_signed_cannot_record_and_says_why(
    qtbot,
    prepared_app,
    editor_store,  # noqa: F811
    household,
    open_editor,  # noqa: F811
):
    from xinjie_desktop.core.records import agreements

    info = agreements.current_agreements(editor_store, household)["relocation"]
    agreements.void(editor_store, info.id, "户主姓名录入有误", dt.date(2017, 4, 22))
    panel = open_panel(qtbot, open_editor(household))
    assert not panel.form_box.isEnabled()
    assert "relocation agreement is not signed yet" in panel.eligibility_label.text()
