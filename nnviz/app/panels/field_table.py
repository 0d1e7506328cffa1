"""A class-probability field as a CSV table of modest, stated size.

A panel draws its :class:`~nnviz.core.views.DecisionGrid` at full resolution (200×200 on moons:
40,000 rows, 3 MB of CSV for one figure). The table keeps every k-th grid point along each
axis, so a side has at most :data:`CSV_FIELD_POINTS` points (50×50: 2,500 rows, about
100 KB), and writes them as float32, the precision the network computed them in. The
sentence for the sidecar says which points were kept, over which extent.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnviz.app.panels.base import CsvTable
from nnviz.core.views import DecisionGrid
from nnviz.io.columns import TableNotes

#: the most grid points a side of the CSV table keeps
CSV_FIELD_POINTS = 50


def field_stride(grid: DecisionGrid) -> int:
    """Every how many grid points the table keeps, so a side has ≤ CSV_FIELD_POINTS."""
    ny, nx = grid.probabilities.shape[:2]
    return max(1, math.ceil(max(nx, ny) / CSV_FIELD_POINTS))


def field_table(grid: DecisionGrid, x_name: str, y_name: str,
                class_column: Callable[[int], str]) -> CsvTable:
    """Columns ``x_name``, ``y_name`` and one probability column per class (its name from
    ``class_column(k)``), one row per kept grid point, x varying fastest."""
    ny, nx, k = grid.probabilities.shape
    every = field_stride(grid)
    x_min, x_max, y_min, y_max = grid.extent
    xs = np.linspace(x_min, x_max, nx)[::every].astype(np.float32)
    ys = np.linspace(y_min, y_max, ny)[::every].astype(np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    kept = np.asarray(grid.probabilities, dtype=np.float32)[::every, ::every].reshape(-1, k)
    return ([x_name, y_name, *(class_column(c) for c in range(k))],
            [grid_x.ravel(), grid_y.ravel(), *(kept[:, c] for c in range(k))])


def field_notes(grid: DecisionGrid, x_name: str, y_name: str, what: str,
                columns: dict[str, str] | None = None) -> TableNotes:
    """The sidecar's sentence on a :func:`field_table`: which points, over which extent."""
    ny, nx = grid.probabilities.shape[:2]
    every = field_stride(grid)
    kept_x, kept_y = len(range(0, nx, every)), len(range(0, ny, every))
    x_min, x_max, y_min, y_max = grid.extent
    return TableNotes(
        f"{what} on a {kept_x}×{kept_y} grid: {_every(every)} point of the {nx}×{ny} field "
        f"the panel draws, over {x_name} from {x_min:.4g} to {x_max:.4g} and {y_name} from "
        f"{y_min:.4g} to {y_max:.4g}", columns or {})


def _every(n: int) -> str:
    """"every", "every 2nd", "every 4th", "every 21st"."""
    if n == 1:
        return "every"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"every {n}{suffix}"
