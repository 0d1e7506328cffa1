"""The decision boundary: the class-probability field over the input plane, live.

Draws a snapshot's ``views["decision_grid"]`` (a :class:`~nnviz.core.views.DecisionGrid`):
two classes as P(class 1) on a diverging colour map, more classes as a probability-weighted
mix of class colours; the boundary (P = 0.5, or where the most likely class changes) as a
line; training points as circles and test points as triangles, in data units. Items are built
once; the image and line are updated per frame, the points only when they change.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

from nnviz.app.panels.base import CsvTable, Panel, register_panel
from nnviz.app.panels.colors import class_color, class_mix, diverging_lut, soften
from nnviz.core.views import DecisionGrid
from nnviz.session import Snapshot

#: the field is drawn this much lighter than the class colours, so points stand out
FIELD_LIGHTNESS = 0.3


@register_panel
class DecisionBoundaryPanel(Panel):
    kind = "decision_boundary"
    title = "Decision boundary"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("decision-boundary-plot")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "x₁")
        item.setLabel("left", "x₂")
        item.setMenuEnabled(False)
        item.hideButtons()
        # the field fills the panel; equal aspect would leave bands of empty plot around it
        self.plot.setAspectLocked(False)
        for name in ("left", "bottom"):  # fixed axes: repaint from a cached pixmap
            item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        lut = diverging_lut()
        self._lut = np.clip(soften(lut.astype(np.float64), FIELD_LIGHTNESS), 0, 255).astype(
            np.uint8)
        self.boundary = pg.PlotCurveItem(pen=pg.mkPen((30, 30, 30), width=2), connect="pairs",
                                         antialias=True)
        self.train_points = pg.ScatterPlotItem(size=7, symbol="o", name="train",
                                               pen=pg.mkPen("w", width=1))
        self.test_points = pg.ScatterPlotItem(size=9, symbol="t", name="test",
                                              pen=pg.mkPen((20, 20, 20), width=1))
        for graphic in (self.image, self.boundary, self.train_points, self.test_points):
            item.addItem(graphic)
        legend = item.addLegend(offset=(4, 4), brush=pg.mkBrush(255, 255, 255, 200),
                                labelTextColor=(20, 20, 20))
        legend.addItem(_legend_marker("o", "w"), "train")
        legend.addItem(_legend_marker("t", (20, 20, 20)), "test")
        self.layout_.addWidget(self.plot)
        self._points_key: tuple | None = None
        self._points_refs: tuple | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self.grid: DecisionGrid | None = None
        #: how many fields were drawn (for the benchmark's frame rate)
        self.frames = 0

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        grid = snapshot.views.get("decision_grid")
        if isinstance(grid, DecisionGrid):
            self.draw(grid)

    def draw(self, grid: DecisionGrid) -> None:
        self.grid = grid
        probabilities = grid.probabilities
        ny, nx = probabilities.shape[:2]
        if grid.n_classes == 2:
            self.image.setImage(probabilities[..., 1], levels=(0.0, 1.0), lut=self._lut,
                                autoLevels=False)
        else:
            self.image.setImage(class_mix(probabilities, FIELD_LIGHTNESS), levels=None,
                                autoLevels=False)
        extent = tuple(float(v) for v in grid.extent)
        if extent != self._extent:
            self._set_extent(extent, nx, ny)
        borders = grid.borders
        if len(borders):
            self.boundary.setData(borders[:, 0], borders[:, 1], connect="pairs")
        else:
            self.boundary.setData([], [])
        self._set_points(grid)
        self.frames += 1

    def _set_extent(self, extent: tuple[float, float, float, float], nx: int, ny: int) -> None:
        x_min, x_max, y_min, y_max = extent
        dx = (x_max - x_min) / max(nx - 1, 1)
        dy = (y_max - y_min) / max(ny - 1, 1)
        # grid values sit on pixel centres
        self.image.setRect(QRectF(x_min - dx / 2, y_min - dy / 2, x_max - x_min + dx,
                                  y_max - y_min + dy))
        self.plot.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)
        self._extent = extent

    def _set_points(self, grid: DecisionGrid) -> None:
        """Scatter ``setData`` is slow (~35 ms per 10k points): only when the points change."""
        key = (id(grid.train_points), id(grid.test_points), len(grid.train_points),
               len(grid.test_points))
        if key == self._points_key:
            return
        self._points_key = key
        self._points_refs = (grid.train_points, grid.test_points)  # keep ids from being reused
        for scatter, points, labels in (
            (self.train_points, grid.train_points, grid.train_labels),
            (self.test_points, grid.test_points, grid.test_labels),
        ):
            brushes = _class_brushes(np.asarray(labels))
            scatter.setData(pos=np.asarray(points, dtype=np.float64)[:, :2], brush=brushes)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self._points_key = None

    def export_target(self):
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        grid = self.grid
        if grid is None:
            return {}
        ny, nx, k = grid.probabilities.shape
        x_min, x_max, y_min, y_max = grid.extent
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, nx), np.linspace(y_min, y_max, ny))
        columns = ["x1", "x2", *[f"p_class{c}" for c in range(k)]]
        field = [xs.ravel().tolist(), ys.ravel().tolist(),
                 *[grid.probabilities[..., c].ravel().tolist() for c in range(k)]]
        points = [[], [], [], []]
        for split, xy, labels in (("train", grid.train_points, grid.train_labels),
                                  ("test", grid.test_points, grid.test_labels)):
            points[0] += [split] * len(labels)
            points[1] += np.asarray(xy)[:, 0].tolist()
            points[2] += np.asarray(xy)[:, 1].tolist()
            points[3] += np.asarray(labels).tolist()
        return {"probability_field": (columns, field),
                "points": (["split", "x1", "x2", "label"], points)}


_BRUSHES: dict[int, object] = {}


def _class_brushes(labels: np.ndarray) -> list:
    for label in np.unique(labels):
        if int(label) not in _BRUSHES:
            _BRUSHES[int(label)] = pg.mkBrush(*class_color(int(label)))
    return [_BRUSHES[int(label)] for label in labels]


def _legend_marker(symbol: str, outline) -> pg.ScatterPlotItem:
    return pg.ScatterPlotItem(symbol=symbol, size=9, brush=pg.mkBrush(150, 150, 150),
                              pen=pg.mkPen(outline if outline != "w" else (90, 90, 90)))
