"""Histograms of what is inside a network, with bin edges that hold still while it trains.

Every snapshot of an MLP run carries a :class:`HistogramSet`: per layer, histograms of the
weights, biases, pre-activations ``z``, activations ``a`` and weight gradients ``dLoss/dW``, the
health figures (saturated / dead units, gradient norms) and a :class:`DistributionHistory` of
percentiles over the run (TensorBoard's "distributions" bands). All of it is computed on the
worker side when a snapshot is due; panels only draw it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

Array = np.ndarray

QUANTITIES = ("weights", "biases", "pre_activations", "activations", "gradients")

PERCENTILES = np.array([0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0])
"""TensorBoard's distribution bands: min, ±1.5σ, ±1σ, ±0.5σ, median, max of a normal."""

Key = tuple[int, str]


@dataclass(frozen=True)
class LayerHistogram:
    """Counts over fixed bin ``edges`` of one quantity of one layer, plus its summary.

    Values outside the edges are counted in the first or last bin (StableBins keeps them in).
    """

    layer: int
    quantity: str
    edges: Array
    counts: Array
    mean: float
    std: float
    percentiles: Array  # the values at PERCENTILES

    @property
    def total(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True)
class DistributionHistory:
    """Percentiles of each (layer, quantity) and the health figures, one row per snapshot.

    ``percentiles[key]`` has shape (rows, len(PERCENTILES)); ``gradient_norms``,
    ``saturated`` and ``dead`` have one column per layer. Old rows are merged pairwise as the
    run grows (min of minima, max of maxima, means of the rest), so memory stays bounded and
    spikes stay visible; ``stride`` is how many snapshots a recent row stands for.
    """

    steps: Array
    percentiles: Mapping[Key, Array]
    gradient_norms: Array
    saturated: Array
    dead: Array
    stride: int = 1

    def __len__(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class HistogramSet:
    """Histograms of every (layer, quantity) at one step, and per-layer health figures.

    Layer l is the l-th weight matrix (hidden layers first, the output layer last).
    ``saturated[l]`` is the fraction of (example, unit) pairs of hidden layer l whose activation
    derivative is below the threshold on the sample (saturated tanh/sigmoid, silent ReLU);
    ``dead[l]`` the fraction of its units for which that holds on *every* example (dead
    units); ``gradient_norms[l]`` is ‖dLoss/dW_l‖ (Frobenius).
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "histograms"

    step: int
    histograms: dict[Key, LayerHistogram]
    saturated: tuple[float, ...]
    gradient_norms: tuple[float, ...]
    activation: str = ""
    layer_names: tuple[str, ...] = field(default=())
    dead: tuple[float, ...] = ()
    history: DistributionHistory | None = None

    @property
    def n_layers(self) -> int:
        return 1 + max((layer for layer, _ in self.histograms), default=-1)

    def layer_name(self, layer: int) -> str:
        if layer < len(self.layer_names):
            return self.layer_names[layer]
        return f"layer {layer + 1}"

    def quantities(self, layer: int) -> list[str]:
        """The quantities held for ``layer``, in the order of :data:`QUANTITIES`."""
        present = {q for lay, q in self.histograms if lay == layer}
        ordered = [q for q in QUANTITIES if q in present]
        return ordered + sorted(present - set(ordered))

    def get(self, layer: int, quantity: str) -> LayerHistogram | None:
        return self.histograms.get((layer, quantity))


class StableBins:
    """Bin edges per (layer, quantity) that only ever widen, so histogram axes do not jump.

    The range starts at the data's symmetric extent rounded up to 1, 2 or 5 × 10^k (or
    [0, extent] for non-negative activations) and doubles away from zero on the side where
    data falls outside it; it never shrinks during a run. ``bins`` stays fixed.
    """

    def __init__(self, bins: int = 50) -> None:
        if bins < 1:
            raise ValueError("a histogram needs at least one bin")
        self.bins = bins
        self._limits: dict[Key, tuple[float, float]] = {}

    def limits(self, key: Key) -> tuple[float, float] | None:
        return self._limits.get(key)

    def edges(self, key: Key, values: Array) -> Array:
        values = np.asarray(values, dtype=np.float64)
        finite = values[np.isfinite(values)]
        low = float(finite.min()) if finite.size else 0.0
        high = float(finite.max()) if finite.size else 0.0
        if key in self._limits:
            lo, hi = self._limits[key]
            width = hi - lo
            if low < lo:
                lo = -_widened(-lo, -low, width)
            if high > hi:
                hi = _widened(hi, high, width)
        elif low >= 0 and key[1] == "activations":
            lo, hi = 0.0, _nice(high)
        else:
            extent = _nice(max(abs(low), abs(high)))
            lo, hi = -extent, extent
        self._limits[key] = (lo, hi)
        return np.linspace(lo, hi, self.bins + 1)


def _widened(limit: float, needed: float, width: float) -> float:
    """Grow an upper ``limit`` until it reaches ``needed``: double it, or add ``width`` steps
    (doubling) when it is not above zero, and never beyond the largest float."""
    if limit > 0:
        factor = 2.0 ** math.ceil(math.log2(needed / limit))
        return min(limit * factor, np.finfo(np.float64).max / 4)
    steps = 2.0 ** math.ceil(math.log2(max((needed - limit) / width, 1.0)))
    return min(limit + steps * width, np.finfo(np.float64).max / 4)


_WIDEST = np.finfo(np.float64).max / 4
"""The widest limit: edges within ±_WIDEST keep ``hi − lo`` and the bin widths finite."""


def _nice(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is ≥ value (and 1 for zero or non-finite), kept
    between the smallest normal float (narrower ranges repeat edges) and ``_WIDEST``."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    value = min(max(value, np.finfo(np.float64).tiny), _WIDEST)
    exponent = np.floor(np.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * 10**exponent >= value:
            return float(min(step * 10**exponent, _WIDEST))
    return float(10 ** (exponent + 1))


def histogram(layer: int, quantity: str, values: Array, edges: Array) -> LayerHistogram:
    """Counts of the finite ``values`` over ``edges`` (the outer bins take what lies beyond)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    flat = flat[np.isfinite(flat)]
    counts, _ = np.histogram(np.clip(flat, edges[0], edges[-1]), bins=edges)
    if flat.size:
        return LayerHistogram(
            layer, quantity, edges, counts, float(flat.mean()), float(flat.std()),
            np.percentile(flat, PERCENTILES),
        )
    return LayerHistogram(layer, quantity, edges, counts, np.nan, np.nan,
                          np.full(len(PERCENTILES), np.nan))


