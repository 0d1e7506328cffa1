"""A TensorBoard log directory as the record a watched run is shown with.

:func:`load_tensorboard_run` reads the logs (:mod:`nnviz.io.tensorboard`) into a
:class:`~nnviz.io.runs.RunRecord`, the record "Open run…" and ``nnviz show`` read, so a
TensorBoard run gets the same viewer, curves and panels as a run recorded by ``nnviz.watch``:

- every scalar tag keeps its name and the steps it was logged at (``nnviz show LOGDIR
  --json`` prints them, one object per step): the tags logged at the same steps as the
  first (loss-like) tag are per-step series, the others (an evaluation every N steps) are
  metric rows at their own steps, as a watched run's scalars and evaluations are;
- every step with histograms is a snapshot with a
  :class:`~nnviz.core.histograms.HistogramSet` (at most 60 kept, evenly spread; the
  distribution bands over steps come from all of them). TensorBoard's buckets have edges of
  their own at every step; they are re-binned onto :class:`~nnviz.core.histograms.StableBins`
  edges (each bucket's count at its centre) so the histogram axes hold still as in a live run.
  Tags are grouped into layers by name: ``fc1.weight``, ``fc1.bias`` and ``fc1.weight.grad``
  (or ``fc1/weights``, ``fc1/gradients`` …) are the weights, biases and gradients of layer
  ``fc1``; a tag with no such ending is a layer of its own (quantity ``values``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from nnviz.core.histograms import (
    PERCENTILES,
    DistributionRecorder,
    HistogramSet,
    LayerHistogram,
    StableBins,
)
from nnviz.io.runs import RunRecord
from nnviz.io.tensorboard import TagSeries, TensorBoardLogs, read_logs
from nnviz.scenarios.params import Config, param

#: the scenario name a TensorBoard run is filed under (it has no session to train)
TENSORBOARD_SCENARIO = "tensorboard"
#: tag endings that name a quantity of a layer; the first that matches wins
QUANTITY_ENDINGS = (
    (re.compile(r"[./_](weight|kernel)[./_]?grad(ient)?s?$", re.IGNORECASE), "gradients"),
    (re.compile(r"[./_]grad(ient)?s?$", re.IGNORECASE), "gradients"),
    (re.compile(r"[./_](bias|biases)$", re.IGNORECASE), "biases"),
    (re.compile(r"[./_](weight|weights|kernel)$", re.IGNORECASE), "weights"),
    (re.compile(r"[./_](activation|activations|output|outputs)$", re.IGNORECASE),
     "activations"),
)


@dataclass(frozen=True)
class TensorBoardConfig(Config):
    """What a TensorBoard run was read from (it has no settings of its own to show)."""

    #: the panels the viewer draws it with: no layer health (TensorBoard logs no unit
    #: saturation) but its curves and histograms
    recorded_panels: ClassVar[tuple[str, ...]] = ("loss", "histograms")

    source: str = param("", kind="str", help="the log directory or event file read")
    runs: str = param("", kind="str", help="the runs found under it")

    def trace_label(self, name: str) -> str:
        """A per-step series is a TensorBoard scalar: the legend shows its tag as logged,
        whatever nnviz's sessions mean by a series of that name."""
        return f"{name} (TensorBoard tag, every step)"


def load_tensorboard_run(path: str | Path, *, max_snapshots: int = 60) -> RunRecord:
    """The record of the TensorBoard logs under ``path``; RunFileError with one line when
    there are none or they cannot be read (see :func:`nnviz.io.tensorboard.read_logs`)."""
    from nnviz.session import Snapshot

    logs = read_logs(path)
    config = TensorBoardConfig(source=str(logs.source), runs=", ".join(logs.runs))
    record = RunRecord(scenario=TENSORBOARD_SCENARIO, config=config, run_id=0,
                       max_snapshots=max_snapshots, label=_label(logs.source))
    start = _first_wall_time(logs)
    per_step, sparse = _split_by_steps(_loss_first(logs.scalars))
    for tag, series in per_step:
        record.curves.set_trace(tag, series.steps, np.asarray(series.values, np.float64), 1)
    if sparse:
        record.set_history(_metric_rows(sparse, logs, start, record.history_capacity))
    views_by_step = _histogram_sets(logs.histograms)
    steps = sorted({*views_by_step, _last_step(logs)})
    for step in _evenly(steps, max_snapshots):
        metrics = _scalars_at(logs.scalars, step)
        latest_views = [s for s in views_by_step if s <= step]
        views = {"histograms": views_by_step[max(latest_views)]} if latest_views else {}
        snapshot = Snapshot(run_id=0, scenario=TENSORBOARD_SCENARIO, step=step,
                            epoch=float(metrics.get("epoch", 0.0)),
                            wall_seconds=_wall_seconds(logs, step, start), metrics=metrics,
                            config=config, views=views, final=step == steps[-1])
        record._kept.append(snapshot)
        record.latest = snapshot
    return record


