"""One store of a run's curves: the loss panel draws what the run keeper saves."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.panels import loss as loss_panel
from nnviz.app.panels.loss import LossPanel
from nnviz.app.runner import PAUSED
from nnviz.app.runs import RunKeeper
from nnviz.core import history
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def _moons(steps: int, every: int):
    scenario = get_scenario("moons")
    session = scenario.create_session(scenario.default_config().with_values(
        {"n_samples": 100, "grid_resolution": 30}))
    return list(train(session, max_steps=steps, every=every))


def test_the_window_s_loss_panel_and_run_record_cannot_disagree(qtbot, window):
    """Past the panel's old 2048-point buffer the two copies thinned differently; now the
    panel draws the record's curves, so its table is the record's, point for point."""
    window.runner.run()
    qtbot.waitUntil(lambda: window.last_snapshot is not None
                    and window.last_snapshot.step > 6000, timeout=60_000)
    window.runner.pause()
    qtbot.waitUntil(lambda: window.runner.state == PAUSED, timeout=5_000)
    window.panel_area.draw_pending()
    loss = next(p for p in window.panels() if p.kind == "loss")
    record = window.exports.runs.record
    tables = loss.csv_tables()
    steps, values = record.trace_arrays()["loss"]
    np.testing.assert_array_equal(tables["loss"][1][0], steps)
    np.testing.assert_array_equal(tables["loss"][1][1], values)
    rows = record.history_arrays()
    np.testing.assert_array_equal(tables["train_loss"][1][0], rows["step"])
    np.testing.assert_array_equal(tables["test_accuracy"][1][1], rows["test_accuracy"])
    assert loss.curve_store() is record.curves
    drawn = loss.items["loss"]  # drawn thinned, from that same store
    points = loss_panel.DRAWN_POINTS
    expected_x, expected_y = history.thinned(steps.astype(float), values, points)
    np.testing.assert_array_equal(drawn.xData, expected_x)
    np.testing.assert_array_equal(drawn.yData, np.maximum(expected_y, 1e-12))


@pytest.fixture
def keeper(qapp):
    return RunKeeper()


def test_a_panel_reading_a_keeper_keeps_no_curves_of_its_own(qtbot, keeper):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.read_curves_from(keeper.curves_for)
    shots = _moons(steps=60, every=10)
    for snapshot in shots:
        keeper.on_snapshot(snapshot)
        panel.show_snapshot(snapshot)
    assert panel.curve_store() is keeper.record.curves
    assert panel.curves["loss"].x[-1] == 60
    panel.record_snapshot(shots[-1])  # taken in again: the keeper's store does not double it
    np.testing.assert_array_equal(panel.curves["loss"].x, np.arange(1, 61))
    x, _ = panel.items["train_loss"].getData()
    np.testing.assert_array_equal(x, sorted({s.step for s in shots}))  # one point a step


def test_a_panel_draws_nothing_of_a_run_its_keeper_no_longer_keeps(qtbot, keeper):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.read_curves_from(keeper.curves_for)
    first = _moons(steps=20, every=10)
    for snapshot in first:
        keeper.on_snapshot(snapshot)
    panel.show_snapshot(first[-1])
    assert panel.curves
    second = _moons(steps=20, every=10)  # a new run id: the keeper keeps that one now
    keeper.on_snapshot(second[0])
    panel.show_snapshot(first[-1])  # a late frame of the old run
    assert panel.curves == {}
    panel.show_snapshot(second[0])
    assert panel.curve_store() is keeper.record.curves


def test_pinning_keeps_a_copy_while_the_store_grows(qtbot, keeper):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.read_curves_from(keeper.curves_for)
    shots = _moons(steps=40, every=10)
    for snapshot in shots[:3]:
        keeper.on_snapshot(snapshot)
        panel.show_snapshot(snapshot)
    panel.pin_run()
    for snapshot in shots[3:]:
        keeper.on_snapshot(snapshot)
        panel.show_snapshot(snapshot)
    assert panel.pinned[0].curves["loss"].x[-1] == 20
    assert panel.curves["loss"].x[-1] == 40
    assert "pinned1_loss" in panel.csv_tables()
