"""The torch engine of the one trainer, and the sessions that use it.

:class:`TorchEngine` is :class:`~nnviz.backends.torch_training.TorchTrainer` (which steps a
torch model on its device) made an :class:`~nnviz.scenarios.trainer.Engine`: the training
split lives on the device, a batch is an index into it. Given the NumPy MLP a run started
from, it keeps that MLP as the mirror the views read, refreshed only when a view asks for it,
so panels cannot tell which backend produced a snapshot.

:class:`TorchMLPSession` is what an MLP scenario builds when ``backend="torch"`` (the same
session on this engine); :class:`TorchModelSession` trains any torch model with the backend
interface (e.g. a TorchCNN). torch is imported lazily through :mod:`nnviz.backends`; without
torch, building a torch session raises :class:`~nnviz.scenarios.base.MissingDependency` with
the install command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnviz.backends.device import TORCH_INSTALL_HINT, pick_device, torch_available
from nnviz.core.mlp import MLP
from nnviz.data.toy import Split
from nnviz.scenarios.base import MissingDependency
from nnviz.scenarios.mlp_config import MLPConfig
from nnviz.scenarios.mlp_training import MLPSession
from nnviz.scenarios.trainer import (
    SPLITS,
    Engine,
    NumpyEngine,
    Trainer,
    in_precision,
    optimizer_settings,
)


def require_torch_backend(what: str = "backend=torch") -> None:
    if not torch_available():
        raise MissingDependency(f"{what} needs PyTorch, which is not installed: "
                                f"{TORCH_INSTALL_HINT}")


def build_mlp_session(scenario: str, config: MLPConfig, data: Split, **options: Any
                      ) -> MLPSession:
    """The MLP session for ``config.backend``: NumPy's, or the same network on torch."""
    if config.backend == "torch":
        require_torch_backend()
        return TorchMLPSession(scenario, config, data, **options)
    return MLPSession(scenario, config, data, **options)


def mlp_engine(model: MLP, config: MLPConfig, data: Split) -> Engine:
    """The engine that trains ``model`` on ``config.backend``: NumPy's, or torch's."""
    if config.backend == "torch":
        require_torch_backend()
        return torch_mlp_engine(model, config, data)
    return NumpyEngine(model, config, data)


def torch_mlp_engine(model: MLP, config: MLPConfig, data: Split) -> TorchEngine:
    """torch's copy of ``model`` on ``config.device``, with ``model`` as its mirror."""
    from nnviz.backends.torch_mlp import TorchMLP

    device = pick_device(config.device)
    return TorchEngine(TorchMLP.from_numpy(model, device=device), config, data, mirror=model)


def torch_model_engine(make_model: Callable[[Any], Any], config: MLPConfig, data: Split
                       ) -> TorchEngine:
    """An engine for any torch model with the backend interface, built on ``config.device``."""
    return TorchEngine(make_model(pick_device(config.device)), config, data)


class TorchEngine:
    """A torch model, its optimiser and the run's split on the model's device.

    :attr:`trainer` (a :class:`~nnviz.backends.torch_training.TorchTrainer`) takes the steps
    and applies torch's thread limit in whichever thread trains; :attr:`model` is its model.
    """

    def __init__(self, model: Any, config: MLPConfig, data: Split, *,
                 mirror: MLP | None = None) -> None:
        from nnviz.backends.torch_training import TorchTrainer

        self.trainer = TorchTrainer(model, config.optimizer, optimizer_settings(config),
                                    threads=config.torch_threads)
        self._precision = np.dtype(config.precision)
        self.set_data(data)
        self._mirror = mirror
        self._mirror_fresh = False
        self._updated = False
        self._gradients: list[np.ndarray] | None = None

    def set_data(self, data: Split) -> None:
        """The split in the model's precision, and on its device."""
        self.data = in_precision(data, self._precision)
        tensor = self.trainer.tensor
        self._on_device = {split: (tensor(getattr(self.data, x)),
                                   tensor(getattr(self.data, y), labels=True))
                           for split, (x, y) in SPLITS.items()}

    @property
    def model(self) -> Any:
        """The torch model being trained."""
        return self.trainer.model

    @property
    def device(self) -> Any:
        return self.trainer.device

    def update(self, index: np.ndarray | None, inputs: np.ndarray | None,
               learning_rate: float, config: Any) -> float:
        train_x, train_y = self._on_device["train"]
        if index is not None:
            rows = self.trainer.tensor(index, labels=True)
            train_x, train_y = train_x[rows], train_y[rows]
        if inputs is not None:
            train_x = self.trainer.tensor(inputs)
        loss = self.trainer.step(train_x, train_y, learning_rate=learning_rate,
                                 weight_decay=config.weight_decay,
                                 reduction=config.loss_reduction)
        self._mirror_fresh = False
        self._updated = True
        return loss

    def evaluate(self, split: str) -> tuple[float, float]:
        return self.trainer.evaluate(*self._on_device[split])

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return self.trainer.predict(self.trainer.tensor(inputs))

    def apply_live(self, config: Any, old: Any) -> None:
        self.trainer.set_optimizer(config.optimizer, optimizer_settings(config))

    def params_state(self) -> list[Any]:
        return self.model.state()

    def load_params(self, params: Any, config: Any) -> None:
        self.model.load_state(params)
        self._mirror_fresh = False
        self.trainer.reset_optimizer(optimizer_settings(config))

    def mirror(self) -> MLP | None:
        """The NumPy MLP with torch's parameters (and last gradients) copied in; None for
        a model that is not an MLP."""
        if self._mirror is not None and not self._mirror_fresh:
            self._mirror.set_params(self.model.numpy_params())
            if self._updated:
                self._gradients = self.trainer.gradients()
            self._mirror_fresh = True
        return self._mirror

    def last_gradients(self) -> list[np.ndarray] | None:
        self.mirror()
        return self._gradients


class TorchMLPSession(MLPSession):
    """The NumPy MLP's run, trained by torch on ``config.device``."""

    @staticmethod
    def new_engine(model: MLP, config: MLPConfig, data: Split) -> Engine:
        return torch_mlp_engine(model, config, data)


class TorchModelSession(Trainer):
    """A run of any torch model with the backend interface (e.g. a TorchCNN) on a Split:
    the trainer on the torch engine, with no views of its own. Batches are drawn as every
    trainer draws them, so a seed means the same batches on every backend."""

    def __init__(self, scenario: str, config: MLPConfig, data: Split,
                 model_factory: Callable[[Any], Any]) -> None:
        super().__init__(scenario, config, data,
                         torch_model_engine(model_factory, config, data))
