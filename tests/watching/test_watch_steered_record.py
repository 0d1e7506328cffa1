"""Steering changes reach the run file: the config of the first step that uses a change says
so, the recorded run lists it among its live changes at that step, and the config in force at
any step has the settings steered by then."""

from __future__ import annotations

import math

import pytest

from nnviz.core.watch_readings import ParamGroupSettings
from nnviz.io.runs import config_at, load_run
from nnviz.watching.probe import ScalarsOnly
from nnviz.watching.records import WatchConfig, setting_key, split_setting_key
from nnviz.watching.sinks import RunFileSink
from nnviz.watching.steering import Steering
from nnviz.watching.watcher import Watcher


class SteeredProbe(ScalarsOnly):
    """Two SGD groups (the second without momentum) whose settings the app may change."""

    def __init__(self) -> None:
        self.groups = [ParamGroupSettings(0, 10, 0.1, 0.9, 0.0),
                       ParamGroupSettings(1, 2, 0.01, math.nan, 0.0)]

    def group_settings(self) -> tuple[ParamGroupSettings, ...]:
        return tuple(self.groups)

    def apply_setting(self, group: int, name: str, value: float) -> bool:
        from dataclasses import replace

        if group >= len(self.groups):
            return False
        self.groups[group] = replace(self.groups[group], **{name: value})
        return True


class CommandsAt:
    """A link whose app sends ``commands[step]`` when the loop asks at that step."""

    def __init__(self, commands: dict[int, list[dict]]) -> None:
        self.commands, self.steered, self.sent = commands, [], []
        self.connected, self.asked = True, 0

    def exchange(self) -> list[dict]:
        self.asked += 1
        return self.commands.get(self.asked, [])

    def take(self, snapshot) -> None:
        self.steered.clear()

    def send(self, message: dict) -> None:
        self.sent.append(message)

    def close(self) -> None:
        pass


def ticking(seconds: float = 1.0):
    now = [0.0]

    def clock() -> float:
        now[0] += seconds
        return now[0]
    return clock


def recorded_run(tmp_path, commands: dict[int, list[dict]], steps: int = 40):
    probe = SteeredProbe()
    link = CommandsAt(commands)
    steering = Steering(link, probe.apply_setting)
    config = WatchConfig(name="steered", snapshot_every=10, snapshots_per_second=1000.0,
                         param_groups=probe.group_settings())
    path = tmp_path / "steered.nnviz"
    watcher = Watcher(probe, config, [RunFileSink(path), link], clock=ticking(),
                      steering=steering)
    for step in range(1, steps + 1):
        watcher.step(loss=1.0 / step)
    watcher.close()
    return load_run(path), watcher


def test_a_steering_change_is_a_live_change_of_the_recorded_run(tmp_path):
    record, _ = recorded_run(tmp_path, {
        13: [{"type": "set", "group": 0, "name": "learning_rate", "value": 0.003}],
        27: [{"type": "set", "group": 1, "name": "weight_decay", "value": 0.01},
             {"type": "set", "group": 0, "name": "momentum", "value": 0.5}]})
    # applied during step 13 and 27: marked at 14 and 28, the first steps that use them
    assert record.config_changes == [
        (14, {"learning_rate": 0.003}),
        (28, {"weight_decay_group1": 0.01, "momentum": 0.5})]
    assert record.config.param_groups[0].learning_rate == 0.1  # as it started
    assert config_at(record, 13).param_groups[0].learning_rate == 0.1
    assert config_at(record, 14).param_groups[0].learning_rate == 0.003
    late = config_at(record, 40).param_groups
    assert (late[0].momentum, late[1].weight_decay) == (0.5, 0.01)
    steps, rates = record.trace_arrays()["learning_rate"]
    assert rates[list(steps).index(13)] == 0.1 and rates[list(steps).index(14)] == 0.003


def test_a_change_is_recorded_at_once_even_between_sampled_steps(tmp_path):
    """Rows are due every 10 steps; the change at step 3 still gets its own at step 4."""
    record, _ = recorded_run(
        tmp_path, {3: [{"type": "set", "group": 0, "name": "learning_rate", "value": 0.2}]},
        steps=6)
    assert record.config_changes == [(4, {"learning_rate": 0.2})]
    assert 4 in record.history_arrays()["step"]


def test_without_steering_there_are_no_live_changes(tmp_path):
    """NaN settings (a group without momentum) are equal to themselves here."""
    record, _ = recorded_run(tmp_path, {}, steps=25)
    assert record.config_changes == []


@pytest.mark.parametrize(("key", "parts"), [
    ("learning_rate", (0, "learning_rate")), ("momentum_group3", (3, "momentum")),
    ("weight_decay_group12", (12, "weight_decay")), ("learning_rate_groupx", None),
    ("hidden_units", None), ("snapshot_every", None)])
def test_setting_keys_are_the_per_step_series_names(key, parts):
    assert split_setting_key(key) == parts
    if parts is not None:
        assert setting_key(*parts) == key


def test_differences_name_steered_settings_and_ignore_nan_equal_ones():
    start = WatchConfig(param_groups=(ParamGroupSettings(0, 1, 0.1, math.nan, 0.0),))
    same = WatchConfig(param_groups=(ParamGroupSettings(0, 1, 0.1, float("nan"), 0.0),))
    assert start.differences(same) == {}
    steered = start.with_values({"learning_rate": 0.5, "snapshot_every": 3})
    assert start.differences(steered) == {"learning_rate": (0.1, 0.5),
                                          "snapshot_every": (10, 3)}
    with pytest.raises(ValueError):
        start.with_values({"no_such_setting": 1})
