"""Hotdog or not: transfer learning with a frozen pretrained network and a new final layer.

The classes are the sub-folders of an image folder (by default the synthetic demo set that
``scripts/make_demo_images.py`` draws). A pretrained backbone (Inception v3 or
EfficientNet-Lite0, weights from local files only) turns every image into its bottleneck
features once, cached on disk by image content; then a new final layer — the NumPy MLP, by
default with no hidden layer, i.e. softmax regression on the features — is trained live.

The run has two phases, both driven by ``train_step`` so that progress reaches the panels in
snapshots and Stop works between batches:

1. **features**: each call computes (or reads from the cache) the features of a few images,
   about half a second of work. It is not a training step: ``step_count`` (parameter updates)
   stays 0 while ``features_done`` rises to 1. A split's loss and accuracy are reported only
   once every image of that split has its features (those of the untrained layer); before
   that they are not defined and are left out, never estimated from the few images seen.
2. **training**: each step is one update of the new layer on a mini-batch of cached features,
   or, with ``augment``, of features of freshly cropped and mirrored images (slow: the
   backbone runs every step; augmented features are never cached).

The run has run its course (``finished``, with ``finish_message`` saying why) after ``epochs``
passes over the training images, or once every mini-batch loss of a whole epoch is below
``loss_floor``: a training loss near the floating-point floor carries no information.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core.classifier_views import ExampleGallery, gallery
from nnviz.core.losses import accuracy
from nnviz.core.mlp import MLP
from nnviz.core.transfer_views import ClassifiedImage, FeatureProgress
from nnviz.core.views import (
    DecisionGrid,
    Projection,
    ViewKinds,
    grid_points,
    pca_2d,
    wanted_views,
)
from nnviz.data.batches import steps_per_epoch
from nnviz.data.images import (
    ImageFolder,
    ImageReadError,
    LabelledImage,
    scan_image_folder,
    stratified_split,
    thumbnail,
)
from nnviz.data.toy import Split
from nnviz.resources import resource_path
from nnviz.scenarios.base import MissingDependency, Scenario, SessionBase, next_run_id
from nnviz.scenarios.mlp_config import MLPConfig
from nnviz.scenarios.params import ParamError, data_seed_of, param
from nnviz.scenarios.registry import register
from nnviz.scenarios.torch_sessions import mlp_engine
from nnviz.scenarios.trainer import Trainer, new_mlp

BACKBONE_CHOICES = ("auto", "inception_v3", "efficientnet_lite0")
#: seconds of backbone work per feature-extraction step (a Stop waits at most about this)
EXTRACTION_STEP_SECONDS = 0.5
THUMBNAIL_SIZE = 96
BOUNDARY_RESOLUTION = 80
#: the principal axes are fitted on at most this many feature vectors
PCA_SAMPLE = 2000


def demo_images_dir() -> Path:
    return resource_path("demo_images")


@dataclass(frozen=True)
class HotdogConfig(MLPConfig):
    image_folder: str = param("", "path", group="data", label="Image folder",
                              help="one sub-folder per class (hotdog/, not_hotdog/, …); "
                                   "empty: the synthetic demo images shipped with nnviz")
    validation_fraction: float = param(0.25, minimum=0.05, maximum=0.9, group="data",
                                       label="Validation fraction",
                                       help="share of each class held out for validation")
    backbone: str = param("auto", choices=BACKBONE_CHOICES, group="backbone",
                          help="frozen pretrained network; auto: Inception v3 when its "
                               "weights are found, else EfficientNet-Lite0")
    weights_file: str = param("", "path", group="backbone", label="Weights file",
                              help="the backbone's ImageNet state dict (.pth); empty: the "
                                   "usual place (torch hub cache, or the weights package)")
    image_size: int = param(0, minimum=0, maximum=1024, group="backbone", advanced=True,
                            unit="px", help="input size; 0: the backbone's own (299 or 224)")
    cache_features: bool = param(True, group="backbone", advanced=True,
                                 help="keep bottleneck features on disk, keyed by image content")
    cache_dir: str = param("", "path", group="backbone", advanced=True, label="Cache folder",
                           help="empty: $NNVIZ_CACHE_DIR or the user's cache folder")
    augment: bool = param(False, live=True, group="augmentation",
                          help="train on random crops/mirrors: runs the backbone every step "
                               "(slow) and bypasses the cache")
    crop_min_area: float = param(0.5, minimum=0.1, maximum=1.0, live=True,
                                 group="augmentation", label="Smallest crop",
                                 help="random crops keep this share of the area or more")
    flip: bool = param(True, live=True, group="augmentation", label="Mirror",
                       help="mirror half of the augmented crops left–right")
    gallery_size: int = param(24, minimum=1, maximum=200, live=True, group="view",
                              help="validation images shown, mistakes first")
    classify_image: str = param("", "path", live=True, group="view",
                                label="Classify an image",
                                help="score any image file with the current classifier")
    hidden_sizes: tuple[int, ...] = param(
        (), minimum=1, maximum=512, min_length=0, max_length=4, label="Hidden layers",
        help="empty: the new layer is a softmax on the features (as the classic retraining)",
    )
    optimizer: str = param("adam", choices=("sgd", "momentum", "nesterov", "adagrad",
                                            "rmsprop", "adam"), live=True, group="optimiser",
                           help="switching keeps the weights and starts fresh optimiser state")
    learning_rate: float = param(0.003, minimum=1e-6, maximum=10.0, log_scale=True, live=True,
                                 group="optimiser", label="Learning rate", help="step size η")
    batch_size: int = param(32, minimum=0, maximum=1_000_000, live=True, group="optimiser",
                            help="images per update; 0 = all training images")
    epochs: float = param(100.0, minimum=0.0, maximum=1e6, live=True, group="stopping",
                          help="stop after this many passes over the training images (the "
                               "classic retraining script makes about 140); 0 runs until "
                               "stopped")
    loss_floor: float = param(1e-5, minimum=0.0, maximum=10.0, live=True, group="stopping",
                              label="Loss floor",
                              help="stop once every mini-batch loss of a whole epoch is below "
                                   "this: nothing is left to learn on the training images; "
                                   "0 never stops for this")

    def check(self) -> None:
        super().check()
        if self.augment and self.backend == "torch":
            raise ParamError("augment=true trains the new layer with backend=numpy (the "
                             "backbone runs on torch either way); set backend=numpy")

    def unavailable_reason(self) -> str:
        """The backbone's package and its weights file (nothing is ever downloaded)."""
        from nnviz.backends.backbones import WeightsError, resolve_backbone

        try:
            resolve_backbone(self.backbone, self.weights_file)
        except (ImportError, WeightsError) as error:
            return str(error)
        return ""


