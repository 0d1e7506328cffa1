"""What makes a figure unfit to publish, checked on a laid-out panel without looking at it.

Three defects are easy to miss by eye on one window size and easy to find in the scene graph:
an axis that shows a scale factor the reader has to decode ("loss (x0.001)"), text cut off at
the edge of its panel or plot, and a legend drawn over the data it explains. A fourth, a plot
that draws nothing and says nothing, turns up when a view stops reaching its panel; a fifth,
a log axis printing a single number, when a decade sits too close to the end of a small plot
for its label; a sixth, text set too small to read, when a panel shrinks its type to fit.

Each check returns sentences naming what is wrong, so a test can assert an empty list and a
script (``scripts/contact_sheet.py``) can print every problem of every preset at once. The
checks read what Qt will paint: only visible items, in the geometry of the current layout.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsTextItem, QWidget

from nnviz.app.panels.base import Panel

#: slack for antialiasing and rounding when comparing rectangles, in pixels
SLACK = 1.5


def problems(panel: QWidget) -> list[str]:
    """Every defect this module knows of, in ``panel`` as laid out now."""
    found = (scale_factor_axes(panel) + crowded_tick_labels(panel)
             + log_axes_with_one_label(panel) + clipped_texts(panel) + cut_tick_labels(panel)
             + axis_titles_over_tick_labels(panel)
             + legends_over_data(panel) + silent_empty_plots(panel) + small_texts(panel))
    return list(dict.fromkeys(found))


# -- walking the scenes ---------------------------------------------------------------------

def graphics_views(panel: QWidget) -> list[pg.GraphicsView]:
    """The pyqtgraph views inside ``panel`` that are shown (a hidden tab draws nothing)."""
    views = [panel] if isinstance(panel, pg.GraphicsView) else []
    views += panel.findChildren(pg.GraphicsView)
    return [view for view in views if view.isVisible()]


def _items(view: pg.GraphicsView) -> Iterator[QGraphicsItem]:
    for item in view.scene().items():
        if item.isVisible() and item.opacity() > 0:
            yield item


def _view_rect(view: pg.GraphicsView, item: QGraphicsItem) -> QRectF:
    """``item``'s bounding rectangle in the view's pixel coordinates."""
    return view.mapFromScene(item.sceneBoundingRect()).boundingRect().toRectF()


def _text_rect(view: pg.GraphicsView, item: QGraphicsItem) -> QRectF:
    """Where ``item``'s letters are, in view pixels: its rectangle less the document margin
    a QGraphicsTextItem keeps around the text (4 px of nothing on every side)."""
    inner = _text_item(item)
    if inner is None:
        return _view_rect(view, item)
    margin = inner.document().documentMargin()
    local = inner.boundingRect().adjusted(margin, margin, -margin, -margin)
    return view.mapFromScene(inner.mapToScene(local)).boundingRect().toRectF()


def _text_item(item: QGraphicsItem) -> QGraphicsTextItem | None:
    if isinstance(item, QGraphicsTextItem):
        return item
    if isinstance(item, pg.TextItem):
        return item.textItem
    if isinstance(item, pg.LabelItem):
        return item.item
    return None


def _name(item: QGraphicsItem) -> str:
    text = _text_of(item)
    return f"{type(item).__name__} {text!r}" if text else type(item).__name__


def _text_of(item: QGraphicsItem) -> str:
    inner = _text_item(item)
    return inner.toPlainText() if inner is not None else ""


def _panel_name(panel: QWidget) -> str:
    """A panel's kind; any other widget (a whole window) by its class."""
    return (panel.kind if isinstance(panel, Panel) else "") or type(panel).__name__


# -- the checks -----------------------------------------------------------------------------

def scale_factor_axes(panel: QWidget) -> list[str]:
    """Axes whose label carries pyqtgraph's automatic scale factor or SI prefix."""
    found = []
    for view in graphics_views(panel):
        for item in _items(view):
            if not isinstance(item, pg.AxisItem) or not item.label.isVisible():
                continue
            factor = item.autoSIPrefix and (item.autoSIPrefixScale != 1.0
                                            or item.labelUnitPrefix)
            if factor or "(x" in item.labelString():
                found.append(f"{_panel_name(panel)}: axis {item.labelText!r} shows a scale "
                             f"factor ({item.labelString()!r})")
    return found


