"""The agreements (issue 4): drafted from the household and its saved plan, numbered and hashed,
printed with embedded fonts and a QR code, signed once, voided into a new version, verified.

Expected figures are worked out by hand from ../shared/POLICY.md:
- 4 actual members, registered: subsidy 4 × 20,000 = 80,000 (SB-1), reward 4 × 6,000 = 24,000.
- House started 2016-10-01, 160 m² built at 1,200 yuan/m²: cost 192,000; subsidy + reward 104,000
  (cap: 100 m² standard × 1,200 = 120,000, not reached); own funds 192,000 − 104,000 = 88,000, over
  the 10,000 limit by 78,000 → HS-4 ① relatives pay 78,000 (78,000 / 192,000 = 40.63 %), buy back at
  cost 78,000; ② the district company takes over the 60,000 loan.
- Synchronised household (SB-2): subsidy 15,000, reward 10,000 per household.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import struct
import subprocess
import sys
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from builders import family_draft, renumber
from xinjie_desktop.core.documents import agreement_templates
from xinjie_desktop.core.documents.agreement_templates import TemplateError
from xinjie_desktop.core.records import agreements, households, housing_plans
from xinjie_desktop.core.records.agreements import AgreementError, Employment
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.store.models import Agreement, Township
from xinjie_desktop.i18n import set_language
from xinjie_desktop.resources import templates_dir

TODAY = dt.date(2017, 5, 2)
DEADLINE = dt.date(2017, 12, 31)
# The plans assume the demolition agreement signed (the calculator's box ticked): the agreements count the
# reward only then, and the demolition agreement is drafted only from such a plan (issue 14).
OVER_LIMIT = PlanInput(
    people=4,
    unit_cost=Decimal(1200),
    built_area=Decimal(160),
    start_date=dt.date(2016, 10, 1),
    loan=Decimal(60000),
    demolition_signed=True,
)
WITHIN = PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True)


def png(width: int = 120, height: int = 40, seed: int = 0) -> bytes:
    """A small valid PNG (a dark diagonal stroke), without any imaging library."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            dark = abs((x + seed) * height // width - y) <= 2
            row += bytes((20, 20, 60, 255) if dark else (255, 255, 255, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


SIGNATURES = {
    "household_head": ("杨明", png(seed=0)),
    "representative": ("段志强", png(seed=9)),
    "witness": ("李四", png(seed=20)),
}


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def household(store, group_id):
    with store.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    household_id = households.save(
        store, family_draft(group_id, national_number="5305020001", address="青山村第一组3号")
    )
    result = calculate(OVER_LIMIT, housing_plans.current())
    housing_plans.save(
        store, household_id, OVER_LIMIT, result, chosen_option="relatives", co_investor="杨大山（户主之父）"
    )
    return household_id


def draft_all(store, household_id) -> dict[str, str]:
    _drafted, refused = agreements.draft_missing(store, household_id, demolition_deadline=DEADLINE, today=TODAY)
    assert refused == {}
    return {info.kind: info.id for info in agreements.current_agreements(store, household_id).values()}


def test_AG_1_HS_4_SB_1_each_document_states_the_right_figures(store, household, tmp_path):
    """AG-1: the three agreements (and HS-4 co-ownership under ①) carry the parties and the plan's figures."""
    ids = draft_all(store, household)
    assert set(ids) == {"relocation", "demolition", "employment", "co_ownership"}
    texts = {
        kind: flat(text_of(agreements.render_pdf(store, agreement_id, tmp_path / f"{kind}.pdf")))
        for kind, agreement_id in ids.items()
    }
    for text in texts.values():
        assert "Commandcentre" in text and "段志强" in text and "杨明" in text
    relocation = texts["relocation"]
    for figure in (
        "actualpopulationof4",
        "160m²",
        "192,000.00",
        "80,000.00",
        "24,000.00",
        "104,000.00",
        "88,000.00",
        "10,000.00",
        "version2017.1",
    ):
        assert figure in relocation, figure
    assert "by2017-12-31" in texts["demolition"] and "rewardof24,000.00" in texts["demolition"]
    assert "atleast2householdmembers" in texts["employment"]  # the two adults able to work
    co = texts["co_ownership"]
    for figure in (
        "杨大山（户主之父）",
        "PartyCpays78,000.00",
        "PartyBpays10,000.00",
        "PartyC40.63%",
        "PartyB59.37%",
        "atcost,78,000.00",
        "maynotsell",
        "贫困户不得私自对安置房进行处置",
    ):
        assert figure in co, figure


def test_SB_2_synchronised_household_reward_per_household(store, group_id, tmp_path):
    """SB-2: a synchronised household's demolition agreement promises 10,000 a household."""
    household_id = households.save(store, family_draft(group_id))
    plan = PlanInput(people=4, kind="synchronised", unit_cost=Decimal(1100), layout=100, demolition_signed=True)
    housing_plans.save(store, household_id, plan, calculate(plan, housing_plans.current()))
    agreement_id = agreements.draft(store, household_id, "demolition", demolition_deadline=DEADLINE, today=TODAY)
    text = flat(text_of(agreements.render_pdf(store, agreement_id, tmp_path / "d.pdf")))
    assert "rewardof10,000.00" in text and "synchronisedrelocationhousehold" in text


def test_AG_1_chinese_document(store, household, tmp_path):
    """AG-1: the Chinese template fills the same figures."""
    set_language("zh_CN")
    ids = draft_all(store, household)
    text = flat(text_of(agreements.render_pdf(store, ids["demolition"], tmp_path / "d.pdf")))
    assert "搬新拆旧协议" in text and "应于2017年12月31日前拆除原有旧房" in text and "拆旧奖励24,000.00元" in text
    text = flat(text_of(agreements.render_pdf(store, ids["employment"], tmp_path / "e.pdf")))
    assert "脱贫就业协议" in text and "种植养殖" in text  # the template's default commitment


def test_AG_1_content_is_canonical_and_its_hash_changes_with_it(store, household):
    """AG-1: content_sha256 is the SHA-256 of the canonical content; changing a field changes it."""
    agreement_id = agreements.draft(store, household, "demolition", demolition_deadline=DEADLINE, today=TODAY)
    with store.session() as session:
        record = session.get(Agreement, agreement_id)
        content, first = record.content, record.content_sha256
    assert first == hashlib.sha256(content.encode()).hexdigest()
    assert agreements.canonical(json.loads(content)) == content
    second = agreements.edit(store, agreement_id, demolition_deadline=dt.date(2018, 1, 31), today=TODAY)
    assert second != first
    assert agreements.edit(store, agreement_id, demolition_deadline=DEADLINE, today=TODAY) == first


def test_AG_1_draft_needs_a_plan_and_a_deadline(store, group_id):
    household_id = households.save(store, family_draft(group_id))
    with pytest.raises(AgreementError, match="Save a housing plan"):
        agreements.draft(store, household_id, "relocation", today=TODAY)
    housing_plans.save(store, household_id, WITHIN, calculate(WITHIN, housing_plans.current()))
    with pytest.raises(AgreementError, match="date by which the old house"):
        agreements.draft(store, household_id, "demolition", today=TODAY)
    with pytest.raises(AgreementError, match="already past"):
        agreements.draft(store, household_id, "demolition", demolition_deadline=dt.date(2017, 1, 1), today=TODAY)
    agreements.draft(
        store, household_id, "employment", employment=Employment(workers=3, training="养殖培训"), today=TODAY
    )
    with pytest.raises(AgreementError, match="already has"):
        agreements.draft(store, household_id, "employment", today=TODAY)


def test_HS_4_co_ownership_only_where_the_plan_chose_option_1_or_2(store, group_id):
    """HS-4: a co-ownership agreement only under way ① (relatives) or ② (district company)."""
    ids = []
    for index, (option, investor) in enumerate(
        ((None, ""), ("cooperative", "安置点居民公共服务专业合作社"), ("district_company", "隆阳区扶投公司"))
    ):
        household_id = households.save(store, renumber(family_draft(group_id), 20 + 5 * index))
        result = calculate(OVER_LIMIT, housing_plans.current())
        housing_plans.save(store, household_id, OVER_LIMIT, result, chosen_option=option or "", co_investor=investor)
        ids.append(household_id)
    for household_id in ids[:2]:
        assert "co_ownership" not in agreements.applicable_kinds(store, household_id)
        with pytest.raises(AgreementError, match="only where the saved housing plan chose way ①"):
            agreements.draft(store, household_id, "co_ownership", today=TODAY)
    assert "co_ownership" in agreements.applicable_kinds(store, ids[2])
    agreements.draft(store, ids[2], "co_ownership", today=TODAY)


def test_AG_1_signed_agreement_refuses_every_edit(store, household, tmp_path):
    """AG-1: once signed, the agreement can no longer be edited, by the core or by a direct write."""
    ids = draft_all(store, household)
    pdf_sha = agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, TODAY)
    out = agreements.render_pdf(store, ids["relocation"], tmp_path / "signed.pdf")
    assert hashlib.sha256(out.read_bytes()).hexdigest() == pdf_sha
    with pytest.raises(AgreementError, match="signed and can no longer be edited"):
        agreements.edit(store, ids["relocation"], today=TODAY)
    with pytest.raises(AgreementError):
        agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, TODAY)
    with pytest.raises(AgreementError, match="cannot be changed"), store.unit_of_work() as session:
        session.get(Agreement, ids["relocation"]).content = '{"tampered":true}'
    with pytest.raises(AgreementError, match="cannot be deleted"), store.unit_of_work() as session:
        session.delete(session.get(Agreement, ids["relocation"]))
    with store.session() as session:
        record = session.get(Agreement, ids["relocation"])
        assert (record.status, record.signing_method, record.signed_on) == ("signed", "screen", TODAY)
    # on paper: the scan is kept and the fingerprint noted
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 scanned page")
    agreements.sign_on_paper(store, ids["demolition"], scan, True, TODAY)
    with store.session() as session:
        record = session.get(Agreement, ids["demolition"])
        assert (record.status, record.signing_method, record.fingerprint) == ("signed", "paper", True)
        assert record.scan_sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    with pytest.raises(AgreementError):
        agreements.edit(store, ids["demolition"], demolition_deadline=dt.date(2018, 3, 1), today=TODAY)


