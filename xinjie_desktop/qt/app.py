"""The Qt application: font, translations, the store, first-start set-up, the window.

``run`` is what ``xinjie-desktop`` calls.  Tests build the same pieces with
``prepare_application`` (font and translators on the running QApplication)
and ``create_main_window`` (a window over an open store).
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QSettings, QStandardPaths, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from xinjie_desktop import __version__, i18n
from xinjie_desktop.core import township
from xinjie_desktop.core.store import Store, StoreError, open_store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.main_window import MainWindow
from xinjie_desktop.qt.setup_dialog import SetupDialog
from xinjie_desktop.resources import font_path

log = logging.getLogger(__name__)

ORGANIZATION = "xinjie"
APPLICATION = "xinjie-desktop"
STORE_FILE = "xinjie.sqlite"
LANGUAGE_KEY = "language"

_font_family: str | None = None
_translators: list[QTranslator] = []  # kept alive while installed


def set_identity(app: QCoreApplication) -> None:
    """Names QSettings and QStandardPaths use for this application's folders."""
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)


def choose_language(requested: str | None) -> str:
    """--lang first, then the language saved in the settings, then Simplified Chinese."""
    if requested:
        return requested
    saved = QSettings().value(LANGUAGE_KEY, "", type=str)
    return saved if saved in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def register_font() -> str | None:
    """Register the shipped WenQuanYi Micro Hei once; returns its family name."""
    global _font_family
    if _font_family is None:
        font_id = QFontDatabase.addApplicationFont(str(font_path()))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not families:
            log.error("the shipped font %s could not be loaded", font_path())
            return None
        _font_family = families[0]
    return _font_family


def prepare_application(app: QApplication, language: str | None) -> str:
    """Identity, font and translations (ours and Qt's own) for ``language``; returns the language in force."""
    set_identity(app)
    family = register_font()
    if family:
        font = QFont(family)
        font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
        app.setFont(font)
    try:
        language = i18n.set_language(language)
    except OSError:  # no compiled catalogue for this language: show the English message ids
        log.warning("no translation catalogue for %s", language)
        language = i18n.set_language("en")
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    if language == "zh_CN":
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(app)
        if translator.load("qtbase_zh_CN", folder):
            app.installTranslator(translator)
            _translators.append(translator)
    app.setApplicationDisplayName(_("Xinjie poverty-alleviation work tool"))
    return language


def default_store_path() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) / STORE_FILE


def show_error(message: str, parent=None) -> None:
    QMessageBox.critical(parent, _("xinjie-desktop"), message)


def install_excepthook() -> None:
    """An unexpected error shows a message box in the user's language, not a traceback."""

    def hook(kind, value, tb) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        print(details, file=sys.stderr)
        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, _("xinjie-desktop"), _(
            "Something went wrong that the program did not expect. What you saved before is safe; "
            "what was being done just now may not have been saved. Please tell the person who looks "
            "after this program what you were doing."
        ))
        box.setInformativeText(str(value) or kind.__name__)
        box.setDetailedText(details)
        box.exec()

    sys.excepthook = hook


def create_main_window(store: Store) -> MainWindow:
    return MainWindow(store)


def ensure_set_up(store: Store, parent=None) -> bool:
    """On an empty store, ask for the township (or demo data); False if the user gave up."""
    with store.session() as session:
        if township.is_set_up(session):
            return True
    dialog = SetupDialog(store, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted


class _Shell:
    """Keeps the one open store and its window; switches stores on request."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self.window: MainWindow | None = None

    def show(self, store: Store) -> bool:
        if not ensure_set_up(store, self.window):
            store.close()
            return False
        window = create_main_window(store)
        window.open_store_requested.connect(self.switch)
        old_store, old_window = self.store, self.window
        self.store, self.window = store, window
        window.show()
        if old_window is not None:
            old_window.close()
            old_window.deleteLater()
        if old_store is not None:
            old_store.close()
        return True

    def switch(self, path: str) -> None:
        if self.store is not None and Path(path).resolve() == self.store.path.resolve():
            return
        try:
            store = open_store(Path(path))
        except StoreError as error:
            show_error(str(error), self.window)
            return
        self.show(store)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def run(db_path: Path | None, language: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    set_identity(app)
    prepare_application(app, choose_language(language))
    install_excepthook()
    path = db_path or default_store_path()
    try:
        store = open_store(path)
    except StoreError as error:
        show_error(str(error))
        return 1
    except Exception as error:  # noqa: BLE001 - anything else about the file: a message, never a traceback
        log.exception("opening the store failed")
        show_error(_("The data file {path} cannot be opened: {error}").format(path=path, error=error))
        return 1
    shell = _Shell()
    if not shell.show(store):
        return 0
    try:
        return app.exec()
    finally:
        shell.close()
