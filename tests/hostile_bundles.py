"""Hostile bundles for the township (issue 13, case 12): archives made by hand, so that a part can inflate
to far more than the file holds (a zip bomb) without the test compressing a gigabyte each time.

Used by ``tests/core/test_sync_wire.py`` and ``scripts/bench_hostile.py`` (which measures the time and
memory of refusing each)."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.sync import bundle_format, device, sealing

GiB = 1024**3
KINDS = ("changes bomb signed by another key", "part larger than its manifest says", "huge manifest")


@functools.cache
def inflating(size: int, byte: bytes = b"\0") -> tuple[bytes, int, str]:
    """``size`` bytes of ``byte`` deflated (raw, as in a ZIP entry): the compressed bytes, the CRC-32 and
    SHA-256 of what they inflate to."""
    block = byte * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc, sha = [], 0, hashlib.sha256()
    for start in range(0, size, len(block)):
        piece = block[: min(len(block), size - start)]
        out.append(compressor.compress(piece))
        crc = zlib.crc32(piece, crc)
        sha.update(piece)
    out.append(compressor.flush())
    return b"".join(out), crc, sha.hexdigest()


def zip_of(entries: list[tuple[str, bytes] | tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP archive: (name, content) stored, or (name, deflated bytes, crc, inflated size) deflated."""
    out, central = bytearray(), bytearray()
    for entry in entries:
        if len(entry) == 2:
            name, data = entry
            method, crc, size = 0, zlib.crc32(data), len(data)
        else:
            name, data, crc, size = entry
            method = 8
        raw = name.encode("utf-8")
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0)
        out += raw + data
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def parts_of(township: Store, path: Path) -> dict[str, bytes]:
    """A bundle for the township, decrypted: its parts by name."""
    data = path.read_bytes()
    header = sealing.read_header(data, path)
    payload = sealing.unseal(data, header, device.box_key(township), path)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _dumps(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def hostile(township: Store, laptop: Store, bundle: Path, out: Path, kind: str, size: int = GiB) -> Path:
    """A bundle for the township made from ``laptop``'s real ``bundle``, whose part inflates to ``size`` bytes:

    * "changes bomb signed by another key": changes.tsv a zip bomb, the manifest (naming its hash) signed
      by a key that is not the laptop's (an outsider, who holds only the township's public key);
    * "part larger than its manifest says": changes.tsv a zip bomb whose hash the laptop signed, its
      manifest giving it the size of the real journal;
    * "huge manifest": manifest.json itself a zip bomb (of spaces, which JSON allows)."""
    parts = parts_of(township, bundle)
    manifest = json.loads(parts["manifest.json"])
    bomb, crc, sha = inflating(size, b" " if kind == "huge manifest" else b"\0")
    others = [(name, content) for name, content in parts.items() if name not in ("manifest.json", "manifest.sig")]
    if kind == "huge manifest":
        entries = [("manifest.json", bomb, crc, size), ("manifest.sig", bytes(64)), *others]
    else:
        manifest["parts"]["changes.tsv"] = sha
        manifest["sizes"] = {name: len(content) for name, content in others}
        manifest_bytes = _dumps(manifest)
        context = bundle_format.SIGNING_CONTEXT + manifest_bytes
        if kind == "changes bomb signed by another key":
            signature = Ed25519PrivateKey.generate().sign(context)
        else:
            signature = device.sign(laptop, context)
        rest = [(name, content) for name, content in others if name != "changes.tsv"]
        entries = [
            ("manifest.json", manifest_bytes),
            ("manifest.sig", signature),
            ("changes.tsv", bomb, crc, size),
            *rest,
        ]
    me = device.identity(township)
    out.write_bytes(sealing.seal(zip_of(entries), me.device_id, me.box_public))
    return out
