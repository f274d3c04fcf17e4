"""The demo township, lived in: what a newcomer opening the demo sees on every screen.

``build`` makes the households of ``records.demo_data`` (the bulk: fast rows, for benchmarks too), then runs
``STEPS`` in order.  Each step makes its records through the services the window calls (``records.*``,
``sync.*``), with the rules they check: a service that refuses means the demo is wrong, never a row
written around it.  The steps, and what each shows:

- households at every workflow step, and one not approved (the workflow tab);
- each flag of ``rules.flags`` at least once (the list's flags column, the flags tab);
- relocation verifications (the relocation tab), saved housing plans, one out of date since the household
  changed (the calculator);
- agreements drafted, signed on screen, signed on paper with the scan kept, one voided and re-issued;
  demolitions due, overdue and accepted (the agreements tab);
- a public notice posted with objections re-verified, and its second posting (the village documents);
- the work teams (issue 20) of two villages, as of the demo's day: members arrived long ago, recently and
  just now (deadlines met, met late, due and overdue), one who left; helper-cadre pairings; visits this
  quarter and last, with photos, leaving some households not visited; weekly team meetings with two weeks
  missing, the township's leaders' meetings; weekly reports sent (two with photos of their own), one left a
  draft (with a photo), some weeks missing; checks by telephone, village visit and household visit, good,
  short with the follow-up done (约谈) and open;
- the building of the new houses of households whose agreements are signed (issues 18, 19): started, the main
  structure up, completed, moved in; those not signed have none (the relocation tab's 建房进度, the progress view);
- funds of every source, their paperwork and loans' replacement in every state, payments in tranches
  acknowledged on screen, on paper and not yet, one paid in full, and the checks held, overdue and due with
  their findings (issue 19: the funds window, ``funds report``);
- two demo laptops, provisioned as the township office does it, whose bundles the township imports:
  a household changed on both sides (a conflict) and a family entered twice (a possible duplicate)
  wait at the township (the conflicts view, the sync board);
- a backup beside the data file (the backups dialog).

**Every later capability adds its records here**: write ``def _your_records(demo: Demo) -> None`` that makes
them through its service, and append it to ``STEPS``.  ``tests/core/test_demo_township.py`` checks each
item above exists; add yours there too.

The same seed (and the same ``today``) gives the same records with the same ids (``models.record_ids``);
only the laptops' keys, bundle ids and times differ run to run.  The lived-in records need
``LIVED_IN_HOUSEHOLDS`` of the households asked for; with fewer, the demo is the bulk only.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from xinjie_desktop.core.records import (
    agreements,
    attachments,
    building,
    bulletins,
    demo_data,
    demolition,
    households,
    housing_plans,
    progress,
    public_notice,
    relocation,
    township,
)
from xinjie_desktop.core.records import funds as records_funds
from xinjie_desktop.core.records import work_teams as teams
from xinjie_desktop.core.records.households import HouseholdDraft, IncomeDraft, MemberDraft
from xinjie_desktop.core.rules import building as building_rules
from xinjie_desktop.core.rules import funds as funds_rules
from xinjie_desktop.core.rules import identification
from xinjie_desktop.core.rules import work_teams as team_rules
from xinjie_desktop.core.rules.housing_plan import REGISTERED, PlanInput, calculate
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, make
from xinjie_desktop.core.rules.relocation import VerificationDraft
from xinjie_desktop.core.store import backups
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Township, Village, record_ids
from xinjie_desktop.core.sync import device, exporting, importing
from xinjie_desktop.core.sync.workstore import open_store

# The households the steps below make (the rest of the households asked for are the bulk's).
LIVED_IN_HOUSEHOLDS = 22
REPRESENTATIVE = "段志强"
NOTICE_CONTACT = "村委会 杨书记 0875-2210001；乡易地扶贫搬迁指挥部 0875-2210000"

Progress = Callable[[int, int], bool]


@dataclass
class Demo:
    """What the steps share: the township's store, the seeded randomness, the day the demo is made for, a
    scratch folder (the laptops, the USB stick, the scans; removed afterwards) and what earlier steps made."""

    store: Store
    rng: random.Random
    today: dt.date
    folder: Path
    groups: list[township.GroupRef]
    made: dict[str, list[str]] = field(default_factory=dict)  # step's name → household ids
    _numbers: list[str] = field(default_factory=list)

    def number(self, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        """A valid ID number no bulk household holds (sequences 90–99 of a birth date; the bulk's stay low),
        and the birth date it says (the next free day when ten were born on ``birth``)."""
        while True:
            sequence = 90 + sum(1 for used in self._numbers if used[6:14] == f"{birth:%Y%m%d}")
            if sequence <= 99:
                break
            birth += dt.timedelta(days=1)
        number = make(demo_data.REGION, birth, sequence, sex)
        self._numbers.append(number)
        return number, birth

    def family(self, group: township.GroupRef, size: int = 4, **fields: object) -> HouseholdDraft:
        """A household as a cadre types it: head, spouse, children (and a parent); income below the line."""
        rng = self.rng
        surname = rng.choice(demo_data.SURNAMES)
        head_sex = MALE if rng.random() < 0.8 else FEMALE
        members = []
        for position in range(size):
            if position == 0:
                relation, sex, year = "head", head_sex, rng.randint(1960, 1982)
            elif position == 1:
                relation, sex, year = "spouse", FEMALE if head_sex == MALE else MALE, rng.randint(1962, 1984)
            elif position == 4:
                relation, sex, year = "parent", rng.choice((MALE, FEMALE)), rng.randint(1935, 1950)
            else:
                relation, sex, year = "child", rng.choice((MALE, FEMALE)), rng.randint(2003, 2012)
            number, birth = self.number(dt.date(year, rng.randint(1, 12), rng.randint(1, 28)), sex)
            given = "".join(rng.choice(demo_data.GIVEN) for _ in range(rng.choice((1, 2))))
            members.append(
                MemberDraft(
                    name=(surname if relation in ("head", "child") else rng.choice(demo_data.SURNAMES)) + given,
                    id_number=number,
                    relation=relation,
                    sex=sex,
                    birth_date=birth,
                    education="primary" if relation == "child" else "junior",
                    labour="none" if relation in ("child", "parent") else "normal",
                    schooling="primary" if relation == "child" and year >= 2005 else "not_in_school",
                )
            )
        draft = HouseholdDraft(
            group_id=group.id,
            address=f"{group.village_name}{group.name}{rng.randint(1, 120)}号",
            phone=f"139{rng.randint(0, 99_999_999):08d}",
            attribute="general",
            main_cause=rng.choice(("illness", "schooling", "skills", "transport")),
            identification_standard="national",
            helper_cadre=demo_data._name(rng),
            members=members,
            incomes=[IncomeDraft(year=2016, wage=Decimal(2400 * size + rng.randint(0, 400)))],
        )
        for name, value in fields.items():
            setattr(draft, name, value)
        return draft

    def group(self, index: int) -> township.GroupRef:
        return self.groups[index % len(self.groups)]

    def save(self, step: str, draft: HouseholdDraft) -> str:
        household_id = households.save(self.store, draft)
        self.made.setdefault(step, []).append(household_id)
        return household_id

    def through(self, household_id: str, last: str, *, rejected_at: str = "", objection: str = "") -> None:
        """Record the workflow's steps up to ``last`` as the workflow tab does (ID-5, PN-1); ``objection``:
        raised while the household's result is posted, re-verified before the household is entered."""
        day = dt.date(2016, 10, 10) + dt.timedelta(days=self.rng.randint(0, 10))
        for code in identification.STEP_CODES[: identification.STEP_CODES.index(last) + 1]:
            noticed = code == "noticed"
            if code == "entered" and objection:
                with self.store.session() as session:
                    raised = households.existing_household(session, household_id).objections[-1].id
                households.resolve_objection(
                    self.store, raised, day - dt.timedelta(days=1), "入户复核：情况属实，维持评议结果"
                )
            households.record_step(
                self.store,
                household_id,
                identification.StepInput(
                    code,
                    day,
                    demo_data._name(self.rng),
                    passed=code != rejected_at,
                    notes="家庭情况：住房困难，子女上学负担重" if code == "proposed" else "",
                    notice_place="村委会公示栏" if noticed else "",
                    notice_end=day + dt.timedelta(days=7) if noticed else None,
                    national_number=f"53050299{self.rng.randint(0, 9_999_999):07d}" if code == "entered" else "",
                ),
            )
            if noticed and objection:
                households.add_objection(self.store, household_id, day + dt.timedelta(days=2), "村民杨某", objection)
            day += dt.timedelta(days=8 if noticed else 3)


def _workflow(demo: Demo) -> None:
    """One household at each state of the identification workflow, and one not approved at the audit."""
    demo.save("not started", demo.family(demo.group(0)))
    for index, (code, _label) in enumerate(identification.STEPS):
        household_id = demo.save(code, demo.family(demo.group(index)))
        # the one posted has an objection waiting for its re-verification; the one entered had one, settled
        demo.through(
            household_id, code, objection="该户子女在外务工，收入较高" if code in ("noticed", "entered") else ""
        )
    household_id = demo.save("rejected", demo.family(demo.group(1)))
    demo.through(household_id, "audited", rejected_at="audited")


def _flags(demo: Demo) -> None:
    """Each flag of rules.flags on some household, as the editor's save computes them."""
    # ID-3: a member living with the household left out of the identification.
    draft = demo.family(demo.group(2), 5)
    draft.members[3].registered = False
    demo.save("partial_household", draft)
    # ID-4: the national system counts one person more; ID-6: registered although above the line.
    draft = demo.family(demo.group(3), national_number="5305029900001", system_population=5)
    draft.incomes = [IncomeDraft(year=2016, wage=Decimal(30_000))]
    household_id = demo.save("population_differs", draft)
    demo.through(household_id, "entered")
    reconciliation = demo.folder / "人口核对说明.jpg"
    reconciliation.write_bytes(b"\xff\xd8\xff\xe0 demo scan: the village's note on the population \xff\xd9")
    attachments.attach(demo.store, household_id, reconciliation, "reconciliation", "村委会出具的人口核对说明")
    # EX-1: most members on dibao, exited while still below the line.
    draft = demo.family(demo.group(4), 3, exited=True, exit_year=2016, attribute="dibao")
    for member in draft.members:
        member.dibao = True
    demo.save("wrongly_exited", draft)
    # ID-7: moved to a shop house at a resettlement site, not re-checked yet.
    demo.save("recheck_pending", demo.family(demo.group(5), moved_to_shop_or_row_house=True))
    # ID-2: a birth date typed that the ID number contradicts (a warning: the save keeps it, flagged).
    draft = demo.family(demo.group(6))
    member = draft.members[2]
    if member.birth_date is not None:
        member.birth_date = member.birth_date.replace(day=member.birth_date.day % 28 + 1)
    demo.save("id_mismatch", draft)


def _relocation_and_plans(demo: Demo) -> None:
    """Relocation verifications (RL-1 … RL-4) and saved housing plans of households entered in the system;
    one plan saved before a child was born, so out of date."""
    for index in range(8):
        group = demo.group(index)
        household_id = demo.save("relocation", demo.family(group, 4 + index % 2))
        demo.through(household_id, "entered", objection="该户另有住房" if index % 3 == 0 else "")
        centralised = index % 3 != 2
        relocation.save(
            demo.store,
            household_id,
            VerificationDraft(
                in_scope=True,
                area_category=("harsh", "geohazard", "infrastructure")[index % 3],
                area_reason="房屋位于滑坡隐患点上方，交通不便，不具备就地发展条件。",
                mode="centralised" if centralised else "dispersed",
                site=f"{group.village_name}集中安置点" if centralised else f"{group.village_name}{group.name}",
                building_mode="unified" if centralised else "unified_joint",
                latitude=f"25.1{index:02d}0",
                longitude=f"99.1{index:02d}0",
                notice_start=dt.date(2017, 4, 14),
                notice_end=dt.date(2017, 4, 21),
                notice_place=f"{group.village_name}村委会公示栏",
                secretary="张建华",
                secretary_signed_on=dt.date(2017, 4, 22),
                director="李国强",
                director_signed_on=dt.date(2017, 4, 22),
                team_leader="王志明",
                team_leader_signed_on=dt.date(2017, 4, 22),
                submitted_on=dt.date(2017, 4, 23),
            ),
            REGISTERED,
        )
        people = 4 + index % 2
        plan = PlanInput(
            people=people, unit_cost=Decimal(1000 + 50 * index), layout=25 * people, demolition_signed=True
        )
        housing_plans.save(demo.store, household_id, plan, calculate(plan, housing_plans.current()))
    # The last one's family grew after its plan was saved: the calculator says the plan is out of date.
    household_id = demo.made["relocation"][-1]
    with demo.store.session() as session:
        draft = households.to_draft(households.existing_household(session, household_id))
    number, birth = demo.number(dt.date(2017, 5, 3), MALE)
    draft.members.append(
        MemberDraft(
            name=draft.members[0].name[0] + "小宝",
            id_number=number,
            relation="child",
            sex=MALE,
            birth_date=birth,
            education="preschool",
            labour="none",
        )
    )
    households.save(demo.store, draft)
    demo.made["plan out of date"] = [household_id]


def _agreements(demo: Demo) -> None:
    """The agreements of the first seven planned households (AG-1 … AG-3): drafted only; signed on screen;
    signed on paper with its scan; one voided and re-issued; demolitions due, overdue and accepted."""
    store, today = demo.store, demo.today
    with store.unit_of_work() as session:  # the township's representative, as the set-up's settings hold him
        town = session.scalars(select(Township)).one()
        town.representative = town.representative or REPRESENTATIVE
    scan = demo.folder / "签字协议扫描件.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 demo scan of the agreements signed on paper \xff\xd9")
    photo = demo.folder / "旧房拆除验收照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 demo photo of the cleared site \xff\xd9")
    planned = demo.made["relocation"]
    cases = ["drafted", "screen", "paper", "voided", "due", "overdue", "accepted"]
    for household_id, case in zip(planned, cases, strict=False):
        drafted_on = today - dt.timedelta(days=150 if case == "overdue" else 60)
        deadline = today - dt.timedelta(days=30) if case == "overdue" else today + dt.timedelta(days=120)
        agreements.draft_missing(store, household_id, demolition_deadline=deadline, today=drafted_on)
        demo.made.setdefault("agreements " + case, []).append(household_id)
        if case == "drafted":
            continue
        signed_on = drafted_on + dt.timedelta(days=5)
        with store.session() as session:
            head = households.existing_household(session, household_id).head_name
        for info in agreements.current_agreements(store, household_id).values():
            if case == "paper":
                agreements.sign_on_paper(store, info.id, scan, True, signed_on)
            else:
                agreements.sign_on_screen(
                    store,
                    info.id,
                    {
                        "household_head": (head, demo_data.signature_png(1)),
                        "representative": (REPRESENTATIVE, demo_data.signature_png(2)),
                        "witness": ("李四", demo_data.signature_png(3)),
                    },
                    signed_on,
                )
        if case == "paper":  # the signed pages, kept with the household's files too
            attachments.attach(store, household_id, scan, "other", "协议签字页扫描件（纸质签署，按手印）")
        if case == "voided":
            relocation_agreement = agreements.current_agreements(store, household_id)["relocation"]
            agreements.void(
                store, relocation_agreement.id, "户主姓名录入有误，作废重签", signed_on + dt.timedelta(days=3)
            )
        if case == "accepted":
            demolition.accept(
                store,
                household_id,
                signed_on + dt.timedelta(days=40),
                "王志明",
                photo,
                True,
                "",
                "farmland",
                today=today,
            )


