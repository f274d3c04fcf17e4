"""Issue 18, the national system's roster in and out: the labels by a versioned file, reading a roster
(header searched for, columns by name, every field validated, limits before parsing), the comparison by
ID number with the ID-3/ID-4 meaning of each difference, the correction list and the township's roster in
the same layout, and the round trip (export, edit as the national system would, compare finds exactly
those edits)."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xinjie_desktop.core.records import demo_data, national_roster
from xinjie_desktop.core.rules import national_codes
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, make
from xinjie_desktop.core.rules.permissions import Actor, PermissionRefused, Role
from xinjie_desktop.core.rules.roster_compare import DIFFERENT, ONLY_HERE, ONLY_NATIONAL
from xinjie_desktop.core.rules.roster_rows import RosterError

HEADER = (
    "县 乡 行政村 自然村 户编号 人编号 姓名 证件号码 人数 与户主关系 民族 文化程度 在校生状况 健康状况 "
    "劳动技能 务工状况 脱贫属性 贫困户属性 主要致贫原因 危房户 人均纯收入 联系电话"
).split()


def person_row(household: str, name: str, number: str, people: int, relation: str = "户主", **over) -> dict:
    row = dict(
        zip(
            HEADER,
            [
                "隆阳区",
                "辛街乡",
                "大寨村",
                "一组",
                household,
                household + "01",
                name,
                number,
                people,
                relation,
                "汉族",
                "小学",
                "非在校生",
                "健康",
                "普通劳动力",
                "乡内务工",
                "未脱贫",
                "一般贫困户",
                "因病",
                "否",
                2800.5,
                "13800000000",
            ],
            strict=True,
        )
    )
    row.update(over)
    return row


def write_roster(path: Path, rows: list[dict], header=HEADER, title_rows: int = 2, extra: bool = False) -> Path:
    """A roster as the national system exports one: merged title rows above the header, columns in any order."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for index in range(title_rows):
        sheet.append(["全国扶贫开发信息系统 贫困人口信息" if index == 0 else "导出时间：2017-04-01"])
        sheet.merge_cells(start_row=index + 1, start_column=1, end_row=index + 1, end_column=len(header))
    columns = list(header) + (["备注"] if extra else [])
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column, "说明" if column == "备注" else None) for column in columns])
    book.save(path)
    return path


def numbers(count: int, start: int = 1) -> list[str]:
    return [
        make("530502", dt.date(1970 + i % 40, 1 + i % 12, 1 + i % 28), i % 100, MALE)
        for i in range(start, start + count)
    ]


def test_the_codes_file_is_versioned_and_maps_the_systems_labels_to_the_programs_codes():
    codes = national_codes.current()
    assert codes.version == "2017.1"
    assert codes.fields["attribute"].code == "AAC006" and codes.fields["main_cause"].code == "AAC007"
    assert codes.fields["exited"].code == "AAR010"
    assert codes.code_for("attribute", "低保贫困户") == "dibao"
    assert codes.code_for("main_cause", "缺劳力") == "labour"
    assert codes.code_for("exited", "已脱贫") == "yes"
    assert codes.code_for("relation", "之女") == "child"
    assert codes.code_for("attribute", "贫困户") is None  # not listed: the caller refuses it by name
    assert codes.fields["relation"].label_for("child", female=True) == "之女"
    assert codes.fields["relation"].label_for("child") == "之子"


def test_a_codes_file_that_maps_to_a_code_the_program_does_not_have_is_refused(tmp_path):
    text = (national_codes.national_codes_dir() / "national-codes-2017.toml").read_text(encoding="utf-8")
    (tmp_path / "national-codes-2018.toml").write_text(
        text.replace('"因病" = "illness"', '"因病" = "sickness"'), encoding="utf-8"
    )
    with pytest.raises(national_codes.NationalCodesError, match="sickness"):
        national_codes.load_all(tmp_path)


