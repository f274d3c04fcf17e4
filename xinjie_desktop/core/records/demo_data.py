"""Reproducible synthetic data for demonstrations, training and benchmarks.

Everything here is invented: the township is named "示例乡（演示数据）" and
marked as demo data in the store.  The same seed gives the same households,
names and ID numbers (Longyang District prefix 530502, valid check digits),
incomes around the income line, and every membership basis of ID-2.

These are the bulk households (fast rows, for benchmarks too).  The demo a newcomer opens, lived in
(agreements, notices, sync, backups…), is ``core.sync.demo_township``: a new capability adds its records
to that demo as a step of its ``STEPS``, not here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator

from sqlalchemy import delete, insert, select

from xinjie_desktop.core.records import households as household_rules
from xinjie_desktop.core.records import township
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import identification, membership
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, check_digit
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Base,
    Household,
    IncomeWorksheet,
    Member,
    Township,
    Village,
    VillagerGroup,
    WorkflowStep,
    utcnow,
)
from xinjie_desktop.i18n import _

REGION = "530502"  # 保山市隆阳区
DEMO_TOWNSHIP = "示例乡（演示数据）"
# What a laptop is shown to handle (scripts/benchmark.py: 100,000 households, about 2 minutes and a 1 GB
# data file); a township has some twenty villages.
MAX_HOUSEHOLDS = 100_000
MAX_VILLAGES = 200
SURNAMES = "杨李张王赵段刘陈黄杜字苏周何罗郭蔡董施尹"
GIVEN = "明华国荣福贵兰芳秀英春梅志强建军正德文永光海燕玉凤学成家发顺金桂云秋菊红丽平安兴旺"
VILLAGE_NAMES = "青山 松林 清水 石桥 新寨 大坪 河湾 龙潭 白岩 杨柳 竹园 梨树 沙坝 高田 双河 水井".split()
BASES_CYCLE = list(membership.EXCLUDED)

Progress = Callable[[int, int], bool]  # (done, total) -> keep going?


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _birth(rng: random.Random, age_low: int, age_high: int) -> dt.date:
    year = 2017 - rng.randint(age_low, age_high)
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


class _Numbers:
    """Unique ID numbers: the sequence digits never repeat for one birth date."""

    def __init__(self, region: str = REGION) -> None:
        self.used: dict[dt.date, int] = {}
        self.region = region

    def next(self, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        while True:
            n = self.used.get(birth, 0)
            if n < 500:  # 100 sequences × 5 sex digits of each parity
                self.used[birth] = n + 1
                first = f"{n // 5:02d}"
                digit = (n % 5) * 2 + (1 if sex == MALE else 0)
                number = f"{self.region}{birth:%Y%m%d}{first}{digit}"
                return number + check_digit(number), birth
            birth += dt.timedelta(days=1)


def _members(rng: random.Random, ids: Callable[[], str], numbers: _Numbers, size: int, index: int) -> list[Member]:
    surname = rng.choice(SURNAMES)
    head_sex = MALE if rng.random() < 0.8 else FEMALE
    people = []
    for position in range(size):
        if position == 0:
            relation, sex, birth = "head", head_sex, _birth(rng, 30, 75)
        elif position == 1:
            relation, sex, birth = "spouse", FEMALE if head_sex == MALE else MALE, _birth(rng, 28, 72)
        elif position == size - 1 and size >= 5:
            relation, sex, birth = "parent", rng.choice((MALE, FEMALE)), _birth(rng, 65, 90)
        else:
            relation, sex, birth = "child", rng.choice((MALE, FEMALE)), _birth(rng, 1, 25)
        number, birth = numbers.next(birth, sex)
        age = 2017 - birth.year
        basis = "resident"
        if relation == "child" and 16 <= age <= 24:
            basis = "student_supported" if rng.random() < 0.5 else "migrant_worker"
        elif relation == "parent":
            basis = "elder_rotating" if rng.random() < 0.3 else "resident"
        if position >= 2 and index % 7 == position:  # every membership basis appears
            basis = rng.choice(list(membership.BASES))
        schooling = "not_in_school"
        if relation == "child" and 6 <= age <= 12:
            schooling = "primary"
        elif relation == "child" and 13 <= age <= 15:
            schooling = "junior"
        labour = "none" if age < 16 or age > 70 else rng.choice(("normal", "normal", "skilled", "weak"))
        people.append(
            Member(
                id=ids(),
                position=position,
                name=_name(rng, surname if relation in ("head", "child") else None),
                id_number=number,
                relation=relation,
                sex=sex,
                birth_date=birth,
                ethnicity=rng.choice(("han", "han", "han", "yi", "bai", "dai")),
                education=rng.choice(("none", "primary", "junior", "senior")) if age >= 7 else "preschool",
                health=rng.choice(("healthy", "healthy", "healthy", "chronic", "serious", "disabled")),
                labour=labour,
                schooling=schooling,
                dibao=rng.random() < 0.25,
                membership_basis=basis,
                registered=basis in membership.INCLUDED or rng.random() < 0.02,
            )
        )
    return people


def counts_refused(households: int, villages: int) -> str | None:
    """Why these counts are refused, or None: 0..MAX_HOUSEHOLDS households, 1..MAX_VILLAGES villages."""
    if 0 <= households <= MAX_HOUSEHOLDS and 1 <= villages <= MAX_VILLAGES:
        return None
    return _(
        "Demo data has from 0 to {households} households and from 1 to {villages} villages "
        "(asked: {asked_households} households, {asked_villages} villages)."
    ).format(
        households=f"{MAX_HOUSEHOLDS:,}",
        villages=f"{MAX_VILLAGES:,}",
        asked_households=f"{households:,}",
        asked_villages=f"{villages:,}",
    )


def _check_counts(households: int, villages: int) -> None:
    reason = counts_refused(households, villages)
    if reason is not None:
        raise township.SetupError(reason)


def generate(
    store: Store,
    villages: int,
    households: int,
    seed: int,
    progress: Progress | None = None,
    *,
    keep_empty: int = 0,
) -> int:
    """Create the demo township and ``households`` households, in one transaction.  The first ``keep_empty``
    villages get none (the lived-in demo's laptops work there: core.sync.demo_township)."""
    _check_counts(households, villages)
    rng = random.Random(seed)
    id_rng = random.Random(f"record ids {seed}")  # the same seed gives the same UUIDs too

    def ids() -> str:
        return str(uuid.UUID(int=id_rng.getrandbits(128), version=4))

    groups_per_village = 4
    outline = {
        f"{VILLAGE_NAMES[i % len(VILLAGE_NAMES)]}{'' if i < len(VILLAGE_NAMES) else i // len(VILLAGE_NAMES) + 1}村": [
            f"第{g + 1}村民小组" for g in range(groups_per_village)
        ]
        for i in range(villages)
    }
    town_id = township.set_up(
        store, DEMO_TOWNSHIP, "示例乡易地扶贫搬迁指挥部（演示）", outline, is_demo=True, new_id=ids
    )
    with _removed_on_failure(store, town_id):
        filled = None
        if keep_empty:
            with store.session() as session:
                names = list(outline)[keep_empty:]
                filled = list(session.scalars(select(Village.id).where(Village.name.in_(names))))
        return _fill(store, rng, ids, _Numbers(), households, filled, progress)


def add_households(
    store: Store, households: int, seed: int, villages: list[str] | None = None, progress: Progress | None = None
) -> int:
    """Add ``households`` synthetic households to the villages already stored (or to ``villages``), in one
    transaction: a village laptop's demo work.  ID numbers come from a region of their own per seed."""
    _check_counts(households, 1)
    rng = random.Random(seed)
    id_rng = random.Random(f"record ids {seed}")

    def ids() -> str:
        return str(uuid.UUID(int=id_rng.getrandbits(128), version=4))

    return _fill(
        store, rng, ids, _Numbers(f"53{seed % 90 + 10:02d}{seed // 90 % 90 + 10:02d}"), households, villages, progress
    )


def _fill(
    store: Store,
    rng: random.Random,
    ids: Callable[[], str],
    numbers: _Numbers,
    households: int,
    village_ids: list[str] | None,
    progress: Progress | None,
) -> int:
    params = current()
    now = utcnow()
    device = store.device_id
    line_fen = int(params.income_lines[2016] * 100)
    with store.unit_of_work() as session:
        versions = store.journal.versions(session.connection())
        villages: dict[tuple[str, str], str | None] = {}  # household → village, for the journal
        refs = [ref for ref in township.groups(session) if village_ids is None or ref.village_id in village_ids]
        if not refs:
            raise ValueError("no villagers' group to add households to")
        chunk: dict[type[Base], list[dict[str, object]]] = {
            Household: [],
            Member: [],
            IncomeWorksheet: [],
            WorkflowStep: [],
        }
        for index in range(households):
            group = refs[index % len(refs)]
            size = rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7))
            household = Household(
                id=ids(),
                group_id=group.id,
                village_id=group.village_id,
                address=f"{group.village_name}{group.name}{rng.randint(1, 120)}号",
                phone=f"1{rng.choice((3, 5, 8))}{rng.randint(0, 999999999):09d}" if rng.random() < 0.8 else "",
                labour_willing=rng.random() < 0.95,
                national_number="",
                system_population=None,
                attribute=rng.choice(("general", "general", "general", "dibao", "wubao")),
                main_cause=rng.choice(
                    ("illness", "disability", "schooling", "labour", "capital", "skills", "transport")
                ),
                secondary_causes=rng.choice(("", "water", "land,capital", "skills")),
                identification_standard="national",
                exited=False,
                exit_year=None,
                helper_cadre=_name(rng),
                reconciliation_note="",
                moved_to_shop_or_row_house=rng.random() < 0.03,
                recheck_outcome="",
            )
            household.members = _members(rng, ids, numbers, size, index)
            actual = sum(1 for m in household.members if m.membership_basis in membership.INCLUDED) or 1
            per_capita = rng.gauss(line_fen, line_fen * 0.25)
            net = int(per_capita * actual)
            costs = rng.randint(0, 300_000)
            wage = int(max(0, net + costs) * rng.uniform(0.3, 0.7))
            transfer = rng.randint(0, 200_000) if net + costs - wage > 0 else 0
            business = max(0, net + costs - wage - transfer)
            household.incomes = [
                IncomeWorksheet(
                    id=ids(),
                    year=2016,
                    wage=wage,
                    business=business,
                    property_income=net + costs - wage - transfer - business,
                    transfer=transfer,
                    production_costs=costs,
                )
            ]
            stage = rng.random()
            steps = []
            last = (
                0
                if stage < 0.15
                else 1
                if stage < 0.25
                else 2
                if stage < 0.3
                else 3
                if stage < 0.4
                else 4
                if stage < 0.45
                else 5
            )
            day = dt.date(2016, 10, 8) + dt.timedelta(days=rng.randint(0, 20))
            for ordinal, (code, _label) in enumerate(identification.STEPS[:last]):
                omission = code == "proposed" and rng.random() < 0.1
                steps.append(
                    WorkflowStep(
                        id=ids(),
                        step=code,
                        ordinal=ordinal,
                        done_on=day,
                        done_by=_name(rng),
                        passed=True,
                        notes="家庭情况：" + rng.choice(("因病致贫", "缺劳力", "子女上学负担重", "住房困难")),
                        is_omission=omission,
                        omission_reason="上轮识别时外出务工未入户" if omission else "",
                        notice_place=f"{group.village_name}村委会公示栏" if code == "noticed" else "",
                        notice_end=day + dt.timedelta(days=7) if code == "noticed" else None,
                    )
                )
                day += dt.timedelta(days=8 if code == "noticed" else rng.randint(1, 6))
            household.steps = steps
            if last == 5:
                household.national_number = f"5305020{index:08d}"
                household.system_population = actual if rng.random() < 0.85 else actual + rng.choice((-1, 1))
                if rng.random() < 0.15:
                    household.exited, household.exit_year = True, 2016
            if household.moved_to_shop_or_row_house and rng.random() < 0.5:
                household.recheck_outcome = "已复核，符合条件"
            household.objections = []
            head = household.members[0]
            household.head_name, household.head_id_number = head.name, head.id_number
            household.actual_population = sum(1 for m in household.members if m.membership_basis in membership.INCLUDED)
            household.workflow_step = identification.state(steps)
            household.flags = flag_rules.encode(flag_rules.compute(household, params))
            household.search_text = household_rules.search_text(household)
            household.list_key = household_rules.list_key(group.village_name, group.name, household.head_name)
            _collect(chunk, household, now, device, versions)
            if len(chunk[Household]) >= 2000 or index == households - 1:
                connection = session.connection()
                for table, rows in chunk.items():
                    if rows:
                        session.execute(insert(table), rows)
                        store.journal.log(connection, table.__tablename__, rows, villages)
                    rows.clear()
                if progress is not None and not progress(index + 1, households):
                    raise InterruptedError("cancelled")
    return households


