"""The one bounded curve store: old points are thinned, every spike stays visible.

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
``capacity / 2`` and ``capacity`` points whatever the run's length. A bucket whose values
are all equal keeps its first and its last point, so x never repeats and the curve keeps its
extent.

A point may carry ``extra_columns`` more numbers measured with it (the race stores each loss
with its epoch and its two clocks): they ride along with their point, so every stored row is
a real row of the raw stream, never a mixture of two. Every bounded curve in nnviz lives in
this store: a run's curves (:class:`~nnviz.io.run_curves.RunCurves`, which the loss panel
draws and a saved run writes) and the race's curves. :func:`thinned` applies the same rule to
a curve being drawn, so a panel never draws more points than a screen can show.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

Array = np.ndarray

#: columns of a stored row before the extra ones: x, then the value that is thinned by
_X, _Y = 0, 1


class History:
    """Append-only (x, y, extras…) series with bounded memory; see the module docstring."""

    def __init__(self, capacity: int = 4096, extra_columns: int = 0) -> None:
        if capacity < 8 or capacity % 4:
            raise ValueError(f"capacity={capacity}: needs a multiple of 4, at least 8")
        if extra_columns < 0:
            raise ValueError(f"extra_columns={extra_columns}: cannot be negative")
        self.capacity = capacity
        self.extra_columns = extra_columns
        self._rows = np.empty((capacity, 2 + extra_columns), dtype=np.float64)
        self._size = 0
        #: raw points per stored (min, max) pair; 1 while nothing has been decimated
        self.stride = 1
        self._pending = self._rows[:0].copy()
        self._pending_count = 0
        #: how many raw points were ever appended
        self.total = 0
        #: the newest raw row appended (thinning may not have stored it), or None
        self._newest: Array | None = None

    def __len__(self) -> int:
        """Points stored, at most ``capacity + 2`` (the newest bucket's envelope)."""
        return self._size + len(self._pending)

    @property
    def decimated(self) -> bool:
        return self.stride > 1

    @property
    def rows(self) -> Array:
        """A copy of the stored rows, shape (len, 2 + extra_columns): x, y, then the extras;
        the envelope of the newest bucket last if it is not yet full."""
        return np.concatenate([self._rows[: self._size], self._pending])

    @property
    def x(self) -> Array:
        """The stored x values, then the envelope of the newest bucket if it is not yet full."""
        return self._column(_X)

    @property
    def y(self) -> Array:
        return self._column(_Y)

    @property
    def extras(self) -> Array:
        """The extra columns of the stored rows, shape (len, extra_columns)."""
        return self.rows[:, 2:]

    @property
    def rows_through_newest(self) -> Array:
        """:attr:`rows`, then the newest raw row when thinning did not keep it: a table whose
        last row must be the latest measurement (a saved run's metrics) reads this."""
        rows = self.rows
        if self._newest is not None and (not len(rows) or rows[-1, _X] != self._newest[_X]):
            rows = np.concatenate([rows, self._newest[None]])
        return rows

    @property
    def newest_x(self) -> float | None:
        """x of the newest raw point appended (thinning may not have stored it), or None."""
        return None if self._newest is None else float(self._newest[_X])

    def widened(self, extra_columns: int) -> History:
        """A copy with more extra columns, NaN in every row so far (a metric that appears
        mid-run has no value before it)."""
        if extra_columns < self.extra_columns:
            raise ValueError(f"cannot narrow {self.extra_columns} extra columns to {extra_columns}")
        twin = History(self.capacity, extra_columns)
        width = self._rows.shape[1]
        twin._rows[:, width:] = np.nan
        twin._rows[: self._size, :width] = self._rows[: self._size]
        twin._size, twin.stride, twin.total = self._size, self.stride, self.total
        twin._set_pending(_pad(self._pending, twin._rows.shape[1]), self._pending_count)
        if self._newest is not None:
            twin._newest = _pad(self._newest[None], twin._rows.shape[1])[0]
        return twin

    def _column(self, index: int) -> Array:
        if not len(self._pending):
            return self._rows[: self._size, index]
        return np.concatenate([self._rows[: self._size, index], self._pending[:, index]])

    @property
    def last(self) -> tuple[float, float] | None:
        """(x, y) of the newest stored point."""
        if len(self._pending):
            return float(self._pending[-1, _X]), float(self._pending[-1, _Y])
        if self._size:
            return float(self._rows[self._size - 1, _X]), float(self._rows[self._size - 1, _Y])
        return None

    def clear(self) -> None:
        self._size = 0
        self.stride = 1
        self.total = 0
        self._newest = None
        self._set_pending(self._pending[:0], 0)

    def copy(self) -> History:
        twin = History(self.capacity, self.extra_columns)
        twin._rows[: self._size] = self._rows[: self._size]
        twin._size, twin.stride, twin.total = self._size, self.stride, self.total
        twin._newest = None if self._newest is None else self._newest.copy()
        twin._set_pending(self._pending.copy(), self._pending_count)
        return twin

    def append(self, x: float, y: float, *extras: float) -> None:
        row = self._row(x, y, extras)
        if self.stride > 1 or self._size + 1 >= self.capacity:
            self.extend_rows(row[None])
            return
        # the common case, written out: a step loop appends one point per update
        self._rows[self._size] = row
        self._size += 1
        self.total += 1
        self._newest = row

    def replace_newest(self, x: float, y: float, *extras: float) -> bool:
        """Overwrite the newest point with a new measurement at its x, while it is still
        stored as it came (nothing thinned yet); return whether it was replaced."""
        if self.decimated or not self._size or self._rows[self._size - 1, _X] != x:
            return False
        self._rows[self._size - 1] = self._newest = self._row(x, y, extras)
        return True

    def extend(self, xs: Array, ys: Array, extras: Array | None = None) -> None:
        """Append raw points in x order (NaN y values are kept as gaps); ``extras`` has one
        row of ``extra_columns`` values per point."""
        xs = np.asarray(xs, dtype=np.float64).ravel()
        ys = np.asarray(ys, dtype=np.float64).ravel()
        if xs.shape != ys.shape:
            raise ValueError(f"x has {xs.size} values but y has {ys.size}")
        columns = [xs[:, None], ys[:, None]]
        if self.extra_columns:
            if extras is None:
                raise ValueError(f"every point needs {self.extra_columns} extra values")
            columns.append(np.asarray(extras, dtype=np.float64).reshape(xs.size,
                                                                         self.extra_columns))
        self.extend_rows(np.hstack(columns))

    def extend_rows(self, rows: Array) -> None:
        """Append raw rows (x, y, extras…) in x order."""
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self._rows.shape[1]:
            raise ValueError(f"rows of shape {rows.shape}: need (n, {self._rows.shape[1]})")
        self.total += len(rows)
        if len(rows):
            self._newest = rows[-1].copy()
        while len(rows):
            if self.stride == 1:
                take = min(self.capacity - self._size, len(rows))
                self._store(rows[:take])
                rows = rows[take:]
            elif self._pending_count:
                # finish the partial bucket: its envelope so far plus the points it still needs
                take = min(self.stride - self._pending_count, len(rows))
                bucket = _envelope(np.concatenate([self._pending, rows[:take]])[None])
                self._pending_count += take
                rows = rows[take:]
                if self._pending_count == self.stride:
                    self._store(bucket)
                    self._set_pending(bucket[:0], 0)
                else:
                    self._set_pending(bucket, self._pending_count)
            else:
                buckets = min((self.capacity - self._size) // 2, len(rows) // self.stride)
                if buckets == 0:
                    self._set_pending(_envelope(rows[None]), len(rows))
                    break
                used = buckets * self.stride
                self._store(_envelope(rows[:used].reshape(buckets, self.stride, -1)))
                rows = rows[used:]
            if self._size == self.capacity:
                self._compact()

    def _row(self, x: float, y: float, extras: tuple[float, ...]) -> Array:
        if len(extras) != self.extra_columns:
            raise ValueError(f"{len(extras)} extra values for {self.extra_columns} columns")
        return np.array([x, y, *extras], dtype=np.float64)

    def _set_pending(self, rows: Array, count: int) -> None:
        """The newest bucket, not yet full: the envelope of its ``count`` raw points."""
        self._pending, self._pending_count = rows, count

    def _store(self, rows: Array) -> None:
        end = self._size + len(rows)
        self._rows[self._size:end] = rows
        self._size = end

    def _compact(self) -> None:
        """Halve the stored points: 4 raw points become 2 (stride 1 → 4), 2 pairs become 1."""
        count = self._size // 4
        merged = _envelope(self._rows[: count * 4].reshape(count, 4, -1))
        self._size = 0
        self._store(merged)
        self.stride = 4 if self.stride == 1 else self.stride * 2


class HistoryTable:
    """Named columns measured together, one row per measurement (a run's step, epoch, wall
    seconds and metrics at each snapshot), bounded by one :class:`History`.

    x is the ``x_name`` column; the value thinned by is the first column named
    ``train_loss``, else the first whose name contains "loss" (so a saved run's loss keeps its
    spikes), else x itself (plain even thinning); every other column rides along, so each
    kept row is a real row. The newest row is always kept. A column that first appears
    mid-run reads NaN before it.
    """

    def __init__(self, capacity: int, x_name: str = "step") -> None:
        self.x_name = x_name
        self._capacity = capacity
        self._order: list[str] = []
        self._thinned_by: str | None = None
        self._extras: list[str] = []
        self._store = History(capacity)

    @property
    def names(self) -> list[str]:
        """Column names in the order they first appeared."""
        return list(self._order)

    def __len__(self) -> int:
        return len(self._store.rows_through_newest)

    @property
    def decimated(self) -> bool:
        """Whether old rows have been thinned."""
        return self._store.decimated

    def add(self, row: dict[str, float]) -> None:
        """One row; ``row`` must name x. A row at the x of the newest one replaces it while
        nothing is thinned (a run held at a step is measured there again: one row a step)."""
        if not self._order:
            self._thinned_by = _thinning_column(row, self.x_name)
        for name in row:
            if name not in self._order:
                self._order.append(name)
                if name not in (self.x_name, self._thinned_by):
                    self._extras.append(name)
        if len(self._extras) > self._store.extra_columns:
            self._store = self._store.widened(len(self._extras))
        x = float(row[self.x_name])
        y = float(row.get(self._thinned_by, np.nan)) if self._thinned_by else x
        extras = [float(row.get(name, np.nan)) for name in self._extras]
        if self._store.newest_x != x or not self._store.replace_newest(x, y, *extras):
            self._store.append(x, y, *extras)

    def columns(self) -> dict[str, Array]:
        """Every column as an array, in :attr:`names` order."""
        rows = self._store.rows_through_newest
        found = {self.x_name: rows[:, _X]}
        if self._thinned_by is not None:
            found[self._thinned_by] = rows[:, _Y]
        found.update({name: rows[:, 2 + i] for i, name in enumerate(self._extras)})
        return {name: found[name].copy() for name in self._order}

    @classmethod
    def from_columns(cls, columns: dict[str, Array], capacity: int,
                     x_name: str = "step") -> HistoryTable:
        """A table holding ``columns`` (equal lengths, one named x) as they are: the capacity
        grows to fit them, so nothing read back is thinned again."""
        length = len(next(iter(columns.values()), ()))
        table = cls(max(capacity, (length + 4) // 4 * 4), x_name)  # room for one more
        if not length:
            return table
        table._order = list(columns)
        table._thinned_by = _thinning_column(columns, x_name)
        table._extras = [n for n in columns if n not in (x_name, table._thinned_by)]
        table._store = History(table._capacity, len(table._extras))
        x = np.asarray(columns[x_name], dtype=np.float64)
        y = columns[table._thinned_by] if table._thinned_by else x
        extras = [np.asarray(columns[name], dtype=np.float64) for name in table._extras]
        table._store.extend(x, y, np.stack(extras, axis=1) if extras else None)
        return table


def thinned(x: Array, y: Array, max_points: int) -> tuple[Array, Array]:
    """At most ``max_points`` points of the curve (x, y), by the store's rule, for drawing.

    All points but the newest fall into equal buckets of consecutive points, each kept as its
    minimum and maximum y (in x order), so every spike stays; the newest point is always
    kept, so the drawn curve reaches the latest step. A curve that fits is returned as it is.
    """
    if max_points < 3:
        raise ValueError(f"max_points={max_points}: needs at least 3")
    count = len(x)
    if count <= max_points:
        return x, y
    older = count - 1
    size = -(-older // ((max_points - 1) // 2))  # raw points per bucket, rounded up
    buckets = older // size
    starts = np.arange(buckets) * size
    kept = [(starts[:, None] + _envelope_order(y[: buckets * size].reshape(buckets, size)))
            .ravel()]
    tail = np.arange(buckets * size, older)  # a last, shorter bucket
    if len(tail) > 1:
        kept.append(tail[_envelope_order(y[tail][None])[0]])
    elif len(tail):
        kept.append(tail)
    kept.append(np.array([older]))
    index = np.concatenate(kept)
    return x[index], y[index]


def _thinning_column(names: Iterable[str], x_name: str) -> str | None:
    """The column a table thins by: train_loss, else the first loss, else None (x)."""
    candidates = [name for name in names if name != x_name]
    if "train_loss" in candidates:
        return "train_loss"
    return next((name for name in candidates if "loss" in name), None)


def _pad(rows: Array, width: int) -> Array:
    """``rows`` with NaN columns added up to ``width``."""
    padded = np.full((len(rows), width), np.nan)
    padded[:, : rows.shape[1]] = rows
    return padded


def _envelope(buckets: Array) -> Array:
    """Per bucket (axis 1), the rows of its minimum and its maximum y, in x order.

    Where the two are one row (every value equal, or all NaN but one) the bucket keeps that
    row and its first or last row instead, so no row is stored twice. A bucket of one row
    stays one row.
    """
    count, width, _ = buckets.shape
    if width == 1:
        return buckets[:, 0].copy()
    order = _envelope_order(buckets[:, :, _Y])
    return buckets[np.arange(count)[:, None], order].reshape(2 * count, -1)


def _envelope_order(values: Array) -> Array:
    """Per row of ``values`` (one bucket each, at least two wide), the positions of its
    minimum and its maximum, ascending; see :func:`_envelope`."""
    width = values.shape[1]
    nan = np.isnan(values)
    if nan.any():
        low = np.where(nan, np.inf, values).argmin(axis=1)
        high = np.where(nan, -np.inf, values).argmax(axis=1)
    else:  # the common case, without two copies of every value
        low, high = values.argmin(axis=1), values.argmax(axis=1)
    high = np.where(high == low, np.where(low == width - 1, 0, width - 1), high)
    return np.sort(np.stack([low, high], axis=1), axis=1)
