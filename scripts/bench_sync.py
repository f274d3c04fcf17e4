"""Benchmark of sync by USB bundles (issue 5): 12 village laptops × 2,000 households.

Prints: export time per laptop (median), bundle size per 1,000 households, the township's import
of all 12 bundles against a raw SQLite bulk insert of the same rows measured in the same run (the
floor: ``executemany`` into an empty store of the same schema, one transaction; each import and
floor timed ``--runs`` times, alternating, medians printed), the time to import an
already-imported bundle again, and peak memory of the importing process.  With ``--encrypted`` (issue 17) each
run also imports the same bundles into the same township store encrypted (SQLCipher, ``database.encrypt_store``)
and times a raw insert into an encrypted empty store; the encrypted import's ratio is against the same clear floor.

    .venv/bin/python scripts/bench_sync.py [--laptops 12] [--households 2000] [--runs 3] [--encrypted] [--folder /tmp/xinjie-bench-sync]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from xinjie_desktop.core.records import demo_data, township
from xinjie_desktop.core.store import cipher, database, keyring
from xinjie_desktop.core.sync import device, exporting, importing
from xinjie_desktop.core.sync.workstore import open_store


def build(folder: Path, laptops: int, households: int) -> tuple[Path, list[Path], list[float], list[int]]:
    stick = folder / "stick"
    stick.mkdir(parents=True)
    town = open_store(folder / "township.sqlite")
    township.set_up(
        town, "辛街乡", "指挥部", {f"第{i + 1}村": ["第一村民小组", "第二村民小组"] for i in range(laptops)}
    )
    with town.session() as session:
        villages = session.execute(text("SELECT id FROM village ORDER BY name")).scalars().all()
    stores = []
    for index in range(laptops):
        laptop = open_store(folder / f"laptop-{index}.sqlite")
        asked = device.write_request(laptop, stick / f"r{index}.json")
        device.provision(
            town,
            f"第{index + 1}村笔记本",
            [villages[index]],
            stick / f"p{index}.json",
            request=asked,
            fingerprint=asked.fingerprint,
        )
        device.accept_provisioning(
            laptop, stick / f"p{index}.json", township_fingerprint=device.identity(town).fingerprint
        )
        importing.import_bundles(town, [r.path for r in exporting.export(laptop, stick)])
        stores.append(laptop)
    for result in exporting.export(town, stick):
        laptop = next(s for s in stores if s.device_id == result.peer.device_id)
        importing.import_bundles(laptop, [result.path])
    out = folder / "usb"
    out.mkdir()
    paths, export_times, sizes = [], [], []
    for index, laptop in enumerate(stores):
        started = time.perf_counter()
        demo_data.add_households(laptop, households, seed=1000 + index)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        (result,) = exporting.export(laptop, out)
        export_times.append(time.perf_counter() - started)
        paths.append(result.path)
        sizes.append(result.size)
        print(
            f"  laptop {index + 1:2d}: {households} households generated in {generated:.1f} s, "
            f"exported in {export_times[-1]:.2f} s, {result.size / 1e6:.2f} MB",
            flush=True,
        )
        laptop.close()
    town.close()
    return folder / "township.sqlite", paths, export_times, sizes


def import_all(store_path: str, paths: list[str], key: bytes | None = None) -> None:
    """In a process of its own, so that its peak memory is the import's."""
    store = open_store(store_path, key=key)
    started = time.perf_counter()
    results = importing.import_bundles(store, [Path(p) for p in paths])
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = importing.import_bundles(store, [Path(paths[0])])
    reimport = time.perf_counter() - started
    assert again[0].already is not None
    applied = sum(r.outcome.applied for r in results)
    store.close()
    print(json.dumps({"seconds": elapsed, "reimport": reimport, "applied": applied, "peak_mib": peak_mib()}))


