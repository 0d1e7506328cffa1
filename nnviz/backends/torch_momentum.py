"""SGD with momentum on torch, in exactly the form of :mod:`nnviz.core.optimizers`.

``torch.optim.SGD`` skips its momentum buffer while γ = 0 and keeps the stale one, so a live
change 0.9 → 0 → 0.5 resumes from the buffer of the 0.9 phase, where the NumPy optimiser
resumes from the last gradient. This optimiser updates the buffer at every step, whatever γ:

    b ← γ·b + g;  θ ← θ − η·b            (nesterov: θ ← θ − η·(g + γ·b))

With a constant γ > 0 it is step for step ``torch.optim.SGD(momentum=γ)`` (the tests check it).
Imported only once torch is known to be installed.
"""

from __future__ import annotations

import torch


class BufferMomentum(torch.optim.Optimizer):
    """Heavy-ball or Nesterov momentum; ``lr`` and ``momentum`` may change between steps."""

    def __init__(self, params, lr: float, momentum: float, nesterov: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            rate, gamma = group["lr"], group["momentum"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(param)
                buffer = state["momentum_buffer"]
                buffer.mul_(gamma).add_(param.grad)
                if group["nesterov"]:
                    param.add_(param.grad.add(buffer, alpha=gamma), alpha=-rate)
                else:
                    param.add_(buffer, alpha=-rate)
        return loss
