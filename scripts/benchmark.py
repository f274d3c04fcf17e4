#!/usr/bin/env python3
"""Speed of the household list with 100,000 households; prints one JSON object.

    .venv/bin/python scripts/benchmark.py [--households 100000] [--repeat 7] [--store PATH]

Every figure comes with a floor measured in the same run, because absolute
times on shared machines drift:
  cold_start     process start → first painted main window, against a bare
                 PySide6 QMainWindow process (target ratio ≤ 1.5)
  open_list      main window over the store → list model counted and its first
                 screen of rows painted (target ≤ 300 ms), against a raw sqlite3
                 COUNT + first page on the same file
  filter_key     one keystroke in the name / ID filter → list recounted and
                 repainted (target median ≤ 50 ms), against the same raw query
  demo_data      generating the store, against a raw executemany of the same rows
  peak memory    ru_maxrss of the benchmark process and of the app's cold start
Runs with Qt offscreen; a display is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BARE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1280, 800)
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window:
            app.quit()
        return False
painted = Painted()
window.installEventFilter(painted)
window.show()
app.exec()
"""

APP = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from xinjie_desktop.qt.app import create_main_window, prepare_application
from xinjie_desktop.core.store import open_store
app = QApplication(sys.argv)
prepare_application(app, "zh_CN")
store = open_store(Path(sys.argv[1]))
window = create_main_window(store)
window.resize(1280, 800)
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window:
            app.quit()
        return False
painted = Painted()
window.installEventFilter(painted)
window.show()
app.exec()
"""


def timed_process(code: str, *args: str) -> tuple[float, int]:
    """Wall time of a whole Python process, and its peak resident memory (KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"benchmark subprocess failed with status {status}")
    return elapsed, usage.ru_maxrss


def raw_list_query(path: Path, text: str = "") -> float:
    """The floor: the list's count and first page with plain sqlite3."""
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    where, args = ("WHERE search_text LIKE ?", (f"%{text}%",)) if text else ("", ())
    connection.execute(f"SELECT count(*) FROM household {where}", args).fetchone()
    connection.execute(
        f"SELECT id, head_name, head_id_number, actual_population, flags FROM household {where} "
        "ORDER BY village_id, group_id, head_name, id LIMIT 200", args).fetchall()
    connection.close()
    return time.perf_counter() - start


def make_store(path: Path, households: int) -> dict:
    from xinjie_desktop.core import demo_data
    from xinjie_desktop.core.store import open_store

    start = time.perf_counter()
    store = open_store(path)
    demo_data.generate(store, 16, households, 1)
    store.close()
    generated = time.perf_counter() - start
    # floor: the same rows written by a raw executemany into a copy of the schema
    with sqlite3.connect(path) as source:
        households_rows = source.execute("SELECT * FROM household").fetchall()
        member_rows = source.execute("SELECT * FROM member").fetchall()
        schema = [row[0] for row in source.execute(
            "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
            "AND tbl_name IN ('household', 'member', 'township', 'village', 'villager_group')")]
    with tempfile.TemporaryDirectory() as folder:
        raw = sqlite3.connect(Path(folder) / "raw.sqlite")
        raw.execute("PRAGMA journal_mode=WAL")
        for statement in schema:
            raw.execute(statement)
        start = time.perf_counter()
        with raw:
            raw.executemany(f"INSERT INTO household VALUES ({','.join('?' * len(households_rows[0]))})", households_rows)
            raw.executemany(f"INSERT INTO member VALUES ({','.join('?' * len(member_rows[0]))})", member_rows)
        floor = time.perf_counter() - start
        raw.close()
    return {"households": households, "members": len(member_rows), "seconds": round(generated, 2),
            "raw_insert_floor_seconds": round(floor, 2), "ratio": round(generated / floor, 1)}


def in_process(path: Path, repeat: int) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from xinjie_desktop.core.store import open_store
    from xinjie_desktop.qt.app import create_main_window, prepare_application

    app = QApplication.instance() or QApplication(sys.argv)
    prepare_application(app, "zh_CN")
    store = open_store(path)
    opens = []
    for _ in range(repeat):
        start = time.perf_counter()
        window = create_main_window(store)
        window.resize(1280, 800)
        window.show()
        window.repaint()
        app.processEvents()
        opens.append(time.perf_counter() - start)
        window.close()
        window.deleteLater()
        app.processEvents()
    window = create_main_window(store)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    edit = window.filter_bar.text_edit
    view = window.table
    keys, floors = [], []
    with sqlite3.connect(path) as connection:
        names = [row[0] for row in connection.execute("SELECT head_name FROM household LIMIT 5 OFFSET 500")]
        numbers = [row[0] for row in connection.execute("SELECT head_id_number FROM household LIMIT 3 OFFSET 900")]
    words = names + [n[:10] for n in numbers]
    for word in words:
        edit.clear()
        window.filter_bar._apply_text_now()
        app.processEvents()
        for index in range(len(word)):
            QTest.keyClick(edit, word[index]) if word[index].isascii() else edit.insert(word[index])
            start = time.perf_counter()
            window.filter_bar._apply_text_now()  # what the typing pause would trigger
            view.viewport().repaint()
            app.processEvents()
            keys.append(time.perf_counter() - start)
            floors.append(raw_list_query(path, word[: index + 1]))
    edit.clear()
    rows_found = window.model.rowCount()
    store.close()
    open_floor = statistics.median(raw_list_query(path) for _ in range(repeat))
    return {
        "open_list_ms": {"median": round(statistics.median(opens) * 1000, 1), "target": 300,
                         "raw_sqlite_floor_ms": round(open_floor * 1000, 1),
                         "ratio": round(statistics.median(opens) / open_floor, 1)},
        "filter_keystroke_ms": {"median": round(statistics.median(keys) * 1000, 1), "target": 50,
                                "p90": round(sorted(keys)[int(len(keys) * 0.9)] * 1000, 1),
                                "keystrokes": len(keys),
                                "raw_sqlite_floor_ms": round(statistics.median(floors) * 1000, 1),
                                "ratio": round(statistics.median(keys) / statistics.median(floors), 1)},
        "rows_after_clearing_filter": rows_found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--store", type=Path, help="reuse this store (made if missing)")
    args = parser.parse_args()
    path = args.store or Path(tempfile.gettempdir()) / f"xinjie-benchmark-{args.households}.sqlite"
    result: dict = {"households": args.households}
    if not path.exists():
        result["demo_data"] = make_store(path, args.households)
    bare, app, app_memory = [], [], []
    for _ in range(args.repeat):
        bare.append(timed_process(BARE)[0])
        seconds, memory = timed_process(APP, str(path))
        app.append(seconds)
        app_memory.append(memory)
    result["cold_start_s"] = {"median": round(statistics.median(app), 3),
                              "bare_pyside6_window_s": round(statistics.median(bare), 3),
                              "ratio": round(statistics.median(app) / statistics.median(bare), 2), "target_ratio": 1.5,
                              "peak_memory_mib": round(max(app_memory) / 1024, 1)}
    result.update(in_process(path, args.repeat))
    result["benchmark_peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
