"""Each activation and its derivative against the closed form and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.activations import ACTIVATIONS, LEAKY_SLOPE, get_activation, sigmoid

Z = np.array([-3.0, -0.7, -0.01, 0.02, 0.5, 2.5])
EXPECTED = {
    "tanh": np.tanh(Z),
    "sigmoid": 1 / (1 + np.exp(-Z)),
    "relu": np.where(Z > 0, Z, 0.0),
    "leaky_relu": np.where(Z > 0, Z, LEAKY_SLOPE * Z),
    "linear": Z,
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_and_derivative(name):
    activation = get_activation(name)
    a = activation.forward(Z)
    np.testing.assert_allclose(a, EXPECTED[name], rtol=1e-12)
    h = 1e-6
    numeric = (activation.forward(Z + h) - activation.forward(Z - h)) / (2 * h)
    np.testing.assert_allclose(activation.derivative(Z, a), numeric, rtol=1e-6, atol=1e-9)
    # out= writes into the given buffer and leaves z alone
    z = Z.copy()
    out = np.empty_like(z)
    assert activation.forward(z, out=out) is out
    buffer = np.full_like(z, np.nan)
    assert activation.derivative(z, out, out=buffer) is buffer
    np.testing.assert_allclose(buffer, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(z, Z)


def test_sigmoid_never_overflows():
    with np.errstate(all="raise"):
        values = sigmoid(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_allclose(values, [0.0, 0.5, 1.0])


def test_unknown_activation():
    with pytest.raises(ValueError, match="known: tanh"):
        get_activation("gelu")


def test_unknown_activation_lists_the_known_names():
    with pytest.raises(ValueError,
                       match=r"^unknown activation 'gelu'; known: tanh, sigmoid, relu, "):
        get_activation("gelu")
