"""A township office and its village laptops, each a real store, passing real bundles (issue 5 tests)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from xinjie_desktop.core.records import township
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.sync import bundle_format, conflicts, device, exporting, importing
from xinjie_desktop.core.sync.device import sidecar_path
from xinjie_desktop.core.sync.workstore import open_store

VILLAGES = {"青山村": ["第一村民小组", "第二村民小组"], "绿水村": ["第一村民小组"], "白云村": ["第一村民小组"]}


class World:
    """``township`` and ``laptops`` (name → store); laptop i writes village i (and, with ``overlap``,
    the second laptop also village 0: two work teams in one village)."""

    def __init__(self, folder: Path, laptops: int = 2, overlap: bool = False) -> None:
        self.folder = folder
        self.stick = folder / "stick"
        self.stick.mkdir(parents=True, exist_ok=True)
        self.township = open_store(folder / "township.sqlite")
        township.set_up(self.township, "辛街乡", "辛街乡易地扶贫搬迁指挥部", VILLAGES)
        with self.township.session() as session:
            self.villages = dict(session.execute(text("SELECT name, id FROM village")).all())
        self.laptops: dict[str, Store] = {}
        for index, village in enumerate(list(VILLAGES)[:laptops]):
            name = f"{village}笔记本"
            laptop = open_store(folder / f"laptop-{index}.sqlite")
            scope = [self.villages[village]] + ([self.villages[list(VILLAGES)[0]]] if overlap and index else [])
            provision_laptop(self.township, laptop, name, scope, self.stick / f"provision-{index}")
            self.laptops[name] = laptop
            self.import_into(self.township, self.export(laptop))  # first contact: the township learns its keys
        for laptop in self.laptops.values():
            self.import_into(laptop, self.export(self.township, to=laptop))

    def laptop(self, index: int) -> Store:
        return list(self.laptops.values())[index]

    def export(self, store: Store, *, to: Store | None = None, full: bool = False) -> list[Path]:
        results = exporting.export(store, self.stick, full=full)
        return [r.path for r in results if to is None or r.peer.device_id == to.device_id]

    @staticmethod
    def import_into(store: Store, paths: list[Path]) -> list[importing.ImportResult]:
        return importing.import_bundles(store, paths)

    def sync(self, laptop: Store) -> None:
        """The laptop's stick goes to the township and back."""
        self.import_into(self.township, self.export(laptop))
        self.import_into(laptop, self.export(self.township, to=laptop))

    def close(self) -> None:
        for store in (self.township, *self.laptops.values()):
            store.close()


def provision_laptop(
    town: Store, laptop: Store, name: str, villages: list[str], folder: Path, *, replace_township: bool = False
) -> device.Provisioning:
    """Provision a laptop the one way there is (issue 13, case 11): the laptop writes its request, the
    officer at the township office confirms the laptop's fingerprint (as its screen shows it) and writes
    the certificate, the laptop accepts it after confirming the township office's fingerprint."""
    folder.mkdir(parents=True, exist_ok=True)
    request = folder / f"request-{uuid.uuid4().hex[:8]}.json"
    certificate = folder / f"certificate-{uuid.uuid4().hex[:8]}.json"
    device.write_request(laptop, request)
    device.provision(
        town, name, villages, certificate, request=request, fingerprint=device.identity(laptop).fingerprint
    )
    return device.accept_provisioning(
        laptop, certificate, township_fingerprint=device.identity(town).fingerprint, replace_township=replace_township
    )


def group_of(store: Store, village_name: str) -> str:
    """The first villagers' group of a village, by the village's name."""
    with store.session() as session:
        return session.execute(
            text(
                "SELECT villager_group.id FROM villager_group JOIN village ON village.id = villager_group.village_id "
                "WHERE village.name = :v ORDER BY villager_group.name LIMIT 1"
            ),
            {"v": village_name},
        ).scalar()


def edit(store: Store, household_id: str, **fields) -> None:
    """Change some fields of a household the way the editor saves it."""
    from xinjie_desktop.core.records import households

    with store.session() as session:
        draft = households.to_draft(households.load_household(session, household_id))
    for key, value in fields.items():
        setattr(draft, key, value)
    households.save(store, draft)


def household_field(store: Store, household_id: str, name: str):
    from xinjie_desktop.core.store.models import Household

    with store.session() as session:
        return getattr(session.get(Household, household_id), name)


def twin(store: Store, destination: Path) -> Store:
    """The same computer's data file in another folder, keeping its identity (test harness only: to
    import the same bundles in different orders into identical starting points)."""
    store.close()
    shutil.copyfile(store.path, destination)
    shutil.copyfile(sidecar_path(store.path), sidecar_path(destination))
    connection = sqlite3.connect(destination)
    home = json.loads(connection.execute("SELECT value FROM local_setting WHERE key = 'device_home'").fetchone()[0])
    home.update(path=str(destination.resolve()), inode=destination.stat().st_ino)
    connection.execute("UPDATE local_setting SET value = ? WHERE key = 'device_home'", (json.dumps(home),))
    connection.commit()
    connection.close()
    copy = open_store(destination)
    assert copy.device_id == open_store_id(store.path)
    return copy


