"""The record kinds a run file may hold, by name: the only classes the codec rebuilds.

A run file names each stored record by its kind (``"DecisionGrid"``, ``"MoonsConfig"`` …);
the loader looks the name up here and nowhere else, so nothing read from a file chooses a
module to import or code to run. A record type that is not listed cannot be saved either:
the encoder refuses it, so forgetting to list a new view record fails the save tests, not a
person's file.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from nnviz.core.classifier_views import ConfusionMatrix, ExampleGallery, ImageTiles
from nnviz.core.histograms import DistributionHistory, HistogramSet, LayerHistogram
from nnviz.core.init_experiment import InitHistograms, InitStats, RunningMoments
from nnviz.core.loss_surface import LossSurface
from nnviz.core.similarity import AnalogyCheck, QueryAnswer
from nnviz.core.transfer_views import ClassifiedImage, FeatureProgress
from nnviz.core.views import DecisionGrid, NetworkView, Projection
from nnviz.scenarios.race import FinishTime, RacerView, RaceView
from nnviz.scenarios.racers import RacerSpec
from nnviz.scenarios.registry import all_scenarios
from nnviz.session import Snapshot

#: view records and the values inside them
VIEW_RECORDS: tuple[type, ...] = (
    DecisionGrid, NetworkView, Projection,
    HistogramSet, LayerHistogram, DistributionHistory,
    LossSurface, RaceView, RacerView, FinishTime, RacerSpec,
    ConfusionMatrix, ImageTiles, ExampleGallery,
    InitStats, InitHistograms, RunningMoments,
    FeatureProgress, ClassifiedImage,
    QueryAnswer, AnalogyCheck,
)


@cache
def record_kinds() -> dict[str, type]:
    """Kind name → class: the snapshot, every scenario's config, and every view record."""
    configs = tuple(scenario.config_type for scenario in all_scenarios().values())
    kinds: dict[str, type] = {}
    for cls in (Snapshot, *configs, *VIEW_RECORDS):
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"record kind {cls.__name__} is not a dataclass")
        if kinds.get(cls.__name__, cls) is not cls:
            raise TypeError(f"two record kinds are called {cls.__name__}")
        kinds[cls.__name__] = cls
    return kinds
