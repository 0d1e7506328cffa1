"""Loss and accuracy curves, with pinned earlier runs drawn underneath for comparison.

Generic over scenarios: every per-step ``trace`` series whose name contains "loss" becomes a
per-step curve, and every snapshot metric whose name contains "loss" or "accuracy" becomes a
curve at the snapshot steps (the whole-set train loss is smooth where the per-step batch
loss is noisy, so both are drawn). Both are a mean per example without the weight-decay
penalty (:data:`~nnviz.session.TRACE_LABELS`), so they share the loss axis and the legend
names each exactly. Curves live in :class:`~nnviz.core.history.History`
buffers, so memory is bounded and spikes stay visible; the axis says when old points have been
thinned.

"Pin run" keeps the current curves; the next run draws over them, and the legend names what
differed between the pinned run and the current one (``Config.differences``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton

from nnviz.app.panels.axes import EmptyState, plain_axes
from nnviz.app.panels.base import CsvTable, Panel, register_panel
from nnviz.app.panels.legends import OutsideLegend
from nnviz.app.panels.pinning import RunSettings, describe_pinned
from nnviz.core.history import History
from nnviz.session import TRACE_LABELS, Snapshot

HISTORY_CAPACITY = 2048
MAX_PINNED = 4
CURVE_COLORS = {"train": (8, 119, 189), "test": (230, 120, 20)}
OTHER_COLORS = [(46, 160, 67), (148, 82, 165), (214, 39, 40), (127, 127, 127)]
PINNED_STYLES = [pg.QtCore.Qt.PenStyle.DashLine, pg.QtCore.Qt.PenStyle.DotLine,
                 pg.QtCore.Qt.PenStyle.DashDotLine, pg.QtCore.Qt.PenStyle.DashDotDotLine]
LOG_FLOOR = 1e-12


def curve_color(name: str, index: int) -> tuple[int, int, int]:
    if name == "loss":  # the per-step batch loss: a train quantity
        return CURVE_COLORS["train"]
    for prefix, color in CURVE_COLORS.items():
        if name.startswith(prefix):
            return color
    return OTHER_COLORS[index % len(OTHER_COLORS)]


def curve_label(name: str, per_step: bool) -> str:
    """The legend's words for a curve: what the session says a trace series is, else its
    name (a per-step series it does not describe is marked as such, never as "train")."""
    if per_step and name in TRACE_LABELS:
        return TRACE_LABELS[name]
    label = name.replace("_", " ")
    return f"{label} (every step)" if per_step else label


@dataclass
class PinnedRun:
    config: RunSettings | None
    curves: dict[str, History]
    items: list[pg.PlotDataItem] = field(default_factory=list)
    legend_item: pg.PlotDataItem | None = None


@register_panel
class LossPanel(Panel):
    kind = "loss"
    title = "Loss and accuracy"
    max_fps = 5.0
    pins_runs = True

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.log_y = QCheckBox("log y")
        self.log_y.setObjectName("loss-log-y")
        self.log_y.setChecked(True)
        self.log_y.toggled.connect(self.set_log_y)
        self.pin_button = QPushButton("Pin run")
        self.pin_button.setObjectName("loss-pin")
        self.pin_button.setToolTip("Keep these curves; the next run draws over them")
        self.pin_button.clicked.connect(lambda: self._pin_pressed("pin"))
        self.clear_button = QPushButton("Clear pinned")
        self.clear_button.setObjectName("loss-clear-pinned")
        self.clear_button.clicked.connect(lambda: self._pin_pressed("clear"))
        self.clear_button.setEnabled(False)
        bar.addWidget(self.log_y)
        bar.addStretch(1)
        bar.addWidget(self.pin_button)
        bar.addWidget(self.clear_button)
        self.layout_.addLayout(bar)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        # the loss legend sits above the plots, where it never hides a curve; as many
        # columns as fit the width, so a narrow panel stacks its entries instead of cutting
        self.loss_legend = OutsideLegend(self.view.ci, max_columns=3,
                                         labelTextColor=(20, 20, 20), verSpacing=-6)
        self.view.addItem(self.loss_legend, row=0, col=0)
        self.loss_plot = self.view.addPlot(row=1, col=0)
        self.accuracy_plot = self.view.addPlot(row=2, col=0)
        plain_axes(self.loss_plot, self.accuracy_plot)
        self.empty_states = (EmptyState(self.loss_plot), EmptyState(self.accuracy_plot, ""))
        self.view.ci.layout.setRowStretchFactor(0, 0)
        self.view.ci.layout.setRowStretchFactor(1, 3)
        self.view.ci.layout.setRowStretchFactor(2, 2)
        self.accuracy_plot.setXLink(self.loss_plot)
        self.loss_plot.enableAutoRange(x=False, y=True)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setClipToView(True)
            plot.setDownsampling(mode="peak", auto=True)
            plot.setMenuEnabled(False)
            plot.hideButtons()
        self.loss_plot.setLabel("left", "loss")
        # same colours as the loss legend above: blue train, orange test
        self.accuracy_plot.setLabel("left", "accuracy")
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.layout_.addWidget(self.view, 1)

        self.curves: dict[str, History] = {}
        self.items: dict[str, pg.PlotDataItem] = {}
        self.per_step: set[str] = set()
        self.pinned: list[PinnedRun] = []
        self.config: RunSettings | None = None
        self._last_recorded: Snapshot | None = None
        self._decimated = False
        self._accuracy_shown = True
        self.set_log_y(True)
        self._fit_rows()

    # -- taking in data -------------------------------------------------------------------
    def record_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot is self._last_recorded:
            return
        if snapshot.run_id != self.run_id:
            self.start_run(snapshot.run_id)
        self._last_recorded = snapshot
        if snapshot.config is not self.config:
            self.config = snapshot.config
            self._relabel_pinned()
        trace = snapshot.trace
        steps = trace.get("step")
        if steps is not None and len(steps):
            for name, values in trace.items():
                if name != "step" and "loss" in name:
                    self._series(name, per_step=True).extend(steps, values)
        for name, value in snapshot.metrics.items():
            if "loss" not in name and "accuracy" not in name:
                continue
            self._series(name, per_step=False).append(snapshot.step, float(value))

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.record_snapshot(snapshot)
        super().show_snapshot(snapshot)
        self.redraw()

    def _series(self, name: str, *, per_step: bool) -> History:
        history = self.curves.get(name)
        if history is None:
            history = self.curves[name] = History(HISTORY_CAPACITY)
            if per_step:
                self.per_step.add(name)
            self.items[name] = self._make_item(name, per_step)
            self._fit_rows()
        return history

    def _make_item(self, name: str, per_step: bool) -> pg.PlotDataItem:
        plot = self.accuracy_plot if "accuracy" in name else self.loss_plot
        color = curve_color(name, len(self.items))
        if per_step:  # light and thin: the noisy raw signal under the evaluated curves
            pen = pg.mkPen((*color, 110), width=1)
        else:
            pen = pg.mkPen(color, width=2)
        item = plot.plot([], [], pen=pen, name=curve_label(name, per_step))
        if plot is self.loss_plot:
            self.loss_legend.addItem(item, curve_label(name, per_step))
        item.setZValue(5 if per_step else 10)
        return item

    def redraw(self) -> None:
        log = self.log_y.isChecked()
        empty = not any(len(h) and h.x[-1] > h.x[0]  # a curve needs two steps to show
                        for run in (self, *self.pinned) for h in run.curves.values())
        for state in self.empty_states:
            state.set_empty(empty)
        last = 0.0
        for name, history in self.curves.items():
            self.items[name].setData(history.x, self._y(name, history.y, log))
            if len(history):
                last = max(last, float(history.x[-1]))
        for run in self.pinned:
            last = max([last, *(float(h.x[-1]) for h in run.curves.values() if len(h))])
        # x follows the run explicitly: clip-to-view then clips to the range being shown
        self.loss_plot.setXRange(0.0, max(last, 1.0), padding=0.02)
        decimated = any(h.decimated for h in self.curves.values())
        if decimated != self._decimated:
            self._decimated = decimated
            self._label_steps()

    def _fit_rows(self) -> None:
        """The accuracy plot only when a curve has an accuracy (word2vec's losses have none):
        an empty second plot would only take half of the room."""
        names = [*self.curves, *(name for run in self.pinned for name in run.curves)]
        wanted = any("accuracy" in name for name in names)
        if wanted != self._accuracy_shown:
            self._accuracy_shown = wanted
            if wanted:
                self.view.addItem(self.accuracy_plot, row=2, col=0)
                self.view.ci.layout.setRowStretchFactor(2, 2)
            else:
                self.view.ci.removeItem(self.accuracy_plot)
            self._label_steps()

    def _label_steps(self) -> None:
        """Label the lowest plot shown with the step axis, saying when old points are thinned."""
        text = "step" + (" (old steps thinned, spikes kept)" if self._decimated else "")
        if self._accuracy_shown:
            self.loss_plot.getAxis("bottom").showLabel(False)
            self.accuracy_plot.setLabel("bottom", text)
        else:
            self.loss_plot.setLabel("bottom", text)

    @staticmethod
    def _y(name: str, values: np.ndarray, log: bool) -> np.ndarray:
        if log and "accuracy" not in name:
            return np.maximum(values, LOG_FLOOR)
        return values

    def set_log_y(self, log: bool) -> None:
        self.loss_plot.setLogMode(y=log)
        if self.log_y.isChecked() != log:
            self.log_y.setChecked(log)
        self.redraw()
        for run in self.pinned:
            self._draw_pinned(run)

    # -- runs and pins --------------------------------------------------------------------
    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        for item in self.items.values():
            self._remove_item(item)
            self.loss_legend.removeItem(item)
        self.curves, self.items, self.per_step = {}, {}, set()
        self._last_recorded = None
        self._decimated = False
        self._fit_rows()
        self._label_steps()
        self._relabel_pinned()

    def _pin_pressed(self, action: str) -> None:
        """This panel's own button; the window does the same to every panel that pins (the
        decision boundary keeps a pinned run's border just as this panel keeps its curves)."""
        self.pin_run() if action == "pin" else self.clear_pinned()
        self.pins_requested.emit(action)

    def pin_run(self) -> None:
        """Keep the current curves (dashed, under the next runs)."""
        if not self.curves:
            return
        run = PinnedRun(self.config, {name: h.copy() for name, h in self.curves.items()})
        style = PINNED_STYLES[len(self.pinned) % len(PINNED_STYLES)]
        for index, name in enumerate(run.curves):
            plot = self.accuracy_plot if "accuracy" in name else self.loss_plot
            color = curve_color(name, index)
            pen = pg.mkPen((*color, 150), width=1.5, style=style)
            item = plot.plot([], [], pen=pen)
            item.setZValue(0)
            item.setProperty("curve_name", name)
            run.items.append(item)
        self.pinned.append(run)
        while len(self.pinned) > MAX_PINNED:
            self._remove_pinned(self.pinned.pop(0))
        self._draw_pinned(run)
        self._relabel_pinned()
        self._fit_rows()
        self.clear_button.setEnabled(True)

    def clear_pinned(self) -> None:
        for run in self.pinned:
            self._remove_pinned(run)
        self.pinned = []
        self._fit_rows()
        self.clear_button.setEnabled(False)

    def _remove_pinned(self, run: PinnedRun) -> None:
        if run.legend_item is not None:
            self.loss_legend.removeItem(run.legend_item)
        for item in run.items:
            self._remove_item(item)

    def _remove_item(self, item: pg.PlotDataItem) -> None:
        """Through the PlotItem, which also forgets it (the view box alone would not: every
        run would leave its curves in the PlotItem's lists)."""
        for plot in (self.loss_plot, self.accuracy_plot):
            if item in plot.items:
                plot.removeItem(item)

    def _draw_pinned(self, run: PinnedRun) -> None:
        log = self.log_y.isChecked()
        for item in run.items:
            name = item.property("curve_name")
            history = run.curves[name]
            item.setData(history.x, self._y(name, history.y, log))

    def _relabel_pinned(self) -> None:
        for number, run in enumerate(self.pinned, start=1):
            if run.legend_item is not None:
                self.loss_legend.removeItem(run.legend_item)
            sample = pg.PlotDataItem(pen=run.items[0].opts["pen"]) if run.items else None
            if sample is None:
                continue
            run.legend_item = sample
            self.loss_legend.addItem(sample, f"pinned {number}: {self.describe(run.config)}")

    def describe(self, pinned: RunSettings | None) -> str:
        """What differed from the current run: "Hidden layers 3 (now 10), …"."""
        return describe_pinned(pinned, self.config)

    def legend_texts(self) -> list[str]:
        return [label.text for _, label in self.loss_legend.items]

    # -- export ---------------------------------------------------------------------------
    def export_target(self) -> pg.GraphicsScene:
        """The legend and the plots, without the "log y" and "Pin run" bar above them."""
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        tables: dict[str, CsvTable] = {}
        for name, history in self.curves.items():
            tables[name] = (["step", name], [history.x.tolist(), history.y.tolist()])
        for number, run in enumerate(self.pinned, start=1):
            for name, history in run.curves.items():
                tables[f"pinned{number}_{name}"] = (
                    ["step", name], [history.x.tolist(), history.y.tolist()])
        return tables
