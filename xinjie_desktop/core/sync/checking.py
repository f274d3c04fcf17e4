"""Reading a bundle and checking it, before anything is written (issue 5).

``read`` decrypts and verifies a bundle for this store (structure, recipient, signature, every part's
hash); ``check`` adds the refusals that depend on the store (a gap before it, a copied laptop, records
outside the sender's villages) and stages its changes.  A refused bundle raises ``SyncError`` naming the
reason, and the store is not touched.  ``precheck`` and ``verify_file`` run the same checks for the
command line.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinjie_desktop.core.rules import building as building_rules
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.sync import audit_chain, bundle_format, device, merge, runs, scope, staging
from xinjie_desktop.core.sync.bundle_format import FORMAT, SIGNING_CONTEXT, VERSION, SyncError
from xinjie_desktop.core.sync.merge import Change, Outcome
from xinjie_desktop.core.sync.roles import LAPTOP, TOWNSHIP, device_names, role
from xinjie_desktop.core.sync.sealing import check_length, read_header, unseal
from xinjie_desktop.i18n import _


@dataclass
class Incoming:
    """A bundle read, decrypted and verified (nothing written yet)."""

    path: Path
    sha256: str
    manifest: dict
    document: str  # changes.tsv
    blobs: dict[str, bytes]
    manifest_sha256: str = ""  # the digest of the signed manifest, which holds the hash of every part: the content
    signed_runs: list[dict] = field(default_factory=list)  # runs.json: the origins' signed runs (core.sync.runs)
    keys: dict[str, str] = field(default_factory=dict)  # origin → the signing key its runs are checked with
    params: object = None  # the policy parameters the import computes with (None: those in force)
    # The store is encrypted (issue 17): its connections cannot load an image, so the staged tables are handed
    # over as rows, read out in the reader thread (``staging.StagedRows``).
    as_rows: bool = False
    audit: str = ""  # audit.tsv: the record of who did what of the changes it carries (core.sync.audit_chain)

    @functools.cached_property
    def staged(self) -> bytes | staging.StagedRows:
        """The changes staged in a database of their own (``staging.staged_image``), for ``staging.stage``;
        ``staging.StagingError`` when they are not well formed."""
        *arguments, as_rows = self.staging_arguments()
        return staging.staged_image(*arguments, as_rows=as_rows)

    def staging_arguments(self) -> tuple:
        """What ``staged`` is made from (``staging.staged_image``'s arguments, ``as_rows`` last): plain values
        that a process of its own can be given (``importing.stage_elsewhere``)."""
        return (
            self.document,
            self.signed_runs,
            self.keys,
            self.source["device_id"],
            self.params,
            self.audit,
            self.as_rows,
        )

    def take_staged(self) -> bytes | staging.StagedRows:
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
        return self.source.get("name") or self.source["device_id"]  # a whole id: two never look the same


def read_file(path: Path | str) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except OSError as error:
        raise SyncError(_("The file {path} cannot be read: {error}").format(path=path, error=error.strerror)) from None


def _head(path: Path) -> tuple[bytes, int]:
    """The start of a file (enough for a bundle's header) and its size."""
    try:
        with path.open("rb") as handle:
            return handle.read(8 + bundle_format.HEADER_LIMIT), os.fstat(handle.fileno()).st_size
    except OSError as error:
        raise SyncError(_("The file {path} cannot be read: {error}").format(path=path, error=error.strerror)) from None


def computer(device_id: str, name: str | None = None) -> str:
    """A computer as a message names it: its name (when known) and its whole device id, so that two
    different computers never look the same (issue 13, case 14)."""
    if name:
        return _("{name} (device {id})").format(name=name, id=device_id)
    return _("device {id}").format(id=device_id)


def read(store: Store, path: Path | str) -> Incoming:
    """Decrypt and verify a bundle for this store: structure, recipient, signature, every part's hash.

    What it costs is bounded before anything is decrypted or inflated (issue 13, case 12): the header's
    declared size against ``PAYLOAD_LIMIT`` and the file's length (the file is read only then); the
    manifest and its signature are read within their limits and the signature checked before any other
    part is opened, and each part is read no further than the size its signed manifest declares."""
    path = Path(path)
    head, size = _head(path)
    header = read_header(head, path)
    check_length(size, header, path)
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
            ).format(name=path.name, target=header.recipient_device_id, mine=store.device_id)
        )
    data = read_file(path)
    sha256 = hashlib.sha256(data).hexdigest()
    payload = unseal(data, header, device.box_key(store), path)
    del data  # the archive is all that is read from here on
    return _verify_payload(store, path, sha256, payload)


def damaged(path: Path) -> SyncError:
    return SyncError(
        _(
            "The bundle {name} is damaged or incomplete. Nothing was changed; write the bundle again on the "
            "laptop it came from."
        ).format(name=path.name)
    )


