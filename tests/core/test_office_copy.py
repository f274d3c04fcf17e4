"""The household's copy and the office's copy of an agreement (issue 14).

A page handed to a villager carries no rule code (SB-1, HS-3 …) and no command line; the office's copy
of the same agreement is marked 办公室留存 and names the rules it rests on and the command that verifies
it.  Both state the same amounts, carry the same number and content hash, and both verify.  AG-1, HS-4,
SB-1, SB-3.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_agreements import SIGNATURES, draft_all, household  # noqa: F401
from test_dangerous_house_reachable import D_WITH_LOAN

from builders import family_draft, renumber
from xinjie_desktop.core.records import agreements, households
from xinjie_desktop.core.records import dangerous_house as dangerous_records
from xinjie_desktop.i18n import set_language

RULE_CODE = re.compile(r"\b(?:ID|EX|RL|HS|HB|SB|LN|AG|PN|FD|WT)-\d")
AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})*\.\d{2}")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def every_kind(store, household_id, group_id, params) -> dict[str, str]:
    ids = draft_all(store, household_id)
    other = households.save(store, renumber(family_draft(group_id, national_number="5305020009"), 60))
    dangerous_records.record(store, other, D_WITH_LOAN, params)
    ids["dangerous_house"] = agreements.draft(store, other, "dangerous_house", today=dt.date(2017, 5, 2))
    return ids


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_AG_1_household_copy_has_no_rule_code_the_office_copy_has_them(
    store,
    household,  # noqa: F811
    group_id,
    params,
    tmp_path,
    language,
):
    set_language(language)
    ids = every_kind(store, household, group_id, params)
    agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, dt.date(2017, 5, 2))  # the stored signed PDF too
    mark = "办公室留存" if language == "zh_CN" else "OFFICE COPY"
    for kind, agreement_id in ids.items():
        home = pdf_text(agreements.render_pdf(store, agreement_id, tmp_path / f"{kind}.pdf"))
        office_path = agreements.render_pdf(store, agreement_id, tmp_path / f"{kind}-office.pdf", office_copy=True)
        office = pdf_text(office_path)
        assert not RULE_CODE.search(home), (kind, RULE_CODE.search(home))
        assert "xinjie-desktop" not in home and mark not in home, kind
        assert RULE_CODE.search(office) and mark in office, kind
        assert "xinjie-desktop agreements verify" in " ".join(office.split()), kind
        assert AMOUNT.findall(home) == AMOUNT.findall(office), kind  # the same amounts, in the same order
        number = agreements.verify(store, office_path)
        assert number.matches, (kind, number.message, number.details)
    relocation = pdf_text(tmp_path / "relocation-office.pdf")
    assert re.search(r"AG-1", relocation) and re.search(r"SB-1", relocation) and re.search(r"HS-3", relocation)
    assert "SB-3" in pdf_text(tmp_path / "dangerous_house-office.pdf")


def test_AG_1_command_line_writes_the_office_copy(store, household, tmp_path):  # noqa: F811
    draft_all(store, household)
    db = str(store.path)
    store.close()
    out = tmp_path / "out"
    command = [sys.executable, "-m", "xinjie_desktop", "--lang", "en", "agreements", "render"]
    common = ["--db", db, "--household", household, "--out", str(out)]
    result = subprocess.run([*command, *common, "--office-copy"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(out.glob("*.pdf"))
    assert len(written) == 4 and all(path.name.endswith("-office.pdf") for path in written)
    assert all("OFFICE COPY" in pdf_text(path) for path in written)
    result = subprocess.run([*command, *common], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    homes = [path for path in out.glob("*.pdf") if not path.name.endswith("-office.pdf")]
    assert len(homes) == 4 and not any(RULE_CODE.search(pdf_text(path)) for path in homes)
