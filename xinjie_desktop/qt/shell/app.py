"""The Qt application: font, translations, the window, the store, first-start set-up.

``run`` is what ``xinjie-desktop`` calls.  A cold start shows the window's
frame first, with an "Opening the data file…" page, and only then loads the
core (SQLAlchemy, Alembic) and opens the store, in a background thread:
``open_store`` checks the whole file before it is used, which takes a while
on a large file.  Once the store is open, an empty store gets the set-up
dialog and the household workspace fills the window.  Nothing this module
imports at its top loads the core.

``start`` is that first part (the benchmark times it); tests build the same
pieces with ``prepare_application`` (font and translators on the running
QApplication) and ``create_main_window`` (a window over an open store).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QObject,
    QStandardPaths,
    QTimer,
    QTranslator,
)
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from xinjie_desktop import __version__, i18n
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.main_window import MainWindow
from xinjie_desktop.qt.shell.operations import Worker, run_in_background
from xinjie_desktop.qt.shell.settings import APPLICATION, ORGANIZATION, backups_to_keep, saved_language
from xinjie_desktop.resources import font_path, icon_path, qt_translations_dir

if TYPE_CHECKING:  # the core is imported when a store is opened, not with this module
    from xinjie_desktop.core.store.database import Store

log = logging.getLogger(__name__)

STORE_FILE = "xinjie.sqlite"

# Should the window never be painted (minimised at start), the store is opened after this long anyway.
OPEN_FALLBACK_MS = 200

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
    saved = saved_language()
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
    """Identity, icon, font and translations (ours and Qt's own) for ``language``; returns the language in force."""
    set_identity(app)
    app.setWindowIcon(QIcon(str(icon_path())))  # every window's; the Windows executable's own is in the spec
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
        # Qt's own translation (file dialogs, standard buttons, context menus), then ours of the few
        # texts it lacks (resources/translations/qt: "&Look in:", "Files of &type:", …)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name, where in (("qtbase_zh_CN", folder), ("qtbase_additions_zh_CN", str(qt_translations_dir()))):
            translator = QTranslator(app)
            if translator.load(name, where):
                app.installTranslator(translator)
                _translators.append(translator)
            else:
                log.warning("Qt's translation %s was not found in %s", name, where)
    app.setApplicationDisplayName(_("Xinjie Township poverty-alleviation work tool"))
    return language


def default_store_path() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) / STORE_FILE


def data_folder() -> Path:
    """The user's data folder: the default store and the log file live there."""
    return default_store_path().parent


def configure_logging() -> Path | None:
    """Unexpected errors go to a rotating log file in the data folder."""
    from xinjie_desktop import logfile

    try:
        return logfile.configure(data_folder())
    except OSError:
        log.warning("no log file could be opened")
        return None


def show_error(message: str, parent=None) -> None:
    QMessageBox.critical(parent, _("xinjie-desktop"), message)


def install_excepthook() -> None:
    """An unexpected error shows a message box in the user's language, not a traceback."""

    def hook(kind, value, tb) -> None:
        from xinjie_desktop import logfile

        details = "".join(traceback.format_exception(kind, value, tb))
        print(details, file=sys.stderr)
        from xinjie_desktop.qt.shell.operations import is_for_the_user

        if is_for_the_user(value):
            # a full disk, a read-only folder, an action the person's role does not allow…: the message says
            # what to do; no traceback is needed
            log.warning("%s", value)
            if QApplication.instance() is not None:
                QMessageBox.warning(QApplication.activeWindow(), _("xinjie-desktop"), str(value))
            return
        log_file = logfile.log_unexpected(kind, value, tb, data_folder())
        if QApplication.instance() is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            _("xinjie-desktop"),
            _(
                "Something went wrong that the program did not expect. What you saved before is safe; "
                "what was being done just now may not have been saved. Please tell the person who looks "
                "after this program what you were doing."
            ),
        )
        where = (
            _("The details have been written to the log file {path}.").format(path=log_file)
            if log_file
            else _("The details could not be written to a log file.")
        )
        box.setInformativeText(f"{str(value) or kind.__name__}\n\n{where}")
        box.setDetailedText(details)
        box.exec()

    sys.excepthook = hook


