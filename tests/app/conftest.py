"""Fixtures for the main window: settings in a temporary INI file, the window closed after."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from nnviz.app.window import MainWindow


@pytest.fixture
def app_settings(settings_dir):
    return QSettings(str(settings_dir / "nnviz.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, app_settings):
    made = MainWindow("moons", settings=app_settings)
    qtbot.addWidget(made)
    made.resize(1280, 800)
    made.show()
    yield made
    made.close()


@pytest.fixture
def wait_for_step(qtbot):
    """``wait_for_step(window, step)``: wait until a snapshot at or past ``step`` was drawn."""

    def wait(window, step: int, timeout: int = 10_000):
        qtbot.waitUntil(lambda: window.last_snapshot is not None
                        and window.last_snapshot.step >= step, timeout=timeout)
        # received is not yet drawn: panels due together draw one after another
        window.panel_area.draw_pending()
        return window.last_snapshot

    return wait
