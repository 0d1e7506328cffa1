"""Health figures of every layer: saturated or dead units, and the gradient norm over steps.

Left, per hidden layer, the share of (example, unit) pairs where |f'(z)| < 0.01 (saturated
tanh/sigmoid, silent ReLU) and, darker, the share of units for which that holds on every
example of the sample (dead units). Right, ‖dLoss/dW‖ of every layer against step on a log
axis: when the early layers' curves lie orders of magnitude below the later ones, their
gradients vanish on the way back.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from nnviz.app.panels.axes import EmptyState, add_plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import fit_title, legend_below
from nnviz.core.histograms import HistogramSet
from nnviz.session import Snapshot

SATURATED_COLOR = (245, 147, 34)
DEAD_COLOR = (150, 60, 0)


def depth_colors(count: int) -> list[tuple[int, int, int]]:
    """Input-side layers dark, output-side layers light (viridis)."""
    colormap = pg.colormap.get("viridis")
    return [tuple(int(c) for c in colormap.map(0.9 * i / max(count - 1, 1), mode="byte")[:3])
            for i in range(count)]


NO_HIDDEN_LAYER = "No hidden layer (a logistic regression): no unit to saturate."
#: layers with weights but no activation seen (a watched model that calls F.relu and the like
#: as functions: only activation modules can be hooked)
NO_ACTIVATION_SEEN = ("No activation measured: these layers' activations are not modules "
                      "(functions such as F.relu cannot be watched), so no unit's "
                      "saturation is known.")


def saturation_label(activation: str) -> str:
    if activation == "relu":
        return "ReLU silent (z ≤ 0) / dead"
    # a word joiner after the opening bar: Qt may break a line after "|", which split
    # "|tanh'|" into "|" and "tanh'|" on two lines of a narrow plot's title
    return f"saturated: |\u2060{activation or 'f'}'| < 0.01"


def share_text(fraction: float) -> str:
    """"0 %", "<1 %", "37 %": a share as a bar's label."""
    if 0 < fraction < 0.005:
        return "<1 %"
    return f"{100 * fraction:.0f} %"


