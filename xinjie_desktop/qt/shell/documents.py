"""Where saved PDFs go and how they are opened (issue 16, "Files and paper").

A PDF is saved in a folder the user can find: ``Documents/<application>/<village>/`` (QStandardPaths'
DocumentsLocation), named by the household head, the kind and the date (``core.documents.file_names``).
A folder the user chooses in a save dialog is remembered (QSettings) and used from then on.

"Preview / print" opens the file in the system's PDF viewer, which prints it too; "Print…" prints it from the
application (qt.shell.printing: PDFium draws each page, Qt's printer paints it).  When no viewer opens it, a
message says where the file is and offers to open its folder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from xinjie_desktop.core.documents import file_names
from xinjie_desktop.i18n import _

FOLDER_KEY = "documents/folder"  # the folder the user chose last: the application's folder under it
DOCUMENTS_ENV = "XINJIE_DOCUMENTS"  # stands for the user's Documents folder (the tests point it to a tmp folder)


def app_folder_name() -> str:
    return QGuiApplication.applicationDisplayName() or _("Xinjie Township poverty-alleviation work tool")


def documents_root() -> Path:
    """The folder the documents of every village are saved under: the one chosen last, or
    ``Documents/<application>``."""
    chosen = QSettings().value(FOLDER_KEY, "", type=str)
    if chosen and Path(chosen).is_dir():
        return Path(chosen)
    documents = os.environ.get(DOCUMENTS_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    )
    return file_names.document_folder(documents or Path.home(), app_folder_name())


def remember_folder(folder: Path, village: str = "") -> None:
    """Remember where the user saved: the folder above the village's when it is one."""
    folder = Path(folder)
    if village and folder.name == file_names.safe_part(village) and folder.parent != folder:
        folder = folder.parent
    QSettings().setValue(FOLDER_KEY, str(folder))


def document_path(
    kind: str,
    village: str = "",
    head_name: str = "",
    number: str = "",
    date: dt.date | None = None,
    *,
    make: bool = True,
) -> Path:
    """Where a document is saved: ``<root>/<village>/<head>-<kind>-<date>[-<number>].pdf``; the folder is
    made unless ``make`` is False."""
    root = documents_root()
    folder = root / file_names.safe_part(village) if village else root
    if make:
        folder.mkdir(parents=True, exist_ok=True)
    return file_names.fitted(folder, file_names.document_file_name(kind, date or dt.date.today(), head_name, number))


def ask_save_path(
    parent: QWidget | None,
    title: str,
    kind: str,
    village: str = "",
    head_name: str = "",
    number: str = "",
) -> Path | None:
    """A save dialog opened at the document's place and name; the folder chosen is remembered. None: cancelled."""
    suggested = document_path(kind, village, head_name, number, make=False)
    if not suggested.parent.is_dir():  # the dialog opens where something is
        suggested.parent.mkdir(parents=True, exist_ok=True)
    path, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), _("PDF files (*.pdf)"))
    if not path:
        return None
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        target = target.with_suffix(".pdf")
    remember_folder(target.parent, village)
    return target


def open_document(parent: QWidget | None, path: Path) -> bool:
    """Open ``path`` in the system's PDF viewer (to read and print it); when none opens it, say where it is."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    show_where(parent, path)
    return False


def show_where(parent: QWidget | None, path: Path) -> QMessageBox:
    """A message naming the file's place, with a button that opens its folder (shown, not waited for)."""
    box = QMessageBox(parent)
    box.setObjectName("document_where_box")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(_("Where the file is"))
    box.setText(
        _(
            "No program opened the PDF (is a PDF reader installed?). It is saved as:\n{path}\n\n"
            "Open it with a PDF reader to look at it and print it."
        ).format(path=str(path))
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the path can be copied
    folder_button = box.addButton(_("Open the folder"), QMessageBox.ButtonRole.ActionRole)
    folder_button.setObjectName("open_folder_button")
    box.addButton(QMessageBox.StandardButton.Ok).setText(_("OK"))
    folder_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
