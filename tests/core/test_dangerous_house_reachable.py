"""SB-3 dangerous houses, reachable (issue 14): only a registered household outside relocation, the
command line ``dangerous-house``, and the co-ownership agreement where the district company takes
over a D-grade rebuild's loan."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from builders import family_draft
from xinjie_desktop.core.records import agreements, households
from xinjie_desktop.core.records import dangerous_house as dangerous_records
from xinjie_desktop.core.rules.dangerous_house import DangerousHouseError, DangerousHouseInput
from xinjie_desktop.core.store.models import DangerousHouse, RelocationVerification

APPRAISED = {"appraiser": "保山市某房屋安全鉴定所", "appraised_on": dt.date(2017, 4, 10)}
D_WITH_LOAN = DangerousHouseInput(
    grade="D",
    people=4,
    rebuild=True,
    start_date=dt.date(2017, 1, 15),
    unit_cost=Decimal(700),
    area=Decimal(90),
    own_funds=Decimal(5000),
    loan=Decimal(60000),
    **APPRAISED,
)


@pytest.fixture
def registered(store, group_id):
    return households.save(store, family_draft(group_id, national_number="5305020001"))


def stored(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(DangerousHouse))


def test_SB_3_only_registered_households_outside_relocation(store, group_id, registered, params):
    synchronised = households.save(store, family_draft(group_id, address="elsewhere", national_number=""))
    with pytest.raises(DangerousHouseError, match="registered"):
        dangerous_records.record(store, synchronised, DangerousHouseInput(grade="C", **APPRAISED), params)
    with store.unit_of_work() as session:
        session.add(RelocationVerification(household_id=registered, in_scope=True))
    with pytest.raises(DangerousHouseError, match="relocat"):
        dangerous_records.record(store, registered, DangerousHouseInput(grade="C", **APPRAISED), params)
    assert stored(store) == 0
    assert dangerous_records.refusal(store, registered) is not None


def test_SB_3_d_rebuild_loan_taken_over_makes_the_co_ownership_agreement(store, registered, params, tmp_path):
    dangerous_records.record(store, registered, D_WITH_LOAN, params)
    assert agreements.applicable_kinds(store, registered) == ["dangerous_house"]
    agreement_id = agreements.draft(store, registered, "dangerous_house", today=dt.date(2017, 5, 2))
    path = agreements.render_pdf(store, agreement_id, tmp_path / "d.pdf")
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    for words in ("60,000.00", "D", "保山市某房屋安全鉴定所", "90m²", "63,000.00", "districtpoverty-alleviation"):
        assert words in text, words
    info = agreements.current_agreements(store, registered)["dangerous_house"]
    assert info.number.endswith("-WF-v1")


def test_SB_3_no_co_ownership_without_a_loan_taken_over(store, registered, params):
    dangerous_records.record(store, registered, DangerousHouseInput(grade="C", **APPRAISED), params)
    assert agreements.applicable_kinds(store, registered) == []
    with pytest.raises(agreements.AgreementError, match="loan"):
        agreements.draft(store, registered, "dangerous_house", today=dt.date(2017, 5, 2))


def run(*args):
    command = [sys.executable, "-m", "xinjie_desktop", "--lang", "en", "dangerous-house", *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", timeout=120)


D_ARGS = ("--grade", "D", "--appraiser", "鉴定所", "--appraised-on", "2017-04-10", "--rebuild", "--area", "90")


def test_SB_3_command_line(store, registered, tmp_path):
    alone = run("--grade", "C", "--appraiser", "鉴定所", "--appraised-on", "2017-04-10", "--json")
    assert alone.returncode == 0, alone.stderr
    assert json.loads(alone.stdout)["subsidy"] == "10000.00"
    db = str(store.path)
    store.close()
    result = run(
        *D_ARGS,
        "--unit-cost",
        "700",
        "--own-funds",
        "5000",
        "--start-date",
        "2017-01-15",
        "--loan",
        "60000",
        "--db",
        db,
        "--household",
        registered,
        "--save",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["subsidy"], shown["loan_taken_over"], shown["max_area_m2"], shown["people"]) == (
        "60000.00",
        "60000.00",
        100,
        4,
    )
    assert shown["compliant"] and "SB-3" in shown["rules"] and shown["saved"]
    before = (tmp_path / "store.sqlite").read_bytes()
    for bad, words in (
        (("--grade", "B", "--appraiser", "x", "--appraised-on", "2017-04-10"), "grade"),
        (("--grade", "C", "--appraiser", " ", "--appraised-on", "2017-04-10"), "appraiser"),
        (("--grade", "C", "--appraiser", "x", "--appraised-on", "2017-13-40"), "date"),
        (("--grade", "C", "--rebuild", "--appraiser", "x", "--appraised-on", "2017-04-10"), "D-grade"),
        ((*D_ARGS, "--db", db, "--household", "no-such-id", "--save"), "no-such-id"),
    ):
        refused = run(*bad)
        assert refused.returncode == 2 and words in refused.stderr, (bad, refused.stderr)
        assert "Traceback" not in refused.stderr
    assert (tmp_path / "store.sqlite").read_bytes() == before
