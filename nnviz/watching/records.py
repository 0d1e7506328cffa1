"""The config of a run recorded by :func:`nnviz.watch`, and the scenario name it is filed under.

A run recorded by :func:`nnviz.watch` is saved in the format of "Save run…"
(:mod:`nnviz.io.runs`), whose header needs a config: :class:`WatchConfig` says what was
watched (the run's name, a one-line model summary, each parameter group's settings as they
were at the start) and at which rates, so a file says how sparse its histograms are by design.
The learning rate as it moved (a scheduler, a later steering change) is in the per-step curves,
not here: a config that changed every step would fill the run's list of live changes.

It is registered by name in :data:`nnviz.io.record_kinds.KIND_HOMES`, with the records it
and the snapshots hold (:mod:`nnviz.core.watch_readings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from nnviz.core.watch_readings import ParamGroupSettings
from nnviz.scenarios.params import Config, param

#: the scenario name a watched run is filed under (it has no session the app could build)
WATCH_SCENARIO = "watch"


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
