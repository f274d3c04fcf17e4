"""Issue 20, the work teams' records (core.records.work_teams): the team and its pairings, visits with photos
resized for the stick, meetings, weekly reports, the township's checks, the quarter's report (WT-1 to WT-3),
guarded by the roles, and travelling in bundles."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from PIL import Image
from sqlalchemy import text

from builders import family_draft, renumber, tables_changed_by
from command_line import cli
from sync_world import group_of
from xinjie_desktop.core.records import accounts, households, township
from xinjie_desktop.core.records import work_teams as teams
from xinjie_desktop.core.rules import work_teams as wt
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused, Role

D = dt.date
TODAY = D(2017, 6, 30)  # the quarter's last day
Q2 = wt.read_quarter("2017-Q2")
PASSWORD = "a good password"


def camera_photo(width: int = 4000, height: int = 3000, seed: int = 1) -> bytes:
    """A camera-sized JPEG with detail (noise), as a phone takes it."""
    image = Image.effect_noise((width, height), 60 + seed).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


class Team:
    def __init__(self, store, group_id):
        self.store = store
        with store.session() as session:
            refs = township.villages(session)
            self.v1, self.v2 = refs[0].id, refs[1].id
        self.h1 = households.save(
            store, family_draft(group_id, national_number="5305020001", main_cause="illness", helper_cadre="")
        )
        self.h2 = households.save(store, renumber(family_draft(group_id, national_number="5305020002"), 40))
        self.h3 = households.save(store, renumber(family_draft(group_id), 50))  # not poor: not in the system
        self.leader = teams.add_member(
            store, self.v1, teams.MemberDraft("杨志强", D(2017, 1, 31), unit="区农业局", role="leader")
        )
        self.member = teams.add_member(store, self.v1, teams.MemberDraft("李文", D(2017, 4, 5)))
        teams.pair(store, self.member, self.h1, D(2017, 4, 6))


@pytest.fixture
def team(store, group_id):
    return Team(store, group_id)


def files(store) -> tuple:
    path = store.path
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (path, path.with_name(path.name + "-wal"))
    )


def test_WT_1_visits_cover_the_quarter_per_village_and_member(team):
    """WT-1 遍访: every poor household visited at least once a quarter; a visit on the last day counts; per
    member, the households paired with them that they visited."""
    s = team.store
    teams.record_visit(
        s, teams.VisitDraft(team.h1, D(2017, 6, 30), "situation", (team.leader,), "了解收入"), today=TODAY
    )
    teams.record_visit(s, teams.VisitDraft(team.h2, D(2017, 3, 31), "policy", (team.member,), "宣传"), today=TODAY)
    found = teams.report(s, Q2, TODAY)
    v1 = found.villages[0]
    assert v1.coverage.households == 2  # h3 is not a poor household
    assert v1.coverage.visited == (team.h1,) and v1.coverage.not_visited == (team.h2,)
    assert v1.coverage.days_left == 0
    member = next(m for m in v1.members if m.id == team.member)
    assert member.coverage.not_visited == (team.h1,)  # paired with h1, but the leader went alone
    teams.record_visit(s, teams.VisitDraft(team.h1, D(2017, 5, 2), "handbook", (team.member,), "填写手册"), today=TODAY)
    member = next(m for m in teams.report(s, Q2, TODAY).villages[0].members if m.id == team.member)
    assert member.coverage.complete and member.visits == 1


def test_WT_1_deadlines_from_arrival_with_the_records_as_evidence(team):
    """WT-1: the leader arrived on 31 January: village known due 28 February; the archives are judged from
    the households' records (an income, members, a main cause, a helper cadre), the agreements from the
    agreements' records (no household in relocation: nothing to sign)."""
    s = team.store
    teams.record_task(s, team.v1, wt.VILLAGE_KNOWN, D(2017, 2, 28), "村情简介", today=TODAY)
    teams.record_task(s, team.v1, wt.CAUSES_LIST, D(2017, 3, 1), "致贫清单", today=TODAY)
    leader = next(m for m in teams.report(s, Q2, TODAY).villages[0].members if m.id == team.leader)
    status = {d.task: d.status for d in leader.deadlines}
    assert status[wt.VILLAGE_KNOWN] == wt.MET
    assert status[wt.CAUSES_LIST] == wt.MET_LATE
    assert status[wt.DEVELOPMENT_PLAN] == wt.OVERDUE  # due 31 March
    assert status[wt.AGREEMENTS] == wt.NOT_NEEDED
    assert status[wt.ARCHIVES] == wt.OVERDUE  # h2 has no main cause and no helper cadre
    assert status[wt.VILLAGE_RULES] == wt.OVERDUE  # due 31 May
    member = next(m for m in teams.report(s, Q2, D(2017, 5, 1)).villages[0].members if m.id == team.member)
    assert {d.task: d.status for d in member.deadlines}[wt.VILLAGE_RULES] == wt.DUE  # arrived 5 April: 5 August
    draft = households.to_draft(households.load_household(s.session(), team.h2))
    draft.main_cause = "disability"
    households.save(s, draft)
    teams.pair(s, team.leader, team.h2, D(2017, 6, 1))
    archives = next(d for d in teams.report(s, Q2, TODAY).villages[0].members[0].deadlines if d.task == wt.ARCHIVES)
    assert archives.status == wt.MET_LATE and "2 of 2" in archives.evidence
    with pytest.raises(teams.WorkTeamError):
        teams.record_task(s, team.v1, wt.AGREEMENTS, D(2017, 3, 1), "说了", today=TODAY)  # judged, not told