def test_the_header_is_found_below_merged_titles_with_the_columns_in_any_order_and_extra_ones(tmp_path):
    ids = numbers(3)
    rows = [
        person_row("530502000001", "杨明", ids[0], 2),
        person_row("530502000001", "李芳", ids[1], 2, "配偶"),
        person_row("530502000002", "张三", ids[2], 1, 贫困户属性="五保贫困户", 主要致贫原因="缺劳力"),
    ]
    shuffled = list(reversed(HEADER))
    path = write_roster(tmp_path / "r.xlsx", rows, header=shuffled, title_rows=3, extra=True)
    roster = national_roster.read(path)
    assert roster.header.row == 4
    assert [(p.name, p.id_number, p.population, p.relation) for p in roster.people] == [
        ("杨明", ids[0], 2, "head"),
        ("李芳", ids[1], 2, "spouse"),
        ("张三", ids[2], 1, "head"),
    ]
    assert (roster.people[2].attribute, roster.people[2].main_cause, roster.people[2].exited) == (
        "wubao",
        "labour",
        False,
    )
    assert str(roster.people[0].income) == "2800.50"


def test_income_may_be_below_zero_but_must_be_an_amount(tmp_path):
    """ID-1: production costs above the income give a negative per-capita net income, as the worksheet allows."""
    number = numbers(1)[0]
    rows = [person_row("530502000001", "杨明", number, 1, 人均纯收入=-36.95)]
    assert str(national_roster.read(write_roster(tmp_path / "a.xlsx", rows)).people[0].income) == "-36.95"
    rows = [person_row("530502000001", "杨明", number, 1, 人均纯收入="三千")]
    assert "row 4, column U (人均纯收入): '三千' is not an amount in yuan" in refused(
        write_roster(tmp_path / "b.xlsx", rows)
    )


def refused(path: Path) -> str:
    with pytest.raises(RosterError) as caught:
        national_roster.read(path)
    return str(caught.value)


def test_a_malformed_id_number_in_row_812_is_named_by_sheet_row_and_column(tmp_path):
    ids = numbers(900)
    rows = [person_row(f"5305020{i:05d}", f"人{i}", ids[i], 1) for i in range(900)]
    rows[808]["证件号码"] = ids[808][:-1] + ("0" if ids[808][-1] != "0" else "1")  # 2 title rows, the header: row 812
    message = refused(write_roster(tmp_path / "r.xlsx", rows))
    assert message.startswith("Sheet Sheet1, row 812, column H (证件号码): ")
    assert "check digit" in message


def test_an_unknown_label_is_refused_by_naming_it_with_its_sheet_row_and_column(tmp_path):
    rows = [person_row("530502000001", "杨明", numbers(1)[0], 1, 主要致贫原因="因婚")]
    message = refused(write_roster(tmp_path / "r.xlsx", rows))
    assert message.startswith("Sheet Sheet1, row 4, column S (主要致贫原因): the label 因婚 is not one")
    assert "2017.1" in message


def test_other_causes_are_labels_too_and_an_unknown_one_is_refused_by_name(tmp_path):
    """ID-4: 其他致贫原因 holds several of the main cause's labels in one cell; each is mapped by its label, and
    one the program does not know is named with its sheet, row and column."""
    header = [*HEADER, "其他致贫原因"]
    number = numbers(1)[0]
    good = [person_row("530502000001", "杨明", number, 1) | {"其他致贫原因": "缺技术、 缺资金，因灾"}]
    roster = national_roster.read(write_roster(tmp_path / "a.xlsx", good, header=header))
    assert roster.people[0].other_causes == ("disaster", "skills", "capital")  # in the program's order
    bad = [person_row("530502000001", "杨明", number, 1) | {"其他致贫原因": "缺技术、缺钱"}]
    message = refused(write_roster(tmp_path / "b.xlsx", bad, header=header))
    assert message.startswith("Sheet Sheet1, row 4, column W (其他致贫原因): the label 缺钱 is not one")
    assert national_roster.read(write_roster(tmp_path / "c.xlsx", good[:1])).people[0].other_causes is None


def test_missing_columns_are_named(tmp_path):
    header = [h for h in HEADER if h not in ("人数", "贫困户属性")]
    rows = [person_row("530502000001", "杨明", numbers(1)[0], 1)]
    message = refused(write_roster(tmp_path / "r.xlsx", rows, header=header))
    assert message == "Sheet Sheet1, row 3 (the header): the columns 人数、贫困户属性 are missing."


