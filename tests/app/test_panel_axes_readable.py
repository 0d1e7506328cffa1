"""Axes a reader can read in a small window: a log axis always prints at least two labels,
and an axis caption longer than its axis wraps instead of being cut at the panel's edge.

Both were seen at 1024×700: the race's momentum curves read "0.1" alone on their log axis (the
decade 1 sat too close to the top for its label), and the moons lessons' loss panel cut its
"step (old steps thinned, spikes kept)" caption at both ends once a long run was thinned.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from nnviz.app.panel_checks import clipped_texts, log_axes_with_one_label
from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.loss import LossPanel
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def _drawn_label_texts(axis: pg.AxisItem) -> list[str]:
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [text for _rect, _flags, text in specs[2]]


def _shown(qtbot, widget, size):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(20)
    return widget


def test_a_log_axis_whose_end_decade_hugs_the_edge_still_prints_two_labels(qtbot):
    """0.086…1.03 on 200 pixels: the decade 1 is 3 pixels from the top, too close for its
    label, so the axis labels 1-2-5 × 0.1 rather than 0.1 alone."""
    plot = _shown(qtbot, plain_plot(), (260, 260))
    plot.showGrid(x=True, y=True, alpha=0.2)  # as the race's curves
    plot.setLogMode(y=True)
    plot.plot([0, 1], [0.1, 0.9])
    plot.setYRange(math.log10(0.086), math.log10(1.03), padding=0)
    qtbot.wait(20)
    texts = _drawn_label_texts(plot.getAxis("left"))
    assert len(texts) >= 3, texts
    assert "0.1" in texts and "0.2" in texts, texts
    assert log_axes_with_one_label(plot) == []


def test_one_label_on_a_log_axis_is_found(qtbot):
    """The check sees the defect in pyqtgraph's own axis (which then labels 0.1 alone)."""
    plot = _shown(qtbot, pg.PlotWidget(), (260, 260))
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setLogMode(y=True)
    plot.plot([0, 1], [0.1, 0.9])
    plot.setYRange(math.log10(0.086), math.log10(1.03), padding=0)
    axis = plot.getAxis("left")
    axis.setTicks([[(-1.0, "0.1")], []])
    qtbot.wait(20)
    assert log_axes_with_one_label(plot) == [], "explicit ticks are the panel's choice"
    axis.setTicks(None)
    axis.tickValues = lambda low, high, size: [(None, [-1.0]), (None, [])]  # 0.1 alone
    axis.picture = None
    qtbot.wait(20)
    assert len(log_axes_with_one_label(plot)) == 1


def test_a_caption_longer_than_its_axis_wraps_inside_the_plot(qtbot):
    plot = _shown(qtbot, plain_plot(), (240, 200))
    plot.plot([0, 1], [0, 1])
    bottom = plot.getAxis("bottom")
    plot.setLabel("bottom", "step")
    qtbot.wait(30)
    one_line = bottom.label.boundingRect().height()
    plot.setLabel("bottom", "step (old steps thinned, spikes kept) and some more words")
    plot.setLabel("left", "a left caption far longer than the plot is tall, wrapped too")
    qtbot.wait(30)
    assert clipped_texts(plot) == []
    assert bottom.label.boundingRect().width() <= bottom.size().width() + 1
    assert bottom.label.boundingRect().height() > 1.5 * one_line
    plot.setLabel("bottom", "step")  # a short caption is one line again
    qtbot.wait(30)
    assert bottom.label.boundingRect().height() == one_line


def test_the_loss_panel_of_a_long_run_keeps_its_step_caption_whole_in_a_narrow_window(qtbot):
    """The caption grows once old steps are thinned; in a narrow panel it wraps."""
    scenario = get_scenario("moons")
    session = scenario.create_session(scenario.default_config())
    panel = _shown(qtbot, LossPanel(), (220, 260))
    first, *later = train(session, max_steps=2600, every=1300)
    panel.show_snapshot(first)  # laid out with the short caption "step"
    qtbot.wait(30)
    assert panel.accuracy_plot.getAxis("bottom").labelText == "step"
    for snapshot in later:  # thinned now: the caption grows without the panel resizing
        panel.show_snapshot(snapshot)
    qtbot.wait(30)
    caption = panel.accuracy_plot.getAxis("bottom").labelText
    assert "thinned" in caption and "spikes kept" in caption
    assert clipped_texts(panel) == []
    x, _ = panel.items["loss"].getData()
    assert np.isfinite(x).all()


def test_a_caption_that_grows_is_centred_again_without_a_resize(qtbot):
    """pyqtgraph centres an axis caption only when the axis resizes: a caption that grew
    later ("step" → "step (old steps thinned, spikes kept)", as the loss panel's does after
    a long run) started near the middle of the axis and ran out of the panel on the right."""
    plot = _shown(qtbot, plain_plot(), (420, 260))
    plot.plot([0, 1], [0, 1])
    bottom = plot.getAxis("bottom")
    plot.setLabel("bottom", "step")
    qtbot.wait(30)
    width = bottom.size().width()
    plot.setLabel("bottom", "step (old steps thinned, spikes kept)")
    qtbot.wait(30)
    assert bottom.size().width() == width, "no resize happened"
    label = bottom.label.mapRectToParent(bottom.label.boundingRect())
    assert label.center().x() == pytest.approx(width / 2, abs=2)
    assert clipped_texts(plot) == []


def test_stacked_plots_in_a_short_panel_keep_their_captions_apart(qtbot):
    """A short loss panel (1024×700 window, four legend rows) squeezes the accuracy plot
    below the length of its caption: "accuracy" must not run up into the loss plot's
    "loss" (centred on its axis, it did once the loss plot stopped printing the shared
    step values: hung from the axis's top it runs down into the empty corner instead)."""
    panel = _shown(qtbot, LossPanel(), (330, 220))
    scenario = get_scenario("moons")
    session = scenario.create_session(scenario.default_config())
    for snapshot in train(session, max_steps=200, every=100):
        panel.show_snapshot(snapshot)
    panel.pin_run()
    qtbot.wait(30)
    captions = [plot.getAxis("left").label for plot in (panel.loss_plot, panel.accuracy_plot)]
    rects = [label.mapRectToScene(label.boundingRect()) for label in captions]
    margin = captions[0].document().documentMargin()
    inked = [rect.adjusted(0, margin, 0, -margin) for rect in rects]  # rotated: along y
    assert not inked[0].intersects(inked[1]), [label.toPlainText() for label in captions]
    assert clipped_texts(panel) == []
