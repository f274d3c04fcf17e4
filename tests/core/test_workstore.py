"""A store knows nothing of sync: sync installs itself through one entry point (issue 12).

``store.database.open_store`` alone gives a store that journals nothing and has no device identity;
``sync.workstore.open_store`` gives the store the window and the command line work with.  A store
that fails while being opened closes what it opened (on Windows an open file cannot be removed).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from builders import family_draft
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.store import database
from xinjie_desktop.core.store.models import ChangeLog
from xinjie_desktop.core.sync import workstore


def household_saved(store) -> str:
    township.set_up(store, "T", "C", {"V1": ["G1"]})
    with store.session() as session:
        group_id = township.groups(session)[0].id
    return households.save(store, family_draft(group_id))


def journal_entries(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(ChangeLog))


def test_a_plain_store_has_no_identity_and_writes_none(tmp_path):
    store = database.open_store(tmp_path / "plain.sqlite")
    try:
        assert store.revision() == database.head_revision()
        assert store.device_id == ""
        assert isinstance(store.journal, database.NoJournal)
        with store.session() as session:
            assert database.get_local(session, "device_id") is None
        assert journal_entries(store) == 0
    finally:
        store.close()


def test_a_store_opened_for_work_journals_every_write_as_this_device(tmp_path):
    store = workstore.open_store(tmp_path / "work.sqlite")
    try:
        household_saved(store)
        assert len(store.device_id) == 36
        assert journal_entries(store) > 0
        with store.session() as session:
            assert set(session.scalars(select(ChangeLog.origin_device))) == {store.device_id}
        # the import's staging schema is attached to every connection of a work store
        with store.engine.connect() as connection:
            schemas = {row[1] for row in connection.exec_driver_sql("PRAGMA database_list")}
        assert "incoming" in schemas
    finally:
        store.close()


def test_the_same_file_opened_plain_after_work_keeps_its_identity_untouched(tmp_path):
    path = tmp_path / "store.sqlite"
    work = workstore.open_store(path)
    device_id = work.device_id
    work.close()
    plain = database.open_store(path)
    plain.close()
    again = workstore.open_store(path)
    try:
        assert again.device_id == device_id
    finally:
        again.close()


class Exploding:
    def on_connect(self, dbapi_connection) -> None:
        pass

    def on_open(self, store) -> None:
        raise RuntimeError("boom")


def test_a_store_that_fails_to_open_closes_its_connections(tmp_path, monkeypatch):
    engines = []
    real_engine = database._engine

    def recording_engine(path, extensions):
        engine = real_engine(path, extensions)
        engines.append(engine)
        return engine

    monkeypatch.setattr(database, "_engine", recording_engine)
    with pytest.raises(RuntimeError, match="boom"):
        database.open_store(tmp_path / "broken.sqlite", extensions=(Exploding(),))
    (engine,) = engines
    assert engine.pool.checkedout() == 0
    # disposed: the pool holds no idle connection to the file either
    assert engine.pool.checkedin() == 0
