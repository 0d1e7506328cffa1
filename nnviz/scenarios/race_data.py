"""The optimiser race's data: correlated Gaussians, a 2-D toy set, or a data file, split.

The default, two correlated Gaussian classes, makes logistic regression's loss a long ravine
whose narrowness the correlation sets: the terrain where momentum and Newton's method shine.
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.data.table_file import FILE_DATASET, read_data_file, table_split
from nnviz.data.toy import TOY_DATASETS, Split, make_toy, split
from nnviz.scenarios.params import data_seed_of
from nnviz.scenarios.race_config import RaceConfig

Array = np.ndarray


def correlated_gaussians(n: int, correlation: float, rng: np.random.Generator
                         ) -> tuple[Array, Array]:
    """Two classes N(±μ, Σ), μ = (½, −½)/√2, Σ = [[1, ρ], [ρ, 1]]; half the points each.

    The classes differ along (1, −1), the direction of least spread, so the logistic loss is a
    long ravine whose narrowness grows with ρ.
    """
    labels = np.arange(n) % 2
    cholesky = np.linalg.cholesky([[1.0, correlation], [correlation, 1.0]])
    centres = np.where(labels[:, None] == 1, 1.0, -1.0) * np.array([0.5, -0.5]) / math.sqrt(2)
    return rng.standard_normal((n, 2)) @ cholesky.T + centres, labels


def make_data(config: RaceConfig) -> Split:
    """The race's training and test split, drawn from the data seed (or read from a file)."""
    if config.dataset == FILE_DATASET:
        return file_data(config)
    if config.dataset == "gaussians":
        rng = np.random.default_rng(data_seed_of(config))
        points, labels = correlated_gaussians(config.n_samples, config.correlation, rng)
        return split(points, labels, config.test_fraction, rng, 2)
    if config.dataset not in TOY_DATASETS:
        raise ValueError(f"unknown dataset {config.dataset!r}")
    return make_toy(config.dataset, config.n_samples, config.noise, data_seed_of(config),
                    config.test_fraction)


def file_data(config: RaceConfig) -> Split:
    """The data file split by the data seed; logistic regression races on exactly two
    features (its loss surface is the plane of their two weights) and two classes."""
    table = read_data_file(config.data_file, config.label_column)
    if config.problem == "logistic" and (table.n_features != 2 or table.n_classes != 2):
        raise ValueError(
            f"{table.path}: {table.n_features} features and {table.n_classes} classes; "
            "logistic regression races on exactly 2 features and 2 classes (its loss surface "
            "is the plane of the two weights); choose problem=mlp for this file")
    return table_split(table, config.test_fraction, data_seed_of(config))

