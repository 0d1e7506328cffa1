"""Loss-surface slices: filter normalisation, projection onto the slice, growing extents."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.loss_surface import (
    flatten,
    grow_extent,
    project,
    random_direction,
    slice_values,
    unflatten,
)
from nnviz.core.mlp import MLP


@pytest.fixture
def params():
    return MLP(2, (5, 4), 3, seed=2, init="he").params


def test_filter_normalisation_gives_each_unit_the_norm_of_its_weights(params):
    direction = random_direction(params, np.random.default_rng(0))
    for theta, delta in zip(params, direction, strict=True):
        assert delta.shape == theta.shape
        if theta.ndim == 1:
            assert not delta.any(), "bias directions are zero by default"
        else:
            np.testing.assert_allclose(np.linalg.norm(delta, axis=0),
                                       np.linalg.norm(theta, axis=0), rtol=1e-12)


def test_layer_normalisation_and_biases():
    params = MLP(2, (5, 4), 3, seed=2, init="standard_normal").params
    direction = random_direction(params, np.random.default_rng(0), normalization="layer",
                                 include_biases=True)
    for theta, delta in zip(params[1::2], direction[1::2], strict=True):
        assert np.linalg.norm(delta) == pytest.approx(np.linalg.norm(theta))
    for theta, delta in zip(params[0::2], direction[0::2], strict=True):
        assert np.linalg.norm(delta) == pytest.approx(np.linalg.norm(theta))
        assert not np.allclose(np.linalg.norm(delta, axis=0), np.linalg.norm(theta, axis=0))
    with pytest.raises(ValueError, match="unknown normalisation 'unit'"):
        random_direction(params, np.random.default_rng(0), normalization="unit")


def test_directions_depend_only_on_the_seed(params):
    first = flatten(random_direction(params, np.random.default_rng(7)))
    again = flatten(random_direction(params, np.random.default_rng(7)))
    other = flatten(random_direction(params, np.random.default_rng(8)))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_flatten_round_trip(params):
    vector = flatten(params)
    assert vector.shape == (sum(p.size for p in params),)
    for a, b in zip(unflatten(vector, params), params, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="need"):
        unflatten(vector[:-1], params)


def test_projection_recovers_coordinates_on_a_non_orthogonal_plane():
    rng = np.random.default_rng(1)
    center = rng.normal(size=30)
    first = rng.normal(size=30)
    second = first * 0.6 + rng.normal(size=30)  # far from orthogonal on purpose
    coords = np.array([[0.0, 0.0], [1.0, -2.0], [0.3, 0.7]])
    points = center + coords[:, :1] * first + coords[:, 1:] * second
    np.testing.assert_allclose(project(points, center, first, second), coords, atol=1e-12)
    normal = rng.normal(size=30)
    basis = np.stack([first, second], axis=1)
    normal -= basis @ np.linalg.lstsq(basis, normal, rcond=None)[0]
    off_plane = points[1] + 5.0 * normal
    np.testing.assert_allclose(project(off_plane, center, first, second), [coords[1]],
                               atol=1e-10)


def test_slice_values_evaluate_the_loss_at_each_grid_point():
    center = np.array([1.0, 2.0, 3.0])
    first, second = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    values = slice_values(lambda v: float(v @ v), center, first, second,
                          np.array([-1.0, 0.0, 1.0]), np.array([0.0, 2.0]))
    assert values.shape == (2, 3)
    assert values[0, 1] == 14.0
    assert values[1, 2] == (2.0**2 + 4.0**2 + 9.0)


def test_extent_only_grows():
    extent = (-1.0, 1.0, -1.0, 1.0)
    assert grow_extent(extent, np.array([[0.5, 0.5]])) == extent
    grown = grow_extent(extent, np.array([[3.0, -0.5], [np.nan, 9.0]]))
    assert grown[0] < -1.0 and grown[1] > 3.0 and grown[2] < -1.0 and grown[3] > 1.0
    assert grow_extent(grown, np.array([[0.0, 0.0]])) == grown
