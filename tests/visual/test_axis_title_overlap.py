"""An axis's title never sits on its tick labels.

An axis keeps a strip for its tick numbers and puts its title ("count") beside it; when the
title is placed into that strip (a squeezed panel, a label moved to fit) the two overlap, as
the moons histogram's "count" did over "0.5 … 2.0" at 1024×700.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from nnviz.app.panel_checks import _drawn_tick_labels, axis_titles_over_tick_labels, problems


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.plot([0, 1], [0, 2])
    widget.setLabel("left", "count")
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(20)
    return widget


def _settle(qtbot, widget):
    qtbot.wait(20)
    widget.scene().prepareForPaint()


def test_a_title_moved_onto_the_numbers_is_found(qtbot, plot):
    axis = plot.getAxis("left")
    assert _drawn_tick_labels(axis), "the planted axis must print numbers"
    axis.label.setX(axis.width() - 12)  # the rotated title's left edge into the numbers
    _settle(qtbot, plot)
    found = axis_titles_over_tick_labels(plot)
    assert len(found) == 1 and "'count'" in found[0], found
    assert found[0] in problems(plot)


def test_a_title_beside_the_numbers_is_not(qtbot, plot):
    _settle(qtbot, plot)
    assert axis_titles_over_tick_labels(plot) == []
