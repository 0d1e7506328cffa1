"""Short texts centred on points of a plot, all drawn by one item at a fixed size on screen.

A confusion matrix prints a count in each of its 100 cells. As 100 ``pg.TextItem`` objects
(each a text document in its own graphics item) they took 50 ms to make, a stall the first time
the panel drew, and every change of the view moved each of them. One item that paints every
text where its point lands on screen costs a fraction of that, and exports (PNG or SVG) draw
it like any other item.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

#: one text: where its centre goes (data units), what it says, and its colour (r, g, b)
CellText = tuple[float, float, str, tuple[int, int, int]]


class CellTexts(pg.GraphicsObject):
    def __init__(self, font: QFont | None = None) -> None:
        super().__init__()
        self.text_font = font or QFont()
        self._metrics = QFontMetricsF(self.text_font)
        self._texts: list[CellText] = []
        self._bounds = QRectF()
        self._widest = 0.0

    def set_texts(self, texts: Sequence[CellText]) -> None:
        """Show ``texts`` (none: an empty list); unchanged texts cost nothing."""
        texts = list(texts)
        if texts == self._texts:
            return
        self.prepareGeometryChange()
        self._texts = texts
        if texts:
            xs = [x for x, _, _, _ in texts]
            ys = [y for _, y, _, _ in texts]
            self._bounds = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            self._widest = max(self._metrics.horizontalAdvance(text) for _, _, text, _ in texts)
        else:
            self._bounds = QRectF()
            self._widest = 0.0
        self.update()

    def texts(self) -> list[str]:
        """What is shown, in the order given."""
        return [text for _, _, text, _ in self._texts]

    def boundingRect(self) -> QRectF:
        """The points' box, widened by half a text each way (in data units, from the last
        paint's scale: texts keep their size on screen whatever the zoom)."""
        if not self._texts:
            return QRectF()
        pixel = self.pixelSize()
        dx = (self._widest / 2 + 1) * pixel[0]
        dy = (self._metrics.height() / 2 + 1) * pixel[1]
        return self._bounds.adjusted(-dx, -dy, dx, dy)

    def pixelSize(self) -> tuple[float, float]:
        """Data units per screen pixel along x and y (0 before the item is in a view)."""
        vectors = self.pixelVectors()
        if vectors is None or vectors[0] is None:
            return 0.0, 0.0
        return abs(vectors[0].x()) or abs(vectors[0].y()), abs(vectors[1].y()) or abs(
            vectors[1].x())

    def paint(self, painter: QPainter, *args) -> None:
        if not self._texts:
            return
        transform = painter.transform()
        metrics = self._metrics
        height = metrics.height()
        painter.save()
        painter.resetTransform()
        painter.setFont(self.text_font)
        for x, y, text, colour in self._texts:
            centre = transform.map(QPointF(x, y))
            width = metrics.horizontalAdvance(text) + 2
            painter.setPen(QColor(*colour))
            painter.drawText(QRectF(centre.x() - width / 2, centre.y() - height / 2,
                                    width, height), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
