"""A printed agreement is verified by what it shows (issue 13, case 15; AG-1).

``agreements verify`` takes the PDF's metadata only as a hint for which agreement to compare with
(the number printed on the page comes first).  It then asks, in this order:

1. Is the file byte for byte one the store holds or prints for that agreement (the signed PDF
   stored at signing, the scan of a paper copy, or the PDF the store renders for the agreement
   now or as it was printed before it was signed or voided, in either language)?  Only then does
   it say "matches" (exit code 0).
2. If not, what differs between the text the pages show and the text the stored agreement renders
   to: the differing passages and amounts, the page count, the QR code, the metadata's claims.

Hostile files, and what each gives:
- A made-up page reading "甲方支付 999,999 元" with the real number printed and the real metadata
  copied in: the text differs; the report quotes the page and the stored agreement (exit 1).
- One byte changed inside the page's compressed content stream: the page no longer decodes to what
  was drawn (garbled or unreadable), so its text differs (exit 1).
- One byte changed where no page looks (the metadata's Producer, the trailer's /ID): the text and
  every drawing instruction are the same, but the file is not one the store produced.  Still no
  "matches" (exit 1): outside the page contents a file can change what a page shows without
  changing its text (a font's glyphs, an added annotation or picture), and a change a verifier
  cannot see the effect of is not vouched for; the report says the text and drawings are the same,
  so the user knows to print the agreement again from the store.
- Metadata stripped: the agreement is still found by the number printed on the page; same text, not
  the file (exit 1).  Neither number nor metadata: "not an agreement printed by this application".
- One amount edited in the page (80,000.00 → 90,000.00, recompressed): that passage is quoted both
  ways, and the amounts listed (exit 1).
- A voided agreement's PDF, the signed PDF, a paper copy's stored scan (found by its bytes alone):
  byte for byte what the store holds or prints, so "matches", with the status (exit 0, as before:
  the contract is 0 match, 1 no match, 2 refused input).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import subprocess
import sys
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from builders import family_draft
from xinjie_desktop.core.documents.fonts import document_font
from xinjie_desktop.core.records import agreements, households, housing_plans
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.store.models import Agreement, Township
from xinjie_desktop.i18n import set_language

TODAY = dt.date(2017, 5, 2)
PLAN = PlanInput(  # assumes the demolition agreement signed: the agreements count the reward (issue 14)
    people=4,
    unit_cost=Decimal(1200),
    built_area=Decimal(160),
    start_date=dt.date(2016, 10, 1),
    loan=Decimal(60000),
    demolition_signed=True,
)


def png_stroke() -> bytes:
    """A tiny valid PNG (dark pixels), enough for a signature box."""
    width, height = 8, 4
    rows = b"".join(b"\x00" + bytes((20, 20, 60, 255)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SIGNATURES = {
    role: (name, png_stroke())
    for role, name in (("household_head", "杨明"), ("representative", "段志强"), ("witness", "李四"))
}


@pytest.fixture
def agreement(store, group_id):
    """A relocation agreement drafted for a household with a saved plan; returns its id."""
    with store.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    household_id = households.save(
        store, family_draft(group_id, national_number="5305020001", address="青山村第一组3号")
    )
    housing_plans.save(store, household_id, PLAN, calculate(PLAN, housing_plans.current()))
    return agreements.draft(store, household_id, agreements.RELOCATION, today=TODAY)


def info(store, agreement_id) -> agreements.AgreementInfo:
    with store.session() as session:
        household_id = session.get(Agreement, agreement_id).household_id
    return next(version for version in agreements.versions(store, household_id) if version.id == agreement_id)


def run_verify(path: Path, db: Path, language: str = "en"):
    command = [
        sys.executable,
        "-m",
        "xinjie_desktop",
        "--lang",
        language,
        "agreements",
        "verify",
        str(path),
        "--db",
        str(db),
    ]
    return subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", timeout=120)


def report(result: agreements.Verification) -> str:
    return "\n".join((result.message, *result.details))


def made_up_page(lines: list[str], metadata_from: Path | None) -> bytes:
    """A page drawn with reportlab in the shipped font, the real PDF's metadata copied in with pypdf."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    font = document_font()
    y = A4[1] - 80
    for line in lines:
        canvas.setFont(font, 11)
        canvas.drawString(60, y, line)
        y -= 24
    canvas.showPage()
    canvas.save()
    if metadata_from is None:
        return buffer.getvalue()
    writer = PdfWriter(clone_from=io.BytesIO(buffer.getvalue()))
    writer.add_metadata({key: str(value) for key, value in PdfReader(metadata_from).metadata.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def content_stream_span(data: bytes) -> tuple[int, int]:
    """Where the first page's compressed content stream lies in the file's bytes."""
    reference = PdfReader(io.BytesIO(data)).pages[0].get_object().raw_get("/Contents")
    header = re.search(rb"\n%d 0 obj\n" % reference.idnum, data)
    start = data.index(b"stream\n", header.start()) + len(b"stream\n")
    length = int(re.search(rb"/Length (\d+)", data[header.start() : start]).group(1))
    return start, start + length


def one_byte_changed(data: bytes, offset: int, to: int | None = None) -> bytes:
    changed = bytearray(data)
    changed[offset] = changed[offset] ^ 0x01 if to is None else to
    assert changed[offset] != data[offset]
    return bytes(changed)


def test_AG_1_a_made_up_page_with_the_real_number_and_metadata_does_not_match(store, agreement, tmp_path):
    """AG-1: a page reading 甲方支付 999,999 元 with a real number and hash in its metadata (and printed)
    is compared by what it shows: the report quotes the page and the stored agreement; exit 1."""
    set_language("zh_CN")
    real = agreements.render_pdf(store, agreement, tmp_path / "real.pdf")
    record = info(store, agreement)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(
        made_up_page(
            [
                f"编号：{record.number}",
                "易地扶贫搬迁协议",
                "甲方支付 999,999 元",
                f"内容校验码（SHA-256）：{record.content_sha256}",
            ],
            real,
        )
    )
    assert f"sha256={record.content_sha256}" in str(PdfReader(forged).metadata["/Keywords"])
    set_language("en")
    result = agreements.verify(store, forged)
    assert result.found and result.number == record.number
    assert not result.matches, "old: " + result.message
    assert result.text_matches is False and not result.byte_identical
    assert "999,999" in result.amounts_not_stored
    assert any("999,999" in difference.shown for difference in result.differences)
    text = report(result)
    assert "does not match" in result.message and "matches the stored document" not in text
    assert "999,999" in text and "80,000.00" in text  # the page's amount and the stored subsidy, quoted
    run = run_verify(forged, store.path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "999,999" in run.stdout and "does not match" in run.stdout and "Traceback" not in run.stderr

    bare = tmp_path / "bare.pdf"  # the same made-up page without metadata: found by the number it shows
    bare.write_bytes(made_up_page([f"编号：{record.number}", "甲方支付 999,999 元"], None))
    result = agreements.verify(store, bare)
    assert (result.found, result.number, result.matches, result.text_matches) == (True, record.number, False, False)
    nothing = tmp_path / "nothing.pdf"
    nothing.write_bytes(made_up_page(["甲方支付 999,999 元"], None))
    result = agreements.verify(store, nothing)
    assert (result.found, result.matches) == (False, False)
    assert run_verify(nothing, store.path).returncode == 1


def test_AG_1_one_byte_changed_in_the_page_content_shows_something_else(store, agreement, tmp_path):
    """AG-1: a byte changed inside the compressed page content: the page decodes to something else or
    not at all; verify names the text that differs (or the page that cannot be read), or, where the
    damage left the text whole, the first drawing operator that differs; exit 1."""
    real = agreements.render_pdf(store, agreement, tmp_path / "real.pdf")
    data = real.read_bytes()
    start, end = content_stream_span(data)
    for offset in (start + 40, (start + end) // 2):
        changed = tmp_path / f"content-{offset}.pdf"
        changed.write_bytes(one_byte_changed(data, offset))
        result = agreements.verify(store, changed)
        assert result.found and result.number == info(store, agreement).number
        assert not result.matches and not result.byte_identical, report(result)
        # the page decodes to other text (or none), or to the same text drawn otherwise: named either way
        assert result.text_matches is False or result.drawing_matches is False, report(result)
        assert "does not match" in result.message and len(result.details) >= 2, report(result)
        run = run_verify(changed, store.path)
        assert run.returncode == 1 and "does not match" in run.stdout, run.stdout + run.stderr
        assert run.stderr == ""  # pypdf's complaints about the damaged stream are not shown to the user


def test_AG_1_one_byte_changed_outside_the_pages_is_not_vouched_for(store, agreement, tmp_path):
    """AG-1: a byte changed in the metadata (Producer) or the trailer (a hex digit of /ID): the text
    and the pages' drawing operators are the same, but the file is not one the store produced: no
    "matches", exit 1, and the report says the pages are the same (see the module docstring for
    why).  A byte there that breaks the file's syntax (not a hex digit) is a refused input, exit 2."""
    real = agreements.render_pdf(store, agreement, tmp_path / "real.pdf")
    data = real.read_bytes()
    producer = data.index(b"ReportLab PDF Library") + 3
    trailer_id = data.index(b"/ID", data.rindex(b"trailer")) + len(b"/ID \n[<")
    other_digit = ord("0") if data[trailer_id] != ord("0") else ord("1")
    for name, changed_data in (
        ("metadata", one_byte_changed(data, producer)),
        ("trailer", one_byte_changed(data, trailer_id, other_digit)),
    ):
        changed = tmp_path / f"{name}.pdf"
        changed.write_bytes(changed_data)
        assert len(changed_data) == len(data)
        result = agreements.verify(store, changed)
        assert (result.found, result.matches, result.byte_identical) == (True, False, False), name
        assert (result.text_matches, result.drawing_matches, result.qr_matches) == (True, True, True), name
        assert result.hash_matches and result.differences == ()
        assert "same text" in result.message and "not a file this store produced" in result.message
        assert any("draw exactly what" in line for line in result.details)
        run = run_verify(changed, store.path)
        assert run.returncode == 1 and "does not match" in run.stdout, name

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(one_byte_changed(data, trailer_id, ord("g")))
    with pytest.raises(agreements.AgreementError, match="not a readable PDF"):
        agreements.verify(store, broken)
    run = run_verify(broken, store.path)
    assert run.returncode == 2 and "not a readable PDF" in run.stderr and run.stdout == ""
    assert run.stderr.count("\n") == 1  # the reason alone: no traceback, none of pypdf's log lines


def test_AG_1_metadata_stripped_is_found_by_the_number_on_the_page(store, agreement, tmp_path):
    """AG-1: without metadata the agreement is found by the number printed on its page; the text is
    the same, the file is not (exit 1)."""
    real = agreements.render_pdf(store, agreement, tmp_path / "real.pdf")
    data = real.read_bytes()
    info_reference = re.search(rb"/Info \d+ 0 R\n", data[data.rindex(b"trailer") :]).group(0)
    stripped = tmp_path / "stripped.pdf"
    stripped.write_bytes(data.replace(info_reference, b"", 1))
    assert not PdfReader(stripped).metadata
    result = agreements.verify(store, stripped)
    record = info(store, agreement)
    assert (result.found, result.number, result.version, result.status) == (True, record.number, 1, "draft")
    assert (result.matches, result.text_matches) == (False, True)
    assert run_verify(stripped, store.path).returncode == 1


def test_AG_1_a_changed_qr_code_is_named(store, agreement, tmp_path):
    """AG-1: the same text and a QR code that no longer carries the stored number and hash."""
    real = agreements.render_pdf(store, agreement, tmp_path / "real.pdf")
    writer = PdfWriter(clone_from=str(real))
    page = writer.pages[0]
    content = page.get_contents()
    drawn = content.get_data()
    first_run = re.search(rb"\n\d+ \d+ \d+ 1 re", drawn).group(0)
    content.set_data(drawn.replace(first_run, b"", 1))
    page[NameObject("/Contents")] = writer._add_object(content)
    changed = tmp_path / "qr.pdf"
    writer.write(changed)
    result = agreements.verify(store, changed)
    assert (result.matches, result.text_matches, result.qr_matches, result.drawing_matches) == (
        False,
        True,
        False,
        False,
    )
    assert "QR code" in report(result)


def test_AG_1_voided_and_signed_pdfs_match_byte_for_byte(store, agreement, tmp_path):
    """AG-1: the signed PDF, the draft printed before signing, and a voided agreement's PDF are byte
    for byte what the store holds or prints: "matches" with the status, exit 0 (in either language)."""
    set_language("zh_CN")
    draft_zh = agreements.render_pdf(store, agreement, tmp_path / "draft-zh.pdf")
    set_language("en")
    result = agreements.verify(store, draft_zh)  # printed in Chinese, checked in English
    assert (result.matches, result.byte_identical, result.status) == (True, True, "draft")
    agreements.sign_on_screen(store, agreement, SIGNATURES, TODAY)
    signed = agreements.render_pdf(store, agreement, tmp_path / "signed.pdf")
    result = agreements.verify(store, signed)
    assert (result.matches, result.byte_identical, result.signed_file_matches, result.status) == (
        True,
        True,
        True,
        "signed",
    )
    assert "signed PDF" in result.message
    result = agreements.verify(store, draft_zh)
    assert (result.matches, result.status) == (True, "signed") and "before it was signed" in result.message
    run = run_verify(signed, store.path)
    assert run.returncode == 0 and "matches the stored document" in run.stdout, run.stdout + run.stderr

    changed = tmp_path / "signed-changed.pdf"  # one byte of the signed file's metadata
    data = signed.read_bytes()
    changed.write_bytes(one_byte_changed(data, data.index(b"ReportLab PDF Library") + 3))
    result = agreements.verify(store, changed)
    assert (result.matches, result.text_matches, result.signed_file_matches) == (False, True, False)
    assert "signed PDF" in report(result)

    successor = agreements.void(store, agreement, "人口有误", TODAY)
    for path in (signed, draft_zh):
        result = agreements.verify(store, path)
        assert (result.matches, result.status, result.void_reason) == (True, "voided", "人口有误")
    run = run_verify(signed, store.path)
    assert run.returncode == 0 and "voided" in run.stdout

    unsigned_voided = agreements.void(store, successor, "地址有误", TODAY)  # a draft voided: printed now with the note
    voided_pdf = agreements.render_pdf(store, successor, tmp_path / "voided.pdf")
    result = agreements.verify(store, voided_pdf)
    assert (result.matches, result.status, result.void_reason) == (True, "voided", "地址有误")
    assert run_verify(voided_pdf, store.path).returncode == 0
    later = agreements.render_pdf(store, unsigned_voided, tmp_path / "v3.pdf")
    assert agreements.verify(store, later).matches


def test_AG_1_an_amount_edited_in_the_page_is_quoted_both_ways(store, agreement, tmp_path):
    """AG-1: a careful forger edits one amount in the page content (80,000.00 → 90,000.00, recompressed,
    real metadata kept): the report pairs what the page says with what the stored agreement says."""
    real = agreements.render_pdf(store, agreement, tmp_path / "real.pdf")
    writer = PdfWriter(clone_from=str(real))
    content = writer.pages[0].get_contents()
    drawn = content.get_data()
    assert drawn.count(b"80,000.00") == 1
    content.set_data(drawn.replace(b"80,000.00", b"90,000.00"))
    writer.pages[0][NameObject("/Contents")] = writer._add_object(content)
    edited = tmp_path / "edited.pdf"
    writer.write(edited)
    result = agreements.verify(store, edited)
    assert (result.matches, result.text_matches, result.hash_matches) == (False, False, True)
    (difference,) = result.differences
    assert "90,000.00" in difference.shown and "80,000.00" in difference.stored
    assert difference.shown.replace("90,000.00", "80,000.00") == difference.stored
    assert (result.amounts_not_stored, result.amounts_not_shown) == (("90,000.00",), ("80,000.00",))
    run = run_verify(edited, store.path)
    assert run.returncode == 1 and "90,000.00" in run.stdout and "80,000.00" in run.stdout


def test_AG_1_signed_on_paper_scan_and_prints_before_and_after_voiding(store, agreement, tmp_path):
    """AG-1: signed on paper: the stored scan is matched byte for byte; the draft printed before and the
    PDF printed after paper signing still match once the agreement is voided (status voided)."""
    draft = agreements.render_pdf(store, agreement, tmp_path / "draft.pdf")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(made_up_page(["（扫描件）"], None))
    agreements.sign_on_paper(store, agreement, scan, True, TODAY)
    on_paper = agreements.render_pdf(store, agreement, tmp_path / "on-paper.pdf")
    assert on_paper.read_bytes() != draft.read_bytes()  # it notes the paper signing and the fingerprint
    result = agreements.verify(store, scan)
    assert (result.matches, result.status, result.number) == (True, "signed", info(store, agreement).number)
    assert "scan" in result.message and result.text_matches is None
    agreements.void(store, agreement, "面积有误", TODAY)
    for path, said in ((draft, "before it was signed"), (on_paper, "signed on paper, before it was voided")):
        result = agreements.verify(store, path)
        assert (result.matches, result.status) == (True, "voided") and said in result.message, result.message
    now = agreements.render_pdf(store, agreement, tmp_path / "now.pdf")  # with the voiding noted
    assert agreements.verify(store, now).matches
