"""The "average digit" baseline: classify by the nearest class mean (no learning but averaging).

    μ_c = mean of the training images of class c
    ŷ(x) = argmin_c ‖x − μ_c‖²  =  argmax_c (x·μ_c − ½‖μ_c‖²)

Printed beside a network's accuracy so people see what learning adds to plain averaging.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class NearestMean:
    """Nearest-centroid classifier on flat feature rows."""

    def __init__(self, inputs: Array, labels: Array, n_classes: int) -> None:
        inputs = _floating(inputs)
        labels = np.asarray(labels, dtype=np.int64)
        counts = np.bincount(labels, minlength=n_classes)
        one_hot = np.zeros((len(labels), n_classes), dtype=inputs.dtype)
        one_hot[np.arange(len(labels)), labels] = 1.0
        sums = (one_hot.T @ inputs).astype(np.float64)  # one pass, in the inputs' precision
        present = counts > 0
        self.means = np.zeros_like(sums)
        self.means[present] = sums[present] / counts[present, None]
        # a class with no training example can never win
        self._offset = np.where(present, -0.5 * (self.means**2).sum(axis=1), -np.inf)

    def predict(self, inputs: Array) -> Array:
        inputs = _floating(inputs)
        scores = inputs @ self.means.T.astype(inputs.dtype) + self._offset
        return scores.argmax(axis=1)

    def accuracy(self, inputs: Array, labels: Array) -> float:
        if not len(labels):
            return float("nan")
        return float(np.mean(self.predict(inputs) == np.asarray(labels)))


def _floating(inputs: Array) -> Array:
    """Float inputs as they are (no float64 copy of 60,000 images); integers as float32."""
    inputs = np.asarray(inputs)
    return inputs if inputs.dtype.kind == "f" else inputs.astype(np.float32)
