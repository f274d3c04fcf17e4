"""The Qt shell driven the way a user drives it: set-up, demo data, filters, errors."""

from __future__ import annotations

import os
import sqlite3
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from builders import family_draft
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.rules.flags import FLAGS
from xinjie_desktop.core.rules.identification import REJECTED, STEP_CODES
from xinjie_desktop.qt.households.household_table_model import MAX_CACHED_PAGES, PAGE_SIZE
from xinjie_desktop.qt.shell.setup_dialog import SetupDialog
from xinjie_desktop.qt.shell.workspace import WorkView

pytestmark = pytest.mark.gui


def sql_count(store, where: str = "1", *params) -> int:
    with sqlite3.connect(store.path) as connection:
        return connection.execute(f"SELECT count(*) FROM household WHERE {where}", params).fetchone()[0]


def click_nav(qtbot, window, view: WorkView) -> None:
    nav = window.navigation
    item = nav.item_for(view)
    assert item is not None, f"no navigation entry for {view}"
    nav.scrollToItem(item)
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=nav.visualItemRect(item).center())
    assert nav.current_view() == view


def show_active(qtbot, widget) -> None:
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()


# --- first start -------------------------------------------------------------


def test_first_start_typed_villages_create_township_villages_and_groups(qtbot, prepared_app, store, type_text):
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    type_text(dialog.name_edit, "辛街乡")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # Enter moves on, it does not submit
    assert dialog.centre_edit.hasFocus()
    type_text(dialog.centre_edit, "辛街乡易地扶贫搬迁指挥部")
    qtbot.keyClick(dialog.centre_edit, Qt.Key.Key_Return)
    assert dialog.outline_edit.hasFocus()
    type_text(dialog.outline_edit, "青山村：第一组，第二组、第三组")
    qtbot.keyClick(dialog.outline_edit, Qt.Key.Key_Return)
    type_text(dialog.outline_edit, "松林村: 1组, 2组")
    assert dialog.outline_status.property("error") is False
    assert "2" in dialog.outline_status.text() and "5" in dialog.outline_status.text()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    with store.session() as session:
        town = township.township(session)
        assert town.name == "辛街乡" and town.command_centre == "辛街乡易地扶贫搬迁指挥部"
        assert not town.is_demo
        assert [(v.name, [g.name for g in v.groups]) for v in town.villages] == [  # in the order typed (issue 16)
            ("青山村", ["第一组", "第二组", "第三组"]),
            ("松林村", ["1组", "2组"]),
        ]


def test_first_start_shows_outline_and_name_errors_inline_and_saves_nothing(qtbot, prepared_app, store, type_text):
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    type_text(dialog.outline_edit, "青山村")  # no colon, no groups
    assert dialog.outline_status.property("error") is True
    assert "Line 1" in dialog.outline_status.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() == 0
    type_text(dialog.outline_edit, "：一组")
    assert dialog.outline_status.property("error") is False
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)  # township name still missing
    assert dialog.name_error.isVisibleTo(dialog)
    assert dialog.name_error.text() == "Enter the township's name."
    assert dialog.name_edit.hasFocus()
    with store.session() as session:
        assert not township.is_set_up(session)


def test_demo_data_button_loads_in_background_and_the_list_shows_it(qtbot, prepared_app, store):
    dialog = SetupDialog(store, demo_villages=2, demo_households=60, demo_seed=3)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    assert dialog.demo_button.text() == "Load demo data (fictitious)"
    with qtbot.waitSignal(dialog.accepted, timeout=30000):
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
        assert dialog.progress_panel.isVisibleTo(dialog)
        assert not dialog.create_button.isEnabled()
    assert not dialog.is_loading()

    from xinjie_desktop.qt.shell.app import create_main_window

    window = create_main_window(store)
    qtbot.addWidget(window)
    show_active(qtbot, window)
    assert window.model.rowCount() == 60 == sql_count(store)
    assert window.windowTitle().endswith("(demo data)")
    assert "60 households" in window.count_label.text()
    assert str(store.path) in window.path_label.text()


def test_cancelling_demo_data_leaves_the_store_empty(qtbot, prepared_app, store):
    dialog = SetupDialog(store, demo_villages=4, demo_households=8000)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_loading_button, Qt.MouseButton.LeftButton)
    dialog.reject()  # closing while loading only cancels; the dialog waits for the worker
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=60000)
    assert "cancelled" in dialog.message.text()
    assert dialog.demo_button.isEnabled() and not dialog.progress_panel.isVisibleTo(dialog)
    with store.session() as session:
        assert not township.is_set_up(session)
    assert sql_count(store) == 0


