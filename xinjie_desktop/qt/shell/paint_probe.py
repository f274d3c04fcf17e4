"""Start-time probe for benchmarks of the packaged program (scripts/benchmark_frozen.py).

A frozen build cannot be handed a Python snippet the way scripts/benchmark.py times the source
tree, so ``qt.shell.app.start`` installs this probe when the environment asks for it::

    XINJIE_EXIT_AFTER_PAINT=window   the main window's first paint (the frame, before the store is open)
    XINJIE_EXIT_AFTER_PAINT=list     the household list's first rows painted (the store opened and listed)

At that paint it prints the wall-clock time (``time.time()``) on standard output and ends the
program, exactly as the child processes of scripts/benchmark.py do.  Unset, nothing is installed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

ENVIRONMENT = "XINJIE_EXIT_AFTER_PAINT"
TARGETS = ("window", "list")


class PaintProbe(QObject):
    def __init__(self, window, until: str) -> None:
        super().__init__(window)
        self.window = window
        self.until = until
        self.target = None
        if until == "window":
            self._watch(window)
        else:
            window.workspace_installed.connect(lambda workspace: self._watch(workspace.table.viewport()))

    def _watch(self, widget) -> None:
        self.target = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint and watched is self.target and self._ready():
            print(repr(time.time()), flush=True)
            watched.removeEventFilter(self)
            QApplication.instance().quit()
        return False

    def _ready(self) -> bool:
        return self.until == "window" or self.window.model.rowCount() > 0


def install(window, until: str) -> PaintProbe | None:
    """Watch ``window`` for the paint named by ``until`` ("window" or "list")."""
    if until not in TARGETS:
        return None
    return PaintProbe(window, until)
