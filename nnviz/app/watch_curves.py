"""The curves of every watched run at once: a chosen series and the learning rate, one colour
per run, each steering change marked (the shown run's gradient norms per layer are in the layer
health panel).

Every run's per-step series come from its one store (the listener's
:class:`~nnviz.io.runs.RunRecord`, bounded, spikes kept). Plot items are made once per run
(and once per mark) and updated with ``setData``; long curves are drawn peak-downsampled and
clipped to the view, as pyqtgraph's own scrolling examples do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.app.panels.axes import plain_plot
from nnviz.app.watch_listener import WatchedRun
from nnviz.watching.records import split_setting_key

#: one colour per attached run, in attach order (colour-blind safe: Okabe-Ito)
RUN_COLORS = [(0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167),
              (86, 180, 233), (213, 94, 0), (120, 120, 120)]
DEFAULT_SERIES = "loss"
#: series that are the watcher's own bookkeeping, listed after the person's scalars
OWN_SERIES = ("learning_rate", "momentum", "step_seconds", "examples_per_second")
#: the least height (pixels) of the chosen-series plot and of the learning-rate plot
METRIC_PLOT_MIN_HEIGHT = 120
RATE_PLOT_MIN_HEIGHT = 135
SETTING_WORDS = {"learning_rate": "lr", "momentum": "momentum", "weight_decay": "wd"}


def run_color(index: int) -> tuple[int, int, int]:
    return RUN_COLORS[index % len(RUN_COLORS)]


def mark_text(mark: dict) -> str:
    """A steering change in a few words: ``lr → 0.01`` (group 0), ``wd (group 2) → 0.001``
    (another live change: ``hidden_units → 32``)."""
    group = int(mark.get("group", 0))
    word = SETTING_WORDS.get(str(mark.get("name")), str(mark.get("name")))
    suffix = f" (group {group})" if group else ""
    value = mark.get("value", np.nan)
    shown = f"{value:.3g}" if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else str(value)[:24]
    return f"{word}{suffix} → {shown}"


def change_marks(changes: Iterable[tuple[int, Mapping[str, Any]]]) -> list[dict]:
    """A run's live changes (``RunRecord.config_changes``: what a recorded watched run was
    steered to, and when) as the marks the watch window draws: one per changed setting."""
    marks = []
    for step, values in changes:
        for key, value in values.items():
            group, name = split_setting_key(key) or (0, key)
            marks.append({"step": step, "group": group, "name": name, "value": value})
    return marks


def mark_line(mark: dict, color: tuple[int, int, int], *, labelled: bool = True,
              fill: tuple[int, int, int, int] = (255, 255, 255, 200)) -> pg.InfiniteLine:
    """The dashed vertical line of a mark, with its words near the top when ``labelled``, on
    ``fill`` (the plot's background, a little see-through)."""
    pen = pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine)
    if not labelled:
        return pg.InfiniteLine(pos=float(mark.get("step", 0)), angle=90, movable=False,
                               pen=pen)
    return pg.InfiniteLine(
        pos=float(mark.get("step", 0)), angle=90, movable=False, pen=pen,
        label=mark_text(mark), labelOpts={"position": 0.92, "color": color, "fill": fill})


def series_names(runs: Iterable[WatchedRun]) -> list[str]:
    """Every per-step series the runs have, the person's scalars first (losses first)."""
    names: set[str] = set()
    for run in runs:
        if run.record is not None:
            names.update(run.record.trace)
    own = [n for n in names if n.startswith(OWN_SERIES)]
    theirs = sorted((n for n in names if n not in own), key=lambda n: ("loss" not in n, n))
    return theirs + sorted(own)


class _RunItems:
    """The plot items of one run: its chosen-series curve, its learning-rate curve, marks."""

    def __init__(self, metric: pg.PlotItem, rate: pg.PlotItem, run: WatchedRun,
                 color: tuple[int, int, int]) -> None:
        self.color = color
        pen = pg.mkPen(color, width=2)
        self.metric = metric.plot(pen=pen, name=run.title)
        self.rate = rate.plot(pen=pen, name=run.title)
        for item in (self.metric, self.rate):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        self.marks: list[pg.InfiniteLine] = []


