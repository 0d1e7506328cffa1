"""The data behind each kind of panel, and the NumPy that computes it.

A session fills a snapshot's ``views`` with these frozen records; panels only draw them, so a
panel never knows which backend produced its data. Everything here is computed on the worker
side, only when a snapshot is due.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

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

#: the view kinds a consumer wants from ``Session.views`` (None: every kind the session makes)
ViewKinds = Collection[str] | None


def wanted_views(producers: Mapping[str, Callable[[], object] | None],
                 kinds: ViewKinds) -> dict[str, object]:
    """Call the producer of each wanted kind only: a view nobody draws costs nothing.

    ``producers`` maps a view kind to the function that computes it, or to None when the
    session cannot make that kind now (no grid for a plane it does not have).
    """
    return {kind: produce() for kind, produce in producers.items()
            if produce is not None and (kinds is None or kind in kinds)}


@dataclass(frozen=True)
class DecisionGrid:
    """P(class 1) (or the winning class's probability index) over a regular grid of the plane.

    ``probabilities`` has shape (ny, nx, n_classes); ``extent`` is (x_min, x_max, y_min, y_max).
    The plane is the input plane itself for two features, else an :class:`InputPlane` slice
    through input space: then the points are projected onto it, ``x_label``/``y_label`` name
    its axes and ``title`` says what the slice is. ``class_names`` are the classes' names
    from a data file (empty: classes are numbered).
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "decision_grid"

    extent: tuple[float, float, float, float]
    probabilities: Array
    train_points: Array
    train_labels: Array
    test_points: Array
    test_labels: Array
    class_names: tuple[str, ...] = ()
    x_label: str = ""
    y_label: str = ""
    title: str = ""
    #: how many training and test points the whole set has; more than drawn when the points
    #: are a sample (:data:`MAX_DRAWN_POINTS`); (0, 0): not told, as many as drawn
    point_totals: tuple[int, int] = (0, 0)
    #: where the winning class changes: segments in data units, (2k, 2) pairs of ends. Worked
    #: out here, on the worker side, not per frame on the GUI thread (~5 ms at 200×200); a
    #: grid rebuilt from a message or a file brings its own (None: work them out now)
    borders: Array | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.borders is None:
            object.__setattr__(self, "borders", class_borders(self.probabilities, self.extent))
        elif self.borders.ndim != 2 or self.borders.shape[1] != 2 or len(self.borders) % 2:
            raise ValueError(f"borders of shape {self.borders.shape} are not pairs of 2-D ends")

    @property
    def n_classes(self) -> int:
        return int(self.probabilities.shape[-1])

    @property
    def points_sampled(self) -> bool:
        """Whether the points are a sample of a larger set (the drawing cap)."""
        return (self.point_totals[0] > len(self.train_labels)
                or self.point_totals[1] > len(self.test_labels))


def padded_extent(points: Array, margin: float = 0.1) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of 2-D points, each side widened by ``margin`` of the
    span (a span of 0 is widened by 1, so the extent is never empty)."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.where(high > low, (high - low) * margin, 1.0)
    return (float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]),
            float(high[1] + pad[1]))


@dataclass(frozen=True)
class InputPlane:
    """A plane through input space that a 2-D view draws as its own: the plane point (u, v)
    is the input x = origin + u·a₁ + v·a₂, with a₁, a₂ the orthonormal columns of ``axes``.

    A point of input space is drawn at its orthogonal projection (u, v) = (x − origin)·axes;
    for a point on the plane that is exact, for any other it is where the plane passes
    closest to it, so a point can sit on the "wrong" side of a boundary drawn on the slice.
    """

    origin: Array
    axes: Array
    x_label: str = "u"
    y_label: str = "v"
    title: str = ""

    def inputs_at(self, plane_points: Array) -> Array:
        """The inputs x = origin + p·axesᵀ at plane points p, shape (n, 2) → (n, d)."""
        return self.origin + np.asarray(plane_points) @ self.axes.T

    def coordinates(self, inputs: Array) -> Array:
        """The plane coordinates (n, 2) of inputs (n, d): their orthogonal projection."""
        return (np.asarray(inputs) - self.origin) @ self.axes


#: the most points of one split a decision-boundary view carries: a scatter of a million
#: points would take seconds to draw whenever a run starts, and slow every repaint after
MAX_DRAWN_POINTS = 10_000


def thinned(points: Array, labels: Array, limit: int | None = None) -> tuple[Array, Array]:
    """Every k-th point and its label, k the smallest step that keeps at most ``limit``
    (default :data:`MAX_DRAWN_POINTS`; of a shuffled split, an even sample; all points when
    there are no more)."""
    step = max(1, math.ceil(len(points) / (limit or MAX_DRAWN_POINTS)))
    return points[::step], labels[::step]


#: the most rows :func:`pca_plane` computes the covariance from (evenly spaced, all if fewer)
PCA_PLANE_ROWS = 50_000


def pca_plane(inputs: Array) -> InputPlane:
    """The plane of the inputs' first two principal components through their mean.

    Axes are the covariance matrix's two leading eigenvectors (from at most
    :data:`PCA_PLANE_ROWS` evenly spaced rows; the mean from all), each signed so that its
    largest component is positive: the same data give the same picture, never a mirrored one.
    The labels carry each axis's share of the variance ("PC 1 (45% of variance)"); the title
    says the picture is a slice.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    n, d = inputs.shape
    mean = inputs.mean(axis=0)
    centred = inputs[:: max(1, n // PCA_PLANE_ROWS)] - mean
    covariance = centred.T @ centred / max(len(centred), 1)
    variances, vectors = np.linalg.eigh(covariance)
    order = np.argsort(variances)[::-1][:2]
    axes = vectors[:, order]
    largest = np.abs(axes).argmax(axis=0)
    axes = axes * np.where(axes[largest, [0, 1]] < 0, -1.0, 1.0)
    total = float(variances.clip(min=0).sum()) or 1.0
    shares = variances[order].clip(min=0) / total
    return InputPlane(
        origin=mean, axes=axes,
        x_label=f"PC 1 ({shares[0]:.0%} of variance)",
        y_label=f"PC 2 ({shares[1]:.0%} of variance)",
        title=f"Slice: PCA plane of {d} features",
    )


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

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "network"

    sizes: tuple[int, ...]
    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    extent: tuple[float, float, float, float] | None = None
    unit_grids: tuple[Array, ...] = ()
    activation: str = ""
    #: the input nodes' names where they are not just x₁, x₂ (extra features: x₁², sin x₁ …)
    input_names: tuple[str, ...] = ()
    #: each input over the ``extent`` grid, (inputs, r, r), where inputs are computed from
    #: the plane (extra features); None: the inputs are the plane's own x₁, x₂ ramps
    input_grids: Array | None = None


@dataclass(frozen=True)
class Projection:
    """Labelled points in 2-D (PCA of embeddings or activations), axes matched frame to frame.

    ``explained_variance`` is the share of the variance along each drawn axis, in the order
    drawn (see :func:`pca_2d`: after a swap the first axis carries the smaller share).

    ``groups`` (one int per point) colours the points; ``group_names[g]`` names group g in the
    legend. ``arrows`` is an (m, 2) array of point indices: an arrow is drawn from the first
    point of each row to the second (country → capital), so parallel offsets show.
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "projection"

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
