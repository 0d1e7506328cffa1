"""A 2-D projection of labelled points: word vectors, hidden activations, bottleneck features.

Draws a :class:`~nnviz.core.views.Projection` record: one scatter item per group (coloured,
named in the legend), a text label per point when there are few enough to read, and optional
arrows between pairs of points (country → capital) so parallel offsets become visible. The
aspect ratio is locked: distances on screen are distances in the projection.

The view frames the points with some room and keeps that frame while they move inside it
(:func:`next_frame`): a new frame only when a point leaves it or the points shrink to a part
of it. Training moves every point at every frame; a view that followed them exactly rescaled
the axes and re-laid every label at every frame, which read as jitter and cost the window
most of a frame's time. The frame is an invisible item the view box frames, so pyqtgraph's
own auto-range ("A" button, zoom by hand) keeps working.

Labels never overlap: after every draw and every change of the view they are placed around
their points in screen pixels (:mod:`~nnviz.app.panels.label_layout`), most important first:
the words of the word query and its answers, then the words the arrows join (countries and
capitals), then the rest in the record's order (the most frequent words first). A label with
no free place is hidden; its point stays.

The panel reads ``snapshot.views[view_name]`` (``"projection"``); a scenario with several
projections subclasses it with another ``kind`` and ``view_name``. Without that key, it draws
the first :class:`Projection` it finds among the views.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.colors import qualitative_color
from nnviz.app.panels.label_layout import HIDDEN, candidate_offsets, choose_positions
from nnviz.app.panels.legends import fit_title, legend_below
from nnviz.core.similarity import QueryAnswer, parse_query
from nnviz.core.views import Projection
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot

#: room around the points when the view frames them afresh, a share of their extent per side
#: (the view box adds none of its own: about pyqtgraph's default for a panel-sized plot)
FRAME_MARGIN = 0.06
#: the points are framed afresh when they fill less than this share of the frame along an axis
FRAME_LEAST_FILL = 0.55

Frame = tuple[float, float, float, float]


def next_frame(frame: Frame | None, points: np.ndarray, *, margin: float = FRAME_MARGIN,
               least_fill: float = FRAME_LEAST_FILL) -> Frame | None:
    """The (x0, x1, y0, y1) the view shows ``points`` in: ``frame`` while they lie inside
    it and fill at least ``least_fill`` of it along each axis, else their box with
    ``margin`` of room on every side; None without a finite point."""
    finite = points[np.all(np.isfinite(points), axis=1)] if len(points) else points
    if len(finite) == 0:
        return frame
    low, high = finite.min(axis=0), finite.max(axis=0)
    if frame is not None:
        x0, x1, y0, y1 = frame
        inside = x0 <= low[0] and high[0] <= x1 and y0 <= low[1] and high[1] <= y1
        filled = ((high[0] - low[0]) >= least_fill * (x1 - x0)
                  and (high[1] - low[1]) >= least_fill * (y1 - y0))
        if inside and filled:
            return frame
    extent = high - low
    # one point, or all on a line: room of a tenth of their distance from 0, or of 1
    fallback = np.maximum(0.1 * np.abs((low + high) / 2), 1.0)
    room = np.where(extent > 0, margin * extent, fallback)
    return (float(low[0] - room[0]), float(high[0] + room[0]),
            float(low[1] - room[1]), float(high[1] + room[1]))


def arrow_segments(starts: np.ndarray, ends: np.ndarray, head: float) -> np.ndarray:
    """Line segments (pairs of rows) of arrows from ``starts`` to ``ends``: shaft + two barbs.

    ``head`` is the barb length in data units; each barb leaves the tip at ±25° from the shaft.
    """
    direction = ends - starts
    length = np.linalg.norm(direction, axis=1, keepdims=True)
    unit = np.divide(direction, length, out=np.zeros_like(direction), where=length > 0)
    back = -unit * np.minimum(head, 0.5 * length)
    cos, sin = np.cos(np.radians(25.0)), np.sin(np.radians(25.0))
    left = np.stack([back[:, 0] * cos - back[:, 1] * sin, back[:, 0] * sin + back[:, 1] * cos], 1)
    right = np.stack([back[:, 0] * cos + back[:, 1] * sin, -back[:, 0] * sin + back[:, 1] * cos],
                     1)
    segments = np.empty((len(starts) * 6, 2))
    segments[0::6], segments[1::6] = starts, ends
    segments[2::6], segments[3::6] = ends, ends + left
    segments[4::6], segments[5::6] = ends, ends + right
    return segments


@register_panel
class ProjectionPanel(Panel):
    """Labelled points in the plane of the top two principal axes, coloured by group."""

    kind: ClassVar[str] = "projection"
    draws = view_types(projection=Projection)
    may_draw = view_types(word_query=QueryAnswer)
    title: ClassVar[str] = "Projection (PCA)"
    #: the key of the snapshot's views this panel draws
    view_name: ClassVar[str] = "projection"
    #: above this many points, text labels are left out (they would be unreadable)
    max_labels: ClassVar[int] = 250
    #: pixels from a point's centre to its label's near edge (the marker's radius, and air)
    label_gap: ClassVar[float] = 6.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plain_plot()
        self.plot.setBackground("w")
        self.plot.setAspectLocked(True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "PC 1")
        self.plot.setLabel("left", "PC 2")
        # under the plot, every group's key (inside the view box a long list was cut off)
        self.legend = legend_below(self.plot.getPlotItem())
        fit_title(self.plot.getPlotItem())  # a long title wraps, never widens the plot
        self._legend_names: tuple[str, ...] = ()
        self.layout_.addWidget(self.plot)
        self.arrow_item = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((60, 60, 60, 170),
                                                                         width=1.4))
        self.arrow_item.setZValue(-1)
        self.plot.addItem(self.arrow_item, ignoreBounds=True)
        #: what the view box frames (see the module docstring): two corners, drawn in no ink
        self.frame: Frame | None = None
        self.frame_item = pg.PlotCurveItem(pen=pg.mkPen(0, 0, 0, 0))
        self.plot.addItem(self.frame_item)
        self.plot.getViewBox().setDefaultPadding(0.0)  # the frame has its room
        self.scatters: list[pg.ScatterPlotItem] = []
        self.texts: list[pg.TextItem] = []
        self.projection: Projection | None = None
        #: the labelled points (data units) and their labels' order of priority
        self._label_points = np.empty((0, 2))
        self._label_sizes = np.empty((0, 2))  # (width, height) in pixels, per label
        self._label_order = np.empty(0, dtype=np.int64)
        #: words the snapshot asks about (the word query and its answers): labelled first
        self._highlighted: tuple[str, ...] = ()
        self._labels_placed = False
        self.plot.getViewBox().sigTransformChanged.connect(self.place_labels)

    # -- drawing ----------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        self._highlighted = highlighted_words(snapshot)
        projection = self.find_projection(snapshot)
        if projection is not None:
            self.draw(projection)

    def find_projection(self, snapshot: Snapshot) -> Projection | None:
        view = snapshot.view(Projection, self.view_name)
        if view is not None:
            return view
        return next((v for v in snapshot.views.values() if isinstance(v, Projection)), None)

    def draw(self, projection: Projection) -> None:
        """Update the plot items in place from one projection record."""
        self.projection = projection
        points = np.asarray(projection.points, dtype=np.float64).reshape(-1, 2)
        groups = self._groups(projection, len(points))
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        self._ensure_groups(n_groups, projection.group_names)
        size = 8 if len(points) <= self.max_labels else 5
        for group, scatter in enumerate(self.scatters):
            chosen = points[groups == group]
            if len(chosen):
                scatter.setData(pos=chosen, size=size)
            else:
                scatter.setData([], [])
        self._set_frame(next_frame(self.frame, points))
        self._draw_labels(points, groups, projection.labels, projection.arrows)
        self._draw_arrows(points, projection.arrows)
        first, second = projection.explained_variance
        # principal components are ranked by variance: after pca_2d swapped the axes to
        # match the previous frame, the horizontal one is PC 2
        swapped = bool(np.isfinite(first) and np.isfinite(second) and first < second)
        self.plot.setLabel("bottom", _axis_title(2 if swapped else 1, first))
        self.plot.setLabel("left", _axis_title(1 if swapped else 2, second))
        self.plot.setTitle(projection.title or None, color="k", size="10pt")

    def _set_frame(self, frame: Frame | None) -> None:
        if frame == self.frame:
            return
        self.frame = frame
        if frame is None:
            self.frame_item.setData([], [])
        else:
            x0, x1, y0, y1 = frame
            self.frame_item.setData([x0, x1], [y0, y1])

    @staticmethod
    def _groups(projection: Projection, count: int) -> np.ndarray:
        if projection.groups is None:
            return np.zeros(count, dtype=np.int64)
        return np.asarray(projection.groups, dtype=np.int64).reshape(-1)

    def _ensure_groups(self, n_groups: int, names: tuple[str, ...]) -> None:
        while len(self.scatters) < n_groups:
            color = qualitative_color(len(self.scatters))
            scatter = pg.ScatterPlotItem(pen=pg.mkPen(255, 255, 255, 200, width=0.8),
                                         brush=pg.mkBrush(*color))
            self.scatters.append(scatter)
            self.plot.addItem(scatter, ignoreBounds=True)  # the frame item frames them
        shown = tuple(names[g] if g < len(names) else f"group {g}" for g in range(n_groups))
        if shown != self._legend_names:
            self.legend.clear()
            for group, name in enumerate(shown):
                self.legend.addItem(self.scatters[group], name)
            self._legend_names = shown
        for group, scatter in enumerate(self.scatters):
            scatter.setVisible(group < n_groups)

    def _draw_labels(self, points: np.ndarray, groups: np.ndarray, labels, arrows) -> None:
        labels = list(labels) if labels is not None else []
        show = 0 < len(labels) == len(points) <= self.max_labels
        needed = len(points) if show else 0
        while len(self.texts) < needed:
            text = pg.TextItem()
            text.textItem.document().setDocumentMargin(1)  # the box is the text, not air
            self.texts.append(text)
            self.plot.addItem(text, ignoreBounds=True)
        sizes = self._label_sizes
        if len(sizes) != needed:
            sizes = np.zeros((needed, 2))
        for index, text in enumerate(self.texts[:needed]):
            red, green, blue = qualitative_color(int(groups[index]))
            color = (int(red * 0.6), int(green * 0.6), int(blue * 0.6))
            if text.toPlainText() != str(labels[index]) or text.color.getRgb()[:3] != color:
                text.setText(str(labels[index]), color=color)
                sizes[index] = 0.0  # measured again below
            if not sizes[index].any():
                box = text.textItem.boundingRect()
                sizes[index] = box.width(), box.height()
        self._label_sizes = sizes
        self._label_points = points[:needed].copy()
        self._label_order = label_priority([str(w) for w in labels[:needed]], arrows,
                                           self._highlighted)
        self._labels_placed = False
        if needed:
            # the range the new points ask for, now rather than at the next paint: a changed
            # transform places the labels (through sigTransformChanged), else they go here
            self.plot.getViewBox().prepareForPaint()
        if not self._labels_placed:
            self.place_labels()

    def place_labels(self) -> None:
        """Show each label where it overlaps no more important one, or hide it.

        Runs after each draw and whenever the view's transform changes (a resize, a new
        range), since which labels collide depends on their size on screen.
        """
        self._labels_placed = True
        count = len(self._label_points)
        view = self.plot.getViewBox()
        area = view.viewRect()
        width, height = view.width(), view.height()
        chosen = np.full(len(self.texts), HIDDEN)
        if count and width > 0 and height > 0 and area.width() > 0 and area.height() > 0:
            pixels = np.column_stack([
                (self._label_points[:, 0] - area.left()) / area.width() * width,
                (area.bottom() - self._label_points[:, 1]) / area.height() * height])
            chosen[:count] = choose_positions(pixels, self._label_sizes, self._label_order,
                                              (width, height), self.label_gap)
        offsets = candidate_offsets(self._label_sizes, self.label_gap)
        for index, text in enumerate(self.texts):
            shown = bool(chosen[index] != HIDDEN)
            if shown:  # hidden labels are not moved: that costs, and nobody sees them
                w, h = np.maximum(self._label_sizes[index], 1e-9)
                dx, dy = offsets[index, chosen[index]]
                if (text.anchor.x(), text.anchor.y()) != (-dx / w, -dy / h):
                    text.setAnchor((-dx / w, -dy / h))
                text.setPos(*self._label_points[index])
            if text.isVisible() != shown:
                text.setVisible(shown)

    def _draw_arrows(self, points: np.ndarray, arrows) -> None:
        pairs = np.asarray(arrows, dtype=np.int64).reshape(-1, 2) if arrows is not None else ()
        if len(pairs) == 0 or len(points) == 0:
            self.arrow_item.setData([], [])
            return
        span = float(np.ptp(points, axis=0).max()) or 1.0
        segments = arrow_segments(points[pairs[:, 0]], points[pairs[:, 1]], 0.025 * span)
        self.arrow_item.setData(segments[:, 0], segments[:, 1])

    # -- the panel contract -----------------------------------------------------------------
    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.projection = None
        self._set_frame(None)
        for scatter in self.scatters:
            scatter.setData([], [])
        self.legend.clear()
        self._legend_names = ()
        for text in self.texts:
            text.setVisible(False)
        self._label_points = np.empty((0, 2))
        self._label_sizes = np.empty((0, 2))
        self._label_order = np.empty(0, dtype=np.int64)
        self.arrow_item.setData([], [])

    def export_target(self) -> pg.GraphicsItem:
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        projection = self.projection
        if projection is None:
            return {}
        points = np.asarray(projection.points, dtype=np.float64).reshape(-1, 2)
        groups = self._groups(projection, len(points))
        labels = list(projection.labels) if len(projection.labels) == len(points) else [""] * len(
            points)
        names = projection.group_names
        rows = [
            [str(label), int(group), names[group] if group < len(names) else "",
             float(x), float(y)]
            for label, group, (x, y) in zip(labels, groups, points, strict=True)
        ]
        tables = {"points": (["label", "group", "group_name", "x", "y"],
                             [list(column) for column in zip(*rows, strict=True)] if rows
                             else [[], [], [], [], []])}
        if projection.arrows is not None and len(projection.arrows):
            pairs = np.asarray(projection.arrows, dtype=np.int64).reshape(-1, 2)
            tables["arrows"] = (
                ["from", "to", "dx", "dy"],
                [[labels[i] for i in pairs[:, 0]], [labels[j] for j in pairs[:, 1]],
                 list(points[pairs[:, 1], 0] - points[pairs[:, 0], 0]),
                 list(points[pairs[:, 1], 1] - points[pairs[:, 0], 1])],
            )
        return tables

    def csv_notes(self) -> dict[str, TableNotes]:
        """Which principal component each coordinate is (the axes' titles say it)."""
        if self.projection is None:
            return {}
        axis = self.plot.getPlotItem().getAxis
        about = self.projection.title or self.title
        return {
            "points": TableNotes(
                f"every point of the projection ({about})",
                {"x": f"coordinate along the horizontal axis: {axis('bottom').labelText}",
                 "y": f"coordinate along the vertical axis: {axis('left').labelText}"}),
            "arrows": TableNotes("the pairs an arrow joins, and the arrow's offset in the plane"),
        }


def highlighted_words(snapshot: Snapshot) -> tuple[str, ...]:
    """The words a snapshot asks about: those of the word query, then its answers, best
    first (empty when the scenario has no word query)."""
    answer = snapshot.view(QueryAnswer)
    if answer is None:
        return ()
    try:
        positive, negative = parse_query(answer.query)
    except ValueError:
        positive, negative = [], []
    return tuple(dict.fromkeys([*positive, *negative, *(word for word, _ in answer.answers)]))


def label_priority(labels: list[str], arrows, highlighted: tuple[str, ...]) -> np.ndarray:
    """Label indices, most important first: highlighted words (in their order), then the
    points arrows join (a country and its capital), then the others in their own order."""
    rank = {word: position for position, word in enumerate(highlighted)}
    joined = set()
    if arrows is not None and len(arrows):
        joined = set(np.asarray(arrows, dtype=np.int64).reshape(-1).tolist())
    tiers = [(0, rank[word]) if word in rank else (1, 0) if index in joined else (2, 0)
             for index, word in enumerate(labels)]
    return np.array(sorted(range(len(labels)), key=lambda index: (*tiers[index], index)),
                    dtype=np.int64)


def _axis_title(axis: int, ratio: float) -> str:
    if ratio is None or not np.isfinite(ratio):
        return f"PC {axis}"
    return f"PC {axis} ({100 * ratio:.0f}% of variance)"

