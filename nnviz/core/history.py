"""A bounded curve history that decimates old points but keeps every spike visible.

A training curve of a million steps does not fit on a screen, and should not fit in memory
either. :class:`History` stores at most ``capacity`` points. Until it is full it keeps every
point. When it fills, neighbouring points are merged into buckets, and each bucket keeps only
its minimum and its maximum (at their own x), so the stored curve is the *envelope* of the
raw one: a loss spike of a single step stays in the history at its step for ever, only the
points around it are thinned out. Every later point joins a bucket of the same size, so the
resolution is uniform along the run:

    stride 1:   every raw point is stored
    stride s:   every s consecutive raw points are stored as 2 (their min and max, in x order)

Each compaction halves the stored points and doubles the stride, so memory stays between
``capacity / 2`` and ``capacity`` points whatever the run's length.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class History:
    """Append-only (x, y) series with bounded memory; see the module docstring."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 8 or capacity % 4:
            raise ValueError(f"capacity={capacity}: needs a multiple of 4, at least 8")
        self.capacity = capacity
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self._size = 0
        #: raw points per stored (min, max) pair; 1 while nothing has been decimated
        self.stride = 1
        self._pending_x = np.empty(0, dtype=np.float64)
        self._pending_y = np.empty(0, dtype=np.float64)
        self._pending_count = 0
        #: how many raw points were ever appended
        self.total = 0

    def __len__(self) -> int:
        """Points stored, at most ``capacity + 2`` (the newest bucket's envelope)."""
        return self._size + len(self._pending_x)

    @property
    def decimated(self) -> bool:
        return self.stride > 1

    @property
    def x(self) -> Array:
        """The stored x values, then the envelope of the newest bucket if it is not yet full."""
        if not len(self._pending_x):
            return self._x[: self._size]
        return np.concatenate([self._x[: self._size], self._pending_x])

    @property
    def y(self) -> Array:
        if not len(self._pending_y):
            return self._y[: self._size]
        return np.concatenate([self._y[: self._size], self._pending_y])

    @property
    def last(self) -> tuple[float, float] | None:
        if len(self._pending_x):
            return float(self._pending_x[-1]), float(self._pending_y[-1])
        if self._size:
            return float(self._x[self._size - 1]), float(self._y[self._size - 1])
        return None

    def clear(self) -> None:
        self._size = 0
        self.stride = 1
        self.total = 0
        self._set_pending(self._pending_x[:0], self._pending_y[:0], 0)

    def copy(self) -> History:
        twin = History(self.capacity)
        twin._x[: self._size] = self._x[: self._size]
        twin._y[: self._size] = self._y[: self._size]
        twin._size, twin.stride, twin.total = self._size, self.stride, self.total
        twin._set_pending(self._pending_x.copy(), self._pending_y.copy(), self._pending_count)
        return twin

    def append(self, x: float, y: float) -> None:
        self.extend(np.array([x], dtype=np.float64), np.array([y], dtype=np.float64))

    def extend(self, xs: Array, ys: Array) -> None:
        """Append raw points in x order (NaN y values are kept as gaps)."""
        xs = np.asarray(xs, dtype=np.float64).ravel()
        ys = np.asarray(ys, dtype=np.float64).ravel()
        if xs.shape != ys.shape:
            raise ValueError(f"x has {xs.size} values but y has {ys.size}")
        self.total += xs.size
        while xs.size:
            if self.stride == 1:
                take = min(self.capacity - self._size, xs.size)
                self._store(xs[:take], ys[:take])
                xs, ys = xs[take:], ys[take:]
            elif self._pending_count:
                # finish the partial bucket: its envelope so far plus the points it still needs
                take = min(self.stride - self._pending_count, xs.size)
                bx, by = _envelope(np.concatenate([self._pending_x, xs[:take]])[None],
                                   np.concatenate([self._pending_y, ys[:take]])[None])
                self._pending_count += take
                xs, ys = xs[take:], ys[take:]
                if self._pending_count == self.stride:
                    self._store(bx, by)
                    self._set_pending(bx[:0], by[:0], 0)
                else:
                    self._set_pending(bx, by, self._pending_count)
            else:
                buckets = min((self.capacity - self._size) // 2, xs.size // self.stride)
                if buckets == 0:
                    bx, by = _envelope(xs[None], ys[None])
                    self._set_pending(bx, by, xs.size)
                    break
                used = buckets * self.stride
                self._store(*_envelope(xs[:used].reshape(buckets, self.stride),
                                       ys[:used].reshape(buckets, self.stride)))
                xs, ys = xs[used:], ys[used:]
            if self._size == self.capacity:
                self._compact()

    def _set_pending(self, xs: Array, ys: Array, count: int) -> None:
        """The newest bucket, not yet full: the envelope of its ``count`` raw points."""
        self._pending_x, self._pending_y, self._pending_count = xs, ys, count

    def _store(self, xs: Array, ys: Array) -> None:
        end = self._size + xs.size
        self._x[self._size:end] = xs
        self._y[self._size:end] = ys
        self._size = end

    def _compact(self) -> None:
        """Halve the stored points: 4 raw points become 2 (stride 1 → 4), 2 pairs become 1."""
        count = self._size // 4
        gx, gy = _envelope(self._x[: count * 4].reshape(count, 4),
                           self._y[: count * 4].reshape(count, 4))
        self._size = 0
        self._store(gx, gy)
        self.stride = 4 if self.stride == 1 else self.stride * 2


def _envelope(xs: Array, ys: Array) -> tuple[Array, Array]:
    """Per row: the (x, y) of the minimum and of the maximum, in x order (NaN rows stay NaN)."""
    rows = np.arange(len(ys))
    nan = np.isnan(ys)
    low = np.where(nan, np.inf, ys).argmin(axis=1)
    high = np.where(nan, -np.inf, ys).argmax(axis=1)
    first = np.minimum(low, high)
    second = np.maximum(low, high)
    out_x = np.empty(2 * len(ys))
    out_y = np.empty(2 * len(ys))
    out_x[0::2], out_x[1::2] = xs[rows, first], xs[rows, second]
    out_y[0::2], out_y[1::2] = ys[rows, first], ys[rows, second]
    return out_x, out_y
