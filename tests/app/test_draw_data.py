"""Drawing the data set on the decision-boundary panel while training runs: click adds, drag
sprays, Shift+click erases, undo, redo, clear, while the worker process trains.
The next snapshots carry the new points, the run (and its network) goes on, a reset keeps them.
"""

from __future__ import annotations

import numpy as np
import pytest
from plot_mouse import click, drag, settled, undo_redo_clear_round
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from nnviz.app.panels.colors import class_color
from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel
from nnviz.app.panels.point_drawing import DRAW_HINT, edit_keys
from nnviz.app.runner import PAUSED
from nnviz.app.window import MainWindow


def boundary_panel(window, draw: bool = True) -> DecisionBoundaryPanel:
    """The window's boundary panel, with its Draw toggle on (as a person would press it)."""
    panel = next(p for p in window.panels() if isinstance(p, DecisionBoundaryPanel))
    if draw and not panel.drawing.toggle.isChecked():
        panel.drawing.toggle.click()
    return panel


def totals(panel) -> tuple[int, int]:
    return panel.grid.point_totals


def wait_totals(qtbot, panel, expected, timeout=10_000):
    qtbot.waitUntil(lambda: panel.grid is not None and totals(panel) == expected,
                    timeout=timeout)


def near(points, x, y, radius=0.05) -> int:
    return int((np.hypot(points[:, 0] - x, points[:, 1] - y) < radius).sum())


def draw_erase_undo_redo_clear(qtbot, window, wait_for_step):
    """The whole story while the run trains; returns the panel."""
    panel = boundary_panel(window)
    window.runner.run()
    wait_for_step(window, 5)
    run_id = window.last_snapshot.run_id
    n_train, n_test = totals(panel)
    panel.drawing.class_choice.setCurrentIndex(1)
    click(qtbot, panel, -1.2, -0.8)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    grid = panel.grid
    assert near(grid.train_points, -1.2, -0.8) >= 1
    assert grid.train_labels[-1] == 1
    drag(qtbot, panel, [(-1.0 + 0.15 * i, 1.2) for i in range(8)])  # a spray along the top
    qtbot.waitUntil(lambda: totals(panel)[0] > n_train + 1 + 6, timeout=10_000)
    sprayed = settled(qtbot, lambda: totals(panel)[0])
    click(qtbot, panel, -1.2, -0.8, Qt.KeyboardModifier.ShiftModifier)  # erase it again
    qtbot.waitUntil(lambda: totals(panel)[0] < sprayed, timeout=10_000)
    assert near(panel.grid.train_points, -1.2, -0.8) == 0
    undo_redo_clear_round(qtbot, window, panel, wait_totals=wait_totals,
                          wait_for_step=wait_for_step, n_train=n_train, n_test=n_test,
                          sprayed=sprayed, run_id=run_id, drawing_hint=DRAW_HINT)
    return panel


def test_drawing_while_training_in_the_worker_process(qtbot, app_settings, wait_for_step):
    made = MainWindow("moons", settings=app_settings)
    qtbot.addWidget(made)
    made.resize(1280, 800)
    made.show()
    try:
        panel = draw_erase_undo_redo_clear(qtbot, made, wait_for_step)
        drawn = totals(panel)
        made.runner.reset()  # a new run in the child keeps the drawing
        qtbot.waitUntil(lambda: made.last_snapshot.step == 0 and totals(panel) == drawn,
                        timeout=10_000)
    finally:
        made.close()


def test_points_drawn_while_paused_show_at_once_and_survive_a_reset(qtbot, window,
                                                                    wait_for_step):
    panel = boundary_panel(window)
    wait_for_step(window, 0)
    assert window.runner.state == PAUSED
    n_train, n_test = totals(panel)
    click(qtbot, panel, 0.0, 1.5)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    assert window.last_snapshot.step == 0  # paused: drawn, not trained
    saved = panel.point_data_set().data  # "Save data set as CSV…" writes the drawn set
    assert len(saved.train_y) == n_train + 1 and near(saved.train_x, 0.0, 1.5) == 1
    old_run = window.last_snapshot.run_id
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != old_run
                    and totals(panel) == (n_train + 1, n_test), timeout=10_000)
    assert near(panel.grid.train_points, 0.0, 1.5) == 1


