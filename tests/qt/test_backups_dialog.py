"""The Backups dialog and the calm handling of write failures and unexpected errors in the window."""

from __future__ import annotations

import sqlite3
import sys

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from builders import family_draft, renumber
from xinjie_desktop import logfile
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.models import Household

pytestmark = pytest.mark.gui


def household_count(path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM household").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture
def shell(qtbot, prepared_app, demo_store):
    from xinjie_desktop.qt.shell import app

    shell = app._Shell()
    assert shell.show(demo_store)
    qtbot.addWidget(shell.window)
    yield shell
    shell.close()


def test_file_menu_has_backups_entry_that_opens_the_dialog_listing_backups(qtbot, shell):
    window = shell.window
    assert window.backups_action.isEnabled()
    assert "Backups" in window.backups_action.text()
    backups.create_backup(shell.store.path, backups.DAILY)
    dialog = window.open_backups()
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 1).data() == "daily"
    assert dialog.model.index(0, 2).data().endswith(("KB", "MB"))


def test_back_up_now_creates_a_backup_file_and_lists_it(qtbot, shell):
    dialog = shell.window.open_backups()
    assert dialog.model.rowCount() == 0 and not dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    (made,) = backups.list_backups(shell.store.path)
    assert made.reason == backups.MANUAL and made.path.is_file() and backups.verify(made.path)
    assert dialog.model.rowCount() == 1 and dialog.restore_button.isEnabled()
    assert made.path.name in dialog.status.text()


def test_keep_setting_is_saved_and_used_for_rotation(qtbot, shell):
    from xinjie_desktop.qt.shell.settings import BACKUPS_KEEP_KEY, backups_to_keep

    dialog = shell.window.open_backups()
    try:
        dialog.keep_spin.setValue(2)
        assert QSettings().value(BACKUPS_KEEP_KEY, type=int) == 2 and backups_to_keep() == 2
        for _ in range(4):
            dialog.back_up_now()
        assert len(backups.list_backups(shell.store.path)) == 2 == dialog.model.rowCount()
    finally:
        QSettings().remove(BACKUPS_KEEP_KEY)


def test_restore_brings_back_the_earlier_state_after_backing_up_the_current_store(qtbot, shell, monkeypatch):
    window = shell.window
    path = shell.store.path
    dialog = window.open_backups()
    earlier = dialog.back_up_now()
    with shell.store.session() as session:
        group = township.groups(session)[0].id
    added = households.save(shell.store, renumber(family_draft(group), 900))  # after the backup
    assert household_count(path) == 241
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: asked.append(args) or QMessageBox.StandardButton.Yes
    )
    old_workspace = window.workspace
    with qtbot.waitSignal(window.workspace_installed, timeout=10000):
        assert dialog.restore_selected()
    assert asked and not shell.is_opening()
    assert window.workspace is not old_workspace and shell.store.path == path
    with shell.store.session() as session:
        assert session.get(Household, added) is None  # the household added after the backup is gone
    assert window.model.rowCount() == 240 == household_count(path)
    listed = backups.list_backups(path)
    assert [b.reason for b in listed] == [backups.BEFORE_RESTORE, backups.MANUAL]
    assert household_count(listed[0].path) == 241  # the store as it was before the restore, kept
    assert listed[1].path == earlier.path


def test_restore_refused_keeps_the_workspace_and_says_why(qtbot, shell, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))
    bad = tmp_path / "backups" / "store-20170401-080000-manual.sqlite"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    workspace = shell.window.workspace
    assert not shell.restore_backup(bad)
    assert shown and "damaged" in shown[0]
    assert shell.window.workspace is workspace and shell.window.centre.currentWidget() is workspace
    assert shell.window.model.rowCount() == 240


def test_full_disk_while_saving_shows_a_message_and_keeps_the_form(qtbot, window, monkeypatch, type_text):
    import sqlite3 as sqlite

    store = window.workspace.store
    with store.session() as session:
        household_id = session.query(Household.id).order_by(Household.id).first()[0]
        address = session.get(Household, household_id).address
    editor = window.open_household(household_id)
    editor.address_edit.clear()
    type_text(editor.address_edit, "青山村 No. 99")

    def do_commit(_connection):
        raise sqlite.OperationalError("database or disk is full")

    monkeypatch.setattr(store.engine.dialect, "do_commit", do_commit)
    assert editor.save() is None
    assert "disk holding the data file is full" in editor.summary.text()
    assert editor.address_edit.text() == "青山村 No. 99"  # what was typed is still in the form
    monkeypatch.undo()
    with store.session() as session:
        assert session.get(Household, household_id).address == address  # nothing half-saved
    assert editor.save() == household_id  # space freed: the same form saves
    with store.session() as session:
        assert session.get(Household, household_id).address == "青山村 No. 99"


