"""The work-teams window's pages over a village (issue 20), driven like a user: the team and its pairings (a
member added and edited, a household paired, a pairing ended), the WT-1 deadlines and a task recorded done, the
township's checks (WT-3) and their follow-up, the quarter's coverage, the weekly report's photos (WT-2); a refusal
from the core shown in words; the forms hidden where the person logged in may not write."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from builders import family_draft, renumber
from xinjie_desktop.core.records import accounts, households, township
from xinjie_desktop.core.records import work_teams as teams
from xinjie_desktop.core.rules import work_teams as wt
from xinjie_desktop.core.rules.permissions import Role
from xinjie_desktop.qt.teams.teams_view import TeamsDialog

pytestmark = pytest.mark.gui

TODAY = dt.date.today()
PASSWORD = "a good password"
TEAM, DEADLINES, CHECKS, COVERAGE = 4, 5, 6, 7  # the pages after My day, Visits, Meetings, Weekly report


@pytest.fixture
def team_store(store, group_id):
    with store.session() as session:
        village = township.villages(session)[0].id
    made = [
        households.save(store, renumber(family_draft(group_id, national_number=f"53050200{i:02d}"), 30 + i * 10))
        for i in range(3)
    ]
    leader = teams.add_member(
        store, village, teams.MemberDraft("杨志强", TODAY - dt.timedelta(days=40), "区农业局", "leader", "13987000001")
    )
    teams.pair(store, leader, made[2], TODAY - dt.timedelta(days=30))
    return store, village, leader, made


def _dialog(qtbot, store, on_laptop: bool = False) -> TeamsDialog:
    dialog = TeamsDialog(store, on_laptop=on_laptop)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _texts(model, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def _click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _retype(qtbot, type_text, field, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    type_text(field, text)


def test_the_team_a_member_added_and_edited_a_household_paired_and_the_pairing_ended(
    qtbot, prepared_app, team_store, type_text
):
    """Issue 20 (WT-1, the team per village): the roster shows each member's unit, role, telephone and arrival;
    a member is added and edited through the form, a household paired with them and the pairing ended; a refusal
    of the core (no name; a pairing ending before it starts) is shown in words and changes nothing."""
    store, village, leader, made = team_store
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentIndex(TEAM)
    page = dialog.roster_page
    assert dialog.village.currentData() == village
    assert _texts(page.members_model, 0) == ["杨志强"]
    assert _texts(page.members_model, 2) == ["team leader"] and _texts(page.members_model, 3) == ["13987000001"]
    assert _texts(page.pairings_model, 2) == ["still paired"]  # 杨志强 chosen: his pairing

    page.name.clear()
    _click(qtbot, page.add_button)
    assert page.message.text() == "Enter the member's name.", page.message.text()
    assert page.members_model.rowCount() == 1
    type_text(page.name, "李文")
    _retype(qtbot, type_text, page.unit, "区教育局")
    _retype(qtbot, type_text, page.telephone, "13987000002")
    page.role.setCurrentIndex(page.role.findData("member"))
    _retype(qtbot, type_text, page.arrived, str(TODAY - dt.timedelta(days=5)))
    _click(qtbot, page.add_button)
    assert page.message.text() == "李文 is on the team.", page.message.text()
    assert sorted(_texts(page.members_model, 0)) == ["李文", "杨志强"]
    assert dialog.member.findText("李文（V1）") >= 0  # the window's member list follows

    page.members_table.setCurrentIndex(page.members_model.index(_texts(page.members_model, 0).index("李文"), 0))
    assert page.name.text() == "李文" and page.unit.text() == "区教育局"
    _retype(qtbot, type_text, page.telephone, "13900000000")
    _click(qtbot, page.edit_button)
    assert page.message.text() == "The member's details are saved."
    [li] = [m for m in teams.roster(store, village) if m.name == "李文"]
    assert li.telephone == "13900000000" and li.unit == "区教育局"

    page.pair_household.setCurrentIndex(page.pair_household.findData(made[0]))
    _retype(qtbot, type_text, page.pair_start, str(TODAY - dt.timedelta(days=2)))
    _click(qtbot, page.pair_button)
    assert "helper cadre of" in page.message.text(), page.message.text()
    assert page.pairings_model.rowCount() == 1 and _texts(page.pairings_model, 2) == ["still paired"]
    _retype(qtbot, type_text, page.end_on, str(TODAY - dt.timedelta(days=9)))
    _click(qtbot, page.end_button)
    assert page.message.text() == "A pairing cannot end before it starts."
    _retype(qtbot, type_text, page.end_on, str(TODAY))
    _click(qtbot, page.end_button)
    assert page.message.text() == "The pairing is ended."
    assert _texts(page.pairings_model, 2) == [str(TODAY)]
    assert [p.end_on for p in teams.pairings(store, village, li.id)] == [TODAY]


def test_deadlines_from_arrival_and_a_task_recorded_with_its_evidence(qtbot, prepared_app, team_store, type_text):
    """WT-1: each member's deadlines from arrival (arrived 40 days ago: the 1-month tasks overdue, the 2-month ones
    due); a task recorded done with what shows it becomes met, with its evidence; without evidence it is refused
    in words."""
    store, village, _leader, _made = team_store
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentIndex(DEADLINES)
    page = dialog.deadlines_page
    rows = dict(zip(_texts(page.deadlines_model, 2), _texts(page.deadlines_model, 4), strict=True))
    assert rows["village known"] == "overdue" and rows["village development plan"] == "due"
    assert "overdue" in page.summary.text()
    page.task.setCurrentIndex(page.task.findData(wt.VILLAGE_KNOWN))
    _retype(qtbot, type_text, page.done_on, str(TODAY - dt.timedelta(days=35)))
    _click(qtbot, page.save)
    assert page.message.text() == "Enter the what shows it is done.", page.message.text()
    type_text(page.evidence, "村情简介")
    _click(qtbot, page.save)
    assert page.message.text() == "The task is recorded as done."
    known = _texts(page.deadlines_model, 2).index("village known")
    assert page.deadlines_model.index(known, 4).data() == "met"
    assert page.deadlines_model.index(known, 6).data() == "村情简介"
    assert _texts(page.tasks_model, 0) == ["village known"]


def test_the_townships_checks_and_their_follow_up(qtbot, prepared_app, team_store, type_text):
    """WT-3: the township records a check (by telephone, on a member; a household visit without the household is
    refused in words), then its follow-up with the member talked to; the quarter's coverage lists the village and
    its members."""
    store, village, leader, made = team_store
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentIndex(CHECKS)
    page = dialog.checks_page
    assert page.check_box.isVisible() and not page.note.isVisible()
    page.kind.setCurrentIndex(page.kind.findData(wt.HOUSEHOLD_VISIT))
    type_text(page.checker, "乡督查组")
    _click(qtbot, page.save)
    assert page.message.text() == "A household visit names the household visited.", page.message.text()
    assert page.checks_model.rowCount() == 0
    page.kind.setCurrentIndex(page.kind.findData(wt.TELEPHONE))
    page.member.setCurrentIndex(page.member.findData(leader))
    page.result.setCurrentIndex(page.result.findData(wt.ABSENT))
    type_text(page.findings, "电话抽查不在岗")
    _click(qtbot, page.save)
    assert page.message.text() == "The check is recorded.", page.message.text()
    assert _texts(page.checks_model, 3) == ["杨志强"] and _texts(page.checks_model, 5) == ["not at post"]
    assert _texts(page.checks_model, 7) == ["to follow up"]
    page.checks_table.setCurrentIndex(page.checks_model.index(0, 0))
    _click(qtbot, page.follow_save)
    assert page.message.text() == "Enter the follow-up.", page.message.text()
    type_text(page.follow_up, "已约谈")
    qtbot.mouseClick(page.talked_to, Qt.MouseButton.LeftButton)
    _click(qtbot, page.follow_save)
    assert page.message.text() == "The follow-up is recorded."
    assert _texts(page.checks_model, 7) == ["已约谈"] and _texts(page.checks_model, 9) == ["yes"]

    dialog.tabs.setCurrentIndex(COVERAGE)
    coverage = dialog.coverage_page
    assert _texts(coverage.villages_model, 0) == ["V1", "V2"]
    assert _texts(coverage.villages_model, 1)[0] == "3" and _texts(coverage.villages_model, 3)[0] == "3"
    assert _texts(coverage.members_model, 1) == ["杨志强"] and _texts(coverage.members_model, 3) == ["1"]
    assert _texts(coverage.members_model, 7) == ["1"]


def test_the_forms_follow_the_role_and_the_laptop_reads_the_checks(qtbot, prepared_app, team_store, type_text):
    """Issue 17 and 20: a village cadre reads the team, the deadlines and the checks without a form; on a village
    laptop the township's checks are only read (the page says who records them); a member of the team records
    the team's work but not the checks."""
    store, village, _leader, _made = team_store
    accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(store, "admin", PASSWORD)
    accounts.create(store, "cadre1", PASSWORD, Role.VILLAGE_CADRE, [village])
    accounts.create(store, "team1", PASSWORD, Role.WORK_TEAM, [village])
    accounts.login(store, "cadre1", PASSWORD)
    dialog = _dialog(qtbot, store)
    for index, page, form in (
        (TEAM, dialog.roster_page, dialog.roster_page.member_box),
        (DEADLINES, dialog.deadlines_page, dialog.deadlines_page.task_box),
        (CHECKS, dialog.checks_page, dialog.checks_page.check_box),
    ):
        dialog.tabs.setCurrentIndex(index)
        assert page.note.isVisible() and not form.isVisible(), index
    assert dialog.roster_page.members_model.rowCount() == 1
    dialog.tabs.setCurrentIndex(2)
    assert dialog.meeting_read_only.isVisible() and not dialog.meeting_box.isVisible()
    dialog.close()

    accounts.login(store, "team1", PASSWORD)
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentIndex(TEAM)
    assert dialog.roster_page.member_box.isVisible()
    dialog.tabs.setCurrentIndex(CHECKS)
    assert not dialog.checks_page.check_box.isVisible() and dialog.checks_page.note.isVisible()
    dialog.tabs.setCurrentIndex(2)
    assert [dialog.meeting_kind.itemData(i) for i in range(dialog.meeting_kind.count())] == [wt.TEAM_MEETING]
    dialog.close()

    accounts.login(store, "admin", PASSWORD)
    dialog = _dialog(qtbot, store, on_laptop=True)
    dialog.tabs.setCurrentIndex(CHECKS)
    assert not dialog.checks_page.check_box.isVisible()
    assert "township office records the checks" in dialog.checks_page.note.text()
    dialog.tabs.setCurrentIndex(2)
    assert [dialog.meeting_kind.itemData(i) for i in range(dialog.meeting_kind.count())] == [wt.TEAM_MEETING]