def crowded_tick_labels(panel: QWidget) -> list[str]:
    """Axes whose tick labels touch each other (too many ticks for the axis's length).

    The labels are laid out exactly as the axis will paint them (``generateDrawSpecs`` with
    its tick font); pyqtgraph shrinks each label's height to 80 % of the font's box, so
    vertical neighbours only count as touching when they overlap by more than a pixel.
    """
    found = []
    for axis in _shown_axes(panel):
        labels = _drawn_tick_labels(axis)
        rects = sorted((rect for rect, _ in labels), key=lambda r: (r.top(), r.left()))
        for i, a in enumerate(rects):
            if any(a.adjusted(1, 1, -1, -1).intersects(b) for b in rects[i + 1:]):
                texts = [text for _, text in labels]
                found.append(f"{_panel_name(panel)}: axis {axis.labelText!r} has "
                             f"overlapping tick labels {texts}")
                break
    return found


def log_axes_with_one_label(panel: QWidget) -> list[str]:
    """Log axes that print fewer than two tick labels: one number does not tell a reader
    how far a decade reaches (pyqtgraph drops a label that would stick out past the end of
    its axis, so a decade near the end can leave a single one). Axes whose ticks a panel set
    itself are its own choice and not checked."""
    found = []
    for axis in _shown_axes(panel):
        if not axis.logMode or axis._tickLevels is not None or not axis.style["showValues"]:
            continue
        texts = [text for _, text in _drawn_tick_labels(axis)]
        if len(texts) < 2:
            found.append(f"{_panel_name(panel)}: log axis {axis.labelText!r} prints "
                         f"{len(texts)} tick label(s) {texts}")
    return found


def _shown_axes(panel: QWidget) -> Iterator[pg.AxisItem]:
    for view in graphics_views(panel):
        for item in _items(view):
            if isinstance(item, pg.AxisItem) and not item.boundingRect().isEmpty() \
                    and _really_shown(item):
                yield item


def _drawn_tick_labels(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels ``axis`` paints now, laid out as it will paint them: (rect, text)."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)  # kept alive while painted on
    painter = QPainter(image)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(rect, text) for rect, _, text in specs[2]]


def cut_tick_labels(panel: QWidget) -> list[str]:
    """Tick labels that run past the edge of their panel's view.

    pyqtgraph lets a vertical axis's labels reach 15 px beyond its ends, so a plot whose range
    ends on a tick and whose view box touches the top of the panel prints that tick half
    outside the picture (the race surface's "1.0" at β = 1). Labels are not text items, so
    :func:`clipped_texts` cannot see them; they are laid out here as the axis paints them.
    """
    found = []
    for view in graphics_views(panel):
        bounds = QRectF(view.viewport().rect()).adjusted(-SLACK, -SLACK, SLACK, SLACK)
        for axis in _items(view):
            if not isinstance(axis, pg.AxisItem) or axis.boundingRect().isEmpty() \
                    or not _really_shown(axis):
                continue
            for rect, text in _drawn_tick_labels(axis):
                drawn = view.mapFromScene(axis.mapToScene(rect)).boundingRect().toRectF()
                if not bounds.contains(drawn):
                    found.append(f"{_panel_name(panel)}: tick label {text!r} of axis "
                                 f"{axis.labelText!r} runs past the panel "
                                 f"({_describe(drawn)} outside {_describe(bounds)})")
    return found


def axis_titles_over_tick_labels(panel: QWidget) -> list[str]:
    """Axes whose title ("count", "loss") is printed over their own tick labels.

    An axis reserves a fixed width for its tick text and puts its title beyond it; when the
    labels grow wider than that space (a shrunk panel, a longer number) the two overlap.
    """
    found = []
    for view in graphics_views(panel):
        for axis in _items(view):
            if not isinstance(axis, pg.AxisItem) or axis.boundingRect().isEmpty() \
                    or not _really_shown(axis) or not axis.label.isVisible():
                continue
            title = _text_rect(view, axis.label)
            if title.isEmpty():
                continue
            over = [text for rect, text in _drawn_tick_labels(axis)
                    if view.mapFromScene(axis.mapToScene(rect)).boundingRect().toRectF()
                    .adjusted(1, 1, -1, -1).intersects(title)]
            if over:
                found.append(f"{_panel_name(panel)}: axis title {axis.labelText!r} is printed "
                             f"over its tick labels {over}")
    return found


