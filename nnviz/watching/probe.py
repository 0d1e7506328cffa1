"""What a :class:`~nnviz.watching.watcher.Watcher` asks of the model it watches.

The watcher knows no framework: a probe reads the model and its optimiser and hands back plain
NumPy. :class:`nnviz.backends.torch_watch.TorchProbe` is the PyTorch one (hooks and tensor
samples stay in the backends, the only package that imports torch); :class:`ScalarsOnly`
watches a loop without a model (only the scalars passed to ``step``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from nnviz.core.watch_readings import LayerReading, ParamGroupSettings


class Probe(Protocol):
    """Reads one model and optimiser for a watcher; every method is cheap unless it samples."""

    def summary(self) -> str:
        """The model in one line (its class, layers and parameter count)."""
        ...

    def group_settings(self) -> tuple[ParamGroupSettings, ...]:
        """Every parameter group's settings now (read at every step: dictionary look-ups)."""
        ...

    def arm(self) -> None:
        """Install the forward hooks that measure the next forward pass (one batch only)."""
        ...

    def read(self, sampled_values: int) -> LayerReading:
        """Sample weights and gradients (at most ``sampled_values`` of each tensor), collect
        what the armed hooks measured, and remove the hooks."""
        ...

    def close(self) -> None:
        """Remove every hook; the model is left as it was found."""
        ...

    def apply_setting(self, group: int, name: str, value: float) -> bool:
        """Set ``name`` (``learning_rate``, ``momentum`` or ``weight_decay``) of parameter
        group ``group`` to ``value`` (the app's steering); False where there is no such
        group or setting."""
        ...


class ScalarsOnly:
    """A probe for a loop without a model: no layers, no groups, only ``step``'s scalars."""

    def summary(self) -> str:
        return "no model (scalars only)"

    def group_settings(self) -> tuple[ParamGroupSettings, ...]:
        return ()

    def arm(self) -> None:
        pass

    def read(self, sampled_values: int) -> LayerReading:
        return LayerReading((), {}, np.zeros(0), np.zeros(0))

    def close(self) -> None:
        pass

    def apply_setting(self, group: int, name: str, value: float) -> bool:
        return False
