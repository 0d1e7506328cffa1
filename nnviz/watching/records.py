"""The config of a run recorded by :func:`nnviz.watch`, and the scenario name it is filed under.

A run recorded by :func:`nnviz.watch` is saved in the format of "Save run…"
(:mod:`nnviz.io.runs`), whose header needs a config: :class:`WatchConfig` says what was
watched (the run's name, a one-line model summary, each parameter group's settings as they
were at the start) and at which rates, so a file says how sparse its histograms are by design.
The learning rate as it moved (a scheduler) is in the per-step curves, not here: a config that
changed every step would fill the run's list of live changes. A change made from the app
(steering) is rare and is one: :meth:`WatchConfig.with_values` and
:meth:`WatchConfig.differences` take the per-step series' names for it (``learning_rate``,
``momentum_group1`` …, :func:`setting_key`), so the run file's live changes say what was
steered and at which step, and a recorded run is marked where it was.

It is registered by name in :data:`nnviz.io.record_kinds.KIND_HOMES`, with the records it
and the snapshots hold (:mod:`nnviz.core.watch_readings`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from nnviz.core.watch_readings import ParamGroupSettings
from nnviz.scenarios.params import Config, param

#: the scenario name a watched run is filed under (it has no session the app could build)
WATCH_SCENARIO = "watch"
#: the optimiser settings the app may change, by the names the curves use
STEERABLE_SETTINGS = ("learning_rate", "momentum", "weight_decay")


def setting_key(group: int, name: str) -> str:
    """A steered setting's name as the per-step series spell it: ``learning_rate`` for
    group 0, ``learning_rate_group2`` for group 2."""
    return name if group == 0 else f"{name}_group{group}"


def split_setting_key(key: str) -> tuple[int, str] | None:
    """``(group, setting)`` of a :func:`setting_key`; None for any other name."""
    for name in STEERABLE_SETTINGS:
        if key == name:
            return 0, name
        number = key.removeprefix(f"{name}_group")
        if number != key and number.isdigit():
            return int(number), name
    return None


@dataclass(frozen=True)
class WatchConfig(Config):
    """A watched run's settings; see the module docstring. Every rate is "every N steps, and
    at most K times a second", so a fast loop is sampled by time and a slow one by steps."""

    #: the panels a recorded watched run is drawn with (no scenario of this name is
    #: registered: the app cannot train it, only show it)
    recorded_panels: ClassVar[tuple[str, ...]] = ("loss", "histograms", "layer_health")

    name: str = param("watched run", kind="str", help="the run's name")
    model_summary: str = param("", kind="str", help="the watched model, in one line")
    snapshot_every: int = param(10, minimum=1, maximum=1_000_000, group="rates",
                                help="a row of metrics at most every N steps")
    snapshots_per_second: float = param(10.0, minimum=0.001, maximum=1000.0, group="rates",
                                        help="and at most this many rows a second")
    histogram_every: int = param(50, minimum=1, maximum=1_000_000, group="rates",
                                 help="weight, gradient and activation histograms at most "
                                      "every N steps")
    histograms_per_second: float = param(1.0, minimum=0.001, maximum=1000.0, group="rates",
                                         help="and at most this many a second")
    sampled_values: int = param(4096, minimum=16, maximum=1 << 24, group="rates",
                                help="values read from one tensor for its histogram")
    save_seconds: float = param(30.0, minimum=0.1, maximum=86_400.0, group="rates",
                                help="the run file is rewritten at most this often")
    batch_size: int | None = param(None, kind="optional_int", minimum=1,
                                   help="examples per step, for the throughput")
    param_groups: tuple[ParamGroupSettings, ...] = field(default=())

    def trace_label(self, name: str) -> str:
        """A watched script's per-step series is whatever scalar it passed to ``step()``
        under that name: the legend says so rather than what nnviz's sessions mean by it."""
        return f"{name.replace('_', ' ')} (as the script reported it)"

    def with_values(self, values: Mapping[str, Any]) -> WatchConfig:
        """A copy with ``values`` applied; a steered setting (:func:`setting_key`) changes
        its parameter group, so the config in force at a step (``nnviz.io.runs.config_at``)
        has the settings steered by then."""
        steered = {key: value for key, value in values.items() if split_setting_key(key)}
        config = super().with_values({k: v for k, v in values.items() if k not in steered})
        groups = list(config.param_groups)
        for key, value in steered.items():
            index, name = split_setting_key(key) or (0, "")
            groups = [replace(group, **{name: float(value)}) if group.index == index else group
                      for group in groups]
        return replace(config, param_groups=tuple(groups)) if steered else config

    def differences(self, other: Any) -> dict[str, tuple[Any, Any]]:
        """Fields that differ, and each steered setting that differs under its
        :func:`setting_key` (what a run's list of live changes records)."""
        found = super().differences(other)
        theirs = {group.index: group for group in getattr(other, "param_groups", ())}
        for mine in self.param_groups:
            if mine.index not in theirs:
                continue
            for name in STEERABLE_SETTINGS:
                old, new = getattr(mine, name), getattr(theirs[mine.index], name)
                if not _same_number(old, new):
                    found[setting_key(mine.index, name)] = (old, new)
        return found


def _same_number(a: float, b: float) -> bool:
    """Equal, counting NaN (a setting the optimiser lacks) as equal to NaN."""
    return a == b or (math.isnan(a) and math.isnan(b))
