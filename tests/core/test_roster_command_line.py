"""Issue 18, the command line: ``roster export --db P --out F.xlsx`` and ``roster compare --db P F.xlsx
--json`` (keys ``only_national``, ``only_here``, ``different``, each naming ID numbers and fields); a bad
file exits 2 with the reason on stderr, and nothing is written (ID-3, ID-4)."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest

from xinjie_desktop.core.records import demo_data
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "town.sqlite"
    store = open_store(path)
    demo_data.generate(store, 2, 40, seed=3)
    store.close()
    return path


def folder_state(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_export_then_compare_prints_the_three_lists_and_finds_an_edited_population(data_file, tmp_path, capsys):
    before = folder_state(data_file.parent)
    out = tmp_path / "roster.xlsx"
    code, printed, err = cli(capsys, "roster", "export", "--db", str(data_file), "--out", str(out))
    assert (code, err) == (0, "")
    assert "Roster written" in printed and out.is_file()
    code, printed, err = cli(capsys, "roster", "compare", "--db", str(data_file), str(out), "--json")
    assert (code, err) == (0, "")
    shown = json.loads(printed)
    assert (shown["only_national"], shown["only_here"], shown["different"]) == ([], [], [])

    book = openpyxl.load_workbook(out)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    number = sheet.cell(3, column["户编号"]).value
    head = sheet.cell(3, column["证件号码"]).value
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row, column["户编号"]).value == number:
            sheet.cell(row, column["人数"]).value = 12
    book.save(out)
    corrections = tmp_path / "corrections.xlsx"
    code, printed, err = cli(
        capsys, "roster", "compare", "--db", str(data_file), str(out), "--json", "--out", str(corrections)
    )
    assert (code, err) == (0, "")
    shown = json.loads(printed)
    assert [(e["id_number"], e["field"], e["national"], e["rule"]) for e in shown["different"]] == [
        (head, "population", "12", "ID-4")
    ]
    assert corrections.is_file()
    assert folder_state(data_file.parent) == before  # both commands only read the data file


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"PK\x03\x04 broken", "is not an Excel workbook (.xlsx)"),
        (b"%PDF-1.7\n", "is not an Excel workbook (.xlsx)"),
        (None, "does not exist"),
    ],
)
def test_a_bad_file_exits_2_with_the_reason_and_writes_nothing(data_file, tmp_path, capsys, content, reason):
    given = tmp_path / "given.xlsx"
    if content is not None:
        given.write_bytes(content)
    before = folder_state(data_file.parent)
    corrections = tmp_path / "corrections.xlsx"
    code, printed, err = cli(
        capsys, "roster", "compare", "--db", str(data_file), str(given), "--json", "--out", str(corrections)
    )
    assert code == 2 and printed == ""
    assert reason in err and "Traceback" not in err
    assert not corrections.exists()
    assert folder_state(data_file.parent) == before


def test_a_malformed_id_number_is_named_by_sheet_row_and_column_on_stderr(data_file, tmp_path, capsys):
    out = tmp_path / "roster.xlsx"
    cli(capsys, "roster", "export", "--db", str(data_file), "--out", str(out))
    book = openpyxl.load_workbook(out)
    sheet = book.active
    column = {cell.value: index for index, cell in enumerate(sheet[2], start=1)}
    sheet.cell(9, column["证件号码"]).value = "53050219700101001"  # 17 characters
    book.save(out)
    code, printed, err = cli(capsys, "roster", "compare", "--db", str(data_file), str(out), "--json")
    assert code == 2 and printed == ""
    assert err.startswith("Sheet 贫困人口, row 9, column H (证件号码): 53050219700101001: The ID number must have 18")


def test_roster_export_and_compare_per_role(tmp_path, monkeypatch, capsys):
    """Issue 18 and 17: on a data file with accounts, `roster export` and `roster compare` read every village's
    people: an auditor (纪检/审计, reads everything) and the administration may, with the correction list too; a
    work-team member of one village exits 2 naming the action, nothing written.  Neither changes the data file."""
    path = tmp_path / "demo.sqlite"
    argv = ["demo-data", "--db", str(path), "--villages", "2", "--households", "6", "--households-only"]
    assert main([*argv, "--password", "demo password"]) == 0
    monkeypatch.setenv("XINJIE_PASSWORD", "demo password")
    monkeypatch.setenv("XINJIE_NEW_PASSWORD", "another password")
    add = ["account", "add", "--db", str(path), "--user", "admin"]
    assert main([*add, "--name", "zhao", "--role", "auditor"]) == 0
    assert main([*add, "--name", "wang", "--role", "work_team", "--village", "青山村"]) == 0
    capsys.readouterr()
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("demo.sqlite*"))]
    monkeypatch.setenv("XINJIE_PASSWORD", "another password")
    out = tmp_path / "out"
    out.mkdir()
    roster = out / "roster.xlsx"
    code, _printed, err = cli(capsys, "roster", "export", "--db", str(path), "--out", str(roster), "--user", "wang")
    assert code == 2 and "may not compare or export the national system's roster" in err and not roster.exists()
    code, printed, err = cli(capsys, "roster", "export", "--db", str(path), "--out", str(roster), "--user", "zhao")
    assert (code, err) == (0, "") and "Roster written" in printed
    code, _printed, err = cli(capsys, "roster", "compare", "--db", str(path), str(roster), "--user", "wang", "--json")
    assert code == 2 and "may not compare or export" in err
    corrections = out / "corrections.xlsx"
    code, printed, err = cli(
        capsys,
        "roster",
        "compare",
        "--db",
        str(path),
        str(roster),
        "--json",
        "--out",
        str(corrections),
        "--user",
        "zhao",
    )
    assert (code, err) == (0, "") and corrections.is_file()
    assert {k: v for k, v in json.loads(printed).items() if k != "counts"} == {
        "only_national": [],
        "only_here": [],
        "different": [],
    }
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("demo.sqlite*"))] == before
