"""The command line against hostile or careless arguments (issue 13, case 14): every refusal is exit 2 with
the reason on stderr, never a Python traceback nor "something went wrong that the program did not expect"."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest

from command_line import cli
from xinjie_desktop.core.rules.money import MAX_AREA, MAX_YUAN, AmountError, parse_area, parse_yuan
from xinjie_desktop.main import main

UNEXPECTED = "did not expect"


def assert_refused(result: tuple[int, str, str], *words: str) -> None:
    code, _out, err = result
    assert code == 2, err
    assert "Traceback" not in err and UNEXPECTED not in err, err
    for word in words:
        assert word in err, err


# ------------------------------------------------------------------------------------------------
# Amounts


HUGE = ["1" + "0" * 26, "1" + "0" * 30, "99999999999999999999999999", "9" * 5000, "100000000.01", "-100000000.01"]
NOT_AMOUNTS = [
    "1e30",
    "1e26",
    "1E+26",
    "nan",
    "inf",
    "-inf",
    "sNaN",
    "1e2",
    "1_000",
    "0x10",
    "١٢٣",
    "1e-9",
    "1.234",
    "12 34",
    "--5",
]


@pytest.mark.parametrize("text", HUGE)
def test_an_amount_beyond_the_limit_is_refused_by_name(text):
    with pytest.raises(AmountError, match="at most"):
        parse_yuan(text, allow_negative=True)


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(AmountError):
        parse_yuan(text, allow_negative=True)


def test_amounts_people_type_are_read():
    assert parse_yuan(str(MAX_YUAN)) == MAX_YUAN == Decimal(100_000_000)
    assert parse_yuan("-100,000,000.00", allow_negative=True) == -MAX_YUAN
    assert parse_yuan("１２３．４５元") == Decimal("123.45")  # full-width digits, as a Chinese input method types them
    assert parse_yuan("３，０４９．９９") == Decimal("3049.99")
    assert parse_yuan("+5") == Decimal(5)
    assert parse_yuan(".5") == Decimal("0.5")
    assert str(parse_yuan("-0")) == "0" and str(parse_yuan("-0.00")) == "0.00"  # never a "-0.00" yuan
    assert parse_yuan(Decimal("12.50")) == Decimal("12.5")
    with pytest.raises(AmountError, match="at most"):
        parse_yuan(Decimal("1e30"))


def test_amount_times_area_stays_exact_in_fen():
    """Two values at the limit multiplied (cost per m² × m²) still fit a signed 64-bit fen count."""
    assert MAX_YUAN * MAX_YUAN * 100 < 2**63


AMOUNT_OPTIONS = ["--unit-cost", "--own-funds", "--loan", "--built-area", "--homestead-area"]


def test_plan_with_a_huge_unit_cost_is_refused_without_a_traceback():
    """Issue 13 case 14, as the user saw it: a separate process, its stderr read whole."""
    command = [sys.executable, "-m", "xinjie_desktop", "--lang", "en", "plan", "--people", "3"]
    command += ["--kind", "registered", "--unit-cost", "1e30"]
    result = subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--unit-cost" in result.stderr and "Not an amount: 1e30" in result.stderr


@pytest.mark.parametrize("option", AMOUNT_OPTIONS)
@pytest.mark.parametrize("text", ["1e30", "1" + "0" * 26, "9" * 5000, "nan", "inf", "", "-1", "-0.001"])
def test_every_amount_option_refuses_what_is_not_an_amount(capsys, option, text):
    base = ["plan", "--people", "3", "--kind", "registered", "--zone", "basin", "--land", "other"]
    assert_refused(cli(capsys, *base, f"{option}={text}"), option)


def test_areas_are_read_like_amounts():
    assert parse_area("87.5") == Decimal("87.5")
    assert parse_area("８７．５㎡") == Decimal("87.5")
    assert parse_area(" ") is None
    assert parse_area(str(MAX_AREA)) == MAX_AREA
    for bad in ("1e30", "1" + "0" * 30, "1000000.01", "nan", "-1", "87.125"):
        with pytest.raises(AmountError):
            parse_area(bad)


# ------------------------------------------------------------------------------------------------
# Paths: not UTF-8, too long, empty

NOT_UTF8 = "\udcff.sqlite"  # what Python makes of the byte 0xff in a command-line argument (surrogateescape)
TOO_LONG = "a" * 5000
FOLDER_TOO_DEEP = "/".join(["b" * 100] * 50)


def commands_with_a_path(bad: str, good_db: str, folder: str) -> list[list[str]]:
    """Every subcommand, with ``bad`` in each place it takes a path in turn."""
    return [
        ["--db", bad, "plan", "--people", "1", "--kind", "registered"],
        ["demo-data", "--db", bad, "--households", "1"],
        ["agreements", "render", "--db", bad, "--household", "h", "--out", folder],
        ["agreements", "render", "--db", good_db, "--household", "h", "--out", bad],
        ["agreements", "verify", bad, "--db", good_db],
        ["agreements", "verify", __file__, "--db", bad],
        ["device", "init", "--db", bad],
        ["device", "request", "--db", bad, "--out", folder + "/r.json"],
        ["device", "request", "--db", good_db, "--out", bad],
        ["device", "provision", "--db", good_db, "--village", "v", "--out", folder + "/p.json", "--request", bad],
        ["device", "provision", "--db", bad, "--name", "n", "--village", "v", "--out", folder + "/p.json"],
        ["device", "provision", "--db", good_db, "--name", "n", "--village", "v", "--out", bad],
        ["device", "accept", "--db", bad, __file__],
        ["device", "accept", "--db", good_db, bad],
        ["bundle", "export", "--db", bad, "--to", folder],
        ["bundle", "export", "--db", good_db, "--to", bad],
        ["bundle", "import", "--db", bad, __file__],
        ["bundle", "import", "--db", good_db, __file__, bad],
        ["bundle", "verify", bad],
        ["bundle", "verify", __file__, "--db", bad],
        ["db", "dump", "--canonical", "--db", bad],
    ]


@pytest.fixture
def demo_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo-data", "--db", str(folder / "d.sqlite"), "--villages", "1", "--households", "2"]) == 0
    return folder / "d.sqlite"


def snapshot(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"" for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize(("bad", "words"), [(NOT_UTF8, ["UTF-8", "\\xff"]), (TOO_LONG, ["too long"]), ("", ["empty"])])
def test_a_path_that_cannot_be_used_is_refused_by_every_subcommand(
    capsys, tmp_path, monkeypatch, demo_store, bad, words
):
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    store_before = snapshot(demo_store.parent)
    for argv in commands_with_a_path(bad, str(demo_store), str(tmp_path / "out")):
        assert_refused(cli(capsys, *argv), *words)
        assert list(tmp_path.iterdir()) == [], argv  # nothing made, not even a log file
    assert snapshot(demo_store.parent) == store_before


def test_a_path_too_deep_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_refused(cli(capsys, "demo-data", "--db", FOLDER_TOO_DEEP + "/d.sqlite"), "too long")
    assert list(tmp_path.iterdir()) == []


def test_non_utf8_path_bytes_from_a_real_command_line(tmp_path):
    """The bytes as a shell passes them (``--db $'\\xff.sqlite'``), in a separate process."""
    command = [
        sys.executable.encode(),
        b"-m",
        b"xinjie_desktop",
        b"--lang",
        b"en",
        b"demo-data",
        b"--db",
        b"\xff.sqlite",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(command, check=False, capture_output=True, cwd=tmp_path, timeout=60, env=env)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert "Traceback" not in err and UNEXPECTED not in err and "UTF-8" in err, err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------
# demo-data: stated bounds


@pytest.mark.parametrize(
    "counts",
    [
        ["--households", "1000000000"],
        ["--households", "100001"],
        ["--households", "-1"],
        ["--villages", "1000000000"],
        ["--villages", "201"],
        ["--villages", "0"],
        ["--villages", "-3"],
    ],
)
def test_demo_data_counts_have_stated_bounds(capsys, tmp_path, counts):
    """100,000 households is what scripts/benchmark.py shows a laptop handles; 200 villages is ten times a
    township's.  Beyond them: exit 2 naming the bounds, before any file is made."""
    assert_refused(cli(capsys, "demo-data", "--db", str(tmp_path / "d.sqlite"), *counts), "100,000", "200")
    assert list(tmp_path.iterdir()) == []