def peak_mib() -> float:
    """This process's peak resident memory.  On Linux from /proc (the high-water mark of this program's
    own memory: ``ru_maxrss`` also counts what the parent held when it forked this process)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_floor(
    township_path: Path,
    folder: Path,
    tables: list[str],
    name: str,
    search_index: bool = True,
    key: bytes | None = None,
) -> tuple[float, int]:
    """executemany of the rows of ``tables`` the import left in the township's store, into an empty
    store of the same schema (one transaction, ``synchronous=FULL`` as the import commits).
    ``search_index=False``: without the triggers that keep the households' search index (migration 0011), as
    the floor was before that index existed (the import's ratio against it compares with earlier sessions)."""
    empty = folder / f"{name}.sqlite"
    for suffix in ("", "-wal", "-shm", ".device"):  # an earlier run's (--reuse)
        Path(f"{empty}{suffix}").unlink(missing_ok=True)
    open_store(empty, key=key).close()
    if not search_index:
        plain = sqlite3.connect(empty)
        for (trigger,) in plain.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'household_search%'"
        ):
            plain.execute(f"DROP TRIGGER {trigger}")
        plain.commit()
        plain.close()
    source = cipher.connect(str(township_path), key)
    rows = {t: source.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    columns = {t: [r[1] for r in source.execute(f"PRAGMA table_info({t})")] for t in tables}
    source.close()
    target = cipher.connect(str(empty), key, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=FULL")
    target.execute("PRAGMA foreign_keys=OFF")
    target.execute("DELETE FROM change_log")  # the empty store's own journal of its setting up
    target.execute("DELETE FROM audit_record")  # and its record of who did what
    started = time.perf_counter()
    target.execute("BEGIN")
    for table in tables:
        marks = ",".join("?" * len(columns[table]))
        target.executemany(f"INSERT INTO {table} ({','.join(columns[table])}) VALUES ({marks})", rows[table])
    target.execute("COMMIT")
    elapsed = time.perf_counter() - started
    target.close()
    return elapsed, sum(len(r) for r in rows.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laptops", type=int, default=12)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/xinjie-bench-sync"))
    parser.add_argument("--runs", type=int, default=3, help="imports (and floors) timed; medians are printed")
    parser.add_argument("--encrypted", action="store_true", help="also import into the township store encrypted")
    parser.add_argument(
        "--reuse", action="store_true", help="time the bundles and township store an earlier run left in --folder"
    )
    parser.add_argument("--import-only", nargs="+")
    parser.add_argument("--key", help="(--import-only) the data key of the encrypted store, hex")
    args = parser.parse_args()
    if args.import_only:
        import_all(args.import_only[0], args.import_only[1:], bytes.fromhex(args.key) if args.key else None)
        return
    before = args.folder / "township-before-import.sqlite"
    if args.reuse:
        town_path, paths = args.folder / "township.sqlite", sorted((args.folder / "usb").iterdir())
        export_times, sizes = [], [path.stat().st_size for path in paths]
        for suffix in ("", ".device"):  # the township as the earlier run built it, before any import
            shutil.copyfile(f"{before}{suffix}", f"{town_path}{suffix}")
        for leftover in ("-wal", "-shm", ".keys"):
            Path(f"{town_path}{leftover}").unlink(missing_ok=True)
        shutil.rmtree(args.folder / "backups", ignore_errors=True)
        print(f"{len(paths)} bundles of an earlier run", flush=True)
    else:
        shutil.rmtree(args.folder, ignore_errors=True)
        args.folder.mkdir(parents=True)
        print(f"{args.laptops} laptops × {args.households} households", flush=True)
        town_path, paths, export_times, sizes = build(args.folder, args.laptops, args.households)
        for suffix in ("", ".device"):  # to measure the import again: put both back at the same path
            shutil.copyfile(f"{town_path}{suffix}", f"{before}{suffix}")
    key = keyring.new_data_key() if args.encrypted else None
    encrypted_before = args.folder / "township-before-import-encrypted.sqlite"
    if key is not None:  # the same store encrypted, at the same path (its device identity stays)
        database.encrypt_store(town_path, key)
        shutil.copyfile(town_path, encrypted_before)
    runs, floors, stored_floors, bare_floors = [], [], [], []
    encrypted_runs: list[dict] = []
    encrypted_floors: list[float] = []
    records = ["household", "member", "income_worksheet", "workflow_step"]

    def timed_import(source: Path, data_key: bytes | None) -> dict:
        for suffix in ("-wal", "-shm"):
            Path(f"{town_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, town_path)
        shutil.copyfile(f"{before}.device", f"{town_path}.device")
        os.sync()  # files written out before anything is timed
        done = subprocess.run(
            [sys.executable, __file__, "--import-only", str(town_path), *map(str, paths)]
            + (["--key", data_key.hex()] if data_key else []),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    for run in range(args.runs):  # import and floors alternate, so that both see the machine alike
        if key is not None:
            encrypted_runs.append(timed_import(encrypted_before, key))
            os.sync()
            encrypted_floors.append(raw_floor(town_path, args.folder, records, f"floor-encrypted-{run}", key=key)[0])
        runs.append(timed_import(before, None))
        os.sync()
        floor, floor_rows = raw_floor(town_path, args.folder, records, f"floor-{run}")
        bare, _rows = raw_floor(town_path, args.folder, records, f"floor-bare-{run}", search_index=False)
        bare_floors.append(bare)
        stored, stored_rows = raw_floor(
            town_path, args.folder, [*records, "change_log", "audit_record"], f"floor-with-journal-{run}"
        )
        floors.append(floor)
        stored_floors.append(stored)
        print(
            f"  run {run + 1}: import {runs[-1]['seconds']:.2f} s, floor {floor:.2f} s, "
            f"floor with the journal {stored:.2f} s, floor without the search index {bare:.2f} s"
            + (
                f"; encrypted: import {encrypted_runs[-1]['seconds']:.2f} s, floor {encrypted_floors[-1]:.2f} s"
                if key is not None
                else ""
            ),
            flush=True,
        )
    measured = {
        **runs[-1],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_mib": max(r["peak_mib"] for r in runs),
    }
    floor, stored = statistics.median(floors), statistics.median(stored_floors)
    ratios = [r["seconds"] / f for r, f in zip(runs, floors, strict=True)]  # one floor a run
    print()
    if export_times:
        print(
            f"export per laptop (median of {len(export_times)}): {statistics.median(export_times):.2f} s "
            f"(min {min(export_times):.2f}, max {max(export_times):.2f})"
        )
    print(
        f"bundle size: {statistics.median(sizes) / 1e6:.2f} MB per laptop, "
        f"{statistics.median(sizes) / args.households * 1000 / 1e6:.2f} MB per 1,000 households"
    )
    print(
        f"township import of all {len(paths)} bundles: {measured['seconds']:.2f} s, median of {len(runs)} "
        f"({measured['applied']} changes)"
    )
    print(f"raw SQLite bulk insert of the same {floor_rows} rows (floor, same runs): {floor:.2f} s, median")
    print(
        f"ratio import / floor: {measured['seconds'] / floor:.2f} (target ≤ 3; per run "
        f"{', '.join(f'{ratio:.2f}' for ratio in ratios)})"
    )
    bare = statistics.median(bare_floors)
    print(
        f"the same without the households' search index (migration 0011; the floor of earlier sessions): "
        f"{bare:.2f} s; ratio import / that: {measured['seconds'] / bare:.2f}"
    )
    print(
        f"raw SQLite bulk insert of the records, the journal and the record of who did what the import stores "
        f"({stored_rows} rows): "
        f"{stored:.2f} s; ratio import / that: {measured['seconds'] / stored:.2f}"
    )
    if key is not None:
        seconds = statistics.median(r["seconds"] for r in encrypted_runs)
        ratios = [r["seconds"] / f for r, f in zip(encrypted_runs, floors, strict=True)]
        print(
            f"the same import into the township store encrypted (SQLCipher): {seconds:.2f} s, median of "
            f"{len(encrypted_runs)}; ratio encrypted import / the same clear floor: {seconds / floor:.2f} "
            f"(target ≤ 3; per run {', '.join(f'{ratio:.2f}' for ratio in ratios)}); encrypted / clear import: "
            f"{seconds / measured['seconds']:.2f}; raw insert into an encrypted store "
            f"{statistics.median(encrypted_floors):.2f} s; peak "
            f"{max(r['peak_mib'] for r in encrypted_runs):.0f} MiB"
        )
    print(f"re-import of an already-imported bundle: {measured['reimport']:.3f} s (target ≤ 0.5 s)")
    print(f"peak memory of the importing process: {measured['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
