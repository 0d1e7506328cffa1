"""The backprop scenario: the compute graph of a small MLP on a batch, walked step by step.

Every update takes the next batch of 1 to 8 training examples (epochs are seeded permutations,
read in order) and applies plain gradient descent, W ← W − η∂L/∂W. Before it, a snapshot's
views hold the walk through that batch (:mod:`nnviz.core.backprop_steps`: forward, backward,
parameter gradients, Apply) and the gradient check of the gradients the update will use
(:mod:`nnviz.core.gradient_check`, and torch.autograd where torch is installed).

A planted mistake (``mistake``) changes one line of the backward pass; the update then uses
the wrong gradients, as the tutorial code with that bug would, and the check flags them. With
no mistake the update uses the MLP's own :meth:`~nnviz.core.mlp.MLP.loss_and_gradients`.
The network is float64 throughout, so the check measures the gradient, not the precision.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.backends.device import TORCH_INSTALL_HINT, torch_available
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.backprop import MISTAKES, chain_rule, mistake_cannot_show, too_big_to_draw
from nnviz.core.backprop_steps import make_walk
from nnviz.core.backprop_walk import BackpropWalk
from nnviz.core.gradient_check import GradientCheck, check_gradients, numerical_gradients
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.losses import accuracy
from nnviz.core.mlp import MLP
from nnviz.core.optimizers import make_optimizer
from nnviz.core.views import ViewKinds, wanted_views
from nnviz.data.batches import EpochSampler
from nnviz.data.toy import TOY_CLASSES, TOY_DATASETS, Split, make_toy
from nnviz.scenarios.base import Scenario, SessionBase, next_run_id
from nnviz.scenarios.params import Config, ParamError, param
from nnviz.scenarios.registry import register
from nnviz.scenarios.trainer import split_metrics

#: the most examples a walked batch may hold (the tutorials work one by hand)
MAX_BATCH = 8


@dataclass(frozen=True)
class BackpropConfig(Config):
    dataset: str = param("moons", choices=TOY_DATASETS, group="data",
                         help="moons, circles, xor, spiral, or three Gaussian blobs "
                              "(three classes: softmax output)")
    features: int = param(2, minimum=1, maximum=2, group="data", label="Input features",
                          help="2: both coordinates; 1: only the first, x₁ (every input "
                               "matrix one column)")
    n_samples: int = param(200, minimum=10, maximum=5000, group="data", label="Samples",
                           help="points in the dataset (train + test)")
    noise: float = param(0.2, minimum=0.0, maximum=2.0, group="data",
                         help="σ of the Gaussian jitter added to each point")
    test_fraction: float = param(0.25, minimum=0.0, maximum=0.9, group="data",
                                 label="Test fraction", help="share of points held out")
    hidden_sizes: tuple[int, ...] = param(
        (3,), minimum=1, maximum=64, min_length=0, max_length=8, label="Hidden layers",
        help="units per hidden layer, e.g. 3 or 4,4; empty: no hidden layer (one neuron, or "
             "one per class with softmax). The compute graph is drawn for up to 3 hidden "
             "layers of up to 10 units")
    activation: str = param("sigmoid", choices=ACTIVATIONS, help="hidden-layer non-linearity")
    output: str = param("sigmoid", choices=("sigmoid", "softmax"),
                        help="one sigmoid unit + binary cross-entropy (2 classes), or "
                             "softmax + cross-entropy")
    init: str = param("xavier", choices=INITIALIZERS, label="Initialiser",
                      help="how the weights are drawn at the start of a run")
    batch_size: int = param(1, minimum=1, maximum=MAX_BATCH, live=True, group="walk",
                            label="Batch", help="examples in each walked batch: rows of every "
                                                "node's matrix")
    learning_rate: float = param(0.5, minimum=1e-4, maximum=10.0, log_scale=True, live=True,
                                 group="walk", label="Learning rate",
                                 help="η of the Apply step, W ← W − η∂L/∂W")
    mistake: str = param("none", choices=MISTAKES, live=True, group="walk",
                         label="Planted mistake",
                         help="a classic backprop bug, planted in the backward pass; the "
                              "gradient check flags the entries it makes wrong")
    check_with_torch: bool = param(True, group="walk", advanced=True,
                                   label="Check with torch",
                                   help="also compare with torch.autograd (float64) when "
                                        "PyTorch is installed; the first check imports torch")
    seed: int = param(0, minimum=0, maximum=2**31 - 1, group="data",
                      help="same seed: same data, same initial weights, same batches")

    @property
    def n_classes(self) -> int:
        return TOY_CLASSES[self.dataset]

    @property
    def sizes(self) -> tuple[int, ...]:
        output_units = 1 if self.output == "sigmoid" else self.n_classes
        return (self.features, *self.hidden_sizes, output_units)

    def check(self) -> None:
        if self.output == "sigmoid" and self.n_classes != 2:
            raise ParamError(f"output='sigmoid' needs a two-class dataset; {self.dataset} has "
                             f"{self.n_classes} classes: use softmax")
        refusal = too_big_to_draw(self.sizes)
        if refusal:
            raise ParamError(f"hidden_sizes={','.join(map(str, self.hidden_sizes))}: {refusal}")
        reason = mistake_cannot_show(self.mistake, self.sizes, self.activation, self.batch_size)
        if reason:
            raise ParamError(reason)


def make_data(config: BackpropConfig) -> Split:
    """The toy set of the seed; with one feature, only its first coordinate."""
    data = make_toy(config.dataset, config.n_samples, config.noise, config.seed,
                    config.test_fraction)
    if config.features == 1:
        data = Split(data.train_x[:, :1], data.train_y, data.test_x[:, :1], data.test_y,
                     data.n_classes)
    return data


@dataclass(frozen=True)
class Examined:
    """The walk and the gradient check of one state (step, parameters, live values)."""

    walk: BackpropWalk
    check: GradientCheck


class BackpropSession(SessionBase):
    """Plain gradient descent on batches of 1–8 examples, each update walked and checked."""

    scenario = "backprop"

    def __init__(self, config: BackpropConfig) -> None:
        self.run_id = next_run_id()
        self.config = config
        self.data = make_data(config)
        self.model = MLP(self.data.n_features, config.hidden_sizes, self.data.n_classes,
                         activation=config.activation, output=config.output, init=config.init,
                         seed=config.seed, dtype=np.float64)
        self.train_x = np.ascontiguousarray(self.data.train_x, dtype=np.float64)
        self.train_y = np.asarray(self.data.train_y)
        self.step_count = 0
        self._examples_seen = 0
        self.batches = EpochSampler(len(self.train_y), [config.seed, 1])
        self._examined: tuple[tuple, Examined] | None = None

    # -- batches ----------------------------------------------------------------------------
    def batch_indices(self) -> np.ndarray:
        """The training examples of the next update (the batch the walk shows); a new epoch's
        permutation is drawn when the current one has too few examples left."""
        index = self.batches.peek_indices(self.config.batch_size)
        return np.arange(len(self.train_y)) if index is None else index

    def batch(self) -> tuple[np.ndarray, np.ndarray]:
        index = self.batch_indices()
        return self.train_x[index], self.train_y[index]

    # -- the session protocol ---------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return self._examples_seen / max(len(self.train_y), 1)

    @property
    def steps_per_epoch(self) -> int:
        return self.batches.steps_per_epoch(self.config.batch_size)

    def train_step(self) -> dict[str, float]:
        """One update on the batch the walk shows; ``loss`` is its mean cross-entropy before."""
        inputs, labels = self.batch()
        if self.config.mistake == "none":
            loss, gradients, _ = self.model.loss_and_gradients(inputs, labels)
        else:
            rule = chain_rule(self.model, inputs, labels, self.config.mistake)
            loss, gradients = rule.loss, rule.mlp_gradients()
        optimizer = make_optimizer("sgd", learning_rate=self.config.learning_rate)
        optimizer.step(self.model.params, gradients)
        self.step_count += 1
        self.batches.next_indices(self.config.batch_size)  # the batch just trained on
        self._examples_seen += len(labels)
        return {"loss": float(loss)}

    def apply_live(self, values: Mapping[str, Any]) -> None:
        self.config = self.config.with_values(values)

    def examine(self) -> Examined:
        """The walk and the check of the next update, computed once per state."""
        key = (self.step_count, self.config, self.model.flat_params.tobytes())
        if self._examined is not None and self._examined[0] == key:
            return self._examined[1]
        inputs, labels = self.batch()
        mistake = self.config.mistake
        walk = make_walk(self.model, inputs, labels, learning_rate=self.config.learning_rate,
                         mistake=mistake, examples=self.batch_indices().copy())
        analytic = chain_rule(self.model, inputs, labels, mistake).mlp_gradients()
        torch_gradients, note = self._torch_gradients(inputs, labels)
        check = check_gradients(analytic, numerical_gradients(self.model, inputs, labels),
                                torch=torch_gradients, torch_note=note, mistake=mistake)
        examined = Examined(walk, check)
        self._examined = (key, examined)
        return examined

    def _torch_gradients(self, inputs: np.ndarray, labels: np.ndarray
                         ) -> tuple[list[np.ndarray] | None, str]:
        if not self.config.check_with_torch:
            return None, "torch.autograd: not asked (check_with_torch=false)"
        if not torch_available():
            return None, f"torch.autograd: PyTorch is not installed ({TORCH_INSTALL_HINT})"
        from nnviz.backends.torch_gradients import autograd_gradients

        return autograd_gradients(self.model, inputs, labels), ""

    def evaluate(self, inputs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        if not len(labels):
            return math.nan, math.nan
        logits = self.model.forward(inputs).logits
        return (self.model.output.loss(logits, labels, "mean"),
                accuracy(self.model.output.probabilities(logits), labels))

    def metrics(self) -> dict[str, float]:
        """The check of the next update's gradients (first: what this scenario is about),
        loss and accuracy on each split, and the batch's loss."""
        examined = self.examine()
        metrics = {"gradient_check_max_rel_error": examined.check.max_relative_error}
        train_loss, train_accuracy = self.evaluate(self.train_x, self.train_y)
        test_loss, test_accuracy = self.evaluate(self.data.test_x, self.data.test_y)
        metrics.update(split_metrics(train_loss, test_loss, train_accuracy, test_accuracy,
                                     self.config.learning_rate,
                                     has_test=len(self.data.test_y) > 0))
        metrics["gradient_check_wrong_entries"] = float(examined.check.wrong_entries)
        metrics["batch_loss"] = examined.walk.loss_before
        if examined.check.torch_max_relative_error is not None:
            metrics["gradient_check_torch_max_rel_error"] = \
                examined.check.torch_max_relative_error
        return metrics

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        examined = functools.cache(self.examine)  # one walk serves both views
        return wanted_views({"backprop_walk": lambda: examined().walk,
                             "gradient_check": lambda: examined().check}, kinds)

    def checkpoint(self) -> dict[str, Any]:
        return {"step_count": self.step_count, "params": self.model.copy_params(),
                "examples_seen": self._examples_seen, "batches": self.batches.state()}

    def restore(self, state: dict[str, Any]) -> None:
        self.model.set_params(state["params"])
        self.step_count = state["step_count"]
        self._examples_seen = state["examples_seen"]
        if "batches" in state:  # a checkpoint from before the sampler was saved: as is
            self.batches.restore(state["batches"])
        self._examined = None


def build(config: BackpropConfig) -> BackpropSession:
    return BackpropSession(config)


SCENARIO = register(
    Scenario(
        name="backprop",
        title="Backpropagation, step by step",
        description="The compute graph of a small network on a batch: forward, backward, "
                    "the parameter gradients, Apply, and the gradient check",
        config_type=BackpropConfig,
        build=build,
        panels=("backprop", "gradient_check"),
        default_steps=1000,
    )
)
