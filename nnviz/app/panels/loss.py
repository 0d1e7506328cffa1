"""Loss and accuracy curves, with pinned earlier runs drawn underneath for comparison.

Generic over scenarios: every per-step ``trace`` series whose name contains "loss" becomes a
per-step curve, and every snapshot metric whose name contains "loss" or "accuracy" becomes a
curve at the snapshot steps (the whole-set train loss is smooth where the per-step batch
loss is noisy, so both are drawn). Both are a mean per example without the weight-decay
penalty (:data:`~nnviz.session.TRACE_LABELS`), so they share the loss axis and the legend
names each exactly.

The panel keeps no curves of its own: it draws a run's one curve store,
:class:`~nnviz.io.run_curves.RunCurves`. In the window that is the store the run keeper feeds
for "Save run" (:meth:`LossPanel.read_curves_from`), so the panel and a saved run cannot
disagree; drawn alone (``nnviz export``, a saved run's timeline, a test) the panel feeds a store
of its own from the snapshots it is given. The store is bounded and keeps spikes; each curve is
drawn with at most :data:`DRAWN_POINTS` points by the same rule
(:func:`~nnviz.core.history.thinned`), and the axis says when old points have been thinned.

"Pin run" keeps the current curves; the next run draws over them, and the legend names what
differed between the pinned run and the current one (``Config.differences``).

The loss plot stays readable in a short panel: stacked under a legend, two plots in a
236-pixel panel (a 1440×900 window's) got some 45 pixels each, and 30 under a pinned run's
four-row legend. Where stacking would squeeze them (:data:`STACK_FROM_HEIGHT_PX`) the two
plots stand side by side, as Keras's classic loss-and-accuracy figure has them, each with its
own step axis, and the legend above takes as many columns as fit. Each plot then keeps at
least :data:`MIN_PLOT_HEIGHT_PX` of data area in any panel the panel area lays out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton

from nnviz.app.panels.axes import EmptyState, add_plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel
from nnviz.app.panels.legends import OutsideLegend
from nnviz.app.panels.pinning import RunSettings, describe_pinned
from nnviz.core.history import thinned
from nnviz.io.run_curves import Curve, RunCurves
from nnviz.session import TRACE_LABELS, Snapshot

#: the most points one curve is drawn with (a few per pixel of a wide screen); a longer
#: stored curve is thinned for drawing, spikes kept
DRAWN_POINTS = 2048
MAX_PINNED = 4
CURVE_COLORS = {"train": (8, 119, 189), "test": (230, 120, 20)}
OTHER_COLORS = [(46, 160, 67), (148, 82, 165), (214, 39, 40), (127, 127, 127)]
PINNED_STYLES = [pg.QtCore.Qt.PenStyle.DashLine, pg.QtCore.Qt.PenStyle.DotLine,
                 pg.QtCore.Qt.PenStyle.DashDotLine, pg.QtCore.Qt.PenStyle.DashDotDotLine]
LOG_FLOOR = 1e-12
#: below this height (of the plots' view) the loss and score plots stand side by side
STACK_FROM_HEIGHT_PX = 340
#: and only where each of them then keeps this width
MIN_SIDE_BY_SIDE_WIDTH_PX = 150
#: the least data-area height each plot keeps in a panel the panel area lays out (tested)
MIN_PLOT_HEIGHT_PX = 80


def curve_group(name: str) -> str:
    """Whose quantity a curve is: "train", "test", "validation", "baseline" … (its name less
    "_loss", "_accuracy" and the like). A group's loss and score share one colour, so the
    lower plot needs no key of its own for a group the legend already names."""
    if name == "loss":  # the per-step batch loss: a train quantity
        return "train"
    for prefix in CURVE_COLORS:
        if name.startswith(prefix):
            return prefix
    for suffix in ("_loss", "_accuracy", "_mse", "_r2"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_score(name: str) -> bool:
    """Whether curve ``name`` goes on the lower plot, a 0-1 scale: a classifier's accuracy,
    a regression's R² (``train_r2``)."""
    return "accuracy" in name or name.endswith("_r2")


