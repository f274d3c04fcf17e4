"""The PyInstaller spec ships what the frozen application reads from disk, and excludes no Qt module in use.

The spec is executed with stand-ins for PyInstaller's Analysis/PYZ/EXE/COLLECT,
so this runs in milliseconds without PyInstaller; packaging/README.md tells how
the real build was checked.
"""

import ast
import importlib.util
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "xinjie-desktop.spec"
MIGRATIONS = ROOT / "xinjie_desktop" / "migrations"


@pytest.fixture(scope="module")
def spec():
    recorded = {}

    def analysis(scripts, **options):
        recorded["scripts"] = scripts
        recorded.update(options)
        return SimpleNamespace(pure=[], scripts=[], binaries=[], datas=[])

    namespace = {
        "SPECPATH": str(SPEC.parent),
        "Analysis": analysis,
        "PYZ": lambda *args, **kwargs: None,
        "EXE": lambda *args, **kwargs: None,
        "COLLECT": lambda *args, **kwargs: None,
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return recorded


def _shipped(spec):
    """{destination file: source file} for every data entry."""
    shipped = {}
    for source, destination in spec["datas"]:
        source = Path(source)
        if source.is_dir():
            for path in source.rglob("*"):
                if path.is_file():
                    shipped[(Path(destination) / path.relative_to(source)).as_posix()] = path
        else:
            shipped[(Path(destination) / source.name).as_posix()] = source
    return shipped


def test_entry_point_exists(spec):
    assert [Path(script) for script in spec["scripts"]] == [ROOT / "xinjie_desktop" / "__main__.py"]


def test_every_migration_file_is_shipped_where_the_store_looks_for_it(spec):
    # core/store.py: MIGRATIONS = Path(__file__).parent.parent / "migrations", i.e. xinjie_desktop/migrations
    shipped = _shipped(spec)
    wanted = [p for p in MIGRATIONS.rglob("*") if p.is_file() and (p.suffix == ".py" or p.name == "script.py.mako")]
    assert any(p.parent.name == "versions" for p in wanted)
    for path in wanted:
        destination = (Path("xinjie_desktop") / path.relative_to(ROOT / "xinjie_desktop")).as_posix()
        assert shipped.get(destination) == path, f"{destination} missing from the spec's datas"


def test_resources_are_shipped_under_resources(spec):
    shipped = _shipped(spec)
    for name in ("fonts/wqy-microhei.ttc", "fonts/LICENSE-Apache-2.0.txt", "policy/policy-2017.toml"):
        assert f"resources/{name}" in shipped


def _imported_modules(path):
    """Modules a script imports: ``from m import n`` names m.n when that is a module, else m."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                qualified = f"{node.module}.{alias.name}"
                try:
                    is_module = importlib.util.find_spec(qualified) is not None
                except ModuleNotFoundError:
                    is_module = False
                yield qualified if is_module else node.module


def test_what_migration_scripts_import_is_a_hidden_import(spec):
    """env.py and versions/*.py are loaded from disk by Alembic, so PyInstaller never analyses them."""
    hidden = set(spec["hiddenimports"])
    for path in [MIGRATIONS / "env.py", *sorted((MIGRATIONS / "versions").glob("*.py"))]:
        for module in _imported_modules(path):
            if module.split(".")[0] not in sys.stdlib_module_names:
                assert module in hidden, f"{path.name} imports {module}: add it to the spec's hiddenimports"


def test_no_qt_module_the_application_imports_is_excluded(spec):
    used = set()
    for path in (ROOT / "xinjie_desktop").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    excluded = {name.split(".", 1)[1] for name in spec["excludes"] if name.startswith("PySide6.")}
    assert used, "the application imports no Qt module?"
    assert used.isdisjoint(excluded), f"the spec excludes Qt modules in use: {sorted(used & excluded)}"


def test_reportlab_barcode_symbologies_are_bundled(spec):
    """The agreements' QR code loads reportlab's barcode package, which imports code128 & co. by name."""
    assert "reportlab.graphics.barcode.code128" in spec["hiddenimports"]
    assert "reportlab.graphics.barcode.qr" in spec["hiddenimports"]
