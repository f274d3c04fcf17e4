"""File names a person can read (issue 16, "Files and paper" and "Sync in plain words").

Saved PDFs are named by household head, kind and date, in a folder per village; bundles by sender, recipient
and date.  Every name is safe on Windows and on a FAT32 USB stick: none of ``\\ / : * ? " < > |`` nor control
characters, no trailing dot or space, no reserved device name (CON, NUL, COM1, …), and short enough that the
whole path stays under Windows' 260 characters.  Chinese is kept (Windows and FAT32's long names take it).

Pure functions: the window and the command line call them; nothing parses these names back (a bundle's
manifest carries its ids).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from xinjie_desktop.i18n import _

UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')  # not allowed on FAT32 or Windows
RESERVED = frozenset({"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)})
PART_LIMIT = 60  # characters of one part (a name, a kind, a village): a household head's name is far shorter
NAME_LIMIT = 120  # characters of a whole file name: a deep Documents folder still leaves room under 260
PATH_LIMIT = 250  # characters of a whole path (Windows' MAX_PATH is 260, its terminating NUL included)


def safe_part(text: str, fallback: str = "_", limit: int = PART_LIMIT) -> str:
    """``text`` as one part of a file name: unsafe characters become ``_``, runs of spaces one, cut to ``limit``."""
    cleaned = UNSAFE.sub("_", str(text))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    cleaned = cleaned[:limit].strip().strip(".").strip()
    if not cleaned:
        return fallback
    if cleaned.split(".")[0].upper() in RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned


def _name(parts: list[str], suffix: str, limit: int = NAME_LIMIT) -> str:
    stem = "-".join(part for part in parts if part)
    return stem[: max(1, limit - len(suffix))].rstrip(" .-") + suffix


def document_file_name(kind: str, date: dt.date, head_name: str = "", number: str = "", suffix: str = ".pdf") -> str:
    """``<head>-<kind>-<YYYY-MM-DD>[-<number>].pdf``, e.g. ``王建国-住房方案-2026-12-07.pdf``.

    ``kind`` is the document's kind in the user's words (住房方案, 协议, 公示, 导入报告); ``number`` an
    agreement's number or another short distinction."""
    parts = [safe_part(head_name, "") if head_name else "", safe_part(kind, "document"), date.isoformat()]
    if number:
        parts.append(safe_part(number, ""))
    return _name(parts, suffix)


def document_folder(root: Path | str, app_name: str, village: str = "") -> Path:
    """The folder for a village's documents under ``root`` (the user's Documents): ``root/<app>/<village>``."""
    folder = Path(root) / safe_part(app_name, "xinjie-desktop")
    return folder / safe_part(village) if village else folder


def bundle_file_name(
    sender: str, recipient: str, when: dt.datetime, unique: str, suffix: str = ".xjb", *, ascii_only: bool = False
) -> str:
    """``<sender>-至-<recipient>-<YYYY-MM-DD>-<HHMM>-<unique>.xjb``: who wrote it for whom, and when.  The time
    keeps one sender's bundles for one recipient in the order written when a folder is sorted by name;
    ``unique`` (a short part of the bundle's id) keeps two bundles of a minute apart.  ``ascii_only`` (a
    stick that refuses other names): ``xjb-<sender>-to-<recipient>-…``, each name in ASCII letters only
    (pass ASCII stand-ins, such as the start of a device id, for names that have none)."""
    if ascii_only:
        parts = ["xjb", _ascii(sender, "sender"), "to", _ascii(recipient, "recipient")]
    else:
        parts = [safe_part(sender, "sender", 30), _("to"), safe_part(recipient, "recipient", 30)]
    parts += [when.date().isoformat(), when.strftime("%H%M"), safe_part(unique, "x", 12)]
    return _name(parts, suffix)


def _ascii(text: str, fallback: str) -> str:
    return safe_part(re.sub(r"[^A-Za-z0-9._ -]", "", text), fallback, 30).replace(" ", "_")


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``… when a file of that name is there already (never overwritten)."""
    path = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}{suffix}"
        number += 1
    return path


def fitted(folder: Path | str, name: str) -> Path:
    """``folder/name``, the name's stem shortened (its suffix kept) so the whole path stays under Windows'
    limit (``PATH_LIMIT``); at least 16 characters of the stem are kept."""
    folder, suffix = Path(folder), Path(name).suffix
    room = PATH_LIMIT - len(str(folder)) - 1 - len(suffix)
    stem = Path(name).stem
    if len(stem) > room:
        stem = stem[: max(16, room)].rstrip(" .-")
    return folder / f"{stem}{suffix}"
