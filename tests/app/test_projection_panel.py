"""The generic projection panel: groups, labels, arrows, export, and a new run clearing it."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.panels import all_panels
from nnviz.app.panels.projection import ProjectionPanel, arrow_segments, next_frame
from nnviz.core.views import Projection
from nnviz.scenarios.moons import MoonsConfig
from nnviz.session import Snapshot


def snapshot(views, run_id=1, step=1):
    return Snapshot(run_id, "test", step, 0.0, 0.0, {}, MoonsConfig(), views=views)


def word_projection():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 2.0], [1.0, 3.0], [-2.0, -1.0]])
    return Projection(
        points, ["france", "paris", "italy", "rome", "the"], (0.6, 0.3),
        np.array([0, 1, 0, 1, 2]), "words", ("countries", "capitals", "other words"),
        np.array([[0, 1], [2, 3]]),
    )


def test_registered_under_its_kind():
    assert all_panels()["projection"] is ProjectionPanel


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
def test_draws_groups_labels_and_arrows(qtbot):
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 450)  # labels are placed in pixels: the plot needs its size
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_snapshot(snapshot({"projection": word_projection()}))
    counts = [len(s.data) for s in panel.scatters]
    assert counts == [2, 2, 1]
    shown = [t.toPlainText() for t in panel.texts if t.isVisible()]
    assert shown == ["france", "paris", "italy", "rome", "the"]
    assert [label.text for _, label in panel.legend.items] == [
        "countries", "capitals", "other words"]
    x, y = panel.arrow_item.getData()
    assert len(x) == 2 * 6  # two arrows, each a shaft and two barbs
    assert (x[1], y[1]) == (1.0, 1.0)  # the first shaft ends on paris
    assert "60%" in panel.plot.getPlotItem().getAxis("bottom").labelText
    tables = panel.csv_tables()
    assert tables["points"][0] == ["label", "group", "group_name", "x", "y"]
    assert tables["points"][1][2] == ["countries", "capitals", "countries", "capitals",
                                      "other words"]
    assert tables["arrows"][1][:2] == [["france", "italy"], ["paris", "rome"]]
    assert tables["arrows"][1][2] == [1.0, 1.0]


def test_many_points_without_labels_and_any_view_name(qtbot):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 600)
    projection = Projection(rng.normal(size=(600, 2)), [str(v) for v in labels],
                            groups=labels, group_names=tuple("0123456789"))
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot({"hidden_activations": projection}))
    assert sum(len(s.data) for s in panel.scatters) == 600
    assert not any(t.isVisible() for t in panel.texts)
    assert len(panel.legend.items) == 10
    panel.show_snapshot(snapshot({"projection": word_projection()}))
    assert [s.isVisible() for s in panel.scatters] == [True] * 3 + [False] * 7
    assert len(panel.legend.items) == 3


def test_new_run_clears(qtbot):
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot({"projection": word_projection()}))
    panel.start_run(2)
    assert all(len(s.data) == 0 for s in panel.scatters)
    assert not any(t.isVisible() for t in panel.texts)
    assert panel.csv_tables() == {}


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
def test_png_export_renders_points(qtbot, tmp_path):
    import pyqtgraph.exporters as exporters
    from PySide6.QtGui import QImage

    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    panel.show_snapshot(snapshot({"projection": word_projection()}))
    qtbot.wait(10)
    path = tmp_path / "projection.png"
    exporters.ImageExporter(panel.export_target()).export(str(path))
    image = QImage(str(path))
    assert image.width() > 100
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2)
               for y in range(0, image.height(), 2)}
    assert len(colours) > 10  # not a blank image: points, text, axes


def test_arrow_segments_geometry():
    segments = arrow_segments(np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]]), head=0.5)
    assert np.allclose(segments[:2], [[0, 0], [2, 0]])
    barb_tips = segments[[3, 5]]
    assert np.allclose(np.linalg.norm(barb_tips - [2, 0], axis=1), 0.5)
    assert np.all(barb_tips[:, 0] < 2)  # barbs point back along the shaft
    assert np.isclose(barb_tips[0, 1], -barb_tips[1, 1])


def test_axes_swapped_to_match_the_previous_frame_are_named_by_their_component(qtbot):
    """pca_2d keeps the axes in place when the variances cross; the larger share is PC 1."""
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    points = np.array([[0.0, 0.0], [1.0, 3.0], [-1.0, -3.0]])
    panel.show_snapshot(snapshot({"projection": Projection(points, ["a", "b", "c"], (0.1, 0.9))}))
    axis = panel.plot.getPlotItem().getAxis
    assert axis("bottom").labelText == "PC 2 (10% of variance)"
    assert axis("left").labelText == "PC 1 (90% of variance)"
    panel.show_snapshot(snapshot({"projection": Projection(points, ["a", "b", "c"], (0.9, 0.1))},
                                 step=2))
    assert axis("bottom").labelText == "PC 1 (90% of variance)"


def test_a_frame_is_kept_while_the_points_move_inside_it():
    points = np.array([[0.0, 0.0], [10.0, 5.0]])
    frame = next_frame(None, points)
    assert frame == pytest.approx((-0.6, 10.6, -0.3, 5.3))  # 6 % of the extent each side
    moved = points + np.array([0.4, -0.2])
    assert next_frame(frame, moved) == frame
    assert next_frame(frame, np.vstack([moved, [[np.nan, 3.0]]])) == frame  # NaN ignored


def test_a_point_leaving_or_points_shrinking_frame_them_afresh():
    frame = next_frame(None, np.array([[0.0, 0.0], [10.0, 5.0]]))
    out = np.array([[0.0, 0.0], [11.0, 5.0]])
    assert next_frame(frame, out) == pytest.approx(next_frame(None, out))
    shrunk = np.array([[0.0, 0.0], [5.0, 5.0]])  # 5 of 11.2 across: less than 55 %
    assert next_frame(frame, shrunk) == pytest.approx(next_frame(None, shrunk))
    assert next_frame(None, np.array([[3.0, 0.0]])) == pytest.approx((2.0, 4.0, -1.0, 1.0))
    assert next_frame(frame, np.empty((0, 2))) == frame


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_points_moving_inside_the_frame_leave_the_axes_alone(qtbot):
    """Issue 21: the view followed the points exactly, so every frame of a training run
    rescaled both axes (and re-laid every label): jitter to read, and most of the window's
    drawing time. A point that leaves the frame still gets the view to follow."""
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 450)
    panel.show()
    qtbot.waitExposed(panel)
    first = word_projection()
    panel.show_snapshot(snapshot({"projection": first}))
    view = panel.plot.getViewBox()
    view.prepareForPaint()
    before = view.viewRange()
    moved = _moved(first, 1.03, 0.05)
    panel.show_snapshot(snapshot({"projection": moved}, step=2))
    view.prepareForPaint()
    assert view.viewRange() == before
    far = _moved(first, 3.0, 0.0)
    panel.show_snapshot(snapshot({"projection": far}, step=3))
    view.prepareForPaint()
    (x0, x1), (y0, y1) = view.viewRange()
    points = np.asarray(far.points)
    assert x0 <= points[:, 0].min() and points[:, 0].max() <= x1
    assert y0 <= points[:, 1].min() and points[:, 1].max() <= y1

    view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)  # zoomed by hand: auto-range off
    panel.show_snapshot(snapshot({"projection": first}, step=4))
    view.prepareForPaint()
    assert view.viewRange()[0] == pytest.approx([0, 1], abs=0.3)  # the aspect lock widens it


def _moved(projection: Projection, scale: float, shift: float) -> Projection:
    from dataclasses import replace

    return replace(projection, points=np.asarray(projection.points) * scale + shift)
