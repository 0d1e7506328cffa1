"""PCA frames matched to the previous one: signs, swaps, and the variance each axis carries."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.views import grid_points, pca_2d, unit_grids


def _cloud(variances, rotation=0.0, n=400, seed=0):
    """Points whose sample variances along the coordinate axes rotated by ``rotation`` radians
    are exactly ``variances`` (and uncorrelated)."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, len(variances)))
    u, _, _ = np.linalg.svd(raw - raw.mean(axis=0), full_matrices=False)
    points = u * np.sqrt(n) * np.sqrt(variances)  # centred, covariance diag(variances)
    c, s = np.cos(rotation), np.sin(rotation)
    turn = np.eye(len(variances))
    turn[:2, :2] = [[c, -s], [s, c]]
    return points @ turn.T


def _shares(points, data):
    """The share of ``data``'s total variance along each plotted axis, measured directly."""
    total = ((data - data.mean(axis=0)) ** 2).sum()
    return (points**2).sum(axis=0) / total


def test_shares_are_the_variance_along_each_axis_without_a_previous_frame():
    data = _cloud([9.0, 1.0, 0.0])
    points, basis, ratios = pca_2d(data)
    np.testing.assert_allclose(ratios, [0.9, 0.1], atol=1e-12)
    np.testing.assert_allclose(ratios, _shares(points, data), rtol=1e-12)
    np.testing.assert_allclose(basis.T @ basis, np.eye(2), atol=1e-12)


def test_axes_swap_back_when_the_variances_cross_and_the_shares_follow_them():
    first = _cloud([9.0, 1.0, 0.2])
    _, basis, _ = pca_2d(first)
    crossed = _cloud([1.0, 9.0, 0.2], seed=1)  # the same directions, variances traded
    points, matched, ratios = pca_2d(crossed, basis)
    # the first drawn axis still points along the previous first axis …
    assert abs(matched[:, 0] @ basis[:, 0]) == pytest.approx(1.0, abs=1e-9)
    # … and is labelled with the variance it now carries: the smaller share
    np.testing.assert_allclose(ratios, [0.1 / 1.02, 9.0 / 10.2], rtol=1e-9)
    np.testing.assert_allclose(ratios, _shares(points, crossed), rtol=1e-12)


def test_signs_follow_the_previous_frame():
    data = _cloud([4.0, 1.0], rotation=0.3)
    _, basis, _ = pca_2d(data)
    for flip in ([-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]):
        previous = basis * np.array(flip)
        points, matched, ratios = pca_2d(data, previous)
        np.testing.assert_allclose(matched, previous, atol=1e-12)
        np.testing.assert_allclose(points, (data - data.mean(axis=0)) @ previous, atol=1e-12)
        np.testing.assert_allclose(ratios, [0.8, 0.2], rtol=1e-12)


def test_a_slowly_turning_cloud_keeps_its_axes_continuous():
    """Frame after frame, each axis moves a little: no flip, no swap, shares in step."""
    previous = None
    for frame, rotation in enumerate(np.linspace(0.0, 2.5, 30)):
        variances = [1.0 + 0.2 * frame, 6.0 - 0.15 * frame]  # they cross at frame ~14
        data = _cloud(variances, rotation=rotation, seed=frame)
        points, basis, ratios = pca_2d(data, previous)
        if previous is not None:
            assert np.diag(previous.T @ basis).min() > 0.9
        np.testing.assert_allclose(ratios, _shares(points, data), rtol=1e-9)
        previous = basis


def test_one_dimensional_data_pads_the_second_axis():
    points, basis, ratios = pca_2d(np.arange(5.0)[:, None])
    assert points.shape == (5, 2) and basis.shape == (1, 2)
    np.testing.assert_allclose(ratios, [1.0, 0.0])


# -- mutation testing: behaviour the tests above left open -----------------------------------------
def test_the_data_are_centred_column_by_column_first():
    data = _cloud([4.0, 1.0, 0.5], rotation=0.4)
    points, basis, ratios = pca_2d(data)
    shifted = data + np.array([5.0, -30.0, 2.0])  # a different offset in every column
    moved_points, moved_basis, moved_ratios = pca_2d(shifted, basis)
    np.testing.assert_allclose(moved_points, points, atol=1e-9)
    np.testing.assert_allclose(moved_basis, basis, atol=1e-9)
    np.testing.assert_allclose(moved_ratios, ratios, rtol=1e-9)


def test_of_the_two_ways_to_pair_the_axes_the_one_overlapping_the_previous_frame_more_wins():
    """Random previous frames in 5-D: the matched axes overlap the previous axes at least as
    much straight as crossed, with positive signs, and are the principal axes, maybe swapped."""
    rng = np.random.default_rng(2)
    swaps = 0
    for _ in range(100):
        data = rng.normal(size=(60, 5)) * [5.0, 4.0, 3.0, 2.0, 1.0]
        previous = np.linalg.qr(rng.normal(size=(5, 2)))[0]
        _, basis, ratios = pca_2d(data, previous)
        _, plain, plain_ratios = pca_2d(data)
        overlap = np.abs(previous.T @ basis)
        assert overlap[0, 0] + overlap[1, 1] >= overlap[0, 1] + overlap[1, 0]
        assert (np.diag(previous.T @ basis) >= 0).all()
        swapped = abs(basis[:, 0] @ plain[:, 0]) < 0.5
        swaps += swapped
        order = [1, 0] if swapped else [0, 1]
        np.testing.assert_allclose(np.abs(basis), np.abs(plain[:, order]), atol=1e-12)
        np.testing.assert_allclose(ratios, plain_ratios[order], rtol=1e-12)
    assert 10 < swaps < 90  # both cases were exercised


def test_a_previous_frame_orthogonal_to_the_new_axes_leaves_them_as_they_are():
    """Nothing to match (every overlap is 0): no swap and no sign flip, the plain PCA."""
    data = np.zeros((50, 4))
    data[:, :2] = _cloud([9.0, 1.0], rotation=0.7, n=50)
    previous = np.eye(4)[:, 2:]
    _, plain, plain_ratios = pca_2d(data)
    assert not (previous.T @ plain).any()
    _, basis, ratios = pca_2d(data, previous)
    np.testing.assert_array_equal(basis, plain)
    np.testing.assert_array_equal(ratios, plain_ratios)
    assert ratios[0] > ratios[1]


def test_unit_grids_hold_each_hidden_units_output_over_the_plane():
    extent, resolution = (-1.0, 2.0, -3.0, 5.0), 4

    def forward_hidden(points):
        x, y = points[:, 0], points[:, 1]
        return [np.stack([x, y, x * y], axis=1), (x + 2 * y)[:, None]]

    grids = unit_grids(forward_hidden, extent, resolution)
    assert [g.shape for g in grids] == [(3, 4, 4), (1, 4, 4)]
    assert all(g.flags.c_contiguous for g in grids)
    xs, ys = np.linspace(-1.0, 2.0, 4), np.linspace(-3.0, 5.0, 4)
    for row, y in enumerate(ys):
        for column, x in enumerate(xs):
            np.testing.assert_allclose(grids[0][:, row, column], [x, y, x * y])
            np.testing.assert_allclose(grids[1][0, row, column], x + 2 * y)
    np.testing.assert_array_equal(grid_points(extent, resolution)[1], [xs[1], ys[0]])
