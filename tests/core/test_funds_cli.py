"""Issue 19 on the command line: ``funds report --json`` (the README's keys) and ``funds notice`` (the notice of
funds as a PDF: masked ID numbers, the complaint telephone, at least 7 full days); both only read the data file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from decimal import Decimal

import pytest

from command_line import cli
from funds_builders import TODAY, FundsTown
from xinjie_desktop.core.records import funds
from xinjie_desktop.core.rules import funds as rules


@pytest.fixture
def db(store, group_id):
    town = FundsTown(store, group_id)
    funds.record_payment(
        store, town.registered, town.central, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY
    )
    funds.record_payment(
        store, town.synchronised, town.district, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(10000), today=TODAY
    )
    check = funds.record_check(store, rules.WEEKLY, dt.date(2017, 5, 3), "指挥部", "资金专户流水")
    funds.record_finding(store, check, "凭证缺签字", dt.datetime(2017, 5, 3, 9, 30), major=True)
    path = store.path
    store.close()
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_funds_report_json_keys_and_figures(db, capsys):
    before = digest(db)
    code, out, err = cli(capsys, "funds", "report", "--db", str(db), "--json", "--date", "2017-06-01")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert set(report) == {
        "today",
        "funds",
        "totals",
        "overdue_paperwork",
        "checks_due",
        "checks_overdue",
        "checks_held",
        "open_findings",
        "late_major_reports",
    }
    central = next(f for f in report["funds"] if f["source"] == "central_budget")
    assert (central["received"], central["paid"], central["balance"]) == ("200000.00", "30000.00", "170000.00")
    assert central["paid_by_household_kind"] == {"registered": "30000.00"}
    assert report["late_major_reports"][0]["state"] == "overdue_unreported"
    assert {"kind": "weekly", "from": "2017-05-29", "to": "2017-06-04"} in report["checks_due"]
    assert digest(db) == before


def test_funds_notice_pdf_of_a_village(db, capsys, tmp_path):
    """The notice prints the fund, the households with masked ID numbers, the telephone and the posting dates."""
    out = tmp_path / "notices"
    code, printed, err = cli(
        capsys, "funds", "notice", "--db", str(db), "--village", "V1", "--out", str(out),
        "--telephone", "0875-2121234", "--from", "2017-06-01", "--to", "2017-06-08",
    )  # fmt: skip
    assert (code, err) == (0, "")
    pdf = printed.strip()
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert "0875-2121234" in text and "2017-06-01" in text and "2017-06-08" in text
    flat = "".join(text.split())  # (cells wrap their text)
    assert "保发改投资〔2017〕" in flat and "30,000.00" in flat and "40,000.00" in flat  # a payment, the total
    assert "530502********" in flat and re.search(r"[0-9]{17}[0-9X]", flat) is None  # ID numbers masked
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:])  # every font embedded


def test_funds_notice_as_the_issue_spells_it_leaves_the_telephone_to_write_in(db, capsys, tmp_path):
    """Issue 19's command line, ``funds notice --db P --village ID --out DIR``, as spelt: the notice is written,
    with a line for the complaint telephone to be written in by hand (the data file holds none)."""
    out = tmp_path / "notices"
    code, printed, err = cli(capsys, "funds", "notice", "--db", str(db), "--village", "V1", "--out", str(out))
    assert (code, err) == (0, "")
    text = subprocess.run(["pdftotext", printed.strip(), "-"], capture_output=True, text=True, check=True).stdout
    assert funds.TELEPHONE_BY_HAND in "".join(text.split())


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--telephone", "0875-1", "--from", "2017-06-01", "--to", "2017-06-07"], "at least 7 full days"),
        (["--telephone", "0875-1", "--village", "No such village"], "No such village"),
    ],
)
def test_funds_notice_refusals_exit_2_with_the_reason(db, capsys, tmp_path, extra, reason):
    before = digest(db)
    code, _out, err = cli(capsys, "funds", "notice", "--db", str(db), "--out", str(tmp_path / "o"), *extra)
    assert code == 2 and reason in err and "Traceback" not in err
    assert digest(db) == before
