"""Exporting: what goes to each peer (``plan``), the bundle's parts and signed manifest, sealed and
written to a USB stick (``export``), and recorded in ``bundle_log``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop import __version__
from xinjie_desktop.core.documents import file_names
from xinjie_desktop.core.records import access, households
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import utcnow
from xinjie_desktop.core.sync import audit_chain, device, runs, staging
from xinjie_desktop.core.sync.bundle_format import (
    BLOB_COLUMNS,
    FORMAT,
    SIGNING_CONTEXT,
    SUFFIX,
    VERSION,
    Progress,
    SyncError,
)
from xinjie_desktop.core.sync.merge import Change
from xinjie_desktop.core.sync.roles import LAPTOP, TOWNSHIP, Peer, device_names, my_name, peers, role
from xinjie_desktop.core.sync.sealing import seal
from xinjie_desktop.core.sync.usb_stick import takes_name, write_safely
from xinjie_desktop.i18n import _


@dataclass
class Outgoing:
    """A bundle ready to write: for one peer, its changes and files."""

    peer: Peer
    kind: str
    covers: dict[str, list[int]]
    changes: list[list[Any]]  # journal rows: origin, seq, hlc, table, row, op, village, payload, bases
    blobs: list[str]
    counts: dict[str, int]

    @property
    def empty(self) -> bool:
        return not self.changes


def _received(session: Session, me: str) -> dict[str, int]:
    """What this store holds without a gap, per origin (its own changes: all of them)."""
    held = dict(session.execute(text("SELECT origin_device, received_seq FROM origin_cursor")).all())
    own = session.execute(text("SELECT max(seq) FROM change_log WHERE origin_device = :d"), {"d": me}).scalar()
    if own:
        held[me] = own
    return held


# The township's records of no village that every laptop receives: the township itself, the funds (the payments
# acknowledged there name them, issue 19), the township's leaders' and all-member meetings (issue 20, WT-2: the
# teams read them; a laptop cannot record one, and the township refuses one from a laptop as outside its scope).
TO_EVERY_LAPTOP = ("township", "fund", "team_meeting")


def plan(store: Store, peer: Peer, *, full: bool = False) -> Outgoing:
    """What goes to ``peer``: every change it is not known to hold (all with ``full``), within its villages."""
    me = store.device_id
    is_laptop = peer.role == LAPTOP
    with store.session() as session:
        acked: dict[str, int] = dict(
            session.execute(
                text("SELECT origin_device, acked_seq FROM peer_cursor WHERE peer_id = :p"), {"p": peer.device_id}
            ).all()
        )
        received = _received(session, me)
        covers: dict[str, list[int]] = {}
        for origin, last in received.items():
            if origin == peer.device_id or (role(store) == LAPTOP and origin != me):
                continue  # a laptop vouches only for its own changes (the township for everything it holds)
            first = 1 if full else acked.get(origin, 0) + 1
            if first <= last:
                covers[origin] = [first, last]
        query = (
            "SELECT origin_device, seq, hlc, table_name, row_id, op, village_id, payload, bases FROM change_log "
            "WHERE origin_device != :peer"
        )
        rows = session.execute(text(query + " ORDER BY origin_device, seq"), {"peer": peer.device_id}).all()
        scope = set(peer.scope)
        # An account reaches the laptops of every village of its scope (every laptop: an account of every
        # village), whichever village labels its changes (issue 17).
        account_villages = {
            row_id: set(json.loads(villages or "[]"))
            for row_id, villages in session.execute(text("SELECT id, villages FROM accounts"))
        }
        changes: list[list[Any]] = []
        blobs: set[str] = set()
        counts: defaultdict[str, int] = defaultdict(int)
        for row in rows:
            origin, seq = row[0], row[1]
            if origin in covers:
                if not covers[origin][0] <= seq <= covers[origin][1]:
                    continue
            elif not full and seq <= acked.get(origin, 0):
                continue  # relayed changes the peer already holds
            if is_laptop and row[3] == "accounts":
                villages = account_villages.get(row[4])
                if villages is None or (villages and not villages & scope):
                    continue
            elif is_laptop and row[6] is not None and row[6] not in scope:
                continue
            elif is_laptop and row[6] is None and row[3] not in TO_EVERY_LAPTOP:
                continue
            change = Change(*row)
            changes.append(list(row))
            counts[change.table] += 1
            if change.op == "upsert" and change.table in BLOB_COLUMNS:
                payload = json.loads(change.payload)
                blobs.update(payload[c] for c in BLOB_COLUMNS[change.table] if payload.get(c))
    return Outgoing(peer, "full" if full else "incremental", covers, changes, sorted(blobs), dict(counts))


def changes_document(outgoing: Outgoing) -> bytes:
    return staging.document_text(outgoing.changes).encode("utf-8")


def _hints(session: Session, outgoing: Outgoing) -> dict[str, dict]:
    """The derived columns of the households the bundle creates, as this store computed them."""
    created = sorted(
        {c[4] for c in outgoing.changes if c[3] == "household" and c[5] == "upsert" and '"created_at":' in c[7]}
    )
    hints: dict[str, dict] = {}
    for start in range(0, len(created), 500):
        part = created[start : start + 500]
        marks = ",".join("?" * len(part))
        for row in session.connection().exec_driver_sql(
            f"SELECT id, {', '.join(households.DERIVED_COLUMNS)} FROM household WHERE id IN ({marks})", tuple(part)
        ):
            hints[row[0]] = dict(zip(households.DERIVED_COLUMNS, row[1:], strict=True))
    return hints


def current_policy_version() -> str:
    from xinjie_desktop.core.rules.policy_params import current

    return current().version


def estimate_size(store: Store, outgoing: Outgoing) -> int:
    """About the size of the bundle ``outgoing`` makes: its journal as compressed, its files, the rest."""
    files = 0
    with store.session() as session:
        for start in range(0, len(outgoing.blobs), 500):
            part = outgoing.blobs[start : start + 500]
            marks = ",".join("?" * len(part))
            files += (
                session.connection()
                .exec_driver_sql(f"SELECT coalesce(sum(size), 0) FROM blob WHERE sha256 IN ({marks})", tuple(part))
                .scalar_one()
            )
    return len(zlib.compress(changes_document(outgoing), 6)) + files + 4096


def _payload(store: Store, outgoing: Outgoing) -> tuple[bytes, dict]:
    me = device.identity(store)
    with store.session() as session:
        names = device_names(session)
        receipt = _received(session, store.device_id)
        blobs = {}
        for sha in outgoing.blobs:
            row = session.execute(text("SELECT data FROM blob WHERE sha256 = :s"), {"s": sha}).first()
            if row is not None:
                blobs[sha] = bytes(row[0])
        hints = _hints(session, outgoing)
        signed_runs = runs.for_changes(session, outgoing.changes)
        audit_bytes = audit_chain.for_changes(session, outgoing.changes).encode("utf-8")
        # The township vouches for the keys of the origins whose runs it passes on (a laptop's trust anchor).
        keys = runs.keys_of(session, {run["origin"] for run in signed_runs}) if role(store) == TOWNSHIP else {}
    changes_bytes = changes_document(outgoing)
    runs_bytes = json.dumps(signed_runs, sort_keys=True, separators=(",", ":")).encode("utf-8")
    hints_bytes = json.dumps(hints, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    parts = {
        "changes.tsv": hashlib.sha256(changes_bytes).hexdigest(),
        "derived.json": hashlib.sha256(hints_bytes).hexdigest(),
        runs.PART: hashlib.sha256(runs_bytes).hexdigest(),
        audit_chain.PART: hashlib.sha256(audit_bytes).hexdigest(),
    }
    parts.update({f"attachments/{sha}": sha for sha in blobs})
    # What each part inflates to: the receiver reads no further (issue 13, case 12).
    sizes = {
        "changes.tsv": len(changes_bytes),
        "derived.json": len(hints_bytes),
        runs.PART: len(runs_bytes),
        audit_chain.PART: len(audit_bytes),
    }
    sizes.update({f"attachments/{sha}": len(content) for sha, content in blobs.items()})
    accepted = device.provisioning(store)
    origins = {c[0] for c in outgoing.changes} | set(outgoing.covers)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "app_version": __version__,
        "bundle_id": str(uuid.uuid4()),
        "policy_version": current_policy_version(),
        "created_at": utcnow().isoformat(timespec="seconds"),
        "source": {
            **me.public(),
            "name": my_name(store),
            "role": role(store),
            "former_ids": [entry["device_id"] for entry in device.history(store)],
            "provisioning_id": accepted.provisioning_id if accepted else "",
        },
        "target": {"device_id": outgoing.peer.device_id, "name": outgoing.peer.name},
        "kind": outgoing.kind,
        "scope": list(outgoing.peer.scope),
        "covers": outgoing.covers,
        "counts": outgoing.counts,
        "attachments": sorted(blobs),
        "parts": parts,
        "sizes": sizes,
        "receipt": receipt,
        "devices": {origin: names[origin] for origin in sorted(origins) if origin in names},
    }
    if keys:
        manifest["keys"] = keys
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = device.sign(store, SIGNING_CONTEXT + manifest_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", signature)
        # Deflated: journal text shrinks about tenfold (attachments, already compressed images and PDFs, do not).
        archive.writestr("changes.tsv", changes_bytes, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        archive.writestr("derived.json", hints_bytes, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        archive.writestr(runs.PART, runs_bytes, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        archive.writestr(audit_chain.PART, audit_bytes, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        for sha, content in sorted(blobs.items()):
            archive.writestr(f"attachments/{sha}", content)
    return buffer.getvalue(), manifest


@dataclass
class ExportResult:
    path: Path
    peer: Peer
    size: int
    counts: dict[str, int]
    covers: dict[str, list[int]]

    def describe(self) -> str:
        return _("{name} for {peer}: {changes} changes, {size} KB.").format(
            name=self.path.name, peer=self.peer.name, changes=sum(self.counts.values()), size=max(1, self.size // 1024)
        )


def file_name(
    store: Store, peer: Peer, bundle_id: str, now: dt.datetime | None = None, *, ascii_only: bool = False
) -> str:
    """A name a person reads (issue 16): sender, recipient, date and time, and a short part of the bundle id,
    e.g. ``青山村笔记本-至-辛街乡-2026-12-07-1530-3f9a2c.xjb``.  Nothing parses it: the manifest carries the ids.
    ``ascii_only`` (a stick that refuses Chinese names): a name that is not ASCII stands as its device id's start."""
    sender, recipient = my_name(store), peer.name or peer.device_id[:8]
    if ascii_only:
        sender = sender if sender.isascii() else store.device_id[:8]
        recipient = recipient if recipient.isascii() else peer.device_id[:8]
    return file_names.bundle_file_name(
        sender, recipient, now or dt.datetime.now(), bundle_id[:6], SUFFIX, ascii_only=ascii_only
    )


