"""Issue 16: a text filter that many households match is counted beside the first page, in a thread of its
own, and the rest of the list follows; a newer keystroke drops (and interrupts) an older count."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from PySide6.QtCore import Qt

from xinjie_desktop.core.records import household_list

pytestmark = pytest.mark.gui


def sql_count(store, text: str) -> int:
    with sqlite3.connect(store.path) as connection:
        return connection.execute("SELECT count(*) FROM household WHERE search_text LIKE ?", (f"%{text}%",)).fetchone()[
            0
        ]


@pytest.fixture
def many(monkeypatch):
    """The demo's 240 households are "many" once 20 match (the list's first page is 200 rows)."""
    monkeypatch.setattr(household_list, "SORT_MATCHES_BELOW", 20)


def test_a_filter_many_match_shows_the_first_page_then_the_whole_count(qtbot, window, demo_store, many):
    """Issue 16: the rows past the first page are inserted once the count is in; the status bar shows it."""
    expected = sql_count(demo_store, "5305")
    assert expected > 200
    counts = []
    window.model.count_changed.connect(counts.append)
    inserted = []
    window.model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    text = window.filter_bar.text_edit
    qtbot.keyClicks(text, "5305")
    qtbot.keyClick(text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.model.count_pending(), timeout=5000)
    assert window.model.rowCount() == expected
    assert counts[-1] == expected and f"{expected} households" in window.count_label.text()
    assert inserted[-1] == (200, expected - 1)
    window.table.scrollToBottom()
    qtbot.wait(10)
    assert window.model.index(expected - 1, 0).data()  # the last of them is there


def test_a_newer_keystroke_drops_and_interrupts_the_older_count(qtbot, window, demo_store, many, monkeypatch):
    """Issue 16: typing on while a count runs: the count of the shorter text never reaches the list."""
    started, release = threading.Event(), threading.Event()
    real = household_list.count
    calls = []

    def slow_first(session, criteria):
        calls.append(criteria.text)
        if len(calls) == 1:  # the first filter's count waits until the second filter is applied
            started.set()
            release.wait(5)
        return real(session, criteria)

    monkeypatch.setattr(household_list, "count", slow_first)
    counts = []
    window.model.count_changed.connect(counts.append)
    window.model.set_filter(household_list.ListFilter(text="5305"))
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert window.model.count_pending() and window.model.rowCount() == 200
    window.model.set_filter(household_list.ListFilter(text="53050"))
    release.set()
    qtbot.waitUntil(lambda: not window.model.count_pending(), timeout=5000)
    qtbot.wait(50)  # anything the older count could still deliver
    assert counts == [sql_count(demo_store, "53050")]
    assert window.model.rowCount() == sql_count(demo_store, "53050")


def test_a_filter_few_match_is_counted_from_its_first_page_alone(qtbot, window, demo_store):
    """Issue 16: under the threshold the count comes with the rows; no count is left running."""
    with sqlite3.connect(demo_store.path) as connection:
        [head] = connection.execute("SELECT head_name FROM household LIMIT 1").fetchone()
    window.model.set_filter(household_list.ListFilter(text=head))
    assert not window.model.count_pending()
    assert window.model.rowCount() == sql_count(demo_store, head)


def test_the_texts_a_repaint_shows_follow_every_refresh_and_filter(qtbot, window, demo_store):
    """Issue 16: each page's column texts are made once for the repaints (not per cell and role); a refresh
    or a new filter shows the rows as they are now, never texts kept from before."""
    model = window.model
    first_id = model.household_id(0)
    assert model.index(0, 0).data()
    window.table.viewport().repaint()
    with sqlite3.connect(demo_store.path) as connection:
        connection.execute("UPDATE household SET head_name = '新名字' WHERE id = ?", (first_id,))
    model.refresh()
    row = model.row_of(first_id)
    assert model.index(row, 0).data() == "新名字"
    with sqlite3.connect(demo_store.path) as connection:
        wanted = connection.execute(
            "SELECT head_name, head_id_number FROM household WHERE search_text LIKE '%5305%' ORDER BY list_key, id"
        ).fetchall()
    qtbot.keyClicks(window.filter_bar.text_edit, "5305")
    qtbot.keyClick(window.filter_bar.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not model.count_pending(), timeout=5000)
    window.table.scrollToBottom()
    shown = [(model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())]
    assert shown == wanted
    assert model.index(0, 4).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_a_count_made_before_is_not_made_again_until_the_store_changes(qtbot, window, demo_store, many, monkeypatch):
    """Issue 16: every ID number of the township starts with the same digits, and a correction goes back over
    what was typed: a count of many matches made before is given again while nothing has been committed since
    (``Store.data_version``), and made again, right, once something has (here: another program's write)."""
    real = household_list.count
    counted = []

    def counting(session, criteria):
        counted.append(criteria.text)
        return real(session, criteria)

    monkeypatch.setattr(household_list, "count", counting)
    model, text = window.model, window.filter_bar.text_edit

    def typed(keys) -> int:
        for key in keys:
            qtbot.keyClick(text, key) if isinstance(key, Qt.Key) else qtbot.keyClicks(text, key)
        qtbot.keyClick(text, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not model.count_pending(), timeout=5000)
        return model.rowCount()

    expected = sql_count(demo_store, "5305")
    assert typed(["5305"]) == expected and counted == ["5305"]
    assert typed([Qt.Key.Key_Backspace]) == sql_count(demo_store, "530")  # back over the last digit
    assert typed(["5"]) == expected  # and typed again: "5305" is not counted again
    assert counted == ["5305", "530"]
    assert f"{expected} households" in window.count_label.text()
    with sqlite3.connect(demo_store.path) as connection:  # one household fewer holds 5305
        [first] = connection.execute("SELECT id FROM household WHERE search_text LIKE '%5305%' LIMIT 1").fetchone()
        connection.execute("UPDATE household SET search_text = '改过' WHERE id = ?", (first,))
    assert typed([Qt.Key.Key_Backspace]) == sql_count(demo_store, "530")
    assert typed(["5"]) == expected - 1 == sql_count(demo_store, "5305")
    assert counted == ["5305", "530", "530", "5305"]
    assert f"{expected - 1} households" in window.count_label.text()


def test_a_filter_an_index_counts_is_counted_with_its_first_page(
    qtbot, window, demo_store, many, type_text, monkeypatch
):
    """Issue 16: one Chinese character (the character index of migration 0021) or one trigram is counted by an
    index in a millisecond or two, with the first page: no count is started beside it."""
    from xinjie_desktop.qt.households import household_table_model

    started = []

    class Recorded(household_table_model._Count):
        def __init__(self, store, criteria, *args) -> None:
            started.append(criteria.text)
            super().__init__(store, criteria, *args)

    monkeypatch.setattr(household_table_model, "_Count", Recorded)
    text = window.filter_bar.text_edit
    for typed in ("杨", "530", "5305"):
        expected = sql_count(demo_store, typed)
        assert expected >= 20  # "many": more than the first page tells
        qtbot.keyClick(text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        type_text(text, typed)
        qtbot.waitUntil(lambda typed=typed: window.model.list_filter().text == typed, timeout=5000)
        qtbot.waitUntil(lambda: not window.model.count_pending(), timeout=5000)
        assert window.model.rowCount() == expected and f"{expected} households" in window.count_label.text()
    assert started == ["5305"]  # four digits: a scan, in a thread of its own
