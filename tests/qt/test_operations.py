"""The one background-operation wrapper (qt/shell/operations.py): one call states the work, its
progress, cancel, success and failure; the window's thread gets every callback, the user never a
traceback, and the thread is waited for and deleted once the job is over."""

from __future__ import annotations

import threading

from xinjie_desktop.core.store.database import StoreError
from xinjie_desktop.qt.shell.operations import run_in_background


class Calls:
    def __init__(self) -> None:
        self.log: list[tuple] = []
        self.threads: set[int] = set()

    def record(self, name):
        def callback(*args):
            self.threads.add(threading.get_ident())
            self.log.append((name, *args))

        return callback


def start(qtbot, work, calls: Calls, *, cancel_once_started: bool = False):
    """Run ``work`` through the wrapper, recording every callback, until it has finished.  With
    ``cancel_once_started`` the work waits until Cancel has been pressed (its progress is not recorded)."""
    started, may_go_on = threading.Event(), threading.Event()

    def gated(report):
        started.set()
        may_go_on.wait(5)
        return work(report)

    worker = run_in_background(
        None,
        gated if cancel_once_started else work,
        success=calls.record("success"),
        failure=calls.record("failure"),
        progress=None if cancel_once_started else calls.record("progress"),
        cancelled=calls.record("cancelled"),
        finished=calls.record("finished"),
    )
    if cancel_once_started:
        assert started.wait(5)
        worker.cancel()
        may_go_on.set()
    qtbot.waitUntil(lambda: bool(calls.log) and calls.log[-1][0] == "finished", timeout=5000)
    return worker


def test_success_reports_progress_then_the_result_then_the_end_in_the_windows_thread(qtbot, prepared_app):
    worker_threads = set()

    def work(report):
        worker_threads.add(threading.get_ident())
        for done in range(3):
            assert report(done, 2)
        return "three steps"

    calls = Calls()
    start(qtbot, work, calls)
    assert calls.log == [
        ("progress", 0, 2),
        ("progress", 1, 2),
        ("progress", 2, 2),
        ("success", "three steps"),
        ("finished", "succeeded"),
    ]
    assert calls.threads == {threading.get_ident()}  # every callback in the window's thread
    assert worker_threads and worker_threads.isdisjoint(calls.threads)  # the work in another


def test_a_failure_is_a_message_for_the_user_never_a_traceback(qtbot, prepared_app):
    def work(_report):
        raise ValueError("the disk went away")

    calls = Calls()
    start(qtbot, work, calls)
    assert calls.log == [
        ("failure", "The work could not be completed: the disk went away"),
        ("finished", "failed"),
    ]
    assert "Traceback" not in calls.log[0][1]


def test_a_store_error_reaches_the_user_as_it_was_worded(qtbot, prepared_app):
    def work(_report):
        raise StoreError("Not saved: the disk holding the data file is full.")

    calls = Calls()
    start(qtbot, work, calls)
    assert calls.log[0] == ("failure", "Not saved: the disk holding the data file is full.")


def test_cancel_stops_the_job_at_its_next_report(qtbot, prepared_app):
    reports = []

    def work(report):
        for done in range(1000):
            if not report(done, 1000):
                reports.append(done)
                raise InterruptedError("cancelled")
        return "all done"

    calls = Calls()
    start(qtbot, work, calls, cancel_once_started=True)
    assert calls.log == [("cancelled",), ("finished", "cancelled")]
    assert reports == [0]  # the first report after Cancel stopped it


def test_a_job_that_ends_without_noticing_cancel_keeps_its_result(qtbot, prepared_app):
    def work(_report):
        return 42  # never reports: Cancel came too late, the work is done (and saved)

    calls = Calls()
    start(qtbot, work, calls, cancel_once_started=True)
    assert calls.log == [("success", 42), ("finished", "succeeded")]


# A window whose last holders are its finished job's callbacks (a dialog opened without a parent, the code that
# opened it gone): run in a process of its own, since the fault it guards against takes the interpreter down.
WINDOW_HELD_BY_ITS_JOB = """
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget
from xinjie_desktop.qt.shell.operations import run_in_background

app = QApplication([])
ended, destroyed = [], []

def open_window():
    window = QWidget()

    def show(result):  # a closure of the window, as a window's callbacks are
        window.setWindowTitle(result)

    worker = run_in_background(window, lambda _report: "read", success=show, failure=print, finished=ended.append)
    worker.destroyed.connect(lambda: destroyed.append("worker"))
    window.destroyed.connect(lambda: destroyed.append("window"))
    return window

window = open_window()
while not ended:
    QCoreApplication.processEvents()
del window
QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
print(sorted(destroyed), ended)
"""


def test_a_window_let_go_by_its_finished_job_is_destroyed_once_and_so_is_the_job(tmp_path):
    """The finished worker leaves its window before it is deleted later.  Its callbacks, let go while it is
    destroyed, may hold the window last; the window, destroyed then, must not delete the worker a second time
    (issue 18's roster window died of this: "malloc_consolidate(): unaligned fastbin chunk")."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "window_held_by_its_job.py"
    script.write_text(WINDOW_HELD_BY_ITS_JOB, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen", "PYTHONFAULTHANDLER": ""}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['window', 'worker'] ['succeeded']"
