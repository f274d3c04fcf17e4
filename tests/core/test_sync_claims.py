"""Issue 13: nothing a bundle says is taken on trust.  Each claim of a bundle (its manifest's shape, its
id, the types of its fields, the derived list values, its coverage) is checked against its content and
this store's own knowledge; a refusal names what is wrong, exit code 2 on the command line, and the
store's files stay byte-identical (docs/design/sync.md, "What a bundle may claim, and how each claim is
checked")."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text
from test_sync_safety import _sign_again, refused, rewrite

from sync_world import file_state
from xinjie_desktop.core.sync import bundle_format, device, importing
from xinjie_desktop.core.sync.workstore import open_store


@pytest.fixture
def bundle(world) -> Path:
    """A laptop's bundle for the township with one household (a fixture of its own name: this module
    imports its helpers from test_sync_safety)."""
    from builders import family_draft
    from sync_world import group_of
    from xinjie_desktop.core.records import households

    qingshan = world.laptop(0)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (path,) = world.export(qingshan)
    return path


def signed_manifest(laptop, parts: dict, manifest_bytes: bytes) -> None:
    """A faulty sender: the manifest replaced by ``manifest_bytes``, signed by the laptop's own key."""
    parts["manifest.json"] = manifest_bytes
    parts["manifest.sig"] = device.sign(laptop, bundle_format.SIGNING_CONTEXT + manifest_bytes)


def _with(**changes):
    """A manifest with some entries replaced (``None``: left out)."""

    def change(manifest: dict) -> dict:
        for key, value in changes.items():
            if value is None:
                manifest.pop(key, None)
            else:
                manifest[key] = value
        return manifest

    return change


NESTED = "[" * 100_000 + "]" * 100_000

# --- case 13: a malformed bundle is a clear refusal ----------------------------------------------------

MALFORMED_MANIFESTS = {
    "a list": (lambda manifest: [manifest], "manifest"),
    "nested 100,000 deep": (lambda manifest: NESTED, "manifest"),
    "covers a list": (_with(covers=[1, 361]), "covers"),
    "covers a number per origin": (lambda m: {**m, "covers": dict.fromkeys(m["covers"], 361)}, "covers"),
    "covers backwards": (lambda m: {**m, "covers": dict.fromkeys(m["covers"], [5, 2])}, "covers"),
    "covers as texts": (lambda m: {**m, "covers": dict.fromkeys(m["covers"], ["1", "x"])}, "covers"),
    "receipt a list": (_with(receipt=["all"]), "receipt"),
    "receipt a text per origin": (lambda m: {**m, "receipt": dict.fromkeys(m["receipt"] or ["x"], "many")}, "receipt"),
    "receipt negative": (lambda m: {**m, "receipt": {"someone": -1}}, "receipt"),
    "source a text": (_with(source="me"), "source"),
    "source without an id": (lambda m: {**m, "source": {**m["source"], "device_id": 7}}, "source.device_id"),
    "bundle id a number": (_with(bundle_id=12), "bundle_id"),
    "parts a list": (_with(parts=["changes.tsv"]), "parts"),
    "counts of text": (_with(counts={"household": "one"}), "counts"),
    "devices a list": (_with(devices=["a"]), "devices"),
    "kind unknown": (_with(kind="partial"), "kind"),
    "version a text": (_with(version="1"), "version"),
    "format missing": (_with(format=None), "format"),
    "scope a text": (_with(scope="青山村"), "scope"),
    "former ids a text": (lambda m: {**m, "source": {**m["source"], "former_ids": "x"}}, "source.former_ids"),
    "policy version a list": (_with(policy_version=[1]), "policy_version"),
}


def _malformed(world, bundle: Path, tmp_path: Path, make) -> Path:
    qingshan = world.laptop(0)

    def forge(parts):
        manifest = make(json.loads(parts["manifest.json"]))
        text = manifest if isinstance(manifest, str) else json.dumps(manifest, ensure_ascii=False, sort_keys=True)
        signed_manifest(qingshan, parts, text.encode("utf-8"))

    return rewrite(world, bundle, tmp_path / "malformed.xjb", forge)


@pytest.mark.parametrize("case", sorted(MALFORMED_MANIFESTS))
def test_case_13_a_malformed_manifest_is_refused_naming_what_is_wrong(world, bundle, tmp_path, case):
    make, named = MALFORMED_MANIFESTS[case]
    malformed = _malformed(world, bundle, tmp_path, make)
    message = refused(world.township, malformed)
    assert "malformed.xjb" in message and "is malformed" in message and named in message, message
    assert "Nothing was changed" in message


