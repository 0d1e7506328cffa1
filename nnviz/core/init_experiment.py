"""The classic weight-initialisation experiment, and the record its panel draws.

One example whose ``fan_in`` inputs are all 1 goes through a freshly drawn layer, so each
unit's pre-activation is z = Σ_i W_i + b. With W, b ~ N(0, 1), Var z = fan_in + 1 (σ ≈ 31.6 for
1000 inputs) and almost every tanh unit is saturated (tanh'(z) = 1 − tanh²(z) ≈ 0); with
σ_W = 1/√fan_in, Var z = 1 + 1 = 2 and the units sit where tanh' is large. Statistics are kept
as running sums and fixed-bin counts, so the experiment can draw units for as long as it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.initializers import CUSTOMARY_BIAS_INIT, initial_layer

Array = np.ndarray


def draw_pre_activations(init: str, fan_in: int, n_units: int,
                         rng: np.random.Generator) -> Array:
    """z = x·W + b of ``n_units`` freshly initialised units for the input x = (1, …, 1),
    each initialiser with the biases it customarily comes with (N(0, 1) for the classic two)."""
    weights, biases = initial_layer(init, fan_in, n_units, rng,
                                    bias_init=CUSTOMARY_BIAS_INIT[init])
    return np.ones(fan_in) @ weights + biases


@dataclass
class RunningMoments:
    """Count, mean and sum of squared deviations of a growing sample (Chan et al.'s merge)."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, values: Array) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        n = values.size
        if not n:
            return
        chunk_mean = float(values.mean())
        chunk_m2 = float(((values - chunk_mean) ** 2).sum())
        total = self.count + n
        delta = chunk_mean - self.mean
        self.mean += delta * n / total
        self.m2 += chunk_m2 + delta * delta * self.count * n / total
        self.count = total

    @property
    def std(self) -> float:
        """The sample standard deviation (n − 1), NaN before two values."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else math.nan

    @property
    def std_error(self) -> float:
        """Standard error of :attr:`std` for normal data: σ / √(2(n − 1))."""
        return self.std / math.sqrt(2 * (self.count - 1)) if self.count > 1 else math.nan


def shared_edges(theory_stds: list[float], max_bins: int = 2000) -> Array:
    """Bin edges shared by every initialiser's histogram, fixed before the first draw.

    They span ±4.5 σ of the widest theory (at least ±5, where tanh' has died out) with bins
    no wider than a fifth of the narrowest non-zero σ, capped at ``max_bins``; an odd number
    of bins puts one bin's centre at z = 0.
    """
    widest = max(theory_stds, default=1.0)
    half_range = max(4.5 * widest, 5.0)
    half_range = math.ceil(half_range / 5.0) * 5.0
    narrow = [s for s in theory_stds if s > 0]
    width = min(narrow) / 5.0 if narrow else 0.25
    bins = min(max_bins, max(41, math.ceil(2 * half_range / width)))
    bins += 1 - bins % 2
    return np.linspace(-half_range, half_range, bins + 1)


def derivative_curve(activation: str, edges: Array, points: int = 801) -> tuple[Array, Array]:
    """(z, f'(z)) of an activation over the histogram's range, for the second y-axis."""
    z = np.linspace(edges[0], edges[-1], points)
    spec = ACTIVATIONS[activation]
    return z, spec.derivative(z, spec.forward(z))


@dataclass(frozen=True)
class InitStats:
    """What was measured for one initialiser, and what theory says."""

    name: str
    counts: Array
    units: int
    mean: float
    std: float
    std_error: float
    theory_std: float
    saturated: float

    @property
    def deviation(self) -> float:
        """How many standard errors the measured σ lies from theory (NaN if undefined)."""
        if not self.std_error or not math.isfinite(self.std_error):
            return math.nan if self.std != self.theory_std else 0.0
        return (self.std - self.theory_std) / self.std_error


@dataclass(frozen=True)
class InitHistograms:
    """The init experiment's view: z histograms of each initialiser on shared ``edges``,
    and the activation's derivative over the same range (``derivative_z``, ``derivative``).

    ``saturated`` is the fraction of units whose |f'(z)| is below ``threshold``.
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "init_histograms"

    step: int
    fan_in: int
    activation: str
    edges: Array
    stats: tuple[InitStats, ...]
    derivative_z: Array
    derivative: Array
    threshold: float

    def names(self) -> list[str]:
        return [s.name for s in self.stats]

    def density(self, stats: InitStats) -> Array:
        """Counts scaled to a probability density (area 1), comparable across initialisers."""
        widths = np.diff(self.edges)
        return stats.counts / max(stats.units, 1) / widths
