"""Training in the worker process: runs with exact step counts, and faults that never take the
window down (a killed, broken or hung child, closing mid-run, many quick switches)."""

from __future__ import annotations

import dataclasses
import os
import signal

import numpy as np
import pytest

import nnviz
from nnviz.app.outbox import WorkerEvent
from nnviz.app.process_worker import WorkerProcess, child_environment
from nnviz.app.runner import FINISHED, PAUSED, RUNNING, RunController
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Snapshot
from nnviz.worker.child import FAULT_VARIABLE


def children_of_this_process() -> dict[int, str]:
    """pid -> state letter of every process whose parent is this one (zombies included)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found[int(name)] = fields[0]
    return found


def assert_reaped(pid: int) -> None:
    """The child is gone and no zombie is left: not in the process table, not waitable."""
    assert pid not in children_of_this_process()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def resident_mib(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture
def controller(qtbot):
    made = RunController()
    messages: list[tuple[str, str]] = []
    made.message.connect(lambda level, text: messages.append((level, text)))
    made.messages = messages
    yield made
    made.shutdown()


def test_snapshots_come_from_a_child_process_with_every_step_traced(qtbot, window,
                                                                   wait_for_step):
    window = window
    received: list[Snapshot] = []
    window.runner.frame.connect(received.extend)
    window.runner.run()
    wait_for_step(window, 200)
    child = window.runner.process
    assert child is not None and child.pid != os.getpid()
    assert not hasattr(window.runner, "session")  # the model lives in the child
    traced = [s for s in received if s.trace]
    steps = np.concatenate([s.trace["step"] for s in traced])
    np.testing.assert_array_equal(steps, np.arange(1, len(steps) + 1))  # no step lost
    assert {s.run_id for s in received} == {window.runner.run_id}
    assert "decision_grid" in {kind for s in received for kind in s.views}
    # one config object while the values stay (panels tell a change by identity)
    assert len({id(s.config) for s in received}) == 1


def test_live_learning_rate_reaches_the_session_in_the_child(qtbot, window,
                                                             wait_for_step):
    window = window
    received: list[Snapshot] = []
    window.runner.frame.connect(received.extend)
    window.runner.run()
    first = wait_for_step(window, 50)
    window.controls.editors["learning_rate"].spin.setValue(0.01)
    qtbot.waitUntil(lambda: window.last_snapshot.config.learning_rate == pytest.approx(0.01),
                    timeout=5000)
    assert window.last_snapshot.run_id == first.run_id  # the same run goes on
    steps = np.concatenate([s.trace["step"] for s in received if s.trace])
    np.testing.assert_array_equal(steps, np.arange(1, len(steps) + 1))


def test_pause_and_single_steps_give_exact_step_counts(qtbot, window, wait_for_step):
    window = window
    window.runner.set_value("batch_size", 32)  # live: the child says the new epoch length
    window.runner.run()
    wait_for_step(window, 20)
    window.run_action.trigger()  # Space: pause
    assert window.runner.state == PAUSED

    def child_step() -> int | None:
        taken = window.runner.checkpoint(timeout=2.0)
        return None if taken is None else taken[1]

    qtbot.waitUntil(lambda: child_step() == window.last_snapshot.step, timeout=5000)
    paused_at = window.last_snapshot.step
    qtbot.wait(150)
    assert child_step() == paused_at == window.last_snapshot.step
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 1, timeout=5000)
    window.step_action.trigger()
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 3, timeout=5000)
    qtbot.wait(100)
    assert child_step() == paused_at + 3
    per_epoch = window.runner.steps_per_epoch
    here = get_scenario("moons").create_session(window.runner.config)
    assert per_epoch == here.steps_per_epoch > 1
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.step == paused_at + 3 + per_epoch,
                    timeout=5000)
    qtbot.wait(100)
    assert child_step() == paused_at + 3 + per_epoch


def test_reset_starts_again_from_the_seed_in_the_same_process(qtbot, window,
                                                              wait_for_step):
    window = window
    wait_for_step(window, 0)
    initial = window.last_snapshot.views["network"].weights
    pid = window.runner.process.pid
    window.runner.run()
    trained = wait_for_step(window, 100)
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != trained.run_id, timeout=5000)
    again = window.last_snapshot
    assert again.step == 0
    assert window.runner.state == PAUSED
    assert window.runner.process.pid == pid  # reused, not started again
    for before, after in zip(initial, again.views["network"].weights, strict=True):
        np.testing.assert_array_equal(before, after)


def test_a_paused_run_gives_its_checkpoint_for_a_saved_run(qtbot, window,
                                                           wait_for_step):
    window = window
    window.runner.step(30)
    qtbot.waitUntil(lambda: window.last_snapshot is not None
                    and window.last_snapshot.step == 30, timeout=10_000)
    state = window._idle_checkpoint()
    assert state is not None
    window.runner.run()
    assert window._idle_checkpoint() is None  # never while steps may be running


def test_a_diverged_run_goes_on_in_the_same_session(qtbot, window):
    window = window
    for name, value in (("optimizer", "sgd"), ("learning_rate", 10.0), ("init", "he"),
                        ("hidden_sizes", (64, 64)), ("activation", "relu"),
                        ("loss_reduction", "sum")):
        window.runner.set_value(name, value)
    window.runner.run()
    qtbot.waitUntil(lambda: window.runner.state == FINISHED, timeout=10_000)
    assert "diverged" in window.banner.text()
    diverged = window.last_snapshot
    window.runner.set_value("learning_rate", 0.001)
    window.runner.set_value("loss_reduction", "mean")
    window.runner.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step > diverged.step + 20, timeout=5000)
    assert window.last_snapshot.run_id == diverged.run_id


def test_a_killed_worker_is_reported_and_run_starts_a_fresh_one(qtbot, window,
                                                                wait_for_step):
    window = window
    window.runner.run()
    shown = wait_for_step(window, 50)
    child = window.runner.process
    os.kill(child.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.runner.state == FINISHED, timeout=10_000)
    text = window.banner.text()
    assert "training process ended unexpectedly" in text
    assert "killed by signal 9 (SIGKILL)" in text
    assert window.banner.isVisible()
    assert window.last_snapshot.run_id == shown.run_id  # the run stays on screen
    assert window.last_snapshot.step >= shown.step
    assert_reaped(child.pid)
    window.runner.run()
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != shown.run_id
                    and window.last_snapshot.step > 10, timeout=10_000)
    assert window.runner.process.pid != child.pid
    assert window.runner.state == RUNNING


def test_a_worker_that_fails_to_start_is_reported_not_waited_for(qtbot, monkeypatch,
                                                                 controller):
    monkeypatch.setenv(FAULT_VARIABLE, "import-error")
    scenario = get_scenario("moons")
    controller.open(scenario, scenario.default_config(), running=True)
    qtbot.waitUntil(lambda: controller.state == FINISHED, timeout=10_000)
    (text,) = [text for level, text in controller.messages if level == "error"]
    assert "ended unexpectedly (exit code 1" in text
    assert "import-error" in text  # the child's own last words
    assert_reaped(controller.process.pid)
    monkeypatch.delenv(FAULT_VARIABLE)
    controller.reset()  # Reset starts a working process
    qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=10_000)


def test_a_hung_worker_is_killed_after_the_stated_time(qtbot, monkeypatch, controller):
    monkeypatch.setenv(FAULT_VARIABLE, "hang")
    controller.hang_seconds = 1.0
    scenario = get_scenario("moons")
    controller.open(scenario, scenario.default_config(), running=True)
    qtbot.waitUntil(lambda: controller.state == FINISHED, timeout=10_000)
    (text,) = [text for level, text in controller.messages if level == "error"]
    assert "stopped answering for 1 s and was ended" in text
    assert controller.process.process.returncode == -signal.SIGKILL
    assert_reaped(controller.process.pid)


def test_closing_mid_run_leaves_no_child_process(qtbot, window, wait_for_step):
    window = window
    window.runner.run()
    wait_for_step(window, 50)
    child = window.runner.process
    assert children_of_this_process().get(child.pid) not in (None, "Z")
    window.close()  # the runner's shutdown gives the child at most 1 s in all
    assert child.process.returncode is not None
    assert window.runner.process is None
    assert_reaped(child.pid)


def test_many_quick_switches_reuse_one_process_with_bounded_memory(qtbot, controller):
    names = ["moons", "init", "backprop", "race"]
    scenarios = [get_scenario(name) for name in names]

    def switch(count: int) -> None:
        for index in range(count):
            scenario = scenarios[index % len(scenarios)]
            controller.open(scenario, scenario.default_config(), running=True)
            if index % 10 == 0:
                qtbot.wait(1)  # the GUI drains outboxes between a burst of clicks

    for scenario in scenarios:  # each imports what it needs once (backprop: torch, if here)
        controller.open(scenario, scenario.default_config(), running=True)
        qtbot.waitUntil(lambda name=scenario.name: controller.last_snapshot is not None
                        and controller.last_snapshot.scenario == name, timeout=20_000)
    switch(100)  # allocators settle: what grows after this would be a leak
    pid = controller.process.pid
    gui_before, child_before = resident_mib(), resident_mib(pid)
    switch(200)
    last = controller.run_id
    qtbot.waitUntil(lambda: controller.run_id != last and controller.last_snapshot.step > 0,
                    timeout=20_000)
    qtbot.waitUntil(lambda: not controller._retired, timeout=10_000)
    assert controller.process.pid == pid
    assert [child for child in children_of_this_process()] == [pid]
    assert resident_mib() - gui_before < 60
    assert resident_mib(pid) - child_before < 60


def test_a_run_held_at_a_presets_length_pauses_there(qtbot, controller):
    controller.hold_at = 30
    scenario = get_scenario("moons")
    controller.open(scenario, scenario.default_config(), running=True)
    qtbot.waitUntil(lambda: controller.state == PAUSED, timeout=10_000)
    assert ("info", "Paused at step 30, where this preset's run ends; Run trains on from "
                    "here") in controller.messages
    qtbot.waitUntil(lambda: controller.last_snapshot.step == 30, timeout=5000)
    qtbot.wait(150)
    assert controller.checkpoint()[1] == 30  # the child holds there too
    controller.run()
    qtbot.waitUntil(lambda: controller.last_snapshot.step > 60, timeout=5000)


def test_describe_tells_what_the_session_in_the_child_uses(qtbot, controller):
    """A live value reaches the session and its optimiser in the child; the step is the one
    the last snapshot showed once the run stands paused; none before a session exists."""
    scenario = get_scenario("moons")
    controller.open(scenario, scenario.default_config().with_values({"hidden_sizes": (6, 3)}),
                    running=True)
    qtbot.waitUntil(lambda: controller.last_snapshot is not None
                    and controller.last_snapshot.step > 20, timeout=10_000)
    assert controller.set_value("learning_rate", 0.0234) == "live"
    qtbot.waitUntil(lambda: controller.last_snapshot.config.learning_rate
                    == pytest.approx(0.0234), timeout=5000)
    controller.pause()
    # the step in flight still finishes and sends its snapshot; then both sides agree
    qtbot.waitUntil(lambda: controller.describe(timeout=5.0)["step"]
                    == controller.last_snapshot.step, timeout=5000)
    qtbot.wait(150)
    described = controller.describe(timeout=5.0)
    assert described["step"] == controller.last_snapshot.step  # and nothing moves after
    assert described["config"]["learning_rate"] == pytest.approx(0.0234)
    assert described["optimizer_learning_rate"] == pytest.approx(0.0234)
    assert described["sizes"] == [2, 6, 3, 2]
    assert described["steps_per_epoch"] == controller.steps_per_epoch
    controller.shutdown()
    assert controller.describe() is None


def test_the_child_runs_the_code_this_process_imported():
    paths = child_environment({"PYTHONPATH": "/elsewhere"})["PYTHONPATH"].split(os.pathsep)
    assert paths[0] == os.path.dirname(os.path.dirname(os.path.abspath(nnviz.__file__)))
    assert paths[1:] == ["/elsewhere"]


def test_a_process_is_closed_even_when_it_does_not_answer(monkeypatch):
    monkeypatch.setenv(FAULT_VARIABLE, "hang")
    child = WorkerProcess()
    assert child.close(timeout=0.2)  # asked, not obeyed: killed and reaped
    assert child.process.returncode == -signal.SIGKILL
    assert_reaped(child.pid)


def test_a_config_the_wire_cannot_carry_ends_its_run_with_the_reason():
    @dataclasses.dataclass(frozen=True)
    class UnlistedConfig(MoonsConfig):
        """A config kind that nnviz.io.record_kinds does not list."""

    child = WorkerProcess()
    try:
        run = child.open_run("moons", UnlistedConfig(), paused=True)
        assert run.join(10.0)
        (event,) = run.outbox.take_all()
        assert isinstance(event, WorkerEvent) and event.kind == "error"
        assert "Could not send the run to the training process" in event.message
        assert "UnlistedConfig" in event.message
        assert child.alive  # the process goes on serving other runs
    finally:
        assert child.close()
