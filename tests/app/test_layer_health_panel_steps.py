"""The layer-health gradient plot spans the same steps as the loss plot beside it.

Gradient norms are measured less often than the loss is traced: a snapshot can come without
the histograms view (it was not due). The gradient plot's step axis must still run to the
run's step, as the loss plot's does, or the two figures side by side end at different steps.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_histogram_panels import synthetic

from nnviz.app.panels.layer_health import LayerHealthPanel
from nnviz.core.histograms import DistributionRecorder, StableBins


def test_the_gradient_axis_runs_to_the_run_s_step_between_measurements(qtbot):
    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    recorder, bins = DistributionRecorder(), StableBins()
    for step in (0, 1000, 2000):
        panel.show_snapshot(synthetic(step, 1.0 + step / 1000, recorder, bins))
    measured = synthetic(3000, 4.0, recorder, bins)
    later = replace(measured, step=5000, views={})  # no histograms view: not due yet
    panel.show_snapshot(measured)
    panel.show_snapshot(later)
    low, high = panel.norm_plot.viewRange()[0]
    assert low == pytest.approx(-0.02 * 5000, abs=1)  # the loss plot's 0…step, padded
    assert high == pytest.approx(1.02 * 5000, abs=1)
    x, _ = panel.norm_curves[0].getData()
    assert x[-1] == 3000, "the norms are drawn where they were measured"
