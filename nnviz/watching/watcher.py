"""The watcher: turns a person's own training loop into the Snapshots nnviz's panels draw.

``step(**scalars)`` is called once per update of the watched loop. It is cheap on almost
every call: the scalars, each parameter group's learning rate and momentum, the step time
and the throughput go into a per-step trace (appends to lists). Two rates
(:class:`~nnviz.watching.rates.Rate`: every N steps, at most K a second) decide when more
happens:

- a **snapshot** (a row of metrics with the trace since the last one) is handed to every sink;
- a **layer sample**: the probe's forward hooks are armed at the call before it, so they
  measure that step's forward pass, and at the sampled call (after the person's
  ``backward()``) the weights and gradients are sampled and turned into a
  :class:`~nnviz.core.histograms.HistogramSet` (the records the histogram and layer-health
  panels draw) and :class:`~nnviz.watching.records.LayerNorms`.

Sinks consume Snapshots: :class:`~nnviz.watching.sinks.RunFileSink` keeps a run file;
:class:`~nnviz.watching.link.AppLink` streams to a listening app, whose commands the
:class:`~nnviz.watching.steering.Steering` applies at the end of ``step()`` (and where a pause
holds the loop). The watcher knows no framework (a :class:`~nnviz.watching.probe.Probe` reads
the model) and no Qt.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from nnviz.core.histograms import DistributionRecorder, HistogramSet, StableBins, histogram
from nnviz.core.watch_readings import LayerNorms, LayerReading
from nnviz.scenarios.base import next_run_id
from nnviz.session import Snapshot
from nnviz.watching.probe import Probe
from nnviz.watching.rates import Rate
from nnviz.watching.records import WATCH_SCENARIO, WatchConfig, setting_key
from nnviz.watching.steering import Steering

#: scalar names a step may pass for its batch size (the throughput's numerator)
BATCH_NAMES = ("batch_size", "batch")


class Sink(Protocol):
    """Where a watcher's snapshots go (a run file; later a listening app)."""

    def take(self, snapshot: Snapshot) -> None: ...

    def close(self) -> None: ...


