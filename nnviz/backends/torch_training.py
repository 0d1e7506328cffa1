"""The training protocol on torch: one optimiser step per batch, evaluation in chunks.

Optimisers are chosen by the names of :mod:`nnviz.core.optimizers` and follow the same update
rules, schedules and live changes included (the cross-backend tests check every optimiser ×
schedule to 1e-6 in float64): ``torch.optim`` classes, except momentum and Nesterov, whose
torch form keeps a stale buffer while γ = 0 (:mod:`nnviz.backends.torch_momentum`).
Weight decay is the loss's (λ/2)·Σ‖W‖² on weights only, as in the NumPy MLP, not the
optimiser's ``weight_decay`` (which would also decay biases).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnviz.backends.device import limit_torch_threads, require_torch
from nnviz.core.optimizers import OPTIMIZERS


def make_torch_optimizer(name: str, parameters: list[Any], settings: Mapping[str, float]) -> Any:
    """The torch optimiser for a NumPy optimiser name and its hyperparameters."""
    torch = require_torch()
    optim = torch.optim
    rate = float(settings.get("learning_rate", 0.01))
    epsilon = float(settings.get("epsilon", 1e-8))
    if name == "sgd":
        return optim.SGD(parameters, lr=rate)
    if name in ("momentum", "nesterov"):
        from nnviz.backends.torch_momentum import BufferMomentum

        return BufferMomentum(parameters, lr=rate, momentum=float(settings.get("momentum", 0.9)),
                              nesterov=name == "nesterov")
    if name == "adagrad":
        return optim.Adagrad(parameters, lr=rate, eps=epsilon)
    if name == "rmsprop":
        return optim.RMSprop(parameters, lr=rate, alpha=float(settings.get("rho", 0.99)),
                             eps=epsilon)
    if name == "adam":
        betas = (float(settings.get("beta1", 0.9)), float(settings.get("beta2", 0.999)))
        return optim.Adam(parameters, lr=rate, betas=betas, eps=epsilon)
    raise ValueError(f"unknown optimiser {name!r}; known: {', '.join(OPTIMIZERS)}")


#: NumPy hyperparameter name → torch parameter-group key
TORCH_GROUP_KEYS = {"learning_rate": "lr", "momentum": "momentum", "epsilon": "eps",
                    "rho": "alpha"}


def update_torch_optimizer(optimizer: Any, name: str, settings: Mapping[str, float]) -> None:
    """Set the live hyperparameters that optimiser ``name`` has on every parameter group,
    whatever their previous values (names as in the NumPy optimisers)."""
    known = OPTIMIZERS[name].hyperparameters
    for group in optimizer.param_groups:
        for key, value in settings.items():
            if key in known and key in TORCH_GROUP_KEYS:
                group[TORCH_GROUP_KEYS[key]] = float(value)
        if "beta1" in known:
            group["betas"] = (float(settings.get("beta1", group["betas"][0])),
                              float(settings.get("beta2", group["betas"][1])))


class TorchTrainer:
    """Steps a torch model (a TorchMLP or TorchCNN) and evaluates it, on its device.

    torch's thread count is per OS thread (``torch.set_num_threads`` in one thread does not
    change another's), so the count is applied in whichever thread trains or evaluates,
    the first time it does.
    """

    #: examples per forward pass when evaluating a whole split
    eval_chunk = 4096

    def __init__(self, model: Any, optimizer: str, settings: Mapping[str, float], *,
                 threads: int = 1) -> None:
        self.model = model
        self.threads = threads
        self._threads_set_in: set[int] = set()
        self.use_threads()
        self.optimizer_name = optimizer
        self.optimizer = make_torch_optimizer(optimizer, model.parameters(), settings)

    @property
    def device(self) -> Any:
        return self.model.device

    @property
    def dtype(self) -> Any:
        return self.model.dtype

    def use_threads(self) -> None:
        ident = threading.get_ident()
        if ident not in self._threads_set_in and self.device.type == "cpu":
            limit_torch_threads(self.threads)
            self._threads_set_in.add(ident)

    def tensor(self, array: np.ndarray, *, labels: bool = False) -> Any:
        """A NumPy array on this trainer's device (inputs in its dtype, labels as int64)."""
        torch = require_torch()
        dtype = torch.int64 if labels else self.dtype
        array = np.asarray(array)
        if not array.flags.writeable:  # cached datasets are read-only; torch wants to own it
            array = array.copy()
        return torch.as_tensor(array, device=self.device).to(dtype)

    def set_optimizer(self, name: str, settings: Mapping[str, float]) -> None:
        """Switch optimiser (fresh state) or, for the same name, update its hyperparameters."""
        if name != self.optimizer_name:
            self.optimizer_name = name
            self.optimizer = make_torch_optimizer(name, self.model.parameters(), settings)
        else:
            update_torch_optimizer(self.optimizer, name, settings)

    def reset_optimizer(self, settings: Mapping[str, float]) -> None:
        self.optimizer = make_torch_optimizer(self.optimizer_name, self.model.parameters(),
                                              settings)

    def step(self, inputs: Any, labels: Any, *, learning_rate: float,
             weight_decay: float = 0.0, reduction: str = "mean") -> float:
        """One update on a batch (tensors on the device) of the objective: the cross-entropy
        (summed or mean, as ``reduction`` says) plus (λ/2)·Σ‖W‖². Returns the batch's mean
        cross-entropy per example before the update, without the penalty: the quantity of a
        per-step loss curve (:data:`nnviz.session.TRACE_LABELS`), as the NumPy MLP reports it."""
        self.use_threads()
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        self.optimizer.zero_grad(set_to_none=True)
        logits, _ = self.model.forward(inputs)
        data_loss = self.model.loss(logits, labels, reduction=reduction)
        objective = data_loss + self.model.penalty(weight_decay) if weight_decay else data_loss
        objective.backward()
        self.optimizer.step()
        mean = float(data_loss.detach())
        return mean / len(labels) if reduction == "sum" else mean

    def gradients(self) -> list[np.ndarray]:
        """The last step's gradients, as NumPy arrays in parameter order."""
        return [np.zeros(p.shape) if p.grad is None else p.grad.detach().cpu().numpy()
                for p in self.model.parameters()]

    def predict(self, inputs: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """(class probabilities, last hidden layer's activations or None) as NumPy, in chunks."""
        torch = require_torch()
        self.use_threads()
        probabilities, hidden = [], []
        with torch.no_grad():
            for start in range(0, len(inputs), self.eval_chunk):
                logits, layers = self.model.forward(inputs[start:start + self.eval_chunk])
                probabilities.append(self.model.probabilities(logits).cpu().numpy())
                if layers:
                    hidden.append(layers[-1].flatten(1).cpu().numpy())
        if not probabilities:
            return np.zeros((0, 0)), None
        return np.concatenate(probabilities), np.concatenate(hidden) if hidden else None

    def evaluate(self, inputs: Any, labels: Any) -> tuple[float, float]:
        """Mean cross-entropy (no penalty) and accuracy on one split."""
        torch = require_torch()
        if not len(labels):
            return math.nan, math.nan
        self.use_threads()
        total = 0.0
        correct = 0
        with torch.no_grad():
            for start in range(0, len(inputs), self.eval_chunk):
                chunk = slice(start, start + self.eval_chunk)
                logits, _ = self.model.forward(inputs[chunk])
                total += float(self.model.loss(logits, labels[chunk], reduction="sum"))
                predicted = self.model.probabilities(logits).argmax(dim=1)
                correct += int((predicted == labels[chunk]).sum())
        return total / len(labels), correct / len(labels)
