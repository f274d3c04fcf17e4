"""The main window's frame: menus, status bar, title, and what fills its centre.

The frame is built and painted before the store is open, so this module
imports nothing of the core (SQLAlchemy, Alembic): a cold start shows the
window at once, with an "Opening the data file…" page, while qt.shell.app opens
the store in the background.  Once the store is open, the household
workspace (qt.shell.workspace: navigation, filter bar, list, editor) is installed
in the centre and the title names the township.  A village laptop that has
accepted its provisioning but not yet received the township office's first
bundle (no township, no villages yet) shows qt.sync.provisioning's waiting page
there instead, with Export to USB and Import from USB; once a bundle is
imported the workspace is rebuilt and the household list appears.

For convenience (and the tests), the workspace's parts are reachable from
the window: ``window.table`` is ``window.workspace.table`` once installed
(plain properties, WORKSPACE_PARTS: a ``__getattr__`` on a Qt object upsets
shiboken's reference counting).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, Signal  # not Qt: its first import costs 12 ms of enums, after the paint
from PySide6.QtGui import QAction, QActionGroup, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop import i18n
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell import placement, settings

# The household workspace's attributes and methods the window passes on (qt.shell.workspace.HouseholdWorkspace).
WORKSPACE_PARTS = (
    "navigation",
    "filter_bar",
    "model",
    "table",
    "pages",
    "list_page",
    "editor_page",
    "editor_stack",
    "back_button",
    "placeholder",
    "editor",
    "open_household",
    "new_household",
    "select_household",
    "selected_household",
    "show_list",
    "apply_filter",
    "current_filter",
    "focus_search",
)


def window_title(township_name: str = "", is_demo: bool = False) -> str:
    """The township (marked when it is demo data); Qt adds the application's display name after it."""
    if not township_name:
        return _("Xinjie Township poverty-alleviation work tool")
    if is_demo and _("demo data") not in township_name:
        return _("{township} (demo data)").format(township=township_name)
    return township_name


