"""Issue 16: the names of menus, menu items, tabs and buttons the README quotes (「…」, a menu path as
「菜单 → 菜单项」) are the names the window shows in Simplified Chinese, so a user finds what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMenu, QTabWidget

from xinjie_desktop import i18n
from xinjie_desktop.resources import translations_dir

pytestmark = pytest.mark.gui

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def chinese(prepared_app, tmp_path, monkeypatch):
    """The interface in Simplified Chinese, from the catalogue as it is in the source tree."""
    po = translations_dir() / "zh_CN" / "LC_MESSAGES" / "xinjie_desktop.po"
    mo = tmp_path / "zh_CN" / "LC_MESSAGES" / "xinjie_desktop.mo"
    mo.parent.mkdir(parents=True)
    with po.open("rb") as source:
        catalog = read_po(source, locale="zh_CN")
    with mo.open("wb") as target:
        write_mo(target, catalog)
    monkeypatch.setattr(i18n, "translations_dir", lambda: tmp_path)
    from xinjie_desktop.qt.shell.app import prepare_application

    yield prepare_application(prepared_app, "zh_CN")
    prepare_application(prepared_app, "en")


def shown(text: str) -> str:
    """A name as the user reads it: without its keyboard accelerator ("(&S)", "&") and its trailing "…"."""
    return re.sub(r"\(&\w\)|&(?=\S)", "", text).rstrip("…").strip()


def menu_paths(window) -> set[tuple[str, ...]]:
    """Every menu and menu item of the window, as the path a user clicks through."""
    paths: set[tuple[str, ...]] = set()

    def walk(menu: QMenu, path: tuple[str, ...]) -> None:
        paths.add(path)
        for action in menu.actions():
            if action.isSeparator():
                continue
            paths.add((*path, shown(action.text())))
            if action.menu() is not None:
                walk(action.menu(), (*path, shown(action.text())))

    for action in window.menuBar().actions():
        walk(action.menu(), (shown(action.text()),))
    return paths


def quoted_names() -> list[str]:
    return re.findall(r"「([^」]+)」", README)


def test_every_menu_tab_and_button_name_the_readme_quotes_is_one_the_window_shows(qtbot, chinese, demo_store):
    from xinjie_desktop.qt.shell.app import create_main_window

    window = create_main_window(demo_store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(0)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # a household's editor, with its tabs and buttons
    assert window.editor() is not None
    paths = menu_paths(window)
    names = {path[-1] for path in paths}
    for tabs in window.findChildren(QTabWidget):
        names |= {shown(tabs.tabText(i)) for i in range(tabs.count())}
    names |= {shown(button.text()) for button in window.findChildren(QAbstractButton) if button.text()}

    assert ("同步", "同步情况一览") in paths  # the README once said 同步状态表
    quoted = quoted_names()
    assert len(quoted) >= 8, quoted
    for name in quoted:
        path = tuple(part.strip() for part in name.split("→"))
        if len(path) > 1:
            assert path in paths, f"「{name}」: the window's menus have no such path"
        else:
            assert path[0] in names, f"「{name}」: the window shows no menu, tab or button of that name"


def test_the_check_tells_a_stale_name_from_a_real_one(qtbot, chinese, demo_store):
    from xinjie_desktop.qt.shell.app import create_main_window

    window = create_main_window(demo_store)
    qtbot.addWidget(window)
    paths = menu_paths(window)
    assert ("同步", "同步状态表") not in paths and ("视图", "语言", "English（英语）") in paths
