"""What is inside each layer while the network trains: histograms, and their spread over steps.

Left, the histogram of the chosen layer and quantity at the current step, on bin edges that only
ever widen (``StableBins``), so the axis does not jump between frames. Right, its distribution
over the run as TensorBoard's distributions dashboard draws it: nested bands between the
percentiles of a normal's ±0.5σ, ±1σ, ±1.5σ and the extremes, around the median line. Weights
spreading and gradients shrinking are read off the bands.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from nnviz.app.panels.axes import add_plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import Caption, fit_title
from nnviz.core.histograms import PERCENTILES, HistogramSet, LayerHistogram
from nnviz.session import Snapshot

QUANTITY_LABELS = {
    "weights": "weights",
    "biases": "biases",
    "pre_activations": "z (pre-activations)",
    "activations": "a (activations)",
    "gradients": "dLoss/dW",
}
BAR_COLOR = (8, 119, 189)
#: band pairs (indices into PERCENTILES), outermost first, and their opacity
BANDS = ((0, 8, 40), (1, 7, 70), (2, 6, 110), (3, 5, 160))
MEDIAN = 4


def summary_text(found: LayerHistogram, what: str) -> str:
    """"weights, hidden 1: mean 0.000445 · σ 0.26 · min −1.24 · max 1.13"; each figure kept
    whole (no-break spaces), so wrapping only ever happens between them."""
    figures = [f"mean {found.mean:.3g}", f"σ {found.std:.3g}",
               f"min {found.percentiles[0]:.3g}", f"max {found.percentiles[-1]:.3g}"]
    return html.escape(what) + ": " + " · ".join(
        html.escape(figure).replace(" ", "&nbsp;") for figure in figures)


@register_panel
class HistogramsPanel(Panel):
    kind = "histograms"
    draws = view_types(histograms=HistogramSet)
    title = "Histograms"
    #: a redraw costs 20–35 ms (two histograms and the over-steps image); distributions move
    #: slowly, and at 5 Hz the window keeps its frame budget for the boundary
    max_fps = 5.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        self.layer_box = QComboBox()
        self.layer_box.setObjectName("histograms-layer")
        self.layer_box.setToolTip("Layer (weight matrix), input side first")
        self.quantity_box = QComboBox()
        self.quantity_box.setObjectName("histograms-quantity")
        for box in (self.layer_box, self.quantity_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addWidget(QLabel("Layer"))
        bar.addWidget(self.layer_box)
        bar.addWidget(QLabel("Quantity"))
        bar.addWidget(self.quantity_box)
        bar.addStretch(1)
        self.layout_.addLayout(bar)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.layout_.addWidget(self.view, 1)
        self.histogram_plot = add_plain_plot(self.view, row=0, col=0)
        fit_title(self.histogram_plot)
        self.histogram_plot.setLabel("left", "count")
        self.histogram_plot.showGrid(x=True, y=True, alpha=0.2)
        self.histogram_plot.setMouseEnabled(x=False, y=False)
        self.histogram_curve = self.histogram_plot.plot(
            [0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
            brush=(*BAR_COLOR, 150), pen=pg.mkPen(BAR_COLOR, width=1),
        )
        self.distribution_plot = add_plain_plot(self.view, row=0, col=1)
        fit_title(self.distribution_plot)
        self.distribution_plot.setLabel("bottom", "step")
        self.distribution_plot.showGrid(x=True, y=True, alpha=0.2)
        # zooming into later steps rescales y to them, so shrunken gradients become visible
        self.distribution_plot.setAutoVisible(y=True)
        self.band_curves: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []
        for _, _, alpha in BANDS:
            lower = self.distribution_plot.plot([], [], pen=pg.mkPen((*BAR_COLOR, alpha)))
            upper = self.distribution_plot.plot([], [], pen=pg.mkPen((*BAR_COLOR, alpha)))
            fill = pg.FillBetweenItem(lower, upper, brush=(*BAR_COLOR, alpha))
            self.distribution_plot.addItem(fill)
            self.band_curves.append((lower, upper))
        self.median_curve = self.distribution_plot.plot(
            [], [], pen=pg.mkPen((10, 40, 90), width=2))
        # the statistics under both plots, wrapped to their width: never cut off, and part of
        # the figure that exports render (a label in the bar above was cut at "σ 0.2")
        self.summary = Caption(self.view.ci)
        self.view.ci.addItem(self.summary, row=1, col=0, colspan=2)
        self.view.ci.layout.setRowStretchFactor(1, 0)
        self.histograms: HistogramSet | None = None
        self._y_top = 0.0
        self.layer_box.currentIndexChanged.connect(self._layer_changed)
        self.quantity_box.currentIndexChanged.connect(self._selection_changed)

    # -- selection ---------------------------------------------------------------------------
    def selection(self) -> tuple[int, str] | None:
        layer = self.layer_box.currentData()
        quantity = self.quantity_box.currentData()
        if layer is None or quantity is None:
            return None
        return int(layer), str(quantity)

    def select(self, layer: int, quantity: str) -> None:
        """Pick a layer and quantity (as a person would with the two boxes)."""
        self.layer_box.setCurrentIndex(self.layer_box.findData(layer))
        self.quantity_box.setCurrentIndex(self.quantity_box.findData(quantity))

    def _fill_layers(self, histograms: HistogramSet) -> None:
        names = [histograms.layer_name(layer) for layer in range(histograms.n_layers)]
        current = [self.layer_box.itemText(i) for i in range(self.layer_box.count())]
        if names == current:
            return
        keep = self.layer_box.currentData()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for layer, name in enumerate(names):
            self.layer_box.addItem(name, layer)
        index = self.layer_box.findData(keep)
        self.layer_box.setCurrentIndex(index if index >= 0 else 0)
        self.layer_box.blockSignals(False)
        self._fill_quantities()

    def _fill_quantities(self) -> None:
        layer = self.layer_box.currentData()
        if self.histograms is None or layer is None:
            return
        wanted = self.histograms.quantities(int(layer))
        current = [self.quantity_box.itemData(i) for i in range(self.quantity_box.count())]
        if wanted == current:
            return
        keep = self.quantity_box.currentData() or "weights"
        self.quantity_box.blockSignals(True)
        self.quantity_box.clear()
        for quantity in wanted:
            self.quantity_box.addItem(QUANTITY_LABELS.get(quantity, quantity), quantity)
        index = self.quantity_box.findData(keep)
        self.quantity_box.setCurrentIndex(index if index >= 0 else 0)
        self.quantity_box.blockSignals(False)

    def _layer_changed(self) -> None:
        self._fill_quantities()
        self._selection_changed()

    def _selection_changed(self) -> None:
        self._y_top = 0.0
        self._draw()

    # -- drawing -----------------------------------------------------------------------------
    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.histograms = None
        self._y_top = 0.0
        self.summary.setText(" ")

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        histograms = snapshot.view(HistogramSet)
        if histograms is None:
            return
        self.histograms = histograms
        self._fill_layers(histograms)
        self._fill_quantities()
        self._draw()

    def current(self) -> LayerHistogram | None:
        chosen = self.selection()
        if self.histograms is None or chosen is None:
            return None
        return self.histograms.get(*chosen)

    def _draw(self) -> None:
        found = self.current()
        if found is None:
            return
        label = QUANTITY_LABELS.get(found.quantity, found.quantity)
        layer_name = self.histograms.layer_name(found.layer)
        self.histogram_curve.setData(found.edges, found.counts)
        # titles stay short: a long title would widen the plot beyond a narrow dock
        self.histogram_plot.setTitle(f"step {self.histograms.step}")
        self.histogram_plot.setLabel("bottom", f"{label}, {layer_name.split(' (')[0]}")
        # the x range is the stable edges; the y range only grows while the selection stays
        self.histogram_plot.setXRange(found.edges[0], found.edges[-1], padding=0.02)
        self._y_top = max(self._y_top, float(found.counts.max(initial=0)) * 1.1, 1.0)
        self.histogram_plot.setYRange(0, self._y_top, padding=0)
        self.summary.setText(summary_text(found, f"{label}, {layer_name.split(' (')[0]}"))
        self._draw_distribution(found.layer, found.quantity, label)

    def _draw_distribution(self, layer: int, quantity: str, label: str) -> None:
        history = self.histograms.history
        self.distribution_plot.setTitle("over steps")
        if history is None or (layer, quantity) not in history.percentiles:
            for lower, upper in self.band_curves:
                lower.setData([], [])
                upper.setData([], [])
            self.median_curve.setData([], [])
            return
        bands = history.percentiles[(layer, quantity)]
        keep = np.all(np.isfinite(bands), axis=1)
        steps = history.steps[keep].astype(np.float64)
        bands = bands[keep]
        for (low, high, _), (lower, upper) in zip(BANDS, self.band_curves, strict=True):
            # the band's fill follows each of its two curves: it is rebuilt once, with both
            lower.blockSignals(True)
            lower.setData(steps, bands[:, low])
            lower.blockSignals(False)
            upper.setData(steps, bands[:, high])
        self.median_curve.setData(steps, bands[:, MEDIAN])
        thinned = f" (each point: {history.stride} snapshots)" if history.stride > 1 else ""
        self.distribution_plot.setLabel("bottom", f"step{thinned}")

    # -- export ------------------------------------------------------------------------------
    def export_target(self):
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        found = self.current()
        if found is None:
            return {}
        name = f"{found.quantity}-layer{found.layer + 1}"
        tables: dict[str, CsvTable] = {
            f"{name}-histogram": (
                ["bin_low", "bin_high", "count"],
                [found.edges[:-1].tolist(), found.edges[1:].tolist(), found.counts.tolist()],
            )
        }
        history = self.histograms.history
        if history is not None and (found.layer, found.quantity) in history.percentiles:
            bands = history.percentiles[(found.layer, found.quantity)]
            columns = ["step"] + [f"p{p:g}" for p in PERCENTILES]
            tables[f"{name}-distribution"] = (
                columns, [history.steps.tolist()] + [bands[:, i].tolist()
                                                     for i in range(bands.shape[1])])
        return tables
