"""The hyperparameters and the session shared by every scenario that trains the NumPy MLP.

:class:`MLPConfig` declares the network and optimiser knobs once; scenarios add their data
knobs by subclassing. :class:`MLPSession` trains an :class:`~nnviz.core.mlp.MLP` on a
:class:`~nnviz.data.toy.Split` with mini-batches drawn from a seeded permutation per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.backends.device import DEVICES
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.initializers import BIAS_INITIALIZERS, INITIALIZERS
from nnviz.core.losses import accuracy
from nnviz.core.mlp import MLP
from nnviz.core.optimizers import OPTIMIZERS, make_optimizer
from nnviz.core.schedules import SCHEDULES, STEP_UNITS, schedule_position, scheduled_rate
from nnviz.core.views import (
    DecisionGrid,
    DistributionRecorder,
    HistogramSet,
    InputPlane,
    NetworkView,
    StableBins,
    ViewKinds,
    grid_points,
    padded_extent,
    thinned,
    unit_grids,
    wanted_views,
)
from nnviz.data.batches import EpochSampler
from nnviz.data.toy import Split
from nnviz.scenarios.base import SessionBase, next_run_id
from nnviz.scenarios.mlp_histograms import mlp_histograms
from nnviz.scenarios.params import Config, ParamError, param

OPTIMIZER_HYPER = ("learning_rate", "momentum", "beta1", "beta2", "rho", "epsilon")


@dataclass(frozen=True)
class MLPConfig(Config):
    hidden_sizes: tuple[int, ...] = param(
        (8,), minimum=1, maximum=512, min_length=0, max_length=8,
        help="units per hidden layer, e.g. 8 or 8,8; empty for logistic regression",
        label="Hidden layers",
    )
    activation: str = param("tanh", choices=ACTIVATIONS, help="hidden-layer non-linearity")
    init: str = param("xavier", choices=INITIALIZERS, label="Initialiser",
                      help="how the weights are drawn at the start of a run")
    bias_init: str = param("zeros", choices=BIAS_INITIALIZERS, label="Bias initialiser",
                           help="zeros (as torch and the classic scripts), or a weight "
                                "initialiser's name: each bias drawn as that one draws a weight")
    output: str = param("softmax", choices=("softmax", "sigmoid"), advanced=True,
                        help="softmax + cross-entropy, or one sigmoid unit + BCE (2 classes)")
    optimizer: str = param("momentum", choices=OPTIMIZERS, live=True, group="optimiser",
                           help="switching keeps the weights and starts fresh optimiser state")
    learning_rate: float = param(0.1, minimum=1e-6, maximum=10.0, log_scale=True, live=True,
                                 group="optimiser", label="Learning rate",
                                 help="step size η")
    momentum: float = param(0.9, minimum=0.0, maximum=0.999, live=True, group="optimiser",
                            help="γ of momentum and Nesterov")
    beta1: float = param(0.9, minimum=0.0, maximum=0.9999, live=True, group="optimiser",
                         advanced=True, label="Adam β₁")
    beta2: float = param(0.999, minimum=0.0, maximum=0.99999, live=True, group="optimiser",
                         advanced=True, label="Adam β₂")
    rho: float = param(0.99, minimum=0.0, maximum=0.99999, live=True, group="optimiser",
                       advanced=True, label="RMSProp ρ")
    epsilon: float = param(1e-8, minimum=1e-12, maximum=1.0, log_scale=True, live=True,
                           group="optimiser", advanced=True, label="ε")
    weight_decay: float = param(0.0, minimum=0.0, maximum=10.0, live=True, group="optimiser",
                                label="Weight decay", help="L2 penalty λ/2·Σ‖W‖²")
    batch_size: int = param(0, minimum=0, maximum=1_000_000, live=True, group="optimiser",
                            help="examples per update; 0 = full batch, 1 = one at a time")
    loss_reduction: str = param("mean", choices=("mean", "sum"), live=True, group="optimiser",
                                help="sum reproduces tutorial code that sums per-example "
                                     "gradients")
    lr_schedule: str = param("constant", choices=SCHEDULES, live=True, group="optimiser",
                             label="LR schedule")
    lr_step_epochs: float = param(100.0, minimum=0.01, maximum=1e6, live=True,
                                  group="optimiser", advanced=True, label="LR step every",
                                  help="the step schedule multiplies η by the decay factor "
                                       "this often, counted in the LR step unit")
    lr_step_unit: str = param("epochs", choices=STEP_UNITS, live=True, group="optimiser",
                              advanced=True, label="LR step unit",
                              help="what the step and exponential schedules count: epochs, "
                                   "or updates (the classic step-decay experiment's \"epochs\")")
    lr_decay: float = param(0.1, minimum=1e-6, maximum=1.0, live=True, group="optimiser",
                            advanced=True, label="LR decay factor")
    seed: int = param(0, minimum=0, maximum=2**31 - 1, group="data",
                      help="same seed: same data, same initial weights, same batches")
    data_seed: int | None = param(None, kind="optional_int", minimum=0, maximum=2**31 - 1,
                                  group="data", advanced=True, label="Data seed",
                                  help="draws the data and its split; empty follows seed. Fix "
                                       "it and vary seed to train the same data from several "
                                       "starts")
    precision: str = param("float32", choices=("float32", "float64"), advanced=True,
                           help="float64 for exact comparisons; float32 is faster")
    backend: str = param("numpy", choices=("numpy", "torch"), group="engine",
                         help="numpy, or the same network on PyTorch (optional install)")
    device: str = param("auto", choices=DEVICES, group="engine",
                        help="torch device; auto picks cuda, then mps, then cpu")
    torch_threads: int = param(1, minimum=1, maximum=64, group="engine", advanced=True,
                               label="Torch CPU threads",
                               help="1 keeps the GUI smooth on small machines")

    def check(self) -> None:
        n_classes = getattr(self, "n_classes", 2)  # None: known once a data file is read
        if self.output == "sigmoid" and n_classes not in (None, 2):
            raise ParamError("output='sigmoid' needs a two-class dataset; use softmax")


def optimizer_settings(config: Config) -> dict[str, float]:
    """The optimiser hyperparameters among ``config``'s, by name."""
    values = config.as_dict()
    return {k: values[k] for k in OPTIMIZER_HYPER if k in values}


