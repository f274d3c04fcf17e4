"""Where the main window opens: within the screen's available area, maximised where the screen is small.

Pure functions of rectangles (QtCore only), so that they are tested with any screen: the window
(qt.shell.main_window) asks its screen for ``QScreen.availableGeometry()`` (the screen less the task bar)
and calls them.  A laptop of 1366×768 with a task bar has about 1366×728 available: the 1280×800 the
window used to open at put its status bar below the screen's edge.  The size the user leaves the window
at is remembered (qt.shell.settings.WINDOW_GEOMETRY_KEY); a remembered place on a screen that is no
longer there, or larger than the screen now, is brought back within the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMargins, QRect, QSize

DEFAULT_SIZE = QSize(1280, 800)  # the window's inside (without its frame) where the screen has room
# What a window manager adds around the inside: a title bar and thin borders (before the window is shown,
# Qt does not know its frame yet).
FRAME = QMargins(8, 32, 8, 8)


@dataclass(frozen=True)
class Placement:
    """The window's inside (``QWidget.setGeometry``) and whether it opens maximised."""

    geometry: QRect
    maximised: bool


def inside(available: QRect) -> QRect:
    """The largest inside of a window whose frame stays within ``available``."""
    return available.marginsRemoved(FRAME)


def first_placement(available: QRect) -> Placement:
    """No size remembered: the default size centred, or maximised where the screen has no room for it."""
    room = inside(available)
    if DEFAULT_SIZE.width() > room.width() or DEFAULT_SIZE.height() > room.height():
        # the size it returns to when the user un-maximises it: as large as fits
        return Placement(room, maximised=True)
    geometry = QRect(room.topLeft(), DEFAULT_SIZE)
    geometry.moveCenter(room.center())
    return Placement(geometry, maximised=False)


def brought_within(geometry: QRect, available: QRect) -> QRect:
    """``geometry`` (a window's inside) made no larger than fits and moved so that its frame is on the
    screen; unchanged when it already is."""
    room = inside(available)
    width = min(geometry.width(), room.width())
    height = min(geometry.height(), room.height())
    left = min(max(geometry.left(), room.left()), room.right() - width + 1)
    top = min(max(geometry.top(), room.top()), room.bottom() - height + 1)
    return QRect(left, top, width, height)
