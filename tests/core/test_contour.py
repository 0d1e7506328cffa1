import numpy as np

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
