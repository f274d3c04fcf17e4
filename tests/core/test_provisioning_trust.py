"""Issue 13, case 11: provisioning is no longer trust-on-first-use, in either direction.

The laptop writes a request (its id and public keys, shown on its screen as a fingerprint); the officer
at the township office confirms that fingerprint, and the township signs a certificate for exactly that
key and its villages; the laptop accepts only a certificate for its own keys, signed by the township key
whose fingerprint its officer confirmed.  The township accepts a laptop's bundle only under a key it
certified: whoever holds a copy of a provisioning file and presents a key of their own is refused, saying
so, and the real laptop keeps working (docs/design/sync.md §9, "Provisioning")."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select, text

from builders import family_draft
from sync_world import VILLAGES, file_state, group_of, provision_laptop
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.store.models import LocalSetting
from xinjie_desktop.core.sync import bundle_format, device, exporting, importing
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main


def local_settings(store):
    with store.session() as session:
        return {row.key: row.value for row in session.scalars(select(LocalSetting))}


@pytest.fixture
def town(tmp_path):
    store = open_store(tmp_path / "township.sqlite")
    township.set_up(store, "辛街乡", "辛街乡易地扶贫搬迁指挥部", VILLAGES)
    yield store
    store.close()


def village(store, name: str) -> str:
    with store.session() as session:
        return session.execute(text("SELECT id FROM village WHERE name = :n"), {"n": name}).scalar()


@pytest.fixture
def laptop(tmp_path):
    store = open_store(tmp_path / "laptop.sqlite")
    yield store
    store.close()


def certificate_for(town, laptop, folder, name="青山村笔记本", villages=("青山村",)):
    """The laptop's request, certified at ``town`` with the laptop's fingerprint confirmed: the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    request = folder / f"request-{laptop.device_id[:8]}.json"
    device.write_request(laptop, request, name)
    out = folder / f"certificate-{laptop.device_id[:8]}-{town.device_id[:8]}.json"
    device.provision(
        town,
        name,
        [village(town, v) for v in villages],
        out,
        request=request,
        fingerprint=device.identity(laptop).fingerprint,
    )
    return out


# --- the township: a copy of the provisioning file is worth nothing without the laptop's key ----------------


def test_case_11_a_stranger_holding_a_copy_of_the_provisioning_file_is_refused_and_the_real_laptop_syncs(
    town, laptop, tmp_path
):
    """The stranger's program, given the real laptop's accepted provisioning (a copy of the file), presents a
    key of its own in a "first bundle" before the real laptop ever sent one: refused, saying that its key is
    not the certified one (not "copied"); nothing changes; the township writes nothing for it; the real
    laptop's bundles are imported and the village's households reach it."""
    households.save(town, family_draft(group_of(town, "青山村")))  # ID numbers the stranger wants
    certificate = certificate_for(town, laptop, tmp_path / "stick")
    device.accept_provisioning(laptop, certificate, township_fingerprint=device.identity(town).fingerprint)

    stranger = open_store(tmp_path / "stranger.sqlite")
    with stranger.unit_of_work() as session:  # what a modified program does with a copy of the file
        for key in (device.TOWNSHIP, device.SCOPE):
            scope = json.loads(local_settings(laptop)[key])
            scope.update({"accepted_by": stranger.device_id} if key == device.SCOPE else {})
            session.add(LocalSetting(key=key, value=json.dumps(scope, ensure_ascii=False)))
    stick = tmp_path / "stranger-stick"
    stick.mkdir()
    (forged,) = exporting.export(stranger, stick)
    stranger.close()

    before = file_state(town.path)
    with pytest.raises(bundle_format.SyncError) as refused:
        importing.import_bundles(town, [forged.path])
    message = str(refused.value)
    assert "青山村笔记本" in message and "not the key this township office certified" in message
    assert device.identity(laptop).fingerprint in message  # the certified one, to compare
    assert "copied" not in message
    assert file_state(town.path) == before
    town_stick = tmp_path / "town-stick"
    town_stick.mkdir()
    assert [r.peer.device_id for r in exporting.export(town, town_stick)] == [laptop.device_id]

    laptop_stick = tmp_path / "laptop-stick"
    laptop_stick.mkdir()
    (first,) = exporting.export(laptop, laptop_stick)
    (imported,) = importing.import_bundles(town, [first.path])
    assert imported.source_name == "青山村笔记本"
    importing.import_bundles(laptop, [r.path for r in exporting.export(town, laptop_stick)])
    with laptop.session() as session:
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 1


