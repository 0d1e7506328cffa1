"""Input scaling by name, fitted on the training split and applied to both splits.

    none         the inputs as the dataset gives them (digit pixels 0–16 or 0–255)
    unit         into [0, 1]: x' = (x − low) / (high − low), by a known value range (pixels:
                 0 to the brightest possible value) or else each feature's training range
    standardize  x' = (x − μ) / σ per feature, μ and σ of the training split (MNIST's usual
                 normalisation); a feature constant on the training split is only centred

The test split is transformed with the training statistics, never its own: a test point must
not change how the network sees the others.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nnviz.data.toy import Split

INPUT_SCALINGS = ("none", "unit", "standardize")

Array = np.ndarray


@dataclass(frozen=True)
class InputScaler:
    """x' = (x − offset) / scale, per feature (or one number for all)."""

    offset: Array | float
    scale: Array | float

    def apply(self, inputs: Array) -> Array:
        """The scaled copy, in the inputs' float type (float32 pixels stay float32)."""
        inputs = np.asarray(inputs)
        dtype = inputs.dtype if np.issubdtype(inputs.dtype, np.floating) else np.float64
        scaled = inputs.astype(dtype, copy=True)
        scaled -= np.asarray(self.offset, dtype=dtype)
        scaled /= np.asarray(self.scale, dtype=dtype)
        return scaled


def fit_scaler(scaling: str, train_x: Array,
               value_range: tuple[float, float] | None = None) -> InputScaler:
    """The named scaling's transform, from the training inputs (``value_range``: the inputs'
    known (low, high), which ``unit`` maps to [0, 1] for every feature alike)."""
    train_x = np.asarray(train_x, dtype=np.float64)
    if scaling == "none":
        return InputScaler(0.0, 1.0)
    if scaling == "unit":
        if value_range is not None:
            low, high = value_range
            return InputScaler(low, high - low)
        low_per_feature = train_x.min(axis=0)
        return InputScaler(low_per_feature, _nonzero(train_x.max(axis=0) - low_per_feature))
    if scaling == "standardize":
        return InputScaler(train_x.mean(axis=0), _nonzero(train_x.std(axis=0)))
    raise ValueError(f"unknown input scaling {scaling!r}; known: {', '.join(INPUT_SCALINGS)}")


def scale_split(split: Split, scaling: str,
                value_range: tuple[float, float] | None = None) -> Split:
    """``split`` with both inputs transformed by the scaling fitted on its training inputs."""
    if scaling == "none":
        return split
    scaler = fit_scaler(scaling, split.train_x, value_range)
    return replace(split, train_x=scaler.apply(split.train_x),
                   test_x=scaler.apply(split.test_x))


def _nonzero(spread: Array) -> Array:
    """Spreads with 0 replaced by 1, so a constant feature is shifted, not divided by 0."""
    return np.where(spread > 0, spread, 1.0)
