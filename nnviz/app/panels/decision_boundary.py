"""The decision boundary: the class-probability field over the input plane, live.

Draws a snapshot's ``views["decision_grid"]`` (a :class:`~nnviz.core.views.DecisionGrid`):
two classes as P(class 1) on a diverging colour map, more classes as a probability-weighted
mix of class colours; the boundary (P = 0.5, or where the most likely class changes) as a
line; training points as circles and test points as triangles, in data units. Items are built
once; the image and line are updated per frame, the points only when they change.

"Pin run" keeps the current run's class border: the next runs draw their field under it, the
pinned border dashed and named in the legend by what differed (as the loss panel names pinned
curves), and :meth:`DecisionBoundaryPanel.comparison_figure` puts the pinned run's whole
boundary beside the current one, each titled with its settings: the two-boundary figure of
the classic tutorial, one export away.

The "Draw" toggle in the panel's title row opens a tool row above the plot that draws the
data set (:mod:`nnviz.app.panels.point_drawing`): click adds points of the chosen class, drag
sprays, Shift+click erases, with undo, redo and clear; each gesture goes to the run as a data
edit and comes back in the next snapshot. Closed, the row takes no height from the plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QWidget

from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.base import CsvTable, Panel, PointDataSet, register_panel, view_types
from nnviz.app.panels.colors import class_color, class_mix, diverging_lut, soften
from nnviz.app.panels.field_table import field_notes, field_table
from nnviz.app.panels.legends import fit_title, legend_below
from nnviz.app.panels.loss import MAX_PINNED, PINNED_STYLES
from nnviz.app.panels.pinning import RunSettings, describe_pinned, settings_title
from nnviz.app.panels.point_drawing import PointDrawing
from nnviz.app.panels.side_by_side import SideBySide
from nnviz.core.contour import chain_segments
from nnviz.core.views import DecisionGrid
from nnviz.data.point_edits import DATA_EDIT_CHANGE
from nnviz.data.toy import Split
from nnviz.io.columns import TableNotes
from nnviz.io.sidecar import json_value, set_arguments
from nnviz.session import Snapshot

#: the field is drawn this much lighter than the class colours, so points stand out
FIELD_LIGHTNESS = 0.3
#: the class border of this run, and of pinned runs (dashed, in the loss panel's pin styles)
BORDER_COLOR = (30, 30, 30)
PINNED_BORDER_COLOR = (90, 20, 110)
#: the axes' names when the grid names none (the two inputs of a toy set)
DEFAULT_AXIS_LABELS = ("x₁", "x₂")
TITLE_COLOR = (20, 20, 20)
#: pixels an axis name leaves free along its axis before it is shortened
AXIS_LABEL_MARGIN = 12


@dataclass
class PinnedBoundary:
    """A pinned run's last field (for the side-by-side figure) and its dashed border."""

    config: RunSettings | None
    grid: DecisionGrid
    step: int
    item: pg.PlotCurveItem
    #: the border as polylines, a NaN row between two (:func:`chain_segments`)
    line: np.ndarray
    legend_sample: pg.PlotCurveItem | None = field(default=None)


