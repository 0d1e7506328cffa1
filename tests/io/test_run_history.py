"""A saved run's curves live in the one bounded store (:mod:`nnviz.core.history`)."""

import numpy as np

from nnviz.io.runs import RunRecord, load_run, save_run
from nnviz.scenarios.moons import MoonsConfig
from nnviz.session import Snapshot


def _long_run(record: RunRecord, steps: int, spike_at: int) -> None:
    config = record.config
    for step in range(steps):
        loss = 50.0 if step == spike_at else 1.0 / (step + 1)
        record.add(Snapshot(run_id=1, scenario="moons", step=step, epoch=step / 10,
                            wall_seconds=step / 100, config=config,
                            metrics={"train_loss": loss, "train_accuracy": 0.5}))


def test_the_metric_history_of_a_long_run_keeps_its_loss_spike(tmp_path):
    """The old rule (drop every other row) lost a one-snapshot spike of the train loss."""
    record = RunRecord(scenario="moons", config=MoonsConfig(), run_id=1, history_capacity=100)
    _long_run(record, 20_000, spike_at=12_345)
    history = record.history_arrays()
    assert len(history["step"]) <= 100
    assert history["train_loss"].max() == 50.0
    assert history["step"][history["train_loss"].argmax()] == 12_345
    assert history["step"][-1] == 19_999 and np.all(np.diff(history["step"]) > 0)
    np.testing.assert_array_equal(history["epoch"], history["step"] / 10)
    loaded = load_run(save_run(tmp_path / "long.nnviz-run.npz", record))
    for key, column in history.items():
        np.testing.assert_array_equal(loaded.history_arrays()[key], column)
    assert loaded.history["step"] == history["step"].tolist()
