"""Issues 18 and 19: a relocation household's building progress (core.rules.building, core.records.building):
recorded in order, by the roles that may, paid by (按建房进度拨付, FD-1), travelling in bundles with the import's
checks."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import text

from funds_builders import SIGNED_ON, TODAY, relocation_agreement, relocation_household
from sync_world import file_state, group_of
from xinjie_desktop.core.records import accounts, agreements, audit, building, funds
from xinjie_desktop.core.records.building import BuildingError
from xinjie_desktop.core.records.funds import FundsError
from xinjie_desktop.core.rules import building as rules
from xinjie_desktop.core.rules import funds as funds_rules
from xinjie_desktop.core.rules.building import COMPLETION, FOUNDATION, MAIN_STRUCTURE, MOVED_IN, Reached
from xinjie_desktop.core.rules.permissions import PermissionRefused, Role
from xinjie_desktop.core.store.models import BuildingStage, Township
from xinjie_desktop.core.sync.importing import SyncError

PASSWORD = "a good password"


def files(store):
    path = store.path
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (path, path.with_name(path.name + "-wal"))
    )


@pytest.fixture
def household(store, group_id):
    with store.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    return relocation_household(store, group_id, 40, built=False)


def record(store, household_id, stage, on, today=TODAY):
    return building.record_stage(store, household_id, stage, on, "王芳", "现场查看", today=today)


# --- the rules, pure -------------------------------------------------------------------------------------------


def case(*recorded: tuple[str, dt.date], status: str = "signed", in_plan: bool = True) -> rules.BuildingCase:
    return rules.BuildingCase(in_plan, status, SIGNED_ON, tuple(Reached(s, d) for s, d in recorded))


def test_stages_in_order_each_after_the_one_before():
    """Issues 18/19: foundation, main structure, completion, moved in — each only after the one before."""
    assert rules.check_stage(case(), FOUNDATION, dt.date(2017, 5, 1), TODAY) == []
    (why,) = rules.check_stage(case(), MAIN_STRUCTURE, dt.date(2017, 5, 1), TODAY)
    assert "comes after “foundation laid (building started)”" in why
    built = ((FOUNDATION, dt.date(2017, 5, 1)), (MAIN_STRUCTURE, dt.date(2017, 5, 10)))
    (why,) = rules.check_stage(case(*built), MOVED_IN, dt.date(2017, 5, 20), TODAY)
    assert "“moved in” comes after “house completed”" in why  # moved in only after completion
    assert rules.check_stage(case(*built), COMPLETION, dt.date(2017, 5, 10), TODAY) == []  # the same day: fine
    (why,) = rules.check_stage(case(*built), MAIN_STRUCTURE, dt.date(2017, 5, 12), TODAY)
    assert "already recorded" in why
    assert rules.next_stage([Reached(s, d) for s, d in built]) == COMPLETION


def test_dates_never_go_backwards_nor_into_the_future_nor_before_the_signing():
    built = ((FOUNDATION, dt.date(2017, 5, 1)),)
    (why,) = rules.check_stage(case(*built), MAIN_STRUCTURE, dt.date(2017, 4, 30), TODAY)
    assert "cannot be dated before “foundation laid (building started)”, reached on 2017-05-01" in why
    (why,) = rules.check_stage(case(), FOUNDATION, TODAY + dt.timedelta(days=1), TODAY)
    assert "in the future" in why
    assert rules.check_stage(case(), FOUNDATION, TODAY, TODAY) == []  # today itself is not the future
    (why,) = rules.check_stage(case(), FOUNDATION, SIGNED_ON - dt.timedelta(days=1), TODAY)
    assert "before the relocation agreement was signed, on 2017-04-20" in why


def test_AG_1_RL_1_only_a_verified_household_with_its_agreement_signed():
    """RL-1: a relocation verified in scope; AG-1: the latest version of the relocation agreement signed (as the
    payments read it): none, a draft, a voided one are refused."""
    on = dt.date(2017, 5, 1)
    assert "not verified in scope" in rules.check_stage(case(in_plan=False), FOUNDATION, on, TODAY)[0]
    assert "no signed relocation agreement" in rules.check_stage(case(status=""), FOUNDATION, on, TODAY)[0]
    assert "not signed yet" in rules.check_stage(case(status="draft"), FOUNDATION, on, TODAY)[0]
    assert "voided" in rules.check_stage(case(status="voided"), FOUNDATION, on, TODAY)[0]


def test_order_of_a_household_s_stages_as_a_whole():
    day = dt.date(2017, 5, 1)
    assert rules.order_problem([Reached(FOUNDATION, day), Reached(MAIN_STRUCTURE, day)]) is None
    assert "without “main structure completed”" in rules.order_problem(
        [Reached(FOUNDATION, day), Reached(COMPLETION, day)]
    )
    assert "before “foundation laid" in rules.order_problem(
        [Reached(FOUNDATION, day), Reached(MAIN_STRUCTURE, day - dt.timedelta(days=1))]
    )


# --- the service ------------------------------------------------------------------------------------------------


def test_a_household_s_stages_recorded_with_who_and_the_evidence(store, household):
    record(store, household, FOUNDATION, dt.date(2017, 4, 25))
    record(store, household, MAIN_STRUCTURE, dt.date(2017, 5, 20))
    first, second = building.stages(store, household)
    assert (first.stage, first.reached_on, first.recorded_by, first.evidence) == (
        FOUNDATION,
        dt.date(2017, 4, 25),
        "王芳",
        "现场查看",
    )
    assert second.label == "main structure completed"
    assert building.next_stage(store, household) == COMPLETION
    with store.session() as session:  # journalled, like every travelling record
        journalled = session.execute(
            text("SELECT count(*) FROM change_log WHERE table_name = 'building_stage'")
        ).scalar()
    assert journalled == 2


@pytest.mark.parametrize(
    ("stage", "on", "message"),
    [
        (MAIN_STRUCTURE, dt.date(2017, 5, 1), "comes after"),  # out of order
        (FOUNDATION, dt.date(2017, 6, 2), "in the future"),
        (FOUNDATION, dt.date(2017, 4, 1), "before the relocation agreement was signed"),
    ],
)
def test_a_refused_stage_writes_nothing(store, household, stage, on, message):
    before = files(store)
    with pytest.raises(BuildingError, match=message):
        record(store, household, stage, on)
    assert files(store) == before


def test_AG_1_not_signed_refused_and_nothing_written(store, household):
    """A voided relocation agreement whose new version is not signed: the building waits for it (AG-1)."""
    agreements.void(store, relocation_agreement(store, household), "户主姓名录入有误", dt.date(2017, 4, 22))
    before = files(store)
    with pytest.raises(BuildingError, match="not signed yet"):
        record(store, household, FOUNDATION, dt.date(2017, 4, 25))
    assert files(store) == before


def test_RL_1_not_verified_in_scope_refused(store, group_id):
    outside = relocation_household(store, group_id, 60, in_scope=False)
    with pytest.raises(BuildingError, match="not verified in scope"):
        record(store, outside, FOUNDATION, dt.date(2017, 4, 25))
    assert building.stages(store, outside) == []


def test_roles_who_may_record_and_who_may_only_read(store, household):
    """Issue 17's roles: a work team and a village cadre record in their village, the township's administrator
    anywhere; another village's team and an auditor may not (nothing written); the auditor reads."""
    with store.session() as session:
        village = session.execute(text("SELECT village_id FROM household WHERE id = :h"), {"h": household}).scalar()
        other = session.execute(text("SELECT id FROM village WHERE id != :v LIMIT 1"), {"v": village}).scalar()
    accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(store, "admin", PASSWORD)
    accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, [village])
    accounts.create(store, "cadre", PASSWORD, Role.VILLAGE_CADRE, [village])
    accounts.create(store, "team2", PASSWORD, Role.WORK_TEAM, [other])
    accounts.create(store, "auditor", PASSWORD, Role.AUDITOR)
    for name in ("team2", "auditor"):
        accounts.login(store, name, PASSWORD)
        before = files(store)
        with pytest.raises(PermissionRefused):
            record(store, household, FOUNDATION, dt.date(2017, 4, 25))
        assert files(store) == before
    assert building.stages(store, household) == []  # the auditor reads
    for name, stage, on in (
        ("team", FOUNDATION, dt.date(2017, 4, 25)),
        ("cadre", MAIN_STRUCTURE, dt.date(2017, 5, 10)),
        ("admin", COMPLETION, dt.date(2017, 5, 20)),
    ):
        accounts.login(store, name, PASSWORD)
        record(store, household, stage, on)
    accounts.login(store, "auditor", PASSWORD)
    assert [s.stage for s in building.stages(store, household)] == [FOUNDATION, MAIN_STRUCTURE, COMPLETION]
    # Issue 17: the record of who did what names each one who recorded a stage, and the stage in words
    recorded = [e for e in audit.entries(store) if e.table == "building_stage"]
    assert sorted(e.account_name for e in recorded) == ["admin", "cadre", "team"]
    assert all(e.household_id == household for e in recorded)


