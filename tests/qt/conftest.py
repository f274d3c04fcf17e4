"""Qt fixtures: offscreen platform, isolated settings, the prepared application, windows.

Only Qt fixtures live here; the store and language fixtures shared with the
core tests are in tests/conftest.py.
"""

from __future__ import annotations

import itertools
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog

from xinjie_desktop.core.records import demo_data


@pytest.fixture(scope="session", autouse=True)
def isolated_settings(tmp_path_factory):
    """QSettings and QStandardPaths point into a temporary folder, never the user's own; so do saved
    documents (qt.shell.documents: XINJIE_DOCUMENTS stands for the user's Documents folder)."""
    QStandardPaths.setTestModeEnabled(True)
    os.environ["XINJIE_DOCUMENTS"] = str(tmp_path_factory.mktemp("Documents"))
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def window_opens_afresh(isolated_settings):
    """Each test's main window opens as on a first start: not where an earlier test's window was left, and its
    documents saved under XINJIE_DOCUMENTS, not in a folder an earlier test chose (which test ran before it
    differs between one process and ./run-tests' one per core)."""
    from xinjie_desktop.qt.shell.documents import FOLDER_KEY
    from xinjie_desktop.qt.shell.settings import WINDOW_GEOMETRY_KEY

    QSettings().remove(WINDOW_GEOMETRY_KEY)
    QSettings().remove(FOLDER_KEY)


@pytest.fixture(scope="session")
def prepared_app(qapp):
    from xinjie_desktop.qt.shell.app import prepare_application

    prepare_application(qapp, "en")
    return qapp


@pytest.fixture
def demo_store(store):
    """The store with a small demo data set: 3 villages of 4 groups, 240 households."""
    demo_data.generate(store, villages=3, households=240, seed=7)
    return store


@pytest.fixture
def window(qtbot, prepared_app, demo_store):
    from xinjie_desktop.qt.shell.app import create_main_window

    main = create_main_window(demo_store)
    qtbot.addWidget(main)
    with qtbot.waitActive(main):
        main.show()
        main.activateWindow()
    return main


@pytest.fixture
def type_text(qtbot):
    """Type like a user: ASCII as key presses, a line break as Enter, Chinese as input-method commits (as a pinyin IME sends it).

    QTest can only press keys for Latin-1 characters; Chinese reaches a widget as a
    ``QInputMethodEvent`` whose commit string is the chosen characters.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    def type_into(widget, text: str) -> None:
        for number, line in enumerate(text.split("\n")):
            if number:
                qtbot.keyClick(widget, Qt.Key.Key_Return)
            for is_ascii, chars in itertools.groupby(line, key=str.isascii):
                run = "".join(chars)
                if is_ascii:
                    qtbot.keyClicks(widget, run)
                else:
                    event = QInputMethodEvent()
                    event.setCommitString(run)
                    QApplication.sendEvent(widget, event)

    return type_into


@pytest.fixture
def draw_on_pad(qtbot):
    """Sign on a ``SignaturePad`` like a user with a mouse: press, drag with the left button held, release.

    ``QTest.mouseMove`` carries no buttons, so the moves are sent as ``QMouseEvent``s with the
    left button held.  ``strokes`` are lists of (x, y) in the pad's coordinates.
    """
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    def move(pad, x: float, y: float) -> None:
        local = QPointF(x, y)
        event = QMouseEvent(
            QEvent.Type.MouseMove,
            local,
            pad.mapToGlobal(local),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(pad, event)

    def draw(pad, strokes=None) -> None:
        if strokes is None:  # a scrawl across the pad: two strokes
            w, h = pad.width(), pad.height()
            strokes = [
                [(w * (0.15 + 0.05 * i), h * (0.5 + (0.2 if i % 2 else -0.2))) for i in range(9)],
                [(w * 0.6, h * 0.3), (w * 0.7, h * 0.45), (w * 0.8, h * 0.6), (w * 0.85, h * 0.4)],
            ]
        for stroke in strokes:
            first = stroke[0]
            qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(round(first[0]), round(first[1])))
            for x, y in stroke[1:]:
                # Interpolate, as a real mouse reports many small moves.
                previous = first
                for step in range(1, 5):
                    move(pad, previous[0] + (x - previous[0]) * step / 4, previous[1] + (y - previous[1]) * step / 4)
                first = (x, y)
            last = stroke[-1]
            qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(round(last[0]), round(last[1])))

    return draw


@pytest.fixture
def usb(tmp_path, monkeypatch):
    """The USB stick: a folder (with a Chinese name, as on a village laptop) that "Choose folder…" picks."""
    folder = tmp_path / "U盘"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    return folder
