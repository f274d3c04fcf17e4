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