# --- FD-1: paid by building progress -----------------------------------------------------------------------------


def test_FD_1_a_tranche_is_paid_only_once_its_stage_is_recorded(store, household):
    """按建房进度拨付: the tranche for a stage not recorded is refused, naming the stage and the household, and
    nothing is written; so is one dated before the stage was reached; recorded, it is paid."""
    fund = funds.record_fund(
        store,
        funds.FundDraft(
            funds_rules.CENTRAL_BUDGET, "中央预算内资金", dt.date(2017, 3, 28), Decimal(200000), "发改〔2017〕1号"
        ),
        today=TODAY,
    )
    before = files(store)
    with pytest.raises(FundsError) as refused:
        funds.record_payment(store, household, fund, FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY)
    assert "“foundation laid (building started)” is not recorded for the household of" in str(refused.value)
    with store.session() as session:
        head = session.execute(text("SELECT head_name FROM household WHERE id = :h"), {"h": household}).scalar()
    assert head in str(refused.value)
    assert files(store) == before
    record(store, household, FOUNDATION, dt.date(2017, 5, 6))
    with pytest.raises(FundsError, match="before the household of .* reached it on 2017-05-06"):
        funds.record_payment(store, household, fund, FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY)
    funds.record_payment(store, household, fund, FOUNDATION, dt.date(2017, 5, 6), Decimal(30000), today=TODAY)
    with pytest.raises(FundsError, match="“main structure completed” is not recorded"):
        funds.record_payment(store, household, fund, MAIN_STRUCTURE, dt.date(2017, 5, 20), Decimal(1), today=TODAY)
    assert len(funds.payments(store, household_id=household)) == 1


