"""Device identity (issue 5): made once, kept on reopen and on a move, renewed for a copy or a
restored backup; provisioning signed by the township, verified by the laptop, tamper refused."""

import base64
import datetime as dt
import json
import os
import shutil

import pytest
from sqlalchemy import select

from xinjie_desktop.core.records import township
from xinjie_desktop.core.store import canonical_dump
from xinjie_desktop.core.store.models import LocalSetting, Village
from xinjie_desktop.core.sync import device
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main


def local_settings(store):
    with store.session() as session:
        return {row.key: row.value for row in session.scalars(select(LocalSetting))}


def reopen(path):
    store = open_store(path)
    facts = (store.device_id, device.identity(store), device.history(store))
    store.close()
    return facts


@pytest.fixture
def town(tmp_path):
    store = open_store(tmp_path / "township.sqlite")
    township.set_up(store, "Xinjie", "Command centre", {"V1": ["G1"], "V2": ["G1"], "V3": ["G1"]})
    yield store
    store.close()


def certify(town, laptop, name, villages, out):
    """The laptop's request, and the provisioning file ``town`` makes from it with the fingerprint confirmed."""
    request = out.with_name(out.stem + "-request.json")
    device.write_request(laptop, request)
    return device.provision(town, name, villages, out, request=request, fingerprint=device.identity(laptop).fingerprint)


def accept(laptop, out, town, **options):
    """Accept the provisioning file, the officer having confirmed ``town``'s fingerprint."""
    return device.accept_provisioning(laptop, out, township_fingerprint=device.identity(town).fingerprint, **options)


def village_ids(store):
    with store.session() as session:
        return {name: id_ for id_, name in session.execute(select(Village.id, Village.name))}


# --- identity -------------------------------------------------------------------------------------


def test_identity_is_made_once_and_kept_on_reopen(tmp_path):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    me = device.identity(store)
    assert me.device_id == store.device_id
    assert len(base64.b64decode(me.signing_public)) == 32 and len(base64.b64decode(me.box_public)) == 32
    assert device.sidecar_path(path).is_file()
    store.close()
    for _ in range(3):
        device_id, again, former = reopen(path)
        assert (device_id, again) == (me.device_id, me)
        assert former == []


def test_private_keys_are_stored_and_sign_verifiably(store):
    settings = local_settings(store)
    assert {device.SIGNING_KEY, device.BOX_KEY, device.HOME} <= set(settings)
    signature = device.sign(store, b"hello")
    me = device.identity(store)
    assert device.verify_signature(me.signing_public, b"hello", signature)
    assert not device.verify_signature(me.signing_public, b"hellO", signature)
    assert device.box_key(store).public_key().public_bytes_raw() == base64.b64decode(me.box_public)


def test_a_copy_elsewhere_takes_a_new_identity_and_the_original_keeps_its_own(tmp_path):
    original = tmp_path / "a" / "s.sqlite"
    store = open_store(original)
    first = device.identity(store)
    store.close()
    copy = tmp_path / "b" / "s.sqlite"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    device_id, copied, former = reopen(copy)
    assert device_id != first.device_id and copied.signing_public != first.signing_public
    assert [entry["device_id"] for entry in former] == [first.device_id]
    assert former[0]["signing_public"] == first.signing_public and former[0]["reason"] == "no_identity_file"
    assert reopen(copy)[0] == device_id  # the copy is now at home where it is
    assert reopen(original)[:2] == (first.device_id, first)  # the original is untouched


def test_a_copy_with_its_identity_file_is_still_a_copy(tmp_path):
    original = tmp_path / "a" / "s.sqlite"
    store = open_store(original)
    first = store.device_id
    store.close()
    shutil.copytree(original.parent, tmp_path / "b")
    device_id, _me, former = reopen(tmp_path / "b" / "s.sqlite")
    assert device_id != first and former[0]["reason"] == "other_file"
    assert reopen(original)[0] == first


