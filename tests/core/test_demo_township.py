"""The demo township, lived in (issue 16, "Set-up and demo data"): a newcomer opening the demo finds every
screen filled, each item made by the services the window calls (core.sync.demo_township.STEPS)."""

from __future__ import annotations

import collections
import datetime as dt
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from xinjie_desktop.core.records import attachments, demolition, households, housing_plans, public_notice
from xinjie_desktop.core.rules import flags, identification, idnumber
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.models import (
    Agreement,
    DemolitionAcceptance,
    Household,
    Member,
    Objection,
    PublicNotice,
    RelocationVerification,
)
from xinjie_desktop.core.sync import board, conflicts, demo_township
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main

TODAY = dt.date(2026, 12, 7)
HOUSEHOLDS = 120


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo of 4 villages and 120 households, made once for the module; the time it took."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = open_store(path)
    started = time.perf_counter()
    made = demo_township.build(store, 4, HOUSEHOLDS, seed=3, today=TODAY)
    took = time.perf_counter() - started
    assert made == HOUSEHOLDS
    yield store, took
    store.close()


def test_the_households_asked_for_and_every_workflow_state(demo):
    """ID-5: a household at every state of the workflow, one not approved, one not started; PN-1: one posted
    household's objection waits for its re-verification, others were settled before entering."""
    store, _took = demo
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == HOUSEHOLDS
        states = set(session.scalars(select(Household.workflow_step)))
    assert {"", identification.REJECTED, *identification.STEP_CODES} <= states
    with store.session() as session:  # PN-1: objections raised during a household's notice
        settled = [o.resolved_on is not None for o in session.scalars(select(Objection))]
    assert settled.count(False) == 1 and settled.count(True) >= 2


def test_each_flag_kind_at_least_once(demo, params):
    """ID-1, ID-2, ID-3, ID-4, ID-6, ID-7, EX-1: each flag the rules know is on some household."""
    store, _took = demo
    with store.session() as session:
        codes = collections.Counter(c for f in session.scalars(select(Household.flags)) for c in f.split("|") if c)
    assert set(flags.FLAGS) <= set(codes), set(flags.FLAGS) - set(codes)
    with store.session() as session:  # the stored flags are the rules' (the services computed them)
        for household in session.scalars(select(Household)):
            full = households.load_household(session, household.id)
            found = flags.compute(full, params, households.duplicate_numbers(session, full))
            assert household.flags == flags.encode(found), household.head_name


def test_relocation_verifications_and_plans_current_and_out_of_date(demo):
    """RL-1 … RL-4 verifications saved; housing plans saved, one out of date since a child was born (HS-1)."""
    store, _took = demo
    with store.session() as session:
        verified = session.scalars(select(RelocationVerification.household_id)).all()
    assert len(verified) >= 6
    changes = {
        household_id: housing_plans.household_changes(store, household_id, plans[0].plan)
        for household_id in verified
        if (plans := housing_plans.saved_plans(store, household_id))
    }
    assert len(changes) == len(verified)
    out_of_date = [h for h, found in changes.items() if found]
    assert len(out_of_date) == 1 and len(changes) - 1 >= 5
    assert [fact for fact, _was, _now in changes[out_of_date[0]]] == ["people"]


def test_AG_1_AG_2_agreements_in_every_status_and_demolitions_due_overdue_accepted(demo):
    """AG-1: drafted, signed on screen, signed on paper with the scan kept (and filed with the household),
    one voided and re-issued as version 2; AG-1/AG-2 demolitions due, overdue and accepted."""
    store, _took = demo
    with store.session() as session:
        kept = session.scalars(select(Agreement)).all()
        accepted = session.scalars(select(DemolitionAcceptance.household_id)).all()
    statuses = collections.Counter(a.status for a in kept)
    assert {"draft", "signed", "voided"} <= set(statuses)
    signed = [a for a in kept if a.status == "signed"]
    assert {a.signing_method for a in signed} == {"screen", "paper"}
    on_paper = [a for a in signed if a.signing_method == "paper"]
    assert all(a.scan_sha256 and a.fingerprint for a in on_paper)
    assert any(a.purpose == "other" for a in attachments.listing(store, on_paper[0].household_id))
    (voided,) = [a for a in kept if a.status == "voided"]
    (reissued,) = [a for a in kept if a.supersedes_id == voided.id]
    assert reissued.version == 2 and reissued.number.endswith("-v2")

    overdue = demolition.overdue(store, TODAY)
    assert len(overdue) == 1 and overdue[0].days_overdue == 30
    due = [
        a
        for a in signed
        if a.kind == "demolition" and a.demolition_deadline >= TODAY and a.household_id not in accepted
    ]
    assert due and len(accepted) == 1


