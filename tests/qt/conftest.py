"""Qt fixtures: offscreen platform, isolated settings, the prepared application, windows.

Only Qt fixtures live here; the store and language fixtures shared with the
core tests are in tests/conftest.py.
"""

from __future__ import annotations

import itertools
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

from xinjie_desktop.core import demo_data  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def isolated_settings(tmp_path_factory):
    """QSettings and QStandardPaths point into a temporary folder, never the user's own."""
    QStandardPaths.setTestModeEnabled(True)
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(scope="session")
def prepared_app(qapp):
    from xinjie_desktop.qt.app import prepare_application

    prepare_application(qapp, "en")
    return qapp


@pytest.fixture
def demo_store(store):
    """The store with a small demo data set: 3 villages of 4 groups, 240 households."""
    demo_data.generate(store, villages=3, households=240, seed=7)
    return store


@pytest.fixture
def window(qtbot, prepared_app, demo_store):
    from xinjie_desktop.qt.app import create_main_window

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