def test_WT_1_photos_are_resized_for_the_stick_and_kept_once(team, tmp_path):
    """Issue 20: a week's photos stay under a few MB: a 12-megapixel photo becomes at most 1024 pixels and a
    few hundred KB, content-addressed (the same photo twice is one blob); a file that is no photo is refused and
    changes nothing."""
    s = team.store
    raw = camera_photo()
    assert len(raw) > 3_000_000
    path = tmp_path / "IMG_0001.JPG"
    path.write_bytes(raw)
    visit = teams.record_visit(
        s, teams.VisitDraft(team.h1, D(2017, 6, 1), "situation", (team.leader,), "走访"), [path, raw], today=TODAY
    )
    [info] = teams.visits(s, team.v1, D(2017, 6, 1), D(2017, 6, 1))
    assert info.id == visit and len(info.photos) == 2 and info.photos[0] == info.photos[1]
    stored = teams.photo(s, info.photos[0])
    assert len(stored) < 400_000
    with Image.open(io.BytesIO(stored)) as image:
        assert max(image.size) == teams.PHOTO_LONG_SIDE and image.format == "JPEG"
    with s.session() as session:
        assert session.execute(text("SELECT count(*) FROM blob")).scalar() == 1
    twenty = sum(len(teams.photo_for_stick(camera_photo(seed=i))) for i in range(3)) / 3 * 20
    assert twenty < 8_000_000  # a week of 20 photos of noise (the worst case for JPEG)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo")
    before = files(s)
    with pytest.raises(teams.WorkTeamError, match="not a photo"):
        teams.record_visit(
            s, teams.VisitDraft(team.h2, D(2017, 6, 1), "situation", (team.leader,), "走访"), [bad], today=TODAY
        )
    assert files(s) == before


def test_WT_1_a_visit_is_refused_with_the_reason(team):
    s = team.store
    for draft, why in (
        (teams.VisitDraft(team.h1, D(2017, 7, 1), "situation", (team.leader,), "x"), "still to come"),
        (teams.VisitDraft(team.h1, D(2017, 6, 1), "chat", (team.leader,), "x"), "Unknown kind"),
        (teams.VisitDraft(team.h1, D(2017, 6, 1), "situation", (), "x"), "Name the team members"),
        (teams.VisitDraft(team.h1, D(2017, 6, 1), "situation", (team.leader,), " "), "what was done"),
    ):
        with pytest.raises(teams.WorkTeamError, match=why):
            teams.record_visit(s, draft, today=TODAY)


def test_WT_2_meetings_held_and_missing_per_village_and_township(team):
    """WT-2: the village's weekly team meetings; the township's monthly leaders' and quarterly all-member
    meetings; missing ones counted once their period ended."""
    s = team.store
    teams.record_meeting(
        s,
        teams.MeetingDraft(
            wt.TEAM_MEETING,
            D(2017, 4, 7),
            team.v1,
            ("杨志强", "李文"),
            "遍访进度",
            (teams.Decision("完成第一组遍访", "李文", D(2017, 4, 14)),),
        ),
        today=TODAY,
    )
    teams.record_meeting(s, teams.MeetingDraft(wt.LEADERS_MEETING, D(2017, 4, 28), None, ("杨志强",)), today=TODAY)
    found = teams.report(s, Q2, D(2017, 7, 1))
    states = [p.state for p in found.villages[0].team_meetings]
    assert states[1] == wt.HELD and wt.count(found.villages[0].team_meetings, wt.MISSING) == 12
    assert [p.state for p in found.leaders_meetings] == [wt.HELD, wt.MISSING, wt.MISSING]
    assert [p.state for p in found.all_member_meetings] == [wt.MISSING]
    [meeting] = [m for m in teams.meetings(s, team.v1, Q2.first_day, Q2.last_day) if m.kind == wt.TEAM_MEETING]
    assert meeting.decisions[0].owner == "李文" and meeting.decisions[0].due_on == D(2017, 4, 14)
    with pytest.raises(teams.WorkTeamError):
        teams.record_meeting(s, teams.MeetingDraft(wt.TEAM_MEETING, D(2017, 4, 7), None, ("a",)), today=TODAY)
    with pytest.raises(teams.WorkTeamError, match="Name who came"):
        teams.record_meeting(s, teams.MeetingDraft(wt.TEAM_MEETING, D(2017, 4, 7), team.v1, ()), today=TODAY)


