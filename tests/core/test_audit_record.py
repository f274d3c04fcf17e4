"""The record of who did what (issue 17): every change attributed to an account as well as a device, with its
old and new values, chained by hashes per device so that a removed, altered or reordered entry is detected,
travelling in bundles (a broken chain refused, naming the device and the entry)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import text

from builders import family_draft
from sync_world import World, edit, file_state, group_of
from xinjie_desktop.core.records import households
from xinjie_desktop.core.rules.permissions import Actor, Role
from xinjie_desktop.core.sync import audit_chain
from xinjie_desktop.core.sync.bundle_format import SyncError
from xinjie_desktop.core.sync.workstore import open_store

WANG = Actor("7a1d0c6e-0000-4000-8000-000000000001", "王芳", Role.WORK_TEAM, frozenset())
LI = Actor("7a1d0c6e-0000-4000-8000-000000000002", "李明", Role.TOWNSHIP_ADMIN, frozenset())


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path / "world", laptops=1)
    yield world
    world.close()


def _entries(store, device_id=None):
    """(seq, account id, account name, old values, the change's table, op and payload) of a device's entries."""
    with store.session() as session:
        rows = session.execute(
            text(
                "SELECT a.seq, a.account_id, a.account_name, a.old, c.table_name, c.op, c.payload FROM audit_record a "
                "JOIN change_log c ON c.origin_device = a.origin_device AND c.seq = a.seq "
                "WHERE a.origin_device = :d ORDER BY a.seq"
            ),
            {"d": device_id or store.device_id},
        ).all()
    return [
        (seq, aid, name, json.loads(old), table, op, json.loads(payload))
        for seq, aid, name, old, table, op, payload in rows
    ]


def _problems(store, device_id=None):
    with store.session() as session:
        return [(p.seq, p.kind) for p in audit_chain.verify_chain(session, device_id or store.device_id)]


def _household(store, actor=WANG) -> str:
    store.actor = actor
    return households.save(store, family_draft(group_of(store, "青山村")))


def _sql(store, statement, *parameters):
    with closing(sqlite3.connect(store.path)) as connection, connection:
        connection.execute(statement, parameters)


def test_every_change_is_attributed_to_the_acting_account_and_the_device(world):
    """Issue 17: each entry names store.actor (id and name at the time) as well as the device; no one logged in
    is recorded as the empty account."""
    laptop = world.laptop(0)
    before = {seq for seq, *_ in _entries(laptop)}
    _household(laptop, WANG)
    laptop.actor = None
    with laptop.session() as session:
        household_id = session.execute(text("SELECT id FROM household")).scalar_one()
    edit(laptop, household_id, phone="13800000009")
    entries = [entry for entry in _entries(laptop) if entry[0] not in before]
    created = [entry for entry in entries if entry[6].get("created_at")]
    assert created and {(e[1], e[2]) for e in created} == {(WANG.id, "王芳")}
    assert {e[4] for e in created} >= {"household", "member", "income_worksheet"}
    later = [entry for entry in entries if not entry[6].get("created_at")]
    assert later and {(e[1], e[2]) for e in later} == {("", "")}
    with laptop.session() as session:
        devices = set(session.execute(text("SELECT DISTINCT origin_device FROM audit_record")).scalars())
        at = session.execute(text("SELECT at FROM audit_record ORDER BY seq DESC LIMIT 1")).scalar_one()
    assert devices == {laptop.device_id, world.township.device_id}  # the township's set-up came with its entries
    assert len(at) == 19 and at[10] == "T"
    assert _problems(laptop) == []


def test_an_edit_records_the_old_and_the_new_values_of_the_fields_it_changed(world):
    """Issue 17: which record and fields, old and new values; a delete keeps every field it removed."""
    laptop = world.laptop(0)
    _household(laptop)
    with laptop.session() as session:
        household_id, phone = session.execute(text("SELECT id, phone FROM household")).one()
    laptop.actor = LI
    edit(laptop, household_id, phone="13912345678", address="青山村二组")
    seq, aid, name, old, table, op, new = _entries(laptop)[-1]
    assert (table, op, aid, name) == ("household", "upsert", LI.id, "李明")
    assert old == {"phone": phone, "address": "V1 G1 No. 3"}
    assert new["phone"] == "13912345678" and new["address"] == "青山村二组"
    households.delete(laptop, household_id)
    deletes = [entry for entry in _entries(laptop) if entry[5] == "delete"]
    household_delete = next(entry for entry in deletes if entry[4] == "household")
    assert household_delete[3]["phone"] == "13912345678" and household_delete[3]["address"] == "青山村二组"
    members = [entry for entry in deletes if entry[4] == "member"]
    assert len(members) == 4 and {entry[3]["name"] for entry in members} == {"杨明", "李芳", "杨华", "杨英"}
    assert _problems(laptop) == []


def _chain_of_five(world):
    laptop = world.laptop(0)
    _household(laptop)
    with laptop.session() as session:
        household_id = session.execute(text("SELECT id FROM household")).scalar_one()
    for number in range(5):
        edit(laptop, household_id, phone=f"1380000000{number}")
    seqs = [entry[0] for entry in _entries(laptop)]
    assert _problems(laptop) == []
    return laptop, seqs


def test_the_chain_detects_a_removed_entry(world):
    """Issue 17: a removed entry is detected and named."""
    laptop, seqs = _chain_of_five(world)
    removed = seqs[-3]
    _sql(laptop, "DELETE FROM audit_record WHERE origin_device = ? AND seq = ?", laptop.device_id, removed)
    assert _problems(laptop) == [(removed, "missing")]


def test_the_chain_detects_an_entry_removed_with_its_change(world):
    """Issue 17: removing the change from the journal too does not hide it (the next entry's link)."""
    laptop, seqs = _chain_of_five(world)
    removed = seqs[-2]
    for table in ("audit_record", "change_log"):
        _sql(laptop, f"DELETE FROM {table} WHERE origin_device = ? AND seq = ?", laptop.device_id, removed)
    assert _problems(laptop) == [(removed, "missing")]


def test_the_chain_detects_an_altered_entry_and_an_altered_change(world):
    """Issue 17: an altered entry (who did it, the old values) and an altered change (the new values) are
    detected, as is an entry altered with its hash recomputed (the next entry no longer follows it)."""
    laptop, seqs = _chain_of_five(world)
    me = laptop.device_id
    _sql(laptop, "UPDATE audit_record SET account_name = '张三' WHERE origin_device = ? AND seq = ?", me, seqs[-4])
    _sql(
        laptop,
        "UPDATE change_log SET payload = replace(payload, '13800000003', '13800000099') WHERE origin_device "
        "= ? AND seq = ?",
        me,
        seqs[-2],
    )
    assert _problems(laptop) == [(seqs[-4], "altered"), (seqs[-2], "altered")]

    # The forger recomputes the altered entry's own hash: the entry after it no longer follows.
    with laptop.session() as session:
        row = session.execute(
            text(
                "SELECT a.at, a.account_id, a.account_name, a.old, a.prev_hash, c.origin_device, c.seq, c.hlc, "
                "c.table_name, c.row_id, c.op, c.village_id, c.payload, c.bases FROM audit_record a JOIN change_log c "
                "USING (origin_device, seq) WHERE a.origin_device = :d AND a.seq = :s"
            ),
            {"d": me, "s": seqs[-4]},
        ).one()
    forged = audit_chain.entry_hash(
        row[4], me, seqs[-4], row[0], row[1], row[2], row[3], audit_chain.line_sha256(row[5:])
    )
    _sql(laptop, "UPDATE audit_record SET hash = ? WHERE origin_device = ? AND seq = ?", forged, me, seqs[-4])
    assert _problems(laptop) == [(seqs[-3], "link"), (seqs[-2], "altered")]


def test_the_chain_detects_reordered_entries(world):
    """Issue 17: two entries put in each other's place (their counters swapped) are detected."""
    laptop, seqs = _chain_of_five(world)
    me, first, second = laptop.device_id, seqs[-3], seqs[-2]
    _sql(laptop, "UPDATE audit_record SET seq = -1 WHERE origin_device = ? AND seq = ?", me, first)
    _sql(laptop, "UPDATE audit_record SET seq = ? WHERE origin_device = ? AND seq = ?", first, me, second)
    _sql(laptop, "UPDATE audit_record SET seq = ? WHERE origin_device = ? AND seq = -1", second, me)
    problems = _problems(laptop)
    assert (first, "altered") in problems and (second, "altered") in problems
    assert {seq for seq, _kind in problems} <= {first, second, seqs[-1]}


def test_the_record_travels_with_the_changes_and_its_chain_holds_at_the_township(world):
    """Issue 17: the entries travel in bundles; the township holds each laptop's entries as the laptop wrote
    them (who, when, old values), and every device's chain verifies there."""
    laptop = world.laptop(0)
    household_id = _household(laptop)
    edit(laptop, household_id, phone="13800000001")
    world.sync(laptop)
    world.township.actor = LI
    edit(world.township, household_id, phone="13800000002")
    world.import_into(laptop, world.export(world.township, to=laptop))
    with laptop.session() as session, world.township.session() as township:
        mine = audit_chain.entries(session, laptop.device_id, range(1, 10_000))
        there = audit_chain.entries(township, laptop.device_id, range(1, 10_000))
        assert there == mine and any(entry[4] == "王芳" for entry in there.values())
        assert audit_chain.verify_all(township) == [] and audit_chain.verify_all(session) == []
        back = audit_chain.entries(session, world.township.device_id, range(1, 10_000))
    assert back and list(back.values())[-1][4] == "李明"
    assert json.loads(list(back.values())[-1][5]) == {"phone": "13800000001"}


def test_a_bundle_whose_chain_is_broken_is_refused_naming_the_device_and_the_entry(world):
    """Issue 17: an entry altered on the laptop before its bundle was written: the township refuses the bundle
    with a message naming the device and the entry, and its files are unchanged."""
    laptop = world.laptop(0)
    household_id = _household(laptop)
    edit(laptop, household_id, phone="13800000001")
    seqs = [entry[0] for entry in _entries(laptop)]
    _sql(
        laptop,
        "UPDATE audit_record SET account_name = '张三' WHERE origin_device = ? AND seq = ?",
        laptop.device_id,
        seqs[2],
    )
    paths = world.export(laptop)
    before = file_state(world.township.path)
    with pytest.raises(SyncError) as refused:
        world.import_into(world.township, paths)
    message = str(refused.value)
    assert f"entry {seqs[2]} of" in message and laptop.device_id in message and "青山村笔记本" in message
    assert "its hash does not match" in message
    assert file_state(world.township.path) == before


def test_a_bundle_leaving_out_an_entry_is_refused(world):
    """Issue 17: a change carried without its entry after its device's chain started is refused (the entry was
    removed), naming the entry."""
    laptop = world.laptop(0)
    household_id = _household(laptop)
    edit(laptop, household_id, phone="13800000001")
    edit(laptop, household_id, phone="13800000002")
    seqs = [entry[0] for entry in _entries(laptop)]
    _sql(laptop, "DELETE FROM audit_record WHERE origin_device = ? AND seq = ?", laptop.device_id, seqs[-2])
    with pytest.raises(SyncError, match=f"entry {seqs[-2]} of .*without its entry"):
        world.import_into(world.township, world.export(laptop))


def test_a_bundle_contradicting_entries_held_is_refused(world):
    """Issue 17: an entry the township already holds, sent again with other content (the laptop's own copy
    altered and its hash recomputed, the next entries too), is refused."""
    laptop = world.laptop(0)
    household_id = _household(laptop)
    world.sync(laptop)
    edit(laptop, household_id, phone="13800000001")
    me = laptop.device_id
    with laptop.session() as session:
        last_sent = session.execute(text("SELECT max(seq) FROM audit_record WHERE origin_device = :d"), {"d": me})
        last_sent = last_sent.scalar_one() - 1
    # Rewrite the whole chain from the last entry the township holds on, as a forger would.
    with closing(sqlite3.connect(laptop.path)) as connection, connection:
        rows = connection.execute(
            "SELECT a.seq, a.at, a.account_id, a.old, a.prev_hash, c.origin_device, c.seq, c.hlc, c.table_name, "
            "c.row_id, c.op, c.village_id, c.payload, c.bases FROM audit_record a JOIN change_log c USING "
            "(origin_device, seq) WHERE a.origin_device = ? AND a.seq >= ? ORDER BY a.seq",
            (me, last_sent),
        ).fetchall()
        prev = rows[0][4]
        for seq, at, aid, old, _prev, *change in rows:
            digest = audit_chain.entry_hash(prev, me, seq, at, aid, "张三", old, audit_chain.line_sha256(change))
            connection.execute(
                "UPDATE audit_record SET account_name = '张三', prev_hash = ?, hash = ? WHERE origin_device = ? "
                "AND seq = ?",
                (prev, digest, me, seq),
            )
            prev = digest
    with laptop.session() as session:
        assert audit_chain.verify_chain(session, me) == []  # locally a chain again: only a copy elsewhere tells
    with pytest.raises(SyncError, match="other content"):
        world.import_into(world.township, world.export(laptop, full=True))


def test_stores_without_entries_still_sync(tmp_path):
    """Changes journalled before the record of who did what (and bundles of earlier versions) carry no
    entries: they are imported as before, and a chain starts with the first entry."""
    world = World(tmp_path / "world", laptops=1)
    try:
        laptop = world.laptop(0)
        _household(laptop)
        with closing(sqlite3.connect(laptop.path)) as connection, connection:
            connection.execute("DELETE FROM audit_record")  # as if journalled before migration 0013
        world.sync(laptop)
        laptop.actor = WANG
        edit(laptop, households_ids(laptop)[0], phone="13800000005")
        world.sync(laptop)
        with world.township.session() as session:
            assert audit_chain.verify_all(session) == []
            first = session.execute(
                text("SELECT prev_hash FROM audit_record WHERE origin_device = :d ORDER BY seq LIMIT 1"),
                {"d": laptop.device_id},
            ).scalar_one()
        assert first == audit_chain.GENESIS
    finally:
        world.close()


def households_ids(store) -> list[str]:
    with store.session() as session:
        return list(session.execute(text("SELECT id FROM household ORDER BY id")).scalars())


def test_a_store_opened_without_a_person_records_the_empty_account(tmp_path):
    """store.actor is None until someone logs in (COMMON17): the entries name no account."""
    store = open_store(tmp_path / "data.sqlite")
    try:
        assert store.actor is None
        from xinjie_desktop.core.records import township

        township.set_up(store, "辛街乡", "辛街乡易地扶贫搬迁指挥部", {"青山村": ["第一村民小组"]})
        with store.session() as session:
            names = set(session.execute(text("SELECT account_id || '|' || account_name FROM audit_record")).scalars())
            assert names == {"|"}
            assert audit_chain.verify_chain(session, store.device_id) == []
    finally:
        store.close()


@pytest.mark.parametrize("column", ["hash", "prev_hash"])
@pytest.mark.parametrize(
    "spelling", [lambda value: value[:-1] + "A", lambda value: value[:-1] + "g", lambda value: value + "0"]
)
def test_an_entry_whose_hash_is_not_64_small_hex_digits_is_refused_as_damaged(world, column, spelling):
    """Issue 17 (and 13: nothing from outside on trust): an entry's hash or its predecessor's spelt otherwise than
    a writer spells them (capitals, a letter past f, 65 digits) makes the bundle damaged, and nothing changes."""
    laptop = world.laptop(0)
    _household(laptop)
    seq = _entries(laptop)[0][0]
    with closing(sqlite3.connect(laptop.path)) as connection:
        (value,) = connection.execute(
            f"SELECT {column} FROM audit_record WHERE origin_device = ? AND seq = ?", (laptop.device_id, seq)
        ).fetchone()
    _sql(
        laptop,
        f"UPDATE audit_record SET {column} = ? WHERE origin_device = ? AND seq = ?",
        spelling(value),
        laptop.device_id,
        seq,
    )
    paths = world.export(laptop)
    before = file_state(world.township.path)
    with pytest.raises(SyncError, match="damaged"):
        world.import_into(world.township, paths)
    assert file_state(world.township.path) == before
