"""What the new-user trial of a whole day (issue 16, "fix them as one piece of work, then try the whole day
again") found, each driven as the user met it: keys and clicks, in Simplified Chinese at 1366×768."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt

from xinjie_desktop import i18n
from xinjie_desktop.resources import translations_dir

pytestmark = pytest.mark.gui

OUT = Path(tempfile.gettempdir()) / "i16trial"


@pytest.fixture
def chinese(prepared_app, tmp_path, monkeypatch):
    """The interface in Simplified Chinese (the default), from the catalogue as it is in the source tree."""
    po = translations_dir() / "zh_CN" / "LC_MESSAGES" / "xinjie_desktop.po"
    mo = tmp_path / "zh_CN" / "LC_MESSAGES" / "xinjie_desktop.mo"
    mo.parent.mkdir(parents=True)
    with po.open("rb") as source, mo.open("wb") as target:
        write_mo(target, read_po(source, locale="zh_CN"))
    monkeypatch.setattr(i18n, "translations_dir", lambda: tmp_path)
    from xinjie_desktop.qt.shell.app import prepare_application

    yield prepare_application(prepared_app, "zh_CN")
    prepare_application(prepared_app, "en")


def test_where_the_recovery_sheet_was_saved_is_read_whole_in_the_first_administrators_dialog(qtbot, chinese):
    """Issue 16 (trial): the first start's recovery sheet is saved into 文档/<程序名>/; the dialog said
    "已保存为 /home/…/恢复码-2026-12-07.pdf。…" cut on one line though two were kept for it: the user could not
    read where the sheet is nor "print it now".  A message wraps onto the lines its label keeps."""
    from xinjie_desktop.qt.shell.first_admin import FirstAdminDialog

    saved = Path("/home/wangli/Documents/辛街乡扶贫工作工具/恢复码-2026-12-07.pdf")
    dialog = FirstAdminDialog(lambda _name, _password: "PT3KV-V3RPF-WACPY-UYGY8-7ZPF7-BQE97", lambda _code: saved)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    qtbot.keyClicks(dialog.name_edit, "wangli")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password_edit, "xinjie2017")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.again_edit, "xinjie2017")
    qtbot.keyClick(dialog.again_edit, Qt.Key.Key_Return)
    assert dialog.pages.currentIndex() == 1
    qtbot.mouseClick(dialog.sheet_button, Qt.MouseButton.LeftButton)
    message = dialog.sheet_message
    qtbot.waitUntil(message.isVisible)
    assert str(saved) in message.text() and "打印" in message.text()
    shown = message._shown_lines()
    assert len(shown) == 2, "the message takes the two lines kept for it"
    assert "".join(shown) == message.text(), "the whole message is drawn: the path and 请立即打印"
    assert not message.is_cut() and message.toolTip() == ""
    OUT.mkdir(exist_ok=True)
    dialog.grab().save(str(OUT / "recovery-sheet-saved.png"))


def test_a_message_longer_than_its_lines_is_cut_on_the_last_one_and_shown_whole_as_the_tooltip(qtbot, prepared_app):
    """Issue 16: problems show without moving the fields; what does not fit is cut with "…" and is the tooltip."""
    from xinjie_desktop.qt.shell.widgets import MessageLabel

    label = MessageLabel(reserve=2)
    qtbot.addWidget(label)
    label.resize(200, label.height())
    label.show()
    height = label.height()
    text = "The data file could not be written because the disk is full; free some space and try again. " * 3
    label.show_message(text)
    shown = label._shown_lines()
    assert len(shown) == 2 and shown[-1].endswith("…")
    assert label.is_cut() and label.toolTip() == text
    assert label.height() == height, "the label keeps its height: nothing below moves"
    label.show_message("Saved.", "info")
    assert label._shown_lines() == ["Saved."] and label.toolTip() == ""


def test_the_sync_board_shows_every_column_within_its_window_at_1366x768(qtbot, chinese, store):
    """Issue 16, "sync in plain words" (trial): on the demo township's board (its laptops named like
    "青山村一号笔记本（演示）") the sentence of "对方尚未确认" ran past the table's right edge behind a scroll bar,
    and the last column, "问题", was not on the screen at all.  The columns of sentences now share the width
    the names and dates leave, and wrap over more lines."""
    from xinjie_desktop.core.sync import demo_township
    from xinjie_desktop.qt.shell.app import create_main_window
    from xinjie_desktop.qt.sync.sync_board_view import COLUMNS, SyncBoardDialog

    demo_township.build(store, 3, 60, 1)  # what `./run demo-data` makes: the township and two demo laptops
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.sync_board_action.trigger()
    (board,) = [found for found in window.findChildren(SyncBoardDialog) if found.isVisible()]
    qtbot.waitExposed(board)
    qtbot.wait(20)
    view = board.view
    column = [key for key, _label in COLUMNS].index("unacknowledged")
    assert board.model.rowCount() >= 2
    assert any("尚未确认收到" in board.model.index(row, column).data() for row in range(board.model.rowCount()))
    OUT.mkdir(exist_ok=True)
    board.grab().save(str(OUT / "sync-board.png"))
    header = view.horizontalHeader()
    last = len(COLUMNS) - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= view.viewport().width(), (
        "the last column, 问题, is inside the table"
    )
    assert view.horizontalScrollBar().maximum() == 0, "nothing hidden past a scroll bar"
    for row in range(board.model.rowCount()):  # each sentence whole in its cell: the row as tall as it needs
        assert view.rowHeight(row) >= view.sizeHintForIndex(board.model.index(row, column)).height()
    board.resize(1300, 420)  # a wider window: the sentences take the room, still nothing hidden
    qtbot.wait(20)
    assert view.horizontalScrollBar().maximum() == 0
    board.close()