def test_a_file_that_is_not_a_roster_or_not_xlsx_is_refused_by_name(tmp_path):
    (tmp_path / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    assert "is not an Excel workbook (.xlsx)" in refused(tmp_path / "notes.xlsx")
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "is not an Excel workbook (.xlsx)" in refused(tmp_path / "other.xlsx")
    book = openpyxl.Workbook()
    book.active.append(["品名", "数量"])
    book.save(tmp_path / "stock.xlsx")
    assert "has the roster's header" in refused(tmp_path / "stock.xlsx")
    assert "does not exist" in refused(tmp_path / "absent.xlsx")


def test_an_id_number_stored_as_a_number_and_a_bad_population_are_refused(tmp_path):
    number = numbers(1)[0]
    rows = [person_row("530502000001", "杨明", number, 1)]
    rows[0]["证件号码"] = float(number[:17])
    assert "stored as a number" in refused(write_roster(tmp_path / "a.xlsx", rows))
    rows = [person_row("530502000001", "杨明", number, "三")]
    assert "row 4, column I (人数): '三' is not a number of people" in refused(write_roster(tmp_path / "b.xlsx", rows))


def test_the_limits_are_checked_before_the_file_is_parsed(tmp_path, monkeypatch):
    rows = [person_row("530502000001", "杨明", numbers(1)[0], 1)]
    path = write_roster(tmp_path / "r.xlsx", rows)
    monkeypatch.setattr(national_roster, "MAX_FILE_BYTES", 100)
    assert "larger than any roster" in refused(path)
    monkeypatch.undo()
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<" + " " * 60_000_000 + ">")
    assert "unpacks to" in refused(bomb)


# --- the comparison, the correction list and the round trip ---------------------------------------


@pytest.fixture
def township(store):
    demo_data.generate(store, 2, 60, seed=5)
    return store


def edit_household(sheet, column: dict[str, int], household_number: str, header: str, value) -> None:
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, column["户编号"]).value == household_number:
            sheet.cell(row, column[header]).value = value


def test_round_trip_export_edit_as_the_national_system_would_and_compare_finds_exactly_those_edits(township, tmp_path):
    """ID-3, ID-4: the township's roster compared with itself differs nowhere; after a population, an
    attribute, a person removed and a person added, the comparison names exactly those four."""
    exported = tmp_path / "roster.xlsx"
    written = national_roster.export(township, exported)
    assert written > 0
    _roster, clean = national_roster.compare_file(township, exported)
    assert clean.differences == []

    book = openpyxl.load_workbook(exported)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    households = []
    for row in range(3, sheet.max_row + 1):
        number = sheet.cell(row, column["户编号"]).value
        if number not in households:
            households.append(number)
    population_of = {
        sheet.cell(row, column["户编号"]).value: sheet.cell(row, column["人数"]).value
        for row in range(3, sheet.max_row + 1)
    }
    first, second, third, fourth = households[:4]
    edit_household(sheet, column, first, "人数", population_of[first] + 1)
    attribute_now = next(
        sheet.cell(r, column["贫困户属性"]).value
        for r in range(3, sheet.max_row + 1)
        if sheet.cell(r, column["户编号"]).value == second
    )
    new_attribute = "五保贫困户" if attribute_now != "五保贫困户" else "一般贫困户"
    edit_household(sheet, column, second, "贫困户属性", new_attribute)
    removed_row = next(
        r
        for r in range(3, sheet.max_row + 1)
        if sheet.cell(r, column["户编号"]).value == third and sheet.cell(r, column["与户主关系"]).value != "户主"
    )
    removed_number = sheet.cell(removed_row, column["证件号码"]).value
    sheet.delete_rows(removed_row)
    fourth_row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, column["户编号"]).value == fourth)
    added = [cell.value for cell in sheet[fourth_row]]
    added_number = make("530502", dt.date(2010, 5, 6), 91, FEMALE)
    added[column["证件号码"] - 1] = added_number
    added[column["姓名"] - 1] = "新添"
    added[column["与户主关系"] - 1] = "之女"
    sheet.append(added)
    edited = tmp_path / "edited.xlsx"
    book.save(edited)

    store_before = hashlib.sha256(Path(township.path).read_bytes()).hexdigest()
    _roster, found = national_roster.compare_file(township, edited)
    shown = national_roster.to_json(found)
    assert [(e["field"], e["household_number"], e["national"], e["rule"]) for e in shown[DIFFERENT]] == [
        ("population", first, str(population_of[first] + 1), "ID-4"),
        ("attribute", second, national_codes.current().code_for("attribute", new_attribute), "ID-4"),
    ]
    assert [(e["kind"], e["id_number"], e["rule"]) for e in shown[ONLY_HERE]] == [("person", removed_number, "ID-3")]
    assert [(e["kind"], e["id_number"], e["household_number"], e["rule"]) for e in shown[ONLY_NATIONAL]] == [
        ("person", added_number, fourth, "ID-3")
    ]
    assert "actual population is" in shown[DIFFERENT][0]["meaning"]
    assert hashlib.sha256(Path(township.path).read_bytes()).hexdigest() == store_before  # comparing only reads

    corrections = national_roster.write_corrections(found, tmp_path / "corrections.xlsx")
    listed = list(openpyxl.load_workbook(corrections).active.values)
    assert listed[1][:3] == ("No.", "Kind", "Village")
    assert len(listed) == 2 + 4
    assert {row[9] for row in listed[2:]} == {"ID-3", "ID-4"}
    assert new_attribute in {row[7] for row in listed[2:]}  # the national system's own label


