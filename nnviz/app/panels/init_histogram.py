"""The init experiment: z histograms of each initialiser, overlaid, under f'(z).

Each histogram is drawn as a density (area 1) on the bins the session fixed before its first
draw, so initialisers with very different spreads share one axis. The activation's derivative
f'(z) (for tanh, 1 − tanh²(z)) is drawn on the same z axis against a second y-axis (0 to 1) on
the right: mass outside the curve is mass whose gradient vanishes. The legend prints each
initialiser's measured σ ± its standard error next to the theory, and the saturated share.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel

from nnviz.app.panels.axes import add_plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import fit_title, legend_below
from nnviz.core.init_experiment import InitHistograms, InitStats
from nnviz.session import Snapshot

INIT_COLORS = {
    "standard_normal": (214, 39, 40),
    "inv_sqrt_fan_in": (8, 119, 189),
    "xavier": (46, 160, 67),
    "he": (148, 82, 165),
    "normal_0.01": (227, 119, 194),
    "zeros": (230, 120, 0),
}
#: f'(z) is drawn over the histograms in a colour no initialiser has
DERIVATIVE_COLOR = (20, 20, 20)
DERIVATIVE_WIDTH = 2.0
#: ... on a white halo this much wider, so it reads where it crosses the bars: over "all of
#: z" tanh' is as narrow as the well-scaled initialisers' central spike and sat inside it
HALO_COLOR = (255, 255, 255, 200)
HALO_EXTRA_WIDTH = 3.0
#: x ranges offered: label → half-width (None: the whole shared range)
RANGES = {"all of z": None, "|z| ≤ 10": 10.0, "|z| ≤ 5": 5.0}
LOG_FLOOR = 1e-6


def describe(stats: InitStats) -> str:
    """'σ = 31.57 ± 0.22 (theory 31.64) · saturated 93.0 %'."""
    if stats.units < 2:
        return f"σ theory {stats.theory_std:.3g} · no units drawn yet"
    if is_point_mass(stats):
        return (f"σ = 0: every unit at z = {stats.mean:.3g} (the vertical line)"
                f" · saturated {100 * stats.saturated:.1f} %")
    return (f"σ = {stats.std:.4g} ± {stats.std_error:.2g} (theory {stats.theory_std:.4g})"
            f" · saturated {100 * stats.saturated:.1f} %")


def is_point_mass(stats: InitStats) -> bool:
    """Every unit drawn fell into one bin (zeros: z = b = 0 for all).

    As a density its one bar is 1/bin width high, hundreds of times the others' peaks: drawn
    as a bar it would set the y axis and flatten every other histogram. It is drawn as a
    vertical line at its value instead, which does not take part in the y range.
    """
    return stats.units > 0 and int(np.count_nonzero(stats.counts)) == 1


@register_panel
class InitHistogramPanel(Panel):
    kind = "init_histogram"
    draws = view_types(init_histograms=InitHistograms)
    title = "Initialisation: z = x·W + b"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        self.range_box = QComboBox()
        self.range_box.setObjectName("init-range")
        for label in RANGES:
            self.range_box.addItem(label)
        self.log_y = QCheckBox("log density")
        self.log_y.setObjectName("init-log-y")
        self.log_y.setToolTip("Log scale shows the wide histograms next to the narrow ones")
        self.units_label = QLabel()
        self.units_label.setObjectName("init-units")
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.range_box)
        bar.addWidget(self.log_y)
        bar.addWidget(self.units_label, 1)
        self.layout_.addLayout(bar)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.layout_.addWidget(self.view, 1)
        self.plot = add_plain_plot(self.view)
        self.plot.setLabel("bottom", "pre-activation z = x·W + b")
        self.plot.setLabel("left", "density")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        # under the plot: over it, five long entries hid the histograms' peaks
        self.legend = legend_below(self.plot, labelTextSize="8pt")
        fit_title(self.plot)  # the long title wraps, never widens the plot past the panel
        self.derivative_box = pg.ViewBox()
        self.derivative_box.setMouseEnabled(x=False, y=False)
        self.plot.showAxis("right")
        # a child of the plot item just above its view box: f'(z) is drawn over the bars
        # (a box added to the scene would sit under the whole layout, bars included)
        self.derivative_box.setParentItem(self.plot)
        self.derivative_box.setZValue(self.plot.vb.zValue() + 1)
        self.plot.getAxis("right").linkToView(self.derivative_box)
        self.plot.getAxis("right").setLabel("f'(z)")
        self.derivative_box.setXLink(self.plot)
        self.derivative_box.setYRange(0, 1.05, padding=0)
        self.derivative_halo = pg.PlotDataItem([], [], pen=pg.mkPen(
            HALO_COLOR, width=DERIVATIVE_WIDTH + HALO_EXTRA_WIDTH))
        self.derivative_curve = pg.PlotDataItem([], [], pen=pg.mkPen(
            DERIVATIVE_COLOR, width=DERIVATIVE_WIDTH))
        self.threshold_line = pg.InfiniteLine(angle=0, pos=0.01, pen=pg.mkPen(
            DERIVATIVE_COLOR, width=1, style=pg.QtCore.Qt.PenStyle.DotLine))
        self.derivative_box.addItem(self.derivative_halo)
        self.derivative_box.addItem(self.derivative_curve)
        self.derivative_halo.setZValue(1)
        self.derivative_curve.setZValue(2)
        self.derivative_box.addItem(self.threshold_line)
        self.plot.vb.sigResized.connect(self._sync_boxes)
        self.plot.vb.sigResized.connect(self._label_spikes_that_fit)
        self.plot.vb.sigYRangeChanged.connect(self._align_zeros)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.spikes: dict[str, pg.InfiniteLine] = {}
        self.view_data: InitHistograms | None = None
        self.range_box.currentIndexChanged.connect(self._apply_range)
        self.log_y.toggled.connect(self._log_toggled)

    def _log_toggled(self) -> None:
        self._redraw()
        self._apply_range()

    def _align_zeros(self) -> None:
        """Put f'(z) = 0 level with density 0, so both curves stand on one baseline.

        On a linear density axis from ``low`` < 0 to ``high``, zero sits at the fraction
        −low/(high − low) of the height; the f' axis gets the range (a, 1.05) with zero at
        the same fraction. A log density axis has no zero: f' keeps 0…1.05.
        """
        top = 1.05
        low, high = self.plot.vb.viewRange()[1]
        bottom = 0.0
        if not self.log_y.isChecked() and high > 0 > low:
            share = -low / (high - low)
            bottom = -share * top / (1 - share)
        self.derivative_box.setYRange(bottom, top, padding=0)

    def _sync_boxes(self) -> None:
        self.derivative_box.setGeometry(self.plot.vb.geometry())

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.view_data = None

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        data = snapshot.view(InitHistograms)
        if data is None:
            return
        first = self.view_data is None or not np.array_equal(self.view_data.edges, data.edges)
        self.view_data = data
        self._ensure_curves(data)
        self._redraw()
        if first:
            self._apply_range()

    def _ensure_curves(self, data: InitHistograms) -> None:
        if list(self.curves) == data.names():
            return
        for curve in self.curves.values():
            self.plot.removeItem(curve)
            self.legend.removeItem(curve)
        for spike in self.spikes.values():
            self.plot.removeItem(spike)
        self.curves, self.spikes = {}, {}
        for stats in data.stats:
            color = INIT_COLORS.get(stats.name, (120, 120, 120))
            curve = pg.PlotDataItem([0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                                    brush=(*color, 70), pen=pg.mkPen(color, width=1.5))
            self.plot.addItem(curve)
            self.curves[stats.name] = curve
            spike = pg.InfiniteLine(angle=90, pen=pg.mkPen(color, width=2.5),
                                    label=f"{stats.name}: every unit here",
                                    labelOpts={"position": 0.92, "color": color,
                                               "fill": (255, 255, 255, 220),
                                               "anchors": [(0, 0.5), (0, 0.5)]})
            spike.setVisible(False)
            self.plot.addItem(spike, ignoreBounds=True)
            self.spikes[stats.name] = spike
        self._label_spikes_that_fit()

    #: the shortest plot (pixels) that holds a spike's label whole; the legend names the
    #: line too ("the vertical line"), so a shorter plot just drops the label
    SPIKE_LABEL_ROOM = 60.0

    def _label_spikes_that_fit(self, *_args) -> None:
        room = self.plot.vb.height() >= self.SPIKE_LABEL_ROOM
        for spike in self.spikes.values():
            spike.label.setVisible(room)

    def _redraw(self) -> None:
        data = self.view_data
        if data is None:
            return
        log = self.log_y.isChecked()
        if self.plot.getAxis("left").logMode != log:
            self.plot.setLogMode(y=log)
            self.plot.getAxis("right").setLogMode(x=False, y=False)  # f'(z) stays linear
        for stats in data.stats:
            curve = self.curves[stats.name]
            spike = is_point_mass(stats)
            self.spikes[stats.name].setVisible(spike)
            if spike:
                self.spikes[stats.name].setPos(stats.mean)
            if spike:  # one empty bin of no width: the legend keeps its key, nothing is drawn
                edges, density = np.array([stats.mean, stats.mean]), np.zeros(1)
            else:
                edges, density = data.edges, data.density(stats)
            if log:
                density = np.maximum(density, LOG_FLOOR)
            curve.setData(edges, density)
            curve.setFillLevel(None if log else 0)  # stacked fills turn to mud on a log axis
            self.legend.removeItem(curve)
            self.legend.addItem(curve, html.escape(f"{stats.name}: {describe(stats)}"))
        self.derivative_halo.setData(data.derivative_z, data.derivative)
        self.derivative_curve.setData(data.derivative_z, data.derivative)
        self.threshold_line.setPos(data.threshold)
        self.plot.getAxis("right").setLabel(f"{data.activation}'(z)")
        self.plot.setTitle(html.escape(
            f"fan-in {data.fan_in}, one input of all ones: z = Σw + b  ·  "
            f"saturated: |{data.activation}'| < {data.threshold:g}"))
        units = max((s.units for s in data.stats), default=0)
        self.units_label.setText(f"{units:,} units per initialiser")

    def _apply_range(self) -> None:
        data = self.view_data
        half = RANGES[self.range_box.currentText()]
        if data is None:
            return
        limit = data.edges[-1] if half is None else min(half, data.edges[-1])
        self.plot.setXRange(-limit, limit, padding=0.01)
        self.plot.enableAutoRange(axis="y")

    def export_target(self):
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        data = self.view_data
        if data is None:
            return {}
        columns = ["bin_low", "bin_high"] + [f"count_{s.name}" for s in data.stats]
        values = [data.edges[:-1].tolist(), data.edges[1:].tolist()]
        values += [s.counts.tolist() for s in data.stats]
        summary = (
            ["initialiser", "units", "z_std", "z_std_error", "z_std_theory", "saturated"],
            [[s.name for s in data.stats], [s.units for s in data.stats],
             [s.std for s in data.stats], [s.std_error for s in data.stats],
             [s.theory_std for s in data.stats], [s.saturated for s in data.stats]],
        )
        return {"histograms": (columns, values), "summary": summary}
