import numpy as np

from nnviz.app.panels.contour import iso_segments, to_data_units
from nnviz.app.panels.decision_boundary import boundary_segments


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
    segments = boundary_segments(probabilities)
    # class 0 wins for x < −0.5, class 2 between, class 1 for x > 0.5: two vertical lines
    x = -1 + segments[:, 0] * 2 / (nx - 1)
    assert len(segments) > 0
    assert np.all(np.isclose(np.abs(x), 0.5, atol=0.02))
    assert (x < 0).any() and (x > 0).any()
