"""Initialiser statistics and the σ of z they predict."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.initializers import INITIALIZERS, THEORETICAL_Z_STD, get_initializer
from nnviz.core.mlp import MLP

FAN_IN, FAN_OUT = 400, 300


@pytest.mark.parametrize("name, weight_std, bias_std", [
    ("standard_normal", 1.0, 1.0),
    ("inv_sqrt_fan_in", 1 / np.sqrt(FAN_IN), 1.0),
    ("xavier", np.sqrt(2.0 / (FAN_IN + FAN_OUT)), 0.0),
    ("he", np.sqrt(2.0 / FAN_IN), 0.0),
    ("zeros", 0.0, 0.0),
])
def test_weight_and_bias_statistics(name, weight_std, bias_std):
    weights, biases = get_initializer(name)(FAN_IN, FAN_OUT, np.random.default_rng(0))
    assert weights.shape == (FAN_IN, FAN_OUT) and biases.shape == (FAN_OUT,)
    assert weights.std() == pytest.approx(weight_std, rel=0.02, abs=1e-12)
    # zero mean within four standard errors of the sample mean (σ/√n)
    assert abs(weights.mean()) <= 4 * weight_std / np.sqrt(weights.size)
    assert biases.std() == pytest.approx(bias_std, rel=0.2, abs=1e-12)


def test_xavier_is_uniform_within_its_limit():
    weights, _ = get_initializer("xavier")(FAN_IN, FAN_OUT, np.random.default_rng(1))
    limit = np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert np.abs(weights).max() <= limit
    assert np.abs(weights).max() > 0.99 * limit


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_theoretical_z_std_matches_samples(name):
    """z = 1ᵀW + b for an input of all ones, over many draws of the layer."""
    rng = np.random.default_rng(2)
    samples = []
    for _ in range(40):
        weights, biases = get_initializer(name)(1000, 100, rng)
        samples.append(weights.sum(axis=0) + biases)
    measured = np.concatenate(samples).std()
    assert measured == pytest.approx(THEORETICAL_Z_STD[name](1000, 100), rel=0.05, abs=1e-12)


def test_mlp_uses_the_named_initialiser():
    model = MLP(2, [3], 2, init="zeros")
    assert not model.flat_params.any()
    with pytest.raises(ValueError, match="known: standard_normal"):
        MLP(2, [3], 2, init="orthogonal")


def test_unknown_initialiser_lists_the_known_names():
    with pytest.raises(ValueError, match=r"^unknown initialiser 'orthogonal'; "
                                         r"known: standard_normal, inv_sqrt_fan_in, xavier, "):
        get_initializer("orthogonal")
