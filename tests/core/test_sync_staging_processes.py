"""Issue 13 (the import benchmark): large bundles are staged in processes of their own (``importing._reading_ahead``);
what is stored, refused and reported is the same as when they are staged in the import's threads."""

from __future__ import annotations

import concurrent.futures
import sqlite3
from contextlib import closing

import pytest

from sync_world import World, file_state, twin
from xinjie_desktop.core.records import demo_data
from xinjie_desktop.core.store import canonical_dump
from xinjie_desktop.core.sync import importing
from xinjie_desktop.core.sync.bundle_format import SyncError


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path / "world", laptops=3)
    for index in range(3):
        demo_data.add_households(world.laptop(index), 30, seed=50 + index)
    yield world
    world.close()


def _dump(store) -> str:
    return canonical_dump.canonical_text(canonical_dump.dump(store, derived=True))


def test_bundles_staged_in_processes_are_stored_as_when_staged_in_threads(world, tmp_path, caplog):
    """Issue 13: three bundles imported with their staging in processes give the township exactly the store
    (records, derived list values, journal) that the same import with its staging in threads gives."""
    paths = [path for index in range(3) for path in world.export(world.laptop(index))]
    copy = twin(world.township, tmp_path / "copy.sqlite")
    world.township = twin(copy, tmp_path / "township-again.sqlite")
    in_processes = importing.import_bundles(world.township, paths, processes=True)
    in_threads = importing.import_bundles(copy, paths, processes=False)
    try:
        assert [r.outcome.applied for r in in_processes] == [r.outcome.applied for r in in_threads]
        assert sum(r.outcome.new["household"] for r in in_processes) == 90
        assert _dump(world.township) == _dump(copy)
        assert "staging here" not in caplog.text  # the processes staged (no thread stood in for them)
    finally:
        copy.close()


def _spoil(laptop, statement: str) -> None:
    """Change the laptop's journal behind its back: its next bundle carries the change, signed."""
    with closing(sqlite3.connect(laptop.path)) as connection, connection:
        connection.execute(statement)


@pytest.mark.parametrize(
    "spoiled",
    [
        # a field the township's rules refuse (FieldError, raised in the staging process)
        "UPDATE change_log SET payload = json_set(payload, '$.phone', printf('%.200c', '1')) "
        "WHERE seq = (SELECT max(seq) FROM change_log WHERE table_name = 'household')",
        # a line that is not JSON (StagingError)
        "UPDATE change_log SET payload = '{not json' WHERE seq = (SELECT max(seq) FROM change_log)",
    ],
)
def test_a_bundle_refused_in_a_staging_process_is_refused_as_in_a_thread(world, tmp_path, spoiled, caplog):
    """Issue 13: a bundle whose staging fails in its process is refused with the same reason as when staged in a
    thread, and, refused alone, changes nothing of the township's files."""
    _spoil(world.laptop(2), spoiled)
    paths = [path for index in range(3) for path in world.export(world.laptop(index))]
    copy = twin(world.township, tmp_path / "copy.sqlite")
    world.township = twin(copy, tmp_path / "township-again.sqlite")
    reasons = []
    for store, processes in ((world.township, True), (copy, False)):
        refused: list = []
        importing.import_bundles(store, paths, processes=processes, refused=refused)
        reasons.append([(path.name, reason) for path, reason in refused])
    assert len(reasons[0]) == 1 and reasons[0] == reasons[1]
    assert "staging here" not in caplog.text  # refused in its process, the refusal carried back whole
    before = file_state(copy.path)
    with pytest.raises(SyncError):
        importing.import_bundles(copy, [paths[0], paths[-1]], processes=True)  # the first imported already
    assert file_state(copy.path) == before
    copy.close()


def test_when_no_staging_process_can_work_the_threads_stage(world, monkeypatch):
    """Issue 13: a staging process that dies (or cannot start) costs the import nothing but time: the reader
    thread stages the bundle itself."""

    class Broken(concurrent.futures.Executor):
        def submit(self, fn, /, *args, **kwargs):
            future = concurrent.futures.Future()
            future.set_exception(concurrent.futures.process.BrokenProcessPool("a staging process died"))
            return future

    monkeypatch.setattr(importing, "_new_pool", lambda workers: Broken())
    paths = [path for index in range(3) for path in world.export(world.laptop(index))]
    results = importing.import_bundles(world.township, paths, processes=True)
    assert sum(r.outcome.new["household"] for r in results) == 90
