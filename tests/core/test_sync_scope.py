"""Issue 13, cases 6 and 5: what a laptop's bundle may write is judged by this store's own records, and a
receipt acknowledges only what was sent (docs/design/sync.md §9, "What a bundle may claim, and how each
claim is checked").

Case 6: the village attached to each change is the sender's word; a laptop provisioned for 青山村 signs,
with its own key, changes labelled 青山村 that change a household of 绿水村, delete a household of 白云村
with its dependent records, or rename the township.  Each is refused, on the command line with exit 2, the
store's files byte-identical, the message naming the record and its village.

Case 5: a receipt claiming the township's changes up to 10⁹ must not empty the township's later bundles
to that laptop.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from test_sync_safety import _sign_again, refused, rewrite

from builders import family_draft, person
from sync_world import file_state, group_of
from xinjie_desktop.core.records import households
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE
from xinjie_desktop.core.sync import checking, staging
from xinjie_desktop.core.sync.workstore import open_store


@pytest.fixture
def bundle(world) -> Path:
    """青山村笔记本's bundle for the township with one household of its own village."""
    qingshan = world.laptop(0)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (path,) = world.export(qingshan)
    return path


def _household_at_township(world, village: str, extra_members: int = 0) -> str:
    draft = family_draft(group_of(world.township, village))
    for index in range(extra_members):
        draft.members.append(person(f"杨{index}", dt.date(2010, 1, 1 + index), 20 + index, (MALE, FEMALE)[index % 2]))
    return households.save(world.township, draft)


def _forged(world, bundle: Path, out: Path, changes: list[tuple[str, str, str, dict]], label: str | None = "") -> Path:
    """青山村笔记本 appends ``changes`` (table, row, op, payload) to its bundle as changes of its own, numbered
    after its last one, each labelled with its own village (the sender's word), covers adjusted, signed with
    its own key: a faulty or hostile laptop."""
    qingshan = world.laptop(0)
    mine = world.villages["青山村"] if label == "" else label

    def forge(parts):
        manifest = json.loads(parts["manifest.json"])
        first, last = manifest["covers"][qingshan.device_id]
        document = parts["changes.tsv"].decode("utf-8")
        hlc = max(int(line.split("\t")[2]) for line in document.splitlines()) + 1
        rows = [
            [
                qingshan.device_id,
                last + n,
                hlc + n,
                table,
                row_id,
                op,
                mine,
                json.dumps(payload, ensure_ascii=False),
                "{}",
            ]
            for n, (table, row_id, op, payload) in enumerate(changes, 1)
        ]
        _sign_again(
            qingshan,
            parts,
            document + staging.document_text(rows),
            covers={qingshan.device_id: [first, last + len(rows)]},
        )

    return rewrite(world, bundle, out, forge)


def _dependents(store, household_id: str) -> list[tuple[str, str]]:
    from xinjie_desktop.core.sync import change_log

    with store.session() as session:
        return change_log.descendants(session.connection(), "household", household_id)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xinjie_desktop.main", "--lang", "en", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _refused_on_the_command_line(world, path: Path) -> str:
    store_path = world.township.path
    world.township.close()
    before = file_state(store_path)
    done = _run("bundle", "import", "--db", str(store_path), str(path))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert file_state(store_path) == before
    world.township = open_store(store_path)
    return done.stderr


# --- case 6: the village of a change is judged by this store's records ----------------------------------


def test_case_6_a_laptop_changing_another_villages_household_is_refused(world, bundle, tmp_path):
    lushui_household = _household_at_township(world, "绿水村")
    forged = _forged(
        world, bundle, tmp_path / "other-village.xjb", [("household", lushui_household, "upsert", {"phone": "139"})]
    )
    message = refused(world.township, forged)
    assert "other-village.xjb" in message and f"household {lushui_household[:8]}" in message, message
    assert "绿水村" in message and "青山村笔记本" in message and "Nothing was changed" in message
    assert "绿水村" in _refused_on_the_command_line(world, forged)
    assert households_phone(world.township, lushui_household) != "139"


def households_phone(store, household_id: str) -> str:
    with store.session() as session:
        return session.execute(text("SELECT phone FROM household WHERE id = :h"), {"h": household_id}).scalar()


def test_case_6_a_laptop_deleting_another_villages_household_with_its_records_is_refused(world, bundle, tmp_path):
    baiyun_household = _household_at_township(world, "白云村", extra_members=2)
    dependents = _dependents(world.township, baiyun_household)
    assert len(dependents) == 7  # six members and an income worksheet
    deletes = [("household", baiyun_household, "delete", {})] + [(t, r, "delete", {}) for t, r in dependents]
    forged = _forged(world, bundle, tmp_path / "delete.xjb", deletes)
    message = refused(world.township, forged)
    assert "delete.xjb" in message and f"household {baiyun_household[:8]}" in message and "白云村" in message, message
    assert "白云村" in _refused_on_the_command_line(world, forged)
    assert len(_dependents(world.township, baiyun_household)) == 7


