"""The MLP's gradients by torch.autograd in float64: the gradient check's second reference.

The network is :class:`~nnviz.backends.torch_mlp.TorchMLP`, the NumPy MLP's twin, copied from
the model's current parameters; torch is imported inside functions only.
"""

from __future__ import annotations

import numpy as np

from nnviz.backends.device import require_torch
from nnviz.backends.torch_mlp import TorchMLP
from nnviz.core.mlp import MLP


def autograd_gradients(model: MLP, inputs: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """∂L/∂θ of the batch's mean cross-entropy, in float64 on the CPU, in the order and layout
    of ``model.params`` ([W_1 (fan_in × fan_out), b_1, …])."""
    torch = require_torch()
    network = TorchMLP.from_numpy(model, device="cpu", dtype="float64")
    batch = torch.as_tensor(np.array(inputs, dtype=np.float64))
    targets = torch.as_tensor(np.array(labels, dtype=np.int64))
    logits, _ = network.forward(batch)
    network.loss(logits, targets, reduction="mean").backward()
    return [parameter.grad.detach().numpy().copy() for parameter in network.params]