# --- the list and its filters ------------------------------------------------------


def test_filter_by_village_and_group_with_the_keyboard(qtbot, window, demo_store):
    bar = window.filter_bar
    assert window.model.rowCount() == sql_count(demo_store) == 240
    assert not bar.group_combo.isEnabled()
    qtbot.keyClick(bar.village_combo, Qt.Key.Key_Down)
    village_id = bar.village_id()
    assert village_id is not None
    assert window.model.rowCount() == sql_count(demo_store, "village_id = ?", village_id) == 80
    assert bar.group_combo.isEnabled() and bar.group_combo.count() == 5  # "all groups" and 4
    qtbot.keyClick(bar.group_combo, Qt.Key.Key_Down)
    qtbot.keyClick(bar.group_combo, Qt.Key.Key_Down)
    group_id = bar.group_id()
    assert window.model.rowCount() == sql_count(demo_store, "group_id = ?", group_id) == 20
    with demo_store.session() as session:
        group = next(g for g in township.groups(session) if g.id == group_id)
    assert group.village_id == village_id
    assert all(window.model.row_at(r).group == group.name for r in range(window.model.rowCount()))
    qtbot.keyClick(bar.village_combo, Qt.Key.Key_Up)  # back to all villages: groups reset
    assert bar.group_id() is None and not bar.group_combo.isEnabled()
    assert window.model.rowCount() == 240


@pytest.mark.parametrize("step", ["", *STEP_CODES, REJECTED])
def test_filter_by_workflow_step_matches_sql(qtbot, window, demo_store, step):
    click_nav(qtbot, window, WorkView(step=step))
    assert window.model.rowCount() == sql_count(demo_store, "workflow_step = ?", step)
    assert f"{window.model.rowCount()} household" in window.count_label.text()


@pytest.mark.parametrize("flag", list(FLAGS))
def test_filter_by_flag_matches_sql(qtbot, window, demo_store, flag):
    click_nav(qtbot, window, WorkView(flag=flag))
    assert window.model.rowCount() == sql_count(demo_store, "flags LIKE ?", f"%|{flag}|%")


def test_flag_filter_combines_with_village_and_back_to_all(qtbot, window, demo_store):
    click_nav(qtbot, window, WorkView(flag="below_line"))
    qtbot.keyClick(window.filter_bar.village_combo, Qt.Key.Key_Down)
    village_id = window.filter_bar.village_id()
    expected = sql_count(demo_store, "flags LIKE '%|below_line|%' AND village_id = ?", village_id)
    assert 0 < window.model.rowCount() == expected
    click_nav(qtbot, window, WorkView())
    assert window.model.rowCount() == sql_count(demo_store, "village_id = ?", village_id)


def test_filter_by_typed_name_and_id_number(qtbot, window, demo_store, type_text):
    with sqlite3.connect(demo_store.path) as connection:
        head_name, number = connection.execute(
            "SELECT head_name, head_id_number FROM household ORDER BY head_id_number LIMIT 1"
        ).fetchone()
    text = window.filter_bar.text_edit
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Ctrl+F: to the search box
    assert text.hasFocus()
    type_text(text, head_name)
    expected = sql_count(demo_store, "search_text LIKE ?", f"%{head_name}%")
    qtbot.waitUntil(lambda: window.model.list_filter().text == head_name, timeout=2000)
    assert window.model.rowCount() == expected
    text.clear()
    qtbot.keyClicks(text, number[:14])
    qtbot.keyClick(text, Qt.Key.Key_Return)  # Enter filters at once
    assert window.model.list_filter().text == number[:14]
    assert window.model.rowCount() == sql_count(demo_store, "search_text LIKE ?", f"%{number[:14]}%") >= 1
    assert window.model.row_at(0).head_id_number == number or window.model.rowCount() > 1
    text.clear()
    qtbot.keyClicks(text, "no such person")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=2000)
    assert "0 households" in window.count_label.text()


# --- list and editor -------------------------------------------------------


