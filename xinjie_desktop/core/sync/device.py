"""This store's device identity, and the township office provisioning a village laptop (issues 5 and 13):
from the laptop's request, each side confirming the other's key fingerprint (see "provisioning" below).

Identity
    Every store is one device: a UUID, an Ed25519 key pair that signs what it sends (provisioning
    files, later bundles) and an X25519 key pair others encrypt bundles to.  The private keys are
    kept raw (32 bytes, base64) in ``local_setting`` and never leave the store; the public keys are
    shown by ``identity`` and travel in provisioning files and bundles.  ``Store`` calls
    ``ensure_identity`` on every open; ``store.device_id`` is the id in force.

A copy takes a new identity
    Two laptops must never share an identity, or their change counters collide.  A store knows its
    "home": a random nonce, written both into ``local_setting`` (``device_home``, with the file's
    inode, path and the computer's name) and into a small identity file next to it,
    ``<store>.device``.  On open the store keeps its identity only if

    * the identity file is there, names this device and holds this nonce (a copy of the data file
      alone has none; a backup copied back over the store holds an older nonce, because the nonce
      changes on every open), and
    * the data file is on the same computer (same computer name) and is either the same file (same
      inode: renamed or moved on the same disk) or in the same place (same path: a file put back
      there by a restore, whose nonce then decides).

    Otherwise it takes a new id and new keys; the previous id and public keys go to
    ``device_history`` (with when and why), so records stamped with the old id stay attributable
    to this store and signatures made with the old key can still be checked.  The old private keys
    are dropped: a copy must not be able to speak as the original.  A township identity and scope
    accepted earlier are kept, but ``needs_reprovisioning`` turns true (the township must learn the
    new keys before it trusts the laptop's bundles).

    A rename or move on the same disk keeps the identity: the inode and the nonce still match, and
    only the recorded path is updated.  A move to another disk, or renaming the computer, is taken
    as a copy (a new identity, nothing lost but a re-provisioning): when in doubt, a spurious new
    identity is cheap, a shared one corrupts every later sync.  Undetectable: a whole-disk clone,
    or the data folder (file and identity file) copied to the same path of a computer with the same
    name; the sync design catches these afterwards as a fork (one device counter, two contents).

    The nonce also changes after each bundle export (``rotate_home``, issue 5): a backup restored
    with neither an open nor an export since it was taken carries no change counter anybody else
    has seen, so keeping the identity then is harmless.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.models import LocalSetting, SyncPeer, Township, Village, utcnow
from xinjie_desktop.core.store.safe_file import write_atomically
from xinjie_desktop.i18n import N_, _

if TYPE_CHECKING:
    from xinjie_desktop.core.store.database import Store

# local_setting keys (never travel)
DEVICE_ID = "device_id"
SIGNING_KEY = "device_signing_key"  # Ed25519 private key, raw, base64
BOX_KEY = "device_box_key"  # X25519 private key, raw, base64
CREATED_AT = "device_created_at"
HOME = "device_home"  # JSON: nonce, inode, path, computer
HISTORY = "device_history"  # JSON list of former identities
TOWNSHIP = "township_identity"  # JSON: the provisioning township's device id, public keys, name
SCOPE = "device_scope"  # JSON: the accepted provisioning (villages this laptop may write)
ISSUED = "provisioning_issued"  # JSON list, on the township's store: laptops it provisioned

SIDECAR_SUFFIX = ".device"
SIDECAR_FORMAT = 1
PROVISIONING_FORMAT = "xinjie-desktop/provisioning"
PROVISIONING_VERSION = 1
_PROVISIONING_CONTEXT = b"xinjie-desktop provisioning v1\n"  # domain separation of the signature
REQUEST_FORMAT = "xinjie-desktop/provisioning-request"
REQUEST_VERSION = 1
_REQUEST_CONTEXT = b"xinjie-desktop provisioning request v1\n"

# Why a store took a new identity (kept in device_history).
REASONS = {
    "no_identity_file": N_("the data file was copied or moved without its identity file"),
    "older_copy": N_("an older copy of the data file was put back (a restored backup)"),
    "other_file": N_("the data file is a copy (it is not the file the identity was made for)"),
    "other_computer": N_("the data file was copied to another computer"),
}


class DeviceError(Exception):
    """A refused identity or provisioning action; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class Identity:
    device_id: str
    signing_public: str  # Ed25519 public key, raw, base64
    box_public: str  # X25519 public key, raw, base64
    created_at: str = field(default="", compare=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.device_id, self.signing_public, self.box_public)

    def public(self) -> dict:
        return {"device_id": self.device_id, "signing_public": self.signing_public, "box_public": self.box_public}


