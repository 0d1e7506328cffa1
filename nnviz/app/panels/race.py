"""Panels of the optimiser race: the loss curves and the loss surface.

They draw the ``"race"`` (:class:`~nnviz.scenarios.race.RaceView`) and ``"loss_surface"``
(:class:`~nnviz.core.loss_surface.LossSurface`) views. A racer's colour follows its creation
number in the run, so it keeps its colour in every panel when others join or leave.

The finish line (``race_finish``) and the racer editor (``race_editor``) have modules of their
own; they share the colours and the view lookup defined here.
"""

from __future__ import annotations

import html
import math
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from nnviz.app.panels.axes import plain_axes
from nnviz.app.panels.base import CsvTable, Panel, register_panel
from nnviz.app.panels.legends import caption_below, legend_below
from nnviz.core.contour import iso_segments, to_data_units
from nnviz.core.loss_surface import LossSurface
from nnviz.scenarios.race import RacerView, RaceView
from nnviz.session import Snapshot

#: Tableau 10: distinct on white, readable by most colour-blind people in pairs
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))

#: x-axis choices of the curves: label → (column of RacerView.curve, the FinishTime field
#: it matches, axis title, unit); the two clocks are defined in :mod:`nnviz.scenarios.race`
AXES = {
    "epoch": (1, "epoch", "epoch", ""),
    "updates": (0, "updates", "parameter updates", ""),
    "compute time": (2, "compute_seconds", "compute time, own updates only", "s"),
    "wall time": (4, "wall_seconds", "wall time, updates and loss evaluations", "s"),
}


def racer_colour(number: int) -> tuple[int, int, int]:
    return PALETTE[number % len(PALETTE)]


def _white_plot() -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plain_axes(plot)
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    for side in ("left", "bottom"):
        plot.getAxis(side).setTextPen("k")
        plot.getAxis(side).setPen("k")
    return plot


def _race_view(snapshot: Snapshot) -> RaceView | None:
    view = snapshot.views.get("race")
    return view if isinstance(view, RaceView) else None


