"""Issue 17: the window locks itself and on demand, and shows nothing of the households while locked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from xinjie_desktop.qt.shell.login import IdleLock


def test_a_locked_window_hides_the_households_and_open_dialogs_until_unlocked(qtbot, window):
    """Issue 17: the lock page covers the list and the editor; a dialog open at the time is hidden with them;
    every command but Quit waits; unlocking brings back the same screen, the dialog too."""
    window.open_household(window.model.household_id(0))
    dialog = QDialog(window)
    dialog.setWindowTitle("an open dialog")
    dialog.show()
    qtbot.waitExposed(dialog)

    page = window.lock("张三（工作队员）")

    assert window.is_locked()
    assert window.centre.currentWidget() is page
    assert not window.table.isVisible() and not window.editor_stack.isVisible()
    assert not dialog.isVisible()
    assert "张三（工作队员）" in page.who.text()
    assert not window.new_action.isEnabled() and not window.sync_import_action.isEnabled()
    assert not window.lock_action.isEnabled()
    assert window.quit_action.isEnabled()

    window.unlock()

    assert not window.is_locked()
    assert window.editor_stack.isVisible()
    assert dialog.isVisible()
    assert window.new_action.isEnabled()
    dialog.close()


def test_the_lock_page_asks_for_the_password_and_says_why_it_was_refused(qtbot, window):
    """Issue 17: Enter with an empty password asks for one; a typed one is handed to the shell; a refusal is
    shown and the field emptied for the next try."""
    page = window.lock("李四")
    asked = []
    page.unlock_requested.connect(asked.append)
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    assert asked == [] and page.message.isVisible()
    qtbot.keyClicks(page.password_edit, "wrong-one")
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    assert asked == ["wrong-one"]
    page.refuse("密码不对。")
    assert page.message.text() == "密码不对。"
    assert page.password_edit.text() == ""


def test_ctrl_l_asks_the_shell_to_lock(qtbot, window):
    """Issue 17: Ctrl+L (File menu: Lock the window) once someone is logged in."""
    asked = []
    window.lock_requested.connect(lambda: asked.append(True))
    window.lock_action.setEnabled(True)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True]


def test_the_idle_lock_fires_after_the_set_time_without_input_and_input_starts_it_again(qtbot, window):
    """Issue 17: the window locks after a set idle time (default 10 minutes); a key press restarts the clock."""
    from xinjie_desktop.qt.shell import settings

    assert IdleLock().timer.interval() == settings.DEFAULT_IDLE_LOCK_MINUTES * 60_000
    idle = IdleLock(minutes=0.005)  # 300 ms
    fired = []
    idle.idle.connect(lambda: fired.append(True))
    idle.start()
    try:
        for _ in range(4):  # keep typing every 100 ms: never idle
            qtbot.wait(100)
            qtbot.keyClick(window.filter_bar.text_edit, Qt.Key.Key_A)
        assert fired == []
        qtbot.waitUntil(lambda: fired == [True], timeout=2000)
    finally:
        idle.stop()


# --- the shell: a data file with accounts (issue 17) -------------------------------------------------


@pytest.fixture
def accounts_store(tmp_path):
    """A demo data file with an administrator, a work-team member of one village and an auditor."""
    from xinjie_desktop.core.records import accounts, demo_data, township
    from xinjie_desktop.core.rules.permissions import Actor, Role
    from xinjie_desktop.core.sync.workstore import open_store

    path = tmp_path / "accounts.sqlite"
    store = open_store(path)
    demo_data.generate(store, villages=2, households=30, seed=3)
    admin_id = accounts.create(store, "admin", "admin-pass-1", Role.TOWNSHIP_ADMIN)
    store.actor = Actor(admin_id, "admin", Role.TOWNSHIP_ADMIN)
    with store.session() as session:
        village = township.villages(session)[0]
    accounts.create(store, "zhang", "zhang-pass-1", Role.WORK_TEAM, villages=[village.id])
    accounts.create(store, "audit", "audit-pass-1", Role.AUDITOR)
    store.close()
    return path


def open_shell(qtbot, path):
    from xinjie_desktop.qt.shell import app

    shell = app._Shell()
    qtbot.addWidget(shell.window)
    shell.window.show()
    shell.open(path)
    qtbot.waitUntil(lambda: shell.window.login_page is not None and shell.window.login_page.isVisible(), timeout=10000)
    return shell


def log_in(qtbot, shell, name, password):
    page = shell.window.login_page
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, name)
    qtbot.keyClicks(page.password_edit, password)
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)


def test_a_data_file_with_accounts_opens_only_after_login_and_a_wrong_password_is_refused(
    qtbot, prepared_app, accounts_store
):
    """Issue 17: login at start: the households show only after a right password; a wrong one is refused on
    the page (nothing of the households shown), and the person's name and role are in the status bar."""
    shell = open_shell(qtbot, accounts_store)
    window = shell.window
    assert window.workspace is None and not window.new_action.isEnabled()
    log_in(qtbot, shell, "zhang", "wrong-password")
    qtbot.waitUntil(lambda: "Wrong name or password" in window.login_page.message.text(), timeout=10000)
    assert window.workspace is None and window.login_page.password_edit.text() == ""
    log_in(qtbot, shell, "zhang", "zhang-pass-1")
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10000)
    assert window.centre.currentWidget() is window.workspace
    assert shell.store.actor.name == "zhang"
    assert "zhang" in window.user_label.text() and "work-team member" in window.user_label.text()
    assert window.lock_action.isEnabled() and window.new_action.isEnabled()
    assert not window.provision_action.isEnabled()  # a work-team member provisions no laptop
    assert not window.roster_action.isEnabled()  # issue 18: the national system's roster is the township office's
    # Issue 17: the list shows the villages of the account's scope only, for a text filter too.
    (village,) = shell.store.actor.villages
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(accounts_store)) as connection:
        mine = connection.execute("SELECT count(*) FROM household WHERE village_id = ?", (village,)).fetchone()[0]
        every = connection.execute("SELECT count(*) FROM household").fetchone()[0]
        head = connection.execute("SELECT head_id_number FROM household WHERE village_id != ?", (village,)).fetchone()[
            0
        ]
    assert 0 < mine < every and window.model.rowCount() == mine
    assert {window.model.row_at(row).village for row in range(mine)} == {window.model.row_at(0).village}
    window.model.set_filter(window.model.list_filter().__class__(text=head))
    assert window.model.rowCount() == 0  # a household of another village is not found by its ID number either
    shell.close()