def _free_name(store: Store, peer: Peer, folder: Path, bundle_id: str) -> Path:
    """The bundle's path on the stick: its readable name (ASCII where the stick takes no other), never one taken."""
    now = dt.datetime.now()
    name = file_name(store, peer, bundle_id, now)
    if not name.isascii() and not takes_name(folder, name):
        name = file_name(store, peer, bundle_id, now, ascii_only=True)
    return file_names.free_path(folder, name)


def export(
    store: Store, to_dir: Path | str, *, full: bool = False, progress: Progress | None = None
) -> list[ExportResult]:
    """Write one bundle for each peer into ``to_dir`` (a USB stick), safely (see ``write_safely``)."""
    to_dir = Path(to_dir)
    access.require_open(store, Action.EXPORT_BUNDLE)
    if role(store) is None:
        raise SyncError(
            _(
                "This data file is neither a provisioned village laptop nor the township office: accept a "
                "provisioning file from the township office first."
            )
        )
    if device.needs_reprovisioning(store):
        raise SyncError(
            _(
                "This data file was copied or restored and has a new identity: the township office must "
                "provision this laptop again before it accepts its bundles."
            )
        )
    targets = peers(store)
    if not targets:
        raise SyncError(
            _(
                "No laptop has sent a bundle to this township office yet: import each laptop's first bundle, "
                "then write bundles back."
            )
        )
    if not to_dir.is_dir():
        raise SyncError(_("The folder {path} does not exist (is the USB stick plugged in?).").format(path=to_dir))
    runs.sign_own(store)  # the changes it made since its last export, signed as one run
    results = []
    for index, peer in enumerate(targets):
        outgoing = plan(store, peer, full=full)
        payload, manifest = _payload(store, outgoing)
        sealed = seal(payload, peer.device_id, peer.box_public)
        path = _free_name(store, peer, to_dir, manifest["bundle_id"])
        write_safely(path, sealed)
        with store.unit_of_work() as session:
            session.execute(
                text(
                    "INSERT INTO bundle_log (bundle_id, direction, peer_id, file_name, sha256, at, covers, counts, report) "
                    "VALUES (:b, 'out', :p, :f, :s, :at, :c, :n, '{}')"
                ),
                {
                    "b": manifest["bundle_id"],
                    "p": peer.device_id,
                    "f": path.name,
                    "s": hashlib.sha256(sealed).hexdigest(),
                    "at": utcnow(),
                    "c": json.dumps(outgoing.covers),
                    "n": json.dumps(outgoing.counts),
                },
            )
        results.append(ExportResult(path, peer, len(sealed), outgoing.counts, outgoing.covers))
        if progress is not None and not progress(index + 1, len(targets)):
            break
    device.rotate_home(store)
    return results