def test_case_11_the_township_certifies_a_key_only_with_the_fingerprint_the_laptop_shows(town, laptop, tmp_path):
    request = tmp_path / "request.json"
    made = device.write_request(laptop, request, "青山村笔记本")
    assert made.fingerprint == device.identity(laptop).fingerprint and made.name == "青山村笔记本"
    read = device.read_request(request)
    assert (read.device_id, read.signing_public, read.box_public) == (
        laptop.device_id,
        device.identity(laptop).signing_public,
        device.identity(laptop).box_public,
    )
    before = local_settings(town)
    out = tmp_path / "certificate.json"
    for typed in (
        "",
        "0000-0000-0000-0000-0000",
        made.fingerprint[:-1] + ("0" if made.fingerprint[-1] != "0" else "1"),
    ):
        with pytest.raises(device.DeviceError, match="fingerprint"):
            device.provision(town, "青山村笔记本", [village(town, "青山村")], out, request=request, fingerprint=typed)
    assert not out.exists() and local_settings(town) == before
    # As read aloud or typed: lower case, spaces or no dashes are the same fingerprint.
    typed = made.fingerprint.lower().replace("-", " ")
    device.provision(town, "青山村笔记本", [village(town, "青山村")], out, request=request, fingerprint=typed)
    with town.session() as session:
        row = session.execute(
            text("SELECT name, role, signing_public, trusted, scope FROM sync_peer WHERE device_id = :d"),
            {"d": laptop.device_id},
        ).one()
    assert row[:4] == ("青山村笔记本", "laptop", device.identity(laptop).signing_public, 1)
    assert json.loads(row[4]) == [village(town, "青山村")]


def test_case_11_a_request_changed_on_the_way_is_refused(town, laptop, tmp_path):
    request = tmp_path / "request.json"
    device.write_request(laptop, request, "青山村笔记本")
    document = json.loads(request.read_text(encoding="utf-8"))
    document["body"]["name"] = "白云村笔记本"
    request.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(device.DeviceError, match="changed or damaged"):
        device.read_request(request)


# --- the laptop: only a certificate for its own keys, from the township key its officer confirmed ------------


def test_case_11_a_laptop_refuses_a_certificate_signed_by_another_key_than_the_confirmed_township_key(
    town, laptop, tmp_path
):
    """Someone with a data file of their own certifies the laptop's request (it lies on the stick): the laptop
    compares the signer with the township fingerprint its officer confirmed, and refuses."""
    impostor = open_store(tmp_path / "impostor.sqlite")
    township.set_up(impostor, "辛街乡", "辛街乡易地扶贫搬迁指挥部", VILLAGES)
    forged = certificate_for(impostor, laptop, tmp_path / "stick")
    impostor_fingerprint = device.identity(impostor).fingerprint
    impostor.close()
    before = local_settings(laptop)
    with pytest.raises(device.DeviceError) as refused:
        device.accept_provisioning(laptop, forged, township_fingerprint=device.identity(town).fingerprint)
    assert impostor_fingerprint in str(refused.value) and device.identity(town).fingerprint in str(refused.value)
    assert local_settings(laptop) == before and device.provisioning(laptop) is None
    # The real township's certificate is accepted.
    genuine = certificate_for(town, laptop, tmp_path / "stick")
    device.accept_provisioning(laptop, genuine, township_fingerprint=device.identity(town).fingerprint)
    assert device.provisioning(laptop).township == device.identity(town)


def test_case_11_a_laptop_refuses_a_certificate_issued_for_another_laptops_keys(town, laptop, tmp_path):
    other = open_store(tmp_path / "other.sqlite")
    for_other = certificate_for(town, other, tmp_path / "stick", "绿水村笔记本", ("绿水村",))
    other_fingerprint = device.identity(other).fingerprint
    before = local_settings(laptop)
    with pytest.raises(device.DeviceError) as refused:
        device.accept_provisioning(laptop, for_other, township_fingerprint=device.identity(town).fingerprint)
    assert "another laptop" in str(refused.value)
    assert other_fingerprint in str(refused.value) and device.identity(laptop).fingerprint in str(refused.value)
    assert local_settings(laptop) == before and device.provisioning(laptop) is None
    device.accept_provisioning(other, for_other, township_fingerprint=device.identity(town).fingerprint)  # its own
    other.close()


