#!/usr/bin/env python3
"""Speed of the household list with 100,000 households; prints one JSON object.

    .venv/bin/python scripts/benchmark.py [--households 100000] [--repeat 7] [--store PATH]

Every figure comes with a floor measured in the same run, because absolute
times on shared machines drift:
  cold_start     (the package's modules compiled first, as installed: compiled_package)
                 process start → first painted main window, against a bare
                 PySide6 QMainWindow process (target ratio ≤ 1.5); the app
                 process starts the way ``xinjie-desktop`` does (qt.shell.app.start:
                 the frame with its "opening the data file" page is painted
                 first, the store is opened behind it)
  cold_start_to_list
                 process start → the store opened (a store closed cleanly: a
                 check of what opening reads; the whole file is checked after
                 an unclean shutdown and weekly, behind the list), the
                 household list filled and its first rows painted, against the
                 same bare window; list_after_window_s is the median time from
                 the app's first paint to its list (target ≤ 1 s)
  open_list      main window over the store → list model counted and its first
                 screen of rows painted (target ≤ 300 ms), against a raw sqlite3
                 COUNT + first page on the same file
  filter_key     one keystroke in the name / ID filter → list recounted and
                 repainted (target median ≤ 50 ms), against the same raw query
                 (a LIKE scan: the floor; target ratio ≤ 0.5 through the FTS5
                 trigram index of migration 0011), also split into filters of
                 one or two characters (LIKE's, on the narrow copy) and longer
  demo_data      generating the store, against a raw executemany of the same rows
  peak memory    ru_maxrss of the benchmark process and of the app's cold start
  encrypted      (--encrypted, issue 17) open_list and filter_keystroke again on
                 the same store encrypted (SQLCipher; made once beside it by
                 database.encrypt_store), in the same run: each figure's ratio
                 to the clear store's (target ≤ 1.3); --list-only leaves the
                 cold starts out
Runs with Qt offscreen; a display is not needed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Each child prints the wall-clock time (time.time()) at the paint it waits for; the parent
# takes its own time.time() just before starting it.  So interpreter start-up, imports and
# everything up to that paint count, and shutting the process down afterwards does not.
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
            print(repr(time.time()), flush=True)
            app.quit()
        return False
painted = Painted()
window.installEventFilter(painted)
window.show()
app.exec()
"""

# The real start: qt.shell.app.start paints the frame and opens the store behind it (as run() does).
APP = r"""
import sys, time
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from xinjie_desktop.qt.shell.app import start
app = QApplication(sys.argv)
until = sys.argv[2]  # "window": the first paint of the main window; "list": its list's first rows painted
class Painted(QObject):
    target = None
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is self.target and self.ready():
            print(repr(time.time()), flush=True)
            app.quit()
        return False
    def ready(self):
        return until == "window" or shell.window.model.rowCount() > 0
painted = Painted()
def workspace_installed(workspace):
    painted.target = workspace.table.viewport()
    painted.target.installEventFilter(painted)
shell = None
if until == "list":
    from xinjie_desktop.qt.shell import main_window
    original_init = main_window.MainWindow.__init__
    def init(self, *args, **kwargs):  # watch for the workspace before start() shows the window
        original_init(self, *args, **kwargs)
        self.workspace_installed.connect(workspace_installed)
    main_window.MainWindow.__init__ = init
shell = start(app, Path(sys.argv[1]), "zh_CN")
shell.window.resize(1280, 800)
if until == "window":
    painted.target = shell.window
    shell.window.installEventFilter(painted)
code = app.exec()
shell.close()
sys.exit(code)
"""


def timed_process(code: str, *args: str) -> tuple[float, int]:
    """Process start → the paint the child reports (wall clock), and the child's peak resident memory (KiB)."""
    start = time.time()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status != 0 or not output.strip():
        raise SystemExit(f"benchmark subprocess failed with status {status}")
    return float(output.split()[0]) - start, usage.ru_maxrss


def raw_list_query(path: Path, text: str = "", key: bytes | None = None) -> float:
    """The floor: the list's count and first page with plain sqlite3 (SQLCipher for an encrypted store)."""
    from xinjie_desktop.core.store import cipher

    start = time.perf_counter()
    connection = cipher.connect(str(path), key)
    where, args = ("WHERE search_text LIKE ?", (f"%{text}%",)) if text else ("", ())
    connection.execute(f"SELECT count(*) FROM household {where}", args).fetchone()
    connection.execute(
        f"SELECT id, head_name, head_id_number, actual_population, flags FROM household {where} "
        "ORDER BY list_key, id LIMIT 200",
        args,
    ).fetchall()
    connection.close()
    return time.perf_counter() - start


