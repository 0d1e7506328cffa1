"""Bad input in the app: a message in the window, and everything before it kept.

Entering a folder that does not exist, an IDX file with a wrong magic number, text that is
not a list of integers or a value out of bounds must leave the running session running (same
run, steps still rising), the config as it was, and every control showing its last good
value, with a message that says what was wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from gui_helpers import training_threads, use_presets, write_tiny_presets
from PySide6.QtCore import QSettings

from nnviz.app.runner import RUNNING
from nnviz.app.window import MainWindow
from nnviz.data.idx import write_idx
from nnviz.data.mnist import MNIST_FILES


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, settings_dir):
    use_presets(monkeypatch, write_tiny_presets(tmp_path / "presets"))
    settings = QSettings(str(tmp_path / "nnviz.ini"), QSettings.Format.IniFormat)
    made = MainWindow("tiny-digits", settings=settings)
    qtbot.addWidget(made)
    made.resize(1100, 760)
    made.show()
    made.run_action.trigger()
    qtbot.waitUntil(lambda: made.runner.last_snapshot is not None
                    and made.runner.last_snapshot.step > 5, timeout=10_000)
    yield made
    made.close()
    assert not training_threads()


def type_text(window, name: str, text: str) -> None:
    editor = window.controls.editors[name]
    editor.line.setText(text)
    editor.line.editingFinished.emit()


def choose(window, name: str, value) -> None:
    """Pick a value in a combo box, as a click would."""
    combo = window.controls.editors[name].combo
    index = combo.findText(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def assert_still_running(window, qtbot, run_id: int) -> None:
    step = window.runner.last_snapshot.step
    qtbot.waitUntil(lambda: window.runner.last_snapshot.step > step + 5, timeout=10_000)
    assert window.runner.state == RUNNING
    assert window.runner.run_id == run_id


def bad_mnist_folder(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    images = np.zeros((10, 28, 28), np.uint8)
    labels = np.arange(10, dtype=np.uint8)
    write_idx(folder / MNIST_FILES["train_images"], images)
    write_idx(folder / MNIST_FILES["train_labels"], labels)
    write_idx(folder / MNIST_FILES["test_images"], images)
    (folder / MNIST_FILES["test_labels"]).write_bytes(b"\x12\x34\x08\x01" + bytes(14))
    return folder


def test_a_source_whose_files_are_missing_or_broken_keeps_the_running_session(
        window, qtbot, tmp_path):
    runner = window.runner
    run_id = runner.run_id
    before = runner.config

    # the IDX source with no folder chosen: refused after the build fails, run kept
    choose(window, "source", "mnist_idx")
    qtbot.waitUntil(lambda: "Kept the previous run" in window.banner.text(), timeout=10_000)
    assert "no MNIST folder chosen" in window.banner.text()
    assert window.banner.isVisible() and window.banner.property("level") == "error"
    assert runner.config == before
    assert window.controls.editors["source"].value() == "sklearn_8x8"
    assert_still_running(window, qtbot, run_id)

    # a folder whose test labels have a wrong magic number
    folder = bad_mnist_folder(tmp_path)
    type_text(window, "mnist_folder", str(folder))  # accepted: the 8×8 source ignores it
    qtbot.waitUntil(lambda: runner.run_id != run_id, timeout=10_000)
    run_id = runner.run_id
    configured = runner.config
    assert configured.mnist_folder == str(folder)
    choose(window, "source", "mnist_idx")
    qtbot.waitUntil(lambda: "bad magic number 0x12340801" in window.banner.text(),
                    timeout=10_000)
    assert "t10k-labels-idx1-ubyte" in window.banner.text()
    assert runner.config == configured
    assert window.controls.editors["source"].value() == "sklearn_8x8"
    assert window.controls.editors["mnist_folder"].value() == str(folder)
    assert_still_running(window, qtbot, run_id)


def test_a_failed_change_while_paused_stays_paused_and_the_panels_keep_their_picture(
        window, qtbot):
    runner = window.runner
    window.run_action.trigger()  # pause
    qtbot.waitUntil(lambda: runner.state == "paused", timeout=5000)
    qtbot.wait(100)
    shown = runner.last_snapshot
    choose(window, "source", "mnist_idx")
    qtbot.waitUntil(lambda: "Kept the previous run" in window.banner.text(), timeout=10_000)
    assert runner.state == "paused"
    qtbot.wait(200)
    assert runner.last_snapshot.run_id == shown.run_id
    assert runner.last_snapshot.step == shown.step
    window.step_action.trigger()  # and the kept run still answers the buttons
    qtbot.waitUntil(lambda: runner.last_snapshot.step == shown.step + 1, timeout=10_000)


def test_text_that_does_not_parse_is_shown_under_the_control_and_not_applied(window, qtbot):
    runner = window.runner
    run_id = runner.run_id
    editor = window.controls.editors["hidden_sizes"]
    for text, fragment in [("a,b", "'a' is not an integer"), ("0", "below the minimum"),
                           ("9999", "above the maximum"), ("4;4", "is not an integer")]:
        type_text(window, "hidden_sizes", text)
        assert fragment in editor.error_text()
        assert editor.value() == (16,)
        assert runner.config.hidden_sizes == (16,)
    assert_still_running(window, qtbot, run_id)
    type_text(window, "hidden_sizes", "12")  # a good value after bad ones is applied
    qtbot.waitUntil(lambda: runner.run_id != run_id, timeout=10_000)
    assert runner.config.hidden_sizes == (12,) and not editor.error_text()


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 1e9, "fast"])
def test_a_value_a_control_cannot_hold_is_refused_with_a_message(window, qtbot, value):
    runner = window.runner
    run_id = runner.run_id
    editor = window.controls.editors["learning_rate"]
    editor.edited.emit(value)  # as if a widget let it through
    assert "learning_rate=" in window.banner.text() and window.banner.isVisible()
    assert runner.config.learning_rate == 0.05
    assert editor.value() == pytest.approx(0.05)
    assert_still_running(window, qtbot, run_id)


def test_opening_something_unknown_keeps_the_open_scenario(window, qtbot, tmp_path):
    runner = window.runner
    run_id = runner.run_id
    window.picker.chosen.emit("no-such-preset")
    assert "Could not open 'no-such-preset'" in window.banner.text()
    assert window.target.name == "tiny-digits"
    assert_still_running(window, qtbot, run_id)
