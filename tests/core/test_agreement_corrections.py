"""Agreements that stay true to the store (issue 14): a voided agreement never prints clean, and the
version that corrects it is drafted from the records as they are now.

AG-1: a correction voids the signed agreement with its reason and drafts the next version.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from pypdf import PdfReader
from test_agreements import DEADLINE, SIGNATURES, TODAY, draft_all, flat, household  # noqa: F401

from xinjie_desktop.core.records import agreements
from xinjie_desktop.core.store.models import Household
from xinjie_desktop.i18n import set_language


def pages_text(path: Path) -> list[str]:
    return [flat(page.extract_text() or "") for page in PdfReader(path).pages]


def test_AG_1_voided_signed_agreement_prints_the_void_mark_on_every_page(store, household, tmp_path):  # noqa: F811
    """AG-1: once voided, the signed-on-screen agreement no longer prints as the clean signed PDF."""
    set_language("zh_CN")
    ids = draft_all(store, household)
    agreements.sign_on_screen(store, ids["co_ownership"], SIGNATURES, TODAY)
    signed = agreements.render_pdf(store, ids["co_ownership"], tmp_path / "signed.pdf").read_bytes()
    agreements.void(store, ids["co_ownership"], "共同投资人姓名有误", dt.date(2017, 5, 3))
    path = agreements.render_pdf(store, ids["co_ownership"], tmp_path / "voided.pdf")
    assert path.read_bytes() != signed
    texts = pages_text(path)
    assert texts
    for text in texts:
        assert "作废" in text and "2017年5月3日" in text and "共同投资人姓名有误" in text, text[:200]
    result = agreements.verify(store, path)  # the voided print is still one the store vouches for
    assert (result.matches, result.status) == (True, "voided")


def test_AG_1_voided_paper_and_draft_copies_carry_the_mark_too(store, household, tmp_path):  # noqa: F811
    ids = draft_all(store, household)
    scan = tmp_path / "scan.png"
    scan.write_bytes(SIGNATURES["witness"][1])
    agreements.sign_on_paper(store, ids["relocation"], scan, True, TODAY)
    agreements.void(store, ids["relocation"], "address wrong", dt.date(2017, 5, 3))
    agreements.void(store, ids["employment"], "not needed yet", dt.date(2017, 5, 4))  # a draft, voided
    for kind, date, reason in (("relocation", "2017-05-03", "addresswrong"), ("employment", "2017-05-04", "notneeded")):
        texts = pages_text(agreements.render_pdf(store, ids[kind], tmp_path / f"{kind}.pdf"))
        for text in texts:
            assert "VOID" in text and date in text and reason in text, (kind, text[:200])


def test_AG_1_void_drafts_the_new_version_from_the_records_as_they_are_now(store, household, tmp_path):  # noqa: F811
    """AG-1: the wrong address corrected in the household shows in the version that replaces the voided one."""
    ids = draft_all(store, household)
    agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, TODAY)
    with store.unit_of_work() as session:
        session.get(Household, household).address = "青山村第二组8号"
    new_id = agreements.void(store, ids["relocation"], "地址写错", dt.date(2017, 5, 3))
    text = flat(
        subprocess.run(
            ["pdftotext", str(agreements.render_pdf(store, new_id, tmp_path / "v2.pdf")), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert "青山村第二组8号" in text and "青山村第一组3号" not in text
    assert "-BQ-v2" in text and "replaces" in text


def test_AG_1_void_keeps_the_deadline_and_commitments_the_household_agreed(store, household):  # noqa: F811
    ids = draft_all(store, household)
    agreements.sign_on_screen(store, ids["demolition"], SIGNATURES, TODAY)
    new_id = agreements.void(store, ids["demolition"], "人口有误", dt.date(2017, 5, 3))
    new = next(v for v in agreements.versions(store, household) if v.id == new_id)
    assert new.demolition_deadline == DEADLINE


def test_AG_1_draft_whose_household_changed_is_marked_stale(store, household):  # noqa: F811
    """A draft whose household data changed since drafting is named out of date, with what changed."""
    ids = draft_all(store, household)
    assert agreements.stale_fields(store, ids["relocation"]) == []
    with store.unit_of_work() as session:
        session.get(Household, household).address = "青山村第二组8号"
    changed = agreements.stale_fields(store, ids["relocation"])
    assert changed == ["address"]
    agreements.edit(store, ids["relocation"], today=TODAY)
    assert agreements.stale_fields(store, ids["relocation"]) == []
    agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, TODAY)
    with store.unit_of_work() as session:
        session.get(Household, household).address = "青山村第三组1号"
    assert agreements.stale_fields(store, ids["relocation"]) == ["address"]  # a signed one says so too


def test_AG_1_ID_1_edited_employment_agreement_counts_the_workers_as_they_are_now(store, household, tmp_path):  # noqa: F811
    """The correction step (``agreements.edit``) and the next version after a void count the members able to
    work from the household as it is now, as the first draft does (one computation), keeping the commitments."""
    from xinjie_desktop.core.records.agreements import Employment
    from xinjie_desktop.core.store.models import Agreement, Member

    ids = draft_all(store, household)
    agreements.edit(store, ids["employment"], employment=Employment(training="养殖培训"), today=TODAY)
    with store.session() as session:
        assert '"employment_workers":2' in session.get(Agreement, ids["employment"]).content  # head and spouse
    with store.unit_of_work() as session:
        spouse = session.query(Member).filter(Member.household_id == household, Member.relation == "spouse").one()
        spouse.labour = "none"
    assert "employment_workers" in agreements.stale_fields(store, ids["employment"])
    agreements.edit(store, ids["employment"], today=TODAY)
    assert agreements.stale_fields(store, ids["employment"]) == []
    text = flat(
        subprocess.run(
            ["pdftotext", str(agreements.render_pdf(store, ids["employment"], tmp_path / "e.pdf")), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert "atleast1household" in text and "atleast2" not in text
    assert "养殖培训" in text  # the commitment agreed stays
    agreements.sign_on_screen(store, ids["employment"], SIGNATURES, TODAY)
    with store.unit_of_work() as session:
        for member in session.query(Member).filter(Member.household_id == household):
            member.labour = "none"
    new_id = agreements.void(store, ids["employment"], "劳动力变化", dt.date(2017, 5, 3))
    with store.session() as session:
        content = session.get(Agreement, new_id).content
    assert '"employment_workers":0' in content and "养殖培训" in content
