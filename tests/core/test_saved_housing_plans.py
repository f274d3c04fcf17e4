"""Saved housing plans keep their parameter version and read the same after the parameters change."""

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from builders import family_draft
from xinjie_desktop.core.records import households, housing_plans
from xinjie_desktop.core.rules import policy_params
from xinjie_desktop.core.rules.housing_plan import PlanInput, PlanInputError, calculate
from xinjie_desktop.resources import policy_dir


def test_HS_2_defaults_come_from_the_household(store, group_id):
    household_id = households.save(store, family_draft(group_id, national_number="5305020001"))
    plan = housing_plans.defaults_for(store, household_id)
    assert (plan.people, plan.kind, plan.labour) == (4, "registered", True)


def test_HS_3_saved_plan_reopens_with_the_same_figures(store, group_id, params):
    household_id = households.save(store, family_draft(group_id))
    plan = PlanInput(people=4, unit_cost=Decimal(1100), demolition_signed=True)
    result = calculate(plan, params)
    plan_id = housing_plans.save(store, household_id, plan, result, note="第一次测算")
    [saved] = housing_plans.saved_plans(store, household_id)
    assert (saved.id, saved.parameters_version, saved.plan, saved.note) == (plan_id, "2017.1", plan, "第一次测算")
    assert housing_plans.reopen(saved).to_json() == result.to_json() == saved.results
    assert housing_plans.compare(saved) == []


def test_HS_4_chosen_option_needs_the_co_investor(store, group_id, params):
    household_id = households.save(store, family_draft(group_id))
    plan = PlanInput(
        people=3, unit_cost=Decimal(1200), built_area=Decimal(120), start_date=dt.date(2016, 10, 1), loan=Decimal(60000)
    )
    result = calculate(plan, params)
    with pytest.raises(PlanInputError, match="co-investor"):
        housing_plans.save(store, household_id, plan, result, chosen_option="district_company")
    with pytest.raises(PlanInputError, match="does not apply"):  # a compliant plan has no co-ownership
        housing_plans.save(
            store,
            household_id,
            PlanInput(people=4),
            calculate(PlanInput(people=4), params),
            chosen_option="relatives",
            co_investor="杨大",
        )
    housing_plans.save(
        store, household_id, plan, result, chosen_option="district_company", co_investor="隆阳区扶贫开发投资有限公司"
    )
    assert housing_plans.saved_plans(store, household_id)[0].chosen_option == "district_company"


def test_SB_1_plan_made_under_2017_reads_the_same_after_new_parameters(store, group_id, params, tmp_path, monkeypatch):
    household_id = households.save(store, family_draft(group_id))
    plan = PlanInput(people=4, unit_cost=Decimal(1100))
    housing_plans.save(store, household_id, plan, calculate(plan, params))
    shutil.copy(policy_dir() / "policy-2017.toml", tmp_path / "policy-2017.toml")
    newer = (
        (policy_dir() / "policy-2017.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2017.1"', 'version = "2018.1"')
        .replace('per_person = "20000"', 'per_person = "22000"')
    )
    (tmp_path / "policy-2018.toml").write_text(newer, encoding="utf-8")
    policy_params.load_all.cache_clear()
    monkeypatch.setattr(policy_params, "policy_dir", lambda: tmp_path)
    try:
        [saved] = housing_plans.saved_plans(store, household_id)
        assert housing_plans.reopen(saved).subsidy == 80000  # 2017.1: 20,000 × 4
        assert housing_plans.reopen(saved).parameters_version == "2017.1"
        differences = {key: (old, new) for key, old, new in housing_plans.compare(saved)}
        assert differences["subsidy"] == (80000, 88000)  # 2018.1: 22,000 × 4
    finally:
        policy_params.load_all.cache_clear()
