"""Iso-line segments joined into polylines, so that a dashed border is drawn dashed."""

from __future__ import annotations

import numpy as np

from nnviz.core.contour import chain_segments, class_borders, iso_segments, to_data_units


def polylines(chained):
    breaks = np.flatnonzero(np.isnan(chained[:, 0]))
    parts = np.split(chained, breaks)
    return [part[np.isfinite(part[:, 0])] for part in parts]


def square_segments(field, level):
    """Iso-line segments of ``field`` sampled on [-1, 1]², in data units."""
    return to_data_units(iso_segments(field, level), (-1, 1, -1, 1), field.shape)


def test_a_closed_iso_line_becomes_one_polyline_through_every_segment():
    y, x = np.mgrid[-1:1:40j, -1:1:40j]
    segments = square_segments(x**2 + y**2, 0.4)
    chained = chain_segments(segments)
    (line,) = polylines(chained)
    assert len(line) == len(segments) // 2 + 1  # each segment adds one point; closed loop
    np.testing.assert_array_equal(line[0], line[-1])
    steps = np.linalg.norm(np.diff(line, axis=0), axis=1)
    assert steps.max() < 0.2  # consecutive points are neighbours, never a jump across


def test_separate_lines_stay_separate():
    _, x = np.mgrid[-1:1:50j, -1:1:50j]
    segments = square_segments(np.abs(x), 0.5)  # two vertical lines, x = ±0.5
    lines = polylines(chain_segments(segments))
    assert len(lines) == 2
    assert sorted(round(float(line[:, 0].mean()), 2) for line in lines) == [-0.5, 0.5]


def test_a_border_two_class_margins_share_is_kept_once():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(30, 30, 3)).cumsum(axis=0).cumsum(axis=1)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    borders = class_borders(p, (0, 1, 0, 1))
    chained = chain_segments(borders)
    points = chained[np.isfinite(chained[:, 0])]
    unique_segments = {frozenset(map(tuple, borders[i:i + 2])) for i in range(0, len(borders), 2)}
    assert len(unique_segments) < len(borders) // 2  # the margins repeat each border …
    # … and the chain walks each unique segment once: one more point per line than segments
    assert len(points) == len(unique_segments) + len(polylines(chained))


def test_nothing_to_chain():
    assert chain_segments(np.empty((0, 2))).shape == (0, 2)