def test_round_trip_finds_a_changed_main_cause_exit_mark_and_other_causes_each_once(township, tmp_path):
    """ID-4, EX-1: the main cause, the exit mark and the other causes (其他致贫原因, the township's secondary
    causes) edited as the national system would are found, each once with its rule; a roster without the
    其他致贫原因 column is not taken to say there are none."""
    exported = tmp_path / "roster.xlsx"
    national_roster.export(township, exported)
    book = openpyxl.load_workbook(exported)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    assert column["其他致贫原因"] == column["主要致贫原因"] + 1  # the national system's layout
    households: list[str] = []
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, column["户编号"]).value not in households:
            households.append(sheet.cell(row, column["户编号"]).value)

    def value(number: str, header: str):
        return next(
            sheet.cell(r, column[header]).value
            for r in range(3, sheet.max_row + 1)
            if sheet.cell(r, column["户编号"]).value == number
        )

    first, second, third = households[:3]
    new_cause = "缺水" if value(first, "主要致贫原因") != "缺水" else "因病"
    edit_household(sheet, column, first, "主要致贫原因", new_cause)
    new_exit = "已脱贫" if value(second, "脱贫属性") == "未脱贫" else "未脱贫"
    edit_household(sheet, column, second, "脱贫属性", new_exit)
    new_others = "缺资金、缺技术" if value(third, "其他致贫原因") != "缺技术、缺资金" else "因灾"
    edit_household(sheet, column, third, "其他致贫原因", new_others)
    book.save(tmp_path / "edited.xlsx")
    _roster, found = national_roster.compare_file(township, tmp_path / "edited.xlsx")
    shown = national_roster.to_json(found)
    assert shown[ONLY_HERE] == [] and shown[ONLY_NATIONAL] == []
    assert [(e["field"], e["household_number"], e["rule"]) for e in shown[DIFFERENT]] == [
        ("main_cause", first, "ID-4"),
        ("exited", second, "EX-1"),
        ("other_causes", third, "ID-4"),
    ]
    others = shown[DIFFERENT][2]
    assert others["national"] == ("skills,capital" if new_others.startswith("缺资金") else "disaster")
    rows = national_roster.correction_rows(found)
    assert rows[2][6] == "other causes of poverty" and rows[2][7] == new_others.replace(
        "缺资金、缺技术", "缺技术、缺资金"
    )

    for row in range(2, sheet.max_row + 1):  # a roster without the column: nothing said about other causes
        sheet.cell(row, column["其他致贫原因"]).value = None
    book.save(tmp_path / "without.xlsx")
    _roster, found = national_roster.compare_file(township, tmp_path / "without.xlsx")
    assert [d.field for d in found.differences] == ["main_cause", "exited"]


