"""Power loss: a process killed (SIGKILL) in the middle of saving leaves a store intact and consistent."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from xinjie_desktop.core.records import township
from xinjie_desktop.core.sync.workstore import open_store

TESTS = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent("""
    import sys
    from builders import family_draft, renumber
    from xinjie_desktop.core.records import households
    from xinjie_desktop.core.sync.workstore import open_store

    store = open_store(sys.argv[1])
    group, mode = sys.argv[2], sys.argv[3]
    for n in range(100000):
        draft = renumber(family_draft(group, address=f"No. {n}"), 100 + 10 * n)
        if mode == "durable":  # the signing path's kind of commit
            with store.durable_unit_of_work() as session:
                household = households.Household()
                households.apply_draft(session, household, draft)
                session.add(household)
        else:
            households.save(store, draft)
        print(n, flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("mode", ["household", "durable"])
def test_store_killed_mid_save_reopens_intact_and_consistent(tmp_path, mode):
    path = tmp_path / "store.sqlite"
    store = open_store(path)
    township.set_up(store, "T", "C", {"V": ["G"]})
    with store.session() as session:
        group = township.groups(session)[0].id
    store.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    with subprocess.Popen(  # leaving the block closes its pipes
        [sys.executable, "-c", WRITER, str(path), group, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as writer:
        try:
            reported = 0
            deadline = time.monotonic() + 20
            while reported < 25 and time.monotonic() < deadline:  # well into the loop, in the middle of a save
                line = writer.stdout.readline()
                if not line:
                    break
                reported += 1
            assert reported >= 25, writer.stderr.read()
            time.sleep(0.013)
            writer.send_signal(signal.SIGKILL)
        finally:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL

    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        saved = connection.execute("SELECT count(*) FROM household").fetchone()[0]
        assert saved >= reported  # every save reported as done survived
        incomplete = connection.execute(
            "SELECT h.id, count(m.id) FROM household h LEFT JOIN member m ON m.household_id = h.id "
            "GROUP BY h.id HAVING count(m.id) != 4"
        ).fetchall()
        assert incomplete == []  # no household without all its members
    finally:
        connection.close()
    reopened = open_store(path)  # and the application opens it
    reopened.close()
