"""A live training script (a subprocess with ``nnviz.watch``) attached in the app and steered
from it: a new learning rate reaches its optimiser at the next step, Pause holds its loop,
Step lets N steps through, Run releases it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnviz.app.watch_picker import target_name
from nnviz.app.window import MainWindow

pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parent.parent / "watching" / "live_script.py"
#: a subprocess imports torch first: generous on a loaded machine (a hang guard, not a timing)
START_MS = 90_000
WAIT_MS = 30_000


@pytest.fixture
def watching_window(qtbot, app_settings, runtime_dir):
    window = MainWindow("moons", settings=app_settings)
    qtbot.addWidget(window)
    window.show()
    watch = window.start_watching()
    assert watch.listen_local() is not None
    yield window
    window.close()


@pytest.fixture
def live_script(runtime_dir):
    """Start the script; yields (process, log path); stops it after the test."""
    log = runtime_dir / "log.txt"
    with (runtime_dir / "stderr.txt").open("w") as errors:  # not a pipe nobody reads
        process = subprocess.Popen([sys.executable, str(SCRIPT), str(log)],
                                   env=dict(os.environ), stdout=subprocess.DEVNULL,
                                   stderr=errors)
    yield process, log
    process.terminate()  # its own exit (closing torch) would take seconds
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def logged(log: Path) -> dict[int, float]:
    """The script's log: step -> the learning rate its optimiser used for that step."""
    rows = [line.split() for line in log.read_text().splitlines()]
    return {int(row[0]): float(row[1]) for row in rows if len(row) == 2}


def last_step(log: Path) -> int:
    return max(logged(log), default=0) if log.exists() else 0


def test_a_live_script_is_attached_steered_paused_and_released(qtbot, watching_window,
                                                               live_script):
    window = watching_window
    process, log = live_script
    listener = window.watch.listener
    qtbot.waitUntil(lambda: bool(listener.runs) and next(iter(listener.runs.values())).steps > 5,
                    timeout=START_MS)
    key, run = next(iter(listener.runs.items()))
    entry = window.watch.entries.items[key]
    assert entry.data(0, 256) == target_name(key)  # Qt.UserRole: the picker's target
    assert "live-test" in entry.text(0)

    window.picker._activated(entry)  # as a click on the "Watch" entry does
    viewer = window.watch.viewer
    assert viewer is not None and viewer.shown == key
    assert [panel.kind for panel in viewer.panels] == ["loss", "histograms", "layer_health"]
    qtbot.waitUntil(lambda: viewer.panels[1].histograms is not None, timeout=WAIT_MS)

    editor = viewer.steering.editors[(0, "learning_rate")]
    qtbot.waitUntil(lambda: editor.isEnabled() and editor.text() == "0.05", timeout=WAIT_MS)
    editor.setText("0.0123")
    editor.returnPressed.emit()
    qtbot.waitUntil(lambda: bool(run.marks), timeout=WAIT_MS)
    mark = run.marks[0]
    assert (mark["name"], mark["group"], mark["value"]) == ("learning_rate", 0, 0.0123)
    rates = logged(log)
    assert rates[mark["step"] - 1] == 0.05  # the step the change arrived at had the old rate
    qtbot.waitUntil(lambda: mark["step"] in logged(log), timeout=WAIT_MS)
    assert logged(log)[mark["step"]] == 0.0123  # … and the marked one, the next, the new rate
    qtbot.waitUntil(lambda: bool(viewer.curves.items[key].marks), timeout=WAIT_MS)  # marked

    assert not viewer.steering.run_button.isEnabled()  # running: only Pause and Step
    viewer.steering.pause_button.click()
    qtbot.waitUntil(lambda: run.paused_at is not None, timeout=WAIT_MS)
    held = run.paused_at
    assert last_step(log) == held
    qtbot.wait(500)  # the loop stays where it is while paused
    assert last_step(log) == held and process.poll() is None

    viewer.steering.step_count.setValue(3)
    viewer.steering.step_button.click()
    qtbot.waitUntil(lambda: run.paused_at == held + 3, timeout=WAIT_MS)
    assert last_step(log) == held + 3

    qtbot.waitUntil(viewer.steering.run_button.isEnabled, timeout=WAIT_MS)
    viewer.steering.run_button.click()
    qtbot.waitUntil(lambda: run.paused_at is None and last_step(log) > held + 10,
                    timeout=WAIT_MS)
