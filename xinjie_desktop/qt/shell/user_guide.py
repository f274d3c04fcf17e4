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

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
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


class GuideBrowser(QTextBrowser):
    """The guide's page: its pictures drawn no wider than the page (scaled down, proportions kept, as the page
    is resized), each a link to itself that opens it at full size; links within the guide scroll to their
    section; nothing is opened outside the program."""

    picture_opened = Signal(object)  # the PictureDialog shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide_browser")
        self.setOpenLinks(False)  # nothing leaves the computer; the links are followed below
        self.anchorClicked.connect(self._follow)
        self._natural: dict[str, QSize] = {}
        self._scaled: set[str] = set()  # the scaled copies added to the document

    def setSource(self, url: QUrl, *args) -> None:
        self._scaled.clear()
        super().setSource(url, *args)
        self.fit_pictures()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_pictures()

    def picture_path(self, name: str) -> Path:
        return Path(self.source().resolved(QUrl(name)).toLocalFile())

    def _natural_size(self, name: str) -> QSize:
        if name not in self._natural:
            self._natural[name] = QImageReader(str(self.picture_path(name))).size()
        return self._natural[name]

    def room(self) -> int:
        """The width a picture may take: the page's, less the document's margins and a little air."""
        return max(120, self.viewport().width() - 2 * int(self.document().documentMargin()) - 16)

    def pictures(self) -> list[tuple[int, str, float, float]]:
        """(position, name, width drawn, height drawn) of each picture on the page."""
        found = []
        block = self.document().begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                if fragment.charFormat().isImageFormat():
                    image = fragment.charFormat().toImageFormat()
                    name = image.name().split("?", 1)[0]  # a scaled copy's name: the picture's and its width
                    found.append((fragment.position(), name, image.width(), image.height()))
                fragments += 1
            block = block.next()
        return found

    def fit_pictures(self) -> None:
        room = self.room()
        for position, name, width, _height in self.pictures():
            natural = self._natural_size(name)
            if natural.isEmpty():
                continue
            wanted = min(natural.width(), room)
            if abs(width - wanted) < 1:
                continue
            cursor = QTextCursor(self.document())
            cursor.setPosition(position)
            cursor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
            image = cursor.charFormat().toImageFormat()
            # drawn from a copy scaled smoothly (the screen's text stays legible), or the picture itself
            scaled = f"{name}?width={wanted}" if wanted < natural.width() else name
            if scaled != name and scaled not in self._scaled:
                self._scaled.add(scaled)
                picture = QImage(str(self.picture_path(name)))
                self.document().addResource(  # under the name as the document resolves it
                    QTextDocument.ResourceType.ImageResource,
                    self.document().baseUrl().resolved(QUrl(scaled)),
                    picture.convertToFormat(QImage.Format.Format_RGB32).scaledToWidth(
                        wanted, Qt.TransformationMode.SmoothTransformation
                    ),
                )
            image.setName(scaled)
            image.setWidth(wanted)
            image.setHeight(natural.height() * wanted / natural.width())
            cursor.setCharFormat(image)

    def _follow(self, url: QUrl) -> None:
        if url.path().lower().endswith(".png"):
            dialog = PictureDialog(self.picture_path(url.toString()), self.window())
            dialog.show()
            self.picture_opened.emit(dialog)
        elif url.hasFragment():
            self.scrollToAnchor(url.fragment())


class PictureDialog(QDialog):
    """A picture of the guide at its full size (scrolled where the screen is smaller)."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide_picture")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(_("Picture at full size"))
        self.picture = QLabel(objectName="guide_picture_label")
        self.picture.setPixmap(QPixmap(str(path)))
        area = QScrollArea()
        area.setWidget(self.picture)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(area, 1)
        layout.addWidget(buttons)
        size = self.picture.pixmap().size() + QSize(40, 80)
        screen = self.screen().availableGeometry().size() if self.screen() is not None else size
        self.resize(min(size.width(), screen.width()), min(size.height(), screen.height()))


class UserGuideDialog(QDialog):
    """The guide beside a list of its tasks; not modal, so the user can follow it in the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("user_guide")
        self.setWindowTitle(_("User guide"))
        self.contents = QListWidget(objectName="guide_contents")
        self.contents.setFixedWidth(170)
        self.browser = GuideBrowser()
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
        # As large as a laptop's screen allows (the pictures are drawn at the page's width), not larger.
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        self.resize(
            min(1200, screen.width() - 40) if screen else 1000, min(760, screen.height() - 60) if screen else 680
        )

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
