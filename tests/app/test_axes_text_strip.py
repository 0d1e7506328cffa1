"""The strip an axis keeps for its tick labels follows the values shown, not its own size.

pyqtgraph sizes a side axis to the labels of its last paint. A wider strip narrows the plot,
which can wrap the plot's bottom caption, shorten the plot and change the ticks to narrower
ones, which narrow the strip again: the moons histogram at 1024×700 swung between "0.5 … 2.0"
and "1, 2" on every other frame and printed its title "count" over the numbers each time.
"""

from __future__ import annotations

import math

import pytest

from nnviz.app.panel_checks import axis_titles_over_tick_labels
from nnviz.app.panels.axes import plain_plot

#: plot sizes at which pyqtgraph's own sizing swung (found by sweeping 110…150 × 80…140)
SWINGING_SIZES = ((148, 116), (148, 120), (110, 128))


@pytest.fixture
def left_axis(qtbot):
    widget = plain_plot()
    qtbot.addWidget(widget)
    widget.resize(300, 200)
    widget.setLabel("left", "count")
    widget.setYRange(0, 2.2, padding=0)
    axis = widget.getAxis("left")
    axis.widget = widget  # keeps the plot alive while the test holds its axis
    yield axis


def test_the_strip_widens_at_once(left_axis):
    left_axis._updateMaxTextSize(45)
    assert left_axis.textWidth == 45


def test_a_resize_the_strip_caused_does_not_narrow_it_again(left_axis):
    left_axis._updateMaxTextSize(45)  # "0.5 … 2.0"
    left_axis._updateMaxTextSize(20)  # same values, shorter plot: "1, 2"
    assert left_axis.textWidth == 45


def test_other_values_narrow_it(left_axis):
    left_axis._updateMaxTextSize(45)
    left_axis.setRange(0, 3)
    left_axis._updateMaxTextSize(20)
    assert left_axis.textWidth == 20


def test_a_short_plot_with_a_wrapping_caption_settles_with_its_title_clear(qtbot):
    """The loop itself, in a small histogram-like plot: repaints and relayouts never bring
    the title back over the numbers."""
    widget = plain_plot()
    qtbot.addWidget(widget)
    widget.plot([0, 0.5, 1.0, 1.5], [2.0, 1.0, 0.0], stepMode="center")
    widget.setYRange(0, 2.2, padding=0)
    widget.setLabel("left", "count")
    widget.setLabel("bottom", "weights, hidden 1")
    widget.show()
    qtbot.waitExposed(widget)
    for width, height in SWINGING_SIZES:
        widget.resize(width, height)
        for _ in range(2):  # the first paint after a resize still has the old strip
            widget.grab()
            qtbot.wait(20)
        for _ in range(3):
            widget.grab()
            qtbot.wait(20)
            found = axis_titles_over_tick_labels(widget)
            assert found == [], f"{width}×{height}: {found}"




def _labels_wholly_inside(axis, low: float, high: float, size: float) -> list[str]:
    major = axis.tickSpacing(low, high, size)[0][0]
    first = math.ceil(low / major) * major
    values = [first + k * major for k in range(int((high - first) / major) + 1)]
    texts = axis.tickStrings(values, 1.0, major)
    return [text for value, text in zip(values, texts, strict=True)
            if axis._text_width(text) / 2 <= (value - low) / (high - low) * size
            <= size - axis._text_width(text) / 2]


def test_a_short_step_axis_keeps_a_number_inside_it(qtbot):
    """A side-by-side loss plot of a long pinned comparison at 1024×700: steps −496…25,294
    over 92.7 pixels ticked 0 and 20,000, the one at the left end and the other 0.4 pixels
    past the right, and pyqtgraph drew neither: an axis without a single number."""
    widget = plain_plot()
    qtbot.addWidget(widget)
    axis = widget.getAxis("bottom")
    assert _labels_wholly_inside(axis, -495.96, 25293.96, 92.67)
