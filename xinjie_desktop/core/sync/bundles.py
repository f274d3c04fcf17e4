"""Bundles: the files that carry changes between a village laptop and the township office (issue 5).

A bundle (``.xjb``) is a ZIP archive (the journal deflated, attachments stored) sealed to its one recipient:

``manifest.json``
    format and version, the application's version, bundle id, source (device id, public keys, name,
    former ids, provisioning id), target, kind (full/incremental), scope, ``covers`` (per origin
    device, the change counters it holds without a gap), counts, the SHA-256 of every part, the
    names of the devices it mentions, and a receipt (what the source holds of every origin, so the
    recipient's next bundle starts after that).
``manifest.sig``
    Ed25519 signature of ``manifest.json`` by the source device.  The manifest holds the hash of
    every other part, so the signature covers the whole bundle.
``changes.tsv``
    journal entries (core.sync.change_log), one a line: origin, seq, hlc, table, row, op, village, payload,
    bases, separated by tabs (the payloads are JSON text, which holds no raw tab or line break).
``derived.json``
    for each household created in the bundle, the list's derived columns as its sender computed them
    (head, population, step, flags, …), used by the importer when its policy parameters are the same
    version and no ID number of the household is held elsewhere; otherwise it computes them.
``attachments/<sha256>``
    each file the changes name (signatures, scans, signed PDFs, photos), once.

Sealing (``cryptography`` primitives, nothing hand-made): an ephemeral X25519 key agreed with the
recipient's box key, HKDF-SHA256 to a ChaCha20-Poly1305 key, the archive encrypted in 1 MiB chunks
whose associated data binds the header, the chunk's index and a last-chunk flag (a truncated file
fails).  A lost USB stick reveals no income and no ID number.

Importing checks everything before it writes anything (``read`` then ``check``): a file that is not
a bundle, too new, for another device, tampered with or truncated, wrongly signed, out of the
sender's villages, with a gap before it, or from a copied laptop is refused with a ``SyncError``
naming the reason, and the store is not touched.  Then, after a backup, each bundle is applied in
one durable transaction (core.sync.merge).  Importing a bundle again changes nothing.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import errno
import functools
import hashlib
import io
import json
import os
import shutil
import struct
import uuid
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop import __version__
from xinjie_desktop.core.documents import import_report
from xinjie_desktop.core.records import households
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Township, utcnow
from xinjie_desktop.core.store.safe_file import fsync_folder
from xinjie_desktop.core.sync import device, merge, staging
from xinjie_desktop.core.sync.merge import Change, Outcome
from xinjie_desktop.i18n import _

MAGIC = b"XJB1"
FORMAT = "xinjie-desktop/bundle"
VERSION = 1
SUFFIX = ".xjb"
CHUNK = 1024 * 1024
_INFO = b"xinjie-desktop bundle v1"
_SIGNING_CONTEXT = b"xinjie-desktop bundle manifest v1\n"
# Columns naming a file (blob) that travels with the record.
BLOB_COLUMNS = {
    "attachment": ("sha256",),
    "agreement": ("scan_sha256", "signed_pdf_sha256"),
    "agreement_signature": ("image_sha256",),
    "demolition_acceptance": ("photo_sha256",),
}

Progress = Callable[[int, int], bool]  # (done, total) → False to cancel


class SyncError(Exception):
    """A refused bundle or export; ``str()`` is a message for the user (nothing was changed)."""


# --- who is who -------------------------------------------------------------------------------------

TOWNSHIP, LAPTOP = "township", "laptop"


def role(store: Store) -> str | None:
    """``laptop`` once a provisioning was accepted, else ``township`` once it provisioned a laptop."""
    if device.provisioning(store) is not None:
        return LAPTOP
    if device.issued(store):
        return TOWNSHIP
    return None


def my_name(store: Store) -> str:
    accepted = device.provisioning(store)
    if accepted is not None:
        return accepted.laptop_name
    with store.session() as session:
        return session.query(Township.name).limit(1).scalar() or _("township office")


@dataclass(frozen=True)
class Peer:
    device_id: str
    name: str
    role: str
    signing_public: str
    box_public: str
    scope: tuple[str, ...] = ()  # village ids a laptop may write (empty: everything, the township)


def peers(store: Store) -> list[Peer]:
    """Whom this store sends bundles to: a laptop its township; the township every laptop seen."""
    accepted = device.provisioning(store)
    if accepted is not None:
        town = accepted.township
        return [Peer(town.device_id, accepted.township_name, TOWNSHIP, town.signing_public, town.box_public)]
    with store.session() as session:
        rows = session.execute(
            text(
                "SELECT device_id, name, role, signing_public, box_public, scope FROM sync_peer "
                "WHERE trusted AND role = 'laptop' ORDER BY name, device_id"
            )
        ).all()
    return [Peer(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5]))) for r in rows]


def device_names(session: Session) -> dict[str, str]:
    return {row[0]: row[1] for row in session.execute(text("SELECT device_id, name FROM sync_peer"))}


# --- sealing ------------------------------------------------------------------------------------------


def _key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + recipient_public, info=_INFO).derive(
        shared
    )


def _raw(public) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(payload: bytes, recipient_id: str, recipient_box_public: str) -> bytes:
    """The sealed file's bytes: magic, header, encrypted chunks."""
    recipient = X25519PublicKey.from_public_bytes(device.unb64(recipient_box_public))
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw(ephemeral.public_key())
    key = _key(ephemeral.exchange(recipient), ephemeral_public, device.unb64(recipient_box_public))
    header = json.dumps(
        {
            "version": VERSION,
            "recipient_device_id": recipient_id,
            "ephemeral_public": device.b64(ephemeral_public),
            "chunk_size": CHUNK,
            "payload_size": len(payload),
        },
        sort_keys=True,
    ).encode("utf-8")
    cipher = ChaCha20Poly1305(key)
    out = [MAGIC, struct.pack(">I", len(header)), header]
    count = max(1, -(-len(payload) // CHUNK))
    for index in range(count):
        chunk = payload[index * CHUNK : (index + 1) * CHUNK]
        last = index == count - 1
        out.append(cipher.encrypt(_nonce(index), chunk, _aad(header, index, last)))
    return b"".join(out)


def _nonce(index: int) -> bytes:
    return b"\x00\x00\x00\x00" + index.to_bytes(8, "big")


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


@dataclass(frozen=True)
class Header:
    version: int
    recipient_device_id: str
    ephemeral_public: str
    chunk_size: int
    payload_size: int
    header_bytes: bytes
    body_offset: int

    def sealed_size(self) -> int:
        chunks = max(1, -(-self.payload_size // self.chunk_size))
        return self.body_offset + self.payload_size + 16 * chunks


def read_header(data: bytes, path: Path) -> Header:
    if not data.startswith(MAGIC):
        raise SyncError(
            _("The file {name} is not a bundle of xinjie-desktop. Nothing was changed.").format(name=path.name)
        )
    damaged = _(
        "The bundle {name} is damaged or incomplete (perhaps the USB stick was pulled out while it was being "
        "written). Nothing was changed; write the bundle again on the laptop it came from."
    ).format(name=path.name)
    try:
        (length,) = struct.unpack(">I", data[4:8])
        header_bytes = data[8 : 8 + length]
        if len(header_bytes) != length:
            raise ValueError("short")
        header = json.loads(header_bytes.decode("utf-8"))
        version = header["version"]
        if not isinstance(version, int):
            raise ValueError("version")
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise SyncError(damaged) from None
    if version > VERSION:
        raise SyncError(
            _(
                "The bundle {name} was written by a newer version of xinjie-desktop (bundle format {version}). "
                "Install the newer version on this computer first; nothing was changed."
            ).format(name=path.name, version=version)
        )
    try:
        parsed = Header(
            version,
            str(header["recipient_device_id"]),
            str(header["ephemeral_public"]),
            int(header["chunk_size"]),
            int(header["payload_size"]),
            header_bytes,
            8 + length,
        )
        if parsed.chunk_size <= 0 or parsed.payload_size < 0:
            raise ValueError("sizes")
        return parsed
    except (KeyError, TypeError, ValueError):
        raise SyncError(damaged) from None


def unseal(data: bytes, header: Header, box_key: X25519PrivateKey, path: Path) -> bytes:
    tampered = _(
        "The bundle {name} was changed or damaged after it was written (it does not decrypt). Nothing was "
        "changed; write the bundle again on the laptop it came from."
    ).format(name=path.name)
    if len(data) != header.sealed_size():
        raise SyncError(
            _(
                "The bundle {name} is incomplete: {have} of its {size} bytes are there (perhaps the USB stick "
                "was pulled out while it was being written). Nothing was changed; write the bundle again on "
                "the computer it came from."
            ).format(name=path.name, have=len(data), size=header.sealed_size())
        )
    try:
        ephemeral_public = device.unb64(header.ephemeral_public)
        shared = box_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise SyncError(tampered) from None
    cipher = ChaCha20Poly1305(_key(shared, ephemeral_public, _raw(box_key.public_key())))
    sealed_chunk = header.chunk_size + 16
    body = data[header.body_offset :]
    if not body:
        raise SyncError(tampered)
    parts = []
    count = -(-len(body) // sealed_chunk)
    for index in range(count):
        piece = body[index * sealed_chunk : (index + 1) * sealed_chunk]
        try:
            parts.append(cipher.decrypt(_nonce(index), piece, _aad(header.header_bytes, index, index == count - 1)))
        except InvalidTag:
            raise SyncError(tampered) from None
    return b"".join(parts)


# --- reading and checking ----------------------------------------------------------------------------


@dataclass
class Incoming:
    """A bundle read, decrypted and verified (nothing written yet)."""

    path: Path
    sha256: str
    manifest: dict
    document: str  # changes.tsv
    blobs: dict[str, bytes]
    hints: dict[str, dict]  # derived.json: household id → derived columns as the sender computed them

    @functools.cached_property
    def staged(self) -> bytes:
        """The changes staged in a database of their own (``staging.staged_image``), for ``staging.stage``;
        ``staging.StagingError`` when they are not well formed."""
        return staging.staged_image(self.document)

    def take_staged(self) -> bytes:
        """``staged`` (built now unless the reader thread built it), forgotten here once taken: the store's
        connection holds its own copy of it."""
        image = self.staged
        del self.staged
        return image

    @functools.cached_property
    def changes(self) -> list[Change]:
        """The changes as Python objects (the import itself leaves them to SQLite)."""
        return [Change(*row) for row in staging.document_rows(self.document)]

    @property
    def bundle_id(self) -> str:
        return self.manifest["bundle_id"]

    @property
    def source(self) -> dict:
        return self.manifest["source"]

    @property
    def source_name(self) -> str:
        return self.source.get("name") or self.source["device_id"][:8]


def read_file(path: Path | str) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except OSError as error:
        raise SyncError(_("The file {path} cannot be read: {error}").format(path=path, error=error.strerror)) from None


def read(store: Store, path: Path | str) -> Incoming:
    """Decrypt and verify a bundle for this store: structure, recipient, signature, every part's hash."""
    path = Path(path)
    data = read_file(path)
    header = read_header(data, path)
    mine = device.known_ids(store)
    if header.recipient_device_id != store.device_id:
        if header.recipient_device_id in mine:
            raise SyncError(
                _(
                    "The bundle {name} was written for this computer's former identity (this data file was copied or "
                    "restored since, and took a new one). Nothing was changed. A village laptop must be provisioned again; "
                    "then ask for a new bundle."
                ).format(name=path.name)
            )
        raise SyncError(
            _(
                "The bundle {name} was written for another computer (device {target}), not for this one "
                "({mine}). Nothing was changed."
            ).format(name=path.name, target=header.recipient_device_id[:8], mine=store.device_id[:8])
        )
    payload = unseal(data, header, device.box_key(store), path)
    return _verify_payload(store, path, hashlib.sha256(data).hexdigest(), payload)


def _unmergeable(path: Path) -> SyncError:
    return SyncError(
        _(
            "The bundle {name} holds records that do not fit the records on this computer (a record it "
            "refers to is missing, or one that can exist only once is there already). Nothing was imported "
            "from it; keep the bundle file: it shows a fault of the computer that wrote it."
        ).format(name=path.name)
    )


def _damaged(path: Path) -> SyncError:
    return SyncError(
        _(
            "The bundle {name} is damaged or incomplete. Nothing was changed; write the bundle again on the "
            "laptop it came from."
        ).format(name=path.name)
    )


def _verify_payload(store: Store, path: Path, sha256: str, payload: bytes) -> Incoming:
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        manifest_bytes = archive.read("manifest.json")
        signature = archive.read("manifest.sig")
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError("format")
        source = manifest["source"]
        parts = manifest["parts"]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, UnicodeDecodeError):
        raise _damaged(path) from None
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise SyncError(
            _(
                "The bundle {name} was written by a newer version of xinjie-desktop. Install the newer version "
                "on this computer first; nothing was changed."
            ).format(name=path.name)
        )
    if source.get("device_id") in device.known_ids(store):
        raise SyncError(
            _(
                "The bundle {name} was written by this data file itself; import it on the computer it is for. "
                "Nothing was changed."
            ).format(name=path.name)
        )
    signing_public = _expected_signer(store, manifest, path)
    if not device.verify_signature(signing_public, _SIGNING_CONTEXT + manifest_bytes, signature):
        raise SyncError(
            _(
                "The bundle {name} is not signed by the computer it claims to come from (its signature does "
                "not match). It may have been forged or changed. Nothing was changed."
            ).format(name=path.name)
        )
    try:
        names = set(archive.namelist()) - {"manifest.json", "manifest.sig"}
        if names != set(parts):
            raise ValueError("parts")
        contents = {}
        for name in sorted(names):
            content = archive.read(name)
            if hashlib.sha256(content).hexdigest() != parts[name]:
                raise ValueError(name)
            contents[name] = content
        document = contents.pop("changes.tsv").decode("utf-8")
        hints = json.loads(contents.pop("derived.json", b"{}"))
        if not isinstance(hints, dict):
            raise ValueError("derived.json")
        blobs = {}
        for name, content in contents.items():
            sha = name.removeprefix("attachments/")
            if not name.startswith("attachments/") or hashlib.sha256(content).hexdigest() != sha:
                raise ValueError(name)
            blobs[sha] = content
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, UnicodeDecodeError):
        raise SyncError(
            _(
                "The bundle {name} was changed after it was signed (a part does not match its hash). Nothing "
                "was changed."
            ).format(name=path.name)
        ) from None
    return Incoming(path, sha256, manifest, document, blobs, hints)


def _expected_signer(store: Store, manifest: dict, path: Path) -> str:
    """The key the bundle must be signed with: the township's, a known laptop's, or a newly provisioned one's."""
    source = manifest["source"]
    accepted = device.provisioning(store)
    if accepted is not None:
        if source.get("device_id") != accepted.township.device_id:
            raise SyncError(
                _(
                    "The bundle {name} does not come from the township office that provisioned this laptop. "
                    "Nothing was changed."
                ).format(name=path.name)
            )
        return accepted.township.signing_public
    with store.session() as session:
        known = session.execute(
            text("SELECT signing_public FROM sync_peer WHERE device_id = :d"), {"d": source.get("device_id")}
        ).first()
        if known is not None:
            return known[0]
        issued = {entry["provisioning_id"]: entry for entry in device.issued(store)}
        if source.get("provisioning_id") not in issued:
            raise SyncError(
                _(
                    "The bundle {name} comes from a laptop this township office has not provisioned. Nothing "
                    "was changed; provision the laptop first."
                ).format(name=path.name)
            )
        holder = session.execute(
            text("SELECT name, device_id FROM sync_peer WHERE provisioning_id = :p"), {"p": source["provisioning_id"]}
        ).first()
        if holder is not None:
            raise SyncError(
                _(
                    "The laptop {laptop} now has a new identity (its data file was copied or restored). "
                    "Nothing was changed; provision it again, then import its new bundle."
                ).format(laptop=holder[0] or source.get("name", ""))
            )
    return str(source.get("signing_public", ""))


@dataclass
class Check:
    """What importing a verified bundle would do, or why it is refused (nothing is written)."""

    incoming: Incoming
    already: dt.datetime | None = None
    outcome: Outcome | None = None


def _origin_name(session: Session, manifest: dict, origin: str) -> str:
    return (
        manifest.get("devices", {}).get(origin)
        or device_names(session).get(origin)
        or (manifest["source"].get("name") if origin == manifest["source"]["device_id"] else "")
        or origin[:8]
    )


def _imported_at(session: Session, bundle_id: str) -> dt.datetime | None:
    row = session.execute(
        text("SELECT at FROM bundle_log WHERE bundle_id = :b AND direction = 'in'"), {"b": bundle_id}
    ).first()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dt.datetime) else dt.datetime.fromisoformat(str(row[0]))


def check(store: Store, incoming: Incoming, session: Session, also_received: dict[str, int] | None = None) -> Check:
    """Refusals that depend on the store (gap, copy, scope) and whether it was imported before.

    ``also_received``: per origin, changes that bundles to be imported before this one bring."""
    manifest = incoming.manifest
    already = _imported_at(session, incoming.bundle_id)
    if already is not None:
        return Check(incoming, already=already)
    mine = set(device.known_ids(store))
    received = dict(session.execute(text("SELECT origin_device, received_seq FROM origin_cursor")).all())
    for origin, span in sorted(manifest.get("covers", {}).items()):
        if origin in mine:
            continue
        first = int(span[0])
        have = max(int(received.get(origin, 0)), (also_received or {}).get(origin, 0))
        if first > have + 1:
            raise SyncError(
                _(
                    "The bundle {name} cannot be imported yet: it needs the bundle of {laptop} covering changes "
                    "{first}–{last} first (this computer holds {laptop}'s changes up to {have}). Import that "
                    "bundle, or ask for a full bundle. Nothing was changed."
                ).format(
                    name=incoming.path.name,
                    laptop=_origin_name(session, manifest, origin),
                    first=have + 1,
                    last=first - 1,
                    have=have,
                )
            )
    connection = session.connection()
    try:
        staging.stage(connection, incoming.take_staged())
    except staging.StagingError:
        raise _damaged(incoming.path) from None
    fork = merge.staged_fork(connection)
    if fork is not None:
        raise SyncError(
            _(
                "The bundle {name} contradicts changes received before from {laptop} (change {seq} differs): "
                "that laptop's data file seems to have been copied and used on two computers. Nothing was "
                "changed; see the sync board."
            ).format(name=incoming.path.name, laptop=_origin_name(session, manifest, fork[0]), seq=fork[1])
        ) from None
    if role(store) == TOWNSHIP:
        try:
            outside = merge.staged_outside(connection, _scope_of(store, session, incoming))
        except sa_exc.OperationalError:  # a payload that is not JSON (signed and hashed, so a sender's fault)
            raise _damaged(incoming.path) from None
        if outside is not None:
            raise SyncError(
                _(
                    "The bundle {name} from {laptop} contains a record outside the villages that laptop was "
                    "provisioned for ({table} {row}). Nothing was changed; check the laptop's provisioning."
                ).format(name=incoming.path.name, laptop=incoming.source_name, table=outside[0], row=outside[1][:8])
            )
    return Check(incoming)


def _collision_message(session: Session, incoming: Incoming, collision: merge.Collision) -> str:
    """Why a bundle that brings a second copy of a one-of record is refused, and what to do."""
    said = _(
        "The bundle {name} from {laptop} brings {record} of the household of {head}, which this computer also "
        "has, entered here separately: each computer entered one, and there can be only one. Nothing was "
        "changed."
    ).format(
        name=incoming.path.name,
        laptop=incoming.source_name,
        record=_collision_record(collision),
        head=_collision_household(session, collision),
    )
    what_to_do = _(
        "This version of xinjie-desktop cannot merge the two: keep the bundle and note the household; "
        "the bundles after it from the same computer wait until this is resolved."
    )
    return _("{said} {what_to_do}").format(said=said, what_to_do=what_to_do)  # Chinese: no space between


def _collision_record(collision: merge.Collision) -> str:
    """What the colliding record is, in words ("agreement number …"): only records the merge does not
    settle itself collide (``merge.staged_collision``)."""
    if collision.table == "agreement":
        return _("agreement number {number}").format(number=collision.key.get("number"))
    return collision.table


def _collision_household(session: Session, collision: merge.Collision) -> str:
    table = collision.table
    row = session.execute(
        text(
            f"SELECT h.head_name, h.address FROM {table} t JOIN household h ON h.id = t.household_id WHERE t.id = :id"
        ),
        {"id": collision.other_id},
    ).first()
    if row is None:  # both in the bundle
        row = session.execute(
            text(
                "SELECT h.head_name, h.address FROM household h WHERE h.id = (SELECT json_extract(payload, "
                "'$.household_id') FROM sync_incoming WHERE table_name = :t AND row_id = :id)"
            ),
            {"t": table, "id": collision.incoming_id},
        ).first()
    if row is None:
        return "?"
    return f"{row[0]}（{row[1]}）" if row[1] else row[0]


def _scope_of(store: Store, session: Session, incoming: Incoming) -> list[str]:
    """The villages the sending laptop may write (as provisioned)."""
    source = incoming.source
    known = session.execute(
        text("SELECT scope FROM sync_peer WHERE device_id = :d"), {"d": source["device_id"]}
    ).first()
    if known is not None:
        return json.loads(known[0])
    for entry in device.issued(store):
        if entry["provisioning_id"] == source.get("provisioning_id"):
            return list(entry["villages"])
    return []


def precheck(db_path: Path | str, paths: list[Path | str], refused: list[tuple[Path, str]] | None = None) -> None:
    """Read and check bundles against a store opened read-only, in the order they would be imported;
    the first refusal raises ``SyncError`` and the data file has not been touched at all.  Given a
    ``refused`` list, each refused bundle is added to it (path, reason) instead, and the rest checked
    as if it were not there."""
    from xinjie_desktop.core.sync.workstore import open_read_only

    view = open_read_only(db_path)
    if view is None:
        return  # an older data file: it is upgraded (after a backup) when opened, and checked then
    try:
        coming: dict[str, int] = {}
        for path in paths:
            try:
                incoming = read(view, path)
                with view.session() as session:
                    check(view, incoming, session, coming)
            except SyncError as error:
                if refused is None:
                    raise
                refused.append((Path(path), str(error)))
                continue
            for origin, span in incoming.manifest.get("covers", {}).items():
                coming[origin] = max(coming.get(origin, 0), int(span[1]))
    finally:
        view.close()


# --- importing ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    path: Path
    source_name: str
    bundle_id: str
    already: dt.datetime | None = None
    outcome: Outcome | None = None
    report: dict = field(default_factory=dict)

    def describe(self) -> str:
        if self.already is not None:
            return _("{name}: already imported on {when}; nothing changed.").format(
                name=self.path.name, when=self.already.strftime("%Y-%m-%d %H:%M")
            )
        summary = self.outcome.summary()
        return _(
            "{name} from {laptop}: {new} new, {changed} changed, {deleted} deleted records; {conflicts} conflicts, "
            "{duplicates} possible duplicates."
        ).format(
            name=self.path.name,
            laptop=self.source_name,
            new=sum(summary["new"].values()),
            changed=sum(summary["changed"].values()),
            deleted=sum(summary["deleted"].values()),
            conflicts=summary["conflicts"],
            duplicates=len(summary["duplicates"]),
        )


def _usable_hints(incoming: Incoming, params) -> dict[str, dict]:
    """The sender's derived columns, when it computed them under the parameters in force here."""
    return incoming.hints if incoming.manifest.get("policy_version") == params.version else {}


# Tests: kill -9 this process half-way through applying the N-th bundle of an import (N = the value).
_KILL_HOOK = "XINJIE_TEST_KILL_DURING_IMPORT"
_applied_in_this_process = [0]


def import_bundles(
    store: Store,
    paths: list[Path | str],
    *,
    params=None,
    keep_backups: int = backups.DEFAULT_KEEP,
    progress: Progress | None = None,
    refused: list[tuple[Path, str]] | None = None,
) -> list[ImportResult]:
    """Import bundles after one backup, in one durable transaction (one commit for a whole stick), each
    bundle in a savepoint of its own.  Each bundle is read and checked before anything is written; the
    first refused one stops the import with ``SyncError`` after the bundles before it are committed.
    Stopping (``progress`` returning False) commits the bundles done so far.  A bundle that breaks a
    reference (found only by the commit) sends the import round again, one transaction per bundle.
    Given a ``refused`` list, a refused bundle is added to it (path, reason) and the import goes on."""
    from xinjie_desktop.core.rules.policy_params import current

    params = params or current()
    backed_up = [False]

    def backup() -> None:
        if backed_up[0]:
            return
        try:
            backups.backup_before_import(store.path, keep_backups)
        except backups.BackupError as error:
            raise SyncError(
                _("No backup could be made before the import, so nothing was imported. {reason}").format(reason=error)
            ) from None
        backed_up[0] = True

    noted = len(refused) if refused is not None else 0
    try:
        return _import_stick(store, paths, params, backup, progress, refused, together=True)
    except _BrokenReference:
        # A bundle refers to a record nobody sent (SQLite checks references at the commit): again, one
        # transaction per bundle, so that the bundles before the faulty one are kept and it is named.
        if refused is not None:
            del refused[noted:]
        return _import_stick(store, paths, params, backup, progress, refused, together=False)


class _BrokenReference(Exception):
    pass


def _read_and_stage(store: Store, path: Path | str) -> Incoming:
    """``read``, and the changes staged (``Incoming.staged``) unless the bundle was imported before (then
    there is nothing to stage).  Not well formed: ``check`` says so."""
    incoming = read(store, path)
    with store.session() as session:
        if _imported_at(session, incoming.bundle_id) is not None:
            return incoming
    with contextlib.suppress(staging.StagingError):
        incoming.staged
    return incoming


@contextlib.contextmanager
def _reading_ahead(store: Store, paths: list[Path | str]) -> Iterator[Iterator[concurrent.futures.Future]]:
    """The bundles of ``paths`` in order, each as a future of its ``Incoming``, read and staged in a thread
    of its own while the one before it is applied: decrypting, verifying, splitting lines, validating JSON
    and reading fields out of it run on the second processor core (SQLite lets go of Python while it
    applies a bundle).  ``result()`` raises the bundle's ``SyncError``."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundle-reader") as reader:

        def futures() -> Iterator[concurrent.futures.Future]:
            ahead = reader.submit(_read_and_stage, store, paths[0]) if paths else None
            for index in range(len(paths)):
                current = ahead
                ahead = reader.submit(_read_and_stage, store, paths[index + 1]) if index + 1 < len(paths) else None
                yield current

        yield futures()


def _import_stick(
    store: Store,
    paths: list[Path | str],
    params,
    backup,
    progress: Progress | None,
    refused_list: list[tuple[Path, str]] | None,
    *,
    together: bool,
) -> list[ImportResult]:
    results: list[ImportResult] = []
    refused: SyncError | None = None
    total = len(paths)
    with _reading_ahead(store, paths) as pending:
        with contextlib.ExitStack() as stick:
            session = stick.enter_context(store.durable_unit_of_work()) if together else None
            for index, bundle in enumerate(pending):
                try:
                    incoming = bundle.result()
                    if together:
                        with session.begin_nested():
                            results.append(_import_into(store, session, incoming, params, backup))
                    else:
                        results.append(_import_alone(store, incoming, params, backup))
                except SyncError as error:
                    if refused_list is not None:
                        refused_list.append((Path(paths[index]), str(error)))
                        continue
                    refused = error
                    break
                if progress is not None and not progress(index + 1, total):
                    break
            if together:
                try:
                    stick.close()  # the commit
                except sa_exc.IntegrityError:
                    raise _BrokenReference() from None
    if refused is not None:
        raise refused
    return results


def _import_alone(store: Store, incoming: Incoming, params, backup) -> ImportResult:
    try:
        with store.durable_unit_of_work() as session:
            return _import_into(store, session, incoming, params, backup)
    except sa_exc.IntegrityError:
        raise _unmergeable(incoming.path) from None


def _import_into(store: Store, session: Session, incoming: Incoming, params, before_writing=None) -> ImportResult:
    """One bundle into the session's transaction: check, then (after ``before_writing``) apply and record."""
    manifest = incoming.manifest
    checked = check(store, incoming, session)
    if checked.already is not None:
        return ImportResult(incoming.path, incoming.source_name, incoming.bundle_id, already=checked.already)
    if before_writing is not None:
        before_writing()
    connection = session.connection()
    for sha, content in sorted(incoming.blobs.items()):
        connection.execute(
            text("INSERT OR IGNORE INTO blob (sha256, size, data) VALUES (:s, :n, :d)"),
            {"s": sha, "n": len(content), "d": content},
        )
    hints = _usable_hints(incoming, params)
    try:
        outcome = merge.apply_staged(session, hints=hints)
    except sa_exc.OperationalError as error:
        if "JSON" not in str(error):
            raise
        raise _damaged(incoming.path) from None
    except sa_exc.IntegrityError:  # undone with the bundle's savepoint; SQLite undid the failed statement itself
        # Most likely a one-of record entered on two computers (found by the unique index as it is written:
        # nothing to pay for while there is none); else a faulty sender.
        collision = merge.staged_collision(connection)
        if collision is not None:
            raise SyncError(_collision_message(session, incoming, collision)) from None
        raise _unmergeable(incoming.path) from None
    if os.environ.get(_KILL_HOOK):
        _applied_in_this_process[0] += 1
        if _applied_in_this_process[0] >= int(os.environ[_KILL_HOOK]):
            os.kill(os.getpid(), 9)
    merge.finish(session, outcome, params, hints=hints)
    _record_peer(store, session, incoming)
    _advance_cursors(store, session, incoming)
    report = {
        "source": incoming.source_name,
        "source_device": incoming.source["device_id"],
        "file": incoming.path.name,
        "kind": manifest.get("kind"),
        "covers": manifest.get("covers", {}),
        **outcome.summary(),
    }
    session.execute(
        text(
            "INSERT INTO bundle_log (bundle_id, direction, peer_id, file_name, sha256, at, covers, counts, report) "
            "VALUES (:b, 'in', :p, :f, :s, :at, :c, :n, :r)"
        ),
        {
            "b": incoming.bundle_id,
            "p": incoming.source["device_id"],
            "f": incoming.path.name,
            "s": incoming.sha256,
            "at": utcnow(),
            "c": json.dumps(manifest.get("covers", {})),
            "n": json.dumps(manifest.get("counts", {})),
            "r": json.dumps(report, ensure_ascii=False),
        },
    )
    return ImportResult(incoming.path, incoming.source_name, incoming.bundle_id, outcome=outcome, report=report)


class Refusal(str):
    """Why a bundle would be refused (the message), and the computer that wrote it when the bundle
    could be read (its name; empty otherwise)."""

    source_name: str

    def __new__(cls, message: str, source_name: str = "") -> Refusal:
        refusal = super().__new__(cls, message)
        refusal.source_name = source_name
        return refusal


def preview_all(
    store: Store, paths: list[Path | str], *, params=None, progress: Progress | None = None
) -> list[tuple[Path, ImportResult | Refusal]]:
    """What importing ``paths`` in this order would do, each bundle seeing the ones before it (a laptop's
    later bundle, a person registered by two laptops), in one transaction rolled back at the end: nothing
    changes.  Per path: its ``ImportResult``, or the message saying why it would be refused."""
    from xinjie_desktop.core.rules.policy_params import current

    params = params or current()
    found: list[tuple[Path, ImportResult | str]] = []
    session = store.session()
    try:
        # One transaction from the start (rolled back at the end), so that each bundle's savepoint nests in it.
        session.connection().exec_driver_sql("BEGIN")
        with _reading_ahead(store, paths) as pending:
            for index, (path, bundle) in enumerate(zip(paths, pending)):
                incoming = None
                try:
                    incoming = bundle.result()
                    with session.begin_nested():  # a bundle refused half-way leaves nothing for the next ones
                        found.append((Path(path), _import_into(store, session, incoming, params)))
                except SyncError as error:
                    found.append((Path(path), Refusal(str(error), incoming.source_name if incoming else "")))
                except sa_exc.DBAPIError:  # left half-applied: start again without the bundles before it
                    session.rollback()
                    session.connection().exec_driver_sql("BEGIN")
                    found.append(
                        (
                            Path(path),
                            Refusal(
                                _("The bundle {name} could not be previewed.").format(name=Path(path).name),
                                incoming.source_name if incoming else "",
                            ),
                        )
                    )
                if progress is not None and not progress(index + 1, len(paths)):
                    break
    finally:
        session.rollback()
        session.close()
    return found


def _record_peer(store: Store, session: Session, incoming: Incoming) -> None:
    source = incoming.source
    now = utcnow()
    exists = session.execute(text("SELECT 1 FROM sync_peer WHERE device_id = :d"), {"d": source["device_id"]}).first()
    if exists:
        session.execute(
            text("UPDATE sync_peer SET last_seen = :now, last_bundle_id = :b, name = :n WHERE device_id = :d"),
            {"now": now, "b": incoming.bundle_id, "n": source.get("name", ""), "d": source["device_id"]},
        )
        return
    peer_role = TOWNSHIP if role(store) == LAPTOP else LAPTOP
    scope = []
    for entry in device.issued(store):
        if entry["provisioning_id"] == source.get("provisioning_id"):
            scope = entry["villages"]
    session.execute(
        text(
            "INSERT INTO sync_peer (device_id, name, role, signing_public, box_public, scope, provisioning_id, former_ids, "
            "trusted, problem, first_seen, last_seen, last_bundle_id) VALUES (:d, :n, :r, :sp, :bp, :sc, :p, :f, 1, '', "
            ":now, :now, :b)"
        ),
        {
            "d": source["device_id"],
            "n": source.get("name", ""),
            "r": peer_role,
            "sp": source["signing_public"],
            "bp": source["box_public"],
            "sc": json.dumps(scope),
            "p": source.get("provisioning_id", ""),
            "f": json.dumps(source.get("former_ids", [])),
            "now": now,
            "b": incoming.bundle_id,
        },
    )


def _raise_cursor(session: Session, peer: str, origin: str, seq: int) -> None:
    session.execute(
        text(
            "INSERT INTO peer_cursor (peer_id, origin_device, acked_seq) VALUES (:p, :o, :s) "
            "ON CONFLICT(peer_id, origin_device) DO UPDATE SET acked_seq = max(acked_seq, excluded.acked_seq)"
        ),
        {"p": peer, "o": origin, "s": seq},
    )


def _advance_cursors(store: Store, session: Session, incoming: Incoming) -> None:
    source = incoming.source["device_id"]
    mine = set(device.known_ids(store))
    for origin, span in incoming.manifest.get("covers", {}).items():
        _raise_cursor(session, source, origin, int(span[1]))  # the sender holds what it sent
        if origin not in mine:
            session.execute(
                text(
                    "INSERT INTO origin_cursor (origin_device, received_seq) VALUES (:o, :s) "
                    "ON CONFLICT(origin_device) DO UPDATE SET received_seq = max(received_seq, excluded.received_seq)"
                ),
                {"o": origin, "s": int(span[1])},
            )
    for origin, seq in incoming.manifest.get("receipt", {}).items():
        _raise_cursor(session, source, origin, int(seq))  # what the sender holds of each origin


# --- exporting ---------------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """A bundle ready to write: for one peer, its changes and files."""

    peer: Peer
    kind: str
    covers: dict[str, list[int]]
    changes: list[dict]
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


def plan(store: Store, peer: Peer, *, full: bool = False) -> Outgoing:
    """What goes to ``peer``: every change it is not known to hold (all with ``full``), within its villages."""
    me = store.device_id
    is_laptop = peer.role == LAPTOP
    with store.session() as session:
        acked = dict(
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
        changes, blobs, counts = [], set(), defaultdict(int)
        for row in rows:
            origin, seq = row[0], row[1]
            if origin in covers:
                if not covers[origin][0] <= seq <= covers[origin][1]:
                    continue
            elif not full and seq <= acked.get(origin, 0):
                continue  # relayed changes the peer already holds
            if is_laptop and row[6] is not None and row[6] not in scope:
                continue
            if is_laptop and row[6] is None and row[3] != "township":
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
            hints[row[0]] = dict(zip(households.DERIVED_COLUMNS, row[1:]))
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
                .scalar()
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
    changes_bytes = changes_document(outgoing)
    hints_bytes = json.dumps(hints, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    parts = {
        "changes.tsv": hashlib.sha256(changes_bytes).hexdigest(),
        "derived.json": hashlib.sha256(hints_bytes).hexdigest(),
    }
    parts.update({f"attachments/{sha}": sha for sha in blobs})
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
        "receipt": receipt,
        "devices": {origin: names[origin] for origin in sorted(origins) if origin in names},
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = device.sign(store, _SIGNING_CONTEXT + manifest_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", signature)
        # Deflated: journal text shrinks about tenfold (attachments, already compressed images and PDFs, do not).
        archive.writestr("changes.tsv", changes_bytes, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        archive.writestr("derived.json", hints_bytes, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
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


def file_name(store: Store, peer: Peer, covers: dict[str, list[int]], bundle_id: str) -> str:
    """ASCII only (any stick's file system takes it): source, target, time, own changes, bundle id."""
    span = covers.get(store.device_id)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = f"-{span[0]}-{span[1]}" if span else ""
    return f"xjb-{store.device_id[:8]}-to-{peer.device_id[:8]}-{stamp}{suffix}-{bundle_id[:6]}{SUFFIX}"


def export(
    store: Store, to_dir: Path | str, *, full: bool = False, progress: Progress | None = None
) -> list[ExportResult]:
    """Write one bundle for each peer into ``to_dir`` (a USB stick), safely (see ``write_safely``)."""
    to_dir = Path(to_dir)
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
    results = []
    for index, peer in enumerate(targets):
        outgoing = plan(store, peer, full=full)
        payload, manifest = _payload(store, outgoing)
        sealed = seal(payload, peer.device_id, peer.box_public)
        path = to_dir / file_name(store, peer, outgoing.covers, manifest["bundle_id"])
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


_FULL_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def free_space(folder: Path) -> int | None:
    """Free bytes in ``folder``'s file system, or None when it does not say (some FAT drivers)."""
    try:
        usage = shutil.disk_usage(folder)
    except OSError:
        return None
    return usage.free if usage.total > 0 else None


def write_safely(path: Path, data: bytes) -> None:
    """Write a bundle to a stick: check the space, temporary file in chunks, fsync, rename, fsync the
    folder, read back and compare the hash.  A full stick or any failure leaves no bundle behind."""
    folder = path.parent
    free = free_space(folder)
    if free is not None and free < len(data) + 64 * 1024:
        raise SyncError(_full_message(len(data), free))
    temporary = folder / f".{path.stem}.tmp"
    writing = False
    try:
        with temporary.open("wb") as handle:
            writing = True
            for start in range(0, len(data), CHUNK):
                handle.write(data[start : start + CHUNK])
            handle.flush()
            os.fsync(handle.fileno())
            writing = False
        os.replace(temporary, path)
        fsync_folder(folder)
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").digest()
        if digest != hashlib.sha256(data).digest():
            raise OSError(errno.EIO, "read back differs")
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        with contextlib.suppress(OSError):
            if path.exists():
                path.unlink()
        # A FAT driver may say "not permitted" rather than "no space" when the stick fills up mid-write.
        if error.errno in _FULL_ERRORS or (writing and error.errno == errno.EPERM):
            raise SyncError(_full_message(len(data), free_space(folder))) from None
        raise SyncError(
            _(
                "The bundle could not be written to {folder}: {error}. No bundle was left there; check the USB "
                "stick and try again."
            ).format(folder=folder, error=error.strerror or error)
        ) from None


def _full_message(needed: int, free: int | None) -> str:
    if free is None:
        return _(
            "The USB stick is full: the bundle needs {needed} MB. No bundle was written; free some space on the "
            "stick and try again."
        ).format(needed=f"{needed / 1e6:.1f}")
    return _(
        "The USB stick is full: the bundle needs {needed} MB, {free} MB are free. No bundle was written; free some "
        "space on the stick and try again."
    ).format(needed=f"{needed / 1e6:.1f}", free=f"{free / 1e6:.1f}")


def addressed_to(store: Store, paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Split bundles into those for this store and the others (by the header only: no decryption)."""
    mine, others = [], []
    for path in paths:
        try:
            with Path(path).open("rb") as handle:
                head = handle.read(64 * 1024)
            header = read_header(head, Path(path))
        except (OSError, SyncError):
            mine.append(path)  # let the import say what is wrong with it
            continue
        (mine if header.recipient_device_id == store.device_id else others).append(path)
    return mine, others


def find_bundles(folder: Path | str) -> list[Path]:
    """The bundles in a folder (a USB stick), oldest name first; temporary files left by a pulled stick are skipped."""
    folder = Path(folder)
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".") and p.is_file())
    except OSError as error:
        raise SyncError(
            _("The folder {path} cannot be read: {error}").format(path=folder, error=error.strerror)
        ) from None


def verify_file(path: Path | str, store: Store | None = None) -> dict:
    """``bundle verify``: without a store, the outer structure and header; with the recipient's store, everything."""
    path = Path(path)
    if store is None:
        data = read_file(path)
        header = read_header(data, path)
        return {
            "file": path.name,
            "format_version": header.version,
            "recipient": header.recipient_device_id,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "checked": "structure",
        }
    incoming = read(store, path)
    with store.session() as session:
        checked = check(store, incoming, session)
    manifest = incoming.manifest
    return {
        "file": path.name,
        "format_version": manifest["version"],
        "app_version": manifest.get("app_version"),
        "bundle_id": incoming.bundle_id,
        "source": incoming.source_name,
        "source_device": incoming.source["device_id"],
        "kind": manifest.get("kind"),
        "covers": manifest.get("covers"),
        "counts": manifest.get("counts"),
        "attachments": len(incoming.blobs),
        "already_imported": checked.already is not None,
        "checked": "signature, hashes, recipient, gaps, scope",
    }


# --- the built application's self-test (issue 6) -------------------------------------------------------


def self_test_round_trip(work_dir: Path | str) -> str:
    """Provision a laptop, exchange bundles both ways, import one twice: raises on any failure."""
    from xinjie_desktop.core.records import demo_data, township
    from xinjie_desktop.core.sync.workstore import open_store

    work_dir = Path(work_dir)
    stick = work_dir / "stick"
    stick.mkdir(parents=True, exist_ok=True)
    town = open_store(work_dir / "township.sqlite")
    laptop = open_store(work_dir / "laptop.sqlite")
    try:
        township.set_up(town, "自检乡", "自检指挥部", {"自检村": ["第1村民小组"]})
        with town.session() as session:
            village = session.execute(text("SELECT id FROM village")).scalar()
        device.provision(town, "自检笔记本", [village], stick / "provisioning.json")
        device.accept_provisioning(laptop, stick / "provisioning.json")
        hello = export(laptop, stick)
        import_bundles(town, [r.path for r in hello])
        import_bundles(laptop, [r.path for r in export(town, stick)])
        demo_data.add_households(laptop, 1, seed=1)
        sent = export(laptop, stick)
        first = import_bundles(town, [r.path for r in sent])
        again = import_bundles(town, [r.path for r in sent])
        if again[0].already is None or not first[0].outcome.new.get("household"):
            raise AssertionError("the household did not arrive once")
        return _("bundle written, verified and imported ({n} records); imported again: nothing changed").format(
            n=first[0].outcome.applied
        )
    finally:
        town.close()
        laptop.close()


def lines_from_log(store: Store, bundle_ids: list[str]) -> list[import_report.ReportLine]:
    """The stored reports of bundles imported into ``store``, in the order given (unknown ids are left out)."""
    found = []
    with store.session() as session:
        for bundle_id in bundle_ids:
            row = session.execute(
                text("SELECT report, at FROM bundle_log WHERE bundle_id = :b AND direction = 'in'"), {"b": bundle_id}
            ).first()
            if row is not None:
                found.append(import_report.ReportLine.from_report(json.loads(row[0] or "{}")))
    return found
