"""The ``init`` scenario: why weights are initialised "in such a peculiar way".

A layer with ``fan_in`` inputs receives one example whose inputs are all 1. Every step draws a
fresh layer of ``n_units`` units with each selected initialiser and adds their pre-activations
z = x·W + b to that initialiser's histogram, so the histograms fill in and the measured σ of z
settles on its theory (√(fan_in + 1) ≈ 31.6 for standard-normal weights against √2 ≈ 1.41 for
σ_W = 1/√fan_in). A unit counts as saturated where |f'(z)| < 0.01: there its gradient vanishes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.activations import ACTIVATIONS
from nnviz.core.init_experiment import (
    InitHistograms,
    InitStats,
    RunningMoments,
    derivative_curve,
    draw_pre_activations,
    shared_edges,
)
from nnviz.core.initializers import INITIALIZERS, THEORETICAL_Z_STD
from nnviz.core.views import ViewKinds, wanted_views
from nnviz.scenarios.base import Scenario, SessionBase, next_run_id
from nnviz.scenarios.params import Config, ParamError, param
from nnviz.scenarios.registry import register

#: the most weights one draw may hold (fan_in × n_units), about 80 MB of float64
MAX_DRAW = 10_000_000


@dataclass(frozen=True)
class InitConfig(Config):
    fan_in: int = param(1000, minimum=1, maximum=100_000, label="Fan-in",
                        help="inputs of the layer, each equal to 1")
    n_units: int = param(500, minimum=1, maximum=100_000, label="Units per step",
                         help="width of the layer; every step draws a fresh layer this wide")
    initializers: tuple[str, ...] = param(
        ("standard_normal", "inv_sqrt_fan_in"), choices=INITIALIZERS, min_length=1,
        label="Initialisers", help="the weight initialisers to compare, overlaid",
    )
    activation: str = param("tanh", choices=ACTIVATIONS, live=True,
                            help="whose derivative f'(z) is drawn and decides saturation")
    seed: int = param(0, minimum=0, maximum=2**31 - 1, group="data",
                      help="same seed: the same draws")

    def check(self) -> None:
        if self.fan_in * self.n_units > MAX_DRAW:
            raise ParamError(
                f"fan_in={self.fan_in} × n_units={self.n_units} is more than {MAX_DRAW:,} "
                "weights per draw; lower n_units (steps add more units)"
            )


class InitSession(SessionBase):
    """Draws layers step by step and keeps, per initialiser, fixed-bin counts of z, running
    moments, and how many units each activation would leave saturated."""

    scenario = "init"

    def __init__(self, config: InitConfig) -> None:
        self.run_id = next_run_id()
        self.config = config
        self.step_count = 0
        self.theory = {
            name: THEORETICAL_Z_STD[name](config.fan_in, config.n_units)
            for name in config.initializers
        }
        self.edges = shared_edges(list(self.theory.values()))
        self._state = self._empty_state()

    def _empty_state(self) -> dict[str, Any]:
        names = self.config.initializers
        return {
            "counts": {name: np.zeros(len(self.edges) - 1, dtype=np.int64) for name in names},
            "moments": {name: RunningMoments() for name in names},
            "saturated": {name: dict.fromkeys(ACTIVATIONS, 0) for name in names},
        }

    # -- the session protocol ---------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return float(self.step_count)

    @property
    def steps_per_epoch(self) -> int:
        return 1

    @property
    def units(self) -> int:
        """Units drawn so far by each initialiser."""
        return self.step_count * self.config.n_units

    def train_step(self) -> dict[str, float]:
        config = self.config
        for index, name in enumerate(config.initializers):
            rng = np.random.default_rng([config.seed, self.step_count, index])
            z = draw_pre_activations(name, config.fan_in, config.n_units, rng)
            self._add(name, z)
        self.step_count += 1
        return {"units": float(self.units)}

    def _add(self, name: str, z: np.ndarray) -> None:
        counts, _ = np.histogram(np.clip(z, self.edges[0], self.edges[-1]), bins=self.edges)
        self._state["counts"][name] += counts
        self._state["moments"][name].add(z)
        saturated = self._state["saturated"][name]
        for activation, spec in ACTIVATIONS.items():
            derivative = spec.derivative(z, spec.forward(z))
            saturated[activation] += int(np.count_nonzero(
                np.abs(derivative) < spec.saturation_threshold))

    def apply_live(self, values: Mapping[str, Any]) -> None:
        self.config = self.config.with_values(values)

    def stats(self) -> tuple[InitStats, ...]:
        activation = self.config.activation
        result = []
        for name in self.config.initializers:
            moments = self._state["moments"][name]
            drawn = moments.count
            result.append(InitStats(
                name=name,
                counts=self._state["counts"][name].copy(),
                units=drawn,
                mean=moments.mean if drawn else float("nan"),
                std=moments.std,
                std_error=moments.std_error,
                theory_std=self.theory[name],
                saturated=self._state["saturated"][name][activation] / drawn if drawn
                else float("nan"),
            ))
        return tuple(result)

    def metrics(self) -> dict[str, float]:
        """Per initialiser: measured σ of z, its theory and standard error, saturated share.

        Measured figures are left out until they exist (σ needs two units), rather than NaN,
        which the training loop would read as a divergence.
        """
        record: dict[str, float] = {"units": float(self.units)}
        for stats in self.stats():
            if stats.units >= 2:
                record[f"z_std/{stats.name}"] = stats.std
            record[f"z_std_theory/{stats.name}"] = stats.theory_std
            if stats.units >= 2:
                record[f"z_std_error/{stats.name}"] = stats.std_error
            if stats.units:
                record[f"saturated/{stats.name}"] = stats.saturated
        return record

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        return wanted_views({"init_histograms": self.init_histograms}, kinds)

    def init_histograms(self) -> InitHistograms:
        """The histograms of every activation's inputs and outputs so far."""
        spec = ACTIVATIONS[self.config.activation]
        z, derivative = derivative_curve(spec.name, self.edges)
        return InitHistograms(
            step=self.step_count,
            fan_in=self.config.fan_in,
            activation=spec.name,
            edges=self.edges,
            stats=self.stats(),
            derivative_z=z,
            derivative=derivative,
            threshold=spec.saturation_threshold,
        )

    def checkpoint(self) -> dict[str, Any]:
        return {"step_count": self.step_count, "state": copy.deepcopy(self._state)}

    def restore(self, state: dict[str, Any]) -> None:
        self.step_count = state["step_count"]
        self._state = copy.deepcopy(state["state"])


def build(config: InitConfig) -> InitSession:
    return InitSession(config)


SCENARIO = register(
    Scenario(
        name="init",
        title="Weight initialisation",
        description="Pre-activations of a 1000-input layer under each initialiser, against "
                    "where tanh' vanishes",
        config_type=InitConfig,
        build=build,
        panels=("init_histogram",),
        default_steps=20,
    )
)