def _notices(demo: Demo) -> None:
    """A public notice of the identification results (PN-1) with two objections, both re-verified, and the
    township's audit posted a second time."""
    store = demo.store
    group = demo.group(0)
    village_households = [
        household_id
        for step in ("proposed", "audited", "evaluated", "noticed", "entered", "relocation")
        for household_id in demo.made.get(step, [])
        if _village_of(store, household_id) == group.village_id
    ]
    start, end = dt.date(2017, 3, 6), dt.date(2017, 3, 13)
    place = f"{group.village_name}村委会公示栏、{group.name}活动室"
    notice_id = public_notice.create_notice(
        store, group.village_id, None, "identification", village_households, place, start, end, NOTICE_CONTACT
    )
    objections = [
        public_notice.record_objection(
            store, notice_id, village_households[0], start + dt.timedelta(days=2), "李四", "该户在城里有商品房"
        ),
        public_notice.record_objection(
            store, notice_id, None, start + dt.timedelta(days=4), "匿名", "某户家中有人在外务工，收入较高"
        ),
    ]
    for number, objection in enumerate(objections):
        public_notice.reverify(
            store, objection, "入户复核：情况不属实，维持公示结果", end + dt.timedelta(days=1 + number)
        )
    public_notice.second_posting(
        store,
        notice_id,
        end + dt.timedelta(days=3),
        end + dt.timedelta(days=4),
        end + dt.timedelta(days=11),
        place,
        NOTICE_CONTACT,
    )


