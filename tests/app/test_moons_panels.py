"""The moons panels drawn from real snapshots, without the window."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import time

import numpy as np
from PySide6.QtCore import QPointF

from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel
from nnviz.app.panels.loss import LossPanel
from nnviz.app.panels.network import NetworkPanel
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def snapshots(steps=60, every=20, **values):
    scenario = get_scenario("moons")
    session = scenario.create_session(scenario.default_config().with_values(values))
    return list(train(session, max_steps=steps, every=every))


def test_loss_panel_keeps_every_traced_step_even_when_only_the_last_is_drawn(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    shots = snapshots(steps=100, every=10)
    for snapshot in shots[:-1]:
        panel.record_snapshot(snapshot)
    panel.show_snapshot(shots[-1])
    np.testing.assert_array_equal(panel.curves["loss"].x, np.arange(1, 101))
    x, _ = panel.items["test_loss"].getData()
    np.testing.assert_array_equal(x, sorted({s.step for s in shots}))  # one point a step:
    # the last step's snapshot comes twice (its budget ran out, then the run's end)
    assert "test loss" in panel.legend_texts()


def test_pinned_run_is_labelled_by_what_differed(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    for snapshot in snapshots(hidden_sizes=(3,)):
        panel.show_snapshot(snapshot)
    panel.pin_run()
    for snapshot in snapshots(hidden_sizes=(10,)):
        panel.show_snapshot(snapshot)
    labels = [text for text in panel.legend_texts() if text.startswith("pinned")]
    assert labels == ["pinned 1: Hidden layers 3 (now 10)"]
    assert len(panel.pinned[0].curves["loss"].x) == 60
    panel.set_log_y(False)
    panel.clear_pinned()
    assert not [t for t in panel.legend_texts() if t.startswith("pinned")]


def test_decision_boundary_draws_field_line_and_points_in_data_units(qtbot):
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    snapshot = snapshots(steps=300, every=300)[-1]
    panel.show_snapshot(snapshot)
    grid = snapshot.views["decision_grid"]
    assert grid.probabilities.shape[:2] == (200, 200)
    assert panel.image.image.shape == (200, 200)
    xs, ys = panel.boundary.getData()
    x_min, x_max, y_min, y_max = grid.extent
    assert len(xs) > 50
    assert x_min <= xs.min() and xs.max() <= x_max and y_min <= ys.min() <= ys.max() <= y_max
    assert len(panel.train_points.data) == len(grid.train_labels)
    assert panel.train_points.opts["symbol"] == "o"
    assert panel.test_points.opts["symbol"] == "t"
    before = panel.train_points.data
    panel.show_snapshot(snapshot)  # same points: the scatter is not rebuilt
    assert panel.train_points.data is before
    tables = panel.csv_tables()
    assert len(tables["probability_field"][1][0]) == 50 * 50  # every 4th point a side


def test_three_classes_are_coloured_by_their_mix(qtbot):
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots(steps=40, every=40, dataset="blobs")[-1])
    assert panel.image.image.shape == (200, 200, 3)


def test_network_panel_draws_layers_and_previews_a_hovered_unit(qtbot):
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    panel.show_snapshot(snapshots(steps=20, every=20, hidden_sizes=(5, 3))[-1])
    assert panel.sizes == (2, 5, 3, 2)
    assert [len(images) for images in panel.thumbnails] == [2, 5, 3, 0]
    drawn = sum(len(curve.getData()[0]) for curve in panel.edges.values()
                if curve.getData()[0] is not None)
    assert drawn == 2 * (2 * 5 + 5 * 3 + 3 * 2)
    centre = panel.positions[2][1]
    assert panel.node_at(QPointF(*centre)) == (2, 1)
    assert panel.node_at(QPointF(*panel.positions[0][0])) is None  # inputs are not hidden
    panel.hover(2, 1)
    network = panel.last_snapshot.views["network"]
    np.testing.assert_array_equal(panel.preview.image, network.unit_grids[1][1])
    assert "unit 2" in panel.preview_plot.titleLabel.text


FLOOD = textwrap.dedent("""
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication

    class Source(QObject):
        value = Signal(object)

    app = QApplication([])
    plot = pg.PlotWidget()
    curve = plot.plot()
    image = pg.ImageItem()
    plot.addItem(image)
    plot.resize(300, 200)
    plot.show()
    received = []
    source = Source()
    source.value.connect(received.append)
    for i in range(4000):
        source.value.emit(i)
        source.value.emit(True)
        if i % 20 == 0:
            curve.setData(np.random.rand(500))
            image.setImage(np.random.rand(50, 50))
            plot.grab()
            app.processEvents()
    assert len(received) == 8000
    print("ok")
