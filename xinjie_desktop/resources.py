"""Where the shipped resources (fonts, translations, policy parameters, icons) live.

Source checkouts keep them in ``resources/`` at the project root; a PyInstaller
build puts them in ``resources/`` beside the executable's unpacked files.
``XINJIE_RESOURCES`` overrides both (used by tests and packagers).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("XINJIE_RESOURCES")
    if override:
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def font_path() -> Path:
    return resources_dir() / "fonts" / "wqy-microhei.ttc"


def translations_dir() -> Path:
    return resources_dir() / "translations"


def qt_translations_dir() -> Path:
    """Our translations of Qt's own texts that Qt's translation lacks (``.qm``, compiled from the ``.ts``)."""
    return translations_dir() / "qt"


def guide_path(language: str = "zh_CN") -> Path:
    """The user guide (one HTML file; its pictures in ``images/`` beside it)."""
    return resources_dir() / "guide" / language / "index.html"


def policy_dir() -> Path:
    return resources_dir() / "policy"


def templates_dir() -> Path:
    return resources_dir() / "templates"


def icon_path(suffix: str = ".png") -> Path:
    """The application icon: ``.png`` (256 px, the window's), ``.ico`` (Windows) or ``.svg`` (the drawing)."""
    return resources_dir() / "icons" / f"xinjie-desktop{suffix}"


def national_codes_dir() -> Path:
    """The national system's labels and the codes they mean, one versioned file each (``national-codes-*.toml``)."""
    return resources_dir() / "national_codes"
