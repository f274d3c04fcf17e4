"""The Qt part of ``--self-test`` (xinjie_desktop.self_test): Qt starts on its offscreen platform,
loads its own Chinese translation and the shipped font, and draws the main window and the About
dialog.  Each function returns a one-line description or raises with the reason.

Nothing here touches the user's settings or data folder, and a QApplication that is already
running (the test suite's) is used as it is: no font, translator or language is installed on it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QTranslator, qVersion
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from xinjie_desktop.resources import icon_path


def application() -> str:
    """A QApplication (offscreen unless one runs already), the shipped font and the window icon."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(["xinjie-desktop", "-platform", "offscreen"])
    from xinjie_desktop.qt.shell.app import register_font

    family = register_font()
    if not family:
        raise RuntimeError("Qt cannot load the shipped font")
    if QFontDatabase.WritingSystem.SimplifiedChinese not in QFontDatabase.writingSystems(family):
        raise RuntimeError(f"the font {family} has no Simplified Chinese")
    icon = QIcon(str(icon_path()))
    if icon.isNull() or icon.pixmap(32, 32).isNull():
        raise RuntimeError(f"the icon {icon_path()} cannot be loaded")
    return f"Qt {qVersion()} on the {app.platformName()} platform, font {family}, icon loaded"


def qt_translation() -> str:
    """Qt's own Simplified Chinese (qtbase_zh_CN.qm): the buttons of its standard dialogs."""
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator()
    if not translator.load("qtbase_zh_CN", folder):
        raise RuntimeError(f"qtbase_zh_CN.qm cannot be loaded from {folder}")
    cancel = translator.translate("QPlatformTheme", "Cancel")
    if cancel != "取消":
        raise RuntimeError(f"“Cancel” is translated as {cancel!r}")
    return f"qtbase_zh_CN loaded: Cancel → {cancel}"


def window() -> str:
    """The main window's frame (before any store is open) and the About dialog, drawn offscreen."""
    from xinjie_desktop.qt.shell.about_dialog import AboutDialog
    from xinjie_desktop.qt.shell.main_window import MainWindow

    main = MainWindow()
    try:
        main.resize(1024, 700)
        frame = main.grab()
        dialog = AboutDialog(main)
        picture = dialog.grab()
        shown = f"{dialog.version_label.text()}, {dialog.build_label.text()}"
        dialog.deleteLater()
    finally:
        main.deleteLater()
    if frame.isNull() or picture.isNull():
        raise RuntimeError("a window could not be drawn")
    return (
        f"main window {frame.width()}×{frame.height()} and About dialog {picture.width()}×{picture.height()} "
        f"drawn; About shows {shown}"
    )


def printing(pdf: Path, out: Path) -> str:
    """The agreement PDF printed as the Print button does (PDFium draws, Qt's printer paints), onto Qt's PDF
    printer: as many pages as the PDF, and ink on them."""
    import pypdfium2 as pdfium
    from PySide6.QtPrintSupport import QPrinter

    from xinjie_desktop.qt.shell import printing as printer_module

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(100)
    pages = printer_module.print_pdf(printer, pdf)
    document = pdfium.PdfDocument(str(out))
    try:
        printed = len(document)
        ink = document[0].render(scale=0.3, grayscale=True).to_pil().convert("L").getextrema()[0]
    finally:
        document.close()
    if printed != pages or pages < 1:
        raise RuntimeError(f"{pages} pages drawn, {printed} printed")
    if ink > 128:
        raise RuntimeError("the printed first page is blank")
    return f"{pdf.name}: {pages} page(s) drawn by PDFium {pdfium.PDFIUM_INFO.build} and printed"
