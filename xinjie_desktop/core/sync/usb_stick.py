"""The USB stick: a bundle written to it safely (a full or pulled stick leaves no bundle behind), the
bundles found on it, and which of them are addressed to this store.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
from pathlib import Path

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.safe_file import fsync_folder
from xinjie_desktop.core.sync.bundle_format import CHUNK, SUFFIX, SyncError
from xinjie_desktop.core.sync.sealing import read_header
from xinjie_desktop.i18n import _

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
    mine: list[Path] = []
    others: list[Path] = []
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


def left_for_others(store: Store, paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """A stick's bundles given at once (``bundle import … /media/usb/*.xjb``): those to import here, and those
    written for other computers, left on the stick (the township writes one for each laptop onto the same stick).
    Only when one at least is for this computer: a bundle given alone, or none for this computer, is imported and
    refused with its reason as before; one for a former identity of this data file is this computer's (its import
    says why it is refused), and so is one whose header cannot be read."""
    from xinjie_desktop.core.sync import device

    mine, others = addressed_to(store, paths)
    if not others or not any(_recipient(path) == store.device_id for path in mine):
        return list(paths), []
    former = set(device.known_ids(store))
    elsewhere = [path for path in others if _recipient(path) not in former]
    return [path for path in paths if path not in elsewhere], elsewhere


def _recipient(path: Path) -> str | None:
    try:
        with Path(path).open("rb") as handle:
            return str(read_header(handle.read(64 * 1024), Path(path)).recipient_device_id)
    except (OSError, SyncError):
        return None


_NAME_REFUSED = {errno.EPERM, errno.EINVAL, errno.EILSEQ, errno.ENAMETOOLONG, errno.EACCES}


def takes_name(folder: Path, name: str) -> bool:
    """Whether the stick's file system takes a file called ``name`` (Windows and most FAT32 drivers take
    Chinese names; some, like FUSE's fusefat or a vfat mounted without UTF-8, refuse them): a hidden empty
    probe file of that name is made and removed.  Any other failure is left for the writing to report."""
    probe = Path(folder) / f".{Path(name).stem}.probe"
    try:
        descriptor = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return True
    except OSError as error:
        return error.errno not in _NAME_REFUSED
    os.close(descriptor)
    with contextlib.suppress(OSError):
        probe.unlink()
    return True


def find_bundles(folder: Path | str) -> list[Path]:
    """The bundles in a folder (a USB stick), oldest name first; temporary files left by a pulled stick are skipped."""
    folder = Path(folder)
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".") and p.is_file())
    except OSError as error:
        raise SyncError(
            _("The folder {path} cannot be read: {error}").format(path=folder, error=error.strerror)
        ) from None