def test_a_restored_backup_takes_a_new_identity(tmp_path):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    store.close()
    backup = tmp_path / "backup.sqlite"
    shutil.copy(path, backup)
    assert reopen(path)[0] == first  # opened (and worked in) after the backup was taken
    shutil.copy(backup, path)  # put back over the original: same file, same place, older content
    device_id, _me, former = reopen(path)
    assert device_id != first
    assert former[-1]["device_id"] == first and former[-1]["reason"] == "older_copy"


def test_a_backup_restored_by_the_backups_module_takes_a_new_identity(tmp_path):
    from xinjie_desktop.core.store import backups

    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    store.close()
    taken = backups.create_backup(path, backups.MANUAL)
    assert reopen(path)[0] == first
    backups.restore(path, taken.path)
    assert reopen(path)[0] != first


def test_an_export_makes_earlier_backups_older_copies(tmp_path):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    backup = tmp_path / "backup.sqlite"
    store.close()
    shutil.copy(path, backup)
    store = open_store(path)
    device.rotate_home(store)  # what a bundle export will do
    store.close()
    shutil.copy(backup, path)
    assert reopen(path)[0] != first


def test_a_rename_on_the_same_disk_keeps_the_identity(tmp_path):
    """Judgment call: the same inode (a move, not a copy) with its identity file keeps the identity."""
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    store.close()
    (tmp_path / "moved").mkdir()
    moved = tmp_path / "moved" / "renamed.sqlite"
    os.rename(path, moved)
    os.rename(device.sidecar_path(path), device.sidecar_path(moved))
    assert reopen(moved)[0] == first
    assert reopen(moved)[0] == first


def test_a_store_moved_without_its_identity_file_takes_a_new_identity(tmp_path):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    store.close()
    os.rename(path, tmp_path / "t.sqlite")
    assert reopen(tmp_path / "t.sqlite")[0] != first


