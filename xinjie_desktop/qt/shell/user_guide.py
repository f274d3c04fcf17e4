"""Help → User guide (F1): the day's tasks step by step, in Chinese, offline.

The guide is one HTML file shipped with the program (resources/guide/zh_CN/index.html, its pictures in
images/ beside it, referenced relatively), shown in a QTextBrowser: no network, no web engine.  Each task
is a section whose ``<h2 id="…">`` the window names when F1 is pressed on that task's screen
(``SECTIONS``).  tests/qt/test_user_guide.py makes the pictures from the current build (with
XINJIE_UPDATE_SCREENSHOTS=1) and checks that every picture the guide shows exists and that every name of a
menu, tab or button it prints in bold is one the window shows.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.i18n import _
from xinjie_desktop.resources import guide_path

# The tasks of a day, in the guide's order: the anchor of each section.
SECTIONS = ("setup", "household", "identify", "plan", "sign", "sync", "backup")

_HEADING = re.compile(r'<h2 id="(?P<id>[a-z-]+)">(?P<title>.*?)</h2>', re.DOTALL)


def sections(path: Path | None = None) -> list[tuple[str, str]]:
    """(anchor, title) of each section of the guide, in order (read from its ``<h2 id>`` headings)."""
    text = (path or guide_path()).read_text(encoding="utf-8")
    return [(match["id"], re.sub(r"<[^>]+>", "", match["title"]).strip()) for match in _HEADING.finditer(text)]


class UserGuideDialog(QDialog):
    """The guide beside a list of its tasks; not modal, so the user can follow it in the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("user_guide")
        self.setWindowTitle(_("User guide"))
        self.contents = QListWidget(objectName="guide_contents")
        self.contents.setFixedWidth(170)
        self.browser = QTextBrowser(objectName="guide_browser")
        self.browser.setOpenExternalLinks(False)  # nothing leaves the computer
        path = guide_path()
        if path.exists():
            for anchor, title in sections(path):
                item = QListWidgetItem(title)
                item.setData(Qt.ItemDataRole.UserRole, anchor)
                self.contents.addItem(item)
            self.browser.setSource(QUrl.fromLocalFile(str(path)))
        else:
            self.browser.setPlainText(_("The user guide is not found at {path}.").format(path=path))
        self.contents.currentItemChanged.connect(self._chosen)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.contents)
        row.addWidget(self.browser, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        self.resize(1000, 680)

    def _chosen(self, item: QListWidgetItem | None, _previous=None) -> None:
        if item is not None:
            self.browser.scrollToAnchor(item.data(Qt.ItemDataRole.UserRole))

    def show_section(self, anchor: str | None) -> None:
        """Show the task ``anchor`` (one of SECTIONS), or the guide's beginning for None."""
        for row in range(self.contents.count()):
            if self.contents.item(row).data(Qt.ItemDataRole.UserRole) == anchor:
                self.contents.setCurrentRow(row)
                self.browser.scrollToAnchor(anchor)
                return
        self.contents.setCurrentRow(-1)
        self.browser.verticalScrollBar().setValue(0)

    def current_section(self) -> str | None:
        item = self.contents.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None
