"""A preset's own run length (``steps``): the app's Run pauses there exactly, once, and so
does a lesson's comparison run; Run again trains on."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from nnviz.app.runner import PAUSED, RUNNING
from nnviz.app.window import MainWindow
from nnviz.scenarios import presets
from nnviz.session import Mailbox

PRESET = """scenario = "moons"
title = "Short run"
description = "stops by itself"
steps = {steps}

[values]
n_samples = 100
grid_resolution = 20
hidden_sizes = [3]

[lesson]
what = "a comparison"
compare_label = "5 units"

[lesson.compare]
hidden_sizes = [5]
"""


@pytest.fixture
def short_preset(tmp_path, monkeypatch) -> Path:
    """The only preset shipped, for this test: ``short-run``, 150 steps."""
    folder = tmp_path / "presets"
    folder.mkdir()
    path = folder / "short-run.toml"
    path.write_text(PRESET.format(steps=150), encoding="utf-8")
    monkeypatch.setattr(presets, "presets_dir", lambda: folder)
    return path


@pytest.fixture
def window(qtbot, settings_dir, short_preset):
    settings = QSettings(str(settings_dir / "nnviz.ini"), QSettings.Format.IniFormat)
    made = MainWindow("short-run", settings=settings)
    qtbot.addWidget(made)
    made.show()
    yield made
    made.close()


def test_mailbox_holds_once_at_the_planned_step():
    mailbox = Mailbox(hold_at=3)
    assert [mailbox.acquire_step(step=s) for s in range(3)] == [True, True, True]
    assert mailbox.acquire_step(timeout=0.01, step=3) is None  # paused at 3
    assert mailbox.take_held() and not mailbox.take_held()
    mailbox.resume()
    assert mailbox.acquire_step(step=3) is True  # Run again: on past it, no second hold
    assert mailbox.acquire_step(step=4) is True


def test_a_paused_mailbox_stepping_onto_the_hold_does_not_report_it():
    mailbox = Mailbox(paused=True, hold_at=1)
    mailbox.step(1)
    assert mailbox.acquire_step(step=0) is True
    assert mailbox.acquire_step(timeout=0.01, step=1) is None  # Step's budget ran out there
    assert not mailbox.take_held()


def test_run_pauses_exactly_at_the_presets_length_then_trains_on(qtbot, window):
    assert window.target.preset.steps == 150
    assert "pauses at step 150" in window.statusBar().currentMessage()
    window.run_action.trigger()
    qtbot.waitUntil(lambda: window.runner.state == PAUSED, timeout=20_000)
    qtbot.waitUntil(lambda: window.last_snapshot is not None
                    and window.last_snapshot.step == 150, timeout=5_000)
    assert "Paused at step 150" in window.statusBar().currentMessage()
    qtbot.wait(200)
    assert window.runner.describe(timeout=5.0)["step"] == 150  # held there, not overshot
    window.run_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step > 400, timeout=20_000)
    assert window.runner.state == RUNNING
    window.runner.pause()


def test_the_comparison_run_also_ends_at_the_presets_length(qtbot, window):
    window.run_comparison()
    qtbot.waitUntil(lambda: window.current_config.hidden_sizes == (5,), timeout=20_000)
    loss = next(p for p in window.panels() if p.kind == "loss")
    assert loss.pinned[0].curves["loss"].x[-1] == 150  # A stopped at its length, pinned
    qtbot.waitUntil(lambda: window.runner.state == PAUSED, timeout=20_000)
    qtbot.waitUntil(lambda: window.last_snapshot.config.hidden_sizes == (5,)
                    and window.last_snapshot.step == 150, timeout=5_000)
    assert window.runner.describe(timeout=5.0)["step"] == 150


def test_the_comparison_pins_the_boundary_a_ended_with(qtbot, window, monkeypatch):
    # one frame a second per panel: the step-150 frame is surely still held back when A ends
    monkeypatch.setattr(window.panel_area.budget, "rate", lambda panel: 1.0)
    window.run_comparison()
    qtbot.waitUntil(lambda: window.current_config.hidden_sizes == (5,), timeout=20_000)
    boundary = next(p for p in window.panels() if p.kind == "decision_boundary")
    assert boundary.pinned[0].step == 150  # not an older frame the panel still held back


def test_a_comparison_of_a_live_setting_is_still_a_run_of_its_own(qtbot, settings_dir,
                                                                  tmp_path, monkeypatch):
    folder = tmp_path / "presets"
    folder.mkdir()
    text = PRESET.format(steps=120).replace("hidden_sizes = [5]", "learning_rate = 0.01")
    (folder / "live-compare.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(presets, "presets_dir", lambda: folder)
    settings = QSettings(str(settings_dir / "nnviz.ini"), QSettings.Format.IniFormat)
    made = MainWindow("live-compare", settings=settings)
    qtbot.addWidget(made)
    made.show()
    runs: list[int] = []
    made.runner.run_started.connect(runs.append)
    made.run_comparison()
    qtbot.waitUntil(lambda: made.current_config.learning_rate == pytest.approx(0.01),
                    timeout=20_000)
    first_run = next(p for p in made.panels() if p.kind == "loss").pinned[0]
    qtbot.waitUntil(lambda: made.runner.state == PAUSED, timeout=20_000)
    qtbot.waitUntil(lambda: made.last_snapshot.config.learning_rate == pytest.approx(0.01)
                    and made.last_snapshot.step == 120, timeout=5_000)
    assert first_run.curves["loss"].x[-1] == 120
    assert len(runs) == 2 and made.last_snapshot.run_id == runs[1]  # B is a run of its own
    assert made.runner.describe(timeout=5.0)["step"] == 120  # counted from step 0, not on from A's
    made.close()


def test_a_short_planned_run_reports_every_step(qtbot, settings_dir, tmp_path, monkeypatch):
    """Four full-batch epochs are four points on the loss curve, however fast they run."""
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "four-epochs.toml").write_text(PRESET.format(steps=4), encoding="utf-8")
    monkeypatch.setattr(presets, "presets_dir", lambda: folder)
    settings = QSettings(str(settings_dir / "nnviz.ini"), QSettings.Format.IniFormat)
    made = MainWindow("four-epochs", settings=settings)
    qtbot.addWidget(made)
    made.show()
    made.run_action.trigger()
    qtbot.waitUntil(lambda: made.runner.state == PAUSED and made.last_snapshot is not None
                    and made.last_snapshot.step == 4, timeout=20_000)
    loss = next(p for p in made.panels() if p.kind == "loss")
    assert list(loss.curves["train_loss"].x) == [0, 1, 2, 3, 4]
    made.close()
