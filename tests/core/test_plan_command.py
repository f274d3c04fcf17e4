"""`xinjie-desktop plan ... --json`: the housing-plan command line (issue 3), run as a user would.

Expected figures are worked out by hand from ../shared/POLICY.md (HS-1..HS-4, HB-1, SB-1, SB-2, LN-1).
"""

import json
import subprocess
import sys

import pytest

KEYS = {
    "allowed_layouts",
    "layout_m2",
    "per_capita_m2",
    "building_cost",
    "subsidy",
    "reward",
    "subsidy_and_reward",
    "own_funds_needed",
    "own_funds_limit",
    "loan_allowed",
    "homestead_limit_m2",
    "garden_m2",
    "compliant",
    "reasons",
    "options",
    "elderly_home",
    "rules",
    "parameters_version",
}


def run(*args, lang="en"):
    command = [sys.executable, "-m", "xinjie_desktop"] + (["--lang", lang] if lang else []) + ["plan", *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", timeout=60)


def plan_json(*args):
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert KEYS <= set(data), KEYS - set(data)
    return data


def test_HS_3_SB_1_HB_1_registered_household_within_the_limits():
    # 4 people: layouts 75, 100 (4 × 25 = 100). 100 m² × 1,100 = 110,000.
    # SB-1: 4 × 20,000 = 80,000 + reward 4 × 6,000 = 24,000 = 104,000 ≤ cap 100 × 1,100 = 110,000.
    # HS-3: own funds 110,000 − 104,000 = 6,000 ≤ 10,000. LN-1: no loan. HB-1: basin farmland 150; 170 − 150 = 20 garden.
    data = plan_json(
        "--people",
        "4",
        "--kind",
        "registered",
        "--layout",
        "100",
        "--unit-cost",
        "1100",
        "--demolition-signed",
        "--zone",
        "basin",
        "--land",
        "farmland",
        "--homestead-area",
        "170",
    )
    assert data["allowed_layouts"] == [75, 100]
    assert data["layout_m2"] == 100
    assert data["per_capita_m2"] == 25
    assert data["building_cost"] == 110000
    assert (data["subsidy"], data["reward"], data["subsidy_and_reward"]) == (80000, 24000, 104000)
    assert (data["own_funds_needed"], data["own_funds_limit"]) == (6000, 10000)
    assert data["loan_allowed"] == 0
    assert (data["homestead_limit_m2"], data["garden_m2"]) == (150, 20)
    assert data["compliant"] is True and data["reasons"] == []
    assert data["options"] == [] and data["elderly_home"] is False
    assert {"HS-2", "HS-3", "SB-1", "LN-1", "HB-1"} <= set(data["rules"])
    assert data["parameters_version"] == "2017.1"


def test_HS_4_registered_house_built_before_the_key_date_gets_co_ownership():
    # 4 people built 150 m² on 2017-02-28 (HS-1 inclusive) at 1,200/m²: 180,000; 150 / 4 = 37.5 m² a person.
    # 104,000 ≤ cap 100 × 1,200 = 120,000; own funds 180,000 − 104,000 = 76,000 > 10,000; 60,000 loan drawn.
    data = plan_json(
        "--people",
        "4",
        "--kind",
        "registered",
        "--start-date",
        "2017-02-28",
        "--built-area",
        "150",
        "--unit-cost",
        "1200",
        "--demolition-signed",
        "--loan",
        "60000",
    )
    assert data["per_capita_m2"] == 37.5
    assert data["building_cost"] == 180000
    assert data["subsidy_and_reward"] == 104000
    assert data["own_funds_needed"] == 76000
    assert data["loan_allowed"] == 0
    assert data["compliant"] is False and data["reasons"]
    assert data["elderly_home"] is False
    options = {o["code"]: o for o in data["options"]}
    assert list(options) == ["relatives", "district_company", "cooperative"]
    # ① relatives 76,000 − 10,000 = 66,000; household 10,000.
    assert (options["relatives"]["investor_pays"], options["relatives"]["household_pays"]) == (66000, 10000)
    # ② company 60,000 (the loan); household 10,000; others 76,000 − 60,000 − 10,000 = 6,000.
    company = options["district_company"]
    assert (company["investor_pays"], company["household_pays"], company["others_pay"]) == (60000, 10000, 6000)
    for o in data["options"]:
        assert o["investor_pays"] + o["household_pays"] + o["others_pay"] == 76000
        assert 0 <= o["investor_share_percent"] <= 100 and 0 <= o["household_share_percent"] <= 100
        assert o["conditions"]
    assert "HS-4" in data["rules"]


def test_HS_1_same_house_started_the_day_after_has_no_options():
    data = plan_json(
        "--people",
        "4",
        "--kind",
        "registered",
        "--start-date",
        "2017-03-01",
        "--built-area",
        "150",
        "--unit-cost",
        "1200",
        "--demolition-signed",
    )
    assert data["options"] == [] and data["compliant"] is False
    assert any("2017-02-28" in reason for reason in data["reasons"])


def test_SB_2_synchronised_household_with_loan():
    # 5 people: 125 m² (largest allowed) × 1,000 = 125,000; SB-2 15,000 + 10,000 reward = 25,000;
    # 125,000 − 25,000 = 100,000 = 40,000 own funds + 60,000 loan; no own-funds limit for synchronised.
    data = plan_json(
        "--people",
        "5",
        "--kind",
        "synchronised",
        "--unit-cost",
        "1000",
        "--demolition-signed",
        "--own-funds",
        "40000",
        "--loan",
        "60000",
        "--zone",
        "mountain",
        "--land",
        "unused",
    )
    assert data["allowed_layouts"] == [75, 100, 125] and data["layout_m2"] == 125
    assert (data["subsidy"], data["reward"], data["subsidy_and_reward"]) == (15000, 10000, 25000)
    assert data["own_funds_needed"] == 100000 and data["own_funds_limit"] is None
    assert data["loan_allowed"] == 60000
    assert data["homestead_limit_m2"] == 200 and data["garden_m2"] is None
    assert data["compliant"] is True, data["reasons"]


def test_HS_4_two_people_without_labour_go_to_the_elderly_home():
    data = plan_json("--people", "2", "--kind", "registered", "--no-labour")
    assert data["elderly_home"] is True
    assert data["allowed_layouts"] == [] and data["layout_m2"] is None
    assert data["compliant"] is False and data["reasons"]
    assert "HS-4" in data["rules"]


def test_HS_2_plain_text_without_json():
    result = run("--people", "3", "--kind", "registered")
    assert result.returncode == 0, result.stderr
    assert "75 m²" in result.stdout and "2017.1" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--kind", "registered"],  # missing --people
        ["--people", "4"],  # missing --kind
        ["--people", "4", "--kind", "x"],
        ["--people", "4", "--kind", "registered", "--unit-cost", "abc"],
        ["--people", "4", "--kind", "registered", "--unit-cost", "-5"],
        ["--people", "four", "--kind", "registered"],
        ["--people", "0", "--kind", "registered"],
        ["--people", "4", "--kind", "registered", "--layout", "90"],
        ["--people", "4", "--kind", "registered", "--zone", "basin"],  # zone without land
        ["--people", "4", "--kind", "registered", "--built-area", "100"],  # built area without a start date
        ["--people", "4", "--kind", "registered", "--start-date", "2017-02-30"],
    ],
)
@pytest.mark.parametrize("lang", ["en", None])
def test_HS_2_bad_arguments_exit_2_with_a_message(args, lang):
    result = run(*args, "--json", lang=lang)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args, words",
    [
        (["--kind", "registered"], "--people"),
        (["--people", "4", "--kind", "x"], "--kind"),
        (["--people", "4", "--kind", "registered", "--unit-cost", "abc"], "Not an amount"),
        (["--people", "0", "--kind", "registered"], "between 1 and 30"),
        (["--people", "4", "--kind", "registered", "--zone", "basin"], "zone"),
        (["--people", "4", "--kind", "registered", "--layout", "90"], "90"),
    ],
)
def test_HS_2_bad_argument_message_says_what_is_wrong(args, words):
    result = run(*args, "--json")
    assert result.returncode == 2
    assert words in result.stderr