def test_WT_2_weekly_report_drafted_from_the_weeks_records_edited_and_sent(team):
    """WT-2: the week's report is drafted from its visits and problems, edited, sent; a week without a sent
    report is missing; a sent report is not changed again."""
    s = team.store
    teams.record_visit(
        s,
        teams.VisitDraft(team.h1, D(2017, 6, 13), "funds_projects", (team.leader,), "落实产业资金", "七月送鸡苗"),
        [camera_photo(800, 600)],
        today=TODAY,
    )
    text_ = teams.draft_report_text(s, team.v1, D(2017, 6, 14))
    assert "2017-06-12" in text_ and "落实产业资金" in text_ and "七月送鸡苗" in text_ and "photos: 1." in text_
    assert "1 of 2 poor households not yet visited in 2017-Q2" in text_
    teams.save_report(s, team.v1, D(2017, 6, 12), text_ + "\n本周无其他问题。", send=False, today=D(2017, 6, 18))
    week = next(
        i
        for i, p in enumerate(teams.report(s, Q2, D(2017, 6, 19)).villages[0].reports)
        if p.first_day == D(2017, 6, 12)
    )
    found = teams.report(s, Q2, D(2017, 6, 19))
    assert found.villages[0].reports[week].state == wt.MISSING  # a draft is not in
    teams.save_report(s, team.v1, D(2017, 6, 12), text_, send=True, today=D(2017, 6, 18))
    found = teams.report(s, Q2, D(2017, 6, 19))
    assert found.villages[0].reports[week].state == wt.HELD
    assert teams.report_of_week(s, team.v1, D(2017, 6, 15)).sent_on == D(2017, 6, 18)
    with pytest.raises(teams.WorkTeamError, match="sent already"):
        teams.save_report(s, team.v1, D(2017, 6, 12), "again", send=True, today=D(2017, 6, 19))


def test_WT_3_a_household_a_check_visited_is_not_deleted_with_the_check(team):
    """WT-3 (session 10 saw it): deleting a household that a township check of the team visited deleted the check
    with it, silently (its foreign key cascades); now the delete is refused in words and nothing is written."""
    from xinjie_desktop.core.rules.problems import ValidationFailed

    s = team.store
    check = teams.record_check(
        s,
        teams.CheckDraft(team.v1, D(2017, 5, 10), wt.HOUSEHOLD_VISIT, "乡督查组", wt.GOOD, household_id=team.h1),
        today=TODAY,
    )
    with pytest.raises(ValidationFailed, match="check of the work team on 2017-05-10 visited it"):
        households.delete(s, team.h1)
    with s.session() as session:
        assert session.execute(text("SELECT count(*) FROM team_check WHERE id = :c"), {"c": check}).scalar() == 1
        assert session.execute(text("SELECT count(*) FROM household WHERE id = :h"), {"h": team.h1}).scalar() == 1


def test_WT_3_checks_their_result_and_follow_up(team):
    """WT-3: a telephone check that found a member not at post stays open until its follow-up; a household
    visit names the household; results feed the member's record."""
    s = team.store
    check = teams.record_check(
        s,
        teams.CheckDraft(team.v1, D(2017, 5, 3), wt.TELEPHONE, "乡督查组", wt.ABSENT, member_id=team.member),
        today=TODAY,
    )
    teams.record_check(
        s,
        teams.CheckDraft(team.v1, D(2017, 5, 10), wt.HOUSEHOLD_VISIT, "乡督查组", wt.GOOD, household_id=team.h1),
        today=TODAY,
    )
    with pytest.raises(teams.WorkTeamError, match="names the household"):
        teams.record_check(
            s, teams.CheckDraft(team.v1, D(2017, 5, 10), wt.HOUSEHOLD_VISIT, "乡督查组", wt.GOOD), today=TODAY
        )
    v1 = teams.report(s, Q2, TODAY).villages[0]
    assert [c.follow_up_state for c in v1.checks] == [wt.FOLLOW_UP_OPEN, wt.FOLLOW_UP_NONE]
    teams.record_follow_up(s, check, "已约谈", D(2017, 5, 4), talked_to=True, today=TODAY)
    v1 = teams.report(s, Q2, TODAY).villages[0]
    assert v1.checks[0].follow_up_state == wt.FOLLOW_UP_DONE
    member = next(m for m in v1.members if m.id == team.member)
    assert (member.checks, member.checks_short, member.talked_to) == (1, 1, 1)