def test_only_the_township_administration_compares_or_exports_the_roster(township, tmp_path):
    """Issue 17 and 18: the roster holds every village's people, so comparing it and exporting the township's
    are the township office's (Action.NATIONAL_ROSTER): a village cadre or a work-team member is refused with the
    reason and nothing is written; the administration may (the auditors, who read everything, too: see
    test_auditors_compare_and_export_the_roster_and_never_record_corrections)."""
    from sqlalchemy import select

    from xinjie_desktop.core.store.models import Village

    exported = tmp_path / "roster.xlsx"
    national_roster.export(township, exported)  # a store without accounts does not ask
    with township.session() as session:
        village = session.scalar(select(Village.id).limit(1))
    for role in (Role.VILLAGE_CADRE, Role.WORK_TEAM):
        township.actor = Actor("x", "某人", role, frozenset({village}))
        with pytest.raises(PermissionRefused, match="某人 .* may not compare or export the national system's roster"):
            national_roster.compare_file(township, exported)
        with pytest.raises(PermissionRefused):
            national_roster.export(township, tmp_path / "theirs.xlsx")
        assert not (tmp_path / "theirs.xlsx").exists()
    township.actor = Actor("x", "某人", Role.TOWNSHIP_ADMIN, frozenset())
    assert national_roster.compare_file(township, exported)[1].differences == []
    assert national_roster.export(township, tmp_path / "ours.xlsx") > 0


def _files(store) -> tuple:
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (store.path, store.path.with_name(store.path.name + "-wal"))
    )


def test_auditors_compare_and_export_the_roster_and_never_record_corrections(township, tmp_path):
    """Issue 18 and 17: 纪检/审计 reads everything: the township's roster exported, the national system's roster
    compared, the correction list written as .xlsx with what was already corrected; recording corrections as
    entered into the national system (Action.ROSTER_CORRECTIONS) is refused, naming the person and the action, and
    the store is left as it was; the administration records them."""
    exported = tmp_path / "roster.xlsx"
    township.actor = Actor("a", "赵审计", Role.AUDITOR, frozenset())
    assert national_roster.export(township, exported) > 0
    book = openpyxl.load_workbook(exported)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    edit_household(sheet, column, sheet.cell(3, column["户编号"]).value, "人数", 20)
    book.save(exported)
    _roster, found = national_roster.compare_file(township, exported)
    (difference,) = found.differences
    before = _files(township)
    with pytest.raises(PermissionRefused, match="赵审计 .*may not record corrections entered into the national system"):
        national_roster.record_corrections(township, [difference], dt.date(2017, 4, 20), "赵审计")
    assert _files(township) == before and national_roster.corrections(township) == {}
    township.actor = Actor("x", "管理员", Role.TOWNSHIP_ADMIN, frozenset())
    assert national_roster.record_corrections(township, [difference], dt.date(2017, 4, 20), "李文书") == 1
    township.actor = Actor("a", "赵审计", Role.AUDITOR, frozenset())
    _roster, again = national_roster.compare_file(township, exported)
    path = national_roster.write_corrections(again, tmp_path / "c.xlsx", national_roster.corrected_texts(township))
    listed = list(openpyxl.load_workbook(path).active.values)
    assert [row[11] for row in listed[2:]] == ["2017-04-20 李文书"]


def test_households_only_on_one_side_and_members_who_are_not_actual_members(township, tmp_path):
    """ID-3, ID-4: a national household the township has not recorded, and a township household the roster
    lacks; the household's actual members only (ID-2) are what the national system should hold."""
    exported = tmp_path / "roster.xlsx"
    national_roster.export(township, exported)
    book = openpyxl.load_workbook(exported)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    last_number = sheet.cell(sheet.max_row, column["户编号"]).value
    while sheet.cell(sheet.max_row, column["户编号"]).value == last_number:
        sheet.delete_rows(sheet.max_row)
    stranger = [cell.value for cell in sheet[3]]
    stranger[column["户编号"] - 1] = "530502999999"
    stranger[column["证件号码"] - 1] = make("530502", dt.date(1960, 2, 3), 55, MALE)
    stranger[column["人数"] - 1] = 1
    stranger[column["与户主关系"] - 1] = "户主"
    sheet.append(stranger)
    book.save(exported)
    _roster, found = national_roster.compare_file(township, exported)
    assert [(d.field, d.household_number) for d in found.side(ONLY_NATIONAL)] == [("household", "530502999999")]
    assert [(d.field, d.household_number) for d in found.side(ONLY_HERE)] == [("household", last_number)]
    assert found.side(DIFFERENT) == []