def test_unexpected_error_is_logged_with_traceback_and_the_dialog_names_the_log(
    qtbot, prepared_app, monkeypatch, tmp_path
):
    from xinjie_desktop.qt.shell import app

    logfile.reset()
    monkeypatch.setattr(app, "data_folder", lambda: tmp_path)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.informativeText())))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app.install_excepthook()
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    finally:
        logfile.reset()
    log = (tmp_path / "xinjie.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError: boom" in log
    ((text, informative),) = shown
    assert "What you saved before is safe" in text
    assert str(tmp_path / "xinjie.log") in informative


def test_store_write_error_reaching_the_window_is_a_message_not_a_traceback(qtbot, prepared_app, monkeypatch, tmp_path):
    from xinjie_desktop.core.store.database import StoreWriteError
    from xinjie_desktop.qt.shell import app

    logfile.reset()
    monkeypatch.setattr(app, "data_folder", lambda: tmp_path)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *rest: warned.append(text))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: pytest.fail("the unexpected-error dialog was shown"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app.install_excepthook()
    error = StoreWriteError("Not saved: the disk holding the data file is full.")
    sys.excepthook(StoreWriteError, error, None)
    assert warned == ["Not saved: the disk holding the data file is full."]


def test_a_long_backups_folder_is_one_line_elided_in_the_middle_whole_in_its_tooltip_and_copied(
    qtbot, prepared_app, tmp_path
):
    """Issue 16 (the new-user trial): the Backups dialog named its folder inside a wrapped sentence, which broke
    the path after a "/" (two lines that read as two paths).  Now the folder is one line of its own, elided in
    the middle, the whole path in its tooltip and copied by a button; the dialog fits a 1366×768 screen, in
    Chinese (rendered to the temporary folder and looked at)."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QApplication, QDialog

    from xinjie_desktop.core.sync.workstore import open_store
    from xinjie_desktop.qt.shell.app import create_main_window, prepare_application

    folder = tmp_path / "home" / "zhangsan" / ".local" / "share" / "xinjie" / "青山村工作队" / "2017年易地扶贫搬迁数据"
    folder.mkdir(parents=True)
    store = open_store(folder / "xinjie.sqlite")
    township.set_up(store, "辛街乡", "辛街乡易地扶贫搬迁指挥部", {"青山村": ["第一村民小组"]})
    backups.create_backup(store.path, backups.DAILY)
    whole = str(backups.backup_folder(store.path))
    prepare_application(prepared_app, "zh_CN")
    try:
        window = create_main_window(store)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.backups_action.trigger()  # 文件 → 备份…
        dialog = window.findChild(QDialog, "backups_dialog")
        assert dialog is not None and dialog.isVisible()
        qtbot.waitExposed(dialog)
        shown = dialog.folder
        assert shown.toolTip() == whole and shown.path() == whole
        assert whole not in dialog.intro.text() and "/" not in dialog.intro.text()
        text = shown.text()
        assert "\n" not in text and "…" in text, "too long for the dialog: elided, not wrapped"
        head, tail = text.split("…")
        assert whole.startswith(head) and whole.endswith(tail) and tail.endswith("2017年易地扶贫搬迁数据/backups")
        assert QFontMetrics(shown.font()).horizontalAdvance(text) <= shown.contentsRect().width()
        frame = dialog.frameGeometry()
        assert frame.width() <= 1366 and frame.height() <= 768
        dialog.grab().save(str(tmp_path / "backups-dialog-long-folder.png"))

        qtbot.mouseClick(dialog.copy_folder_button, Qt.MouseButton.LeftButton)
        assert QApplication.clipboard().text() == whole
        assert whole in dialog.status.text()

        dialog.resize(1300, dialog.height())  # given the room, the whole path is shown
        qtbot.waitUntil(lambda: shown.text() == whole)
        dialog.reject()
    finally:
        prepare_application(prepared_app, "en")
        store.close()
