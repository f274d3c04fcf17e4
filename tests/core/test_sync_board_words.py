"""The sync board in plain words (issue 16, "Sync in plain words"): which computer, since when, and how
many households' work is waiting; the change numbers only in the details."""

from __future__ import annotations

import datetime as dt

from builders import family_draft
from sync_world import edit, group_of
from xinjie_desktop.core.records import demo_data, households
from xinjie_desktop.core.sync import board as sync_board


def _row(store, name):
    (row,) = [row for row in sync_board.rows(store) if row.name == name]
    return row


def test_work_waiting_is_told_in_households_and_dates(world):
    laptop = world.laptop(0)
    world.sync(laptop)  # what the first contact carried is confirmed
    world.import_into(laptop, world.export(world.township, to=laptop))
    assert _row(laptop, "辛街乡").unacknowledged == ""
    demo_data.add_households(laptop, 2, seed=1)  # two households, each with its members
    first = households.save(laptop, family_draft(group_of(laptop, "青山村")))
    edit(laptop, first, phone="13800000001")  # two changes of one household count once
    world.export(laptop)  # written, not imported yet
    row = _row(laptop, "辛街乡")
    assert row.waiting_households == 3 and row.waiting_other == 0
    today = dt.date.today().isoformat()
    assert row.waiting_since is not None and sync_board.local_date(row.waiting_since) == today
    assert row.unacknowledged.startswith("辛街乡 has not yet confirmed the work on 3 households")
    assert f"waiting since {today}" in row.unacknowledged
    assert f"last bundle written for it on {today}" in row.unacknowledged
    assert "–" not in row.unacknowledged  # no change numbers in the words …
    assert row.unacknowledged_detail.startswith("changes ")  # … but in the details
    assert row.last_out_at is not None and row.last_out.endswith(".xjb")
