"""What a watcher reads from a person's model at a sampled step, as plain NumPy records.

:func:`nnviz.watch` reads a model through a probe (the torch one is
:mod:`nnviz.backends.torch_watch`) and gets these back; the watcher turns them into the view
records the panels draw. :class:`ParamGroupSettings` and :class:`LayerNorms` are also stored in
a watched run's file (their kinds are registered in :mod:`nnviz.io.record_kinds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class ParamGroupSettings:
    """One optimiser parameter group as it was set: NaN where the optimiser has no such
    setting (plain SGD has no β₁; Adam's "momentum" is its β₁, the decay rate of the mean of
    the gradients it steps along)."""

    index: int
    parameters: int
    learning_rate: float
    momentum: float = float("nan")
    weight_decay: float = float("nan")


@dataclass(frozen=True)
class LayerNorms:
    """‖W‖ and ‖dLoss/dW‖ (Frobenius, over the whole tensor, not a sample) of every layer with
    parameters, at one sampled step."""

    view_kind: ClassVar[str] = "layer_norms"

    step: int
    layer_names: tuple[str, ...]
    weight_norms: np.ndarray
    gradient_norms: np.ndarray


@dataclass(frozen=True)
class UnitHealth:
    """The health of one activation module's units on the sampled batch.

    ``saturated`` is the share of (example, unit) pairs whose activation derivative is below
    0.01 (a silent ReLU, a tanh or sigmoid near its asymptotes); ``dead`` the share of units
    (features, or channels of a convolution) for which that holds on every example and
    position. ``layer`` is the index of the layer with parameters that ran just before it.
    """

    layer: int
    kind: str
    saturated: float
    dead: float


@dataclass
class LayerReading:
    """One sampled step of a model: per layer with parameters, a sample of each quantity
    (``"weights"``, ``"biases"``, ``"gradients"``, ``"activations"``; None where the layer has
    none), the exact norms, and the health of every activation module that ran."""

    layer_names: tuple[str, ...]
    samples: dict[str, list[np.ndarray | None]]
    weight_norms: np.ndarray
    gradient_norms: np.ndarray
    health: list[UnitHealth] = field(default_factory=list)

    @property
    def activation(self) -> str:
        """The activation most of the watched units use ("relu", "tanh" …; "" if none)."""
        kinds = [unit.kind for unit in self.health]
        return max(set(kinds), key=kinds.count) if kinds else ""
