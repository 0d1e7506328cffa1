"""Initialiser statistics, bias initialisers beside them, and the σ of z they predict."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.initializers import (
    BIAS_INITIALIZERS,
    CUSTOMARY_BIAS_INIT,
    INIT_STD,
    INITIALIZERS,
    THEORETICAL_Z_STD,
    get_initializer,
    initial_layer,
    z_std,
)
from nnviz.core.mlp import MLP

FAN_IN, FAN_OUT = 400, 300


@pytest.mark.parametrize("name, weight_std", [
    ("standard_normal", 1.0),
    ("inv_sqrt_fan_in", 1 / np.sqrt(FAN_IN)),
    ("xavier", np.sqrt(2.0 / (FAN_IN + FAN_OUT))),
    ("he", np.sqrt(2.0 / FAN_IN)),
    ("normal_0.01", 0.01),
    ("zeros", 0.0),
])
def test_weight_statistics(name, weight_std):
    weights, biases = initial_layer(name, FAN_IN, FAN_OUT, np.random.default_rng(0))
    assert weights.shape == (FAN_IN, FAN_OUT) and biases.shape == (FAN_OUT,)
    assert weights.std() == pytest.approx(weight_std, rel=0.02, abs=1e-12)
    assert INIT_STD[name](FAN_IN, FAN_OUT) == pytest.approx(weight_std)
    # zero mean within four standard errors of the sample mean (σ/√n)
    assert abs(weights.mean()) <= 4 * weight_std / np.sqrt(weights.size)


def test_normal_001_has_sigma_a_hundredth_on_a_big_layer():
    """The PyTorch walk-through's randn · 0.01, on a 784 × 1000 layer."""
    weights, _ = initial_layer("normal_0.01", 784, 1000, np.random.default_rng(5))
    assert weights.std() == pytest.approx(0.01, rel=0.005)
    assert abs(weights.mean()) < 4 * 0.01 / np.sqrt(weights.size)


def test_biases_are_zero_unless_asked():
    for name in INITIALIZERS:
        _, biases = initial_layer(name, FAN_IN, FAN_OUT, np.random.default_rng(1))
        assert not biases.any(), name


@pytest.mark.parametrize("bias_init", [n for n in BIAS_INITIALIZERS if n != "zeros"])
def test_a_named_bias_initialiser_draws_biases_as_it_draws_weights(bias_init):
    """b ~ the named initialiser's distribution for this layer: its σ, zero mean."""
    fan_in, fan_out = 400, 20_000
    weights, biases = initial_layer("he", fan_in, fan_out, np.random.default_rng(2),
                                    bias_init=bias_init)
    expected = INIT_STD[bias_init](fan_in, fan_out)
    assert biases.std() == pytest.approx(expected, rel=0.03)
    assert abs(biases.mean()) <= 4 * expected / np.sqrt(fan_out)
    assert weights.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.01)


def test_xavier_biases_are_uniform_within_the_layers_limit():
    _, biases = initial_layer("zeros", FAN_IN, 5000, np.random.default_rng(3),
                              bias_init="xavier")
    limit = np.sqrt(6.0 / (FAN_IN + 5000))
    assert np.abs(biases).max() <= limit and np.abs(biases).max() > 0.99 * limit


def test_weights_do_not_depend_on_the_bias_initialiser():
    """Weights are drawn first, so one seed gives the same W whatever the biases."""
    plain, _ = initial_layer("inv_sqrt_fan_in", 30, 20, np.random.default_rng(4))
    with_biases, _ = initial_layer("inv_sqrt_fan_in", 30, 20, np.random.default_rng(4),
                                   bias_init="standard_normal")
    np.testing.assert_array_equal(plain, with_biases)


def test_standard_normal_biases_reproduce_the_classic_draw():
    """inv_sqrt_fan_in with N(0, 1) biases is the draw nnviz made before biases had their
    own initialiser: W then b from one generator."""
    rng = np.random.default_rng(9)
    expected_weights = rng.standard_normal((30, 20)) / np.sqrt(30)
    expected_biases = rng.standard_normal(20)
    weights, biases = initial_layer("inv_sqrt_fan_in", 30, 20, np.random.default_rng(9),
                                    bias_init="standard_normal")
    np.testing.assert_array_equal(weights, expected_weights)
    np.testing.assert_array_equal(biases, expected_biases)


