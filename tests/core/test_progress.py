"""Progress at a glance (issue 18): every figure per village and for the township, and every number opens the
list of exactly those households (the household list filtered by the figure's own condition)."""

from __future__ import annotations

import collections
import datetime as dt
import json

import pytest
from sqlalchemy import select

from xinjie_desktop.core.records import demolition, household_list, progress
from xinjie_desktop.core.records.household_list import ListFilter
from xinjie_desktop.core.store.models import (
    Agreement,
    BuildingStage,
    DemolitionAcceptance,
    Household,
    PublicNotice,
    RelocationVerification,
    SavedHousingPlan,
)
from xinjie_desktop.core.sync import conflicts, demo_township
from xinjie_desktop.core.sync.workstore import open_store

TODAY = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "demo.sqlite"
    store = open_store(path)
    demo_township.build(store, 4, 120, seed=3, today=TODAY)
    yield store
    store.close()


def test_every_number_is_the_length_of_its_household_list(demo):
    """Issue 18 ("every number opens the list of those households"): per village and in total, each figure's
    count is the number of households the household list shows when filtered by that figure."""
    found = progress.compute(demo, TODAY)
    assert set(found.total.figures) == set(progress.KEYS)
    with demo.session() as session:
        for figure in progress.FIGURES:
            selection = progress.Selection(figure.key, TODAY)
            assert found.total.figures[figure.key] == household_list.count(session, ListFilter(figure=selection))
            for village in found.villages:
                criteria = ListFilter(village_id=village.village_id, figure=selection)
                listed = household_list.count(session, criteria)
                assert village.figures[figure.key] == listed, (figure.key, village.name)
                assert listed == len(progress.households_in(session, selection, village.village_id))
    assert found.total.households == sum(v.households for v in found.villages) == 120


def test_ID_5_steps_and_flags_are_the_household_lists_own_filters(demo):
    """ID-5 and the flags (ID-1 … ID-7, EX-1, 错退): the figures are what the list's step and flag filters find."""
    found = progress.compute(demo, TODAY)
    with demo.session() as session:
        for code in ("", "proposed", "audited", "evaluated", "noticed", "entered", "rejected"):
            key = f"step_{code or 'not_started'}"
            assert found.total.figures[key] == household_list.count(session, ListFilter(step=code))
        for code in ("below_line", "wrongly_exited", "recheck_pending", "population_differs", "cannot_exit"):
            assert found.total.figures[f"flag_{code}"] == household_list.count(session, ListFilter(flag=code))
    assert sum(found.total.figures[k] for k in progress.KEYS if k.startswith("step_")) == 120
    assert found.total.figures["flag_wrongly_exited"] > 0


def test_relocation_stages_from_the_records(demo):
    """RL-1, HS-1, AG-1, AG-2, AG-3: verified, plan saved, agreements drafted and signed, demolition overdue (as
    records.demolition.overdue finds it), accepted, on time, certificate handed in, land reclaimed."""
    found = progress.compute(demo, TODAY).total.figures
    with demo.session() as session:
        verified = set(
            session.scalars(
                select(RelocationVerification.household_id).where(RelocationVerification.in_scope.is_(True))
            )
        )
        planned = set(session.scalars(select(SavedHousingPlan.household_id)))
        statuses = collections.defaultdict(set)
        for household_id, status in session.execute(select(Agreement.household_id, Agreement.status)):
            statuses[status].add(household_id)
        accepted = session.scalars(select(DemolitionAcceptance)).all()
        overdue_list = progress.households_in(session, progress.Selection("demolition_overdue", TODAY))
    assert found["relocation_verified"] == len(verified) >= 6
    assert found["plan_saved"] == len(planned)
    assert found["agreements_drafted"] == len(statuses["draft"]) >= 1
    assert found["agreements_signed"] == len(statuses["signed"]) >= 4
    overdue = demolition.overdue(demo, TODAY)
    assert found["demolition_overdue"] == len(overdue) == 1
    assert overdue_list == [overdue[0].household_id]
    assert found["demolition_accepted"] == len(accepted) == 1
    assert found["demolished_on_time"] == 1 and found["demolished_late"] == 0
    assert found["certificates_handed_in"] == 1 and found["land_reclaimed"] == 1
    # a month on, the demolitions still due have become overdue too
    later = progress.compute(demo, TODAY + dt.timedelta(days=200)).total.figures
    assert later["demolition_overdue"] == len(demolition.overdue(demo, TODAY + dt.timedelta(days=200))) > 1