""")


def test_thousands_of_emits_and_paints_do_not_crash_the_interpreter():
    """PySide6 6.12.0 aborts here (none_dealloc/bool_dealloc); the pin must keep it out."""
    done = subprocess.run([sys.executable, "-c", FLOOD], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_rate_limited_panels_draw_the_held_back_snapshot_when_due(qtbot):
    from nnviz.app.panel_area import PanelArea

    area = PanelArea(["decision_boundary", "loss"])
    qtbot.addWidget(area)
    boundary, loss = area.panels
    assert loss.max_fps > 0 and boundary.max_fps == 0
    shots = snapshots(steps=40, every=10)
    area.show_snapshots(shots[:2])
    assert boundary.last_snapshot is shots[1]  # the main view draws at once
    area.draw_pending()
    area.show_snapshots(shots[2:])  # too soon for the loss panel: recorded, held back
    assert loss.last_snapshot is shots[1]
    np.testing.assert_array_equal(loss.curves["loss"].x, np.arange(1, 41))  # nothing lost
    qtbot.waitUntil(lambda: loss.last_snapshot is shots[-1], timeout=2000)
    assert boundary.last_snapshot is shots[-1]


def test_panels_due_together_draw_one_at_a_time_the_main_view_first(qtbot, monkeypatch):
    """Issue 21: every panel due in one frame drew in that frame, one stall as long as all
    their draws and paints together; now the first draws, and each of the others after the
    event loop has run again."""
    from nnviz.app import panel_area
    from nnviz.app.panel_area import PanelArea

    area = PanelArea(["decision_boundary", "loss", "network"])
    qtbot.addWidget(area)
    _, loss, network = area.panels
    draws: list[tuple[str, float]] = []
    drawn = area._draw

    def recorded(panel, snapshot, now):
        drawn(panel, snapshot, now)
        draws.append((panel.kind, time.monotonic()))

    monkeypatch.setattr(area, "_draw", recorded)
    monkeypatch.setattr(panel_area, "STAGGER_SECONDS", 0.02)
    shots = snapshots(steps=20, every=10)
    area.show_snapshots(shots)
    assert [kind for kind, _ in draws] == ["decision_boundary"]
    assert loss.last_snapshot is None and network.last_snapshot is None
    qtbot.waitUntil(lambda: len(draws) == 3, timeout=2000)
    assert [kind for kind, _ in draws] == ["decision_boundary", "loss", "network"]
    assert all(later - earlier >= 0.02 for (_, earlier), (_, later)
               in itertools.pairwise(draws))
    assert not area.drawing_behind and not area._flush_timer.isActive()  # nothing left: idle

    area.show_snapshots(snapshots(steps=30, every=10)[-1:])  # the loss panel is not due yet
    area.draw_pending()  # a pin: everything shown at once, due or not
    assert loss.last_snapshot.step == 30 and network.last_snapshot.step == 30


def test_long_runs_stay_bounded_and_the_axis_says_so(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(640, 400)  # laid out as on screen: a plot a few pixels wide drops the tail
    panel.show()
    qtbot.waitExposed(panel)
    shots = snapshots(steps=5000, every=1000)
    for snapshot in shots:
        panel.show_snapshot(snapshot)
    history = panel.curve_store().trace["loss"]  # the panel's own store: it has no window
    assert history.total == 5000 and len(history) <= history.capacity + 2
    assert "thinned" in panel.accuracy_plot.getAxis("bottom").labelText
    assert "spikes kept" in panel.accuracy_plot.getAxis("bottom").labelText
    x, _ = panel.items["loss"].getData()
    assert x[-1] == 5000


def test_accuracy_plot_only_when_some_curve_has_an_accuracy(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    rows = panel.view.ci.items
    assert panel.accuracy_plot not in rows  # nothing drawn yet: the loss plot has the room
    scenario = get_scenario("embeddings")  # word2vec has losses only
    session = scenario.create_session(scenario.default_config().with_values(
        {"analogy_set": "none"}))
    for snapshot in train(session, max_steps=4, every=2):
        panel.show_snapshot(snapshot)
    assert not any("accuracy" in name for name in panel.curves)
    assert panel.accuracy_plot not in rows
    assert panel.loss_plot.getAxis("bottom").labelText == "step"
    for snapshot in snapshots(steps=20, every=10):  # moons: accuracies too
        panel.show_snapshot(snapshot)
    assert panel.accuracy_plot in rows
    assert panel.accuracy_plot.getAxis("bottom").labelText == "step"
    assert not panel.loss_plot.getAxis("bottom").label.isVisible()


def test_the_field_pixel_under_a_data_point_is_that_point_s_probability(qtbot):
    """The image is not transposed or flipped: a point (x, y) sits on its own grid cell."""
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    snapshot = snapshots(steps=200, every=200)[-1]
    panel.show_snapshot(snapshot)
    grid = snapshot.views["decision_grid"]
    ny, nx = grid.probabilities.shape[:2]
    x_min, x_max, y_min, y_max = grid.extent
    xs, ys = np.linspace(x_min, x_max, nx), np.linspace(y_min, y_max, ny)
    image = panel.image.image
    for row, column in [(5, 150), (180, 20), (100, 199), (0, 0), (60, 120)]:
        pixel = panel.image.mapFromView(QPointF(xs[column], ys[row]))
        i, j = int(np.floor(pixel.x())), int(np.floor(pixel.y()))
        assert (j, i) == (row, column)
        assert image[j, i] == grid.probabilities[row, column, 1]


def test_a_panel_paint_holds_the_next_draw_back_too(qtbot, monkeypatch):
    """A draw's paint comes at the event loop's next pass; the next panel's draw waits for the
    stagger after that paint, or the two ran back to back with nothing between them."""
    from nnviz.app import panel_area
    from nnviz.app.panel_area import PanelArea

    area = PanelArea(["decision_boundary", "loss"])
    qtbot.addWidget(area)
    area.resize(800, 400)
    area.show()
    qtbot.waitExposed(area)
    monkeypatch.setattr(panel_area, "STAGGER_SECONDS", 0.05)
    boundary, loss = area.panels
    area.show_snapshots(snapshots(steps=10, every=10))
    assert boundary.last_snapshot is not None and loss.last_snapshot is None
    area._last_draw_end = -1e9  # as if the draw were long past …
    area.budget.last_paint_end = time.monotonic()  # … but a panel has just been painted
    area.flush()
    assert loss.last_snapshot is None
    qtbot.waitUntil(lambda: loss.last_snapshot is not None, timeout=2000)
    before = time.monotonic()
    boundary.plot.viewport().repaint()  # a real paint of a panel's plot is what counts
    assert area.budget.last_paint_end >= before
