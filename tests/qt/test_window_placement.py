"""The main window opens within the screen's available area and where the user left it (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings

from xinjie_desktop.qt.shell import placement, settings
from xinjie_desktop.qt.shell.main_window import MainWindow

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = QRect(0, 0, 1366, 728)  # a 1366×768 screen less a 40-pixel task bar
LARGE = QRect(0, 0, 1920, 1040)


def test_a_small_screen_opens_the_window_maximised_within_it():
    place = placement.first_placement(LAPTOP)
    assert place.maximised
    assert LAPTOP.contains(place.geometry.marginsAdded(placement.FRAME))


def test_a_large_screen_opens_the_default_size_centred():
    place = placement.first_placement(LARGE)
    assert not place.maximised
    assert place.geometry.size() == placement.DEFAULT_SIZE
    assert LARGE.contains(place.geometry.marginsAdded(placement.FRAME))
    assert abs(place.geometry.center().x() - LARGE.center().x()) <= 1


def test_a_place_on_a_monitor_no_longer_there_is_brought_back_within_the_screen():
    on_second_monitor = QRect(2200, 150, 1000, 600)
    moved = placement.brought_within(on_second_monitor, LAPTOP)
    assert moved.size() == on_second_monitor.size()
    assert LAPTOP.contains(moved.marginsAdded(placement.FRAME))
    too_large = QRect(-50, -20, 1900, 1000)
    shrunk = placement.brought_within(too_large, LAPTOP)
    assert LAPTOP.contains(shrunk.marginsAdded(placement.FRAME))
    fitting = QRect(100, 80, 900, 500)
    assert placement.brought_within(fitting, LAPTOP) == fitting


def new_window(qtbot, available: QRect | None = None) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    if available is not None:
        window.place_on_screen(available)
    return window


def test_the_window_on_a_laptop_screen_opens_maximised(qtbot, prepared_app):
    window = new_window(qtbot, LAPTOP)
    window.show()
    qtbot.waitExposed(window)
    assert window.isMaximized()


def test_the_window_opens_at_the_size_and_place_the_user_left_it(qtbot, prepared_app):
    """(Qt itself keeps a restored window on the offscreen platform's screen, 800×800: hence the small size.)"""
    window = new_window(qtbot, LARGE)
    window.show()
    qtbot.waitExposed(window)
    window.setGeometry(QRect(60, 50, 640, 480))
    window.close()
    again = new_window(qtbot, LARGE)
    assert again.geometry() == QRect(60, 50, 640, 480)
    assert not again.isMaximized()


def test_the_window_reopens_maximised_when_the_user_left_it_maximised(qtbot, prepared_app):
    window = new_window(qtbot, LARGE)
    window.showMaximized()
    qtbot.waitExposed(window)
    window.close()
    again = new_window(qtbot, LARGE)
    again.show()
    qtbot.waitExposed(again)
    assert again.isMaximized()


def test_a_remembered_place_that_no_longer_fits_is_brought_within_the_screen(qtbot, prepared_app):
    window = new_window(qtbot, LARGE)
    window.setGeometry(QRect(1500, 300, 1200, 700))  # on a monitor to the right, since unplugged
    QSettings().setValue(settings.WINDOW_GEOMETRY_KEY, window.saveGeometry())
    again = new_window(qtbot, LAPTOP)
    assert LAPTOP.contains(again.geometry().marginsAdded(placement.FRAME)), again.geometry()


PROBE = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QSettings, QStandardPaths
    from PySide6.QtWidgets import QApplication
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    app = QApplication([])
    from xinjie_desktop.qt.shell.app import prepare_application
    from xinjie_desktop.qt.shell.main_window import MainWindow
    prepare_application(app, "zh_CN")
    window = MainWindow()
    window.show()
    for _ in range(20):
        app.processEvents()
    bar = window.statusBar()
    bottom = bar.mapToGlobal(bar.rect().bottomRight())
    screen = window.screen().availableGeometry()
    print(json.dumps({"screen": [screen.width(), screen.height()], "frame": window.frameGeometry().getRect(),
                      "status_bottom": [bottom.x(), bottom.y()], "maximised": window.isMaximized()}))
    """
)


def test_on_a_1366_by_768_screen_the_status_bar_is_on_the_screen(tmp_path):
    """The real window on an offscreen screen of 1366×768 (the platform's own screen, not a given rectangle)."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "settings")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["screen"] == [1366, 768]
    assert seen["maximised"]
    left, top, width, height = seen["frame"]
    assert left >= 0 and top >= 0 and left + width <= 1366 and top + height <= 768
    assert seen["status_bottom"][1] < 768


MONITORS = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QRect, QSettings, QStandardPaths, Qt
    from PySide6.QtWidgets import QApplication
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    app = QApplication([])
    from xinjie_desktop.qt.shell.main_window import MainWindow
    window = MainWindow()
    if sys.argv[2] == "leave":  # the user moves it to the monitor and makes it smaller
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.setGeometry(QRect(1500, 100, 1200, 700))
    window.show()
    for _ in range(20):
        app.processEvents()
    print(json.dumps(window.geometry().getRect()))
    window.close()
    """
)


def run_on_screens(tmp_path, screens: list[dict], action: str) -> tuple[int, int, int, int]:
    config = tmp_path / f"screens-{len(screens)}.json"
    config.write_text(json.dumps({"screens": screens}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", MONITORS, str(tmp_path / "settings"), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return tuple(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_window_left_on_a_second_monitor_opens_there_and_on_the_laptop_once_it_is_unplugged(tmp_path):
    laptop = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768}
    monitor = {"name": "monitor", "x": 1366, "y": 0, "width": 1920, "height": 1080}
    assert run_on_screens(tmp_path, [laptop, monitor], "leave") == (1500, 100, 1200, 700)
    assert run_on_screens(tmp_path, [laptop, monitor], "open") == (1500, 100, 1200, 700)  # still there
    left, top, width, height = run_on_screens(tmp_path, [laptop], "open")  # the monitor unplugged
    assert left >= 0 and top >= 0 and left + width <= 1366 and top + height <= 768