def test_building_completed_and_moved_in_from_the_stages_recorded(demo):
    """Issue 18 ("building, moved in"): the new houses started and not completed, completed and not moved into,
    moved into — from the building stages (records.building) as of the day; each number opens its households."""
    from xinjie_desktop.core.records import building

    found = progress.compute(demo, TODAY).total.figures
    with demo.session() as session:
        last = {}
        for household_id in session.scalars(select(BuildingStage.household_id).distinct()):
            last[household_id] = building.stages_in(session, household_id)[-1].stage
        listed = {
            key: set(progress.households_in(session, progress.Selection(key, TODAY)))
            for key in ("building", "building_completed", "moved_in")
        }
    assert listed["building"] == {h for h, s in last.items() if s in ("foundation", "main_structure")}
    assert listed["building_completed"] == {h for h, s in last.items() if s == "completion"}
    assert listed["moved_in"] == {h for h, s in last.items() if s == "moved_in"}
    assert (found["building"], found["building_completed"], found["moved_in"]) == (3, 1, 1)
    # a week before, the house completed 6 days ago was still being built; the one started 3 days ago was not yet
    earlier = progress.compute(demo, TODAY - dt.timedelta(days=7)).total.figures
    assert (earlier["building"], earlier["building_completed"], earlier["moved_in"]) == (3, 0, 1)
    keys = [f["key"] for f in progress.as_json(progress.compute(demo, TODAY))["figures"]]
    assert {"building", "building_completed", "moved_in"} <= set(keys)


def test_PN_1_notices_objections_and_sync_waiting(demo):
    """PN-1: the households on a posted notice; objections open. Sync: the conflict and the possible duplicate
    waiting (as core.sync.conflicts lists them); the laptops not heard from for a week."""
    found = progress.compute(demo, TODAY)
    with demo.session() as session:
        entries = {
            e["household_id"] for (text,) in session.execute(select(PublicNotice.entries)) for e in json.loads(text)
        }
    assert found.total.figures["notice_posted"] == len(entries) > 0
    assert found.total.figures["objections_open"] == 1
    (conflict,) = conflicts.listing(demo)
    with demo.session() as session:
        assert progress.households_in(session, progress.Selection("conflicts_open", TODAY)) == [conflict.household_id]
        waiting = progress.households_in(session, progress.Selection("duplicates_open", TODAY))
    (duplicate,) = conflicts.duplicates(demo)
    assert sorted(waiting) == sorted(h["id"] for h in duplicate["households"])
    assert found.total.figures["laptop_quiet"] == 0 and not found.total.quiet_laptops
    week_later = progress.compute(demo, dt.date.today() + dt.timedelta(days=progress.QUIET_DAYS + 1))
    (village,) = [v for v in week_later.villages if v.quiet_laptops]
    assert len(village.quiet_laptops) == 2
    assert village.figures["laptop_quiet"] == village.households == week_later.total.figures["laptop_quiet"]


def test_a_village_cadre_sees_the_figures_of_their_village_only(demo):
    """Issue 17: a village cadre views their village; the progress is computed within it."""
    with demo.session() as session:
        village_id = session.scalars(select(Household.village_id)).first()
        within = progress.compute_in(session, TODAY, frozenset({village_id}))
    assert [v.village_id for v in within.villages] == [village_id]
    assert within.total.households == within.villages[0].households


