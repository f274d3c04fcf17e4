"""Build the fixture stores of tests/fixtures/stores: one SQLite store saved by each schema revision.

Like the wallet files of old releases Electrum keeps (tests/test_storage_upgrade.py), each file is a
store as a laptop of that release left it: ``store-<revision>.sqlite`` was migrated only to
``<revision>`` and then filled with plain SQL written for that revision's tables and columns, so a
fixture never depends on today's models.  tests/core/test_migration_fixtures.py opens a copy of each
at head and checks that every row arrived.

The rows are one small township (辛街乡) at work in spring 2017: two villages, three groups, three
households (a registered household with a member who married out, an omission proposed by the
village, an exited household that moved into a shop house), their members, incomes, workflow steps
and objections; from 0003 supporting files; from 0005 a relocation verification, a saved housing
plan and a D-grade dangerous house; from 0006 agreements (a voided first version, the signed second
one with its three signatures, a demolition agreement signed on paper and its acceptance) and a
public notice with an objection; from 0007 what sync keeps (versions, the change journal, a
tombstone, the township office as peer, cursors, bundles, a conflict, a possible duplicate); from
0008 a record set aside by the merge (``tombstone.settled_by``); from 0009 the day the old house was
demolished (``demolition_acceptance.demolished_on``); from 0010 the signed runs of changes (``change_run``:
the laptop's own run it exported, and the office's run that came with its first bundle); from 0011 the
household list's text index (``household_search_text`` and ``household_search``, derived from the
households by triggers: no rows of their own); from 0012 the accounts (the township's administrator and a
local account of the laptop's work team); from 0013 the record of who did what (``audit_record``: the
laptop's changes after its last export, its chain of hashes starting there, one by an account); from
0016_teams the work teams (issue 20: 青山村's team of two members, a helper-cadre pairing, a task reported done,
a visit to H1 with its photo, a weekly team meeting, a weekly report sent, a check by telephone that found a
member short and its follow-up); from 0014 the township office's record of a correction
entered into the national system (``roster_correction``, issue 18); from 0015_funds
the funds (issue 19: a central-budget fund at the office, a tranche paid from it to 杨明 under the signed second
version of his relocation agreement, acknowledged on paper, a weekly check and its major finding, reported late
and rectified), all entered at the office; from 0019_building the building progress of 杨明's new house (foundation
and main structure, recorded on the laptop); from 0020_search_parts the households' search texts in two parts (names,
then ID numbers: the list's narrow tables of each part are derived by triggers, no rows of their own); 0021_search_chars
adds nothing but derived tables (the names' character index).

Released fixtures never change, like released migrations: run this only to add the fixture of a new
revision (``--only 0009``), after adding that revision's rows below.

    python scripts/make_migration_fixtures.py [--only REVISION ...] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
    "0014",
    "0015_funds",
    "0016_teams",
    "0017_bulletins",
    "0018_report_photos",
    "0019_building",
    "0020_search_parts",
    "0021_search_chars",
)
OUT = ROOT / "tests" / "fixtures" / "stores"
NAMESPACE = uuid.UUID("6f1c1d2e-1b7a-4c55-9a55-0d1f3c0a2017")

LAPTOP = "3f2a9c41-7d0e-4b8e-9a51-2c6d8e1f0a17"  # the village laptop that saved every fixture
OFFICE = "b81e4d02-5c3a-4f69-8e27-91d0a6c3f2b4"  # the township office (from 0007: its records arrived by bundle)


def rid(name: str) -> str:
    """A fixed record id, the same in every fixture."""
    return str(uuid.uuid5(NAMESPACE, name))


def stamp(day: str, time: str = "09:00:00") -> str:
    """A DateTime as SQLAlchemy stores it in SQLite."""
    return f"{day} {time}.000000"


def id_number(region: str, birth: str, serial: int) -> str:
    """A valid 18-digit ID number (GB 11643 check digit); the serial's parity is the sex (odd: male)."""
    body = f"{region}{birth.replace('-', '')}{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def png(label: str) -> bytes:
    """A tiny PNG standing in for a signature captured on screen (the signature pad saves PNG)."""
    return b"\x89PNG\r\n\x1a\n" + hashlib.sha256(label.encode()).digest() + b"IEND\xaeB`\x82"


def pdf(label: str) -> bytes:
    return f"%PDF-1.4\n% xinjie-desktop migration fixture: {label}\n%%EOF\n".encode()


