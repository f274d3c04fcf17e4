"""Boundaries as failing checks: the core never imports Qt."""

import ast
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "xinjie_desktop"
QT_FREE = [p for p in PACKAGE.rglob("*.py") if "qt" not in p.relative_to(PACKAGE).parts]


def imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_do_not_import_qt():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            n for n in imported_modules(path) if n.split(".")[0] in ("PySide6", "shiboken6")
        )
        for path in QT_FREE
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert any(p.name == "database.py" for p in QT_FREE)  # the scan does see the core


def test_importing_the_core_and_the_command_line_loads_no_qt():
    modules = sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        for p in QT_FREE
        if p.name != "__main__.py" and "migrations" not in p.parts
    )
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + (
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\nprint(bad)\nsys.exit(1 if bad else 0)\n"
        )
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "xinjie_desktop.core.store.database" in modules
