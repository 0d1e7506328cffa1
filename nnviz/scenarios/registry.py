"""The one scenario registry: names are what presets, the CLI and the GUI use."""

from __future__ import annotations

import importlib

from nnviz.scenarios.base import Scenario

#: scenario modules, imported on first use, in the order the picker lists them
SCENARIO_MODULES = (
    "nnviz.scenarios.moons",
    "nnviz.scenarios.digits",
    "nnviz.scenarios.race",
    "nnviz.scenarios.hotdog",
    "nnviz.scenarios.embeddings",
    "nnviz.scenarios.init_experiment",
)

_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in _REGISTRY and _REGISTRY[scenario.name] is not scenario:
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    _REGISTRY[scenario.name] = scenario
    return scenario


def all_scenarios() -> dict[str, Scenario]:
    """Every scenario by name, in picker order (importing the scenario modules once)."""
    for module in SCENARIO_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


def get_scenario(name: str) -> Scenario:
    scenarios = all_scenarios()
    if name not in scenarios:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(scenarios)}")
    return scenarios[name]