def layer_histograms(
    step: int,
    quantities: Mapping[str, Sequence[Array]],
    bins: StableBins,
    derivative_small: Sequence[Array] = (),
    activation: str = "",
    layer_names: Sequence[str] = (),
    recorder: DistributionRecorder | None = None,
) -> HistogramSet:
    """Histograms of each quantity (name → one array per layer) with stable edges.

    ``derivative_small[l]`` is a boolean array (sample × units) marking where hidden layer l's
    activation derivative is tiny: its mean is the saturated fraction, the share of columns
    that are small throughout is the dead fraction. Gradient norms are taken from
    ``quantities["gradients"]``. A ``recorder`` appends this step to the run's history.
    """
    histograms = {}
    for quantity, arrays in quantities.items():
        for layer, values in enumerate(arrays):
            key = (layer, quantity)
            histograms[key] = histogram(layer, quantity, values, bins.edges(key, values))
    saturated = tuple(float(np.mean(mask)) if np.size(mask) else 0.0 for mask in derivative_small)
    dead = tuple(
        float(np.mean(np.all(mask, axis=0))) if np.size(mask) else 0.0
        for mask in derivative_small
    )
    norms = tuple(float(np.linalg.norm(g)) for g in quantities.get("gradients", ()))
    result = HistogramSet(step, histograms, saturated, norms, activation, tuple(layer_names),
                          dead)
    if recorder is not None:
        result = HistogramSet(step, histograms, saturated, norms, activation,
                              tuple(layer_names), dead, recorder.record(result))
    return result


