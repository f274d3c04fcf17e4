"""Sync by USB bundles (issue 5): refusals leave the store untouched (property 5), an import killed
half-way leaves it as before (property 6), and writing to a real FAT32 stick is safe (property 8)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from builders import family_draft
from sync_world import agreement_numbered_on_two_computers, file_state, group_of, twin
from xinjie_desktop.core.records import demo_data, households
from xinjie_desktop.core.store import backups, canonical_dump
from xinjie_desktop.core.store.models import Village, VillagerGroup
from xinjie_desktop.core.sync import audit_chain, bundle_format, device, exporting, importing, merge, sealing
from xinjie_desktop.core.sync.workstore import open_store


@pytest.fixture
def laptop_bundle(world) -> Path:
    qingshan = world.laptop(0)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (path,) = world.export(qingshan)
    return path


def rewrite(world, path: Path, out: Path, change) -> Path:
    """Decrypt a bundle for the township, let ``change`` alter the archive's parts, seal it again."""
    incoming_data = path.read_bytes()
    header = sealing.read_header(incoming_data, path)
    payload = sealing.unseal(incoming_data, header, device.box_key(world.township), path)
    parts = {}
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    change(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    me = device.identity(world.township)
    out.write_bytes(sealing.seal(buffer.getvalue(), me.device_id, me.box_public))
    return out


def refused(store, path: Path) -> str:
    before = file_state(store.path)
    backups_before = backups.list_backups(store.path)
    with pytest.raises(bundle_format.SyncError) as error:
        importing.import_bundles(store, [path])
    assert file_state(store.path) == before, "a refused bundle changed the data file"
    assert backups.list_backups(store.path) == backups_before
    return str(error.value)


def test_property_5_a_tampered_bundle_is_refused(world, laptop_bundle, tmp_path):
    data = bytearray(laptop_bundle.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.xjb"
    tampered.write_bytes(bytes(data))
    assert "was changed or damaged after it was written" in refused(world.township, tampered)


def test_property_5_a_truncated_bundle_is_refused(world, laptop_bundle, tmp_path):
    data = laptop_bundle.read_bytes()
    truncated = tmp_path / "truncated.xjb"
    truncated.write_bytes(data[:-700])
    message = refused(world.township, truncated)
    assert "is incomplete" in message and f"{len(data) - 700} of its {len(data)} bytes" in message


def test_property_5_a_wrongly_signed_bundle_is_refused(world, laptop_bundle, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    def forge(parts):  # the manifest says 3 households, signed by some other key
        manifest = json.loads(parts["manifest.json"])
        manifest["counts"]["household"] = 3
        parts["manifest.json"] = json.dumps(manifest).encode()
        parts["manifest.sig"] = Ed25519PrivateKey.generate().sign(parts["manifest.json"])

    forged = rewrite(world, laptop_bundle, tmp_path / "forged.xjb", forge)
    assert "is not signed by the computer it claims to come from" in refused(world.township, forged)


def test_property_5_a_changed_part_is_refused(world, laptop_bundle, tmp_path):
    def edit(parts):  # an income figure changed in the changes, the signed manifest left as it was
        assert b'"wage":' in parts["changes.tsv"]
        parts["changes.tsv"] = parts["changes.tsv"].replace(b'"wage":', b'"wage":9')

    changed = rewrite(world, laptop_bundle, tmp_path / "changed.xjb", edit)
    assert "a part does not match its hash" in refused(world.township, changed)


def test_property_5_a_bundle_for_another_computer_is_refused(world, laptop_bundle):
    message = refused(world.laptop(1), laptop_bundle)
    assert "was written for another computer" in message


def test_property_5_a_bundle_outside_the_laptops_villages_is_refused(world):
    qingshan = world.laptop(0)
    with qingshan.unit_of_work() as session:  # a village the township never gave this laptop
        town_id = session.execute(text("SELECT id FROM township")).scalar()
        village = Village(name="外村", township_id=town_id)
        session.add(village)
        session.flush()
        group = VillagerGroup(name="第一村民小组", village_id=village.id)
        session.add(group)
        session.flush()
        group_id = group.id
    households.save(qingshan, family_draft(group_id))
    (path,) = world.export(qingshan)
    message = refused(world.township, path)
    assert "contains a record outside the villages that laptop was provisioned for" in message
    assert "青山村笔记本" in message


def test_property_5_a_bundle_of_a_newer_format_is_refused(world, laptop_bundle, tmp_path):
    data = laptop_bundle.read_bytes()
    length = int.from_bytes(data[4:8], "big")
    header = json.loads(data[8 : 8 + length])
    header["version"] = 2
    new_header = json.dumps(header, sort_keys=True).encode()
    newer = tmp_path / "newer.xjb"
    newer.write_bytes(b"XJB1" + len(new_header).to_bytes(4, "big") + new_header + data[8 + length :])
    assert "was written by a newer version of xinjie-desktop (bundle format 2)" in refused(world.township, newer)


def test_property_5_a_file_that_is_not_a_bundle_is_refused(world, tmp_path):
    other = tmp_path / "photo.xjb"
    other.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    assert "is not a bundle of xinjie-desktop" in refused(world.township, other)


def test_property_5_on_the_command_line_exit_2_the_reason_and_the_file_untouched(world, laptop_bundle, tmp_path):
    """The command line checks with the data file opened read-only: not even its identity's home moves."""
    data = laptop_bundle.read_bytes()
    truncated = tmp_path / "cut.xjb"
    truncated.write_bytes(data[: len(data) // 2])
    path = world.township.path
    world.township.close()
    before = file_state(path)
    done = subprocess.run(
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
            str(truncated),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "is incomplete" in done.stderr and "Traceback" not in done.stderr
    assert file_state(path) == before
    chinese = subprocess.run(
        [sys.executable, "-m", "xinjie_desktop.main", "bundle", "import", "--db", str(path), str(truncated)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chinese.returncode == 2 and "同步包" in chinese.stderr and "不完整" in chinese.stderr
    world.township = open_store(path)


def test_bundle_verify_checks_structure_without_a_store_and_everything_with_one(world, laptop_bundle, tmp_path):
    plain = subprocess.run(
        [sys.executable, "-m", "xinjie_desktop.main", "bundle", "verify", str(laptop_bundle)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.returncode == 0 and json.loads(plain.stdout)["recipient"] == world.township.device_id
    path = world.township.path
    world.township.close()
    full = subprocess.run(
        [sys.executable, "-m", "xinjie_desktop.main", "bundle", "verify", str(laptop_bundle), "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(full.stdout)
    assert full.returncode == 0 and report["source"] == "青山村笔记本" and report["counts"]["household"] == 1
    not_one = tmp_path / "x.xjb"
    not_one.write_text("hello")
    bad = subprocess.run(
        [sys.executable, "-m", "xinjie_desktop.main", "--lang", "en", "bundle", "verify", str(not_one)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "is not a bundle" in bad.stderr
    world.township = open_store(path)


def integrity(path: Path) -> tuple[str, list]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0], connection.execute(
            "PRAGMA foreign_key_check"
        ).fetchall()
    finally:
        connection.close()


# The command line's ``bundle import``, killed (SIGKILL, as a power cut) once the second bundle's records are
# written and before its import is finished: ``merge.finish``, called after each bundle is applied, is
# replaced in that process only.
KILLED_WHILE_APPLYING_THE_SECOND_BUNDLE = """
import os, signal, sys
from xinjie_desktop import main
from xinjie_desktop.core.sync import merge

finish, applied = merge.finish, []

def finish_unless_second(*args, **kwargs):
    applied.append(args)
    if len(applied) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return finish(*args, **kwargs)

merge.finish = finish_unless_second
sys.exit(main.main(sys.argv[1:]))
"""


def test_property_6_an_import_killed_half_way_leaves_the_store_as_before(world, tmp_path):
    """A whole stick is one transaction: killed while applying its second bundle, the store holds
    neither bundle (not the first either), and importing the stick again brings both."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    demo_data.add_households(qingshan, 40, seed=5)
    demo_data.add_households(lushui, 30, seed=6)
    paths = [*world.export(qingshan), *world.export(lushui)]
    store_path = world.township.path
    before = canonical_dump.digest(world.township, derived=True)
    world.township.close()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_APPLYING_THE_SECOND_BUNDLE, "bundle", "import", "--db", str(store_path)]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr
    assert integrity(store_path) == ("ok", [])
    world.township = open_store(store_path)
    assert canonical_dump.digest(world.township, derived=True) == before
    results = importing.import_bundles(world.township, paths)
    assert [r.outcome.new["household"] for r in results] == [40, 30]
    assert integrity(store_path) == ("ok", [])


def test_a_bundle_refused_while_applied_leaves_no_trace_and_the_ones_before_it_stay(world, monkeypatch, tmp_path):
    """Each bundle of a stick is applied in a savepoint: one refused half-way through is undone alone;
    the bundles before it are committed, the ones after it are not read."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    demo_data.add_households(qingshan, 4, seed=5)
    demo_data.add_households(lushui, 3, seed=6)
    first, second = [*world.export(qingshan), *world.export(lushui)]
    twin_store = twin(world.township, tmp_path / "township-copy.sqlite")
    importing.import_bundles(twin_store, [first])
    expected = canonical_dump.digest(twin_store, derived=True)
    applied = []
    real_finish = merge.finish

    def failing_finish(session, outcome, params):
        real_finish(session, outcome, params)
        applied.append(outcome)
        if len(applied) == 2:  # the second bundle's records are written by now
            raise bundle_format.SyncError("refused half-way")

    monkeypatch.setattr(merge, "finish", failing_finish)
    with pytest.raises(bundle_format.SyncError, match="refused half-way"):
        importing.import_bundles(world.township, [first, second])
    assert canonical_dump.digest(world.township, derived=True) == expected
    assert integrity(world.township.path) == ("ok", [])


# --- property 8: a real FAT32 file system ------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is needed (run-tests installs dosfstools, mtools and fusefat)"
    return found


@pytest.fixture
def fat32_stick(tmp_path):
    """A 33 MB FAT32 image (mkfs.vfat), mounted through FUSE (fusefat): the file system village USB sticks use."""
    if not Path("/dev/fuse").exists():
        pytest.skip("this machine has no /dev/fuse, so no FAT32 image can be mounted")  # a kernel capability
    image, mount = tmp_path / "usb.img", tmp_path / "usb"
    mount.mkdir()
    subprocess.run([_tool("mkfs.vfat"), "-F", "32", "-C", str(image), "34000"], check=True, capture_output=True)
    subprocess.run([_tool("fusefat"), "-o", "rw+", str(image), str(mount)], check=True, capture_output=True)
    try:
        yield image, mount
    finally:
        subprocess.run(["fusermount", "-u", str(mount)], capture_output=True)


def mtools_listing(image: Path) -> str:
    return subprocess.run(
        [_tool("mdir"), "-i", str(image), "-b", "::"],
        capture_output=True,
        text=True,
        env={**os.environ, "MTOOLS_SKIP_CHECK": "1"},
    ).stdout


def test_property_8_a_bundle_written_to_a_fat32_stick_is_whole_and_imports(world, fat32_stick, tmp_path):
    image, mount = fat32_stick
    qingshan = world.laptop(0)
    demo_data.add_households(qingshan, 30, seed=3)
    (result,) = exporting.export(qingshan, mount)
    assert [p.name for p in mount.iterdir()] == [result.path.name]  # no temporary file left
    subprocess.run(["fusermount", "-u", str(mount)], check=True)
    assert result.path.name.upper()[:10] in mtools_listing(image).upper()  # on the FAT32 file system itself
    copied = tmp_path / result.path.name
    subprocess.run(
        [_tool("mcopy"), "-i", str(image), f"::{result.path.name}", str(copied)],
        check=True,
        env={**os.environ, "MTOOLS_SKIP_CHECK": "1"},
    )
    assert copied.stat().st_size == result.size
    (imported,) = importing.import_bundles(world.township, [copied])
    assert imported.outcome.new["household"] == 30
    subprocess.run([_tool("fusefat"), "-o", "rw+", str(image), str(mount)], check=True)


def test_property_8_a_full_stick_gives_a_clear_message_and_no_half_written_bundle(world, fat32_stick):
    image, mount = fat32_stick
    qingshan = world.laptop(0)
    demo_data.add_households(qingshan, 200, seed=4)
    filler = mount / "photos.bin"
    with filler.open("wb") as handle:  # the stick is nearly full of someone's photos
        try:
            while True:
                handle.write(b"\0" * 1024 * 1024)
        except OSError:
            pass
    with pytest.raises(bundle_format.SyncError) as error:
        exporting.export(qingshan, mount)
    assert "The USB stick is full" in str(error.value)
    assert sorted(p.name for p in mount.iterdir()) == ["photos.bin"]
    with qingshan.session() as session:
        assert session.execute(text("SELECT count(*) FROM bundle_log WHERE direction = 'out'")).scalar() == 1  # hello


@pytest.mark.parametrize(
    "garble",
    [
        lambda text: text.replace("\t", " ", 1),  # a line without its nine fields
        lambda text: text.replace('{"', "{not json ", 1),  # a payload that is not JSON
        lambda text: text.replace("\tupsert\t", "\tmerge\t", 1),  # an operation that does not exist
        lambda text: text + text.splitlines(keepends=True)[0],  # the same change twice
    ],
)
def test_property_5_a_signed_bundle_with_malformed_changes_is_refused(world, laptop_bundle, tmp_path, garble):
    """Even signed by the laptop and hashed correctly (a faulty sender), malformed changes are refused as
    damaged, with nothing written."""
    qingshan = world.laptop(0)

    def forge(parts):
        _sign_again(qingshan, parts, garble(parts["changes.tsv"].decode("utf-8")))

    faulty = rewrite(world, laptop_bundle, tmp_path / "faulty.xjb", forge)
    assert "is damaged or incomplete" in refused(world.township, faulty)


def test_a_bundle_referring_to_a_record_nobody_sent_is_refused_and_the_ones_before_it_stay(
    world, laptop_bundle, tmp_path
):
    """A faulty sender's member of a household that does not exist: SQLite finds the broken reference
    only when the stick's transaction commits; the import goes round again one bundle at a time, keeps
    the good bundle before it and names the faulty one."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    demo_data.add_households(lushui, 2, seed=3)
    (good,) = world.export(lushui)

    def forge(parts):
        changes = re.sub(
            r'("household_id":")[0-9a-f-]{36}',
            r"\g<1>00000000-0000-4000-8000-000000000000",
            parts["changes.tsv"].decode("utf-8"),
            count=1,
        )
        _sign_again(qingshan, parts, changes)

    faulty = rewrite(world, laptop_bundle, tmp_path / "faulty.xjb", forge)
    with pytest.raises(bundle_format.SyncError) as error:
        importing.import_bundles(world.township, [good, faulty])
    assert "faulty.xjb holds records that do not fit" in str(error.value)
    assert importing.import_bundles(world.township, [good])[0].already is not None
    with world.township.session() as session:
        assert session.execute(text("SELECT count(*) FROM member WHERE household_id LIKE '00000000%'")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 2
    assert integrity(world.township.path) == ("ok", [])


def _sign_again(laptop, parts: dict, changes: str, **manifest_changes) -> None:
    """A faulty sender: changed changes, hashed and signed by the laptop's own key."""
    parts["changes.tsv"] = changes.encode("utf-8")
    manifest = {**json.loads(parts["manifest.json"]), **manifest_changes}
    if "covers" in manifest_changes and "receipt" in manifest and "receipt" not in manifest_changes:
        # what it says it holds follows what it says it covers, as the exporter writes them
        receipt = manifest["receipt"] = dict(manifest["receipt"])
        for origin, (_first, last) in manifest["covers"].items():
            receipt[origin] = max(receipt.get(origin, 0), last)
    if "counts" in manifest and "counts" not in manifest_changes:  # per table, what it carries
        tables = [line.split("\t")[3] for line in changes.splitlines() if line.count("\t") >= 3]
        manifest["counts"] = {table: tables.count(table) for table in sorted(set(tables))}
    manifest["parts"]["changes.tsv"] = hashlib.sha256(parts["changes.tsv"]).hexdigest()
    if audit_chain.PART in parts:  # its software writes the record of who did what of the changes it sends (issue 17)
        parts[audit_chain.PART] = _rechained(parts[audit_chain.PART].decode("utf-8"), changes).encode("utf-8")
        manifest["parts"][audit_chain.PART] = hashlib.sha256(parts[audit_chain.PART]).hexdigest()
    if "sizes" in manifest:  # the sizes of what it signs, as the exporter declares them (issue 13, case 12)
        manifest["sizes"] = {name: len(part) for name, part in parts.items() if not name.startswith("manifest.")}
    parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    parts["manifest.sig"] = device.sign(laptop, bundle_format.SIGNING_CONTEXT + parts["manifest.json"])


def _rechained(audit: str, changes: str) -> str:
    """A sender's ``audit.tsv`` for ``changes``: each change's entry (its person, time and old values kept where
    it had one), chained from the first entry's predecessor, as the sender's own software writes it."""
    entries = {tuple(fields[:2]): fields for fields in (line.split("\t") for line in audit.splitlines() if line)}
    prevs: dict[str, str] = {}
    lines = []
    for line in changes.splitlines():
        change = line.split("\t")
        if len(change) != len(audit_chain.COLUMNS) + 1:
            continue
        entry = entries.get((change[0], change[1]))
        at, account_id, name, old = entry[2:6] if entry else ("2026-12-07T08:00:00", "", "", "{}")
        prev = prevs.get(change[0], entry[6] if entry else audit_chain.GENESIS)
        digest = audit_chain.entry_hash(
            prev, change[0], int(change[1]), at, account_id, name, old, audit_chain.line_sha256(change)
        )
        lines.append("\t".join((change[0], change[1], at, account_id, name, old, prev, digest)) + "\n")
        prevs[change[0]] = digest
    return "".join(lines)


def refused_when_written(store, path: Path) -> str:
    """A refusal found as the bundle is written (by the store's unique indexes): the bundle's savepoint
    is rolled back, so the store holds what it held (the backup before the import is made)."""
    before = canonical_dump.digest(store, derived=True)
    with pytest.raises(bundle_format.SyncError) as error:
        importing.import_bundles(store, [path])
    assert canonical_dump.digest(store, derived=True) == before
    assert integrity(store.path) == ("ok", [])
    return str(error.value)


def test_the_command_line_keeps_going_past_a_refused_bundle_when_asked(world, laptop_bundle, tmp_path):
    """``bundle import --keep-going``: the bundles that can be imported are, the refused one is named on
    stderr, exit code 2; without it the first refusal stops the import before anything is written."""
    lushui = world.laptop(1)
    demo_data.add_households(lushui, 3, seed=7)
    (good,) = world.export(lushui)
    data = bytearray(laptop_bundle.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.xjb"
    tampered.write_bytes(bytes(data))
    path = world.township.path
    world.township.close()
    command = [
        sys.executable,
        "-m",
        "xinjie_desktop.main",
        "--lang",
        "en",
        "bundle",
        "import",
        "--db",
        str(path),
        str(tampered),
        str(good),
    ]
    before = file_state(path)
    stopped = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 2 and "tampered.xjb" in stopped.stderr and file_state(path) == before
    going = subprocess.run([*command, "--keep-going"], capture_output=True, text=True, timeout=120)
    assert going.returncode == 2, going.stderr
    assert "tampered.xjb" in going.stderr and "changed or damaged" in going.stderr and "Traceback" not in going.stderr
    assert f"{good.name} from 绿水村笔记本" in going.stdout
    world.township = open_store(path)
    with world.township.session() as session:
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 3


def test_a_record_created_again_under_an_id_held_here_goes_through_the_merge(world, laptop_bundle, tmp_path):
    """New records are written in bulk with INSERT OR IGNORE; one whose id is already held (a faulty
    sender's second creation of a household, newer) is left out of the bulk and merged field by field,
    never dropped."""
    qingshan = world.laptop(0)
    world.import_into(world.township, [laptop_bundle])
    with world.township.session() as session:
        household_id, old_phone = session.execute(text("SELECT id, phone FROM household")).one()

    def forge(parts):
        lines = parts["changes.tsv"].decode("utf-8").splitlines(keepends=True)
        fields = next(line for line in lines if "\thousehold\t" in line).split("\t")
        payload = json.loads(fields[7])
        payload["phone"] = "13700000009"
        manifest = json.loads(parts["manifest.json"])
        first, last = manifest["covers"][qingshan.device_id]
        counts = {**manifest["counts"], "household": manifest["counts"]["household"] + 1}  # counted (issue 13)
        fields[1], fields[2], fields[7] = (  # the laptop's next change, covered (issue 13: covers = what it carries)
            str(last + 1),
            str(int(fields[2]) + 1000),
            json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        )
        _sign_again(
            qingshan,
            parts,
            "".join(lines) + "\t".join(fields),
            bundle_id=str(uuid.uuid4()),
            covers={qingshan.device_id: [first, last + 1]},
            counts=counts,
        )

    again = rewrite(world, laptop_bundle, tmp_path / "again.xjb", forge)
    (imported,) = importing.import_bundles(world.township, [again])
    assert imported.outcome.changed["household"] == 1 and imported.outcome.new.get("household", 0) == 0
    with world.township.session() as session:
        assert (
            session.execute(text("SELECT phone FROM household WHERE id = :h"), {"h": household_id}).scalar()
            == "13700000009"
            != old_phone
        )


def test_import_keeps_going_past_a_bundle_that_cannot_be_read(world, laptop_bundle, tmp_path):
    """Given a list to note refusals in, the import names the unreadable bundle and imports the next."""
    lushui = world.laptop(1)
    demo_data.add_households(lushui, 2, seed=7)
    (good,) = world.export(lushui)
    cut = tmp_path / "cut.xjb"
    cut.write_bytes(laptop_bundle.read_bytes()[:100])
    refusals: list = []
    (imported,) = importing.import_bundles(world.township, [cut, good], refused=refusals)
    assert imported.outcome.new["household"] == 2
    assert [(path.name, "cut.xjb" in reason) for path, reason in refusals] == [("cut.xjb", True)]


def test_one_agreement_number_given_on_two_computers_is_refused_and_named(world):
    """The laptop and the township each draft the household's next agreement of a kind; both number it
    from the household's shared base, the same number (AG-1: a number printed on paper never changes).
    The bundle is refused and undone, naming the number (this version cannot merge two agreements); the
    preview says so first, naming the laptop, and previews the bundle after it on a clean slate."""
    household_id, number = agreement_numbered_on_two_computers(world)
    (path,) = world.export(world.laptop(0))
    lushui = world.laptop(1)
    demo_data.add_households(lushui, 2, seed=3)
    (other,) = world.export(lushui)
    before = canonical_dump.digest(world.township, derived=True)
    (first, said), (second, previewed) = importing.preview_all(world.township, [path, other])
    assert f"agreement number {number} of the household of 杨明" in said
    assert said.source_name == "青山村笔记本"
    assert previewed.outcome.new["household"] == 2
    assert canonical_dump.digest(world.township, derived=True) == before
    message = refused_when_written(world.township, path)
    assert f"agreement number {number} of the household of 杨明" in message and "cannot merge the two" in message