def test_the_test_split_changes_only_when_chosen(qtbot, window, wait_for_step):
    panel = boundary_panel(window)
    wait_for_step(window, 0)
    n_train, n_test = totals(panel)
    panel.drawing.test_split.setChecked(True)
    click(qtbot, panel, 2.0, 1.4)
    wait_totals(qtbot, panel, (n_train, n_test + 1))
    assert near(panel.grid.test_points, 2.0, 1.4) == 1
    panel.drawing.test_split.setChecked(False)
    panel.drawing.erase_tool.setChecked(True)  # the eraser tool: no key needed
    click(qtbot, panel, 2.0, 1.4)
    qtbot.wait(200)
    assert totals(panel) == (n_train, n_test + 1)  # a training eraser leaves test points


def test_undo_and_redo_keys_reach_the_run(qtbot, window, wait_for_step):
    panel = boundary_panel(window)
    wait_for_step(window, 0)
    n_train, n_test = totals(panel)
    click(qtbot, panel, -1.0, 1.0)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    qtbot.keyClick(panel.plot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_totals(qtbot, panel, (n_train, n_test))
    qtbot.keyClick(panel.plot, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_totals(qtbot, panel, (n_train + 1, n_test))


@pytest.mark.parametrize("classes", [2, 3])
def test_the_class_choice_has_one_entry_per_class_in_its_colour(qtbot, classes):
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    names = ("cat", "dog", "owl")[:classes]
    panel.drawing.set_classes(classes, names)
    choice = panel.drawing.class_choice
    assert [choice.itemText(i) for i in range(choice.count())] == list(names)
    for index in range(classes):
        swatch = choice.itemIcon(index).pixmap(12, 12).toImage().pixelColor(6, 6)
        assert swatch == QColor(*class_color(index))
    assert "Shift" in DRAW_HINT  # the modifier is told in the panel, not in an export


def test_a_comparison_half_has_no_drawing_tools(qtbot):
    assert DecisionBoundaryPanel(drawing=False).drawing is None


def test_no_two_edit_shortcuts_share_a_key(qtbot):
    """Two shortcuts on one key in a window are ambiguous: neither would fire."""
    every = [key.toString() for keys in edit_keys().values() for key in keys]
    assert len(every) == len(set(every)) and "Ctrl+Shift+Z" in every and "Ctrl+Z" in every


def test_a_drawing_survives_a_network_change_but_not_a_data_change(qtbot, window,
                                                                   wait_for_step):
    """A restart for another hidden size keeps the drawn data set; another noise draws
    another data set, on which the drawing's erasures would mean nothing."""
    panel = boundary_panel(window)
    wait_for_step(window, 0)
    n_train, n_test = totals(panel)
    click(qtbot, panel, 0.0, -1.0)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    run = window.last_snapshot.run_id
    assert window.runner.set_value("hidden_sizes", (4,)) == "restart"
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != run
                    and totals(panel) == (n_train + 1, n_test), timeout=10_000)
    run = window.last_snapshot.run_id
    assert window.runner.set_value("noise", 0.3) == "restart"
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != run, timeout=10_000)
    qtbot.wait(200)
    assert totals(panel) == (n_train, n_test)
    assert window.runner.set_value("noise", 0.2) == "restart"  # that data set's drawing back
    qtbot.waitUntil(lambda: totals(panel) == (n_train + 1, n_test), timeout=10_000)


def test_opening_a_scenario_again_starts_from_its_own_data(qtbot, window, wait_for_step):
    """A reset keeps a drawing; choosing a scenario or lesson starts from its data set."""
    panel = boundary_panel(window)
    wait_for_step(window, 0)
    n_train, n_test = totals(panel)
    click(qtbot, panel, 0.5, -1.0)
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    run = window.last_snapshot.run_id
    window.runner.open(window.runner.scenario, window.runner.config)
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != run, timeout=10_000)
    qtbot.wait(200)
    assert totals(panel) == (n_train, n_test)
