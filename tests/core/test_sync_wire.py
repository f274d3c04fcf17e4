"""Issue 13, cases 7, 12 and 14 (device ids): what the sealed file and the archive may claim.

* 7: the recipient is part of what is signed (the manifest's ``target``), checked against this store and
  the sealed header: a bundle sealed again to another computer is refused.
* 12: a hostile bundle costs little: the signature is checked before anything large is read, every part
  is read within the size its signed manifest declares (older bundles: a stated cap), the sealed file's
  declared size is checked against a cap before it is decrypted.
* 14: a device id is shown whole, so two ids never look the same.

docs/design/sync.md §9."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text
from test_sync_safety import refused, rewrite

from builders import family_draft
from hostile_bundles import KINDS, GiB, hostile, parts_of, zip_of
from sync_world import file_state, group_of
from xinjie_desktop.core.records import households
from xinjie_desktop.core.sync import bundle_format, checking, device, sealing
from xinjie_desktop.core.sync.workstore import open_store


@pytest.fixture
def bundle(world) -> Path:
    """A laptop's bundle for the township with one household."""
    qingshan = world.laptop(0)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (path,) = world.export(qingshan)
    return path


def _household_count(store) -> int:
    with store.session() as session:
        return session.execute(text("SELECT count(*) FROM household")).scalar()


# --- case 7: the recipient is signed and checked --------------------------------------------------------


def _sealed_again(world, path: Path, holder, to, out: Path) -> Path:
    """Someone holding ``holder``'s keys decrypts its bundle and seals it, unchanged, to ``to``."""
    data = path.read_bytes()
    header = sealing.read_header(data, path)
    payload = sealing.unseal(data, header, device.box_key(holder), path)
    other = device.identity(to)
    out.write_bytes(sealing.seal(payload, other.device_id, other.box_public))
    return out