class DistributionRecorder:
    """Keeps a run's percentile rows and health figures for the "distribution over steps" view.

    Holds at most ``capacity`` rows in preallocated arrays: when full, neighbouring rows are
    merged pairwise and from then on each row stands for twice as many snapshots
    (``stride``), so the rows stay evenly spread over the run. A snapshot at the step of the
    newest row (a final or paused snapshot) replaces that row. Owned by the session (worker
    side); :meth:`record` returns a frozen copy for the snapshot.
    """

    def __init__(self, capacity: int = 512) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number ≥ 2")
        self.capacity = capacity
        self.stride = 1
        self._done = 0  # complete rows; row ``_done`` is the pending one when ``_pending``
        self._pending = False
        size = capacity + 1
        self._steps = np.zeros(size, dtype=np.int64)
        self._weights = np.zeros(size, dtype=np.int64)
        self._percentiles: dict[Key, Array] = {}
        self._health = {name: np.full((size, 0), np.nan)
                        for name in ("gradient_norms", "saturated", "dead")}

    def __len__(self) -> int:
        return self._done + self._pending

    def record(self, histograms: HistogramSet) -> DistributionHistory:
        health = {"gradient_norms": histograms.gradient_norms,
                  "saturated": histograms.saturated, "dead": histograms.dead}
        row = self._done
        if self._pending or (self._done and self._steps[self._done - 1] == histograms.step):
            row = self._done if self._pending else self._done - 1
            replace = self._steps[row] == histograms.step
        else:
            replace = True
            self._pending = True
            self._weights[row] = 0
        weight = self._weights[row]
        if replace:
            weight = max(weight - 1, 0)  # a repeated step stands in for the same snapshot
        for key, summary in histograms.histograms.items():
            self._write(self._table(key), row, np.asarray(summary.percentiles, np.float64),
                        weight, extremes=True)
        for name, values in health.items():
            self._write(self._health_table(name, len(values)), row,
                        np.asarray(values, np.float64), weight, extremes=False)
        self._steps[row] = histograms.step
        self._weights[row] = weight + 1
        if self._pending and self._weights[row] >= self.stride:
            self._done += 1
            self._pending = False
            if self._done >= self.capacity:
                self._halve()
        return self.history()

    def _table(self, key: Key) -> Array:
        if key not in self._percentiles:
            self._percentiles[key] = np.full((self.capacity + 1, len(PERCENTILES)), np.nan)
        return self._percentiles[key]

    def _health_table(self, name: str, width: int) -> Array:
        table = self._health[name]
        if table.shape[1] < width:
            wider = np.full((table.shape[0], width), np.nan)
            wider[:, : table.shape[1]] = table
            self._health[name] = table = wider
        return table

    @staticmethod
    def _write(table: Array, row: int, values: Array, weight: int, *, extremes: bool) -> None:
        """Put ``values`` in ``row``, or blend them into what the row holds for ``weight``
        earlier snapshots: weighted means, and for percentiles min of minima, max of maxima."""
        target = table[row, : len(values)]
        if weight == 0:
            target[:] = values
            table[row, len(values):] = np.nan
            return
        blended = _blend(target, weight, values, 1)
        if extremes:
            blended[0] = np.fmin(target[0], values[0])
            blended[-1] = np.fmax(target[-1], values[-1])
        target[:] = blended

    def _halve(self) -> None:
        n = self._done
        early, late = slice(0, n, 2), slice(1, n, 2)
        w_early, w_late = self._weights[early], self._weights[late]
        for table in self._percentiles.values():
            merged = _blend(table[early], w_early[:, None], table[late], w_late[:, None])
            merged[:, 0] = np.fmin(table[early, 0], table[late, 0])
            merged[:, -1] = np.fmax(table[early, -1], table[late, -1])
            table[: n // 2] = merged
        for table in self._health.values():
            table[: n // 2] = _blend(table[early], w_early[:, None], table[late],
                                     w_late[:, None])
        self._steps[: n // 2] = self._steps[late]
        self._weights[: n // 2] = w_early + w_late
        self._done = n // 2
        self.stride *= 2

    def history(self) -> DistributionHistory:
        count = len(self)
        return DistributionHistory(
            steps=self._steps[:count].copy(),
            percentiles={key: table[:count].copy() for key, table in self._percentiles.items()},
            gradient_norms=self._health["gradient_norms"][:count].copy(),
            saturated=self._health["saturated"][:count].copy(),
            dead=self._health["dead"][:count].copy(),
            stride=self.stride,
        )


def _blend(a: Array, wa: Array | int, b: Array, wb: Array | int) -> Array:
    """Weighted mean of a and b; where one of them is NaN (not recorded yet), the other."""
    with np.errstate(invalid="ignore"):
        mean = (a * wa + b * wb) / (wa + wb)
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, mean))