def test_AG_1_signatures_are_checked(store, household):
    ids = draft_all(store, household)
    with pytest.raises(AgreementError, match="Signatures missing: witness"):
        agreements.sign_on_screen(
            store, ids["relocation"], {k: v for k, v in SIGNATURES.items() if k != "witness"}, TODAY
        )
    with pytest.raises(AgreementError, match="not a PNG"):
        agreements.sign_on_screen(store, ids["relocation"], {**SIGNATURES, "witness": ("李四", b"GIF89a")}, TODAY)
    with store.session() as session:
        assert session.get(Agreement, ids["relocation"]).status == "draft"


def test_AG_1_voiding_keeps_both_versions(store, household):
    """AG-1: a correction voids the signed agreement with its reason and drafts version 2; both are listed."""
    ids = draft_all(store, household)
    agreements.sign_on_screen(store, ids["demolition"], SIGNATURES, TODAY)
    with pytest.raises(AgreementError, match="reason"):
        agreements.void(store, ids["demolition"], "  ", TODAY)
    new_id = agreements.void(store, ids["demolition"], "拆除期限写错", dt.date(2017, 5, 3))
    listed = [v for v in agreements.versions(store, household) if v.kind == "demolition"]
    assert [(v.version, v.status) for v in listed] == [(1, "voided"), (2, "draft")]
    old, new = listed
    assert (old.void_reason, old.voided_on, old.signed_pdf_sha256 is not None) == (
        "拆除期限写错",
        dt.date(2017, 5, 3),
        True,
    )
    assert new.id == new_id and new.supersedes_id == old.id
    assert new.number == old.number.replace("-CJ-v1", "-CJ-v2")
    with store.session() as session:  # drafted again from the records as they are now (issue 14): unchanged
        # records give the same content, drafted on the day of the voiding
        old_content, new_content = (json.loads(session.get(Agreement, v.id).content) for v in (old, new))
    assert new_content == {**old_content, "drafted_on": "2017-05-03"}
    agreements.edit(store, new_id, demolition_deadline=dt.date(2018, 3, 31), today=TODAY)  # the correction
    assert agreements.current_agreements(store, household)["demolition"].content_sha256 != old.content_sha256
    with pytest.raises(AgreementError, match="already voided"):
        agreements.void(store, old.id, "again", TODAY)


