"""Printing a saved PDF from the application (issue 16, "printing from the application where Qt can print").

Qt prints what it paints; it cannot read a PDF itself without QtPdf (the separate PySide6_Pdf package, which
exists only for a Qt this program cannot use yet).  So each page of the PDF the program wrote is drawn by
PDFium (``pypdfium2``, the renderer of Chrome's PDF viewer) at the printer's resolution, up to 300 dpi, and
painted onto Qt's printer, page by page, in the background with progress and cancel.  The system's print
dialog chooses the printer, the copies and the pages; the PDF's own margins are kept (the printer's page is
used whole and the page drawn to fit it, centred, never stretched).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from xinjie_desktop.i18n import _, ngettext

MAX_DPI = 300  # enough for text on paper; a page at 600 dpi would be 140 MB of pixels


class PrintError(Exception):
    """The PDF could not be read, or the printer refused to start: the message says which."""


def page_count(path: Path) -> tuple[int, tuple[float, float]]:
    """The PDF's number of pages and its first page's size in points."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as error:
        raise PrintError(_("The PDF {path} cannot be read: {error}").format(path=path, error=error)) from error
    try:
        return len(document), tuple(document.get_page_size(0)) if len(document) else (595.0, 842.0)
    finally:
        document.close()


def print_pdf(
    printer: QPrinter,
    path: Path,
    keep_going: Callable[[int, int], bool] = lambda done, total: True,
) -> int:
    """Paint every page of the PDF at ``path`` onto ``printer`` (the pages the print dialog chose).
    ``keep_going(done, total)`` is asked before each page; False abandons the job (``InterruptedError``).
    Returns the number of pages printed."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as error:
        raise PrintError(_("The PDF {path} cannot be read: {error}").format(path=path, error=error)) from error
    try:
        total = len(document)
        first, last = 1, total
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first, last = max(1, printer.fromPage()), min(total, printer.toPage() or total)
        printer.setFullPage(True)  # the PDF has its own margins
        dpi = min(printer.resolution(), MAX_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError(_("The printer could not start printing. Is it switched on and connected?"))
        printed = 0
        try:
            for number in range(first, last + 1):
                if not keep_going(printed, last - first + 1):
                    printer.abort()  # nothing more reaches the printer
                    raise InterruptedError(_("Printing stopped."))
                if printed:
                    printer.newPage()
                page = document[number - 1]
                try:
                    bitmap = page.render(scale=dpi / 72, rev_byteorder=True)  # RGB, as QImage's RGB888
                    image = QImage(
                        bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888
                    ).copy()  # the pixels belong to PDFium until copied
                finally:
                    page.close()
                _paint_fitted(painter, printer, image)
                printed += 1
            keep_going(printed, last - first + 1)
        finally:
            painter.end()
        return printed
    finally:
        document.close()


def _paint_fitted(painter: QPainter, printer: QPrinter, image: QImage) -> None:
    """The page drawn as large as the paper allows, centred, its proportions kept."""
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    scale = min(paper.width() / image.width(), paper.height() / image.height())
    width, height = image.width() * scale, image.height() * scale
    target = QRectF((paper.width() - width) / 2, (paper.height() - height) / 2, width, height)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(target, image)


def ask_printer(parent: QWidget | None, path: Path) -> QPrinter | None:
    """The system's print dialog for ``path`` (its pages offered); None when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(path.stem)
    total, (width, height) = page_count(path)
    # The paper the document was made for (A4), which the dialog offers first; the user may choose another.
    printer.setPageSize(
        QPageSize(QSizeF(width, height), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    )
    printer.setFromTo(1, total)
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("print_dialog")
    dialog.setWindowTitle(_("Print {name}").format(name=path.name))
    dialog.setMinMax(1, total)
    dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def print_document(parent: QWidget | None, path: Path, tell: Callable[[str], None] | None = None):
    """Ask for a printer, then print ``path`` in the background (qt.shell.operations); ``tell`` receives the
    sentences for the user: the page being printed, then what was sent or why nothing was.  Returns the
    background worker (its ``cancel()`` stops before the next page), or None (cancelled or refused)."""
    from xinjie_desktop.qt.shell.operations import run_in_background

    say = tell or (lambda _message: None)
    try:
        printer = ask_printer(parent, path)
    except PrintError as error:
        say(str(error))
        return None
    if printer is None:
        return None

    def job(report) -> int:
        return print_pdf(printer, path, report)

    def progressed(done: int, total: int) -> None:
        if done < total:
            say(_("Printing {name}: page {n} of {total}…").format(name=path.name, n=done + 1, total=total))

    worker = run_in_background(
        parent,
        job,
        success=lambda pages: say(
            ngettext(
                "Sent to the printer: {n} page of {name}.", "Sent to the printer: {n} pages of {name}.", pages
            ).format(n=pages, name=path.name)
        ),
        failure=say,
        progress=progressed,
        cancelled=lambda: say(_("Printing stopped.")),
    )
    worker.printer = printer  # the worker's thread paints on it: kept alive with it
    return worker
