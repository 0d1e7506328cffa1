"""Weight and bias initialisers by name.

A layer's weights W (fan_in × fan_out) are drawn by one initialiser and its biases b (fan_out)
by another: ``zeros`` by default, as torch and the classic scripts start them, or any weight
initialiser's name, which draws every bias as that initialiser draws one weight of the same
layer. The weights' spread σ_W per initialiser:

    standard_normal   N(0, 1)                            σ = 1
    inv_sqrt_fan_in   N(0, 1/fan_in)                     σ = 1/√fan_in
    xavier            U(−l, l), l = √(6/(fan_in+fan_out))  σ = √(2/(fan_in+fan_out))
    he                N(0, 2/fan_in)                     σ = √(2/fan_in)
    normal_0.01       N(0, 0.01²)                        σ = 0.01  (PyTorch's randn·0.01)
    zeros             0

With one input of all ones, z = Σ_i W_i + b has Var z = fan_in·σ_W² + σ_b². The classic
initialisation experiment draws biases from N(0, 1) beside standard-normal weights (σ_z =
√1001 ≈ 31.6 for 1000 inputs) and beside weights of σ = 1/√fan_in (σ_z = √2 ≈ 1.41);
:data:`CUSTOMARY_BIAS_INIT` keeps that pairing for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Shape = tuple[int, ...]
#: draws an array of ``shape`` for a layer of ``fan_in`` inputs and ``fan_out`` units
Sampler = Callable[[int, int, Shape, np.random.Generator], np.ndarray]


def standard_normal(fan_in: int, fan_out: int, shape: Shape, rng: np.random.Generator
                    ) -> np.ndarray:
    return rng.standard_normal(shape)


def inv_sqrt_fan_in(fan_in: int, fan_out: int, shape: Shape, rng: np.random.Generator
                    ) -> np.ndarray:
    return rng.standard_normal(shape) / np.sqrt(fan_in)


def xavier(fan_in: int, fan_out: int, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


def he(fan_in: int, fan_out: int, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


def normal_001(fan_in: int, fan_out: int, shape: Shape, rng: np.random.Generator
               ) -> np.ndarray:
    """N(0, 0.01²): the PyTorch walk-through's ``torch.randn(...) * 0.01``."""
    return rng.standard_normal(shape) * 0.01


def zeros(fan_in: int, fan_out: int, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return np.zeros(shape)


INITIALIZERS: dict[str, Sampler] = {
    "standard_normal": standard_normal,
    "inv_sqrt_fan_in": inv_sqrt_fan_in,
    "xavier": xavier,
    "he": he,
    "normal_0.01": normal_001,
    "zeros": zeros,
}

#: the names a bias initialiser accepts: zeros (the default) first, then the weights' names
BIAS_INITIALIZERS: tuple[str, ...] = ("zeros", *(n for n in INITIALIZERS if n != "zeros"))

#: σ of one value each initialiser draws, for a layer of (fan_in, fan_out)
INIT_STD: dict[str, Callable[[int, int], float]] = {
    "standard_normal": lambda fan_in, fan_out: 1.0,
    "inv_sqrt_fan_in": lambda fan_in, fan_out: 1.0 / math.sqrt(fan_in),
    "xavier": lambda fan_in, fan_out: math.sqrt(2.0 / (fan_in + fan_out)),
    "he": lambda fan_in, fan_out: math.sqrt(2.0 / fan_in),
    "normal_0.01": lambda fan_in, fan_out: 0.01,
    "zeros": lambda fan_in, fan_out: 0.0,
}

#: the bias each initialiser came with where it was published: N(0, 1) in the classic
#: experiment's two, zeros in the Xavier and He papers and the PyTorch walk-through
CUSTOMARY_BIAS_INIT: dict[str, str] = {
    "standard_normal": "standard_normal",
    "inv_sqrt_fan_in": "standard_normal",
    "xavier": "zeros",
    "he": "zeros",
    "normal_0.01": "zeros",
    "zeros": "zeros",
}


def get_initializer(name: str, what: str = "initialiser") -> Sampler:
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown {what} {name!r}; known: {', '.join(INITIALIZERS)}"
        ) from None


def initial_layer(init: str, fan_in: int, fan_out: int, rng: np.random.Generator, *,
                  bias_init: str = "zeros") -> tuple[np.ndarray, np.ndarray]:
    """(W, b) of a fresh layer: W (fan_in × fan_out) by ``init``, then b (fan_out) by
    ``bias_init`` from the same generator (in that order, so a seed gives the same W
    whatever the biases)."""
    draw_weights = get_initializer(init)
    draw_biases = get_initializer(bias_init, "bias initialiser")
    weights = draw_weights(fan_in, fan_out, (fan_in, fan_out), rng)
    return weights, draw_biases(fan_in, fan_out, (fan_out,), rng)


def z_std(init: str, bias_init: str, fan_in: int, fan_out: int) -> float:
    """σ of z = 1ᵀW + b for an input of all ones: √(fan_in·σ_W² + σ_b²)."""
    weight_std = INIT_STD[init](fan_in, fan_out)
    bias_std = INIT_STD[bias_init](fan_in, fan_out)
    return math.sqrt(fan_in * weight_std**2 + bias_std**2)


#: σ of z = x·W + b for one input of all ones with each initialiser's customary biases
THEORETICAL_Z_STD: dict[str, Callable[[int, int], float]] = {
    name: (lambda fan_in, fan_out, name=name: z_std(name, CUSTOMARY_BIAS_INIT[name],
                                                    fan_in, fan_out))
    for name in INITIALIZERS
}
