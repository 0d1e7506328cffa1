"""A labelled data set written as one CSV that ``dataset=file`` reads back as it was.

The columns are the features (by their names; ``x1``, ``x2``… when the set has none), then
``split`` (``train`` or ``test``) and last the label, so the reader's defaults find it: the
label is the last column and the ``split`` column keeps the same rows held out
(:mod:`nnviz.data.table_file`). A label is the class's name where the classes have names
(a data file's words), else its number. A regression's set (``target_name`` given) has a
real target instead of a label, last under that name, which ``target=file`` reads back.
Numbers are written with ``repr``, which reads back to the same float64; fields with a comma
or a quote are quoted as CSV does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nnviz.data.table_file import SPLIT_COLUMN, SPLIT_VALUES
from nnviz.data.toy import Split

#: the label column's header name
LABEL_COLUMN = "label"


def dataset_csv_text(split: Split, notes: Sequence[str] = (), *,
                     target_name: str | None = None) -> str:
    """The whole split as CSV text: ``# `` comment lines for ``notes`` (the reader skips
    them), the header, then the training rows and the test rows, each in the split's order.
    With ``target_name`` the last column is that real-valued target (a regression's), not a
    class label."""
    out = io.StringIO()
    for note in notes:
        out.write(f"# {' '.join(note.split())}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*feature_names(split), SPLIT_COLUMN, target_name or LABEL_COLUMN])
    for name, points, labels in ((SPLIT_VALUES[0], split.train_x, split.train_y),
                                 (SPLIT_VALUES[1], split.test_x, split.test_y)):
        label_texts = (class_texts(labels, split.class_names) if target_name is None
                       else list(map(repr, np.asarray(labels, np.float64).tolist())))
        writer.writerows([*map(repr, row), name, label]
                         for row, label in zip(np.asarray(points, np.float64).tolist(),
                                               label_texts, strict=True))
    return out.getvalue()


def write_dataset_csv(path: str | Path, split: Split, notes: Sequence[str] = (), *,
                      target_name: str | None = None) -> Path:
    """Write :func:`dataset_csv_text` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(dataset_csv_text(split, notes, target_name=target_name), encoding="utf-8")
    return path


def feature_names(split: Split) -> list[str]:
    """The feature columns' names: the set's own, else ``x1``…``xd``; never ``split`` or
    ``label`` twice (a feature so named gets a ``_feature`` suffix)."""
    names = list(split.feature_names) or [f"x{i}" for i in range(1, split.n_features + 1)]
    taken = {SPLIT_COLUMN, LABEL_COLUMN}
    return [f"{name}_feature" if name.strip().lower() in taken else name for name in names]


def class_texts(labels: np.ndarray, class_names: Sequence[str]) -> list[str]:
    """Each label as written: its class name when the classes have names, else its number."""
    indices = np.asarray(labels, dtype=np.int64)
    if class_names:
        names = np.asarray(class_names, dtype=object)
        return names[indices].tolist()
    return [str(int(i)) for i in indices]