@pytest.mark.parametrize("part", ["derived.json", "changes.tsv"])
def test_case_13_deeply_nested_json_in_a_part_is_refused(world, bundle, tmp_path, part):
    qingshan = world.laptop(0)

    def forge(parts):
        changes = parts["changes.tsv"].decode("utf-8")
        if part == "derived.json":
            parts["derived.json"] = NESTED.encode()
            manifest = json.loads(parts["manifest.json"])
            manifest["parts"]["derived.json"] = hashlib.sha256(parts["derived.json"]).hexdigest()
            parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()
        else:
            fields = changes.splitlines()[0].split("\t")
            fields[7] = '{"note":' + NESTED + "}"
            changes += "\t".join(fields[:1] + ["999"] + fields[2:]) + "\n"
        _sign_again(qingshan, parts, changes)

    nested = rewrite(world, bundle, tmp_path / "nested.xjb", forge)
    message = refused(world.township, nested)
    assert "nested.xjb" in message and "Nothing was changed" in message


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xinjie_desktop.main", "--lang", "en", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_case_13_on_the_command_line_exit_2_the_reason_and_the_files_untouched(world, bundle, tmp_path):
    malformed = _malformed(world, bundle, tmp_path, MALFORMED_MANIFESTS["covers a list"][0])
    path = world.township.path
    world.township.close()
    before = file_state(path)
    for args in (
        ("bundle", "import", "--db", str(path), str(malformed)),
        ("bundle", "verify", str(malformed), "--db", str(path)),
    ):
        done = _run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "is malformed" in done.stderr and "covers" in done.stderr and "Traceback" not in done.stderr
        assert file_state(path) == before
    world.township = open_store(path)
    assert importing.import_bundles(world.township, [bundle])[0].outcome is not None  # the real one still imports


# --- case 10: a bundle id already imported, with other content -----------------------------------------


def _other_content_same_id(world, bundle: Path, out: Path) -> Path:
    """The laptop's key signs a bundle with the id of ``bundle`` and a changed phone number."""
    qingshan = world.laptop(0)

    def forge(parts):
        changes = parts["changes.tsv"].decode("utf-8")
        assert '"phone":"' in changes
        _sign_again(qingshan, parts, changes.replace('"phone":"', '"phone":"139', 1))

    return rewrite(world, bundle, out, forge)


def test_case_10_a_bundle_id_imported_before_with_other_content_is_refused_as_a_forgery(world, bundle, tmp_path):
    (first,) = importing.import_bundles(world.township, [bundle])
    assert first.outcome is not None
    forged = _other_content_same_id(world, bundle, tmp_path / "forged.xjb")
    message = refused(world.township, forged)
    assert "forged.xjb" in message and bundle.name in message and "not its content" in message, message
    assert "Nothing was changed" in message
    # The same content sealed again (another file, the same signed manifest) is the bundle imported before.
    resealed = rewrite(world, bundle, tmp_path / "resealed.xjb", lambda parts: None)
    assert resealed.read_bytes() != bundle.read_bytes()
    (again,) = importing.import_bundles(world.township, [resealed])
    assert again.already is not None


def test_case_10_the_command_line_refuses_it_with_exit_2(world, bundle, tmp_path):
    importing.import_bundles(world.township, [bundle])
    forged = _other_content_same_id(world, bundle, tmp_path / "forged.xjb")
    path = world.township.path
    world.township.close()
    before = file_state(path)
    done = _run("bundle", "import", "--db", str(path), str(forged))
    assert done.returncode == 2 and "not its content" in done.stderr and "Traceback" not in done.stderr
    assert file_state(path) == before
    world.township = open_store(path)


def test_case_10_a_bundle_imported_by_an_earlier_version_is_compared_by_its_file(world, bundle, tmp_path):
    """Imports before this check stored no digest of the content, only the file's SHA-256: the same file is
    "already imported"; another file with that id cannot be told apart from a forgery and is refused."""
    importing.import_bundles(world.township, [bundle])
    with world.township.unit_of_work() as session:  # as an earlier version recorded it
        session.execute(
            text("UPDATE bundle_log SET report = json_remove(report, '$.manifest_sha256') WHERE direction = 'in'")
        )
    (again,) = importing.import_bundles(world.township, [bundle])
    assert again.already is not None
    resealed = rewrite(world, bundle, tmp_path / "resealed.xjb", lambda parts: None)
    message = refused(world.township, resealed)
    assert "resealed.xjb" in message and "cannot tell" in message, message