def test_another_computer_name_means_a_copy(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    store.close()
    monkeypatch.setattr(device.platform, "node", lambda: "another-laptop")
    device_id, _me, former = reopen(path)
    assert device_id != first and former[-1]["reason"] == "other_computer"


def test_a_crash_between_identity_file_and_commit_does_not_look_like_a_copy(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    first = store.device_id
    store.close()

    def fail_after_writing(session, *args, **kwargs):
        original_write_home(session, *args, **kwargs)
        raise KeyboardInterrupt  # killed after the identity file was written, before the commit

    original_write_home = device._write_home
    monkeypatch.setattr(device, "_write_home", fail_after_writing)
    with pytest.raises(KeyboardInterrupt):
        open_store(path)
    monkeypatch.undo()
    assert reopen(path)[0] == first


def test_a_store_from_before_the_keys_keeps_its_device_id(tmp_path):
    path = tmp_path / "s.sqlite"
    store = open_store(path)
    with store.unit_of_work() as session:
        for key in (device.SIGNING_KEY, device.BOX_KEY, device.HOME):
            session.delete(session.get(LocalSetting, key))
        session.get(LocalSetting, device.DEVICE_ID).value = "legacy-id"
    store.close()
    device.sidecar_path(path).unlink()
    device_id, me, former = reopen(path)
    assert device_id == "legacy-id" and me.signing_public and former == []


def test_records_keep_the_id_they_were_written_under(tmp_path):
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    township.set_up(store, "Xinjie", "Centre", {"V1": ["G1"]})
    first = store.device_id
    store.close()
    copy = tmp_path / "b.sqlite"
    shutil.copy(path, copy)
    store = open_store(copy)
    with store.session() as session:
        assert {v.device_id for v in session.scalars(select(Village))} == {first}
    assert device.known_ids(store) == [first, store.device_id]
    store.close()


# --- provisioning ---------------------------------------------------------------------------------


def test_provisioning_round_trip(town, tmp_path):
    ids = village_ids(town)
    out = tmp_path / "stick" / "laptop-1.json"
    out.parent.mkdir()
    laptop = open_store(tmp_path / "laptop.sqlite")
    certify(town, laptop, "Laptop 1", [ids["V2"], ids["V1"], ids["V1"]], out)
    assert [entry["laptop_name"] for entry in device.issued(town)] == ["Laptop 1"]
    accepted = accept(laptop, out, town)
    assert accepted.township == device.identity(town)
    assert accepted.laptop_name == "Laptop 1"
    assert set(accepted.village_ids) == {ids["V1"], ids["V2"]}
    assert dict(accepted.villages)[ids["V2"]] == "V2"
    kept = device.provisioning(laptop)
    assert kept == accepted and kept.accepted_by == laptop.device_id
    assert not device.needs_reprovisioning(laptop)
    laptop.close()


def test_a_copied_laptop_keeps_its_scope_but_needs_provisioning_again(town, tmp_path):
    out = tmp_path / "p.json"
    laptop = open_store(tmp_path / "laptop.sqlite")
    certify(town, laptop, "Laptop 1", [village_ids(town)["V1"]], out)
    accept(laptop, out, town)
    laptop.close()
    shutil.copy(tmp_path / "laptop.sqlite", tmp_path / "clone.sqlite")
    clone = open_store(tmp_path / "clone.sqlite")
    assert device.provisioning(clone).laptop_name == "Laptop 1"
    assert device.needs_reprovisioning(clone)
    clone.close()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda doc: doc["body"].update(laptop_name="Laptop 2"),
        lambda doc: doc["body"]["villages"].append({"id": "someone-else", "name": "X"}),
        lambda doc: doc.update(signature=base64.b64encode(b"\0" * 64).decode()),
        lambda doc: doc["body"]["township"].update(signing_public=base64.b64encode(b"\1" * 32).decode()),
    ],
)
def test_a_tampered_provisioning_file_is_refused_and_nothing_changes(town, tmp_path, tamper):
    out = tmp_path / "p.json"
    laptop = open_store(tmp_path / "laptop.sqlite")
    certify(town, laptop, "Laptop 1", [village_ids(town)["V1"]], out)
    document = json.loads(out.read_text(encoding="utf-8"))
    tamper(document)
    out.write_text(json.dumps(document), encoding="utf-8")
    township.set_up(laptop, "Xinjie", "Centre", {"V9": ["G1"]})
    before = (canonical_dump.dump(laptop), local_settings(laptop))
    with pytest.raises(device.DeviceError, match="signature does not match|damaged"):
        accept(laptop, out, town)
    assert (canonical_dump.dump(laptop), local_settings(laptop)) == before
    assert device.provisioning(laptop) is None
    laptop.close()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG not json", "not a provisioning file"),
        (b'{"format": "something else"}', "not a provisioning file"),
        (b'{"format": "xinjie-desktop/provisioning", "version": 99, "body": {}}', "newer version"),
        (b'{"format": "xinjie-desktop/provisioning", "version": 1, "body": {"laptop_name": "x"}}', "damaged"),
    ],
)
def test_files_that_are_not_provisioning_files_are_refused(store, tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_bytes(content)
    before = local_settings(store)
    with pytest.raises(device.DeviceError, match=message):
        device.accept_provisioning(store, path, township_fingerprint="0000-0000-0000-0000-0000")
    assert local_settings(store) == before


def test_provisioning_refusals(town, tmp_path):
    ids = village_ids(town)
    laptop = open_store(tmp_path / "laptop.sqlite")
    request = device.write_request(laptop, tmp_path / "request.json")  # no name asked for
    confirmed = {"request": request, "fingerprint": request.fingerprint}
    own = device.Request(**device.identity(town).public(), name="", made_at="")  # a request naming its own key
    with pytest.raises(device.DeviceError, match="this data file itself"):
        device.provision(town, "Laptop 1", [ids["V1"]], tmp_path / "p.json", request=own, fingerprint=own.fingerprint)
    with pytest.raises(device.DeviceError, match="No village"):
        device.provision(town, "Laptop 1", ["nope"], tmp_path / "p.json", **confirmed)
    with pytest.raises(device.DeviceError, match="name"):
        device.provision(town, "  ", [ids["V1"]], tmp_path / "p.json", **confirmed)
    with pytest.raises(device.DeviceError, match="at least one village"):
        device.provision(town, "Laptop 1", [], tmp_path / "p.json", **confirmed)
    assert not (tmp_path / "p.json").exists()
    device.provision(town, "Laptop 1", [ids["V1"]], tmp_path / "p.json", **confirmed)
    with pytest.raises(device.DeviceError, match="this data file itself"):
        accept(town, tmp_path / "p.json", town)
    accept(laptop, tmp_path / "p.json", town)
    with pytest.raises(device.DeviceError, match="provisioned by the township office"):
        device.provision(laptop, "Laptop 2", [ids["V1"]], tmp_path / "q.json", **confirmed)
    with pytest.raises(device.DeviceError, match="township office's"):
        device.write_request(town, tmp_path / "town-request.json")  # it provisions laptops
    laptop.close()


def test_another_township_or_an_older_file_is_refused(town, tmp_path):
    ids = village_ids(town)
    laptop = open_store(tmp_path / "laptop.sqlite")
    certify(town, laptop, "Laptop 1", [ids["V1"]], tmp_path / "old.json")
    certify(town, laptop, "Laptop 1", [ids["V1"], ids["V2"]], tmp_path / "new.json")
    other = open_store(tmp_path / "other-township.sqlite")
    township.set_up(other, "Elsewhere", "Centre", {"W1": ["G1"]})
    with other.session() as session:
        other_village = session.scalar(select(Village.id))
    certify(other, laptop, "Laptop 1", [other_village], tmp_path / "other.json")
    other_fingerprint = device.identity(other).fingerprint
    other.close()
    new = json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))["body"]["issued_at"]
    old = json.loads((tmp_path / "old.json").read_text(encoding="utf-8"))["body"]["issued_at"]
    accept(laptop, tmp_path / "new.json", town)
    if old < new:  # issued in the same second otherwise
        with pytest.raises(device.DeviceError, match="older"):
            accept(laptop, tmp_path / "old.json", town)
    with pytest.raises(device.DeviceError, match="another township office"):
        device.accept_provisioning(laptop, tmp_path / "other.json", township_fingerprint=other_fingerprint)
    assert set(device.provisioning(laptop).village_ids) == {ids["V1"], ids["V2"]}
    device.accept_provisioning(
        laptop, tmp_path / "other.json", township_fingerprint=other_fingerprint, replace_township=True
    )
    assert device.provisioning(laptop).village_ids == (other_village,)
    laptop.close()


