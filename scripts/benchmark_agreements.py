#!/usr/bin/env python3
"""Benchmark (issue 4): all four agreements for 1,000 households, against a bare reportlab page.

Makes a store with 1,000 households in one village (demo data), saves a housing plan for each —
a third of them houses built before the key date above the limits with co-ownership way ①
or ② chosen, so they get the co-ownership agreement too — drafts every agreement, then renders
them all as one PDF (agreements.render_village).  In the same run it renders the same number
of bare pages: a reportlab canvas with the same embedded font and the same amount of Chinese text
per page, no layout.  Prints one JSON object: pages per second of both, their ratio (target ≥ 0.5),
and memory: the process's maximum resident set before and after rendering, and the batch's own
peak (the peak resident set is reset just before the batch where Linux allows it, and the peak
over what was resident before it is reported as the batch's growth).

    .venv/bin/python scripts/benchmark_agreements.py [--households 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from xinjie_desktop.core.documents.fonts import document_font
from xinjie_desktop.core.records import agreements, demo_data, housing_plans
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.store.models import Household, Township, Village
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.i18n import set_language

TODAY = dt.date(2017, 5, 2)


def bare_pages(path: Path, pages: int, lines: list[str]) -> float:
    """Seconds to write ``pages`` pages of ``lines`` with the embedded font, no layout at all."""
    font = document_font()
    started = time.perf_counter()
    canvas = Canvas(str(path), pagesize=A4, initialFontName=font)
    for _page in range(pages):
        canvas.setFont(font, 10.5)
        y = A4[1] - 60
        for line in lines:
            canvas.drawString(60, y, line)
            y -= 17
        canvas.showPage()
    canvas.save()
    return time.perf_counter() - started


def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak resident set (VmHWM) of this process to the current one (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def prepare(store, households: int) -> str:
    demo_data.generate(store, 1, households, seed=7)
    params = current()
    with store.unit_of_work() as session:
        session.scalar(select(Township)).representative = "段志强"
    with store.session() as session:
        village_id = session.scalar(select(Village.id))
        rows = session.execute(select(Household.id, Household.actual_population)).all()
    for index, (household_id, population) in enumerate(rows):
        people = max(1, population)
        if index % 3 == 0:  # built before the key date above the limits: co-ownership ① or ②
            plan = PlanInput(
                people=people,
                unit_cost=Decimal(1200),
                built_area=Decimal(40 * people + 40),
                start_date=dt.date(2016, 10, 1),
                loan=Decimal(60000),
            )
            result = calculate(plan, params)
            option = (
                "relatives"
                if index % 2 == 0 and any(o.code == "relatives" for o in result.options)
                else "district_company"
            )
            housing_plans.save(
                store,
                household_id,
                plan,
                result,
                chosen_option=option,
                co_investor="隆阳区扶贫开发投资有限公司" if option == "district_company" else "户主之子",
            )
        else:
            plan = PlanInput(people=people, unit_cost=Decimal(1100))
            housing_plans.save(store, household_id, plan, calculate(plan, params))
        agreements.draft_missing(store, household_id, demolition_deadline=dt.date(2017, 12, 31), today=TODAY)
    return village_id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--lang", default="zh_CN")
    args = parser.parse_args()
    set_language(args.lang)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        store = open_store(folder / "bench.sqlite")
        started = time.perf_counter()
        village_id = prepare(store, args.households)
        prepare_seconds = time.perf_counter() - started
        with store.session() as session:
            from xinjie_desktop.core.store.models import Agreement

            counts = {
                kind: len(session.scalars(select(Agreement.id).where(Agreement.kind == kind)).all())
                for kind in agreements.KINDS
            }
            sample = session.scalar(select(Agreement.id).where(Agreement.kind == "relocation"))
        # the text of one agreement page, for a bare page with the same amount of text
        sample_pdf = agreements.render_pdf(store, sample, folder / "sample.pdf")
        text = PdfReader(sample_pdf).pages[0].extract_text()
        lines = [line for line in text.splitlines() if line.strip()][:45]
        document_font()

        out = folder / "village.pdf"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        resident_before = _status_kb("VmRSS")
        peak_reset = reset_peak_rss()
        started = time.perf_counter()
        count = agreements.render_village(store, village_id, list(agreements.KINDS), out)
        agreement_seconds = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        batch_peak = _status_kb("VmHWM") if peak_reset else None
        pages = len(PdfReader(out).pages)
        size = out.stat().st_size

        bare_seconds = bare_pages(folder / "bare.pdf", pages, lines)
        store.close()
    agreement_rate = pages / agreement_seconds
    bare_rate = pages / bare_seconds
    print(
        json.dumps(
            {
                "households": args.households,
                "agreements": count,
                "by_kind": counts,
                "pages": pages,
                "pdf_megabytes": round(size / 1e6, 1),
                "prepare_seconds": round(prepare_seconds, 1),
                "agreement_seconds": round(agreement_seconds, 2),
                "agreement_pages_per_second": round(agreement_rate, 1),
                "bare_pages_per_second": round(bare_rate, 1),
                "bare_lines_per_page": len(lines),
                "ratio": round(agreement_rate / bare_rate, 3),
                "target_ratio": 0.5,
                "max_rss_before_render_megabytes": round(rss_before, 1),
                "max_rss_after_render_megabytes": round(rss_after, 1),
                "batch_peak_rss_megabytes": round(batch_peak / 1024, 1) if batch_peak else None,
                "batch_peak_growth_megabytes": round((batch_peak - resident_before) / 1024, 1)
                if batch_peak and resident_before
                else None,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