def test_case_7_the_townships_bundle_sealed_again_to_another_laptop_is_refused(world, tmp_path):
    """The township writes a 青山村 household to 青山村笔记本; whoever holds that laptop's keys seals the
    bundle again to 绿水村笔记本 (provisioned for 绿水村 only), which must refuse it: the signed manifest
    names its recipient."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    households.save(world.township, family_draft(group_of(world.township, "青山村")))
    (for_qingshan,) = world.export(world.township, to=qingshan)
    resealed = _sealed_again(world, for_qingshan, qingshan, lushui, tmp_path / "resealed.xjb")
    before = _household_count(lushui)
    message = refused(lushui, resealed)
    assert "resealed.xjb" in message and "was signed for another computer" in message, message
    assert "青山村笔记本" in message and qingshan.device_id in message and "Nothing was changed" in message
    assert _household_count(lushui) == before
    # The command line: exit code 2, the reason on stderr, the data file untouched.
    path = lushui.path
    lushui.close()
    before_files = file_state(path)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "xinjie_desktop.main",
            "--lang",
            "en",
            "bundle",
            "import",
            "--db",
            str(path),
            str(resealed),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "was signed for another computer" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and file_state(path) == before_files
    world.laptops["绿水村笔记本"] = open_store(path)
    # The bundle itself still goes where it was written for.
    world.import_into(qingshan, [for_qingshan])


def test_case_7_a_laptops_bundle_signed_for_another_township_is_refused(world, bundle, tmp_path):
    """The manifest's target is required and must be this store (a bundle signed for one computer and
    sealed to another, or one that names no recipient)."""
    qingshan = world.laptop(0)
    for target, expected in (({"device_id": "someone-else", "name": "x"}, "was signed for another computer"),):

        def forge(parts, target=target):
            manifest = json.loads(parts["manifest.json"])
            manifest["target"] = target
            parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
            parts["manifest.sig"] = device.sign(qingshan, bundle_format.SIGNING_CONTEXT + parts["manifest.json"])

        forged = rewrite(world, bundle, tmp_path / "forged.xjb", forge)
        assert expected in refused(world.township, forged)

    def without_target(parts):
        manifest = json.loads(parts["manifest.json"])
        del manifest["target"]
        parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
        parts["manifest.sig"] = device.sign(qingshan, bundle_format.SIGNING_CONTEXT + parts["manifest.json"])

    forged = rewrite(world, bundle, tmp_path / "untargeted.xjb", without_target)
    message = refused(world.township, forged)
    assert "is malformed" in message and "target.device_id" in message, message


# --- case 12: hostile input costs little ----------------------------------------------------------------


def _import_command(db: Path, paths: list[Path]) -> list[str]:
    measure = (
        "import resource, runpy, sys; sys.argv = sys.argv[1:]\n"
        "try:\n    runpy.run_module('xinjie_desktop.main', run_name='__main__')\n"
        "finally:\n    print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    return [
        sys.executable,
        "-c",
        measure,
        "xinjie",
        "--lang",
        "en",
        "bundle",
        "import",
        "--keep-going",
        "--db",
        str(db),
        *map(str, paths),
    ]


def _refusal(db: Path, paths: list[Path]) -> tuple[int, str, int]:
    """``bundle import --keep-going`` in a process of its own: exit code, stderr, peak memory (bytes)."""
    run = subprocess.run(_import_command(db, paths), capture_output=True, text=True, timeout=300)
    peak = next(int(line.split()[1]) for line in run.stderr.splitlines() if line.startswith("PEAK ")) * 1024
    return run.returncode, run.stderr, peak


HOSTILE_MESSAGES = {
    "changes bomb signed by another key": "is not signed by the computer it claims to come from",
    "part larger than its manifest says": (
        "was changed after it was signed (a part does not match its hash: “changes.tsv” is larger than its signed "
        "manifest says"
    ),
    "huge manifest": "cannot be read: its manifest is larger than any this program writes",
}


def test_case_12_bundles_inflating_to_a_gibibyte_are_refused_in_little_memory(world, bundle, tmp_path):
    """Bundles of about 1 MB whose part inflates to 1 GiB (an outsider's, or a faulty sender's): each refused
    with exit code 2 and its reason, the data file untouched, in one process that takes under 200 MiB more
    memory than refusing a small damaged bundle (the time is printed by scripts/bench_hostile.py, never
    asserted)."""
    qingshan = world.laptop(0)
    bombs = [
        hostile(world.township, qingshan, bundle, tmp_path / f"hostile{i}.xjb", kind, GiB)
        for i, kind in enumerate(KINDS)
    ]
    assert all(bomb.stat().st_size < 2 * 1024 * 1024 for bomb in bombs)
    damaged = tmp_path / "damaged.xjb"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    damaged.write_bytes(bytes(data))
    path = world.township.path
    world.township.close()
    before = file_state(path)
    code, err, baseline = _refusal(path, [damaged])
    assert code == 2 and "changed or damaged" in err, err
    code, err, peak = _refusal(path, bombs)
    assert code == 2 and "Traceback" not in err, err
    for bomb, kind in zip(bombs, KINDS, strict=True):
        assert f"{bomb.name} {HOSTILE_MESSAGES[kind]}" in err, err
    assert file_state(path) == before
    assert peak - baseline < 200 * 1024 * 1024, f"refusing took {(peak - baseline) / 2**20:.0f} MiB more"
    world.township = open_store(path)


def _resigned(world, bundle: Path, out: Path, change) -> Path:
    qingshan = world.laptop(0)

    def forge(parts):
        manifest = json.loads(parts["manifest.json"])
        change(manifest, parts)
        parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        parts["manifest.sig"] = device.sign(qingshan, bundle_format.SIGNING_CONTEXT + parts["manifest.json"])

    return rewrite(world, bundle, out, forge)


def test_case_12_the_manifest_declares_every_parts_size(world, bundle):
    parts = parts_of(world.township, bundle)
    manifest = json.loads(parts["manifest.json"])
    assert manifest["sizes"] == {
        name: len(content) for name, content in parts.items() if name not in ("manifest.json", "manifest.sig")
    }


def test_case_12_a_bundle_written_before_sizes_were_declared_is_imported(world, bundle, tmp_path):
    """main's exporter before issue 13 case 12 wrote no ``sizes``: such a bundle is read within the stated
    cap for a part and imported as before."""
    older = _resigned(world, bundle, tmp_path / "older.xjb", lambda manifest, parts: manifest.pop("sizes", None))
    assert "sizes" not in json.loads(parts_of(world.township, older)["manifest.json"])
    world.import_into(world.township, [older])
    assert _household_count(world.township) == 1


def test_case_12_a_part_of_an_older_bundle_beyond_the_cap_is_refused(world, bundle, tmp_path, monkeypatch):
    older = _resigned(world, bundle, tmp_path / "older.xjb", lambda manifest, parts: manifest.pop("sizes", None))
    size = len(parts_of(world.township, bundle)["changes.tsv"])
    monkeypatch.setattr(bundle_format, "UNDECLARED_PART_LIMIT", size - 1)
    message = refused(world.township, older)
    assert "“changes.tsv” is larger than" in message, message


def test_case_12_sizes_that_do_not_name_every_part_are_malformed(world, bundle, tmp_path):
    def change(manifest, parts):
        manifest["sizes"] = {"changes.tsv": manifest["sizes"]["changes.tsv"]}

    message = refused(world.township, _resigned(world, bundle, tmp_path / "sizes.xjb", change))
    assert "is malformed" in message and "sizes" in message, message


def test_case_12_a_sealed_file_larger_than_the_cap_is_refused_before_it_is_read(world, bundle, monkeypatch):
    monkeypatch.setattr(bundle_format, "PAYLOAD_LIMIT", 1000)
    read = []
    monkeypatch.setattr(checking, "read_file", lambda path: read.append(path) or b"")
    message = refused(world.township, bundle)
    assert "is larger than any bundle this program reads" in message, message
    assert read == []


def test_case_12_a_manifest_of_too_many_entries_is_refused_before_it_is_parsed(world, bundle, tmp_path):
    def change(manifest, parts):
        manifest["app_version"] = [[]] * 600_000

    message = refused(world.township, _resigned(world, bundle, tmp_path / "entries.xjb", change))
    assert "its manifest is larger than any this program writes" in message, message


# --- case 14: a device id is shown whole ----------------------------------------------------------------


def test_case_14_two_device_ids_sharing_their_first_characters_give_different_messages(world, bundle, tmp_path):
    """A bundle for another computer names that computer's whole id; a sender or origin without a name is
    named by its whole id (the first 8 characters of two ids can be the same)."""
    data = bundle.read_bytes()
    header = sealing.read_header(data, bundle)
    payload = sealing.unseal(data, header, device.box_key(world.township), bundle)
    messages = set()
    for index, twin in enumerate(("0123456789-aaaa", "0123456789-bbbb")):
        out = tmp_path / f"twin{index}.xjb"
        out.write_bytes(sealing.seal(payload, twin, device.identity(world.township).box_public))
        message = refused(world.township, out).replace(out.name, "")
        assert twin in message and world.township.device_id in message, message
        messages.add(message)
    assert len(messages) == 2
    manifest = json.loads(parts_of(world.township, bundle)["manifest.json"])
    names = set()
    with world.township.session() as session:
        for twin in ("0123456789-aaaa", "0123456789-bbbb"):
            unnamed = {**manifest, "source": {**manifest["source"], "device_id": twin, "name": ""}, "devices": {}}
            incoming = checking.Incoming(bundle, "", unnamed, "", {}, {})
            names.add((incoming.source_name, checking._origin_name(session, unnamed, twin)))
    assert names == {(twin, twin) for twin in ("0123456789-aaaa", "0123456789-bbbb")}


def test_the_hand_made_archives_read_as_zip(world, bundle):
    """(A guard for tests/hostile_bundles.py: a real bundle's parts, archived by ``zip_of``, read the same.)"""
    parts = parts_of(world.township, bundle)
    with zipfile.ZipFile(io.BytesIO(zip_of(list(parts.items())))) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == parts