class OpeningPage(QWidget):
    """Shown while the data file is checked and opened: its path and a busy bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("opening_page")
        self.heading = QLabel(_("Opening the data file…"), objectName="opening_heading")
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.path_label = QLabel(objectName="opening_path")
        self.path_label.setWordWrap(True)
        self.note = QLabel(
            _("The file is checked for damage before it is used; a large file takes a moment."),
            objectName="opening_note",
        )
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555555;")
        self.progress = QProgressBar(objectName="opening_progress")
        self.progress.setRange(0, 0)  # busy: how long the check takes is not known
        self.progress.setTextVisible(False)
        column = QWidget(objectName="opening_column")
        column.setFixedWidth(560)
        column_layout = QVBoxLayout(column)
        column_layout.setSpacing(10)
        for widget in (self.heading, self.path_label, self.progress, self.note):
            column_layout.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_path(self, path: Path | str) -> None:
        self.path_label.setText(str(path))


class MainWindow(QMainWindow):
    """The one window of the application; its centre is the opening page or the household workspace."""

    open_store_requested = Signal(str)  # path of another store file
    restore_backup_requested = Signal(str)  # path of a backup to put in place of the open store
    workspace_installed = Signal(object)  # the HouseholdWorkspace now shown
    closing = Signal()
    lock_requested = Signal()  # Ctrl+L or the File menu: the shell locks the window (qt.shell.login)
    encrypt_requested = Signal()  # File menu: encrypt the clear data file (the shell, issue 17)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self._workspace = None
        self.awaiting_page = None  # qt.sync.provisioning.AwaitingTownshipPage while a laptop waits for its villages
        self._is_laptop = False  # the open store is a provisioned village laptop
        self._store_path: Path | None = None
        self._shortcuts_added = False
        self._guide = None  # qt.shell.user_guide.UserGuideDialog, once opened
        self.opening_page = OpeningPage()
        self.centre = QStackedWidget(objectName="centre")
        self.centre.addWidget(self.opening_page)
        self.login_page = None  # qt.shell.login.LoginPage, made when a data file with accounts is opened
        self.lock_page = None  # qt.shell.login.LockPage, made the first time the window locks
        self._hidden_while_locked: list[QWidget] = []  # dialogs hidden by the lock, shown again on unlocking
        self.setCentralWidget(self.centre)

        self.count_label = QLabel(objectName="count_label")
        self.path_label = QLabel(objectName="path_label")
        self.demo_label = QLabel(_("Demo data: invented, not real households"), objectName="demo_label")
        self.demo_label.setStyleSheet("color: #ffffff; background: #b05a00; padding: 1px 6px;")
        self.user_label = QLabel(objectName="user_label")  # who is logged in (issue 17)
        self.user_label.hide()
        self.clear_label = QLabel(_("Not encrypted"), objectName="clear_label")  # a clear data file (issue 17)
        self.clear_label.setToolTip(_("Anyone can read this data file: File menu, Encrypt the data file"))
        self.clear_label.setStyleSheet("color: #ffffff; background: #a00000; padding: 1px 6px;")
        self.clear_label.hide()
        self._actor = None  # core.rules.permissions.Actor of the person logged in, None without accounts
        self.statusBar().addWidget(self.count_label)
        self.statusBar().addPermanentWidget(self.clear_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.path_label)
        self.statusBar().addPermanentWidget(self.demo_label)
        self.demo_label.hide()

        self._build_menus()
        self._enable_workspace_actions(False)
        self.setWindowTitle(window_title())
        self.place_on_screen()

    def place_on_screen(self, available: QRect | None = None) -> None:
        """Within the screen's available area (``available``: the screen less its task bar, by default this
        window's screen's): the size, place and maximised state the user left it at, brought back within the
        screen if it no longer fits (another monitor); else the default size, maximised where the screen is
        small (qt.shell.placement)."""
        saved = settings.saved_window_geometry()
        if saved is not None and self.restoreGeometry(saved):
            if not self.isMaximized() and not self.isFullScreen():
                if available is None:  # the screen it was left on, if that one is still there
                    screen = QGuiApplication.screenAt(self.geometry().center()) or self.screen()
                    available = screen.availableGeometry()
                self.setGeometry(placement.brought_within(self.geometry(), available))
            return
        if available is None:
            available = self.screen().availableGeometry()
        place = placement.first_placement(available)
        self.setGeometry(place.geometry)
        if place.maximised:
            from PySide6.QtCore import Qt  # not at the top: see the import there

            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    @property
    def workspace(self):
        """The HouseholdWorkspace in the centre, None while a store is being opened."""
        return self._workspace

    # --- the centre -------------------------------------------------------
    def show_opening(self, path: Path | str) -> None:
        """The "Opening the data file…" page for ``path``; the workspace's commands wait."""
        self.opening_page.set_path(path)
        self.centre.setCurrentWidget(self.opening_page)
        self._enable_workspace_actions(False)
        if self._workspace is None:
            self._set_path(path)

    def show_login(self, path: Path | str):
        """The login page for ``path`` (a data file with accounts); returns it (qt.shell.login.LoginPage)."""
        if self.login_page is None:
            from xinjie_desktop.qt.shell.login import LoginPage

            self.login_page = LoginPage()
            self.centre.addWidget(self.login_page)
        self.login_page.set_path(path)
        self.login_page.set_busy(False)
        self.centre.setCurrentWidget(self.login_page)
        self._enable_workspace_actions(False)
        if self._workspace is None:
            self._set_path(path)
        return self.login_page

    def open_accounts(self):
        """The accounts dialog (township administrators); returns it."""
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.accounts.accounts_dialog import AccountsDialog

        if self._workspace is None:
            return None
        dialog = AccountsDialog(self._workspace.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def change_password(self):
        """The person logged in changes their own password; returns the dialog."""
        from xinjie_desktop.qt.accounts.accounts_dialog import change_own_password

        if self._workspace is None or self._actor is None:
            return None
        return change_own_password(self._workspace.store, self)

    def set_actor(self, display: str, actor) -> None:
        """The person logged in (core.rules.permissions.Actor): named in the status bar; the commands their role
        does not allow are disabled; Ctrl+L locks."""
        self._actor = actor
        self.user_label.setText(_("Logged in: {who}").format(who=display))
        self.user_label.show()
        self.lock_action.setEnabled(True)
        self.password_action.setEnabled(bool(actor.id))  # (the recovery code's session has no account)
        self._enable_workspace_actions(self.centre.currentWidget() is not self.opening_page)

    def is_locked(self) -> bool:
        return self.lock_page is not None and self.centre.currentWidget() is self.lock_page

    def lock(self, display: str):
        """Cover the centre with the lock page (the editor keeps what was typed) and hide the open dialogs
        until ``unlock``; every command but Quit waits.  Returns the lock page."""
        if self.lock_page is None:
            from xinjie_desktop.qt.shell.login import LockPage

            self.lock_page = LockPage()
            self.centre.addWidget(self.lock_page)
        if not self.is_locked():
            self._hidden_while_locked = [
                widget
                for widget in QApplication.topLevelWidgets()
                if widget is not self and widget.isVisible() and widget.isWindow()
            ]
            for widget in self._hidden_while_locked:
                widget.hide()
        self.lock_page.set_user(display)
        self.centre.setCurrentWidget(self.lock_page)
        self._enable_workspace_actions(False)
        self.lock_action.setEnabled(False)
        self.lock_page.password_edit.setFocus()
        return self.lock_page

    def unlock(self) -> None:
        """The password was right: the workspace (and the dialogs the lock hid) again."""
        if not self.is_locked():
            return
        self.show_workspace()
        self.lock_action.setEnabled(True)
        hidden, self._hidden_while_locked = self._hidden_while_locked, []
        for widget in hidden:
            widget.show()

    def show_workspace(self) -> None:
        """Back to the workspace (opening another file failed or was given up)."""
        if self._workspace is not None:
            self.centre.setCurrentWidget(self._workspace if self.awaiting_page is None else self.awaiting_page)
            self._enable_workspace_actions(True)

    def install_workspace(self, workspace) -> None:
        """Show ``workspace`` (over its store) in the centre, in place of any earlier one."""
        old = self._workspace
        self._workspace = workspace
        self.centre.addWidget(workspace)
        self.centre.setCurrentWidget(workspace)
        if old is not None:
            self.centre.removeWidget(old)
            old.deleteLater()
        workspace.count_changed.connect(self._show_count)
        self._show_count(workspace.model.total())
        self._set_path(workspace.store.path)
        self.demo_label.setVisible(workspace.is_demo)
        self.setWindowTitle(window_title(workspace.township_name, workspace.is_demo))
        self._show_sync_state(workspace.store)
        self._enable_workspace_actions(True)
        self.add_shortcuts()
        self.workspace_installed.emit(workspace)

    def _show_sync_state(self, store) -> None:
        """A village laptop still waiting for its villages: the waiting page instead of the empty list."""
        from xinjie_desktop.qt.sync import provisioning  # needs the core
        from xinjie_desktop.qt.sync.sync_common import awaiting_first_bundle

        self._is_laptop = provisioning.is_laptop(store)
        granted = awaiting_first_bundle(store)
        old, self.awaiting_page = self.awaiting_page, None
        if granted is not None:
            page = provisioning.AwaitingTownshipPage(store, granted)
            page.export_requested.connect(self._export_first_bundle)
            page.import_requested.connect(self.open_sync_import)
            self.awaiting_page = page
            self.centre.addWidget(page)
            self.centre.setCurrentWidget(page)
        if old is not None:
            self.centre.removeWidget(old)
            old.deleteLater()

    def _set_path(self, path: Path | str) -> None:
        self._store_path = Path(path)
        self.path_label.setText(_("Data file: {path}").format(path=path))

    def _show_count(self, count: int) -> None:
        self.count_label.setText(i18n.ngettext("{n} household", "{n} households", count).format(n=count))

    # --- menus ----------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        self.new_action = QAction(_("&New household"), self, objectName="new_household_action")
        self.new_action.triggered.connect(self._new_household)
        file_menu.addAction(self.new_action)
        self.find_action = QAction(_("&Find household"), self)
        self.find_action.triggered.connect(self._focus_search)
        file_menu.addAction(self.find_action)
        self.village_documents_action = QAction(_("&Village documents…"), self, objectName="village_documents_action")
        self.village_documents_action.setToolTip(
            _("All agreements or notice sheets of a village as one PDF; public notices; overdue demolitions")
        )
        self.village_documents_action.triggered.connect(self.open_village_documents)
        file_menu.addAction(self.village_documents_action)
        self.teams_action = QAction(_("&Work teams…"), self, objectName="teams_action")
        self.teams_action.setToolTip(
            _(
                "A team member's day, the visits, the meetings, the weekly report, the team and its pairings, the "
                "deadlines, the township's checks and the quarter's coverage"
            )
        )
        self.teams_action.triggered.connect(self.open_work_teams)
        file_menu.addAction(self.teams_action)
        self.roster_action = QAction(_("The national system's &roster…"), self, objectName="roster_action")
        self.roster_action.setToolTip(
            _("Compare the national system's roster with this data file: the correction list to enter there")
        )
        self.roster_action.triggered.connect(self.open_roster)
        file_menu.addAction(self.roster_action)
        file_menu.addSeparator()
        self.open_action = QAction(_("&Open another data file…"), self)
        self.open_action.triggered.connect(self._choose_store)
        file_menu.addAction(self.open_action)
        self.backups_action = QAction(_("&Backups…"), self, objectName="backups_action")
        self.backups_action.setToolTip(_("Back up the data file now, or restore an earlier backup"))
        self.backups_action.triggered.connect(self.open_backups)
        file_menu.addAction(self.backups_action)
        self.audit_action = QAction(_("&Record of who did what…"), self, objectName="audit_action")
        self.audit_action.triggered.connect(self.open_audit_record)
        file_menu.addAction(self.audit_action)
        self.funds_action = QAction(_("Relocation f&unds…"), self, objectName="funds_action")  # issue 19
        self.funds_action.setToolTip(
            _("Relocation funds received, paid to households by building progress, and checked")
        )
        self.funds_action.triggered.connect(self.open_funds)
        file_menu.addAction(self.funds_action)
        self.accounts_action = QAction(_("&Accounts…"), self, objectName="accounts_action")
        self.accounts_action.setToolTip(_("Make accounts, give new passwords, lock and unlock (administrators)"))
        self.accounts_action.triggered.connect(self.open_accounts)
        self.accounts_action.setEnabled(False)
        file_menu.addAction(self.accounts_action)
        self.encrypt_action = QAction(_("&Encrypt the data file…"), self, objectName="encrypt_action")
        self.encrypt_action.setToolTip(_("Make the first administrator and encrypt this data file"))
        self.encrypt_action.triggered.connect(self.encrypt_requested)
        self.encrypt_action.setEnabled(False)
        file_menu.addAction(self.encrypt_action)
        self.password_action = QAction(_("Change my &password…"), self, objectName="password_action")
        self.password_action.triggered.connect(self.change_password)
        self.password_action.setEnabled(False)
        file_menu.addAction(self.password_action)
        self.lock_action = QAction(_("&Lock the window"), self, objectName="lock_action")
        self.lock_action.setToolTip(_("Hide the households until your password is typed again"))
        self.lock_action.triggered.connect(self.lock_requested)
        self.lock_action.setEnabled(False)  # until someone has logged in
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        self.quit_action = QAction(_("&Quit"), self)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        view_menu = self.menuBar().addMenu(_("&View"))
        language_menu = view_menu.addMenu(_("&Language"))
        self.language_actions = QActionGroup(self)
        self.language_actions.setExclusive(True)
        for code, label in (("zh_CN", _("Chinese (Simplified)")), ("en", _("English"))):
            action = QAction(label, self, checkable=True)
            action.setData(code)
            action.setChecked(i18n.language() == code)
            self.language_actions.addAction(action)
            language_menu.addAction(action)
        self.language_actions.triggered.connect(self._language_chosen)
        view_menu.addSeparator()
        self.progress_action = QAction(_("&Progress at a glance…"), self, objectName="progress_action")
        self.progress_action.setToolTip(_("The figures of every village and the township; the weekly bulletin"))
        self.progress_action.triggered.connect(self.open_progress)
        self.progress_action.setEnabled(False)
        view_menu.addAction(self.progress_action)

        sync_menu = self.menuBar().addMenu(_("&Sync"))
        self.sync_export_action = QAction(_("&Export to USB…"), self, objectName="sync_export_action")
        self.sync_export_action.setToolTip(_("Write this computer's work onto a USB stick for the other computer"))
        self.sync_export_action.triggered.connect(self.open_sync_export)
        sync_menu.addAction(self.sync_export_action)
        self.sync_import_action = QAction(_("&Import from USB…"), self, objectName="sync_import_action")
        self.sync_import_action.setToolTip(_("Check and import the bundles on a USB stick"))
        self.sync_import_action.triggered.connect(self.open_sync_import)
        sync_menu.addAction(self.sync_import_action)
        sync_menu.addSeparator()
        self.conflicts_action = QAction(_("&Conflicts and duplicates…"), self, objectName="conflicts_action")
        self.conflicts_action.triggered.connect(self.open_conflicts)
        sync_menu.addAction(self.conflicts_action)
        self.sync_board_action = QAction(_("Sync &board…"), self, objectName="sync_board_action")
        self.sync_board_action.setToolTip(_("Every laptop: when it was last seen, its last bundle, what is missing"))
        self.sync_board_action.triggered.connect(self.open_sync_board)
        sync_menu.addAction(self.sync_board_action)
        sync_menu.addSeparator()
        self.provision_action = QAction(_("&Provision a village laptop…"), self, objectName="provision_action")
        self.provision_action.setToolTip(
            _("At the township office: write a provisioning file for a village laptop onto a USB stick")
        )
        self.provision_action.triggered.connect(self.open_provision_laptop)
        sync_menu.addAction(self.provision_action)
        self.request_provisioning_action = QAction(
            _("&Write a provisioning request…"), self, objectName="request_provisioning_action"
        )
        self.request_provisioning_action.setToolTip(
            _("On a village laptop (e.g. after a copy or a restore): ask the township office for provisioning")
        )
        self.request_provisioning_action.triggered.connect(self.open_request_provisioning)
        sync_menu.addAction(self.request_provisioning_action)
        self.accept_provisioning_action = QAction(
            _("&Accept a provisioning file…"), self, objectName="accept_provisioning_action"
        )
        self.accept_provisioning_action.setToolTip(
            _("On a village laptop: accept a new provisioning file from the township office")
        )
        self.accept_provisioning_action.triggered.connect(self.open_accept_provisioning)
        sync_menu.addAction(self.accept_provisioning_action)

        help_menu = self.menuBar().addMenu(_("&Help"))
        self.guide_action = QAction(_("&User guide"), self, objectName="guide_action")
        self.guide_action.setToolTip(_("The day's tasks step by step, with pictures of the screens"))
        self.guide_action.triggered.connect(self.open_guide)
        help_menu.addAction(self.guide_action)
        help_menu.addSeparator()
        self.about_action = QAction(_("&About xinjie-desktop"), self, objectName="about_action")
        self.about_action.triggered.connect(self.open_about)
        help_menu.addAction(self.about_action)

    def add_shortcuts(self) -> None:
        """The menu commands' shortcuts.  Not in ``__init__``: the first ``setShortcut`` builds Qt's
        key enums (25 ms), and the frame is painted before that; the commands wait for a store anyway."""
        if self._shortcuts_added:
            return
        self._shortcuts_added = True
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.guide_action.setShortcut(QKeySequence("F1"))
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))

    def _enable_workspace_actions(self, enabled: bool) -> None:
        for action in (
            self.new_action,
            self.find_action,
            self.village_documents_action,
            self.teams_action,
            self.roster_action,
            self.open_action,
            self.backups_action,
            self.audit_action,
            self.progress_action,
            self.funds_action,
            self.sync_export_action,
            self.sync_import_action,
            self.conflicts_action,
            self.sync_board_action,
            self.provision_action,
            self.request_provisioning_action,
            self.accept_provisioning_action,
        ):
            action.setEnabled(enabled)
        if not enabled:
            return
        waiting = self.awaiting_page is not None
        for action in (self.new_action, self.find_action, self.village_documents_action, self.conflicts_action):
            action.setEnabled(not waiting)  # no villages yet: nothing to enter, find or print
        # Only the township office provisions laptops; only a laptop accepts a (new) provisioning file.
        self.provision_action.setEnabled(not self._is_laptop)
        self.accept_provisioning_action.setEnabled(self._is_laptop)
        self.request_provisioning_action.setEnabled(self._is_laptop)
        self.accounts_action.setEnabled(enabled and self._actor is not None)
        clear = enabled and self._workspace is not None and self._workspace.store.key is None and not self._is_laptop
        self.clear_label.setVisible(self._workspace is not None and self._workspace.store.key is None)
        self.encrypt_action.setEnabled(clear and (self._actor is None or self._actor.role == "township_admin"))
        if self._actor is not None:  # what the person's role allows at all (the core refuses the rest anyway)
            from xinjie_desktop.core.rules.permissions import Action, any_village

            for action, needed in (
                (self.accounts_action, Action.MANAGE_ACCOUNTS),
                (self.audit_action, Action.READ_AUDIT),
                (self.roster_action, Action.NATIONAL_ROSTER),
                (self.new_action, Action.EDIT_HOUSEHOLD),
                (self.sync_export_action, Action.EXPORT_BUNDLE),
                (self.sync_import_action, Action.IMPORT_BUNDLE),
                (self.conflicts_action, Action.IMPORT_BUNDLE),
                (self.provision_action, Action.PROVISION),
                (self.accept_provisioning_action, Action.PROVISION),
                (self.request_provisioning_action, Action.PROVISION),
            ):
                if not any_village(self._actor, needed):
                    action.setEnabled(False)

    def _new_household(self) -> None:
        if self._workspace is not None:
            self._workspace.new_household()

    def _focus_search(self) -> None:
        if self._workspace is not None:
            self._workspace.focus_search()

    def open_village_documents(self):
        """The village documents dialog (qt.notices.village_documents), for the village chosen in the filter bar."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.notices.village_documents import VillageDocumentsDialog  # needs the core

        dialog = VillageDocumentsDialog(self._workspace.store, self._workspace.filter_bar.village_id(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_work_teams(self):
        """File → Work teams (qt.teams.teams_view, issue 20): a member's day, visits, meetings, weekly report."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.teams.teams_view import TeamsDialog  # needs the core

        dialog = TeamsDialog(self._workspace.store, self, on_laptop=self._is_laptop)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_roster(self):
        """The national system's roster compared with the open data file (qt.roster.roster_view)."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.roster.roster_view import RosterComparisonDialog  # needs the core

        dialog = RosterComparisonDialog(self._workspace.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_progress(self):
        """View → Progress at a glance (qt.progress.progress_view, issue 18): a number clicked there shows its
        households in this window's list."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.progress.progress_view import ProgressDialog  # needs the core

        dialog = ProgressDialog(self._workspace.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.figure_chosen.connect(self._show_figure)
        dialog.show()
        return dialog

    def _show_figure(self, selection, village_id, text: str) -> None:
        if self._workspace is not None and self._workspace.may_leave_editor():
            self._workspace.show_figure(selection, village_id, text)
            self.activateWindow()

    def open_backups(self):
        """The Backups dialog (qt.shell.backups_dialog) for the open data file; a restore chosen there is
        passed on as ``restore_backup_requested``."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.shell.backups_dialog import BackupsDialog  # needs the core

        dialog = BackupsDialog(self._workspace.store.path, self, key=self._workspace.store.key)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restore_requested.connect(self.restore_backup_requested)
        dialog.show()
        return dialog

    def open_audit_record(self):
        """File → Record of who did what (qt.audit.audit_view): for the township's administration and auditors
        (the dialog says so to anyone else)."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.audit.audit_view import AuditDialog  # needs the core

        dialog = AuditDialog(self._workspace.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_funds(self):
        """File → Relocation funds (qt.funds.funds_view, issue 19): the ledger, the payments, the checks."""
        if self._workspace is None:
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.funds.funds_view import FundsDialog  # needs the core

        dialog = FundsDialog(self._workspace.store, self, on_laptop=self._is_laptop)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # --- sync by USB bundles (qt.sync: sync_export_dialog, sync_import_dialog, conflicts_view, sync_board_view)
    def _sync_dialog(self, make, *, leave_editor: bool = False):
        """A sync dialog over the open data file, window-modal; None when no data file is open (or the
        user kept the household being edited: an import or a resolution changes households underneath)."""
        if self._workspace is None:
            return None
        if leave_editor and not self._workspace.may_leave_editor():
            return None
        from PySide6.QtCore import Qt  # not at the top: see the import there

        dialog = make(self._workspace.store)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_sync_export(self):
        """Sync → Export to USB."""
        from xinjie_desktop.qt.sync.sync_export_dialog import SyncExportDialog  # needs the core

        return self._sync_dialog(lambda store: SyncExportDialog(store, self))

    def open_sync_import(self):
        """Sync → Import from USB; once something is imported, the household list is shown afresh."""
        from xinjie_desktop.qt.sync.sync_import_dialog import SyncImportDialog  # needs the core

        dialog = self._sync_dialog(lambda store: SyncImportDialog(store, self), leave_editor=True)
        if dialog is not None:
            dialog.imported.connect(self.reload_workspace)
        return dialog

    def open_conflicts(self):
        """Sync → Conflicts and duplicates; a resolution refreshes the household list."""
        from xinjie_desktop.qt.sync.conflicts_view import ConflictsDialog  # needs the core

        dialog = self._sync_dialog(lambda store: ConflictsDialog(store, self), leave_editor=True)
        if dialog is not None:
            dialog.changed.connect(self.reload_workspace)
            dialog.open_household_requested.connect(self._open_household)
        return dialog

    def open_sync_board(self):
        """Sync → Sync board."""
        from xinjie_desktop.qt.sync.sync_board_view import SyncBoardDialog  # needs the core

        return self._sync_dialog(lambda store: SyncBoardDialog(store, self))

    def _export_first_bundle(self):
        """The waiting page's step 1: Export to USB; once written, the page says so."""
        dialog = self.open_sync_export()
        if dialog is not None and self.awaiting_page is not None:
            dialog.exported.connect(self.awaiting_page.first_bundle_written)
        return dialog

    def open_provision_laptop(self):
        """Sync → Provision a village laptop (township office): write its provisioning file onto a USB stick."""
        if self._is_laptop:
            return None
        from xinjie_desktop.qt.sync.provisioning import ProvisionLaptopDialog  # needs the core

        return self._sync_dialog(lambda store: ProvisionLaptopDialog(store, self))

    def open_accept_provisioning(self):
        """Sync → Accept a provisioning file (village laptop, e.g. provisioned again after a copy or restore):
        choose the file, see what it grants, accept it; the window then shows the data file afresh."""
        if self._workspace is None or not self._is_laptop:
            return None
        from xinjie_desktop.qt.sync.provisioning import AcceptProvisioningDialog, choose_provisioning_file

        path = choose_provisioning_file(self)
        if path is None:
            return None
        dialog = self._sync_dialog(lambda store: AcceptProvisioningDialog(store, path, self))
        if dialog is not None:
            dialog.accepted.connect(self._provisioning_accepted)
        return dialog

    def open_request_provisioning(self):
        """Sync → Write a provisioning request (village laptop, e.g. with a new identity after a copy or a
        restore): write the request, then accept the provisioning file made from it."""
        if self._workspace is None or not self._is_laptop:
            return None
        from xinjie_desktop.qt.sync.provisioning import RequestProvisioningDialog  # needs the core

        dialog = self._sync_dialog(lambda store: RequestProvisioningDialog(store, self))
        if dialog is not None:
            dialog.accepted.connect(self._provisioning_accepted)  # once the provisioning file is accepted
        return dialog

    def _provisioning_accepted(self) -> None:
        self.reload_workspace()
        self.statusBar().showMessage(_("The provisioning file is accepted."), 10_000)

    def reload_workspace(self) -> None:
        """The data file changed underneath the workspace (bundles imported, a conflict resolved): show it
        afresh (villages, title, list), keeping the working list and the selected household."""
        old = self._workspace
        if old is None:
            return
        from xinjie_desktop.qt.shell.workspace import HouseholdWorkspace  # needs the core

        view, selected = old.navigation.current_view(), old.selected_household()
        workspace = HouseholdWorkspace(old.store)
        self.install_workspace(workspace)
        workspace.navigation.select_view(view)
        if selected:
            workspace.select_household(selected)

    def _open_household(self, household_id: str) -> None:
        if self._workspace is not None:
            self._workspace.select_household(household_id)
            self._workspace.open_household(household_id)

    def _choose_store(self) -> None:
        folder = str(self._store_path.parent) if self._store_path else ""
        path, _selected = QFileDialog.getOpenFileName(
            self, _("Open another data file"), folder, _("Data files (*.sqlite);;All files (*)")
        )
        if path:
            self.open_store_requested.emit(path)

    def _language_chosen(self, action: QAction) -> None:
        code = action.data()
        settings.save_language(code)
        if code != i18n.language():
            QMessageBox.information(
                self, _("Language"), _("The language is saved and takes effect the next time you start the program.")
            )

    def current_task(self) -> str | None:
        """The user guide's section for what the window shows: the household editor's tab, else None."""
        workspace = self._workspace
        editor = workspace.editor() if workspace is not None else None
        if editor is None or workspace.pages.currentWidget() is not workspace.editor_page:
            return None
        from xinjie_desktop.qt.households import household_editor as tabs  # loaded with the workspace

        return {tabs.WORKFLOW_TAB: "identify", tabs.RELOCATION_TAB: "plan", tabs.AGREEMENTS_TAB: "sign"}.get(
            editor.tabs.currentIndex(), "household"
        )

    def open_guide(self):
        """Help → User guide (F1): the guide, on the section of the task the window shows; one window."""
        from xinjie_desktop.qt.shell.user_guide import UserGuideDialog

        if self._guide is None:
            self._guide = UserGuideDialog(self)
        if self._guide.isVisible():  # open behind the window: brought forward
            self._guide.raise_()
            self._guide.activateWindow()
        self._guide.show()
        self._guide.show_section(self.current_task())
        return self._guide

    def open_about(self):
        """Help → About (qt.shell.about_dialog): the icon, version and build date; window-modal, not blocking."""
        from PySide6.QtCore import Qt  # not at the top: see the import there

        from xinjie_desktop.qt.shell.about_dialog import AboutDialog

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def closeEvent(self, event) -> None:
        if self._workspace is not None and not self._workspace.may_leave_editor():
            event.ignore()
            return
        settings.save_window_geometry(self.saveGeometry())  # opened the same way the next time
        self.closing.emit()
        super().closeEvent(event)


def _workspace_part(name: str) -> property:
    def get(window: MainWindow):
        if window.workspace is None:
            raise AttributeError(f"no data file is open yet, so the window has no {name!r}")
        return getattr(window.workspace, name)

    return property(get, doc=f"The household workspace's ``{name}``.")


for _name in WORKSPACE_PARTS:
    setattr(MainWindow, _name, _workspace_part(_name))
del _name
