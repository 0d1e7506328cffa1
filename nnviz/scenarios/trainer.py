"""The one trainer under every gradient-trained session: model, optimiser, batches, counting.

A :class:`Trainer` owns what a run of gradient descent needs and nothing it shows: the
training and test arrays, the :class:`~nnviz.data.batches.EpochSampler`, the step and
example counts, the learning-rate schedule, live hyperparameter changes, the scalar metrics
and the checkpoint that takes a run back after a divergence. What differs between backends
is only how one batch updates the parameters and how a split is scored; that is an
:class:`Engine`: :class:`NumpyEngine` here (the NumPy MLP and the optimisers of
:mod:`nnviz.core.optimizers`), ``TorchEngine`` in :mod:`nnviz.scenarios.torch_sessions` (any
torch model; torch stays an optional import).

A session that shows a network training is a trainer plus its views: the MLP scenarios'
session (:mod:`nnviz.scenarios.mlp_training`) and the digits session derive from
:class:`Trainer` and add ``views``; hotdog's new layer is a bare trainer. Views read the
network through :meth:`Engine.mirror`, the NumPy MLP brought up to the step trained, so a
panel cannot tell which backend ran.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from nnviz.core.losses import accuracy
from nnviz.core.mlp import MLP
from nnviz.core.optimizers import make_optimizer
from nnviz.core.schedules import schedule_position, scheduled_rate
from nnviz.data.batches import EpochSampler
from nnviz.data.point_edits import DATA_EDITS, DataEdit
from nnviz.data.toy import Split
from nnviz.scenarios.base import SessionBase, next_run_id
from nnviz.scenarios.params import Config

OPTIMIZER_HYPER = ("learning_rate", "momentum", "beta1", "beta2", "rho", "epsilon")

#: how long a step waits when there is no training point to learn from (all erased)
NO_DATA_WAIT_SECONDS = 0.05

#: the arrays of a drawn data set a checkpoint carries
DRAWN_ARRAYS = ("train_x", "train_y", "test_x", "test_y")

#: where each split's arrays sit in a :class:`~nnviz.data.toy.Split`
SPLITS = {"train": ("train_x", "train_y"), "test": ("test_x", "test_y")}


def optimizer_settings(config: Config) -> dict[str, float]:
    """The optimiser hyperparameters among ``config``'s, by name."""
    values = config.as_dict()
    return {k: values[k] for k in OPTIMIZER_HYPER if k in values}


def learning_rate_at(config: Any, *, epoch: float, updates: int) -> float:
    """η of the next update by the config's schedule, counted in its ``lr_step_unit``
    (``updates``: how many updates were taken before this one)."""
    position = schedule_position(config.lr_step_unit, epoch=epoch, updates=updates)
    return scheduled_rate(config.lr_schedule, config.learning_rate, position,
                          every=config.lr_step_epochs, factor=config.lr_decay)


def split_metrics(train_loss: float, test_loss: float, train_accuracy: float,
                  test_accuracy: float, learning_rate: float, *, has_test: bool
                  ) -> dict[str, float]:
    """The scalar report of a train/test run. With no test split (``test_fraction=0``) the
    test entries are left out rather than NaN, which the loop would read as a divergence."""
    metrics = {
        "train_loss": train_loss,
        "test_loss": test_loss,
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "learning_rate": learning_rate,
    }
    if not has_test:
        del metrics["test_loss"], metrics["test_accuracy"]
    return metrics


def new_mlp(config: Any, n_features: int, n_classes: int) -> MLP:
    """The NumPy MLP a config describes, its weights drawn from ``config.seed``."""
    return MLP(n_features, config.hidden_sizes, n_classes, activation=config.activation,
               output=config.output, init=config.init, bias_init=config.bias_init,
               seed=config.seed, dtype=np.dtype(config.precision))


def in_precision(data: Split, dtype: np.dtype) -> Split:
    """``data`` with its inputs as contiguous arrays of ``dtype`` (the model's), so a batch
    is a row slice and no step converts."""
    return replace(data, train_x=np.ascontiguousarray(data.train_x, dtype=dtype),
                   train_y=np.asarray(data.train_y),
                   test_x=np.ascontiguousarray(data.test_x, dtype=dtype),
                   test_y=np.asarray(data.test_y))