def test_case_6_a_laptop_renaming_the_township_is_refused(world, bundle, tmp_path):
    with world.township.session() as session:
        town_id = session.execute(text("SELECT id FROM township")).scalar()
    forged = _forged(world, bundle, tmp_path / "rename.xjb", [("township", town_id, "upsert", {"name": "假乡"})])
    message = refused(world.township, forged)
    assert "rename.xjb" in message and f"township {town_id[:8]}" in message and "whole township" in message, message
    assert "whole township" in _refused_on_the_command_line(world, forged)
    with world.township.session() as session:
        assert session.execute(text("SELECT name FROM township")).scalar() == "辛街乡"


@pytest.mark.parametrize("table", ["village", "villager_group"])
def test_case_6_villages_and_groups_are_the_townships_too(world, bundle, tmp_path, table):
    with world.township.session() as session:
        row_id = session.execute(text(f"SELECT id FROM {table} ORDER BY name LIMIT 1")).scalar()
    forged = _forged(world, bundle, tmp_path / "shared.xjb", [(table, row_id, "upsert", {"name": "改名"})])
    message = refused(world.township, forged)
    assert f"{table} {row_id[:8]}" in message and "whole township" in message, message


def test_case_6_a_laptop_moving_a_household_into_another_villages_group_is_refused(world, tmp_path):
    """An update of group_id is judged by both villages: the household's (stored here) and the new group's."""
    qingshan = world.laptop(0)
    household_id = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    world.sync(qingshan)
    (path,) = world.export(qingshan, full=True)
    lushui_group = group_of(world.township, "绿水村")
    moved = _forged(
        world,
        path,
        tmp_path / "moved.xjb",
        [("household", household_id, "upsert", {"group_id": lushui_group, "village_id": world.villages["青山村"]})],
    )
    message = refused(world.township, moved)
    assert f"household {household_id[:8]}" in message and "绿水村" in message, message
    # And back: a household of 绿水村 moved into a group of 青山村 (the laptop's) is refused as well.
    lushui_household = _household_at_township(world, "绿水村")
    taken = _forged(
        world,
        path,
        tmp_path / "taken.xjb",
        [("household", lushui_household, "upsert", {"group_id": group_of(world.township, "青山村")})],
    )
    message = refused(world.township, taken)
    assert f"household {lushui_household[:8]}" in message and "绿水村" in message, message


def test_case_6_a_new_member_of_another_villages_household_is_refused(world, bundle, tmp_path):
    """A new record is judged by its own village field: here its household_id, resolved through this store."""
    from xinjie_desktop.core.store.models import new_uuid

    lushui_household = _household_at_township(world, "绿水村")
    with world.township.session() as session:
        member = dict(session.execute(text("SELECT * FROM member LIMIT 1")).mappings().one())
    payload = {
        key: (str(value) if isinstance(value, (dt.date, dt.datetime)) else value)
        for key, value in member.items()
        if key not in ("id", "sync_versions")
    }
    payload.update(household_id=lushui_household, id_number="", created_at="2017-04-01T00:00:00", name="外来人")
    forged = _forged(world, bundle, tmp_path / "member.xjb", [("member", new_uuid(), "upsert", payload)])
    message = refused(world.township, forged)
    assert "member " in message and "绿水村" in message, message


def test_case_6_honest_laptops_with_edits_and_deletes_still_import(world):
    """A laptop's edits and deletes of its own village's records (stored here, or created in the same
    bundle, or deleted here meanwhile) pass the check."""
    from sync_world import edit

    qingshan = world.laptop(0)
    first = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    world.sync(qingshan)
    edit(qingshan, first, phone="13800000000")
    second = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    edit(qingshan, second, address="新地址")
    households.delete(qingshan, second)
    third = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    world.sync(qingshan)
    assert households_phone(world.township, first) == "13800000000"
    with world.township.session() as session:
        ids = set(session.execute(text("SELECT id FROM household")).scalars())
    assert first in ids and third in ids and second not in ids
    # The township deletes a household while the laptop still edits it: the laptop is not locked out.
    households.delete(world.township, first)
    edit(qingshan, first, phone="13900000000")
    world.sync(qingshan)
    households.delete(qingshan, third)
    world.sync(qingshan)
    with world.township.session() as session:
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 0


def test_case_6_a_change_without_a_village_label_is_judged_by_the_record_too(world, bundle, tmp_path):
    """Labelled with no village at all (None), a change of another village's household is named with its village."""
    lushui_household = _household_at_township(world, "绿水村")
    change = [("household", lushui_household, "upsert", {"phone": "1"})]
    forged = _forged(world, bundle, tmp_path / "x.xjb", change, label=None)
    assert "绿水村" in refused(world.township, forged)