@register_panel
class LayerHealthPanel(Panel):
    kind = "layer_health"
    draws = view_types(histograms=HistogramSet)
    title = "Layer health"
    #: health figures move slowly; drawing them at the display rate only costs training time
    max_fps = 5.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.layout_.addWidget(self.view, 1)
        self.saturation_plot = add_plain_plot(self.view, row=0, col=0)
        fit_title(self.saturation_plot)
        self.saturation_plot.setLabel("left", "fraction")
        # headroom for the share printed over a full bar; the legend is below, not over bars
        self.saturation_plot.setYRange(0, 1.15, padding=0)
        self.saturation_plot.getAxis("left").setTicks(
            [[(v, f"{v:g}") for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]])
        self.saturation_plot.setMouseEnabled(x=False, y=False)
        self.saturation_plot.showGrid(y=True, alpha=0.2)
        self.saturation_plot.setLabel("bottom", "hidden layer")
        self.saturated_bars = pg.BarGraphItem(x=[], height=[], width=0.7,
                                              brush=SATURATED_COLOR, pen=None)
        self.dead_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=DEAD_COLOR, pen=None)
        self.saturation_plot.addItem(self.saturated_bars)
        self.saturation_plot.addItem(self.dead_bars)
        self.no_hidden_layer = EmptyState(self.saturation_plot, NO_HIDDEN_LAYER)
        sentence = self.no_hidden_layer.text.textItem.document()
        centred = sentence.defaultTextOption()
        centred.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        sentence.setDefaultTextOption(centred)
        self.saturation_legend = legend_below(self.saturation_plot)
        self.saturation_legend.addItem(self.saturated_bars, "on the sample")
        self.saturation_legend.addItem(self.dead_bars, "dead on every example")

        self.norm_plot = add_plain_plot(self.view, row=0, col=1)
        fit_title(self.norm_plot)
        self.norm_plot.setLogMode(y=True)
        self.norm_plot.setLabel("left", "‖dLoss/dW‖")
        self.norm_plot.setLabel("bottom", "step")
        self.norm_plot.setTitle("gradient norm per layer")
        self.norm_plot.showGrid(x=True, y=True, alpha=0.2)
        self.norm_legend = legend_below(self.norm_plot)
        self.norm_curves: list[pg.PlotDataItem] = []
        self.view.ci.layout.setColumnStretchFactor(0, 2)
        self.view.ci.layout.setColumnStretchFactor(1, 3)
        self.histograms: HistogramSet | None = None
        self.bar_values: list[pg.TextItem] = []
        self._saturated = np.zeros(0)
        #: the first and last step of the gradient norms drawn
        self._norm_steps = (0.0, 0.0)
        self.saturation_plot.vb.sigResized.connect(self._show_bar_labels_that_fit)
        self.saturation_plot.vb.sigResized.connect(self._wrap_sentence)

    def _wrap_sentence(self, *_args) -> None:
        """The no-hidden-layer sentence wraps to the plot's width."""
        width = self.saturation_plot.vb.width()
        if width > 0:
            self.no_hidden_layer.text.setTextWidth(max(width - 16, 60))

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.histograms = None
        self.no_hidden_layer.hide()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        histograms = snapshot.view(HistogramSet)
        if histograms is not None:
            self.histograms = histograms
            self._draw_saturation(histograms)
            self._draw_norms(histograms)
        if self.histograms is not None:
            self._frame_steps(snapshot.step)

    def _draw_saturation(self, histograms: HistogramSet) -> None:
        hidden = len(histograms.saturated)
        self.saturation_plot.setTitle(
            html.escape(saturation_label(histograms.activation)) if hidden else "saturation")
        self._show_bars_or_why_not(
            hidden > 0, NO_HIDDEN_LAYER if histograms.n_layers <= 1 else NO_ACTIVATION_SEEN)
        x = np.arange(hidden, dtype=np.float64)
        saturated = np.asarray(histograms.saturated, dtype=np.float64)
        self.saturated_bars.setOpts(x=x, height=saturated)
        dead = np.asarray(histograms.dead) if len(histograms.dead) == hidden else np.zeros(hidden)
        self.dead_bars.setOpts(x=x, height=dead)
        self._label_bars(saturated)
        ticks = [(i, str(i + 1)) for i in range(hidden)]
        self.saturation_plot.getAxis("bottom").setTicks([ticks])
        if hidden:
            self.saturation_plot.setXRange(-0.6, hidden - 0.4, padding=0)

    def _show_bars_or_why_not(self, bars: bool, why_not: str = NO_HIDDEN_LAYER) -> None:
        """Bars with their axes and key, or, with no hidden layer, the sentence saying why
        there are none (it needs more width than a few bars do, and no axes of nothing)."""
        self.no_hidden_layer.set_empty(not bars, why_not)
        self._show_saturation_key(bars)
        for side in ("left", "bottom"):
            self.saturation_plot.showAxis(side, bars)
        self.view.ci.layout.setColumnStretchFactor(0, 2 if bars else 1)
        self.view.ci.layout.setColumnStretchFactor(1, 3 if bars else 1)

    def _label_bars(self, saturated: np.ndarray) -> None:
        """Each bar's share over it, so that 0 % reads as a measured zero, not a blank plot."""
        while len(self.bar_values) < len(saturated):
            text = pg.TextItem(color=(60, 60, 60), anchor=(0.5, 1.0))
            self.saturation_plot.addItem(text, ignoreBounds=True)
            self.bar_values.append(text)
        self._saturated = saturated
        for index, text in enumerate(self.bar_values):
            if index < len(saturated):
                text.setText(share_text(saturated[index]))
                text.setPos(index, min(saturated[index], 0.9))
        self._show_bar_labels_that_fit()

    def _show_bar_labels_that_fit(self, *_args) -> None:
        """Bar labels only while each fits its bar's pitch (none, rather than a jumble)."""
        count = len(self._saturated)
        labels = self.bar_values[:count]
        pitch = self.saturation_plot.vb.width() / max(count, 1)
        widest = max((t.textItem.boundingRect().width() for t in labels), default=0.0)
        fits = widest <= pitch - 2
        for index, text in enumerate(self.bar_values):
            text.setVisible(fits and index < count)

    def _show_saturation_key(self, shown: bool) -> None:
        """The bars' key only where there are bars (it would explain nothing above the
        no-hidden-layer sentence, and takes the room the sentence needs)."""
        keyed = bool(self.saturation_legend.items)
        if shown and not keyed:
            self.saturation_legend.addItem(self.saturated_bars, "on the sample")
            self.saturation_legend.addItem(self.dead_bars, "dead on every example")
        elif keyed and not shown:
            self.saturation_legend.clear()

    def _draw_norms(self, histograms: HistogramSet) -> None:
        history = histograms.history
        count = len(histograms.gradient_norms)
        if len(self.norm_curves) != count:
            for curve in self.norm_curves:
                self.norm_plot.removeItem(curve)
                self.norm_legend.removeItem(curve)
            colors = depth_colors(count)
            self.norm_curves = [
                self.norm_plot.plot([], [], pen=pg.mkPen(colors[i], width=2), symbol="o",
                                    symbolSize=3, symbolPen=None, symbolBrush=colors[i],
                                    name=histograms.layer_name(i).split(" (")[0])
                for i in range(count)
            ]
        if history is not None and len(history) and history.gradient_norms.shape[1] == count:
            steps = history.steps.astype(np.float64)
            norms = history.gradient_norms
        else:
            steps = np.array([float(histograms.step)])
            norms = np.asarray(histograms.gradient_norms, dtype=np.float64).reshape(1, -1)
        zero = False
        for i, curve in enumerate(self.norm_curves):
            column = norms[:, i]
            keep = np.isfinite(column) & (column > 0)  # a log axis has no zero: leave a gap
            zero |= bool(np.any(column == 0))
            curve.setData(steps[keep], column[keep])
        self.norm_plot.setTitle("gradient norm per layer" + (" (zeros not drawn)" if zero else ""))
        self._norm_steps = (float(steps[0]), float(steps[-1]))

    def _frame_steps(self, step: int) -> None:
        """Steps 0…the run's step, as the loss plot shows them, so the two figures line up
        beside each other: the norms are measured less often than the loss is traced, and an
        axis that ended at the last measurement ended before the loss plot's. The whole run
        shows, even where only zeros (gaps) were recorded; one point (a run just started)
        stands at the right of 0…step, not alone on an axis of ±0.4 steps."""
        first, last = self._norm_steps
        self.norm_plot.setXRange(min(first, 0.0), max(last, float(step), 1.0), padding=0.02)

    def export_target(self):
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        histograms = self.histograms
        if histograms is None:
            return {}
        hidden = len(histograms.saturated)
        dead = list(histograms.dead) if len(histograms.dead) == hidden else [""] * hidden
        tables: dict[str, CsvTable] = {
            "saturation": (
                ["layer", "saturated_fraction", "dead_fraction"],
                [[histograms.layer_name(i) for i in range(hidden)],
                 list(histograms.saturated), dead],
            )
        }
        history = histograms.history
        if history is not None and len(history) and history.gradient_norms.shape[1]:
            names = [histograms.layer_name(i) for i in range(history.gradient_norms.shape[1])]
            tables["gradient_norms"] = (
                ["step", *names],
                [history.steps.tolist()] + [history.gradient_norms[:, i].tolist()
                                            for i in range(len(names))],
            )
        return tables
