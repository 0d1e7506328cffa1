"""Extra input features computed from two raw inputs: x₁², x₂², x₁x₂, sin x₁, sin x₂.

The best-known training playground offers these as check boxes: with x₁² and x₂² a network
without any hidden layer separates the circles, as the boundary x₁² + x₂² = r² is a straight
line in those features. Here they are columns appended to the two raw inputs, in the order
:data:`FEATURE_CHOICES` lists them, whatever order they were chosen in; the decision boundary
is still drawn on the raw x₁/x₂ plane (:class:`FeaturePlane` computes the features of every
grid point), so the picture shows the curved boundary the straight one makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from nnviz.data.toy import Split

Array = np.ndarray

#: each extra feature's name (as ``--set extra_features=...`` spells it), its label for the
#: network view, and how it is computed from the (n, 2) raw inputs
EXTRA_FEATURES: dict[str, tuple[str, Callable[[Array], Array]]] = {
    "x1^2": ("x₁²", lambda x: x[:, 0] ** 2),
    "x2^2": ("x₂²", lambda x: x[:, 1] ** 2),
    "x1x2": ("x₁x₂", lambda x: x[:, 0] * x[:, 1]),
    "sin_x1": ("sin x₁", lambda x: np.sin(x[:, 0])),
    "sin_x2": ("sin x₂", lambda x: np.sin(x[:, 1])),
}
FEATURE_CHOICES = tuple(EXTRA_FEATURES)
#: the raw inputs' labels in the network view
RAW_INPUT_LABELS = ("x₁", "x₂")


def ordered(chosen: Sequence[str]) -> tuple[str, ...]:
    """The chosen features in :data:`FEATURE_CHOICES` order (the columns' order)."""
    return tuple(name for name in FEATURE_CHOICES if name in chosen)


def with_features(points: Array, chosen: Sequence[str]) -> Array:
    """The (n, 2) raw inputs with the chosen features appended: (n, 2 + k), float64."""
    raw = np.asarray(points, dtype=np.float64)
    columns = [EXTRA_FEATURES[name][1](raw) for name in ordered(chosen)]
    return np.column_stack([raw, *columns]) if columns else raw


def input_labels(chosen: Sequence[str]) -> tuple[str, ...]:
    """The network's input nodes' labels: the raw inputs, then the features."""
    return (*RAW_INPUT_LABELS, *(EXTRA_FEATURES[name][0] for name in ordered(chosen)))


def add_features(data: Split, chosen: Sequence[str]) -> Split:
    """The split with the chosen features appended to both halves. Only a two-input set has
    them: anything else raises ``ValueError`` (the caller words it for its parameter)."""
    if data.n_features != 2:
        raise ValueError(f"the extra features are computed from two inputs; this data set "
                         f"has {data.n_features}")
    names = (*data.feature_names, *input_labels(chosen)[2:]) if data.feature_names else ()
    return replace(data, train_x=with_features(data.train_x, chosen),
                   test_x=with_features(data.test_x, chosen), feature_names=names)


@dataclass(frozen=True)
class FeaturePlane:
    """The raw x₁/x₂ plane of a network whose inputs are the raw two and extra features.

    It has the interface of :class:`~nnviz.core.views.InputPlane` that a session's boundary
    uses: a plane point's inputs are the point and its features, an input's plane point is
    its first two columns. Unlike a slice it is exact, so node pictures over it are honest.
    """

    features: tuple[str, ...]
    x_label: str = ""
    y_label: str = ""
    title: str = ""
    #: plane points are the inputs' own first two coordinates (not a projection)
    exact: ClassVar[bool] = True

    def inputs_at(self, plane_points: Array) -> Array:
        return with_features(plane_points, self.features)

    def coordinates(self, inputs: Array) -> Array:
        return np.asarray(inputs)[:, :2]

    @property
    def input_names(self) -> tuple[str, ...]:
        return input_labels(self.features)
