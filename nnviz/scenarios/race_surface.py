"""The race's loss-surface view: a plane of parameter space, its loss, and the racers' paths.

Logistic regression: the plane of the two weights (w₁, w₂) with the bias held at the
minimiser's b* (from Newton's method), so the ravine and the optimum are where the racers head.
On linearly separable data there is no minimiser (the loss falls towards 0 as |θ| → ∞): the
bias is held at 0, the note says why, and no optimum is marked.
The grid is recomputed only when the racers leave the drawn area.

MLP: the slice θ_c + α·δ + β·η around the first racer's (or the racers' mean) current weights,
with δ, η random directions, filter-normalised to θ_c (:mod:`nnviz.core.loss_surface`). The
same Gaussian draws are re-normalised each time, so the frame drifts smoothly as θ_c moves.
It costs a few thousand forward passes, so it is recomputed at most once per ten times its own
cost in wall time; between recomputations new path points are projected onto the same plane.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from nnviz.core.logistic import loss_grid
from nnviz.core.loss_surface import (
    LossSurface,
    flatten,
    grow_extent,
    project,
    random_direction,
    unflatten,
)
from nnviz.core.mlp import MLP

if TYPE_CHECKING:
    from nnviz.scenarios.race import RaceSession

Array = np.ndarray

#: the slice may take at most 1 / BUDGET of the loop's wall time
BUDGET = 10.0


class SurfaceMaker:
    """Computes :class:`~nnviz.core.loss_surface.LossSurface` views for one race session."""

    def __init__(self, session: RaceSession) -> None:
        self.session = session
        self._sample(session.config.surface_points)
        self.revision = 0
        self._values: Array | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self._key: tuple | None = None
        # MLP slice state
        self._center: Array | None = None
        self._first: Array | None = None
        self._second: Array | None = None
        self._computed_at = -np.inf
        self._cost = 0.0
        self._scratch = session.new_model()

    def _sample(self, points: int) -> None:
        """The fixed, seeded subset of training points the surface is drawn from."""
        session = self.session
        rng = np.random.default_rng([session.config.seed, 5])
        count = min(session.n_train, points)
        rows = np.sort(rng.choice(session.n_train, count, replace=False))
        self.inputs = session.train_x[rows]
        self.labels = session.train_y[rows]
        self.points = points

    def view(self) -> LossSurface:
        if self.session.config.surface_points != self.points:
            self._sample(self.session.config.surface_points)
            self._key = None
        if self.session.config.problem == "logistic":
            return self._logistic()
        return self._mlp()

    # -- logistic regression -----------------------------------------------------------------
    def _logistic(self) -> LossSurface:
        session = self.session
        optimum = session.optimum
        bias = float(optimum[2]) if optimum is not None else 0.0
        paths = {r.name: r.path.points(session.flat_params(r))[:, :2] for r in session.racers}
        if self._extent is None:
            start = session.initial_params[0][:, 0]
            anchors = [start] + ([optimum[:2]] if optimum is not None else [])
            anchors_array = np.array(anchors)
            low, high = anchors_array.min(axis=0), anchors_array.max(axis=0)
            pad = np.maximum((high - low) * 0.3, 1.0)
            self._extent = (float(low[0] - pad[0]), float(high[0] + pad[0]),
                            float(low[1] - pad[1]), float(high[1] + pad[1]))
            self._limit = _scaled_extent(self._extent, 4.0)
        extent = self._extent
        for racer in session.racers:
            if racer.diverged_at is None:
                extent = grow_extent(extent, _inside(paths[racer.name], self._limit))
        resolution = session.config.surface_resolution
        key = (extent, resolution, bias, self.points)
        if key != self._key:
            w1 = np.linspace(extent[0], extent[1], resolution)
            w2 = np.linspace(extent[2], extent[3], resolution)
            self._values = loss_grid(w1, w2, bias, self.inputs, self.labels)
            self._extent, self._key = extent, key
            self.revision += 1
        if optimum is not None:
            note = f"bias held at b* = {bias:.3g} (the minimiser's)"
        elif session.separable:
            note = ("bias held at 0: no finite minimiser, the classes are linearly separable "
                    "(the loss falls towards 0 as |θ| → ∞)")
        else:
            note = "bias held at 0: Newton's method found no minimiser"
        return LossSurface(
            extent=extent, values=self._values, x_label="w₁", y_label="w₂", paths=paths,
            minimum=None if optimum is None else (float(optimum[0]), float(optimum[1])),
            note=note, revision=self.revision,
        )

    # -- MLP ----------------------------------------------------------------------------------
    def _mlp(self) -> LossSurface:
        session = self.session
        config = session.config
        alive = [r for r in session.racers if r.diverged_at is None] or session.racers
        if config.surface_center == "mean":
            center = np.mean([session.flat_params(r) for r in alive], axis=0)
            who = "the racers' mean"
        else:
            center = session.flat_params(alive[0])
            who = alive[0].name
        now = time.perf_counter()
        key = (config.surface_resolution, config.surface_span, config.surface_center, who,
               self.points)
        moved = self._center is None or not np.array_equal(center, self._center)
        due = now - self._computed_at >= BUDGET * self._cost or session.finished
        if self._values is None or key != self._key or (moved and due):
            self._slice(center, key)
            self._computed_at = time.perf_counter()
            self._cost = self._computed_at - now
        paths = {
            r.name: project(r.path.points(session.flat_params(r)), self._center, self._first,
                            self._second)
            for r in session.racers
        }
        return LossSurface(
            extent=self._extent, values=self._values, x_label="α (direction 1)",
            y_label="β (direction 2)", paths=paths,
            note=f"slice around {who}, filter-normalised random directions",
            revision=self.revision,
        )

    def _slice(self, center: Array, key: tuple) -> None:
        session, config = self.session, self.session.config
        like = self._scratch.params
        center_params = unflatten(center, like)
        self._first = flatten(random_direction(center_params,
                                               np.random.default_rng([config.seed, 11])))
        self._second = flatten(random_direction(center_params,
                                                np.random.default_rng([config.seed, 12])))
        self._center = center.copy()
        span = config.surface_span
        extent = (-span, span, -span, span)
        for racer in session.racers:
            if racer.diverged_at is None:
                coords = project(racer.path.points(session.flat_params(racer)), center,
                                 self._first, self._second)
                extent = grow_extent(extent, _inside(coords, _scaled_extent(extent, 20.0)),
                                     margin=0.05)
        resolution = config.surface_resolution
        alphas = np.linspace(extent[0], extent[1], resolution)
        betas = np.linspace(extent[2], extent[3], resolution)
        self._values = self._slice_values(center, alphas, betas)
        self._extent, self._key = extent, key
        self.revision += 1

    def _slice_values(self, center: Array, alphas: Array, betas: Array) -> Array:
        grid_a, grid_b = np.meshgrid(alphas, betas)
        vectors = (center + grid_a.reshape(-1, 1) * self._first
                   + grid_b.reshape(-1, 1) * self._second)
        with np.errstate(all="ignore"):
            losses = batched_losses(self._scratch, vectors, self.inputs, self.labels)
        return losses.reshape(len(betas), len(alphas))


def batched_losses(model: MLP, vectors: Array, inputs: Array, labels: Array,
                   chunk: int = 64) -> Array:
    """The mean loss of ``model``'s architecture at each row of ``vectors`` (flattened params).

    The forward pass runs for ``chunk`` parameter vectors at once with batched matrix
    products, z = a·W_k + b_k for every k, instead of one small forward pass per grid point.
    Equal to setting each vector's parameters and calling ``model.loss`` (tests check it).
    """
    shapes = [p.shape for p in model.params]
    out = np.empty(len(vectors))
    for start in range(0, len(vectors), chunk):
        block = vectors[start:start + chunk]
        k = len(block)
        a: Array = np.broadcast_to(inputs, (k, *inputs.shape))
        offset = 0
        for layer in range(model.n_layers):
            fan_in, fan_out = shapes[2 * layer]
            weights = block[:, offset:offset + fan_in * fan_out].reshape(k, fan_in, fan_out)
            offset += fan_in * fan_out
            biases = block[:, offset:offset + fan_out].reshape(k, 1, fan_out)
            offset += fan_out
            z = a @ weights + biases
            a = model.activation.forward(z) if layer < model.n_layers - 1 else z
        for row in range(k):
            out[start + row] = model.output.loss(np.ascontiguousarray(a[row]), labels, "mean")
    return out


def _scaled_extent(extent: tuple[float, float, float, float], factor: float
                   ) -> tuple[float, float, float, float]:
    """A square around the centre of ``extent``, ``factor`` times its longer half-side."""
    cx, cy = (extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2
    half = max(extent[1] - extent[0], extent[3] - extent[2]) / 2 * factor
    return (cx - half, cx + half, cy - half, cy + half)


def _inside(points: Array, extent: tuple[float, float, float, float]) -> Array:
    """The points within ``extent`` (a racer flung far away must not shrink everyone's view)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    keep = ((points[:, 0] >= extent[0]) & (points[:, 0] <= extent[1])
            & (points[:, 1] >= extent[2]) & (points[:, 1] <= extent[3]))
    return points[keep]
