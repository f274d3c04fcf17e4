"""Issue 16, the new-user trial's "冲突 1 处": a brand-new village laptop, set up as the README shows it (the
township's data file, ``device init``, ``villages``, the laptop's ``device request``, ``device provision``,
``device accept``, ``bundle export`` at the township, ``bundle import`` on the laptop), imports the township's
bundle for the first time.  It has entered nothing, so nothing it holds can be in conflict: the import reports
no conflict of its own, its village's households arrive whole, and an agreement the township drafted and then
signed arrives signed (AG-1), not as "changed after signing".

The cause was the merge's signing rule: a draft and its signing, arriving in one bundle, were compared field by
field, and the draft's empty signed-PDF or scan hash listed as a value the signing overwrote, although the
signing's own bases show its author had that draft in front of them.  A conflict the township has open about a
household of the laptop's village (two computers' values that met there) does arrive and is listed, as in every
store; the report then says it is between other computers' values, not the laptop's."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from sqlalchemy import text

from builders import family_draft
from command_line import cli
from sync_world import group_of
from xinjie_desktop.core.documents import import_report
from xinjie_desktop.core.records import agreements, households, housing_plans, township
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.sync import conflicts
from xinjie_desktop.core.sync.workstore import open_store

FINGERPRINT = re.compile(r"[0-9A-F]{4}(?:-[0-9A-F]{4}){4}")


def readme_first_import(tmp_path, capsys, town, village: str) -> tuple[str, str]:
    """The README's sync commands, in order, for a new laptop of ``village``; the laptop's first import's output
    (stdout, stderr)."""
    laptop, usb = tmp_path / "laptop.sqlite", tmp_path / "usb"
    usb.mkdir()
    code, out, err = cli(capsys, "device", "init", "--db", str(town))
    assert code == 0, err
    township_fingerprint = FINGERPRINT.search(out.split("Fingerprint:")[1]).group(0)
    code, out, err = cli(capsys, "villages", "--db", str(town))
    assert code == 0 and village in out, err
    code, out, err = cli(
        capsys, "device", "request", "--db", str(laptop), "--name", f"{village}笔记本", "--out", str(usb / "r.json")
    )
    assert code == 0, err
    laptop_fingerprint = FINGERPRINT.search(out).group(0)
    code, out, err = cli(
        capsys,
        "device",
        "provision",
        "--db",
        str(town),
        "--request",
        str(usb / "r.json"),
        "--fingerprint",
        laptop_fingerprint,
        "--village",
        village,
        "--out",
        str(usb / "p.json"),
    )
    assert code == 0, err
    code, out, err = cli(
        capsys,
        "device",
        "accept",
        "--db",
        str(laptop),
        str(usb / "p.json"),
        "--township-fingerprint",
        township_fingerprint,
    )
    assert code == 0, err
    code, out, err = cli(capsys, "bundle", "export", "--db", str(town), "--to", str(usb))
    assert code == 0, err
    code, out, err = cli(capsys, "bundle", "import", "--db", str(laptop), *sorted(map(str, usb.glob("*.xjb"))))
    assert code == 0, err
    return out, err


def village_households(path, village: str) -> list[tuple]:
    store = open_store(path)
    try:
        with store.session() as session:
            return session.execute(
                text(
                    "SELECT h.id, h.phone, (SELECT count(*) FROM member m WHERE m.household_id = h.id) FROM household h "
                    "JOIN villager_group g ON g.id = h.group_id JOIN village v ON v.id = g.village_id "
                    "WHERE v.name = :v ORDER BY h.id"
                ),
                {"v": village},
            ).all()
    finally:
        store.close()


def agreements_of(path) -> list[tuple]:
    store = open_store(path)
    try:
        with store.session() as session:
            return session.execute(
                text("SELECT id, status, content_sha256, scan_sha256, signed_pdf_sha256 FROM agreement ORDER BY id")
            ).all()
    finally:
        store.close()


def test_a_new_laptops_first_import_of_a_township_it_never_wrote_to_reports_no_conflict(tmp_path, capsys):
    """Issue 16 (the trial's "冲突 1 处"), AG-1: the township set up by hand, a household entered, its demolition
    agreement drafted and then signed on paper, all at the township; the README's commands give a new laptop
    its village.  Its first import: no conflict, the household whole, the agreement signed as at the township."""
    town_path = tmp_path / "town.sqlite"
    town = open_store(town_path)
    township.set_up(
        town, "辛街乡", "辛街乡易地扶贫搬迁指挥部", {"青山村": ["第一村民小组"], "绿水村": ["第一村民小组"]}
    )
    household_id = households.save(town, family_draft(group_of(town, "青山村"), phone="13800000001"))
    households.save(town, family_draft(group_of(town, "绿水村")))  # another village's: stays at the township
    plan = PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True)
    housing_plans.save(town, household_id, plan, calculate(plan, housing_plans.current()))
    agreement_id = agreements.draft(
        town, household_id, "demolition", demolition_deadline=dt.date(2017, 12, 31), today=dt.date(2017, 6, 1)
    )
    scan = tmp_path / "signed-scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n scanned paper agreement")
    agreements.sign_on_paper(town, agreement_id, scan, True, dt.date(2017, 6, 3))
    town.close()

    out, err = readme_first_import(tmp_path, capsys, town_path, "青山村")

    assert "; 0 conflicts, 0 possible duplicates." in out, out
    assert err == ""
    laptop = open_store(tmp_path / "laptop.sqlite")
    try:
        assert conflicts.listing(laptop, status=None) == []
    finally:
        laptop.close()
    assert village_households(tmp_path / "laptop.sqlite", "青山村") == village_households(town_path, "青山村")
    assert village_households(tmp_path / "laptop.sqlite", "绿水村") == []
    (signed,) = agreements_of(tmp_path / "laptop.sqlite")
    assert signed == agreements_of(town_path)[0] and signed[1] == "signed" and signed[3]


def test_a_new_laptop_of_the_demo_township_gets_the_townships_open_conflict_named_as_not_its_own(tmp_path, capsys):
    """Issue 16: the same with ``demo-data`` at the township.  Its first village holds signed, voided and re-issued
    agreements (no conflict any more) and the conflict the demo leaves waiting at the township (a household's
    telephone changed at the township and on a demo laptop): it arrives with the household and is listed, as in
    every store, and the report says it is between other computers' values."""
    town = tmp_path / "town.sqlite"
    code, _out, err = cli(capsys, "demo-data", "--db", str(town), "--villages", "2", "--households", "44")
    assert code == 0, err
    town_store = open_store(town)
    try:
        with town_store.session() as session:
            first_village = session.execute(text("SELECT name FROM village ORDER BY rowid LIMIT 1")).scalar_one()
        at_township = {(c.table, c.row_id, c.field) for c in conflicts.listing(town_store)}
    finally:
        town_store.close()
    assert any(status == "signed" for _id, status, *_rest in agreements_of(town))

    out, err = readme_first_import(tmp_path, capsys, town, first_village)

    assert "; 1 conflicts, all between values other computers entered (nothing entered on this computer is in " in out
    laptop = open_store(tmp_path / "laptop.sqlite")
    try:
        listed = conflicts.listing(laptop, status=None)
        me = laptop.device_id
        with laptop.session() as session:
            reports = session.execute(text("SELECT report FROM bundle_log WHERE direction = 'in'")).all()
    finally:
        laptop.close()
    assert [(c.table, c.field, c.kind) for c in listed] == [("household", "phone", "field")]
    (stored,) = [json.loads(report) for (report,) in reports]  # the printable report and the import window say so
    line = import_report.ReportLine.from_report(stored)
    assert (line.conflicts, line.conflicts_between_others) == (1, 1)
    assert "nothing entered on this computer is in question" in import_report.between_others_note(1, 1)
    assert {(c.table, c.row_id, c.field) for c in listed} <= at_township, "the township's own open conflict"
    assert all(value.device_id != me for c in listed for value in (c.winner, *c.losers))
    assert village_households(tmp_path / "laptop.sqlite", first_village) == village_households(town, first_village)
    travelled = {row[0]: row for row in agreements_of(tmp_path / "laptop.sqlite")}
    assert any(row[1] == "signed" for row in travelled.values())
    assert {row for row in agreements_of(town) if row[0] in travelled} == set(travelled.values())
