"""Which check opening a store runs (issue 16: the list within a second of the window at 100,000 households).

A store closed cleanly is checked where opening reads it (``PRAGMA quick_check`` of its opening tables);
the whole file (``PRAGMA integrity_check``) is checked before opening after an unclean shutdown (the
write-ahead log left beside the store), and every week behind the window (the day of the last check is a
local setting).  A store found damaged is refused and left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from builders import family_draft
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.store import database
from xinjie_desktop.core.store.database import StoreError
from xinjie_desktop.core.sync.workstore import open_store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _filled(path: Path) -> None:
    store = open_store(path)
    township.set_up(store, "辛街乡", "指挥部", {"青山村": ["第一组"]})
    with store.session() as session:
        from xinjie_desktop.core.store.models import VillagerGroup

        group = session.query(VillagerGroup).one().id
    households.save(store, family_draft(group))
    store.close()


def _damage_members(path: Path) -> None:
    """Scribble over the member table's page header: a page opening never reads."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'member'").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * size
    data[start : start + 8] = b"\x07" * 8
    path.write_bytes(bytes(data))


def _crash_while_open(path: Path) -> None:
    """Another process opens the store, writes a setting and dies without closing it (a power cut):
    the write-ahead log stays beside the store."""
    code = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "c.execute(\"INSERT OR REPLACE INTO local_setting VALUES ('crash_test', 'x')\")\n"
        "c.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    assert database.closed_uncleanly(path)


def test_a_store_closed_cleanly_is_opened_without_reading_every_page(tmp_path):
    path = tmp_path / "store.sqlite"
    _filled(path)
    assert not database.closed_uncleanly(path)
    _damage_members(path)
    store = open_store(path)  # the damage is in a page opening does not read
    try:
        assert database.check_whole_file(path) is False  # the week's check, behind the window, finds it
    finally:
        store.close()


def test_after_an_unclean_shutdown_the_whole_file_is_checked_and_a_damaged_store_refused_untouched(tmp_path):
    path = tmp_path / "store.sqlite"
    _filled(path)
    _damage_members(path)
    _crash_while_open(path)
    wal = path.with_name(path.name + "-wal")
    before = (digest(path), digest(wal))
    with pytest.raises(StoreError, match="damaged"):
        open_store(path)
    assert (digest(path), digest(wal)) == before


def test_after_an_unclean_shutdown_a_sound_store_opens_and_its_check_is_remembered(tmp_path):
    path = tmp_path / "store.sqlite"
    _filled(path)
    _crash_while_open(path)
    store = open_store(path)
    try:
        with store.session() as session:
            assert database.get_local(session, "crash_test") == "x"  # the log's committed work is kept
            assert database.get_local(session, database.WHOLE_FILE_CHECKED) == dt.date.today().isoformat()
        assert not database.whole_file_check_due(store)
    finally:
        store.close()


def test_the_whole_file_check_is_due_weekly(tmp_path):
    path = tmp_path / "store.sqlite"
    _filled(path)
    store = open_store(path)
    try:
        assert database.whole_file_check_due(store)  # never checked
        monday = dt.date(2026, 12, 7)
        database.remember_whole_file_check(store, monday)
        assert not database.whole_file_check_due(store, monday)
        assert not database.whole_file_check_due(store, monday + dt.timedelta(days=6))
        assert database.whole_file_check_due(store, monday + dt.timedelta(days=7))
    finally:
        store.close()


def test_the_whole_file_check_stops_when_asked(tmp_path):
    path = tmp_path / "store.sqlite"
    _filled(path)
    assert database.check_whole_file(path) is True
    assert database.check_whole_file(path, keep_going=lambda: False) is None


def test_the_revisions_read_without_alembic_are_alembics():
    """Opening a store that needs no migration does not import Alembic (half a second of a cold start):
    the shipped revisions are read from their files, and agree with Alembic's reading of them."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(database.alembic_config())
    assert database.head_revision() == scripts.get_current_head()
    assert database.known_revisions() == {script.revision for script in scripts.walk_revisions()}


def test_opening_a_store_at_head_imports_no_alembic(tmp_path):
    path = tmp_path / "store.sqlite"
    _filled(path)
    code = (
        "import sys\n"
        "from xinjie_desktop.core.sync.workstore import open_store\n"
        "open_store(sys.argv[1]).close()\n"
        "print(sorted(name for name in sys.modules if name.startswith('alembic')))\n"
    )
    found = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True)
    assert found.stdout.strip() == "[]"