def make_store(path: Path, households: int) -> dict:
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.sync.workstore import open_store

    start = time.perf_counter()
    store = open_store(path)
    demo_data.generate(store, 16, households, 1)
    store.close()
    generated = time.perf_counter() - start
    # floor: the same rows written by a raw executemany into a copy of the schema
    with sqlite3.connect(path) as source:
        households_rows = source.execute("SELECT * FROM household").fetchall()
        member_rows = source.execute("SELECT * FROM member").fetchall()
        schema = [
            row[0]
            for row in source.execute(
                "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
                "AND tbl_name IN ('household', 'member', 'township', 'village', 'villager_group')"
            )
        ]
    with tempfile.TemporaryDirectory() as folder:
        raw = sqlite3.connect(Path(folder) / "raw.sqlite")
        raw.execute("PRAGMA journal_mode=WAL")
        for statement in schema:
            raw.execute(statement)
        start = time.perf_counter()
        with raw:
            raw.executemany(
                f"INSERT INTO household VALUES ({','.join('?' * len(households_rows[0]))})", households_rows
            )
            raw.executemany(f"INSERT INTO member VALUES ({','.join('?' * len(member_rows[0]))})", member_rows)
        floor = time.perf_counter() - start
        raw.close()
    return {
        "households": households,
        "members": len(member_rows),
        "seconds": round(generated, 2),
        "raw_insert_floor_seconds": round(floor, 2),
        "ratio": round(generated / floor, 1),
    }