def _demo_photo(number: int) -> bytes:
    """A small picture standing for a visit's photo (a coloured card with the visit's number)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), ((40 * number) % 255, 140, (90 + 30 * number) % 255))
    ImageDraw.Draw(image).rectangle((200, 200, 1400, 1000), outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _work_teams(demo: Demo) -> None:
    """The work teams (WT-1 to WT-3) of the first two villages, as of the demo's day, in every state."""
    store, today, rng = demo.store, demo.today, demo.rng
    quarter = team_rules.quarter_of(today)
    first, second = demo.groups[0].village_id, demo.group(1).village_id
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    roster: dict[str, list[tuple[str, str, str, int, int | None, str]]] = {
        first: [
            ("杨志强", "区农业农村局", "leader", 130, None, "13987551001"),
            ("李文华", "区教育体育局", "first_secretary", 45, None, "13987551002"),
            ("赵明", "区林业和草原局", "member", 20, None, "13987551003"),
            ("周建国", "区交通运输局", "member", 400, 200, "13987551004"),
        ],
        second: [("王丽", "区卫生健康局", "leader", 90, None, "13987552001")],
    }
    members: dict[str, list[str]] = {}
    for village, people in roster.items():
        for name, unit, role, arrived, left, phone in people:
            members.setdefault(village, []).append(
                teams.add_member(
                    store,
                    village,
                    teams.MemberDraft(name, ago(arrived), unit, role, phone, ago(left) if left is not None else None),
                )
            )
    leader, secretary, newcomer = members[first][:3]
    # WT-1 tasks reported: the village known in time, the causes list late, the plan not yet (overdue for the
    # leader, due for the others), the village rules done.
    teams.record_task(store, first, team_rules.VILLAGE_KNOWN, ago(110), "村情简介、村组户分布图", today)
    teams.record_task(store, first, team_rules.CAUSES_LIST, ago(95), "致贫原因清单（逐户）", today)
    teams.record_task(store, first, team_rules.VILLAGE_RULES, ago(12), "村规民约（村民代表大会通过）", today)
    teams.record_task(store, second, team_rules.VILLAGE_KNOWN, ago(70), "村情简介", today)
    poor = {village: teams.poor_households(store, village) for village in (first, second)}
    for number, household_id in enumerate(poor[first]):
        teams.pair(store, (leader, secretary, newcomer)[number % 3], household_id, ago(40 if number % 3 else 120))
    # Visits: most of the first village's households this quarter (some with photos), a few left; last quarter's.
    kinds = list(team_rules.VISIT_KINDS)
    days_in = (today - quarter.first_day).days
    left_out = max(1, len(poor[first]) // 5)
    photo = 0
    for number, household_id in enumerate(poor[first]):
        seen = [leader] if number % 2 else [secretary, newcomer]
        previous = quarter.first_day - dt.timedelta(days=10 + number)
        teams.record_visit(
            store,
            teams.VisitDraft(household_id, previous, "situation", (leader,), "了解家庭基本情况，核对人口"),
            today=today,
        )
        if number >= len(poor[first]) - left_out:
            continue
        photos = []
        if number % 3 == 0:
            photo += 1
            photos.append(_demo_photo(photo))
        teams.record_visit(
            store,
            teams.VisitDraft(
                household_id,
                quarter.first_day + dt.timedelta(days=rng.randint(0, max(days_in, 0))),
                kinds[number % len(kinds)],
                tuple(seen),
                "入户走访，填写扶贫手册，讲解易地扶贫搬迁政策",
                "帮助联系务工岗位" if number % 4 == 0 else "",
            ),
            photos,
            today=today,
        )
    for household_id in poor[second][:3]:
        teams.record_visit(
            store,
            teams.VisitDraft(household_id, max(quarter.first_day, ago(3)), "policy", (members[second][0],), "宣传政策"),
            today=today,
        )
    # Meetings: the first village's team every week of the quarter but two; the township's leaders monthly
    # (the current month not yet), the all-member meeting of last quarter.
    weeks = [w for w in team_rules.weeks_of(quarter) if w[0] <= today]
    for index, (monday, _sunday) in enumerate(weeks):
        if index in (2, 5):
            continue
        held = min(monday + dt.timedelta(days=4), today)
        teams.record_meeting(
            store,
            teams.MeetingDraft(
                team_rules.TEAM_MEETING,
                held,
                first,
                ("杨志强", "李文华", "赵明"),
                "通报本周遍访进度，研究未走访户的安排。",
                (teams.Decision("完成未走访户的走访", "赵明", held + dt.timedelta(days=7)),),
            ),
            today=today,
        )
    for year, month in quarter.months():
        day = dt.date(year, month, 25)
        if day < today and (year, month) not in ((today.year, today.month), quarter.months()[0]):  # one missing
            teams.record_meeting(
                store,
                teams.MeetingDraft(team_rules.LEADERS_MEETING, day, None, ("杨志强", "王丽"), "各村遍访进度"),
                today=today,
            )
    teams.record_meeting(
        store,
        teams.MeetingDraft(
            team_rules.ALL_MEMBERS_MEETING, quarter.first_day - dt.timedelta(days=5), None, ("全体驻村工作队员",)
        ),
        today=today,
    )
    # Weekly reports: sent for most ended weeks, one left a draft, the rest missing.
    for index, (monday, sunday) in enumerate(weeks):
        if sunday >= today or index in (3, 6):
            continue
        text = teams.draft_report_text(store, first, monday)
        # WT-2 "with pictures": the first two sent reports carry photos of their own, the draft one too.
        pictures = [
            (f"周报照片{monday:%m%d}-{n + 1}.jpg", _demo_photo(40 + index * 2 + n))
            for n in range(2 if index < 2 else 1)
            if index in (0, 1, 4)
        ]
        teams.save_report(store, first, monday, text, send=index != 4, today=sunday, photos=pictures)
    # Checks (WT-3): a good telephone call, a village visit that found a shortfall followed up (约谈), a
    # household visit that found the member away, its follow-up still open.
    teams.record_check(
        store,
        teams.CheckDraft(first, ago(30), team_rules.TELEPHONE, "乡督查组 张科长", team_rules.GOOD, member_id=leader),
        today=today,
    )
    teams.record_check(
        store,
        teams.CheckDraft(
            first,
            ago(20),
            team_rules.VILLAGE_VISIT,
            "乡督查组 张科长",
            team_rules.SHORTFALL,
            member_id=secretary,
            findings="遍访台账不完整",
            follow_up="已约谈，限期补齐台账",
            follow_up_done_on=ago(18),
            talked_to=True,
        ),
        today=today,
    )
    teams.record_check(
        store,
        teams.CheckDraft(
            first,
            ago(5),
            team_rules.HOUSEHOLD_VISIT,
            "乡纪委 刘书记",
            team_rules.ABSENT,
            member_id=newcomer,
            household_id=poor[first][0],
            findings="户主反映本月未见到帮扶干部",
        ),
        today=today,
    )


def _building(demo: Demo) -> None:
    """Issues 18, 19: the new houses of the households whose relocation agreements are signed, at every stage —
    just started, the foundation laid long ago and the main structure up, completed, moved in — recorded before the
    funds' tranches are paid by them (按建房进度拨付); the drafted and voided ones have no stage (not signed)."""
    store, today = demo.store, demo.today
    evidence = {
        building_rules.FOUNDATION: "地基验收照片已存档，村委会见证",
        building_rules.MAIN_STRUCTURE: "主体封顶，工作队现场查看",
        building_rules.COMPLETION: "竣工验收合格",
        building_rules.MOVED_IN: "户主签字确认入住",
    }
    progress_by_case = {
        "screen": (52, 32, 6),  # completed, not moved in
        "paper": (22,),  # building
        "due": (3,),  # just started
        "overdue": (100, 70),  # the main structure up
        "accepted": (52, 36, 22, 12),  # moved in
    }
    for case, days in progress_by_case.items():
        household_id = demo.made["agreements " + case][0]
        for stage, ago in zip(building_rules.STAGES, days, strict=False):
            building.record_stage(
                store, household_id, stage, today - dt.timedelta(days=ago), "王志明", evidence[stage], today=today
            )
        state = ("building", "building", "completed", "moved in")[len(days) - 1]
        demo.made.setdefault("building " + state, []).append(household_id)


def _funds(demo: Demo) -> None:
    """Issue 19 (FD-1 to FD-3): funds of every source kind received, their paperwork done, done late, overdue and
    due, a loan replaced late and one not replaced; payments in tranches to the households whose agreements are
    signed, acknowledged on screen, on paper and not yet, one household paid in full, one whose agreement was voided
    after its first tranche (nothing more until the new version is signed); the checks of FD-2 held, overdue and
    due, with findings: major ones reported at the 24th hour, late and not yet, minor ones rectified and open."""
    store, today = demo.store, demo.today

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    def fund(source: str, name: str, arrived: int, amount: int, **fields: str) -> str:
        return records_funds.record_fund(
            store,
            records_funds.FundDraft(
                source=source,
                name=name,
                arrived_on=ago(arrived),
                amount=Decimal(amount),
                plan_document=fields.get("plan", ""),
                fund_document=fields.get("fund", ""),
                account=fields.get("account", "辛街乡财政所易地扶贫搬迁资金专户"),
                use=fields.get("use", "建档立卡搬迁户建房补助"),
                units="辛街乡易地扶贫搬迁指挥部",
            ),
            today=today,
        )

    central = fund(
        funds_rules.CENTRAL_BUDGET,
        "中央预算内易地扶贫搬迁资金（第一批）",
        75,
        2_000_000,
        plan="保发改投资〔2017〕58号",
        fund="保财建〔2017〕21号",
    )
    debt = fund(funds_rules.LOCAL_DEBT, "地方政府债务资金（易地扶贫搬迁）", 60, 800_000, fund="云财债〔2017〕12号")
    special = fund(funds_rules.SPECIAL_CONSTRUCTION, "专项建设基金", 30, 500_000, plan="发改专项〔2017〕3号")
    fund(funds_rules.DISTRICT, "隆阳区财政配套资金", 3, 300_000, fund="隆财农〔2017〕9号", use="同步搬迁户建房补助")
    loan_replaced = fund(
        funds_rules.LOW_COST_LOAN, "农发行低成本长期贷款（第一批）", 120, 600_000, fund="农发贷〔2017〕5号"
    )
    fund(funds_rules.LOW_COST_LOAN, "农发行低成本长期贷款（第二批）", 100, 400_000, fund="农发贷〔2017〕8号")
    social = fund(funds_rules.SOCIAL, "东西部扶贫协作帮扶资金", 20, 100_000, use="搬迁户入住生活用品")
    try:  # the central funds' paperwork done on its last day (the 7th working day), the local debt's late
        on_time = funds_rules.paperwork_due(ago(75))
    except funds_rules.CalendarNotCovered:
        on_time = ago(74)
    for fund_id, done in ((central, on_time), (debt, ago(40)), (loan_replaced, ago(110))):
        records_funds.record_paperwork(store, fund_id, done)
    records_funds.record_replacement(store, loan_replaced, ago(90))

    def pay(household_id: str, fund_id: str, tranche: str, days: int, share: Decimal) -> str:
        case = records_funds.payment_case(store, household_id, fund_id, Decimal(0))
        amount = (case.agreement_total * share).quantize(Decimal("0.01"))
        if share == 1:  # the rest of what the agreement states
            amount = case.agreement_total - case.paid_before
        return records_funds.record_payment(store, household_id, fund_id, tranche, ago(days), amount, today=today)

    def head(household_id: str) -> str:
        with store.session() as session:
            return households.existing_household(session, household_id).head_name

    scan = demo.folder / "拨付签收单扫描件.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 demo scan of a payment receipt signed on paper \xff\xd9")
    third = Decimal("0.3")
    on_screen = demo.made["agreements screen"][0]
    first = pay(on_screen, central, funds_rules.FOUNDATION, 50, third)
    records_funds.acknowledge_on_screen(store, first, head(on_screen), demo_data.signature_png(4), ago(49))
    second = pay(on_screen, central, funds_rules.MAIN_STRUCTURE, 30, third)
    records_funds.acknowledge_on_paper(store, second, head(on_screen), scan, ago(28))
    pay(on_screen, debt, funds_rules.COMPLETION, 5, Decimal("0.2"))  # not acknowledged yet
    on_paper = demo.made["agreements paper"][0]
    paid = pay(on_paper, special, funds_rules.FOUNDATION, 20, third)
    records_funds.acknowledge_on_paper(store, paid, head(on_paper), scan, ago(18))
    voided = demo.made["agreements voided"][0]  # its new version unsigned: nothing is paid (FD-1)
    full = demo.made["agreements accepted"][0]
    for tranche, days, share in (
        (funds_rules.FOUNDATION, 50, third),
        (funds_rules.MAIN_STRUCTURE, 35, third),
        (funds_rules.COMPLETION, 20, Decimal("0.3")),
        (funds_rules.MOVED_IN, 10, Decimal(1)),
    ):
        paid = pay(full, central if tranche != funds_rules.MOVED_IN else debt, tranche, days, share)
        records_funds.acknowledge_on_screen(store, paid, head(full), demo_data.signature_png(5), ago(days))
    due = demo.made["agreements due"][0]
    pay(due, social, funds_rules.FOUNDATION, 2, Decimal("0.05"))
    demo.made["funds paid"] = [on_screen, on_paper, full, due]
    demo.made["funds stopped"] = [voided]

    # FD-2: every weekly check held since the first funds arrived but two weeks ago (overdue) and this week (due);
    # the monthly spot checks but one; the last quarter's full check; no half-yearly review yet.
    start = ago(120)
    week = start - dt.timedelta(days=start.weekday())
    weekly = []
    while week + dt.timedelta(days=6) < today:
        if week + dt.timedelta(days=20) < today or week + dt.timedelta(days=13) >= today:
            weekly.append(
                records_funds.record_check(
                    store,
                    funds_rules.WEEKLY,
                    week + dt.timedelta(days=2),
                    "乡易地扶贫搬迁指挥部 段志强",
                    "资金专户流水、拨付凭证、签收单",
                )
            )
        week += dt.timedelta(days=7)
    month = dt.date(start.year, start.month, 1)
    months = 0
    while month <= today.replace(day=1) - dt.timedelta(days=1):
        if months != 1:
            records_funds.record_check(
                store,
                funds_rules.MONTHLY_SPOT,
                month + dt.timedelta(days=14),
                "乡纪委 杨建华；乡财政所 李红",
                "抽查拨付到户资金",
            )
        months += 1
        month = (month + dt.timedelta(days=32)).replace(day=1)
    quarter_first, _last = funds_rules.period_of(funds_rules.QUARTERLY_FULL, today)
    records_funds.record_check(
        store,
        funds_rules.QUARTERLY_FULL,
        quarter_first - dt.timedelta(days=10),
        "乡纪委 杨建华；乡财政所 李红",
        "资金管理及使用全过程",
        "资金专户管理规范，个别拨付凭证签字不全",
    )
    held = dt.datetime.combine(ago(40), dt.time(9, 30))
    check = weekly[-3]
    records_funds.record_finding(
        store,
        check,
        "一笔拨付凭证缺少户主签字",
        held,
        major=True,
        reported_at=held + dt.timedelta(hours=24),
        fund_id=central,
    )
    late = records_funds.record_finding(
        store,
        check,
        "专户资金转入乡财政一般账户",
        held,
        major=True,
        reported_at=held + dt.timedelta(hours=30),
        fund_id=debt,
    )
    records_funds.rectify_finding(store, late, "资金已原路退回专户，责任人作出书面检查", ago(35))
    records_funds.record_finding(
        store,
        weekly[-1],
        "同步搬迁户名单中发现一户领取了专项建设基金",
        dt.datetime.combine(ago(3), dt.time(15, 0)),
        major=True,
        fund_id=special,
    )
    minor = records_funds.record_finding(store, check, "台账字迹潦草", held)
    records_funds.rectify_finding(store, minor, "重新誊写台账", ago(38))
    records_funds.record_finding(store, weekly[-1], "签收单未及时归档", dt.datetime.combine(ago(3), dt.time(10, 0)))


