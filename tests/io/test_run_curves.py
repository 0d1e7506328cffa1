"""A run's one curve store, without Qt: what it keeps, what readers get, how it is drawn."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.history import HistoryTable, thinned
from nnviz.io.run_curves import RunCurves
from nnviz.io.runs import RunRecord
from nnviz.scenarios.moons import MoonsConfig
from nnviz.session import Snapshot


def _snapshot(step: int, trace_from: int, **metrics: float) -> Snapshot:
    steps = np.arange(trace_from, step + 1)
    return Snapshot(run_id=1, scenario="moons", step=step, epoch=step / 10,
                    wall_seconds=step / 100, metrics=metrics, config=MoonsConfig(),
                    trace={"step": steps, "loss": 1.0 / steps, "grad_norm": steps * 0.0}
                    if len(steps) else {})


def test_the_store_keeps_metric_rows_and_per_step_series():
    curves = RunCurves()
    curves.add(_snapshot(0, 1, train_loss=2.0, train_accuracy=0.5))
    curves.add(_snapshot(10, 1, train_loss=1.0, train_accuracy=0.8))
    drawn = curves.curves(lambda name, per_step: "loss" in name or "accuracy" in name)
    assert list(drawn) == ["train_loss", "train_accuracy", "loss"]  # metrics, then series
    np.testing.assert_array_equal(drawn["train_loss"].x, [0, 10])
    np.testing.assert_array_equal(drawn["train_accuracy"].y, [0.5, 0.8])
    assert not drawn["train_loss"].per_step and drawn["loss"].per_step
    np.testing.assert_array_equal(drawn["loss"].x, np.arange(1, 11))
    assert set(curves.trace) == {"loss", "grad_norm"}  # the store keeps every series


def test_a_curve_read_from_the_store_is_a_copy_that_later_snapshots_leave_alone():
    curves = RunCurves()
    curves.add(_snapshot(5, 1, train_loss=1.0))
    before = curves.curves()
    curves.add(_snapshot(9, 6, train_loss=0.5))
    assert len(before["loss"]) == 5 and len(before["train_loss"]) == 1
    assert len(curves.curves()["loss"]) == 9


def test_a_run_record_keeps_its_curves_in_the_one_store():
    record = RunRecord(scenario="moons", config=MoonsConfig(), run_id=1, trace_capacity=100)
    for step in range(0, 400, 10):
        record.add(_snapshot(step, max(step - 9, 1), train_loss=1.0 / (step + 1)))
    assert record.trace is record.curves.trace
    np.testing.assert_array_equal(record.history_arrays()["train_loss"],
                                  record.curves.history_arrays()["train_loss"])
    assert record.curves.trace["loss"].decimated  # 399 points in a store of about 100


def test_thinned_keeps_spikes_the_newest_point_and_at_most_the_points_asked():
    x = np.arange(100_000, dtype=float)
    y = np.exp(-x / 30_000)
    y[54_321], y[77_777] = 40.0, 1e-9
    tx, ty = thinned(x, y, 2048)
    assert len(tx) <= 2048 and np.all(np.diff(tx) > 0)
    assert ty.max() == 40.0 and tx[ty.argmax()] == 54_321
    assert ty.min() == 1e-9 and tx[ty.argmin()] == 77_777
    assert tx[0] == 0 and tx[-1] == 99_999 and ty[-1] == y[-1]
    short = np.arange(10.0)
    assert thinned(short, short, 10)[0] is short  # a curve that fits is drawn as it is
    with pytest.raises(ValueError):
        thinned(x, y, 2)


def test_thinned_keeps_gaps_and_spikes_around_them():
    x = np.arange(10_000, dtype=float)
    y = np.ones_like(x)
    y[100:300] = np.nan  # a stretch never measured
    y[5_000] = 9.0
    tx, ty = thinned(x, y, 512)
    assert len(tx) <= 512 and np.isnan(ty).any() and np.nanmax(ty) == 9.0
    assert tx[np.nanargmax(ty)] == 5_000


@pytest.mark.parametrize("count", [2049, 2050, 4095, 4097, 12_345])
def test_thinned_never_draws_more_than_asked(count):
    x = np.arange(count, dtype=float)
    tx, _ = thinned(x, np.sin(x), 2048)
    assert len(tx) <= 2048 and tx[-1] == count - 1 and np.all(np.diff(tx) > 0)


def test_a_table_says_when_it_has_thinned_rows():
    table = HistoryTable(8)
    for step in range(7):
        table.add({"step": float(step), "train_loss": 1.0})
    assert not table.decimated and len(table) == 7
    table.add({"step": 7.0, "train_loss": 1.0})  # the store is full: it halves
    assert table.decimated and len(table) < 8


def test_a_run_measured_again_at_the_step_it_is_held_at_keeps_one_row_there():
    """A preset's run held at its last step sends that step again (with every view): one
    point of each metric curve per step, the newer measurement."""
    record = RunRecord(scenario="moons", config=MoonsConfig(), run_id=1)
    record.add(_snapshot(0, 1, train_loss=1.0))
    record.add(_snapshot(4, 1, train_loss=0.5))
    record.add(_snapshot(4, 5, train_loss=0.25))
    assert record.history["step"] == [0.0, 4.0]
    assert record.history["train_loss"] == [1.0, 0.25]
    np.testing.assert_array_equal(record.trace["loss"].x, [1, 2, 3, 4])