def clipped_texts(panel: QWidget) -> list[str]:
    """Visible text that runs past its panel's view, or is cut by the plot that holds it.

    Text entirely outside a clipping plot is not drawn at all (a word label panned out of
    view), so only text that is partly in and partly out counts as cut.
    """
    found = []
    for view in graphics_views(panel):
        bounds = QRectF(view.viewport().rect()).adjusted(-SLACK, -SLACK, SLACK, SLACK)
        for item in _items(view):
            if not isinstance(item, QGraphicsTextItem):  # the letters of every text kind
                continue
            text = item.toPlainText()
            if not text.strip() or not _really_shown(item):
                continue
            rect = _text_rect(view, item)
            if rect.isEmpty():
                continue
            clip = _clipping_rect(view, item)
            if clip is not None:
                if not clip.intersects(rect):
                    continue  # wholly outside the plot: not drawn
                if not clip.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
                    found.append(f"{_panel_name(panel)}: text {text!r} is cut by its plot")
                    continue
            if not bounds.contains(rect):
                found.append(f"{_panel_name(panel)}: text {text!r} runs past the panel "
                             f"({_describe(rect)} outside {_describe(bounds)})")
    return found


#: the smallest type a figure may print, in pixels on the screen (a font's em size); the
#: race's finish table shrinks to this size in a small panel, and no further
READABLE_PIXELS = 9.0


def small_texts(panel: QWidget) -> list[str]:
    """Visible text set in type smaller than :data:`READABLE_PIXELS`, as drawn: every run of
    letters of a text item at its own size (a rich-text table sets sizes per cell), times the
    scale the item is drawn at (an item shrunk to fit is read at its shrunk size)."""
    found = []
    for view in graphics_views(panel):
        for item in _items(view):
            if not isinstance(item, QGraphicsTextItem) or not _really_shown(item):
                continue
            text = item.toPlainText()
            if not text.strip():
                continue
            pixels = _smallest_type(view, item)
            if pixels < READABLE_PIXELS - 0.25:  # a quarter pixel for point-size rounding
                found.append(f"{_panel_name(panel)}: text {text[:40]!r} is set in "
                             f"{pixels:.1f} px type, below the readable {READABLE_PIXELS:g} px")
    return found


def _smallest_type(view: pg.GraphicsView, item: QGraphicsTextItem) -> float:
    """The smallest em size in view pixels of any letters in ``item``."""
    document = item.document()
    default = document.defaultFont()
    t = item.deviceTransform(view.viewportTransform())
    scale = abs(t.m11() * t.m22() - t.m12() * t.m21()) ** 0.5
    smallest = float("inf")
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.isValid() and fragment.text().strip():
                font = fragment.charFormat().font().resolve(default)
                pixels = (font.pixelSize() if font.pixelSize() > 0
                          else font.pointSizeF() * view.logicalDpiY() / 72.0)
                smallest = min(smallest, pixels * scale)
            fragments += 1
        block = block.next()
    return smallest


def _really_shown(item: QGraphicsItem) -> bool:
    """Visible all the way up (a LabelItem's inner text stays visible when the label hides)."""
    parent = item.parentItem()
    while parent is not None:
        if not parent.isVisible() or parent.opacity() == 0:
            return False
        parent = parent.parentItem()
    return True


def _clipping_rect(view: pg.GraphicsView, item: QGraphicsItem) -> QRectF | None:
    """The view rectangle of the nearest ancestor that clips its children, if any."""
    parent = item.parentItem()
    while parent is not None:
        if parent.flags() & QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape:
            return _view_rect(view, parent)
        parent = parent.parentItem()
    return None


def _describe(rect: QRectF) -> str:
    return (f"x {rect.left():.0f}…{rect.right():.0f}, "
            f"y {rect.top():.0f}…{rect.bottom():.0f}")