def _village_of(store: Store, household_id: str) -> str:
    with store.session() as session:
        return households.existing_household(session, household_id).village_id


def _sync(demo: Demo) -> None:
    """Two demo laptops of the first village's work teams, provisioned from this township office, sync through
    a USB stick; then a household changed both here and on the first laptop meanwhile (a conflict), and a
    family entered on that laptop that the township already holds in another village (a possible
    duplicate), wait at the township.  The township imports twice, as two trips to its office would (each
    after its backup); the laptops' village holds the lived-in households only (``build``), so that the
    cost does not grow with the bulk's households."""
    town = demo.store
    stick = demo.folder / "U盘"
    stick.mkdir()
    group = demo.groups[0]  # the first village's: its households are the lived-in ones only (``build``)
    laptops: list[Store] = []
    try:
        for index in range(2):  # two work teams in one village, each with its laptop
            laptop = open_store(demo.folder / f"laptop-{index}.sqlite")
            laptops.append(laptop)
            request = demo.folder / f"request-{index}.json"
            certificate = demo.folder / f"provisioning-{index}.json"
            name = f"{group.village_name}{'一' if index == 0 else '二'}号笔记本（演示）"
            device.write_request(laptop, request, name)
            device.provision(
                town,
                name,
                [group.village_id],
                certificate,
                request=request,
                fingerprint=device.identity(laptop).fingerprint,
            )
            device.accept_provisioning(laptop, certificate, township_fingerprint=device.identity(town).fingerprint)
        importing.import_bundles(town, _bundles(laptops, stick))  # the first trip: the laptops introduced
        results = exporting.export(town, stick)  # the village's records, back to the laptops
        for laptop in laptops:
            importing.import_bundles(laptop, [r.path for r in results if r.peer.device_id == laptop.device_id])
        first = laptops[0]
        changed = next(h for h in demo.made["relocation"] if _village_of(town, h) == group.village_id)
        demo.made["conflict"] = [changed]
        _edit(town, changed, phone="13887551023", address=f"{group.village_name}{group.name}18号")
        _edit(first, changed, phone="13987550412")
        # The duplicate: the head of a household of another village, entered again on the laptop.
        lived_in = [h for ids in demo.made.values() for h in ids if h != changed]
        elsewhere = next((h for h in lived_in if _village_of(town, h) != group.village_id), lived_in[0])
        with town.session() as session:
            twice = households.to_draft(households.existing_household(session, elsewhere))
        draft = demo.family(group)
        draft.members[0] = twice.members[0]
        draft.members[0].id = None
        demo.made["duplicate on a laptop"] = [households.save(first, draft)]
        demo.made["entered on a laptop"] = [households.save(laptops[1], demo.family(group))]
        importing.import_bundles(town, _bundles(laptops, stick))  # the second trip
    finally:
        for laptop in laptops:
            laptop.close()


