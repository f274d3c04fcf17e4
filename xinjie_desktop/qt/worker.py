"""Long jobs off the user-interface thread, with progress and cancel.

``Worker`` runs ``job(report)`` in a ``QThread``.  The job calls
``report(done, total)`` now and then; the call returns False once the user
has pressed Cancel, and the job then stops (core jobs raise
``InterruptedError``, which ``Worker`` reports as ``cancelled``).  The
signals are emitted from the worker thread and therefore reach the widgets
queued, on the user-interface thread.

SQLite: a job uses the store's engine from its own thread (the engine's pool
hands it its own connection); it never shares a session with the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal

from xinjie_desktop.core.store import StoreError
from xinjie_desktop.i18n import _

log = logging.getLogger(__name__)

Report = Callable[[int, int], bool]
Job = Callable[[Report], Any]


class Cancelled(Exception):
    """A job may raise this (or ``InterruptedError``) when ``report`` returned False."""


class Worker(QThread):
    progressed = Signal(int, int)  # done, total
    succeeded = Signal(object)  # the job's result
    failed = Signal(str)  # a message for the user
    cancelled = Signal()

    def __init__(self, job: Job, parent=None) -> None:
        super().__init__(parent)
        self._job = job
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report."""
        self._cancel.set()

    def is_cancelling(self) -> bool:
        return self._cancel.is_set()

    def _report(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._cancel.is_set()

    def run(self) -> None:  # runs in the worker thread
        try:
            result = self._job(self._report)
        except (Cancelled, InterruptedError):
            self.cancelled.emit()
        except StoreError as error:
            self.failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - shown to the user, logged for the developer
            log.exception("background job failed")
            self.failed.emit(_("The work could not be completed: {error}").format(error=error))
        else:  # the job finished, so its work is saved even if Cancel came too late
            self.succeeded.emit(result)