# --- case 5: a receipt acknowledges only what was sent to that peer -------------------------------------


def _township_changes(store) -> int:
    with store.session() as session:
        return session.execute(
            text("SELECT max(seq) FROM change_log WHERE origin_device = :d"), {"d": store.device_id}
        ).scalar()


def _receipt_forged(world, bundle: Path, out: Path, claim: int) -> Path:
    qingshan = world.laptop(0)

    def forge(parts):
        manifest = json.loads(parts["manifest.json"])
        receipt = {**manifest.get("receipt", {}), world.township.device_id: claim}
        _sign_again(qingshan, parts, parts["changes.tsv"].decode("utf-8"), receipt=receipt)

    return rewrite(world, bundle, out, forge)


def _acked(world, laptop) -> dict[str, int]:
    with world.township.session() as session:
        return dict(
            session.execute(
                text("SELECT origin_device, acked_seq FROM peer_cursor WHERE peer_id = :p"), {"p": laptop.device_id}
            ).all()
        )


def test_case_5_a_receipt_claiming_a_billion_of_the_townships_changes_is_refused(world, bundle, tmp_path):
    """The issue's case: acknowledged, it would empty every later bundle to the laptop."""
    sent = _township_changes(world.township)  # all of them, to the laptop as it was set up
    forged = _receipt_forged(world, bundle, tmp_path / "receipt.xjb", 10**9)
    message = refused(world.township, forged)
    assert "receipt.xjb" in message and "1000000000" in message and "Nothing was changed" in message, message
    assert f"changes up to {sent}" in message, message
    assert "1000000000" in _refused_on_the_command_line(world, forged)
    # The township's changes made after reach the laptop.
    _household_at_township(world, "青山村")
    world.import_into(world.township, [bundle])
    world.import_into(world.laptop(0), world.export(world.township, to=world.laptop(0)))
    with world.laptop(0).session() as session:
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 2


def test_case_5_an_honest_round_trip_still_makes_later_bundles_smaller(world):
    qingshan = world.laptop(0)
    for _ in range(3):
        _household_at_township(world, "青山村")
    world.sync(qingshan)  # the township's households go to the laptop
    world.sync(qingshan)  # the laptop's receipt for them comes back
    assert _acked(world, qingshan)[world.township.device_id] == _township_changes(world.township)
    (path,) = world.export(world.township, to=qingshan)
    assert not any(c.table == "household" for c in checking.read(qingshan, path).changes)


def test_case_5_honest_receipts_are_acknowledged_whole_both_ways(world):
    """No honest import limits a receipt: the township's receipt about the other laptops' changes is taken at
    its word by a laptop (its trust anchor; the laptop never sends those), so a laptop relays nothing twice."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    households.save(lushui, family_draft(group_of(lushui, "绿水村")))
    world.sync(lushui)
    _household_at_township(world, "青山村")
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    reports = []
    for _ in range(2):
        reports += [r.report for r in world.import_into(world.township, world.export(qingshan))]
        reports += [r.report for r in world.import_into(qingshan, world.export(world.township, to=qingshan))]
    assert not [report for report in reports if "receipt_clamped" in report], reports
    with qingshan.session() as session:
        acked = session.execute(
            text("SELECT acked_seq FROM peer_cursor WHERE peer_id = :t AND origin_device = :o"),
            {"t": world.township.device_id, "o": lushui.device_id},
        ).scalar()
    with world.township.session() as session:
        held = session.execute(
            text("SELECT received_seq FROM origin_cursor WHERE origin_device = :o"), {"o": lushui.device_id}
        ).scalar()
    assert acked == held


def test_case_5_a_receipt_ahead_of_a_restored_township_is_clamped_not_refused(world, tmp_path):
    """The township's store restored from a backup has forgotten bundles it sent: the laptop's honest receipt
    is ahead of what the township now knows it sent.  Refusing would lock the laptop out for good, so that
    origin's receipt is acknowledged only up to what this store has sent (and holds), and said in the report."""
    qingshan = world.laptop(0)
    _household_at_township(world, "青山村")
    world.sync(qingshan)
    with world.township.unit_of_work() as session:  # the restored store: the last bundle out was never recorded
        session.execute(
            text("DELETE FROM bundle_log WHERE direction = 'out' AND peer_id = :p"), {"p": qingshan.device_id}
        )
        session.execute(text("DELETE FROM peer_cursor WHERE peer_id = :p"), {"p": qingshan.device_id})
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (result,) = world.import_into(world.township, world.export(qingshan))
    assert result.outcome is not None
    assert world.township.device_id in result.report.get("receipt_clamped", {}), result.report
    assert _acked(world, qingshan).get(world.township.device_id, 0) == 0
    (path,) = world.export(world.township, to=qingshan)  # everything again: larger, nothing lost
    assert any(c.table == "household" for c in checking.read(qingshan, path).changes)
