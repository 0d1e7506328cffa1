"""Tick labels stay inside the picture.

A vertical axis may print its labels up to 15 px past its ends, so a plot whose range ends on a
tick, with its view box at the top of the panel, prints that tick half cut off (the race
surface's "1.0" at β = 1, in the window and in every export). Tick labels are painted by the
axis, not text items, so the check lays them out as the axis paints them.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from visual_scenes import fed_panel

from nnviz.app.panel_checks import cut_tick_labels, problems


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _settle(qtbot, widget):
    qtbot.wait(20)
    widget.scene().prepareForPaint()


def test_a_top_tick_label_half_outside_the_panel_is_found(qtbot, plot):
    plot.plot([0, 1], [-1, 1])
    plot.setYRange(-1, 1, padding=0)
    _settle(qtbot, plot)
    found = cut_tick_labels(plot)
    assert any("'1.0'" in line and "runs past the panel" in line for line in found), found
    assert found == [line for line in problems(plot) if "tick label" in line]


def test_room_above_the_plot_keeps_the_label_inside(qtbot, plot):
    plot.plot([0, 1], [-1, 1])
    plot.setYRange(-1, 1, padding=0)
    plot.getPlotItem().layout.setContentsMargins(1, 8, 1, 1)
    _settle(qtbot, plot)
    assert cut_tick_labels(plot) == []


@pytest.mark.parametrize("size", [(420, 300), (800, 560)], ids=["small", "medium"])
def test_the_race_surface_prints_its_top_tick_whole(qtbot, size):
    with fed_panel(qtbot, "race_surface", "race-momentum", size) as panel:
        found = cut_tick_labels(panel)
    assert found == [], "\n".join(found)


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
@pytest.mark.parametrize("size", [(420, 300), (800, 560)], ids=["small", "medium"])
def test_a_decision_boundary_whose_field_ends_on_a_tick_prints_it_whole(qtbot, size):
    """Lesson 2's 200 noisy points give a field from x₂ = … to exactly 2."""
    with fed_panel(qtbot, "decision_boundary", "lesson-02-capacity", size) as panel:
        found = cut_tick_labels(panel)
    assert found == [], "\n".join(found)
