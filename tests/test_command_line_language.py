"""The command line speaks the interface's language: argparse's own words too (issue 16)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "xinjie_desktop", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_help_is_chinese_by_default():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("用法：xinjie-desktop")
    assert "位置参数" in result.stdout and "选项" in result.stdout
    assert "显示本帮助信息并退出" in result.stdout and "显示本程序的版本号并退出" in result.stdout
    for english in ("usage:", "positional arguments", "options:", "show this help message", "show program's"):
        assert english not in result.stdout


def test_a_subcommands_help_and_its_errors_are_chinese():
    result = run("plan", "--help")
    assert result.returncode == 0 and result.stdout.startswith("用法：xinjie-desktop plan")
    result = run("plan", "--kind", "neither")
    assert result.returncode == 2
    assert "无效的选项：'neither'（可选：'registered', 'synchronised'）" in result.stderr
    result = run("plan", "--people", "3", "--kind", "registered", "--bogus")
    assert result.returncode == 2 and "无法识别的参数：--bogus" in result.stderr
    assert not re.search(r"usage:|invalid choice|unrecognized arguments|required:", result.stderr)


def test_help_in_english_when_asked():
    result = run("--lang", "en", "--help")
    assert result.stdout.startswith("usage: xinjie-desktop") and "show this help message and exit" in result.stdout


def test_a_reader_that_goes_away_is_not_an_unexpected_problem(tmp_path):
    """Issue 16 (the trial's terminal): ``./run device init --db … | head -1`` ended with "something went wrong that
    the program did not expect … BrokenPipeError" and a log entry once ``head`` had read its line.  The reader of
    stdout going away is not the program's fault: exit code 1, nothing said, nothing logged."""
    from xinjie_desktop.core.records import township
    from xinjie_desktop.core.sync.workstore import open_store

    store = open_store(tmp_path / "town.sqlite")
    township.set_up(store, "辛街乡", "辛街乡易地扶贫搬迁指挥部", {"青山村": ["第一村民小组"]})
    store.close()
    reader, writer = os.pipe()
    os.close(reader)  # gone before the first line is written
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "xinjie_desktop",
                "--lang",
                "en",
                "device",
                "init",
                "--db",
                str(tmp_path / "town.sqlite"),
            ],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(writer)
    assert result.returncode == 1
    assert result.stderr == ""
    log = tmp_path / "xinjie.log"
    assert not log.exists() or "BrokenPipeError" not in log.read_text(encoding="utf-8")