def open_store_id(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT value FROM local_setting WHERE key = 'device_id'").fetchone()[0]
    finally:
        connection.close()


def file_state(path: Path) -> dict[str, bytes | None]:
    """The bytes of a data file and the files beside it that hold data: its write-ahead journal and
    identity file (not SQLite's shared-memory index, which readers of an open store update)."""
    state = {}
    for suffix in ("", "-wal", ".device"):
        candidate = Path(str(path) + suffix)
        state[suffix] = candidate.read_bytes() if candidate.exists() else None
    return state


def step_recorded_on_two_laptops(folder: Path) -> tuple[World, str, list[Path]]:
    """Two laptops sharing 青山村 each record a household's first identification step (a household holds
    each step once), neither knowing of the other.  The world, the household's id and the two laptops'
    bundles (not imported yet)."""
    import datetime as dt

    from builders import family_draft
    from xinjie_desktop.core.records import households
    from xinjie_desktop.core.rules import identification

    world = World(folder, overlap=True)
    qingshan, lushui = world.laptop(0), world.laptop(1)  # 绿水村笔记本 also writes 青山村
    household_id = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    world.import_into(world.township, world.export(qingshan))
    world.import_into(lushui, world.export(world.township, to=lushui))
    for laptop, who in ((qingshan, "李四"), (lushui, "王五")):
        households.record_step(
            laptop,
            household_id,
            identification.StepInput("proposed", dt.date(2017, 3, 1), who, notes=f"{who}：住房困难，子女上学"),
        )
    return world, household_id, [*world.export(qingshan), *world.export(lushui)]


def step_entered_twice(folder: Path) -> tuple[World, str]:
    """``step_recorded_on_two_laptops``, both imported at the township: the step with the lower id stays and
    the fields entered differently are listed (kind "twice").  The world and the household's id."""
    from xinjie_desktop.core.sync import importing

    world, household_id, paths = step_recorded_on_two_laptops(folder)
    importing.import_bundles(world.township, paths)
    return world, household_id


def agreement_numbered_on_two_computers(world: World) -> tuple[str, str]:
    """The household of 杨明 (青山村) has a demolition agreement drafted on 青山村笔记本 and synced; the laptop
    and the township then each draft its relocation agreement, numbered from the household's shared base:
    the same number on both.  The household's id and that number (the laptop's bundle not written yet)."""
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import text

    from builders import family_draft
    from xinjie_desktop.core.records import agreements, households, housing_plans
    from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate

    qingshan = world.laptop(0)
    household_id = households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    plan = PlanInput(
        people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True
    )  # drafts the demolition agreement
    housing_plans.save(qingshan, household_id, plan, calculate(plan, housing_plans.current()))
    agreements.draft(
        qingshan, household_id, "demolition", demolition_deadline=dt.date(2017, 12, 31), today=dt.date(2017, 6, 1)
    )
    world.sync(qingshan)
    numbers = set()
    for store in (qingshan, world.township):
        drafted = agreements.draft(store, household_id, "relocation", today=dt.date(2017, 6, 2))
        with store.session() as session:
            numbers.add(session.execute(text("SELECT number FROM agreement WHERE id = :a"), {"a": drafted}).scalar())
    (number,) = numbers
    return household_id, number


def set_income(store: Store, household_id: str, year: int, wage: str) -> None:
    """Enter (or change) a household's income worksheet of ``year`` in the household editor's way; an
    empty ``wage`` clears the year (its worksheet is deleted)."""
    from decimal import Decimal

    from xinjie_desktop.core.records import households
    from xinjie_desktop.core.records.households import IncomeDraft

    with store.session() as session:
        draft = households.to_draft(households.load_household(session, household_id))
    draft.incomes = [sheet for sheet in draft.incomes if sheet.year != year]
    if wage:
        draft.incomes.append(IncomeDraft(year=year, wage=Decimal(wage)))
    households.save(store, draft)


def import_in_order(store, paths: list[Path]) -> None:
    """Import every bundle; one refused for a gap is tried again after the others (as a person would)."""
    waiting = list(paths)
    while waiting:
        progress = False
        for path in list(waiting):
            try:
                importing.import_bundles(store, [path])
            except bundle_format.SyncError as error:
                assert "needs the bundle of" in str(error), str(error)
                continue
            waiting.remove(path)
            progress = True
        assert progress, "bundles left that nothing can precede"


def conflict_keys(store) -> list[tuple]:
    """Which fields are in conflict, of which kind, and the value in force.  (The values each store
    lists as losers are what it saw: a store that received two edits of one author before the delete
    lists the last, one that received the delete first lists both.)"""
    return sorted((c.id, c.kind, c.winner.value) for c in conflicts.listing(store, status=None))


class RecordIds:
    """The ids of new records (``change_log`` names every record a work store creates): random, as in the
    product, but within ``starting_with(digit)`` they start with that hex digit, so that a test decides
    which of two records has the lower id (which one of two is kept depends on it).  Installed by the ``record_ids`` fixture
    (tests/core/test_sync.py) in place of ``change_log.new_uuid``."""

    def __init__(self) -> None:
        self.first: str | None = None

    def __call__(self) -> str:
        made = str(uuid.uuid4())
        return made if self.first is None else self.first + made[1:]

    @contextlib.contextmanager
    def starting_with(self, first: str) -> Iterator[None]:
        before, self.first = self.first, first
        try:
            yield
        finally:
            self.first = before

    @staticmethod
    def ordered(lower: bool) -> tuple[str, str]:
        """The first hex digits for two records' ids, the first record's lower when ``lower``."""
        return ("0", "f") if lower else ("f", "0")