def test_demo_data_generation_itself_refuses_beyond_the_bounds(tmp_path):
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.records.township import SetupError
    from xinjie_desktop.core.sync.workstore import open_store

    store = open_store(tmp_path / "d.sqlite")
    try:
        with pytest.raises(SetupError):
            demo_data.generate(store, 1, demo_data.MAX_HOUSEHOLDS + 1, 1)
        with pytest.raises(SetupError):
            demo_data.add_households(store, demo_data.MAX_HOUSEHOLDS + 1, 1)
    finally:
        store.close()


# ------------------------------------------------------------------------------------------------
# Device ids in messages


def test_two_devices_sharing_their_first_characters_are_told_apart_in_conflicts(tmp_path):
    """A device without a known name is shown by its whole id: two ids that begin alike (an attacker picks
    his) never look like one device in the list of conflicts."""
    import datetime as dt
    import json

    from xinjie_desktop.core.store.models import SyncConflict
    from xinjie_desktop.core.sync import conflicts
    from xinjie_desktop.core.sync.workstore import open_store

    first = "0badc0de-1111-4111-8111-111111111111"
    second = "0badc0de-2222-4222-8222-222222222222"
    store = open_store(tmp_path / "d.sqlite")
    try:
        with store.session() as session, session.begin():
            session.add(
                SyncConflict(
                    id="household:h:head_name",
                    table_name="household",
                    row_id="h",
                    field="head_name",
                    kind="field",
                    winner=json.dumps({"value": "A", "hlc": 1, "device": first}),
                    losers=json.dumps([{"value": "B", "hlc": 2, "device": second}]),
                    status="open",
                    detected_at=dt.datetime(2017, 3, 1),
                )
            )
        (conflict,) = conflicts.listing(store)
    finally:
        store.close()
    assert conflict.winner.device_name != conflict.losers[0].device_name
    assert {conflict.winner.device_name, conflict.losers[0].device_name} == {first, second}


