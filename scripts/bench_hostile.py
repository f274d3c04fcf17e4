"""What refusing a hostile bundle costs (issue 13, case 12): time and peak memory of ``bundle import`` at the
township refusing each bundle of ``tests/hostile_bundles.py`` (a zip bomb in changes.tsv signed by a key that
is not the laptop's; one the laptop signed whose part is larger than its manifest declares; a manifest that
is itself a zip bomb), each in a process of its own, against refusing a small damaged bundle.

    .venv/bin/python scripts/bench_hostile.py [--gib 1] [--folder /tmp/xinjie-bench-hostile]

``--gib``: what each hostile part inflates to (at most 3: the archives are written without ZIP64).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from builders import family_draft  # noqa: E402
from hostile_bundles import KINDS, hostile  # noqa: E402
from sync_world import World, group_of  # noqa: E402
from xinjie_desktop.core.records import households  # noqa: E402
from xinjie_desktop.core.sync import bundle_format, checking  # noqa: E402

MEASURE = (
    "import resource, runpy, sys; sys.argv = sys.argv[1:]\n"
    "try:\n    runpy.run_module('xinjie_desktop.main', run_name='__main__')\n"
    "finally:\n    print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def refuse(db: Path, path: Path) -> tuple[int, float, int, str]:
    """Exit code, seconds, peak resident memory (KiB) and the last line of stderr of importing ``path``."""
    command = [sys.executable, "-c", MEASURE, "xinjie", "--lang", "en", "bundle", "import", "--db", str(db), str(path)]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    seconds = time.perf_counter() - start
    lines = run.stderr.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("PEAK "))
    reason = next((line for line in lines if not line.startswith("PEAK ")), "")
    return run.returncode, seconds, peak, reason


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/xinjie-bench-hostile"))
    args = parser.parse_args()
    size = int(args.gib * 1024**3)
    shutil.rmtree(args.folder, ignore_errors=True)
    world = World(args.folder)
    qingshan = world.laptop(0)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    (bundle,) = world.export(qingshan)
    damaged = args.folder / "damaged.xjb"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    damaged.write_bytes(bytes(data))
    made = {}
    for index, kind in enumerate(KINDS):
        made[kind] = hostile(world.township, qingshan, bundle, args.folder / f"hostile-{index}.xjb", kind, size)
    timed = {}
    for kind, path in made.items():  # the refusal alone, in this process (the command line starts Python first)
        start = time.perf_counter()
        try:
            checking.read(world.township, path)
        except bundle_format.SyncError:
            timed[kind] = time.perf_counter() - start
    db = world.township.path
    world.close()
    code, seconds, base, reason = refuse(db, damaged)
    print(
        f"small damaged bundle ({damaged.stat().st_size:,} bytes): exit {code}, {seconds:.2f} s, peak {base / 1024:.0f} MiB"
    )
    for kind, path in made.items():
        code, seconds, peak, reason = refuse(db, path)
        print(
            f"{kind} ({path.stat().st_size:,} bytes, a part inflating to {size / 1024**3:g} GiB): exit {code}, "
            f"{seconds:.2f} s (the refusal alone {timed.get(kind, float('nan')):.3f} s), peak {peak / 1024:.0f} MiB "
            f"({(peak - base) / 1024:+.0f} MiB)\n    {reason[:160]}"
        )


if __name__ == "__main__":
    main()
