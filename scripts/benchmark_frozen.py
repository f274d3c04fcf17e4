#!/usr/bin/env python3
"""Start time, size and peak memory of the packaged program (issue 6); prints one JSON object.

    .venv/bin/python scripts/benchmark_frozen.py [--households 20000] [--repeat 9] [--dist dist/xinjie-desktop]

What it does, in a work folder (default: a new temporary one):
  1. builds the program with packaging/build.sh (or takes an existing one-folder build: --dist),
     and a bare PySide6 window (QApplication + QMainWindow 1280 × 800, nothing else) built the same
     way: PyInstaller one-folder, stripped, the same Qt modules excluded — the floor;
  2. writes a demo store of --households households with the packaged program itself
     (``xinjie-desktop demo-data``, timed);
  3. starts each program --repeat times, alternating, and times process start → first paint of
     the main window (the packaged program is told by XINJIE_EXIT_AFTER_PAINT=window, see
     xinjie_desktop/qt/shell/paint_probe.py, to print the time of that paint and exit — the mechanism of
     scripts/benchmark.py's child processes);  target: median ratio ≤ 1.5;
  4. starts the packaged program --repeat times until its household list's first rows are painted
     on that store (XINJIE_EXIT_AFTER_PAINT=list) and takes its peak resident memory (ru_maxrss of
     the process, from wait4).  One run before the measured ones makes the day's backup, so that
     the measured runs do not include it.

Qt runs offscreen unless QT_QPA_PLATFORM says otherwise (xvfb-run with QT_QPA_PLATFORM=xcb times
the real X11 path).  The user's data folder is never used: HOME and XDG folders point into the work
folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The floor: scripts/benchmark.py's bare window, as a program of its own (this folder is on sys.path
# when run as a script).
from benchmark import BARE as BARE_WINDOW

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "xinjie-desktop.spec"

# Built "the same way": one folder, stripped, the Qt modules the application spec excludes, excluded, the same ICU data.
BARE_SPEC = r"""
import runpy
from pathlib import Path
app_spec = runpy.run_path({app_spec!r}, init_globals={{
    "SPECPATH": {app_spec_dir!r}, "workpath": workpath,
    "Analysis": lambda *a, **k: type("A", (), {{"pure": [], "scripts": [], "binaries": [], "datas": []}})(),
    "PYZ": lambda *a, **k: None, "EXE": lambda *a, **k: None, "COLLECT": lambda *a, **k: None}})
a = Analysis([{script!r}], excludes=[m for m in app_spec["excluded_modules"]() if m.startswith("PySide6.")])
a.binaries = app_spec["with_trimmed_icu"](app_spec["wanted_binaries"](a.binaries))
a.datas = app_spec["without_dangling_links"]([d for d in a.datas if app_spec["wanted_data"](d[0])], a.binaries)
pyz = PYZ(a.pure)
exe = EXE(pyz, a.scripts, [], exclude_binaries=True, name="bare-window", strip=True, upx=False, console=True)
coll = COLLECT(exe, a.binaries, a.datas, strip=True, upx=False, name="bare-window")
"""


def disk_mb(folder: Path) -> float:
    return round(sum(p.lstat().st_blocks * 512 for p in folder.rglob("*") if not p.is_symlink()) / 1024 / 1024, 1)


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "XINJIE_"))}
    home = work / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def build_app(work: Path) -> Path:
    subprocess.run([str(ROOT / "packaging" / "build.sh")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return ROOT / "dist" / "xinjie-desktop"


def build_bare(work: Path) -> Path:
    folder = work / "bare"
    folder.mkdir(exist_ok=True)
    script = folder / "bare_window.py"
    script.write_text(BARE_WINDOW, encoding="utf-8")
    spec = folder / "bare-window.spec"
    spec.write_text(
        BARE_SPEC.format(app_spec=str(SPEC), app_spec_dir=str(SPEC.parent), script=str(script)), encoding="utf-8"
    )
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--clean",
            "--log-level",
            "ERROR",
            "--distpath",
            str(folder / "dist"),
            "--workpath",
            str(folder / "build"),
            str(spec),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder / "dist" / "bare-window"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Process start → the paint the program reports (wall clock), and its peak resident memory (KiB)."""
    start = time.time()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status != 0 or not output.strip():
        raise SystemExit(f"{command[0]} failed (status {status}): {output!r}")
    return float(output.split()[-1]) - start, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--dist", type=Path, help="an existing one-folder build (default: build one now)")
    parser.add_argument("--work", type=Path, help="work folder, kept (default: a temporary one, removed)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="xinjie-benchmark-frozen-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        env = environment(work)
        result: dict = {"households": args.households, "platform": env["QT_QPA_PLATFORM"]}
        app = args.dist.resolve() if args.dist else build_app(work)
        bare = build_bare(work)
        result["size_mb"] = {"app": disk_mb(app), "bare_pyside6_window": disk_mb(bare), "budget": 150}
        executable = str(app / "xinjie-desktop")

        store = work / "store" / "benchmark.sqlite"
        store.parent.mkdir(exist_ok=True)
        started = time.perf_counter()
        subprocess.run(
            [
                executable,
                "demo-data",
                "--db",
                str(store),
                "--villages",
                "16",
                "--households",
                str(args.households),
                "--seed",
                "1",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        result["demo_data_s"] = round(time.perf_counter() - started, 1)

        window_env = {**env, "XINJIE_EXIT_AFTER_PAINT": "window"}
        list_env = {**env, "XINJIE_EXIT_AFTER_PAINT": "list"}
        timed([executable, "--db", str(store)], list_env)  # warm-up: the day's backup is made here
        floors, starts, lists, memory = [], [], [], []
        for _ in range(args.repeat):
            floors.append(timed([str(bare / "bare-window")], env)[0])
            starts.append(timed([executable, "--db", str(store)], window_env)[0])
            seconds, peak = timed([executable, "--db", str(store)], list_env)
            lists.append(seconds)
            memory.append(peak)
        floor = statistics.median(floors)
        result["cold_start_s"] = {
            "median": round(statistics.median(starts), 3),
            "bare_pyside6_window_s": round(floor, 3),
            "ratio": round(statistics.median(starts) / floor, 2),
            "target_ratio": 1.5,
            "runs": [round(s, 3) for s in starts],
            "bare_runs": [round(s, 3) for s in floors],
        }
        result["cold_start_to_list_s"] = {
            "median": round(statistics.median(lists), 3),
            "ratio": round(statistics.median(lists) / floor, 2),
        }
        result["peak_memory_mib"] = {
            "to_list_max": round(max(memory) / 1024, 1),
            "to_list_median": round(statistics.median(memory) / 1024, 1),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