# --- travelling ---------------------------------------------------------------------------------------------------


@pytest.fixture
def town_and_laptop(world):
    town = world.township
    with town.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    household = relocation_household(town, group_of(town, "青山村"), 40, built=False)
    other = relocation_household(town, group_of(town, "绿水村"), 41, built=False)
    laptop = world.laptop(0)  # 青山村's
    world.import_into(laptop, world.export(town, to=laptop))
    return world, laptop, household, other


def test_stages_recorded_on_the_laptop_travel_to_the_township_and_back(town_and_laptop):
    world, laptop, household, _other = town_and_laptop
    record(laptop, household, FOUNDATION, dt.date(2017, 4, 25))
    record(laptop, household, MAIN_STRUCTURE, dt.date(2017, 5, 20))
    world.import_into(world.township, world.export(laptop))
    assert [(s.stage, s.reached_on, s.recorded_by) for s in building.stages(world.township, household)] == [
        (FOUNDATION, dt.date(2017, 4, 25), "王芳"),
        (MAIN_STRUCTURE, dt.date(2017, 5, 20), "王芳"),
    ]
    record(world.township, household, COMPLETION, dt.date(2017, 5, 28))  # the township records the next one
    world.import_into(laptop, world.export(world.township, to=laptop))
    assert [s.stage for s in building.stages(laptop, household)] == [FOUNDATION, MAIN_STRUCTURE, COMPLETION]


