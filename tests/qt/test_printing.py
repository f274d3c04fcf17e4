# ruff: noqa: F811  (the fixtures imported from test_agreements_tab are parameters here)
"""Issue 16, "printing from the application where Qt can print": a saved PDF's pages are drawn by PDFium
and painted onto Qt's printer (here Qt's own PDF printer, so the printed pages can be looked at)."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pypdfium2 as pdfium
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog
from test_agreements_tab import documents, household_id, select_kind, tab, village, village_with_agreements  # noqa: F401  (fixtures)

from xinjie_desktop.qt.shell import printing

pytestmark = pytest.mark.gui


def grey_pixels(path, number: int, width: int = 120):
    """Page ``number`` of the PDF at ``path`` as grey levels, ``width`` pixels wide."""
    document = pdfium.PdfDocument(str(path))
    try:
        page = document[number]  # drawn at the printer's 150 dpi, then reduced: the same blur for both
        image = page.render(scale=150 / 72, grayscale=True).to_pil().convert("L")
        return image.resize((width, round(image.height * width / image.width)), Image.Resampling.BOX)
    finally:
        document.close()


def difference(first, second) -> float:
    """Mean absolute difference of two grey images, 0 (same) to 255, over the smaller size."""
    width, height = min(first.width, second.width), min(first.height, second.height)
    a, b = first.crop((0, 0, width, height)).tobytes(), second.crop((0, 0, width, height)).tobytes()
    found = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
    print(f"difference {found:.2f}")
    return found


def pdf_printer(out) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(150)
    return printer


def test_the_print_button_prints_every_page_of_the_agreement_as_it_is_on_screen(qtbot, tab, tmp_path, monkeypatch):
    """Issue 16: "Print…" saves the agreement where "Preview / print" does, asks for a printer, and prints
    each page in the background; the printed pages look like the PDF's (same text in the same places)."""
    out = tmp_path / "printed.pdf"
    asked = []

    def accept(dialog):  # the user picks a printer and presses Print: here Qt's PDF printer
        asked.append(dialog.windowTitle())
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(150)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    printed_files = []
    ask = printing.ask_printer
    monkeypatch.setattr(printing, "ask_printer", lambda parent, path: printed_files.append(path) or ask(parent, path))
    tab.draft_missing()
    select_kind(tab, "relocation")
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Sent to the printer" in tab.message.text(), timeout=20000)
    told = tab.message.text()
    [source] = printed_files
    assert source.parent.name == "V1" and "relocation agreement" in source.name  # where "Preview / print" saves
    pages = len(pdfium.PdfDocument(str(source)))
    assert asked and source.name in asked[0]
    assert len(pdfium.PdfDocument(str(out))) == pages
    assert f"{pages} pages" in told
    for number in range(pages):
        printed, original = grey_pixels(out, number), grey_pixels(source, number)
        same = difference(printed, original)
        blank = difference(Image.new("L", original.size, 255), original)
        other = difference(printed, grey_pixels(source, (number + 1) % pages))
        assert same < 0.3 * blank and same < 0.3 * other, (
            number,
            same,
            blank,
            other,
        )  # this page, not blank or another
    assert tab.opened == []  # printing does not open the viewer


def test_a_page_range_prints_only_those_pages_and_cancel_prints_nothing(qtbot, tab, tmp_path, monkeypatch):
    """Issue 16: the print dialog's page range is honoured; cancelling the dialog prints nothing."""
    tab.draft_missing()
    select_kind(tab, "relocation")
    source = tab._save_pdf(False)
    printer = pdf_printer(tmp_path / "two.pdf")
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 2)
    assert printing.print_pdf(printer, source) == 1
    assert len(pdfium.PdfDocument(str(tmp_path / "two.pdf"))) == 1
    printed = grey_pixels(tmp_path / "two.pdf", 0)
    assert difference(printed, grey_pixels(source, 1)) < 0.3 * difference(printed, grey_pixels(source, 0))

    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    assert printing.print_document(tab, source) is None


def test_stopping_between_pages_abandons_the_job(tmp_path, tab):
    """Issue 16: the job stops before the next page when asked (the worker's cancel)."""
    tab.draft_missing()
    select_kind(tab, "relocation")
    source = tab._save_pdf(False)
    printer = pdf_printer(tmp_path / "stopped.pdf")
    with pytest.raises(InterruptedError):
        printing.print_pdf(printer, source, lambda done, total: done < 1)


def test_a_damaged_pdf_is_refused_with_its_name(tmp_path):
    """Issue 16: a file that is not a PDF gives a sentence naming it, not a traceback."""
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7 not really")
    with pytest.raises(printing.PrintError, match="bad.pdf"):
        printing.print_pdf(pdf_printer(tmp_path / "x.pdf"), bad)


def test_a_village_s_agreements_print_from_the_village_documents_and_cancel_stops_between_pages(
    qtbot,
    documents,
    village_with_agreements,
    tmp_path,
    monkeypatch,
):
    """Issue 16: the village's agreements, written as one PDF, print from the same dialog; Cancel stops the
    printing before the next page (fewer pages printed than the PDF has)."""
    out = tmp_path / "printed.pdf"

    def accept(dialog):
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(72)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    page = documents.batch_page
    target = tmp_path / "v1-agreements.pdf"
    page.path_edit.setText(str(target))
    assert not page.print_button.isEnabled()
    with qtbot.waitSignal(page.finished, timeout=60_000):
        assert page.start()
    assert page.print_button.isEnabled()
    total = len(pdfium.PdfDocument(str(target)))

    painted, release = threading.Event(), threading.Event()
    paint = printing._paint_fitted

    def paint_and_wait(painter, printer, image):  # the first page is drawn; the user presses Cancel meanwhile
        paint(painter, printer, image)
        painted.set()
        release.wait(10)

    monkeypatch.setattr(printing, "_paint_fitted", paint_and_wait)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    assert page.printing is not None and page.cancel_button.isEnabled()
    qtbot.waitUntil(painted.is_set, timeout=10_000)
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: page.printing is None, timeout=30_000)
    assert "Printing stopped" in page.message.text()
    assert total >= 9 and page.print_button.isEnabled()
    assert not out.exists() or len(pdfium.PdfDocument(str(out))) < total  # the job was abandoned
