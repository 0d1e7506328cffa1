"""The moons scenario: a small MLP learns a 2-D toy dataset, or a data file, boundary drawn live.

With ``dataset="file"`` the network trains on a person's own table (:mod:`nnviz.data.table_file`):
all its features, as many classes as its labels name. Two features draw the boundary on the
input plane as for the toy sets; more are drawn on a slice, the plane of the training inputs'
first two principal components through their mean, with the points projected onto it.

``extra_features`` adds the playground's computed inputs (x₁², x₂², x₁x₂, sin x₁, sin x₂;
:mod:`nnviz.data.features`) to a two-input set: the network sees them as more inputs, the
boundary is still drawn on the raw x₁/x₂ plane.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nnviz.data.features import FEATURE_CHOICES, FeaturePlane, add_features
from nnviz.data.scaling import INPUT_SCALINGS, scale_split
from nnviz.data.table_file import (
    DATA_FILE_HELP,
    FILE_DATASET,
    LABEL_COLUMN_HELP,
    read_data_file,
    table_split,
)
from nnviz.data.toy import TOY_CLASSES, TOY_DATASETS, Split, make_toy
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.mlp_config import MLPConfig
from nnviz.scenarios.params import ParamError, data_seed_of, param
from nnviz.scenarios.registry import register

if TYPE_CHECKING:
    from nnviz.scenarios.mlp_training import MLPSession

#: ``auto``: standardise a data file's features (their units are anyone's), keep the toy sets'
#: points as drawn
MOONS_SCALINGS = (*INPUT_SCALINGS, "auto")
#: how an axis named by a data file's column says its values were scaled
SCALED_WORDS = {"unit": "scaled to [0, 1]", "standardize": "standardized"}


@dataclass(frozen=True)
class MoonsConfig(MLPConfig):
    dataset: str = param("moons", choices=(*TOY_DATASETS, FILE_DATASET), group="data",
                         help="moons, circles, xor, spiral or three Gaussian blobs; or file: "
                              "your own data (data_file)")
    data_file: str = param("", kind="path", group="data", label="Data file",
                           help=DATA_FILE_HELP)
    label_column: str = param("", group="data", label="Label column", help=LABEL_COLUMN_HELP)
    n_samples: int = param(400, minimum=10, maximum=200_000, group="data",
                           label="Samples", help="points in the dataset (train + test); "
                                                 "ignored for a data file")
    noise: float = param(0.2, minimum=0.0, maximum=2.0, group="data",
                         help="σ of the Gaussian jitter added to each point; ignored for a "
                              "data file")
    test_fraction: float = param(0.25, minimum=0.0, maximum=0.9, group="data",
                                 label="Test fraction", help="share of points held out")
    input_scaling: str = param("auto", choices=MOONS_SCALINGS, group="data", advanced=True,
                               label="Input scaling",
                               help="none: the points as drawn; unit: each coordinate into "
                                    "[0, 1] by its training range; standardize: by its "
                                    "training mean and σ (the boundary is drawn in the "
                                    "scaled coordinates); auto: standardize for a data file, "
                                    "none for the toy sets")
    extra_features: tuple[str, ...] = param(
        (), choices=FEATURE_CHOICES, group="data", label="Extra features", max_length=5,
        help="inputs computed from x1 and x2 and given to the network besides them (as the "
             "playground's feature boxes): x1^2, x2^2, x1x2, sin_x1, sin_x2; the boundary "
             "is still drawn on the x1/x2 plane. Toy sets and two-feature files only")
    grid_resolution: int = param(200, minimum=20, maximum=500, group="view", advanced=True,
                                 help="decision-boundary image is this many pixels square")

    @property
    def n_classes(self) -> int | None:
        """The toy set's class count; None for a data file, whose labels say it once read."""
        return TOY_CLASSES.get(self.dataset)

    @property
    def scaling(self) -> str:
        """The input scaling in effect: ``auto`` resolved for this dataset."""
        if self.input_scaling != "auto":
            return self.input_scaling
        return "standardize" if self.dataset == FILE_DATASET else "none"


def make_data(config: MoonsConfig) -> Split:
    """The toy set drawn from the data seed, or the data file split by it; inputs scaled by
    the training statistics."""
    data = raw_data(config)
    scaled = scale_split(data, config.scaling)
    if data.feature_names and config.scaling != "none":  # the axes say what they show
        names = tuple(f"{name} ({SCALED_WORDS[config.scaling]})" for name in data.feature_names)
        scaled = replace(scaled, feature_names=names)
    return scaled


def raw_data(config: MoonsConfig) -> Split:
    """The data set as drawn or read, split, before any input scaling: what ``nnviz export
    --data`` saves, so that the saved file trains as this one does."""
    if config.dataset == FILE_DATASET:
        table = read_data_file(config.data_file, config.label_column)
        data = table_split(table, config.test_fraction, data_seed_of(config))
        if config.output == "sigmoid" and data.n_classes != 2:
            raise ParamError(f"output='sigmoid' needs a two-class dataset; {table.path} has "
                             f"{data.n_classes} classes; use softmax")
    else:
        data = make_toy(config.dataset, config.n_samples, config.noise, data_seed_of(config),
                        config.test_fraction)
    return data


def with_extra_features(config: MoonsConfig, data: Split) -> tuple[Split, FeaturePlane]:
    """The (scaled) two-input split with the chosen features appended, and the raw plane the
    boundary is drawn on; a set of another width is refused, naming the parameter."""
    try:
        extended = add_features(data, config.extra_features)
    except ValueError as error:
        where = f" ({config.data_file})" if config.dataset == FILE_DATASET else ""
        raise ParamError(f"extra_features={','.join(config.extra_features)}: {error}{where}; "
                         "leave extra_features empty for it") from None
    names = data.feature_names or ("", "")
    return extended, FeaturePlane(config.extra_features, names[0], names[1])


def build(config: MoonsConfig) -> MLPSession:
    # the training code, here and not at import: the window imports this module only to show
    # and edit the config (training runs in the worker process)
    from nnviz.core.views import pca_plane
    from nnviz.scenarios.torch_sessions import build_mlp_session

    data = make_data(config)
    plane = pca_plane(data.train_x) if data.n_features > 2 else None
    if config.extra_features:
        data, plane = with_extra_features(config, data)
    return build_mlp_session("moons", config, data, grid_resolution=config.grid_resolution,
                             input_plane=plane)


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