def test_an_auditor_s_window_offers_no_command_that_changes_anything(qtbot, prepared_app, accounts_store):
    """Issue 17: 纪检/审计 reads everything and changes nothing: the window offers no new household, no import,
    no export; the core refuses a save all the same (its message, not a traceback)."""
    from xinjie_desktop.core.records import households
    from xinjie_desktop.core.rules.permissions import PermissionRefused

    shell = open_shell(qtbot, accounts_store)
    log_in(qtbot, shell, "audit", "audit-pass-1")
    window = shell.window
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10000)
    assert window.model.rowCount() == 30  # reads every village
    for action in (window.new_action, window.sync_import_action, window.sync_export_action, window.provision_action):
        assert not action.isEnabled(), action.text()
    with shell.store.session() as session:
        draft = households.to_draft(households.existing_household(session, window.model.household_id(0)))
    with pytest.raises(PermissionRefused, match="auditor"):
        households.save(shell.store, draft)
    shell.close()


def test_ctrl_l_locks_a_logged_in_window_and_only_the_right_password_unlocks_it(qtbot, prepared_app, accounts_store):
    """Issue 17: Ctrl+L locks; a wrong password keeps it locked and says so; the right one brings the list back."""
    shell = open_shell(qtbot, accounts_store)
    window = shell.window
    log_in(qtbot, shell, "zhang", "zhang-pass-1")
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked() and not window.table.isVisible()
    page = window.lock_page
    assert "zhang" in page.who.text()
    qtbot.keyClicks(page.password_edit, "not-it")
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong name or password" in page.message.text(), timeout=10000)
    assert window.is_locked()
    qtbot.keyClicks(page.password_edit, "zhang-pass-1")
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=10000)
    assert window.table.isVisible()
    shell.close()


