"""The watch window's files: Save run… (opened again by "Open run…", steering marks and all),
each panel's PNG/SVG/CSV export menu, Export all…, Screenshot and Record, all through the app's
own export machinery."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF, QImage
from PySide6.QtWidgets import QApplication

from nnviz.app.runs import RunKeeper
from nnviz.app.watch_listener import WatchedRun, WatchListener
from nnviz.app.watch_view import WatchViewer
from nnviz.core.watch_readings import LayerReading, ParamGroupSettings, UnitHealth
from nnviz.io.runs import SUFFIX, load_run
from nnviz.watching.probe import ScalarsOnly
from nnviz.watching.records import WatchConfig
from nnviz.watching.steering import Steering
from nnviz.watching.watcher import Watcher

#: applied during this step by the app's "set": marked at the next, the first that uses it
STEERED_AT = 13


class LayeredProbe(ScalarsOnly):
    """Two layers (one ReLU) and one SGD group whose learning rate the app may change."""

    def __init__(self) -> None:
        self.group = ParamGroupSettings(0, 10, 0.1, 0.9, 0.0)
        self.reads = 0

    def summary(self) -> str:
        return "Layered: 2 layers"

    def group_settings(self) -> tuple[ParamGroupSettings, ...]:
        return (self.group,)

    def apply_setting(self, group: int, name: str, value: float) -> bool:
        self.group = replace(self.group, **{name: value})
        return group == 0

    def read(self, sampled_values: int) -> LayerReading:
        self.reads += 1
        rng = np.random.default_rng(self.reads)
        sample = [rng.normal(size=256), rng.normal(size=8)]
        return LayerReading(("fc1 (Linear)", "fc2 (Linear)"),
                            {"weights": sample, "gradients": sample,
                             "activations": [np.abs(sample[0]), None]},
                            np.array([1.0, 2.0]), np.array([0.1, 0.2]),
                            [UnitHealth(0, "relu", 0.5, 0.25)])


class AppStandIn:
    """The link and the listener in one: the app's "set" arrives at :data:`STEERED_AT`, and
    every snapshot (with the marks sent with it) goes into the run as the listener keeps it."""

    def __init__(self, run: WatchedRun) -> None:
        self.run, self.steered, self.connected, self.asked = run, [], True, 0

    def exchange(self) -> list[dict]:
        self.asked += 1
        return [{"type": "set", "group": 0, "name": "learning_rate", "value": 0.003}] \
            if self.asked == STEERED_AT else []

    def send(self, message: dict) -> None:
        pass

    def take(self, snapshot) -> None:
        self.run.marks.extend(self.steered)
        self.steered.clear()
        self.run.take(snapshot)

    def close(self) -> None:
        pass


def ticking():
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]
    return clock


@pytest.fixture
def viewer(qtbot, tmp_path):
    """The watch window showing a 40-step run steered at :data:`STEERED_AT`."""
    probe = LayeredProbe()
    run = WatchedRun("run1", "steered", 1, steerable=True, reason="",
                     groups=probe.group_settings())
    app = AppStandIn(run)
    config = WatchConfig(name="steered", snapshot_every=5, snapshots_per_second=1000.0,
                         histogram_every=10, histograms_per_second=1000.0,
                         param_groups=probe.group_settings())
    watcher = Watcher(probe, config, [app], clock=ticking(), steering=Steering(
        app, probe.apply_setting))
    for step in range(1, 41):
        watcher.step(loss=1.0 / step, accuracy=min(1.0, step / 40))
    watcher.close()  # the final snapshot, at step 40
    listener = WatchListener()
    listener.runs[run.key] = run
    made = WatchViewer(listener)
    qtbot.addWidget(made)
    made.resize(1280, 860)
    made.show()
    made.attach(run.key)
    exports = made.files.exports
    exports.folder = tmp_path / "exports"
    exports.quiet = True
    yield made
    made.close()


def test_save_run_writes_the_shown_run_with_its_steering_marks(qtbot, viewer, tmp_path):
    asked = []
    viewer.files.runs.ask_path = lambda title, default, save: asked.append(default) or (
        tmp_path / "saved")
    path = viewer.files.save_run_action.trigger() or tmp_path / f"saved{SUFFIX}"
    assert asked[0].name == f"steered-40{SUFFIX}"  # the run's name, not "watch"
    record = load_run(path)
    assert record.steps == 40 and record.label == "steered"
    steps, losses = record.trace_arrays()["loss"]
    np.testing.assert_array_equal(steps, np.arange(1, 41))
    np.testing.assert_allclose(losses, 1.0 / steps)
    assert record.config_changes == [(STEERED_AT + 1, {"learning_rate": 0.003})]
    assert any("histograms" in snapshot.views for snapshot in record.snapshots)
    assert "saved" in viewer.summary.text()  # the keeper's message, in the window

    opened = RunKeeper().open(path)
    qtbot.addWidget(opened)
    assert [panel.kind for panel in opened.panels] == ["loss", "histograms", "layer_health"]
    loss, histograms, health = opened.panels
    assert "loss" in loss.curves and histograms.histograms is not None
    assert health.histograms is not None and health.histograms.layer_names == (
        "fc1 (Linear)", "fc2 (Linear)")
    (line,) = opened.change_lines  # dashed, as the watch window marks it
    assert line.value() == STEERED_AT + 1 and line.label.toPlainText() == "lr → 0.003"
    (live,) = viewer.curves.items["run1"].marks
    assert live.value() == line.value() and live.label.toPlainText() == "lr → 0.003"


def test_save_run_with_no_run_shown_says_so(qtbot, tmp_path):
    empty = WatchViewer(WatchListener())
    qtbot.addWidget(empty)
    assert empty.files.save_run() is None
    assert "No watched run is shown" in empty.summary.text()


def test_each_panel_has_the_export_menu_and_writes_png_svg_and_csv(qtbot, viewer, tmp_path):
    exports = viewer.files.exports
    exports.run_dialog = lambda dialog: True
    loss = viewer.panels[0]
    menu = exports.menu_for(loss)
    menu.aboutToShow.emit()  # as it opens: the entries for what the panel draws now
    assert loss.property("nnviz_export_menu") and viewer.files.panels() == viewer.panels
    texts = [action.text() for action in menu.actions()]
    assert {"Export as PNG…", "Export as SVG…", "Export data as CSV…",
            "Record this panel…"} <= set(texts)
    by_text = {action.text(): action for action in menu.actions()}
    for text in ("Export as PNG…", "Export as SVG…", "Export data as CSV…"):
        by_text[text].trigger()
    folder = tmp_path / "exports"
    png = next(folder.glob("*loss*.png"))
    assert not QImage(str(png)).isNull()
    assert next(folder.glob("*loss*.svg")).read_text().lstrip().startswith("<?xml")
    tables = {path.name: list(csv.reader(path.read_text().splitlines()))
              for path in folder.glob("*loss*.csv")}
    assert any(rows[0] == ["step", "loss"] and len(rows) == 41 for rows in tables.values()), \
        list(tables)


def test_export_all_writes_every_panel(qtbot, viewer, tmp_path):
    exports = viewer.files.exports
    exports.run_dialog = lambda dialog: dialog.format_boxes["svg"].setChecked(False) or True
    written = viewer.files.export_all()
    names = [path.name for path in written]
    for kind in ("loss", "histograms", "layer-health"):
        assert any(kind in name and name.endswith(".png") for name in names), names
    for path in written:
        if path.suffix == ".png":
            assert not QImage(str(path)).isNull()


def test_screenshot_is_the_whole_watch_window(qtbot, viewer, tmp_path):
    png, sidecar = viewer.files.screenshot()
    image = QImage(str(png))
    ratio = viewer.devicePixelRatioF()
    assert (image.width(), image.height()) == (round(viewer.width() * ratio),
                                               round(viewer.height() * ratio))
    assert png.name.startswith("watch-40")
    assert json.loads(sidecar.read_text())["step"] == 40


def test_record_takes_the_watch_window(qtbot, viewer, tmp_path):
    files = viewer.files
    files.exports.run_dialog = lambda dialog: True
    files.record_action.trigger()
    recorder = files.recording.recorder
    assert recorder is not None and recorder.target is viewer
    assert files.record_action.text() == "Stop recording"
    qtbot.waitUntil(lambda: len(recorder.frames) >= 2, timeout=30_000)  # a hang guard
    files.record_action.trigger()
    files.recording.wait()
    assert files.record_action.text() == "Record"
    saved = [p for p in (tmp_path / "exports").iterdir() if p.suffix in (".gif", ".mp4")]
    assert saved and saved[0].stat().st_size > 0 and "watch-window" in saved[0].name


@pytest.mark.parametrize("size", [(1024, 600), (1024, 700)])
def test_the_rate_plot_keeps_its_words_in_a_small_window(qtbot, viewer, size):
    """Squeezed by the panels below, the learning-rate plot cut its "step" label off and
    wrapped "learning rate" onto two lines."""
    viewer.resize(*size)
    qtbot.waitUntil(lambda: viewer.size().height() == size[1])
    QApplication.processEvents()
    widget, plot = viewer.curves.rate_widget, viewer.curves.rate_plot
    step_label = plot.getAxis("bottom").label
    margin = step_label.document().documentMargin()  # blank space around the words
    bottom = step_label.mapRectToScene(step_label.boundingRect()).bottom() - margin
    assert step_label.isVisible() and bottom <= widget.viewport().height()
    rate_label = plot.getAxis("left").label
    line = QFontMetricsF(rate_label.font()).lineSpacing()
    assert rate_label.boundingRect().height() < 2 * line  # one line
