"""Axes fit to publish: no scale factor to decode, decades on log axes, labels that never
overlap however small the plot, and a sentence instead of nonsense ranges when empty.

The panel tests look only at what pyqtgraph draws (its AxisItems and their draw specs), so
they say what is wrong with a panel whatever axis class it uses.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF, QImage, QPainter
from test_export_every_panel import _cases, _run, fed_panel
from test_runs import _feed, moons_panels  # noqa: F401 (a fixture)

from nnviz.app.panels import all_panels
from nnviz.app.panels.axes import PlainAxisItem, add_plain_plot
from nnviz.session import Snapshot

SMALL_SIZES = ((320, 240), (480, 360))


def _views(widget) -> list[pg.GraphicsView]:
    views = widget.findChildren(pg.GraphicsView)
    return views + ([widget] if isinstance(widget, pg.GraphicsView) else [])


def _axes(widget) -> list[pg.AxisItem]:
    """Every AxisItem in the widget's scenes, hidden ones included."""
    return [item for view in _views(widget) for item in view.scene().items()
            if isinstance(item, pg.AxisItem)]


def _drawn_labels(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels ``axis`` paints now: (rect in axis coordinates, text)."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setFont(axis.style["tickFont"] or axis.font())
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(rect, text) for rect, _flags, text in specs[2]]


