"""The regression scenario: the MLP fits a function y = f(x) from noisy samples, live.

One input (sine, |x|, a step, a polynomial, or a data file's two columns): the panel draws
the points and the network's curve, and for one hidden layer each hidden unit's contribution,
so the curve is seen as a sum of bent lines. Two inputs (a saddle, sin·cos, or a file's three
columns): the prediction as a heat map, the points coloured by their targets.

The network, the trainer and the optimisers are the moons scenario's
(:mod:`nnviz.scenarios.mlp_config`, :mod:`nnviz.scenarios.trainer`); only the output differs:
one linear unit and a regression loss (:class:`~nnviz.core.losses.RegressionLoss`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nnviz.core.losses import REGRESSION_LOSSES
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.data.regression_targets import (
    FILE_TARGET,
    TARGET_NAMES,
    TARGETS,
    make_regression,
    read_target_file,
)
from nnviz.data.scaling import INPUT_SCALINGS, scale_split
from nnviz.data.toy import Split
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.mlp_config import MLPConfig
from nnviz.scenarios.moons import SCALED_WORDS
from nnviz.scenarios.params import ParamError, data_seed_of, param
from nnviz.scenarios.registry import register

if TYPE_CHECKING:
    from nnviz.scenarios.regression_session import RegressionSession

#: the widest data file the fit can be drawn for (one input: a curve; two: a heat map)
MAX_FILE_INPUTS = 2


@dataclass(frozen=True)
class RegressionConfig(MLPConfig):
    hidden_sizes: tuple[int, ...] = param(
        (16,), minimum=1, maximum=512, min_length=0, max_length=8,
        help="units per hidden layer, e.g. 16 or 8,8; one layer shows each unit's "
             "contribution; empty: a straight line (linear regression)",
        label="Hidden layers",
    )
    #: the output layer and its loss, as the classifiers' ``output`` (softmax + cross-entropy
    #: there): here one linear unit ŷ and a regression loss
    output: str = param("mse", choices=REGRESSION_LOSSES, label="Loss",
                        help="one linear output unit ŷ and its loss. mse: mean squared "
                             "error; huber: squared within δ of the target, linear beyond "
                             "(outliers pull less)")
    optimizer: str = param("adam", choices=OPTIMIZERS, live=True, group="optimiser",
                           help="switching keeps the weights and starts fresh optimiser state")
    learning_rate: float = param(0.01, minimum=1e-6, maximum=10.0, log_scale=True, live=True,
                                 group="optimiser", label="Learning rate", help="step size η")
    target: str = param("sine", choices=TARGET_NAMES, group="data",
                        help="the function to fit: sine, abs, step, polynomial (one input), "
                             "saddle, sincos (two inputs); or file: a data file's columns")
    data_file: str = param("", kind="path", group="data", label="Data file",
                           help="target=file: a CSV/TSV table, .npy or .npz; one or two input "
                                "columns and the target")
    target_column: str = param("", group="data", label="Target column",
                               help="target=file: the target column's header name or 0-based "
                                    "index; empty: the last column")
    n_samples: int = param(200, minimum=10, maximum=200_000, group="data", label="Samples",
                           help="points drawn (train + test); ignored for a data file")
    noise: float = param(0.1, minimum=0.0, maximum=2.0, group="data",
                         help="σ of the Gaussian noise added to each target; ignored for a "
                              "data file")
    test_fraction: float = param(0.25, minimum=0.0, maximum=0.9, group="data",
                                 label="Test fraction", help="share of points held out")
    input_scaling: str = param("auto", choices=(*INPUT_SCALINGS, "auto"), group="data",
                               advanced=True, label="Input scaling",
                               help="auto: standardize a data file's inputs, keep the "
                                    "generated ones as drawn")
    #: the one engine regression trains on: the controls offer no other (the torch backend
    #: has no regression head), and ``--set backend=torch`` is refused as not a choice
    backend: str = param("numpy", choices=("numpy",), group="engine",
                         help="numpy: regression trains on the NumPy engine only")
    huber_delta: float = param(1.0, minimum=0.0, maximum=100.0, label="Huber δ",
                               help="Loss huber: residuals larger than δ are penalised "
                                    "linearly; must be > 0")
    curve_points: int = param(400, minimum=20, maximum=5000, group="view", advanced=True,
                              label="Curve points",
                              help="inputs the fitted curve is drawn at (one input)")
    grid_resolution: int = param(100, minimum=20, maximum=400, group="view", advanced=True,
                                 help="the heat map of a two-input fit is this many pixels "
                                      "square")

    def check(self) -> None:
        if not self.huber_delta > 0:
            raise ParamError(f"huber_delta={self.huber_delta:g}: Huber's δ must be > 0 (the "
                             "width of its quadratic part)")

    @property
    def scaling(self) -> str:
        """The input scaling in effect: ``auto`` resolved for this target."""
        if self.input_scaling != "auto":
            return self.input_scaling
        return "standardize" if self.target == FILE_TARGET else "none"


def title_of(config: RegressionConfig) -> str:
    """What is fitted, in words: the target's formula, or the data file."""
    if config.target == FILE_TARGET:
        return f"Fit of {config.data_file}"
    return f"Fit of {TARGETS[config.target].formula}"


def build(config: RegressionConfig) -> RegressionSession:
    # the training code, here and not at import: the window imports this module only to show
    # and edit the config
    from nnviz.scenarios.regression_session import RegressionSession

    data, target_name = regression_data(config)
    return RegressionSession(config, data, target_name=target_name, title=title_of(config))


def regression_data(config: RegressionConfig) -> tuple[Split, str]:
    """The samples drawn from the data seed, or the data file split by it, inputs scaled by
    the training statistics; and the target's name."""
    seed = data_seed_of(config)
    target_name = "y"
    if config.target == FILE_TARGET:
        data, target_name = read_target_file(config.data_file, config.target_column,
                                             config.test_fraction, seed)
        if data.n_features > MAX_FILE_INPUTS:
            raise ParamError(f"{config.data_file}: {data.n_features} input columns; a "
                             "regression file has 1 or 2 inputs and the target")
    else:
        data = make_regression(config.target, config.n_samples, config.noise, seed,
                               config.test_fraction)
    scaled = scale_split(data, config.scaling)
    if config.scaling != "none":  # the axes say what they show
        names = tuple(f"{name} ({SCALED_WORDS[config.scaling]})" for name in data.feature_names)
        scaled = replace(scaled, feature_names=names)
    return scaled, target_name


SCENARIO = register(
    Scenario(
        name="regression",
        title="Regression",
        description="A network fits a curve (or a surface) to noisy points; watch the fit form",
        config_type=RegressionConfig,
        build=build,
        panels=("regression_fit", "loss", "network", "histograms"),
        default_steps=3000,
    )
)