def test_PN_1_notice_with_objections_reverified_and_a_second_posting(demo):
    store, _took = demo
    with store.session() as session:
        village_id = session.scalars(select(PublicNotice.village_id)).first()
    first, second = public_notice.list_notices(store, village_id)
    assert (first.posting_round, second.posting_round) == (1, 2) and second.previous_id == first.id
    assert len(first.objections) == 2 and all(o.reverification for o in first.objections)


def test_a_conflict_and_a_possible_duplicate_wait_at_the_township(demo):
    """Made as real sync makes them: two demo laptops' bundles imported at the township office; the only ID
    number two households share is the one listed as a possible duplicate (ID-2)."""
    store, _took = demo
    (conflict,) = conflicts.listing(store)
    assert conflict.kind == "field" and conflict.field == "phone"
    (duplicate,) = conflicts.duplicates(store)
    assert len({h["village"] for h in duplicate["households"]}) == 2
    with store.session() as session:
        numbers = collections.Counter(session.scalars(select(Member.id_number)))
    assert [n for n, count in numbers.items() if count > 1] == [duplicate["id_number"]]
    assert all(idnumber.parse(n) for n in numbers)
    assert len(board.rows(store)) == 2  # the sync board shows both laptops


def test_a_backup_beside_the_data_file(demo):
    store, _took = demo
    assert any(b.reason == backups.MANUAL for b in backups.list_backups(store.path))


def test_the_same_seed_makes_the_same_township(demo, tmp_path):
    """Reproducible: the same records with the same ids (only the computers' keys, and so the device part of
    an agreement's number, and the times differ)."""
    store, _took = demo
    again = open_store(tmp_path / "again.sqlite")
    try:
        demo_township.build(again, 4, HOUSEHOLDS, seed=3, today=TODAY)

        def content(s):
            with s.session() as session:
                return (
                    session.execute(
                        select(Household.id, Household.head_name, Household.flags).order_by(Household.id)
                    ).all(),
                    [  # a number names the computer that drafted it: XJ-year-device-serial-kind-version
                        (agreement_id, number.split("-", 3)[3], status)
                        for agreement_id, number, status in session.execute(
                            select(Agreement.id, Agreement.number, Agreement.status).order_by(Agreement.id)
                        )
                    ],
                )

        assert content(again) == content(store)
    finally:
        again.close()


def test_few_households_make_the_bulk_only(tmp_path):
    store = open_store(tmp_path / "small.sqlite")
    try:
        assert demo_township.build(store, 1, 3, seed=1, today=TODAY) == 3
    finally:
        store.close()