# --- command line ---------------------------------------------------------------------------------


def test_device_commands(town, tmp_path, capsys):
    path = str(town.path)
    ids = village_ids(town)
    me = device.identity(town)
    town.close()
    assert main(["device", "init", "--db", path]) == 0
    out = capsys.readouterr().out
    assert me.device_id in out and me.signing_public in out and me.box_public in out and me.fingerprint in out
    assert main(["device", "init", "--db", path, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["device_id"] == me.device_id and shown["box_public"] == me.box_public
    out_file = tmp_path / "p.json"
    laptop = str(tmp_path / "laptop.sqlite")
    request = str(tmp_path / "request.json")
    assert main(["device", "request", "--db", laptop, "--out", request]) == 0  # makes the data file
    assert main(["device", "init", "--db", laptop, "--json"]) == 0
    laptop_fingerprint = json.loads(capsys.readouterr().out.split("\n", 2)[2])["fingerprint"]
    assert (
        main(
            [
                "device",
                "provision",
                "--db",
                path,
                "--name",
                "Laptop 1",
                "--village",
                ids["V1"],
                "--village",
                ids["V3"],
                "--out",
                str(out_file),
                "--request",
                request,
                "--fingerprint",
                laptop_fingerprint,
            ]
        )
        == 0
    )
    assert "Laptop 1" in capsys.readouterr().out
    assert main(["device", "accept", "--db", laptop, str(out_file), "--township-fingerprint", me.fingerprint]) == 0
    assert me.fingerprint in capsys.readouterr().out
    assert main(["device", "init", "--db", laptop]) == 0
    assert "Laptop 1" in capsys.readouterr().out


def test_device_commands_exit_2_on_rejected_input(town, tmp_path, capsys):
    path = str(town.path)
    ids = village_ids(town)
    town_fingerprint = device.identity(town).fingerprint
    town.close()
    laptop = str(tmp_path / "laptop.sqlite")
    request = str(tmp_path / "request.json")
    main(["device", "request", "--db", laptop, "--out", request])
    confirmed = ["--request", request, "--fingerprint", device.read_request(request).fingerprint]
    assert (
        main(
            [
                "device",
                "provision",
                "--db",
                path,
                "--name",
                "L",
                "--village",
                "nope",
                "--out",
                str(tmp_path / "p.json"),
                *confirmed,
            ]
        )
        == 2
    )
    assert "No village with the id nope" in capsys.readouterr().err
    assert (
        main(
            [
                "device",
                "provision",
                "--db",
                str(tmp_path / "missing.sqlite"),
                "--name",
                "L",
                "--village",
                ids["V1"],
                "--out",
                str(tmp_path / "p.json"),
                *confirmed,
            ]
        )
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing.sqlite").exists()
    assert main(["device", "accept", "--db", laptop, str(tmp_path / "absent.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert (
        main(
            [
                "device",
                "provision",
                "--db",
                path,
                "--name",
                "L",
                "--village",
                ids["V1"],
                "--out",
                str(tmp_path / "p.json"),
                *confirmed,
            ]
        )
        == 0
    )
    tampered = tmp_path / "p.json"
    tampered.write_text(tampered.read_text(encoding="utf-8").replace('"L"', '"M"'), encoding="utf-8")
    capsys.readouterr()
    assert main(["device", "accept", "--db", laptop, str(tampered), "--township-fingerprint", town_fingerprint]) == 2
    assert "signature does not match" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["device", "provision", "--db", path, "--name", "L", "--out", str(tmp_path / "p.json")])
    assert exit_.value.code == 2


def test_device_messages_are_in_chinese(tmp_path, capsys):
    from xinjie_desktop.i18n import set_language

    path = tmp_path / "p.json"
    path.write_text("{}", encoding="utf-8")
    store = open_store(tmp_path / "s.sqlite")
    set_language("zh_CN")
    with pytest.raises(device.DeviceError) as refused:
        device.accept_provisioning(store, path, township_fingerprint="")
    store.close()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))


def test_a_copied_laptop_names_its_former_self_by_name_villages_and_last_change_in_chinese(tmp_path, capsys):
    """Issue 16: a store copied to another folder (it takes a new identity) says what it was before the copy
    as a person knows it, the laptop's name, its villages and the day of its last change, in Chinese; not by
    the former identity's id (which ``device init --json`` still gives)."""
    from sync_world import World
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.i18n import set_language

    world = World(tmp_path / "world", laptops=1)
    laptop = world.laptop(0)
    demo_data.add_households(laptop, 2, seed=5)  # a change made on it: the day of the last one is named
    old_id, path = laptop.device_id, laptop.path
    world.close()
    (tmp_path / "other").mkdir()
    shutil.copy(path, tmp_path / "other" / "laptop.sqlite")
    copy = open_store(tmp_path / "other" / "laptop.sqlite")
    entry = device.history(copy)[-1]
    copy.close()
    assert entry["device_id"] == old_id and entry["name"] == "青山村笔记本" and entry["villages"] == ["青山村"]
    assert entry["last_change"][:4] == str(dt.date.today().year)

    set_language("zh_CN")
    try:
        assert main(["device", "init", "--db", str(tmp_path / "other" / "laptop.sqlite")]) == 0
    finally:
        set_language("en")
    printed = capsys.readouterr().out
    today = dt.datetime.fromisoformat(entry["last_change"]).astimezone().date()
    line = next(line for line in printed.splitlines() if "青山村笔记本" in line)
    assert "青山村笔记本（青山村）" in line and f"{today.year:04d}年{today.month:02d}月{today.day:02d}日" in line
    assert "最后一次修改" in line and "复制" in line
    assert old_id not in printed, "the former self is named, not numbered"


def test_a_former_identity_recorded_before_names_were_kept_is_still_described():
    """Issue 16: history entries written before this change have no name: the id is all there is."""
    entry = {"device_id": "abc", "until": "2017-03-05T08:00:00+00:00", "reason": "other_computer"}
    assert "abc" in device.former_identity_text(entry)
    assert "2017-03-05" in device.former_identity_text(entry)
