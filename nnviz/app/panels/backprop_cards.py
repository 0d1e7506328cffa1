"""Drawing blocks of the backprop panels: a canvas in pixels, text that fits, matrix cards.

The backprop panels lay out a small figure by hand (a graph, formulas, matrices side by side)
rather than in plots with axes: :class:`Canvas` is one view box whose units are the view's
pixels, y pointing down, re-laid out whenever it is resized, so every text is placed where it
fits, or hidden. :class:`MatrixCard` draws one matrix as a heat map under its symbol and shape,
with its numbers in the cells when they fit, and a red frame when a planted mistake made it
wrong. Items are made once and reused; a frame only moves them and sets their data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from nnviz.app.panels.colors import diverging_lut

TEXT_COLOR = (30, 30, 30)
MUTED_COLOR = (100, 100, 100)
WRONG_COLOR = (214, 39, 40)
#: the largest cell a matrix is drawn with: a 1×1 matrix does not fill its card
MAX_CELL = (76.0, 38.0)
#: a cell's number is drawn when the cell is at least this much wider and taller than it
CELL_PADDING = (4.0, 0.0)
NUMBER_POINT_SIZE = 8
#: a cell's numbers shrink to this size before they are left out
SMALLEST_NUMBER_POINT_SIZE = 6.5
TITLE_POINT_SIZE = 9


def font(point_size: float, *, bold: bool = False) -> QFont:
    made = QFont()
    made.setPointSizeF(point_size)
    made.setBold(bold)
    return made


def number_text(value: float) -> str:
    """A matrix entry in at most about six characters: 0.123, −4.56, 1.2e−05."""
    if not np.isfinite(value):
        return "∞" if value > 0 else "−∞" if value < 0 else "nan"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e4:
        return f"{value:.3g}".replace("-", "−")
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "−")


def numbers_width(values: np.ndarray) -> float:
    """The width a matrix needs for its numbers at the middle number size, capped cells
    included: its columns times the widest number and the cell padding."""
    values = np.atleast_2d(np.asarray(values, float))
    metrics = QFontMetricsF(font(7.0))
    widest = max((metrics.horizontalAdvance(number_text(v)) for v in values.ravel()),
                 default=0.0)
    return values.shape[1] * (widest + 2 + CELL_PADDING[0])


class Canvas:
    """A view box in pixel units (origin top left, y down) inside ``view``.

    ``relayout`` is called with (width, height) after every resize, and may be called by the
    owner after new data; items are added with :meth:`add` and never take part in ranges.
    """

    def __init__(self, view: pg.GraphicsLayoutWidget, relayout: Callable[[float, float], None]
                 ) -> None:
        view.setBackground("w")
        view.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.box = view.addViewBox(enableMenu=False)
        self.box.setMouseEnabled(x=False, y=False)
        self.box.invertY(True)
        self.box.disableAutoRange()
        self._relayout = relayout
        self.box.sigResized.connect(self.refit)

    @property
    def size(self) -> tuple[float, float]:
        return float(self.box.width()), float(self.box.height())

    def add(self, item) -> None:
        self.box.addItem(item, ignoreBounds=True)

    def refit(self, *_args) -> None:
        width, height = self.size
        self.box.setRange(xRange=(0, max(width, 1.0)), yRange=(0, max(height, 1.0)),
                          padding=0)
        if width >= 2 and height >= 2:
            self._relayout(width, height)


def text_item(point_size: float = TITLE_POINT_SIZE, *, bold: bool = False,
              color: tuple[int, int, int] = TEXT_COLOR,
              anchor: tuple[float, float] = (0.0, 0.0)) -> pg.TextItem:
    item = pg.TextItem(color=color, anchor=anchor)
    item.setFont(font(point_size, bold=bold))
    item.textItem.document().setDocumentMargin(1)
    return item


def text_width(item: pg.TextItem, text: str) -> float:
    """Pixels ``text`` takes on one line in ``item`` (its margins included)."""
    margin = 2 * item.textItem.document().documentMargin()
    return QFontMetricsF(item.textItem.font()).horizontalAdvance(text) + margin


def line_height(item: pg.TextItem) -> float:
    margin = 2 * item.textItem.document().documentMargin()
    return QFontMetricsF(item.textItem.font()).height() + margin


def place_line(item: pg.TextItem, candidates: Sequence[str], x: float, y: float,
               width: float) -> float:
    """Show the first of ``candidates`` that fits ``width`` on one line at (x, y), or hide
    ``item`` when none does; returns the height used (0 when hidden)."""
    for text in candidates:
        if text and text_width(item, text) <= width:
            item.setTextWidth(-1)
            item.setText(text)
            item.setPos(x, y)
            item.setVisible(True)
            return line_height(item)
    item.setVisible(False)
    return 0.0


def place_paragraph(item: pg.TextItem, text: str, x: float, y: float, width: float,
                    room: float) -> float:
    """Wrap ``text`` to ``width`` at (x, y) if its height fits ``room``; else hide it.
    Returns the height used (0 when hidden)."""
    if not text or width < 40:
        item.setVisible(False)
        return 0.0
    item.setText(text)
    item.setTextWidth(width)
    height = item.textItem.boundingRect().height()
    if height > room or item.textItem.document().idealWidth() > width + 1:
        item.setVisible(False)
        return 0.0
    item.setPos(x, y)
    item.setVisible(True)
    return height


class MatrixCard:
    """One matrix drawn as a heat map under a title line (symbol and shape) and a role line.

    Colours are symmetric about 0 (orange negative, white 0, blue positive), scaled to the
    largest |entry| of the matrix, unless ``levels`` and ``lut`` are given (the gradient
    check's error map).
    """

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.title = text_item(TITLE_POINT_SIZE)
        self.role = text_item(NUMBER_POINT_SIZE, color=MUTED_COLOR)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.frame = QGraphicsRectItem()
        self.frame.setBrush(Qt.BrushStyle.NoBrush)
        self.numbers: list[pg.TextItem] = []
        for item in (self.image, self.frame, self.title, self.role):
            canvas.add(item)
        self.values = np.zeros((0, 0))
        self.texts: list[str] = []
        self.map_rect = QRectF()
        self.hide()

    def hide(self) -> None:
        for item in (self.image, self.frame, self.title, self.role, *self.numbers):
            item.setVisible(False)

    def _number_items(self, count: int) -> list[pg.TextItem]:
        while len(self.numbers) < count:
            item = text_item(NUMBER_POINT_SIZE, anchor=(0.5, 0.5))
            item.setZValue(5)
            self.canvas.add(item)
            self.numbers.append(item)
        return self.numbers[:count]

    def show(self, values: np.ndarray, rect: QRectF, *, title: str, short_title: str,
             role: str, wrong: bool = False, levels: tuple[float, float] | None = None,
             lut: np.ndarray | None = None, texts: Sequence[str] | None = None,
             grey: np.ndarray | None = None) -> None:
        """Draw ``values`` (2-D) in ``rect``. ``texts`` replace the cells' numbers; ``grey``
        marks cells drawn grey (the check's kinks)."""
        values = np.atleast_2d(np.asarray(values, float))
        self.values = values
        color = WRONG_COLOR if wrong else TEXT_COLOR
        self.title.setColor(pg.mkColor(color))
        used = place_line(self.title, [title, short_title], rect.left(), rect.top(),
                          rect.width())
        if not self.title.isVisible():
            self.hide()
            return
        top = rect.top() + used
        room = rect.height() - used
        role_height = line_height(self.role)
        if role and room - role_height >= 2 * 8:
            top += place_line(self.role, [role], rect.left(), top, rect.width())
        else:
            self.role.setVisible(False)
        colors = self._draw_map(values,
                                QRectF(rect.left(), top, rect.width(), rect.bottom() - top),
                                wrong, levels, lut, grey)
        self._draw_numbers(values, texts, colors)

    def _draw_map(self, values: np.ndarray, area: QRectF, wrong: bool,
                  levels: tuple[float, float] | None, lut: np.ndarray | None,
                  grey: np.ndarray | None) -> np.ndarray | None:
        """The heat map and its frame; returns the cells' RGBA colours (None: not drawn)."""
        rows, columns = values.shape
        cell_w = min(area.width() / max(columns, 1), MAX_CELL[0])
        cell_h = min(area.height() / max(rows, 1), MAX_CELL[1])
        if cell_w < 1 or cell_h < 1:
            self.image.setVisible(False)
            self.frame.setVisible(False)
            self.map_rect = QRectF()
            return None
        width, height = cell_w * columns, cell_h * rows
        self.map_rect = QRectF(area.left() + (area.width() - width) / 2, area.top(), width,
                               height)
        if lut is None:
            scale = float(np.nanmax(np.abs(values))) if values.size else 0.0
            scale = scale if np.isfinite(scale) and scale > 0 else 1.0
            levels, lut = (-scale, scale), DIVERGING
        shown = np.nan_to_num(values, nan=levels[0], posinf=levels[1], neginf=levels[0])
        colors = pg.functions.makeRGBA(shown, levels=levels, lut=lut)[0]
        if grey is not None:
            colors[np.asarray(grey, bool)] = (200, 200, 200, 255)
        self.image.setImage(colors, autoLevels=False)
        self.image.setRect(self.map_rect)
        self.image.setVisible(True)
        pen = QPen(pg.mkColor(WRONG_COLOR if wrong else (150, 150, 150)))
        pen.setWidthF(3.0 if wrong else 1.0)
        pen.setCosmetic(True)
        self.frame.setPen(pen)
        self.frame.setRect(self.map_rect)
        self.frame.setVisible(True)
        return colors

    def _draw_numbers(self, values: np.ndarray, texts: Sequence[str] | None,
                      colors: np.ndarray | None) -> None:
        """Each cell's number (or text) in its cell, white on dark colours, when the widest
        fits a cell; else none (the colours still read)."""
        rows, columns = values.shape
        self.texts = list(texts) if texts is not None else [
            number_text(v) for v in values.ravel()]
        items = self._number_items(values.size)
        for item in self.numbers[values.size:]:
            item.setVisible(False)
        if colors is None or self.map_rect.isEmpty() or not items:
            for item in items:
                item.setVisible(False)
            return
        cell_w, cell_h = self.map_rect.width() / columns, self.map_rect.height() / rows
        fits = False
        for size in (NUMBER_POINT_SIZE, 7.0, SMALLEST_NUMBER_POINT_SIZE):
            items[0].setFont(font(size))
            widest = max(text_width(items[0], text) for text in self.texts)
            fits = (widest + CELL_PADDING[0] <= cell_w
                    and line_height(items[0]) - 4 + CELL_PADDING[1] <= cell_h)
            if fits:
                break
        number_font = items[0].textItem.font()
        luminance = colors[..., :3].astype(float) @ (0.299, 0.587, 0.114)
        for index, (item, text) in enumerate(zip(items, self.texts, strict=True)):
            if not fits:
                item.setVisible(False)
                continue
            row, column = divmod(index, columns)
            dark = luminance[row, column] < 120
            item.setColor(pg.mkColor((255, 255, 255) if dark else TEXT_COLOR))
            item.setFont(number_font)
            item.setText(text)
            item.setPos(self.map_rect.left() + (column + 0.5) * cell_w,
                        self.map_rect.top() + (row + 0.5) * cell_h)
            item.setVisible(True)

    @property
    def numbers_shown(self) -> bool:
        return any(item.isVisible() for item in self.numbers)


DIVERGING = diverging_lut()
