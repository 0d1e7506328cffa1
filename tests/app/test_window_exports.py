"""The window-level export actions, on a stand-in main window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QToolBar, QWidget

from nnviz.app.window_exports import WindowExports
from nnviz.cli import resolve_config
from nnviz.session import train

iio = pytest.importorskip("imageio.v3")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from export_fakes import BoundaryStandIn, LossStandIn

    main = QMainWindow()
    qtbot.addWidget(main)
    central = QWidget()
    row = QHBoxLayout(central)
    main.panels = [BoundaryStandIn(), LossStandIn()]
    for panel in main.panels:
        row.addWidget(panel)
    main.setCentralWidget(central)
    main.latest = None
    hooks = WindowExports(main, panels=lambda: main.panels, latest=lambda: main.latest,
                          preset=lambda: "moons-3-hidden")
    hooks.exports.settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    hooks.exports.folder = tmp_path / "out"
    hooks.exports.quiet = True
    hooks.exports.run_dialog = lambda dialog: True
    hooks.runs.ask_path = lambda title, default, save: default
    toolbar = QToolBar()
    toolbar.addActions(hooks.actions)
    main.addToolBar(toolbar)
    hooks.install()
    main.hooks = hooks
    main.resize(900, 420)
    main.show()
    qtbot.waitExposed(main)
    scenario, config, _ = resolve_config("moons", None, ["n_samples=100", "grid_resolution=30"])
    for snapshot in train(scenario.create_session(config), max_steps=80, every=10):
        main.latest = snapshot
        hooks.on_snapshot(snapshot)
        for panel in main.panels:
            panel.show_snapshot(snapshot)
    yield main
    hooks.shutdown()


def test_toolbar_actions_write_files(window, tmp_path, qtbot):
    hooks = window.hooks
    out = tmp_path / "out"
    hooks.export_all_action.trigger()
    names = sorted(p.name for p in out.iterdir())
    assert "moons-80-loss.png" in names and "moons-80-decision-boundary.svg" in names
    assert "moons-80-loss.csv" in names and "moons-80-decision-boundary.json" in names
    hooks.screenshot_action.trigger()
    shot = QImage(str(out / "moons-80-window.png"))
    assert (shot.width(), shot.height()) == (900, 420)
    hooks.save_run_action.trigger()
    assert (out / "moons-80.nnviz-run.npz").exists()
    assert "Saved run" in window.statusBar().currentMessage()
    hooks.runs.ask_path = lambda title, default, save: out / "moons-80.nnviz-run.npz"
    hooks.open_run_action.trigger()
    assert len(hooks.runs.viewers) == 1
    viewer = hooks.runs.viewers[0]
    qtbot.addWidget(viewer)
    assert len(viewer.panels) >= 2
    assert all(p.property("nnviz_export_menu") for p in viewer.panels)
    errors = []
    hooks.exports.failed.connect(errors.append)
    written = hooks.exports.export_all(viewer.panels)
    assert not errors, errors
    assert any(p.name == "moons-80-loss-1.png" for p in written), [p.name for p in written]


def test_record_action_records_the_window(window, tmp_path):
    hooks = window.hooks
    hooks.record_action.trigger()
    assert hooks.recording.recording and hooks.record_action.text() == "Stop recording"
    for _ in range(3):
        window.panels[0].image.setImage(np.random.default_rng(_).random((20, 20)))
        hooks.recording.recorder.capture()
    hooks.record_action.trigger()
    assert not hooks.recording.recording and hooks.record_action.text() == "Record"
    hooks.recording.wait()
    gif = tmp_path / "out" / "moons-80-window.gif"
    assert iio.imread(gif, index=None).shape[0] == 4


def test_panels_get_the_right_click_menu(window):
    for panel in window.panels:
        assert panel.property("nnviz_export_menu")
        scene = panel.plot.scene()
        assert scene.contextMenu[0].title() == "Export"


def test_sidecars_record_live_changes(window, tmp_path):
    import json

    from nnviz.session import Mailbox

    hooks = window.hooks
    scenario, config, _ = resolve_config("moons", None, ["n_samples=100", "grid_resolution=30"])
    mailbox = Mailbox()
    for snapshot in train(scenario.create_session(config), mailbox=mailbox, max_steps=30,
                          every=10):
        window.latest = snapshot
        hooks.on_snapshot(snapshot)
        if snapshot.step == 10:
            mailbox.post("learning_rate", 0.02)
    _, sidecar = hooks.exports.save_screenshot(window, window.latest)
    record = json.loads(sidecar.read_text())
    assert record["live_changes"] == [{"step": 20, "values": {"learning_rate": 0.02}}]
    assert record["initial_hyperparameters"]["learning_rate"] == 0.1
    assert record["hyperparameters"]["learning_rate"] == 0.02


def test_the_main_window_saves_a_run_with_the_session_weights(qtbot, tmp_path, qapp):
    from nnviz.app.window import MainWindow
    from nnviz.io.runs import load_run

    window = MainWindow("moons", settings=QSettings(str(tmp_path / "w.ini"),
                                                     QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    hooks = window.exports
    hooks.exports.folder = tmp_path / "out"
    hooks.exports.quiet = True
    hooks.runs.ask_path = lambda title, default, save: default
    window.runner.step(25)
    qtbot.waitUntil(lambda: window.last_snapshot is not None
                    and window.last_snapshot.step == 25, timeout=10_000)
    qtbot.waitUntil(lambda: window.runner.state != "running", timeout=5000)
    path = hooks.runs.save()
    record = load_run(path)
    assert record.steps == 25 and record.final_state["step_count"] == 25
    # the weights the child's session holds at step 25, as its last snapshot drew them
    network = window.last_snapshot.views["network"]
    np.testing.assert_array_equal(record.weights()["params/0"], network.weights[0])
    window.close()
