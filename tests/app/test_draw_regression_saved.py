"""A drawn data set is not lost when the run is saved: "Save run…" writes the drawn points
with the weights (the checkpoint carries them), opening the file shows them, and a session
restored from the file trains on them, not on the generated data set. For the regression's
fit and for the moons boundary.
"""

from __future__ import annotations

import numpy as np
import pytest
from plot_mouse import click
from test_draw_regression import HIGH, fit_panel, totals, wait_for_room, wait_totals

from nnviz.app.window import MainWindow
from nnviz.data.point_edits import ADD, ERASE, DataEdit
from nnviz.io.runs import RunRecord, load_run, save_run
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.moons import build as build_moons
from nnviz.scenarios.regression import RegressionConfig
from nnviz.scenarios.regression import build as build_regression
from nnviz.session import train

DRAWN = np.column_stack([np.linspace(3.6, 4.4, 9), np.full(9, 2.0)])


def drawn_fit_session():
    session = build_regression(RegressionConfig(n_samples=100))
    session.apply_data_edits([DataEdit(ERASE, np.array([[0.0, 0.0]]), radius=10.0),
                              DataEdit(ADD, DRAWN, targets=DRAWN[:, 1])])
    return session


def saved_and_loaded(session, tmp_path, steps: int = 30) -> RunRecord:
    record = None
    for snapshot in train(session, every=10, max_steps=steps):
        record = record or RunRecord.from_snapshot(snapshot)
        record.add(snapshot)
    record.final_state = session.checkpoint()
    return load_run(save_run(tmp_path / "drawn.nnviz-run.npz", record))


def test_a_saved_fit_keeps_its_drawing_and_trains_on_it_again(tmp_path):
    session = drawn_fit_session()
    assert session.n_train == 9 and len(session.test_y) == 25
    loaded = saved_and_loaded(session, tmp_path)
    view = loaded.latest.views["regression_fit"]  # what opening the file shows
    np.testing.assert_allclose(view.train_points[:, 0], DRAWN[:, 0], rtol=1e-6)
    again = build_regression(loaded.final_config)  # continuing it: the generated set …
    assert again.n_train == 75
    again.restore(loaded.final_state)  # … gives way to the drawn one
    assert again.step_count == 30 and again.n_train == 9
    np.testing.assert_allclose(again.train_x[:, 0], DRAWN[:, 0], rtol=1e-6)
    np.testing.assert_allclose(again.train_y, DRAWN[:, 1])
    assert again.epoch == pytest.approx(session.epoch)
    np.testing.assert_allclose(again.regression_fit().train_points[:, 0], DRAWN[:, 0],
                               rtol=1e-6)
    for _ in range(200):
        again.train_step()
    assert again.metrics()["train_mse"] < session.metrics()["train_mse"]
    again.apply_data_edits([DataEdit(ADD, np.array([[0.0, 1.0]]), targets=np.array([1.0]))])
    assert again.n_train == 10  # drawing goes on from the restored points


def test_a_saved_boundary_keeps_its_drawing(tmp_path):
    session = build_moons(MoonsConfig())
    points = np.array([[5.0, 5.0], [5.5, 5.0]])
    session.apply_data_edits([DataEdit(ADD, points, np.array([1, 0]))])
    n = session.n_train
    loaded = saved_and_loaded(session, tmp_path, steps=10)
    again = build_moons(loaded.final_config)
    again.restore(loaded.final_state)
    assert again.n_train == n
    np.testing.assert_allclose(again.train_x[-2:], points)
    assert again.train_y[-2:].tolist() == [1, 0]
    assert again.decision_grid().point_totals[0] == n


def test_an_unedited_run_saves_no_data_and_a_damaged_drawing_is_refused(tmp_path):
    plain = build_regression(RegressionConfig(n_samples=100))
    assert "drawn_data" not in plain.checkpoint()
    state = drawn_fit_session().checkpoint()
    state["drawn_data"] = dict(state["drawn_data"], train_x=np.zeros((9, 3)))
    with pytest.raises(ValueError, match="do not fit"):
        build_regression(RegressionConfig(n_samples=100)).restore(state)


def test_save_run_in_the_window_writes_the_drawn_points(qtbot, app_settings, wait_for_step,
                                                        tmp_path):
    """The checkpoint comes over the wire from the worker process: the file holds the drawn
    points."""
    made = MainWindow("regression", settings=app_settings)
    qtbot.addWidget(made)
    made.resize(1280, 800)
    made.show()
    try:
        panel = fit_panel(made)
        wait_for_step(made, 0)
        wait_for_room(qtbot, panel)
        n_train, n_test = totals(panel)
        click(qtbot, panel, 0.5, HIGH)
        wait_totals(qtbot, panel, (n_train + 1, n_test))
        runs = made.exports.runs
        runs.ask_path = lambda title, default, save: tmp_path / "drawn.nnviz-run.npz"
        assert runs.save() is not None
        loaded = load_run(tmp_path / "drawn.nnviz-run.npz")
        drawn = loaded.final_state["drawn_data"]
        assert len(drawn["train_y"]) == n_train + 1
        assert drawn["train_y"][-1] == pytest.approx(HIGH, abs=0.05)
        view = loaded.latest.views["regression_fit"]
        assert len(view.train_targets) == n_train + 1
        viewer = runs.open(tmp_path / "drawn.nnviz-run.npz")  # "Open run…" shows them
        qtbot.addWidget(viewer)
        opened = next(p for p in viewer.panels if p.kind == "regression_fit")
        viewer.show_position(len(loaded.snapshots) - 1)
        assert len(opened.view.train_targets) == n_train + 1
    finally:
        made.close()
