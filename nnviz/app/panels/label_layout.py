"""Where the text labels of a scatter plot go so that no two overlap, in screen pixels.

Greedy placement, the method of most scatter-labelling tools (Imhof's rules, as in
``adjustText`` or ``ggrepel``'s first pass): labels are taken in order of priority; each tries a
few positions around its point (right, left, above, below, then the diagonals) and takes the
first that stays inside the plot and overlaps no label placed before it, preferring a position
that covers no other point. A label with no such position is hidden; its point stays drawn. So
in a dense centre the important words keep their labels and the rest give way.

Everything here is in pixels with y pointing down (the screen's way); the panel converts.
"""

from __future__ import annotations

import numpy as np

#: top-left corner of a label of size (w, h) relative to its point, per candidate position,
#: as (x factor of w, y factor of h, x factor of gap, y factor of gap)
_CANDIDATES = np.array([
    (0.0, -0.5, 1.0, 0.0),     # right
    (-1.0, -0.5, -1.0, 0.0),   # left
    (-0.5, -1.0, 0.0, -1.0),   # above
    (-0.5, 0.0, 0.0, 1.0),     # below
    (0.0, -1.0, 0.7, -0.7),    # above right
    (0.0, 0.0, 0.7, 0.7),      # below right
    (-1.0, -1.0, -0.7, -0.7),  # above left
    (-1.0, 0.0, -0.7, 0.7),    # below left
])

HIDDEN = -1


def candidate_offsets(sizes: np.ndarray, gap: float) -> np.ndarray:
    """(n, c, 2): each label's top-left corner relative to its point, per candidate position.

    ``gap`` is the distance in pixels between the point's centre and the label's near edge
    (the marker's radius and a little air).
    """
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 1, 2)
    return sizes * _CANDIDATES[None, :, :2] + gap * _CANDIDATES[None, :, 2:]


def choose_positions(points: np.ndarray, sizes: np.ndarray, order: np.ndarray,
                 bounds: tuple[float, float], gap: float = 6.0) -> np.ndarray:
    """The candidate position each label takes (an index into :func:`candidate_offsets`), or
    :data:`HIDDEN` when every position would overlap a label placed earlier or leave the plot.

    ``points`` (n, 2) and ``sizes`` (n, 2) are in pixels; ``order`` lists the labels by
    priority, most important first (labels missing from it stay hidden); ``bounds`` is the
    plot's (width, height): a label must lie wholly inside.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    corners = points[:, None, :] + candidate_offsets(sizes, gap)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 1, 2)
    rects = np.concatenate([corners, corners + sizes], axis=-1)  # (n, c, 4): x0 y0 x1 y1
    width, height = bounds
    inside = ((rects[..., 0] >= 0) & (rects[..., 1] >= 0) & (rects[..., 2] <= width)
              & (rects[..., 3] <= height))
    # the preference among free places: hide as few other points as possible
    covered = np.where(inside, _points_covered(rects, points), np.iinfo(np.int64).max)
    chosen = np.full(len(points), HIDDEN, dtype=np.int64)
    placed = np.empty((len(points), 4))
    count = 0
    for label in np.asarray(order, dtype=np.int64):
        free = inside[label] & ~_overlaps_any(rects[label], placed[:count])
        if not free.any():
            continue
        best = int(np.argmin(np.where(free, covered[label], np.iinfo(np.int64).max)))
        chosen[label] = best
        placed[count] = rects[label, best]
        count += 1
    return chosen


def label_rects(points: np.ndarray, sizes: np.ndarray, chosen: np.ndarray,
                gap: float = 6.0) -> np.ndarray:
    """(n, 4) x0 y0 x1 y1 of each label at its chosen position (NaN where hidden)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    offsets = candidate_offsets(sizes, gap)
    rects = np.full((len(points), 4), np.nan)
    shown = np.flatnonzero(chosen != HIDDEN)
    corners = points[shown] + offsets[shown, chosen[shown]]
    rects[shown] = np.concatenate([corners, corners + sizes[shown]], axis=1)
    return rects


def _overlaps_any(options: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """(c,) whether each candidate rectangle intersects one already placed."""
    if not len(placed):
        return np.zeros(len(options), dtype=bool)
    a, b = options[:, None, :], placed[None, :, :]
    return ((a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2]) & (a[..., 1] < b[..., 3])
            & (b[..., 1] < a[..., 3])).any(axis=1)


def _points_covered(rects: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n, c): how many points other than its own each label's candidate rectangle covers."""
    x, y = points[None, None, :, 0], points[None, None, :, 1]
    inside = ((rects[..., 0, None] <= x) & (x <= rects[..., 2, None])
              & (rects[..., 1, None] <= y) & (y <= rects[..., 3, None]))  # (n, c, n)
    own = np.arange(len(points))
    inside[own, :, own] = False
    return inside.sum(axis=-1)