def test_enter_on_a_row_opens_its_editor_and_a_save_keeps_the_selection(qtbot, window, demo_store):
    table = window.table
    table.setFocus()
    for _ in range(6):
        qtbot.keyClick(table, Qt.Key.Key_Down)
    chosen = window.selected_household()
    assert chosen is not None and window.editor() is None  # selecting alone does not open
    qtbot.keyClick(table, Qt.Key.Key_Return)
    editor = window.editor()
    assert editor is not None and window.pages.currentWidget() is window.editor_page
    assert window.editor_stack.currentWidget() is editor
    editor.saved.emit(chosen)  # what the editor does after it saved (and reloaded) the household
    assert window.editor() is editor  # it stays open, showing what was saved
    assert window.selected_household() == chosen
    qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.list_page
    assert window.selected_household() == chosen
    qtbot.keyClick(table, Qt.Key.Key_Return)
    window.editor().cancelled.emit()
    assert window.editor() is None and window.pages.currentWidget() is window.list_page
    assert window.selected_household() == chosen


def test_choosing_a_workflow_view_while_editing_returns_to_the_list(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.editor_page
    click_nav(qtbot, window, WorkView(step="noticed"))
    assert window.pages.currentWidget() is window.list_page


def test_ctrl_n_opens_a_new_household_and_after_saving_the_list_shows_and_selects_it(qtbot, window, demo_store):
    before = window.model.rowCount()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = window.editor()
    assert editor is not None and window.selected_household() is None
    assert window.pages.currentWidget() is window.editor_page
    with demo_store.session() as session:
        group_id = township.groups(session)[-1].id
    new_id = households.save(demo_store, family_draft(group_id))  # what the editor does on Save
    editor.saved.emit(new_id)
    assert window.model.rowCount() == before + 1 == sql_count(demo_store)
    assert window.selected_household() == new_id
    assert "241 households" in window.count_label.text()


def test_model_fetches_pages_on_demand_and_keeps_few(qtbot, prepared_app, store):
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.qt.shell.app import create_main_window

    demo_data.generate(store, villages=2, households=PAGE_SIZE * 3 + 17, seed=5)
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    model = window.model
    assert model.rowCount() == PAGE_SIZE * 3 + 17
    assert set(model.cached_pages()) <= {0}
    window.table.scrollToBottom()
    qtbot.wait(10)
    assert model.index(model.rowCount() - 1, 0).data()  # the last row is there
    assert 3 in model.cached_pages() and 1 not in model.cached_pages()
    assert len(model.cached_pages()) <= MAX_CACHED_PAGES


def test_window_menus_and_language_choice_is_saved_for_next_start(qtbot, window, monkeypatch):
    from PySide6.QtCore import QSettings

    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&View", "&Sync", "&Help"]
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: shown.append(args[2]))
    chinese = next(a for a in window.language_actions.actions() if a.data() == "zh_CN")
    chinese.trigger()
    assert QSettings().value("language") == "zh_CN"
    assert shown and "next time" in shown[0]
    english = next(a for a in window.language_actions.actions() if a.data() == "en")
    english.trigger()
    assert QSettings().value("language") == "en"


# --- the application -----------------------------------------------------------


def test_a_damaged_store_shows_a_message_and_exits_with_1(qtbot, prepared_app, tmp_path, monkeypatch):
    from xinjie_desktop.qt.shell import app

    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run() installs its own; put pytest's back
    assert app.run(db_path=bad, language="en") == 1
    assert len(shown) == 1 and "damaged" in shown[0] and str(bad) in shown[0]
    assert bad.read_bytes() == b"this is not a database" * 100


def test_unexpected_errors_show_a_message_box_not_a_traceback(qtbot, prepared_app, monkeypatch):
    from xinjie_desktop.qt.shell import app

    shown = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.informativeText())))
    app.install_excepthook()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert shown and "did not expect" in shown[0][0] and shown[0][1].startswith("boom")
    assert "log file" in shown[0][1]  # where the traceback went (tests/qt/test_backups_dialog.py checks the file)


def test_language_comes_from_command_line_then_settings_then_chinese(prepared_app):
    from PySide6.QtCore import QSettings

    from xinjie_desktop.qt.shell.app import choose_language

    QSettings().remove("language")
    assert choose_language(None) == "zh_CN"
    QSettings().setValue("language", "en")
    assert choose_language(None) == "en"
    assert choose_language("zh_CN") == "zh_CN"
    QSettings().remove("language")


def test_application_font_is_the_shipped_wenquanyi(prepared_app):
    assert "WenQuanYi" in prepared_app.font().family()


