"""The version and build date of this copy of the program (no Qt: the About dialog, the PDFs and
``--self-test`` read it).

A packaged build carries ``build-info.json`` beside its unpacked files (``sys._MEIPASS``), written
by ``packaging/xinjie-desktop.spec`` at build time::

    {"version": "0.1.0", "built": "2026-11-28", "commit": "4a959bc"}

Run from a source checkout there is no such file: the build date reads "development build".
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from xinjie_desktop import __version__
from xinjie_desktop.i18n import _

FILE_NAME = "build-info.json"
APPLICATION = "xinjie-desktop"


@dataclass(frozen=True)
class BuildInfo:
    version: str
    built: str | None  # YYYY-MM-DD of a packaged build; None when run from source
    commit: str | None = None


def bundle_folder() -> Path | None:
    """Where a PyInstaller build unpacked its files; None when run from source."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    return Path(frozen_root) if frozen_root else None


def read(folder: Path | None = None) -> BuildInfo:
    """The build information in ``folder`` (default: the packaged build's own folder).

    A missing or unreadable file means a development build; the version is always the code's own."""
    folder = bundle_folder() if folder is None else folder
    if folder is None:
        return BuildInfo(__version__, None)
    try:
        data = json.loads((Path(folder) / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BuildInfo(__version__, None)
    if not isinstance(data, dict):
        return BuildInfo(__version__, None)
    built, commit = data.get("built"), data.get("commit")
    return BuildInfo(
        __version__,
        built if isinstance(built, str) and built else None,
        commit if isinstance(commit, str) and commit else None,
    )


def build_date_text(info: BuildInfo | None = None) -> str:
    """The build date as shown to the user, or "development build" when run from source."""
    info = read() if info is None else info
    return info.built or _("development build")


def name_and_version() -> str:
    """``xinjie-desktop 0.1.0``: the Creator of every PDF the program writes."""
    return f"{APPLICATION} {__version__}"