@register_panel
class RaceCurvesPanel(Panel):
    """Each racer's training loss against epochs, updates, compute time or wall time."""

    kind: ClassVar[str] = "race_curves"
    title: ClassVar[str] = "Loss curves"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("x axis:"))
        self.axis_choice = QComboBox()
        self.axis_choice.addItems(list(AXES))
        self.axis_choice.setToolTip(
            "compute time: each racer's own updates only. wall time: its updates and its "
            "training-loss evaluations, as timing a whole training loop counts. Neither "
            "counts other racers' turns, so racers stepped in one loop compare fairly")
        bar.addWidget(self.axis_choice)
        self.log_loss = QCheckBox("log loss")
        self.log_loss.setChecked(True)
        bar.addWidget(self.log_loss)
        bar.addStretch(1)
        self.layout_.addLayout(bar)
        self.plot = _white_plot()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("left", "training loss", color="k")
        # under the plot, never over the curves; wrapped, never cut, in a narrow panel
        self.legend = legend_below(self.plot.getPlotItem())
        self.layout_.addWidget(self.plot)
        self.target_line = pg.InfiniteLine(angle=0, movable=False,
                                           pen=pg.mkPen((90, 90, 90), style=Qt.DashLine))
        self.target_line.setZValue(-5)
        self.plot.addItem(self.target_line)
        self.finish_marks = pg.ScatterPlotItem(symbol="o", size=9, pen=pg.mkPen("k", width=1))
        self.finish_marks.setZValue(20)
        self.plot.addItem(self.finish_marks)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._numbers: dict[str, int] = {}
        self._thinned = False
        self._legend_key: tuple = ()
        self.view: RaceView | None = None
        self.axis_choice.currentTextChanged.connect(self._redraw)
        self.log_loss.toggled.connect(self._redraw)
        self._redraw()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = _race_view(snapshot)
        if view is not None:
            self.view = view
            self._draw(view)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        for name in list(self.curves):
            self.plot.removeItem(self.curves.pop(name))
        self._numbers.clear()
        self.finish_marks.setData([], [])
        self.legend.clear()
        self._legend_key = ()
        self.view = None

    @property
    def axis(self) -> str:
        return self.axis_choice.currentText()

    def _redraw(self, *_: object) -> None:
        self._set_axis_label()
        self.plot.setLogMode(x=False, y=self.log_loss.isChecked())
        if self.view is not None:
            self._draw(self.view)
        self.plot.enableAutoRange()

    def _set_axis_label(self) -> None:
        _, _, title, unit = AXES[self.axis]
        if self.view is not None and any(r.thinned for r in self.view.racers):
            title += " (older points thinned, lowest and highest kept)"
        self.plot.setLabel("bottom", title, units=unit or None, color="k")

    def _draw(self, view: RaceView) -> None:
        column, finish_field, _, _ = AXES[self.axis]
        if any(r.thinned for r in view.racers) != self._thinned:
            self._thinned = not self._thinned
            self._set_axis_label()
        log = self.log_loss.isChecked()
        names = {r.name for r in view.racers}
        for name in list(self.curves):
            if name not in names:
                self.plot.removeItem(self.curves.pop(name))
                self._numbers.pop(name, None)
        for racer in view.racers:
            curve = self.curves.get(racer.name)
            if curve is None:
                curve = pg.PlotDataItem()
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                self.curves[racer.name] = curve
                self.plot.addItem(curve)
            if self._numbers.get(racer.name) != racer.number:  # new, or replaced by a new kind
                self._numbers[racer.name] = racer.number
                curve.setPen(pg.mkPen(racer_colour(racer.number), width=2))
            rows = racer.curve
            losses = rows[:, 3]
            keep = np.isfinite(losses) & ((losses > 0) if log else True)
            curve.setData(rows[keep, column], losses[keep])
        target = view.target_loss
        self.target_line.setVisible(target > 0 or not log)
        if target > 0 or not log:
            self.target_line.setValue(math.log10(target) if log else target)
        finishes = [r for r in view.racers if r.finish is not None and (r.finish.loss > 0
                                                                         or not log)]
        self.finish_marks.setData(
            [getattr(r.finish, finish_field) for r in finishes],
            [math.log10(r.finish.loss) if log else r.finish.loss for r in finishes],
            brush=[pg.mkBrush(racer_colour(r.number)) for r in finishes])
        self._update_legend(view)

    def _update_legend(self, view: RaceView) -> None:
        key = tuple((r.name, r.settings, r.status, r.diverged_at) for r in view.racers)
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.clear()
        for racer in view.racers:
            self.legend.addItem(self.curves[racer.name], html.escape(legend_text(racer)))

    def export_target(self) -> pg.PlotItem:
        """The plot with its legend, without the axis selector and the log checkbox above."""
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        if self.view is None:
            return {}
        columns: list[list[object]] = [[], [], [], [], [], []]
        for racer in self.view.racers:
            for updates, epoch, compute_seconds, loss, wall_seconds in racer.curve:
                for column, value in zip(columns, (racer.name, int(updates), epoch,
                                                   compute_seconds, wall_seconds, loss),
                                         strict=True):
                    column.append(value)
        return {"loss_curves": (["racer", "updates", "epoch", "compute_seconds", "wall_seconds",
                                 "loss"], columns)}


def legend_text(racer: RacerView) -> str:
    text = f"{racer.name}: {racer.settings}"
    if racer.status == "diverged":
        text += f" — diverged at update {racer.diverged_at}"
    return text


