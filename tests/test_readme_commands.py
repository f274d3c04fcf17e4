"""Issue 16, "the command line as the README shows it": every command the README shows works as printed on a
fresh clone.  Users do not activate virtual environments, so the README says ``./run COMMAND …`` (never a bare
``xinjie-desktop``, which is not on PATH); each command shown, in a code block or inline, parses with the real
argument parser (an unknown command or option fails here), and ``./run`` hands its arguments to the program
unchanged, without asking for a desktop when a command is given."""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from xinjie_desktop.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# What a placeholder in the README stands for, so that typed arguments (numbers, dates, amounts) parse.
PLACEHOLDERS = {
    "N": "3",
    "S": "1",
    "D": "2017-03-01",
    "Y": "1000",
    "M2": "100",
    "PATH": "store.sqlite",
    "ID": "a-household-id",
    "DIR": "out",
    "NAME": "张三",
    "FILE.pdf": "agreement.pdf",
    "FILE.xjb": "bundle.xjb",
}


def code_block_lines(text: str) -> list[str]:
    """The command lines of the README's shell code blocks, continuation lines joined."""
    lines: list[str] = []
    for block in re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text, flags=re.M | re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines += [line.strip() for line in joined.splitlines() if line.strip()]
    return lines


def inline_commands(text: str) -> list[str]:
    """The inline code spans outside the code blocks that show a ``./run`` command."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    return [span for span in spans if span == "./run" or span.startswith("./run ") or "xinjie-desktop " in span]


def variants(words: list[str]) -> list[list[str]]:
    """The argument lists a synopsis stands for: without its [optional] parts and with all of them; each
    ``a|b`` choice taken in turn; placeholders replaced by values of their kind."""
    text = " ".join(words)
    without = text
    while re.search(r"\[[^\[\]]*\]", without):
        without = re.sub(r"\s*\[[^\[\]]*\]", "", without)
    with_all = text.replace("[", "").replace("]", "")
    found = []
    for synopsis in dict.fromkeys([without, with_all]):
        tokens = synopsis.split()
        widest = max((len(t.split("|")) for t in tokens if "|" in t and not t.startswith("-")), default=1)
        for choice in range(widest):
            picked = []
            for token in tokens:
                if "|" in token and not token.startswith("-"):  # a choice: one of the values, as written
                    options = token.split("|")
                    picked.append(options[min(choice, len(options) - 1)])
                else:
                    picked.append(PLACEHOLDERS.get(token, token))
            found.append(picked)
    return found


def parse(arguments: list[str]) -> None:
    """Parse as the program does; an unknown command or option fails the test with argparse's reason."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(arguments)
    except SystemExit as exit_:
        assert exit_.code == 0, f"./run {shlex.join(arguments)} does not parse: {err.getvalue().strip()}"


def commands_shown() -> list[str]:
    return code_block_lines(README) + inline_commands(README)


def test_the_readme_shows_commands_and_each_is_run_through_the_run_script():
    shown = commands_shown()
    assert len(shown) >= 20, shown
    for line in shown:
        words = shlex.split(line, comments=True)
        assert words[0] in ("./run", "./run-tests", "xvfb-run"), f"not a ./run command: {line}"
        assert "xinjie-desktop" not in words, f"xinjie-desktop is not on PATH after ./run: {line}"
    assert (ROOT / "run").stat().st_mode & 0o111 and (ROOT / "run-tests").stat().st_mode & 0o111


@pytest.mark.parametrize(
    "line", [line for line in commands_shown() if shlex.split(line, comments=True)[0] != "./run-tests"]
)
def test_every_command_the_readme_shows_parses_with_the_programs_own_parser(line):
    words = shlex.split(line, comments=True)
    if words[0] == "xvfb-run":
        words = words[1:]
    assert words[0] == "./run"
    for arguments in variants(words[1:]):
        parse(arguments)