def score_name(scores: list[str]) -> str:
    """What the lower plot's curves are: "R²" when every one is a regression's R², else
    "accuracy" (also before any score is drawn)."""
    return "R²" if scores and all(name.endswith("_r2") for name in scores) else "accuracy"


def is_drawn(name: str, per_step: bool) -> bool:
    """Whether the panel draws curve ``name``: every per-step loss series, and every loss,
    mean squared error (a regression's ``train_mse``) and score metric."""
    name = name.lower()  # TensorBoard tags are spelled "Loss/train" in torch's docs
    return "loss" in name or (not per_step and (is_score(name) or name.endswith("_mse")))


def own_store() -> RunCurves:
    """The store of a panel drawn without a window: sized so that it never holds more points
    per curve than the panel draws (its per-step series hold up to capacity + 2)."""
    return RunCurves(trace_capacity=DRAWN_POINTS - 4, history_capacity=DRAWN_POINTS)


def curve_label(name: str, per_step: bool, config: RunSettings | None = None) -> str:
    """The legend's words for a curve: what the run's config says its trace series is (a
    watched script's or a TensorBoard log's: ``Config.trace_label``),
    else what nnviz's session says it is, else its name (a per-step series neither describes
    is marked as such, never as "train")."""
    own = config.trace_label(name) if per_step and config is not None else None
    if own is not None:
        return own
    if per_step and name in TRACE_LABELS:
        return TRACE_LABELS[name]
    label = name.replace("_", " ")
    return f"{label} (every step)" if per_step else label


