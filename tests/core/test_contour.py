import warnings

import numpy as np
import pytest

from nnviz.core.contour import class_borders, iso_segments, to_data_units
from nnviz.core.views import DecisionGrid


def test_circle_iso_line_lies_on_the_circle():
    rows, cols = np.mgrid[0:120, 0:120]
    field = np.hypot(cols - 60.0, rows - 50.0)
    segments = iso_segments(field, 30.0)
    radius = np.hypot(segments[:, 0] - 60.0, segments[:, 1] - 50.0)
    assert len(segments) > 100
    np.testing.assert_allclose(radius, 30.0, atol=0.05)


def test_saddle_cells_split_by_the_centre():
    segments = iso_segments(np.array([[1.0, 0.0], [0.0, 1.0]]), 0.5)
    assert len(segments) == 4  # two segments


def test_flat_field_has_no_line_and_data_units_map_the_extent():
    assert len(iso_segments(np.zeros((5, 5)), 0.5)) == 0
    points = to_data_units(np.array([[0.0, 0.0], [4.0, 9.0]]), (-1.0, 1.0, 0.0, 3.0), (10, 5))
    np.testing.assert_allclose(points, [[-1.0, 0.0], [1.0, 3.0]])


def test_three_class_boundaries_follow_the_winner():
    ny, nx = 60, 60
    xs = np.linspace(-1, 1, nx)
    logits = np.stack([np.broadcast_to(-xs * 2, (ny, nx)), np.broadcast_to(xs * 2, (ny, nx)),
                       np.ones((ny, nx))], axis=-1)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    segments = class_borders(probabilities, (-1.0, 1.0, 0.0, 1.0))
    # class 0 wins for x < −0.5, class 2 between, class 1 for x > 0.5: two vertical lines
    x = segments[:, 0]
    assert len(segments) > 0
    assert np.all(np.isclose(np.abs(x), 0.5, atol=0.02))
    assert (x < 0).any() and (x > 0).any()


def test_a_decision_grid_carries_its_borders_worked_out_on_the_worker_side():
    ny, nx = 40, 50
    xs = np.linspace(-2.0, 2.0, nx)
    p1 = np.broadcast_to(1 / (1 + np.exp(-4 * (xs - 0.3))), (ny, nx))
    grid = DecisionGrid(extent=(-2.0, 2.0, -1.0, 1.0),
                        probabilities=np.stack([1 - p1, p1], axis=-1),
                        train_points=np.zeros((0, 2)), train_labels=np.zeros(0),
                        test_points=np.zeros((0, 2)), test_labels=np.zeros(0))
    assert len(grid.borders) >= 2 * (ny - 1)
    np.testing.assert_allclose(grid.borders[:, 0], 0.3, atol=0.01)  # the 0.5 line, x = 0.3
    assert grid.borders[:, 1].min() == -1.0 and grid.borders[:, 1].max() == 1.0


# --- edge cases and exact geometry (each kills planted bugs the tests above let through) ---


def _segment_set(segments, decimals=9):
    """Segments as a set of unordered end pairs, so order and direction do not matter."""
    ends = np.round(np.asarray(segments, dtype=np.float64), decimals).reshape(-1, 2, 2)
    return {frozenset(map(tuple, pair)) for pair in ends}


def test_segments_are_column_row_pairs_even_for_degenerate_fields():
    for field in (np.linspace(0.0, 1.0, 5), np.zeros((2, 2, 2)), np.arange(6.0).reshape(1, 6),
                  np.arange(5.0).reshape(5, 1), np.zeros((5, 5))):
        segments = iso_segments(field, 0.5)
        assert segments.shape == (0, 2)
    segments = iso_segments(np.array([[0.0, 1.0], [0.0, 1.0]]), 0.5)
    assert segments.shape == (2, 2) and segments.dtype == np.float64


