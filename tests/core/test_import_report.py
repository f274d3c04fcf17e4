"""The printed import report of sync bundles (issue 5): one row per bundle from ``bundle_log.report``,
refusals with their reason, possible duplicates' ID numbers masked, the program named in the PDF."""

from __future__ import annotations

import datetime as dt

from pypdf import PdfReader

from builders import family_draft
from sync_world import group_of
from xinjie_desktop import __version__
from xinjie_desktop.core.documents import import_report
from xinjie_desktop.core.documents.import_report import ELSEWHERE, IMPORTED, REFUSED, ReportLine
from xinjie_desktop.core.records import households
from xinjie_desktop.core.rules import idnumber
from xinjie_desktop.core.sync import importing, roles


def test_counts_are_named_in_words_in_a_fixed_order():
    assert (
        import_report.counts_text({"member": 78, "household": 20, "blob_kind": 1, "objection": 0})
        == "households 20, household members 78, blob_kind 1"
    )
    assert import_report.counts_text({}) == ""


def test_every_kind_of_record_a_bundle_carries_is_named_in_words_in_chinese_too():
    """Issue 16 (the trial's first import on a laptop): the import window and report listed "fund 7 条，
    fund_payment 1 条，helper_pairing 3 条…", the tables' own names, inside the Chinese interface."""
    from xinjie_desktop.core.sync import change_log
    from xinjie_desktop.i18n import set_language

    tracked = set(change_log.tracked_tables())
    assert tracked <= set(import_report.RECORD_KINDS), sorted(tracked - set(import_report.RECORD_KINDS))
    set_language("zh_CN")
    try:
        said = import_report.counts_text(dict.fromkeys(tracked, 1))
    finally:
        set_language("en")
    assert not any(character.isascii() and character.isalpha() for character in said), said
    assert "搬迁资金 1" in said and "周报照片 1" in said and "账号 1" in said


def test_the_report_of_an_import_lists_every_bundle(world, tmp_path):
    qingshan, lushui = world.laptop(0), world.laptop(1)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    households.save(lushui, family_draft(group_of(lushui, "绿水村")))  # the same family: possible duplicates
    paths = world.export(qingshan) + world.export(lushui)
    results = world.import_into(world.township, paths)
    lines = importing.lines_from_log(world.township, [result.bundle_id for result in results])
    assert [line.source for line in lines] == ["青山村笔记本", "绿水村笔记本"]
    assert lines[0].new == {"household": 1, "member": 4, "income_worksheet": 1}
    assert lines[0].outcome == IMPORTED and lines[0].duplicates == ()
    assert len(lines[1].duplicates) == 4
    lines += [
        ReportLine("broken.xjb", "", REFUSED, message="The file broken.xjb is not a bundle of xinjie-desktop."),
        ReportLine("xjb-for-a-laptop.xjb", "", ELSEWHERE),
    ]

    target = tmp_path / "report.pdf"
    import_report.render(roles.my_name(world.township), lines, target, printed_at=dt.datetime(2017, 5, 2, 9, 30))
    pdf = PdfReader(target)
    assert pdf.metadata.creator == f"xinjie-desktop {__version__}"
    assert pdf.metadata.title == "Import report of sync bundles"
    words = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert "4 bundles found, 2 imported, 1 refused, 1 for other computers." in words
    assert "is not a bundle of xinjie-desktop" in words
    masked = idnumber.mask(lines[1].duplicates[0])
    assert masked in words and lines[1].duplicates[0] not in words  # a printed sheet shows no full ID number
    assert "2017-05-02 09:30" in words
