"""At 1440×900 every digits panel is in view: three columns of readable panels instead of two
columns whose last row (histograms, layer health) sat below the fold."""

from __future__ import annotations

import pytest

from nnviz.app.panel_area import MIN_PANEL_HEIGHT
from nnviz.app.window import MainWindow


@pytest.mark.parametrize("size", [(1440, 900), (2560, 1440)], ids=["1440x900", "2560x1440"])
def test_every_digits_panel_is_above_the_fold(qtbot, app_settings, size):
    window = MainWindow("digits", settings=app_settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.panel_area.columns == 3)
    qtbot.wait(50)
    viewport = window.panel_scroll.viewport().height()
    assert window.panel_scroll.verticalScrollBar().maximum() == 0
    for frame in window.panel_area.frames:
        geometry = frame.geometry()
        assert geometry.bottom() <= viewport, frame.panel.kind
        assert geometry.height() >= MIN_PANEL_HEIGHT
        assert geometry.width() >= 330, frame.panel.kind
    window.runner.shutdown(timeout=2.0)


def test_a_small_window_scrolls_rather_than_squeeze_the_panels(qtbot, app_settings):
    window = MainWindow("digits", settings=app_settings)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert window.panel_scroll.verticalScrollBar().maximum() > 0
    assert all(frame.height() >= MIN_PANEL_HEIGHT for frame in window.panel_area.frames)
    window.runner.shutdown(timeout=2.0)
