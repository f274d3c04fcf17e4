"""Work teams on the screen (issue 20), driven like a user: File → Work teams opens a member's day (the visits due
today, the deadlines near, the households not yet visited this quarter), a visit is recorded with a photo through
the form, the team meeting recorded, the week's report drafted from the records and sent."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFileDialog

from builders import family_draft, renumber
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.records import work_teams as teams
from xinjie_desktop.qt.shell.app import create_main_window
from xinjie_desktop.qt.teams.teams_view import TeamsDialog

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/teams")
TODAY = dt.date.today()


@pytest.fixture
def team_store(store, group_id):
    with store.session() as session:
        village = township.villages(session)[0].id
    made = [
        households.save(store, renumber(family_draft(group_id, national_number=f"53050200{i:02d}"), 30 + i * 10))
        for i in range(3)
    ]
    member = teams.add_member(store, village, teams.MemberDraft("杨志强", TODAY - dt.timedelta(days=40), role="leader"))
    teams.add_member(store, village, teams.MemberDraft("李文", TODAY - dt.timedelta(days=10)))
    teams.pair(store, member, made[2], TODAY - dt.timedelta(days=30))
    return store, village, member, made


def _open(qtbot, store) -> tuple[object, TeamsDialog]:
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.teams_action.isEnabled()
    window.teams_action.trigger()
    dialog = window.findChild(TeamsDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return window, dialog


def _shoot(dialog: TeamsDialog, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.resize(QSize(1366, 768))
    assert dialog.grab().save(str(SHOTS / f"{name}.png"))


def _texts(model, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_a_members_day_a_visit_with_a_photo_a_meeting_and_the_weekly_report(
    qtbot, prepared_app, team_store, type_text, tmp_path, monkeypatch
):
    """Issue 20 (WT-1, WT-2): the day view lists the village's poor households not yet visited this quarter,
    the member's own pairing first; a visit recorded through the form, with a photo, leaves the list; the
    team meeting is recorded; the week's report is drafted from the records, edited and sent."""
    store, village, member, made = team_store
    _window, dialog = _open(qtbot, store)  # (the window kept: its dialogs go with it)
    assert dialog.member.currentData() == member
    assert dialog.waiting_model.rowCount() == 3
    assert dialog.waiting_model.index(0, 0).data() == dialog.view.not_visited[0].head
    assert dialog.view.not_visited[0].household_id == made[2]  # paired with the member: first
    assert dialog.due_model.rowCount() >= 1
    assert dialog.near_model.rowCount() >= 1  # arrived 40 days ago: the 1-month tasks are overdue
    _shoot(dialog, "teams-day")

    dialog.tabs.setCurrentIndex(1)
    dialog.visit_household.setCurrentIndex(dialog.visit_household.findData(made[0]))
    type_text(dialog.visit_done, "入户了解家庭收入")
    type_text(dialog.visit_promises, "帮助联系务工")
    photo = tmp_path / "IMG_0001.JPG"
    Image.effect_noise((3000, 2000), 50).convert("RGB").save(photo, format="JPEG", quality=95)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(photo)], ""))
    qtbot.mouseClick(dialog.findChild(type(dialog.visit_save), "visit_add_photos"), Qt.MouseButton.LeftButton)
    assert "1" in dialog.visit_photos.text()
    qtbot.mouseClick(dialog.visit_save, Qt.MouseButton.LeftButton)
    assert dialog.visit_message.text() == "The visit is recorded.", dialog.visit_message.text()
    assert _texts(dialog.visits_model, 4) == ["入户了解家庭收入"] and _texts(dialog.visits_model, 6) == ["1"]
    assert dialog.waiting_model.rowCount() == 2
    assert dialog.photo_preview.pixmap() is not None and not dialog.photo_preview.pixmap().isNull()
    [visit] = teams.visits(store, village, TODAY, TODAY)
    with Image.open(io.BytesIO(teams.photo(store, visit.photos[0]))) as image:
        assert max(image.size) == 1024
    _shoot(dialog, "teams-visits")
    qtbot.mouseClick(dialog.visit_save, Qt.MouseButton.LeftButton)  # nothing typed: refused, with the reason
    assert "what was done" in dialog.visit_message.text()

    dialog.tabs.setCurrentIndex(2)
    type_text(dialog.meeting_attendees, "杨志强，李文")
    type_text(dialog.decision_text, "完成遍访")
    type_text(dialog.decision_owner, "李文")
    qtbot.mouseClick(dialog.meeting_save, Qt.MouseButton.LeftButton)
    assert dialog.meeting_message.text() == "The meeting is recorded.", dialog.meeting_message.text()
    assert dialog.meetings_model.rowCount() == 1 and "杨志强、李文" in _texts(dialog.meetings_model, 2)[0]
    _shoot(dialog, "teams-meetings")

    dialog.tabs.setCurrentIndex(3)
    qtbot.mouseClick(dialog.report_draft, Qt.MouseButton.LeftButton)
    drafted = dialog.report_text.toPlainText()
    assert "入户了解家庭收入" in drafted and "2 of 3 poor households not yet visited" in drafted
    dialog.report_text.moveCursor(dialog.report_text.textCursor().MoveOperation.End)
    type_text(dialog.report_text, "\n本周无其他问题。")
    _shoot(dialog, "teams-report")
    qtbot.mouseClick(dialog.report_send, Qt.MouseButton.LeftButton)
    assert "sent on" in dialog.report_state.text() and dialog.report_text.isReadOnly()
    sent = teams.report_of_week(store, village, TODAY)
    assert sent is not None and sent.text.endswith("本周无其他问题。") and sent.sent_on == TODAY


def test_an_auditor_reads_the_teams_and_records_none_of_their_work(qtbot, prepared_app, team_store):
    """Issue 20 and 17: 纪检/审计 opens File → Work teams and reads a member's day, the visits, meetings and
    weekly report; recording a visit, a meeting or the report is the team's own work: not offered, with the
    reason in each button's tip (the township's checks, WT-3, are the auditor's to record: core service
    work_teams.record_check)."""
    from xinjie_desktop.core.rules.permissions import Actor, Role

    store, _village, _member, _made = team_store
    store.actor = Actor("7a1d0c6e-0000-4000-8000-000000000003", "赵审计", Role.AUDITOR, frozenset())
    _window, dialog = _open(qtbot, store)
    assert dialog.member.count() == 2 and dialog.view is not None  # reads
    for button in (dialog.visit_save, dialog.meeting_save, dialog.report_draft, dialog.report_save, dialog.report_send):
        assert not button.isEnabled()
        assert "赵审计 (auditor) may not record the work team's visits" in button.toolTip()
    assert dialog.report_text.isReadOnly()
    dialog.tabs.setCurrentIndex(1)
    dialog.resize(QSize(1366, 768))
    Path("/tmp/s10-fixes").mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save("/tmp/s10-fixes/teams_visits_auditor.png")
