"""PCA frames matched to the previous one: signs, swaps, and the variance each axis carries."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.views import pca_2d


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
