"""Weight initialisers by name.

``standard_normal`` and ``inv_sqrt_fan_in`` draw biases from N(0, 1) as the classic experiment
does: with 1000 inputs all equal to 1, z = Σw + b has σ = √1001 ≈ 31.6 for standard-normal
weights and σ = √(1000/1000 + 1) = √2 ≈ 1.41 for weights of σ = 1/√fan_in. Xavier/Glorot
(uniform, limit √(6/(fan_in+fan_out))) and He (normal, σ = √(2/fan_in)) start biases at zero,
as their papers do.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Init = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def standard_normal(fan_in: int, fan_out: int, rng: np.random.Generator):
    return rng.standard_normal((fan_in, fan_out)), rng.standard_normal(fan_out)


def inv_sqrt_fan_in(fan_in: int, fan_out: int, rng: np.random.Generator):
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in), rng.standard_normal(fan_out)


def xavier(fan_in: int, fan_out: int, rng: np.random.Generator):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)


def he(fan_in: int, fan_out: int, rng: np.random.Generator):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in), np.zeros(fan_out)


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator):
    return np.zeros((fan_in, fan_out)), np.zeros(fan_out)


INITIALIZERS: dict[str, Init] = {
    "standard_normal": standard_normal,
    "inv_sqrt_fan_in": inv_sqrt_fan_in,
    "xavier": xavier,
    "he": he,
    "zeros": zeros,
}

#: σ of z = x·W + b for one input of all ones, as a function of fan_in (fan_out for Xavier)
THEORETICAL_Z_STD: dict[str, Callable[[int, int], float]] = {
    "standard_normal": lambda fan_in, fan_out: float(np.sqrt(fan_in + 1)),
    "inv_sqrt_fan_in": lambda fan_in, fan_out: float(np.sqrt(2.0)),
    "xavier": lambda fan_in, fan_out: float(np.sqrt(fan_in * 2.0 / (fan_in + fan_out))),
    "he": lambda fan_in, fan_out: float(np.sqrt(2.0)),
    "zeros": lambda fan_in, fan_out: 0.0,
}


def get_initializer(name: str) -> Init:
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown initialiser {name!r}; known: {', '.join(INITIALIZERS)}"
        ) from None