def test_the_demo_data_command_builds_the_lived_in_township(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    assert main(["demo-data", "--db", str(path), "--villages", "2", "--households", "60"]) == 0
    assert "60" in capsys.readouterr().out
    store = open_store(path)
    try:
        assert conflicts.listing(store) and conflicts.duplicates(store)
    finally:
        store.close()


def test_building_the_demo_takes_seconds(demo, record_property):
    """Reported, not a benchmark: the lived-in steps add a few seconds to the bulk's households."""
    _store, took = demo
    record_property("demo_seconds", round(took, 2))
    assert took < 60


def test_WT_1_WT_2_WT_3_work_teams_in_every_state(demo):
    """Issue 20: the demo's teams as of its day: deadlines met, met late, due and overdue; households visited
    and not; team meetings held and missing; the township's leaders' meetings held and missing; weekly reports
    in, missing and one left a draft; checks good, short with its follow-up done (约谈) and open; photos kept."""
    from xinjie_desktop.core.records import work_teams
    from xinjie_desktop.core.rules import work_teams as wt

    store, _took = demo
    found = work_teams.report(store, wt.quarter_of(TODAY), TODAY)
    first = found.villages[0]
    states = {d.status for v in found.villages for m in v.members for d in m.deadlines}
    assert {wt.MET, wt.MET_LATE, wt.DUE, wt.OVERDUE} <= states
    assert first.coverage.visited and first.coverage.not_visited and first.photos >= 1
    assert wt.count(first.team_meetings, wt.HELD) and wt.count(first.team_meetings, wt.MISSING) == 2
    assert {p.state for p in first.reports} >= {wt.HELD, wt.MISSING}
    assert {p.state for p in found.leaders_meetings} >= {wt.HELD, wt.MISSING}
    assert {c.follow_up_state for c in first.checks} == {wt.FOLLOW_UP_NONE, wt.FOLLOW_UP_DONE, wt.FOLLOW_UP_OPEN}
    assert {c.kind for c in first.checks} == set(wt.CHECK_KINDS)
    with store.session() as session:
        drafts = session.execute(text("SELECT count(*) FROM weekly_report WHERE sent_on IS NULL")).scalar()
        pictured = session.execute(
            text(
                "SELECT r.sent_on IS NOT NULL, count(*) FROM weekly_report r JOIN weekly_report_photo p "
                "ON p.report_id = r.id GROUP BY r.id ORDER BY r.week_start"
            )
        ).all()
    assert drafts == 1
    assert [tuple(row) for row in pictured] == [(1, 2), (1, 2), (0, 1)]  # WT-2 "with pictures": sent and draft
    assert any(m.left_on is not None for m in first.members) or len(work_teams.members(store, first.village_id)) == 3


def test_WT_2_two_weekly_bulletins_kept(demo):
    """Issue 18, WT-2: the demo township holds last week's and this week's bulletins, the second comparing with
    the first."""
    from xinjie_desktop.core.records import bulletins

    store, _took = demo
    assert [b.week for b in bulletins.listing(store)] == ["2026-W50", "2026-W49"]
    assert all(b.pages >= 2 for b in bulletins.listing(store))


def test_FD_1_FD_2_FD_3_funds_payments_and_checks_in_every_state(demo):
    """Issue 19: funds of the earmarked sources and others, their paperwork done, done late, due and overdue, a
    loan replaced and one overdue; payments acknowledged on screen, on paper and not yet, one household paid all its
    agreement states; checks done, due and overdue; major problems reported in time, late and not yet."""
    from xinjie_desktop.core.records import funds
    from xinjie_desktop.core.rules import funds as rules

    store, _took = demo
    ledger = funds.ledger(store, TODAY)
    assert {line.source for line in ledger} >= rules.EARMARKED | {rules.DISTRICT, rules.SOCIAL}
    assert {line.paperwork.state for line in ledger} >= {rules.DONE, rules.DONE_LATE, rules.DUE, rules.OVERDUE}
    assert {line.replacement.state for line in ledger} >= {rules.DONE_LATE, rules.OVERDUE}
    assert all(line.balance >= 0 for line in ledger)
    paid = funds.payments(store)
    assert {p.acknowledgement for p in paid} == {"screen", "paper", ""}
    assert {p.tranche for p in paid} == set(rules.TRANCHES)
    totals = collections.Counter()
    for p in paid:
        totals[p.household_id] += p.amount
    assert any(
        funds.payment_case(store, h, paid[0].fund_id, Decimal(0)).agreement_total == total
        for h, total in totals.items()
    )
    board = funds.check_board(store, TODAY)
    states = {period.state for periods in board.periods.values() for period in periods}
    assert states == {rules.DONE, rules.DUE, rules.OVERDUE}
    reports = {f.report_state for f in funds.findings(store, dt.datetime.combine(TODAY, dt.time(12)))}
    assert reports >= {rules.ON_TIME, rules.LATE, rules.OVERDUE_UNREPORTED, ""}


def test_building_progress_in_every_stage_before_the_tranches_paid_by_it(demo):
    """Issues 18, 19: new houses just started, with the main structure up, completed and moved into; every tranche
    paid to a household follows a stage recorded for it on or before the payment's day (按建房进度拨付)."""
    from xinjie_desktop.core.records import building, funds
    from xinjie_desktop.core.rules import building as rules

    store, _took = demo
    with store.session() as session:
        ids = [r[0] for r in session.execute(text("SELECT DISTINCT household_id FROM building_stage"))]
    last = collections.Counter()
    for household_id in ids:
        stages = building.stages(store, household_id)
        assert [s.stage for s in stages] == list(rules.STAGES[: len(stages)])  # in order
        assert [s.reached_on for s in stages] == sorted(s.reached_on for s in stages)
        last[stages[-1].stage] += 1
    assert set(last) == set(rules.STAGES)
    for payment in funds.payments(store):
        reached = {s.stage: s.reached_on for s in building.stages(store, payment.household_id)}
        assert reached[payment.tranche] <= payment.paid_on
