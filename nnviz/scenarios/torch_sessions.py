"""Sessions that train on torch: the MLP scenarios' network, and any other torch model (CNN).

:class:`TorchMLPSession` is what an MLP scenario builds when ``backend="torch"``: the NumPy
MLP is still created (it draws the initial weights and serves as the mirror the views are
computed from), the torch copy trains on the same batches, and the mirror is refreshed only
when a snapshot's views are due. Panels cannot tell which backend produced a snapshot.
torch is imported lazily through :mod:`nnviz.backends`; without torch, building a torch
session raises :class:`~nnviz.scenarios.base.MissingDependency` with the install command.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nnviz.backends.device import TORCH_INSTALL_HINT, pick_device, torch_available
from nnviz.core.views import ViewKinds
from nnviz.data.batches import EpochSampler
from nnviz.data.toy import Split
from nnviz.scenarios.base import MissingDependency, SessionBase, next_run_id
from nnviz.scenarios.mlp_training import (
    MLPConfig,
    MLPSession,
    learning_rate_at,
    optimizer_settings,
    split_metrics,
)
from nnviz.scenarios.params import Config


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


class TorchMLPSession(MLPSession):
    """The NumPy MLP's run, trained by torch on ``config.device``."""

    def __init__(self, scenario: str, config: MLPConfig, data: Split, **options: Any) -> None:
        from nnviz.backends.torch_mlp import TorchMLP
        from nnviz.backends.torch_training import TorchTrainer

        super().__init__(scenario, config, data, **options)
        self.device = pick_device(config.device)
        self.trainer = TorchTrainer(
            TorchMLP.from_numpy(self.model, device=self.device), config.optimizer,
            optimizer_settings(config), threads=config.torch_threads,
        )
        self._train_x = self.trainer.tensor(self.train_x)
        self._train_y = self.trainer.tensor(self.train_y, labels=True)
        self._test_x = self.trainer.tensor(self.test_x)
        self._test_y = self.trainer.tensor(self.test_y, labels=True)
        self._mirror_step = 0

    def train_step(self) -> dict[str, float]:
        """One update; ``loss`` is the batch's mean cross-entropy per example, without the
        penalty, as :meth:`MLPSession.train_step` reports it."""
        config = self.config
        inputs, labels = self.next_batch()
        rate = learning_rate_at(config, epoch=self.epoch, updates=self.step_count)
        self.optimizer.learning_rate = rate
        if len(labels) == self.n_train:
            batch_x, batch_y = self._train_x, self._train_y
        else:
            batch_x = self.trainer.tensor(inputs)
            batch_y = self.trainer.tensor(labels, labels=True)
        loss = self.trainer.step(batch_x, batch_y, learning_rate=rate,
                                 weight_decay=config.weight_decay,
                                 reduction=config.loss_reduction)
        self.step_count += 1
        self._examples_seen += len(labels)
        return {"loss": loss}

    def apply_live(self, values: Mapping[str, Any]) -> None:
        super().apply_live(values)
        self.trainer.set_optimizer(self.config.optimizer, optimizer_settings(self.config))

    def evaluate(self, inputs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        return self.trainer.evaluate(self.trainer.tensor(inputs),
                                     self.trainer.tensor(labels, labels=True))

    def metrics(self) -> dict[str, float]:
        train_loss, train_accuracy = self.trainer.evaluate(self._train_x, self._train_y)
        test_loss, test_accuracy = self.trainer.evaluate(self._test_x, self._test_y)
        return split_metrics(train_loss, test_loss, train_accuracy, test_accuracy,
                             self.optimizer.learning_rate, has_test=len(self._test_y) > 0)

    def sync_mirror(self) -> None:
        """Copy torch's parameters (and last gradients) into the NumPy model the views read."""
        if self._mirror_step == self.step_count and self.step_count:
            return
        self.model.set_params(self.trainer.model.numpy_params())
        if self.step_count:
            self.last_gradients = self.trainer.gradients()
        self._mirror_step = self.step_count

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        if kinds is None or kinds:
            self.sync_mirror()
        return super().views(kinds)

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return self.trainer.predict(self.trainer.tensor(inputs))

    def checkpoint(self) -> dict[str, Any]:
        return {"step_count": self.step_count, "params": self.trainer.model.state(),
                "examples_seen": self._examples_seen, "batches": self.batches.state()}

    def restore(self, state: dict[str, Any]) -> None:
        self.trainer.model.load_state(state["params"])
        self.step_count = state["step_count"]
        self._examples_seen = state["examples_seen"]
        self.restore_batches(state)
        self._mirror_step = -1
        self.optimizer.reset()
        self.trainer.reset_optimizer(optimizer_settings(self.config))


class TorchModelSession(SessionBase):
    """A run of any torch model with the backend interface (e.g. a TorchCNN) on a Split.

    Batches are drawn exactly as :class:`MLPSession` draws them (the same
    :class:`~nnviz.data.batches.EpochSampler` and seed), so a seed means the same batches on
    every backend.
    """

    def __init__(self, scenario: str, config: MLPConfig, data: Split, model_factory: Any
                 ) -> None:
        from nnviz.backends.torch_training import TorchTrainer

        self.run_id = next_run_id()
        self.scenario = scenario
        self.config: Config = config
        self.data = data
        self.step_count = 0
        self.device = pick_device(config.device)
        self.trainer = TorchTrainer(model_factory(self.device), config.optimizer,
                                    optimizer_settings(config), threads=config.torch_threads)
        self.train_x = np.asarray(data.train_x)
        self.train_y = np.asarray(data.train_y)
        self._train_x = self.trainer.tensor(data.train_x)
        self._train_y = self.trainer.tensor(data.train_y, labels=True)
        self._test_x = self.trainer.tensor(data.test_x)
        self._test_y = self.trainer.tensor(data.test_y, labels=True)
        self.learning_rate = config.learning_rate
        self.batches = EpochSampler(len(self.train_y), [config.seed, 1])
        self._examples_seen = 0

    @property
    def n_train(self) -> int:
        return len(self.train_y)

    @property
    def batch(self) -> int:
        return self.batches.effective(self.config.batch_size)

    @property
    def epoch(self) -> float:
        return self._examples_seen / max(self.n_train, 1)

    @property
    def steps_per_epoch(self) -> int:
        return self.batches.steps_per_epoch(self.config.batch_size)

    def next_batch_index(self) -> np.ndarray | None:
        """Positions of the next mini-batch in the training split (None: the whole split);
        see :mod:`nnviz.data.batches`."""
        return self.batches.next_indices(self.config.batch_size)

    def train_step(self) -> dict[str, float]:
        config = self.config
        index = self.next_batch_index()
        if index is None:
            batch_x, batch_y = self._train_x, self._train_y
        else:
            on_device = self.trainer.tensor(index, labels=True)
            batch_x, batch_y = self._train_x[on_device], self._train_y[on_device]
        self.learning_rate = learning_rate_at(config, epoch=self.epoch,
                                              updates=self.step_count)
        loss = self.trainer.step(batch_x, batch_y, learning_rate=self.learning_rate,
                                 weight_decay=config.weight_decay,
                                 reduction=config.loss_reduction)
        self.step_count += 1
        self._examples_seen += len(batch_y)
        return {"loss": loss}

    def apply_live(self, values: Mapping[str, Any]) -> None:
        self.config = self.config.with_values(values)
        self.trainer.set_optimizer(self.config.optimizer, optimizer_settings(self.config))

    def metrics(self) -> dict[str, float]:
        train_loss, train_accuracy = self.trainer.evaluate(self._train_x, self._train_y)
        test_loss, test_accuracy = self.trainer.evaluate(self._test_x, self._test_y)
        return split_metrics(train_loss, test_loss, train_accuracy, test_accuracy,
                             self.learning_rate, has_test=len(self._test_y) > 0)

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        return {}

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return self.trainer.predict(self.trainer.tensor(inputs))

    def checkpoint(self) -> dict[str, Any]:
        return {"step_count": self.step_count, "params": self.trainer.model.state(),
                "examples_seen": self._examples_seen, "batches": self.batches.state()}

    def restore(self, state: dict[str, Any]) -> None:
        self.trainer.model.load_state(state["params"])
        self.step_count = state["step_count"]
        self._examples_seen = state["examples_seen"]
        if "batches" in state:  # a checkpoint from before the sampler was saved: as is
            self.batches.restore(state["batches"])
        self.trainer.reset_optimizer(optimizer_settings(self.config))
