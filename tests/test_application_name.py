"""One name for the application everywhere a person reads it: 辛街乡扶贫工作工具 (issue 16).

The window's title and About box, the README, the Windows installer and the Chinese catalogue use it;
the names it was also given (the README's 辛街乡脱贫攻坚工作台, the message boxes' 辛街扶贫工作工具) are gone,
and the Chinese interface never shows the command's name "xinjie-desktop" in its place.
"""

import gettext
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "辛街乡扶贫工作工具"
OTHER_NAMES = ("脱贫攻坚工作台", "辛街扶贫工作工具", "辛街乡扶贫工作台", "辛街乡脱贫攻坚工具")
PO = ROOT / "resources/translations/zh_CN/LC_MESSAGES/xinjie_desktop.po"
MO = PO.with_suffix(".mo")


def text_files():
    for folder in ("xinjie_desktop", "docs", "packaging", "resources/translations", "resources/guide", "scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".po", ".nsi", ".html", ".sh", ".spec", ".txt", ".ts"}:
                yield path
    yield ROOT / "README.md"


def test_the_other_names_are_gone():
    found = [
        str(path.relative_to(ROOT)) for path in text_files() for name in OTHER_NAMES if name in path.read_text("utf-8")
    ]
    assert found == []


def test_the_name_in_the_readme_the_installer_and_the_catalogue():
    assert (ROOT / "README.md").read_text("utf-8").splitlines()[0] == f"# xinjie-desktop {NAME}"
    nsi = (ROOT / "packaging/windows/xinjie-desktop.nsi").read_text("utf-8")
    assert f'!define APP_DISPLAY_NAME "{NAME}"' in nsi
    with MO.open("rb") as handle:
        chinese = gettext.GNUTranslations(handle)
    assert chinese.gettext("Xinjie Township poverty-alleviation work tool") == NAME
    assert chinese.gettext("xinjie-desktop") == NAME
    assert chinese.gettext("About xinjie-desktop") == f"关于{NAME}"
    assert chinese.gettext("&About xinjie-desktop") == f"关于{NAME}(&A)"


def test_the_chinese_interface_does_not_call_itself_xinjie_desktop():
    """Only a command to type (``xinjie-desktop device …``) or "程序名：" may show it."""
    leaks = [
        line
        for line in PO.read_text("utf-8").splitlines()
        if line.startswith("msgstr") and re.search(r"xinjie-desktop(?! [a-z-])", line)
    ]
    assert leaks == []