def test_case_11_a_provisioning_file_of_the_old_kind_for_no_key_in_particular_is_refused(town, laptop, tmp_path):
    """A file signed by the township but naming no laptop key (written before issue 13) could be used by anyone."""
    certificate = certificate_for(town, laptop, tmp_path / "stick")
    document = json.loads(certificate.read_text(encoding="utf-8"))
    del document["body"]["laptop"]
    document["signature"] = device.b64(
        device.signing_key(town).sign(device._PROVISIONING_CONTEXT + device.canonical_json(document["body"]))
    )
    certificate.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(device.DeviceError, match="request"):
        device.accept_provisioning(laptop, certificate, township_fingerprint=device.identity(town).fingerprint)
    assert device.provisioning(laptop) is None


# --- re-provisioning after a copy goes the same way ----------------------------------------------------------


def test_case_11_a_copied_laptop_is_provisioned_again_through_a_request_and_both_keep_syncing(town, laptop, tmp_path):
    provision_laptop(town, laptop, "青山村笔记本", [village(town, "青山村")], tmp_path / "stick")
    back = tmp_path / "back"
    back.mkdir()
    importing.import_bundles(laptop, [r.path for r in exporting.export(town, back)])  # the villages
    laptop.close()
    shutil.copy(tmp_path / "laptop.sqlite", tmp_path / "copy.sqlite")
    laptop = open_store(tmp_path / "laptop.sqlite")
    copy = open_store(tmp_path / "copy.sqlite")
    try:
        assert device.needs_reprovisioning(copy) and not device.needs_reprovisioning(laptop)
        request = device.write_request(copy, tmp_path / "copy-request.json", "青山村笔记本（二）")
        assert request.former_ids == (laptop.device_id,)
        # Its old certificate is for the original's keys: refused.
        with pytest.raises(device.DeviceError, match="another laptop|before"):
            device.accept_provisioning(
                copy,
                next((tmp_path / "stick").glob("certificate-*")),
                township_fingerprint=device.identity(town).fingerprint,
            )
        provision_laptop(town, copy, "青山村笔记本（二）", [village(town, "青山村")], tmp_path / "stick2")
        assert not device.needs_reprovisioning(copy)
        for store in (laptop, copy):
            households.save(store, family_draft(group_of(store, "青山村")))
            stick = tmp_path / f"out-{store.device_id[:6]}"
            stick.mkdir()
            importing.import_bundles(town, [r.path for r in exporting.export(store, stick)])
        with town.session() as session:
            assert session.execute(text("SELECT count(*) FROM household")).scalar() == 2
    finally:
        laptop.close()
        copy.close()


# --- the command line -----------------------------------------------------------------------------------------


def test_case_11_on_the_command_line_request_provision_and_accept_each_confirm_a_fingerprint(
    town, laptop, tmp_path, capsys
):
    town_path, laptop_path = str(town.path), str(laptop.path)
    laptop_fingerprint, town_fingerprint = device.identity(laptop).fingerprint, device.identity(town).fingerprint
    qingshan = village(town, "青山村")
    town.close()
    laptop.close()
    request, certificate = str(tmp_path / "request.json"), str(tmp_path / "certificate.json")
    assert main(["device", "request", "--db", laptop_path, "--name", "青山村笔记本", "--out", request]) == 0
    assert laptop_fingerprint in capsys.readouterr().out
    provision = ["device", "provision", "--db", town_path, "--village", qingshan, "--out", certificate]
    assert main([*provision, "--request", request]) == 2  # no fingerprint confirmed: it is shown, nothing written
    err = capsys.readouterr().err
    assert laptop_fingerprint in err and "--fingerprint" in err
    assert main([*provision, "--request", request, "--fingerprint", "1111-2222-3333-4444-5555"]) == 2
    assert "does not match" in capsys.readouterr().err
    assert main([*provision]) == 2
    assert "--request" in capsys.readouterr().err
    assert not (tmp_path / "certificate.json").exists()
    assert main([*provision, "--request", request, "--fingerprint", laptop_fingerprint]) == 0
    assert "青山村笔记本" in capsys.readouterr().out
    assert main(["device", "accept", "--db", laptop_path, certificate]) == 2
    err = capsys.readouterr().err
    assert town_fingerprint in err and "--township-fingerprint" in err
    assert main(["device", "accept", "--db", laptop_path, certificate, "--township-fingerprint", "AAAA"]) == 2
    assert town_fingerprint in capsys.readouterr().err
    assert main(["device", "accept", "--db", laptop_path, certificate, "--township-fingerprint", town_fingerprint]) == 0
    assert "青山村笔记本" in capsys.readouterr().out
