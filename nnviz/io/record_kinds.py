"""The record kinds a run file may hold, by stable name: the only classes the codec rebuilds.

A run file names each stored record by its kind (``"DecisionGrid"``, ``"MoonsConfig"`` …).
Those names are the file format, so they are written out in :data:`RECORD_KINDS` rather than
taken from ``cls.__name__``: a class may be renamed or moved to another module (only its entry
here changes) and every saved run still opens. A name is never changed or reused.

The loader looks names up here and nowhere else, so nothing read from a file chooses a module
to import or code to run. A record type that is not listed cannot be saved either: the
encoder refuses it, so forgetting to list a new view record or scenario config fails the save
tests (``tests/io/test_record_kinds.py``), not a person's file.

Files written before these names existed (nnviz up to commit 326b3e7) named records by
``module:qualname``; :data:`OLD_NAMES` maps each such name nnviz ever wrote to its kind. A
class that moves gets no entry there: files never held its new module name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache

from nnviz.core.backprop_walk import BackpropWalk, GraphEdge, GraphNode, Term, WalkStep
from nnviz.core.classifier_views import ConfusionMatrix, ExampleGallery, ImageTiles
from nnviz.core.gradient_check import GradientCheck, ParameterCheck
from nnviz.core.histograms import DistributionHistory, HistogramSet, LayerHistogram
from nnviz.core.init_experiment import InitHistograms, InitStats, RunningMoments
from nnviz.core.loss_surface import LossSurface
from nnviz.core.race_views import FinishTime, RacerView, RaceView
from nnviz.core.racers import RacerSpec
from nnviz.core.similarity import AnalogyCheck, QueryAnswer
from nnviz.core.transfer_views import ClassifiedImage, FeatureProgress
from nnviz.core.views import DecisionGrid, NetworkView, Projection
from nnviz.scenarios.backprop import BackpropConfig
from nnviz.scenarios.digits import DigitsCNNConfig, DigitsConfig
from nnviz.scenarios.embeddings import EmbeddingsConfig
from nnviz.scenarios.hotdog import HotdogConfig
from nnviz.scenarios.init_experiment import InitConfig
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.race_config import RaceConfig
from nnviz.session import Snapshot

#: stable kind name → the class rebuilt for it today (see the module docstring)
RECORD_KINDS: Mapping[str, type] = {
    # what the training loop hands over
    "Snapshot": Snapshot,
    # every scenario's config
    "MoonsConfig": MoonsConfig,
    "DigitsConfig": DigitsConfig,
    "DigitsCNNConfig": DigitsCNNConfig,
    "RaceConfig": RaceConfig,
    "HotdogConfig": HotdogConfig,
    "EmbeddingsConfig": EmbeddingsConfig,
    "InitConfig": InitConfig,
    "BackpropConfig": BackpropConfig,
    # view records and the values inside them
    "DecisionGrid": DecisionGrid,
    "NetworkView": NetworkView,
    "Projection": Projection,
    "HistogramSet": HistogramSet,
    "LayerHistogram": LayerHistogram,
    "DistributionHistory": DistributionHistory,
    "LossSurface": LossSurface,
    "RaceView": RaceView,
    "RacerView": RacerView,
    "FinishTime": FinishTime,
    "RacerSpec": RacerSpec,
    "ConfusionMatrix": ConfusionMatrix,
    "ImageTiles": ImageTiles,
    "ExampleGallery": ExampleGallery,
    "InitStats": InitStats,
    "InitHistograms": InitHistograms,
    "RunningMoments": RunningMoments,
    "FeatureProgress": FeatureProgress,
    "ClassifiedImage": ClassifiedImage,
    "QueryAnswer": QueryAnswer,
    "AnalogyCheck": AnalogyCheck,
    "BackpropWalk": BackpropWalk,
    "WalkStep": WalkStep,
    "Term": Term,
    "GraphNode": GraphNode,
    "GraphEdge": GraphEdge,
    "GradientCheck": GradientCheck,
    "ParameterCheck": ParameterCheck,
}

#: ``module:qualname`` as files written before the stable names hold it → kind name. Every
#: record class nnviz could save then is here, at the module it lived in at the time.
OLD_NAMES: Mapping[str, str] = {
    "nnviz.session:Snapshot": "Snapshot",
    "nnviz.scenarios.moons:MoonsConfig": "MoonsConfig",
    "nnviz.scenarios.digits:DigitsConfig": "DigitsConfig",
    "nnviz.scenarios.digits:DigitsCNNConfig": "DigitsCNNConfig",
    "nnviz.scenarios.race:RaceConfig": "RaceConfig",
    "nnviz.scenarios.hotdog:HotdogConfig": "HotdogConfig",
    "nnviz.scenarios.embeddings:EmbeddingsConfig": "EmbeddingsConfig",
    "nnviz.scenarios.init_experiment:InitConfig": "InitConfig",
    "nnviz.core.views:DecisionGrid": "DecisionGrid",
    "nnviz.core.views:NetworkView": "NetworkView",
    "nnviz.core.views:Projection": "Projection",
    "nnviz.core.histograms:HistogramSet": "HistogramSet",
    "nnviz.core.histograms:LayerHistogram": "LayerHistogram",
    "nnviz.core.histograms:DistributionHistory": "DistributionHistory",
    "nnviz.core.loss_surface:LossSurface": "LossSurface",
    "nnviz.scenarios.race:RaceView": "RaceView",
    "nnviz.scenarios.race:RacerView": "RacerView",
    "nnviz.scenarios.race:FinishTime": "FinishTime",
    "nnviz.scenarios.racers:RacerSpec": "RacerSpec",
    "nnviz.core.classifier_views:ConfusionMatrix": "ConfusionMatrix",
    "nnviz.core.classifier_views:ImageTiles": "ImageTiles",
    "nnviz.core.classifier_views:ExampleGallery": "ExampleGallery",
    "nnviz.core.init_experiment:InitStats": "InitStats",
    "nnviz.core.init_experiment:InitHistograms": "InitHistograms",
    "nnviz.core.init_experiment:RunningMoments": "RunningMoments",
    "nnviz.core.transfer_views:FeatureProgress": "FeatureProgress",
    "nnviz.core.transfer_views:ClassifiedImage": "ClassifiedImage",
    "nnviz.core.similarity:QueryAnswer": "QueryAnswer",
    "nnviz.core.similarity:AnalogyCheck": "AnalogyCheck",
}


@cache
def record_kinds() -> dict[str, type]:
    """Kind name → class, for writing: one name per class, every class a dataclass."""
    seen: dict[type, str] = {}
    for name, cls in RECORD_KINDS.items():
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"record kind {name} ({cls.__name__}) is not a dataclass")
        if cls in seen:
            raise TypeError(f"{cls.__name__} is listed as two record kinds: {seen[cls]}, {name}")
        seen[cls] = name
    return dict(RECORD_KINDS)


@cache
def readable_kinds() -> dict[str, type]:
    """Every name a run file may give a record, for reading: the kinds and their old names."""
    kinds = record_kinds()
    readable = dict(kinds)
    for old, kind in OLD_NAMES.items():
        if kind not in kinds:
            raise TypeError(f"old record name {old} points to {kind}, which is no kind")
        readable[old] = kinds[kind]
    return readable