def _label(source: Path) -> str:
    return source.parent.name if source.is_file() else (source.resolve().name or str(source))


def _loss_first(scalars: dict[str, TagSeries]) -> list[tuple[str, TagSeries]]:
    """Scalar tags with the loss-like ones first: the viewer lists the first series first and
    the panels draw the series logged at the same steps as the first one."""
    return sorted(scalars.items(), key=lambda item: ("loss" not in item[0].lower(),
                                                     -item[1].steps.size, item[0]))


def _split_by_steps(ordered: list[tuple[str, TagSeries]]
                    ) -> tuple[list[tuple[str, TagSeries]], list[tuple[str, TagSeries]]]:
    """The tags logged at the first tag's steps (per-step series, like a watched run's
    scalars) and the others (metric rows at their own steps, like its evaluations): the
    panels draw per-step series that share steps, and metrics at the rows' steps."""
    if not ordered:
        return [], []
    reference = ordered[0][1].steps
    per_step = [item for item in ordered if np.array_equal(item[1].steps, reference)]
    return per_step, [item for item in ordered if not np.array_equal(item[1].steps, reference)]


def _metric_rows(sparse: list[tuple[str, TagSeries]], logs: TensorBoardLogs, start: float,
                 capacity: int) -> dict[str, np.ndarray]:
    """Metric rows at every step a sparse tag was logged (NaN where a tag was not), at most
    ``capacity`` of them, evenly spread."""
    steps = np.unique(np.concatenate([series.steps for _, series in sparse]))
    if steps.size > capacity:
        steps = steps[np.linspace(0, steps.size - 1, capacity).round().astype(int)]
    columns = {"step": steps.astype(np.float64), "epoch": np.zeros(steps.size),
               "wall_seconds": np.array([_wall_seconds(logs, int(s), start) for s in steps])}
    for tag, series in sparse:
        column = np.full(steps.size, np.nan)
        rows = np.searchsorted(steps, series.steps)
        kept = (rows < steps.size) & (steps[np.minimum(rows, steps.size - 1)] == series.steps)
        column[rows[kept]] = np.asarray(series.values, np.float64)[kept]
        columns[tag] = column
    return columns


def _first_wall_time(logs: TensorBoardLogs) -> float:
    times = [s.wall_times[0] for s in (*logs.scalars.values(), *logs.histograms.values())
             if s.wall_times.size]
    return min(times, default=0.0)


def _last_step(logs: TensorBoardLogs) -> int:
    """The last step anything was logged at: the run's final snapshot is there, with the
    latest histograms (as a watched run's final snapshot has the last ones sampled)."""
    return max((int(s.steps[-1]) for s in (*logs.scalars.values(), *logs.histograms.values())
                if s.steps.size), default=0)


def _wall_seconds(logs: TensorBoardLogs, step: int, start: float) -> float:
    """Seconds from the first event to the last one logged at or before ``step``."""
    latest = start
    for series in (*logs.scalars.values(), *logs.histograms.values()):
        index = np.searchsorted(series.steps, step, side="right") - 1
        if index >= 0:
            latest = max(latest, float(series.wall_times[index]))
    return latest - start


def _scalars_at(scalars: dict[str, TagSeries], step: int) -> dict[str, float]:
    """Every scalar's latest value at or before ``step`` (the snapshot's metrics)."""
    found = {}
    for tag, series in scalars.items():
        index = np.searchsorted(series.steps, step, side="right") - 1
        if index >= 0 and math.isfinite(series.values[index]):
            found[tag] = float(series.values[index])
    return found


def _evenly(steps: list[int], count: int) -> list[int]:
    """At most ``count`` of ``steps``, evenly spread, the first and last always among them."""
    if len(steps) <= count:
        return steps
    chosen = np.linspace(0, len(steps) - 1, count).round().astype(int)
    return [steps[i] for i in sorted(set(chosen.tolist()))]


def layer_and_quantity(tag: str) -> tuple[str, str]:
    """``"fc1.weight.grad"`` → ``("fc1", "gradients")``; an unrecognised tag is a layer of
    its own with quantity ``"values"``."""
    for pattern, quantity in QUANTITY_ENDINGS:
        found = pattern.search(tag)
        if found and found.start() > 0:
            return tag[: found.start()], quantity
    return tag, "values"


