"""Issue 16, "the command line as the README shows it": villages are given by name as well as id, a command lists
them with their ids, in the order they were typed at set-up, and ``device accept`` on a data file that does not
exist says what to do and creates nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from command_line import cli
from xinjie_desktop.core.records import township
from xinjie_desktop.core.store.models import Township, Village, VillagerGroup
from xinjie_desktop.core.sync import device
from xinjie_desktop.core.sync.workstore import open_store

TYPED = {"青山村": ["第一组", "第二组", "第三组", "第十组"], "松林村": ["二组", "一组"], "白沙村": ["1组"]}


@pytest.fixture
def town(tmp_path):
    store = open_store(tmp_path / "town.sqlite")
    township.set_up(store, "辛街乡", "", TYPED)
    yield store
    store.close()


def ids_by_name(store) -> dict[str, str]:
    with store.session() as session:
        return {name: id_ for id_, name in session.execute(select(Village.id, Village.name))}


def test_villages_and_groups_come_back_in_the_order_typed(town):
    with town.session() as session:
        assert [v.name for v in township.villages(session)] == ["青山村", "松林村", "白沙村"]
        assert [(g.village_name, g.name) for g in township.groups(session)] == [
            (village, group) for village, groups in TYPED.items() for group in groups
        ]
        town_record = township.township(session)
        assert {v.name: [g.name for g in v.groups] for v in town_record.villages} == TYPED
        assert [v.name for v in town_record.villages] == list(TYPED)


def test_the_villages_command_lists_them_with_their_ids_in_the_order_typed(town, capsys):
    path = str(town.path)
    ids = ids_by_name(town)
    town.close()
    before = {p.name: p.read_bytes() for p in town.path.parent.iterdir()}
    code, out, err = cli(capsys, "villages", "--db", path)
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [[name, ids[name]] for name in TYPED]
    assert "第一组, 第二组, 第三组, 第十组" in lines[0]
    code, out, err = cli(capsys, "villages", "--db", path, "--json")
    assert code == 0, err
    assert json.loads(out) == [
        {"id": ids[name], "name": name, "groups": [{"id": g["id"], "name": g["name"]} for g in listed["groups"]]}
        for name, listed in zip(TYPED, json.loads(out), strict=True)
    ]
    assert [[g["name"] for g in v["groups"]] for v in json.loads(out)] == list(TYPED.values())
    assert {p.name: p.read_bytes() for p in town.path.parent.iterdir()} == before  # it only reads


def test_the_villages_command_refuses_a_missing_data_file(tmp_path, capsys):
    code, _out, err = cli(capsys, "villages", "--db", str(tmp_path / "none.sqlite"))
    assert code == 2 and "does not exist" in err
    assert not list(tmp_path.iterdir())


@pytest.fixture
def request_file(tmp_path):
    laptop = open_store(tmp_path / "laptop.sqlite")
    asked = device.write_request(laptop, tmp_path / "r.json", "青山村笔记本")
    laptop.close()
    return tmp_path / "r.json", asked.fingerprint


def test_provision_takes_a_villages_name_as_well_as_its_id(town, request_file, tmp_path, capsys):
    request, fingerprint = request_file
    ids = ids_by_name(town)
    path = str(town.path)
    town.close()
    out_file = tmp_path / "p.json"
    code, out, err = cli(
        capsys, "device", "provision", "--db", path, "--request", str(request), "--fingerprint", fingerprint,
        "--village", "青山村", "--village", ids["白沙村"], "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    assert f"青山村 ({ids['青山村']})" in out and f"白沙村 ({ids['白沙村']})" in out
    assert sorted(device.read_provisioning(out_file).villages) == sorted(
        [(ids["青山村"], "青山村"), (ids["白沙村"], "白沙村")]
    )


def test_provision_refuses_an_unknown_or_ambiguous_village_name_naming_the_choices(
    town, request_file, tmp_path, capsys
):
    request, fingerprint = request_file
    with town.unit_of_work() as session:  # another 青山村 (a township may hold two villages of one name)
        town_id = session.scalar(select(Township.id))
        session.add(Village(id="second-qingshan", name="青山村", township_id=town_id))
        session.add(VillagerGroup(id="second-qingshan-1", name="一组", village_id="second-qingshan"))
    ids = ids_by_name(town)
    path = str(town.path)
    town.close()
    out_file = tmp_path / "p.json"
    base = ["device", "provision", "--db", path, "--request", str(request), "--fingerprint", fingerprint]
    before = cli(capsys, "db", "dump", "--db", path, "--canonical")[1]  # (opening a store for work stamps its file)
    code, _out, err = cli(capsys, *base, "--village", "黑山村", "--out", str(out_file))
    assert code == 2 and "黑山村" in err
    for name in ("松林村", "白沙村", "second-qingshan"):
        assert name in err  # the choices, with their ids
    assert "Nothing was written" in err
    code, _out, err = cli(capsys, *base, "--village", "青山村", "--out", str(out_file))
    assert code == 2 and "Several villages are called 青山村" in err
    assert "second-qingshan" in err and ids["松林村"] not in err
    assert "Traceback" not in err
    assert not out_file.exists()
    assert cli(capsys, "db", "dump", "--db", path, "--canonical")[1] == before
    code, _out, err = cli(capsys, *base, "--village", "second-qingshan", "--out", str(out_file))
    assert code == 0, err


def test_accept_on_a_data_file_that_does_not_exist_says_what_to_do_and_creates_nothing(tmp_path, capsys):
    (tmp_path / "p.json").write_text("{}", encoding="utf-8")
    code, _out, err = cli(
        capsys, "device", "accept", "--db", str(tmp_path / "new.sqlite"), str(tmp_path / "p.json"),
        "--township-fingerprint", "AAAA",
    )  # fmt: skip
    assert code == 2
    assert "device request --db" in err and "Nothing was created" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]
