"""The NumPy moons, circles and blobs give scikit-learn's points, for every seed.

``nnviz.data.toy`` used to call ``sklearn.datasets``; it generates them itself now so that the
app starts without importing scikit-learn (1.6 s). Presets, saved runs and the lessons' "same
seed, same data" promise depend on the points being identical, not just alike, so each set is
compared element for element with what the old code made, split included.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as sk_datasets

from nnviz.data.toy import BLOB_CENTRES, TOY_CLASSES, make_toy, split

SIZES = (1, 2, 3, 10, 11, 100, 401)
NOISES = (0.0, 0.05, 0.2, 1.3)
SEEDS = (0, 1, 7, 2**31 - 1)


def sklearn_generators(name: str, n: int, noise: float, rng: np.random.Generator):
    """What ``nnviz.data.toy`` drew before, through scikit-learn (its old code)."""
    seed = int(rng.integers(0, 2**31 - 1))
    if name == "moons":
        return sk_datasets.make_moons(n, noise=noise, random_state=seed)
    if name == "circles":
        return sk_datasets.make_circles(n, noise=noise, factor=0.5, random_state=seed)
    return sk_datasets.make_blobs(n, centers=BLOB_CENTRES, cluster_std=noise,
                                  random_state=seed)


def sklearn_make_toy(name: str, n: int, noise: float, seed: int, test_fraction: float):
    rng = np.random.default_rng(seed)
    points, labels = sklearn_generators(name, n, noise, rng)
    return split(np.asarray(points, float), np.asarray(labels, int), test_fraction, rng,
                 TOY_CLASSES[name])


@pytest.mark.parametrize("name", ["moons", "circles", "blobs"])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_toy_sets_are_scikit_learns_point_for_point(name, seed):
    for n in SIZES:
        for noise in NOISES:
            ours = make_toy(name, n, noise, seed, test_fraction=0.25 if n > 2 else 0.0)
            theirs = sklearn_make_toy(name, n, noise, seed, 0.25 if n > 2 else 0.0)
            for field in ("train_x", "train_y", "test_x", "test_y"):
                mine, reference = getattr(ours, field), getattr(theirs, field)
                assert mine.dtype == reference.dtype, (name, n, noise, field)
                np.testing.assert_array_equal(mine, reference, err_msg=f"{name} {n} {noise}")

