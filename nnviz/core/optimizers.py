"""First-order optimisers by name, updating a list of parameter arrays in place.

Each optimiser keeps per-parameter state (momentum buffers, running averages) that
:meth:`reset` clears; its hyperparameters are plain attributes so a running session can change
them between steps. The update rules are ``torch.optim``'s, so the NumPy and torch backends
follow the same trajectory, schedules and live changes included:

    sgd       θ ← θ − η·g
    momentum  b ← γ·b + g;  θ ← θ − η·b
    nesterov  b ← γ·b + g;  θ ← θ − η·(g + γ·b)
    adagrad   G ← G + g²;  θ ← θ − η·g / (√G + ε)
    rmsprop   s ← ρ·s + (1−ρ)·g²;  θ ← θ − η·g / (√s + ε)
    adam      m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;
              θ ← θ − η·m̂ / (√ŝ + ε),  m̂ = m/(1−β₁ᵗ),  ŝ = s/(1−β₂ᵗ)

Momentum is in torch's "buffer" form, b = Σγᵏg, scaled by the *current* rate. The classic
velocity form (v ← γ·v − η·g; θ ← θ + v) is the same trajectory while η is constant; when η
changes (a step decay, a live change) the buffer form applies the new rate to the whole step at
once, while the velocity form lets the old rate's velocity fade over ~1/(1−γ) steps. We follow
torch so that a person's own PyTorch run and nnviz's agree. The buffer is updated at every step
whatever γ is, so a live γ change (0.9 → 0 → 0.5) continues from b = g of the last step.

State lives in flat vectors with one view per parameter. When the parameters are consecutive
views of one flat vector, as :class:`~nnviz.core.mlp.MLP`'s are, and the gradients too, a
step updates the whole flat vector at once: the same formulas in a few array operations
instead of a few per parameter.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

Array = np.ndarray


def tiled_base(arrays: Sequence[Array]) -> Array | None:
    """The 1-D array that ``arrays`` are consecutive, contiguous views of, if there is one."""
    if not arrays:
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    address = base.ctypes.data
    for array in arrays:
        if array.base is not base or not array.flags.c_contiguous:
            return None
        if array.ctypes.data != address:
            return None
        address += array.nbytes
    return base if address == base.ctypes.data + base.nbytes else None


class Optimizer:
    """Base class: subclasses implement :meth:`_update` on parameter, gradient and state."""

    name: ClassVar[str] = ""
    #: hyperparameter names a session may set live
    hyperparameters: ClassVar[tuple[str, ...]] = ("learning_rate",)
    #: names of the state arrays, each shaped like the parameter
    state_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, learning_rate: float = 0.01, **hyper: float) -> None:
        self.learning_rate = float(learning_rate)
        for key, value in hyper.items():
            if key not in self.hyperparameters:
                raise ValueError(f"{self.name} has no hyperparameter {key!r}")
            setattr(self, key, float(value))
        self.reset()

    def reset(self) -> None:
        """Forget velocities and averages; the next step starts from zero state (t = 0)."""
        #: one dict per parameter, name → state array (views of :attr:`flat_state`)
        self.state: list[dict[str, Array]] = []
        self.flat_state: dict[str, Array] = {}
        self._scratch: list[Array] = []
        self._flat_scratch = np.empty(0)
        self._flat_pair: tuple[list[Array], list[Array], Array, Array] | None = None
        self.t = 0

    def set(self, **hyper: Any) -> None:
        """Change hyperparameters between steps; unknown names are ignored (shared configs)."""
        for key, value in hyper.items():
            if key in self.hyperparameters:
                setattr(self, key, float(value))

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """One update of every parameter in place, given its gradient."""
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameters but {len(grads)} gradients")
        if not self.state:
            self._allocate(params)
        self.t += 1
        flat = self._flat(params, grads)
        if flat is not None:
            self._update(flat[0], flat[1], self.flat_state, self._flat_scratch)
            return
        for param, grad, state, scratch in zip(params, grads, self.state, self._scratch,
                                               strict=True):
            self._update(param, grad, state, scratch)

    def _allocate(self, params: Sequence[Array]) -> None:
        dtype = np.result_type(*params)
        sizes = [p.size for p in params]
        offsets = np.cumsum([0, *sizes])
        self.flat_state = {name: np.zeros(offsets[-1], dtype) for name in self.state_names}
        self._flat_scratch = np.empty(offsets[-1], dtype)

        def views(flat: Array) -> list[Array]:
            return [flat[a:b].reshape(p.shape) for a, b, p in zip(offsets, offsets[1:], params,
                                                                   strict=False)]

        per_name = {name: views(flat) for name, flat in self.flat_state.items()}
        self.state = [{name: per_name[name][i] for name in self.state_names}
                      for i in range(len(params))]
        self._scratch = views(self._flat_scratch)

    def _flat(self, params: Sequence[Array], grads: Sequence[Array]) -> tuple[Array, Array] | None:
        """(flat parameters, flat gradients) when both lists tile one flat vector each."""
        known = self._flat_pair
        if known is not None and len(known[0]) == len(params) \
                and all(map(operator.is_, known[0], params)) \
                and all(map(operator.is_, known[1], grads)):
            return known[2], known[3]
        flat_params, flat_grads = tiled_base(params), tiled_base(grads)
        if flat_params is None or flat_grads is None \
                or flat_params.shape != flat_grads.shape \
                or flat_params.shape != self._flat_scratch.shape \
                or any(p.shape != g.shape for p, g in zip(params, grads, strict=True)):
            return None
        self._flat_pair = (list(params), list(grads), flat_params, flat_grads)
        return flat_params, flat_grads

    def _update(self, param: Array, grad: Array, state: dict[str, Array],
                scratch: Array) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

    def _update(self, param, grad, state, scratch):
        param -= np.multiply(grad, self.learning_rate, out=scratch)


class Momentum(Optimizer):
    name = "momentum"
    hyperparameters = ("learning_rate", "momentum")
    state_names = ("momentum_buffer",)
    momentum = 0.9

    def _update(self, param, grad, state, scratch):
        buffer = state["momentum_buffer"]  # b = Σ γᵏ g: gradients, not yet scaled by η
        buffer *= self.momentum
        buffer += grad
        param -= np.multiply(buffer, self.learning_rate, out=scratch)


class Nesterov(Momentum):
    name = "nesterov"

    def _update(self, param, grad, state, scratch):
        buffer = state["momentum_buffer"]
        buffer *= self.momentum
        buffer += grad
        look_ahead = np.multiply(buffer, self.momentum, out=scratch)  # g + γ·b
        look_ahead += grad
        look_ahead *= self.learning_rate
        param -= look_ahead


class AdaGrad(Optimizer):
    name = "adagrad"
    hyperparameters = ("learning_rate", "epsilon")
    state_names = ("sum_squares",)
    epsilon = 1e-10

    def _update(self, param, grad, state, scratch):
        total = state["sum_squares"]
        total += np.multiply(grad, grad, out=scratch)
        denominator = np.sqrt(total, out=scratch)
        denominator += self.epsilon
        param -= _scaled_ratio(grad, denominator, self.learning_rate)


class RMSProp(Optimizer):
    name = "rmsprop"
    hyperparameters = ("learning_rate", "rho", "epsilon")
    state_names = ("mean_square",)
    rho = 0.99
    epsilon = 1e-8

    def _update(self, param, grad, state, scratch):
        mean_square = state["mean_square"]
        mean_square *= self.rho
        squares = np.multiply(grad, grad, out=scratch)
        squares *= 1.0 - self.rho
        mean_square += squares
        denominator = np.sqrt(mean_square, out=scratch)
        denominator += self.epsilon
        param -= _scaled_ratio(grad, denominator, self.learning_rate)


class Adam(Optimizer):
    name = "adam"
    hyperparameters = ("learning_rate", "beta1", "beta2", "epsilon")
    state_names = ("mean", "mean_square")
    beta1 = 0.9
    beta2 = 0.999
    epsilon = 1e-8

    def _update(self, param, grad, state, scratch):
        mean, mean_square = state["mean"], state["mean_square"]
        mean *= self.beta1
        mean += np.multiply(grad, 1.0 - self.beta1, out=scratch)
        mean_square *= self.beta2
        squares = np.multiply(grad, grad, out=scratch)
        squares *= 1.0 - self.beta2
        mean_square += squares
        # √ŝ + ε = √s / √(1−β₂ᵗ) + ε, and η·m̂ = η/(1−β₁ᵗ) · m
        denominator = np.sqrt(mean_square, out=scratch)
        denominator *= 1.0 / np.sqrt(1.0 - self.beta2**self.t)
        denominator += self.epsilon
        param -= _scaled_ratio(mean, denominator, self.learning_rate / (1.0 - self.beta1**self.t))


def _scaled_ratio(numerator: Array, denominator: Array, scale: float) -> Array:
    """scale · numerator / denominator, written over ``denominator``."""
    np.divide(numerator, denominator, out=denominator)
    denominator *= scale
    return denominator


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam)
}


def make_optimizer(name: str, **hyper: float) -> Optimizer:
    """Build by name, passing only the hyperparameters that optimiser has."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimiser {name!r}; known: {', '.join(OPTIMIZERS)}") from None
    return cls(**{k: v for k, v in hyper.items() if k in cls.hyperparameters})
