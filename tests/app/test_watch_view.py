"""The watch window without a subprocess: runs overlaid one colour each, steering changes
marked, the picker's "Watch" group, and ``nnviz app --listen`` printing its token."""

from __future__ import annotations

import io

import numpy as np
import pytest

from nnviz.app.picker import ScenarioPicker
from nnviz.app.watch_listener import WatchedRun
from nnviz.app.watch_picker import GROUP_TITLE, NONE_STREAMING, target_name
from nnviz.app.watch_view import WatchController
from nnviz.cli import main
from nnviz.core.watch_readings import ParamGroupSettings
from nnviz.session import Snapshot
from nnviz.watching.records import WatchConfig


def fed_run(key: str, name: str, learning_rate: float, steps: int = 30) -> WatchedRun:
    """A run as the listener keeps it, fed ``steps`` snapshots of a falling loss."""
    run = WatchedRun(key, name, 1, steerable=True, reason="",
                     groups=(ParamGroupSettings(0, 10, learning_rate, 0.9, 0.0),))
    for step in range(1, steps + 1, 5):
        trace = {"step": np.arange(step, step + 5),
                 "loss": 1.0 / np.arange(step, step + 5),
                 "learning_rate": np.full(5, learning_rate)}
        run.take(Snapshot(run_id=1, scenario="watch", step=step + 4, epoch=0.0,
                          wall_seconds=0.0, metrics={"loss": 1.0 / (step + 4)},
                          config=WatchConfig(name=name), trace=trace))
    return run


@pytest.fixture
def controller(qtbot, runtime_dir):
    picker = ScenarioPicker()
    qtbot.addWidget(picker)
    made = WatchController(picker)
    yield made
    made.shutdown()


def test_the_picker_lists_watched_runs_first_and_attaches_them(qtbot, controller):
    picker = controller.entries.picker
    group = picker.topLevelItem(0)
    assert group.text(0) == GROUP_TITLE and group.child(0).text(0) == NONE_STREAMING
    first, second = fed_run("run1", "alpha", 0.1), fed_run("run2", "beta", 0.02)
    controller.listener.runs.update({first.key: first, second.key: second})
    controller._runs_changed()
    assert [group.child(i).text(0).split(" (")[0] for i in range(group.childCount())] == [
        "alpha", "beta"]  # the hint is gone
    chosen = []
    picker.chosen.connect(chosen.append)
    picker._activated(controller.entries.items["run2"])
    assert chosen == [target_name("run2")]
    assert controller.handles(chosen[0]) and controller.attach(chosen[0])
    viewer = controller.viewer
    qtbot.addWidget(viewer)
    assert viewer.shown == "run2" and viewer.steering.editors[(0, "learning_rate")].text() \
        == "0.02"


def test_attached_runs_are_overlaid_one_colour_each_with_their_marks(qtbot, controller):
    first, second = fed_run("run1", "alpha", 0.1), fed_run("run2", "beta", 0.02)
    second.marks.append({"step": 12, "group": 0, "name": "learning_rate", "value": 0.02})
    controller.listener.runs.update({first.key: first, second.key: second})
    controller.attach(target_name("run1"))
    controller.attach(target_name("run2"))
    viewer = controller.viewer
    qtbot.addWidget(viewer)
    viewer._dirty = True
    viewer.redraw()
    curves = viewer.curves
    assert curves.series == "loss"
    colours = {key: items.metric.opts["pen"].color().name() for key, items in
               curves.items.items()}
    assert len(set(colours.values())) == 2
    for key, run in (("run1", first), ("run2", second)):
        x, y = curves.items[key].metric.getData()
        assert len(x) == 30 and np.allclose(y, 1.0 / np.arange(1, 31))
        _, rates = curves.items[key].rate.getData()
        assert np.allclose(rates, run.groups[0].learning_rate)
    assert [line.value() for line in curves.items["run2"].marks] == [12]
    assert "lr → 0.02" in curves.items["run2"].marks[0].label.toPlainText()
    viewer.run_box.setCurrentIndex(0)  # the loss panel draws the shown run's store
    assert viewer.shown == "run1"
    assert viewer.panels[0].curve_store() is first.record.curves


def test_the_rate_controls_ask_the_script_for_other_rates(qtbot, controller):
    run = fed_run("run1", "alpha", 0.1)
    controller.listener.runs[run.key] = run
    controller.attach(target_name("run1"))
    viewer = controller.viewer
    qtbot.addWidget(viewer)
    box = viewer.steering.rate_boxes["histogram_every"]
    assert box.isEnabled() and box.value() == WatchConfig().histogram_every
    asked = []
    viewer.steering.command.connect(asked.append)
    box.setValue(5)
    box.editingFinished.emit()
    assert asked == [{"type": "rates", "histogram_every": 5}]


def test_listen_takes_host_and_port_only(capsys):
    err = io.StringIO()
    assert main(["app", "--listen", "nowhere"], err=err) == 2
    assert "not HOST:PORT" in err.getvalue()


def test_nnviz_app_listen_prints_the_address_and_token(tmp_path, runtime_dir):
    from test_startup_imports import run_fresh

    result = run_fresh(f"""
        import os
        os.environ["XDG_RUNTIME_DIR"] = {str(runtime_dir)!r}
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from nnviz.app.window import MainWindow
        from nnviz.cli import main

        seen = {{}}

        def look():
            window = next(w for w in QApplication.topLevelWidgets()
                          if isinstance(w, MainWindow))
            seen["addresses"] = [str(a) for a in window.watch.listener.addresses]
            QApplication.instance().quit()

        app = QApplication([])
        QTimer.singleShot(0, look)
        import contextlib, io
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            seen["code"] = main(["app", "moons", "--listen", "127.0.0.1:0"])
        report(printed=printed.getvalue(), **seen)
    """, tmp_path)
    assert result["code"] == 0
    local, tcp = result["addresses"]
    assert local == str(runtime_dir / "nnviz" / "watch.sock")
    assert tcp.startswith("127.0.0.1:") and not tcp.endswith(":0")
    printed = result["printed"]
    assert f"listening for watched runs on {tcp}, token " in printed
    assert f"NNVIZ_WATCH_ADDRESS={tcp} NNVIZ_WATCH_TOKEN=" in printed
