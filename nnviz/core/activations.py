"""Activation functions by name, each with its derivative.

The derivative is written in terms of the pre-activation ``z`` and the activation ``a = f(z)``
because for tanh and sigmoid it is cheapest from ``a``: tanh' = 1 − a², sigmoid' = a(1 − a).

Both functions take an optional ``out`` array (as NumPy ufuncs do) so the training step can
reuse its buffers instead of allocating new arrays on every step:

    tanh        f(z) = tanh z                      f'(z) = 1 − a²
    sigmoid     f(z) = 1 / (1 + e^{−z})            f'(z) = a(1 − a)
    relu        f(z) = max(z, 0)                   f'(z) = [z > 0]
    leaky_relu  f(z) = z if z > 0 else 0.01·z      f'(z) = 1 if z > 0 else 0.01
    linear      f(z) = z                           f'(z) = 1
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    #: a = f(z), written into ``out`` when given
    forward: Callable[..., Array]
    #: d a / d z given (z, a), written into ``out`` when given
    derivative: Callable[..., Array]
    #: a unit counts as saturated (tanh/sigmoid) or dead (relu) where its derivative is below this
    saturation_threshold: float = 0.01


LEAKY_SLOPE = 0.01


def _empty(z: Array, out: Array | None) -> Array:
    return np.empty_like(z) if out is None else out


def _tanh(z: Array, out: Array | None = None) -> Array:
    return np.tanh(z, out=_empty(z, out))


def _tanh_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    out = np.multiply(a, a, out=_empty(a, out))
    return np.subtract(1.0, out, out=out)


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """1/(1 + e^{−z}), computed as 0.5·(1 + tanh(z/2)), which never overflows."""
    out = np.multiply(z, 0.5, out=_empty(z, out))
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _sigmoid_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    out = np.multiply(a, a, out=_empty(a, out))
    return np.subtract(a, out, out=out)


def _relu(z: Array, out: Array | None = None) -> Array:
    return np.maximum(z, 0.0, out=_empty(z, out))


def _relu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    return np.greater(z, 0.0, out=_empty(z, out))


def _leaky_relu(z: Array, out: Array | None = None) -> Array:
    # for 0 < slope < 1, max(z, slope·z) is z where z > 0 and slope·z elsewhere
    out = np.multiply(z, LEAKY_SLOPE, out=_empty(z, out))
    return np.maximum(z, out, out=out)


def _leaky_relu_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    out = np.greater(z, 0.0, out=_empty(z, out))
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def _linear(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def _linear_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    out = _empty(z, out)
    out.fill(1.0)
    return out


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", _tanh, _tanh_derivative),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_derivative),
    "relu": Activation("relu", _relu, _relu_derivative),
    "leaky_relu": Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative),
    "linear": Activation("linear", _linear, _linear_derivative),
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}"
        ) from None
