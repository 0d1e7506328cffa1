"""Histogram panels driven with qtbot on synthetic and real snapshots (offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from nnviz.app.panels import all_panels
from nnviz.app.panels.histograms import HistogramsPanel
from nnviz.app.panels.init_histogram import InitHistogramPanel
from nnviz.app.panels.layer_health import LayerHealthPanel
from nnviz.core.histograms import (
    DistributionRecorder,
    HistogramSet,
    StableBins,
    layer_histograms,
)
from nnviz.scenarios.init_experiment import InitConfig, build
from nnviz.scenarios.moons import MoonsConfig
from nnviz.session import Snapshot, train


def synthetic(step, spread, recorder, bins, run_id=1, activation="tanh"):
    """Two layers whose weights spread and whose gradients shrink as ``step`` grows."""
    rng = np.random.default_rng(step)
    sets = {
        "weights": [rng.normal(0, spread, (2, 4)), rng.normal(0, spread, (4, 2))],
        "biases": [np.zeros(4), np.zeros(2)],
        "activations": [np.tanh(rng.normal(0, spread, (16, 4)))],
        "gradients": [rng.normal(0, 1 / spread, (2, 4)) * 1e-3, rng.normal(0, 1, (4, 2))],
    }
    small = [np.abs(sets["activations"][0]) > 0.99]
    histograms = layer_histograms(step, sets, bins, small, activation,
                                  ("hidden 1 (2→4)", "output (4→2)"), recorder)
    return Snapshot(run_id=run_id, scenario="synthetic", step=step, epoch=step / 10,
                    wall_seconds=0.0, metrics={}, config=MoonsConfig(),
                    views={"histograms": histograms})


def frames(count=12, run_id=1):
    recorder, bins = DistributionRecorder(), StableBins()
    return [synthetic(10 * i, 0.5 + i, recorder, bins, run_id) for i in range(count)]


def rendered(panel, path):
    panel.grab().save(str(path))
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    return np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())


def test_panels_are_registered_and_listed_by_their_scenarios():
    from nnviz.scenarios.registry import get_scenario

    registry = all_panels()
    for kind in ("histograms", "layer_health", "init_histogram"):
        assert kind in registry
    assert {"histograms", "layer_health"} <= set(get_scenario("moons").panels)
    assert get_scenario("init").panels == ("init_histogram",)


def test_histograms_panel_follows_the_selection_and_keeps_edges(qtbot, tmp_path):
    panel = HistogramsPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 360)
    panel.show()
    qtbot.waitExposed(panel)
    shots = frames()
    panel.start_run(1)
    for shot in shots[:6]:
        panel.show_snapshot(shot)
    assert [panel.layer_box.itemText(i) for i in range(panel.layer_box.count())] == [
        "hidden 1 (2→4)", "output (4→2)"]
    assert panel.selection() == (0, "weights")
    x_range = panel.histogram_plot.viewRange()[0]
    for shot in shots[6:]:
        panel.show_snapshot(shot)
    grown = panel.histogram_plot.viewRange()[0]
    assert grown[0] <= x_range[0] and grown[1] >= x_range[1]  # the axis never shrinks
    x, y = panel.histogram_curve.getData()
    latest = shots[-1].views["histograms"].get(0, "weights")
    np.testing.assert_array_equal(y, latest.counts)
    np.testing.assert_array_equal(x, latest.edges)
    # the output layer has no activations: the quantity box offers only what exists
    panel.layer_box.setCurrentIndex(1)
    offered = [panel.quantity_box.itemData(i) for i in range(panel.quantity_box.count())]
    assert offered == ["weights", "biases", "gradients"]
    assert panel.selection() == (1, "weights")
    panel.select(0, "gradients")
    steps, medians = panel.median_curve.getData()
    history = shots[-1].views["histograms"].history
    np.testing.assert_array_equal(steps, history.steps)
    np.testing.assert_allclose(medians, history.percentiles[(0, "gradients")][:, 4])
    outer = history.percentiles[(0, "gradients")]
    assert outer[-1, -1] - outer[-1, 0] < outer[0, -1] - outer[0, 0]  # gradients shrink
    tables = panel.csv_tables()
    assert set(tables) == {"gradients-layer1-histogram", "gradients-layer1-distribution"}
    columns, values = tables["gradients-layer1-distribution"]
    assert columns[0] == "step" and len(columns) == 10 and len(values[0]) == 12
    assert rendered(panel, tmp_path / "histograms.png").std() > 3


def test_histograms_panel_ignores_snapshots_without_the_view(qtbot):
    panel = HistogramsPanel()
    qtbot.addWidget(panel)
    empty = Snapshot(run_id=1, scenario="x", step=0, epoch=0.0, wall_seconds=0.0,
                     metrics={}, config=MoonsConfig())
    panel.show_snapshot(empty)
    assert panel.csv_tables() == {} and panel.selection() is None


def test_layer_health_panel_draws_saturation_and_gradient_norms(qtbot, tmp_path):
    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 360)
    panel.show()
    qtbot.waitExposed(panel)
    shots = frames()
    for shot in shots:
        panel.show_snapshot(shot)
    last = shots[-1].views["histograms"]
    assert len(panel.norm_curves) == 2
    steps, norms = panel.norm_curves[1].xData, panel.norm_curves[1].yData  # not log10'd
    np.testing.assert_array_equal(steps, last.history.steps)
    np.testing.assert_allclose(norms, last.history.gradient_norms[:, 1])
    heights = panel.saturated_bars.opts["height"]
    np.testing.assert_allclose(heights, last.saturated)
    assert "tanh" in panel.saturation_plot.titleLabel.text
    tables = panel.csv_tables()
    assert tables["saturation"][1][0] == ["hidden 1 (2→4)"]
    assert tables["gradient_norms"][0] == ["step", "hidden 1 (2→4)", "output (4→2)"]
    assert rendered(panel, tmp_path / "health.png").std() > 3
    panel.start_run(2)
    assert panel.csv_tables() == {}


def test_layer_health_on_a_real_relu_run(qtbot):
    config = MoonsConfig(hidden_sizes=(8, 8), activation="relu", init="he", n_samples=100)
    from nnviz.scenarios.moons import build as build_moons

    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    for shot in train(build_moons(config), max_steps=20, every=5):
        panel.show_snapshot(shot)
    assert "dead" in panel.saturation_plot.titleLabel.text
    assert len(panel.norm_curves) == 3
    assert len(panel.dead_bars.opts["height"]) == 2


def test_init_panel_overlays_histograms_and_the_derivative(qtbot, tmp_path):
    panel = InitHistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 420)
    panel.show()
    qtbot.waitExposed(panel)
    session = build(InitConfig(n_units=200, initializers=("standard_normal", "xavier")))
    shots = list(train(session, max_steps=4, every=2))
    panel.start_run(shots[0].run_id)
    for shot in shots:
        panel.show_snapshot(shot)
    view = shots[-1].views["init_histograms"]
    assert list(panel.curves) == ["standard_normal", "xavier"]
    _, density = panel.curves["xavier"].getData()
    np.testing.assert_allclose(density, view.density(view.stats[1]))
    z, derivative = panel.derivative_curve.getData()
    np.testing.assert_allclose(derivative, 1 - np.tanh(z) ** 2)
    labels = [label.text for _, label in panel.legend.items]
    assert any("standard_normal" in t and "theory 31.64" in t for t in labels)
    assert any("saturated" in t for t in labels)
    assert panel.units_label.text().startswith("800 units")
    assert panel.plot.viewRange()[0][1] >= view.edges[-1]
    panel.range_box.setCurrentText("|z| ≤ 5")
    assert panel.plot.viewRange()[0][1] == pytest.approx(5, rel=0.05)
    panel.log_y.setChecked(True)
    assert panel.plot.getAxis("left").logMode and not panel.plot.getAxis("right").logMode
    assert panel.plot.viewRange()[0][1] == pytest.approx(5, rel=0.05)
    columns, values = panel.csv_tables()["histograms"]
    assert columns == ["bin_low", "bin_high", "count_standard_normal", "count_xavier"]
    assert sum(values[2]) == 800
    summary = panel.csv_tables()["summary"]
    assert summary[1][0] == ["standard_normal", "xavier"]
    assert rendered(panel, tmp_path / "init.png").std() > 3
    session.apply_live({"activation": "relu"})
    panel.show_snapshot(list(train(session, max_steps=5, every=1))[-1])
    assert panel.plot.getAxis("right").labelText == "relu'(z)"


def test_layer_health_leaves_zero_gradients_out_of_the_log_axis(qtbot):
    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    recorder, bins = DistributionRecorder(), StableBins()
    for step in range(3):
        shot = synthetic(step, 1.0, recorder, bins)
        histograms = shot.views["histograms"]
        norms = (0.0 if step else 1.0, 2.0)  # the first layer's gradient dies after step 0
        history = recorder.record(type(histograms)(
            step, histograms.histograms, histograms.saturated, norms, "relu",
            histograms.layer_names, histograms.dead))
        panel.show_snapshot(type(shot)(**{**shot.__dict__, "views": {
            "histograms": type(histograms)(step, histograms.histograms, histograms.saturated,
                                           norms, "relu", histograms.layer_names,
                                           histograms.dead, history)}}))
    assert list(panel.norm_curves[0].xData) == [0.0]
    assert list(panel.norm_curves[1].xData) == [0.0, 1.0, 2.0]
    assert "zeros not drawn" in panel.norm_plot.titleLabel.text
    assert panel.norm_plot.viewRange()[0][1] >= 2.0


def test_zooming_into_late_steps_rescales_the_bands(qtbot):
    panel = HistogramsPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 360)
    panel.show()
    for shot in frames():
        panel.show_snapshot(shot)
    panel.select(0, "gradients")
    whole = np.diff(panel.distribution_plot.viewRange()[1])[0]
    panel.distribution_plot.setXRange(80, 110, padding=0)
    qtbot.waitUntil(lambda: np.diff(panel.distribution_plot.viewRange()[1])[0] < whole / 3)


# -- stats never clipped; no hidden layer said; one point on a sensible axis ------------------

#: the panel's size in a 1024×700, a 1440×900 and a 2560×1440 window (digits, two columns)
PANEL_SIZES = [(331, 260), (539, 260), (1106, 302)]


@pytest.mark.parametrize("size", PANEL_SIZES)
def test_histogram_statistics_are_never_cut_off(qtbot, size):
    panel = HistogramsPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    for shot in frames():
        panel.show_snapshot(shot)
    qtbot.wait(20)
    summary = panel.summary
    text = summary.item.toPlainText()
    for figure in ("mean", "σ", "min", "max"):
        assert figure in text
    shown = summary.mapRectToScene(summary.item.boundingRect())
    viewport = panel.view.mapToScene(panel.view.viewport().rect()).boundingRect()
    assert viewport.contains(shown), f"{shown} is cut by the view {viewport}"
    # wrapping happens between figures, never inside one ("σ 0.95" stays together)
    lines = summary.item.document().toPlainText()
    assert "σ\n" not in lines and "mean\n" not in lines


def no_hidden_layer_snapshot():
    from nnviz.scenarios.moons import build as build_moons

    config = MoonsConfig(hidden_sizes=(), n_samples=100)
    return list(train(build_moons(config), max_steps=10, every=5))


def test_saturation_says_why_a_network_without_hidden_layer_has_no_bars(qtbot):
    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    panel.resize(666, 260)
    panel.show()
    for shot in no_hidden_layer_snapshot():
        panel.show_snapshot(shot)
    assert panel.no_hidden_layer.visible
    sentence = panel.no_hidden_layer.text
    assert sentence.isVisible() and "No hidden layer" in sentence.toPlainText()
    box = panel.saturation_plot.vb.sceneBoundingRect()
    assert box.contains(sentence.mapRectToScene(sentence.boundingRect()))
    assert panel.saturation_legend.items == []  # no key for bars that are not there
    assert len(panel.norm_curves) == 1  # the output layer's gradient is still drawn
    panel.start_run(9)
    for shot in frames(run_id=9):  # a network with a hidden layer: bars again, and their key
        panel.show_snapshot(shot)
    assert not panel.no_hidden_layer.visible and len(panel.saturation_legend.items) == 2


def test_bars_say_their_share_so_zero_reads_as_a_measured_zero(qtbot):
    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 360)
    panel.show()
    shots = frames()
    for shot in shots:
        panel.show_snapshot(shot)
    qtbot.wait(20)
    saturated = shots[-1].views["histograms"].saturated
    labels = [text.toPlainText() for text in panel.bar_values if text.isVisible()]
    assert labels == [f"{100 * value:.0f} %" for value in saturated]


def test_one_gradient_norm_stands_on_an_axis_from_zero_to_its_step(qtbot):
    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    recorder, bins = DistributionRecorder(), StableBins()
    panel.show_snapshot(synthetic(2000, 1.0, recorder, bins))
    low, high = panel.norm_plot.viewRange()[0]
    assert low <= 0.0 and 2000.0 <= high < 2100.0  # not 1999.6 … 2000.4


def test_layers_whose_activations_were_not_seen_are_not_called_a_logistic_regression(qtbot):
    """A watched model that calls F.relu as a function has hidden layers but no activation
    module to hook: its saturation is unknown, which is not "no hidden layer"."""
    import dataclasses

    panel = LayerHealthPanel()
    qtbot.addWidget(panel)
    panel.resize(666, 260)
    panel.show()
    for shot in frames(run_id=3):
        histograms = shot.view(HistogramSet)
        if histograms is not None:
            unseen = dataclasses.replace(histograms, saturated=(), dead=())
            shot = dataclasses.replace(shot, views={**shot.views, "histograms": unseen})
        panel.show_snapshot(shot)
    assert panel.histograms is not None and panel.histograms.n_layers > 1
    text = panel.no_hidden_layer.text.toPlainText()
    assert panel.no_hidden_layer.visible and "No activation measured" in text
    assert "logistic regression" not in text