def test_xavier_is_uniform_within_its_limit():
    weights, _ = initial_layer("xavier", FAN_IN, FAN_OUT, np.random.default_rng(1))
    limit = np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert np.abs(weights).max() <= limit
    assert np.abs(weights).max() > 0.99 * limit


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_theoretical_z_std_matches_samples(name):
    """z = 1ᵀW + b for an input of all ones, over many draws of the layer, with the biases
    each initialiser customarily comes with (N(0, 1) for the classic experiment's two)."""
    rng = np.random.default_rng(2)
    samples = []
    for _ in range(40):
        weights, biases = initial_layer(name, 1000, 100, rng,
                                        bias_init=CUSTOMARY_BIAS_INIT[name])
        samples.append(weights.sum(axis=0) + biases)
    measured = np.concatenate(samples).std()
    assert measured == pytest.approx(THEORETICAL_Z_STD[name](1000, 100), rel=0.05, abs=1e-12)


def test_z_std_adds_the_bias_variance():
    assert THEORETICAL_Z_STD["standard_normal"](1000, 100) == pytest.approx(np.sqrt(1001))
    assert THEORETICAL_Z_STD["inv_sqrt_fan_in"](1000, 100) == pytest.approx(np.sqrt(2))
    assert z_std("inv_sqrt_fan_in", "zeros", 1000, 100) == pytest.approx(1.0)
    assert z_std("normal_0.01", "zeros", 1000, 100) == pytest.approx(0.01 * np.sqrt(1000))


def test_mlp_starts_biases_at_zero_and_draws_them_when_asked():
    model = MLP(50, [2000, 2000], 2, init="inv_sqrt_fan_in", seed=3)
    assert all(not b.any() for b in model.biases)
    drawn = MLP(50, [2000, 2000], 2, init="inv_sqrt_fan_in", bias_init="standard_normal",
                seed=3)
    for biases in drawn.biases[:2]:
        assert biases.std() == pytest.approx(1.0, rel=0.06)
    np.testing.assert_array_equal(model.weights[0], drawn.weights[0])


def test_mlp_uses_the_named_initialiser():
    model = MLP(2, [3], 2, init="zeros")
    assert not model.flat_params.any()
    with pytest.raises(ValueError, match="known: standard_normal"):
        MLP(2, [3], 2, init="orthogonal")
    with pytest.raises(ValueError, match="unknown bias initialiser 'ones'"):
        MLP(2, [3], 2, bias_init="ones")


def test_unknown_initialiser_lists_the_known_names():
    with pytest.raises(ValueError, match=r"^unknown initialiser 'orthogonal'; "
                                         r"known: standard_normal, inv_sqrt_fan_in, xavier, "):
        get_initializer("orthogonal")


def test_bias_initialisers_are_zeros_first_then_every_weight_initialiser():
    assert BIAS_INITIALIZERS[0] == "zeros"
    assert sorted(BIAS_INITIALIZERS) == sorted(INITIALIZERS)


@pytest.mark.parametrize("bias_init", ["xavier", "he", "inv_sqrt_fan_in", "normal_0.01"])
@pytest.mark.parametrize("init", ["zeros", "xavier"])
def test_z_std_matches_sampled_layers_with_any_bias_initialiser(init, bias_init):
    """A small layer (4 inputs), where the biases' share of σ_z is large enough to see: the
    formula against 4,000 freshly drawn layers fed an input of all ones."""
    from nnviz.core.initializers import initial_layer, z_std

    rng = np.random.default_rng(0)
    zs = []
    for _ in range(4000):
        weights, biases = initial_layer(init, 4, 6, rng, bias_init=bias_init)
        zs.append(weights.sum(axis=0) + biases)
    measured = float(np.std(np.concatenate(zs)))
    assert measured == pytest.approx(z_std(init, bias_init, 4, 6), rel=0.03)
