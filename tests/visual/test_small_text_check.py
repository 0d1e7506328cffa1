"""The readable-type check (:func:`nnviz.app.panel_checks.small_texts`) sees text set too
small, whether by its font, by a size inside its rich text, or by a scale that shrinks the
whole item, and passes text at a readable size."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFont

from nnviz.app.panel_checks import READABLE_PIXELS, small_texts


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.setTitle("a title in pyqtgraph's own type")
    return widget


def _text(plot, html: str = "", pixels: int = 12) -> pg.TextItem:
    item = pg.TextItem()
    font = QFont()
    font.setPixelSize(pixels)
    item.setFont(font)
    item.setHtml(html or "some words")
    plot.addItem(item)
    return item


def test_readable_text_passes(qtbot, plot):
    _text(plot, pixels=12)
    assert READABLE_PIXELS == 9
    assert small_texts(plot) == []


def test_a_small_font_is_found(qtbot, plot):
    _text(plot, pixels=6)
    found = small_texts(plot)
    assert len(found) == 1 and "6.0 px" in found[0]


def test_a_small_size_inside_rich_text_is_found(qtbot, plot):
    _text(plot, '<p>large enough</p><p style="font-size: 5pt">the fine print</p>')
    assert small_texts(plot), "5 pt is below 9 px at 96 dpi"


def test_a_shrunk_item_is_read_at_its_shrunk_size(qtbot, plot):
    item = _text(plot, pixels=12)
    item.textItem.setScale(0.5)
    assert small_texts(plot)