def test_the_parse_check_itself_refuses_an_unknown_command_or_option():
    with pytest.raises(AssertionError, match="does not parse"):
        parse(["device", "accept", "--db", "x.sqlite", "p.json", "--no-such-option"])
    with pytest.raises(AssertionError, match="does not parse"):
        parse(["no-such-command"])


def subcommands() -> set[str]:
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def test_run_knows_every_command_so_that_none_waits_for_a_desktop():
    """``./run`` looks for a desktop only when it opens the window: the words that mean "not the window"
    are exactly the program's commands and its options that print and exit."""
    script = (ROOT / "run").read_text(encoding="utf-8")
    case = re.search(r"^\s*(-h \| --help[^)]*)\) opens_window=0", script, flags=re.M)
    assert case, "the case that tells a command from the window"
    words = {word.strip() for word in case.group(1).split("|")}
    assert words == subcommands() | {"-h", "--help", "--version", "--self-test"}
    assert 'exec "$XJ_VENV/bin/xinjie-desktop" "$@"' in script  # every argument, as given


def test_run_passes_its_arguments_unchanged_and_does_not_ask_for_a_desktop_for_a_command(tmp_path):
    """The real ./run, with a stand-in for the environment it makes (the venv, the program): what reaches the
    program is what was typed, quotes and spaces included."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    shutil.copy2(ROOT / "run", tmp_path / "run")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "venv.sh").write_text(
        'XJ_VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv"\n'
        "xj_ensure_venv() { :; }\n"
        'xj_say() { printf "%s\\n" "$*" >&2; }\n'
        "xj_ensure_debs() { :; }\n",
        encoding="utf-8",
    )
    program = tmp_path / ".venv" / "bin" / "xinjie-desktop"
    program.parent.mkdir(parents=True)
    program.write_text('#!/usr/bin/env bash\nprintf "%s\\0" "$@"\n', encoding="utf-8")
    program.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    typed = ["device", "accept", "--db", "我的 数据.sqlite", "/media/usb/p.json", "--township-fingerprint", "AB CD"]
    done = subprocess.run(
        ["bash", str(tmp_path / "run"), *typed], capture_output=True, env=environment, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.split(b"\0")[:-1] == [word.encode() for word in typed]
    assert done.stderr == b""  # a command needs no desktop
    for first in itertools.chain(subcommands(), ["--version", "--help"]):
        done = subprocess.run(
            ["bash", str(tmp_path / "run"), first], capture_output=True, env=environment, timeout=60, check=False
        )
        assert done.returncode == 0 and done.stderr == b"", (first, done.stderr.decode())
    window = subprocess.run(
        ["bash", str(tmp_path / "run")], capture_output=True, env=environment, timeout=60, check=False
    )
    assert b"DISPLAY" in window.stderr  # the window without a desktop: it says so (and still tries)


def test_the_sync_commands_name_the_account_wherever_the_data_file_has_accounts_by_then():
    """Issue 16 (the trial): once the township's first bundle has brought its accounts to a laptop, every command
    on the laptop's data file needs ``--user`` (and every one on the township's, whose set-up named its first
    administrator); the README's sync commands show it there, and not before the laptop has any account."""
    shown = code_block_lines(README)
    start = next(i for i, line in enumerate(shown) if line.startswith("./run device init --db town.sqlite"))
    sync = shown[start : start + 14]
    on_laptop = [line for line in sync if "--db laptop.sqlite" in line]
    first_import = next(i for i, line in enumerate(on_laptop) if line.startswith("./run bundle import"))
    for line in on_laptop[: first_import + 1]:  # request, accept, its first export and import: no account yet
        assert "--user" not in shlex.split(line, comments=True) or "[--user" in line, line
    assert on_laptop[first_import + 1 :], "the README shows a laptop's later import"
    for line in on_laptop[first_import + 1 :]:
        assert "--user NAME" in line, line
    for line in sync:
        if "--db town.sqlite" in line:
            assert "--user NAME" in line, line
    assert "every command on `laptop.sqlite` after it takes `--user`" in " ".join(README.split())