def test_the_right_password_typed_at_once_after_a_wrong_one_unlocks_even_before_the_check_has_ended(
    qtbot, prepared_app, accounts_store, monkeypatch
):
    """Issue 17: "wrong password" is on the page while the check's thread is still ending (a loaded laptop): the
    right password and Enter at that moment unlock the window; they were dropped, nothing happened."""
    from PySide6.QtCore import QTimer

    from xinjie_desktop.qt.shell import app

    real = app.run_in_background

    def slow_to_end(parent, job, *, finished=None, **callbacks):  # a thread ends 400 ms after its answer is shown
        if finished is not None:
            callbacks["finished"] = lambda outcome: QTimer.singleShot(400, lambda: finished(outcome))
        return real(parent, job, **callbacks)

    monkeypatch.setattr(app, "run_in_background", slow_to_end)
    shell = open_shell(qtbot, accounts_store)
    window = shell.window
    log_in(qtbot, shell, "zhang", "zhang-pass-1")
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10000)
    qtbot.wait(450)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    page = window.lock_page
    qtbot.keyClicks(page.password_edit, "not-it")
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong name or password" in page.message.text(), timeout=10000)
    assert shell._checking_password is not None  # its thread has not ended yet
    qtbot.keyClicks(page.password_edit, "zhang-pass-1")
    qtbot.keyClick(page.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=10000)
    assert window.table.isVisible()
    # (the late end this test made: its worker is deleted when it ended, the shell's reference goes 400 ms later)
    qtbot.waitUntil(lambda: shell._checking_password is None, timeout=5000)
    shell.close()


def test_the_idle_lock_locks_a_logged_in_window_and_another_person_can_log_in_instead(
    qtbot, prepared_app, accounts_store
):
    """Issue 17: after the idle time the window locks by itself; "Log in as someone else" opens the file again
    for the next person, whose own scope then applies."""
    shell = open_shell(qtbot, accounts_store)
    window = shell.window
    log_in(qtbot, shell, "zhang", "zhang-pass-1")
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10000)
    shell.idle_lock.set_minutes(0.003)  # 180 ms
    shell.idle_lock.start()
    qtbot.waitUntil(window.is_locked, timeout=3000)
    qtbot.mouseClick(window.lock_page.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.login_page.isVisible(), timeout=10000)
    log_in(qtbot, shell, "admin", "admin-pass-1")
    qtbot.waitUntil(lambda: shell.store.actor is not None and shell.store.actor.name == "admin", timeout=10000)
    qtbot.waitUntil(lambda: window.centre.currentWidget() is window.workspace, timeout=10000)
    assert window.provision_action.isEnabled() and "admin" in window.user_label.text()
    assert window.roster_action.isEnabled()
    shell.close()


# --- an encrypted data file (issue 17) ------------------------------------------------------------------