@dataclass
class PinnedRun:
    config: RunSettings | None
    curves: dict[str, Curve]
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
        self.loss_legend = OutsideLegend(self.view.ci, labelTextColor=(20, 20, 20),
                                         verSpacing=-6)
        self.view.addItem(self.loss_legend, row=0, col=0)
        self.loss_plot = add_plain_plot(self.view, row=1, col=0, enableMenu=False)
        self.accuracy_plot = add_plain_plot(self.view, row=2, col=0, enableMenu=False)
        self.empty_states = (EmptyState(self.loss_plot), EmptyState(self.accuracy_plot, ""))
        self.view.ci.layout.setRowStretchFactor(0, 0)
        self.view.ci.layout.setRowStretchFactor(1, 3)
        self.view.ci.layout.setRowStretchFactor(2, 2)
        self.accuracy_plot.setXLink(self.loss_plot)
        self.loss_plot.enableAutoRange(x=False, y=True)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setClipToView(True)
            plot.setDownsampling(mode="peak", auto=True)
            plot.hideButtons()
        self.loss_plot.setLabel("left", "loss")
        # same colours as the loss legend above: blue train, orange test
        self.accuracy_plot.setLabel("left", "accuracy")
        self.accuracy_plot.setYRange(0.0, 1.0, padding=0.02)
        self.layout_.addWidget(self.view, 1)

        self.items: dict[str, pg.PlotDataItem] = {}
        self.pinned: list[PinnedRun] = []
        self.config: RunSettings | None = None
        #: run id -> that run's store, when someone else keeps it (the window's run keeper)
        self._curve_source: Callable[[int], RunCurves | None] | None = None
        self._own_curves = own_store()
        self._last_recorded: Snapshot | None = None
        self._decimated = False
        self._accuracy_shown = True
        self._side_by_side = False
        #: colours of groups other than train and test, in order of appearance (kept across
        #: runs, so a pinned run's curves keep the colours of the current run's)
        self._group_colors: dict[str, tuple[int, int, int]] = {}
        self.set_log_y(True)
        self._fit_rows()
        self.view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The plots' view resized: stack the plots or put them side by side to fit it."""
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self._arrange_plots()
        return super().eventFilter(watched, event)

    # -- taking in data -------------------------------------------------------------------
    def read_curves_from(self, source: Callable[[int], RunCurves | None]) -> None:
        """Draw the curves ``source`` keeps for a run id (None: none yet) instead of keeping
        them: the window's run keeper feeds every snapshot to that one store before the
        panels see it."""
        self._curve_source = source
        self._own_curves = own_store()
        self.redraw()

    def curve_store(self) -> RunCurves | None:
        """The store this panel draws: its source's for the current run, else its own."""
        if self._curve_source is None:
            return self._own_curves
        return None if self.run_id is None else self._curve_source(self.run_id)

    def record_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.run_id != self.run_id:
            self.start_run(snapshot.run_id)
        if snapshot.config is not self.config:
            self.config = snapshot.config
            self._relabel_pinned()
        if self._curve_source is None and snapshot is not self._last_recorded:
            self._last_recorded = snapshot
            self._own_curves.add(snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.record_snapshot(snapshot)
        super().show_snapshot(snapshot)
        self.redraw()

    @property
    def curves(self) -> dict[str, Curve]:
        """The current run's curves this panel draws, read from its store now."""
        store = self.curve_store()
        return {} if store is None else store.curves(is_drawn)

    def curve_color(self, name: str) -> tuple[int, int, int]:
        """Blue for train, orange for test, and one further colour per other group."""
        group = curve_group(name)
        if group in CURVE_COLORS:
            return CURVE_COLORS[group]
        if group not in self._group_colors:
            self._group_colors[group] = OTHER_COLORS[len(self._group_colors) % len(OTHER_COLORS)]
        return self._group_colors[group]

    @staticmethod
    def _keyed(name: str, names: list[str]) -> bool:
        """Every curve of the upper plot has a key; a score curve only when no upper-plot curve
        of its group has one (its colour would then say nothing: the digits' baseline
        accuracy)."""
        if not is_score(name):
            return True
        group = curve_group(name)
        return not any(not is_score(other) and curve_group(other) == group for other in names)

    def _item(self, name: str, per_step: bool, keyed: bool) -> pg.PlotDataItem:
        """The plot item of curve ``name``, made the first time the curve is drawn, with a
        legend entry when ``keyed``."""
        item = self.items.get(name)
        if item is None:
            item = self.items[name] = self._make_item(name, per_step, keyed)
            self._fit_rows()
        return item

    def _make_item(self, name: str, per_step: bool, keyed: bool) -> pg.PlotDataItem:
        plot = self.accuracy_plot if is_score(name) else self.loss_plot
        color = self.curve_color(name)
        if per_step:  # light and thin: the noisy raw signal under the evaluated curves
            pen = pg.mkPen((*color, 110), width=1)
        else:
            pen = pg.mkPen(color, width=2)
        label = curve_label(name, per_step, self.config)
        item = plot.plot([], [], pen=pen, name=label)
        if keyed:
            self.loss_legend.addItem(item, label)
        item.setZValue(5 if per_step else 10)
        return item

    def redraw(self) -> None:
        log = self.log_y.isChecked()
        curves = self.curves
        empty = not any(len(c) and c.x[-1] > c.x[0]  # a curve needs two steps to show
                        for run in (curves, *(p.curves for p in self.pinned))
                        for c in run.values())
        for state in self.empty_states:
            state.set_empty(empty)
        last = 0.0
        decimated = False
        names = list(curves)
        for name, curve in curves.items():
            x, y = thinned(curve.x, curve.y, DRAWN_POINTS)
            item = self._item(name, curve.per_step, self._keyed(name, names))
            item.setData(x, self._y(name, y, log))
            decimated = decimated or curve.decimated or len(x) < len(curve)
            if len(curve):
                last = max(last, float(curve.x[-1]))
        for run in self.pinned:
            last = max([last, *(float(c.x[-1]) for c in run.curves.values() if len(c))])
        # x follows the run explicitly: clip-to-view then clips to the range being shown
        self.loss_plot.setXRange(0.0, max(last, 1.0), padding=0.02)
        if decimated != self._decimated:
            self._decimated = decimated
            self._label_steps()

    def _fit_rows(self) -> None:
        """The accuracy plot only when a curve has an accuracy (word2vec's losses have none):
        an empty second plot would only take half of the room."""
        names = [*self.items, *(name for run in self.pinned for name in run.curves)]
        wanted = any(is_score(name) for name in names)
        score = score_name([name for name in names if is_score(name)])
        self.accuracy_plot.setLabel("left", score)
        self.set_title(f"Loss and {score}" if score == "R²" else type(self).title)
        if wanted != self._accuracy_shown:
            self._accuracy_shown = wanted
            if wanted:
                self._add_accuracy_plot()
            else:
                self.view.ci.removeItem(self.accuracy_plot)
            self._label_steps()
        self._arrange_plots()

    def wants_side_by_side(self) -> bool:
        """Whether the plots' view is too short to stack two readable plots and wide enough
        to hold them side by side (only the view's size decides: never what is drawn, so
        the arrangement cannot swing back and forth)."""
        size = self.view.size()
        return (size.height() < STACK_FROM_HEIGHT_PX
                and size.width() >= 2 * MIN_SIDE_BY_SIDE_WIDTH_PX)

    def _arrange_plots(self) -> None:
        """Put the score plot under the loss plot or beside it, as the view's size wants."""
        side = self.wants_side_by_side()
        if side == self._side_by_side:
            return
        self._side_by_side = side
        layout = self.view.ci
        layout.removeItem(self.loss_legend)
        self.view.addItem(self.loss_legend, row=0, col=0, colspan=2 if side else 1)
        if self._accuracy_shown:
            layout.removeItem(self.accuracy_plot)
            self._add_accuracy_plot()
        self._label_steps()

    def _add_accuracy_plot(self) -> None:
        grid = self.view.ci.layout
        if self._side_by_side:
            self.view.addItem(self.accuracy_plot, row=1, col=1)
            grid.setRowStretchFactor(2, 0)
            grid.setColumnStretchFactor(0, 1)
            grid.setColumnStretchFactor(1, 1)
        else:
            self.view.addItem(self.accuracy_plot, row=2, col=0)
            grid.setRowStretchFactor(2, 2)
            grid.setColumnStretchFactor(1, 0)

    def _label_steps(self) -> None:
        """Label the lowest plot shown with the step axis, saying when old points are thinned.

        The plots share their steps, so only the lowest prints step values (as a figure with
        a shared x axis does): the loss plot above keeps its tick marks and gains the height
        of a row of numbers, which a short panel (a 1024×700 window) needs."""
        # side by side, each step axis is half as long: the short form of the same note
        note = " (thinned)" if self._side_by_side else " (old steps thinned, spikes kept)"
        text = "step" + (note if self._decimated else "")
        stacked = self._accuracy_shown and not self._side_by_side
        self.loss_plot.getAxis("bottom").setStyle(showValues=not stacked)
        if stacked:
            self.loss_plot.getAxis("bottom").showLabel(False)
        else:
            self.loss_plot.setLabel("bottom", text)
        if self._accuracy_shown:
            self.accuracy_plot.setLabel("bottom", text)

    @staticmethod
    def _y(name: str, values: np.ndarray, log: bool) -> np.ndarray:
        if log and not is_score(name):
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
        self.items = {}
        self._own_curves = own_store()
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
        curves = self.curves  # copies: the store goes on growing
        if not curves:
            return
        run = PinnedRun(self.config, curves)
        style = PINNED_STYLES[len(self.pinned) % len(PINNED_STYLES)]
        for name in run.curves:
            plot = self.accuracy_plot if is_score(name) else self.loss_plot
            color = self.curve_color(name)
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
            x, y = thinned(run.curves[name].x, run.curves[name].y, DRAWN_POINTS)
            item.setData(x, self._y(name, y, log))

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
        """Every curve as the store holds it (not thinned for drawing), then the pinned runs."""
        tables: dict[str, CsvTable] = {}
        for name, curve in self.curves.items():
            tables[name] = (["step", name], [curve.x.tolist(), curve.y.tolist()])
        for number, run in enumerate(self.pinned, start=1):
            for name, curve in run.curves.items():
                tables[f"pinned{number}_{name}"] = (
                    ["step", name], [curve.x.tolist(), curve.y.tolist()])
        return tables