class WatchCurves(QWidget):
    """The overlay of every watched run; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Curve (every step)"))
        self.series_box = QComboBox()
        self.series_box.setObjectName("watch-series")
        self.series_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.series_box.currentIndexChanged.connect(lambda _: self.redraw(self._runs))
        row.addWidget(self.series_box)
        row.addStretch(1)
        layout.addLayout(row)
        self.metric_widget = plain_plot(background="w")
        self.metric_plot = self.metric_widget.getPlotItem()
        self.metric_plot.addLegend(offset=(-10, 10))
        self.metric_plot.showGrid(x=True, y=True, alpha=0.2)
        self.rate_widget = plain_plot(background="w")
        self.rate_plot = self.rate_widget.getPlotItem()
        self.rate_plot.setLabel("left", "learning rate")
        self.rate_plot.setLabel("bottom", "step")
        self.rate_plot.showGrid(x=True, y=True, alpha=0.2)
        self.rate_plot.setXLink(self.metric_plot)
        # tall enough for their axes' words: a short window shrinks the panels below instead
        # (squeezed, the rate plot lost its "step" label and wrapped "learning rate")
        self.metric_widget.setMinimumHeight(METRIC_PLOT_MIN_HEIGHT)
        self.rate_widget.setMinimumHeight(RATE_PLOT_MIN_HEIGHT)
        layout.addWidget(self.metric_widget, 3)
        layout.addWidget(self.rate_widget, 2)
        self.items: dict[str, _RunItems] = {}
        self._runs: list[WatchedRun] = []

    @property
    def series(self) -> str:
        return self.series_box.currentData() or DEFAULT_SERIES

    def redraw(self, runs: list[WatchedRun]) -> None:
        """Draw every run's curves and any new marks (items made once per run)."""
        self._runs = runs
        self._offer_series(runs)
        name = self.series
        self.metric_plot.setLabel("left", name.replace("_", " "))
        for index, run in enumerate(runs):
            items = self.items.get(run.key)
            if items is None:
                items = self.items[run.key] = _RunItems(self.metric_plot, self.rate_plot, run,
                                                        run_color(index))
            items.metric.setData(*_series(run, name))
            items.rate.setData(*_series(run, "learning_rate"))
            self._add_marks(items, run)
        self._rate_from_zero(runs)

    def _rate_from_zero(self, runs: list[WatchedRun]) -> None:
        """The learning-rate axis starts at 0: a constant rate is a flat line at its value,
        and a change reads as the share of the rate it is, not as a jump across the plot."""
        highest = max((float(np.nanmax(values)) for run in runs
                       for values in [_series(run, "learning_rate")[1]] if values.size),
                      default=0.0)
        if np.isfinite(highest) and highest > 0:
            self.rate_plot.setYRange(0.0, highest * 1.15, padding=0)

    def _offer_series(self, runs: list[WatchedRun]) -> None:
        """Add the series that appeared; the loss is chosen when it first does."""
        known = [self.series_box.itemData(i) for i in range(self.series_box.count())]
        new = [name for name in series_names(runs) if name not in known]
        if not new:
            return
        self.series_box.blockSignals(True)  # redraw once, by the caller
        for name in new:
            self.series_box.addItem(name.replace("_", " "), name)
        if DEFAULT_SERIES in new:
            self.series_box.setCurrentIndex(self.series_box.findData(DEFAULT_SERIES))
        self.series_box.blockSignals(False)

    def _add_marks(self, items: _RunItems, run: WatchedRun) -> None:
        for mark in run.marks[len(items.marks):]:
            line = mark_line(mark, items.color)
            self.rate_plot.addItem(line)
            items.marks.append(line)
            self.metric_plot.addItem(mark_line(mark, items.color, labelled=False))


def _series(run: WatchedRun, name: str) -> tuple[np.ndarray, np.ndarray]:
    series = run.record.trace.get(name) if run.record is not None else None
    if series is None:
        return np.zeros(0), np.zeros(0)
    return series.x, series.y