def test_AG_1_pdf_embeds_only_the_chinese_font_and_carries_number_hash_and_qr(store, household, tmp_path):
    """AG-1: fonts embedded and subset; number and hash printed, in the metadata and in a QR code."""
    set_language("zh_CN")
    ids = draft_all(store, household)
    for kind, agreement_id in ids.items():
        path = agreements.render_pdf(store, agreement_id, tmp_path / f"{kind}.pdf")
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all("WenQuanYiMicroHei" in row and " yes yes " in row for row in rows), fonts
        info = agreements.versions(store, household)
        record = next(v for v in info if v.id == agreement_id)
        text = flat(text_of(path))
        assert record.number in text and record.content_sha256 in text
        reader = PdfReader(path)
        assert reader.metadata.subject == record.number
        assert f"sha256={record.content_sha256}" in reader.metadata["/Keywords"]
        content = reader.pages[0].get_contents().get_data()
        assert content.count(b" re") > 100  # the QR code's modules, drawn as rectangles


def test_AG_1_verify_tells_match_signed_voided_and_tampered(store, household, tmp_path):
    """AG-1: verify finds number and hash, says the status, and rejects a tampered file."""
    ids = draft_all(store, household)
    draft_pdf = agreements.render_pdf(store, ids["relocation"], tmp_path / "draft.pdf")
    result = agreements.verify(store, draft_pdf)
    assert (result.matches, result.status, result.version, result.kind) == (True, "draft", 1, "relocation")

    agreements.sign_on_screen(store, ids["relocation"], SIGNATURES, TODAY)
    signed_pdf = agreements.render_pdf(store, ids["relocation"], tmp_path / "signed.pdf")
    result = agreements.verify(store, signed_pdf)
    assert (result.matches, result.status, result.signed_file, result.signed_file_matches) == (
        True,
        "signed",
        True,
        True,
    )
    assert agreements.verify(store, draft_pdf).status == "signed"  # the printed draft is what was signed

    tampered = tmp_path / "tampered.pdf"  # the signed file, changed after signing
    tampered.write_bytes(signed_pdf.read_bytes().replace(b"/Producer", b"/Producer ", 1))
    result = agreements.verify(store, tampered)
    assert (result.matches, result.hash_matches, result.signed_file_matches) == (False, True, False)

    forged = tmp_path / "forged.pdf"  # a hash that is not the stored one
    writer = PdfWriter(clone_from=str(draft_pdf))
    keywords = str(PdfReader(draft_pdf).metadata["/Keywords"])
    writer.add_metadata({"/Keywords": keywords.replace("sha256=", "sha256=0", 1)})
    writer.write(forged)
    result = agreements.verify(store, forged)
    assert result.found and not result.matches and not result.hash_matches

    agreements.void(store, ids["relocation"], "人口有误", TODAY)
    result = agreements.verify(store, signed_pdf)
    assert (result.matches, result.status, result.void_reason) == (True, "voided", "人口有误")

    stranger = tmp_path / "stranger.pdf"
    stranger.write_bytes(draft_pdf.read_bytes().replace(b"-BQ-v1", b"-BQ-v9"))
    assert not agreements.verify(store, stranger).matches
    not_pdf = tmp_path / "note.pdf"
    not_pdf.write_text("hello")
    with pytest.raises(AgreementError, match="not a PDF"):
        agreements.verify(store, not_pdf)