def _ink_rects(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """Each drawn label's ink, measured with the axis's font metrics, where it is drawn."""
    metrics = QFontMetricsF(axis.style["tickFont"] or axis.font())
    inked = []
    for rect, text in _drawn_labels(axis):
        ink = metrics.tightBoundingRect(text)
        ink.moveCenter(rect.center())
        inked.append((ink.adjusted(-1, -1, 1, 1), text))
    return inked


def _overlaps(axis: pg.AxisItem) -> list[tuple[str, str]]:
    inked = _ink_rects(axis)
    return [(a, b) for i, (ra, a) in enumerate(inked) for rb, b in inked[i + 1:]
            if ra.intersects(rb)]


CASES = list(_cases())


@pytest.mark.parametrize("scenario_name, kind", CASES)
def test_no_axis_shows_a_scale_factor(qtbot, scenario_name, kind):
    panel = fed_panel(qtbot, kind, scenario_name, (480, 360))
    for axis in _axes(panel):
        assert not axis.autoSIPrefix, f"{kind}: {axis.orientation} axis may gain an SI prefix"
        assert "(x" not in axis.labelString(), f"{kind}: {axis.labelString()}"
        assert axis.autoSIPrefixScale == 1.0


@pytest.mark.parametrize("size", SMALL_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scenario_name, kind", CASES)
def test_tick_labels_never_overlap(qtbot, scenario_name, kind, size):
    panel = fed_panel(qtbot, kind, scenario_name, size)
    for axis in _axes(panel):
        if axis.isVisible():
            assert not _overlaps(axis), f"{kind} {axis.orientation}: {_overlaps(axis)}"


# --- the loss panel's log axis, fed curves over chosen ranges -------------------------------

def _snapshot(step: int, loss: float, config) -> Snapshot:
    return Snapshot(run_id=1, scenario="moons", step=step, epoch=float(step),
                    wall_seconds=0.0, metrics={"train_loss": loss, "train_accuracy": 0.5},
                    config=config)


def _loss_panel(qtbot, losses: np.ndarray, height: int):
    config = _run("moons")[-1].config
    panel = all_panels()["loss"]()
    qtbot.addWidget(panel)
    panel.resize(480, height)
    panel.show()
    qtbot.waitExposed(panel)
    panel.start_run(1)
    for step, loss in enumerate(losses):
        panel.record_snapshot(_snapshot(step, float(loss), config))
    panel.show_snapshot(_snapshot(len(losses), float(losses[-1]), config))
    qtbot.wait(10)
    assert panel.log_y.isChecked()
    return panel


def _decade_value(text: str) -> float:
    """A tick label as a number: "0.001", "1,000", "10⁻⁶" or "10⁰"."""
    superscripts = "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"
    if text.startswith("10") and len(text) > 2 and text[2] in superscripts:
        return 10.0 ** int(text[2:].translate(str.maketrans(superscripts, "-0123456789")))
    return float(text.replace(",", ""))


def _is_decade(value: float) -> bool:
    return abs(math.log10(value) - round(math.log10(value))) < 1e-9


def test_log_loss_axis_labels_decades_as_values(qtbot):
    panel = _loss_panel(qtbot, np.geomspace(1.0, 1e-3, 200), 600)
    texts = [text for _, text in _drawn_labels(panel.loss_plot.getAxis("left"))]
    assert {"0.001", "0.01", "0.1", "1"} <= set(texts), texts
    assert all(_is_decade(_decade_value(text)) for text in texts), texts


def test_a_very_wide_log_axis_thins_its_decades(qtbot):
    panel = _loss_panel(qtbot, np.geomspace(1.0, 1e-12, 200), 300)
    axis = panel.loss_plot.getAxis("left")
    exponents = sorted(round(math.log10(_decade_value(text))) for _, text in _drawn_labels(axis))
    assert all(_is_decade(10.0 ** e) for e in exponents)
    assert 3 <= len(exponents) <= 7, exponents
    strides = set(np.diff(exponents))
    assert len(strides) == 1 and strides.pop() >= 2, f"every k-th decade, k ≥ 2: {exponents}"
    assert not _overlaps(axis)
    marks = _tick_positions(axis)
    assert len(marks) >= len(exponents) and np.diff(marks).min() >= 3, "minor ticks crowd"


def _tick_positions(axis: pg.AxisItem) -> np.ndarray:
    """Where ``axis`` draws its tick marks, in pixels along it."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, tick_specs, _ = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    along = 1 if axis.orientation in ("left", "right") else 0
    return np.unique(np.round([(start.y(), start.x())[1 - along] for _, start, _ in tick_specs], 1))


def test_a_narrow_log_axis_labels_values_with_one_format(qtbot):
    panel = _loss_panel(qtbot, np.linspace(0.8, 0.68, 100), 500)
    texts = [text for _, text in _drawn_labels(panel.loss_plot.getAxis("left"))]
    assert len(texts) >= 2
    assert len({len(text.partition(".")[2]) for text in texts}) == 1, texts


def test_a_120_pixel_log_axis_prints_no_overlapping_labels(qtbot):
    panel = _loss_panel(qtbot, np.geomspace(0.9, 0.05, 300), 240)  # lesson 8's loss, 1.3 decades
    axis = panel.loss_plot.getAxis("left")
    assert 60 <= axis.geometry().height() <= 130, "the plot is as small as the issue's"
    assert len(_drawn_labels(axis)) >= 2
    assert not _overlaps(axis)


# --- empty panels say so --------------------------------------------------------------------

def _visible_texts(panel) -> list[str]:
    return [item.toPlainText() for view in _views(panel) for item in view.scene().items()
            if isinstance(item, pg.TextItem) and item.isVisible()]


def test_an_empty_loss_panel_says_no_data_and_shows_no_numbers(qtbot):
    panel = all_panels()["loss"]()
    qtbot.addWidget(panel)
    panel.resize(480, 360)
    panel.show()
    qtbot.waitExposed(panel)
    assert any("No data yet" in text for text in _visible_texts(panel))
    for plot in (panel.loss_plot, panel.accuracy_plot):
        for side in ("left", "bottom"):
            assert not _drawn_labels(plot.getAxis(side)), f"an empty {side} axis has numbers"
    config = _run("moons")[-1].config
    panel.start_run(1)
    for step, loss in enumerate((0.9, 0.5, 0.2)):
        panel.show_snapshot(_snapshot(step, loss, config))
    assert not any("No data yet" in text for text in _visible_texts(panel))
    assert _drawn_labels(panel.loss_plot.getAxis("left")), "once fed, the numbers are back"


def test_an_empty_confusion_matrix_says_no_data(qtbot):
    panel = all_panels()["confusion_matrix"]()
    qtbot.addWidget(panel)
    panel.resize(400, 400)
    panel.show()
    qtbot.waitExposed(panel)
    assert any("No data yet" in text for text in _visible_texts(panel))
    assert all(not _drawn_labels(axis) for axis in _axes(panel) if axis.isVisible())
    frames = _run("digits")
    panel.start_run(frames[-1].run_id)
    panel.show_snapshot(frames[-1])
    assert not any("No data yet" in text for text in _visible_texts(panel))
    assert _drawn_labels(panel.plot.getAxis("left")), "class names label the rows again"


def test_the_run_viewer_plot_has_plain_axes(moons_panels, qtbot):  # noqa: F811
    from nnviz.app.runs import RunKeeper, RunViewer

    keeper = RunKeeper()
    _feed(keeper, steps=20)
    viewer = RunViewer(keeper.record)
    qtbot.addWidget(viewer)
    assert all(not axis.autoSIPrefix for axis in _axes(viewer.plot))


# --- the conventions, number by number --------------------------------------------------------

def test_linear_labels_are_values_with_thousands_separated():
    from nnviz.app.panels.axes import linear_tick_strings

    assert linear_tick_strings([0, 6000, 12000], 6000) == ["0", "6,000", "12,000"]
    assert linear_tick_strings([0.3, 0.35, 0.4], 0.05) == ["0.30", "0.35", "0.40"]
    assert linear_tick_strings([-0.5, -1e-17, 0.5], 0.5) == ["-0.5", "0.0", "0.5"]
    assert linear_tick_strings([0, 1.5e6, 3e6], 1.5e6) == ["0", "1.5·10⁶", "3.0·10⁶"]


def test_log_labels_are_values_near_one_and_powers_far_away():
    from nnviz.app.panels.axes import log_tick_strings

    assert log_tick_strings([-3, -2, -1, 0, 3]) == ["0.001", "0.01", "0.1", "1", "1,000"]
    assert log_tick_strings([-12, -9, -6, -3, 0]) == ["10⁻¹²", "10⁻⁹", "10⁻⁶", "10⁻³", "10⁰"]
    assert log_tick_strings([math.log10(v) for v in (0.02, 0.05, 0.1)]) == ["0.02", "0.05", "0.1"]
    narrow = [math.log10(v) for v in (2.52, 2.5201)]  # neighbours never print alike
    assert log_tick_strings(narrow) == ["2.5200", "2.5201"]


def test_plain_axes_keeps_what_was_set_and_cannot_get_a_prefix(qtbot):
    from nnviz.app.panels.axes import PlainAxisItem, plain_axes

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.setLabel("left", "loss", units="nats")
    widget.setLogMode(y=True)
    plain_axes(widget)
    axis = widget.getAxis("left")
    assert isinstance(axis, PlainAxisItem) and axis.logMode
    assert axis.labelText == "loss" and axis.labelUnits == "nats"
    assert not widget.getAxis("right").isVisible()
    axis.enableAutoSIPrefix(True)
    widget.plot([1, 2], [1e-6, 2e-6])
    assert not axis.autoSIPrefix and "(x" not in axis.labelString()


@pytest.mark.parametrize("orientation", ["bottom", "left"])
def test_the_interval_search_finds_what_a_search_from_one_pixel_a_tick_finds(qtbot, orientation):
    """The search starts at the decade a one-digit label allows (a live axis chooses again
    every frame); it must choose exactly what trying every nice interval from about one pixel
    a tick upward chooses."""
    axis = PlainAxisItem(orientation)
    rng = np.random.default_rng(7)
    for _ in range(300):
        low = float(rng.choice([0.0, -1.0]) * 10.0 ** rng.uniform(-6, 7))
        span = float(10.0 ** rng.uniform(-7, 7))
        size = float(rng.uniform(40, 2500))
        for roomy in (False, True):
            chosen = axis._smallest_interval(low, low + span, span, size, roomy)
            exponent = math.floor(math.log10(span / size))
            expected = None
            while expected is None:
                for multiple in (1.0, 2.0, 5.0, 10.0):
                    interval = multiple * 10.0 ** exponent
                    if interval / span * size >= axis._label_step_px(
                            low, low + span, interval, size, roomy):
                        expected = interval
                        break
                exponent += 1
            assert chosen == pytest.approx(expected, rel=1e-12), (low, span, size, roomy)


def test_a_caption_set_again_unchanged_leaves_the_axis_drawn(qtbot):
    """Panels set their captions at every draw; pyqtgraph laid the label out and threw the
    axis's picture away each time (two of three axis redraws of a histograms frame)."""
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = add_plain_plot(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    plot.setLabel("bottom", "step")
    axis = plot.getAxis("bottom")
    widget.grab()  # painted: the axis has its picture
    assert axis.picture is not None
    plot.setLabel("bottom", "step")
    assert axis.picture is not None
    plot.setLabel("bottom", "epoch")
    assert axis.picture is None and axis.labelText == "epoch"
    axis.showLabel(False)
    plot.setLabel("bottom", "epoch")  # the same words, but hidden since: shown again
    assert axis.label.isVisible()


def test_a_title_set_again_unchanged_is_not_laid_out_again(qtbot, monkeypatch):
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = add_plain_plot(widget)
    plot.setTitle("step 10", size="9pt")
    calls = []
    monkeypatch.setattr(plot.titleLabel, "setText",
                        lambda *args, **kwargs: calls.append((args, kwargs)))
    plot.setTitle("step 10", size="9pt")
    plot.setTitle("step 10")
    assert calls == []
    plot.setTitle("step 20")
    plot.setTitle("step 20", size="12pt")
    assert [args for args, _ in calls] == [("step 20",), ("step 20",)]
