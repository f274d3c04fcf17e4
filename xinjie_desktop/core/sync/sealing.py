"""Sealing a bundle to its one recipient, and opening it (``cryptography`` primitives, nothing hand-made).

An ephemeral X25519 key agreed with the recipient's box key, HKDF-SHA256 to a ChaCha20-Poly1305 key, the
archive encrypted in 1 MiB chunks whose associated data binds the header, the chunk's index and a
last-chunk flag (a truncated file fails).  A lost USB stick reveals no income and no ID number.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from xinjie_desktop.core.sync import bundle_format, device
from xinjie_desktop.core.sync.bundle_format import CHUNK, MAGIC, VERSION, SyncError
from xinjie_desktop.i18n import _

_INFO = b"xinjie-desktop bundle v1"


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
    """The header at the start of ``data`` (the file's first ``8 + HEADER_LIMIT`` bytes are enough); a
    header declaring an archive larger than ``PAYLOAD_LIMIT`` is refused (before the file is read)."""
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
        if length > bundle_format.HEADER_LIMIT:
            raise ValueError("header")
        header_bytes = data[8 : 8 + length]
        if len(header_bytes) != length:
            raise ValueError("short")
        header = json.loads(header_bytes.decode("utf-8"))
        version = header["version"]
        if not isinstance(version, int):
            raise ValueError("version")
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):  # nested too deeply
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
    except (KeyError, TypeError, ValueError):
        raise SyncError(damaged) from None
    if parsed.payload_size > bundle_format.PAYLOAD_LIMIT:
        raise SyncError(
            _(
                "The bundle {name} is larger than any bundle this program reads: its header says it holds {size} "
                "MiB, and at most {limit} MiB are read. Nothing was changed; keep the bundle file: it was not "
                "written by xinjie-desktop, or it was changed."
            ).format(name=path.name, size=parsed.payload_size // 2**20, limit=bundle_format.PAYLOAD_LIMIT // 2**20)
        )
    return parsed


def check_length(have: int, header: Header, path: Path) -> None:
    """The file is as long as its header says (``have`` bytes): shorter is incomplete, longer was added to."""
    if have > header.sealed_size():
        raise SyncError(
            _(
                "The bundle {name} is longer than it should be: {have} bytes where it was written with {size} "
                "(something was added to the file afterwards). Nothing was changed; write the bundle again on the "
                "computer it came from."
            ).format(name=path.name, have=have, size=header.sealed_size())
        )
    if have != header.sealed_size():
        raise SyncError(
            _(
                "The bundle {name} is incomplete: {have} of its {size} bytes are there (perhaps the USB stick "
                "was pulled out while it was being written). Nothing was changed; write the bundle again on "
                "the computer it came from."
            ).format(name=path.name, have=have, size=header.sealed_size())
        )


def unseal(data: bytes, header: Header, box_key: X25519PrivateKey, path: Path) -> bytes:
    tampered = _(
        "The bundle {name} was changed or damaged after it was written (it does not decrypt). Nothing was "
        "changed; write the bundle again on the laptop it came from."
    ).format(name=path.name)
    check_length(len(data), header, path)
    try:
        ephemeral_public = device.unb64(header.ephemeral_public)
        shared = box_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise SyncError(tampered) from None
    cipher = ChaCha20Poly1305(_key(shared, ephemeral_public, _raw(box_key.public_key())))
    sealed_chunk = header.chunk_size + 16
    body = memoryview(data)[header.body_offset :]  # not a copy
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