def test_WT_1_WT_3_roles_guard_every_write(team):
    """Issue 20 and 17: work-team members record their village's team work; a village cadre, an auditor, a
    member of another village may not; only the township records checks and its own meetings; a refusal
    changes nothing."""
    s = team.store
    accounts.create(s, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(s, "admin", PASSWORD)
    accounts.create(s, "team1", PASSWORD, Role.WORK_TEAM, [team.v1])
    accounts.create(s, "team2", PASSWORD, Role.WORK_TEAM, [team.v2])
    accounts.create(s, "cadre1", PASSWORD, Role.VILLAGE_CADRE, [team.v1])
    accounts.create(s, "auditor", PASSWORD, Role.AUDITOR)
    visit = teams.VisitDraft(team.h1, D(2017, 6, 1), "situation", (team.leader,), "走访")
    check = teams.CheckDraft(team.v1, D(2017, 6, 2), wt.VILLAGE_VISIT, "乡督查组", wt.GOOD)
    leaders = teams.MeetingDraft(wt.LEADERS_MEETING, D(2017, 6, 2), None, ("杨志强",))
    for name in ("team2", "cadre1", "auditor", None):
        if name is None:
            accounts.logout(s)
        else:
            accounts.login(s, name, PASSWORD)
        before = files(s)
        calls = {
            "visit": lambda: teams.record_visit(s, visit, today=TODAY),
            "member": lambda: teams.add_member(s, team.v1, teams.MemberDraft("王", D(2017, 5, 1))),
            "check": lambda: teams.record_check(s, check, today=TODAY),
        }
        if name == "auditor":
            del calls["check"]  # the auditors' own work (WT-3): test_WT_3_auditors_record_checks_and_their_follow_up
        for call in calls.values():
            with pytest.raises(PermissionRefused):
                call()
        assert files(s) == before, name
    accounts.login(s, "team1", PASSWORD)
    teams.record_visit(s, visit, today=TODAY)
    with pytest.raises(PermissionRefused):
        teams.record_check(s, check, today=TODAY)
    with pytest.raises(PermissionRefused):
        teams.record_meeting(s, leaders, today=TODAY)
    accounts.login(s, "admin", PASSWORD)
    teams.record_check(s, check, today=TODAY)
    teams.record_meeting(s, leaders, today=TODAY)
    with s.session() as session:  # every write in the record of who did what
        names = session.execute(
            text(
                "SELECT DISTINCT a.account_name, c.table_name FROM audit_record a JOIN change_log c "
                "ON c.origin_device = a.origin_device AND c.seq = a.seq WHERE c.table_name LIKE 'team%'"
            )
        ).all()
    assert ("team1", "team_visit") in names and ("admin", "team_check") in names


def test_WT_3_auditors_record_checks_and_their_follow_up(team):
    """WT-3, issue 20 and 17: the township's checks on the teams (calls, village and household visits) and their
    follow-up (约谈) are recorded by the discipline commission (纪检/审计) as by the administration, under the
    auditor's name in the record of who did what; the auditor records nothing else of the teams (visits, members,
    the township's meetings)."""
    s = team.store
    accounts.create(s, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(s, "admin", PASSWORD)
    accounts.create(s, "auditor", PASSWORD, Role.AUDITOR)
    accounts.login(s, "auditor", PASSWORD)
    check = teams.record_check(
        s, teams.CheckDraft(team.v1, D(2017, 6, 2), wt.VILLAGE_VISIT, "乡纪委 杨建华", wt.GOOD), today=TODAY
    )
    teams.record_follow_up(s, check, "已约谈队长", D(2017, 6, 5), talked_to=True, today=TODAY)
    before = files(s)
    for call in (
        lambda: teams.record_visit(
            s, teams.VisitDraft(team.h1, D(2017, 6, 1), "situation", (team.leader,), "走访"), today=TODAY
        ),
        lambda: teams.add_member(s, team.v1, teams.MemberDraft("王", D(2017, 5, 1))),
        lambda: teams.record_meeting(
            s, teams.MeetingDraft(wt.LEADERS_MEETING, D(2017, 6, 2), None, ("杨志强",)), today=TODAY
        ),
    ):
        with pytest.raises(PermissionRefused, match="auditor"):
            call()
        assert files(s) == before
    with s.session() as session:
        row = session.execute(
            text("SELECT follow_up, talked_to FROM team_check WHERE id = :id"),
            {"id": check},
        ).one()
    assert tuple(row) == ("已约谈队长", 1) and tables_changed_by(s, "auditor") == {"team_check"}


def test_WT_1_day_view_of_a_member(team):
    """Issue 20: a member's day: the households of the village not visited this quarter, their own pairings
    first, today's share of them, the deadlines near, the decisions they own due soon."""
    s = team.store
    teams.record_meeting(
        s,
        teams.MeetingDraft(
            wt.TEAM_MEETING, D(2017, 6, 23), team.v1, ("李文",), "", (teams.Decision("送鸡苗", "李文", D(2017, 6, 30)),)
        ),
        today=TODAY,
    )
    view = teams.day_view(s, team.member, D(2017, 6, 29))
    assert [h.household_id for h in view.not_visited] == [team.h1, team.h2]  # paired first
    assert view.not_visited[0].paired and view.not_visited[0].days_left == 1
    assert [h.household_id for h in view.visits_today] == [team.h1]  # 2 households, 2 days left: one today
    assert view.decisions_due == ((D(2017, 6, 30), "送鸡苗"),)
    assert [d.task for d in view.deadlines_near][:2] == [wt.VILLAGE_KNOWN, wt.CAUSES_LIST]  # 5 May, overdue
    last_day = teams.day_view(s, team.member, TODAY)
    assert len(last_day.visits_today) == 2  # the quarter's last day: every one left is due today


def test_WT_1_team_records_travel_in_bundles_with_their_photos(world):
    """Issue 20: a visit with its photo entered on the village laptop arrives at the township, photo and all;
    the township's check goes back to the laptop."""
    laptop = world.laptop(0)
    with laptop.session() as session:
        village = session.execute(text("SELECT id FROM village")).scalar()
    household = households.save(laptop, family_draft(group_of(laptop, "青山村"), national_number="5305020009"))
    member = teams.add_member(laptop, village, teams.MemberDraft("杨志强", D(2017, 3, 1), role="leader"))
    teams.record_visit(
        laptop,
        teams.VisitDraft(household, D(2017, 6, 1), "situation", (member,), "走访"),
        [camera_photo(1600, 1200)],
        today=TODAY,
    )
    teams.save_report(laptop, village, D(2017, 5, 29), "本周走访1户", send=True, today=D(2017, 6, 4))
    world.sync(laptop)
    [info] = teams.visits(world.township, village, Q2.first_day, Q2.last_day)
    assert info.members == ("杨志强",) and len(teams.photo(world.township, info.photos[0])) > 1000
    assert teams.report(world.township, Q2, TODAY).villages[0].coverage.complete
    teams.record_check(
        world.township,
        teams.CheckDraft(village, D(2017, 6, 5), wt.TELEPHONE, "乡督查组", wt.GOOD, member_id=member),
        today=TODAY,
    )
    world.sync(laptop)
    assert [c.checker for c in teams.report(laptop, Q2, TODAY).villages[0].checks] == ["乡督查组"]


def test_teams_report_on_the_command_line(team, capsys):
    """Issue 20: ``teams report --db P --quarter 2017-Q2 --json``: per village and member, deadlines met, due and
    overdue, visit coverage, meetings held and missing, weekly reports in and missing, checks; the data file is
    only read."""
    s = team.store
    teams.record_visit(s, teams.VisitDraft(team.h1, D(2017, 6, 30), "situation", (team.leader,), "走访"), today=TODAY)
    teams.record_meeting(s, teams.MeetingDraft(wt.TEAM_MEETING, D(2017, 4, 7), team.v1, ("杨志强",)), today=TODAY)
    teams.save_report(s, team.v1, D(2017, 4, 3), "本周", send=True, today=D(2017, 4, 9))
    teams.record_check(s, teams.CheckDraft(team.v1, D(2017, 5, 3), wt.TELEPHONE, "乡", wt.ABSENT), today=TODAY)
    path = str(s.path)
    s.close()
    before = files(s)
    code, out, err = cli(
        capsys, "teams", "report", "--db", path, "--quarter", "2017-Q2", "--as-of", "2017-07-01", "--json"
    )
    assert code == 0, err
    assert files(s) == before
    document = json.loads(out)
    assert document["quarter"] == "2017-Q2" and document["last_day"] == "2017-06-30"
    v1 = document["villages"][0]
    assert v1["visit_coverage"]["visited"] == 1 and v1["visit_coverage"]["households"] == 2
    assert [h["household_id"] for h in v1["visit_coverage"]["not_visited"]] == [team.h2]
    assert v1["team_meetings"]["held"] == 1 and v1["team_meetings"]["missing"] == 12
    assert v1["weekly_reports"]["held"] == 1 and v1["weekly_reports"]["missing"] == 12
    assert v1["checks"]["by_kind"]["telephone"] == 1 and v1["checks"]["follow_up_open"] == 1
    leader = v1["members"][0]
    assert leader["name"] == "杨志强" and leader["deadline_counts"]["overdue"] == 5
    assert {d["task"]: d["due_on"] for d in leader["deadlines"]}["village_known"] == "2017-02-28"
    assert document["township_meetings"]["all_members"]["missing"] == 1
    code, out, err = cli(capsys, "teams", "report", "--db", path, "--quarter", "2017-Q2", "--as-of", "2017-07-01")
    assert code == 0 and "visited 1 of 2" in out


@pytest.mark.parametrize("quarter", ["2017-Q5", "2017", "Q2-2017"])
def test_teams_report_refuses_a_bad_quarter_with_the_reason(team, capsys, quarter):
    """Issue 20: a bad quarter: exit 2, the reason on stderr, no traceback."""
    code, out, err = cli(capsys, "teams", "report", "--db", str(team.store.path), "--quarter", quarter)
    assert code == 2 and "is not a quarter" in err and "Traceback" not in err and out == ""


def test_WT_1_the_roster_edited_a_pairing_ended_photos_added_later(team):
    """Issue 20: a member's details corrected (their deadlines follow the new arrival), a pairing ended (the member
    no longer answers for the household in a later quarter), photos added to a visit afterwards; refusals named."""
    s = team.store
    teams.edit_member(s, team.member, teams.MemberDraft("李文", D(2017, 3, 31), telephone="13900000000"))
    q2 = teams.report(s, Q2, TODAY).villages[0]
    member = next(m for m in q2.members if m.id == team.member)
    assert member.telephone == "13900000000"
    assert {d.task: d.due_on for d in member.deadlines}[wt.VILLAGE_KNOWN] == D(2017, 4, 30)
    with pytest.raises(teams.WorkTeamError, match="before arriving"):
        teams.edit_member(s, team.member, teams.MemberDraft("李文", D(2017, 3, 31), left_on=D(2017, 3, 1)))
    with s.session() as session:
        pairing = session.execute(
            text("SELECT id FROM helper_pairing WHERE member_id = :m"), {"m": team.member}
        ).scalar()
    with pytest.raises(teams.WorkTeamError, match="end before it starts"):
        teams.end_pairing(s, pairing, D(2017, 4, 1))
    teams.end_pairing(s, pairing, D(2017, 6, 30))
    q3 = teams.report(s, wt.read_quarter("2017-Q3"), D(2017, 7, 10)).villages[0]
    assert next(m for m in q3.members if m.id == team.member).coverage.households == 0
    with pytest.raises(teams.WorkTeamError, match="not in the store"):
        teams.pair(s, "no-such-member", team.h1, D(2017, 6, 1))
    visit = teams.record_visit(
        s, teams.VisitDraft(team.h1, D(2017, 6, 2), "festival", (team.leader,), "端午慰问"), today=TODAY
    )
    teams.add_photos(s, visit, [camera_photo(1200, 900, seed=2), camera_photo(640, 480, seed=3)])
    [info] = teams.visits(s, team.v1, D(2017, 6, 2), D(2017, 6, 2))
    assert len(info.photos) == 2 and info.kind_label == "festival visit"


# --- session 10: the weekly reports' photos, the township's meetings on the laptops, the window's lists --------


def test_WT_2_a_weekly_report_carries_its_own_photos_resized_for_the_stick(team, tmp_path):
    """WT-2 (the week reported "with pictures"): photos chosen for the report are resized like the visits'
    (at most 1024 pixels, a few hundred KB), kept once per content, shown with the report; a photo is taken off a
    draft, not off a sent report; a sent report takes no more photos."""
    s = team.store
    first = tmp_path / "周会现场.jpg"
    first.write_bytes(camera_photo(4000, 3000, seed=4))
    teams.save_report(s, team.v1, D(2017, 6, 12), "本周走访", send=False, today=TODAY, photos=[first])
    report_id = teams.save_report(
        s, team.v1, D(2017, 6, 12), "本周走访2户", send=False, today=TODAY, photos=[camera_photo(800, 600, seed=5)]
    )
    info = teams.report_of_week(s, team.v1, D(2017, 6, 14))
    assert info is not None and info.id == report_id and info.text == "本周走访2户"
    assert [p.filename for p in info.photos] == ["周会现场.jpg", "photo.jpg"]
    big = teams.photo(s, info.photos[0].sha256)
    with Image.open(io.BytesIO(big)) as image:
        assert max(image.size) == 1024 and image.format == "JPEG"
    assert info.photos[0].size == len(big) < 1_000_000 < len(first.read_bytes())
    teams.remove_report_photo(s, info.photos[1].id)
    teams.save_report(s, team.v1, D(2017, 6, 12), "本周走访2户", send=True, today=TODAY)
    sent = teams.report_of_week(s, team.v1, D(2017, 6, 12))
    assert sent is not None and len(sent.photos) == 1 and sent.sent_on == TODAY
    before = files(s)
    with pytest.raises(teams.WorkTeamError, match="sent already"):
        teams.remove_report_photo(s, sent.photos[0].id)
    with pytest.raises(teams.WorkTeamError, match="sent already"):
        teams.save_report(s, team.v1, D(2017, 6, 12), "x", send=True, today=TODAY, photos=[camera_photo(640, 480)])
    assert files(s) == before


def test_WT_2_a_hostile_photo_is_refused_naming_it_and_nothing_changes(team, tmp_path):
    """WT-2: a file that is no picture, a damaged picture, or a picture declaring a billion pixels (made to
    exhaust the memory: refused from its header, before decoding) is refused with the file's name; the report
    is not saved."""
    s = team.store
    text_file = tmp_path / "说明.jpg"
    text_file.write_text("not a photo")
    truncated = tmp_path / "半张.jpg"
    truncated.write_bytes(camera_photo(1600, 1200)[:5000])
    bomb = tmp_path / "炸弹.png"
    Image.new("1", (40_000, 40_000)).save(bomb, format="PNG")  # a few KB on disk, 1.6 billion pixels
    assert bomb.stat().st_size < 1_000_000
    before = files(s)
    for path, words in ((text_file, "not a photo"), (truncated, "not a photo"), (bomb, "too large")):
        with pytest.raises(teams.WorkTeamError, match=words) as refused:
            teams.save_report(s, team.v1, D(2017, 6, 12), "本周", send=True, today=TODAY, photos=[path])
        assert path.name in str(refused.value)
    assert files(s) == before and teams.report_of_week(s, team.v1, D(2017, 6, 12)) is None


def test_WT_2_report_photos_travel_in_bundles_and_the_township_meetings_reach_the_laptops(world):
    """WT-2: a report's photos entered on the laptop arrive at the township with the report, bytes and all;
    the township's leaders' and all-member meetings reach the laptops (read there), and a laptop records
    neither them nor the checks (refused in words)."""
    laptop = world.laptop(0)
    with laptop.session() as session:
        village = session.execute(text("SELECT id FROM village")).scalar()
    teams.save_report(
        laptop, village, D(2017, 6, 5), "本周走访3户", send=True, today=TODAY, photos=[camera_photo(1600, 1200)]
    )
    world.sync(laptop)
    arrived = teams.report_of_week(world.township, village, D(2017, 6, 5))
    assert arrived is not None and arrived.text == "本周走访3户" and len(arrived.photos) == 1
    with Image.open(io.BytesIO(teams.photo(world.township, arrived.photos[0].sha256))) as image:
        assert max(image.size) == 1024
    for kind, day in ((wt.LEADERS_MEETING, D(2017, 6, 2)), (wt.ALL_MEMBERS_MEETING, D(2017, 6, 20))):
        teams.record_meeting(
            world.township, teams.MeetingDraft(kind, day, None, ("杨志强", "李文"), "部署遍访"), today=TODAY
        )
    world.sync(laptop)
    seen = teams.meetings(laptop, village, Q2.first_day, Q2.last_day)
    assert [(m.kind, m.village_id) for m in seen] == [(wt.ALL_MEMBERS_MEETING, None), (wt.LEADERS_MEETING, None)]
    assert wt.count(teams.report(laptop, Q2, TODAY).leaders_meetings, wt.HELD) == 1
    before = files(laptop)
    with pytest.raises(teams.WorkTeamError, match="only read"):
        teams.record_meeting(
            laptop, teams.MeetingDraft(wt.LEADERS_MEETING, D(2017, 6, 3), None, ("王",)), today=TODAY, on_laptop=True
        )
    with pytest.raises(teams.WorkTeamError, match="only read"):
        teams.record_check(
            laptop,
            teams.CheckDraft(village, D(2017, 6, 3), wt.TELEPHONE, "乡", wt.GOOD),
            today=TODAY,
            on_laptop=True,
        )
    assert files(laptop) == before
    assert not teams.may(laptop, village, Action.TEAM_CHECKS, on_laptop=True) and teams.may(laptop, village)


def test_WT_1_the_roster_the_pairings_and_the_tasks_reported_as_the_window_lists_them(team):
    """Issue 20: the village's team (those still there first), its pairings (open first) and the tasks it reported;
    who may write (a village cadre reads only; only the township oversees)."""
    s = team.store
    teams.edit_member(
        s, team.leader, teams.MemberDraft("杨志强", D(2017, 1, 31), "区农业局", "leader", "", D(2017, 6, 1))
    )
    assert [m.name for m in teams.roster(s, team.v1)] == ["李文", "杨志强"]
    assert teams.roster(s, team.v1)[1].role_label == "team leader"
    ended = teams.pair(s, team.leader, team.h2, D(2017, 4, 1))
    teams.end_pairing(s, ended, D(2017, 5, 31))
    found = teams.pairings(s, team.v1)
    assert [(p.member, p.end_on) for p in found] == [("李文", None), ("杨志强", D(2017, 5, 31))]
    assert [p.household_id for p in teams.pairings(s, team.v1, team.member)] == [team.h1]
    assert {h for h, _head in teams.village_households(s, team.v1)} == {team.h1, team.h2, team.h3}
    teams.record_task(s, team.v1, wt.VILLAGE_RULES, D(2017, 5, 20), "村规民约（定稿）", today=TODAY)
    assert [(t.task_label, t.evidence) for t in teams.tasks_reported(s, team.v1)] == [
        ("village rules", "村规民约（定稿）")
    ]
    accounts.create(s, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(s, "admin", PASSWORD)
    accounts.create(s, "cadre1", PASSWORD, Role.VILLAGE_CADRE, [team.v1])
    accounts.login(s, "cadre1", PASSWORD)
    assert not teams.may(s, team.v1) and not teams.may(s, team.v1, Action.TEAM_CHECKS)
    assert [v for v, _name in teams.team_villages(s)] == [team.v1]
    accounts.login(s, "admin", PASSWORD)
    assert teams.may(s, team.v1) and teams.may(s, team.v1, Action.TEAM_CHECKS)


def test_WT_2_a_report_photo_changed_or_left_out_of_a_bundle_refuses_the_bundle(world, tmp_path):
    """WT-2: an incoming report's photo is checked like every other attachment: its bytes replaced (a part that
    does not match its hash) or left out by a faulty sender who signed again (a record naming a photo nobody
    sent): the bundle is refused, named, and nothing of it is kept."""
    from test_sync_safety import _sign_again, refused, rewrite

    from xinjie_desktop.core.sync import bundle_format, importing

    laptop = world.laptop(0)
    with laptop.session() as session:
        village = session.execute(text("SELECT id FROM village")).scalar()
    teams.save_report(laptop, village, D(2017, 6, 5), "本周", send=True, today=TODAY, photos=[camera_photo(900, 600)])
    (path,) = world.export(laptop)
    [sha] = [p.sha256 for p in teams.report_of_week(laptop, village, D(2017, 6, 5)).photos]
    assert teams.report_json(teams.report(laptop, Q2, TODAY))["villages"][0]["weekly_reports"]["photos"] == 1

    def swap(parts):
        parts[f"attachments/{sha}"] = teams.photo_for_stick(camera_photo(900, 600, seed=9))

    assert "a part does not match its hash" in refused(world.township, rewrite(world, path, tmp_path / "a.xjb", swap))

    def leave_out(parts):
        del parts[f"attachments/{sha}"]
        manifest = json.loads(parts["manifest.json"])
        del manifest["parts"][f"attachments/{sha}"]
        manifest["attachments"] = [a for a in manifest.get("attachments", []) if a != sha]
        parts["manifest.json"] = json.dumps(manifest).encode()
        _sign_again(laptop, parts, parts["changes.tsv"].decode("utf-8"))

    with pytest.raises(bundle_format.SyncError) as error:  # found when the import commits (after its backup)
        importing.import_bundles(world.township, [rewrite(world, path, tmp_path / "b.xjb", leave_out)])
    assert "b.xjb holds records that do not fit" in str(error.value)
    assert teams.report_of_week(world.township, village, D(2017, 6, 5)) is None
