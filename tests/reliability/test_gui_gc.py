"""Garbage cycles are collected on the GUI thread while training threads run.

A training worker allocates constantly, so with CPython's automatic collection it is often the
thread that collects cycles; cycles holding Qt objects (closed panels' plot items and menus)
then have their C++ destructors run on the worker, which deadlocked the stress test. While a
run controller has workers, collection must happen on the GUI thread only.
"""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from nnviz.app import gui_gc
from nnviz.app.runner import RunController
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.registry import get_scenario


class Probe:
    """A reference cycle that records which thread collected it."""

    collected_in: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        Probe.collected_in.append(threading.current_thread().name)


def test_cycles_are_collected_on_the_gui_thread_while_training(qtbot):
    assert gc.isenabled()
    runner = RunController()
    runner.open(get_scenario("moons"), MoonsConfig(n_samples=2000, grid_resolution=20,
                                                   hidden_sizes=(32, 32), batch_size=16),
                running=True)
    assert not gc.isenabled() and gui_gc.holders() >= 1
    qtbot.waitUntil(lambda: runner.last_snapshot is not None, timeout=10_000)
    Probe.collected_in = []
    for _ in range(3):  # cycles made in batches while the worker allocates
        for _ in range(300):
            Probe()
        qtbot.wait(300)
    qtbot.waitUntil(lambda: len(Probe.collected_in) == 900, timeout=10_000)
    assert set(Probe.collected_in) == {threading.main_thread().name}
    assert runner.shutdown(timeout=2.0)
    assert gc.isenabled() and gui_gc.holders() == 0


def test_release_without_hold_and_nested_holds():
    gui_gc.release()  # harmless
    assert gc.isenabled()
    gui_gc.hold()
    gui_gc.hold()
    gui_gc.release()
    assert not gc.isenabled()
    gui_gc.release()
    assert gc.isenabled() and gui_gc.holders() == 0
