"""Nothing printed runs past its table cell or the page's edge (issue 14), for a hostile but valid
household: every text as long as the store holds (address 200 characters, names 50, village and group
100, command centre 200), nine people, a house of 9,999 m² at 999,999 yuan a square metre, and a long
co-investor.  The positions are measured from the PDFs themselves (tests/pdf_layout.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from test_agreements import png

from builders import family_draft, person, renumber
from pdf_layout import overflowing
from xinjie_desktop.core.documents import agreement_pdf, plan_summary
from xinjie_desktop.core.documents.plan_summary import PlanHousehold, render_plan_summary
from xinjie_desktop.core.records import agreements, households, housing_plans, township
from xinjie_desktop.core.records import dangerous_house as dangerous_records
from xinjie_desktop.core.rules.dangerous_house import DangerousHouseInput
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.store.models import Township
from xinjie_desktop.i18n import set_language

TODAY = dt.date(2017, 5, 2)
VILLAGE = "青山" * 50  # 100 characters
GROUP = "第一村民小组" * 16 + "第一村民"  # 100
ADDRESS = ("青山村第一组" + "3号院东侧" * 40)[:200]
LATIN = "Yang-Dashan-father-of-the-head-of-household-ID-530502194501010011-" * 3  # one long word
CO_INVESTOR = "杨大山（户主之父，身份证号530502194501010011，住青山村第一组3号）" * 4 + LATIN
HUGE = PlanInput(
    people=9,
    unit_cost=Decimal(999999),
    built_area=Decimal(9999),
    start_date=dt.date(2016, 10, 1),
    loan=Decimal(60000),
    demolition_signed=True,
)


@pytest.fixture
def hostile(store):
    township.set_up(store, "辛街乡" * 30, "辛街乡易地扶贫搬迁指挥部" * 16, {VILLAGE: [GROUP]})
    with store.unit_of_work() as session:
        session.query(Township).one().representative = "段" * 50
    with store.session() as session:
        group_id = township.groups(session)[0].id
    draft = family_draft(group_id, national_number="5305020001", address=ADDRESS)
    draft.members[0].name = "杨明" * 25
    draft.members[1].name = "Li-Fang-" * 6 + "Li"
    # Nine people, as the plan (an agreement is drafted only from a plan for the household's actual population)
    draft.members += [
        person("杨" + "小" * 48 + str(n), dt.date(2008 + n, 1, 1), 60 + n, labour="none") for n in range(5)
    ]
    household_id = households.save(store, draft)
    housing_plans.save(
        store,
        household_id,
        HUGE,
        calculate(HUGE, housing_plans.current()),
        chosen_option="district_company",
        co_investor=CO_INVESTOR,
    )
    other = renumber(family_draft(group_id, national_number="5305020002", address=ADDRESS), 40)
    other.members[0].name = "王" * 50
    dangerous_id = households.save(store, other)
    dangerous_records.record(
        store,
        dangerous_id,
        DangerousHouseInput(
            grade="D",
            people=9,
            rebuild=True,
            start_date=dt.date(2017, 1, 15),
            unit_cost=Decimal(999999),
            area=Decimal(9999),
            own_funds=Decimal(9999999),
            loan=Decimal(60000),
            appraiser="保山市某房屋安全鉴定所" * 9,
            appraised_on=dt.date(2017, 4, 10),
        ),
        housing_plans.current(),
    )
    return household_id, dangerous_id


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_AG_1_HS_4_SB_3_agreements_keep_every_text_on_the_page(store, hostile, tmp_path, language):
    set_language(language)
    household_id, dangerous_id = hostile
    _drafted, refused = agreements.draft_missing(
        store, household_id, demolition_deadline=dt.date(2017, 12, 31), today=TODAY
    )
    assert refused == {}
    agreements.draft(store, dangerous_id, "dangerous_house", today=TODAY)
    current = {
        **agreements.current_agreements(store, household_id),
        **agreements.current_agreements(store, dangerous_id),
    }
    assert set(current) == {"relocation", "demolition", "employment", "co_ownership", "dangerous_house"}
    long_names = {
        role: (name * 25, png(seed=seed))
        for role, name, seed in (("household_head", "杨明", 0), ("representative", "段志", 9), ("witness", "李四", 20))
    }
    agreements.sign_on_screen(store, current["relocation"].id, long_names, TODAY)
    agreements.void(store, current["relocation"].id, "地址写错：" + ADDRESS, TODAY)
    current = {
        **agreements.current_agreements(store, household_id),
        **agreements.current_agreements(store, dangerous_id),
    }
    voided = next(v for v in agreements.versions(store, household_id) if v.status == "voided")
    signed = agreements.render_pdf(store, voided.id, tmp_path / "signed.pdf")
    shown = "".join(subprocess.run(["pdftotext", str(signed), "-"], capture_output=True, text=True).stdout.split())
    assert shown.count("志") == 25 and shown.count("李") == 25  # each signer's whole name, not cut to one line
    for kind, agreement_id in [*((kind, info.id) for kind, info in current.items()), ("voided", voided.id)]:
        for office_copy in (False, True):
            path = agreements.render_pdf(
                store, agreement_id, tmp_path / f"{kind}-{office_copy}.pdf", office_copy=office_copy
            )
            assert overflowing(path, agreement_pdf.MARGIN_X) == [], (kind, office_copy)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("option", ["relatives", "district_company", ""])
@pytest.mark.parametrize("office_copy", [True, False])
def test_HS_3_HS_4_plan_summary_keeps_every_text_in_its_cell(tmp_path, params, language, option, office_copy):
    set_language(language)
    family = PlanHousehold("杨明" * 25, "530502197003051133", VILLAGE, GROUP, 9)
    path = tmp_path / "summary.pdf"
    render_plan_summary(
        path,
        family,
        HUGE,
        calculate(HUGE, params),
        "辛街乡" * 30,
        TODAY,
        chosen_option=option,
        co_investor=CO_INVESTOR if option else "",
        office_copy=office_copy,
    )
    assert overflowing(path, plan_summary.MARGIN) == []