def canonical(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def travelling(name: str, day: str, device: str = LAPTOP, updated: str | None = None) -> dict:
    return {"id": rid(name), "created_at": stamp(day), "updated_at": stamp(updated or day), "device_id": device}


# ---------------------------------------------------------------------------------------------------
# The rows, by revision


H1_HEAD = id_number("530502", "1970-03-05", 113)
H1_SPOUSE = id_number("530502", "1972-08-12", 152)
H1_SON = id_number("530502", "1998-09-01", 171)
DAUGHTER = id_number("530502", "1995-02-14", 128)  # married out of H1 into H3: one ID number, two households
H2_HEAD = id_number("530502", "1966-11-20", 135)
H2_MOTHER = id_number("530502", "1941-04-08", 146)
H3_HEAD = id_number("530502", "1993-06-30", 117)

PLAN_INPUTS = (
    '{"built_area": "120", "demolition_signed": false, "homestead_area": null, "kind": "registered", "labour": true, '
    '"land": null, "layout": null, "loan": "60000", "own_funds": null, "people": 3, "start_date": "2016-10-01", '
    '"unit_cost": "1200", "zone": null}'
)
# The plan's results as the 2017.1 calculator saved them (core.rules.housing_plan, PlanResult.to_json).
PLAN_RESULTS = """{"allowed_layouts": [75], "layout_m2": null, "area_m2": 120, "per_capita_m2": 40, "building_cost": 144000, "subsidy": 60000, "reward": 0, "subsidy_and_reward": 60000, "cap_reached": false, "own_funds_needed": 84000, "own_funds_limit": 10000, "funding_gap": null, "loan_allowed": 0, "loan_taken_over": 60000, "homestead_limit_m2": null, "garden_m2": null, "compliant": false, "reasons": ["3 人住 120 m²，人均住房面积 40 m²，超过 25 m²。", "需自筹资金 84,000.00 元，超过户均自筹资金上限 10,000.00 元。"], "notes": [], "options": [{"code": "relatives", "label": "①直系亲属（父母、子女）+贫困户", "investor": "直系亲属（父母、子女）", "investor_pays": 74000, "household_pays": 10000, "others_pay": 0, "investor_share_percent": 51.39, "household_share_percent": 48.61, "buy_back_price": 74000, "conditions": "直系亲属（父母、子女）+贫困户：由直系亲属负责承担超出自筹资金1万元的建房资金，作为建房投资人参与建房并签订产权共有协议，待贫困户脱贫并具有稳定经济收入来源后，根据贫困户条件和意愿向直系亲属成本回购房屋产权，终止产权共有协议。在产权共有期间，对安置房进行共同管理，贫困户不得私自对安置房进行处置。"}, {"code": "district_company", "label": "②区扶投公司+贫困户", "investor": "区扶投公司", "investor_pays": 60000, "household_pays": 10000, "others_pay": 14000, "investor_share_percent": 41.67, "household_share_percent": 48.61, "buy_back_price": 60000, "conditions": "区扶投公司+贫困户：由区扶投公司承接向贫困户发放的6万元农发行国家低成本长期贷款，并作为建房投资人参与建房并签订产权共有协议。待贫困户脱贫并具有稳定经济收入来源后，根据贫困户条件和意愿向区扶投公司成本回购房屋产权，终止产权共有协议。在产权共有期间，对安置房进行共同管理，贫困户不得私自对安置房进行处置。其他超出自筹1万元的部分，采取直系亲属参与共建等多种方式解决。"}, {"code": "cooperative", "label": "③安置点居民公共服务专业合作社回购", "investor": "安置点居民公共服务专业合作社", "investor_pays": 84000, "household_pays": 0, "others_pay": 0, "investor_share_percent": 58.33, "household_share_percent": 41.67, "buy_back_price": 84000, "conditions": "其他情况通过成立安置点居民公共服务专业合作社进行回购、经营、管理和使用。"}], "elderly_home": false, "before_key_date": true, "rules": ["HS-1", "HS-2", "HS-3", "HS-4", "LN-1", "SB-1"], "explanations": {"start_date": {"rules": ["HS-1"], "text": "2016-10-01 动工，在时间节点 2017-02-28（含当日）或之前：超标准的安置房要对标整改。", "plan": "以2017年2月28日（含28日）为时间节点，对2017年2月28日（含28日）动工前建盖的安置房全面进行对标整改；2月28日后新建安置房严格执行人均住房面积不超过25平方米，且最大户型不超过150平方米政策标准。"}, "allowed_layouts": {"rules": ["HS-2"], "text": "3 人户住房面积最多 75 m²（人均住房面积不超过 25 m²，最大户型不超过 150 m²）：可选户型 75 m²。", "plan": "设计75平方米、100平方米、125平方米、150平方米四种户型供贫困户选择，并在设计方案中适当预留发展空间。最大户型面积不超过150平方米（即6人及以上户）。"}, "per_capita_m2": {"rules": ["HS-2"], "text": "120 m² ÷ 3 人 = 人均住房面积 40 m²（不超过 25 m²）。", "plan": "设计75平方米、100平方米、125平方米、150平方米四种户型供贫困户选择，并在设计方案中适当预留发展空间。最大户型面积不超过150平方米（即6人及以上户）。"}, "subsidy": {"rules": ["SB-1"], "text": "人均 20,000.00 元 × 实有人口 3 人 = 60,000.00 元。", "plan": "补助方式由按户补助调整为按人补助且补助人口为家庭实有人口，补助标准由户均补助6万元调整为人均补助2万元。对签订旧房拆除协议并按时拆除旧房的人均奖励0.6万元。"}, "reward": {"rules": ["SB-1"], "text": "暂无奖励：签订旧房拆除协议并按时拆除旧房后，人均奖励 6,000.00 元。", "plan": "补助方式由按户补助调整为按人补助且补助人口为家庭实有人口，补助标准由户均补助6万元调整为人均补助2万元。对签订旧房拆除协议并按时拆除旧房的人均奖励0.6万元。"}, "building_cost": {"rules": ["HS-3"], "text": "120 m² × 1,200.00 元/m² = 144,000.00 元。", "plan": "贫困户建房补助和奖励资金不得超过面积控制标准的建房成本，自筹资金原则上户均不超过1万元。"}, "subsidy_and_reward": {"rules": ["HS-3"], "text": "建房补助和奖励共 60,000.00 元，没有超过面积控制标准的建房成本（75 m² × 1,200.00 元 = 90,000.00 元）。", "plan": "贫困户建房补助和奖励资金不得超过面积控制标准的建房成本，自筹资金原则上户均不超过1万元。"}, "own_funds_needed": {"rules": ["HS-3"], "text": "建房成本 144,000.00 − 建房补助和奖励 60,000.00 = 自筹资金 84,000.00 元；自筹资金户均不超过 10,000.00 元。", "plan": "贫困户建房补助和奖励资金不得超过面积控制标准的建房成本，自筹资金原则上户均不超过1万元。"}, "loan": {"rules": ["LN-1"], "text": "建档立卡搬迁户已取消每户 60,000.00 元贷款政策；已发放的 60,000.00 元贷款由区扶投公司承接。", "plan": "纳入三年行动计划建档立卡搬迁户，取消目前统一的每户可向区扶投公司申请6万元农发行国家低成本长期贷款政策，已发放贫困户贷款由区扶投公司承接。"}, "options": {"rules": ["HS-4"], "text": "该房屋在 2017-02-28（含当日）或之前动工，且超出标准：采用产权共有方式整改。", "plan": "人均住房面积超过25平方米、建房面积超过150平方米、户均自筹资金超过1万元、超标准负债的采用以下方式解决。"}}, "parameters_version": "2017.1"}"""


def member(name, household, position, person, id_no, relation, sex, birth, **fields) -> dict:
    row = travelling(name, "2017-03-02")
    row.update(
        household_id=rid(household),
        position=position,
        name=person,
        id_number=id_no,
        relation=relation,
        sex=sex,
        birth_date=birth,
        ethnicity="han",
        education="primary",
        health="healthy",
        labour="normal",
        schooling="not_in_school",
        dibao=0,
        membership_basis="resident",
        registered=1,
    )
    row.update(fields)
    return row


def step(household, code, ordinal, day, by, **fields) -> dict:
    row = travelling(f"{household}/step/{code}", day)
    row.update(
        household_id=rid(household),
        step=code,
        ordinal=ordinal,
        done_on=day,
        done_by=by,
        passed=1,
        notes="",
        is_omission=0,
        omission_reason="",
        notice_place="",
        notice_end=None,
    )
    row.update(fields)
    return row


def searched(n: int, *people: tuple[str, str]) -> str:
    """A household's search text as revision ``n`` writes it: every name and ID number in member order, from
    0020_search_parts the names, char(30), the numbers."""
    if n >= 20:
        return "|".join(name for name, _number in people) + "\x1e" + "|".join(number for _name, number in people)
    return "|".join(f"{name}|{number}" for name, number in people)


def rows(revision: str) -> dict[str, list[dict]]:
    """Every row of the fixture saved by ``revision``, by table, with exactly that revision's columns."""
    n = int(revision[:4])
    t: dict[str, list[dict]] = {}
    t["local_setting"] = [{"key": "device_id", "value": LAPTOP}]
    t["township"] = [
        {
            **travelling("township", "2017-03-01", OFFICE),
            "name": "辛街乡",
            "command_centre": "辛街乡易地扶贫搬迁指挥部",
            "is_demo": 0,
        }
    ]
    t["village"] = [
        {**travelling(f"village/{name}", "2017-03-01", OFFICE), "township_id": rid("township"), "name": name}
        for name in ("青山村", "石桥村")
    ]
    t["villager_group"] = [
        {**travelling(f"group/{v}/{g}", "2017-03-01", OFFICE), "village_id": rid(f"village/{v}"), "name": g}
        for v, g in (("青山村", "第一组"), ("青山村", "第二组"), ("石桥村", "第一组"))
    ]

    def household(name, village, group, head, head_id, **fields) -> dict:
        row = travelling(name, "2017-03-02", updated="2017-03-28")
        row.update(
            group_id=rid(f"group/{village}/{group}"),
            village_id=rid(f"village/{village}"),
            address="",
            phone="",
            labour_willing=1,
            national_number="",
            system_population=None,
            attribute="general",
            main_cause="",
            secondary_causes="",
            identification_standard="national",
            exited=0,
            exit_year=None,
            helper_cadre="",
            head_name=head,
            head_id_number=head_id,
            actual_population=0,
            workflow_step="",
            flags="",
            search_text="",
        )
        row.update(fields)
        return row

    t["household"] = [
        # ID-4: the national system counts the daughter who married out; ID-2 does not.
        household(
            "h1",
            "青山村",
            "第一组",
            "杨明",
            H1_HEAD,
            address="青山村第一组17号",
            phone="13908751234",
            national_number="5305020107000123",
            system_population=4,
            main_cause="illness",
            secondary_causes="schooling,capital",
            helper_cadre="段正德（乡农科站）",
            actual_population=3,
            workflow_step="entered",
            flags="|below_line|population_differs|duplicate_id|",
            search_text=searched(n, ("杨明", H1_HEAD), ("段秀英", H1_SPOUSE), ("杨志强", H1_SON), ("杨春梅", DAUGHTER)),
        ),
        # ID-5: missed in 2014 (working away), proposed by the village as an omission.
        household(
            "h2",
            "青山村",
            "第二组",
            "李国荣",
            H2_HEAD,
            address="青山村第二组3号",
            attribute="dibao",
            main_cause="labour",
            actual_population=2,
            workflow_step="evaluated",
            flags="|below_line|",
            search_text=searched(n, ("李国荣", H2_HEAD), ("李桂兰", H2_MOTHER)),
        ),
        # EX-1 and ID-7: exited in 2016, moved into a shop house at the resettlement site.
        household(
            "h3",
            "石桥村",
            "第一组",
            "张建军",
            H3_HEAD,
            address="石桥安置点商住楼2-104",
            phone="15187509876",
            national_number="5305020112000045",
            system_population=2,
            main_cause="skills",
            exited=1,
            exit_year=2016,
            actual_population=2,
            workflow_step="entered",
            flags="|above_line|duplicate_id|",
            search_text=searched(n, ("张建军", H3_HEAD), ("杨春梅", DAUGHTER)),
        ),
    ]
    t["member"] = [
        member("h1/m1", "h1", 0, "杨明", H1_HEAD, "head", "male", "1970-03-05", health="chronic"),
        member("h1/m2", "h1", 1, "段秀英", H1_SPOUSE, "spouse", "female", "1972-08-12", ethnicity="bai"),
        member(
            "h1/m3",
            "h1",
            2,
            "杨志强",
            H1_SON,
            "child",
            "male",
            "1998-09-01",
            education="senior",
            schooling="tertiary",
            membership_basis="student_supported",
        ),
        member("h1/m4", "h1", 3, "杨春梅", DAUGHTER, "child", "female", "1995-02-14", membership_basis="married_out"),
        member("h2/m1", "h2", 0, "李国荣", H2_HEAD, "head", "male", "1966-11-20", labour="weak"),
        member(
            "h2/m2",
            "h2",
            1,
            "李桂兰",
            H2_MOTHER,
            "parent",
            "female",
            "1941-04-08",
            education="none",
            health="serious",
            labour="none",
            dibao=1,
        ),
        member("h3/m1", "h3", 0, "张建军", H3_HEAD, "head", "male", "1993-06-30", labour="skilled", education="junior"),
        member("h3/m2", "h3", 1, "杨春梅", DAUGHTER, "spouse", "female", "1995-02-14"),
    ]
    t["income_worksheet"] = [
        {
            **travelling(f"{h}/income/2016", "2017-03-05"),
            "household_id": rid(h),
            "year": 2016,
            "wage": wage,
            "business": business,
            "property_income": 0,
            "transfer": transfer,
            "production_costs": costs,
        }
        for h, wage, business, transfer, costs in (
            ("h1", 600000, 120000, 180000, 90000),  # 8,100 yuan for 3 people: 2,700 a head (ID-1: below 3,050)
            ("h2", 240000, 0, 212000, 0),  # 4,520 for 2: 2,260
            ("h3", 1560000, 300000, 0, 120000),  # 17,400 for 2: 8,700
        )
    ]
    centre, village = "辛街乡易地扶贫搬迁指挥部", "青山村村民委员会"
    t["workflow_step"] = [
        step("h1", "proposed", 0, "2017-03-02", village),
        step("h1", "audited", 1, "2017-03-06", centre, notes="入户核查：人口、收入属实"),
        step("h1", "evaluated", 2, "2017-03-09", "青山村群众代表大会", notes="到会42人，同意40人"),
        step("h1", "noticed", 3, "2017-03-10", village, notice_place="青山村委会公示栏", notice_end="2017-03-16"),
        step("h1", "entered", 4, "2017-03-28", centre),
        step(
            "h2",
            "proposed",
            0,
            "2017-03-03",
            village,
            is_omission=1,
            omission_reason="2014年识别时户主在外务工，未纳入评议",
        ),
        step("h2", "audited", 1, "2017-03-07", centre, notes="入户核查：母亲重病，无劳动力"),
        step("h2", "evaluated", 2, "2017-03-09", "青山村群众代表大会"),
        step("h3", "entered", 4, "2015-11-20", "辛街乡人民政府"),
    ]
    if n >= 2:
        t["objection"] = [
            {
                **travelling("h1/objection/1", "2017-03-13", updated="2017-03-15"),
                "household_id": rid("h1"),
                "raised_on": "2017-03-13",
                "raised_by": "青山村第一组村民",
                "content": "杨明家儿子在外读书，是否还算家庭人口？",
                "resolution": "复核：杨志强在外读书由本家庭供养，计入家庭人口。",
                "resolved_on": "2017-03-15",
            }
        ]
        for row in t["household"]:
            row.update(reconciliation_note="", moved_to_shop_or_row_house=0, recheck_outcome="")
        t["household"][0]["reconciliation_note"] = "系统人口4人，其中杨春梅已出嫁至石桥村，实有人口3人；附户籍证明。"
        t["household"][2].update(
            moved_to_shop_or_row_house=1, recheck_outcome="复核：一层商铺自营，收入稳定，维持脱贫。"
        )
    if n >= 3:
        scan, photo = pdf("hukou h1"), b"\xff\xd8\xff\xe0" + b"JFIF fixture shop house h3" + b"\xff\xd9"
        t["blob"] = [{"sha256": hashlib.sha256(b).hexdigest(), "size": len(b), "data": b} for b in (scan, photo)]
        t["attachment"] = [
            {
                **travelling("h1/attachment/1", "2017-03-20"),
                "household_id": rid("h1"),
                "purpose": "reconciliation",
                "filename": "杨春梅户籍迁出证明.pdf",
                "sha256": hashlib.sha256(scan).hexdigest(),
                "note": "石桥村派出所",
            },
            {
                **travelling("h3/attachment/1", "2017-03-22"),
                "household_id": rid("h3"),
                "purpose": "recheck",
                "filename": "商铺照片.jpg",
                "sha256": hashlib.sha256(photo).hexdigest(),
                "note": "",
            },
        ]
    if n >= 4:
        names = {r["id"]: r["name"] for r in t["village"] + t["villager_group"]}
        for row in t["household"]:
            row["list_key"] = f"{names[row['village_id']]}\x1f{names[row['group_id']]}\x1f{row['head_name']}"
    if n >= 5:
        t["relocation_verification"] = [
            {
                **travelling("h1/relocation", "2017-04-02", updated="2017-04-10"),
                "household_id": rid("h1"),
                "in_scope": 1,
                "area_category": "geohazard",
                "area_reason": "房屋位于青山滑坡隐患点，2016年雨季出现裂缝",
                "exclusion": "",
                "exclusion_reason": "",
                "mode": "centralised",
                "site": "辛街乡石桥集中安置点",
                "building_mode": "unified",
                "latitude": "25.0713",
                "longitude": "99.1642",
                "notice_start": "2017-04-03",
                "notice_end": "2017-04-09",
                "notice_place": "青山村委会公示栏",
                "objections": "",
                "reverification": "",
                "secretary": "杨正光",
                "secretary_signed_on": "2017-04-10",
                "director": "李永华",
                "director_signed_on": "2017-04-10",
                "team_leader": "段学成",
                "team_leader_signed_on": "2017-04-10",
                "submitted_on": "2017-04-11",
            }
        ]
        t["housing_plan"] = [
            {
                **travelling("h1/plan/1", "2017-04-05"),
                "household_id": rid("h1"),
                "parameters_version": "2017.1",
                "inputs": PLAN_INPUTS,
                "results": PLAN_RESULTS,
                "compliant": 0,
                "chosen_option": "district_company",
                "co_investor": "隆阳区扶贫开发投资有限公司",
                "note": "2016年10月动工，120平方米，超标准，采用产权共有整改",
            }
        ]
        t["dangerous_house"] = [
            {
                **travelling("h2/dangerous", "2017-04-06"),
                "household_id": rid("h2"),
                "grade": "D",
                "appraiser": "保山市建筑工程质量检测中心",
                "appraised_on": "2017-03-30",
                "rebuild": 1,
                "inputs": '{"area_m2": "50", "own_funds": "8000", "unit_cost": "1100"}',
            }
        ]
    if n >= 6:
        t["township"][0]["representative"] = "段正德"
        base = "XJ-2017-3F2A-000001"
        content = {
            "kind": "relocation",
            "template_version": "2017.1",
            "command_centre": "辛街乡易地扶贫搬迁指挥部",
            "representative": "段正德",
            "head_name": "杨明",
            "head_id_number": H1_HEAD,
            "village": "青山村",
            "group": "第一组",
            "actual_population": 3,
            "members": "杨明（户主）、段秀英（配偶）、杨志强（子女）",
            "site": "辛街乡石桥集中安置点",
            "subsidy": "60,000.00",
            "parameters_version": "2017.1",
        }
        first = canonical({**content, "head_name": "杨明明"})  # the typing error the first version was voided for
        second = canonical(content)
        demolition = canonical({**content, "kind": "demolition", "demolition_deadline": "2017-10-31"})
        signatures = {role: png(f"{role} signature") for role in ("household_head", "representative", "witness")}
        signed_pdf, paper_scan, rubble = pdf("relocation v2 signed"), pdf("demolition scan"), pdf("demolition photo")
        for data in (*signatures.values(), signed_pdf, paper_scan, rubble):
            t["blob"].append({"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "data": data})

        def agreement(name, kind, number, version, text, **fields) -> dict:
            row = travelling(name, "2017-04-12", updated=fields.pop("updated", "2017-04-12"))
            row.update(
                household_id=rid("h1"),
                kind=kind,
                number=number,
                version=version,
                supersedes_id=None,
                status="draft",
                template_version="2017.1",
                content=text,
                content_sha256=hashlib.sha256(text.encode()).hexdigest(),
                demolition_deadline=None,
                signing_method="",
                signed_on=None,
                fingerprint=0,
                scan_sha256=None,
                signed_pdf_sha256=None,
                voided_on=None,
                void_reason="",
            )
            row.update(fields)
            return row

        t["agreement"] = [
            agreement(
                "h1/agreement/relocation/1",
                "relocation",
                f"{base}-BQ-v1",
                1,
                first,
                status="voided",
                voided_on="2017-04-13",
                void_reason="户主姓名打印错误",
                updated="2017-04-13",
            ),
            agreement(
                "h1/agreement/relocation/2",
                "relocation",
                f"{base}-BQ-v2",
                2,
                second,
                supersedes_id=rid("h1/agreement/relocation/1"),
                status="signed",
                signing_method="screen",
                signed_on="2017-04-14",
                signed_pdf_sha256=hashlib.sha256(signed_pdf).hexdigest(),
                updated="2017-04-14",
            ),
            agreement(
                "h1/agreement/demolition/1",
                "demolition",
                f"{base}-CJ-v1",
                1,
                demolition,
                status="signed",
                demolition_deadline="2017-10-31",
                signing_method="paper",
                signed_on="2017-04-14",
                fingerprint=1,
                scan_sha256=hashlib.sha256(paper_scan).hexdigest(),
                updated="2017-04-14",
            ),
        ]
        signers = {"household_head": "杨明", "representative": "段正德", "witness": "杨正光"}
        t["agreement_signature"] = [
            {
                **travelling(f"h1/agreement/relocation/2/{role}", "2017-04-14"),
                "agreement_id": rid("h1/agreement/relocation/2"),
                "role": role,
                "signer_name": signers[role],
                "image_sha256": hashlib.sha256(image).hexdigest(),
            }
            for role, image in signatures.items()
        ]
        t["demolition_acceptance"] = [
            {
                **travelling("h1/demolition", "2017-10-20"),
                "household_id": rid("h1"),
                "agreement_id": rid("h1/agreement/demolition/1"),
                "accepted_on": "2017-10-20",
                "inspector": "辛街乡国土所 杨正光",
                "photo_sha256": hashlib.sha256(rubble).hexdigest(),
                "old_certificate_returned": 1,
                "new_certificate_number": "隆集用（2017）第0417号",
                "reclamation": "farmland",
                **({"demolished_on": "2017-10-12"} if n >= 9 else {}),
            }
        ]
        t["public_notice"] = [
            {
                **travelling("notice/青山村/1", "2017-03-10", updated="2017-03-17"),
                "village_id": rid("village/青山村"),
                "group_id": None,
                "subject": "identification",
                "posting_round": 1,
                "previous_id": None,
                "audited_on": None,
                "place": "青山村委会公示栏",
                "start_date": "2017-03-10",
                "end_date": "2017-03-16",
                "objection_contact": "辛街乡易地扶贫搬迁指挥部 0875-2851234",
                "entries": json.dumps(
                    [
                        {
                            "household_id": rid("h1"),
                            "head_name": "杨明",
                            "id_number_masked": H1_HEAD[:6] + "********" + H1_HEAD[-4:],
                            "group": "第一组",
                            "actual_population": 3,
                            "result": "识别为贫困户",
                            "reason": "人均纯收入2,700.00元，低于3,050元",
                        },
                        {
                            "household_id": rid("h2"),
                            "head_name": "李国荣",
                            "id_number_masked": H2_HEAD[:6] + "********" + H2_HEAD[-4:],
                            "group": "第二组",
                            "actual_population": 2,
                            "result": "漏评纳入",
                            "reason": "2014年户主外出务工未评议",
                        },
                    ],
                    ensure_ascii=False,
                ),
            }
        ]
        t["notice_objection"] = [
            {
                **travelling("notice/青山村/1/objection/1", "2017-03-13", updated="2017-03-15"),
                "notice_id": rid("notice/青山村/1"),
                "household_id": rid("h1"),
                "raised_on": "2017-03-13",
                "raised_by": "青山村第一组村民",
                "content": "杨明家儿子在外读书，是否还算家庭人口？",
                "reverification": "在外读书由本家庭供养，计入家庭人口。",
                "resolved_on": "2017-03-15",
            }
        ]
    if n >= 12:
        # Accounts (issue 17): the township's administrator, made at the office, and a work-team member of
        # 青山村 made on the laptop for its own team, not yet countersigned (nor authorised to sign: only the
        # township authorises that).
        t["accounts"] = [
            {
                **travelling("account/admin", "2017-04-01", OFFICE),
                "name": "xinjie-admin",
                "display_name": "辛街乡指挥部管理员",
                "role": "township_admin",
                "villages": "[]",
                "may_sign": 1,
                "password_hash": ADMIN_HASH,
                "locked": 0,
                "made_by": "",
                "countersigned": 1,
                "public_key": None,
                "encrypted_private_key": None,
            },
            {
                **travelling("account/team", "2017-04-02"),
                "name": "yang-team",
                "display_name": "杨工作队员",
                "role": "work_team",
                "villages": json.dumps([rid("village/青山村")]),
                "may_sign": 0,
                "password_hash": TEAM_HASH,
                "locked": 0,
                "made_by": rid("account/admin"),
                "countersigned": 0,
                "public_key": None,
                "encrypted_private_key": None,
            },
        ]
    if n >= 15:
        # Funds (issue 19), entered at the township office: the ledger, a payment with its acknowledgement on
        # paper (the scan), a check and its major finding (found on the 3rd at 09:30, reported 26 hours later).
        receipt = pdf("payment acknowledgement scan")
        t["blob"].append({"sha256": hashlib.sha256(receipt).hexdigest(), "size": len(receipt), "data": receipt})
        t["fund"] = [
            {
                **travelling("fund/central", "2017-03-28", OFFICE, updated="2017-04-06"),
                "source": "central_budget",
                "name": "2017年中央预算内易地扶贫搬迁资金",
                "plan_document": "保发改投资〔2017〕58号",
                "fund_document": "保财建〔2017〕21号",
                "arrived_on": "2017-03-28",
                "amount": 120_000_000,
                "account": "辛街乡财政所易地扶贫搬迁资金专户",
                "use": "建档立卡搬迁户建房补助",
                "units": "辛街乡易地扶贫搬迁指挥部",
                "paperwork_done_on": "2017-04-06",
                "replaced_on": None,
                "note": "",
            }
        ]
        t["fund_payment"] = [
            {
                **travelling("fund/payment/h1/foundation", "2017-05-04", OFFICE, updated="2017-05-06"),
                "household_id": rid("h1"),
                "fund_id": rid("fund/central"),
                "agreement_id": rid("h1/agreement/relocation/2"),
                "tranche": "foundation",
                "paid_on": "2017-05-04",
                "amount": 2_000_000,
                "acknowledgement": "paper",
                "acknowledged_on": "2017-05-06",
                "acknowledged_by": "杨明",
                "acknowledgement_sha256": hashlib.sha256(receipt).hexdigest(),
                "note": "",
            }
        ]
        t["fund_check"] = [
            {
                **travelling("fund/check/weekly/1", "2017-05-03", OFFICE),
                "kind": "weekly",
                "held_on": "2017-05-03",
                "checked_by": "辛街乡易地扶贫搬迁指挥部 段正德",
                "looked_at": "资金专户流水、拨付凭证",
                "summary": "发现一笔拨付凭证缺少户主签字",
            }
        ]
        t["fund_finding"] = [
            {
                **travelling("fund/check/weekly/1/finding/1", "2017-05-03", OFFICE, updated="2017-05-10"),
                "check_id": rid("fund/check/weekly/1"),
                "fund_id": rid("fund/central"),
                "description": "拨付凭证缺少户主签字",
                "major": 1,
                "found_at": stamp("2017-05-03", "09:30:00"),
                "reported_at": stamp("2017-05-04", "11:30:00"),
                "rectification": "补签并存档",
                "rectified_on": "2017-05-10",
            }
        ]
    if n >= 16:
        _team_rows(t)
    if n >= 19:
        # Building progress (issues 18, 19), recorded on the laptop: 杨明's new house, its foundation laid before the
        # foundation tranche was paid (2017-05-04) and its main structure since.
        t["building_stage"] = [
            {
                **travelling(f"h1/building/{stage}", day),
                "household_id": rid("h1"),
                "stage": stage,
                "reached_on": day,
                "recorded_by": "王芳",
                "evidence": evidence,
            }
            for stage, day, evidence in (
                ("foundation", "2017-04-25", "地基验收照片，村委会见证"),
                ("main_structure", "2017-05-20", "主体封顶，工作队现场查看"),
            )
        ]
    if n >= 7:
        _sync_rows(t, n)
    if n >= 14:
        # The township office entered one difference with the national system's roster into the national
        # system: household h1's population (the national system had 5, the actual population is 4).
        t["roster_correction"] = [
            {
                "id": rid("roster/correction/1"),
                "difference_key": f"different|population|{H1_HEAD}|5|4",
                "field": "population",
                "id_number": H1_HEAD,
                "household_number": "530502001001",
                "national_value": "5",
                "here_value": "4",
                "entered_on": "2017-04-20",
                "entered_by": "李文书",
                "note": "已在国办系统中更正",
                "recorded_at": stamp("2017-04-20", "16:30:00"),
            }
        ]
    return t


def _team_rows(t: dict) -> None:
    """The work teams of a laptop of 0016_teams (issue 20): 青山村's team."""
    qingshan = rid("village/青山村")
    photo = b"\xff\xd8\xff\xe0" + b"JFIF fixture visit h1" + b"\xff\xd9"
    t["blob"].append({"sha256": hashlib.sha256(photo).hexdigest(), "size": len(photo), "data": photo})
    t["team_member"] = [
        {
            **travelling("team/leader", "2017-03-31"),
            "village_id": qingshan,
            "name": "杨志强",
            "unit": "区农业局",
            "role": "leader",
            "telephone": "13987000001",
            "arrived_on": "2017-03-31",
            "left_on": None,
            "account_name": "yang-team",
        },
        {
            **travelling("team/member", "2017-04-05"),
            "village_id": qingshan,
            "name": "李文",
            "unit": "区教育局",
            "role": "member",
            "telephone": "13987000002",
            "arrived_on": "2017-04-05",
            "left_on": None,
            "account_name": "",
        },
    ]
    t["helper_pairing"] = [
        {
            **travelling("team/pairing/h1", "2017-04-06"),
            "village_id": qingshan,
            "member_id": rid("team/member"),
            "household_id": rid("h1"),
            "start_on": "2017-04-06",
            "end_on": None,
        }
    ]
    t["team_milestone"] = [
        {
            **travelling("team/milestone/known", "2017-04-20"),
            "village_id": qingshan,
            "task": "village_known",
            "done_on": "2017-04-20",
            "evidence": "村情简介",
        }
    ]
    t["team_visit"] = [
        {
            **travelling("team/visit/h1", "2017-04-12"),
            "village_id": qingshan,
            "household_id": rid("h1"),
            "visited_on": "2017-04-12",
            "kind": "situation",
            "member_ids": json.dumps([rid("team/leader"), rid("team/member")]),
            "done": "了解家庭人口和收入",
            "promises": "协调儿子就业培训",
        }
    ]
    t["team_visit_photo"] = [
        {
            **travelling("team/visit/h1/photo", "2017-04-12"),
            "village_id": qingshan,
            "visit_id": rid("team/visit/h1"),
            "filename": "走访杨明.jpg",
            "sha256": hashlib.sha256(photo).hexdigest(),
        }
    ]
    t["team_meeting"] = [
        {
            **travelling("team/meeting/1", "2017-04-14"),
            "village_id": qingshan,
            "kind": "team",
            "held_on": "2017-04-14",
            "attendees": json.dumps(["杨志强", "李文"], ensure_ascii=False),
            "minutes": "本周走访进度",
            "decisions": json.dumps(
                [{"text": "完成第一组遍访", "owner": "李文", "due_on": "2017-04-21"}], ensure_ascii=False
            ),
        }
    ]
    t["weekly_report"] = [
        {
            **travelling("team/report/1", "2017-04-16"),
            "village_id": qingshan,
            "week_start": "2017-04-10",
            "text": "本周走访 1 户。",
            "sent_on": "2017-04-16",
        }
    ]
    t["team_check"] = [
        {
            **travelling("team/check/1", "2017-04-18", OFFICE),
            "village_id": qingshan,
            "checked_on": "2017-04-18",
            "kind": "telephone",
            "checker": "乡督查组",
            "member_id": rid("team/member"),
            "household_id": None,
            "result": "absent",
            "findings": "电话抽查时不在岗",
            "follow_up": "已约谈",
            "follow_up_done_on": "2017-04-19",
            "talked_to": 1,
        }
    ]


# Argon2id hashes (t=3, 64 MiB, p=4) of the fixture accounts' passwords, "admin password 2017" and
# "team password 2017", written once (argon2-cffi's PasswordHasher) so that the fixture never changes.
ADMIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$STM9OTUjj5U86tM9IMsROg$0DUqXyEJ/XNvKlYkGjqGFvQ8Cd4yjfsPMEyVh7rgDHI"
TEAM_HASH = "$argon2id$v=19$m=65536,t=3,p=4$U6OYlsqAtFksiwsbje3APg$Ira0jRaATNZpQFqtqfFVzDm6z8oFCkFBhI1r9D9FCJ4"


TRAVELLING = (
    "township",
    "village",
    "villager_group",
    "household",
    "member",
    "income_worksheet",
    "workflow_step",
    "objection",
    "attachment",
    "relocation_verification",
    "housing_plan",
    "dangerous_house",
    "agreement",
    "agreement_signature",
    "demolition_acceptance",
    "public_notice",
    "notice_objection",
    "accounts",
    "team_member",
    "helper_pairing",
    "team_milestone",
    "team_visit",
    "team_visit_photo",
    "team_meeting",
    "weekly_report",
    "team_check",
    "fund",
    "fund_payment",
    "fund_check",
    "fund_finding",
    "building_stage",
)
DERIVED = {"head_name", "head_id_number", "actual_population", "workflow_step", "flags", "search_text", "list_key"}
BOOLEANS = {
    "is_demo",
    "labour_willing",
    "exited",
    "moved_to_shop_or_row_house",
    "dibao",
    "registered",
    "passed",
    "is_omission",
    "in_scope",
    "compliant",
    "rebuild",
    "fingerprint",
    "old_certificate_returned",
    "may_sign",
    "locked",
    "countersigned",
    "talked_to",
    "major",
}


def hlc_of(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)


def _payload(row: dict, table: str) -> str:
    values = {}
    for key, value in row.items():
        if key in ("id", "sync_versions") or (table == "household" and key in DERIVED):
            continue
        if key in BOOLEANS:
            value = bool(value)
        elif key in ("created_at", "updated_at", "found_at", "reported_at"):
            value = value.replace(" ", "T")
        values[key] = value
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _village_of(t: dict, table: str, row: dict) -> str | None:
    if table in ("township", "fund", "fund_check", "fund_finding"):
        return None
    if table == "accounts":  # the first village of its scope (core.sync.change_log.village_of); none: every village
        return (json.loads(row["villages"]) or [None])[0]
    if table == "village":
        return row["id"]
    if "village_id" in row:
        return row["village_id"]
    if table == "agreement_signature":
        row = next(a for a in t["agreement"] if a["id"] == row["agreement_id"])
    if table == "notice_objection":
        return next(p for p in t["public_notice"] if p["id"] == row["notice_id"])["village_id"]
    return next(h for h in t["household"] if h["id"] == row["household_id"])["village_id"]


def _sync_rows(t: dict, n: int) -> None:
    """What a laptop of 0007 keeps for sync: the township's records arrived in the office's first bundle
    (seq 1-6 of the office), the laptop's own are its journal; one objection of H2 was entered and
    deleted (tombstone); a member was removed in the editor without a journal entry (the bug 0008
    repairs: the 0007 fixture keeps it, for 0008 to journal); the office is the one peer."""
    own_seq, office_seq = 0, 0
    t["change_log"] = []
    # From 0015_funds the office's funds records come after the run it signed with its first bundle: their own
    # bundle's run is not kept here (only the runs as of 0010 are).
    funds = sum(len(t.get(table, [])) for table in ("fund", "fund_payment", "fund_check", "fund_finding"))
    for table in TRAVELLING:
        for row in t.get(table, []):
            hlc = hlc_of(row["updated_at"])
            row["sync_versions"] = json.dumps({"*": [hlc, row["device_id"]]}, separators=(",", ":"))
            if row["device_id"] == OFFICE:
                office_seq += 1
                origin, seq = OFFICE, office_seq
            else:
                own_seq += 1
                origin, seq = LAPTOP, own_seq
            t["change_log"].append(
                {
                    "origin_device": origin,
                    "seq": seq,
                    "hlc": hlc,
                    "table_name": table,
                    "row_id": row["id"],
                    "op": "upsert",
                    "village_id": _village_of(t, table, row),
                    "payload": _payload(row, table),
                    "bases": "{}",
                }
            )
    qingshan = rid("village/青山村")
    gone = {
        **travelling("h2/objection/typo", "2017-03-14"),
        "household_id": rid("h2"),
        "raised_on": "2017-03-14",
        "raised_by": "",
        "content": "误录",
        "resolution": "",
        "resolved_on": None,
    }
    deleted_hlc = hlc_of(stamp("2017-03-14", "10:30:00"))
    own_seq += 1
    t["change_log"].append(
        {
            "origin_device": LAPTOP,
            "seq": own_seq,
            "hlc": hlc_of(gone["created_at"]),
            "table_name": "objection",
            "row_id": gone["id"],
            "op": "upsert",
            "village_id": qingshan,
            "payload": _payload(gone, "objection"),
            "bases": "{}",
        }
    )
    own_seq += 1
    t["change_log"].append(
        {
            "origin_device": LAPTOP,
            "seq": own_seq,
            "hlc": deleted_hlc,
            "table_name": "objection",
            "row_id": gone["id"],
            "op": "delete",
            "village_id": qingshan,
            "payload": "{}",
            "bases": json.dumps({"seen": hlc_of(gone["created_at"])}, separators=(",", ":")),
        }
    )
    t["tombstone"] = [
        {
            "table_name": "objection",
            "row_id": gone["id"],
            "hlc": deleted_hlc,
            "device_id": LAPTOP,
            "seen_hlc": hlc_of(gone["created_at"]),
        }
    ]
    removed = member(
        "h2/m3", "h2", 2, "李小芳", id_number("530502", "2001-05-05", 160), "child", "female", "2001-05-05"
    )
    removed["sync_versions"] = ""
    own_seq += 1
    t["change_log"].append(
        {
            "origin_device": LAPTOP,
            "seq": own_seq,
            "hlc": hlc_of(removed["updated_at"]),
            "table_name": "member",
            "row_id": removed["id"],
            "op": "upsert",
            "village_id": qingshan,
            "payload": _payload(removed, "member"),
            "bases": "{}",
        }
    )
    if n >= 8:
        # 0008 journals such a removal as this laptop's delete; a laptop of 0008 did so itself.
        own_seq += 1
        removal_hlc = hlc_of(stamp("2017-04-20", "16:00:00"))
        t["change_log"].append(
            {
                "origin_device": LAPTOP,
                "seq": own_seq,
                "hlc": removal_hlc,
                "table_name": "member",
                "row_id": removed["id"],
                "op": "delete",
                "village_id": qingshan,
                "payload": "{}",
                "bases": json.dumps({"seen": hlc_of(removed["updated_at"])}, separators=(",", ":")),
            }
        )
        t["tombstone"][0]["settled_by"] = None
        t["tombstone"].append(
            {
                "table_name": "member",
                "row_id": removed["id"],
                "hlc": removal_hlc,
                "device_id": LAPTOP,
                "seen_hlc": hlc_of(removed["updated_at"]),
                "settled_by": None,
            }
        )
        # H2's 2016 income entered on the office's computer too: the merge kept the laptop's, set the other aside.
        t["tombstone"].append(
            {
                "table_name": "income_worksheet",
                "row_id": rid("h2/income/2016/office"),
                "hlc": hlc_of(stamp("2017-04-18")),
                "device_id": OFFICE,
                "seen_hlc": 0,
                "settled_by": rid("h2/income/2016"),
            }
        )
    now = stamp("2017-04-18", "17:20:00")
    t["local_setting"] += [
        {"key": "device_signing_key", "value": base64.b64encode(hashlib.sha256(b"laptop signing").digest()).decode()},
        {"key": "device_box_key", "value": base64.b64encode(hashlib.sha256(b"laptop box").digest()).decode()},
        {"key": "device_created_at", "value": "2017-04-01T08:00:00+00:00"},
        {
            "key": "device_home",
            "value": json.dumps(
                {
                    "nonce": "5d1f0c2a9b7e4d6f8a3c1e0b2d4f6a8c",
                    "inode": 1048601,
                    "path": "C:\\xinjie\\data.sqlite",
                    "computer": "QINGSHAN-LAPTOP",
                }
            ),
        },
        {"key": "sync_hlc", "value": str(hlc_of(now))},
    ]
    t["sync_peer"] = [
        {
            "device_id": OFFICE,
            "name": "辛街乡指挥部",
            "role": "township",
            "signing_public": base64.b64encode(hashlib.sha256(b"office signing public").digest()).decode(),
            "box_public": base64.b64encode(hashlib.sha256(b"office box public").digest()).decode(),
            "scope": "[]",
            "provisioning_id": rid("provisioning/qingshan"),
            "former_ids": "[]",
            "trusted": 1,
            "problem": "",
            "first_seen": stamp("2017-04-01", "08:05:00"),
            "last_seen": now,
            "last_bundle_id": rid("bundle/in/1"),
        }
    ]
    t["peer_cursor"] = [{"peer_id": OFFICE, "origin_device": LAPTOP, "acked_seq": own_seq - 3}]
    t["origin_cursor"] = [{"origin_device": OFFICE, "received_seq": office_seq}]
    t["bundle_log"] = [
        {
            "bundle_id": rid("bundle/in/1"),
            "direction": "in",
            "peer_id": OFFICE,
            "file_name": "辛街乡指挥部-20170418.xjb",
            "sha256": hashlib.sha256(b"bundle in 1").hexdigest(),
            "at": now,
            "covers": json.dumps({OFFICE: [1, office_seq]}),
            "counts": json.dumps({"applied": office_seq}),
            "report": "{}",
        },
        {
            "bundle_id": rid("bundle/out/1"),
            "direction": "out",
            "peer_id": OFFICE,
            "file_name": "青山村-20170418.xjb",
            "sha256": hashlib.sha256(b"bundle out 1").hexdigest(),
            "at": stamp("2017-04-18", "17:25:00"),
            "covers": json.dumps({LAPTOP: [1, own_seq - 3]}),
            "counts": json.dumps({"changes": own_seq - 3}),
            "report": "{}",
        },
    ]
    t["sync_conflict"] = [
        {
            "id": f"household:{rid('h1')}:phone",
            "table_name": "household",
            "row_id": rid("h1"),
            "field": "phone",
            "kind": "field",
            "winner": json.dumps({"value": "13908751234", "hlc": hlc_of(stamp("2017-03-28")), "device": LAPTOP}),
            "losers": json.dumps([{"value": "13908750000", "hlc": hlc_of(stamp("2017-03-27")), "device": OFFICE}]),
            "status": "open",
            "detected_at": now,
            "resolved_at": None,
        }
    ]
    if n >= 10:
        # Signed runs: the laptop's changes it exported (signed then), the office's that came with them.
        # The signatures are 64 bytes of the right form; nothing here checks them.
        t["change_run"] = [
            {
                "origin_device": origin,
                "first_seq": 1,
                "last_seq": last,
                "signature": base64.b64encode(hashlib.sha512(f"run {origin} 1-{last}".encode()).digest()).decode(),
                "omitted": "{}",
            }
            for origin, last in ((LAPTOP, own_seq - 3), (OFFICE, office_seq - funds))
        ]
    if n >= 13:
        _audit_rows(t, own_seq - 2)
    if n >= 17:  # the weekly bulletin of 2017-W16, kept at the office that issued it (issue 18)
        bulletin = pdf("bulletin 2017-W16")
        t["blob"].append({"sha256": hashlib.sha256(bulletin).hexdigest(), "size": len(bulletin), "data": bulletin})
        t["bulletin"] = [
            {
                "week": "2017-W16",
                "as_of": "2017-04-23",
                "issued_at": "2017-04-24 09:00:00.000000",
                "issued_by": "赵文书",
                "figures": json.dumps({"as_of": "2017-04-23", "total": {"households": 3, "figures": {}}}),
                "pdf_sha256": hashlib.sha256(bulletin).hexdigest(),
                "pages": 1,
            }
        ]
    t["possible_duplicate"] = [
        {
            "id_number": DAUGHTER,
            "household_ids": json.dumps(sorted([rid("h1"), rid("h3")])),
            "status": "open",
            "note": "",
            "detected_at": now,
        }
    ]


AUDIT_CONTEXT = b"xinjie-desktop audit record v1\n"  # core.sync.audit_chain, written out here


def _audit_rows(t: dict, first: int) -> None:
    """The record of who did what of a laptop of 0013: its chain starts with its first change after the upgrade
    (``first``; the ones before were journalled by earlier revisions and name no one); the first entry by the
    account 王芳, the others with no one logged in; a delete keeps the fields it removed."""
    prev = "0" * 64
    t["audit_record"] = []
    for change in t["change_log"]:
        if change["origin_device"] != LAPTOP or change["seq"] < first:
            continue
        line = "\t".join(
            "" if change[c] is None else str(change[c])
            for c in ("origin_device", "seq", "hlc", "table_name", "row_id", "op", "village_id", "payload", "bases")
        )
        account = ("7a1d0c6e-0000-4000-8000-000000000001", "王芳") if change["seq"] == first else ("", "")
        old = "{}"
        if change["op"] == "delete":  # (some of) the fields it removed
            removed = {"objection": {"content": "误录"}, "member": {"name": "李小芳"}}[change["table_name"]]
            old = json.dumps(removed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        at = f"2017-04-20T08:00:{change['seq'] % 60:02d}"
        content = json.dumps(
            [LAPTOP, change["seq"], at, *account, old, hashlib.sha256(line.encode("utf-8")).hexdigest()],
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        digest = hashlib.sha256(AUDIT_CONTEXT + prev.encode("ascii") + b"\n" + content).hexdigest()
        t["audit_record"].append(
            {
                "origin_device": LAPTOP,
                "seq": change["seq"],
                "at": at,
                "account_id": account[0],
                "account_name": account[1],
                "old": old,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest


# ---------------------------------------------------------------------------------------------------


def build(revision: str, out: Path) -> Path:
    sys.path.insert(0, str(ROOT))  # this tree's migrations, whatever is installed
    from xinjie_desktop.core.store import database

    target = out / f"store-{revision}.sqlite"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / target.name
        database.open_store(path, revision=revision).close()  # a fresh store migrated only to `revision`
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA foreign_keys=ON")
            with connection:
                for table, records in rows(revision).items():
                    for record in records:
                        columns = ", ".join(record)
                        marks = ", ".join("?" for _ in record)
                        connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(record.values()))
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
            assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
            # Small pages (512 bytes) keep the file small: a store has one page per table and index at least;
            # the page size is set outside WAL, and the file is left in WAL, as the application leaves it.
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA page_size=512")
            connection.execute("VACUUM")
            connection.execute("PRAGMA journal_mode=WAL")
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            connection.close()
        leftovers = [p.name for p in Path(folder).iterdir() if p != path]
        assert not leftovers, leftovers
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=REVISIONS, help="build only these revisions")
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args(argv)
    for revision in arguments.only or REVISIONS:
        target = build(revision, arguments.out)
        print(f"{target}: {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
