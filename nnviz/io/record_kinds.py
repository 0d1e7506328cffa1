"""The record kinds a run file may hold, by stable name: the only classes the codec rebuilds.

A run file names each stored record by its kind (``"DecisionGrid"``, ``"MoonsConfig"`` …).
Those names are the file format, so they are written out in :data:`KIND_HOMES` rather than
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

import sys
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import import_module

#: stable kind name → where its class is defined today, as ``module:qualname`` (see the module
#: docstring). A class's module is imported when its kind is first looked up, so reading a
#: message that holds only moons records never imports the torch scenarios' modules.
KIND_HOMES: Mapping[str, str] = {
    # what the training loop hands over
    "Snapshot": "nnviz.session:Snapshot",
    # every scenario's config
    "MoonsConfig": "nnviz.scenarios.moons:MoonsConfig",
    "DigitsConfig": "nnviz.scenarios.digits:DigitsConfig",
    "DigitsCNNConfig": "nnviz.scenarios.digits:DigitsCNNConfig",
    "RaceConfig": "nnviz.scenarios.race_config:RaceConfig",
    "HotdogConfig": "nnviz.scenarios.hotdog:HotdogConfig",
    "EmbeddingsConfig": "nnviz.scenarios.embeddings:EmbeddingsConfig",
    "InitConfig": "nnviz.scenarios.init_experiment:InitConfig",
    "BackpropConfig": "nnviz.scenarios.backprop:BackpropConfig",
    "RegressionConfig": "nnviz.scenarios.regression:RegressionConfig",
    # a run recorded by nnviz.watch from a person's own script
    "WatchConfig": "nnviz.watching.records:WatchConfig",
    "ParamGroupSettings": "nnviz.core.watch_readings:ParamGroupSettings",
    "LayerNorms": "nnviz.core.watch_readings:LayerNorms",
    # view records and the values inside them
    "DecisionGrid": "nnviz.core.views:DecisionGrid",
    "NetworkView": "nnviz.core.views:NetworkView",
    "Projection": "nnviz.core.views:Projection",
    "HistogramSet": "nnviz.core.histograms:HistogramSet",
    "LayerHistogram": "nnviz.core.histograms:LayerHistogram",
    "DistributionHistory": "nnviz.core.histograms:DistributionHistory",
    "LossSurface": "nnviz.core.loss_surface:LossSurface",
    "RaceView": "nnviz.core.race_views:RaceView",
    "RacerView": "nnviz.core.race_views:RacerView",
    "FinishTime": "nnviz.core.race_views:FinishTime",
    "RacerSpec": "nnviz.core.racers:RacerSpec",
    "ConfusionMatrix": "nnviz.core.classifier_views:ConfusionMatrix",
    "ImageTiles": "nnviz.core.classifier_views:ImageTiles",
    "ExampleGallery": "nnviz.core.classifier_views:ExampleGallery",
    "InitStats": "nnviz.core.init_experiment:InitStats",
    "InitHistograms": "nnviz.core.init_experiment:InitHistograms",
    "RunningMoments": "nnviz.core.init_experiment:RunningMoments",
    "FeatureProgress": "nnviz.core.transfer_views:FeatureProgress",
    "ClassifiedImage": "nnviz.core.transfer_views:ClassifiedImage",
    "QueryAnswer": "nnviz.core.similarity:QueryAnswer",
    "AnalogyCheck": "nnviz.core.similarity:AnalogyCheck",
    "BackpropWalk": "nnviz.core.backprop_walk:BackpropWalk",
    "WalkStep": "nnviz.core.backprop_walk:WalkStep",
    "Term": "nnviz.core.backprop_walk:Term",
    "GraphNode": "nnviz.core.backprop_walk:GraphNode",
    "GraphEdge": "nnviz.core.backprop_walk:GraphEdge",
    "GradientCheck": "nnviz.core.gradient_check:GradientCheck",
    "ParameterCheck": "nnviz.core.gradient_check:ParameterCheck",
    # a command from the window to the worker process: points drawn on the boundary
    "DataEdit": "nnviz.data.point_edits:DataEdit",
    "RegressionView": "nnviz.core.regression_views:RegressionView",
    "FitCurve": "nnviz.core.regression_views:FitCurve",
    "FitSurface": "nnviz.core.regression_views:FitSurface",
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


class KindTable(Mapping[str, type]):
    """Kind name → class, importing each class's module only when its name is looked up.

    The names and homes are this module's own tables, never anything read from a file.
    """

    def __init__(self, homes: Mapping[str, str], written: Mapping[str, str]) -> None:
        self._homes = dict(homes)
        #: ``module:qualname`` → the name it is written under (kind names only, never old ones)
        self._names = {home: name for name, home in written.items()}
        self._written = dict(written)

    def __getitem__(self, name: str) -> type:
        module, _, qualname = self._homes[name].partition(":")
        return getattr(import_module(module), qualname)

    def __iter__(self) -> Iterator[str]:
        return iter(self._homes)

    def __len__(self) -> int:
        return len(self._homes)

    def name_of(self, cls: type) -> str | None:
        """The kind ``cls`` is written as, or None (found without importing any other kind)."""
        name = self._names.get(f"{cls.__module__}:{cls.__qualname__}")
        if name is not None and self[name] is cls:
            return name
        # renamed at run time: by identity among the kinds whose module is loaded (a class's
        # module is loaded once an instance exists)
        for name, home in self._written.items():
            if home.partition(":")[0] in sys.modules and self[name] is cls:
                return name
        return None


@cache
def record_kinds() -> KindTable:
    """Kind name → class, for writing: one name per class."""
    return KindTable(KIND_HOMES, KIND_HOMES)


@cache
def readable_kinds() -> KindTable:
    """Every name a file or message may give a record, for reading: kinds and old names."""
    homes = dict(KIND_HOMES)
    for old, kind in OLD_NAMES.items():
        homes[old] = KIND_HOMES[kind]
    return KindTable(homes, KIND_HOMES)
