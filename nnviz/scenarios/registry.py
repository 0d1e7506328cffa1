"""The one scenario registry: names are what presets, the CLI and the GUI use.

Each scenario's module is imported when the scenario is first asked for, so that opening one
(the app's first frame, ``nnviz run moons``) does not import the others and what they bring
(a scenario module costs 15-70 ms to import).
"""

from __future__ import annotations

import importlib

from nnviz.scenarios.base import Scenario

#: every scenario's name and the module that registers it, in the order the picker lists them
SCENARIO_HOMES = {
    "moons": "nnviz.scenarios.moons",
    "regression": "nnviz.scenarios.regression",
    "digits": "nnviz.scenarios.digits",
    "digits_cnn": "nnviz.scenarios.digits",
    "race": "nnviz.scenarios.race",
    "hotdog": "nnviz.scenarios.hotdog",
    "embeddings": "nnviz.scenarios.embeddings",
    "init": "nnviz.scenarios.init_experiment",
    "backprop": "nnviz.scenarios.backprop",
}

#: scenario modules, imported on first use, in the order the picker lists them
SCENARIO_MODULES = tuple(dict.fromkeys(SCENARIO_HOMES.values()))

_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in _REGISTRY and _REGISTRY[scenario.name] is not scenario:
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    _REGISTRY[scenario.name] = scenario
    return scenario


def all_scenarios() -> dict[str, Scenario]:
    """Every scenario by name, in picker order (importing the scenario modules once).

    The order is :data:`SCENARIO_HOMES`'s, whichever module happened to be imported first;
    a scenario registered from elsewhere comes after those.
    """
    for module in SCENARIO_MODULES:
        importlib.import_module(module)
    listed = {name: _REGISTRY[name] for name in SCENARIO_HOMES if name in _REGISTRY}
    return listed | {name: scenario for name, scenario in _REGISTRY.items()
                     if name not in listed}


def scenario_names() -> list[str]:
    """The names of every scenario, without importing their modules."""
    return [*SCENARIO_HOMES, *(name for name in _REGISTRY if name not in SCENARIO_HOMES)]


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``, importing only its own module; KeyError if unknown."""
    if name not in _REGISTRY and name in SCENARIO_HOMES:
        importlib.import_module(SCENARIO_HOMES[name])
    if name in _REGISTRY:
        return _REGISTRY[name]
    scenarios = all_scenarios()
    if name not in scenarios:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(scenarios)}")
    return scenarios[name]