# ------------------------------------------------------------------------------------------------
# db dump: a store that is only read is never modified


def run_cli(*argv: str, cwd) -> subprocess.CompletedProcess:
    """The command line in a process of its own (its log file set up afresh, as for a user)."""
    command = [sys.executable, "-m", "xinjie_desktop", "--lang", "en", *argv]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        command, check=False, capture_output=True, text=True, encoding="utf-8", cwd=cwd, timeout=120, env=env
    )


@pytest.fixture
def dumpable(tmp_path_factory):
    """A folder holding only a closed, healthy data file."""
    folder = tmp_path_factory.mktemp("store")
    source = tmp_path_factory.mktemp("source")
    assert main(["demo-data", "--db", str(source / "d.sqlite"), "--villages", "1", "--households", "3"]) == 0
    (folder / "d.sqlite").write_bytes((source / "d.sqlite").read_bytes())
    return folder / "d.sqlite"


def test_db_dump_on_a_damaged_store_leaves_its_folder_byte_identical(dumpable):
    """Issue 13 case 14: it said "It has not been changed" and left new -wal and -shm files (and a log)."""
    with dumpable.open("r+b") as handle:  # a page in the middle of the file overwritten
        handle.seek(4096 * 3)
        handle.write(b"\xde\xad" * 2048)
    before = snapshot(dumpable.parent)
    result = run_cli("db", "dump", "--canonical", "--db", str(dumpable), cwd=dumpable.parent)
    assert result.returncode == 2, result.stderr
    assert "damaged" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(dumpable.parent) == before


def test_db_dump_of_a_healthy_store_changes_nothing(dumpable):
    """A dump only reads: no journal, no log, no backup, no identity written, in the data file's folder."""
    before = snapshot(dumpable.parent)
    result = run_cli("db", "dump", "--canonical", "--db", str(dumpable), cwd=dumpable.parent)
    assert result.returncode == 0, result.stderr
    assert '"household"' in result.stdout
    assert snapshot(dumpable.parent) == before


def test_db_dump_of_a_missing_file_makes_no_folder(tmp_path):
    result = run_cli("db", "dump", "--canonical", "--db", str(tmp_path / "no" / "such" / "d.sqlite"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_agreements_verify_changes_nothing_beside_the_data_file(dumpable, tmp_path):
    """Checking a printed agreement only reads the data file: its folder stays byte-identical."""
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    before = snapshot(dumpable.parent)
    result = run_cli("agreements", "verify", str(pdf), "--db", str(dumpable), cwd=tmp_path)
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr and UNEXPECTED not in result.stderr
    assert snapshot(dumpable.parent) == before


def test_a_folder_given_as_the_data_file_is_named_as_a_folder(capsys, tmp_path):
    """It said "does not exist" for a folder that is there."""
    for argv in (["db", "dump", "--canonical"], ["agreements", "verify", __file__]):
        assert_refused(cli(capsys, *argv, "--db", str(tmp_path)), "directory")
