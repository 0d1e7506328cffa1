"""The race's loss surface: contours of the loss over a plane of parameter space, with every
racer's path across it.

Drawn from the ``"loss_surface"`` view (:class:`~nnviz.core.loss_surface.LossSurface`, made by
:mod:`nnviz.scenarios.race_surface`); the racers' colours come from the ``"race"`` view. The
image and its contours are redrawn only for a new revision of the surface; the paths on every
snapshot.
"""

from __future__ import annotations

import html
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import caption_below, fit_title
from nnviz.app.panels.race import race_view_of, racer_colour, white_plot
from nnviz.core.contour import iso_segments, to_data_units
from nnviz.core.loss_surface import LossSurface
from nnviz.session import Snapshot

#: the surface figure's title (the caption says which plane the surface is drawn on)
SURFACE_TITLE = "Training loss surface and each racer's path"


@register_panel
class RaceSurfacePanel(Panel):
    """Contours of the loss over a plane of parameter space, with every racer's path."""

    kind: ClassVar[str] = "race_surface"
    draws = view_types(loss_surface=LossSurface)
    title: ClassVar[str] = "Loss surface"
    #: contour lines drawn, evenly spaced in log(loss − lowest loss on the grid)
    levels: ClassVar[int] = 14

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = white_plot()
        self.plot.setAspectLocked(False)
        # the surface fills its range exactly and the β axis ends on a tick at the top:
        # room above the plot for the upper half of that tick's label
        self.plot.getPlotItem().layout.setContentsMargins(1, 8, 1, 1)
        # the figure's title, as the loss curves have one; wraps in a narrow panel
        fit_title(self.plot.getPlotItem())
        self.plot.setTitle(SURFACE_TITLE, color=(20, 20, 20), size="10pt")
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
        race = race_view_of(snapshot)
        if race is not None:
            self._numbers = {r.name: r.number for r in race.racers}
        surface = snapshot.view(LossSurface)
        if surface is not None:
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
        self._draw_paths(surface)
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

    def _draw_paths(self, surface: LossSurface) -> None:
        """Every racer's path in its colour, and a dot at its head (where it is now)."""
        for name in list(self.paths):
            if name not in surface.paths:
                self.plot.removeItem(self.paths.pop(name))
                self._path_numbers.pop(name, None)
        heads, brushes = [], []
        for name, path in surface.paths.items():
            number = self._numbers.get(name, len(self.paths))
            finite = path[np.isfinite(path).all(axis=1)] if len(path) else path
            item = self._path_item(name, number)
            item.setData(finite[:, 0], finite[:, 1]) if len(finite) else item.setData([], [])
            if len(finite):
                heads.append(finite[-1])
                brushes.append(pg.mkBrush(racer_colour(number)))
        if heads:
            points = np.array(heads)
            self.heads.setData(points[:, 0], points[:, 1], brush=brushes)
        else:
            self.heads.setData([], [])

    def _path_item(self, name: str, number: int) -> pg.PlotDataItem:
        """The racer's path, made on its first appearance and recoloured when ``number``
        (its creation number, which picks the colour) changes."""
        item = self.paths.get(name)
        if item is None:
            item = pg.PlotDataItem()
            item.setZValue(10)
            self.paths[name] = item
            self.plot.addItem(item)
        if self._path_numbers.get(name) != number:
            self._path_numbers[name] = number
            item.setPen(pg.mkPen(racer_colour(number), width=2))
        return item

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
