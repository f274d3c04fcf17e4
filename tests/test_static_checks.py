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
    """Every strongly connected group of two or more modules (Tarjan), from grimp's import graph."""
    graph = grimp.build_graph(package, cache_dir=None)
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:  # iterative: the graph is deeper than Python's recursion allows
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return groups


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
