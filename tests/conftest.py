"""Fixtures shared by core and Qt tests."""

from __future__ import annotations

import pytest

from xinjie_desktop.core import township
from xinjie_desktop.core.policy_params import current
from xinjie_desktop.core.store import open_store
from xinjie_desktop.i18n import set_language


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
