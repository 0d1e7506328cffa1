"""The optimiser race's settings: which racers, on which problem and data, for how long.

``racers`` holds the racers (a :class:`~nnviz.core.racers.Racers`: their specs, read as
their line of text). Text given for it (``--set racers=…``, a preset, the controls' line) is
parsed once, here; the racer editor's specs pass as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.core.initializers import BIAS_INITIALIZERS, INITIALIZERS
from nnviz.core.racers import RacerSpec, check_problem, read_racers
from nnviz.core.schedules import STEP_UNITS
from nnviz.data.table_file import DATA_FILE_HELP, FILE_DATASET, LABEL_COLUMN_HELP
from nnviz.data.toy import TOY_CLASSES
from nnviz.scenarios.params import Config, param

PROBLEMS = ("logistic", "mlp")
#: the 2-class sets, and a data file (``FILE_DATASET``)
DATASETS = ("gaussians", *(name for name, k in TOY_CLASSES.items() if k == 2), FILE_DATASET)
DEFAULT_RACERS = ("gd lr=0.5; momentum lr=0.5 momentum=0.9; nesterov lr=0.5 momentum=0.9; "
                  "adam lr=0.3; newton")


@dataclass(frozen=True)
class RaceConfig(Config):
    racers: str = param(
        DEFAULT_RACERS, live=True, group="optimiser", label="Racers",
        help="racers separated by ';', each KIND key=value…; kinds gd sgd momentum nesterov "
             "adagrad rmsprop adam newton; keys name lr momentum beta1 beta2 rho eps batch "
             "schedule every factor epochs (see nnviz.core.racers)",
        read=read_racers,
    )
    problem: str = param("logistic", choices=PROBLEMS, group="model",
                         help="logistic regression (convex) or an MLP with hidden layers")
    hidden_sizes: tuple[int, ...] = param(
        (10,), minimum=1, maximum=256, min_length=1, max_length=4, group="model",
        label="Hidden layers", help="MLP only: units per hidden layer",
    )
    activation: str = param("tanh", choices=("tanh", "sigmoid", "relu"), group="model",
                            help="MLP only: hidden-layer non-linearity")
    init: str = param("xavier", choices=INITIALIZERS, group="model", label="Initialiser",
                      help="MLP only: how the shared initial weights are drawn")
    bias_init: str = param("zeros", choices=BIAS_INITIALIZERS, group="model",
                           label="Bias initialiser",
                           help="MLP only: zeros, or a weight initialiser's name")
    start_w1: float = param(-1.0, minimum=-50.0, maximum=50.0, group="model",
                            label="Start w₁", help="logistic regression starts at (w₁, w₂, b=0)")
    start_w2: float = param(-4.0, minimum=-50.0, maximum=50.0, group="model",
                            label="Start w₂")
    dataset: str = param("gaussians", choices=DATASETS, group="data",
                         help="gaussians: two correlated Gaussian classes (a ravine for "
                              "logistic regression); or a 2-D toy set; or file: your own data "
                              "(data_file; logistic regression needs 2 features, 2 classes)")
    data_file: str = param("", kind="path", group="data", label="Data file",
                           help=DATA_FILE_HELP + "; read as it is, without scaling")
    label_column: str = param("", group="data", label="Label column", help=LABEL_COLUMN_HELP)
    n_samples: int = param(1000, minimum=20, maximum=200_000, group="data", label="Samples",
                           help="points drawn (ignored for a data file)")
    noise: float = param(0.2, minimum=0.0, maximum=2.0, group="data",
                         help="toy sets: σ of the jitter")
    correlation: float = param(0.8, minimum=0.0, maximum=0.99, group="data",
                               help="gaussians: correlation ρ of the two features; the "
                                    "loss surface's ravine narrows as ρ → 1")
    test_fraction: float = param(0.0, minimum=0.0, maximum=0.9, group="data",
                                 label="Test fraction")
    seed: int = param(0, minimum=0, maximum=2**31 - 1, group="data",
                      help="same seed: same data, same initial weights, same batches")
    data_seed: int | None = param(None, kind="optional_int", minimum=0, maximum=2**31 - 1,
                                  group="data", advanced=True, label="Data seed",
                                  help="draws the data and its split; empty follows seed")
    lr_step_unit: str = param("epochs", choices=STEP_UNITS, live=True, group="optimiser",
                              advanced=True, label="LR step unit",
                              help="what racers' step and exponential schedules count "
                                   "(every=, factor=): epochs, or each racer's own updates")
    epochs: float = param(100.0, minimum=0.0, maximum=1e6, live=True, group="race",
                          help="each racer stops after this many epochs unless its own "
                               "epochs= says otherwise; 0 runs until stopped")
    target_loss: float = param(0.35, minimum=0.0, maximum=100.0, live=True, group="race",
                               label="Target loss",
                               help="the finish line: training loss each racer must reach")
    eval_every: int = param(1, minimum=1, maximum=100_000, live=True, group="race",
                            advanced=True, label="Evaluate every", unit="updates",
                            help="mini-batch racers' full training loss is measured this "
                                 "often")
    pace: float = param(0.0, minimum=0.0, maximum=10_000.0, live=True, group="race",
                        label="Pace", unit="updates/s",
                        help="slow the race down to watch it: at most this many updates per "
                             "second per racer; 0 runs as fast as the CPU allows. Waiting is "
                             "not counted in any racer's time")
    surface_resolution: int = param(64, minimum=8, maximum=200, live=True, group="view",
                                    advanced=True, help="loss-surface grid points per side")
    surface_span: float = param(1.0, minimum=0.01, maximum=100.0, live=True, group="view",
                                advanced=True,
                                help="MLP: half-width of the slice in units of the "
                                     "filter-normalised directions")
    surface_center: str = param("first", choices=("first", "mean"), live=True, group="view",
                                advanced=True,
                                help="MLP: slice around the first racer or the racers' mean")
    surface_points: int = param(2000, minimum=50, maximum=200_000, live=True, group="view",
                                advanced=True,
                                help="training points used to draw the loss surface")

    def check(self) -> None:
        check_problem(self.racer_specs, self.problem)

    @property
    def racer_specs(self) -> tuple[RacerSpec, ...]:
        """The racers as the race takes them: parsed once, when the line came in as text."""
        return read_racers(self.racers).specs

