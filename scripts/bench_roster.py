"""What comparing the national system's roster costs (issue 18): a roster of 100,000 rows read, validated and
compared with the township's store, against a plain read of the same file in the same run with openpyxl's
read-only mode and with python-calamine (every cell visited, nothing checked).  Prints figures; never a test.

    .venv/bin/python scripts/bench_roster.py [--rows 100000] [--folder /tmp/xinjie-bench-roster] [--repeat 1]

The store is demo data (``demo_data.generate``) large enough that the township's own roster (``roster export``)
has at least ``--rows`` rows; the file compared is that whole roster with one household's population changed
(the difference the comparison must find).  Both are kept in ``--folder`` for the next run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import openpyxl  # noqa: E402
import python_calamine  # noqa: E402

from xinjie_desktop.core.documents import roster_workbook  # noqa: E402
from xinjie_desktop.core.records import demo_data, national_roster  # noqa: E402
from xinjie_desktop.core.rules import roster_compare  # noqa: E402
from xinjie_desktop.core.sync.workstore import open_store  # noqa: E402

ROWS_PER_HOUSEHOLD = 2.1  # demo data: the households entered into the national system, their actual members


def prepare(folder: Path, rows: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"town-{rows}.sqlite"
    roster = folder / f"roster-{rows}.xlsx"
    if not db.exists():
        households = int(rows / ROWS_PER_HOUSEHOLD * 1.05) + 100
        print(f"making the store: {households} demo households …", flush=True)
        store = open_store(db)
        demo_data.generate(store, 12, households, seed=18)
        store.close()
    if not roster.exists():
        store = open_store(db, create=False)
        headers, exported = national_roster.export_rows(store)
        store.close()
        if len(exported) < rows:  # one data set, so that every household's national number is its own
            sys.exit(f"the store's roster has {len(exported)} rows, fewer than {rows}: remove {db} and run again")
        first = exported[0][4]
        for row in exported:
            if row[4] == first:
                row[8] = row[8] + 1  # one edit the comparison must find: the first household's population
        roster.write_bytes(roster_workbook.roster_bytes("benchmark roster", headers, exported))
    return db, roster


def timed(what, repeat: int):
    best = None
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = what()
        spent = time.perf_counter() - start
        best = spent if best is None else min(best, spent)
    return best, result


def plain_openpyxl(path: Path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for row in book.worksheets[0].iter_rows(values_only=True) for _cell in row)
    finally:
        book.close()


def plain_calamine(path: Path) -> int:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return sum(len(row) for row in book.get_sheet_by_index(0).iter_rows())
    finally:
        book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/xinjie-bench-roster"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is shown")
    args = parser.parse_args()
    db, roster = prepare(args.folder, args.rows)
    print(f"roster: {roster} ({roster.stat().st_size / 1e6:.1f} MB)")

    store = open_store(db, create=False)
    try:
        whole_s, _whole = timed(lambda: national_roster.compare_file(store, roster), args.repeat)
        compare_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the other reads
        read_s, read = timed(lambda: national_roster.read(roster), args.repeat)
        here_s, here = timed(lambda: national_roster.here_households(store), args.repeat)
        compare_s, found = timed(lambda: roster_compare.compare(read.people, here), args.repeat)
    finally:
        store.close()
    plain_o, cells_o = timed(lambda: plain_openpyxl(roster), args.repeat)
    plain_c, cells_c = timed(lambda: plain_calamine(roster), args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rows read: {len(read.people)} people, {found.national_households} households; store: {len(here)} households"
    )
    print(
        f"differences found: {len(found.differences)} {[(d.field, d.household_number) for d in found.differences[:5]]}"
    )
    print(f"plain read, openpyxl read-only:    {plain_o:8.2f} s  ({cells_o} cells)")
    print(f"plain read, python-calamine:       {plain_c:8.2f} s  ({cells_c} cells)")
    print(f"roster read and validated:         {read_s:8.2f} s")
    print(f"  the store's households read:     {here_s:8.2f} s")
    print(f"  the comparison itself:           {compare_s:8.2f} s")
    print(f"whole compare (read+store+compare): {whole_s:7.2f} s")
    print(f"ratio whole compare / plain openpyxl read-only: {whole_s / plain_o:.2f}")
    print(f"ratio whole compare / plain calamine read:      {whole_s / plain_c:.2f}")
    print(f"ratio plain openpyxl / plain calamine:          {plain_o / plain_c:.1f}")
    print(f"peak resident memory after the whole compare: {compare_peak_mb:.0f} MB; at the end: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