class HotdogSession(SessionBase):
    """Features first (cached), then the new final layer; see the module docstring."""

    def __init__(self, scenario: str, config: HotdogConfig, folder: ImageFolder,
                 extractor: Any) -> None:
        self.run_id = next_run_id()
        self.scenario = scenario
        self.config = config
        self.folder = folder
        self.extractor = extractor
        self.step_count = 0
        self.class_names = folder.class_names
        self.labels = folder.labels
        #: what a person should know before the run starts: which backbone ``auto`` chose
        #: (and why), and the images skipped (the CLI prints each line; the panel's progress
        #: note says the same briefly, with ``backbone_reason`` for the first)
        backbone_note, self.backbone_reason = self._backbone_notes()
        self.notes: tuple[str, ...] = tuple(note for note in (
            backbone_note, folder.skipped_message()) if note)
        self.train_index, self.validation_index = stratified_split(
            self.labels, config.validation_fraction, data_seed_of(config))
        if not len(self.validation_index):
            raise ValueError("no image is left for validation; add images or raise "
                             "validation_fraction")
        n = len(folder.images)
        self.features = np.zeros((n, extractor.feature_size), dtype=np.float32)
        self.ready = np.zeros(n, dtype=bool)
        self.is_validation = np.zeros(n, dtype=bool)
        self.is_validation[self.validation_index] = True
        #: thumbnails of the validation images only, row r for validation_index[r]
        self.thumbnails = np.zeros((len(self.validation_index), THUMBNAIL_SIZE, THUMBNAIL_SIZE,
                                    3), dtype=np.uint8)
        self._thumbnail_row = {int(i): r for r, i in enumerate(self.validation_index)}
        self.pending = self._extraction_order(config.seed)
        self.from_cache = 0
        #: consecutive updates whose mini-batch loss was below ``loss_floor``
        self.updates_below_floor = 0
        self._last_loss = math.nan
        #: the trainer of the new layer, once every image has its features
        self.layer: Trainer | None = None
        self.probe = self._new_model()  # the untrained layer, for metrics during extraction
        self._augment_rng = np.random.default_rng([config.seed, 3])
        self._basis: np.ndarray | None = None
        self._plane: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._query: tuple[str, np.ndarray | None, np.ndarray | None, str] | None = None
        while not (self.ready[self.train_index].any() and self.ready[self.validation_index].any()):
            self.extract_some()
        if config.classify_image:
            self._classify(config.classify_image)

    def _backbone_notes(self) -> tuple[str, str]:
        """With ``backbone=auto`` that fell back from Inception v3: (the whole story, for
        the command line; the reason in a few words, for the panel, whose progress line
        names the backbone already). With Inception v3 found, only the first; with a
        backbone chosen by name, neither."""
        if self.config.backbone != "auto":
            return "", ""
        from nnviz.backends.backbones import AUTO_FALLBACK_REASON, auto_choice_note

        backbone = self.extractor.backbone
        note = auto_choice_note(backbone, self.extractor.weights_path)
        fell_back = backbone.name != "inception_v3"
        return note, f"backbone=auto: {AUTO_FALLBACK_REASON}" if fell_back else ""

    # -- phase 1: features ------------------------------------------------------------------
    def _extraction_order(self, seed: int) -> list[int]:
        """A seeded shuffle with one training and one validation image first, so metrics and
        the partial projection have something to show from the first step on."""
        order = [int(i) for i in np.random.default_rng([seed, 5]).permutation(
            len(self.labels))]
        first_train = next(i for i in order if not self.is_validation[i])
        first_validation = next(i for i in order if self.is_validation[i])
        order.remove(first_train)
        order.remove(first_validation)
        return [first_train, first_validation, *order]

    @property
    def extracting(self) -> bool:
        return bool(self.pending)

    def extract_some(self) -> int:
        """Features of the next few images: as many as fit in about half a second."""
        per_image = self.extractor.seconds_per_image
        budget = 1 if per_image == 0 else max(1, min(32, int(EXTRACTION_STEP_SECONDS /
                                                            per_image)))
        cache = self.extractor.cache
        chosen: list[int] = []
        while self.pending and len(chosen) < budget:
            index = self.pending[0]
            digest = self.folder.images[index].digest
            if cache is not None and cache.path(digest).exists():
                budget += 1  # a cached image costs a file read, not a forward pass
            chosen.append(self.pending.pop(0))
            if len(chosen) >= 256:
                break
        items: list[LabelledImage] = [self.folder.images[i] for i in chosen]
        features, hits = self.extractor.features_for(items)
        self.features[chosen] = features
        self.ready[chosen] = True
        self.from_cache += hits
        for index in chosen:
            if self.is_validation[index]:
                self.thumbnails[self._thumbnail_row[index]] = thumbnail(
                    self.folder.images[index].path, THUMBNAIL_SIZE)
        if not self.pending:
            self._start_training()
        return len(chosen)

    def _new_model(self) -> MLP:
        return new_mlp(self.config, self.extractor.feature_size, len(self.class_names))

    def _start_training(self) -> None:
        config = self.config
        data = Split(self.features[self.train_index], self.labels[self.train_index],
                     self.features[self.validation_index], self.labels[self.validation_index],
                     len(self.class_names))
        self.layer = Trainer(self.scenario, config, data,
                             mlp_engine(self._new_model(), config, data))
        self.layer.run_id = self.run_id
        self._set_augmentation()
        self._plane = self._pca(np.arange(len(self.features)))

    def _pca(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(points, mean, explained variance ratios) of the features at ``index`` on their top
        two principal axes (aligned with the previous frame's). The axes are fitted on at most
        PCA_SAMPLE of the points (a full SVD costs n·d²), then every point is projected."""
        features = self.features[index].astype(np.float64)
        sample = features
        if len(features) > PCA_SAMPLE:
            rng = np.random.default_rng([self.config.seed, 11])
            sample = features[np.sort(rng.choice(len(features), PCA_SAMPLE, replace=False))]
        _, self._basis, ratios = pca_2d(sample, self._basis)
        mean = features.mean(axis=0)
        return (features - mean) @ self._basis, mean, ratios

    def _set_augmentation(self) -> None:
        """Batches of freshly cropped and mirrored images while ``augment`` is on."""
        if self.layer is not None:
            self.layer.augment = self._augmented if self.config.augment else None

    def _augmented(self, index: np.ndarray) -> np.ndarray:
        paths = [self.folder.images[self.train_index[i]].path for i in index]
        return self.extractor.augmented_features(
            paths, self._augment_rng, min_area=self.config.crop_min_area, flip=self.config.flip)

    # -- the protocol -----------------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return self.layer.epoch if self.layer is not None else 0.0

    @property
    def steps_per_epoch(self) -> int:
        if self.layer is not None:
            return self.layer.steps_per_epoch
        return steps_per_epoch(len(self.train_index), self.config.batch_size)

    def train_step(self) -> dict[str, float]:
        """One update of the new layer; during the feature phase, a few images' features
        instead (no update: ``step_count`` does not move)."""
        if self.layer is None:
            self.extract_some()
            return {"features_done": self.features_done}
        values = self.layer.train_step()
        self.step_count = self.layer.step_count
        self._last_loss = float(values["loss"])
        below = self._last_loss < self.config.loss_floor
        self.updates_below_floor = self.updates_below_floor + 1 if below else 0
        return values

    @property
    def finished(self) -> bool:
        """True once ``epochs`` are done or the loss has stayed below ``loss_floor`` for an
        epoch; the training loop then ends with :attr:`finish_message`."""
        return bool(self.finish_message)

    @property
    def finish_message(self) -> str:
        """Why the run has run its course, in words ("" while it has not)."""
        if self.layer is None:
            return ""
        config = self.config
        if config.loss_floor > 0 and self.updates_below_floor >= self.steps_per_epoch:
            return (f"Finished at step {self.step_count}: every mini-batch loss of the last "
                    f"epoch was below loss_floor={config.loss_floor:g} (last "
                    f"{self._last_loss:.3g}); a smaller loss is not information. Lower "
                    "loss_floor (0: off) to train on.")
        if config.epochs > 0 and self.epoch >= config.epochs:
            return (f"Finished at step {self.step_count}: {self.epoch:.4g} epochs over the "
                    f"{len(self.train_index)} training images (epochs={config.epochs:g}). "
                    "Raise epochs (0: no limit) to train on.")
        return ""

    @property
    def features_done(self) -> float:
        return float(self.ready.mean())

    def apply_live(self, values: Mapping[str, Any]) -> None:
        old = self.config
        self.config = old.with_values(values)
        if self.config.loss_floor != old.loss_floor:
            self.updates_below_floor = 0  # counted against the old floor
        if self.layer is not None:
            self.layer.apply_live(values)
            self._set_augmentation()
        if self.config.classify_image != old.classify_image:
            self._classify(self.config.classify_image)

    def metrics(self) -> dict[str, float]:
        """Loss and accuracy of the new layer on each split. During the feature phase a split
        is scored (by the untrained layer) only once all its images have features; until then
        its entries are absent: undefined, not NaN (which the loop reads as a divergence) and
        not a guess from the first few images (one validation image is 0 % or 100 %)."""
        if self.layer is not None:
            layer = self.layer.metrics()
            values = {
                "train_loss": layer["train_loss"],
                "validation_loss": layer["test_loss"],
                "train_accuracy": layer["train_accuracy"],
                "validation_accuracy": layer["test_accuracy"],
                "learning_rate": layer["learning_rate"],
            }
        else:
            scored = {}
            for split, index in (("train", self.train_index),
                                 ("validation", self.validation_index)):
                if self.ready[index].all():
                    scored[f"{split}_loss"], scored[f"{split}_accuracy"] = self._probe(index)
            order = ("train_loss", "validation_loss", "train_accuracy", "validation_accuracy")
            values = {name: scored[name] for name in order if name in scored}
            values["learning_rate"] = self.config.learning_rate
        values["features_done"] = self.features_done
        return values

    def _probe(self, index: np.ndarray) -> tuple[float, float]:
        inputs = self.features[index].astype(self.probe.dtype)
        logits = self.probe.forward(inputs).logits
        labels = self.labels[index]
        loss = self.probe.output.loss(logits, labels, "mean")
        return float(loss), accuracy(self.probe.output.probabilities(logits), labels)

    def checkpoint(self) -> dict[str, Any]:
        if self.layer is None:
            return {"step_count": 0}
        return self.layer.checkpoint()

    def restore(self, state: dict[str, Any]) -> None:
        if self.layer is not None and "params" in state:
            self.layer.restore(state)
            self.step_count = self.layer.step_count
            self.updates_below_floor = 0

    # -- views ------------------------------------------------------------------------------
    def model(self) -> MLP:
        """The NumPy model the views read (torch's parameters copied in when it trains)."""
        model = self.probe if self.layer is None else self.layer.model
        assert model is not None  # the new layer is an MLP on either engine
        return model

    def progress(self) -> FeatureProgress:
        extractor = self.extractor
        return FeatureProgress(
            done=int(self.ready.sum()), total=len(self.ready), from_cache=self.from_cache,
            seconds_per_image=extractor.seconds_per_image, backbone=extractor.backbone.title,
            input_size=extractor.input_size, note=". ".join(
                note for note in (self.backbone_reason, self.folder.skipped_message()) if note),
        )

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        model = functools.cache(self.model)
        return wanted_views({
            "feature_progress": self.progress,
            "gallery": lambda: self.gallery(model()),
            "projection": self.projection,
            "projection_boundary": (lambda: self.boundary(model())) if self.layer is not None
            else None,
            "classified": (lambda: self.classified(model())) if self._query is not None
            else None,
        }, kinds)

    def gallery(self, model: MLP) -> ExampleGallery:
        rows = np.flatnonzero(self.ready[self.validation_index])
        index = self.validation_index[rows]
        scores = model.predict_proba(self.features[index].astype(model.dtype))
        # pick the examples by position first, then copy only their thumbnails
        chosen = gallery(np.zeros((len(rows), 1)), self.labels[index], scores, self.class_names,
                         limit=self.config.gallery_size)
        images = self.thumbnails[rows[chosen.indices]].astype(np.float32) / 255.0
        return replace(chosen, images=images, indices=index[chosen.indices])

    def projection(self) -> Projection:
        if self._plane is not None:
            points, _, ratios = self._plane
            index = np.arange(len(points))
        else:
            index = np.flatnonzero(self.ready)
            if len(index) < 2:
                points, ratios = np.zeros((len(index), 2)), np.zeros(2)
            else:
                points, _, ratios = self._pca(index)
        done = (" (shading: the new layer's scores on this plane)" if self._plane is not None
                else f" ({len(index)} of {len(self.ready)} so far)")
        return Projection(
            points=points, labels=(), explained_variance=(float(ratios[0]), float(ratios[1])),
            groups=self.labels[index], group_names=self.class_names,
            title=f"{self.extractor.backbone.title} bottleneck features, PCA{done}",
        )

    def boundary(self, model: MLP) -> DecisionGrid:
        """The layer's class probabilities on the PCA plane through the features' mean:
        a plane point p is the feature vector x = μ + B·p (B the two principal axes), so the
        first layer's pre-activation is z₁ = x·W₁ + b₁ = (μ·W₁ + b₁) + p·(Bᵀ·W₁), computed
        without building the 2048-long feature vectors of the grid."""
        assert self._plane is not None and self._basis is not None
        points, mean, _ = self._plane
        low, high = points.min(axis=0), points.max(axis=0)
        pad = (high - low) * 0.1 + 1e-6
        extent = (float(low[0] - pad[0]), float(high[0] + pad[0]),
                  float(low[1] - pad[1]), float(high[1] + pad[1]))
        plane = grid_points(extent, BOUNDARY_RESOLUTION)
        weights, biases = model.weights, model.biases
        logits = (mean @ weights[0] + biases[0]) + plane @ (self._basis.T @ weights[0])
        for layer_weights, layer_biases in zip(weights[1:], biases[1:], strict=True):
            logits = model.activation.forward(logits) @ layer_weights + layer_biases
        probabilities = model.output.probabilities(logits).reshape(
            BOUNDARY_RESOLUTION, BOUNDARY_RESOLUTION, -1)
        return DecisionGrid(
            extent=extent, probabilities=probabilities.astype(np.float32),
            train_points=points[self.train_index], train_labels=self.labels[self.train_index],
            test_points=points[self.validation_index],
            test_labels=self.labels[self.validation_index],
        )

    def _classify(self, path: str) -> None:
        if not path:
            self._query = None
            return
        try:
            crop = self.extractor.crop(path)
            features = self.extractor.compute(crop[None])[0]
            self._query = (path, thumbnail(path, 2 * THUMBNAIL_SIZE), features, "")
        except (OSError, ImageReadError) as error:
            self._query = (path, None, None, f"cannot read {path}: {error}")

    def classified(self, model: MLP) -> ClassifiedImage:
        assert self._query is not None
        path, image, features, error = self._query
        scores = None
        if features is not None:
            scores = model.predict_proba(features[None].astype(model.dtype))[0].astype(
                np.float64)
        return ClassifiedImage(path, None if image is None else image / 255.0, scores,
                               self.class_names, error)


def build(config: HotdogConfig) -> HotdogSession:
    from nnviz.backends.vision import FeatureExtractor

    folder = scan_image_folder(config.image_folder or demo_images_dir())
    try:
        extractor = FeatureExtractor(
            config.backbone, config.weights_file, image_size=config.image_size,
            device=config.device, threads=config.torch_threads,
            cache_dir=config.cache_dir or None, use_cache=config.cache_features,
        )
    except ImportError as error:
        raise MissingDependency(str(error)) from None
    return HotdogSession("hotdog", config, folder, extractor)


SCENARIO = register(
    Scenario(
        name="hotdog",
        title="Hotdog or not (transfer learning)",
        description="A frozen pretrained network's features, a new final layer trained live",
        config_type=HotdogConfig,
        build=build,
        panels=("loss", "image_scores", "projection_boundary"),
        requires=("torch", "torchvision"),
        install_hint="pip install 'nnviz[vision]'",
        default_steps=300,
    )
)
