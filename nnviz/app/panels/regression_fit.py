"""The regression fit: the network's curve (or surface) over the data, live.

Draws a snapshot's ``views["regression_fit"]`` (a
:class:`~nnviz.core.regression_views.RegressionView`). One input: training points as circles,
test points as triangles, the fitted curve ŷ(x) over them, and, while «Units» is
ticked, each hidden unit's contribution w2_j·f(w1_j·x + b1_j) as a thin line: the curve is
their sum plus the output bias (with relu each is a hinge, and every kink of the curve is one
unit's). Two inputs: ŷ as a heat map over the input plane, the points coloured by their
targets on the same scale, a colour bar beside it.

With one input a person draws the data while the fit trains: the Draw toggle in the title
row opens the boundary panel's tool row (:mod:`nnviz.app.panels.point_drawing`) above the
plot, where a click adds a training point
(x, y) (drag sprays), Shift+click or Erase removes points, with undo, redo and clear; each
gesture goes to the run as a data edit and comes back in the next snapshot. A fit of two
inputs has no tool row (its points' targets are colours, not heights to draw).

Items are built once (contribution lines only when the number of hidden units changes);
each frame updates them with ``setData``/``setImage``. The legend sits under the plot, off
the data.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.base import CsvTable, Panel, PointDataSet, register_panel, view_types
from nnviz.app.panels.colors import diverging_map
from nnviz.app.panels.legends import legend_below
from nnviz.app.panels.loss import MAX_PINNED, PINNED_STYLES
from nnviz.app.panels.pinning import RunSettings, describe_pinned
from nnviz.app.panels.point_drawing import PointDrawing
from nnviz.core.regression_views import FitCurve, FitSurface, RegressionView
from nnviz.core.views import MAX_DRAWN_POINTS
from nnviz.data.point_edits import DATA_EDIT_CHANGE
from nnviz.data.toy import Split
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot

TRAIN_COLOR = (8, 119, 189)
TEST_COLOR = (230, 120, 20)
CURVE_COLOR = (20, 20, 20)
#: hidden units' contributions: light, so that the fitted curve stays the figure
CONTRIBUTION_COLOR = (148, 82, 165, 110)
#: pinned runs' curves, dashed in the loss panel's pin styles
PINNED_CURVE_COLOR = (214, 39, 40)
TITLE_COLOR = (20, 20, 20)
POINT_OUTLINE = (40, 40, 40)
#: room above and below the targets, as a share of their range: a person draws points
#: there (the view frames the data, and a click outside it draws nothing)
DRAWING_HEADROOM = 0.25


@register_panel
class RegressionFitPanel(Panel):
    kind = "regression_fit"
    title = "Fit"
    draws = view_types(regression_fit=RegressionView)
    pins_runs = True
    saves_data_set = True

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # a short name: it shares the title row with the Draw toggle (the legend names the
        # lines)
        self.overlay = QCheckBox("Units")
        self.overlay.setObjectName("regression-unit-contributions")
        self.overlay.setToolTip("Unit contributions: each hidden unit's share w2·f(w1·x + b1) "
                                "of the curve, a thin line; the curve is their sum plus the "
                                "output bias")
        self.overlay.setChecked(True)
        self.overlay.toggled.connect(self._overlay_toggled)
        #: why there is no overlay (not one hidden layer): a line of its own, shown only then
        self.overlay_note = QLabel("")
        self.overlay_note.setObjectName("regression-overlay-note")
        self.overlay_note.hide()
        self.layout_.addWidget(self.overlay_note)

        self.plot = plain_plot(background="w", enableMenu=False)
        self.plot.setObjectName("regression-fit-plot")
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.setLabel("bottom", "x")
        item.setLabel("left", "y")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot_item = item
        self.legend = legend_below(item)  # under the plot: over it, it would hide points
        self._build_curve_items()
        self._build_surface_items()
        #: the tools that draw the data set (one input only)
        self.drawing = PointDrawing(self.plot, self)
        self.drawing.draw_targets()
        self.drawing.edited.connect(lambda edit: self.live_change.emit(DATA_EDIT_CHANGE, edit))
        self.layout_.addWidget(self.drawing.toolbar)  # shown only while drawing
        self.layout_.addWidget(self.plot, 1)
        self.contribution_items: list[pg.PlotCurveItem] = []
        self.view: RegressionView | None = None
        #: pinned runs' curves (one input): (their settings, the dashed item, its legend key)
        self.pinned: list[tuple[RunSettings | None, pg.PlotCurveItem, pg.PlotCurveItem]] = []
        self.config: RunSettings | None = None
        self._points_key: tuple | None = None
        self._labels_key: tuple | None = None
        self._mode: str | None = None

    def _build_curve_items(self) -> None:
        """The one-input figure's items: points, curve and their legend keys."""
        self.train_points = pg.ScatterPlotItem(size=6, symbol="o", pen=pg.mkPen("w", width=0.5),
                                               brush=pg.mkBrush(*TRAIN_COLOR, 200))
        self.test_points = pg.ScatterPlotItem(size=8, symbol="t",
                                              pen=pg.mkPen(POINT_OUTLINE, width=0.5),
                                              brush=pg.mkBrush(*TEST_COLOR, 220))
        self.curve = pg.PlotCurveItem(pen=pg.mkPen(CURVE_COLOR, width=2.5), antialias=True)
        self.curve.setZValue(10)
        #: an invisible line from corner to corner of the drawing room: the auto-range frames
        #: it with the data (hidden, an item would not count)
        self.drawing_room = pg.PlotCurveItem(pen=pg.mkPen(0, 0, 0, 0))
        self._room: tuple[float, ...] | None = None
        for graphic in (self.train_points, self.test_points, self.curve, self.drawing_room):
            self.plot_item.addItem(graphic)
        self._contribution_key = pg.PlotCurveItem(pen=pg.mkPen(CONTRIBUTION_COLOR, width=1.5))

    def _build_surface_items(self) -> None:
        """The two-input figure's items: the heat map and the target-coloured points."""
        self.colormap = diverging_map()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.image.setLookupTable(self.colormap.getLookupTable(0.0, 1.0, 256, alpha=False))
        self.surface_train = pg.ScatterPlotItem(size=7, symbol="o",
                                                pen=pg.mkPen(POINT_OUTLINE, width=1))
        self.surface_test = pg.ScatterPlotItem(size=9, symbol="t",
                                               pen=pg.mkPen(POINT_OUTLINE, width=1))
        for graphic in (self.image, self.surface_train, self.surface_test):
            self.plot_item.addItem(graphic)
        #: one colour scale for the heat map and the points, made with the first surface (a
        #: colour bar is a plot of its own: no cost for a curve), in the plot's layout only
        #: while a surface is drawn (:meth:`_show_colorbar`)
        self.colorbar: pg.ColorBarItem | None = None
        self._colorbar_shown = False

    def title_tools(self) -> list[QWidget]:
        """The overlay's checkbox and the Draw toggle, in the title row: a tool row of their
        own would take the plot's height in a short panel."""
        return [self.overlay, self.drawing.toggle]

    # -- drawing ----------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        if snapshot.config is not self.config:
            self.config = snapshot.config
            self._relabel_pinned()
        view = snapshot.view(RegressionView)
        if view is not None:
            self.draw(view)

    def draw(self, view: RegressionView) -> None:
        self.view = view
        self._set_mode("curve" if view.curve is not None else "surface")
        self._set_labels(view)
        if view.curve is not None:
            self._draw_curve(view.curve)
            self._set_drawing_room(view.curve, view.target_range)
        elif view.surface is not None:
            self._draw_surface(view.surface, view.target_range)
        self._set_points(view)
        if view.curve is not None:
            self.drawing.show_point_count(len(view.train_targets))

    def _set_mode(self, mode: str) -> None:
        """Show the items of a curve or of a surface (once per run: a run keeps its inputs)."""
        if mode == self._mode:
            return
        self._mode = mode
        curve_mode = mode == "curve"
        for graphic in (self.train_points, self.test_points, self.curve, self.drawing_room):
            graphic.setVisible(curve_mode)
        for graphic in (self.image, self.surface_train, self.surface_test):
            graphic.setVisible(not curve_mode)
        self.overlay.setVisible(curve_mode)
        self.overlay_note.setVisible(curve_mode and bool(self.overlay_note.text()))
        self.drawing.set_enabled(curve_mode)
        self.plot.setAspectLocked(False)
        self.plot_item.enableAutoRange(enable=curve_mode)
        self._show_colorbar(not curve_mode)
        self._set_legend(curve_mode)

    def _show_colorbar(self, shown: bool) -> None:
        """The colour bar right of the plot for a surface; out of the layout for a curve
        (hidden, it would still keep its column)."""
        if shown == self._colorbar_shown:
            return
        self._colorbar_shown = shown
        if self.colorbar is None:
            self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=self.colormap,
                                            interactive=False, width=12, colorMapMenu=False)
            self.colorbar.setImageItem(self.image)
        layout = self.plot_item.layout
        if shown:
            layout.addItem(self.colorbar, 2, 5)  # where pyqtgraph's insert_in puts it
            layout.setColumnFixedWidth(4, 5)
            self.colorbar.show()
        else:
            layout.removeItem(self.colorbar)
            self.colorbar.hide()

    def _set_legend(self, curve_mode: bool) -> None:
        self.legend.clear()
        if curve_mode:
            self.legend.addItem(self.train_points, "train")
            self.legend.addItem(self.test_points, "test")
            self.legend.addItem(self.curve, "network ŷ(x)")
        else:
            self.legend.addItem(_marker("o"), "train (colour: target)")
            self.legend.addItem(_marker("t"), "test")
        self._show_overlay_key()
        for _, item, _ in self.pinned:  # pinned curves belong to a curve's axes
            item.setVisible(curve_mode)
        if curve_mode:
            self._relabel_pinned()

    def _set_labels(self, view: RegressionView) -> None:
        """Axis names and the title, when they differ from what is shown."""
        names = view.input_names or (("x",) if view.n_inputs == 1 else ("x₁", "x₂"))
        bottom = names[0]
        left = view.target_name if view.n_inputs == 1 else names[1]
        key = (bottom, left, view.title)
        if key == self._labels_key:
            return
        self._labels_key = key
        # pyqtgraph shows labels as rich text: "x < 0" in a formula or a file's column name
        # would start a tag
        self.plot_item.setLabel("bottom", html.escape(bottom))
        self.plot_item.setLabel("left", html.escape(left))
        title = view.title if view.n_inputs == 1 else f"{view.title}: colour is ŷ"
        self.plot_item.setTitle(html.escape(title) or None, color=TITLE_COLOR, size="10pt")

    def _draw_curve(self, curve: FitCurve) -> None:
        self.curve.setData(curve.xs, curve.predictions)
        self._ensure_contribution_items(len(curve.contributions))
        for item, values in zip(self.contribution_items, curve.contributions, strict=True):
            item.setData(curve.xs, values)
        self.overlay.setEnabled(not curve.overlay_note)
        self.overlay_note.setText(curve.overlay_note)
        self.overlay_note.setVisible(bool(curve.overlay_note))
        self._show_overlay_key()

    def _set_drawing_room(self, curve: FitCurve, target_range: tuple[float, float]) -> None:
        """Frame the curve's inputs and the targets with :data:`DRAWING_HEADROOM` to spare."""
        low, high = target_range
        margin = DRAWING_HEADROOM * ((high - low) or 1.0)
        room = (float(curve.xs[0]), float(curve.xs[-1]), low - margin, high + margin)
        if room != self._room:
            self._room = room
            self.drawing_room.setData(np.array(room[:2]), np.array(room[2:]))

    def _ensure_contribution_items(self, units: int) -> None:
        """One thin line per hidden unit, made when the count changes (a new run)."""
        if units == len(self.contribution_items):
            return
        for item in self.contribution_items:
            self.plot_item.removeItem(item)
        self.contribution_items = []
        for _ in range(units):
            item = pg.PlotCurveItem(pen=pg.mkPen(CONTRIBUTION_COLOR, width=1.5),
                                    antialias=True)
            item.setZValue(5)
            item.setVisible(self.overlay.isChecked())
            # the view frames the data and the curve: a unit's share may lie far off it (a
            # tanh unit's constant offset), and would squash the figure into a band
            self.plot_item.addItem(item, ignoreBounds=True)
            self.contribution_items.append(item)

    def _overlay_toggled(self, shown: bool) -> None:
        for item in self.contribution_items:
            item.setVisible(shown)
        self._show_overlay_key()

    def _show_overlay_key(self) -> None:
        """The contributions' legend key only while they are drawn."""
        wanted = (self._mode == "curve" and self.overlay.isChecked()
                  and bool(self.contribution_items))
        present = any(sample.item is self._contribution_key for sample, _ in self.legend.items)
        if wanted and not present:
            self.legend.addItem(self._contribution_key, "one hidden unit's share")
        elif present and not wanted:
            self.legend.removeItem(self._contribution_key)

    def _draw_surface(self, surface: FitSurface, target_range: tuple[float, float]) -> None:
        x_min, x_max, y_min, y_max = surface.extent
        ny, nx = surface.predictions.shape
        dx, dy = (x_max - x_min) / max(nx - 1, 1), (y_max - y_min) / max(ny - 1, 1)
        if self.colorbar is not None and tuple(self.colorbar.levels()) != tuple(target_range):
            self.colorbar.setLevels(target_range)
        self.image.setImage(surface.predictions, levels=target_range, autoLevels=False)
        rect = QRectF(x_min - dx / 2, y_min - dy / 2, x_max - x_min + dx, y_max - y_min + dy)
        if self.image.mapRectToParent(self.image.boundingRect()) != rect:
            self.image.setRect(rect)
            self.plot.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)

    def _set_points(self, view: RegressionView) -> None:
        """Scatter ``setData`` is slow: only when the points change (a new run)."""
        key = (id(view.train_points), id(view.test_points), view.n_inputs)
        if key == self._points_key:
            return
        self._points_key = key
        self._points_refs = (view.train_points, view.test_points)  # keep ids from reuse
        if view.n_inputs == 1:
            self.train_points.setData(view.train_points[:, 0], view.train_targets)
            self.test_points.setData(view.test_points[:, 0], view.test_targets)
            return
        for scatter, points, targets in ((self.surface_train, view.train_points,
                                          view.train_targets),
                                         (self.surface_test, view.test_points,
                                          view.test_targets)):
            scatter.setData(pos=np.asarray(points, np.float64),
                            brush=self._target_brushes(targets, view.target_range))

    def _target_brushes(self, targets: np.ndarray, target_range: tuple[float, float]
                        ) -> list[pg.QtGui.QBrush]:
        """Each point's brush: its target on the heat map's colour scale."""
        low, high = target_range
        positions = np.clip((np.asarray(targets, np.float64) - low) / ((high - low) or 1.0),
                            0.0, 1.0)
        colors = self.colormap.map(positions, mode="qcolor")
        return [pg.mkBrush(color) for color in colors]

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self._points_key = None

    def legend_texts(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    # -- pinned runs ----------------------------------------------------------------------
    def pin_run(self) -> None:
        """Keep this run's curve, dashed under the next runs' (a curve only: two surfaces
        cannot be drawn over each other)."""
        view = self.view
        if view is None or view.curve is None:
            return
        style = PINNED_STYLES[len(self.pinned) % len(PINNED_STYLES)]
        pen = pg.mkPen(PINNED_CURVE_COLOR, width=2, style=style)
        item = pg.PlotCurveItem(view.curve.xs, view.curve.predictions, pen=pen, antialias=True)
        item.setZValue(8)  # over the units' shares, under this run's curve
        self.plot_item.addItem(item)
        self.pinned.append((self.config, item, pg.PlotCurveItem(pen=pen)))
        while len(self.pinned) > MAX_PINNED:
            self._remove_pinned(self.pinned.pop(0))
        self._relabel_pinned()

    def clear_pinned(self) -> None:
        for run in self.pinned:
            self._remove_pinned(run)
        self.pinned = []

    def _remove_pinned(self, run: tuple) -> None:
        _, item, key = run
        self.legend.removeItem(key)
        self.plot_item.removeItem(item)

    def _relabel_pinned(self) -> None:
        """Legend keys for the pinned curves, named by what differed from this run."""
        for number, (config, _, key) in enumerate(self.pinned, start=1):
            self.legend.removeItem(key)
            self.legend.addItem(key, f"pinned {number}: {describe_pinned(config, self.config)}")

    # -- export -----------------------------------------------------------------------------
    def export_target(self) -> pg.PlotItem:
        return self.plot_item

    def csv_tables(self) -> dict[str, CsvTable]:
        view = self.view
        if view is None:
            return {}
        tables = {"points": _points_table(view)}
        if view.curve is not None:
            curve = view.curve
            columns = ["x", "prediction", *(f"unit{j + 1}" for j in
                                            range(len(curve.contributions)))]
            tables["fit_curve"] = (columns, [curve.xs.tolist(), curve.predictions.tolist(),
                                             *(row.tolist() for row in curve.contributions)])
        elif view.surface is not None:
            tables["fit_surface"] = _surface_table(view.surface)
        return tables

    def point_data_set(self) -> PointDataSet | None:
        """The points drawn (generated, read or drawn with the mouse) as a data set that
        ``target=file`` reads back: the inputs, the split, then the target, in the panel's
        coordinates (None before the first fit)."""
        view = self.view
        if view is None:
            return None
        names = view.input_names or tuple(f"x{i}" for i in range(1, view.n_inputs + 1))
        data = Split(np.asarray(view.train_points, np.float64),
                     np.asarray(view.train_targets, np.float64),
                     np.asarray(view.test_points, np.float64),
                     np.asarray(view.test_targets, np.float64), 1, (), tuple(names))
        where = f" ({view.title})" if view.title else ""
        notes = (f"the points of the regression fit panel{where}",
                 f"the panel draws at most {MAX_DRAWN_POINTS:,} points per split: a larger "
                 "set is saved as the even sample drawn")
        return PointDataSet(data, notes, target_name=view.target_name or "y")

    def csv_notes(self) -> dict[str, TableNotes]:
        view = self.view
        if view is None:
            return {}
        notes = {"points": TableNotes(
            "the data points drawn (a sample where the split is larger)",
            {"split": "train or test", "x1": "first input", "x2": "second input",
             "target": "the target y the network is fitted to"})}
        if view.curve is not None:
            units = {f"unit{j + 1}": f"hidden unit {j + 1}'s contribution w2·f(w1·x + b1)"
                     for j in range(len(view.curve.contributions))}
            notes["fit_curve"] = TableNotes(
                f"the network's prediction at {len(view.curve.xs)} evenly spaced inputs; the "
                f"prediction is the units' contributions plus the output bias "
                f"{view.curve.output_bias:.6g}",
                {"x": "input x", "prediction": "the network's prediction ŷ(x)", **units})
        elif view.surface is not None:
            notes["fit_surface"] = TableNotes(
                "the network's prediction over a regular grid of the input plane",
                {"x1": "first input", "x2": "second input",
                 "prediction": "the network's prediction ŷ(x1, x2)"})
        return notes


def _points_table(view: RegressionView) -> CsvTable:
    splits, firsts, seconds, targets = [], [], [], []
    for split, points, values in (("train", view.train_points, view.train_targets),
                                  ("test", view.test_points, view.test_targets)):
        splits += [split] * len(values)
        firsts += np.asarray(points)[:, 0].tolist()
        if view.n_inputs == 2:
            seconds += np.asarray(points)[:, 1].tolist()
        targets += np.asarray(values, np.float64).tolist()
    if view.n_inputs == 2:
        return ["split", "x1", "x2", "target"], [splits, firsts, seconds, targets]
    return ["split", "x1", "target"], [splits, firsts, targets]


def _surface_table(surface: FitSurface) -> CsvTable:
    x_min, x_max, y_min, y_max = surface.extent
    ny, nx = surface.predictions.shape
    xs, ys = np.meshgrid(np.linspace(x_min, x_max, nx), np.linspace(y_min, y_max, ny))
    return ["x1", "x2", "prediction"], [xs.ravel().tolist(), ys.ravel().tolist(),
                                        surface.predictions.astype(np.float64).ravel().tolist()]


def _marker(symbol: str) -> pg.ScatterPlotItem:
    """A legend key: a grey point of ``symbol`` (the points' colours are their targets)."""
    return pg.ScatterPlotItem(symbol=symbol, size=9, brush=pg.mkBrush(200, 200, 200),
                              pen=pg.mkPen(POINT_OUTLINE))