class Watcher:
    """Watches one training loop; see the module docstring. Use as a context manager, or call
    :meth:`close` when the loop ends (the run file is written then)."""

    def __init__(self, probe: Probe, config: WatchConfig, sinks: Sequence[Sink] = (), *,
                 clock: Callable[[], float] = time.perf_counter,
                 steering: Steering | None = None) -> None:
        self.probe = probe
        self.config = config
        self.sinks = list(sinks)
        #: the app's commands, applied at each step (None: not streaming to an app)
        self.steering = steering
        if steering is not None:
            steering.set_rates = self.set_rates
            steering.on_change = self._steered
        self.run_id = next_run_id()
        #: steps taken so far (the first ``step()`` call is step 1)
        self.step_count = 0
        self.closed = False
        #: called once the watcher has closed (e.g. to forget an exit hook)
        self.on_close: list[Callable[[], None]] = []
        self._clock = clock
        self._started = self._previous = clock()
        self._snapshot_rate = Rate(config.snapshot_every, config.snapshots_per_second)
        self._layer_rate = Rate(config.histogram_every, config.histograms_per_second)
        self._trace = TraceBuffer()
        self._latest: dict[str, float] = {}
        self._bins = StableBins()
        self._recorder = DistributionRecorder()
        self._armed = False
        #: a steering change was applied: the next step's snapshot carries the new config
        self._config_changed = False
        self._sampled_step = 0
        self._forward_reading: LayerReading | None = None
        self._arm_if_due(1, self._started)

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- the hot path ---------------------------------------------------------------------
    def step(self, **scalars: Any) -> None:
        """Record one update: ``scalars`` by name (``loss=0.31, accuracy=0.9``; numbers or
        one-element tensors), with the learning rates, step time and throughput."""
        if self.closed:
            raise RuntimeError("this nnviz watcher is closed; watch again for a new run")
        now = self._clock()
        self.step_count += 1
        values = self._step_values(scalars, now - self._previous)
        self._previous = now
        self._trace.add(self.step_count, values)
        self._latest.update(values)
        views = self._sample_layers(now) if self._armed else {}
        if views or self._config_changed or self._snapshot_rate.due(self.step_count, now):
            self._emit(now, views)
        self._arm_if_due(self.step_count + 1, now)
        if self.steering is not None and self.steering.at_step(self.step_count, now):
            self._previous = self._clock()  # a pause is not the next step's time

    def set_rates(self, *, snapshot_every: int | None = None,
                  histogram_every: int | None = None) -> None:
        """Sample metrics and/or histograms every N steps from now on (the app's rates
        controls); the config the snapshots carry says so."""
        changed = {name: every for name, every in (("snapshot_every", snapshot_every),
                                                    ("histogram_every", histogram_every))
                   if every is not None}
        self.config = self.config.with_values(changed)
        self._snapshot_rate.every = self.config.snapshot_every
        self._layer_rate.every = self.config.histogram_every

    def _steered(self, group: int, name: str, value: float) -> None:
        """A change the app made: the next step (the first to use it) is a snapshot whose
        config has it, so a run file lists it among its live changes at that step."""
        self.config = self.config.with_values({setting_key(group, name): value})
        self._config_changed = True

    def _step_values(self, scalars: Mapping[str, Any], seconds: float) -> dict[str, float]:
        values = {name: _scalar(name, value) for name, value in scalars.items()}
        for group in self.probe.group_settings():
            suffix = "" if group.index == 0 else f"_group{group.index}"
            values[f"learning_rate{suffix}"] = group.learning_rate
            if math.isfinite(group.momentum):
                values[f"momentum{suffix}"] = group.momentum
        values["step_seconds"] = seconds
        batch = self.config.batch_size or next(
            (values[name] for name in BATCH_NAMES if name in values), None)
        if batch is not None and seconds > 0:
            values["examples_per_second"] = batch / seconds
        return values

    def _arm_if_due(self, step: int, now: float) -> None:
        if not self._armed and self._layer_rate.due(step, now):
            self.probe.arm()
            self._armed = True

    # -- sampled steps --------------------------------------------------------------------
    def _sample_layers(self, now: float, *, final: bool = False) -> dict[str, Any]:
        """The histogram and norm views of this step (empty for a model without layers).

        The final sample (at close) follows no forward pass: its activations and health are
        those of the last forward pass that was measured, so the last snapshot of a run
        file shows them too."""
        reading = self.probe.read(self.config.sampled_values)
        if _measured_forward(reading):
            self._forward_reading = reading
        elif final and self._forward_reading is not None:
            reading = replace(reading, health=self._forward_reading.health, samples={
                **reading.samples, "activations": self._forward_reading.samples["activations"]})
        self._armed = False
        self._layer_rate.take(self.step_count, now)
        self._sampled_step = self.step_count
        if not reading.layer_names:
            return {}
        return {"histograms": self._histogram_set(reading),
                "layer_norms": LayerNorms(self.step_count, reading.layer_names,
                                          reading.weight_norms, reading.gradient_norms)}

    def _histogram_set(self, reading: LayerReading) -> HistogramSet:
        """Histograms with edges that only widen over the run, and the run's distribution
        history (:class:`~nnviz.core.histograms.DistributionRecorder`) up to this step."""
        found = {}
        for quantity, per_layer in reading.samples.items():
            for layer, values in enumerate(per_layer):
                if values is not None and values.size:
                    key = (layer, quantity)
                    found[key] = histogram(layer, quantity, values, self._bins.edges(key, values))
        result = HistogramSet(
            self.step_count, found, tuple(unit.saturated for unit in reading.health),
            tuple(float(norm) for norm in reading.gradient_norms), reading.activation,
            reading.layer_names, tuple(unit.dead for unit in reading.health))
        return replace(result, history=self._recorder.record(result))

    def _emit(self, now: float, views: Mapping[str, Any], *, final: bool = False) -> None:
        snapshot = Snapshot(
            run_id=self.run_id, scenario=WATCH_SCENARIO, step=self.step_count,
            epoch=float(self._latest.get("epoch", 0.0)), wall_seconds=now - self._started,
            metrics=dict(self._latest), config=self.config, trace=self._trace.drain(),
            views=dict(views), final=final)
        self._snapshot_rate.take(self.step_count, now)
        self._config_changed = False
        for sink in self.sinks:
            sink.take(snapshot)

    # -- the end --------------------------------------------------------------------------
    def close(self) -> None:
        """End the run: a final snapshot (with the final weights' histograms, unless this
        step was just sampled), hooks removed, every sink closed (the run file written)."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.step_count:
                now = self._clock()
                views = self._sample_layers(now, final=True) \
                    if self._sampled_step != self.step_count else {}
                self._emit(now, views, final=True)
        finally:
            self.probe.close()
            try:
                for sink in self.sinks:
                    sink.close()
            finally:
                for callback in self.on_close:
                    callback()


class TraceBuffer:
    """Per-step values since the last snapshot, as columns of equal length (NaN where a
    step did not give a value that other steps did)."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.columns: dict[str, list[float]] = {}

    def add(self, step: int, values: Mapping[str, float]) -> None:
        count = len(self.steps)
        for name, value in values.items():
            column = self.columns.get(name)
            if column is None:
                column = self.columns[name] = [math.nan] * count
            column.append(value)
        self.steps.append(step)
        if len(values) < len(self.columns):
            for column in self.columns.values():
                if len(column) == count:
                    column.append(math.nan)

    def drain(self) -> dict[str, np.ndarray]:
        """The columns as arrays (``"step"`` first), emptied."""
        if not self.steps:
            return {}
        trace = {"step": np.asarray(self.steps, dtype=np.int64)}
        trace.update({name: np.asarray(column, dtype=np.float64)
                      for name, column in self.columns.items()})
        self.steps, self.columns = [], {}
        return trace


def _measured_forward(reading: LayerReading) -> bool:
    """Whether the probe's hooks measured a forward pass for this reading."""
    return bool(reading.health) or any(
        values is not None for values in reading.samples.get("activations", ()))


def _scalar(name: str, value: Any) -> float:
    """A scalar as a float: numbers, NumPy numbers, one-element tensors (``float(t)``)."""
    if name == "step":
        raise ValueError("nnviz watcher: 'step' is the watcher's own count; "
                         "name the scalar differently")
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"nnviz watcher: scalar {name}={value!r:.60} is not a number") from None
