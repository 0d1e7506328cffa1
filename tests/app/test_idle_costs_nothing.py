"""A paused or idle window costs nothing: no poll timer, no pings, until something comes.

Counted, never timed: the poll timer's ticks and the watchdog's pings are recorded while the
run stands paused, and must stay at none; Run, a Step and a live change must still arrive.
"""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from nnviz.app.runner import FINISHED, PAUSED, RUNNING, RunController
from nnviz.scenarios.registry import get_scenario

#: longer than two watchdog periods (``PING_SECONDS``): a watchdog still pinging would ping
QUIET_MS = 2500


@pytest.fixture
def controller(qtbot):
    made = RunController()
    made.received = []
    made.frame.connect(made.received.extend)
    yield made
    made.shutdown()


def count_ticks(controller: RunController) -> list[int]:
    """A list that grows by one at every tick of the controller's poll timer."""
    ticks: list[int] = []
    controller._timer.timeout.connect(lambda: ticks.append(1))
    return ticks


def count_pings(controller: RunController) -> list[dict]:
    """A list of the pings the worker process's watchdog sends from now on."""
    pings: list[dict] = []
    process = controller.process
    assert process is not None
    send = process.send

    def counting(message):
        if message.get("type") == "ping":
            pings.append(message)
        return send(message)

    process.send = counting
    return pings


def open_moons(controller: RunController, *, running: bool) -> None:
    scenario = get_scenario("moons")
    controller.open(scenario, scenario.default_config(), running=running)


def settle(qtbot, controller: RunController) -> None:
    """Wait until the paused run has sent all it will (a snapshot at the step where the
    session stands, asked of the worker) and the controller has gone to sleep. Twice: a
    pause that lands just after a snapshot at that step still sends the pause's own."""

    def settled() -> bool:
        taken = controller.checkpoint(timeout=2.0)
        return (taken is not None and taken[1] == controller.last_snapshot.step
                and not controller._timer.isActive())

    qtbot.waitUntil(settled, timeout=10_000)
    qtbot.wait(500)
    qtbot.waitUntil(settled, timeout=10_000)


def traced_steps(controller: RunController) -> list[int]:
    return [int(step) for snapshot in controller.received if snapshot.trace
            for step in snapshot.trace["step"]]


def test_a_paused_run_stops_the_poll_timer_and_the_pings_and_run_restarts_them(
        qtbot, controller):
    open_moons(controller, running=True)
    qtbot.waitUntil(lambda: controller.last_snapshot is not None
                    and controller.last_snapshot.step > 50, timeout=20_000)
    controller.pause()
    settle(qtbot, controller)
    paused_at = controller.last_snapshot.step
    ticks, pings = count_ticks(controller), count_pings(controller)
    qtbot.wait(QUIET_MS)
    assert ticks == [] and pings == []
    assert not controller._timer.isActive() and controller.state == PAUSED
    assert controller.last_snapshot.step == paused_at

    controller.run()
    assert controller._timer.isActive() and controller.state == RUNNING
    qtbot.waitUntil(lambda: controller.last_snapshot.step > paused_at + 50, timeout=10_000)
    qtbot.waitUntil(lambda: len(pings) > 0, timeout=5000)  # watched again while it runs
    assert len(ticks) > 0


def test_steps_taken_while_the_timer_sleeps_all_arrive(qtbot, controller):
    open_moons(controller, running=False)
    qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=20_000)
    qtbot.waitUntil(lambda: not controller._timer.isActive(), timeout=5000)
    assert controller.last_snapshot.step == 0
    controller.step(7)
    qtbot.waitUntil(lambda: controller.last_snapshot.step == 7, timeout=10_000)
    assert traced_steps(controller) == list(range(1, 8))
    qtbot.waitUntil(lambda: not controller._timer.isActive(), timeout=5000)

    controller.step(3)
    controller.step(2)
    qtbot.waitUntil(lambda: controller.last_snapshot.step == 12, timeout=10_000)
    assert traced_steps(controller) == list(range(1, 13))
    qtbot.waitUntil(lambda: not controller._timer.isActive(), timeout=5000)
    qtbot.waitUntil(lambda: not controller.process.expecting(), timeout=5000)


def test_a_live_change_while_paused_still_reaches_the_window(qtbot, controller):
    open_moons(controller, running=False)
    qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=20_000)
    qtbot.waitUntil(lambda: not controller._timer.isActive(), timeout=5000)
    assert controller.set_value("learning_rate", 0.0123) == "live"
    qtbot.waitUntil(lambda: controller.last_snapshot.config.learning_rate
                    == pytest.approx(0.0123), timeout=10_000)
    assert controller.last_snapshot.step == 0
    np.testing.assert_array_equal(traced_steps(controller), [])


def test_a_paused_child_asked_nothing_is_left_alone_and_a_step_it_ignores_ends_it(qtbot):
    """SIGSTOP stands for a child stuck in a native call: unwatched while nothing is asked of
    it (longer than the hang time), killed within the hang time of the Step sent to it."""
    controller = RunController()
    messages: list[tuple[str, str]] = []
    controller.message.connect(lambda level, text: messages.append((level, text)))
    controller.hang_seconds = 1.0
    try:
        open_moons(controller, running=False)
        qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=20_000)
        qtbot.waitUntil(lambda: (controller.checkpoint(timeout=2.0) or (0, -1))[1]
                        == controller.last_snapshot.step, timeout=10_000)  # built, answered
        child = controller.process
        os.kill(child.pid, signal.SIGSTOP)
        qtbot.wait(QUIET_MS)  # more than the hang time, with nothing asked
        assert child.alive and controller.state == PAUSED
        controller.step(5)
        qtbot.waitUntil(lambda: controller.state == FINISHED, timeout=10_000)
        assert not child.alive and child.process.returncode == -signal.SIGKILL
        assert any("stopped answering for 1 s" in text for level, text in messages
                   if level == "error")
    finally:
        controller.shutdown()
