"""A township with relocation households and funds (issue 19 tests): registered and synchronised households with
signed relocation agreements, one voided with its new version drafted, one not in the plan.  The households of the
plan have their building stages recorded (``BUILT``: the tranches are paid by building progress, 按建房进度拨付)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from builders import family_draft, renumber
from sync_world import group_of
from xinjie_desktop.core.records import agreements, building, funds, households, housing_plans, relocation
from xinjie_desktop.core.records.demo_data import signature_png
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.rules.housing_plan import REGISTERED, SYNCHRONISED, PlanInput, calculate
from xinjie_desktop.core.rules.relocation import VerificationDraft
from xinjie_desktop.core.store.models import Township

SIGNED_ON = dt.date(2017, 4, 20)
TODAY = dt.date(2017, 6, 1)
# The stages of a new house in the plan, reached before the tests' payments (the earliest on 2017-05-04).
BUILT = (
    (rules.FOUNDATION, dt.date(2017, 4, 21)),
    (rules.MAIN_STRUCTURE, dt.date(2017, 4, 26)),
    (rules.COMPLETION, dt.date(2017, 4, 30)),
    (rules.MOVED_IN, dt.date(2017, 5, 3)),
)
# 4 people, registered, demolition agreed: 80,000 subsidy + 24,000 reward = 104,000 (SB-1).
REGISTERED_PLAN = PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True)
# Synchronised: 15,000 + 10,000 a household (SB-2).
SYNCHRONISED_PLAN = PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True, kind=SYNCHRONISED)


def signatures(head: str) -> dict:
    return {
        "household_head": (head, signature_png(1)),
        "representative": ("段志强", signature_png(2)),
        "witness": ("李四", signature_png(3)),
    }


def relocation_household(
    store, group_id, sequence: int, kind: str = REGISTERED, *, in_scope: bool = True, built: bool = True
) -> str:
    """A household of the relocation plan with its relocation agreement signed on 2017-04-20 and, when in scope
    and ``built``, every building stage recorded (``BUILT``)."""
    household_id = households.save(store, renumber(family_draft(group_id), sequence))
    relocation.save(
        store,
        household_id,
        VerificationDraft(in_scope=in_scope, area_category="geohazard", area_reason="滑坡", mode="centralised"),
        kind,
    )
    plan = REGISTERED_PLAN if kind == REGISTERED else SYNCHRONISED_PLAN
    housing_plans.save(store, household_id, plan, calculate(plan, housing_plans.current()))
    agreements.draft_missing(store, household_id, demolition_deadline=dt.date(2017, 12, 31), today=SIGNED_ON)
    info = agreements.current_agreements(store, household_id)["relocation"]
    agreements.sign_on_screen(store, info.id, signatures("杨明"), SIGNED_ON)
    if in_scope and built:
        for stage, on in BUILT:
            building.record_stage(store, household_id, stage, on, "王芳", "现场查看", today=TODAY)
    return household_id


def relocation_agreement(store, household_id: str) -> str:
    return agreements.current_agreements(store, household_id)["relocation"].id


class FundsTown:
    """``registered``, ``synchronised``, ``outside`` (registered, not verified in scope) households and a
    ``central`` fund of 200,000 yuan (arrived 2017-03-28) and a ``district`` one of 50,000 yuan."""

    def __init__(self, store, group_id) -> None:
        self.store = store
        with store.unit_of_work() as session:
            session.query(Township).one().representative = "段志强"
        self.registered = relocation_household(store, group_id, 40)
        self.synchronised = relocation_household(store, group_id, 50, SYNCHRONISED)
        self.outside = relocation_household(store, group_id, 60, in_scope=False)
        self.central = funds.record_fund(
            store,
            funds.FundDraft(
                source=rules.CENTRAL_BUDGET,
                name="2017年中央预算内易地扶贫搬迁资金",
                arrived_on=dt.date(2017, 3, 28),
                amount=Decimal(200000),
                plan_document="保发改投资〔2017〕58号",
                fund_document="保财建〔2017〕21号",
                account="辛街乡财政所易地扶贫搬迁资金专户",
                use="建档立卡搬迁户建房补助",
                units="辛街乡易地扶贫搬迁指挥部",
            ),
            today=TODAY,
        )
        self.district = funds.record_fund(
            store,
            funds.FundDraft(
                source=rules.DISTRICT,
                name="隆阳区财政同步搬迁补助资金",
                arrived_on=dt.date(2017, 4, 5),
                amount=Decimal(50000),
                fund_document="隆财农〔2017〕9号",
                use="同步搬迁户建房补助",
                units="辛街乡易地扶贫搬迁指挥部",
            ),
            today=TODAY,
        )


def paid_on_a_laptop(world) -> tuple:
    """A payment of 30,000 from a central-budget fund to a relocation household of 青山村, recorded at the township
    and imported on the first laptop: (laptop, household, fund, payment)."""
    town = world.township
    with town.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    household = relocation_household(town, group_of(town, "青山村"), 40)
    fund = funds.record_fund(
        town,
        funds.FundDraft(
            rules.CENTRAL_BUDGET, "中央预算内资金", dt.date(2017, 3, 28), Decimal(200000), "发改〔2017〕1号"
        ),
        today=TODAY,
    )
    payment = funds.record_payment(
        town, household, fund, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY
    )
    laptop = world.laptop(0)
    world.import_into(laptop, world.export(town, to=laptop))
    return laptop, household, fund, payment
