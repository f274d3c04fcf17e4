"""``xinjie-desktop --self-test`` (issue 6) run in this process, from the source tree: one line per
check, exit code 0 only when every check passed.  tests/test_frozen_build.py runs the same
command in the packaged program."""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import pytest

import xinjie_desktop.core.sync
from xinjie_desktop import __version__, self_test
from xinjie_desktop import main as cli
from xinjie_desktop.core.store.database import StoreError, head_revision

CHECKS = [
    "store",
    "encrypted store",
    "demo household",
    "housing plan",
    "agreement PDF",
    "translations",
    "font",
    "Qt application",
    "Qt translation",
    "window",
    "printing",
    "bundle export and re-import",
    "staging process",
]
BUNDLE = "bundle export and re-import"


def install_bundles(monkeypatch, module) -> None:
    """Stand in for xinjie_desktop.core.sync.round_trip (None: the module cannot be imported)."""
    monkeypatch.setitem(sys.modules, "xinjie_desktop.core.sync.round_trip", module)
    if module is None:
        monkeypatch.delattr(xinjie_desktop.core.sync, "round_trip", raising=False)
    else:
        monkeypatch.setattr(xinjie_desktop.core.sync, "round_trip", module, raising=False)


def fake_bundles(round_trip) -> types.ModuleType:
    module = types.ModuleType("xinjie_desktop.core.sync.round_trip")
    module.self_test_round_trip = round_trip
    return module


def run_self_test() -> tuple[int, list[str]]:
    out = io.StringIO()
    code = self_test.main(out)
    return code, out.getvalue().splitlines()


def check_lines(lines: list[str]) -> dict[str, str]:
    """{check name: its line}, in the order printed; every check has exactly one line."""
    found = {}
    for line in lines[1:]:
        status, _, rest = line.partition(" ")
        name = rest.strip().split(":")[0]
        assert status in ("ok", "FAILED") and name in CHECKS and name not in found, line
        found[name] = line
    return found


def test_every_check_passes_and_prints_one_line_each(monkeypatch):
    seen = {}

    def round_trip(work_dir: Path) -> str:
        seen["work_dir"] = work_dir
        assert work_dir.is_dir() and not any(work_dir.iterdir())
        return "exported 1 household, re-imported it, 0 differences"

    install_bundles(monkeypatch, fake_bundles(round_trip))
    code, lines = run_self_test()
    assert code == 0, "\n".join(lines)
    assert lines[0] == f"xinjie-desktop {__version__} self-test"
    found = check_lines(lines)
    assert list(found) == CHECKS
    assert all(line.startswith(f"ok  {name}: ") for name, line in found.items()), lines
    assert f"migrated to revision {head_revision()}, integrity ok" in found["store"]
    assert "1 demo household with" in found["demo household"]
    assert (
        "people:" in found["housing plan"] and "m²" in found["housing plan"] and found["housing plan"].endswith("saved")
    )
    assert "matches the store" in found["agreement PDF"] and "WenQuanYiMicroHei" in found["agreement PDF"]
    assert "signed on screen (3 signature pictures), the signed PDF matches too" in found["agreement PDF"]
    assert "辛街乡" in found["translations"]  # a known message in Chinese
    assert "Chinese glyphs present" in found["font"]
    assert "WenQuanYi Micro Hei" in found["Qt application"] and "icon loaded" in found["Qt application"]
    assert "Cancel → 取消" in found["Qt translation"]
    assert "About dialog" in found["window"] and "development build" in found["window"]
    assert "drawn by PDFium" in found["printing"] and "page(s)" in found["printing"]  # issue 16: printing
    assert found[BUNDLE] == f"ok  {BUNDLE}: exported 1 household, re-imported it, 0 differences"
    # issue 13: the import's staging process starts (in the frozen program too: freeze_support in __main__)
    assert "a staging process of the import started and staged" in found["staging process"]
    # all of it happened in a temporary folder that is gone afterwards
    assert seen["work_dir"].parent.name.startswith("xinjie-self-test-")
    assert not seen["work_dir"].parent.exists()


def test_without_the_bundle_module_the_bundle_check_fails_and_the_exit_code_is_1(monkeypatch):
    install_bundles(monkeypatch, None)
    code, lines = run_self_test()
    found = check_lines(lines)
    assert code == 1
    assert found[BUNDLE].startswith(f"FAILED {BUNDLE}: the bundle module cannot be loaded: ")
    assert all(found[name].startswith("ok  ") for name in CHECKS if name != BUNDLE)


def test_a_failing_round_trip_is_reported_with_its_reason(monkeypatch):
    def round_trip(_work_dir):
        raise ValueError("the re-imported store differs: 1 household")

    install_bundles(monkeypatch, fake_bundles(round_trip))
    code, lines = run_self_test()
    assert code == 1
    assert check_lines(lines)[BUNDLE] == f"FAILED {BUNDLE}: ValueError: the re-imported store differs: 1 household"


def test_checks_that_need_the_store_fail_when_it_cannot_be_opened(monkeypatch):
    from xinjie_desktop.core.store import database as store

    def refuse(*_args, **_kwargs):
        raise StoreError("The disk is full.")

    monkeypatch.setattr(store, "open_store", refuse)
    install_bundles(monkeypatch, fake_bundles(lambda work_dir: "not reached"))
    code, lines = run_self_test()
    found = check_lines(lines)
    assert code == 1
    assert found["store"] == "FAILED store: StoreError: The disk is full."
    for name in ("demo household", "housing plan", "agreement PDF", "printing", BUNDLE):
        assert found[name].startswith(f"FAILED {name}: not run, because this check failed: ")
    for name in ("translations", "font", "Qt application", "Qt translation", "window"):
        assert found[name].startswith(f"ok  {name}: ")


def test_the_command_line_flag_runs_the_self_test(monkeypatch):
    calls = []
    monkeypatch.setattr(self_test, "main", lambda: calls.append("run") or 0)
    assert cli.main(["--self-test"]) == 0
    assert calls == ["run"]
    monkeypatch.setattr(self_test, "main", lambda: 1)
    assert cli.main(["--self-test"]) == 1


def test_the_flag_is_listed_in_the_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "--help"])
    assert "--self-test" in capsys.readouterr().out
