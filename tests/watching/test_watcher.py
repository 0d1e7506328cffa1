"""The torch-free watcher: rates, the per-step trace, sinks, the run file, a light import."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_startup_imports import run_fresh

from nnviz.core.watch_readings import LayerReading, ParamGroupSettings, UnitHealth
from nnviz.io.runs import load_run
from nnviz.watching import WatchConfig, Watcher, watch
from nnviz.watching.rates import Rate
from nnviz.watching.watcher import TraceBuffer


class Clock:
    """A clock the test moves: ``tick`` seconds pass at every reading."""

    def __init__(self, tick: float = 0.01) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


class FakeProbe:
    """Two layers, one ReLU, one SGD group; counts what the watcher asks of it."""

    def __init__(self) -> None:
        self.armed = self.reads = self.closed = 0
        self.learning_rate = 0.1

    def summary(self) -> str:
        return "Fake: 2 layers"

    def group_settings(self) -> tuple[ParamGroupSettings, ...]:
        return (ParamGroupSettings(0, 10, self.learning_rate, 0.9, 0.0),
                ParamGroupSettings(1, 2, self.learning_rate / 10, math.nan, 0.0))

    def arm(self) -> None:
        self.armed += 1

    def read(self, sampled_values: int) -> LayerReading:
        self.reads += 1
        rng = np.random.default_rng(self.reads)
        sample = [rng.normal(size=sampled_values), rng.normal(size=8)]
        return LayerReading(("fc1 (Linear)", "fc2 (Linear)"),
                            {"weights": sample, "gradients": sample,
                             "activations": [np.abs(sample[0]), None]},
                            np.array([1.0, 2.0]), np.array([0.1, 0.2]),
                            [UnitHealth(0, "relu", 0.5, 0.25)])

    def close(self) -> None:
        self.closed += 1


class ListSink:
    def __init__(self) -> None:
        self.snapshots, self.closed = [], False

    def take(self, snapshot) -> None:
        self.snapshots.append(snapshot)

    def close(self) -> None:
        self.closed = True


def watcher_with(probe=None, clock=None, **rates) -> tuple[Watcher, ListSink]:
    sink = ListSink()
    config = WatchConfig(name="test", **rates)
    return Watcher(probe or FakeProbe(), config, [sink], clock=clock or Clock()), sink


def test_a_rate_is_every_n_steps_and_at_most_k_a_second():
    rate = Rate(every=10, per_second=2.0)
    assert rate.due(1, 0.0)
    rate.take(1, 0.0)
    assert not rate.due(5, 10.0), "too few steps"
    assert not rate.due(11, 0.4), "too soon"
    assert rate.due(11, 0.5)


def test_the_trace_keeps_every_step_with_gaps_as_nan():
    buffer = TraceBuffer()
    buffer.add(1, {"loss": 1.0})
    buffer.add(2, {"loss": 0.9, "accuracy": 0.5})
    buffer.add(3, {"loss": 0.8})
    trace = buffer.drain()
    np.testing.assert_array_equal(trace["step"], [1, 2, 3])
    np.testing.assert_array_equal(trace["loss"], [1.0, 0.9, 0.8])
    np.testing.assert_array_equal(trace["accuracy"], [np.nan, 0.5, np.nan])
    assert buffer.drain() == {}


def test_every_step_is_traced_with_rates_times_and_throughput():
    watcher, sink = watcher_with(snapshot_every=10, batch_size=32)
    for step in range(25):
        watcher.step(loss=1.0 / (step + 1))
    watcher.close()
    steps = np.concatenate([s.trace["step"] for s in sink.snapshots if s.trace])
    np.testing.assert_array_equal(steps, np.arange(1, 26))
    last = sink.snapshots[-1]
    assert last.final and last.step == 25 and sink.closed
    assert last.metrics["learning_rate"] == 0.1 and last.metrics["momentum"] == 0.9
    assert last.metrics["learning_rate_group1"] == pytest.approx(0.01)
    assert "momentum_group1" not in last.metrics, "a group without momentum has no curve"
    assert last.metrics["step_seconds"] == pytest.approx(0.01)
    assert last.metrics["examples_per_second"] == pytest.approx(3200)


def test_rates_bound_the_snapshots_and_layer_samples():
    probe = FakeProbe()
    watcher, sink = watcher_with(probe, snapshot_every=10, snapshots_per_second=1000.0,
                                 histogram_every=20, histograms_per_second=1000.0)
    for _ in range(100):
        watcher.step(loss=1.0)
    sampled = [s.step for s in sink.snapshots if "histograms" in s.views]
    assert sampled == [1, 21, 41, 61, 81]
    assert probe.reads == 5 and probe.armed == 6, "armed only before a sampled step (101)"
    watcher.close()
    assert probe.reads == 6 and probe.closed == 1
    rows = [s.step for s in sink.snapshots]
    assert rows == [1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 100]

    slow, slow_sink = watcher_with(FakeProbe(), Clock(tick=0.001), histogram_every=1,
                                   histograms_per_second=1.0)
    for _ in range(2500):  # 2.5 s of steps of 1 ms
        slow.step(loss=1.0)
    sampled = [s.step for s in slow_sink.snapshots if "histograms" in s.views]
    assert len(sampled) == 3, "at most one layer sample a second"


def test_a_sampled_step_gives_the_panels_records():
    watcher, sink = watcher_with()
    watcher.step(loss=1.0)
    histograms = sink.snapshots[0].views["histograms"]
    assert histograms.layer_names == ("fc1 (Linear)", "fc2 (Linear)")
    assert histograms.saturated == (0.5,) and histograms.dead == (0.25,)
    assert histograms.activation == "relu"
    assert histograms.gradient_norms == (0.1, 0.2)
    assert histograms.get(0, "activations") is not None
    assert histograms.get(1, "activations") is None
    assert histograms.history is not None and len(histograms.history) == 1
    norms = sink.snapshots[0].views["layer_norms"]
    np.testing.assert_array_equal(norms.weight_norms, [1.0, 2.0])


def test_close_samples_the_final_weights_and_removes_the_hooks():
    probe = FakeProbe()
    watcher, sink = watcher_with(probe, histogram_every=1000)
    with watcher:
        for _ in range(5):
            watcher.step(loss=1.0)
    assert probe.closed == 1
    assert "histograms" in sink.snapshots[-1].views and sink.snapshots[-1].step == 5
    watcher.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        watcher.step(loss=1.0)


def test_a_scalar_that_is_not_a_number_is_named():
    watcher, _ = watcher_with()
    with pytest.raises(TypeError, match="accuracy"):
        watcher.step(accuracy="high")
    with pytest.raises(ValueError, match="step"):
        watcher.step(step=3)


def test_bad_rates_are_refused_by_name():
    with pytest.raises(ValueError, match="histogram_every"):
        watch(None, histogram_every=0)


def test_a_model_that_is_not_torch_is_refused():
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        watch(object())


def test_scalars_only_record_a_run_file(tmp_path):
    path = tmp_path / "runs" / "scalars.nnviz"
    with watch(name="scalars", record=path) as watcher:
        for step in range(30):
            watcher.step(loss=1.0 / (step + 1))
    record = load_run(path)
    assert record.scenario == "watch" and record.label == "scalars"
    assert isinstance(record.config, WatchConfig)
    steps, losses = record.trace_arrays()["loss"]
    np.testing.assert_array_equal(steps, np.arange(1, 31))
    np.testing.assert_allclose(losses, 1.0 / np.arange(1, 31))


def test_the_run_file_is_written_during_the_run(tmp_path):
    """A script that crashes leaves a readable file: one at the first snapshot, then one
    every ``save_seconds``."""
    from nnviz.watching.sinks import RunFileSink

    clock = Clock(tick=1.0)
    sink = RunFileSink(tmp_path / "run.nnviz", save_seconds=30.0, clock=clock)
    config = WatchConfig(snapshot_every=1, snapshots_per_second=1000.0)
    watcher = Watcher(FakeProbe(), config, [sink], clock=Clock())
    for _ in range(70):
        watcher.step(loss=1.0)
    assert sink.saves == 3  # at the first snapshot, then twice 30 s later
    assert load_run(tmp_path / "run.nnviz").steps >= 60
    watcher.close()


def test_importing_nnviz_imports_no_torch_qt_or_scenario(tmp_path):
    result = run_fresh("""
        import sys
        import nnviz
        assert callable(nnviz.watch)
        report(nnviz_modules=[m for m in sys.modules if m.startswith("nnviz")],
               qt=[m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph"))])
    """, tmp_path)
    assert "torch" not in result["heavy"]
    assert result["qt"] == []
    assert not [m for m in result["nnviz_modules"] if m.startswith("nnviz.scenarios.")
                and m not in ("nnviz.scenarios", "nnviz.scenarios.base",
                              "nnviz.scenarios.params")]


def test_a_script_that_forgets_close_gets_its_whole_file(tmp_path):
    path = tmp_path / "forgotten.nnviz"
    result = run_fresh(f"""
        import nnviz
        watcher = nnviz.watch(record={str(path)!r}, save_seconds=3600)
        for step in range(1, 26):
            watcher.step(loss=1.0 / step)
        report()  # and exit without close()
    """, tmp_path)
    assert "torch" not in result["heavy"]
    assert load_run(path).steps == 25


def test_a_closed_watcher_leaves_no_exit_hook(monkeypatch):
    import atexit

    hooks = []
    monkeypatch.setattr(atexit, "register", hooks.append)
    monkeypatch.setattr(atexit, "unregister", hooks.remove)
    watcher = watch()
    assert len(hooks) == 1
    watcher.close()
    assert hooks == []
