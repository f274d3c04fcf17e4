"""Issue 17: the window locks itself and on demand, and shows nothing of the households while locked."""

from __future__ import annotations

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