def test_the_record_of_corrections_marks_what_was_already_entered_into_the_national_system(township, tmp_path):
    """ID-4 reconciliation kept: a difference the township office entered into the national system is
    recorded once (who, when) and shown as corrected in the JSON and the correction list."""
    exported = tmp_path / "roster.xlsx"
    national_roster.export(township, exported)
    book = openpyxl.load_workbook(exported)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    for number in (sheet.cell(3, column["户编号"]).value, sheet.cell(sheet.max_row, column["户编号"]).value):
        edit_household(sheet, column, number, "人数", 20)
    book.save(exported)
    _roster, found = national_roster.compare_file(township, exported)
    first, second = found.differences
    with pytest.raises(national_roster.CorrectionError, match="Say who"):
        national_roster.record_corrections(township, [first], dt.date.today(), "  ")
    assert national_roster.corrections(township) == {}
    assert national_roster.record_corrections(township, [first], dt.date(2017, 4, 20), "李文书") == 1
    assert national_roster.record_corrections(township, [first, second], dt.date(2017, 4, 21), "王") == 1
    recorded = national_roster.corrections(township)
    assert recorded[first.key].entered_by == "李文书" and recorded[first.key].entered_on == dt.date(2017, 4, 20)

    _roster, again = national_roster.compare_file(township, exported)
    shown = national_roster.to_json(again, recorded)
    assert [entry["corrected"] for entry in shown[DIFFERENT]] == [
        {"on": "2017-04-20", "by": "李文书"},
        {"on": "2017-04-21", "by": "王"},
    ]
    path = national_roster.write_corrections(again, tmp_path / "c.xlsx", national_roster.corrected_texts(township))
    listed = list(openpyxl.load_workbook(path).active.values)
    assert [row[11] for row in listed[2:]] == ["2017-04-20 李文书", "2017-04-21 王"]


def test_a_sheet_declaring_too_many_rows_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    rows = [person_row("530502000001", "杨明", numbers(1)[0], 1) for _ in range(1)]
    path = write_roster(tmp_path / "r.xlsx", rows)  # openpyxl declares <dimension ref="A1:V4"/>
    monkeypatch.setattr(national_roster, "MAX_ROWS", -48)  # at most 2 rows

    def never(*_args, **_kwargs):
        raise AssertionError("the sheet was parsed")

    monkeypatch.setattr(national_roster.python_calamine.CalamineWorkbook, "from_path", never)
    assert "Sheet sheet1 has 4 rows and 22 columns" in refused(path)


def test_the_roster_is_found_on_whichever_sheet_has_its_header(tmp_path):
    number = numbers(1)[0]
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "说明"
    cover.append(["本表由全国扶贫开发信息系统导出"])
    roster = book.create_sheet("花名册")
    roster.append(HEADER)
    roster.append([person_row("530502000001", "杨明", number, 1)[h] for h in HEADER])
    book.save(tmp_path / "r.xlsx")
    read = national_roster.read(tmp_path / "r.xlsx")
    assert (read.sheet, read.header.row, [p.id_number for p in read.people]) == ("花名册", 1, [number])


def test_a_roster_that_begins_below_and_right_of_a1_keeps_its_row_numbers_and_column_letters(tmp_path):
    """The reader's rows and columns are the spreadsheet's own, whatever empty area lies before the roster."""
    ids = numbers(2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for offset, values in enumerate(
        [HEADER, [person_row("530502000001", "杨明", ids[0], 1)[h] for h in HEADER]], start=4
    ):
        for column, value in enumerate(values, start=3):  # from C4
            sheet.cell(offset, column, value)
    sheet.cell(5, 3 + HEADER.index("证件号码"), ids[1][:-1] + ("0" if ids[1][-1] != "0" else "1"))
    book.save(tmp_path / "r.xlsx")
    message = refused(tmp_path / "r.xlsx")
    assert message.startswith("Sheet Sheet1, row 5, column J (证件号码): ")  # H moved two columns right
