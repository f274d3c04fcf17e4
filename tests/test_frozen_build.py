"""The packaged program (issue 6): build the one-folder bundle with PyInstaller from
packaging/xinjie-desktop.spec, then run it the way a laptop would, with no Python around it:
``--version``, and ``--self-test`` on Qt's offscreen platform.  Also its size (budget 150 MB on
Linux), that its cut-down ICU data sorts Chinese and names time zones as the whole data does, and that
what the spec leaves out stays out.

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
# Issue 18: the budget stays 150 MB on Linux.  165 MB were measured with Qt's whole ICU data (32 MB); the build
# keeps only what Qt's calls use for Chinese and English (4 MB, packaging/icu_data.py): 138 MB measured then.
SIZE_BUDGET_MB = 150
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


# What Qt asks of ICU (QCollator, QTimeZone's names, QStringConverter), printed as JSON.
ICU_PROBE = r"""
import json
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone

names = ["张三", "李四", "王五", "赵六", "阿明", "欧阳娜", "朱德", "蔡文", "曾", "单", "重庆", "长坪村", "辛街乡",
         "青山村", "白沙村", "第10组", "第2组", "Zoe", "apple", "Éclair", "eclair", "ä", "1"]
out = {}
for name in ("zh_CN", "en_US", "de_DE"):
    collator = QCollator(QLocale(name))
    out["sorted " + name] = sorted(names, key=collator.sortKey)
    collator.setNumericMode(True)
    out["numeric " + name] = sorted(names, key=collator.sortKey)
for name in ("zh_CN", "en_US"):  # time-zone names of other languages are left out (packaging/icu_data.py)
    for zone in (b"Asia/Shanghai", b"Europe/Berlin", b"UTC"):
        out[f"{zone.decode()} in {name}"] = [
            QTimeZone(zone).displayName(QTimeZone.TimeType.StandardTime, kind, QLocale(name))
            for kind in (QTimeZone.NameType.LongName, QTimeZone.NameType.ShortName)
        ]
out["converters"] = {name: QStringDecoder(name).name() for name in ("GB18030", "GBK", "GB2312", "windows-936")}
out["upper"] = [QLocale("tr_TR").toUpper("istanbul"), QLocale("zh_CN").toUpper("straße")]
out["codecs"] = len(QStringDecoder.availableCodecs())
print(json.dumps(out, ensure_ascii=False))
"""


def icu_probe(preload: Path | None) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if preload is not None:  # the bundle's data library in place of PySide6's own (same soname)
        env["LD_PRELOAD"] = str(preload)
    result = subprocess.run(
        [sys.executable, "-c", ICU_PROBE], env=env, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_frozen_icu_data_sorts_chinese_and_names_time_zones_as_the_whole_data(bundle):
    """Issue 18 (150 MB): Qt's collation (pinyin for Chinese), time-zone names and GB converters give with the
    bundle's cut-down ICU data exactly what they give with the whole of it."""
    (library,) = (bundle / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*")
    assert library.stat().st_size < 6 * 1024 * 1024, "the bundle carries the whole ICU data"
    whole, bundled = icu_probe(None), icu_probe(library)
    assert bundled["codecs"] < whole["codecs"], "the probe did not load the bundle's ICU data"
    del whole["codecs"], bundled["codecs"]
    assert bundled == whole
    assert [name for name in bundled["sorted zh_CN"] if name in {"阿明", "蔡文", "李四", "张三", "长坪村", "赵六"}] == [
        "阿明",
        "蔡文",
        "李四",
        "张三",
        "长坪村",
        "赵六",
    ]
    assert bundled["Asia/Shanghai in zh_CN"][0] == "中国标准时间"
    assert bundled["converters"]["GBK"] == "GBK"