def create_main_window(store: Store) -> MainWindow:
    """A window with the household workspace over an already open store (tests, the benchmark)."""
    window = MainWindow()
    window.install_workspace(_workspace(store))
    return window


def _workspace(store: Store):
    from xinjie_desktop.qt.shell.workspace import HouseholdWorkspace  # loads the core: only once a store is open

    return HouseholdWorkspace(store)


def needs_set_up(store: Store) -> bool:
    """An empty store: no township, and not a village laptop (whose villages arrive with the township
    office's first bundle: the window shows it waiting for that bundle, qt.sync.provisioning)."""
    from xinjie_desktop.core.records import township
    from xinjie_desktop.core.sync import device

    with store.session() as session:
        if township.is_set_up(session):
            return False
    return device.provisioning(store) is None


def ensure_set_up(store: Store, parent=None) -> bool:
    """On an empty store, ask for the township, a village laptop's provisioning file, or demo data;
    False if the user gave up."""
    from xinjie_desktop.qt.shell.setup_dialog import SetupDialog

    if not needs_set_up(store):
        return True
    dialog = SetupDialog(store, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted


@dataclass
class Opened:
    """What the opening job hands to the window: the open store, and whether it is set up (its township
    exists, or it is a provisioned village laptop)."""

    store: Store
    set_up: bool
    needs_login: bool = False  # the store has accounts and nobody has logged in yet (issue 17)


@dataclass
class Encrypted:
    """What the opening job hands over for an encrypted store: nothing is opened before someone logs in."""

    path: Path


def open_in_background(path: Path, keep_backups: int | None = None):
    """The job that opens the store at ``path`` (all of ``open_store``'s checks) in a worker thread.
    The day's backup and the scheduled check of the whole file come after the list is shown
    (``after_opening``): at 100,000 households each reads the whole file for seconds."""
    if keep_backups is None:
        keep_backups = backups_to_keep()

    def job(_report) -> Opened | Encrypted:
        from xinjie_desktop.core.store.database import StoreError
        from xinjie_desktop.core.sync import login
        from xinjie_desktop.core.sync.workstore import open_store

        if login.is_encrypted(path):  # its data key comes with a password (or the recovery code)
            return Encrypted(Path(path))
        try:
            store = open_store(path, keep_backups=keep_backups)
        except StoreError:
            raise
        except Exception as error:  # anything else about the file: a message, never a traceback
            log.exception("opening the store failed")
            raise StoreError(
                _("The data file {path} cannot be opened: {error}").format(path=path, error=error)
            ) from error
        try:
            from xinjie_desktop.core.records import accounts

            set_up = not needs_set_up(store)
            needs_login = store.actor is None and accounts.any_accounts(store)
        except BaseException:
            store.close()
            raise
        try:  # the workspace's classes, loaded here rather than in the window's thread
            import xinjie_desktop.qt.shell.workspace  # noqa: F401
        except Exception:  # a programming error, not the file's: the window's own import reports it
            log.exception("loading the household workspace failed")
        return Opened(store, set_up, needs_login)

    return job


def _opened_as(store: Store) -> Opened:
    try:
        return Opened(store, not needs_set_up(store))
    except BaseException:
        store.close()
        raise


def open_as_in_background(path: Path, name: str, password: str, keep_backups: int | None = None):
    """The job that opens the encrypted store at ``path`` as the account ``name`` (core.sync.login.open_as)."""
    if keep_backups is None:
        keep_backups = backups_to_keep()

    def job(_report) -> Opened:
        from xinjie_desktop.core.sync import login

        return _opened_as(login.open_as(path, name, password, keep_backups=keep_backups))

    return job


def open_with_recovery_in_background(path: Path, code: str, keep_backups: int | None = None):
    """The job that opens the encrypted store at ``path`` with its printed recovery code."""
    if keep_backups is None:
        keep_backups = backups_to_keep()

    def job(_report) -> Opened:
        from xinjie_desktop.core.sync import login

        return _opened_as(login.open_with_recovery(path, code, keep_backups=keep_backups))

    return job


def log_in_in_background(store: Store, name: str, password: str):
    """The job that checks ``name`` and ``password`` against the open store's accounts (core.records.accounts:
    Argon2id, slow on purpose; wrong passwords counted, then the account locked out); returns the actor."""

    def job(_report):
        from xinjie_desktop.core.records import accounts

        return accounts.login(store, name, password)

    return job


def is_demo_store(store: Store) -> bool:
    from xinjie_desktop.core.records import township

    with store.session() as session:
        town = township.township(session)
        return bool(town is not None and town.is_demo)


def save_recovery_sheet(parent, store: Store, code: str, done: dict) -> Path | None:
    """The recovery sheet as a PDF where the user chooses (the village documents' folder by default), then the
    print dialog for it; returns the file, or None when the save was cancelled."""
    import datetime as dt

    from xinjie_desktop.core.documents import recovery_sheet
    from xinjie_desktop.core.records import township
    from xinjie_desktop.qt.shell import documents, printing

    opened = done.get("store", store)
    with opened.session() as session:
        town = township.township(session)
        town_name = town.name if town is not None else ""
    path = documents.ask_save_path(parent, _("Save the recovery sheet"), _("recovery code"))
    if path is None:
        return None
    actor = opened.actor
    sheet = recovery_sheet.RecoverySheet(
        town_name,
        opened.path.name,
        code,
        dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        actor.name if actor is not None else "",
    )
    path.write_bytes(recovery_sheet.render_pdf(sheet))
    printing.print_document(parent, path)
    return path


def actor_display(actor) -> str:
    """ "张三（工作队员）": who is logged in, as the status bar and the lock page name them."""
    from xinjie_desktop.core.rules.permissions import role_label

    return _("{name} ({role})").format(name=actor.name, role=role_label(actor.role))


def after_opening(store: Store, stop: threading.Event, keep_backups: int | None = None):
    """The job run behind the window once a store's list is shown: the day's backup if none was made
    today (keeping the last ``keep_backups``, by default the Backups dialog's setting, read here in the
    window's thread), then the whole file's check when it is due (``database.whole_file_check_due``;
    abandoned when ``stop`` is set: the store is being closed).  Returns False when the check found the
    file damaged, else True."""
    if keep_backups is None:
        keep_backups = backups_to_keep()

    def job(_report) -> bool:
        from xinjie_desktop.core.store import backups, database

        try:
            backups.daily_backup_if_due(store.path, keep_backups, key=store.key)
        except backups.BackupError:  # a full disk, say: the store still opens; the log says why
            log.warning("the daily backup of %s could not be made", store.path, exc_info=True)
        if not database.whole_file_check_due(store):
            return True
        sound = database.check_whole_file(store.path, keep_going=lambda: not stop.is_set(), key=store.key)
        if sound is False:
            log.error("the whole-file check of %s found damage", store.path)
            return False
        if sound and not stop.is_set():
            database.remember_whole_file_check(store)
        return True

    return job


class _Shell(QObject):
    """The window, the one open store, and the store being opened (in the background)."""

    def __init__(self, window: MainWindow | None = None) -> None:
        super().__init__()
        self.window = window or MainWindow()
        self.store: Store | None = None
        self.exit_code = 0
        self._opener: Worker | None = None
        self._checker: Worker | None = None  # the day's backup and the scheduled check (after_opening)
        self._checker_stop = threading.Event()
        self._pending: Path | None = None  # opened once the window has been painted
        self._closed = False
        self._awaiting_login: Opened | None = None  # an open store whose user has not logged in yet
        self._checking_password: Worker | None = None
        # A password check asked for while the last one's thread is still ending (its answer already on the page:
        # Enter pressed again at once after "wrong password"): run when that thread has ended, not dropped.
        self._next_check: tuple[Any, Callable[[Any], object], Callable[[str], object]] | None = None
        self.idle_lock = None  # qt.shell.login.IdleLock, made at the first login (not imported before: the frame first)
        self.encryption_dialog = None  # offer_encryption's, while it is open
        self.window.open_store_requested.connect(self.open)
        self.window.restore_backup_requested.connect(self.restore_backup)
        self.window.closing.connect(self._window_closing)
        self.window.lock_requested.connect(self.lock)
        self.window.encrypt_requested.connect(self.offer_encryption)

    # --- an already open store ------------------------------------------
    def show(self, store: Store) -> bool:
        """Show ``store`` in the window now (set it up first if empty); False if the user gave up."""
        if not ensure_set_up(store, self.window):
            store.close()
            return False
        self._install(store)
        self.window.show()
        return True

    # --- opening in the background -----------------------------------------
    def open_after_paint(self, path: Path) -> None:
        """Show the opening page now; start opening ``path`` once the window is on the screen."""
        self.window.show_opening(path)
        self._pending = Path(path)
        self.window.installEventFilter(self)
        QTimer.singleShot(OPEN_FALLBACK_MS, self._start_pending)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Paint and self._pending is not None:
            QTimer.singleShot(0, self._start_pending)  # after this paint: the frame first, then the work
        return False

    def _start_pending(self) -> None:
        if self._pending is not None:
            path, self._pending = self._pending, None
            self.window.removeEventFilter(self)
            self.window.add_shortcuts()  # Ctrl+Q and the others, now that the frame is on the screen
            configure_logging()
            self.open(str(path))

    def open(self, path: str | Path, *, again: bool = False) -> None:
        """Open another store in the background; the window shows it once it is open.  ``again``:
        open the file of the current store afresh (after a restore)."""
        path = Path(path)
        if self._opener is not None or self._closed:
            return
        if not again and self.store is not None and path.resolve() == self.store.path.resolve():
            return
        if not again and self.window.workspace is not None and not self.window.workspace.may_leave_editor():
            return
        self.window.show_opening(path)
        self._opener = run_in_background(
            None, open_in_background(path), success=self._opened, failure=self._open_failed
        )

    def is_opening(self) -> bool:
        return self._opener is not None or self._pending is not None

    def _finish_opener(self) -> None:
        if self._opener is not None:
            self._opener.wait()  # run_in_background deletes it
            self._opener = None

    def _opened(self, opened: Opened | Encrypted) -> None:
        self._finish_opener()
        if isinstance(opened, Encrypted):
            if not self._closed:
                self._ask_login(opened)
            return
        if self._closed:  # the window was closed meanwhile
            opened.store.close()
            return
        if opened.needs_login and opened.store.actor is None:
            self._ask_login(opened)
            return
        just_set_up = not opened.set_up
        if not opened.set_up and not ensure_set_up(opened.store, self.window):
            opened.store.close()
            self._give_up(0)
            return
        if just_set_up and opened.store.actor is None and not self._is_laptop(opened.store):
            opened.store = self.secure(opened.store) or opened.store
        self._install(opened.store)
        self._check_behind(opened.store)
        if opened.store.actor is not None:
            self._start_session(opened.store.actor)

    # --- who is at the keyboard (issue 17) -------------------------------------
    def _ask_login(self, opened: Opened | Encrypted) -> None:
        """The login page: for a clear store with accounts (open, unused until someone logs in), or an encrypted
        one (nothing opened yet; the recovery code offered too)."""
        self._awaiting_login = opened
        path = opened.path if isinstance(opened, Encrypted) else opened.store.path
        page = self.window.show_login(path)
        if not getattr(page, "_shell_connected", False):
            page.submitted.connect(self._log_in)
            page.recovery_submitted.connect(self._recover)
            page._shell_connected = True
        page.recovery_button.setVisible(isinstance(opened, Encrypted))
        page.set_recovery(False)
        page.password_edit.clear()
        (page.name_edit if not page.name_edit.text() else page.password_edit).setFocus()

    def _check(self, job, success) -> None:
        page = self.window.login_page
        page.set_busy(True)
        self._check_password(job, success, page.refuse)

    def _check_password(self, job, success: Callable[[Any], object], failure: Callable[[str], object]) -> None:
        """One password check at a time, off the GUI thread (the page is busy meanwhile, so nobody can ask for
        another); one asked for once the last answer is shown but before its thread has ended follows it."""
        if self._checking_password is not None:
            self._next_check = (job, success, failure)
            return
        self._checking_password = run_in_background(
            None, job, success=success, failure=failure, finished=self._password_checked
        )

    def _password_checked(self, _outcome: str) -> None:
        self._checking_password = None
        waiting, self._next_check = self._next_check, None
        if waiting is not None and not self._closed:
            self._check_password(*waiting)

    def _log_in(self, name: str, password: str) -> None:
        opened = self._awaiting_login
        if opened is None:
            return
        if isinstance(opened, Encrypted):
            self._check(open_as_in_background(opened.path, name, password), self._logged_into)
        else:
            self._check(log_in_in_background(opened.store, name, password), self._logged_in)

    def _recover(self, code: str) -> None:
        opened = self._awaiting_login
        if not isinstance(opened, Encrypted):
            return
        self._check(open_with_recovery_in_background(opened.path, code), self._recovered)

    def _logged_in(self, actor) -> None:
        opened, self._awaiting_login = self._awaiting_login, None
        if not isinstance(opened, Opened) or self._closed:
            return
        opened.store.actor = actor  # (accounts.login has set it; said again here for the reader)
        self._opened(opened)
        if self.store is opened.store and actor.role == "township_admin" and opened.store.key is None:
            QTimer.singleShot(0, self.offer_encryption)  # a clear store opened by an administrator (issue 17)

    def _logged_into(self, opened: Opened) -> None:
        self._awaiting_login = None
        if self._closed:
            opened.store.close()
            return
        self._opened(opened)

    def _recovered(self, opened: Opened) -> None:
        """The recovery code opened the store: an administrator gets a new password before anything else."""
        self._awaiting_login = None
        if self._closed:
            opened.store.close()
            return
        from xinjie_desktop.qt.shell.recovery import NewAdminPasswordDialog

        dialog = NewAdminPasswordDialog(opened.store, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            opened.store.close()
            self.open(opened.store.path, again=True)
            return
        self._opened(opened)

    # --- encryption (issue 17) --------------------------------------------------------
    @staticmethod
    def _is_laptop(store: Store) -> bool:
        from xinjie_desktop.core.sync import device

        return device.provisioning(store) is not None

    def _secure_dialog(self, store: Store, *, new_store: bool):
        """The dialog that encrypts the clear ``store``: a new one gets its first administrator; an existing one
        is encrypted by the administrator logged in (their password typed again).  The recovery code is shown
        once, to save and print.  Returns the dialog and the dict that holds the store opened again
        (``"store"``) once it is encrypted."""
        from xinjie_desktop.core.records.accounts import AccountError
        from xinjie_desktop.core.store.database import StoreError
        from xinjie_desktop.core.store.keyring import KeyringError
        from xinjie_desktop.core.sync import login
        from xinjie_desktop.qt.shell.first_admin import FirstAdminDialog

        done: dict[str, Store] = {}

        def secure(name: str, password: str) -> str:
            if store is self.store:  # nothing of this program may hold the file while it is replaced
                self._stop_checker()
                self._stop_counting()
            try:
                reopened, code = login.secure(store, name, password)
            except (AccountError, StoreError, KeyringError) as error:
                raise ValueError(str(error)) from error
            done["store"] = reopened
            return code

        dialog = FirstAdminDialog(
            secure,
            lambda code: save_recovery_sheet(dialog, store, code, done),
            self.window,
            suggested_name="admin" if new_store and is_demo_store(store) else "",
            existing_account="" if new_store or store.actor is None else store.actor.name,
        )
        return dialog, done

    def secure(self, store: Store) -> Store | None:
        """A new data file's first administrator and its encryption, before the window shows it (a modal
        dialog); the store opened again, encrypted, or None when the user closed the dialog first."""
        dialog, done = self._secure_dialog(store, new_store=True)
        dialog.exec()
        return done.get("store")

    def offer_encryption(self):
        """The dialog that encrypts the clear open store, over the window (not waited for; closing it leaves the
        store clear): offered when a township administrator logs into it, and from the File menu (a store
        without accounts gets its first administrator there).  Returns the dialog, or None."""
        from xinjie_desktop.core.records import accounts

        store = self.store
        if store is None or store.key is not None or self._closed:
            return None
        dialog, done = self._secure_dialog(store, new_store=not accounts.any_accounts(store))

        def finished(_result: int) -> None:
            reopened = done.get("store")
            if reopened is not None and not self._closed:
                self._install(reopened)
                self._start_session(reopened.actor)

        dialog.finished.connect(finished)
        dialog.open()
        self.encryption_dialog = dialog
        return dialog

    def _start_session(self, actor) -> None:
        """Someone has logged in: their name in the status bar, Ctrl+L, and the idle lock's clock."""
        if self.idle_lock is None:
            from xinjie_desktop.qt.shell.login import IdleLock

            self.idle_lock = IdleLock(parent=self)
            self.idle_lock.idle.connect(self.lock)
        self.window.set_actor(actor_display(actor), actor)
        self.idle_lock.start()

    def lock(self) -> None:
        """Lock the window (Ctrl+L, or nobody touched it for the set time); only a logged-in session locks."""
        store = self.store
        if store is None or getattr(store, "actor", None) is None or self.window.is_locked():
            return
        page = self.window.lock(actor_display(store.actor))
        if not getattr(page, "_shell_connected", False):
            page.unlock_requested.connect(self._unlock)
            page.switch_requested.connect(self.switch_user)
            page._shell_connected = True
        if self.idle_lock is not None:
            self.idle_lock.stop()

    def _unlock(self, password: str) -> None:
        store = self.store
        if store is None or store.actor is None:
            return
        page = self.window.lock_page
        page.set_busy(True)
        self._check_password(log_in_in_background(store, store.actor.name, password), self._unlocked, page.refuse)

    def _unlocked(self, _actor) -> None:
        self.window.unlock()
        if self.idle_lock is not None:
            self.idle_lock.start()

    def switch_user(self) -> None:
        """Another person logs in: the store is opened again for them.  Refused while the locked session has
        unsaved changes in the editor: its owner unlocks and saves (or discards) them first."""
        workspace = self.window.workspace
        editor = workspace.editor() if workspace is not None else None
        if editor is not None and editor.has_unsaved_changes():
            self.window.lock_page.refuse(
                _(
                    "{name} has changes in the editor that are not saved. They must unlock the window and save "
                    "or discard them before someone else logs in."
                ).format(name=self.store.actor.name if self.store and self.store.actor else "")
            )
            return
        if self.store is None:
            return
        self.store.actor = None
        self.open(self.store.path, again=True)

    def _open_failed(self, message: str) -> None:
        self._finish_opener()
        if self._closed:
            return
        show_error(message, self.window)
        self._give_up(1)

    def _give_up(self, code: int) -> None:
        """Opening failed or set-up was abandoned: back to the store shown before, or end the program."""
        if self.store is not None:
            self.window.show_workspace()
            return
        self.exit_code = code
        QCoreApplication.exit(code)

    def restore_backup(self, backup_path: str | Path) -> bool:
        """Put a backup in place of the open store: close the store, restore (which backs up the
        current store first), then open the file again as "open another data file" does.
        False if the user kept unsaved changes or the restore was refused (a message says why)."""
        from xinjie_desktop.core.store import backups

        if self.store is None or self._opener is not None or self._closed:
            return False
        if self.window.workspace is not None and not self.window.workspace.may_leave_editor():
            return False
        path, key = self.store.path, self.store.key
        self.window.show_opening(path)
        self._stop_checker()
        self._stop_counting()
        self.store.close()  # every pooled connection: restore needs the file to itself
        try:
            backups.restore(path, backup_path, backups_to_keep(), key=key)
        except backups.BackupError as error:
            show_error(str(error), self.window)
            self.window.show_workspace()
            return False
        self.open(path, again=True)
        return True

    def _stop_counting(self) -> None:
        """A household count still running in its thread lets go of the store's file (it is being closed)."""
        if self.window.workspace is not None:
            self.window.workspace.model.stop_counting(wait=True)

    def _install(self, store: Store) -> None:
        old = self.store
        self._stop_counting()  # the old store's
        self.window.install_workspace(_workspace(store))
        self.store = store
        self._stop_checker()  # the old store's
        if old is not None:
            old.close()

    def _check_behind(self, store: Store) -> None:
        """The day's backup and the scheduled whole-file check, in a thread, once the list is shown."""
        self._stop_checker()
        self._checker_stop = threading.Event()
        self._checker = run_in_background(
            None,
            after_opening(store, self._checker_stop),
            success=self._checked,
            failure=lambda _message: None,
            finished=lambda _outcome: setattr(self, "_checker", None),
        )

    def _stop_checker(self) -> None:
        """Stop the scheduled check (a day's backup under way is finished) before its store is closed."""
        if self._checker is not None:
            self._checker_stop.set()
            checker, self._checker = self._checker, None
            checker.wait()

    def _checked(self, sound: bool) -> None:
        if not sound and not self._closed and self.store is not None:
            show_error(
                _(
                    "The data file {path} is damaged: the weekly check found errors in it. Restore the latest "
                    "backup copy (File menu, Backups) before entering more work."
                ).format(path=self.store.path),
                self.window,
            )

    def _window_closing(self) -> None:
        """Closing the window ends the program: a store still being opened is closed once it is open."""
        self._closed = True
        self._pending = None
        if self.idle_lock is not None:
            self.idle_lock.stop()

    def close(self) -> None:
        """At the end: wait for a store still being opened and close it, and the open store."""
        self._closed = True
        self._pending = None
        if self._opener is not None:
            opener, self._opener = self._opener, None
            opener.wait()
            if isinstance(opener.result, Opened):  # its success was never delivered
                opener.result.store.close()
            opener.deleteLater()
        self._stop_checker()
        self._stop_counting()
        self._next_check = None
        if self._checking_password is not None:
            self._checking_password.wait()
        if isinstance(self._awaiting_login, Opened):
            self._awaiting_login.store.close()
        self._awaiting_login = None
        if self.store is not None:
            self.store.close()
            self.store = None


def start(app: QApplication, db_path: Path | None, language: str | None) -> _Shell:
    """Prepare the application, paint the window with the opening page, then open the store behind it."""
    set_identity(app)
    prepare_application(app, choose_language(language))
    install_excepthook()
    shell = _Shell()
    if os.environ.get("XINJIE_EXIT_AFTER_PAINT"):  # a benchmark of the packaged program (qt.shell.paint_probe)
        from xinjie_desktop.qt.shell import paint_probe

        shell.paint_probe = paint_probe.install(shell.window, os.environ["XINJIE_EXIT_AFTER_PAINT"])
    shell.open_after_paint(db_path or default_store_path())
    shell.window.show()
    return shell


def run(db_path: Path | None, language: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    shell = start(app, db_path, language)
    try:
        code = app.exec()
    finally:
        shell.close()
        shell.window.close()
        shell.window.deleteLater()
    return code or shell.exit_code
