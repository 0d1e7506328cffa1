"""One item drawing short texts centred on points, at a fixed size on screen."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

from nnviz.app.panels.cell_texts import CellTexts


def _ink_box(image: QImage) -> tuple[int, int, int, int]:
    """x0, x1, y0, y1 of the pixels darker than light grey."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    array = np.frombuffer(gray.constBits(), np.uint8).reshape(gray.height(), gray.bytesPerLine())
    ys, xs = np.nonzero(array[:, :image.width()] < 160)
    return int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())


def _shown(qtbot, x_range: tuple[float, float]) -> tuple[pg.PlotWidget, CellTexts]:
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.resize(300, 200)
    texts = CellTexts()
    plot.addItem(texts)
    texts.set_texts([(5.0, 5.0, "888", (0, 0, 0))])
    plot.setRange(xRange=x_range, yRange=(0, 10), padding=0)
    plot.show()
    qtbot.waitExposed(plot)
    return plot, texts


def test_a_text_is_centred_on_its_point_and_keeps_its_size_when_zoomed(qtbot):
    plot, texts = _shown(qtbot, (0, 10))
    x0, x1, y0, y1 = _ink_box(plot.grab().toImage())
    centre = plot.getViewBox().mapViewToDevice(pg.Point(5, 5))
    view_left = plot.getViewBox().mapToDevice(plot.getViewBox().rect()).boundingRect().left()
    assert abs((x0 + x1) / 2 - centre.x()) <= 2 and abs((y0 + y1) / 2 - centre.y()) <= 2
    assert view_left >= 0
    plot.setRange(xRange=(4, 6), yRange=(0, 10), padding=0)  # five times closer along x
    zoomed = _ink_box(plot.grab().toImage())
    assert abs((zoomed[1] - zoomed[0]) - (x1 - x0)) <= 1  # the same width on screen
    assert texts.texts() == ["888"]


def test_no_texts_draw_nothing_and_set_again_unchanged_is_free(qtbot):
    plot, texts = _shown(qtbot, (0, 10))
    box = texts.boundingRect()
    assert box.contains(5, 5) and box.width() > 0
    texts.set_texts([])
    assert texts.boundingRect().isEmpty() and texts.texts() == []
    image = plot.grab().toImage()
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    assert min(gray.pixelColor(x, y).value() for x in range(0, gray.width(), 3)
               for y in range(0, gray.height(), 3)) > 200
