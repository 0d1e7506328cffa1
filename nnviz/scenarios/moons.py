"""The moons scenario: a small MLP learns a 2-D toy dataset, boundary drawn live."""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.data.scaling import INPUT_SCALINGS, scale_split
from nnviz.data.toy import TOY_CLASSES, TOY_DATASETS, Split, make_toy
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.mlp_training import MLPConfig, MLPSession
from nnviz.scenarios.params import data_seed_of, param
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
    input_scaling: str = param("none", choices=INPUT_SCALINGS, group="data", advanced=True,
                               label="Input scaling",
                               help="none: the points as drawn; unit: each coordinate into "
                                    "[0, 1] by its training range; standardize: by its "
                                    "training mean and σ (the boundary is drawn in the "
                                    "scaled coordinates)")
    grid_resolution: int = param(200, minimum=20, maximum=500, group="view", advanced=True,
                                 help="decision-boundary image is this many pixels square")

    @property
    def n_classes(self) -> int:
        return TOY_CLASSES[self.dataset]


def make_data(config: MoonsConfig) -> Split:
    """The toy set drawn from the data seed, its inputs scaled by the training statistics."""
    data = make_toy(config.dataset, config.n_samples, config.noise, data_seed_of(config),
                    config.test_fraction)
    return scale_split(data, config.input_scaling)


def build(config: MoonsConfig) -> MLPSession:
    return build_mlp_session("moons", config, make_data(config),
                             grid_resolution=config.grid_resolution)


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
