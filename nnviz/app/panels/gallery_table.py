"""An example gallery as a CSV table: each shown example with its class scores.

The digits' misclassified panel and hotdog's validation images draw the same
:class:`~nnviz.core.classifier_views.ExampleGallery`, so both export it through this one
function: one row per example, in the order drawn, with its position in the evaluated split,
its true and predicted class names and one ``score_<class>`` column per class (the model's
probability, which :mod:`nnviz.io.columns` describes in the sidecar).
"""

from __future__ import annotations

from nnviz.app.panels.base import CsvTable
from nnviz.core.classifier_views import ExampleGallery


def gallery_table(gallery: ExampleGallery) -> CsvTable:
    """(column names, columns) of ``gallery``; see the module docstring."""
    names = gallery.class_names
    columns: list[list[object]] = [
        [int(i) for i in gallery.indices],
        [names[int(k)] for k in gallery.labels],
        [names[int(k)] for k in gallery.predicted],
    ]
    columns += [[float(v) for v in gallery.scores[:, k]] for k in range(len(names))]
    return ["index", "true", "predicted", *(f"score_{n}" for n in names)], columns
