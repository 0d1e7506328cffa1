"""Drawing a regression's data on the «Fit» panel while the fit trains: click adds a point
(x, y), drag sprays, Shift+click erases, undo, redo, clear, while the worker process trains.
The next snapshots carry the points, the run (and its network) goes on, the
curve follows them, a reset keeps them. A fit of two inputs has no tool row.
"""

from __future__ import annotations

import numpy as np
from plot_mouse import SHIFT, click, drag, settled, undo_redo_clear_round

from nnviz.app.panels.point_drawing import TARGET_DRAW_HINT
from nnviz.app.panels.regression_fit import RegressionFitPanel
from nnviz.app.runner import PAUSED, RUNNING
from nnviz.app.window import MainWindow

#: where the drawn points go: far above the sine's samples (|y| ≤ 1.3), so that they are
#: the only points there and the curve must rise to them
HIGH = 1.65


def regression_window(qtbot, settings, target: str = "regression") -> MainWindow:
    made = MainWindow(target, settings=settings)
    qtbot.addWidget(made)
    made.resize(1280, 800)
    made.show()
    return made


def fit_panel(window, draw: bool = True) -> RegressionFitPanel:
    """The window's fit panel, with its Draw toggle on (as a person would press it)."""
    panel = next(p for p in window.panels() if isinstance(p, RegressionFitPanel))
    if draw and not panel.drawing.toggle.isChecked():
        panel.drawing.toggle.click()
    return panel


def wait_for_room(qtbot, panel) -> None:
    """Until the view frames the drawing room above the data (the auto-range follows the
    first snapshots)."""
    view_box = panel.plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[1][1] > HIGH + 0.1, timeout=10_000)


def totals(panel) -> tuple[int, int]:
    return len(panel.view.train_targets), len(panel.view.test_targets)


def wait_totals(qtbot, panel, expected, timeout=10_000):
    qtbot.waitUntil(lambda: panel.view is not None and totals(panel) == expected,
                    timeout=timeout)


def near(panel, x, y, split="train", radius=0.05) -> int:
    view = panel.view
    points, targets = ((view.train_points, view.train_targets) if split == "train"
                       else (view.test_points, view.test_targets))
    return int((np.hypot(points[:, 0] - x, targets - y) < radius).sum())


def curve_at(panel, x: float) -> float:
    curve = panel.view.curve
    return float(np.interp(x, curve.xs, curve.predictions))


def draw_erase_undo_redo_clear(qtbot, window, wait_for_step) -> RegressionFitPanel:
    """The whole story while the fit trains; returns the panel."""
    panel = fit_panel(window)
    window.runner.run()
    wait_for_step(window, 5)
    run_id = window.last_snapshot.run_id
    wait_for_room(qtbot, panel)
    assert panel.drawing.toolbar.isVisible() and panel.drawing.class_choice.isHidden()
    n_train, n_test = totals(panel)
    click(qtbot, panel, 0.0, HIGH)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    assert near(panel, 0.0, HIGH) == 1
    assert panel.view.train_targets[-1] == np.float32(panel.view.train_targets[-1])
    drag(qtbot, panel, [(-0.6 + 0.1 * i, HIGH) for i in range(13)])  # a spray along y = 3
    qtbot.waitUntil(lambda: totals(panel)[0] > n_train + 1 + 8, timeout=10_000)
    sprayed = settled(qtbot, lambda: totals(panel)[0])
    # the network goes on (not reset) and its curve rises towards the drawn points
    qtbot.waitUntil(lambda: curve_at(panel, 0.0) > 0.5, timeout=20_000)
    assert window.last_snapshot.run_id == run_id and window.runner.state == RUNNING
    click(qtbot, panel, 0.0, HIGH, SHIFT)  # erase under the pointer
    qtbot.waitUntil(lambda: totals(panel)[0] < sprayed, timeout=10_000)
    assert near(panel, 0.0, HIGH) == 0
    undo_redo_clear_round(qtbot, window, panel, wait_totals=wait_totals,
                          wait_for_step=wait_for_step, n_train=n_train, n_test=n_test,
                          sprayed=sprayed, run_id=run_id, drawing_hint=TARGET_DRAW_HINT)
    return panel


def test_drawing_a_fit_while_training_in_the_worker_process(qtbot, app_settings,
                                                            wait_for_step):
    made = regression_window(qtbot, app_settings)
    try:
        panel = draw_erase_undo_redo_clear(qtbot, made, wait_for_step)
        drawn = totals(panel)
        made.runner.reset()  # a new run in the child keeps the drawing
        qtbot.waitUntil(lambda: made.last_snapshot.step == 0 and totals(panel) == drawn,
                        timeout=10_000)
    finally:
        made.close()


def test_test_points_drawn_while_paused_and_kept_by_a_reset(qtbot, app_settings,
                                                            wait_for_step):
    made = regression_window(qtbot, app_settings)
    try:
        panel = fit_panel(made)
        wait_for_step(made, 0)
        assert made.runner.state == PAUSED
        wait_for_room(qtbot, panel)
        n_train, n_test = totals(panel)
        panel.drawing.test_split.setChecked(True)
        click(qtbot, panel, 0.5, HIGH)
        wait_totals(qtbot, panel, (n_train, n_test + 1))  # the training split untouched
        assert near(panel, 0.5, HIGH, split="test") == 1
        panel.drawing.test_split.setChecked(False)
        panel.drawing.erase_tool.setChecked(True)  # a training eraser leaves test points
        click(qtbot, panel, 0.5, HIGH)
        qtbot.wait(200)
        assert totals(panel) == (n_train, n_test + 1)
        old_run = made.last_snapshot.run_id
        made.reset_action.trigger()
        qtbot.waitUntil(lambda: made.last_snapshot.run_id != old_run
                        and totals(panel) == (n_train, n_test + 1), timeout=10_000)
        assert made.last_snapshot.step == 0
    finally:
        made.close()


def test_a_fit_of_two_inputs_has_no_tool_row(qtbot, app_settings, wait_for_step):
    made = regression_window(qtbot, app_settings, "regression-saddle")
    try:
        panel = fit_panel(made)
        wait_for_step(made, 0)
        qtbot.waitUntil(lambda: panel.view is not None)
        assert not panel.drawing.toolbar.isVisible() and not panel.drawing.ready
        assert not panel.drawing.toggle.isVisible()
        n_train = len(panel.view.train_targets)
        click(qtbot, panel, 0.0, 0.0)
        qtbot.wait(200)
        assert len(panel.view.train_targets) == n_train
    finally:
        made.close()
