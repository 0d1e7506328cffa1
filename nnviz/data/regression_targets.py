"""Data for regression: noisy samples of a function y = f(x), or a data file's columns.

Each generated target is a function on a fixed domain, scaled so that its values span about
[−1.5, 1.5]: the same learning rate suits every one.

    sine        y = sin(2x)                 x ∈ [−3, 3]     two periods, smooth
    abs         y = |x| − 1                 x ∈ [−2, 2]     one kink
    step        y = −1 for x < 0, else 1    x ∈ [−2, 2]     a jump: no continuous fit is exact
    polynomial  y = x³/6 − x                x ∈ [−3, 3]     two bends
    saddle      y = (x₁² − x₂²)/3           x ∈ [−2, 2]²    a surface of two inputs
    sincos      y = sin x₁ · cos x₂         x ∈ [−3, 3]²    a surface of two inputs

Samples are drawn uniformly over the domain and their targets get Gaussian noise of σ
``noise``; a :class:`~nnviz.data.toy.Split` carries them with the real targets where a
classifier's split has labels (``n_classes`` is 1: one output).

A data file (``target="file"``) is read by the table reader of :mod:`nnviz.data.table_file`:
its target column (the last unless named) as numbers, the other columns as inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from nnviz.data.table_file import TableFileError, read_columns, resolve_data_path
from nnviz.data.toy import Split, split

Array = np.ndarray


@dataclass(frozen=True)
class Target:
    """A function to fit, its inputs' domain (the same interval for each input) and its
    formula in words (for a title)."""

    function: Callable[[Array], Array]
    low: float
    high: float
    n_inputs: int
    formula: str


TARGETS: dict[str, Target] = {
    "sine": Target(lambda x: np.sin(2.0 * x[:, 0]), -3.0, 3.0, 1, "y = sin 2x"),
    "abs": Target(lambda x: np.abs(x[:, 0]) - 1.0, -2.0, 2.0, 1, "y = |x| − 1"),
    "step": Target(lambda x: np.where(x[:, 0] < 0, -1.0, 1.0), -2.0, 2.0, 1,
                   "y = −1 for x < 0, else 1"),
    "polynomial": Target(lambda x: x[:, 0] ** 3 / 6.0 - x[:, 0], -3.0, 3.0, 1,
                         "y = x³/6 − x"),
    "saddle": Target(lambda x: (x[:, 0] ** 2 - x[:, 1] ** 2) / 3.0, -2.0, 2.0, 2,
                     "y = (x₁² − x₂²)/3"),
    "sincos": Target(lambda x: np.sin(x[:, 0]) * np.cos(x[:, 1]), -3.0, 3.0, 2,
                     "y = sin x₁ · cos x₂"),
}
#: the target read from a data file's columns
FILE_TARGET = "file"
TARGET_NAMES = (*TARGETS, FILE_TARGET)


def make_regression(name: str, n_samples: int, noise: float, seed: int,
                    test_fraction: float) -> Split:
    """``n_samples`` noisy samples of target ``name``, split; the same arguments give the
    same arrays."""
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGET_NAMES)}")
    target = TARGETS[name]
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(target.low, target.high, size=(n_samples, target.n_inputs))
    targets = target.function(inputs) + rng.normal(scale=noise, size=n_samples)
    names = ("x",) if target.n_inputs == 1 else ("x₁", "x₂")
    return replace(split(inputs, targets, test_fraction, rng, n_classes=1), feature_names=names)


def read_target_file(path: str, target_column: str, test_fraction: float,
                     seed: int) -> tuple[Split, str]:
    """A data file's rows split by ``seed`` (or by its own ``split`` column), and the target
    column's name: the target column (``target_column``: header name or 0-based index; empty
    for the last) as real numbers, every other column an input. Raises
    :class:`~nnviz.data.table_file.TableFileError` (one line: the file, the row, the problem)
    for a target that is not a number, or an input or target that is not finite."""
    parts = read_columns(path, target_column.strip() or None)
    where = resolve_data_path(path)
    targets = _numeric_targets(where, parts.labels, parts.rows)
    _check_finite(where, parts.features, parts.rows, "input")
    if parts.test_rows is not None:
        test = parts.test_rows
        data = Split(parts.features[~test], targets[~test], parts.features[test], targets[test],
                     1)
    else:
        data = split(parts.features, targets, test_fraction, np.random.default_rng(seed), 1)
    return replace(data, feature_names=parts.feature_names), _target_name(target_column)


def _numeric_targets(path: object, labels: Array, rows: Array | None) -> Array:
    """The target column as float64, or an error naming the first row that is not a number."""
    if labels.dtype.kind == "S":
        labels = np.char.decode(labels, "utf-8", errors="replace")
    if labels.dtype.kind in "US":
        for index, text in enumerate(labels):
            try:
                float(text)
            except ValueError:
                raise TableFileError(
                    f"{path}: row {_row(index, rows)}: target {str(text)!r} is not a number; "
                    "a regression target is a column of numbers") from None
    targets = labels.astype(np.float64)
    _check_finite(path, targets[:, None], rows, "target")
    return targets


def _check_finite(path: object, values: Array, rows: Array | None, what: str) -> None:
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if len(bad):
        index = int(bad[0])
        raise TableFileError(f"{path}: row {_row(index, rows)}: the {what} is not a finite "
                             "number (NaN and infinity cannot be trained on)")


def _row(index: int, rows: Array | None) -> int:
    """The file's line number of data row ``index`` (an array's rows count from 1)."""
    return int(rows[index]) if rows is not None else index + 1


def _target_name(target_column: str) -> str:
    """The target's name on an axis: the column's when chosen by name, else "y"."""
    text = target_column.strip()
    return text if text and not text.lstrip("-").isdigit() else "y"
