"""Saved runs in the app: keep, save, open, scrub the timeline, compare with the current run."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.runs import RunKeeper, RunViewer
from nnviz.cli import resolve_config
from nnviz.io.runs import load_run
from nnviz.session import train


@pytest.fixture
def moons_panels(qapp):
    """The application the moons panels of a saved run are drawn in."""


def _feed(keeper, *assignments, steps=120):
    scenario, config, _ = resolve_config("moons", None,
                                         ["n_samples=100", "grid_resolution=30", *assignments])
    session = scenario.create_session(config)
    for snapshot in train(session, max_steps=steps, every=10):
        keeper.on_snapshot(snapshot)
    return session


def test_keeper_saves_the_current_run_and_opens_it(moons_panels, qtbot, tmp_path):
    keeper = RunKeeper(folder=lambda: tmp_path, preset=lambda: "moons-3-hidden")
    keeper.ask_path = lambda title, default, save: default
    failures = []
    keeper.failed.connect(failures.append)
    assert keeper.save() is None and "no run" in failures[0]
    session = _feed(keeper)
    keeper.final_state = session.checkpoint
    path = keeper.save()
    assert path.name == "moons-120.nnviz-run.npz"
    assert keeper.save().name == "moons-120-1.nnviz-run.npz", "never overwrites"
    record = load_run(path)
    assert record.preset == "moons-3-hidden" and record.steps == 120
    np.testing.assert_array_equal(record.weights()["params/0"], session.model.params[0])

    _feed(keeper, "learning_rate=0.02", steps=60)  # a new run replaces the kept one
    assert keeper.record.steps == 60
    viewer = keeper.open(path)
    qtbot.addWidget(viewer)
    assert viewer.panels, "the scenario's panels are rebuilt in the viewer"
    last = len(record.snapshots) - 1
    assert viewer.slider.maximum() == last
    assert all(p.last_snapshot.step == 120 for p in viewer.panels)

    viewer.slider.setValue(2)
    qtbot.waitUntil(lambda: viewer.panels[0].last_snapshot.step == record.snapshots[2].step)
    assert "step 20" in viewer.position.text()
    assert viewer.step_line.value() == 20

    viewer.metric_box.setCurrentIndex(viewer.metric_box.findData("test_loss"))
    viewer.compare.setChecked(True)
    x, y = viewer.current_curve.getData()
    assert x[-1] == 60 and len(y) == len(keeper.record.history["test_loss"])
    assert "learning_rate: 0.1 → 0.02" in viewer.summary.text()
    viewer.compare.setChecked(False)
    assert viewer.current_curve.getData()[0] is None or len(viewer.current_curve.getData()[0]) == 0


def test_a_damaged_run_file_is_reported(qapp, tmp_path):
    keeper = RunKeeper()
    bad = tmp_path / "x.nnviz-run.npz"
    bad.write_bytes(b"garbage")
    failures = []
    keeper.failed.connect(failures.append)
    assert keeper.open(bad) is None
    assert "cannot read" in failures[0]


def test_the_viewer_draws_the_per_step_curve(moons_panels, qtbot):
    keeper = RunKeeper()
    _feed(keeper, steps=50)
    viewer = RunViewer(keeper.record)
    qtbot.addWidget(viewer)
    assert viewer.metric_box.currentData() == "loss (every step)"
    steps, loss = viewer.saved_curve.getData()
    assert steps[0] == 1 and steps[-1] == 50 and np.all(np.isfinite(loss))
    assert not viewer.compare.isEnabled()


def test_a_crafted_run_file_cannot_start_the_cli_in_the_app(qapp, tmp_path):
    """A header naming nnviz.__main__:main once ran the CLI inside the app; now one message."""
    import json

    import numpy as np

    header = {"$dict": {"format": "nnviz-run", "format_version": 1,
                        "config": {"$dataclass": "nnviz.__main__:main", "fields": {}}}}
    crafted = tmp_path / "crafted.nnviz-run.npz"
    np.savez_compressed(crafted, __header__=np.frombuffer(json.dumps(header).encode(),
                                                          dtype=np.uint8))
    keeper = RunKeeper()
    failures = []
    keeper.failed.connect(failures.append)
    assert keeper.open(crafted) is None
    assert failures == [f"{crafted}: cannot read this run file: unknown record kind "
                        "'nnviz.__main__:main'"]