def typed_words(connection) -> list[str]:
    """What the keystroke figure types: five heads' names and the first ten digits of three heads' ID numbers,
    taken from across the store as a day's searches would be (neighbouring households of the demo data share
    surnames and birthdays, which would make every later word a repeat of an earlier one)."""
    total = connection.execute("SELECT count(*) FROM household").fetchone()[0]

    def spread(column: str, how_many: int, start: int) -> list[str]:
        return [
            connection.execute(
                f"SELECT {column} FROM household ORDER BY rowid LIMIT 1 OFFSET ?",
                ((start + i * total // how_many) % total,),
            ).fetchone()[0]
            for i in range(how_many)
        ]

    return spread("head_name", 5, 500) + [number[:10] for number in spread("head_id_number", 3, 900)]


def in_process(path: Path, repeat: int, key: bytes | None = None) -> dict:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from xinjie_desktop.core.sync.workstore import open_store
    from xinjie_desktop.qt.shell.app import create_main_window, prepare_application

    app = QApplication.instance() or QApplication(sys.argv)
    prepare_application(app, "zh_CN")
    store = open_store(path, key=key)
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
    keys, floors, lengths = [], [], []
    from xinjie_desktop.core.store import cipher

    with contextlib.closing(cipher.connect(str(path), key)) as connection:
        words = typed_words(connection)
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
            while window.model.count_pending():  # the count that runs beside the first page: until it is in
                app.processEvents()
            keys.append(time.perf_counter() - start)
            floors.append(raw_list_query(path, word[: index + 1], key))
            lengths.append(index + 1)
    edit.clear()
    window.filter_bar._apply_text_now()
    app.processEvents()
    rows_found = window.model.rowCount()  # the whole list again: proves the filters were real
    store.close()
    open_floor = statistics.median(raw_list_query(path, "", key) for _ in range(repeat))
    return {
        "open_list_ms": {
            "median": round(statistics.median(opens) * 1000, 1),
            "target": 300,
            "raw_sqlite_floor_ms": round(open_floor * 1000, 1),
            "ratio": round(statistics.median(opens) / open_floor, 1),
        },
        "filter_keystroke_ms": {
            "median": round(statistics.median(keys) * 1000, 1),
            "target": 50,
            "p90": round(sorted(keys)[int(len(keys) * 0.9)] * 1000, 1),
            "keystrokes": len(keys),
            "raw_sqlite_floor_ms": round(statistics.median(floors) * 1000, 1),
            "ratio": round(statistics.median(keys) / statistics.median(floors), 2),
            "target_ratio": 0.5,
            **{
                f"{label}_ms": {
                    "keystrokes": len(picked),
                    "median": round(statistics.median(keys[i] for i in picked) * 1000, 1),
                    "raw_sqlite_floor_ms": round(statistics.median(floors[i] for i in picked) * 1000, 1),
                    "ratio": round(
                        statistics.median(keys[i] for i in picked) / statistics.median(floors[i] for i in picked), 2
                    ),
                }
                for label, picked in (
                    ("one_or_two_characters", [i for i, n in enumerate(lengths) if n < 3]),
                    ("three_or_more", [i for i, n in enumerate(lengths) if n >= 3]),
                )
                if picked
            },
        },
        "rows_listed_after_clearing_the_filter": rows_found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--store", type=Path, help="reuse this store (made if missing)")
    parser.add_argument("--encrypted", action="store_true", help="the list also on the store encrypted (issue 17)")
    parser.add_argument("--list-only", action="store_true", help="leave the cold starts out")
    args = parser.parse_args()
    path = args.store or Path(tempfile.gettempdir()) / f"xinjie-benchmark-{args.households}.sqlite"
    result: dict = {"households": args.households}
    if not path.exists():
        result["demo_data"] = make_store(path, args.households)
    bare, app, to_list, app_memory = [], [], [], []
    if not args.list_only:
        compiled_package()
    for _ in range(0 if args.list_only else args.repeat):
        bare.append(timed_process(BARE)[0])
        seconds, _memory = timed_process(APP, str(path), "window")
        app.append(seconds)
        seconds, memory = timed_process(APP, str(path), "list")
        to_list.append(seconds)
        app_memory.append(memory)
    if args.list_only:
        return list_figures(path, args, result)
    floor = statistics.median(bare)
    result["cold_start_s"] = {
        "median": round(statistics.median(app), 3),
        "bare_pyside6_window_s": round(floor, 3),
        "ratio": round(statistics.median(app) / floor, 2),
        "target_ratio": 1.5,
    }
    result["cold_start_to_list_s"] = {
        "median": round(statistics.median(to_list), 3),
        "bare_pyside6_window_s": round(floor, 3),
        "ratio": round(statistics.median(to_list) / floor, 2),
        "list_after_window_s": round(statistics.median(to_list) - statistics.median(app), 3),
        "target_list_after_window_s": 1.0,
        "peak_memory_mib": round(max(app_memory) / 1024, 1),
    }
    list_figures(path, args, result)


def compiled_package() -> None:
    """The package's modules compiled to bytecode beside them, as an installed program has them (the Windows build
    ships them compiled) and as any run but the first finds them: a cold start then times the program's own work,
    not compiling its sources (a fifth of a second, every start, where PYTHONDONTWRITEBYTECODE is set)."""
    import compileall

    import xinjie_desktop

    compileall.compile_dir(Path(xinjie_desktop.__file__).parent, quiet=1)


def encrypted_copy(path: Path) -> tuple[Path, bytes]:
    """The store encrypted (made once beside it, its data key in a file beside it: a benchmark's store only)."""
    from xinjie_desktop.core.store import database, keyring

    encrypted = path.with_name(f"{path.stem}-encrypted{path.suffix}")
    key_file = Path(f"{encrypted}.benchmark-key")
    if not (encrypted.exists() and key_file.exists()):
        key = keyring.new_data_key()
        shutil.copyfile(path, encrypted)
        database.encrypt_store(encrypted, key)
        key_file.write_text(key.hex())
    return encrypted, bytes.fromhex(key_file.read_text())


def list_figures(path: Path, args, result: dict) -> None:
    """The list's figures (open, filter), on the clear store and, with ``--encrypted``, on the same store encrypted,
    alternating (clear, encrypted, clear, encrypted…) so that both see the machine alike."""
    if not args.encrypted:
        result.update(in_process(path, args.repeat))
    else:
        encrypted, key = encrypted_copy(path)
        clear_runs, encrypted_runs = [], []
        for _ in range(2):
            clear_runs.append(in_process(path, args.repeat))
            encrypted_runs.append(in_process(encrypted, args.repeat, key))

        def median(runs: list[dict], figure: str, field: str = "median") -> float:
            return statistics.median(run[figure][field] for run in runs)

        result.update(clear_runs[-1])
        result["encrypted"] = {
            figure: {
                "clear_ms": median(clear_runs, figure),
                "encrypted_ms": median(encrypted_runs, figure),
                "ratio": round(median(encrypted_runs, figure) / median(clear_runs, figure), 2),
                "clear_raw_floor_ms": median(clear_runs, figure, "raw_sqlite_floor_ms"),
                "encrypted_raw_floor_ms": median(encrypted_runs, figure, "raw_sqlite_floor_ms"),
                "target_ratio": 1.3,
            }
            for figure in ("open_list_ms", "filter_keystroke_ms")
        }
    result["benchmark_peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