# --- case 8: every field of every change against the schema ---------------------------------------------


def _with_field(world, bundle: Path, out: Path, table: str, field: str, value) -> Path:
    """The laptop signs its bundle with one field of the first change of ``table`` set to ``value``."""
    qingshan = world.laptop(0)

    def forge(parts):
        lines = parts["changes.tsv"].decode("utf-8").splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if line.split("\t")[3] == table)
        fields = lines[index].split("\t")
        payload = json.loads(fields[7])
        payload[field] = value
        fields[7] = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        lines[index] = "\t".join(fields)
        _sign_again(qingshan, parts, "".join(lines))

    return rewrite(world, bundle, out, forge)


@pytest.mark.parametrize(
    ("table", "field", "value", "expected"),
    [
        ("household", "system_population", "abc", "a whole number from 0 to 99"),  # the case
        ("household", "system_population", 500, "a whole number from 0 to 99"),
        ("household", "system_population", 2.5, "a whole number from 0 to 99"),
        ("household", "labour_willing", "yes", "yes or no"),
        ("household", "address", 12, "a text"),
        ("member", "name", None, "a text"),  # (a null where the model has a default reads as the default)
        ("household", "attribute", "rich", "one of"),
        ("member", "relation", "boss", "one of"),
        ("member", "relation", "", "one of"),
        ("member", "birth_date", "yesterday", "a date"),
        ("member", "birth_date", "2023-02-30", "a date"),
        ("member", "household_id", "x" * 100, "a record's id"),
        ("member", "name", ["a"], "a text"),
        ("household", "created_at", "long ago", "a date and time"),
    ],
)
def test_case_8_a_field_of_the_wrong_type_range_or_list_is_refused_naming_record_and_field(
    world, bundle, tmp_path, table, field, value, expected
):
    wrong = _with_field(world, bundle, tmp_path / "wrong.xjb", table, field, value)
    message = refused(world.township, wrong)
    assert "wrong.xjb" in message and f"“{field}”" in message and expected in message, message
    assert f"{table} " in message and "Nothing was changed" in message


def test_case_8_an_edit_of_a_stored_household_is_checked_too(world, bundle, tmp_path):
    """Not only created records: a later change of one field (the merge's slow path) is checked as well."""
    from sync_world import edit

    world.import_into(world.township, [bundle])
    qingshan = world.laptop(0)
    with qingshan.session() as session:
        household_id = session.execute(text("SELECT id FROM household")).scalar()
    edit(qingshan, household_id, system_population=4)
    (changed,) = world.export(qingshan)
    wrong = _with_field(world, changed, tmp_path / "edit.xjb", "household", "system_population", "four")
    message = refused(world.township, wrong)
    assert "edit.xjb" in message and "“system_population”" in message and household_id[:8] in message


# --- case 3: what a bundle says it covers is what it carries ---------------------------------------------


def _covering(world, bundle: Path, out: Path, span) -> Path:
    qingshan = world.laptop(0)

    def forge(parts):
        manifest = json.loads(parts["manifest.json"])
        changes = parts["changes.tsv"].decode("utf-8")
        _sign_again(qingshan, parts, changes, covers={qingshan.device_id: span(manifest["covers"][qingshan.device_id])})

    return rewrite(world, bundle, out, forge)


def test_case_3_a_bundle_covering_more_than_it_carries_is_refused(world, bundle, tmp_path):
    """The issue's case: the manifest says changes 1–361 of its sender, the bundle carries 1–N."""
    claimed = _covering(world, bundle, tmp_path / "claims.xjb", lambda span: [span[0], 361])
    message = refused(world.township, claimed)
    assert "claims.xjb" in message and "1–361" in message and "Nothing was changed" in message, message
    with world.township.session() as session:  # nothing acknowledged: the laptop's next bundle starts at 1
        assert session.execute(text("SELECT count(*) FROM origin_cursor")).scalar() == 0


def test_case_3_a_bundle_covering_less_than_it_carries_is_refused(world, bundle, tmp_path):
    claimed = _covering(world, bundle, tmp_path / "less.xjb", lambda span: [span[0], span[1] - 1])
    message = refused(world.township, claimed)
    assert "less.xjb" in message and "outside" in message, message


