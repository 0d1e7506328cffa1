"""A small convolutional network for digit images, on torch.

Layout (LeNet's idea, scaled down): for each entry c of ``channels`` a c-filter convolution
(5×5 for the first, 3×3 after, zero-padded to keep the size), the activation, and 2×2 max
pooling while the image is at least 4 pixels wide; then fully connected hidden layers and the
output layer. The interface matches :class:`~nnviz.backends.torch_mlp.TorchMLP` so one session
and one set of views serve both.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.backends.device import require_torch
from nnviz.backends.torch_mlp import (
    activation_function,
    check_precision,
    output_loss,
    output_probabilities,
    torch_dtype,
)

FIRST_KERNEL = 5
LATER_KERNEL = 3


def conv_output_side(side: int, n_convs: int) -> int:
    """Image side after ``n_convs`` "same" convolutions, each pooled by 2 while side ≥ 4."""
    for _ in range(n_convs):
        if side >= 4:
            side //= 2
    return side


class TorchCNN:
    """Convolutions → fully connected hidden layers → logits; inputs are flat pixel rows."""

    def __init__(self, image_shape: tuple[int, int], channels: Sequence[int],
                 hidden_sizes: Sequence[int], n_classes: int, *, activation: str = "relu",
                 output: str = "softmax", seed: int = 0, device: Any = "cpu",
                 dtype: str = "float32") -> None:
        torch = require_torch()
        nn = torch.nn
        if not channels:
            raise ValueError("a CNN needs at least one convolution (channels is empty)")
        self.image_shape = (int(image_shape[0]), int(image_shape[1]))
        self.output = output
        self.device = torch.device(device)
        check_precision(self.device, dtype)
        self.dtype = torch_dtype(dtype)
        self._activation = activation_function(activation)
        height, width = self.image_shape
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            convs = []
            previous = 1
            for index, count in enumerate(channels):
                kernel = FIRST_KERNEL if index == 0 else LATER_KERNEL
                convs.append(nn.Conv2d(previous, int(count), kernel, padding=kernel // 2))
                previous = int(count)
            self.convs = nn.ModuleList(convs)
            flat = previous * conv_output_side(height, len(channels)) * conv_output_side(
                width, len(channels))
            sizes = [flat, *map(int, hidden_sizes)]
            self.hidden = nn.ModuleList(
                nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
            self.head = nn.Linear(sizes[-1], 1 if output == "sigmoid" else n_classes)
        self.modules = nn.ModuleList([self.convs, self.hidden, self.head]).to(
            device=self.device, dtype=self.dtype)

    def parameters(self) -> list[Any]:
        return list(self.modules.parameters())

    @property
    def weights(self) -> list[Any]:
        return [m.weight for m in (*self.convs, *self.hidden, self.head)]

    def forward(self, inputs: Any) -> tuple[Any, list[Any]]:
        """(logits, hidden activations): each conv block's output, then each dense layer's."""
        functional = require_torch().nn.functional
        a = inputs.reshape(len(inputs), 1, *self.image_shape)
        hidden = []
        for conv in self.convs:
            a = self._activation(conv(a))
            if a.shape[-1] >= 4 and a.shape[-2] >= 4:
                a = functional.max_pool2d(a, 2)
            hidden.append(a)
        a = a.flatten(1)
        for layer in self.hidden:
            a = self._activation(layer(a))
            hidden.append(a)
        if not len(self.hidden):
            hidden[-1] = a
        return self.head(a), hidden

    def loss(self, logits: Any, labels: Any, *, reduction: str = "mean",
             weight_decay: float = 0.0) -> Any:
        data_loss = output_loss(self.output, logits, labels, reduction)
        return data_loss + self.penalty(weight_decay) if weight_decay else data_loss

    def penalty(self, weight_decay: float) -> Any:
        """(λ/2)·Σ‖W‖² over the weights (not the biases)."""
        return 0.5 * weight_decay * sum((w * w).sum() for w in self.weights)

    def probabilities(self, logits: Any) -> Any:
        return output_probabilities(self.output, logits)

    def first_layer_weights(self) -> np.ndarray:
        """The first convolution's filters as (filters, k·k) rows."""
        weight = self.convs[0].weight.detach().cpu().numpy()
        return weight.reshape(weight.shape[0], -1)

    def first_layer_shape(self) -> tuple[int, int]:
        return FIRST_KERNEL, FIRST_KERNEL

    def state(self) -> list[Any]:
        return [p.detach().clone() for p in self.parameters()]

    def load_state(self, state: Sequence[Any]) -> None:
        torch = require_torch()
        with torch.no_grad():
            for target, source in zip(self.parameters(), state, strict=True):
                target.copy_(torch.as_tensor(source))  # a tensor, or arrays from a saved run