def _bundles(laptops: list[Store], stick: Path) -> list[Path | str]:
    return [result.path for laptop in laptops for result in exporting.export(laptop, stick)]


def _first_village_id(store: Store, name: str) -> str | None:
    with store.session() as session:
        return session.scalars(select(Village.id).where(Village.name == name)).first()


def _edit(store: Store, household_id: str, **fields: object) -> None:
    with store.session() as session:
        draft = households.to_draft(households.existing_household(session, household_id))
    for name, value in fields.items():
        setattr(draft, name, value)
    households.save(store, draft)


def _backup(demo: Demo) -> None:
    """A backup beside the data file, as the Backups dialog makes one."""
    backups.create_backup(demo.store.path, key=demo.store.key)


def _bulletins(demo: Demo) -> None:
    """The township's weekly bulletins (issue 18, WT-2): last week's and this week's, kept and listed by week."""
    for weeks_back in (1, 0):
        week = progress.iso_week(demo.today - dt.timedelta(weeks=weeks_back))
        bulletins.issue(demo.store, week, today=demo.today)


STEPS: list[Callable[[Demo], None]] = [
    _workflow,
    _flags,
    _relocation_and_plans,
    _agreements,
    _notices,
    _work_teams,
    _building,
    _funds,
    _sync,
    _bulletins,
    _backup,
]