def test_AG_1_village_batch_is_one_pdf_and_cancel_leaves_no_file(store, household, group_id, tmp_path):
    """AG-1: all agreements of a village as one PDF; cancelling leaves nothing behind."""
    second = households.save(store, renumber(family_draft(group_id), 40))
    housing_plans.save(store, second, WITHIN, calculate(WITHIN, housing_plans.current()))
    draft_all(store, household)
    agreements.draft_missing(store, second, demolition_deadline=DEADLINE, today=TODAY)
    with store.session() as session:
        from xinjie_desktop.core.store.models import Household

        village_id = session.get(Household, household).village_id
    seen = []
    out = tmp_path / "village.pdf"
    count = agreements.render_village(
        store, village_id, list(agreements.KINDS), out, lambda done, total: seen.append((done, total)) or True
    )
    assert count == 7 and seen[-1] == (7, 7)
    assert len(PdfReader(out).pages) >= 7
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Helvetica" not in fonts
    cancelled = tmp_path / "cancelled.pdf"
    with pytest.raises(InterruptedError):
        agreements.render_village(store, village_id, ["relocation"], cancelled, lambda done, total: done < 1)
    assert list(tmp_path.glob("cancelled*")) == [] and list(tmp_path.glob(".cancelled*")) == []


def copy_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "agreements"
    shutil.copytree(templates_dir() / "agreements", folder)
    return folder


