"""Printed wording that does not contradict itself or the store (issue 14).

HS-2: a per-capita area over the limit is said to be over it ("40 m² a person, over the 25 m² limit"),
never "40 m² (at most 25 m²)"; the limits are printed from the parameter file; the layout of a house
already built is named, not a dash; the representative who signed is named; the chosen co-ownership
option and its co-investor are printed, not every option; a page handed to the household carries no
rule codes and no command lines (the office copy keeps them).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

from test_agreements import OVER_LIMIT, SIGNATURES, TODAY, draft_all, household  # noqa: F401

from xinjie_desktop.core.documents.plan_summary import PlanHousehold, render_plan_summary
from xinjie_desktop.core.records import agreements
from xinjie_desktop.core.rules.housing_plan import calculate
from xinjie_desktop.core.store.models import Township
from xinjie_desktop.i18n import set_language
from xinjie_desktop.resources import templates_dir

RULE_CODE = re.compile(r"\b(?:ID|EX|RL|HS|HB|SB|LN|AG|PN|FD|WT)-\d")


def flat_text(path: Path) -> str:
    return "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def test_HS_2_per_capita_over_the_limit_is_said_to_be_over_it(params):
    result = calculate(OVER_LIMIT, params)  # 160 m² for 4 people: 40 m² a person
    text = result.explanations["per_capita_m2"].text
    assert "40" in text and "over" in text and "at most" not in text
    set_language("zh_CN")
    text = calculate(OVER_LIMIT, params).explanations["per_capita_m2"].text
    assert "超过" in text and "不超过" not in text


def test_HS_2_templates_type_no_limit_the_parameter_file_holds():
    """The area limits, the own-funds limit and the key date come from the policy parameters."""
    paths = sorted((templates_dir() / "agreements").glob("*.toml"))
    assert len(paths) >= 6
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            for typed in ("25平方米", "150平方米", "2017年2月28日", "25 m²", "150 m²", "28 February 2017"):
                assert typed not in line, (path.name, typed)


def test_AG_1_relocation_agreement_states_what_is_and_what_the_limit_is(store, household, tmp_path):  # noqa: F811
    set_language("zh_CN")
    ids = draft_all(store, household)
    text = flat_text(agreements.render_pdf(store, ids["relocation"], tmp_path / "r.pdf"))
    assert "人均住房面积40平方米" in text
    assert "不超过25平方米" in text and "不超过150平方米" in text  # the limits, from the parameter file
    assert "户型—" not in text and "已建" in text  # a house already built has no standard layout
    assert "xinjie-desktop" not in text  # no command line on the household's copy
    co = flat_text(agreements.render_pdf(store, ids["co_ownership"], tmp_path / "c.pdf"))
    assert "2017年2月28日" in co  # the key date, from the parameter file


def test_AG_1_representative_who_signed_is_named(store, household, tmp_path):  # noqa: F811
    with store.unit_of_work() as session:
        session.query(Township).one().representative = ""
    ids = draft_all(store, household)
    agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, TODAY)
    text = flat_text(agreements.render_pdf(store, ids["relocation"], tmp_path / "r.pdf"))
    assert "Representative:段志强" in text and "Representative:—" not in text


def summary(tmp_path: Path, params, **options) -> str:
    result = calculate(OVER_LIMIT, params)
    family = PlanHousehold("杨明", "530502197003051133", "青山村", "第一组", 4)
    path = tmp_path / "summary.pdf"
    render_plan_summary(path, family, OVER_LIMIT, result, "辛街乡", dt.date(2017, 5, 2), **options)
    return flat_text(path)


def test_HS_4_summary_prints_the_chosen_way_and_its_co_investor(tmp_path, params):
    text = summary(tmp_path, params, chosen_option="relatives", co_investor="杨大山（户主之父）")
    assert "杨大山（户主之父）" in text and "directrelatives" in text.lower()
    assert "districtpoverty-alleviationinvestmentcompany+" not in text.lower()
    assert "cooperative" not in text.lower()


def test_household_copy_of_the_summary_has_no_rule_codes_the_office_copy_has(tmp_path, params):
    assert not RULE_CODE.search(summary(tmp_path, params, office_copy=False))
    assert RULE_CODE.search(summary(tmp_path, params, office_copy=True))
