"""Regression tests for faults this audit found (each fixed where it lived)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.scenarios.mlp_training import MLPSession
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_no_test_split_is_not_a_divergence(backend):
    """test_fraction=0 is inside the bounds; its empty test split used to give NaN test
    metrics, which the loop read as a divergence at the first snapshot."""
    if backend == "torch":
        pytest.importorskip("torch")
    config = MoonsConfig(n_samples=60, test_fraction=0.0, backend=backend)
    snapshots = list(train(get_scenario("moons").create_session(config), max_steps=20,
                           every=10))
    assert not any(s.diverged for s in snapshots)
    assert snapshots[-1].step == 20
    assert "test_loss" not in snapshots[-1].metrics
    assert snapshots[-1].metrics["train_loss"] > 0


def test_a_data_error_during_training_is_one_line_not_a_traceback(monkeypatch):
    """Some data only turns out bad when training reads it (a corpus with no usable
    sentence); the CLI reports it like a bad file at build time."""
    calls = {"n": 0}
    real_step = MLPSession.train_step

    def failing_step(self):
        calls["n"] += 1
        if calls["n"] > 3:
            raise ValueError("batch 4 holds no examples")
        return real_step(self)

    monkeypatch.setattr(MLPSession, "train_step", failing_step)
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "moons", "--steps", "10", "--every", "1"], out=out, err=err)
    assert code == EXIT_BAD_INPUT
    assert err.getvalue() == "nnviz: error: moons: batch 4 holds no examples\n"
    assert len(out.getvalue().splitlines()) == 5  # header, steps 0..3


class _TerminalStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_messages_start_on_their_own_line_after_the_progress_bar():
    err = _TerminalStringIO()
    code = main(["run", "moons", "--steps", "500", "--every", "1", "--set", "learning_rate=10",
                 "--set", "loss_reduction=sum", "--set", "activation=relu",
                 "--set", "optimizer=sgd", "--set", "n_samples=2000"],
                out=io.StringIO(), err=err)
    assert code == 3
    last = err.getvalue().rsplit("\n", 2)[-2]
    assert last.startswith("nnviz: Training diverged"), err.getvalue()[-300:]


def test_a_run_record_stays_bounded_over_a_long_run():
    """The window records every snapshot for Save run; its metrics history was a list row per
    snapshot without limit (~0.6 MB/min at 37 snapshots/s in benchmarks/soak_gui.py)."""
    from nnviz.io.runs import RunRecord
    from nnviz.session import Snapshot

    config = MoonsConfig()
    record = RunRecord(scenario="moons", config=config, run_id=1, history_capacity=100)
    for step in range(5000):
        record.add(Snapshot(run_id=1, scenario="moons", step=step, epoch=step / 10,
                            wall_seconds=step / 100, config=config,
                            metrics={"train_loss": 1.0 / (step + 1), "train_accuracy": 0.5}))
    history = record.history_arrays()
    assert 50 <= len(history["step"]) <= 100
    assert {len(column) for column in history.values()} == {len(history["step"])}
    assert history["step"][0] == 0 and history["step"][-1] == 4999
    assert np.all(np.diff(history["step"]) > 0)
    assert history["train_loss"][-1] == 1.0 / 5000
