"""Every PDF the program writes names the program and its version in its metadata (issue 6):
Creator "xinjie-desktop <version>", read back with pypdf.  Agreements (one, and a village's in one
file), the housing-plan summary, and public-notice sheets (one, and a village's merged with pypdf)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pypdf import PdfReader

from builders import family_draft, renumber
from xinjie_desktop import __version__
from xinjie_desktop.build_info import name_and_version
from xinjie_desktop.core.documents.plan_summary import PlanHousehold, render_plan_summary
from xinjie_desktop.core.records import agreements, households, housing_plans, public_notice
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.store.models import Household

CREATOR = f"xinjie-desktop {__version__}"
TODAY = dt.date(2017, 5, 2)


def creator(path) -> str:
    metadata = PdfReader(path).metadata
    assert metadata is not None, f"{path} has no document information"
    return str(metadata.creator)


def test_the_creator_names_the_program_and_its_version():
    assert name_and_version() == CREATOR


@pytest.fixture
def two_households(store, group_id):
    ids = [households.save(store, family_draft(group_id)), households.save(store, renumber(family_draft(group_id), 40))]
    plan = PlanInput(people=4, unit_cost=Decimal(1100), layout=100)
    for household_id in ids:
        housing_plans.save(store, household_id, plan, calculate(plan, housing_plans.current()))
    return ids


def village(store, household_id) -> str:
    with store.session() as session:
        return session.get(Household, household_id).village_id


def test_agreement_pdfs_one_and_a_village(store, two_households, tmp_path):
    for household_id in two_households:
        agreements.draft(store, household_id, agreements.RELOCATION, today=TODAY)
    current = agreements.current_agreements(store, two_households[0])[agreements.RELOCATION]
    one = agreements.render_pdf(store, current.id, tmp_path / "one.pdf")
    assert creator(one) == CREATOR
    assert PdfReader(one).metadata.subject == current.number  # the subject stays the agreement's number
    batch = tmp_path / "village.pdf"
    assert agreements.render_village(store, village(store, two_households[0]), [agreements.RELOCATION], batch) == 2
    assert creator(batch) == CREATOR


def test_plan_summary_pdf(tmp_path, params):
    plan = PlanInput(people=3, unit_cost=Decimal(1100), layout=75)
    family = PlanHousehold(
        head_name="杨明",
        id_number="530502197003050011",
        village="辛街村",
        group="第三村民小组",
        actual_population=3,
    )
    path = tmp_path / "plan.pdf"
    render_plan_summary(path, family, plan, calculate(plan, params), "辛街乡", TODAY)
    assert creator(path) == CREATOR


def test_notice_sheets_one_and_a_village_merged(store, two_households, tmp_path):
    village_id = village(store, two_households[0])
    ids = [
        public_notice.create_notice(
            store,
            village_id=village_id,
            group_id=None,
            subject="identification",
            households=[household_id],
            place="辛街村委会公示栏",
            start_date=dt.date(2017, 4, 14) + dt.timedelta(days=offset),
            end_date=dt.date(2017, 4, 21) + dt.timedelta(days=offset),
            objection_contact="辛街村委会 0875-1234567",
        )
        for offset, household_id in enumerate(two_households)
    ]
    one = tmp_path / "notice.pdf"
    public_notice.render_notice_sheet(store, ids[0], one)
    assert creator(one) == CREATOR
    merged = tmp_path / "notices.pdf"
    assert public_notice.render_village_notices(store, village_id, merged) is True
    assert len(PdfReader(merged).pages) >= 2
    assert creator(merged) == CREATOR
    assert "Public notices of" in str(PdfReader(merged).metadata.title)