def test_the_township_records_its_leaders_meeting_in_the_meetings_page(qtbot, prepared_app, team_store, type_text):
    """WT-2: at the township the meetings page records the monthly leaders' meeting (no village), listed with the
    village's meetings."""
    store, _village, _leader, _made = team_store
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentIndex(2)
    dialog.meeting_kind.setCurrentIndex(dialog.meeting_kind.findData(wt.LEADERS_MEETING))
    type_text(dialog.meeting_attendees, "杨志强，王队长")
    _click(qtbot, dialog.meeting_save)
    assert dialog.meeting_message.text() == "The meeting is recorded.", dialog.meeting_message.text()
    assert _texts(dialog.meetings_model, 1) == ["team leaders' meeting (monthly)"]
    assert "leaders' meetings held 1" in dialog.rhythm.text()


def test_the_weekly_report_with_its_photos(qtbot, prepared_app, team_store, type_text, tmp_path, monkeypatch):
    """WT-2 (the week reported "with pictures"): photos chosen in the report page are shown, saved with the draft
    (resized for the stick), one taken off, and sent with the report; a file that is no photo is refused naming it
    and the report is not saved."""
    store, village, _leader, _made = team_store
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentIndex(3)
    photos = []
    for number in range(2):
        path = tmp_path / f"周报照片{number}.jpg"
        Image.effect_noise((2400, 1600), 40 + number).convert("RGB").save(path, format="JPEG", quality=95)
        photos.append(path)
    bad = tmp_path / "坏照片.jpg"
    bad.write_text("not a photo")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bad)], ""))
    _click(qtbot, dialog.report_add_photos)
    type_text(dialog.report_text, "本周走访3户")
    _click(qtbot, dialog.report_save)
    assert dialog.report_message.text() == "The file 坏照片.jpg is not a photo that can be read (JPEG or PNG)."
    assert teams.report_of_week(store, village, TODAY) is None
    dialog.report_photos.setCurrentRow(0)
    _click(qtbot, dialog.report_remove_photo)
    assert dialog.report_photos.count() == 0
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in photos], ""))
    _click(qtbot, dialog.report_add_photos)
    assert dialog.report_photos.count() == 2 and "2 to save" in dialog.report_photos_label.text()
    _click(qtbot, dialog.report_save)
    assert dialog.report_message.text() == "The draft is saved.", dialog.report_message.text()
    assert dialog.report_photos.count() == 2 and dialog.report_photos_label.text() == "Photos: 2"
    assert not dialog.report_photos.item(0).icon().isNull()
    dialog.report_photos.setCurrentRow(1)
    _click(qtbot, dialog.report_remove_photo)
    assert dialog.report_message.text() == "The photo is taken off the report."
    _click(qtbot, dialog.report_send)
    assert "sent on" in dialog.report_state.text()
    assert not dialog.report_add_photos.isEnabled() and not dialog.report_remove_photo.isEnabled()
    sent = teams.report_of_week(store, village, TODAY)
    assert sent is not None and [p.filename for p in sent.photos] == ["周报照片0.jpg"] and sent.photos[0].size < 600_000
