"""The program's settings (QSettings): the names that say where they are kept, and every key.

The window and its dialogs read and write them through here, so that no module imports another
for a key. Only QtCore's QSettings is imported (the frame is painted before anything else loads).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

# Names QSettings and QStandardPaths use for this application's folders (shell.app.set_identity).
ORGANIZATION = "xinjie"
APPLICATION = "xinjie-desktop"

LANGUAGE_KEY = "language"
BACKUPS_KEEP_KEY = "backups/keep"
DEFAULT_BACKUPS_KEEP = 10  # core.store.backups.DEFAULT_KEEP, not imported here: it would load the core


def saved_language() -> str:
    """The language chosen in Settings → Language, or "" if none was."""
    return QSettings().value(LANGUAGE_KEY, "", type=str)


def save_language(code: str) -> None:
    QSettings().setValue(LANGUAGE_KEY, code)


def backups_to_keep() -> int:
    """How many backups are kept (the Backups dialog's setting)."""
    value = QSettings().value(BACKUPS_KEEP_KEY, DEFAULT_BACKUPS_KEEP, type=int)
    return max(1, value or DEFAULT_BACKUPS_KEEP)


def save_backups_to_keep(value: int) -> None:
    QSettings().setValue(BACKUPS_KEEP_KEY, value)


WINDOW_GEOMETRY_KEY = "window/geometry"  # the main window's size, place and maximised state (saveGeometry)


def saved_window_geometry() -> QByteArray | None:
    """What ``QWidget.saveGeometry`` gave when the main window was last closed, or None."""
    value = QSettings().value(WINDOW_GEOMETRY_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_window_geometry(geometry: QByteArray) -> None:
    QSettings().setValue(WINDOW_GEOMETRY_KEY, geometry)