def _histogram_sets(histograms: dict[str, TagSeries]) -> dict[int, HistogramSet]:
    """A :class:`HistogramSet` at every step any histogram tag was logged: each tag's
    latest histogram at or before that step, with the distribution history so far."""
    layers: dict[str, int] = {}
    keys = {}
    for tag in histograms:
        layer, quantity = layer_and_quantity(tag)
        keys[tag] = (layers.setdefault(layer, len(layers)), quantity)
    names = tuple(layers)
    bins, recorder = StableBins(), DistributionRecorder()
    steps = sorted({int(s) for series in histograms.values() for s in series.steps})
    result = {}
    for step in steps:
        found = {}
        norms = [math.nan] * len(names)
        for tag, series in histograms.items():
            index = np.searchsorted(series.steps, step, side="right") - 1
            if index >= 0:
                key = keys[tag]
                found[key] = rebinned(key, series.values[index], bins)
                if key[1] == "gradients":
                    norms[key[0]] = bucket_norm(series.values[index])
        histogram_set = HistogramSet(step, found, (), tuple(norms), "", names)
        result[step] = replace(histogram_set, history=recorder.record(histogram_set))
    return result


def rebinned(key: tuple[int, str], buckets: np.ndarray, bins: StableBins) -> LayerHistogram:
    """TensorBoard's ``[left, right, count]`` buckets as a :class:`LayerHistogram` over
    stable edges. Within a bucket the values are taken as spread evenly (as TensorBoard's
    own charts draw them), so each new bin gets the share of every bucket it overlaps; the
    mean, standard deviation and percentiles come from the buckets the same way."""
    buckets = np.asarray(buckets, dtype=np.float64).reshape(-1, 3)
    finite = buckets[np.isfinite(buckets).all(axis=1) & (buckets[:, 2] > 0)]
    lows, highs, counts = finite[:, 0], finite[:, 1], finite[:, 2]
    span = np.array([lows.min(), highs.max()]) if finite.size else np.zeros(0)
    edges = bins.edges(key, span)
    binned = whole_counts(np.diff(_mass_below(edges, lows, highs, counts)))
    total = counts.sum()
    if total <= 0:
        return LayerHistogram(key[0], key[1], edges, binned, np.nan, np.nan,
                              np.full(len(PERCENTILES), np.nan))
    centres = (lows + highs) / 2
    mean = float(np.dot(centres, counts) / total)
    std = float(math.sqrt(max(np.dot((centres - mean) ** 2, counts) / total, 0.0)))
    return LayerHistogram(key[0], key[1], edges, binned, mean, std,
                          _bucket_percentiles(lows, highs, counts))


def _mass_below(edges: np.ndarray, lows: np.ndarray, highs: np.ndarray,
                counts: np.ndarray) -> np.ndarray:
    """How many values lie below each edge, each bucket's count spread evenly over it (a
    bucket of no width counts at its edge); values beyond the outer edges count in the outer
    bins, as :func:`nnviz.core.histograms.histogram` counts them."""
    widths = highs - lows
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(widths[:, None] > 0,
                         (edges[None, :] - lows[:, None]) / widths[:, None],
                         (edges[None, :] >= lows[:, None]).astype(np.float64))
    below = np.clip(share, 0.0, 1.0).T @ counts
    below[0], below[-1] = 0.0, counts.sum()
    return below


def whole_counts(shares: np.ndarray) -> np.ndarray:
    """Fractional counts as whole ones with the same (rounded) total: each rounded down,
    the remainder given to the largest fractions."""
    shares = np.maximum(shares, 0.0)
    whole = np.floor(shares).astype(np.int64)
    missing = round(float(shares.sum())) - int(whole.sum())
    if missing > 0:
        whole[np.argsort(whole - shares, kind="stable")[:missing]] += 1
    return whole


def _bucket_percentiles(lows: np.ndarray, highs: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The values at :data:`PERCENTILES` of a bucketed distribution: the cumulative share
    rises linearly across each bucket (as TensorBoard's own distribution chart assumes)."""
    order = np.argsort(lows, kind="stable")
    lows, highs, counts = lows[order], highs[order], counts[order]
    cumulative = np.concatenate([[0.0], np.cumsum(counts)]) / counts.sum()
    points = np.concatenate([[lows[0]], highs])
    return np.interp(PERCENTILES / 100.0, cumulative, points)


def bucket_norm(buckets: np.ndarray) -> float:
    """‖g‖ of a gradient from its histogram, every value at its bucket's centre."""
    buckets = np.asarray(buckets, dtype=np.float64).reshape(-1, 3)
    centres = (buckets[:, 0] + buckets[:, 1]) / 2
    return float(math.sqrt(np.nansum(centres**2 * buckets[:, 2])))