def test_a_hostile_bundle_with_a_stage_outside_the_laptop_s_villages_is_refused(town_and_laptop):
    """A tampered laptop writes a stage for a household of another village (bypassing the services): the township
    refuses the bundle, naming the record and its village, and its files stay byte-identical."""
    world, laptop, _household, other = town_and_laptop
    with world.township.session() as session:  # the other village's household, copied without its journal
        copied = [
            (table, dict(session.execute(text(query), {"h": other}).mappings().one()))
            for table, query in (
                ("village", "SELECT v.* FROM village v JOIN household h ON h.village_id = v.id WHERE h.id = :h"),
                (
                    "villager_group",
                    "SELECT g.* FROM villager_group g JOIN household h ON h.group_id = g.id WHERE h.id = :h",
                ),
                ("household", "SELECT * FROM household WHERE id = :h"),
            )
        ]
    with laptop.unit_of_work() as session:
        for table, row in copied:
            marks = ", ".join(":" + n for n in row)
            session.execute(text(f"INSERT OR IGNORE INTO {table} ({', '.join(row)}) VALUES ({marks})"), row)
        session.add(
            BuildingStage(household_id=other, stage=FOUNDATION, reached_on=dt.date(2017, 5, 1), recorded_by="x")
        )
    paths = world.export(laptop)
    before = file_state(world.township.path)
    with pytest.raises(SyncError, match="building_stage .* of 绿水村"):
        world.import_into(world.township, paths)
    assert file_state(world.township.path) == before
    assert building.stages(world.township, other) == []


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([(FOUNDATION, dt.date(2017, 5, 10)), (MAIN_STRUCTURE, dt.date(2017, 5, 1))], "before “foundation laid"),
        ([(FOUNDATION, dt.date(2017, 5, 1)), (MOVED_IN, dt.date(2017, 5, 9))], "“moved in” without"),
        ([(FOUNDATION, dt.date.today() + dt.timedelta(days=3))], "in the future"),
    ],
)
def test_a_hostile_bundle_with_stages_out_of_order_is_refused(town_and_laptop, stages, message):
    """Dates out of order, a stage skipped, a day in the future, written on the laptop bypassing the services: the
    township refuses the bundle naming the household and what is wrong; nothing is changed."""
    world, laptop, household, _other = town_and_laptop
    with laptop.unit_of_work() as session:
        for stage, on in stages:
            session.add(BuildingStage(household_id=household, stage=stage, reached_on=on, recorded_by="x"))
    paths = world.export(laptop)
    before = file_state(world.township.path)
    with pytest.raises(SyncError, match=f"records the building of the household of 杨明 out of order: .*{message}"):
        world.import_into(world.township, paths)
    assert file_state(world.township.path) == before
    assert building.stages(world.township, household) == []


def test_a_bundle_s_stage_out_of_order_with_the_township_s_own_is_refused(town_and_laptop):
    """The order is judged with the stages the township holds: the laptop's main structure dated before the
    foundation the township recorded is refused."""
    world, laptop, household, _other = town_and_laptop
    record(world.township, household, FOUNDATION, dt.date(2017, 5, 10))
    world.import_into(laptop, world.export(world.township, to=laptop))
    with laptop.unit_of_work() as session:
        session.add(
            BuildingStage(household_id=household, stage=MAIN_STRUCTURE, reached_on=dt.date(2017, 5, 2), recorded_by="x")
        )
    paths = world.export(laptop)
    before = file_state(world.township.path)
    with pytest.raises(SyncError, match="out of order"):
        world.import_into(world.township, paths)
    assert file_state(world.township.path) == before
