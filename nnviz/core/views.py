"""The data behind each kind of panel, and the NumPy that computes it.

A session fills a snapshot's ``views`` with these frozen records; panels only draw them, so a
panel never knows which backend produced its data. Everything here is computed on the worker
side, only when a snapshot is due.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nnviz.core.contour import class_borders

# the histogram views live in their own module; their names stay importable from here
from nnviz.core.histograms import (  # noqa: F401
    PERCENTILES,
    QUANTITIES,
    DistributionHistory,
    DistributionRecorder,
    HistogramSet,
    LayerHistogram,
    StableBins,
    histogram,
    layer_histograms,
)

Array = np.ndarray


@dataclass(frozen=True)
class DecisionGrid:
    """P(class 1) (or the winning class's probability index) over a regular grid of the plane.

    ``probabilities`` has shape (ny, nx, n_classes); ``extent`` is (x_min, x_max, y_min, y_max).
    """

    extent: tuple[float, float, float, float]
    probabilities: Array
    train_points: Array
    train_labels: Array
    test_points: Array
    test_labels: Array
    #: where the winning class changes: segments in data units, (2k, 2) pairs of ends. Worked
    #: out here, on the worker side, not per frame on the GUI thread (~5 ms at 200×200)
    borders: Array = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "borders", class_borders(self.probabilities, self.extent))

    @property
    def n_classes(self) -> int:
        return int(self.probabilities.shape[-1])


def grid_points(extent: tuple[float, float, float, float], resolution: int) -> Array:
    """Row-major (y outer, x inner) points of a resolution × resolution grid over ``extent``."""
    x_min, x_max, y_min, y_max = extent
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


@dataclass(frozen=True)
class NetworkView:
    """Layer sizes, weights, and each hidden unit's output over the input plane.

    ``unit_grids[l]`` has shape (units_l, r, r): unit outputs of hidden layer l over the
    ``extent`` grid (empty when the input is not 2-D).
    """

    sizes: tuple[int, ...]
    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    extent: tuple[float, float, float, float] | None = None
    unit_grids: tuple[Array, ...] = ()
    activation: str = ""


@dataclass(frozen=True)
class Projection:
    """Labelled points in 2-D (PCA of embeddings or activations), axes matched frame to frame.

    ``explained_variance`` is the share of the variance along each drawn axis, in the order
    drawn (see :func:`pca_2d`: after a swap the first axis carries the smaller share).

    ``groups`` (one int per point) colours the points; ``group_names[g]`` names group g in the
    legend. ``arrows`` is an (m, 2) array of point indices: an arrow is drawn from the first
    point of each row to the second (country → capital), so parallel offsets show.
    """

    points: Array
    labels: Sequence[str] | Array
    explained_variance: tuple[float, float] = (np.nan, np.nan)
    groups: Array | None = None
    title: str = ""
    group_names: tuple[str, ...] = ()
    arrows: Array | None = None


def pca_2d(data: Array, previous_basis: Array | None = None) -> tuple[Array, Array, Array]:
    """Project centred ``data`` on its top two principal axes.

    Returns (points, basis (d × 2), the share of the total variance along each returned axis).
    When ``previous_basis`` is given, the axes are *matched* to it, not rotated: each axis's
    sign is chosen to agree with the previous frame's, and when the two variances cross the
    axes are swapped back, so successive frames neither flip nor trade places. The shares
    follow the axes, so after a swap the first is the smaller: the first axis is then the
    second principal component. (A Procrustes rotation would glide more smoothly, but its axes
    would no longer be principal components with a variance to label.)
    """
    centred = data - data.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:2].T.copy()
    if basis.shape[1] < 2:
        basis = np.pad(basis, ((0, 0), (0, 2 - basis.shape[1])))
    total = float((singular**2).sum()) or 1.0
    ratios = np.pad((singular[:2] ** 2) / total, (0, max(0, 2 - len(singular))))
    if previous_basis is not None and previous_basis.shape == basis.shape:
        overlap = previous_basis.T @ basis
        if abs(overlap[0, 1]) + abs(overlap[1, 0]) > abs(overlap[0, 0]) + abs(overlap[1, 1]):
            basis, ratios = basis[:, ::-1], ratios[::-1]
            overlap = previous_basis.T @ basis
        signs = np.where(np.diag(overlap) < 0, -1.0, 1.0)
        basis = basis * signs
    return centred @ basis, basis, ratios


def unit_grids(
    forward_hidden: Callable[[Array], Sequence[Array]],
    extent: tuple[float, float, float, float],
    resolution: int,
) -> tuple[Array, ...]:
    """Each hidden unit's activation over the plane: tuple over layers of (units, r, r)."""
    points = grid_points(extent, resolution)
    return tuple(
        np.ascontiguousarray(a.T.reshape(a.shape[1], resolution, resolution))
        for a in forward_hidden(points)
    )
