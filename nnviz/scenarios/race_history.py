"""Bounded per-racer histories: the loss curve and the path through parameter space.

:class:`CurveHistory` is the race's view of the one bounded curve store,
:class:`~nnviz.core.history.History`: x is the racer's update count, the thinned value is its
training loss, and the epoch and the two clocks ride along with each loss, so every row keeps
the meaning of :data:`~nnviz.core.race_views.CURVE_COLUMNS`. Thinning keeps each bucket's
lowest and highest loss, so spikes and the best loss survive and the first point below a
target moves by less than one bucket of updates.
:class:`PathHistory` keeps every ``stride``-th parameter vector and doubles the stride when full.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.history import History
from nnviz.core.race_views import CURVE_COLUMNS

Array = np.ndarray

#: where each of CURVE_COLUMNS sits in a stored row (x = updates, y = loss, then the extras)
_STORED_ORDER = ("updates", "loss", "epoch", "compute_seconds", "wall_seconds")
_TO_CURVE_COLUMNS = [_STORED_ORDER.index(name) for name in CURVE_COLUMNS]


class CurveHistory:
    """Rows of (updates, epoch, the racer's compute seconds, training loss, its wall seconds);
    the two clocks are defined in :mod:`nnviz.scenarios.race`."""

    def __init__(self, capacity: int = 4000) -> None:
        self._store = History(max(8, (capacity + 3) // 4 * 4), extra_columns=3)

    @property
    def capacity(self) -> int:
        return self._store.capacity

    @property
    def thinned(self) -> bool:
        """True once old points have been thinned (panels say so on the axis)."""
        return self._store.decimated

    @property
    def count(self) -> int:
        return len(self._store)

    def append(self, updates: int, epoch: float, compute_seconds: float, loss: float,
               wall_seconds: float) -> None:
        """Log one measurement. A second one at the same update count (the same weights,
        measured again) replaces the first while the curve is not thinned yet, and is left
        out once it is, so no update count is stored twice."""
        if self._store.replace_newest(updates, loss, epoch, compute_seconds, wall_seconds):
            return
        if self._store.newest_x != updates:
            self._store.append(updates, loss, epoch, compute_seconds, wall_seconds)

    @property
    def rows(self) -> Array:
        """A copy of the rows so far, shape (count, 5), columns :data:`CURVE_COLUMNS`."""
        return self._store.rows[:, _TO_CURVE_COLUMNS]

    def first_below(self, target: float) -> Array | None:
        """The first row whose loss is ≤ ``target`` (the finish line), or None."""
        hits = np.flatnonzero(self._store.y <= target)
        return self.rows[hits[0]] if len(hits) else None


class PathHistory:
    """Every ``stride``-th parameter vector (flattened) of one racer, oldest first."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = max(4, capacity)
        self.stride = 1
        self._points: list[Array] = []

    def append(self, updates: int, vector: Array) -> None:
        if updates % self.stride:
            return
        self._points.append(np.array(vector, dtype=np.float64))
        if len(self._points) >= self.capacity:
            self._points = self._points[::2]
            self.stride *= 2

    def points(self, current: Array | None = None) -> Array:
        """The kept vectors as rows, with ``current`` appended as the head of the path."""
        rows = list(self._points)
        if current is not None:
            rows.append(np.asarray(current, dtype=np.float64))
        if not rows:
            return np.empty((0, 0))
        return np.stack(rows)
