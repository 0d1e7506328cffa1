"""Input scaling fitted on the training split: none, unit, standardize."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data.scaling import INPUT_SCALINGS, fit_scaler, scale_split
from nnviz.data.toy import Split


def split_of(train_x, test_x) -> Split:
    return Split(np.asarray(train_x, float), np.zeros(len(train_x), int),
                 np.asarray(test_x, float), np.zeros(len(test_x), int), 2)


def test_none_leaves_the_split_alone():
    data = split_of([[1.0, 5.0], [3.0, 9.0]], [[7.0, 7.0]])
    assert scale_split(data, "none") is data


def test_unit_maps_each_training_range_to_0_1_and_the_test_split_with_it():
    data = split_of([[1.0, 5.0], [3.0, 9.0], [2.0, 7.0]], [[5.0, 3.0]])
    scaled = scale_split(data, "unit")
    np.testing.assert_allclose(scaled.train_x, [[0, 0], [1, 1], [0.5, 0.5]])
    np.testing.assert_allclose(scaled.test_x, [[2.0, -0.5]])  # outside [0, 1]: train's range


def test_unit_with_a_known_value_range_scales_every_feature_alike():
    scaler = fit_scaler("unit", np.array([[0.0, 4.0], [8.0, 4.0]]), value_range=(0.0, 16.0))
    np.testing.assert_allclose(scaler.apply(np.array([[16.0, 4.0]])), [[1.0, 0.25]])


def test_standardize_uses_the_training_mean_and_sigma_and_only_centres_constants():
    data = split_of([[1.0, 2.0], [3.0, 2.0]], [[5.0, 4.0]])
    scaled = scale_split(data, "standardize")
    np.testing.assert_allclose(scaled.train_x, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(scaled.test_x, [[3.0, 2.0]])


def test_float32_inputs_stay_float32():
    scaler = fit_scaler("standardize", np.array([[1.0], [3.0]]))
    assert scaler.apply(np.array([[2.0]], dtype=np.float32)).dtype == np.float32


def test_unknown_scaling_lists_the_known_ones():
    assert INPUT_SCALINGS == ("none", "unit", "standardize")
    with pytest.raises(ValueError, match=r"unknown input scaling 'minmax'; known: none, unit, "
                                         r"standardize"):
        fit_scaler("minmax", np.zeros((2, 1)))
