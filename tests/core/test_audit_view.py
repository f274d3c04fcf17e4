"""The record of who did what shown to 纪检/审计 (issue 17): the records service's filters (person, village,
household, dates) and pages, the command line (`xinjie-desktop audit`, its filters, --json keys, --pdf), the
PDF, and who may read it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing

import pytest
from sqlalchemy import text

from builders import family_draft, renumber
from sync_world import World, edit, group_of
from xinjie_desktop.core.documents import audit_report
from xinjie_desktop.core.records import audit, households
from xinjie_desktop.core.rules.permissions import Actor, Role
from xinjie_desktop.main import main

WANG = Actor("7a1d0c6e-0000-4000-8000-000000000001", "王芳", Role.WORK_TEAM, frozenset())
LI = Actor("7a1d0c6e-0000-4000-8000-000000000002", "李明", Role.WORK_TEAM, frozenset())
ZHAO = Actor("7a1d0c6e-0000-4000-8000-000000000003", "赵审计", Role.AUDITOR, frozenset())


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    """A township office that received two laptops' work: 王芳 entered and edited a household of 青山村, 李明
    one of 绿水村; returns (the township's store, 青山村's household id, 绿水村's household id)."""
    folder = tmp_path_factory.mktemp("audit-view")
    world = World(folder / "world", laptops=2)
    qingshan, lushui = world.laptop(0), world.laptop(1)
    qingshan.actor, lushui.actor = WANG, LI
    first = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    edit(qingshan, first, phone="13800000001")
    second = households.save(lushui, renumber(family_draft(group_of(lushui, "绿水村")), 40))
    world.sync(qingshan)
    world.sync(lushui)
    world.township.actor = ZHAO
    yield world.township, first, second
    world.close()


def _people(entries) -> set[str]:
    return {entry.account_name for entry in entries}


def test_the_filters_find_entries_by_person_village_household_and_date(township):
    """Issue 17: filters by person, village, household and date."""
    store, first, second = township
    everything = list(audit.entries(store))
    assert audit.count(store) == len(everything) and {"王芳", "李明"} <= _people(everything)
    by_person = list(audit.entries(store, audit.AuditFilter(person="王")))
    assert by_person and _people(by_person) == {"王芳"}
    by_village = list(audit.entries(store, audit.AuditFilter(village="绿水村")))
    assert by_village and {e.village for e in by_village} == {"绿水村"}
    assert _people(by_village) == {"李明", ""}  # the township's set-up of the village: before anyone logged in
    village_id = by_village[0].village_id
    assert len(list(audit.entries(store, audit.AuditFilter(village=village_id)))) == len(by_village)
    by_household = list(audit.entries(store, audit.AuditFilter(household=first)))
    assert {e.household_id for e in by_household} == {first}
    assert {e.table for e in by_household} >= {"household", "member", "income_worksheet"}
    assert {e.household for e in by_household} == {"杨明"}
    by_head = list(audit.entries(store, audit.AuditFilter(household="杨明")))  # both households' heads are 杨明
    assert {e.household_id for e in by_head} == {first, second}
    changed = [e for e in by_household if e.action == "changed"]
    assert len(changed) == 1 and [(c.field, c.new) for c in changed[0].changes] == [("phone", "13800000001")]
    today = dt.date.today()
    assert audit.count(store, audit.AuditFilter(date_from=today, date_to=today)) == len(everything)
    assert audit.count(store, audit.AuditFilter(date_to=today - dt.timedelta(days=1))) == 0
    assert audit.count(store, audit.AuditFilter(date_from=today + dt.timedelta(days=1))) == 0
    assert audit.count(store, audit.AuditFilter(person="王芳", village="绿水村")) == 0


def test_pages_follow_each_other_newest_first(township):
    """Issue 17: the record is read a page at a time (a township holds hundreds of thousands of entries)."""
    store, _first, _second = township
    total = audit.count(store)
    pages = [audit.page(store, offset=offset, limit=7) for offset in range(0, total, 7)]
    flat = [entry for page in pages for entry in page]
    assert len(flat) == total and len({(e.device_id, e.seq) for e in flat}) == total
    assert [e.at for e in flat] == sorted((e.at for e in flat), reverse=True)


def test_only_the_township_administration_and_auditors_read_the_record(township):
    """Issue 17: reading the record of who did what is for township_admin and auditor."""
    store, _first, _second = township
    for role in (Role.WORK_TEAM, Role.VILLAGE_CADRE):
        store.actor = Actor("x", "某人", role, frozenset())
        with pytest.raises(audit.NotAllowed, match="某人"):
            audit.count(store)
    for role in (Role.TOWNSHIP_ADMIN, Role.AUDITOR):
        store.actor = Actor("x", "某人", role, frozenset())
        assert audit.count(store) > 0
    store.actor = ZHAO


def _cli(capsys, *arguments: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", "audit", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_line_filters_and_its_json_keys(township, capsys):
    """Issue 17: `xinjie-desktop audit --db P [--person] [--village] [--household] [--from] [--to] [--json]`."""
    store, first, _second = township
    db = str(store.path)
    code, out, err = _cli(capsys, "--db", db, "--json")
    assert code == 0, err
    document = json.loads(out)
    assert set(document) == {"count", "filters", "chain_problems", "entries"}
    assert document["chain_problems"] == [] and document["count"] == len(document["entries"]) > 0
    assert set(document["entries"][0]) == {
        "device_id",
        "device_name",
        "seq",
        "at",
        "account_id",
        "account_name",
        "table",
        "row_id",
        "action",
        "village_id",
        "village",
        "household_id",
        "household",
        "changes",
    }
    assert set(document["entries"][0]["changes"][0]) == {"field", "old", "new"}
    today = dt.date.today().isoformat()
    code, out, _err = _cli(
        capsys,
        "--db",
        db,
        "--json",
        "--person",
        "王芳",
        "--village",
        "青山村",
        "--household",
        first,
        "--from",
        today,
        "--to",
        today,
    )
    filtered = json.loads(out)
    assert code == 0 and 0 < filtered["count"] < document["count"]
    assert {e["account_name"] for e in filtered["entries"]} == {"王芳"}
    assert {e["household_id"] for e in filtered["entries"]} == {first}
    assert filtered["filters"] == {
        "person": "王芳",
        "village": "青山村",
        "household": first,
        "from": today,
        "to": today,
    }
    edit_entry = next(e for e in filtered["entries"] if e["action"] == "changed")
    assert edit_entry["changes"] == [{"field": "phone", "old": "", "new": "13800000001"}]
    code, out, _err = _cli(capsys, "--db", db, "--person", "李明")
    lines = out.splitlines()
    assert code == 0 and lines and all("\t李明\t" in line for line in lines)


def test_the_command_line_refuses_bad_input_with_exit_2(township, capsys, tmp_path):
    store, _first, _second = township
    with pytest.raises(SystemExit) as exited:
        _cli(capsys, "--db", str(store.path), "--from", "2026-13-01")
    assert exited.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err
    code, _out, err = _cli(capsys, "--db", str(store.path), "--from", "2026-12-02", "--to", "2026-12-01")
    assert code == 2 and "after" in err
    code, _out, err = _cli(capsys, "--db", str(tmp_path / "none.sqlite"))
    assert code == 2 and "does not exist" in err


def test_the_command_line_names_a_broken_chain(township, capsys, tmp_path):
    """Issue 17: a removed entry is named in what the auditor reads."""
    store, _first, _second = township
    copy = tmp_path / "copy.sqlite"
    with closing(sqlite3.connect(store.path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    with closing(sqlite3.connect(copy)) as connection, connection:
        origin, seq = connection.execute(
            "SELECT origin_device, seq FROM audit_record WHERE account_name = '王芳' ORDER BY seq LIMIT 1 OFFSET 2"
        ).fetchone()
        connection.execute("DELETE FROM audit_record WHERE origin_device = ? AND seq = ?", (origin, seq))
    code, out, _err = _cli(capsys, "--db", str(copy), "--json")
    problems = json.loads(out)["chain_problems"]
    assert code == 0 and problems == [
        {"device_id": origin, "seq": seq, "kind": "missing", "message": problems[0]["message"]}
    ]
    assert f"Entry {seq} of 青山村笔记本 (device {origin})" in problems[0]["message"]


def test_the_pdf_of_the_filtered_record(township, capsys, tmp_path):
    """Issue 17: printable as PDF: the title, the filters, who did what; ID numbers masked."""
    store, first, _second = township
    out = tmp_path / "record.pdf"
    code, said, err = _cli(capsys, "--db", str(store.path), "--household", first, "--pdf", str(out))
    assert code == 0, err
    count = audit.count(store, audit.AuditFilter(household=first))
    assert f"{count} entries written" in said
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    content = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert "Record of who did what" in content and f"household: {first}" in content
    assert "王芳" in content and "李明" not in content and "found intact" in content
    assert "13800000001" in content
    numbers = [member.id_number for member in family_draft("g").members]
    assert not any(number in content for number in numbers)
    assert any(number[:6] in content for number in numbers)  # masked, as on a public notice


def test_the_renderer_states_a_broken_chain_and_an_empty_result(tmp_path):
    out = tmp_path / "empty.pdf"
    assert audit_report.render("辛街乡", [], out, chain_problems=["Entry 7 of X is missing: it was removed."]) == 0
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    content = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "chain of hashes is broken" in content and "Entry 7 of X is missing" in content
    assert "No entry matches" in content


def test_every_change_of_the_township_is_found_with_its_author(township):
    """The township's own edit (its person) is found too, with its village and household."""
    store, first, _second = township
    with store.session() as session:
        before = session.execute(text("SELECT phone FROM household WHERE id = :h"), {"h": first}).scalar_one()
    store.actor = Actor("7a1d0c6e-0000-4000-8000-000000000004", "乡管理员", Role.TOWNSHIP_ADMIN, frozenset())
    edit(store, first, phone="13800000002")
    (latest,) = audit.page(store, audit.AuditFilter(person="乡管理员"), 0, 5)
    assert (latest.household_id, latest.village, latest.action) == (first, "青山村", "changed")
    assert [(c.field, c.old, c.new) for c in latest.changes] == [("phone", before, "13800000002")]
    assert latest.device_name
    store.actor = ZHAO
