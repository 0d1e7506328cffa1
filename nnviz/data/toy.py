"""Two-dimensional toy datasets, deterministic for a seed, split into train and test.

Names are the file format: a preset's ``dataset = "spiral"`` finds :data:`TOY_DATASETS`
["spiral"]. Every generator returns ``(points, labels)`` with points of shape (n, 2).

Moons, circles and blobs give, point for point, what scikit-learn's ``make_moons``,
``make_circles`` and ``make_blobs`` give for the same seed (a test checks it), written here in
NumPy because importing scikit-learn costs more than a second of start-up. They draw from
``np.random.RandomState``, as scikit-learn does: its stream is frozen by NumPy's
compatibility policy (NEP 19), so the same seed keeps giving the same points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Split:
    """A labelled dataset split in two; ``n_classes`` counts all classes, seen or not.

    ``class_names`` and ``feature_names`` are the names a data file gave its classes and
    columns (empty for the generated sets, whose classes are just 0, 1, …).
    """

    train_x: Array
    train_y: Array
    test_x: Array
    test_y: Array
    n_classes: int
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()

    @property
    def n_features(self) -> int:
        return int(self.train_x.shape[1])

    def bounds(self, margin: float = 0.1) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) of all points of a 2-D set, widened by ``margin``."""
        points = np.concatenate([self.train_x, self.test_x])
        low, high = points.min(axis=0), points.max(axis=0)
        pad = (high - low) * margin
        return float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(
            high[1] + pad[1]
        )


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two interleaved half circles: the upper one (class 0) of radius 1 round the origin,
    the lower one (class 1) round (1, 0.5); ⌊n/2⌋ points on the first, evenly spaced in angle,
    then shuffled and jittered by a Gaussian of σ = ``noise``."""
    n_upper, n_lower = n // 2, n - n // 2
    upper = np.linspace(0, np.pi, n_upper)
    lower = np.linspace(0, np.pi, n_lower)
    points = np.column_stack([np.append(np.cos(upper), 1 - np.cos(lower)),
                              np.append(np.sin(upper), 1 - np.sin(lower) - 0.5)])
    return _shuffled_with_noise(points, _two_class_labels(n_upper, n_lower), noise, rng)


#: the inner circle's radius as a fraction of the outer one's
CIRCLES_FACTOR = 0.5


def circles(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """A unit circle (class 0, ⌊n/2⌋ points) round a circle of radius
    :data:`CIRCLES_FACTOR` (class 1), evenly spaced in angle without repeating the first
    point, then shuffled and jittered by a Gaussian of σ = ``noise``."""
    n_outer, n_inner = n // 2, n - n // 2
    outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    points = np.column_stack([np.append(np.cos(outer), np.cos(inner) * CIRCLES_FACTOR),
                              np.append(np.sin(outer), np.sin(inner) * CIRCLES_FACTOR)])
    return _shuffled_with_noise(points, _two_class_labels(n_outer, n_inner), noise, rng)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Uniform points in [−1, 1]², class 1 where x·y > 0, then jittered by ``noise``."""
    points = rng.uniform(-1.0, 1.0, (n, 2))
    labels = (points[:, 0] * points[:, 1] > 0).astype(int)
    return points + rng.normal(0.0, noise, points.shape), labels


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two interleaved arms r = t, θ = t·(7π/4)/1 (+π for the second arm), t ∈ [0.05, 1]."""
    per_class = [n // 2, n - n // 2]
    points, labels = [], []
    for label, count in enumerate(per_class):
        t = np.linspace(0.05, 1.0, count)
        theta = t * 3.5 * np.pi + label * np.pi
        arm = np.stack([t * np.sin(theta), t * np.cos(theta)], axis=1)
        points.append(arm + rng.normal(0.0, noise, arm.shape))
        labels.append(np.full(count, label))
    return np.concatenate(points), np.concatenate(labels)


BLOB_CENTRES = np.array([[0.0, -2.0], [2.0, 2.0], [-2.0, 2.0]])


def blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Three Gaussian blobs centred at (0,−2), (2,2), (−2,2); ``noise`` is their σ.

    Each blob gets ⌊n/3⌋ points, the first ``n mod 3`` blobs one more; drawn blob after
    blob, then shuffled.
    """
    draw = np.random.RandomState(_legacy_seed(rng))
    n_blobs = len(BLOB_CENTRES)
    counts = [n // n_blobs + (index < n % n_blobs) for index in range(n_blobs)]
    points = np.concatenate([draw.normal(loc=centre, scale=noise, size=(count, 2))
                             for centre, count in zip(BLOB_CENTRES, counts, strict=True)])
    labels = np.repeat(np.arange(n_blobs), counts)
    order = _shuffled_order(len(points), draw)
    return points[order], labels[order]


TOY_DATASETS: dict[str, Callable[[int, float, np.random.Generator], tuple[Array, Array]]] = {
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spiral": spiral,
    "blobs": blobs,
}

TOY_CLASSES = {"moons": 2, "circles": 2, "xor": 2, "spiral": 2, "blobs": 3}


def _legacy_seed(rng: np.random.Generator) -> int:
    """The seed of the ``RandomState`` a generator draws from, taken from ``rng``: the one
    number scikit-learn's generators were given as ``random_state``."""
    return int(rng.integers(0, 2**31 - 1))


def _two_class_labels(n_first: int, n_second: int) -> Array:
    return np.append(np.zeros(n_first, dtype=int), np.ones(n_second, dtype=int))


def _shuffled_order(n: int, draw: np.random.RandomState) -> Array:
    """A permutation of range(n), drawn as ``sklearn.utils.shuffle`` draws it."""
    order = np.arange(n)
    draw.shuffle(order)
    return order


def _shuffled_with_noise(points: Array, labels: Array, noise: float,
                         rng: np.random.Generator) -> tuple[Array, Array]:
    """Shuffle the points, then add Gaussian noise of σ = ``noise`` to each coordinate."""
    draw = np.random.RandomState(_legacy_seed(rng))
    order = _shuffled_order(len(points), draw)
    return points[order] + draw.normal(scale=noise, size=points.shape), labels[order]


def split(points: Array, labels: Array, test_fraction: float, rng: np.random.Generator,
          n_classes: int | None = None) -> Split:
    """Shuffle, then hold out ``test_fraction`` of the points (at least one of each side)."""
    order = rng.permutation(len(points))
    n_test = round(len(points) * test_fraction)
    if test_fraction > 0:
        n_test = min(max(n_test, 1), len(points) - 1)
    test, train = order[:n_test], order[n_test:]
    return Split(
        points[train], labels[train], points[test], labels[test],
        n_classes or int(labels.max()) + 1,
    )


def make_toy(
    name: str, n_samples: int, noise: float, seed: int, test_fraction: float
) -> Split:
    """The named toy set with its train/test split; the same arguments give the same arrays."""
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(TOY_DATASETS)}")
    rng = np.random.default_rng(seed)
    points, labels = TOY_DATASETS[name](n_samples, noise, rng)
    return split(np.asarray(points, float), np.asarray(labels, int), test_fraction, rng,
                 TOY_CLASSES[name])