def test_the_weekly_trend_counts_households_by_each_weeks_end(demo):
    """The charts' weekly trend (and the bulletin's): households entered into the national system (ID-5), with a
    signed agreement (AG-1), with their demolition accepted (AG-2), by the end of each ISO week."""
    points = progress.trend(demo, TODAY, weeks=30)
    assert [p.week for p in points][-1] == "2026-W50" and len(points) == 30
    with demo.session() as session:
        signed_days = sorted(
            d for d in session.scalars(select(Agreement.signed_on).where(Agreement.signed_on.is_not(None)))
        )
        entered = household_list.count(session, ListFilter(step="entered"))
    last = points[-1].values
    assert last["accepted"] == 1 and last["entered"] == entered
    households_signed = progress.compute(demo, TODAY).total.figures["agreements_signed"]
    assert last["signed"] >= households_signed
    before = [p for p in points if p.end < signed_days[0]]
    assert before and all(p.values["signed"] == 0 for p in before)
    for earlier, later in zip(points, points[1:], strict=False):
        assert all(later.values[k] >= earlier.values[k] for k in later.values)
    assert progress.week_days("2017-W16") == (dt.date(2017, 4, 17), dt.date(2017, 4, 23))
    for bad in ("2017-16", "2017-W54", "W16", ""):
        with pytest.raises(ValueError):
            progress.week_days(bad)


def test_the_progress_command_prints_every_figure_per_village_and_in_total(demo, capsys):
    """`xinjie-desktop progress --db P --json` (issue 18): the keys the README names; the same numbers as the
    view; exit 2 with the reason for a data file that is not there."""
    from xinjie_desktop.main import main

    assert main(["progress", "--db", str(demo.path), "--json", "--as-of", TODAY.isoformat()]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"as_of", "quiet_days", "figures", "villages", "total"}
    assert [f["key"] for f in document["figures"]] == list(progress.KEYS)
    found = progress.compute(demo, TODAY)
    assert document["total"]["figures"] == found.total.figures
    assert document["total"]["households"] == 120
    assert [v["name"] for v in document["villages"]] == [v.name for v in found.villages]
    assert set(document["villages"][0]) == {"id", "name", "households", "figures", "quiet_laptops"}
    assert main(["progress", "--db", str(demo.path.parent / "missing.sqlite"), "--json"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_progress_and_bulletin_take_user_like_every_command(tmp_path, monkeypatch, capsys):
    """Issue 17 and 18: on an (encrypted) data file with accounts, `progress` and `bulletin` need --user and the
    password from XINJIE_PASSWORD; a work-team member of one village gets that village's figures only and may not
    issue the bulletin (exit 2, the data file as it was); the administrator issues it."""
    import hashlib

    from xinjie_desktop.main import main

    path = tmp_path / "demo.sqlite"
    argv = ["demo-data", "--db", str(path), "--villages", "2", "--households", "6", "--households-only"]
    assert main([*argv, "--password", "demo password"]) == 0
    monkeypatch.setenv("XINJIE_PASSWORD", "demo password")
    monkeypatch.setenv("XINJIE_NEW_PASSWORD", "team password")
    add = ["account", "add", "--db", str(path), "--user", "admin", "--name", "wang", "--role", "work_team"]
    assert main([*add, "--village", "青山村"]) == 0
    capsys.readouterr()
    assert main(["progress", "--db", str(path), "--json"]) == 2
    assert "--user" in capsys.readouterr().err
    assert main(["progress", "--db", str(path), "--json", "--user", "admin"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert len(every["villages"]) == 2
    monkeypatch.setenv("XINJIE_PASSWORD", "team password")
    assert main(["progress", "--db", str(path), "--json", "--user", "wang"]) == 0
    own = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in own["villages"]] == ["青山村"]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("demo.sqlite*"))]
    out = tmp_path / "out"
    assert main(["bulletin", "--db", str(path), "--week", "2017-W16", "--out", str(out), "--user", "wang"]) == 2
    assert "issue the weekly bulletin" in capsys.readouterr().err
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("demo.sqlite*"))] == before
    monkeypatch.setenv("XINJIE_PASSWORD", "demo password")
    assert main(["bulletin", "--db", str(path), "--week", "2017-W16", "--out", str(out), "--user", "admin"]) == 0
    assert capsys.readouterr().out.strip().endswith("-2017-W16.pdf")
