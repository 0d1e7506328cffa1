"""The moons scenario: a small MLP learns a 2-D toy dataset, boundary drawn live."""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.data.toy import TOY_CLASSES, TOY_DATASETS, make_toy
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.mlp_training import MLPConfig, MLPSession
from nnviz.scenarios.params import param
from nnviz.scenarios.registry import register
from nnviz.scenarios.torch_sessions import build_mlp_session


@dataclass(frozen=True)
class MoonsConfig(MLPConfig):
    dataset: str = param("moons", choices=TOY_DATASETS, group="data",
                         help="moons, circles, xor, spiral or three Gaussian blobs")
    n_samples: int = param(400, minimum=10, maximum=200_000, group="data",
                           label="Samples", help="points in the dataset (train + test)")
    noise: float = param(0.2, minimum=0.0, maximum=2.0, group="data",
                         help="σ of the Gaussian jitter added to each point")
    test_fraction: float = param(0.25, minimum=0.0, maximum=0.9, group="data",
                                 label="Test fraction", help="share of points held out")
    grid_resolution: int = param(200, minimum=20, maximum=500, group="view", advanced=True,
                                 help="decision-boundary image is this many pixels square")

    @property
    def n_classes(self) -> int:
        return TOY_CLASSES[self.dataset]


def build(config: MoonsConfig) -> MLPSession:
    data = make_toy(config.dataset, config.n_samples, config.noise, config.seed,
                    config.test_fraction)
    return build_mlp_session("moons", config, data, grid_resolution=config.grid_resolution)


SCENARIO = register(
    Scenario(
        name="moons",
        title="Moons",
        description="A small network learns a 2-D toy dataset; watch the boundary form",
        config_type=MoonsConfig,
        build=build,
        panels=("decision_boundary", "loss", "network", "histograms", "layer_health"),
    )
)
