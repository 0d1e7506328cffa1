"""Toy datasets: shapes, classes, blob centres, splits, and determinism per seed."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data.toy import BLOB_CENTRES, TOY_CLASSES, TOY_DATASETS, make_toy


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_shapes_classes_and_split(name):
    data = make_toy(name, 201, 0.1, seed=3, test_fraction=0.25)
    assert data.train_x.shape == (151, 2) and data.test_x.shape == (50, 2)
    assert data.train_y.shape == (151,) and data.test_y.shape == (50,)
    assert data.n_classes == TOY_CLASSES[name] == data.n_features + (name == "blobs")
    labels = np.concatenate([data.train_y, data.test_y])
    assert set(np.unique(labels)) == set(range(data.n_classes))
    assert np.all(np.bincount(labels) >= 0.8 * 201 / data.n_classes)  # roughly balanced
    assert data.train_x.dtype == np.float64 and np.issubdtype(data.train_y.dtype, np.integer)


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_deterministic_per_seed(name):
    first, again = make_toy(name, 100, 0.2, 7, 0.3), make_toy(name, 100, 0.2, 7, 0.3)
    other = make_toy(name, 100, 0.2, 8, 0.3)
    for field in ("train_x", "train_y", "test_x", "test_y"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
    assert not np.array_equal(first.train_x, other.train_x)


def test_split_is_a_partition_of_the_whole_set():
    noiseless = make_toy("moons", 60, 0.0, 1, 0.5)
    train, test = noiseless.train_x, noiseless.test_x
    assert len(train) == len(test) == 30
    rows = {tuple(p) for p in np.concatenate([train, test]).round(12)}
    assert len(rows) == 60
    assert len(make_toy("moons", 60, 0.1, 1, 0.0).test_x) == 0
    assert len(make_toy("moons", 10, 0.1, 1, 0.01).test_x) == 1  # at least one held out


def test_blob_centres():
    data = make_toy("blobs", 3000, 0.3, seed=0, test_fraction=0.0)
    np.testing.assert_array_equal(BLOB_CENTRES, [[0, -2], [2, 2], [-2, 2]])
    for label, centre in enumerate(BLOB_CENTRES):
        points = data.train_x[data.train_y == label]
        np.testing.assert_allclose(points.mean(axis=0), centre, atol=0.05)
        assert points.std(axis=0) == pytest.approx([0.3, 0.3], rel=0.1)


def test_xor_labels_follow_the_quadrant_sign():
    data = make_toy("xor", 500, 0.0, seed=2, test_fraction=0.0)
    x, y = data.train_x.T
    np.testing.assert_array_equal(data.train_y, (x * y > 0).astype(int))


def test_noise_spreads_circles_and_bounds_cover_points():
    clean = make_toy("circles", 400, 0.0, 0, 0.0)
    radius = np.hypot(*clean.train_x.T)
    np.testing.assert_allclose(np.sort(np.unique(radius.round(9))), [0.5, 1.0])
    np.testing.assert_allclose(radius[clean.train_y == 1], 0.5)
    x_min, x_max, y_min, y_max = clean.bounds(margin=0.1)
    assert x_min < -1.0 < 1.0 < x_max and y_min < -1.0 < 1.0 < y_max


def test_unknown_dataset():
    with pytest.raises(ValueError, match="known: moons"):
        make_toy("swiss_roll", 10, 0.1, 0, 0.2)