class Engine(Protocol):
    """How one backend updates parameters and scores them; the :class:`Trainer` does the rest.

    ``data`` is the run's split in the model's precision. A batch is named by ``index``
    (rows of the training split; None: all of them) and, when the trainer augments, given
    as ``inputs`` (the augmented rows, labelled by the rows of ``index``).
    """

    data: Split

    def update(self, index: np.ndarray | None, inputs: np.ndarray | None,
               learning_rate: float, config: Any) -> float:
        """One update on the batch; its mean cross-entropy per example before the update,
        without the penalty (the quantity of :data:`nnviz.session.TRACE_LABELS`)."""
        ...

    def evaluate(self, split: str) -> tuple[float, float]:
        """Mean cross-entropy (no penalty) and accuracy on split ``"train"`` or ``"test"``."""
        ...

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(class probabilities, last hidden layer's activations or None) of ``inputs``."""
        ...

    def apply_live(self, config: Any, old: Any) -> None:
        """Take ``config``'s optimiser: a new one (fresh state) when its name changed, else
        its new hyperparameters."""
        ...

    def params_state(self) -> Any:
        """A copy of the parameters, for a checkpoint."""
        ...

    def load_params(self, params: Any, config: Any) -> None:
        """Set the parameters from :meth:`params_state` and start the optimiser afresh."""
        ...

    def mirror(self) -> MLP | None:
        """The NumPy MLP the views read, up to the step trained (None: not an MLP)."""
        ...

    def set_data(self, data: Split) -> None:
        """Train and score on ``data`` from the next update (points drawn or erased)."""
        ...

    def last_gradients(self) -> list[np.ndarray] | None:
        """The last update's gradients in :meth:`mirror`'s parameter order (None: none)."""
        ...


class NumpyEngine:
    """The NumPy MLP and an optimiser of :mod:`nnviz.core.optimizers`."""

    def __init__(self, model: MLP, config: Any, data: Split) -> None:
        self.model = model
        self.data = in_precision(data, model.dtype)
        self.optimizer = make_optimizer(config.optimizer, **optimizer_settings(config))
        self.gradients: list[np.ndarray] | None = None

    def update(self, index: np.ndarray | None, inputs: np.ndarray | None,
               learning_rate: float, config: Any) -> float:
        data = self.data
        labels = data.train_y if index is None else data.train_y[index]
        if inputs is None:
            inputs = data.train_x if index is None else data.train_x[index]
        self.optimizer.learning_rate = learning_rate
        _, grads, _ = self.model.loss_and_gradients(
            inputs, labels, weight_decay=config.weight_decay, reduction=config.loss_reduction)
        self.optimizer.step(self.model.params, grads)
        self.gradients = grads
        return self.model.batch_mean_loss

    def evaluate(self, split: str) -> tuple[float, float]:
        inputs, labels = (getattr(self.data, name) for name in SPLITS[split])
        if not len(labels):
            return math.nan, math.nan
        logits = self.model.forward(inputs).logits
        loss = self.model.output.loss(logits, labels, "mean")
        return loss, accuracy(self.model.output.probabilities(logits), labels)

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        forward = self.model.forward(inputs)
        hidden = forward.activations[-2] if self.model.n_layers > 1 else None
        return forward.activations[-1], hidden

    def apply_live(self, config: Any, old: Any) -> None:
        if config.optimizer != old.optimizer:
            self.optimizer = make_optimizer(config.optimizer, **optimizer_settings(config))
        else:
            self.optimizer.set(**optimizer_settings(config))

    def params_state(self) -> list[np.ndarray]:
        return self.model.copy_params()

    def load_params(self, params: Any, config: Any) -> None:
        self.model.set_params(params)
        self.optimizer.reset()

    def mirror(self) -> MLP:
        """The model itself: the NumPy engine trains the network the views read."""
        return self.model

    def set_data(self, data: Split) -> None:
        self.data = in_precision(data, self.model.dtype)

    def last_gradients(self) -> list[np.ndarray] | None:
        return self.gradients


class Trainer(SessionBase):
    """One run of mini-batch gradient descent: the training half of the Session protocol.

    ``step_count`` counts updates, ``epoch`` is examples seen / training examples.
    ``learning_rate`` is the η of the last update (the config's before the first and
    right after a live change), the value the metrics report. ``augment``, when set, gives
    fresh inputs for the training rows of each batch (hotdog's random crops).
    """

    def __init__(self, scenario: str, config: Any, data: Split, engine: Engine) -> None:
        self.run_id = next_run_id()
        self.scenario = scenario
        self.config = config
        self.data = data
        self.engine = engine
        arrays = engine.data
        self.train_x, self.train_y = arrays.train_x, arrays.train_y
        self.test_x, self.test_y = arrays.test_x, arrays.test_y
        self.batches = EpochSampler(len(self.train_y), [config.seed, 1])
        self.step_count = 0
        self.examples_seen = 0
        #: how often the data set was edited (:meth:`replace_data`), and the epochs and
        #: examples counted when it last was: the epoch goes on from there at the new size
        self.data_version = 0
        self._epochs_at_edit = 0.0
        self._examples_at_edit = 0
        self.learning_rate = float(config.learning_rate)
        self.augment: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def model(self) -> MLP | None:
        """The NumPy MLP the views read, at the step trained (None: the engine trains
        another kind of model, e.g. a CNN)."""
        return self.engine.mirror()

    @property
    def n_train(self) -> int:
        return len(self.train_y)

    @property
    def batch(self) -> int:
        """Examples per update at the current batch size."""
        return self.batches.effective(self.config.batch_size)

    @property
    def epoch(self) -> float:
        since_edit = self.examples_seen - self._examples_at_edit
        return self._epochs_at_edit + since_edit / max(self.n_train, 1)

    def replace_data(self, data: Split) -> None:
        """Train on ``data`` from the next step, keeping the network and the optimiser (a
        person drew or erased points): the engine's arrays, and a sampler over the new
        count, so steps per epoch follow it; the epoch count goes on from where it was."""
        self._epochs_at_edit, self._examples_at_edit = self.epoch, self.examples_seen
        self.data = data
        self.engine.set_data(data)
        arrays = self.engine.data
        self.train_x, self.train_y = arrays.train_x, arrays.train_y
        self.test_x, self.test_y = arrays.test_x, arrays.test_y
        self.data_version += 1
        self.batches = EpochSampler(len(self.train_y),
                                    [self.config.seed, 1, self.data_version])

    @property
    def steps_per_epoch(self) -> int:
        return self.batches.steps_per_epoch(self.config.batch_size)

    def next_batch_index(self) -> np.ndarray | None:
        """Positions of the next mini-batch in the training split (None: the whole split);
        see :mod:`nnviz.data.batches`."""
        return self.batches.next_indices(self.config.batch_size)

    def train_step(self) -> dict[str, float]:
        """One update at the scheduled η; its trace value ``loss`` is the batch's mean
        cross-entropy per example before the update, without the penalty (see
        :data:`nnviz.session.TRACE_LABELS`), whatever ``loss_reduction`` scales the step by."""
        config = self.config
        if not self.n_train:  # every point erased: wait for some, do not divide by none
            time.sleep(NO_DATA_WAIT_SECONDS)
            return {}
        index = self.next_batch_index()
        inputs = self._augmented(index) if self.augment is not None else None
        rate = learning_rate_at(config, epoch=self.epoch, updates=self.step_count)
        loss = self.engine.update(index, inputs, rate, config)
        self.learning_rate = rate
        self.step_count += 1
        self.examples_seen += self.n_train if index is None else len(index)
        return {"loss": loss}

    def _augmented(self, index: np.ndarray | None) -> np.ndarray:
        """The augmented inputs of the batch's rows (every row for the full batch)."""
        assert self.augment is not None
        rows = np.arange(self.n_train) if index is None else index
        return np.ascontiguousarray(self.augment(rows), dtype=self.train_x.dtype)

    def apply_live(self, values: Mapping[str, Any]) -> None:
        values = dict(values)
        edits = values.pop(DATA_EDITS, ())
        if edits:
            self.apply_data_edits(edits)
        if not values:
            return
        old = self.config
        self.config = old.with_values(values)
        self.engine.apply_live(self.config, old)
        self.learning_rate = float(self.config.learning_rate)

    def apply_data_edits(self, edits: Sequence[DataEdit]) -> None:
        """Apply points drawn, erased, undone (:mod:`nnviz.data.point_edits`); a session
        whose data cannot be drawn on ignores them (its panels offer no drawing)."""

    def metrics(self) -> dict[str, float]:
        """Mean cross-entropy (without the penalty) and accuracy on each split, at this step."""
        no_score = (math.nan, math.nan)
        train_loss, train_accuracy = self.engine.evaluate("train") if self.n_train else no_score
        test_loss, test_accuracy = self.engine.evaluate("test") if len(self.test_y) else no_score
        metrics = split_metrics(train_loss, test_loss, train_accuracy, test_accuracy,
                                self.learning_rate, has_test=len(self.test_y) > 0)
        if not self.n_train:  # left out, not NaN: the loop would read NaN as a divergence
            del metrics["train_loss"], metrics["train_accuracy"]
        return metrics

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(class probabilities, last hidden layer's activations or None) of ``inputs``."""
        return self.engine.predict(inputs)

    def checkpoint(self) -> dict[str, Any]:
        """Parameters, counts and the sampler's place: plain values a run file can hold."""
        state = {
            "step_count": self.step_count,
            "params": self.engine.params_state(),
            "examples_seen": self.examples_seen,
            "batches": self.batches.state(),
        }
        if self.data_version:  # the sampler's place is of the data set as edited then
            state["data_version"] = self.data_version
            # a drawn data set is the run's too: a saved run trains on it again (arrays are
            # never changed in place, so this shares them and copies nothing)
            state["drawn_data"] = {name: getattr(self.data, name) for name in DRAWN_ARRAYS}
            state["epoch"] = self.epoch
        return state

    def restore(self, state: dict[str, Any]) -> None:
        """Go back to a :meth:`checkpoint`: the same batches follow, the optimiser starts
        afresh (a checkpoint from before the sampler was saved leaves the sampler as is)."""
        self.engine.load_params(state["params"], self.config)
        if "drawn_data" in state and not self.data_version:  # a saved run's drawing, once
            self.set_drawn_data(drawn_split(self.data, state["drawn_data"]))
        self.step_count = state["step_count"]
        self.examples_seen = state["examples_seen"]
        if "drawn_data" in state and "epoch" in state:
            self._epochs_at_edit = float(state["epoch"])
            self._examples_at_edit = self.examples_seen
        if "batches" in state and state.get("data_version", 0) == self.data_version:
            self.batches.restore(state["batches"])  # (an edited set's sampler starts anew)

    def set_drawn_data(self, data: Split) -> None:
        """Train on a drawn data set from the next step (a saved run's, restored); sessions
        that draw their points override it to draw these."""
        self.replace_data(data)


def drawn_split(data: Split, stored: Mapping[str, Any]) -> Split:
    """``data`` with the arrays of a checkpoint's drawn data set, once they fit it (a run
    file's arrays: the same input width, one target per row, the classes it knows)."""
    arrays = {name: np.asarray(stored.get(name)) for name in DRAWN_ARRAYS}
    for split in ("train", "test"):
        x, y = arrays[f"{split}_x"], arrays[f"{split}_y"]
        if x.ndim != 2 or x.shape[1] != data.n_features or y.shape != (len(x),) \
                or x.dtype.kind != "f" or y.dtype.kind not in "iuf":
            raise ValueError(f"the saved drawn {split} points do not fit this data set")
        if y.dtype.kind in "iu" and len(y) and (y.min() < 0 or y.max() >= data.n_classes):
            raise ValueError(f"the saved drawn {split} points name an unknown class")
    return replace(data, **arrays)
