"""Fixtures shared by core and Qt tests."""

from __future__ import annotations

import os
import sqlite3

import pytest
from hypothesis import settings

from xinjie_desktop.core.records import township
from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.i18n import set_language

# Hypothesis (property 2 of issue 5): by default 30 new random examples a run; ``./run-tests`` (and so CI)
# uses "ci", the same 30 every run, so that a suite does not pass or fail by chance; "explore" hunts with
# 250 (``HYPOTHESIS_PROFILE=explore ./run-tests tests/core/test_sync_convergence.py``).  Each divergence
# a hunt found is a test of its own in tests/core/test_sync.py.
settings.register_profile("default", max_examples=30)
settings.register_profile("ci", max_examples=30, derandomize=True)
settings.register_profile("explore", max_examples=250)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Argon2id at the cost of a test (issue 17): one pass over 8 MiB instead of the shipped three over 64 MiB
# (tests/core/test_accounts.py checks the shipped parameters).
permissions.KDF_PARAMETERS = permissions.KdfParameters(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def new_stores_from_a_migrated_template(tmp_path_factory):
    """A new clear store gets the schema of a store migrated once per session, copied page by page (SQLite's
    backup), instead of running every migration again: 0.3 s a store, a third of the suite's time.

    Only a brand-new file's upgrade to head is copied (an empty database: no tables); a store of an earlier
    revision, an upgrade to another revision and an encrypted store run the migrations as before.  The
    template itself is made by the real ``upgrade`` (every migration run on a new store each session);
    opening the copy does everything else a new store gets (its own identity, the sync hooks, settings).
    Subprocesses (the command-line tests) migrate for themselves."""
    from xinjie_desktop.core.store import database

    real_upgrade = database.upgrade
    template_path = tmp_path_factory.mktemp("new-store-template") / "migrated.sqlite"
    template_engine = database._engine(template_path, ())
    real_upgrade(template_engine, "head")
    template_engine.dispose()
    template = sqlite3.connect(template_path, check_same_thread=False)
    head = database.head_revision()

    def upgrade(engine, revision="head"):
        if revision in ("head", head) and engine.dialect.dbapi is sqlite3:
            with engine.connect() as connection:
                raw = connection.connection.driver_connection
                if raw.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,):
                    template.backup(raw)
                    return
        real_upgrade(engine, revision)

    patch = pytest.MonkeyPatch()
    patch.setattr(database, "upgrade", upgrade)
    yield template_path
    patch.undo()
    template.close()


@pytest.fixture(autouse=True)
def english_messages():
    """Tests read messages in English (the message ids) unless they switch language themselves."""
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def params():
    return current()


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "store.sqlite")
    yield store
    store.close()


@pytest.fixture
def group_id(store):
    township.set_up(store, "Test township", "Command centre", {"V1": ["G1", "G2"], "V2": ["G1"]})
    with store.session() as session:
        return township.groups(session)[0].id


@pytest.fixture
def world(tmp_path):
    """A township office and two village laptops, provisioned and introduced (tests/sync_world.py)."""
    from sync_world import World

    world = World(tmp_path)
    yield world
    world.close()
