#!/usr/bin/env python3
"""Speed of the progress view (issue 18) with 100,000 households; prints one JSON object.

    .venv/bin/python scripts/benchmark_progress.py [--households 100000] [--repeat 5] [--store PATH] [--window]

The store is the benchmark's (``demo_data.generate``: 16 villages), made once, with relocation records added
by plain inserts to a tenth of its households (verification, plan, agreements, a quarter of them accepted,
some overdue), a notice of 2,000 households and open objections, so that every figure counts something.
Figures, each against a floor measured in the same run:
  compute        records.progress.compute: every figure per village and in total, against a raw sqlite3
                 ``SELECT village_id, count(*) … GROUP BY village_id`` over the household table (one pass)
  list_figure    the household list's count and first page filtered by one figure (demolition overdue, and
                 one flag), against the raw count + first page of the whole list
  window         (--window) the progress view's township page: computed and painted (table and charts),
                 target ≤ 300 ms
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
AS_OF = dt.date(2017, 6, 1)


def make_store(path: Path, households: int) -> None:
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.store.models import Base
    from xinjie_desktop.core.sync.workstore import open_store

    if not path.exists():
        store = open_store(path)
        demo_data.generate(store, 16, households, 1)
        store.close()
    with sqlite3.connect(path) as connection:
        if connection.execute("SELECT count(*) FROM relocation_verification").fetchone()[0]:
            return
    rng = random.Random(7)
    connection = sqlite3.connect(path)
    now = "2017-05-01 00:00:00"
    travelling = ("id", "created_at", "updated_at", "device_id", "sync_versions")

    def insert(table: str, rows: list[dict]) -> None:
        for column in Base.metadata.tables[table].columns:  # the model's defaults, as the ORM would fill them
            default = column.default
            if column.name not in rows[0] and default is not None and getattr(default, "is_scalar", False):
                for row in rows:
                    row[column.name] = default.arg  # type: ignore[union-attr]
        columns = list(rows[0])
        connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(row[c] for c in columns) for row in rows],
        )

    def base() -> dict:
        return dict(zip(travelling, (str(uuid.uuid4()), now, now, "bench", ""), strict=True))

    with connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM household ORDER BY id")]
        chosen = rng.sample(ids, len(ids) // 10)
        verifications, plans, agreements, acceptances, objections = [], [], [], [], []
        for n, household_id in enumerate(chosen):
            verifications.append({**base(), "household_id": household_id, "in_scope": 1})
            plans.append(
                {
                    **base(),
                    "household_id": household_id,
                    "parameters_version": "2017",
                    "inputs": "{}",
                    "results": "{}",
                    "compliant": 1,
                }
            )
            status = "draft" if n % 3 == 0 else "signed"
            agreement = {
                **base(),
                "household_id": household_id,
                "kind": "demolition",
                "number": f"B-{n}",
                "version": 1,
                "status": status,
                "template_version": "1",
                "content": "{}",
                "content_sha256": "",
                "demolition_deadline": dt.date(2017, 5, 1 + n % 60 // 2).isoformat(),
            }
            agreements.append(agreement)
            if status == "signed" and n % 4 == 1:
                acceptances.append(
                    {
                        **base(),
                        "household_id": household_id,
                        "agreement_id": agreement["id"],
                        "accepted_on": "2017-05-20",
                        "demolished_on": "2017-05-10",
                        "inspector": "x",
                        "old_certificate_returned": n % 8 == 1,
                        "new_certificate_number": "",
                        "reclamation": "farmland" if n % 12 == 1 else "",
                    }
                )
            if n % 50 == 0:
                objections.append({**base(), "household_id": household_id, "raised_on": "2017-04-01", "content": "x"})
        for table, rows in (
            ("relocation_verification", verifications),
            ("housing_plan", plans),
            ("agreement", agreements),
            ("demolition_acceptance", acceptances),
            ("objection", objections),
        ):
            insert(table, rows)
        village = connection.execute("SELECT village_id FROM household LIMIT 1").fetchone()[0]
        entries = [{"household_id": h, "result": "", "reason": ""} for h in ids[:2000]]
        insert(
            "public_notice",
            [
                {
                    **base(),
                    "village_id": village,
                    "subject": "identification",
                    "posting_round": 1,
                    "place": "x",
                    "start_date": "2017-03-01",
                    "end_date": "2017-03-08",
                    "objection_contact": "x",
                    "entries": json.dumps(entries),
                }
            ],
        )
    connection.close()


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def floor_group_by(path: Path) -> float:
    connection = sqlite3.connect(path)
    start = time.perf_counter()
    connection.execute("SELECT village_id, count(*) FROM household GROUP BY village_id").fetchall()
    took = time.perf_counter() - start
    connection.close()
    return took


def floor_list(path: Path) -> float:
    connection = sqlite3.connect(path)
    start = time.perf_counter()
    connection.execute("SELECT count(*) FROM household").fetchone()
    connection.execute(
        "SELECT id, head_name, head_id_number, actual_population, flags FROM household ORDER BY list_key, id LIMIT 200"
    ).fetchall()
    took = time.perf_counter() - start
    connection.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", type=Path, default=Path("/tmp/xinjie-progress-benchmark.sqlite"))
    parser.add_argument("--window", action="store_true")
    args = parser.parse_args()
    make_store(args.store, args.households)

    from xinjie_desktop.core.records import household_list, progress
    from xinjie_desktop.core.sync.workstore import open_store

    store = open_store(args.store)
    result: dict[str, object] = {"households": args.households}
    computed, floors = [], []
    for _ in range(args.repeat):
        floors.append(floor_group_by(args.store))
        start = time.perf_counter()
        found = progress.compute(store, AS_OF)
        computed.append(time.perf_counter() - start)
    result["compute_ms"] = median_ms(computed)
    result["group_by_floor_ms"] = median_ms(floors)
    result["compute_ratio"] = round(statistics.median(computed) / statistics.median(floors), 1)
    result["figures"] = {k: v for k, v in found.total.figures.items() if v}
    for key in ("demolition_overdue", "flag_below_line"):
        listed, floors = [], []
        for _ in range(args.repeat):
            floors.append(floor_list(args.store))
            with store.session() as session:
                start = time.perf_counter()
                household_list.first_page(
                    session, household_list.ListFilter(figure=progress.Selection(key, AS_OF)), 200
                )
                listed.append(time.perf_counter() - start)
        result[f"list_{key}_ms"] = median_ms(listed)
        result[f"list_{key}_floor_ms"] = median_ms(floors)
    if args.window:
        from PySide6.QtWidgets import QApplication

        from xinjie_desktop.qt.progress.progress_view import ProgressView

        app = QApplication.instance() or QApplication(sys.argv)
        drawn = []
        for _ in range(args.repeat):
            view = ProgressView(store, as_of=AS_OF)
            view.resize(1366, 768)
            start = time.perf_counter()
            view.refresh_now()
            view.grab()
            drawn.append(time.perf_counter() - start)
            view.deleteLater()
            app.processEvents()
        result["window_township_ms"] = median_ms(drawn)
    store.close()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