def test_opening_another_data_file_switches_workspace_and_store(qtbot, prepared_app, demo_store, tmp_path, monkeypatch):
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.sync.workstore import open_store
    from xinjie_desktop.qt.shell import app

    other_path = tmp_path / "other.sqlite"
    other = open_store(other_path)
    demo_data.generate(other, villages=1, households=12, seed=9)
    other.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))

    shell = app._Shell()
    assert shell.show(demo_store)
    window = shell.window
    qtbot.addWidget(window)
    first = window.workspace
    window.open_store_requested.emit(str(other_path))  # opened in the background, like at start
    assert window.centre.currentWidget() is window.opening_page
    qtbot.waitUntil(lambda: not shell.is_opening(), timeout=10000)
    assert window.workspace is not first and shell.store.path == other_path
    assert window.centre.currentWidget() is window.workspace
    assert window.model.rowCount() == 12
    assert str(other_path) in window.path_label.text()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 50)
    current = window.workspace
    window.open_store_requested.emit(str(bad))
    qtbot.waitUntil(lambda: not shell.is_opening(), timeout=10000)
    assert window.workspace is current and len(shown) == 1 and "damaged" in shown[0]
    assert window.centre.currentWidget() is current and shell.store.path == other_path
    assert window.new_action.isEnabled()
    shell.close()


# --- a cold start: the frame first, the store behind it -------------------------


def test_the_window_frame_module_loads_no_sqlalchemy():
    """What a cold start paints first must not wait for SQLAlchemy, Alembic or the core."""
    import subprocess

    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from xinjie_desktop.qt.shell import app\n"
        "qapp = QApplication([])\n"
        "app.prepare_application(qapp, 'en')\n"
        "window = app._Shell().window\n"
        "window.show_opening('x.sqlite')\n"
        "window.show()\n"
        "qapp.processEvents()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')"
        " or m.startswith('xinjie_desktop.core'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cold_start_paints_the_opening_page_then_shows_the_list(qtbot, prepared_app, demo_store, monkeypatch):
    from xinjie_desktop.qt.shell import app

    path = demo_store.path
    demo_store.close()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # start() installs its own; put pytest's back
    shell = app.start(prepared_app, path, "en")
    window = shell.window
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and window.workspace is None
        assert window.centre.currentWidget() is window.opening_page
        assert str(path) in window.opening_page.path_label.text()
        assert window.opening_page.progress.maximum() == 0  # busy
        assert not window.new_action.isEnabled()
        assert window.windowTitle() == "Xinjie Township poverty-alleviation work tool"
        with qtbot.waitSignal(window.workspace_installed, timeout=10000):
            pass
        assert window.centre.currentWidget() is window.workspace
        assert window.model.rowCount() == 240 == sql_count(shell.store)
        assert "240 households" in window.count_label.text()
        assert window.windowTitle().endswith("(demo data)")
        assert window.new_action.isEnabled()
        assert shell.store.path == path
    finally:
        shell.close()


def test_closing_the_window_while_the_store_opens_leaves_no_thread_and_closes_the_store(
    qtbot, prepared_app, demo_store, monkeypatch
):
    import threading

    from xinjie_desktop.qt.shell import app

    path = demo_store.path
    demo_store.close()
    opened, release = [], threading.Event()
    real_job = app.open_in_background

    def recording_job(job_path):
        job = real_job(job_path)

        def wrapped(report):
            result = job(report)
            opened.append(result.store)
            release.wait(10)  # still opening when the window is closed
            return result

        return wrapped

    monkeypatch.setattr(app, "open_in_background", recording_job)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    shell = app.start(prepared_app, path, "en")
    window = shell.window
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: shell._opener is not None, timeout=5000)  # the store is being opened
    opener = shell._opener
    window.close()
    release.set()
    shell.close()  # what run() does once the event loop has stopped
    assert opener.isFinished() and shell.store is None and window.workspace is None
    assert len(opened) == 1
    assert opened[0].engine.pool.checkedin() == 0  # closed: the pool that held its connections is disposed
    qtbot.wait(50)  # a late "opened" signal must not bring the window back
    assert not window.isVisible() and window.workspace is None


def test_emitting_signals_does_not_wear_down_the_reference_count_of_true():
    """PySide6-Essentials 6.12.0 on Python 3.11 lost a reference to True per emit() and aborted the
    interpreter after a few hundred signals; pyproject.toml keeps that release out. This guards
    whichever release is installed."""
    from PySide6.QtCore import QObject, Signal

    class Sender(QObject):
        number = Signal(int)
        relay = Signal(int)

    sender = Sender()
    sender.number.connect(sender.relay.emit)  # a bound emit as a slot, as FilterBar does
    before = sys.getrefcount(True)
    for n in range(1000):
        sender.number.emit(n)
    assert sys.getrefcount(True) >= before - 5