def learning_rate_at(config: MLPConfig, *, epoch: float, updates: int) -> float:
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


class MLPSession(SessionBase):
    """One training run of the NumPy MLP on a fixed train/test split."""

    #: how many training points the histograms of pre-activations/activations look at
    histogram_sample = 512

    def __init__(self, scenario: str, config: MLPConfig, data: Split, *,
                 grid_resolution: int | None = None,
                 input_plane: InputPlane | None = None) -> None:
        self.run_id = next_run_id()
        self.scenario = scenario
        self.config = config
        self.data = data
        self.step_count = 0
        self.grid_resolution = grid_resolution
        self.model = MLP(
            data.n_features, config.hidden_sizes, data.n_classes,
            activation=config.activation, output=config.output, init=config.init,
            bias_init=config.bias_init, seed=config.seed, dtype=np.dtype(config.precision),
        )
        dtype = self.model.dtype
        self.train_x = np.ascontiguousarray(data.train_x, dtype=dtype)
        self.train_y = np.asarray(data.train_y)
        self.test_x = np.ascontiguousarray(data.test_x, dtype=dtype)
        self.test_y = np.asarray(data.test_y)
        self.optimizer = make_optimizer(config.optimizer, **optimizer_settings(config))
        self.batches = EpochSampler(len(self.train_x), [config.seed, 1])
        self._examples_seen = 0
        self.last_gradients: list[np.ndarray] | None = None
        self._bins = StableBins()
        self._distributions = DistributionRecorder()
        #: the slice of input space the boundary is drawn on when there are not 2 features
        self.input_plane = input_plane if data.n_features != 2 else None
        if data.n_features == 2 or self.input_plane is not None:
            self._set_up_plane(grid_resolution or 200)
        else:
            self._extent = None
            self._grid = None

    def _set_up_plane(self, resolution: int) -> None:
        """The decision grid's plane (the inputs' own for two features, else
        ``input_plane``), its grid as model inputs, and the points drawn on it: projected onto
        a slice, at most :data:`~nnviz.core.views.MAX_DRAWN_POINTS` per split."""
        data, plane = self.data, self.input_plane
        if plane is None:
            self._extent = data.bounds()
            grid, drawn = grid_points(self._extent, resolution), (data.train_x, data.test_x)
        else:
            drawn = (plane.coordinates(data.train_x), plane.coordinates(data.test_x))
            self._extent = padded_extent(np.concatenate(drawn))
            grid = plane.inputs_at(grid_points(self._extent, resolution))
        self._grid = grid.astype(self.model.dtype)
        self._drawn = (*thinned(drawn[0], data.train_y), *thinned(drawn[1], data.test_y))
        names = data.feature_names if plane is None and data.feature_names else ("", "")
        x_label, y_label = (plane.x_label, plane.y_label) if plane is not None else names
        notes = [plane.title] if plane is not None else []
        if len(self._drawn[0]) < len(data.train_y) or len(self._drawn[2]) < len(data.test_y):
            notes.append(f"{len(self._drawn[0]):,} of {len(data.train_y):,} training and "
                         f"{len(self._drawn[2]):,} of {len(data.test_y):,} test points drawn")
        self._plane_text = (x_label, y_label, " · ".join(notes))

    # -- the protocol -----------------------------------------------------------------------
    @property
    def n_train(self) -> int:
        return len(self.train_x)

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

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next mini-batch: epochs are seeded permutations, read in order."""
        index = self.next_batch_index()
        if index is None:
            return self.train_x, self.train_y
        return self.train_x[index], self.train_y[index]

    def train_step(self) -> dict[str, float]:
        """One update; its trace value ``loss`` is the batch's mean cross-entropy per example
        before the update, without the penalty (see :data:`nnviz.session.TRACE_LABELS`): the
        quantity of the ``train_loss`` metric, whatever ``loss_reduction`` scales the step by.
        """
        config = self.config
        inputs, labels = self.next_batch()
        self.optimizer.learning_rate = learning_rate_at(config, epoch=self.epoch,
                                                        updates=self.step_count)
        _, grads, _ = self.model.loss_and_gradients(
            inputs, labels, weight_decay=config.weight_decay, reduction=config.loss_reduction
        )
        self.optimizer.step(self.model.params, grads)
        self.last_gradients = grads
        self.step_count += 1
        self._examples_seen += len(labels)
        return {"loss": self.model.batch_mean_loss}

    def apply_live(self, values: Mapping[str, Any]) -> None:
        old = self.config
        self.config = old.with_values(values)
        if self.config.optimizer != old.optimizer:
            self.optimizer = make_optimizer(self.config.optimizer,
                                            **optimizer_settings(self.config))
        else:
            self.optimizer.set(**optimizer_settings(self.config))

    def evaluate(self, inputs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy and accuracy of the current model on one split."""
        if not len(labels):
            return math.nan, math.nan
        logits = self.model.forward(inputs).logits
        loss = self.model.output.loss(logits, labels, "mean")
        return loss, accuracy(self.model.output.probabilities(logits), labels)

    def metrics(self) -> dict[str, float]:
        """Mean cross-entropy (without the penalty) and accuracy on each split, at this step."""
        train_loss, train_accuracy = self.evaluate(self.train_x, self.train_y)
        test_loss, test_accuracy = self.evaluate(self.test_x, self.test_y)
        return split_metrics(train_loss, test_loss, train_accuracy, test_accuracy,
                             self.optimizer.learning_rate, has_test=len(self.test_y) > 0)

    def predict(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(class probabilities, last hidden layer's activations or None) of ``inputs``."""
        forward = self.model.forward(inputs)
        hidden = forward.activations[-2] if self.model.n_layers > 1 else None
        return forward.activations[-1], hidden

    def sync_mirror(self) -> None:
        """Bring :attr:`model`, which the views read, up to the step trained. The NumPy
        engine trains it itself: nothing to do (the torch engine copies its parameters in)."""

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        return wanted_views({
            "histograms": self.histograms,
            "network": self.network,
            "decision_grid": self.decision_grid if self._grid is not None else None,
        }, kinds)

    def checkpoint(self) -> dict[str, Any]:
        return {
            "step_count": self.step_count,
            "params": self.model.copy_params(),
            "examples_seen": self._examples_seen,
            "batches": self.batches.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.model.set_params(state["params"])
        self.step_count = state["step_count"]
        self._examples_seen = state["examples_seen"]
        self.restore_batches(state)
        self.optimizer.reset()

    def restore_batches(self, state: dict[str, Any]) -> None:
        """Put the sampler back where the checkpoint was taken, so the batches that followed
        it follow again (a checkpoint from before the sampler was saved leaves it as is)."""
        if "batches" in state:
            self.batches.restore(state["batches"])

    # -- views ------------------------------------------------------------------------------
    def decision_grid(self) -> DecisionGrid:
        resolution = self.grid_resolution or 200
        probabilities = self.model.predict_proba(self._grid)
        train_points, train_labels, test_points, test_labels = self._drawn
        x_label, y_label, title = self._plane_text
        return DecisionGrid(
            extent=self._extent,
            probabilities=probabilities.reshape(resolution, resolution, -1).astype(np.float32),
            train_points=train_points,
            train_labels=train_labels,
            test_points=test_points,
            test_labels=test_labels,
            class_names=self.data.class_names,
            x_label=x_label,
            y_label=y_label,
            title=title,
        )

    def network(self) -> NetworkView:
        grids: tuple[np.ndarray, ...] = ()
        # on a slice of wider inputs, node pictures would show the slice's coordinates as if
        # they were the first two inputs: there the network is drawn without pictures
        extent = self._extent if self.input_plane is None else None
        if extent is not None and len(self.model.sizes) > 2:
            def hidden(points: np.ndarray) -> list[np.ndarray]:
                return self.model.forward(points).activations[1:-1]
            grids = unit_grids(hidden, extent, 40)
        return NetworkView(
            sizes=tuple(self.model.sizes),
            weights=tuple(w.copy() for w in self.model.weights),
            biases=tuple(b.copy() for b in self.model.biases),
            extent=extent,
            unit_grids=grids,
            activation=self.config.activation,
        )

    def histograms(self) -> HistogramSet:
        sample = slice(0, self.histogram_sample)
        return mlp_histograms(self.model, self.train_x[sample], self.train_y[sample],
                              self.last_gradients, self.step_count, self._bins,
                              self._distributions, self.config.activation)
