"""The canonical dump (issue 5): deterministic, complete, local settings and derived caches aside."""

import json

from sqlalchemy import update

from builders import family_draft
from xinjie_desktop.core.records import attachments, demo_data, households
from xinjie_desktop.core.store import canonical_dump
from xinjie_desktop.core.store.models import Base, Household, LocalSetting, Travelling
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main


def demo_store(path, seed=3):
    store = open_store(path)
    demo_data.generate(store, 2, 30, seed)
    return store


def test_two_dumps_of_one_store_are_equal_and_sorted(tmp_path):
    store = demo_store(tmp_path / "a.sqlite")
    first, second = canonical_dump.dump(store), canonical_dump.dump(store)
    assert first == second
    assert canonical_dump.canonical_text(first) == canonical_dump.canonical_text(second)
    for name, rows in first["tables"].items():
        ids = [row.get("id", row.get("sha256")) for row in rows]
        assert ids == sorted(ids), name
    assert json.loads(canonical_dump.canonical_text(first)) == first
    store.close()


def test_every_travelling_table_is_dumped_and_local_settings_are_not(tmp_path):
    store = demo_store(tmp_path / "a.sqlite")
    dumped = canonical_dump.dump(store)
    travelling = {
        mapper.class_.__tablename__ for mapper in Base.registry.mappers if issubclass(mapper.class_, Travelling)
    }
    assert travelling | {"blob"} == set(dumped["tables"])
    assert "local_setting" not in dumped["tables"]
    assert len(dumped["tables"]["household"]) == 30 and dumped["tables"]["member"]
    store.close()


def test_the_same_seed_gives_the_same_dump_apart_from_stamps(tmp_path):
    """Demo data is reproducible down to its UUIDs; only who wrote it and when differ."""
    a, b = demo_store(tmp_path / "a.sqlite"), demo_store(tmp_path / "b.sqlite")
    assert canonical_dump.dump(a, stamps=False) == canonical_dump.dump(b, stamps=False)
    assert canonical_dump.dump(a, stamps=False, derived=True) == canonical_dump.dump(b, stamps=False, derived=True)
    assert canonical_dump.dump(a) != canonical_dump.dump(b)  # different devices wrote them
    assert canonical_dump.digest(a, stamps=False) == canonical_dump.digest(b, stamps=False)
    c = demo_store(tmp_path / "c.sqlite", seed=4)
    assert canonical_dump.dump(a, stamps=False) != canonical_dump.dump(c, stamps=False)
    for store in (a, b, c):
        store.close()


def test_dates_are_iso_and_derived_columns_are_left_out_by_default(tmp_path):
    store = demo_store(tmp_path / "a.sqlite")
    household = canonical_dump.dump(store)["tables"]["household"][0]
    assert "flags" not in household and "search_text" not in household and "village_id" in household
    assert "T" in household["created_at"]
    member = canonical_dump.dump(store)["tables"]["member"][0]
    assert member["birth_date"] is None or len(member["birth_date"]) == 10
    with store.unit_of_work() as session:  # a changed cache alone does not change the records' dump
        session.execute(update(Household).values(flags="|changed|"))
    assert canonical_dump.dump(store, stamps=False) == canonical_dump.dump(store, stamps=False)
    assert "|changed|" in canonical_dump.canonical_text(canonical_dump.dump(store, derived=True))
    store.close()


def test_blobs_are_dumped_by_hash_and_local_settings_never(store, group_id, params, tmp_path):
    household_id = households.save(store, family_draft(group_id), params)
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG pretend scan")
    attachments.attach(store, household_id, scan, "reconciliation")
    before = canonical_dump.dump(store)
    [blob] = before["tables"]["blob"]
    assert blob["data"].startswith("sha256:") and blob["data"] == "sha256:" + blob["sha256"]
    assert "pretend" not in canonical_dump.canonical_text(before)
    with store.unit_of_work() as session:
        session.add(LocalSetting(key="something local", value="x"))
    assert canonical_dump.dump(store) == before


def test_db_dump_command(tmp_path, capsys):
    path = tmp_path / "a.sqlite"
    demo_store(path).close()
    assert main(["db", "dump", "--db", str(path), "--canonical"]) == 0
    first = capsys.readouterr().out
    assert main(["db", "dump", "--db", str(path), "--canonical"]) == 0
    assert capsys.readouterr().out == first
    assert json.loads(first)["tables"]["household"]
    assert main(["db", "dump", "--db", str(path), "--canonical", "--without-stamps", "--with-derived"]) == 0
    household = json.loads(capsys.readouterr().out)["tables"]["household"][0]
    assert "device_id" not in household and "flags" in household


def test_db_dump_rejected_input_exits_2(tmp_path, capsys):
    assert main(["db", "dump", "--db", str(tmp_path / "missing.sqlite"), "--canonical"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing.sqlite").exists()
    (tmp_path / "not.sqlite").write_bytes(b"hello, not a database")
    assert main(["db", "dump", "--db", str(tmp_path / "not.sqlite"), "--canonical"]) == 2
    assert "not a data file" in capsys.readouterr().err
    demo_store(tmp_path / "a.sqlite").close()
    assert main(["db", "dump", "--db", str(tmp_path / "a.sqlite")]) == 2
    assert "--canonical" in capsys.readouterr().err
