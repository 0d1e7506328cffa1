"""View records of image classifiers: confusion matrix, weight tiles, an example gallery.

Computed on the worker side when a snapshot is due; panels only draw them, so the same
records serve the NumPy and the torch backends, digits and photographs alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class ConfusionMatrix:
    """``counts[i, j]``: examples of true class i predicted as class j (rows sum to support)."""

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "confusion_matrix"

    counts: Array
    class_names: tuple[str, ...]
    split: str = "test"

    @property
    def accuracy(self) -> float:
        total = int(self.counts.sum())
        return float(np.trace(self.counts)) / total if total else float("nan")

    def row_fractions(self) -> Array:
        """Each row divided by its total (recall on the diagonal); empty rows stay zero."""
        totals = self.counts.sum(axis=1, keepdims=True)
        return np.divide(self.counts, totals, out=np.zeros(self.counts.shape), where=totals > 0)


def confusion_matrix(labels: Array, predicted: Array, n_classes: int) -> Array:
    """Counts of (true, predicted) pairs as an n_classes × n_classes integer matrix."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    flat = np.bincount(labels * n_classes + predicted, minlength=n_classes * n_classes)
    return flat[: n_classes * n_classes].reshape(n_classes, n_classes)


@dataclass(frozen=True)
class ImageTiles:
    """One small image per unit: ``tiles`` is (units, height, width), e.g. first-layer weights.

    ``scale`` is the symmetric colour limit shared by all tiles (max |w|), so a tile's colour
    says the weight's sign and size the same way in every tile.
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "weight_tiles"

    tiles: Array
    scale: float
    title: str = ""
    labels: tuple[str, ...] = ()
    total_units: int = 0


def weight_tiles(weights: Array, image_shape: tuple[int, int], *, limit: int = 100,
                 title: str = "", labels: Sequence[str] = ()) -> ImageTiles:
    """The incoming weights of each first-layer unit shaped as an image.

    ``weights`` is (units, pixels) (W₁ transposed); at most ``limit`` units are kept.
    """
    weights = np.asarray(weights)
    units = weights.shape[0]
    kept = weights[:limit].reshape(-1, *image_shape).astype(np.float32)
    finite = kept[np.isfinite(kept)]
    scale = float(np.abs(finite).max()) if finite.size else 1.0
    return ImageTiles(kept, scale or 1.0, title, tuple(labels)[:limit], units)


@dataclass(frozen=True)
class ExampleGallery:
    """Examples with the classifier's scores, misclassified first (most confident mistakes).

    ``images`` is (n, height, width) or (n, height, width, 3); ``scores`` is (n, classes);
    ``indices`` are positions in the evaluated split; ``n_wrong`` counts all mistakes there.
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "misclassified"

    images: Array
    labels: Array
    predicted: Array
    scores: Array
    indices: Array
    class_names: tuple[str, ...]
    n_wrong: int
    n_total: int

    @property
    def wrong(self) -> Array:
        return self.labels != self.predicted


def gallery(images: Array, labels: Array, scores: Array, class_names: Sequence[str], *,
            limit: int = 24, misclassified_only: bool = False) -> ExampleGallery:
    """Pick up to ``limit`` examples: mistakes by falling confidence, then correct ones by
    rising confidence (the least sure first), so the interesting cases come first.
    """
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores)
    predicted = scores.argmax(axis=1) if len(scores) else np.zeros(0, dtype=np.int64)
    confidence = scores.max(axis=1) if len(scores) else np.zeros(0)
    wrong = np.flatnonzero(predicted != labels)
    right = np.flatnonzero(predicted == labels)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")]
    if not misclassified_only:
        order = np.concatenate([order, right[np.argsort(confidence[right], kind="stable")]])
    chosen = order[:limit].astype(np.int64)
    return ExampleGallery(
        images=np.asarray(images)[chosen].astype(np.float32),
        labels=labels[chosen],
        predicted=predicted[chosen],
        scores=scores[chosen].astype(np.float64),
        indices=chosen,
        class_names=tuple(class_names),
        n_wrong=len(wrong),
        n_total=len(labels),
    )


def score_text(scores: Array, class_names: Sequence[str], *, top: int = 2) -> str:
    """The ``top`` classes with their scores, best first: ``"7 0.91 / 1 0.06"``."""
    order = np.argsort(-np.asarray(scores), kind="stable")[:top]
    return " / ".join(f"{class_names[i]} {scores[i]:.2f}" for i in order)
