"""The drawing tools take no height from the plot until a person chooses to draw.

A short panel (the first row of a three-row window) once lost 28 of its plot's ~160 pixels to
the tool row, and the moons looked flattened. Now a "Draw" toggle sits in the panel's title
row; it opens the tool row above the plot, and a click on the plot adds points only then.
"""

from __future__ import annotations

import pytest
from plot_mouse import click
from PySide6.QtCore import Qt
from test_draw_data import boundary_panel, totals, wait_totals

from nnviz.app.panel_area import PanelFrame
from nnviz.app.window import MainWindow

#: the boundary plot's data area is at least this tall in a 1440×900 window (moons, lesson 2
#: with a pinned run); it was 129 pixels while the tool row stood above it
MIN_PLOT_HEIGHT_1440x900 = 150


def plot_height(panel) -> float:
    return panel.plot.getPlotItem().getViewBox().sceneBoundingRect().height()


def test_the_draw_toggle_sits_in_the_title_row_and_opens_the_tools(qtbot, window,
                                                                   wait_for_step):
    panel = boundary_panel(window, draw=False)
    wait_for_step(window, 0)
    drawing = panel.drawing
    frame = panel.parentWidget()
    assert isinstance(frame, PanelFrame) and drawing.toggle.parentWidget() is frame
    assert drawing.toggle.isVisible() and not drawing.toggle.isChecked()
    title_row = frame.title.geometry()
    assert abs(drawing.toggle.geometry().center().y() - title_row.center().y()) <= 3
    assert not drawing.toolbar.isVisible() and not drawing.ready
    closed_height = plot_height(panel)

    drawing.toggle.click()
    qtbot.waitUntil(lambda: drawing.toolbar.isVisible())
    assert drawing.ready
    qtbot.waitUntil(lambda: plot_height(panel) < closed_height)  # the row's height, drawing

    drawing.toggle.click()
    qtbot.waitUntil(lambda: not drawing.toolbar.isVisible())
    qtbot.waitUntil(lambda: plot_height(panel) == closed_height)


def test_a_click_draws_nothing_until_the_toggle_is_on(qtbot, window, wait_for_step):
    panel = boundary_panel(window, draw=False)
    wait_for_step(window, 0)
    n_train, n_test = totals(panel)
    click(qtbot, panel, 0.0, 1.5)
    qtbot.wait(300)
    assert totals(panel) == (n_train, n_test)
    panel.drawing.toggle.click()
    click(qtbot, panel, 0.0, 1.5)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    panel.drawing.toggle.click()  # closed: the undo key still takes the edit back
    qtbot.keyClick(panel.plot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_totals(qtbot, panel, (n_train, n_test))


@pytest.mark.parametrize("target", ["moons", "lesson-02-capacity"])
def test_the_boundary_plot_keeps_its_height_at_1440x900(qtbot, app_settings, wait_for_step,
                                                        target):
    made = MainWindow(target, settings=app_settings)
    qtbot.addWidget(made)
    made.resize(1440, 900)
    made.show()
    try:
        panel = boundary_panel(made, draw=False)
        wait_for_step(made, 0)
        qtbot.waitUntil(lambda: panel.grid is not None)
        if target != "moons":
            panel.pin_run()  # the comparison's legend entry: one more legend line at most
        qtbot.wait(100)
        assert plot_height(panel) >= MIN_PLOT_HEIGHT_1440x900
    finally:
        made.close()