def legends_over_data(panel: QWidget) -> list[str]:
    """Legends that cover a data point or a stretch of a curve of their own plot."""
    found = []
    for view in graphics_views(panel):
        items = list(_items(view))
        legends = [item for item in items if isinstance(item, pg.LegendItem)
                   and item.items and _really_shown(item)]
        for legend in legends:
            rect = _view_rect(view, legend)
            for item in items:
                if not _really_shown(item):
                    continue
                segments = _drawn_segments(view, item)
                if segments is not None and _any_segment_in(rect, segments):
                    label = legend_labels(legend)
                    found.append(f"{_panel_name(panel)}: legend {label} covers {_name(item)}")
                    break
    return found


def legend_labels(legend: pg.LegendItem) -> list[str]:
    return [label.text for _, label in legend.items]


def _drawn_segments(view: pg.GraphicsView, item: QGraphicsItem) -> np.ndarray | None:
    """(n, 4) segments (x0, y0, x1, y1) in view pixels of a curve, or points as zero-length
    segments of a scatter; None for anything that is not plotted data."""
    if isinstance(item, pg.PlotCurveItem):
        x, y = item.getData()
        connect = True
    elif isinstance(item, pg.ScatterPlotItem):
        x, y = item.getData()
        connect = False
    else:
        return None
    if x is None or len(x) == 0 or y is None or len(y) == 0:
        return None
    if connect and len(x) == len(y) + 1:  # a histogram drawn as steps: x holds bin edges
        x, y = np.repeat(x, 2)[1:-1], np.repeat(y, 2)
    points = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) == 0:
        return None
    t = item.deviceTransform(view.viewportTransform())  # affine: item → view pixels
    x, y = points.T
    mapped = np.column_stack([t.m11() * x + t.m21() * y + t.dx(),
                              t.m12() * x + t.m22() * y + t.dy()])
    if not connect or len(mapped) == 1:
        return np.hstack([mapped, mapped])
    return np.hstack([mapped[:-1], mapped[1:]])


def _any_segment_in(rect: QRectF, segments: np.ndarray) -> bool:
    """Whether any segment meets ``rect`` (Liang–Barsky clipping, all segments at once)."""
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    t0 = np.zeros(len(segments))
    t1 = np.ones(len(segments))
    inside = np.ones(len(segments), bool)
    for p, q in ((-dx, x0 - rect.left()), (dx, rect.right() - x0),
                 (-dy, y0 - rect.top()), (dy, rect.bottom() - y0)):
        parallel = p == 0
        inside &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        entering = ~parallel & (p < 0)
        leaving = ~parallel & (p > 0)
        t0 = np.where(entering, np.maximum(t0, r), t0)
        t1 = np.where(leaving, np.minimum(t1, r), t1)
    return bool(np.any(inside & (t0 <= t1)))


def silent_empty_plots(panel: QWidget) -> list[str]:
    """Plots that draw no data and show no sentence saying why."""
    found = []
    for view in graphics_views(panel):
        items = list(_items(view))
        for box in (item for item in items if isinstance(item, pg.ViewBox)):
            if not _really_shown(box) or box.width() < 2 or box.height() < 2:
                continue
            # childGroup, not addedItems: items added with ignoreBounds are only there
            if not any(_draws_something(child) for child in box.childGroup.childItems()):
                title = _plot_title(box)
                found.append(f"{_panel_name(panel)}: plot {title!r} is empty and says nothing")
    return found


def _draws_something(item: QGraphicsItem) -> bool:
    if not item.isVisible() or item.opacity() == 0:
        return False
    if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.ScatterPlotItem)):
        x, _ = item.getData()
        return x is not None and len(x) > 0
    if isinstance(item, pg.ImageItem):
        return item.image is not None and item.image.size > 0
    if isinstance(item, (pg.TextItem, pg.InfiniteLine)):
        return True if isinstance(item, pg.InfiniteLine) else bool(_text_of(item).strip())
    return not item.boundingRect().isEmpty()


def _plot_title(box: pg.ViewBox) -> str:
    plot = box.parentItem()
    while plot is not None and not isinstance(plot, pg.PlotItem):
        plot = plot.parentItem()
    if plot is None:
        return ""
    title = plot.titleLabel.text if plot.titleLabel.isVisible() else ""
    left = plot.getAxis("left").labelText
    return title or left or ""
