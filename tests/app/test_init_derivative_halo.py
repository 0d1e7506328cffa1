"""f'(z) reads over the histograms: over "all of z" tanh' is as narrow as the well-scaled
initialisers' central spike, and a black line inside coloured bars of the same width was lost.
It is drawn over every bar on a white halo wider than itself."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from nnviz.app.panels.init_histogram import InitHistogramPanel
from nnviz.core.initializers import INITIALIZERS
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def _panel(qtbot) -> InitHistogramPanel:
    scenario = get_scenario("init")
    config = scenario.default_config().with_values({"initializers": ",".join(INITIALIZERS)})
    final = list(train(scenario.create_session(config), max_steps=5, every=5))[-1]
    panel = InitHistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 560)
    panel.show()
    panel.show_snapshot(final)
    qtbot.wait(20)
    return panel


def _lightness(color: QColor) -> float:
    return color.lightnessF()


def test_the_halo_lies_under_the_curve_and_over_every_bar_and_spike(qtbot):
    panel = _panel(qtbot)
    stacked = panel.view.scene().items(Qt.SortOrder.DescendingOrder)  # topmost first
    curve, halo = stacked.index(panel.derivative_curve), stacked.index(panel.derivative_halo)
    assert curve < halo
    for item in [*panel.curves.values(), *panel.spikes.values()]:
        assert halo < stacked.index(item)


def test_the_halo_is_white_wider_than_the_curve_and_follows_it(qtbot):
    panel = _panel(qtbot)
    curve_pen = panel.derivative_curve.opts["pen"]
    halo_pen = panel.derivative_halo.opts["pen"]
    assert halo_pen.widthF() >= curve_pen.widthF() + 3  # 1.5 px or more of white each side
    assert _lightness(halo_pen.color()) > 0.95 and halo_pen.color().alphaF() > 0.75
    assert _lightness(halo_pen.color()) - _lightness(curve_pen.color()) > 0.8  # contrast
    for curve, halo in zip(panel.derivative_curve.getData(), panel.derivative_halo.getData(),
                           strict=True):
        np.testing.assert_array_equal(curve, halo)
