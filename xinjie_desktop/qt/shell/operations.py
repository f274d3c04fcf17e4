"""Long jobs off the user-interface thread, with progress and cancel: one call states them.

``run_in_background(parent, work, success=..., failure=..., progress=..., cancelled=...,
finished=...)`` is the one way a window runs a job in the background: it says what the work is,
where its progress goes, what follows success (the job's result), failure (a message for the user,
never a traceback) and a cancel, and what to do once the thread has ended (``finished(outcome)``,
after the outcome's own callback; the thread is waited for and deleted by the wrapper).  It returns
the ``Worker``, whose ``cancel()`` asks the job to stop.  In the spirit of Anki's ``QueryOp``.

``Worker``, the engine, runs ``job(report)`` in a ``QThread``.  The job calls
``report(done, total)`` now and then; the call returns False once the user
has pressed Cancel, and the job then stops (core jobs raise
``InterruptedError``, which ``Worker`` reports as ``cancelled``).  The
signals are emitted from the worker thread and therefore reach the widgets
queued, on the user-interface thread.

SQLite: a job uses the store's engine from its own thread (the engine's pool
hands it its own connection); it never shares a session with the window.
A store may also be opened in a job and used by the window afterwards (the
pool hands a connection to one thread at a time).

The outcome is also kept on the worker (``outcome``, ``result``), for whoever
waits for the thread after the event loop has stopped delivering signals.

This module does not import the core: the window's frame uses it before
SQLAlchemy is loaded.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from xinjie_desktop.i18n import _

log = logging.getLogger(__name__)

STORE_MODULE = "xinjie_desktop.core.store.database"
# Errors whose text is written for the user (module, class): shown as they are, never as "could not be completed".
# Looked up among the modules already loaded: the window's frame uses this module before the core is imported.
USER_ERRORS = (
    (STORE_MODULE, "StoreError"),
    ("xinjie_desktop.core.rules.permissions", "PermissionRefused"),
    ("xinjie_desktop.core.records.accounts", "AccountError"),
    ("xinjie_desktop.core.store.keyring", "KeyringError"),
)


def is_for_the_user(error: BaseException) -> bool:
    """True when ``error``'s text is a message for the user (a refusal, a wrong password, a full disk)."""
    for module_name, class_name in USER_ERRORS:
        module = sys.modules.get(module_name)
        kind = getattr(module, class_name, None) if module is not None else None
        if isinstance(kind, type) and isinstance(error, kind):
            return True
    return False


Report = Callable[[int, int], bool]
Job = Callable[[Report], Any]


class Cancelled(Exception):
    """A job may raise this (or ``InterruptedError``) when ``report`` returned False."""


class Worker(QThread):
    progressed = Signal(int, int)  # done, total
    succeeded = Signal(object)  # the job's result
    failed = Signal(str)  # a message for the user
    cancelled = Signal()

    def __init__(self, job: Job, parent=None, then: Callable[[str], object] | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self._cancel = threading.Event()
        self.outcome: str | None = None  # "succeeded", "failed" or "cancelled" once the job is over
        self.result: Any = None
        self._then = then  # run_in_background's ``finished``
        if then is not None:
            self.finished.connect(self._ended)  # queued: this object lives in the window's thread

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
            self.outcome = "cancelled"
            self.cancelled.emit()
        except Exception as error:
            self.outcome = "failed"
            self.failed.emit(self._message(error))
        else:  # the job finished, so its work is saved even if Cancel came too late
            self.result, self.outcome = result, "succeeded"
            self.succeeded.emit(result)

    @staticmethod
    def _message(error: Exception) -> str:
        if is_for_the_user(error):
            return str(error)
        log.error("background job failed", exc_info=error)
        return _("The work could not be completed: {error}").format(error=error)

    def _ended(self) -> None:  # in the window's thread, after the outcome's own signal
        self.wait()  # "finished" is emitted just before the thread ends
        try:
            if self._then is not None:
                self._then(self.outcome or "failed")
        finally:
            # Out of the window before it is deleted later.  The callbacks connected to this worker's signals
            # hold the window (they are its methods and closures); they are let go while this worker is being
            # destroyed, so they may be the window's last holders: the window is then destroyed from inside this
            # worker's destructor, and a window deletes its children.  A worker still among them would be deleted
            # a second time, and its first destructor would go on with freed memory (a corrupted heap:
            # "malloc_consolidate(): unaligned fastbin chunk", or a crash in QObject::~QObject).
            self.setParent(None)
            self.deleteLater()


def _nothing(_outcome: str) -> None:
    pass


def run_in_background(
    parent: QObject | None,
    work: Job,
    *,
    success: Callable[[Any], object],
    failure: Callable[[str], object],
    progress: Callable[[int, int], object] | None = None,
    cancelled: Callable[[], object] | None = None,
    finished: Callable[[str], object] | None = None,
) -> Worker:
    """Start ``work(report)`` in a thread now; the callbacks run in the window's thread.

    ``success(result)`` when the work returns, ``failure(message)`` when it raises (the message is for
    the user; the error is logged), ``cancelled()`` when it stopped because ``report`` returned False
    (a job that stops of itself and returns what it did gets ``success``), ``progress(done, total)``
    at each report.  Then ``finished(outcome)`` ("succeeded", "failed" or "cancelled"), once the thread
    has ended.  The worker returned is deleted after that; drop any reference to it in ``finished``.
    """
    worker = Worker(work, parent, then=finished or _nothing)
    if progress is not None:
        worker.progressed.connect(progress)
    worker.succeeded.connect(success)
    worker.failed.connect(failure)
    if cancelled is not None:
        worker.cancelled.connect(cancelled)
    worker.start()
    return worker
