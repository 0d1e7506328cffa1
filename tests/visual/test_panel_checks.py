"""Every panel of every scenario (and of the presets that went wrong before), at three sizes:
no axis with a scale factor, no text cut at an edge, no legend over data, no silent empty plot.

The first tests plant each defect in a bare plot, so a check that stops seeing it fails here
rather than letting every panel pass.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from visual_scenes import fed_panel, panel_cases, targets

from nnviz.app.panel_checks import (
    clipped_texts,
    crowded_tick_labels,
    legends_over_data,
    problems,
    scale_factor_axes,
    silent_empty_plots,
)

#: a small panel in a crowded window, a typical one, and a large screen's
SIZES = {"small": (420, 300), "medium": (800, 560), "large": (1400, 900)}


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


def test_a_scale_factor_on_an_axis_is_found(qtbot, plot):
    plot.plot([0, 1, 2], [0.0003, 0.0008, 0.0005])
    plot.setLabel("left", "loss")
    _settle(qtbot, plot)
    assert scale_factor_axes(plot), "pyqtgraph's (x0.001) went unnoticed"
    plot.getAxis("left").enableAutoSIPrefix(False)
    _settle(qtbot, plot)
    assert scale_factor_axes(plot) == []


def test_crowded_tick_labels_are_found(qtbot, plot):
    plot.plot([0, 1e6], [0, 1])
    axis = plot.getAxis("bottom")
    axis.setTicks([[(v, f"{v:,.0f}") for v in np.linspace(0, 1e6, 12)]])
    _settle(qtbot, plot)
    assert crowded_tick_labels(plot), "twelve seven-digit labels on 400 px went unnoticed"
    axis.setTicks(None)
    _settle(qtbot, plot)
    assert crowded_tick_labels(plot) == []


def test_a_legend_over_a_curve_is_found_and_one_beside_it_is_not(qtbot, plot):
    x = np.linspace(0, 1, 50)
    plot.plot(x, 1 - x, name="falling")  # passes through the top-left corner
    legend = plot.getPlotItem().legend or plot.addLegend(offset=(5, 5))
    legend.addItem(plot.getPlotItem().listDataItems()[0], "falling")
    _settle(qtbot, plot)
    assert legends_over_data(plot)
    legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-5, 5))  # top right: empty
    _settle(qtbot, plot)
    assert legends_over_data(plot) == []


def test_text_cut_by_its_plot_or_the_panel_is_found(qtbot, plot):
    plot.setXRange(0, 1, padding=0)
    plot.setYRange(0, 1, padding=0)
    label = pg.TextItem("a label that sits half outside", anchor=(0, 0.5))
    plot.addItem(label)
    label.setPos(0.8, 0.5)
    _settle(qtbot, plot)
    assert clipped_texts(plot)
    label.setPos(0.1, 0.5)
    _settle(qtbot, plot)
    assert clipped_texts(plot) == []
    plot.setTitle("a title far too long for a plot of four hundred pixels across, surely")
    _settle(qtbot, plot)
    assert clipped_texts(plot)


def test_an_empty_plot_must_say_why(qtbot, plot):
    _settle(qtbot, plot)
    assert silent_empty_plots(plot)
    note = pg.TextItem("no data yet")
    plot.addItem(note)
    _settle(qtbot, plot)
    assert silent_empty_plots(plot) == []


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
@pytest.mark.parametrize("name, kind", panel_cases(targets()))
def test_panel_is_fit_to_publish(qtbot, name, kind, size):
    with fed_panel(qtbot, kind, name, SIZES[size]) as panel:
        found = problems(panel)
    assert found == [], "\n".join(found)