@contextlib.contextmanager
def _removed_on_failure(store: Store, town_id: str) -> Iterator[None]:
    """Cancelled or failed: undo ``township.set_up`` too, so the store is empty again, as it was."""
    try:
        yield
    except BaseException:
        with store.unit_of_work() as session:
            village_ids = select(Village.id).where(Village.township_id == town_id)
            group_ids = select(VillagerGroup.id).where(VillagerGroup.village_id.in_(village_ids))
            for ids_ in (village_ids, group_ids, select(Township.id).where(Township.id == town_id)):
                # never exported: the journal forgets them with the records
                store.journal.forget(session, ids_)
            session.execute(delete(VillagerGroup).where(VillagerGroup.village_id.in_(village_ids)))
            session.execute(delete(Village).where(Village.township_id == town_id))
            session.execute(delete(Township).where(Township.id == town_id))
        raise


def _collect(
    chunk: dict[type[Base], list[dict[str, object]]], household: Household, now: dt.datetime, device: str, versions: str
) -> None:
    stamp = {"created_at": now, "updated_at": now, "device_id": device, "sync_versions": versions}
    columns = [c.key for c in Household.__table__.columns if c.key not in stamp]
    chunk[Household].append({**{c: getattr(household, c) for c in columns}, **stamp})
    for table, records in (
        (Member, household.members),
        (IncomeWorksheet, household.incomes),
        (WorkflowStep, household.steps),
    ):
        names = [c.key for c in table.__table__.columns if c.key not in stamp and c.key != "household_id"]
        for record in records:
            chunk[table].append({**{c: getattr(record, c) for c in names}, "household_id": household.id, **stamp})


def signature_png(seed: int, width: int = 160, height: int = 48) -> bytes:
    """A signature-like stroke (a wave that differs with ``seed``) as a PNG with a transparent background: what the
    demo township, the self-test and the tests sign with.  The pixels are computed here and encoded by Pillow
    (reportlab's own dependency; its ``PIL.Image`` only: the frozen build leaves ``ImageDraw``'s fonts out)."""
    import io

    from PIL import Image

    ink, paper = bytes((20, 20, 60, 255)), bytes((255, 255, 255, 0))
    pixels = bytearray()
    for y in range(height):
        for x in range(width):
            wave = height / 2 + (height / 3) * (((x * (seed + 3)) // 11) % 7 - 3) / 3
            pixels += ink if abs(wave - y) <= 1.5 else paper
    out = io.BytesIO()
    Image.frombytes("RGBA", (width, height), bytes(pixels)).save(out, format="PNG")
    return out.getvalue()
