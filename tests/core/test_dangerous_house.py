"""SB-3: dangerous houses of registered households outside relocation."""

import datetime as dt
from decimal import Decimal

import pytest

from xinjie_desktop.core.rules.dangerous_house import DangerousHouseError, DangerousHouseInput, assess

APPRAISED = {"appraiser": "保山市某房屋安全鉴定所", "appraised_on": dt.date(2017, 4, 10)}


def test_SB_3_c_grade_gets_ten_thousand_for_repair(params):
    result = assess(DangerousHouseInput(grade="C", **APPRAISED), params)
    assert result.subsidy == Decimal("10000") and result.compliant
    assert "修缮加固" in result.plan


def test_SB_3_d_grade_rebuild_within_limits(params):
    # 4 people: at most 100 m²; 90 m² × 700 = 63,000 ≤ 60,000 + 5,000
    house = DangerousHouseInput(
        grade="D",
        people=4,
        rebuild=True,
        unit_cost=Decimal(700),
        area=Decimal(90),
        own_funds=Decimal(5000),
        **APPRAISED,
    )
    result = assess(house, params)
    assert (result.subsidy, result.building_cost, result.max_area_m2) == (60000, Decimal("63000.00"), 100)
    assert result.compliant and result.reasons == []


def test_SB_3_d_rebuild_breaking_area_cost_and_own_funds(params):
    # 3 people: at most 75 m²; 110 m² × 800 = 88,000 > 60,000 + 12,000; own funds 12,000 > 10,000
    house = DangerousHouseInput(
        grade="D",
        people=3,
        rebuild=True,
        unit_cost=Decimal(800),
        area=Decimal(110),
        own_funds=Decimal(12000),
        **APPRAISED,
    )
    result = assess(house, params)
    assert not result.compliant
    assert len(result.reasons) == 3
    assert "at most 75 m²" in result.reasons[0] and "88,000.00" in result.reasons[2]


def test_SB_3_d_loan_before_key_date_taken_over(params):
    house = DangerousHouseInput(
        grade="D", people=5, rebuild=True, start_date=dt.date(2017, 2, 28), loan=Decimal(60000), **APPRAISED
    )
    result = assess(house, params)
    assert result.loan_taken_over == 60000 and result.compliant
    late = assess(
        DangerousHouseInput(
            grade="D", people=5, rebuild=True, start_date=dt.date(2017, 3, 1), loan=Decimal(60000), **APPRAISED
        ),
        params,
    )
    assert late.loan_taken_over == 0 and not late.compliant


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"grade": "B"}, "C or D"),
        ({"grade": "C", "rebuild": True}, "Only a D-grade"),
    ],
)
def test_SB_3_bad_input(params, fields, words):
    with pytest.raises(DangerousHouseError, match=words):
        assess(DangerousHouseInput(**{**APPRAISED, **fields}), params)
    with pytest.raises(DangerousHouseError, match="appraiser"):
        assess(DangerousHouseInput(grade="C", appraiser=" ", appraised_on=dt.date(2017, 4, 10)), params)


def test_SB_3_appraisal_kept_with_the_household(store, group_id, params):
    import json

    from sqlalchemy import select

    from builders import family_draft
    from xinjie_desktop.core.records import households
    from xinjie_desktop.core.records.dangerous_house import record
    from xinjie_desktop.core.store.models import DangerousHouse

    household_id = households.save(store, family_draft(group_id, national_number="5305020001"))  # registered
    record(
        store,
        household_id,
        DangerousHouseInput(grade="D", people=4, rebuild=True, area=Decimal(90), **APPRAISED),
        params,
    )
    with store.session() as session:
        kept = session.scalars(select(DangerousHouse)).one()
        assert (kept.grade, kept.appraiser, kept.appraised_on, kept.rebuild) == (
            "D",
            APPRAISED["appraiser"],
            APPRAISED["appraised_on"],
            True,
        )
        assert json.loads(kept.inputs)["area"] == "90"
    with pytest.raises(DangerousHouseError):
        record(store, household_id, DangerousHouseInput(grade="X", **APPRAISED), params)
