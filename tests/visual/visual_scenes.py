"""Deterministic runs for the picture tests: every scenario (and a few presets) trained a fixed
number of steps without Qt, and panels built at a fixed size and fed them as the window would.

Runs are cached per process: several test files draw the same run at several sizes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from unittest import mock

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from nnviz.app.headless_export import feed
from nnviz.app.panels import all_panels
from nnviz.cli_export import train_for_export
from nnviz.scenarios import race, race_surface
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import all_scenarios

STEPS = 40
#: presets whose pictures went wrong before (crowded log axes, cut legends, deep networks …)
PRESETS = ("race-momentum", "race-step-decay", "race-newton-vs-gd", "lesson-08-blobs",
           "deep-sigmoid-vanishing", "init-all-initialisers", "lesson-01-straight-line",
           "digits-classic-sigmoid", "lesson-backprop-4-check-gradients")


#: values that keep a scenario's pictures the same on every machine: hotdog's default
#: backbone=auto picks Inception v3 where its weights file happens to be, and says so
MACHINE_FREE = {"hotdog": {"backbone": "efficientnet_lite0"},
                # torch's column of the gradient check is there only where torch is
                "backprop": {"check_with_torch": False}}


def available(scenario) -> bool:
    """Runnable here: no missing package or file (torch scenarios run where torch is)."""
    return not scenario.unavailable_reason()


def targets() -> list[str]:
    """Every runnable scenario, then the presets above."""
    names = [name for name, scenario in all_scenarios().items() if available(scenario)]
    return names + [name for name in PRESETS if name in all_presets()]


def scenario_of(name: str):
    scenarios = all_scenarios()
    return scenarios[name] if name in scenarios else scenarios[all_presets()[name].scenario]


class SteadyClock:
    """Stands in for the ``time`` module where a run reads its clock: every reading is one
    millisecond after the last, so the race's times (and its finish table) are the same on
    every run and every machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1e-3
        return self.now

    def sleep(self, seconds: float) -> None:
        """A paced race (``pace``) waits without waiting."""
        self.now += max(0.0, seconds)


@functools.cache
def snapshots(name: str, steps: int = STEPS) -> tuple:
    """``steps`` steps of a scenario's defaults or a preset's values, as ``nnviz export``
    feeds its panels."""
    scenario = scenario_of(name)
    config = (scenario.default_config() if name in all_scenarios()
              else all_presets()[name].config())
    config = config.with_values(MACHINE_FREE.get(name, {}))
    clock = SteadyClock()
    with mock.patch.object(race, "time", clock), mock.patch.object(race_surface, "time", clock):
        session = scenario.create_session(config)
        frames = train_for_export(session, steps)
    return tuple(frames)


@contextlib.contextmanager
def fed_panel(qtbot, kind: str, name: str, size: tuple[int, int]) -> Iterator:
    """A panel of ``kind``, shown offscreen at ``size`` and drawn from ``name``'s run.

    The panel is closed and deleted when the block ends, before the test asserts: a failure's
    (or a skip's) traceback that kept it alive let pyqtgraph paint half-deleted items later.
    """
    panel = all_panels()[kind]()
    try:
        panel.resize(*size)
        panel.show()
        qtbot.waitExposed(panel)
        frames = snapshots(name)
        panel.start_run(frames[-1].run_id)
        feed(panel, frames)
        qtbot.wait(10)
        yield panel
    finally:
        panel.close()
        panel.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def panel_cases(names: list[str]) -> list:
    """(target, panel kind) for every panel each target shows, as pytest params."""
    registry = all_panels()
    return [pytest.param(name, kind, id=f"{name}-{kind}")
            for name in names for kind in scenario_of(name).panels if kind in registry]
