"""The packaged program (issue 6): build the one-folder bundle with PyInstaller from
packaging/xinjie-desktop.spec, then run it the way a laptop would, with no Python around it:
``--version``, and ``--self-test`` on Qt's offscreen platform.  Also its size (budget 165 MB on
Linux) and that what the spec leaves out stays out.

About 30 s (the build).  Part of the whole suite; alone: ``./run-tests -m frozen``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xinjie_desktop import __version__

pytestmark = pytest.mark.frozen

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "xinjie-desktop.spec"
# 150 MB until the store was encrypted at rest (issue 17: SQLCipher, 8.4 MB) and PDFs were printed from the
# program (issue 16: PDFium, 6.8 MB; QtPrintSupport 0.8 MB): 161 MB measured then (the Windows folder, the
# product, stays within its own 130 MB: packaging/windows/build-and-test.sh).  Qt's ICU data (30.6 MB) is where to
# win it back.
SIZE_BUDGET_MB = 165
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


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """dist/xinjie-desktop/ built into a temporary folder (the checkout's own dist/ is left alone)."""
    folder = tmp_path_factory.mktemp("frozen")
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(folder / "dist"),
        "--workpath",
        str(folder / "build"),
        str(SPEC),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return folder / "dist" / "xinjie-desktop"


def run_frozen(bundle: Path, *args: str, folder: Path) -> subprocess.CompletedProcess:
    """Run the packaged program as a user would: no Python variables, an empty home folder, started
    in the empty folder ``folder / "cwd"``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "QT_", "VIRTUAL_ENV", "XINJIE_", "XDG_"))
    }
    home = folder / "home"
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    (folder / "cwd").mkdir()
    return subprocess.run(
        [str(bundle / "xinjie-desktop"), *args],
        cwd=folder / "cwd",
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_frozen_version(bundle, tmp_path):
    result = run_frozen(bundle, "--version", folder=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"xinjie-desktop {__version__}"


def test_frozen_self_test_passes_every_check_offscreen(bundle, tmp_path):
    result = run_frozen(bundle, "--self-test", folder=tmp_path)
    lines = result.stdout.splitlines()
    report = result.stdout + result.stderr
    assert lines and lines[0] == f"xinjie-desktop {__version__} self-test", report
    names = [line.partition(" ")[2].strip().split(":")[0] for line in lines[1:]]
    assert names == CHECKS, report
    failed = [line for line in lines[1:] if not line.startswith("ok  ")]
    assert failed == [], report
    assert result.returncode == 0, report
    # the About dialog of a packaged build shows the day it was built, from the bundle's build-info.json
    info = json.loads((bundle / "_internal" / "build-info.json").read_text(encoding="utf-8"))
    today = dt.datetime.now(dt.UTC).date()
    assert info["version"] == __version__ and info["built"] in {
        today.isoformat(),
        (today - dt.timedelta(1)).isoformat(),
    }
    window = next(line for line in lines if line.startswith("ok  window:"))
    assert window.endswith(f"About shows {__version__}, {info['built']}"), window
    assert list((tmp_path / "cwd").iterdir()) == [], "the self-test left files behind in the current folder"
    assert not (tmp_path / "home" / "data").exists(), "the self-test touched the user's data folder"


def disk_usage(folder: Path) -> int:
    """Bytes on disk, as du counts them (symbolic links not followed)."""
    return sum(path.lstat().st_blocks * 512 for path in folder.rglob("*") if not path.is_symlink())


def test_frozen_size_and_what_is_left_out(bundle):
    size_mb = disk_usage(bundle) / 1024 / 1024
    assert size_mb <= SIZE_BUDGET_MB, f"the bundle is {size_mb:.0f} MB"
    internal = bundle / "_internal"
    names = {path.name for path in internal.rglob("*")}
    for absent in (
        "libQt6Network.so.6",
        "libQt6Qml.so.6",
        "libQt6Quick.so.6",
        "libQt6Pdf.so.6",
        "libQt6Svg.so.6",
        "libqgtk3.so",
        "libqvnc.so",
        "libqsvg.so",
        "libcairo.so.2",
        "oui.dat",
    ):
        assert absent not in names, f"{absent} is in the bundle"
    assert sorted(p.name for p in internal.rglob("*.qm") if "PySide6" in p.parts) == ["qtbase_zh_CN.qm"]
    for present in (
        "libqxcb.so",
        "libqoffscreen.so",
        "libibusplatforminputcontextplugin.so",
        "wqy-microhei.ttc",
        "xinjie_desktop.mo",
        "xinjie-desktop.png",
        "policy-2017.toml",
    ):
        assert present in names, f"{present} is missing from the bundle"
