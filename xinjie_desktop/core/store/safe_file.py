"""Writing a small file so that it is either wholly there or not there at all.

Used for the device identity file next to a store and for provisioning files written to a USB
stick (FAT32: no journal, pulled out at any moment).  The bytes go to a temporary file in the same
folder, are flushed and fsynced, renamed over the destination, and read back and compared; a full
disk or any other failure removes the temporary file and raises ``OSError``, leaving the
destination as it was.  Bundles (issue 5) will reuse this for large files in chunks.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import uuid
from pathlib import Path

from xinjie_desktop.i18n import _


def write_atomically(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, fsync, rename and read-back check."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    fsync_folder(path.parent)
    if hashlib.sha256(path.read_bytes()).digest() != hashlib.sha256(data).digest():
        raise OSError(errno.EIO, _("the file read back differs from what was written"), str(path))


def fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