@pytest.fixture
def no_printing(monkeypatch, tmp_path):
    """Saving the recovery sheet goes to a temporary folder; its print dialog is cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QDialog

    from xinjie_desktop.qt.shell import documents

    saved = []

    def ask(parent, title, kind, *rest):
        path = tmp_path / f"sheet-{len(saved)}.pdf"
        saved.append(path)
        return path

    monkeypatch.setattr(documents, "ask_save_path", ask)
    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    return saved


def finish_encryption(qtbot, dialog, password, saved):
    """Type the password (twice for a new administrator), then save the sheet and say it is put away."""
    qtbot.keyClicks(dialog.password_edit, password)
    if dialog.again_edit.isVisible():
        qtbot.keyClicks(dialog.again_edit, password)
    qtbot.mouseClick(dialog.secure_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1, dialog.message.text()
    code = dialog.code_label.text()
    dialog.reject()  # closing before the sheet is saved is refused: the code is shown only now
    assert dialog.isVisible() or dialog.result() != 0 or dialog.pages.currentIndex() == 1
    qtbot.mouseClick(dialog.sheet_button, Qt.MouseButton.LeftButton)
    assert saved and saved[-1].read_bytes().startswith(b"%PDF")
    dialog.kept_box.setChecked(True)
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    return code


def test_an_administrator_encrypts_a_clear_data_file_from_the_window_and_then_it_opens_only_by_login(
    qtbot, prepared_app, accounts_store, no_printing
):
    """Issue 17: an existing clear data file is encrypted when its administrator logs in (password typed again,
    recovery sheet saved); from then on it is unreadable to sqlite3 and the window asks for a login before it
    opens anything, the recovery code offered too."""
    import contextlib
    import sqlite3

    shell = open_shell(qtbot, accounts_store)
    log_in(qtbot, shell, "admin", "admin-pass-1")
    qtbot.waitUntil(lambda: shell.encryption_dialog is not None and shell.encryption_dialog.isVisible(), timeout=10000)
    code = finish_encryption(qtbot, shell.encryption_dialog, "admin-pass-1", no_printing)
    qtbot.waitUntil(lambda: shell.store is not None and shell.store.key is not None, timeout=10000)
    assert shell.window.workspace is not None and shell.window.model.rowCount() == 30
    assert "admin" in shell.window.user_label.text()
    shell.close()
    with pytest.raises(sqlite3.DatabaseError), contextlib.closing(sqlite3.connect(accounts_store)) as connection:
        connection.execute("SELECT count(*) FROM household").fetchone()

    shell = open_shell(qtbot, accounts_store)
    page = shell.window.login_page
    assert page.recovery_button.isVisible()
    log_in(qtbot, shell, "admin", "wrong-password")
    qtbot.waitUntil(lambda: "Wrong name or password" in page.message.text(), timeout=10000)
    assert shell.store is None
    log_in(qtbot, shell, "admin", "admin-pass-1")
    qtbot.waitUntil(lambda: shell.window.workspace is not None, timeout=10000)
    assert shell.store.key is not None and shell.store.actor.name == "admin"
    assert shell.window.model.rowCount() == 30
    shell.close()
    assert len(code.split("-")) == 6


def test_the_recovery_code_opens_an_encrypted_data_file_and_an_administrator_gets_a_new_password(
    qtbot, prepared_app, accounts_store
):
    """Issue 17: every administrator's password lost: the code typed on the login page opens the file, an
    administrator gets a new password (the dialog comes first), and is logged in with it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from xinjie_desktop.core.sync import login
    from xinjie_desktop.core.sync.workstore import open_store
    from xinjie_desktop.qt.shell.recovery import NewAdminPasswordDialog

    store = open_store(accounts_store)
    store.actor = None
    store, code = login.secure(store, "admin", "admin-pass-1")
    store.close()

    def answer() -> None:  # the dialog the recovery opens, filled in as a user would
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NewAdminPasswordDialog):
            QTimer.singleShot(50, answer)
            return
        assert dialog.account_box.currentText() == "admin"
        qtbot.keyClicks(dialog.password_edit, "brand-new-pass")
        qtbot.keyClicks(dialog.again_edit, "brand-new-pass")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    shell = open_shell(qtbot, accounts_store)
    page = shell.window.login_page
    qtbot.mouseClick(page.recovery_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.code_edit, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")
    qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "recovery code is wrong" in page.message.text(), timeout=10000)
    QTimer.singleShot(50, answer)
    qtbot.keyClicks(page.code_edit, code.lower())
    qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.window.workspace is not None, timeout=10000)
    assert shell.store.actor.name == "admin"
    shell.close()
    login.open_as(accounts_store, "admin", "brand-new-pass").close()


