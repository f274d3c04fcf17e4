"""Relocation verification: RL-1 to RL-4 and the building modes of HS-5."""

import dataclasses
import datetime as dt

import pytest

from builders import family_draft
from xinjie_desktop.core.records import households
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.records.households import ValidationFailed
from xinjie_desktop.core.rules import relocation
from xinjie_desktop.core.rules.relocation import VerificationDraft

REG, SYNC = "registered", "synchronised"


def complete(**changes) -> VerificationDraft:
    draft = VerificationDraft(
        in_scope=True,
        area_category="geohazard",
        area_reason="村后山体滑坡隐患点，2015年雨季已有裂缝",
        mode="centralised",
        site="辛街乡集镇安置点",
        building_mode="unified",
        latitude="25.1120",
        longitude="99.1680",
        notice_start=dt.date(2017, 4, 14),
        notice_end=dt.date(2017, 4, 21),
        notice_place="村委会公示栏",
        secretary="杨书记",
        secretary_signed_on=dt.date(2017, 4, 22),
        director="李主任",
        director_signed_on=dt.date(2017, 4, 22),
        team_leader="张队长",
        team_leader_signed_on=dt.date(2017, 4, 22),
        submitted_on=dt.date(2017, 4, 23),
    )
    return dataclasses.replace(draft, **changes)


def fields(problems):
    return sorted(p.field.split(".", 1)[1] for p in problems)


def test_RL_4_complete_verification_has_no_problem(params):
    assert relocation.validate(complete(), REG, params) == []


def test_RL_1_category_and_reason_are_required(params):
    problems = relocation.validate(complete(area_category="", area_reason=" "), REG, params)
    assert fields(problems) == ["area_category", "area_reason"]
    assert relocation.validate(complete(area_category="swamp"), REG, params)[0].field == "relocation.area_category"


def test_RL_1_every_category_of_the_parameters_is_accepted(params):
    for area in params.relocation_areas:
        assert relocation.validate(complete(area_category=area.code), REG, params) == []


def test_RL_2_exclusion_keeps_its_reason_and_is_not_in_scope(params):
    """RL-2: original-site rebuilds and homestead swaps leave relocation scope, with the reason kept."""
    excluded = VerificationDraft(exclusion="original_site_rebuild", exclusion_reason="原址原拆原建，不属6类区域")
    assert relocation.validate(excluded, REG, params) == []
    assert fields(relocation.validate(dataclasses.replace(excluded, exclusion_reason=""), REG, params)) == [
        "exclusion_reason"
    ]
    assert (
        "not both"
        in relocation.validate(complete(exclusion="homestead_swap", exclusion_reason="x"), REG, params)[0].message
    )


def test_RL_3_notice_of_seven_days_and_objections_reverified(params):
    """RL-3: the verification result is posted at least 7 days; objections are re-verified."""
    short = relocation.validate(complete(notice_end=dt.date(2017, 4, 20)), REG, params)
    assert fields(short) == ["notice_end"] and "2017-04-21" in short[0].message
    assert fields(relocation.validate(complete(objections="村民反映该户已在城里购房"), REG, params)) == [
        "reverification"
    ]
    assert (
        relocation.validate(
            complete(objections="村民反映该户已在城里购房", reverification="复核属实：调出"), REG, params
        )
        == []
    )


def test_RL_4_submission_needs_coordinates_and_three_signatures(params):
    problems = relocation.validate(
        complete(
            latitude="", longitude="", director="", director_signed_on=None, team_leader_signed_on=dt.date(2017, 4, 24)
        ),
        REG,
        params,
    )
    assert fields(problems) == ["director", "latitude", "team_leader_signed_on"]
    assert fields(relocation.validate(complete(latitude="95", longitude="east"), REG, params)) == [
        "latitude",
        "longitude",
    ]
    unsubmitted = complete(submitted_on=None, secretary="", secretary_signed_on=None)
    assert relocation.validate(unsubmitted, REG, params) == []  # signing comes before submission, not before saving


@pytest.mark.parametrize(
    "mode, kind, building, ok",
    [
        ("centralised", REG, "unified", True),
        ("centralised", REG, "self", False),
        ("centralised", SYNC, "self", True),
        ("centralised", SYNC, "agency", True),
        ("dispersed", REG, "unified_joint", True),
        ("dispersed", REG, "joint", False),
    ],
)
def test_HS_5_building_mode_fits_mode_and_kind(params, mode, kind, building, ok):
    problems = relocation.validate(complete(mode=mode, building_mode=building), kind, params)
    assert (problems == []) is ok


def test_RL_1_saved_whole_or_not_at_all(store, group_id, params):
    household_id = households.save(store, family_draft(group_id))
    with pytest.raises(ValidationFailed):
        relocation_records.save(store, household_id, complete(area_reason=""), REG, params)
    assert relocation_records.load(store, household_id) == VerificationDraft()
    relocation_records.save(store, household_id, complete(), REG, params)
    assert relocation_records.load(store, household_id) == complete()
    relocation_records.save(store, household_id, complete(site="大坪安置点"), REG, params)
    assert relocation_records.load(store, household_id).site == "大坪安置点"
