"""A run's curves, kept once: the per-step series and one row of metrics per snapshot.

The window feeds every snapshot of the current run to one :class:`RunCurves` (the run
keeper's :class:`~nnviz.io.runs.RunRecord` holds it, and "Save run" writes it), and the loss
panel draws from that same store, so the curve a person sees and the curve a saved run holds
cannot disagree. A panel drawn without a window (``nnviz export``, a saved run's timeline, a
test) feeds a store of its own, of the same class.

Both halves are bounded by the one rule of :mod:`nnviz.core.history`:

- ``trace``: each per-step series (e.g. the mini-batch loss of every update) in a
  :class:`~nnviz.core.history.History` of about ``trace_capacity`` points, spikes kept;
- the metric rows (step, epoch, wall seconds, every metric) in a
  :class:`~nnviz.core.history.HistoryTable` of at most ``history_capacity`` rows, thinned by
  the training loss, the latest row always kept.

Readers take :class:`Curve` copies (:meth:`RunCurves.curves`), so a later snapshot never
changes what they hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.history import History, HistoryTable

#: metric-row columns that are not metrics
ROW_FIELDS = ("step", "epoch", "wall_seconds")


def store_capacity(points: int) -> int:
    """A :class:`History` capacity for about ``points`` points (a multiple of 4, at least 8)."""
    return max(8, (points + 3) // 4 * 4)


def table_capacity(rows: int) -> int:
    """A store capacity whose table never holds more than ``rows`` rows (a store holds up to
    its capacity, the newest bucket's two rows, and the newest row)."""
    return max(8, (rows - 3) // 4 * 4)


@dataclass(frozen=True)
class Curve:
    """One curve read from a :class:`RunCurves`: x and y (copies, equally long), whether it
    is a per-step series (else a metric at the snapshot steps), and whether its store has
    thinned old points."""

    x: np.ndarray
    y: np.ndarray
    per_step: bool
    decimated: bool = False

    def __len__(self) -> int:
        return len(self.x)


class RunCurves:
    """The bounded curves of one run; see the module docstring."""

    def __init__(self, trace_capacity: int = 100_000, history_capacity: int = 5_000) -> None:
        self.trace_capacity = trace_capacity
        self.history_capacity = history_capacity
        #: per-step series by name, each x the step of the update it was measured at
        self.trace: dict[str, History] = {}
        self._table: HistoryTable | None = None

    # -- writing --------------------------------------------------------------------------
    def add(self, snapshot: Any) -> None:
        """Take one snapshot's metrics row and the per-step series since the previous one."""
        row = {"step": float(snapshot.step), "epoch": float(snapshot.epoch),
               "wall_seconds": float(snapshot.wall_seconds)}
        row.update({name: float(value) for name, value in snapshot.metrics.items()})
        if self._table is None:
            self._table = HistoryTable(table_capacity(self.history_capacity))
        self._table.add(row)
        trace = dict(snapshot.trace)
        steps = trace.pop("step", None)
        if steps is None:
            return
        for name, values in trace.items():
            series = self.trace.get(name)
            if series is None:
                series = self.trace[name] = History(store_capacity(self.trace_capacity))
            series.extend(steps, values)

    def set_history(self, columns: Mapping[str, np.ndarray]) -> None:
        """Take metric columns read back from a file, as they are (nothing thinned again)."""
        self._table = HistoryTable.from_columns(
            {k: np.asarray(v, dtype=np.float64).ravel() for k, v in columns.items()},
            store_capacity(self.history_capacity))

    def set_trace(self, name: str, steps: np.ndarray, values: np.ndarray,
                  decimation: int) -> None:
        """Take a per-step series read back from a file, as it is, with the stride it was
        thinned by (room for one more point than it holds: a full store would thin it)."""
        steps, values = np.asarray(steps).ravel(), np.asarray(values).ravel()
        series = History(store_capacity(max(self.trace_capacity, len(steps) + 1)))
        series.extend(steps, values)
        series.stride = decimation
        self.trace[name] = series

    # -- reading --------------------------------------------------------------------------
    def history_arrays(self) -> dict[str, np.ndarray]:
        """The metric rows as columns: step, epoch, wall seconds, then every metric."""
        return self._table.columns() if self._table is not None else {}

    def trace_arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every per-step series as (steps as integers, values)."""
        return {name: (series.x.astype(np.int64), series.y.copy())
                for name, series in self.trace.items()}

    @property
    def metrics_decimated(self) -> bool:
        """Whether the metric rows have been thinned."""
        return self._table is not None and self._table.decimated

    def curves(self, wanted: Callable[[str, bool], bool] = lambda name, per_step: True
               ) -> dict[str, Curve]:
        """Every metric, then every per-step series, that ``wanted(name, per_step)`` accepts,
        as :class:`Curve` copies (a per-step series hides a metric of the same name)."""
        found: dict[str, Curve] = {}
        columns = self.history_arrays()
        steps = columns.get("step")
        thinned = self.metrics_decimated
        for name, values in columns.items():
            if name not in ROW_FIELDS and name not in self.trace and wanted(name, False):
                found[name] = Curve(steps, values, per_step=False, decimated=thinned)
        for name, series in self.trace.items():
            if wanted(name, True):
                found[name] = Curve(series.x.copy(), series.y.copy(), per_step=True,
                                    decimated=series.decimated)
        return found
