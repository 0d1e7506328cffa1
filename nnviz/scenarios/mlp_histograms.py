"""The histogram view of a NumPy MLP: what is inside each layer, and how healthy it is.

Computed on a fixed sample of training points when a snapshot is due. Gradients are those of
the last update (the mini-batch the optimiser used); before the first update they are taken on
the sample itself, so step 0 already shows whether gradients vanish in the early layers.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from nnviz.core.histograms import DistributionRecorder, HistogramSet, StableBins, layer_histograms
from nnviz.core.mlp import MLP

if TYPE_CHECKING:
    from nnviz.scenarios.trainer import Trainer


def layer_names(sizes: list[int]) -> tuple[str, ...]:
    """'hidden 1 (2→16)', …, 'output (16→2)': one name per weight matrix."""
    names = []
    for index, (fan_in, fan_out) in enumerate(pairwise(sizes)):
        kind = "output" if index == len(sizes) - 2 else f"hidden {index + 1}"
        names.append(f"{kind} ({fan_in}→{fan_out})")
    return tuple(names)


def mlp_histograms(
    model: MLP,
    sample_x: np.ndarray,
    sample_y: np.ndarray,
    last_gradients: list[np.ndarray] | None,
    step: int,
    bins: StableBins,
    recorder: DistributionRecorder | None = None,
    activation: str = "",
) -> HistogramSet:
    """Weights, biases, z and a of every layer (a: hidden layers only) and dLoss/dW.

    Saturation is judged on the hidden layers: |f'(z)| below the activation's threshold.
    """
    forward = model.forward(sample_x)
    hidden_pre = forward.pre_activations[:-1]
    hidden_act = forward.activations[1:-1]
    grads = last_gradients
    if grads is None and len(sample_y):
        grads = model.gradients(forward, sample_y)
    quantities = {
        "weights": model.weights,
        "biases": model.biases,
        "pre_activations": forward.pre_activations,
        "activations": hidden_act,
    }
    if grads is not None:
        quantities["gradients"] = grads[0::2]
    derivative = model.activation.derivative
    threshold = model.activation.saturation_threshold
    small = [np.abs(derivative(z, a)) < threshold
             for z, a in zip(hidden_pre, hidden_act, strict=True)]
    return layer_histograms(step, quantities, bins, small, activation or model.activation.name,
                            layer_names(model.sizes), recorder)


class LayerHistograms:
    """The histogram view of a trainer's MLP, with the bins and the recorder that keep it
    steady from one snapshot to the next (one per run: the bins only ever widen)."""

    #: how many training points the histograms of pre-activations/activations look at
    sample_size = 512

    def __init__(self) -> None:
        self.bins = StableBins()
        self.recorder = DistributionRecorder()

    def of(self, trainer: Trainer) -> HistogramSet:
        """The histograms of ``trainer``'s network (its engine's NumPy mirror) at this step."""
        model = trainer.engine.mirror()
        if model is None:
            raise ValueError("layer histograms need an MLP; this engine trains another model")
        sample = slice(0, self.sample_size)
        return mlp_histograms(model, trainer.train_x[sample], trainer.train_y[sample],
                              trainer.engine.last_gradients(), trainer.step_count, self.bins,
                              self.recorder, trainer.config.activation)
