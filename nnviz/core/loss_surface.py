"""Two-dimensional slices of a loss through parameter space, and paths projected onto them.

A slice around a point θ spanned by directions δ, η is f(α, β) = L(θ + α·δ + β·η). Random
directions in a network's parameter space mean little unless each is scaled like the weights
it moves (Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets"): *filter
normalisation* draws δ ~ N(0, I) and rescales each unit's incoming weights (a column of a
weight matrix) to the norm of that column of θ,

    δ_{l,j} ← δ_{l,j} · ‖θ_{l,j}‖ / ‖δ_{l,j}‖,

so α = 1 moves every unit by as much as its own weights. *Layer normalisation* rescales each
whole array instead. Bias directions are zero by default, as in the paper.

A parameter vector ψ is placed on the slice by least squares: (α, β) minimising
‖ψ − θ − α·δ − β·η‖, i.e. the solution of the 2 × 2 normal equations with the Gram matrix of
δ and η (random directions are nearly, not exactly, orthogonal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

Array = np.ndarray

NORMALIZATIONS = ("filter", "layer")


def flatten(params: Sequence[Array]) -> Array:
    """One float64 vector of all parameters, in list order."""
    return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in params])


def unflatten(vector: Array, like: Sequence[Array]) -> list[Array]:
    """Split ``vector`` back into arrays shaped (and typed) like ``like``."""
    needed = sum(template.size for template in like)
    if len(vector) != needed:
        raise ValueError(f"vector has {len(vector)} entries; the parameters need {needed}")
    out, start = [], 0
    for template in like:
        stop = start + template.size
        out.append(vector[start:stop].reshape(template.shape).astype(template.dtype, copy=False))
        start = stop
    return out


def random_direction(params: Sequence[Array], rng: np.random.Generator, *,
                     normalization: str = "filter", include_biases: bool = False) -> list[Array]:
    """A Gaussian direction shaped like ``params``, normalised per filter or per layer.

    Arrays with two or more dimensions are weights (columns are units' incoming weights);
    one-dimensional arrays are biases, whose direction is zero unless ``include_biases``
    (then each is normalised as a whole).
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"unknown normalisation {normalization!r}; known: {', '.join(NORMALIZATIONS)}"
        )
    direction = []
    for param in params:
        theta = np.asarray(param, dtype=np.float64)
        delta = rng.standard_normal(theta.shape)
        if theta.ndim <= 1:
            delta = _scaled(delta, theta) if include_biases else np.zeros_like(theta)
        elif normalization == "layer":
            delta = _scaled(delta, theta)
        else:
            columns = theta.reshape(-1, theta.shape[-1])
            d_columns = delta.reshape(-1, delta.shape[-1])
            d_norms = np.linalg.norm(d_columns, axis=0)
            scale = np.linalg.norm(columns, axis=0) / np.where(d_norms > 0, d_norms, 1.0)
            delta = (d_columns * scale).reshape(theta.shape)
        direction.append(delta)
    return direction


def _scaled(delta: Array, theta: Array) -> Array:
    norm = np.linalg.norm(delta)
    return delta * (np.linalg.norm(theta) / norm) if norm > 0 else delta


def project(points: Array, center: Array, first: Array, second: Array) -> Array:
    """Least-squares coordinates (α, β) of each row of ``points`` (k × P) on the slice."""
    basis = np.stack([first, second], axis=1)  # P × 2
    gram = basis.T @ basis
    offsets = np.atleast_2d(points) - center
    rhs = offsets @ basis  # k × 2
    try:
        return np.linalg.solve(gram, rhs.T).T
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(basis, offsets.T, rcond=None)[0].T


def slice_values(loss: Callable[[Array], float], center: Array, first: Array, second: Array,
                 alphas: Array, betas: Array) -> Array:
    """f(α, β) = L(θ + α·δ + β·η) over the grid: shape (len(betas), len(alphas))."""
    values = np.empty((len(betas), len(alphas)))
    for j, beta in enumerate(betas):
        row = center + beta * second
        for i, alpha in enumerate(alphas):
            values[j, i] = loss(row + alpha * first)
    return values


@dataclass(frozen=True)
class LossSurface:
    """A loss image over a plane of parameter space plus each racer's path on that plane.

    ``values[j, i]`` is the loss at (x_i, y_j) of the ``extent`` (x_min, x_max, y_min, y_max)
    grid. ``paths`` maps a racer's name to its (k, 2) trajectory; ``minimum`` marks a known
    minimiser on the plane (Newton's solution of a convex problem), if any. ``revision``
    changes only when ``values`` are recomputed, so a view can skip redrawing the image.
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "loss_surface"

    extent: tuple[float, float, float, float]
    values: Array
    x_label: str
    y_label: str
    paths: Mapping[str, Array] = field(default_factory=dict)
    minimum: tuple[float, float] | None = None
    note: str = ""
    revision: int = 0


def grow_extent(extent: tuple[float, float, float, float], points: Array,
                margin: float = 0.15) -> tuple[float, float, float, float]:
    """``extent`` widened, never narrowed, so every point lies inside with a margin."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return extent
    x_min, x_max, y_min, y_max = extent
    low, high = points.min(axis=0), points.max(axis=0)
    if low[0] >= x_min and high[0] <= x_max and low[1] >= y_min and high[1] <= y_max:
        return extent
    x_min, x_max = min(x_min, low[0]), max(x_max, high[0])
    y_min, y_max = min(y_min, low[1]), max(y_max, high[1])
    pad_x, pad_y = (x_max - x_min) * margin, (y_max - y_min) * margin
    return (float(x_min - pad_x), float(x_max + pad_x), float(y_min - pad_y),
            float(y_max + pad_y))
