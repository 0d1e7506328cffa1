"""The PyTorch side of :func:`nnviz.watch`: reads a model and its optimiser for a watcher.

Nothing runs on a step that is not sampled: no hook is installed, no tensor is copied. For a
sampled step the watcher first :meth:`~TorchProbe.arm`\\ s forward hooks (they measure the next
forward pass, then do nothing until removed), and at its next ``step()`` call, after the
person's ``backward()``, :meth:`~TorchProbe.read` copies a strided sample of at most
``sampled_values`` numbers from each weight, bias and gradient tensor, takes the exact norms
on the device, collects what the hooks measured and removes them.

A "layer" is a module with parameters of its own (``Linear``, ``Conv2d``, ``BatchNorm`` …),
named by its path in the model. The health of an activation module (``ReLU``, ``Tanh``,
``Sigmoid``, or another activation module for its mean and spread only) is measured on its
output y, where its derivative is known from y alone:

    ReLU: f'(z) = 0 where y = 0;  tanh: f'(z) = 1 − y²;  sigmoid: f'(z) = y (1 − y)

A unit is saturated on an example where f'(z) < 0.01, and dead where that holds on every
example of the batch (and every position, for a convolution's channel). Activations called as
functions (``F.relu(x)``) are not modules and cannot be hooked: their layers get no health.
Imported only once torch is known to be installed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from nnviz.core.watch_readings import LayerReading, ParamGroupSettings, UnitHealth

#: activation modules whose saturation is known from their output, by the name the layer
#: health panel uses
SATURATING = {torch.nn.ReLU: "relu", torch.nn.Tanh: "tanh", torch.nn.Sigmoid: "sigmoid"}
#: activation modules measured for their mean and spread only
OTHER_ACTIVATIONS = (torch.nn.LeakyReLU, torch.nn.ELU, torch.nn.GELU, torch.nn.SiLU,
                     torch.nn.Softplus, torch.nn.Mish, torch.nn.Hardtanh, torch.nn.ReLU6)
SMALL_DERIVATIVE = 0.01


def _small_derivative(kind: str, output: torch.Tensor) -> torch.Tensor | None:
    """Where f'(z) < 0.01, from the activation's output alone (None: not known)."""
    if kind == "relu":
        return output <= 0
    if kind == "tanh":
        return (1 - output * output) < SMALL_DERIVATIVE
    if kind == "sigmoid":
        return output * (1 - output) < SMALL_DERIVATIVE
    return None


def sample(tensor: torch.Tensor, count: int) -> np.ndarray:
    """At most ``count`` values of ``tensor``, evenly strided over it, as float64 NumPy (only
    the sample is copied off the device)."""
    flat = tensor.detach().reshape(-1)
    stride = max(1, math.ceil(flat.numel() / count))
    return flat[::stride].to(torch.float64).cpu().numpy()


class TorchProbe:
    """Reads a ``torch.nn.Module`` and (optionally) its ``torch.optim.Optimizer``; see the
    module docstring."""

    def __init__(self, model: torch.nn.Module, optimizer: Any = None) -> None:
        self.model = model
        self.optimizer = optimizer
        self.layers = [(name or type(module).__name__, module)
                       for name, module in model.named_modules()
                       if any(True for _ in module.parameters(recurse=False))]
        self.activations = [(name, module) for name, module in model.named_modules()
                            if isinstance(module, (*SATURATING, *OTHER_ACTIVATIONS))]
        self._group_sizes = [sum(p.numel() for p in group["params"])
                             for group in (optimizer.param_groups if optimizer else ())]
        self._handles: list[Any] = []
        self._ran: list[int] = []
        self._activation_samples: dict[int, np.ndarray] = {}
        self._health: list[UnitHealth] = []
        self._sampled_values = 4096

    # -- settings, every step -------------------------------------------------------------
    def summary(self) -> str:
        parameters = sum(p.numel() for p in self.model.parameters())
        kinds = ", ".join(dict.fromkeys(type(m).__name__ for _, m in self.layers))
        return (f"{type(self.model).__name__}: {len(self.layers)} layers with parameters "
                f"({kinds}), {parameters:,} parameters")

    def group_settings(self) -> tuple[ParamGroupSettings, ...]:
        if self.optimizer is None:
            return ()
        return tuple(_settings(index, size, group) for index, (size, group)
                     in enumerate(zip(self._group_sizes, self.optimizer.param_groups,
                                      strict=False)))

    # -- hooks, on a sampled step only ----------------------------------------------------
    def arm(self) -> None:
        self.disarm()
        self._ran, self._activation_samples, self._health = [], {}, []
        for index, (_, module) in enumerate(self.layers):
            self._handles.append(module.register_forward_hook(self._layer_ran(index)))
        for _, module in self.activations:
            self._handles.append(module.register_forward_hook(self._measure(module)))

    def disarm(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _layer_ran(self, index: int):
        def hook(module: Any, inputs: Any, output: Any) -> None:
            if index not in self._ran:  # the first forward pass after arming counts
                self._ran.append(index)
        return hook

    def _measure(self, activation: torch.nn.Module):
        seen: list[bool] = []

        def hook(module: Any, inputs: Any, output: Any) -> None:
            if seen or not isinstance(output, torch.Tensor) or not self._ran:
                return
            seen.append(True)
            self._record_activation(activation, output.detach())
        return hook

    def _record_activation(self, activation: torch.nn.Module, output: torch.Tensor) -> None:
        layer = self._ran[-1]
        self._activation_samples[layer] = sample(output, self._sampled_values)
        kind = next((name for cls, name in SATURATING.items() if isinstance(activation, cls)),
                    "")
        small = _small_derivative(kind, output)
        if small is None:
            return
        if small.dim() >= 2:  # (batch, units, positions …): a unit is a feature or a channel
            dead = small.transpose(0, 1).reshape(small.shape[1], -1).all(dim=1).float().mean()
        else:
            dead = small.all().float()
        self._health.append(UnitHealth(layer, kind, float(small.float().mean()), float(dead)))

    # -- the sample -----------------------------------------------------------------------
    @torch.no_grad()
    def read(self, sampled_values: int) -> LayerReading:
        self._sampled_values = sampled_values
        samples: dict[str, list[np.ndarray | None]] = {
            quantity: [] for quantity in ("weights", "biases", "gradients", "activations")}
        weight_norms, gradient_norms = [], []
        for index, (_, module) in enumerate(self.layers):
            weight = _main_parameter(module)
            bias = getattr(module, "bias", None)
            gradient = weight.grad if weight is not None else None
            samples["weights"].append(sample(weight, sampled_values) if weight is not None
                                      else None)
            samples["biases"].append(sample(bias, sampled_values)
                                     if isinstance(bias, torch.Tensor) else None)
            samples["gradients"].append(sample(gradient, sampled_values)
                                        if gradient is not None else None)
            samples["activations"].append(self._activation_samples.get(index))
            weight_norms.append(_norm(weight))
            gradient_norms.append(_norm(gradient))
        self.disarm()
        health, self._health, self._activation_samples = self._health, [], {}
        names = tuple(layer_name(name, module) for name, module in self.layers)
        return LayerReading(names, samples, np.asarray(weight_norms, np.float64),
                            np.asarray(gradient_norms, np.float64), health)

    def close(self) -> None:
        self.disarm()

    # -- steering -------------------------------------------------------------------------
    def apply_setting(self, group: int, name: str, value: float) -> bool:
        """Set a group's ``lr``, ``momentum`` (Adam's β₁) or ``weight_decay``, in place: the
        optimiser reads its groups at every ``step()``, so the next update uses it."""
        groups = self.optimizer.param_groups if self.optimizer is not None else []
        if not 0 <= group < len(groups):
            return False
        settings = groups[group]
        if name == "learning_rate" and "lr" in settings:
            _set_number(settings, "lr", value)
        elif name == "momentum" and "momentum" in settings:
            settings["momentum"] = value
        elif name == "momentum" and "betas" in settings and value < 1:
            settings["betas"] = (value, *tuple(settings["betas"])[1:])
        elif name == "weight_decay" and "weight_decay" in settings:
            settings["weight_decay"] = value
        else:
            return False
        return True


def layer_name(path: str, module: torch.nn.Module) -> str:
    """A layer's name as panels show it: ``fc1 (Linear)``, whose legends keep ``fc1``; a
    ``Sequential``'s numbered child as ``Conv2d 0``, since a bare "0" says nothing."""
    kind = type(module).__name__
    if path.replace(".", "").isdigit():
        return f"{kind} {path}"
    return f"{path} ({kind})"


def _settings(index: int, size: int, group: dict[str, Any]) -> ParamGroupSettings:
    """A group's learning rate, momentum (Adam's β₁) and weight decay; NaN where absent."""
    momentum = group.get("momentum")
    if momentum is None and "betas" in group:
        momentum = group["betas"][0]
    return ParamGroupSettings(index, size, _number(group.get("lr")), _number(momentum),
                              _number(group.get("weight_decay")))


def _number(value: Any) -> float:
    """A setting as a float (a tensor learning rate too); NaN where there is none."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _set_number(settings: dict[str, Any], key: str, value: float) -> None:
    """A tensor learning rate (``lr=torch.tensor(…)``, for capturable optimisers) keeps its
    tensor and device; a number is replaced."""
    current = settings[key]
    if isinstance(current, torch.Tensor):
        current.fill_(value)
    else:
        settings[key] = value


def _main_parameter(module: torch.nn.Module) -> torch.Tensor | None:
    """The module's ``weight``, else its first parameter of its own."""
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        return weight
    return next(module.parameters(recurse=False), None)


def _norm(tensor: torch.Tensor | None) -> float:
    return float(torch.linalg.vector_norm(tensor.detach())) if tensor is not None else math.nan