def test_templates_are_validated_naming_file_and_line(tmp_path):
    folder = copy_templates(tmp_path)
    assert agreement_templates.load(folder).version("relocation") == "2017.1"
    path = folder / "relocation.toml"
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines()

    path.write_text(original.replace("{subsidy}元", "{subsidie}元", 1), encoding="utf-8")
    agreement_templates.clear_cache()
    with pytest.raises(TemplateError) as error:
        agreement_templates.load(folder)
    line = next(i for i, text in enumerate(lines, 1) if "{subsidy}元" in text)
    assert f"relocation.toml, line {line}" in str(error.value) and "{subsidie}" in str(error.value)

    path.write_text(original.replace('closing = "本协议', 'ending = "本协议', 1), encoding="utf-8")
    agreement_templates.clear_cache()
    with pytest.raises(TemplateError, match=r"relocation.toml, line \d+: the section closing is missing"):
        agreement_templates.load(folder)

    path.write_text(original.replace('kind = "relocation"', 'kind = "demolition"'), encoding="utf-8")
    agreement_templates.clear_cache()
    with pytest.raises(TemplateError) as error:
        agreement_templates.load(folder)
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("kind ="))
    assert f"relocation.toml, line {line}" in str(error.value) and "demolition" in str(error.value)

    path.write_text(original.replace("{demolition_deadline}", ""), encoding="utf-8")
    (folder / "demolition.toml").write_text(
        (folder / "demolition.toml").read_text(encoding="utf-8").replace("{address}", "{co_investor}", 1),
        encoding="utf-8",
    )
    agreement_templates.clear_cache()
    with pytest.raises(TemplateError, match=r"demolition.toml, line \d+: unknown placeholder \{co_investor\}"):
        agreement_templates.load(folder)
    agreement_templates.clear_cache()


def run_cli(*args):
    command = [sys.executable, "-m", "xinjie_desktop", "--lang", "en", "agreements", *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_AG_1_command_line_render_and_verify(store, household, tmp_path):
    """AG-1: `agreements render` drafts what is missing and writes a PDF each; `verify` exit codes 0/1/2."""
    db = str(store.path)
    out = tmp_path / "out"
    result = run_cli(
        "render",
        "--db",
        db,
        "--household",
        household,
        "--out",
        str(out),
        "--demolition-deadline",
        "2017-12-31",
        "--date",
        "2017-05-02",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Drafted") == 4
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 4 and all(str(p) in result.stdout for p in pdfs)
    again = run_cli("render", "--db", db, "--household", household, "--out", str(out))
    assert again.returncode == 0 and "Drafted" not in again.stdout

    ok = run_cli("verify", str(pdfs[0]), "--db", db)
    assert ok.returncode == 0 and "matches the stored document" in ok.stdout and "draft" in ok.stdout
    tampered = tmp_path / "t.pdf"
    tampered.write_bytes(pdfs[0].read_bytes().replace(b"sha256=", b"sha256=f", 1))
    bad = run_cli("verify", str(tampered), "--db", db)
    assert bad.returncode == 1 and "does not match" in bad.stdout
    assert run_cli("verify", str(tmp_path / "missing.pdf"), "--db", db).returncode == 2
    (tmp_path / "x.pdf").write_text("not a pdf")
    assert run_cli("verify", str(tmp_path / "x.pdf"), "--db", db).returncode == 2
    assert run_cli("verify", str(pdfs[0]), "--db", str(tmp_path / "none.sqlite")).returncode == 2
    unknown = run_cli("render", "--db", db, "--household", "no-such-id", "--out", str(out))
    assert unknown.returncode == 2 and "no-such-id" in unknown.stderr
    not_store = tmp_path / "junk.sqlite"
    not_store.write_text("junk")
    assert run_cli("verify", str(pdfs[0]), "--db", str(not_store)).returncode == 2