def test_case_3_a_township_bundle_leaves_out_other_villages_changes_and_is_accepted(world):
    """The township's bundle to a laptop covers everything it holds but carries only that laptop's villages:
    a gap in what it carries is allowed there (and only changes inside the range it covers)."""
    from builders import family_draft
    from sync_world import group_of
    from xinjie_desktop.core.records import households

    qingshan, lushui = world.laptop(0), world.laptop(1)
    households.save(lushui, family_draft(group_of(lushui, "绿水村")))
    world.sync(lushui)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    world.sync(qingshan)  # carries Qingshan's village only, covers all the township holds
    with qingshan.session() as session:
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 1


# --- case 9: the derived list values are computed here from the records, never taken from the sender --------


@pytest.mark.parametrize(
    ("column", "lie"),
    [
        ("head_name", "假户主"),
        ("head_id_number", "110101199001010000"),
        ("actual_population", 9),
        ("workflow_step", "entered"),
        ("search_text", "nobody"),
        ("list_key", "\x1f\x1f"),
        ("flags", ""),  # ID-1 below the line, ID-2 a birth date that differs from the ID number: both hidden
        ("flags", "|cannot_exit|wrongly_exited|"),
    ],
)
def test_case_9_derived_list_values_that_contradict_the_members_are_recomputed(world, bundle, tmp_path, column, lie):
    """derived.json (signed by the sender) says something its own records do not: the import computes the
    value from the records instead, exactly as for a household whose values it was not given."""
    qingshan = world.laptop(0)

    def forge(parts):
        hints = json.loads(parts["derived.json"])
        for values in hints.values():
            values[column] = lie
        parts["derived.json"] = json.dumps(hints, ensure_ascii=False).encode("utf-8")
        manifest = json.loads(parts["manifest.json"])
        manifest["parts"]["derived.json"] = hashlib.sha256(parts["derived.json"]).hexdigest()
        parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
        _sign_again(qingshan, parts, parts["changes.tsv"].decode("utf-8"))

    lying = rewrite(world, bundle, tmp_path / "lying.xjb", forge)
    importing.import_bundles(world.township, [lying])
    columns = ", ".join(households_module().DERIVED_COLUMNS)
    with qingshan.session() as session:
        sent = session.execute(text(f"SELECT id, {columns} FROM household")).one()
    with world.township.session() as session:
        stored = session.execute(text(f"SELECT id, {columns} FROM household")).one()
    assert stored == sent, (column, stored)


def households_module():
    from xinjie_desktop.core.records import households

    return households


def test_case_9_new_households_are_written_with_values_computed_here_at_no_extra_cost(world, bundle, tmp_path):
    """Households created whole are written with the values computed from the bundle's records as it was read
    (nothing left for ``finish`` to compute), equal to what the sending laptop computed, flags included, and
    the same whatever derived.json says (here: an empty table)."""
    (imported,) = importing.import_bundles(world.township, [bundle])
    assert imported.outcome.new["household"] == 1 and len(imported.outcome.prefilled) == 1
    from xinjie_desktop.core.records import demo_data

    lushui = world.laptop(1)
    demo_data.add_households(lushui, 30, seed=5)
    (exported,) = world.export(lushui)

    def forget(parts):
        parts["derived.json"] = b"{}"
        manifest = json.loads(parts["manifest.json"])
        manifest["parts"]["derived.json"] = hashlib.sha256(parts["derived.json"]).hexdigest()
        parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
        _sign_again(lushui, parts, parts["changes.tsv"].decode("utf-8"))

    silent = rewrite(world, exported, tmp_path / "silent.xjb", forget)
    (imported,) = importing.import_bundles(world.township, [silent])
    assert imported.outcome.new["household"] == 30 and len(imported.outcome.prefilled) == 30
    columns = ", ".join(households_module().DERIVED_COLUMNS)
    query = text(f"SELECT id, {columns} FROM household WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    ids = sorted(imported.outcome.prefilled)
    with lushui.session() as session:
        sent = session.execute(query, {"ids": ids}).all()
    with world.township.session() as session:
        stored = session.execute(query, {"ids": ids}).all()
    assert sorted(stored) == sorted(sent) and len(sent) == 30
    assert any(row[5] for row in sent), "some of the demo households have flags"


# --- case 14 (the bundle's message): bytes added to a bundle -------------------------------------------


def test_case_14_a_bundle_with_bytes_added_says_it_is_longer_than_it_should_be(world, bundle, tmp_path):
    data = bundle.read_bytes()
    longer = tmp_path / "longer.xjb"
    longer.write_bytes(data + b"\n")
    message = refused(world.township, longer)
    assert "longer.xjb is longer than it should be" in message and f"{len(data) + 1} bytes" in message, message
    assert "incomplete" not in message and f"{len(data) + 1} of its" not in message
