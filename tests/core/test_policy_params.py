"""Policy parameters: every number of the rules in a versioned file, validated with the line at fault."""

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from xinjie_desktop.core.rules import policy_params
from xinjie_desktop.core.rules.policy_params import PolicyFileError, load_file
from xinjie_desktop.resources import policy_dir

SHIPPED = policy_dir() / "policy-2017.toml"


def edited(tmp_path, old: str, new: str):
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "policy-test.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_number(path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_shipped_parameters_carry_the_plans_numbers(params):
    """ID-1, EX-1, PN-1, HS-1..HS-4, SB-1..SB-3, LN-1, HB-1, RL-1 numbers, as the plan states them."""
    assert params.version == "2017.1"
    assert params.income_line(2016) == Decimal("3050.00")
    assert params.key_date == dt.date(2017, 2, 28)
    assert (params.per_capita_max_m2, params.max_area_m2, params.layouts_m2) == (25, 150, (75, 100, 125, 150))
    assert params.own_funds_limit == 10000
    assert (params.registered_per_person, params.registered_reward_per_person) == (20000, 6000)
    assert (params.synchronised_per_household, params.synchronised_reward_per_household, params.synchronised_loan) == (
        15000,
        10000,
        60000,
    )
    assert params.registered_loan == 60000
    assert params.homestead_limits == {
        ("basin", "farmland"): 150,
        ("basin", "other"): 160,
        ("basin", "unused"): 170,
        ("mountain", "farmland"): 170,
        ("mountain", "other"): 180,
        ("mountain", "unused"): 200,
    }
    assert (params.c_grade_subsidy, params.d_grade_subsidy) == (10000, 60000)
    assert len(params.relocation_areas) == 6


def test_ID_1_line_is_a_parameter_per_year(tmp_path):
    path = edited(tmp_path, '2016 = "3050.00"', '2016 = "3050.00"\n2017 = "3350.00"')
    assert load_file(path).income_line(2017) == Decimal("3350.00")


@pytest.mark.parametrize(
    "old, new, fragment, words",
    [
        ('per_person = "20000"', 'per_person = "twenty thousand"', "per_person", "not a number"),
        ("max_area_m2 = 150", "max_area_m2 = -150", "max_area_m2", "whole number"),
        ("key_date = 2017-02-28", 'key_date = "28 Feb"', "key_date", "date such as 2017-02-28"),
        ("layouts_m2 = [75, 100, 125, 150]", "layouts_m2 = [100, 75]", "layouts_m2", "smallest first"),
        (
            "layouts_m2 = [75, 100, 125, 150]",
            "layouts_m2 = [75, 100, 125, 180]",
            "layouts_m2",
            "larger than the maximum",
        ),
        ("unused = 200", "unused = 0", "unused = 0", "whole number of at least 1"),
        ('dibao_share_blocks_exit = "0.60"', 'dibao_share_blocks_exit = "1.6"', "dibao_share", "between 0 and 1"),
    ],
)
def test_bad_value_is_refused_with_its_line(tmp_path, old, new, fragment, words):
    path = edited(tmp_path, old, new)
    with pytest.raises(PolicyFileError) as refused:
        load_file(path)
    assert words in str(refused.value)
    assert f"line {line_number(path, fragment)}" in str(refused.value)


def test_missing_value_and_broken_syntax_are_refused(tmp_path):
    with pytest.raises(PolicyFileError, match="lacks the value dangerous_house.c_grade"):
        load_file(edited(tmp_path, 'c_grade = "10000"\n', ""))
    with pytest.raises(PolicyFileError, match="cannot be read"):
        load_file(edited(tmp_path, "[housing]", "[housing"))


def test_RL_1_six_categories_exactly(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    cut = text[: text.rindex("[[relocation_area]]")]
    path = tmp_path / "five.toml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(PolicyFileError, match="exactly six categories"):
        load_file(path)


def test_newest_version_in_force_and_older_still_readable(tmp_path, monkeypatch):
    """A plan saved under 2017.1 reads the same after a 2018.1 file is added."""
    shutil.copy(SHIPPED, tmp_path / "policy-2017.toml")
    newer = (
        SHIPPED.read_text(encoding="utf-8")
        .replace('version = "2017.1"', 'version = "2018.1"')
        .replace('per_person = "20000"', 'per_person = "22000"')
    )
    (tmp_path / "policy-2018.toml").write_text(newer, encoding="utf-8")
    policy_params.load_all.cache_clear()
    monkeypatch.setattr(policy_params, "policy_dir", lambda: tmp_path)
    try:
        assert policy_params.current().version == "2018.1"
        assert policy_params.current().registered_per_person == 22000
        assert policy_params.current("2017.1").registered_per_person == 20000
        with pytest.raises(PolicyFileError, match="version 2016.9 are not installed"):
            policy_params.current("2016.9")
    finally:
        policy_params.load_all.cache_clear()
