"""What a scenario is: a config type, a session builder, and the panels that show it."""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnviz.scenarios.params import Config

_run_ids = itertools.count(1)


def next_run_id() -> int:
    """A process-wide increasing id; the GUI drops snapshots whose run id is not current."""
    return next(_run_ids)


@dataclass(frozen=True)
class Scenario:
    """A registered preset scenario.

    ``panels`` names the panel kinds the app lays out, in order (the app maps each to a
    widget class); ``requires`` names optional modules (e.g. ``torch``) without which the
    scenario is listed but disabled, with ``install_hint`` as the command to run.
    """

    name: str
    title: str
    description: str
    config_type: type[Config]
    build: Callable[[Config], Any]
    panels: tuple[str, ...]
    requires: tuple[str, ...] = ()
    install_hint: str = ""
    #: how many steps ``nnviz run`` takes when no ``--steps`` is given
    default_steps: int = 1000
    #: values the app opens the scenario with because a person is watching, where a headless
    #: run wants the default (the race's pace: 100 full-batch updates are over in 50 ms)
    watch_values: Mapping[str, Any] = field(default_factory=dict)

    def default_config(self) -> Config:
        return self.config_type()

    def missing_requirements(self) -> list[str]:
        return [name for name in self.requires if importlib.util.find_spec(name) is None]

    def unavailable_reason(self, config: Config | None = None) -> str:
        """Empty when the scenario can run (with ``config``, when given: a preset's values
        may need a package or file of their own); else what is missing and how to get it."""
        missing = self.missing_requirements()
        if not missing:
            return config.unavailable_reason() if config is not None else ""
        hint = self.install_hint or f"pip install {' '.join(missing)}"
        return f"{self.title} needs {', '.join(missing)}: {hint}"

    def create_session(self, config: Config | None = None) -> Any:
        reason = self.unavailable_reason()
        if reason:
            raise MissingDependency(reason)
        return self.build(config if config is not None else self.default_config())


@dataclass(frozen=True)
class ResultTable:
    """A run's outcome as a small table (the race's finish line), which ``nnviz run`` prints
    after the last report: a title, column names, and per row text or numbers (None where
    there is no value)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


class SessionBase:
    """What every session offers besides training, with the answers of a run that goes on
    until it is stopped; :class:`nnviz.session.Session` declares them, sessions inherit this
    and override what differs (the race finishes by itself, hotdog has notes).
    """

    #: True once the run has run its course (the race, when every racer is done): the
    #: training loop then ends with a final snapshot
    finished: bool = False
    #: why a finished run stopped, in words the final snapshot carries
    finish_message: str = ""
    #: the ``step_count`` at which the run finishes by itself (None: not known, or never),
    #: so ``nnviz run`` spreads its reports over the run's real length
    planned_steps: int | None = None
    #: lines ``nnviz run`` prints before training (what was chosen for the person)
    notes: tuple[str, ...] = ()

    def result_table(self) -> ResultTable | None:
        """The run's outcome as a table printed after the last report (None: no table)."""
        return None


class MissingDependency(RuntimeError):
    """An optional package a scenario needs is not installed; the message says how to fix it."""
