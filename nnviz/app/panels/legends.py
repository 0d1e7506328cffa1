"""Legends and captions beside a plot: never over its data, never cut off.

pyqtgraph's ``PlotItem.addLegend`` anchors the legend inside the view box. There it covers the
curves under it, and the view box clips it (a ten-class key in a short plot shows seven
entries; a long entry in a narrow plot loses its first letters). :func:`legend_below` puts an
:class:`OutsideLegend` into the plot item's own layout, under its x axis, so the data area
shrinks to make room instead. The legend takes as many columns as its entries allow at the
plot's width and, when even one column is too wide, wraps its labels at spaces, so it is whole
at every window size. :func:`caption_below` puts a sentence under a plot the same way, wrapped
to the plot's width, and :func:`fit_title` makes a plot's title wrap rather than widen the
plot past its panel (which cuts everything in it, the legend too). All are part of the plot
item, so an export of the plot item (or of its scene) carries them.

A legend that must span several plots (the loss panel's, above its loss and accuracy plots)
is an :class:`OutsideLegend` placed in the plots' ``GraphicsLayout`` with that layout as host.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsWidget, QSizePolicy

#: pixels kept free at each side of a legend or caption, inside its host
SIDE_MARGIN = 6.0
#: the width of a legend entry's sample (pyqtgraph's ItemSample is 20 pixels square)
SAMPLE_WIDTH = 20.0
#: a wrapped label keeps at least this width, however narrow the host
MIN_LABEL_WIDTH = 60.0
#: the height pyqtgraph gives a one-line plot title
TITLE_ROW_HEIGHT = 30.0
LEGEND_TEXT_COLOR = (30, 30, 30)
CAPTION_COLOR = (68, 68, 68)


class OutsideLegend(pg.LegendItem):
    """A legend laid out beside a plot, fitted to the width of ``host``.

    Entries fill rows of as many columns as fit (at most ``max_columns``); when one column is
    still wider than the host, labels wrap at spaces. It refits when the host is resized and
    when entries come or go. It has no frame: it is not drawn over anything it must stand
    out from.
    """

    def __init__(self, host: QGraphicsWidget, *, max_columns: int | None = None,
                 **options: Any) -> None:
        options.setdefault("labelTextColor", LEGEND_TEXT_COLOR)
        options.setdefault("verSpacing", -4)
        super().__init__(offset=None, frame=False, **options)
        self.host = host
        self.max_columns = max_columns
        self.layout.setContentsMargins(0, 2, 0, 2)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        # no minimum width of its own: a host narrower than the entries must still shrink
        # (Qt clamps a widget to its layout's minimum), and then the legend refits to it
        self.setMinimumWidth(0.0)
        host.geometryChanged.connect(self.fit)

    # -- entries --------------------------------------------------------------------------
    def addItem(self, item: Any, name: str) -> None:
        super().addItem(item, name)
        self.fit()

    def removeItem(self, item: Any) -> None:
        super().removeItem(item)
        self.fit()

    def clear(self) -> None:
        super().clear()
        self.fit()

    def labels(self) -> list[str]:
        return [label.text for _, label in self.items]

    def hoverEvent(self, event: Any) -> None:
        """No dragging: the legend keeps its place in the layout (pyqtgraph's can be dragged
        anywhere, over the data too)."""

    def mouseDragEvent(self, event: Any) -> None:
        event.ignore()

    # -- fitting --------------------------------------------------------------------------
    def updateSize(self) -> None:
        """In a layout, the legend's size is its layout's: ask the parent layout to re-run
        (pyqtgraph's version sets the geometry by hand, for a legend floating in a view)."""
        self.layout.invalidate()
        self.updateGeometry()

    def available_width(self) -> float:
        return max(self.host.width() - 2 * SIDE_MARGIN, 0.0)

    def fit(self) -> None:
        """Columns and label wrapping for the host's current width."""
        if not self.items:
            return
        available = self.available_width()
        if available <= 0:
            return
        widths = [_one_line_width(label) for _, label in self.items]
        columns = self._columns_that_fit(widths, available)
        if columns != self.columnCount:
            self.setColumnCount(columns)
        wrap_at = None
        if columns == 1 and self._row_width([max(widths)]) > available:
            wrap_at = max(available - self._row_width([0.0]), MIN_LABEL_WIDTH)
        for (_, label), natural in zip(self.items, widths, strict=True):
            _wrap_label(label, wrap_at if wrap_at is not None and natural > wrap_at else None)
        self.updateSize()

    def _columns_that_fit(self, widths: list[float], available: float) -> int:
        most = min(self.max_columns or len(widths), len(widths))
        for columns in range(most, 1, -1):
            slots = [max(widths[i::columns]) for i in range(columns)]
            if self._row_width(slots) <= available:
                return columns
        return 1

    def _row_width(self, label_widths: list[float]) -> float:
        """One row's width as the legend's grid lays it out: per entry a 20-pixel sample
        and its label, with the grid's spacing between every two neighbouring cells."""
        cells = 2 * len(label_widths)
        spacing = self.layout.horizontalSpacing()
        return sum(SAMPLE_WIDTH + width for width in label_widths) + spacing * max(cells - 1, 0)


def _one_line_width(label: pg.LabelItem) -> float:
    """The width ``label`` takes unwrapped (its text may have changed since it was wrapped)."""
    if label.item.textWidth() < 0:
        return label.item.boundingRect().width()
    single = label.item.document().clone()
    single.setTextWidth(-1)
    return single.size().width()


def _wrap_label(label: pg.LabelItem, width: float | None) -> None:
    """Wrap ``label``'s text at ``width`` pixels (None: one line); only when it changes."""
    wanted = -1.0 if width is None else float(width)
    if math.isclose(label.item.textWidth(), wanted):
        return
    label.item.setTextWidth(wanted)
    label.updateMin()
    label.resizeEvent(None)


def legend_below(plot: pg.PlotItem, *, max_columns: int | None = None,
                 **options: Any) -> OutsideLegend:
    """An :class:`OutsideLegend` under ``plot``'s x axis, in the plot item's own layout.

    It becomes the plot item's legend, so curves added with ``name=`` join it as they would
    join ``addLegend``'s.
    """
    legend = OutsideLegend(plot, max_columns=max_columns, **options)
    _add_below(plot, legend)
    plot.legend = legend
    return legend


class Caption(pg.LabelItem):
    """A sentence under a plot, wrapped to the width of ``host`` (never wider, never cut)."""

    def __init__(self, host: QGraphicsWidget, text: str = "", **options: Any) -> None:
        options.setdefault("color", CAPTION_COLOR)
        options.setdefault("size", "9pt")
        self.host: QGraphicsWidget | None = None
        super().__init__(text or " ", justify="left", **options)
        self.host = host
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        host.geometryChanged.connect(self.wrap)
        self.wrap()

    def setText(self, text: str, **options: Any) -> None:
        super().setText(text, **options)
        self.wrap()

    def wrap(self) -> None:
        host = self.host
        if host is None:  # during pyqtgraph's __init__, before the host is known
            return
        width = max(host.width() - 2 * SIDE_MARGIN, MIN_LABEL_WIDTH)
        if not math.isclose(self.item.textWidth(), width):
            self.item.setTextWidth(width)
        self.updateMin()
        self.resizeEvent(None)

    def updateMin(self) -> None:
        """Any width will do (the text wraps to what it gets); the height is the text's."""
        super().updateMin()
        self.setMinimumWidth(0.0)


def caption_below(plot: pg.PlotItem, text: str = "", **options: Any) -> Caption:
    """A :class:`Caption` under ``plot`` (below its legend, if it has one below)."""
    caption = Caption(plot, text, **options)
    _add_below(plot, caption)
    return caption


def fit_title(plot: pg.PlotItem) -> None:
    """Let ``plot``'s title wrap to the width of the data area instead of widening the plot.

    pyqtgraph gives the title one line in a 30-pixel row, and its width becomes the plot's
    minimum: a title wider than its panel makes the whole plot wider than its view, so the
    axes, the legend and the title itself are cut at the panel's edge. A fitted title asks
    for no width of its own, wraps at spaces (centred) when it does not fit over the data,
    and its row grows to the lines it needs, after every ``setTitle`` and every resize.
    """
    label = plot.titleLabel
    option = label.item.document().defaultTextOption()
    option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    label.item.document().setDefaultTextOption(option)
    measure = label.updateMin

    def update_min() -> None:
        measure()
        label.setMinimumWidth(0.0)

    # LabelItem.setText measures the text into a minimum width after every title change;
    # this label keeps the measured height and drops the width (an instance attribute, as
    # pyqtgraph offers no hook there)
    label.updateMin = update_min

    def fit(*_: object) -> None:
        _fit_title(plot)

    plot.vb.sigResized.connect(fit)
    label.item.document().contentsChanged.connect(fit)
    fit()


def _fit_title(plot: pg.PlotItem) -> None:
    label = plot.titleLabel
    if not label.isVisible():
        return
    _keep_longest_word_whole(plot)
    available = plot.vb.width() - 2 * SIDE_MARGIN
    wrap = available > MIN_LABEL_WIDTH and _one_line_width(label) > available
    wanted = available if wrap else -1.0
    if not math.isclose(label.item.textWidth(), wanted):
        label.item.setTextWidth(wanted)
    height = max(TITLE_ROW_HEIGHT, label.item.boundingRect().height())
    plot.layout.setRowFixedHeight(0, height)
    label.setMaximumHeight(height)
    label.updateMin()
    label.resizeEvent(None)


def _keep_longest_word_whole(plot: pg.PlotItem) -> None:
    """Ask the layout for a data area at least as wide as the title's longest word: a title
    wrapped narrower breaks inside its words ("saturat / ed:" over the layer-health bars of
    a 1440×900 window's three columns of digits panels)."""
    item = plot.titleLabel.item
    width = item.textWidth()
    item.setTextWidth(1.0)  # as narrow as it goes: one word a line
    document = item.document()
    longest = document.idealWidth() + 2 * document.documentMargin()
    item.setTextWidth(width)
    least = math.ceil(longest + 2 * SIDE_MARGIN) + 1
    if plot.vb.minimumWidth() != least:
        plot.vb.setMinimumWidth(least)
        _lay_out_now(plot)


def _lay_out_now(item: QGraphicsWidget) -> None:
    """Re-run the layouts from ``item``'s outermost holder now, not at the next event-loop
    pass: a picture taken in between would show text placed for the old sizes."""
    outermost = item
    while isinstance(outermost.parentItem(), QGraphicsWidget):
        outermost = outermost.parentItem()
    layout = QGraphicsWidget.layout(outermost)  # pyqtgraph items hide layout() behind a field
    if layout is not None:
        layout.activate()


def _add_below(plot: pg.PlotItem, item: QGraphicsWidget) -> None:
    """Into the next free row of the plot item's grid, across its three columns (left axis,
    data, right axis), centred; the row takes the item's height and no stretch."""
    layout = plot.layout
    row = layout.rowCount()
    layout.addItem(item, row, 0, 1, 3)
    layout.setAlignment(item, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    layout.setRowStretchFactor(row, 0)
    layout.setRowSpacing(row, 0)
