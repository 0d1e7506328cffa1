"""scikit-learn's 8×8 handwritten digits (always available offline), split 80/20."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from nnviz.data.toy import Split, split


def make_digits(seed: int = 0, test_fraction: float = 0.2) -> Split:
    """Pixels scaled to [0, 1] (the raw values are 0..16)."""
    bunch = load_digits()
    rng = np.random.default_rng(seed)
    return split(bunch.data / 16.0, bunch.target.astype(int), test_fraction, rng, 10)