def test_float32_fields_are_interpolated_in_float64():
    field = np.array([[0.0, 3.0], [0.0, 3.0]], dtype=np.float32)
    segments = iso_segments(field, 1.0)
    assert _segment_set(segments, 15) == _segment_set([[1 / 3, 0.0], [1 / 3, 1.0]], 15)
    np.testing.assert_array_equal(segments, iso_segments(field.astype(np.float64), 1.0))


def test_values_equal_to_the_level_count_as_below_it():
    # a plateau at the level that rises above it on the right: the line runs along the rise
    rises = iso_segments(np.array([[0.5, 0.5, 1.0], [0.5, 0.5, 1.0]]), 0.5)
    assert _segment_set(rises) == {frozenset({(1.0, 0.0), (1.0, 1.0)})}
    # a field that only touches the level from below never crosses it
    assert len(iso_segments(np.array([[0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]), 0.5)) == 0


def test_flat_edges_at_the_level_interpolate_without_warnings():
    field = np.array([[0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0], [0.0, 0.5, 0.5, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        segments = iso_segments(field, 0.5)
    assert len(segments) > 0 and np.all(np.isfinite(segments))


def _saddle_reference(a, b, c, d, level):
    """The two segments of one saddle cell [[a, b], [d, c]], worked out by hand: the corners on
    the other side of the level from the cell's mean (a tie counts as below) are cut off."""
    bottom = ((level - a) / (b - a), 0.0)
    right = (1.0, (level - b) / (c - b))
    top = ((level - d) / (c - d), 1.0)
    left = (0.0, (level - a) / (d - a))
    centre_above = (a + b + c + d) / 4 > level
    if (a > level) == centre_above:  # a and c joined through the centre: b and d cut off
        pairs = [(bottom, right), (top, left)]
    else:
        pairs = [(bottom, left), (right, top)]
    return _segment_set([end for pair in pairs for end in pair])


@pytest.mark.parametrize("a, b, c, d, level", [
    (0.9, 0.3, 0.8, 0.2, 0.5),  # a, c above with the centre: b and d cut off
    (0.7, 0.2, 0.6, 0.3, 0.5),  # a, c above, centre below: a and c cut off
    (0.1, 0.8, 0.2, 0.7, 0.5),  # b, d above, centre below with a: b and d cut off
    (0.3, 0.9, 0.1, 0.8, 0.5),  # b, d above, centre above: a and c cut off
    (1.0, 0.0, 1.0, 0.0, 0.5),  # the centre exactly at the level counts as below
    (0.5, 1.0, 0.0, 1.0, 0.5),  # a corner exactly at the level counts as below
])
def test_saddle_cells_cut_off_the_corners_across_from_the_centre(a, b, c, d, level):
    segments = iso_segments(np.array([[a, b], [d, c]]), level)
    assert segments.shape == (4, 2)
    assert _segment_set(segments) == _saddle_reference(a, b, c, d, level)


def test_data_units_of_a_two_point_grid_reach_both_ends():
    points = to_data_units(np.array([[0.0, 0.0], [1.0, 1.0]]), (-1.0, 3.0, 10.0, 20.0), (2, 2))
    np.testing.assert_allclose(points, [[-1.0, 10.0], [3.0, 20.0]])


def test_uniform_probabilities_have_no_border():
    borders = class_borders(np.full((6, 7, 3), 1 / 3), (-1.0, 1.0, -1.0, 1.0))
    assert borders.shape == (0, 2)


def test_float32_probabilities_give_the_borders_of_the_same_values_in_float64():
    # a coarse grid with sharp changes, where float32 margins p_c − max p_other would round
    rows, cols = np.mgrid[0:8, 0:10]
    logits = np.stack([np.sin(cols * 1.3) * 4, np.cos(rows * 1.7) * 3, (cols - rows) / 2.0],
                      axis=-1)
    p = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)
    extent = (-2.0, 2.0, -1.0, 1.0)
    borders = class_borders(p, extent)
    assert len(borders) > 0
    np.testing.assert_array_equal(borders, class_borders(p.astype(np.float64), extent))
