"""Iso-lines of a sampled field by marching squares, vectorised in NumPy.

pyqtgraph's ``isocurve`` loops in Python (~15 ms for 200×200 here), too slow to redraw a
decision boundary 40 times a second next to a training thread; this takes ~1–2 ms, and it runs
on the worker side when a snapshot is due (:class:`~nnviz.core.views.DecisionGrid`).

Each grid cell (corners a=(i,j), b=(i,j+1), c=(i+1,j+1), d=(i+1,j)) whose corners lie on both
sides of the level gets a line segment between the crossing points on its edges, found by
linear interpolation ``t = (level − f₀) / (f₁ − f₀)``. Saddle cells (two opposite corners
above) are split by the cell's mean value, as usual.
"""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np

Array = np.ndarray


def iso_segments(field: Array, level: float) -> Array:
    """Segments of the ``level`` iso-line of ``field`` (ny, nx), in (column, row) index units.

    Returns an array of shape (2·k, 2): consecutive rows are the two ends of one segment
    (the layout pyqtgraph draws with ``connect="pairs"``).
    """
    f = np.asarray(field, dtype=np.float64)
    if f.ndim != 2 or min(f.shape) < 2:
        return np.empty((0, 2))
    f = np.where(np.isfinite(f), f, level)
    above = f > level
    cross_h = above[:, :-1] != above[:, 1:]
    cross_v = above[:-1, :] != above[1:, :]
    # per cell, its four edges in order: bottom (a-b), right (b-c), top (d-c), left (a-d)
    crossed = np.stack([cross_h[:-1], cross_v[:, 1:], cross_h[1:], cross_v[:, :-1]], axis=-1)
    i, j = np.nonzero(crossed.any(axis=-1))  # only cells the line passes through
    if not len(i):
        return np.empty((0, 2))
    crossed = crossed[i, j]
    fa, fb, fc, fd = f[i, j], f[i, j + 1], f[i + 1, j + 1], f[i + 1, j]
    x, y = j.astype(np.float64), i.astype(np.float64)
    px = np.stack([x + _t(fa, fb, level), x + 1, x + _t(fd, fc, level), x], axis=-1)
    py = np.stack([y, y + _t(fb, fc, level), y + 1, y + _t(fa, fd, level)], axis=-1)
    count = crossed.sum(axis=-1)

    pieces = []
    two = count == 2
    if two.any():
        edges = crossed[two]
        first = edges.argmax(axis=1)
        last = 3 - edges[:, ::-1].argmax(axis=1)
        pieces.append(_pairs(px[two], py[two], first, last))
    four = count == 4
    if four.any():
        centre_above = (fa + fb + fc + fd)[four] / 4 > level
        a_above = fa[four] > level
        # the two segments cut off the two corners on the other side from the centre
        cut_a_c = centre_above != a_above
        pieces.append(_pairs(px[four], py[four], np.where(cut_a_c, 3, 0),
                             np.where(cut_a_c, 0, 1)))
        pieces.append(_pairs(px[four], py[four], np.where(cut_a_c, 1, 2),
                             np.where(cut_a_c, 2, 3)))
    if not pieces:
        return np.empty((0, 2))
    return np.concatenate(pieces)


def _t(f0: Array, f1: Array, level: float) -> Array:
    """Where between two corners the level is crossed, 0..1 (0.5 on a flat edge)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (level - f0) / (f1 - f0)
    return np.clip(np.nan_to_num(t, nan=0.5, posinf=0.5, neginf=0.5), 0.0, 1.0)


def _pairs(px: Array, py: Array, first: Array, second: Array) -> Array:
    index = np.arange(len(px))
    out = np.empty((2 * len(px), 2))
    out[0::2, 0], out[0::2, 1] = px[index, first], py[index, first]
    out[1::2, 0], out[1::2, 1] = px[index, second], py[index, second]
    return out


def to_data_units(segments: Array, extent: tuple[float, float, float, float],
                  shape: tuple[int, int]) -> Array:
    """Map (column, row) index units of a grid sampled at ``linspace`` over ``extent``."""
    x_min, x_max, y_min, y_max = extent
    ny, nx = shape
    out = np.empty_like(segments)
    out[:, 0] = x_min + segments[:, 0] * (x_max - x_min) / max(nx - 1, 1)
    out[:, 1] = y_min + segments[:, 1] * (y_max - y_min) / max(ny - 1, 1)
    return out


def class_borders(probabilities: Array, extent: tuple[float, float, float, float]) -> Array:
    """Segments (data units, pairs of ends) where the most probable class changes.

    Two classes: the P(class 1) = 0.5 line. More: for each class c the zero line of its margin
    p_c − max_{other} p, which is exactly the border of the region where c wins.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    k = p.shape[-1]
    if k == 2:
        index = iso_segments(p[..., 1], 0.5)
    else:
        pieces = []
        for c in range(k):
            margin = p[..., c] - np.delete(p, c, axis=-1).max(axis=-1)
            if margin.max() > 0:
                pieces.append(iso_segments(margin, 0.0))
        index = np.concatenate(pieces) if pieces else np.empty((0, 2))
    return to_data_units(index, extent, p.shape[:2])


def chain_segments(segments: Array) -> Array:
    """Join segments (pairs of rows, as :func:`iso_segments` returns them) that share an end
    into polylines: one (m, 2) array, a row of NaN between two polylines.

    A dash pattern runs along a polyline, but restarts on every separate segment: drawn as
    one segment per grid cell, a dashed border reads as a solid line. Neighbouring cells
    compute the crossing on their shared edge from the same two values, so shared ends are
    equal exactly. A segment repeated (two classes' margins cross zero on the same border)
    is kept once.
    """
    points = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    ends = [tuple(point) for point in points]
    unique: dict[frozenset, int] = {}
    for index in range(len(ends) // 2):
        unique.setdefault(frozenset((ends[2 * index], ends[2 * index + 1])), index)
    kept = sorted(unique.values())
    touching: dict[tuple, list[int]] = defaultdict(list)
    for index in kept:
        touching[ends[2 * index]].append(2 * index)
        touching[ends[2 * index + 1]].append(2 * index + 1)
    used: set[int] = set()
    lines = []
    for first in kept:
        if first in used:
            continue
        used.add(first)
        line = deque([points[2 * first], points[2 * first + 1]])
        for row, forward in ((2 * first + 1, True), (2 * first, False)):
            while True:
                following = next((r for r in touching[ends[row]] if r // 2 not in used), None)
                if following is None:
                    break
                used.add(following // 2)
                row = following ^ 1  # the other end of the segment just joined
                if forward:
                    line.append(points[row])
                else:
                    line.appendleft(points[row])
        lines.append(np.array(line))
    if not lines:
        return np.empty((0, 2))
    gap = np.full((1, 2), np.nan)
    return np.concatenate([part for line in lines for part in (line, gap)][:-1])
