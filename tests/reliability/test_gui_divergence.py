"""Divergence in the app: the run stops at the last good step and says what to try.

A linear network on a summed loss overflows within a few steps at learning rate 10. The run
must pause at the last good step with finite metrics, the panels must keep drawing that good
state, a banner must say what happened and what to try, and both ways out must work: a
smaller learning rate + Run continues the same run, Reset starts a fresh one. No
floating-point warning may reach the terminal.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from gui_helpers import training_threads, use_presets, write_tiny_presets
from PySide6.QtCore import QSettings

from nnviz.app.runner import FINISHED, RUNNING
from nnviz.app.window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, settings_dir):
    folder = write_tiny_presets(tmp_path / "presets")
    use_presets(monkeypatch, folder)
    settings = QSettings(str(tmp_path / "nnviz.ini"), QSettings.Format.IniFormat)
    made = MainWindow("tiny-linear", settings=settings)
    qtbot.addWidget(made)
    made.resize(1100, 760)
    made.show()
    yield made
    made.close()
    assert not training_threads()


def finite_views(snapshot) -> bool:
    grid = snapshot.views["decision_grid"]
    return bool(np.all(np.isfinite(grid.probabilities)))


def set_learning_rate(window, value: float) -> None:
    """Through the control, as a person would: the editor emits, the window applies."""
    editor = window.controls.editors["learning_rate"]
    editor.set_value(value)
    editor.edited.emit(value)


def test_overflow_pauses_at_the_last_good_step_and_both_ways_out_work(window, qtbot, capfd):
    runner = window.runner
    seen = []
    runner.frame.connect(lambda snapshots: seen.extend(snapshots))
    window.run_action.trigger()
    qtbot.waitUntil(lambda: runner.last_snapshot is not None and runner.last_snapshot.step > 30,
                    timeout=10_000)
    run_id = runner.run_id

    set_learning_rate(window, 10.0)
    qtbot.waitUntil(lambda: runner.state == FINISHED, timeout=10_000)
    diverged = runner.last_snapshot
    assert diverged.diverged and diverged.run_id == run_id
    # paused at the last good step: the step of the newest good snapshot, metrics finite
    good = [s for s in seen if not s.diverged]
    assert diverged.step == good[-1].step
    assert all(math.isfinite(float(v)) for v in diverged.metrics.values())
    # the panels keep the last good picture: the boundary drawn is the restored model's
    assert finite_views(diverged)
    np.testing.assert_array_equal(diverged.views["decision_grid"].probabilities,
                                  good[-1].views["decision_grid"].probabilities)
    boundary = next(p for p in window.panels() if p.kind == "decision_boundary")
    assert np.all(np.isfinite(boundary.image.image))
    # a clear message: what happened and what to try
    assert window.banner.isVisible() and window.banner.property("level") == "error"
    text = window.banner.text()
    assert "diverged" in text and f"last good step, {diverged.step}" in text
    assert "smaller learning rate" in text and "Reset" in text
    assert window.run_action.text().endswith("Run")
    assert not window.runner.worker.alive  # the run's loop ended in the worker process

    # way out 1: a smaller learning rate, then Run: the same run goes on from the good step
    set_learning_rate(window, 0.0005)
    window.run_action.trigger()
    qtbot.waitUntil(lambda: runner.last_snapshot.step > diverged.step + 50, timeout=10_000)
    assert runner.state == RUNNING and runner.run_id == run_id
    assert not runner.last_snapshot.diverged
    assert not window.banner.isVisible()

    # it can diverge again, and way out 2: Reset starts a fresh run from the seed
    set_learning_rate(window, 10.0)
    qtbot.waitUntil(lambda: runner.state == FINISHED, timeout=10_000)
    assert runner.last_snapshot.diverged
    set_learning_rate(window, 0.0005)
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: runner.last_snapshot.run_id != run_id, timeout=10_000)
    assert runner.last_snapshot.step == 0
    window.run_action.trigger()
    qtbot.waitUntil(lambda: runner.last_snapshot.step > 20, timeout=10_000)
    assert not runner.last_snapshot.diverged and runner.state == RUNNING

    window.close()
    captured = capfd.readouterr()
    terminal = captured.out + captured.err
    assert "Warning" not in terminal and "Traceback" not in terminal, terminal


def test_diverging_from_the_first_steps_keeps_the_initial_picture(window, qtbot, capfd):
    """Learning rate 10 before Run: the very first updates overflow; the step-0 state stays."""
    runner = window.runner
    set_learning_rate(window, 10.0)
    window.step_action.trigger()
    window.run_action.trigger()
    qtbot.waitUntil(lambda: runner.state == FINISHED, timeout=10_000)
    last = runner.last_snapshot
    assert last.diverged and finite_views(last)
    assert all(math.isfinite(float(v)) for v in last.metrics.values())
    assert "diverged" in window.banner.text()
    # Step after a divergence retries from the good state; it diverges again, cleanly
    window.step_action.trigger()
    qtbot.wait(300)
    assert runner.last_snapshot.step <= last.step + 1
    captured = capfd.readouterr()
    assert "Warning" not in captured.err and "Traceback" not in captured.err
