"""documents.qr: the fast QR encoder gives exactly reportlab's modules (byte mode, level M, mask 0),
and the agreement line breaker keeps Chinese punctuation where it belongs."""

from __future__ import annotations

import random
import string

import pytest
from reportlab.graphics.barcode import qrencoder

from xinjie_desktop.core.documents import agreement_pdf, qr
from xinjie_desktop.core.documents.fonts import document_font


def reportlab_modules(payload: str) -> tuple[int, bytes]:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QR8bitByte(payload))
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return code.getModuleCount(), b"".join(b"1" if dark else b"0" for row in code.modules for dark in row)


def payloads() -> list[str]:
    chance = random.Random(4)
    found = [
        agreement_pdf.qr_payload(f"XJ-2017-4A0B-{n:06d}-BQ-v1", f"{chance.getrandbits(256):064x}") for n in range(8)
    ]
    found += ["".join(chance.choice(string.printable) for _ in range(n)) for n in (1, 14, 60, 150, 300, 600)]
    return found + ["编号|校验码" * 20]


@pytest.mark.parametrize("payload", payloads())
def test_fast_qr_is_reportlabs_code(payload):
    assert qr.modules(payload) == reportlab_modules(payload)


def test_dark_runs_cover_the_dark_modules():
    payload = payloads()[0]
    count, flat = qr.modules(payload)
    side, runs = qr.dark_runs(payload)
    assert side == count and sum(length for _r, _c, length in runs) == flat.count(b"1")


def test_lines_never_start_with_closing_or_end_with_opening_punctuation():
    breaker = agreement_pdf._Breaker(document_font())
    text = "甲方按政策给予乙方建房补助80,000.00元；乙方签订搬新拆旧协议（附件一）并按时拆除旧房，经验收合格后，" * 6
    for width in range(120, 460, 7):
        lines = breaker.lines(text, 10.5, width, 21)
        assert "".join(line for line, _w in lines) == text
        for line, line_width in lines:
            assert line[0] not in agreement_pdf.CLOSING and line[-1] not in agreement_pdf.OPENING
            assert line_width <= width + 0.01
        assert "80,000.00" in "\n".join(line for line, _w in lines)  # an amount is never split