def malformed(path: Path, entry: str, expected: str) -> SyncError:
    """A bundle whose manifest (or a part read as JSON) does not have the shape the format gives it."""
    return SyncError(
        _(
            "The bundle {name} is malformed: in it, “{entry}” is not {expected}. Nothing was changed; keep the "
            "bundle file: it shows a fault of the computer that wrote it."
        ).format(name=path.name, entry=entry, expected=expected)
    )


def _json(content: bytes) -> object:
    """A part read as JSON; ``ValueError`` when it is not JSON, or nested too deeply to read."""
    try:
        return json.loads(content.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None


_BIGGEST = 2**63 - 1  # a change counter or count SQLite can store


def _is_text(value: object, longest: int = 10_000) -> bool:
    """A text of at most ``longest`` characters, each a character of Unicode (JSON's escapes can also
    spell half a surrogate pair, which is none and cannot be stored)."""
    if not isinstance(value, str) or len(value) > longest:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_number(value: object, least: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and least <= value <= _BIGGEST


def _is_range(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and _is_number(value[0], 1)
        and _is_number(value[1], 1)
        and value[0] <= value[1]
    )


def _table_of(check) -> Callable[[object], bool]:
    return lambda value: isinstance(value, dict) and all(_is_text(k, 200) and check(v) for k, v in value.items())


def _list_of_texts(value: object) -> bool:
    return isinstance(value, list) and all(_is_text(item, 200) for item in value)


def _shape_problem(manifest: dict) -> tuple[str, str] | None:
    """The first entry of a manifest (whose format and version are known) that does not have its shape:
    (entry, what it should be), or None.  Entries a bundle of an earlier version may leave out are optional."""
    text_ = _("a text")
    source = manifest.get("source")
    required = [
        ("bundle_id", lambda v: _is_text(v, 64) and bool(v), _("a bundle id")),
        ("source", lambda v: isinstance(v, dict), _("a table of entries")),
        ("parts", _table_of(lambda v: _is_text(v, 64)), _("a table of part names and their SHA-256")),
    ]
    for entry, check, expected in required:
        if entry not in manifest or not check(manifest[entry]):
            return entry, expected
    assert isinstance(source, dict)
    for entry in ("device_id", "signing_public", "box_public"):
        if not _is_text(source.get(entry), 100) or not source[entry]:
            return f"source.{entry}", text_
    target = manifest.get("target")
    if not isinstance(target, dict) or not _is_text(target.get("device_id"), 100) or not target["device_id"]:
        return "target.device_id", text_  # every version wrote it: the recipient is signed (case 7)
    optional = [
        ("source.name", source, "name", _is_text, text_),
        ("source.role", source, "role", _is_text, text_),
        ("source.provisioning_id", source, "provisioning_id", _is_text, text_),
        ("source.former_ids", source, "former_ids", _list_of_texts, _("a list of texts")),
        ("app_version", manifest, "app_version", _is_text, text_),
        ("policy_version", manifest, "policy_version", _is_text, text_),
        ("created_at", manifest, "created_at", _is_text, text_),
        ("target", manifest, "target", _table_of(_is_text), _("a table of texts")),
        ("kind", manifest, "kind", lambda v: v in ("full", "incremental"), _("“full” or “incremental”")),
        ("scope", manifest, "scope", _list_of_texts, _("a list of texts")),
        (
            "covers",
            manifest,
            "covers",
            _table_of(_is_range),
            _("a table of change ranges [first, last] per device, 1 ≤ first ≤ last"),
        ),
        ("counts", manifest, "counts", _table_of(_is_number), _("a table of whole numbers, none below 0")),
        ("attachments", manifest, "attachments", _list_of_texts, _("a list of texts")),
        ("receipt", manifest, "receipt", _table_of(_is_number), _("a table of whole numbers, none below 0")),
        ("devices", manifest, "devices", _table_of(_is_text), _("a table of texts")),
        ("keys", manifest, "keys", _table_of(lambda v: _is_text(v, 100)), _("a table of texts")),
        (
            "sizes",
            manifest,
            "sizes",
            _table_of(lambda v: _is_number(v) and v < 2**40),
            _("a table of whole numbers, none below 0"),
        ),
    ]
    for entry, holder, key, check, expected in optional:
        if key in holder and not check(holder[key]):
            return entry, expected
    if "sizes" in manifest and set(manifest["sizes"]) != set(manifest["parts"]):
        return "sizes", _("the size of every part the bundle holds, and of no other")
    return None


# What reading a hostile archive may raise (besides what its content makes us raise).
_ARCHIVE_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, TypeError, EOFError, zlib.error, NotImplementedError)
# What a bundle's archive may use: its parts stored or deflated (as the exporter writes them), none
# encrypted, each once.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _open_archive(payload: bytes) -> zipfile.ZipFile:
    """The decrypted archive; ``ValueError`` when it is not one the exporter writes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValueError("not an archive") from None
    names = [info.filename for info in archive.infolist()]
    if len(set(names)) != len(names):
        raise ValueError("a part twice")
    if any(info.compress_type not in _METHODS or info.flag_bits & 0x1 for info in archive.infolist()):
        raise ValueError("a compression or encryption the exporter does not use")
    return archive


def _inflated(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """The part ``name`` inflated, or None when it holds more than ``limit`` bytes: never more than
    ``limit + 1`` bytes are inflated (the archive's own word on the size, ``ZipInfo.file_size``, is not
    trusted for that).  ``KeyError`` when there is no such part, ``ValueError`` when it does not inflate
    (whole) to the size the archive gives it."""
    info = archive.getinfo(name)
    try:
        with archive.open(info) as stream:
            content = stream.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        raise ValueError(name) from None
    if len(content) > limit:
        return None
    if len(content) != info.file_size:
        raise ValueError(name)
    return content


def _verify_payload(store: Store, path: Path, sha256: str, payload: bytes) -> Incoming:
    try:
        archive = _open_archive(payload)
        manifest_bytes = _inflated(archive, "manifest.json", bundle_format.MANIFEST_LIMIT)
        signature = _inflated(archive, "manifest.sig", bundle_format.SIGNATURE_LIMIT)
    except _ARCHIVE_ERRORS:
        raise damaged(path) from None
    # Read before its signature is checked, so small (issue 13, case 12): parsed JSON takes several times
    # the memory of its text, so the number of its entries (commas and brackets) is bounded too.
    if (
        manifest_bytes is None
        or signature is None
        or sum(manifest_bytes.count(mark) for mark in (b",", b"[", b"{")) > bundle_format.MANIFEST_ENTRIES
    ):
        raise SyncError(
            _(
                "The bundle {name} cannot be read: its manifest is larger than any this program writes (at most "
                "{size} MiB and {entries} entries). Nothing was changed; keep the bundle file: it was not written "
                "by xinjie-desktop, or it was changed."
            ).format(
                name=path.name,
                size=bundle_format.MANIFEST_LIMIT // 2**20,
                entries=f"{bundle_format.MANIFEST_ENTRIES:,}",
            )
        )
    # The manifest's shape is checked before anything in it is used (issue 13).
    try:
        manifest = _json(manifest_bytes)
    except ValueError:  # UnicodeDecodeError is one
        manifest = None
    if not isinstance(manifest, dict):
        raise malformed(path, "manifest.json", _("a table of entries"))
    if manifest.get("format") != FORMAT:
        raise malformed(path, "format", _("the format of xinjie-desktop bundles"))
    if not _is_number(manifest.get("version"), 1):
        raise malformed(path, "version", _("a whole number"))
    if manifest["version"] > VERSION:
        raise SyncError(
            _(
                "The bundle {name} was written by a newer version of xinjie-desktop. Install the newer version "
                "on this computer first; nothing was changed."
            ).format(name=path.name)
        )
    problem = _shape_problem(manifest)
    if problem is not None:
        raise malformed(path, *problem)
    source, parts = manifest["source"], manifest["parts"]
    if source.get("device_id") in device.known_ids(store):
        raise SyncError(
            _(
                "The bundle {name} was written by this data file itself; import it on the computer it is for. "
                "Nothing was changed."
            ).format(name=path.name)
        )
    signing_public = _expected_signer(store, manifest, path)
    if not device.verify_signature(signing_public, SIGNING_CONTEXT + manifest_bytes, signature):
        raise SyncError(
            _(
                "The bundle {name} is not signed by the computer it claims to come from (its signature does "
                "not match). It may have been forged or changed. Nothing was changed."
            ).format(name=path.name)
        )
    _check_target(store, manifest, path)
    sizes = manifest.get("sizes")
    try:
        names = set(archive.namelist()) - {"manifest.json", "manifest.sig"}
        if names != set(parts):
            raise ValueError("parts")
        contents = {}
        for name in sorted(names):
            content = _inflated(archive, name, bundle_format.UNDECLARED_PART_LIMIT if sizes is None else sizes[name])
            if content is None:
                raise SyncError(_part_too_large(path, name, None if sizes is None else sizes[name]))
            if hashlib.sha256(content).hexdigest() != parts[name]:
                raise ValueError(name)
            contents[name] = content
        document = contents.pop("changes.tsv").decode("utf-8")
        derived = contents.pop("derived.json", b"{}")
        signed_runs = contents.pop(runs.PART, b"[]")
        audit = contents.pop(audit_chain.PART, b"").decode("utf-8")
        blobs = {}
        for name, content in contents.items():
            sha = name.removeprefix("attachments/")
            if not name.startswith("attachments/") or hashlib.sha256(content).hexdigest() != sha:
                raise ValueError(name)
            blobs[sha] = content
    except (*_ARCHIVE_ERRORS, UnicodeDecodeError):
        raise SyncError(
            _(
                "The bundle {name} was changed after it was signed (a part does not match its hash). Nothing "
                "was changed."
            ).format(name=path.name)
        ) from None
    try:
        hints = _json(derived)
    except ValueError:
        hints = None
    if not _table_of(_table_of(lambda value: value is None or isinstance(value, (str, int))))(hints):
        raise malformed(path, "derived.json", _("a table of households and their list values"))
    # derived.json, the sender's list values of the households it creates, is for older receivers: it must be
    # well formed, but this one computes every one of them itself (``staging._derive_new_households``).
    try:
        found_runs = _json(signed_runs)
    except ValueError:
        found_runs = None
    if not _is_list_of_runs(found_runs):
        raise malformed(
            path, runs.PART, _("a list of signed runs of changes (device, first and last change, signature)")
        )
    assert isinstance(found_runs, list)
    keys = runs.known_keys(store, manifest, from_township=role(store) == LAPTOP)
    return Incoming(
        path,
        sha256,
        manifest,
        document,
        blobs,
        hashlib.sha256(manifest_bytes).hexdigest(),
        found_runs,
        keys,
        as_rows=store.key is not None,
        audit=audit,
    )


def _is_hash_table(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str)
        and k.isdigit()
        and str(int(k)) == k
        and isinstance(v, str)
        and len(v) == 64
        and all(c in "0123456789abcdef" for c in v)
        for k, v in value.items()
    )


def _is_list_of_runs(value: object) -> bool:
    """``runs.json``: [{origin, first, last, signature, omitted: {seq: SHA-256 (hex)}}, …]."""
    return isinstance(value, list) and all(
        isinstance(run, dict)
        and _is_text(run.get("origin"), 100)
        and _is_range([run.get("first"), run.get("last")])
        and _is_text(run.get("signature"), 200)
        and _is_hash_table(run.get("omitted", {}))
        for run in value
    )


def _part_too_large(path: Path, part: str, declared: int | None) -> str:
    if declared is not None:
        return _(
            "The bundle {name} was changed after it was signed (a part does not match its hash: “{part}” is "
            "larger than its signed manifest says, {size} bytes). Nothing was changed."
        ).format(name=path.name, part=part, size=f"{declared:,}")
    return _(
        "The bundle {name} cannot be read: its part “{part}” is larger than any this program reads in a bundle "
        "of an earlier version, which does not say how large its parts are ({limit} MiB). Nothing was changed; "
        "write the bundle again with this version."
    ).format(name=path.name, part=part, limit=bundle_format.UNDECLARED_PART_LIMIT // 2**20)


def _check_target(store: Store, manifest: dict, path: Path) -> None:
    """The recipient the sender signed (the manifest's ``target``) is this computer (issue 13, case 7).

    The sealed header's recipient is not signed (anyone holding the recipient's keys can decrypt a bundle and
    seal it again to another computer), and ``read`` has already found it to be this store's id: so the
    signed target must be this store's id as well.  A bundle for this computer's former identity was
    refused by ``read`` (a re-provisioned laptop asks for a new bundle), so a former id is not accepted here
    either."""
    target = manifest["target"]
    if target["device_id"] != store.device_id:
        raise SyncError(
            _(
                "The bundle {name} was signed for another computer, {target}, and sealed again to this one "
                "({mine}): it is not for this computer. Nothing was changed; keep the bundle file and show it to "
                "whoever looks after the laptops."
            ).format(
                name=path.name,
                target=computer(target["device_id"], target.get("name")),
                mine=store.device_id,
            )
        )


def _expected_signer(store: Store, manifest: dict, path: Path) -> str:
    """The key the bundle must be signed with: on a laptop the township's it accepted; at the township office
    the key it certified for that laptop (``device.provision``), never one the bundle brings."""
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
        _same_keys(path, source, accepted.township.signing_public, accepted.township.box_public)
        return accepted.township.signing_public
    # The township office: only a key it certified (issue 13, case 11), whatever provisioning the bundle names.
    with store.session() as session:
        known = session.execute(
            text("SELECT signing_public, box_public FROM sync_peer WHERE device_id = :d AND trusted"),
            {"d": source["device_id"]},
        ).first()
        if known is not None:
            _same_keys(path, source, str(known[0]), str(known[1]))
            return str(known[0])
        holder = session.execute(
            text(
                "SELECT name, device_id, signing_public, box_public FROM sync_peer "
                "WHERE provisioning_id = :p AND provisioning_id != '' AND trusted"
            ),
            {"p": source.get("provisioning_id", "")},
        ).first()
        if holder is not None:
            presented = device.fingerprint(source["device_id"], source["signing_public"], source["box_public"])
            raise SyncError(
                _(
                    "The bundle {name} presents the provisioning of the laptop {laptop}, but it is signed with "
                    "another key ({presented}), not the key this township office certified for that laptop "
                    "({certified}): a copy of a provisioning file gives no right to send bundles. Nothing was "
                    "changed. If the laptop {laptop} itself shows the key {presented} (its data file was restored "
                    "or moved and took a new key), write a provisioning request on it and provision it again."
                ).format(
                    name=path.name,
                    laptop=holder[0],
                    presented=presented,
                    certified=device.fingerprint(holder[1], holder[2], holder[3]),
                )
            )
        if source.get("provisioning_id") in {entry["provisioning_id"] for entry in device.issued(store)}:
            raise SyncError(
                _(
                    "The bundle {name} comes from a laptop provisioned by an earlier version of xinjie-desktop, "
                    "before a laptop's key was confirmed: this township office never certified its key. Nothing was "
                    "changed; write a provisioning request on the laptop and provision it again."
                ).format(name=path.name)
            )
    raise SyncError(
        _(
            "The bundle {name} comes from a laptop this township office has not provisioned. Nothing "
            "was changed; provision the laptop first."
        ).format(name=path.name)
    )


def _same_keys(path: Path, source: dict, signing_public: str, box_public: str) -> None:
    """The keys a bundle names for its sender are the ones this computer holds for it (certified or accepted
    at provisioning): a bundle never changes them (issue 13, case 11; found by the mutation test)."""
    if source.get("signing_public") != signing_public or source.get("box_public") != box_public:
        raise SyncError(
            _(
                "The bundle {name} names other keys for {computer} than the ones this computer holds for it since "
                "it was provisioned. Nothing was changed; keep the bundle file: it shows a fault of the computer "
                "that wrote it."
            ).format(name=path.name, computer=computer(source["device_id"], source.get("name") or None))
        )


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
        or origin  # a whole id: two never look the same (issue 13, case 14)
    )


def imported_at(session: Session, bundle_id: str) -> dt.datetime | None:
    row = session.execute(
        text("SELECT at FROM bundle_log WHERE bundle_id = :b AND direction = 'in'"), {"b": bundle_id}
    ).first()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dt.datetime) else dt.datetime.fromisoformat(str(row[0]))


def _imported_before(session: Session, incoming: Incoming) -> dt.datetime | None:
    """When the bundle with this id was imported (None: never), once its content is known to be this one's.

    A bundle id is made afresh for every bundle, so another content under an imported id is a forgery (or
    a faulty sender): refused.  The content is compared by the digest of the signed manifest (it holds the
    hash of every part), stored in the import's report since issue 13; an import recorded before that
    stored only the file's SHA-256, so there the file itself is compared."""
    at = imported_at(session, incoming.bundle_id)
    if at is None:
        return None
    file_name, file_sha, report = session.execute(
        text("SELECT file_name, sha256, report FROM bundle_log WHERE bundle_id = :b AND direction = 'in'"),
        {"b": incoming.bundle_id},
    ).one()
    try:
        stored = json.loads(report or "{}").get("manifest_sha256")
    except (ValueError, AttributeError):
        stored = None
    if stored == incoming.manifest_sha256 or (stored is None and file_sha == incoming.sha256):
        return at
    when = at.strftime("%Y-%m-%d %H:%M")
    if stored is None:
        raise SyncError(
            _(
                "The bundle {name} has the id of the bundle {other} imported on {when}, but it is not the same file, "
                "and this computer kept no fingerprint of that bundle's content then (an earlier version imported "
                "it), so it cannot tell whether the two hold the same. Nothing was changed; keep both files."
            ).format(name=incoming.path.name, other=file_name, when=when)
        )
    raise SyncError(
        _(
            "The bundle {name} has the id of the bundle {other} imported on {when}, but not its content: one of "
            "the two was forged or changed by the computer that signed it. Nothing was changed; keep both files "
            "and show them to whoever looks after the laptops."
        ).format(name=incoming.path.name, other=file_name, when=when)
    )


def check(store: Store, incoming: Incoming, session: Session, also_received: dict[str, int] | None = None) -> Check:
    """Refusals that depend on the store (gap, copy, scope) and whether it was imported before.

    ``also_received``: per origin, changes that bundles to be imported before this one bring."""
    manifest = incoming.manifest
    already = _imported_before(session, incoming)
    if already is not None:
        return Check(incoming, already=already)
    mine = set(device.known_ids(store))
    received: dict[str, int] = dict(
        session.execute(text("SELECT origin_device, received_seq FROM origin_cursor")).all()
    )
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
    except staging.FieldError as error:
        raise SyncError(_wrong_field(incoming.path, error)) from None
    except staging.StagingError:
        raise damaged(incoming.path) from None
    _check_origins(store, session, incoming)
    fork = merge.staged_fork(connection)
    if fork is not None:
        raise SyncError(
            _(
                "The bundle {name} contradicts changes received before from {laptop} (change {seq} differs): "
                "that laptop's data file seems to have been copied and used on two computers. Nothing was "
                "changed; see the sync board."
            ).format(name=incoming.path.name, laptop=_origin_name(session, manifest, fork[0]), seq=fork[1])
        ) from None
    _check_coverage(store, session, incoming)
    _check_receipt(store, session, incoming)
    _check_counts(session, incoming)
    if role(store) == TOWNSHIP:
        try:
            outside = scope.staged_outside(connection, _scope_of(store, session, incoming))
        except sa_exc.OperationalError:  # a payload that is not JSON (signed and hashed, so a sender's fault)
            raise damaged(incoming.path) from None
        if outside is not None:
            raise SyncError(_outside_message(session, incoming, outside))
    _check_building(session, incoming)
    broken = audit_chain.staged_conflict(connection)  # the record of who did what (issue 17), last: the
    if broken is not None:  # changes' own refusals above say more precisely what is wrong with a change
        raise SyncError(_broken_chain(session, incoming, broken))
    return Check(incoming)


def _staged_building(session: Session) -> dict[str, dict[str, str] | None]:
    """The building stages the staged changes make, by record: (household, stage, day) as they will be after the
    merge (a change of some fields over the record stored here), None for a delete."""
    connection = session.connection()
    found: dict[str, dict[str, str] | None] = {}
    for row_id, op, payload in connection.exec_driver_sql(
        "SELECT row_id, op, payload FROM sync_incoming WHERE table_name = 'building_stage' ORDER BY rowid"
    ):
        if op != "upsert":
            found[row_id] = None
            continue
        values = found.get(row_id)
        if values is None:
            stored = connection.execute(
                text("SELECT household_id, stage, reached_on FROM building_stage WHERE id = :id"), {"id": row_id}
            ).first()
            values = (
                {"household_id": str(stored[0]), "stage": str(stored[1]), "reached_on": str(stored[2])}
                if stored
                else {}
            )
        try:
            changed = json.loads(payload)
        except ValueError:
            changed = {}
        for key in ("household_id", "stage", "reached_on"):
            if isinstance(changed, dict) and isinstance(changed.get(key), str):
                values[key] = changed[key]
        found[row_id] = values
    return found


def _check_building(session: Session, incoming: Incoming) -> None:
    """A household's building stages as the bundle would leave them (issues 18, 19): in order, none dated before
    the stage before it (``core.rules.building.order_problem``) nor in the future; otherwise the bundle is refused,
    naming the household and the stages, and nothing is written."""
    staged = _staged_building(session)
    if not staged:
        return
    households = sorted({v["household_id"] for v in staged.values() if v and v.get("household_id")})
    today = dt.date.today()
    for household_id in households:
        stages: dict[str, building_rules.Reached] = {}
        for record_id, stage, day in session.execute(
            text("SELECT id, stage, reached_on FROM building_stage WHERE household_id = :h"), {"h": household_id}
        ):
            stages[record_id] = building_rules.Reached(str(stage), _day(day))
        for record_id, values in staged.items():
            stages.pop(record_id, None)
            if values and values.get("household_id") == household_id and values.get("reached_on"):
                stages[record_id] = building_rules.Reached(str(values.get("stage")), _day(values["reached_on"]))
        problem = building_rules.order_problem(list(stages.values()))
        future = [r for r in stages.values() if r.on > today]
        if problem is None and future:
            problem = _("“{stage}” dated {date}, in the future").format(
                stage=building_rules.stage_label(future[0].stage), date=future[0].on.isoformat()
            )
        if problem is not None:
            head = session.execute(text("SELECT head_name FROM household WHERE id = :h"), {"h": household_id}).scalar()
            raise SyncError(
                _(
                    "The bundle {name} from {laptop} records the building of the household of {head} out of order: "
                    "{problem}. Nothing was changed; keep the bundle file: it shows a fault of the computer that "
                    "wrote it."
                ).format(
                    name=incoming.path.name,
                    laptop=incoming.source_name,
                    head=head or household_id[:8],
                    problem=problem,
                )
            )


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _broken_chain(session: Session, incoming: Incoming, error: audit_chain.ChainError) -> str:
    """Why a bundle whose record of who did what is not a chain is refused: the device and the entry."""
    how = {
        "altered": _("its hash does not match its content and the change it records"),
        "link": _("it does not follow the entry before it"),
        "differs": _("this computer holds that entry with other content"),
        "missing": _("the bundle carries that change without its entry"),
    }[error.kind]
    return _(
        "The bundle {name} carries a record of who did what that is broken at entry {seq} of {device}: {how}. "
        "An entry was removed, altered or put in another order. Nothing was changed; keep the bundle file and "
        "show it to whoever looks after the laptops."
    ).format(
        name=incoming.path.name,
        seq=error.seq,
        device=computer(
            error.origin,
            device_names(session).get(error.origin) or incoming.manifest.get("devices", {}).get(error.origin),
        ),
        how=how,
    )


def _check_origins(store: Store, session: Session, incoming: Incoming) -> None:
    """Every change of another origin than the sender is that origin's own (issue 13, case 4): covered by a
    run its origin signed (checked as the bundle was staged, ``runs.verify``), or held here already exactly
    as it is.  Checked before anything else compares the changes with this store's (a forged change of
    laptop A must not make A's real bundle look like a copy's).  A laptop takes the township's word (its
    trust anchor, which checked them as they came in; changes journalled before signing existed have no
    signature)."""
    if role(store) == LAPTOP:
        return
    found = runs.unproven(session.connection(), incoming.source["device_id"])
    if found is None:
        return
    origin, first, last = found
    raise SyncError(
        _(
            "The bundle {name} from {sender} carries changes {first}–{last} attributed to {laptop} that no "
            "signature of {laptop} covers: they were forged, or changed on the way. Nothing was changed; keep "
            "the bundle file and show it to whoever looks after the laptops."
        ).format(
            name=incoming.path.name,
            sender=incoming.source_name,
            first=first,
            last=last,
            laptop=device_names(session).get(origin) or _origin_name(session, incoming.manifest, origin),
        )
    )


def _outside_message(session: Session, incoming: Incoming, outside: scope.Outside) -> str:
    """Why a laptop's bundle is refused for a record outside its villages: the record and its village, as this
    computer's records give them (issue 13, case 6)."""
    record = f"{outside.table} {outside.row_id[:8]}"
    names = {
        "township": "SELECT name FROM township WHERE id = :id",
        "village": "SELECT name FROM village WHERE id = :id",
        "villager_group": "SELECT v.name || ' ' || g.name FROM villager_group g JOIN village v ON v.id = g.village_id "
        "WHERE g.id = :id",
    }
    if outside.reason == "account":
        what = _(
            "{record}: a laptop sends only accounts of its own work team and village cadres, within its villages, "
            "never countersigned or authorised to sign for the township; only the township office makes the others"
        ).format(record=record)
    elif outside.reason == "payment":
        what = _(
            "{record}: a laptop sends only a household's acknowledgement of a payment; the township office records "
            "payments, where the funds' balances are kept (FD-1)"
        ).format(record=record)
    elif outside.reason == "shared":
        query = names.get(outside.table)
        named = session.execute(text(query), {"id": outside.row_id}).scalar() if query else None
        what = _(
            "{record}{named}, a record of the whole township: only the township office changes the township, its "
            "villages and villagers' groups, and the funds' ledger and checks"
        ).format(record=record, named=f" “{named}”" if named else "")
    elif outside.village_id is None:
        what = _("{record}, which this computer does not hold and cannot place in a village").format(record=record)
    else:
        village = session.execute(text(names["village"]), {"id": outside.village_id}).scalar()
        what = _("{record} of {village}").format(record=record, village=village or outside.village_id[:8])
    return _(
        "The bundle {name} from {laptop} contains a record outside the villages that laptop was provisioned for "
        "({what}). Nothing was changed; check the laptop's provisioning."
    ).format(name=incoming.path.name, laptop=incoming.source_name, what=what)


def sent_to(session: Session, peer_id: str) -> dict[str, int]:
    """Per origin, the last change this store has put in a bundle to ``peer_id`` (what each bundle out covered,
    as ``bundle_log`` records it): all a receipt from that peer may acknowledge (issue 13, case 5)."""
    return {
        origin: int(last)
        for origin, last in session.execute(
            text(
                "SELECT j.key, max(json_extract(j.value, '$[1]')) FROM bundle_log b, json_each(b.covers) j "
                "WHERE b.direction = 'out' AND b.peer_id = :p AND json_valid(b.covers) AND j.type = 'array' "
                "GROUP BY j.key"
            ),
            {"p": peer_id},
        ).all()
        if isinstance(last, int)
    }


def _check_receipt(store: Store, session: Session, incoming: Incoming) -> None:
    """A receipt saying the sender holds more of this store's own changes than this store has ever written
    (under its identity now) is refused: no honest computer can hold them, and acknowledged they would empty
    every later bundle to it.  A receipt beyond what was sent, but not beyond that, is only limited to what
    was sent when it is acknowledged (``importing._advance_cursors``): an honest laptop is ahead that way
    when this store was put back from a backup (issue 13, case 5; docs/design/sync.md §9)."""
    claimed = incoming.manifest.get("receipt", {}).get(store.device_id)
    if claimed is None:
        return
    written = session.execute(
        text("SELECT coalesce(max(seq), 0) FROM change_log WHERE origin_device = :d"), {"d": store.device_id}
    ).scalar_one()
    if claimed <= written:
        return
    sent = sent_to(session, incoming.source["device_id"]).get(store.device_id, 0)
    raise SyncError(
        _(
            "The bundle {name} from {laptop} says that computer holds this computer's changes up to {claimed}, but "
            "this computer has written only {written} changes and sent it changes up to {sent}. Nothing was "
            "changed; keep the bundle file: it shows a fault of the computer that wrote it."
        ).format(name=incoming.path.name, laptop=incoming.source_name, claimed=claimed, written=written, sent=sent)
    )


def _check_coverage(store: Store, session: Session, incoming: Incoming) -> None:
    """What the bundle says it covers (per origin, the changes it holds without a gap, which the receiver
    acknowledges) against what it carries (issue 13, case 3).  A laptop's bundle carries every change of a
    range it covers, and none of that origin outside it; the township's bundle to a laptop leaves out the
    changes of other villages, so there only the second holds."""
    carried = {
        row[0]: (row[1], row[2], row[3])
        for row in session.connection().exec_driver_sql(
            "SELECT origin_device, min(seq), max(seq), count(*) FROM sync_incoming GROUP BY origin_device"
        )
    }
    whole = role(store) == TOWNSHIP  # the sender is a laptop
    covers = incoming.manifest.get("covers", {})
    sender = incoming.source["device_id"]
    if sender in carried and sender not in covers:  # a sender vouches for all of its own changes it sends
        low, high, count = carried[sender]
        raise SyncError(
            _(
                "The bundle {name} carries {count} changes of {laptop} ({low}–{high}) but does not say it covers "
                "them. Nothing was changed; keep the bundle file: it shows a fault of the computer that wrote it."
            ).format(
                name=incoming.path.name,
                count=count,
                laptop=_origin_name(session, incoming.manifest, sender),
                low=low,
                high=high,
            )
        )
    # What the sender says it holds of each origin (its receipt): it cannot cover more than that.  A township's
    # bundle covers third parties without carrying their changes (other villages'), so at a laptop this is what
    # bounds such a claim; at the township the count check below bounds it anyway.
    held: dict[str, int] | None = incoming.manifest.get("receipt")
    for origin, (first, last) in sorted(covers.items()):
        low, high, count = carried.get(origin, (None, None, 0))
        outside = count and (low < first or high > last)
        beyond = held is not None and last > held.get(origin, 0)
        if not outside and not beyond and (not whole or count == last - first + 1):
            continue
        laptop = _origin_name(session, incoming.manifest, origin)
        if beyond and not outside and held is not None:
            said = _(
                "The bundle {name} says it covers {laptop}'s changes {first}–{last}, but also that the computer "
                "that wrote it holds {laptop}'s changes only up to {held}."
            ).format(name=incoming.path.name, laptop=laptop, first=first, last=last, held=held.get(origin, 0))
        elif outside:
            said = _(
                "The bundle {name} says it covers {laptop}'s changes {first}–{last}, but it carries changes of "
                "{laptop} outside that range ({low}–{high})."
            ).format(name=incoming.path.name, laptop=laptop, first=first, last=last, low=low, high=high)
        else:
            said = _(
                "The bundle {name} says it covers {laptop}'s changes {first}–{last}, but it carries only {count} "
                "of those {total} changes."
            ).format(
                name=incoming.path.name, laptop=laptop, first=first, last=last, count=count, total=last - first + 1
            )
        raise SyncError(
            _(
                "{said} Nothing was changed; keep the bundle file: it shows a fault of the computer that wrote it."
            ).format(said=said)
        )


def _check_counts(session: Session, incoming: Incoming) -> None:
    """What the bundle says it holds of each table (shown before and after the import) against what it
    carries."""
    said = incoming.manifest.get("counts")
    if said is None:
        return
    carried: dict[str, int] = dict(
        session.connection().exec_driver_sql("SELECT table_name, count(*) FROM sync_incoming GROUP BY table_name").all()
    )
    for table in sorted(set(said) | set(carried)):
        if said.get(table, 0) != carried.get(table, 0):
            raise SyncError(
                _(
                    "The bundle {name} says it holds {said} changes of the table {table}, but it carries {count}. "
                    "Nothing was changed; keep the bundle file: it shows a fault of the computer that wrote it."
                ).format(name=incoming.path.name, said=said.get(table, 0), table=table, count=carried.get(table, 0))
            )


def _wrong_field(path: Path, error: staging.FieldError) -> str:
    """Why a change's field is refused: the record, the field, the value sent and what it must be."""
    rule = error.rule
    if rule.choices is not None:
        expected = _("one of: {values}").format(values=", ".join(f"“{choice}”" for choice in rule.choices))
    elif rule.kind == "integer" and rule.least is not None and rule.most is not None and rule.most < 2**62:
        expected = _("a whole number from {least} to {most}").format(least=rule.least, most=rule.most)
    elif rule.kind == "integer" and rule.least is not None and rule.least > -(2**62):
        expected = _("a whole number of at least {least}").format(least=rule.least)
    elif rule.kind == "integer":
        expected = _("a whole number")
    elif rule.kind == "boolean":
        expected = _("yes or no (true or false)")
    elif rule.kind == "date":
        expected = _("a date (YYYY-MM-DD)")
    elif rule.kind == "datetime":
        expected = _("a date and time")
    elif rule.longest is not None:
        expected = _("a record's id (at most {n} characters)").format(n=rule.longest)
    else:
        expected = _("a text")
    value = error.value if len(error.value) <= 40 else error.value[:40] + "…"
    return _(
        "The bundle {name} sets “{field}” of {table} {row} to {value}, which is not {expected}. Nothing was "
        "changed; keep the bundle file: it shows a fault of the computer that wrote it."
    ).format(name=path.name, field=error.field, table=error.table, row=error.row_id[:8], value=value, expected=expected)


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


def precheck(
    db_path: Path | str,
    paths: list[Path | str],
    refused: list[tuple[Path, str]] | None = None,
    key: bytes | None = None,
) -> None:
    """Read and check bundles against a store opened read-only (an encrypted one with its data ``key``), in the
    order they would be imported; the first refusal raises ``SyncError`` and the data file has not been touched
    at all.  Given a ``refused`` list, each refused bundle is added to it (path, reason) instead, and the rest
    checked as if it were not there."""
    from xinjie_desktop.core.sync.workstore import open_read_only

    view = open_read_only(db_path, key=key)
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
