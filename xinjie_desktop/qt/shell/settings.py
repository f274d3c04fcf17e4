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


IDLE_LOCK_MINUTES_KEY = "security/idle_lock_minutes"  # the window locks after this long without input (issue 17)
DEFAULT_IDLE_LOCK_MINUTES = 10


def idle_lock_minutes() -> int:
    """Minutes without a key pressed or the mouse moved before the window locks itself (at least 1)."""
    value = QSettings().value(IDLE_LOCK_MINUTES_KEY, DEFAULT_IDLE_LOCK_MINUTES, type=int)
    return max(1, value or DEFAULT_IDLE_LOCK_MINUTES)


def save_idle_lock_minutes(value: int) -> None:
    QSettings().setValue(IDLE_LOCK_MINUTES_KEY, max(1, value))