@register_panel
class DecisionBoundaryPanel(Panel):
    kind = "decision_boundary"
    draws = view_types(decision_grid=DecisionGrid)
    title = "Decision boundary"
    pins_runs = True
    compares_runs = True
    saves_data_set = True

    def __init__(self, parent=None, *, drawing: bool = True) -> None:
        super().__init__(parent)
        self.plot = plain_plot(background="w", enableMenu=False)
        self.plot.setObjectName("decision-boundary-plot")
        # the field fills its range exactly, which may end on a tick (x₂ = 2): room above the
        # plot for the upper half of that tick's label
        self.plot.getPlotItem().layout.setContentsMargins(1, 8, 1, 1)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", DEFAULT_AXIS_LABELS[0])
        item.setLabel("left", DEFAULT_AXIS_LABELS[1])
        item.hideButtons()
        # the field fills the panel; equal aspect would leave bands of empty plot around it
        self.plot.setAspectLocked(False)
        for name in ("left", "bottom"):  # fixed axes: repaint from a cached pixmap
            item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            item.getAxis(name).geometryChanged.connect(self._fit_axis_labels)
        self.plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        lut = diverging_lut()
        self._lut = np.clip(soften(lut.astype(np.float64), FIELD_LIGHTNESS), 0, 255).astype(
            np.uint8)
        self.boundary = pg.PlotCurveItem(pen=pg.mkPen(BORDER_COLOR, width=2), connect="pairs",
                                         antialias=True)
        self.train_points = pg.ScatterPlotItem(size=7, symbol="o", name="train",
                                               pen=pg.mkPen("w", width=1))
        self.test_points = pg.ScatterPlotItem(size=9, symbol="t", name="test",
                                              pen=pg.mkPen((20, 20, 20), width=1))
        for graphic in (self.image, self.boundary, self.train_points, self.test_points):
            item.addItem(graphic)
        legend = legend_below(item)  # under the plot: over the field it would hide data
        legend.addItem(_legend_marker("o", "w"), "train")
        self._test_key = _legend_marker("t", (20, 20, 20))
        legend.addItem(self._test_key, "test")
        self.legend = legend
        self.plot_item = item
        self.pinned: list[PinnedBoundary] = []
        self.config: RunSettings | None = None
        #: the tools that draw the data set (none on a comparison figure's halves)
        self.drawing: PointDrawing | None = None
        if drawing:
            self.drawing = PointDrawing(self.plot, self)
            self.drawing.edited.connect(lambda edit: self.live_change.emit(DATA_EDIT_CHANGE,
                                                                           edit))
            self.layout_.addWidget(self.drawing.toolbar)
        self.layout_.addWidget(self.plot)
        self._points_key: tuple | None = None
        self._points_refs: tuple | None = None
        self._extent: tuple[float, float, float, float] | None = None
        #: what the axis labels, title and class keys show now (they change with the data)
        self._labels_key: tuple = (*DEFAULT_AXIS_LABELS, "", ())
        self._class_keys: list[pg.ScatterPlotItem] = []
        self._title_fitted = False
        self.grid: DecisionGrid | None = None
        #: how many fields were drawn (for the benchmark's frame rate)
        self.frames = 0

    def title_tools(self) -> list[QWidget]:
        """The Draw toggle (none on a comparison figure's halves)."""
        return [self.drawing.toggle] if self.drawing is not None else []

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        if snapshot.config is not self.config:
            self.config = snapshot.config
            self._relabel_pinned()
        grid = snapshot.view(DecisionGrid)
        if grid is not None:
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
        self._set_labels(grid)
        if self.drawing is not None:
            self.drawing.set_classes(grid.n_classes, tuple(grid.class_names))
            self.drawing.show_point_count(len(grid.train_labels))
        self.frames += 1

    def _set_labels(self, grid: DecisionGrid) -> None:
        """Axis names, the slice's title and the class keys, when the grid's differ from what
        is shown: a data file's column and class names, a PCA slice's axes."""
        key = (grid.x_label or DEFAULT_AXIS_LABELS[0], grid.y_label or DEFAULT_AXIS_LABELS[1],
               grid.title, tuple(grid.class_names))
        if key == self._labels_key:
            return
        self._labels_key = key
        title, class_names = key[2:]
        self._fit_axis_labels()
        if title and not self._title_fitted:
            fit_title(self.plot_item)  # a long slice title wraps, never widens the plot
            self._title_fitted = True
        self.plot_item.setTitle(title or None, color=TITLE_COLOR, size="10pt")
        self._set_class_keys(class_names)

    def _fit_axis_labels(self, *_: object) -> None:
        """Each axis's name, ending in "…" where longer than its axis (a data file's column
        names can be); the whole name is then the axis's tooltip."""
        x_label, y_label = self._labels_key[:2]
        for side, text in (("bottom", x_label), ("left", y_label)):
            axis = self.plot_item.getAxis(side)
            room = axis.geometry().width() if side == "bottom" else axis.geometry().height()
            shown = QFontMetrics(axis.label.font()).elidedText(
                text, Qt.TextElideMode.ElideRight, max(int(room) - AXIS_LABEL_MARGIN, 24))
            if shown != axis.labelText:
                axis.setLabel(shown)
                axis.resizeEvent()  # pyqtgraph centres the label only when the axis resizes
            axis.setToolTip(text if shown != text else "")

    def _set_class_keys(self, class_names: tuple[str, ...]) -> None:
        """One legend key per named class, in its colour (the generated sets name none)."""
        for sample in self._class_keys:
            self.legend.removeItem(sample)
        self._class_keys = []
        for index, name in enumerate(class_names):
            sample = pg.ScatterPlotItem(symbol="o", size=9, brush=pg.mkBrush(*class_color(index)),
                                        pen=pg.mkPen((90, 90, 90)))
            self.legend.addItem(sample, class_key_text(name))
            self._class_keys.append(sample)

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
        self._show_test_key(len(grid.test_points) > 0)

    def _show_test_key(self, shown: bool) -> None:
        """Name test points in the legend only when there are some (lesson 2 trains on all
        200 points: a "test" key would promise triangles that are not there)."""
        if shown == any(sample.item is self._test_key for sample, _ in self.legend.items):
            return
        if shown:
            self.legend.addItem(self._test_key, "test")
        else:
            self.legend.removeItem(self._test_key)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self._points_key = None

    # -- pinned runs ----------------------------------------------------------------------
    def pin_run(self) -> None:
        """Keep this run's class border, dashed over the next runs' fields."""
        if self.grid is None:
            return
        style = PINNED_STYLES[len(self.pinned) % len(PINNED_STYLES)]
        item = pg.PlotCurveItem(pen=pg.mkPen(PINNED_BORDER_COLOR, width=2, style=style),
                                antialias=True)
        item.setZValue(-5)  # over the field, under this run's border and the points
        line = chain_segments(self.grid.borders)  # dashes need polylines, not cell segments
        if len(line):
            item.setData(line[:, 0], line[:, 1], connect="finite")
        self.plot_item.addItem(item)
        step = self.last_snapshot.step if self.last_snapshot is not None else 0
        self.pinned.append(PinnedBoundary(self.config, self.grid, step, item, line))
        while len(self.pinned) > MAX_PINNED:
            self._remove_pinned(self.pinned.pop(0))
        self._relabel_pinned()

    def clear_pinned(self) -> None:
        for run in self.pinned:
            self._remove_pinned(run)
        self.pinned = []
        self._relabel_pinned()

    def _remove_pinned(self, run: PinnedBoundary) -> None:
        if run.legend_sample is not None:
            self.legend.removeItem(run.legend_sample)
        self.plot_item.removeItem(run.item)

    def _relabel_pinned(self) -> None:
        """Legend keys for the pinned borders, named by what differed from this run (the
        solid border is this run's: beside a dashed key it needs none of its own)."""
        for run in self.pinned:
            if run.legend_sample is not None:
                self.legend.removeItem(run.legend_sample)
                run.legend_sample = None
        for number, run in enumerate(self.pinned, start=1):
            run.legend_sample = pg.PlotCurveItem(pen=run.item.opts["pen"])
            self.legend.addItem(run.legend_sample,
                                f"pinned {number}: {describe_pinned(run.config, self.config)}")

    def legend_texts(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def can_compare(self) -> bool:
        return bool(self.pinned) and self.grid is not None

    def comparison_figure(self) -> SideBySide | None:
        """The last pinned run's boundary beside this run's, each titled with its settings."""
        if not self.can_compare():
            return None
        run, snapshot = self.pinned[-1], self.last_snapshot
        step = snapshot.step if snapshot is not None else 0
        sides = {"pinned": (run.grid, settings_title(run.config, self.config) or "pinned run",
                            run.step),
                 "current": (self.grid, settings_title(self.config, run.config) or "this run",
                             step)}
        halves = {}
        for name, (grid, settings, at_step) in sides.items():
            half = DecisionBoundaryPanel(drawing=False)
            half.draw(grid)
            title = " · ".join(t for t in (grid.title, settings, f"step {at_step:,}") if t)
            half.plot_item.setTitle(title, color=(20, 20, 20), size="11pt")
            halves[name] = half
        figure = DecisionBoundaryPair(halves, snapshot=snapshot,
                                      sidecar={"pinned_run": _run_record(run)})
        figure.resize(2 * max(self.width(), 320), max(self.height(), 260))
        return figure

    # -- export -----------------------------------------------------------------------------
    def export_target(self):
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        grid = self.grid
        if grid is None:
            return {}
        points = [[], [], [], []]
        for split, xy, labels in (("train", grid.train_points, grid.train_labels),
                                  ("test", grid.test_points, grid.test_labels)):
            points[0] += [split] * len(labels)
            points[1] += np.asarray(xy)[:, 0].tolist()
            points[2] += np.asarray(xy)[:, 1].tolist()
            points[3] += np.asarray(labels).tolist()
        columns = ["split", "x1", "x2", "label"]
        if grid.class_names:
            names = np.asarray(grid.class_names, dtype=object)
            points.append(names[np.asarray(points[3], dtype=np.int64)].tolist())
            columns.append("class_name")
        tables = {"probability_field": field_table(grid, "x1", "x2", lambda c: f"p_class{c}"),
                  "points": (columns, points)}
        for number, run in enumerate(self.pinned, start=1):
            gaps = np.isnan(run.line[:, 0])
            ends = run.line[~gaps].astype(np.float32)
            tables[f"pinned{number}_border"] = (
                ["line", "x1", "x2"], [np.cumsum(gaps)[~gaps], ends[:, 0], ends[:, 1]])
        return tables

    def point_data_set(self) -> PointDataSet | None:
        """The points this panel holds as a data set, in the plane's coordinates, with notes
        that say what they are: a sample when the drawing cap thinned them, a slice's
        projections for wider inputs (None before the first grid)."""
        grid = self.grid
        if grid is None:
            return None
        names = tuple(label or default for label, default
                      in zip((grid.x_label, grid.y_label), ("x1", "x2"), strict=True))
        data = Split(np.asarray(grid.train_points, np.float64), np.asarray(grid.train_labels),
                     np.asarray(grid.test_points, np.float64), np.asarray(grid.test_labels),
                     grid.n_classes, tuple(grid.class_names), names)
        where = f" ({grid.title})" if grid.title else ""
        sample = ""
        if grid.points_sampled:
            sample = (f"a sample: {len(grid.train_labels):,} of {grid.point_totals[0]:,} "
                      f"training and {len(grid.test_labels):,} of {grid.point_totals[1]:,} "
                      "test points; nnviz export --data writes the whole set")
        notes = (f"the points of the decision-boundary panel{where}", *([sample] if sample else []))
        return PointDataSet(data, notes, sample)

    def csv_notes(self) -> dict[str, TableNotes]:
        """The field's sampling, and the points' and pinned borders' columns, in words."""
        grid = self.grid
        if grid is None:
            return {}
        axes = _axis_notes(grid)
        field_columns = {**axes, **{f"p_class{k}": f"the model's probability of class {k} "
                                    f"({name}) at this point (0 to 1)"
                                    for k, name in enumerate(grid.class_names)}}
        about_points = "the training and test points drawn over the field"
        if grid.title:
            about_points += f" ({grid.title}: each point projected onto it)"
        notes = {
            "probability_field": field_notes(grid, "x1", "x2", "the class probabilities",
                                             field_columns),
            "points": TableNotes(about_points,
                                 {**axes, "label": "the point's true class index"}),
        }
        for number, run in enumerate(self.pinned, start=1):
            notes[f"pinned{number}_border"] = TableNotes(
                f"pinned run {number}'s class border ({describe_pinned(run.config, self.config)})"
                " as polylines: the points of each line in order",
                {"line": "which line of the border the point belongs to",
                 "x1": "the point's first input feature",
                 "x2": "the point's second input feature"})
        return notes


def _axis_notes(grid: DecisionGrid) -> dict[str, str]:
    """What ``x1`` and ``x2`` are when the grid names its axes (a file's columns, a slice)."""
    return {column: f"the coordinate along the {side} axis: {label}"
            for column, side, label in (("x1", "horizontal", grid.x_label),
                                        ("x2", "vertical", grid.y_label)) if label}


class DecisionBoundaryPair(SideBySide):
    """A pinned run's decision boundary beside the current run's (exported, never shown)."""

    kind = "decision_boundary_pair"
    title = "Decision boundaries, pinned and current"


def _run_record(run: PinnedBoundary) -> dict[str, Any]:
    """The pinned half's settings in the sidecar (the sidecar's command makes the other)."""
    config = run.config
    return {"step": run.step,
            "hyperparameters": {k: json_value(v) for k, v in config.as_dict().items()}
            if config is not None else {},
            "set": set_arguments(config) if config is not None else []}


_BRUSHES: dict[int, object] = {}


def class_key_text(name: str) -> str:
    """A class's legend text: its name, or "label 3" for a number (alone it reads as a count)."""
    try:
        float(name)
    except ValueError:
        return name
    return f"label {name}"


def _class_brushes(labels: np.ndarray) -> list:
    for label in np.unique(labels):
        if int(label) not in _BRUSHES:
            _BRUSHES[int(label)] = pg.mkBrush(*class_color(int(label)))
    return [_BRUSHES[int(label)] for label in labels]


def _legend_marker(symbol: str, outline) -> pg.ScatterPlotItem:
    return pg.ScatterPlotItem(symbol=symbol, size=9, brush=pg.mkBrush(150, 150, 150),
                              pen=pg.mkPen(outline if outline != "w" else (90, 90, 90)))
