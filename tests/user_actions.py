"""What a user does to a widget, as pytest-qt key presses and clicks (shared by the Qt tests)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt


def retype(qtbot, widget, text: str) -> None:
    """Click into the field, select what is there and type over it."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(widget, text)


def click_check(qtbot, check) -> None:
    """Click the box itself (a stretched check box's middle may be empty space)."""
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
