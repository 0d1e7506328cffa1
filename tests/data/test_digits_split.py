"""sklearn's 8×8 digits, split 80/20, pixels in [0, 1]."""

from __future__ import annotations

import numpy as np

from nnviz.data.mnist import load_sklearn_digits


def make_digits(seed):
    """The digits as the MLP sees them: flat rows of [0, 1] pixels, split 80/20."""
    return load_sklearn_digits(seed=seed).split()


def test_digits_split_80_20():
    data = make_digits(seed=0)
    n = len(data.train_x) + len(data.test_x)
    assert n == 1797
    assert len(data.test_x) == round(0.2 * n)
    assert data.train_x.shape[1] == data.n_features == 64 and data.n_classes == 10
    assert 0.0 <= data.train_x.min() and data.train_x.max() == 1.0
    assert set(np.unique(data.test_y)) == set(range(10))


def test_digits_deterministic_per_seed():
    first, again, other = make_digits(3), make_digits(3), make_digits(4)
    np.testing.assert_array_equal(first.test_y, again.test_y)
    np.testing.assert_array_equal(first.train_x, again.train_x)
    assert not np.array_equal(first.test_y, other.test_y)