@dataclass(frozen=True)
class Provisioning:
    provisioning_id: str
    issued_at: str
    laptop_name: str
    villages: tuple[tuple[str, str], ...]  # (village id, name), sorted by id
    township: Identity
    township_name: str
    accepted_by: str = ""  # the laptop's device id when it accepted
    accepted_at: str = ""
    laptop: Identity | None = None  # the laptop key it certifies (None: accepted before issue 13)

    @property
    def village_ids(self) -> tuple[str, ...]:
        return tuple(village_id for village_id, _name in self.villages)


@dataclass(frozen=True)
class Request:
    """A village laptop's provisioning request: its id and public keys, and the name it asks for."""

    device_id: str
    signing_public: str
    box_public: str
    name: str
    made_at: str
    former_ids: tuple[str, ...] = ()  # the identities its data file had before (a copy or a restore)

    @property
    def identity(self) -> Identity:
        return Identity(self.device_id, self.signing_public, self.box_public)

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint


# --- encoding -------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text_: str) -> bytes:
    return base64.b64decode(text_.encode("ascii"), validate=True)


def canonical_json(value) -> bytes:
    """The one byte form of a JSON value that is signed and hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(device_id: str, signing_public: str, box_public: str) -> str:
    """A short text two people can read aloud to compare identities, e.g. ``3F2A-91C0-…`` (20 hex)."""
    digest = hashlib.sha256(b"xinjie-desktop device\n" + canonical_json([device_id, signing_public, box_public]))
    hexa = digest.hexdigest()[:20].upper()
    return "-".join(hexa[i : i + 4] for i in range(0, 20, 4))


def same_fingerprint(typed: str, shown: str) -> bool:
    """Whether a fingerprint as typed or read aloud (any case, with or without dashes or spaces) is ``shown``."""
    return bool(typed) and _hex_only(typed) == _hex_only(shown)


def _hex_only(text_: str) -> str:
    return "".join(ch for ch in text_.upper() if ch in "0123456789ABCDEF")


def _raw_private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def _raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# --- local settings -------------------------------------------------------------------------------


def _get(session: Session, key: str) -> str | None:
    row = session.get(LocalSetting, key)
    return row.value if row is not None else None


def _held(session: Session, key: str) -> str:
    """A setting every store holds once ``ensure_identity`` ran (its id and keys)."""
    value = _get(session, key)
    if value is None:
        raise LookupError(f"local setting {key} is missing: the store was opened without ensure_identity")
    return value


def _get_json(session: Session, key: str, default=None):
    value = _get(session, key)
    if value is None:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def _set(session: Session, key: str, value: str) -> None:
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    else:
        row.value = value


def _set_json(session: Session, key: str, value) -> None:
    _set(session, key, json.dumps(value, ensure_ascii=False, sort_keys=True))


# --- identity -------------------------------------------------------------------------------------


def sidecar_path(store_path: Path | str) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(store_path.name + SIDECAR_SUFFIX)


def _where(path: Path) -> dict:
    """Where the data file is: its inode (0 where the file system has none), path and computer."""
    return {"inode": os.stat(path).st_ino, "path": str(Path(path).resolve()), "computer": platform.node()}


def _read_sidecar(path: Path) -> dict | None:
    try:
        content = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def _moved_reason(home: dict, sidecar: dict | None, device_id: str, here: dict) -> str | None:
    """None if the data file is still at home; else why it is taken for a copy (a REASONS key)."""
    if sidecar is None:
        return "no_identity_file"
    accepted = [(sidecar.get("device_id"), sidecar.get("nonce"))]
    previous = sidecar.get("previous")
    if isinstance(previous, dict):
        accepted.append((previous.get("device_id"), previous.get("nonce")))
    if (device_id, home.get("nonce")) not in accepted:
        return "older_copy"
    same_file = bool(home.get("inode")) and home.get("inode") == here["inode"]
    if not same_file and home.get("path") != here["path"]:
        return "other_file"  # another file in another place: a copy, not a move
    if home.get("computer") != here["computer"]:
        return "other_computer"
    return None


def _make_keys(session: Session, device_id: str | None) -> str:
    device_id = device_id or str(uuid.uuid4())
    _set(session, DEVICE_ID, device_id)
    _set(session, SIGNING_KEY, b64(_raw_private(Ed25519PrivateKey.generate())))
    _set(session, BOX_KEY, b64(_raw_private(X25519PrivateKey.generate())))
    _set(session, CREATED_AT, _now())
    return device_id


def _identity(session: Session) -> Identity:
    signing = Ed25519PrivateKey.from_private_bytes(unb64(_held(session, SIGNING_KEY)))
    box = X25519PrivateKey.from_private_bytes(unb64(_held(session, BOX_KEY)))
    return Identity(
        _held(session, DEVICE_ID),
        b64(_raw_public(signing.public_key())),
        b64(_raw_public(box.public_key())),
        _get(session, CREATED_AT) or "",
    )


def _former_self(session: Session, device_id: str) -> dict:
    """What a person knows the data file by before it takes a new identity: the laptop's name and villages as
    provisioned (or the township office's name), and when its last change was made (UTC, ISO; "" if none)."""
    scope = _get_json(session, SCOPE)
    if isinstance(scope, dict) and isinstance(scope.get("villages"), list):
        name = str(scope.get("laptop_name", ""))
        villages = [str(v.get("name", "")) for v in scope["villages"] if isinstance(v, dict)]
    else:  # the township office's (all its villages), or a laptop not provisioned yet: the computer's name
        township = session.scalar(select(Township)) if _get_json(session, ISSUED) else None
        home = _get_json(session, HOME)
        computer = str(home.get("computer", "")) if isinstance(home, dict) else ""
        name = (township.command_centre or township.name) if township is not None else computer
        villages = []
    newest = session.execute(
        text("SELECT max(hlc) FROM change_log WHERE origin_device = :d"), {"d": device_id}
    ).scalar()
    last_change = dt.datetime.fromtimestamp(newest / 1000, dt.UTC).replace(microsecond=0).isoformat() if newest else ""
    return {"name": name, "villages": villages, "last_change": last_change}


def describe_former(entry: dict) -> str:
    """A former identity (an entry of ``history``) in words a person knows it by: "the laptop 青山村笔记本
    (青山村), last changed on 2017-03-05"; an identity recorded before these were kept, by its id."""
    name, villages, last = entry.get("name", ""), entry.get("villages") or [], entry.get("last_change", "")
    if not name and not villages:
        return _("the computer {id}").format(id=entry.get("device_id", ""))
    who = _("{name} ({villages})").format(name=name, villages=_(", ").join(villages)) if villages else name
    if not last:
        return _("{who}, with no change made on it").format(who=who)
    return _("{who}, last changed on {date}").format(who=who, date=_local_day(last))


def _local_day(iso: str) -> str:
    day = dt.datetime.fromisoformat(iso).astimezone().date()  # the day as the user's clock shows it
    return _("{year:04d}-{month:02d}-{day:02d}").format(year=day.year, month=day.month, day=day.day)


def former_identity_text(entry: dict) -> str:
    """One former identity (an entry of ``history``) as a sentence: what the data file was, until when, and
    why it took a new identity; named as a person knows it (``describe_former``), not by its id."""
    try:
        until = _local_day(entry.get("until", ""))
    except ValueError:
        until = entry.get("until", "")
    reason = _(REASONS[entry["reason"]]) if entry.get("reason") in REASONS else entry.get("reason", "")
    return _("Until {date} this data file was {who}; then {reason}, and it took a new identity.").format(
        date=until, who=describe_former(entry), reason=reason
    )


def _take_new_identity(session: Session, reason: str) -> str:
    old = _identity(session)
    history = _get_json(session, HISTORY, [])
    history.append(
        {
            **old.public(),
            "created_at": old.created_at,
            "until": _now(),
            "reason": reason,
            **_former_self(session, old.device_id),
        }
    )
    _set_json(session, HISTORY, history)
    return _make_keys(session, None)


def ensure_identity(store: Store) -> str:
    """Called on every open: make the identity if there is none, take a new one if the file is a
    copy, and change the home nonce (in the store and the identity file).  Returns the device id."""
    from xinjie_desktop.core.store.database import StoreError

    here = _where(store.path)
    sidecar_file = sidecar_path(store.path)
    with store.unit_of_work() as session:
        # Take the write lock before reading, so that two programs opening the store take turns.
        session.execute(text("UPDATE local_setting SET value = value WHERE key = :key"), {"key": DEVICE_ID})
        sidecar = _read_sidecar(sidecar_file)
        device_id = _get(session, DEVICE_ID)
        home = _get_json(session, HOME)
        keep = None
        if device_id is None:
            device_id = _make_keys(session, None)
        elif not isinstance(home, dict) or _get(session, SIGNING_KEY) is None:
            _make_keys(session, device_id)  # a store from before identities had keys keeps its id
        elif (reason := _moved_reason(home, sidecar, device_id, here)) is not None:
            device_id = _take_new_identity(session, reason)
        else:
            keep = {"device_id": device_id, "nonce": home["nonce"]}
        nonce = _write_home(session, sidecar_file, device_id, here, keep, StoreError)
    _settle_home(store, sidecar_file, device_id, nonce)
    return device_id


def _write_home(
    session: Session, sidecar_file: Path, device_id: str, here: dict, keep: dict | None, error_class
) -> str:
    """Record a new nonce (returned).  Until ``_settle_home`` runs after the commit, the identity
    file accepts the previous pair too, so a crash in between never makes the original look like a
    copy."""
    nonce = secrets.token_hex(16)
    _set_json(session, HOME, {"nonce": nonce, **here})
    session.flush()
    try:
        _write_sidecar(sidecar_file, device_id, nonce, keep)
    except OSError as error:
        raise error_class(
            _("The identity file {path} beside the data file cannot be written: {error}").format(
                path=sidecar_file, error=error.strerror or error
            )
        ) from None
    return nonce


def _write_sidecar(sidecar_file: Path, device_id: str, nonce: str, previous: dict | None) -> None:
    content = {
        "format": SIDECAR_FORMAT,
        "device_id": device_id,
        "nonce": nonce,
        "previous": previous,
        "about": "xinjie-desktop: identity of the data file beside this one; keep them together",
    }
    write_atomically(sidecar_file, json.dumps(content, indent=1).encode("utf-8"))


def _settle_home(store: Store, sidecar_file: Path, device_id: str, nonce: str) -> None:
    """After the commit: the identity file stops accepting the previous pair (else a backup taken
    just before this open would still pass for the original).  Under the store's write lock, and
    only if no other program has moved the nonce on meanwhile."""
    with store.unit_of_work() as session:
        session.execute(text("UPDATE local_setting SET value = value WHERE key = :key"), {"key": DEVICE_ID})
        home = _get_json(session, HOME, {})
        if _get(session, DEVICE_ID) == device_id and isinstance(home, dict) and home.get("nonce") == nonce:
            try:
                _write_sidecar(sidecar_file, device_id, nonce, None)
            except OSError:
                pass  # the file written before the commit still names this nonce


def rotate_home(store: Store) -> None:
    """Change the home nonce now (after a bundle export), so that a backup taken before it is
    recognised as an older copy when it is put back."""
    with store.unit_of_work() as session:
        session.execute(text("UPDATE local_setting SET value = value WHERE key = :key"), {"key": DEVICE_ID})
        home = _get_json(session, HOME, {})
        device_id = _held(session, DEVICE_ID)
        nonce = _write_home(
            session,
            sidecar_path(store.path),
            device_id,
            _where(store.path),
            {"device_id": device_id, "nonce": home.get("nonce")},
            DeviceError,
        )
    _settle_home(store, sidecar_path(store.path), device_id, nonce)


def identity(store: Store) -> Identity:
    with store.session() as session:
        return _identity(session)


def history(store: Store) -> list[dict]:
    """Former identities of this store, oldest first: device_id, public keys, created_at, until, reason."""
    with store.session() as session:
        return _get_json(session, HISTORY, [])


def known_ids(store: Store) -> list[str]:
    """Every id records written by this store may carry: the former ones and the current one."""
    return [entry["device_id"] for entry in history(store)] + [store.device_id]


def signing_key(store: Store) -> Ed25519PrivateKey:
    with store.session() as session:
        return Ed25519PrivateKey.from_private_bytes(unb64(_held(session, SIGNING_KEY)))


def box_key(store: Store) -> X25519PrivateKey:
    with store.session() as session:
        return X25519PrivateKey.from_private_bytes(unb64(_held(session, BOX_KEY)))


def sign(store: Store, data: bytes) -> bytes:
    return signing_key(store).sign(data)


def verify_signature(signing_public: str, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(unb64(signing_public)).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- provisioning ---------------------------------------------------------------------------------
#
# Nothing is taken on first use (issue 13, case 11).  1. The laptop writes a *request*: its id and public
# keys and the name it asks for, signed with its own key; its screen shows the key's fingerprint.  2. At
# the township office the officer reads the request, compares its fingerprint with the laptop's screen and
# confirms it (in the window a tick, on the command line ``--fingerprint`` as the laptop shows it); only
# then does the township sign the *provisioning file*, a certificate binding that key, device id, name and
# villages, and register the laptop as a peer (``sync_peer``, trusted): its bundles are accepted under
# that key only.  3. The laptop accepts only a certificate for its own keys, signed by the township key
# whose fingerprint its officer confirmed (``township_fingerprint``).


def _read_signed(path: Path, format_: str, newest: int, not_ours: str, damaged: str, too_new: str) -> tuple[Any, Any]:
    """The body and signature of a signed JSON file of ``format_`` (not verified yet)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DeviceError(
            _("The file {path} cannot be read: {error}").format(path=path, error=error.strerror)
        ) from None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DeviceError(not_ours) from None
    if not isinstance(document, dict) or document.get("format") != format_:
        raise DeviceError(not_ours)
    version = document.get("version")
    if not isinstance(version, int):
        raise DeviceError(damaged)
    if version > newest:
        raise DeviceError(too_new)
    return document.get("body"), document.get("signature")


def _check_keys(keys: Any) -> None:
    """A table holding a device id and its two public keys; else TypeError or ValueError."""
    for name in ("device_id", "signing_public", "box_public"):
        if not isinstance(keys[name], str):
            raise TypeError(name)
    Ed25519PublicKey.from_public_bytes(unb64(keys["signing_public"]))
    if len(unb64(keys["box_public"])) != 32:
        raise ValueError("box key")


def _write_signed(out_path: Path, format_: str, version: int, body: dict, signature: bytes, what: str) -> None:
    document = {"format": format_, "version": version, "body": body, "signature": b64(signature)}
    try:
        write_atomically(out_path, json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    except OSError as error:
        raise DeviceError(what.format(path=out_path, error=error.strerror or error)) from None


def write_request(store: Store, out_path: Path | str, name: str = "") -> Request:
    """On a village laptop: write its provisioning request (its id, public keys and ``name``), signed with
    its own key.  The township office certifies the key once its officer has confirmed the fingerprint."""
    out_path = Path(out_path)
    with store.session() as session:
        if _get_json(session, ISSUED):
            raise DeviceError(
                _(
                    "This data file is the township office's (it has provisioned laptops); only a village laptop "
                    "writes a provisioning request."
                )
            )
        if _get_json(session, TOWNSHIP) is None and session.scalar(select(Township.id).limit(1)) is not None:
            raise DeviceError(
                _(
                    "This data file already holds a township set up on this computer. A village laptop must start "
                    "from an empty data file: open a new data file and write the provisioning request there. "
                    "Nothing was written."
                )
            )
        me = _identity(session)
        key = Ed25519PrivateKey.from_private_bytes(unb64(_held(session, SIGNING_KEY)))
        former = [entry["device_id"] for entry in _get_json(session, HISTORY, [])]
    body = {**me.public(), "name": name.strip(), "made_at": _now(), "former_ids": former}
    _write_signed(
        out_path,
        REQUEST_FORMAT,
        REQUEST_VERSION,
        body,
        key.sign(_REQUEST_CONTEXT + canonical_json(body)),
        _("The provisioning request {path} cannot be written: {error}"),
    )
    return _request_from(body)


def _request_from(body: dict) -> Request:
    return Request(
        body["device_id"],
        body["signing_public"],
        body["box_public"],
        body["name"],
        body["made_at"],
        tuple(body.get("former_ids", ())),
    )


def read_request(path: Path | str) -> Request:
    """Read and verify a laptop's provisioning request (signed by the key it names); ``DeviceError`` says
    what is wrong with it.  Who wrote it is for the officer to confirm, by its fingerprint."""
    path = Path(path)
    body, signature = _read_signed(
        path,
        REQUEST_FORMAT,
        REQUEST_VERSION,
        _("The file {path} is not a provisioning request of xinjie-desktop.").format(path=path),
        _(
            "The provisioning request {path} is damaged or incomplete. Nothing was changed; write a new one on the "
            "laptop."
        ).format(path=path),
        _(
            "The provisioning request {path} was written by a newer version of xinjie-desktop. Install the newer "
            "version first; nothing was changed."
        ).format(path=path),
    )
    try:
        _check_keys(body)
        if not (isinstance(body["name"], str) and isinstance(body["made_at"], str)):
            raise TypeError("body")
        former = body.get("former_ids", [])
        if not (isinstance(former, list) and all(isinstance(entry, str) for entry in former)):
            raise TypeError("former_ids")
        signature_bytes = unb64(signature)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DeviceError(
            _(
                "The provisioning request {path} is damaged or incomplete. Nothing was changed; write a new one on "
                "the laptop."
            ).format(path=path)
        ) from None
    if not verify_signature(body["signing_public"], _REQUEST_CONTEXT + canonical_json(body), signature_bytes):
        raise DeviceError(
            _(
                "The provisioning request {path} was changed or damaged after the laptop wrote it (its signature "
                "does not match). Nothing was changed; write a new one on the laptop."
            ).format(path=path)
        )
    return _request_from(body)


def provision(
    township_store: Store,
    laptop_name: str,
    villages: list[str],
    out_path: Path | str,
    *,
    request: Path | str | Request,
    fingerprint: str,
) -> Provisioning:
    """Write the provisioning file for the laptop that wrote ``request``, signed with this (the township's)
    key: a certificate for that laptop's keys, name (``laptop_name``, or the name it asked for) and
    villages.  ``fingerprint`` is the laptop's key fingerprint as the officer read it on the laptop's
    screen; it must be the request's.  The laptop is registered here as a trusted peer."""
    out_path = Path(out_path)
    access.require_open(township_store, Action.PROVISION)
    asked = request if isinstance(request, Request) else read_request(request)
    if not same_fingerprint(fingerprint, asked.fingerprint):
        raise DeviceError(
            _(
                "The fingerprint {typed} does not match the laptop's request, whose key fingerprint is {fingerprint}. "
                "Compare it again with the one the laptop's screen shows: if they differ, the request does not come "
                "from that laptop. Nothing was written."
            ).format(typed=fingerprint.strip() or "—", fingerprint=asked.fingerprint)
        )
    name = laptop_name.strip() or asked.name
    if not name:
        raise DeviceError(_("Give the laptop a name."))
    wanted = sorted(set(villages))
    if not wanted:
        raise DeviceError(_("Choose at least one village the laptop may write."))
    with township_store.session() as session:
        if _get(session, SCOPE) is not None:
            raise DeviceError(
                _(
                    "This data file belongs to a village laptop provisioned by the township office; "
                    "only the township office's data file provisions laptops."
                )
            )
        if asked.device_id in [township_store.device_id, *[e["device_id"] for e in _get_json(session, HISTORY, [])]]:
            raise DeviceError(
                _("This provisioning request was written by this data file itself; write it on the village laptop.")
            )
        peer = session.get(SyncPeer, asked.device_id)
        if peer is not None and (peer.signing_public, peer.box_public) != (asked.signing_public, asked.box_public):
            raise DeviceError(
                _(
                    "The laptop {laptop} already has this device id, with another key (fingerprint {certified}): a "
                    "request for that id with a key of its own does not come from that laptop. Nothing was written."
                ).format(
                    laptop=peer.name,
                    certified=Identity(peer.device_id, peer.signing_public, peer.box_public).fingerprint,
                )
            )
        found = dict(session.execute(select(Village.id, Village.name).where(Village.id.in_(wanted))).all())
        missing = [village for village in wanted if village not in found]
        if missing:
            raise DeviceError(_("No village with the id {id} is stored.").format(id=", ".join(missing)))
        town = session.scalar(select(Township.name).limit(1)) or ""
        me = _identity(session)
        key = Ed25519PrivateKey.from_private_bytes(unb64(_held(session, SIGNING_KEY)))
    provisioning_id = str(uuid.uuid4())
    body = {
        "provisioning_id": provisioning_id,
        "issued_at": _now(),
        "laptop_name": name,
        "villages": [{"id": village, "name": found[village]} for village in wanted],
        "township": {**me.public(), "name": town},
        "laptop": asked.identity.public(),
    }
    _write_signed(
        out_path,
        PROVISIONING_FORMAT,
        PROVISIONING_VERSION,
        body,
        key.sign(_PROVISIONING_CONTEXT + canonical_json(body)),
        _("The provisioning file {path} cannot be written: {error}"),
    )
    with township_store.unit_of_work() as session:
        issued = _get_json(session, ISSUED, [])
        issued.append(
            {
                "provisioning_id": body["provisioning_id"],
                "issued_at": body["issued_at"],
                "laptop_name": name,
                "villages": wanted,
                "device_id": asked.device_id,
                "fingerprint": asked.fingerprint,
            }
        )
        _set_json(session, ISSUED, issued)
        _register_laptop(session, asked, name, wanted, provisioning_id)
    return _provisioning_from(body, "", "")


def _register_laptop(session: Session, asked: Request, name: str, villages: list[str], provisioning_id: str) -> None:
    """The township trusts the laptop's key from now on (its bundles are checked against it)."""
    now = utcnow()
    peer = session.get(SyncPeer, asked.device_id)
    if peer is None:
        peer = SyncPeer(
            device_id=asked.device_id,
            role="laptop",
            signing_public=asked.signing_public,
            box_public=asked.box_public,
            problem="",
            first_seen=now,
            last_seen=now,
            last_bundle_id="",
        )
        session.add(peer)
    peer.name = name
    peer.scope = json.dumps(villages)
    peer.provisioning_id = provisioning_id
    peer.former_ids = json.dumps(list(asked.former_ids))
    peer.trusted = True


def issued(store: Store) -> list[dict]:
    """The provisionings this (township) store wrote, oldest first."""
    with store.session() as session:
        return _get_json(session, ISSUED, [])


def read_provisioning(path: Path | str) -> Provisioning:
    """Read and verify a provisioning file (signed by the township key it names, for the laptop key it
    names); ``DeviceError`` says what is wrong with it.  Whether that township key is the one the officer
    confirmed, and that laptop key this laptop's, ``accept_provisioning`` checks."""
    path = Path(path)
    damaged = _(
        "The provisioning file {path} is damaged or incomplete. Nothing was changed; ask the township "
        "office for a new one."
    ).format(path=path)
    body, signature = _read_signed(
        path,
        PROVISIONING_FORMAT,
        PROVISIONING_VERSION,
        _("The file {path} is not a provisioning file of xinjie-desktop.").format(path=path),
        damaged,
        _(
            "The provisioning file {path} was written by a newer version of xinjie-desktop. "
            "Install the newer version first; nothing was changed."
        ).format(path=path),
    )
    try:
        township = body["township"]
        _check_keys(township)
        if not (
            isinstance(body["laptop_name"], str)
            and isinstance(body["provisioning_id"], str)
            and isinstance(body["issued_at"], str)
            and isinstance(body["villages"], list)
            and body["villages"]
        ):
            raise TypeError("body")
        for village in body["villages"]:
            if not (isinstance(village["id"], str) and isinstance(village["name"], str)):
                raise TypeError("village")
        if "laptop" in body:
            _check_keys(body["laptop"])
        signature_bytes = unb64(signature)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DeviceError(damaged) from None
    if not verify_signature(township["signing_public"], _PROVISIONING_CONTEXT + canonical_json(body), signature_bytes):
        raise DeviceError(
            _(
                "The provisioning file {path} was changed or damaged after the township office wrote it "
                "(its signature does not match). Nothing was changed; ask the township office for a new "
                "one."
            ).format(path=path)
        )
    if "laptop" not in body:
        raise DeviceError(
            _(
                "The provisioning file {path} names no laptop key: it was written by an earlier version of "
                "xinjie-desktop, before a laptop's provisioning request was needed, and anyone holding a copy could "
                "use it. Nothing was changed; write a provisioning request on this laptop and ask the township "
                "office for the provisioning file made from it."
            ).format(path=path)
        )
    return _provisioning_from(body, "", "")


def _provisioning_from(body: dict, accepted_by: str, accepted_at: str) -> Provisioning:
    township = body["township"]
    laptop = body.get("laptop")
    return Provisioning(
        provisioning_id=body["provisioning_id"],
        issued_at=body["issued_at"],
        laptop_name=body["laptop_name"],
        villages=tuple(sorted((v["id"], v["name"]) for v in body["villages"])),
        township=Identity(township["device_id"], township["signing_public"], township["box_public"]),
        township_name=township.get("name", ""),
        accepted_by=accepted_by,
        accepted_at=accepted_at,
        laptop=Identity(laptop["device_id"], laptop["signing_public"], laptop["box_public"])
        if isinstance(laptop, dict)
        else None,
    )


def accept_provisioning(
    store: Store, path: Path | str, *, township_fingerprint: str, replace_township: bool = False
) -> Provisioning:
    """Verify a provisioning file and keep the township's identity and this laptop's scope.

    ``township_fingerprint`` is the township key's fingerprint as this laptop's officer confirmed it (read
    on the township office's screen).  Refused (``DeviceError``, nothing changed): anything
    ``read_provisioning`` refuses, a file signed by another township key than the one confirmed, a file
    for another laptop's keys (or for this laptop's keys before its data file was copied or restored), a
    file this store wrote itself or any file for a store that provisions laptops, one from a different
    township key than the one accepted before (unless ``replace_township``), and one older than the
    provisioning already accepted.
    """
    access.require_open(store, Action.PROVISION)
    accepted = read_provisioning(path)
    me = identity(store)
    if not same_fingerprint(township_fingerprint, accepted.township.fingerprint):
        raise DeviceError(
            _(
                "This provisioning file is signed by the township key {signer}, not by the township office key you "
                "confirmed ({confirmed}). Nothing was changed: it does not come from your township office's computer."
            ).format(signer=accepted.township.fingerprint, confirmed=township_fingerprint.strip() or "—")
        )
    laptop = accepted.laptop
    assert laptop is not None  # read_provisioning refuses a file without it
    with store.unit_of_work() as session:
        former = [e["device_id"] for e in _get_json(session, HISTORY, [])]
        if accepted.township.device_id in [store.device_id, *former]:
            raise DeviceError(
                _("This provisioning file was written by this data file itself; accept it on the village laptop.")
            )
        if _get_json(session, ISSUED):
            raise DeviceError(
                _(
                    "This data file is the township office's (it has provisioned laptops); it cannot "
                    "accept a provisioning file."
                )
            )
        if laptop != me:
            if laptop.device_id in former:
                raise DeviceError(
                    _(
                        "This provisioning file was made for this laptop before its data file was copied or restored; "
                        "it has new keys since (fingerprint {mine}). Nothing was changed; write a new provisioning "
                        "request and ask the township office for the provisioning file made from it."
                    ).format(mine=me.fingerprint)
                )
            raise DeviceError(
                _(
                    "This provisioning file was made for another laptop (key fingerprint {theirs}); this laptop's key "
                    "fingerprint is {mine}. Nothing was changed; ask the township office for the file made from this "
                    "laptop's request."
                ).format(theirs=laptop.fingerprint, mine=me.fingerprint)
            )
        known = _get_json(session, TOWNSHIP)
        if known is None and session.scalar(select(Township.id).limit(1)) is not None:
            raise DeviceError(
                _(
                    "This data file already holds a township set up on this computer. A village laptop "
                    "must start from an empty data file: the township office sends its villages after the "
                    "laptop's first bundle. Nothing was changed; open a new data file and accept the "
                    "provisioning file there."
                )
            )
        if (
            isinstance(known, dict)
            and not replace_township
            and (
                (known.get("device_id"), known.get("signing_public"))
                != (accepted.township.device_id, accepted.township.signing_public)
            )
        ):
            raise DeviceError(
                _(
                    "This laptop was provisioned by another township office data file (key {old}); this "
                    "file comes from key {new}. Nothing was changed."
                ).format(
                    old=fingerprint(
                        known.get("device_id", ""), known.get("signing_public", ""), known.get("box_public", "")
                    ),
                    new=accepted.township.fingerprint,
                )
            )
        current = _get_json(session, SCOPE)
        if isinstance(current, dict) and not replace_township and current.get("issued_at", "") > accepted.issued_at:
            raise DeviceError(
                _("This provisioning file is older than the one this laptop already accepted. Nothing was changed.")
            )
        now = _now()
        _set_json(session, TOWNSHIP, {**accepted.township.public(), "name": accepted.township_name})
        _set_json(
            session,
            SCOPE,
            {
                "provisioning_id": accepted.provisioning_id,
                "issued_at": accepted.issued_at,
                "laptop_name": accepted.laptop_name,
                "villages": [{"id": i, "name": n} for i, n in accepted.villages],
                "accepted_by": store.device_id,
                "accepted_at": now,
                "laptop": laptop.public(),
            },
        )
    return Provisioning(**{**accepted.__dict__, "accepted_by": store.device_id, "accepted_at": now})


def provisioning(store: Store) -> Provisioning | None:
    """The provisioning this laptop accepted, or None."""
    with store.session() as session:
        scope, township = _get_json(session, SCOPE), _get_json(session, TOWNSHIP)
    if not isinstance(scope, dict) or not isinstance(township, dict):
        return None
    return _provisioning_from(
        {**scope, "township": township}, scope.get("accepted_by", ""), scope.get("accepted_at", "")
    )


def needs_reprovisioning(store: Store) -> bool:
    """True when the laptop took a new identity after it was provisioned (the township must
    provision the new identity before it trusts its bundles)."""
    accepted = provisioning(store)
    return accepted is not None and accepted.accepted_by != store.device_id
