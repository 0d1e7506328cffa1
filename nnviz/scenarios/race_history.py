"""Bounded per-racer histories: the loss curve and the path through parameter space.

Both keep memory bounded over long races. :class:`CurveHistory` halves itself when full by
keeping, of every four points, the lowest and the highest loss (in their order), so spikes and
the best loss survive and the first point below a target moves by at most a few updates.
:class:`PathHistory` keeps every ``stride``-th parameter vector and doubles the stride when full.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.race_views import CURVE_COLUMNS

Array = np.ndarray


class CurveHistory:
    """Rows of (updates, epoch, the racer's compute seconds, training loss, its wall seconds);
    the two clocks are defined in :mod:`nnviz.scenarios.race`."""

    def __init__(self, capacity: int = 4000) -> None:
        self.capacity = max(8, capacity)
        self._rows = np.empty((self.capacity, len(CURVE_COLUMNS)))
        self.count = 0
        #: True once old points have been thinned (panels say so on the axis)
        self.thinned = False

    def append(self, updates: int, epoch: float, compute_seconds: float, loss: float,
               wall_seconds: float) -> None:
        row = (updates, epoch, compute_seconds, loss, wall_seconds)
        if self.count and self._rows[self.count - 1, 0] == updates:
            self._rows[self.count - 1] = row
            return
        if self.count == self.capacity:
            self._halve()
        self._rows[self.count] = row
        self.count += 1

    def _halve(self) -> None:
        self.thinned = True
        whole = self.count - self.count % 4
        blocks = self._rows[:whole, 3].reshape(-1, 4)
        low, high = blocks.argmin(axis=1), blocks.argmax(axis=1)
        high = np.where(high == low, np.where(low < 3, low + 1, low - 1), high)
        keep = np.sort(np.stack([low, high], axis=1), axis=1) + 4 * np.arange(len(blocks))[:, None]
        kept = np.concatenate([self._rows[keep.ravel()], self._rows[whole:self.count]])
        self.count = len(kept)
        self._rows[:self.count] = kept

    @property
    def rows(self) -> Array:
        """A copy of the rows so far, shape (count, 5), columns :data:`CURVE_COLUMNS`."""
        return self._rows[:self.count].copy()

    def first_below(self, target: float) -> Array | None:
        """The first row whose loss is ≤ ``target`` (the finish line), or None."""
        hits = np.flatnonzero(self._rows[:self.count, 3] <= target)
        return self._rows[hits[0]].copy() if len(hits) else None


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