def build(
    store: Store,
    villages: int,
    households_asked: int,
    seed: int,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> int:
    """The demo township with ``households_asked`` households in all: the bulk (``demo_data.generate``), then
    ``STEPS``.  Returns the number of households made."""
    lived_in = households_asked >= LIVED_IN_HOUSEHOLDS * 2 and villages >= 2
    bulk = households_asked - LIVED_IN_HOUSEHOLDS if lived_in else households_asked
    total = households_asked

    def bulk_progress(done: int, _of: int) -> bool:
        return progress(done, total) if progress is not None else True

    # The laptops' village holds the lived-in households only, so that syncing them costs the same at any size.
    demo_data.generate(store, villages, bulk, seed, progress=bulk_progress, keep_empty=1 if lived_in else 0)
    if not lived_in:
        return bulk
    id_rng = random.Random(f"lived-in record ids {seed}")
    with (
        tempfile.TemporaryDirectory(prefix="xinjie-demo-") as scratch,
        record_ids(lambda: str(uuid.UUID(int=id_rng.getrandbits(128), version=4))),
    ):
        with store.session() as session:
            by_village: dict[str, list[township.GroupRef]] = {}
            for ref in township.groups(session):
                by_village.setdefault(ref.village_id, []).append(ref)
        first = _first_village_id(store, demo_data.VILLAGE_NAMES[0] + "村")
        ordered = sorted(by_village.values(), key=lambda refs: refs[0].village_id != first)  # the laptops' first
        # each village in turn: the first households of each step land in different villages
        groups = [refs[i] for i in range(max(map(len, ordered))) for refs in ordered if i < len(refs)]
        demo = Demo(store, random.Random(f"lived in {seed}"), today or dt.date.today(), Path(scratch), groups)
        for number, step in enumerate(STEPS, 1):
            step(demo)
            if progress is not None:
                progress(bulk + LIVED_IN_HOUSEHOLDS * number // len(STEPS), total)
    return bulk + len({h for ids in demo.made.values() for h in ids})
