"""One racer of the optimiser race: its copy of the model, its optimiser, counters and clocks.

The race session (:mod:`nnviz.scenarios.race`) steps it and keeps its two clocks (defined
there); a racer only holds its state.
"""

from __future__ import annotations

import math

from nnviz.core.mlp import MLP
from nnviz.core.optimizers import Optimizer, make_optimizer
from nnviz.core.racers import RacerSpec
from nnviz.scenarios.race_history import CurveHistory, PathHistory


class Racer:
    """One optimiser in the race with its own copy of the model, its counters and its clock."""

    def __init__(self, spec: RacerSpec, model: MLP) -> None:
        self.spec = spec
        self.model = model
        self.optimizer: Optimizer | None = (
            make_optimizer(spec.optimizer, **spec.optimizer_settings()) if spec.optimizer
            else None
        )
        self.updates = 0
        self.examples = 0
        #: the racer's two clocks (defined in :mod:`nnviz.scenarios.race`)
        self.compute_seconds = 0.0
        self.wall_seconds = 0.0
        self.loss = math.nan
        self.measured_at = -1
        self.learning_rate = spec.learning_rate
        self.diverged_at: int | None = None
        self.finished = False
        #: creation order within the run: a stable colour for the panels
        self.number = 0
        self.curve = CurveHistory()
        self.path = PathHistory()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.diverged_at is None and not self.finished

    @property
    def status(self) -> str:
        if self.diverged_at is not None:
            return "diverged"
        return "finished" if self.finished else "running"

    def retune(self, spec: RacerSpec) -> None:
        """New hyperparameters for the same kind of racer: keep weights and optimiser state."""
        self.spec = spec
        if self.optimizer is not None:
            self.optimizer.set(**spec.optimizer_settings())

