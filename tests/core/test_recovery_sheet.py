"""Issue 17: the printed recovery code (made at set-up, kept in the township safe)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from xinjie_desktop.core.documents import recovery_sheet
from xinjie_desktop.i18n import set_language


def test_the_recovery_sheet_prints_the_code_whole_on_one_page_in_the_shipped_font():
    """Issue 17: one page; the code exactly as given (every group, in order); the township and the file named;
    only the embedded WenQuanYi font."""
    set_language("zh_CN")
    code = "K7QMP-X3T9W-4HRNC-ZV8DJ-2LF6B-YG5SA"
    sheet = recovery_sheet.RecoverySheet("辛街乡", "辛街乡.sqlite", code, "2017-03-05 10:20", "王乡长")
    reader = PdfReader(io.BytesIO(recovery_sheet.render_pdf(sheet)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace(" ", "")
    assert code in text.replace("\n", "")
    assert "K7QMP-X3T9W-4HRNC-\n" in text  # three groups a line: a group is never cut
    assert "辛街乡" in text and "辛街乡.sqlite" in text and "王乡长" in text and "保险柜" in text
    fonts = {font["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all("WenQuanYi" in str(name) for name in fonts), fonts