@register_panel
class RaceSurfacePanel(Panel):
    """Contours of the loss over a plane of parameter space, with every racer's path."""

    kind: ClassVar[str] = "race_surface"
    title: ClassVar[str] = "Loss surface"
    #: contour lines drawn, evenly spaced in log(loss − lowest loss on the grid)
    levels: ClassVar[int] = 14

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _white_plot()
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.image.setOpacity(0.85)
        self.plot.addItem(self.image)
        self.contours = pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 150, width=1),
                                         connect="pairs")
        self.plot.addItem(self.contours)
        self.optimum = pg.ScatterPlotItem(symbol="star", size=18, brush=pg.mkBrush("w"),
                                          pen=pg.mkPen("k", width=1.5))
        self.optimum.setZValue(40)
        self.plot.addItem(self.optimum)
        self.heads = pg.ScatterPlotItem(size=11, pen=pg.mkPen("w", width=1.5))
        self.heads.setZValue(30)
        self.plot.addItem(self.heads)
        # under the plot, wrapped to its width: whole in a narrow window, and in exports
        self.note = caption_below(self.plot.getPlotItem())
        self.layout_.addWidget(self.plot)
        self.paths: dict[str, pg.PlotDataItem] = {}
        self.surface: LossSurface | None = None
        self._revision: int | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self._numbers: dict[str, int] = {}
        self._path_numbers: dict[str, int] = {}

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        race = _race_view(snapshot)
        if race is not None:
            self._numbers = {r.name: r.number for r in race.racers}
        surface = snapshot.views.get("loss_surface")
        if isinstance(surface, LossSurface):
            self.draw(surface)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self._revision = None
        self._extent = None
        self._path_numbers.clear()
        for name in list(self.paths):
            self.plot.removeItem(self.paths.pop(name))

    def draw(self, surface: LossSurface) -> None:
        self.surface = surface
        if surface.revision != self._revision:
            self._revision = surface.revision
            self._draw_image(surface)
        for name in list(self.paths):
            if name not in surface.paths:
                self.plot.removeItem(self.paths.pop(name))
                self._path_numbers.pop(name, None)
        heads, brushes = [], []
        for name, path in surface.paths.items():
            number = self._numbers.get(name, len(self.paths))
            colour = racer_colour(number)
            item = self.paths.get(name)
            if item is None:
                item = pg.PlotDataItem()
                item.setZValue(10)
                self.paths[name] = item
                self.plot.addItem(item)
            if self._path_numbers.get(name) != number:
                self._path_numbers[name] = number
                item.setPen(pg.mkPen(colour, width=2))
            finite = path[np.isfinite(path).all(axis=1)] if len(path) else path
            item.setData(finite[:, 0], finite[:, 1]) if len(finite) else item.setData([], [])
            if len(finite):
                heads.append(finite[-1])
                brushes.append(pg.mkBrush(colour))
        if heads:
            points = np.array(heads)
            self.heads.setData(points[:, 0], points[:, 1], brush=brushes)
        else:
            self.heads.setData([], [])
        if surface.minimum is not None:
            self.optimum.setData([surface.minimum[0]], [surface.minimum[1]])
        else:
            self.optimum.setData([], [])
        self.plot.setLabel("bottom", surface.x_label, color="k")
        self.plot.setLabel("left", surface.y_label, color="k")
        low, high = np.nanmin(surface.values), np.nanmax(surface.values)
        self.note.setText(html.escape(f"{surface.note} · loss {low:.3g} (dark) to "
                                      f"{high:.3g} (light); colour and contours: "
                                      "log(loss − lowest)"))
        self._frame(surface)

    def _frame(self, surface: LossSurface) -> None:
        """Show the region the surface was computed on, whenever it changes, and nothing
        else: a racer that runs off (Newton on separable data heads for |θ| → ∞) leaves the
        view rather than shrinking the surface to a speck in it."""
        extent = tuple(float(v) for v in surface.extent)
        if extent != self._extent:
            self._extent = extent
            x_min, x_max, y_min, y_max = extent
            self.plot.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)

    def _draw_image(self, surface: LossSurface) -> None:
        x_min, x_max, y_min, y_max = surface.extent
        values = np.asarray(surface.values, dtype=np.float64)
        ny, nx = values.shape
        logged = log_excess(values)
        finite = logged[np.isfinite(logged)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1e-9
        self.image.setImage(logged.astype(np.float32), levels=(low, high), autoLevels=False)
        dx, dy = (x_max - x_min) / max(nx - 1, 1), (y_max - y_min) / max(ny - 1, 1)
        self.image.setRect(x_min - dx / 2, y_min - dy / 2, x_max - x_min + dx,
                           y_max - y_min + dy)
        segments = [iso_segments(logged, level)
                    for level in np.linspace(low, high, self.levels + 2)[1:-1]]
        joined = np.concatenate(segments) if segments else np.empty((0, 2))
        if len(joined):
            points = to_data_units(joined, surface.extent, values.shape)
            self.contours.setData(points[:, 0], points[:, 1], connect="pairs")
        else:
            self.contours.setData([], [])

    def export_target(self) -> pg.PlotItem:
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        if self.surface is None:
            return {}
        surface = self.surface
        ny, nx = surface.values.shape
        x_min, x_max, y_min, y_max = surface.extent
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, nx), np.linspace(y_min, y_max, ny))
        grid = (["x", "y", "loss"],
                [xs.ravel().tolist(), ys.ravel().tolist(), surface.values.ravel().tolist()])
        names, px, py = [], [], []
        for name, path in surface.paths.items():
            names += [name] * len(path)
            px += path[:, 0].tolist() if len(path) else []
            py += path[:, 1].tolist() if len(path) else []
        return {"loss_surface": grid, "paths": (["racer", "x", "y"], [names, px, py])}


def log_excess(values: np.ndarray) -> np.ndarray:
    """log₁₀(L − L_min + ε), ε = 10⁻³·(L_max − L_min): resolves the floor of a ravine that a
    plain log(L) would paint in one colour."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return np.zeros_like(values)
    low, high = float(finite.min()), float(finite.max())
    floor = max((high - low) * 1e-3, 1e-12)
    return np.log10(np.clip(values - low, 0.0, None) + floor)
