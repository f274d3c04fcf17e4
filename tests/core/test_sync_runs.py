"""Issue 13, case 4: a change attributed to a device is verifiable as that device's own through any relay.

Each device signs the runs of its own changes when it exports them (a run: origin, first..last seq, signed
over the SHA-256 of each change's line); the signatures travel with the changes, and a relay that leaves
some of a run's changes out carries the hashes of those it left out.  A change of another origin than the
bundle's sender is taken only when a valid signature of its origin covers it, or when this store holds it
already as it is (docs/design/sync.md §9, "As built" of issue 13 case 4).
"""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import text
from test_sync_safety import refused, rewrite

from builders import family_draft
from sync_world import World, group_of
from xinjie_desktop.core.records import households
from xinjie_desktop.core.store.models import Household
from xinjie_desktop.core.sync import bundle_format, checking, device, runs


def _next_seq(store, origin: str) -> int:
    with store.session() as session:
        return (
            session.execute(
                text("SELECT coalesce(max(seq), 0) FROM change_log WHERE origin_device = :o"), {"o": origin}
            ).scalar_one()
            + 1
        )


def _resign(sender, parts: dict, changes: str, manifest: dict) -> None:
    """A faulty or hostile sender: its parts changed, hashed again and signed by its own key."""
    parts["changes.tsv"] = changes.encode("utf-8")
    for name, content in parts.items():
        if name not in ("manifest.json", "manifest.sig"):
            manifest["parts"][name] = hashlib.sha256(content).hexdigest()
    if "sizes" in manifest:  # the sizes of what it signs, as the exporter declares them (issue 13, case 12)
        manifest["sizes"] = {name: len(part) for name, part in parts.items() if not name.startswith("manifest.")}
    parts["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    parts["manifest.sig"] = device.sign(sender, bundle_format.SIGNING_CONTEXT + parts["manifest.json"])


def _forge_from(world, sender, victim, *, seq: int | None = None, covers: list[int] | None = None, forged_runs=None):
    """``sender``'s honest bundle (one household of its own) with one more line: a household of the
    sender's village attributed to ``victim`` (its next counter unless ``seq``), signed by the sender;
    ``covers``: the sender also claims to cover those changes of the victim; ``forged_runs(fields)``: the runs
    the bundle carries, for the forged line's fields."""
    households.save(sender, family_draft(group_of(sender, "绿水村")))
    (path,) = world.export(sender, to=world.township)
    seq = _next_seq(victim, victim.device_id) if seq is None else seq

    def forge(parts):
        lines = parts["changes.tsv"].decode("utf-8").splitlines()
        created = next(line for line in lines if line.split("\t")[3] == "household")
        fields = created.split("\t")
        fields[0], fields[1], fields[4] = victim.device_id, str(seq), str(uuid.uuid4())
        manifest = json.loads(parts["manifest.json"])
        if covers is not None:
            manifest["covers"][victim.device_id] = covers
        if forged_runs is not None:
            parts["runs.json"] = json.dumps(forged_runs(fields)).encode()
        _resign(sender, parts, "\n".join([*lines, "\t".join(fields)]) + "\n", manifest)

    return rewrite(world, path, world.folder / "forged.xjb", forge), seq


def test_case_4_a_forged_change_of_another_laptop_is_refused_and_that_laptops_next_bundle_accepted(world):
    """Laptop B's bundle carries a change attributed to laptop A that A never made: refused, naming A and the
    change; A's own next bundle (whose change has that very counter) is accepted, not taken for a copy."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    world.sync(qingshan)
    forged, seq = _forge_from(world, lushui, qingshan)
    message = refused(world.township, forged)
    assert "青山村笔记本" in message and f"{seq}–{seq}" in message, message
    assert "Nothing was changed" in message
    real = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (results,) = [world.import_into(world.township, world.export(qingshan))]
    assert results[0].outcome is not None
    with world.township.session() as session:
        assert session.get(Household, real) is not None


def test_case_4_a_run_signed_by_the_relay_for_another_laptop_is_refused(world):
    """The relay cannot vouch for the forged change by signing a run of its own in the victim's name."""
    qingshan, lushui = world.laptop(0), world.laptop(1)

    def signed_by_the_relay(fields):
        line = "\t".join(fields).encode("utf-8")
        first = int(fields[1])
        signature = device.sign(lushui, runs.run_message(qingshan.device_id, first, first, [runs.line_hash(line)]))
        return [{"origin": qingshan.device_id, "first": first, "last": first, "signature": device.b64(signature)}]

    forged, seq = _forge_from(world, lushui, qingshan, forged_runs=signed_by_the_relay)
    message = refused(world.township, forged)
    assert "青山村笔记本" in message and f"{seq}–{seq}" in message, message


def test_case_4_a_change_of_another_laptop_numbered_10_to_the_9_riding_along_is_refused(world):
    qingshan, lushui = world.laptop(0), world.laptop(1)
    forged, _seq = _forge_from(world, lushui, qingshan, seq=10**9)
    message = refused(world.township, forged)
    assert "青山村笔记本" in message and "1000000000" in message, message


def test_case_4_coverage_of_another_laptop_up_to_10_to_the_9_is_refused(world):
    qingshan, lushui = world.laptop(0), world.laptop(1)
    forged, _seq = _forge_from(world, lushui, qingshan, covers=[_next_seq(qingshan, qingshan.device_id), 10**9])
    message = refused(world.township, forged)
    assert "青山村笔记本" in message, message
    with world.township.session() as session:
        assert (
            session.execute(
                text("SELECT received_seq FROM origin_cursor WHERE origin_device = :o"), {"o": qingshan.device_id}
            ).scalar()
            != 10**9
        )


def _forget_at_township(world, origin: str) -> None:
    """The township's store loses what it held of ``origin`` (restored from an older copy, or another
    township store): a relay's copy must then prove itself."""
    with world.township.unit_of_work() as session:
        session.execute(text("DELETE FROM change_log WHERE origin_device = :o"), {"o": origin})
        session.execute(text("DELETE FROM origin_cursor WHERE origin_device = :o"), {"o": origin})


def test_case_4_an_honest_relay_is_provable_without_the_townships_copy(tmp_path):
    """A (two villages) → township → B (one of them: the township leaves A's other changes out and carries
    their hashes) → township that no longer holds A's changes: A's signatures, carried by B, prove them."""
    world = World(tmp_path, overlap=True)
    try:
        qingshan, lushui = world.laptop(0), world.laptop(1)  # lushui writes 绿水村 and 青山村
        households.save(lushui, family_draft(group_of(lushui, "绿水村")))
        mine = households.save(lushui, family_draft(group_of(lushui, "青山村")))
        households.save(lushui, family_draft(group_of(lushui, "绿水村")))
        world.sync(lushui)
        world.import_into(qingshan, world.export(world.township, to=qingshan))
        with qingshan.session() as session:
            assert session.get(Household, mine) is not None
            runs = session.execute(
                text("SELECT first_seq, last_seq, omitted FROM change_run WHERE origin_device = :o"),
                {"o": lushui.device_id},
            ).all()
        assert runs and any(json.loads(omitted) for _f, _l, omitted in runs)  # the left-out changes' hashes
        _forget_at_township(world, lushui.device_id)
        relayed = world.export(qingshan, full=True)
        incoming = checking.read(world.township, relayed[0])
        assert {c.origin for c in incoming.changes} >= {lushui.device_id}
        (result,) = world.import_into(world.township, relayed)
        assert result.outcome is not None
        with world.township.session() as session:
            held = session.execute(
                text("SELECT count(*) FROM change_log WHERE origin_device = :o"), {"o": lushui.device_id}
            ).scalar_one()
        assert held == sum(1 for c in incoming.changes if c.origin == lushui.device_id) > 0
    finally:
        world.close()


def test_case_4_a_relayed_change_altered_on_the_way_is_refused(tmp_path):
    """The same relay, but B changed a value of A's change on the way: A's signature no longer covers it."""
    world = World(tmp_path, overlap=True)
    try:
        qingshan, lushui = world.laptop(0), world.laptop(1)
        households.save(lushui, family_draft(group_of(lushui, "青山村")))
        world.sync(lushui)
        world.import_into(qingshan, world.export(world.township, to=qingshan))
        _forget_at_township(world, lushui.device_id)
        (relayed,) = world.export(qingshan, full=True)

        def alter(parts):
            lines = parts["changes.tsv"].decode("utf-8").splitlines()
            index = next(i for i, line in enumerate(lines) if line.split("\t")[:4:3] == [lushui.device_id, "household"])
            fields = lines[index].split("\t")
            payload = json.loads(fields[7])
            payload["phone"] = "13900000000"
            fields[7] = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            lines[index] = "\t".join(fields)
            _resign(qingshan, parts, "\n".join(lines) + "\n", json.loads(parts["manifest.json"]))

        altered = rewrite(world, relayed, tmp_path / "altered.xjb", alter)
        message = refused(world.township, altered)
        assert "绿水村笔记本" in message, message
    finally:
        world.close()


def test_case_4_a_journal_from_before_signing_is_signed_as_one_run_at_the_next_export(world):
    """A store upgraded to 0010 has no runs: its first export signs its whole own journal, so that a relay
    can prove each of those changes too."""
    qingshan = world.laptop(0)
    with qingshan.unit_of_work() as session:
        session.execute(text("DELETE FROM change_run"))  # as a store of 0008 was
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (path,) = world.export(qingshan)
    last = _next_seq(qingshan, qingshan.device_id) - 1
    with qingshan.session() as session:
        own = session.execute(
            text("SELECT first_seq, last_seq FROM change_run WHERE origin_device = :o"), {"o": qingshan.device_id}
        ).all()
    assert own == [(1, last)]
    incoming = checking.read(world.township, path)
    assert [(r["origin"], r["first"], r["last"]) for r in incoming.signed_runs] == [(qingshan.device_id, 1, last)]
    world.import_into(world.township, [path])
    with world.township.session() as session:
        kept = session.execute(
            text("SELECT first_seq, last_seq FROM change_run WHERE origin_device = :o"), {"o": qingshan.device_id}
        ).all()
    assert kept == [(1, last)]
