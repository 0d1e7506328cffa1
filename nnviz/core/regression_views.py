"""What a regression panel draws: the network's fitted function over its input, and the data.

One input: the fitted curve ŷ(x) on a grid, and for a network of one hidden layer each hidden
unit's contribution to it,

    ŷ(x) = b₂ + Σ_j c_j(x),    c_j(x) = w2_j · f(w1_j·x + b1_j),

so the curve is seen as a sum of bent lines (with relu each c_j is a hinge: zero on one side
of its kink, a straight line on the other). Two inputs: the prediction as a heat map over
the input plane, the points coloured by their targets on the same colour scale.

Computed on the worker side, only when a panel asks for the ``regression_fit`` view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnviz.core.mlp import MLP
from nnviz.core.views import grid_points

Array = np.ndarray

#: why a network other than one hidden layer has no per-unit overlay
OVERLAY_NEEDS_ONE_LAYER = "per-unit overlay needs exactly one hidden layer"


@dataclass(frozen=True)
class FitCurve:
    """ŷ at ``xs`` (a grid over the input's range) and each hidden unit's c_j at ``xs``.

    ``contributions`` is (units, m), empty (0, m) when the network has not one hidden layer
    (``overlay_note`` then says why); ``output_bias`` is b₂, so that
    ``output_bias + contributions.sum(0) == predictions``.
    """

    xs: Array
    predictions: Array
    contributions: Array
    output_bias: float = 0.0
    overlay_note: str = ""


@dataclass(frozen=True)
class FitSurface:
    """ŷ over a resolution × resolution grid of ``extent`` (x_min, x_max, y_min, y_max),
    rows along the second input (row-major, as :func:`~nnviz.core.views.grid_points`)."""

    extent: tuple[float, float, float, float]
    predictions: Array


@dataclass(frozen=True)
class RegressionView:
    """The data (inputs (n, 1) or (n, 2), real targets) and the fit: ``curve`` for one input,
    ``surface`` for two (the other None). ``target_range`` is the colour scale's (low, high),
    the same for the points and the surface, fixed for the run."""

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "regression_fit"

    train_points: Array
    train_targets: Array
    test_points: Array
    test_targets: Array
    target_range: tuple[float, float]
    curve: FitCurve | None = None
    surface: FitSurface | None = None
    input_names: tuple[str, ...] = ()
    target_name: str = "y"
    title: str = ""

    @property
    def n_inputs(self) -> int:
        return int(self.train_points.shape[1])


def unit_contributions(model: MLP, inputs: Array) -> tuple[Array, float]:
    """(c_j at each input, (units, n); b₂) of a one-hidden-layer, one-output network."""
    forward = model.forward(inputs)
    hidden = forward.activations[1]  # (n, units): f(w1_j·x + b1_j)
    output_weights = model.weights[1][:, 0]  # (units,): w2_j
    contributions = (hidden * output_weights).T.astype(np.float64)
    return contributions, float(model.biases[1][0])


def fit_curve(model: MLP, low: float, high: float, points: int) -> FitCurve:
    """The fitted curve on ``points`` evenly spaced inputs from ``low`` to ``high``."""
    xs = np.linspace(low, high, points)
    inputs = xs[:, None].astype(model.dtype)
    predictions = model.predict_proba(inputs)[:, 0].astype(np.float64)
    if model.n_layers != 2:
        return FitCurve(xs, predictions, np.empty((0, points)), 0.0, OVERLAY_NEEDS_ONE_LAYER)
    contributions, bias = unit_contributions(model, inputs)
    return FitCurve(xs, predictions, contributions, bias)


def fit_surface(model: MLP, extent: tuple[float, float, float, float],
                resolution: int) -> FitSurface:
    """The prediction over a resolution × resolution grid of the input plane."""
    inputs = grid_points(extent, resolution).astype(model.dtype)
    predictions = model.predict_proba(inputs)[:, 0].astype(np.float32)
    return FitSurface(extent, predictions.reshape(resolution, resolution))
