"""The NumPy MLP's forward pass and loss on torch tensors, with autograd for the backward pass.

Same notation as :mod:`nnviz.core.mlp`: ``z_l = a_{l-1}·W_l + b_l``, ``a_l = f(z_l)``, weights
stored (fan_in × fan_out), the loss the output's cross-entropy plus (λ/2)·Σ‖W_l‖² (weights
only, not biases). A :class:`TorchMLP` starts from a NumPy :class:`~nnviz.core.mlp.MLP`'s
parameters, so both backends can be run from identical initial weights. torch is imported
inside functions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.backends.device import require_torch
from nnviz.core.activations import LEAKY_SLOPE
from nnviz.core.mlp import MLP

TORCH_DTYPES = ("float32", "float64")


def torch_dtype(name: str) -> Any:
    torch = require_torch()
    if name not in TORCH_DTYPES:
        raise ValueError(f"unknown precision {name!r}; known: {', '.join(TORCH_DTYPES)}")
    return getattr(torch, name)


def check_precision(device: Any, precision: str) -> None:
    """Apple's MPS has no float64: say so before torch fails deep inside a tensor copy."""
    if getattr(device, "type", str(device)) == "mps" and precision == "float64":
        raise ValueError("precision=float64 is not supported on device 'mps'; use float32 "
                         "(or device=cpu for float64)")


def activation_function(name: str) -> Any:
    """The torch twin of :data:`nnviz.core.activations.ACTIVATIONS` [name]."""
    torch = require_torch()
    functional = torch.nn.functional
    table = {
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "leaky_relu": lambda z: functional.leaky_relu(z, LEAKY_SLOPE),
        "linear": lambda z: z,
    }
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(table)}")
    return table[name]


def output_loss(output: str, logits: Any, labels: Any, reduction: str) -> Any:
    """Cross-entropy of integer ``labels``: softmax over classes, or one sigmoid unit (BCE)."""
    torch = require_torch()
    functional = torch.nn.functional
    if output == "sigmoid":
        return functional.binary_cross_entropy_with_logits(
            logits[:, 0], labels.to(logits.dtype), reduction=reduction
        )
    return functional.cross_entropy(logits, labels, reduction=reduction)


def output_probabilities(output: str, logits: Any) -> Any:
    """One column per class (two for the sigmoid output), as the NumPy output layer."""
    torch = require_torch()
    if output == "sigmoid":
        p = torch.sigmoid(logits[:, 0])
        return torch.stack([1.0 - p, p], dim=1)
    return torch.softmax(logits, dim=1)


class TorchMLP:
    """A fully connected network whose parameters are a flat list of leaf tensors.

    ``params`` is ``[W_1, b_1, …, W_L, b_L]`` exactly as the NumPy MLP's, so parameters copy
    across backends one to one.
    """

    def __init__(self, params: Sequence[np.ndarray], *, activation: str, output: str,
                 device: Any = "cpu", dtype: str = "float32") -> None:
        torch = require_torch()
        self.activation_name = activation
        self.output = output
        self.device = torch.device(device)
        check_precision(self.device, dtype)
        self.dtype = torch_dtype(dtype)
        self._activation = activation_function(activation)
        self.params = [
            torch.tensor(np.asarray(p), dtype=self.dtype, device=self.device).requires_grad_()
            for p in params
        ]

    @classmethod
    def from_numpy(cls, model: MLP, *, device: Any = "cpu", dtype: str | None = None
                   ) -> TorchMLP:
        """A copy of ``model`` (same weights, activation and output) on ``device``."""
        return cls(model.params, activation=model.activation.name, output=model.output.kind,
                   device=device, dtype=dtype or model.dtype.name)

    @property
    def weights(self) -> list[Any]:
        return self.params[0::2]

    @property
    def n_layers(self) -> int:
        return len(self.params) // 2

    def parameters(self) -> list[Any]:
        return self.params

    def forward(self, inputs: Any) -> tuple[Any, list[Any]]:
        """(logits, hidden activations a_1 … a_{L-1}) for a batch of inputs."""
        a = inputs
        hidden = []
        for layer in range(self.n_layers):
            z = a @ self.params[2 * layer] + self.params[2 * layer + 1]
            if layer == self.n_layers - 1:
                return z, hidden
            a = self._activation(z)
            hidden.append(a)
        raise AssertionError("an MLP has at least one layer")

    def loss(self, logits: Any, labels: Any, *, reduction: str = "mean",
             weight_decay: float = 0.0) -> Any:
        data_loss = output_loss(self.output, logits, labels, reduction)
        return data_loss + self.penalty(weight_decay) if weight_decay else data_loss

    def penalty(self, weight_decay: float) -> Any:
        """(λ/2)·Σ‖W‖² over the weights (not the biases)."""
        return 0.5 * weight_decay * sum((w * w).sum() for w in self.weights)

    def probabilities(self, logits: Any) -> Any:
        return output_probabilities(self.output, logits)

    def numpy_params(self) -> list[np.ndarray]:
        """The parameters as NumPy arrays (copied to the host)."""
        return [p.detach().cpu().numpy() for p in self.params]

    def first_layer_weights(self) -> np.ndarray:
        """W_1 as (units, n_inputs): one row per hidden (or output) unit."""
        return self.params[0].detach().cpu().numpy().T

    def state(self) -> list[Any]:
        return [p.detach().clone() for p in self.params]

    def load_state(self, state: Sequence[Any]) -> None:
        torch = require_torch()
        with torch.no_grad():
            for target, source in zip(self.params, state, strict=True):
                target.copy_(torch.as_tensor(source))  # a tensor, or arrays from a saved run