def test_a_data_file_without_accounts_says_it_is_not_encrypted_and_is_encrypted_from_the_file_menu(
    qtbot, window, demo_store, no_printing
):
    """Issue 17: a data file made before accounts: the status bar says it is not encrypted; File → Encrypt
    makes its first administrator and encrypts it (the list unchanged, now with a login)."""
    from xinjie_desktop.qt.shell import app

    shell = app._Shell(window)
    shell.store = demo_store
    assert window.clear_label.isVisible() and window.encrypt_action.isEnabled()
    rows = window.model.rowCount()
    window.encrypt_action.trigger()
    dialog = shell.encryption_dialog
    assert dialog.again_edit.isVisible()  # a new administrator: the password twice
    qtbot.keyClicks(dialog.name_edit, "chief")
    finish_encryption(qtbot, dialog, "chief-password", no_printing)
    qtbot.waitUntil(lambda: shell.store.key is not None, timeout=10000)
    assert not window.clear_label.isVisible() and not window.encrypt_action.isEnabled()
    assert window.model.rowCount() == rows and "chief" in window.user_label.text()
    shell.close()


def test_an_administrator_makes_an_account_gives_a_new_password_and_locks_it_from_the_accounts_dialog(
    qtbot, prepared_app, accounts_store
):
    """Issue 17: File → Accounts (administrators only): a new work-team member of one village, then a new
    password for them, then locked; each as the core says, shown in the list."""
    from xinjie_desktop.core.records import accounts

    shell = open_shell(qtbot, accounts_store)
    log_in(qtbot, shell, "admin", "admin-pass-1")
    window = shell.window
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10000)
    if shell.encryption_dialog is not None:
        shell.encryption_dialog.done(0)  # later: this test is about the accounts
    assert window.accounts_action.isEnabled()
    dialog = window.open_accounts()
    qtbot.addWidget(dialog)
    assert {row.name for row in dialog.model.rows} == {"admin", "audit", "zhang"}
    new = dialog.add_account()
    qtbot.keyClicks(new.name_edit, "li")
    new.villages.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(new.password_edit, "li-password")
    qtbot.keyClicks(new.again_edit, "li-password")
    qtbot.mouseClick(new.ok_button, Qt.MouseButton.LeftButton)
    assert "li" in [row.name for row in dialog.model.rows], new.message.text()
    row = [row.name for row in dialog.model.rows].index("li")
    dialog.view.selectRow(row)
    reset = dialog.reset_password()
    qtbot.keyClicks(reset.password_edit, "li-password-2")
    qtbot.keyClicks(reset.again_edit, "li-password-2")
    qtbot.mouseClick(reset.ok_button, Qt.MouseButton.LeftButton)
    assert "new password" in dialog.message.text()
    qtbot.mouseClick(dialog.lock_button, Qt.MouseButton.LeftButton)
    assert "li is locked" in dialog.message.text()
    li = accounts.view(shell.store, "li")
    assert li.locked and li.role == "work_team"
    shell.close()
    with pytest.raises(accounts.LoginRefused, match="locked"):
        from xinjie_desktop.core.sync import login

        login.open_as(accounts_store, "li", "li-password-2").close()


def test_a_work_team_member_is_not_offered_the_accounts(qtbot, prepared_app, accounts_store):
    """Issue 17: only administrators manage accounts; everyone logged in changes their own password."""
    shell = open_shell(qtbot, accounts_store)
    log_in(qtbot, shell, "zhang", "zhang-pass-1")
    qtbot.waitUntil(lambda: shell.window.workspace is not None, timeout=10000)
    assert not shell.window.accounts_action.isEnabled() and shell.window.password_action.isEnabled()
    shell.close()
