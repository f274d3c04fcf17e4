"""The architecture and the style as failing checks (issue 12, docs/architecture.md).

The import contracts (``[tool.importlinter]`` in pyproject.toml: the core's layers, documents on the
rules only, rules without a store, no Qt in the core), no import circle between any two modules of
``xinjie_desktop``, ruff's lint and format check, and mypy over the core (strict for ``core/rules``).
Each runs the tool the way a developer would and shows its own report when it fails.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import grimp

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_import_contracts_are_kept():
    result = run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def import_cycles(package: str) -> list[list[str]]:
    """Every group of two or more modules that import one another, directly or through others: a module is
    in a circle with the modules it imports that also import it (grimp's import graph; lazy imports inside
    functions count)."""
    graph = grimp.build_graph(package, cache_dir=None)
    groups = set()
    for module in graph.modules:
        circle = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if circle:
            groups.add(tuple(sorted(circle | {module})))
    return sorted(list(group) for group in groups)


def test_no_import_circles_anywhere():
    assert import_cycles("xinjie_desktop") == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    package = tmp_path / "circular"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circular import b\n")
    (package / "b.py").write_text("from circular import c\n")
    (package / "c.py").write_text("from circular import a\n")
    (package / "d.py").write_text("from circular import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("circular") == [["circular.a", "circular.b", "circular.c"]]


def test_ruff_lint():
    result = run(str(BIN / "ruff"), "check", "--no-cache", "xinjie_desktop", "tests", "scripts", "packaging")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(
        str(BIN / "ruff"), "format", "--check", "--no-cache", "xinjie_desktop", "tests", "scripts", "packaging"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_over_the_core():
    result = run(str(BIN / "mypy"), "--no-incremental", "xinjie_desktop/core")
    assert result.returncode == 0, result.stdout + result.stderr