def test_a_filter_change_counts_and_fetches_once_and_never_searches_pages(qtbot, window, demo_store, monkeypatch):
    from xinjie_desktop.core.records import household_list

    calls = []
    for name in ("count", "page"):
        real = getattr(household_list, name)
        monkeypatch.setattr(
            household_list, name, lambda *args, _real=real, _name=name, **kw: calls.append(_name) or _real(*args, **kw)
        )
    window.table.selectRow(230)  # on the last page of 240
    selected = window.selected_household()
    calls.clear()
    qtbot.keyClicks(window.filter_bar.text_edit, "4")
    # the filter applies once typing pauses (Enter would also move on to the list, issue 16)
    qtbot.waitUntil(lambda: window.model.list_filter().text == "4", timeout=2000)
    window.table.viewport().repaint()
    expected = sql_count(demo_store, "search_text LIKE '%4%'")
    assert window.model.rowCount() == expected
    # a text filter matching few households: one pass gives the count and the first page; no page search (the
    # count that starts beside the first page, in case many match, is stopped: its figure is never used)
    assert "page" not in calls if expected < household_list.SORT_MATCHES_BELOW else calls.count("page") == 1, calls
    assert not window.model.count_pending()
    assert window.selected_household() in (selected, None)
    calls.clear()
    window.filter_bar.text_edit.clear()
    qtbot.keyClicks(window.filter_bar.text_edit, "no such person")
    qtbot.keyClick(window.filter_bar.text_edit, Qt.Key.Key_Return)
    assert window.model.rowCount() == 0 and "page" not in calls and not window.model.count_pending()


def test_the_weekly_whole_file_check_runs_behind_the_list_and_names_a_damaged_file(
    qtbot, prepared_app, tmp_path, monkeypatch
):
    """Issue 16: a store closed cleanly opens without reading every page (the list follows the window);
    the whole file's check, due weekly, runs behind the list and says when it found damage."""
    import sqlite3

    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.sync.workstore import open_store
    from xinjie_desktop.qt.shell import app

    path = tmp_path / "store.sqlite"
    store = open_store(path)
    demo_data.generate(store, villages=1, households=20, seed=3)
    store.close()
    with sqlite3.connect(path) as connection:  # damage a page of the members, which opening does not read
        root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_member_household_id'").fetchone()
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    data = bytearray(path.read_bytes())
    data[(root[0] - 1) * size : (root[0] - 1) * size + 8] = b"\x07" * 8
    path.write_bytes(bytes(data))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    shell = app.start(prepared_app, path, "en")
    qtbot.addWidget(shell.window)
    try:
        qtbot.waitUntil(lambda: shell.store is not None and shell.window.model.rowCount() == 20, timeout=10000)
        qtbot.waitUntil(lambda: bool(shown), timeout=10000)
        assert "damaged" in shown[0] and "weekly check" in shown[0] and str(path) in shown[0]
    finally:
        shell.close()


def test_the_household_list_is_shown_before_the_editor_and_its_pdf_writing_are_loaded(tmp_path):
    """Issue 16 (the list within a second of the window): the workspace's list needs neither the household
    editor nor the PDF writing its agreements tab brings (reportlab: a quarter of a second at a cold start); they
    are loaded once the list has been painted, so the first household opens without that wait."""
    import subprocess

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from xinjie_desktop.core.records import demo_data\n"
        "from xinjie_desktop.core.sync.workstore import open_store\n"
        "qapp = QApplication([])\n"
        "store = open_store(Path(sys.argv[1]))\n"
        "demo_data.generate(store, 1, 3, 1)\n"
        "from xinjie_desktop.qt.shell import app, workspace\n"
        "window = app.create_main_window(store)\n"
        "window.show()\n"
        "qapp.processEvents()\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'"
        " or m.endswith('household_editor'))\n"
        "before = loaded()\n"
        "QTimer.singleShot(workspace.EDITOR_LOADED_AFTER_MS + 200, qapp.quit)\n"
        "qapp.exec()\n"
        "after = loaded()\n"
        "store.close()\n"
        "print(before, 'xinjie_desktop.qt.households.household_editor' in after)\n"
        "sys.exit(0 if not before and 'xinjie_desktop.qt.households.household_editor' in after else 1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "store.sqlite")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
