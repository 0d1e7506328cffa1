"""The hyperparameters shared by every scenario that trains the MLP.

:class:`MLPConfig` declares the network and optimiser knobs once; scenarios add their data
knobs by subclassing. It lives apart from the session (``mlp_training``) so that the window,
which only shows and edits a config while training runs in the worker process, opens a
scenario without importing the training code.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.backends.device import DEVICES
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.initializers import BIAS_INITIALIZERS, INITIALIZERS
from nnviz.core.optimizers import OPTIMIZERS
from nnviz.core.schedules import SCHEDULES, STEP_UNITS
from nnviz.scenarios.params import Config, ParamError, param


@dataclass(frozen=True)
class MLPConfig(Config):
    hidden_sizes: tuple[int, ...] = param(
        (8,), minimum=1, maximum=512, min_length=0, max_length=8,
        help="units per hidden layer, e.g. 8 or 8,8; empty for logistic regression",
        label="Hidden layers",
    )
    activation: str = param("tanh", choices=ACTIVATIONS, help="hidden-layer non-linearity")
    init: str = param("xavier", choices=INITIALIZERS, label="Initialiser",
                      help="how the weights are drawn at the start of a run")
    bias_init: str = param("zeros", choices=BIAS_INITIALIZERS, label="Bias initialiser",
                           help="zeros (as torch and the classic scripts), or a weight "
                                "initialiser's name: each bias drawn as that one draws a weight")
    output: str = param("softmax", choices=("softmax", "sigmoid"), advanced=True,
                        help="softmax + cross-entropy, or one sigmoid unit + BCE (2 classes)")
    optimizer: str = param("momentum", choices=OPTIMIZERS, live=True, group="optimiser",
                           help="switching keeps the weights and starts fresh optimiser state")
    learning_rate: float = param(0.1, minimum=1e-6, maximum=10.0, log_scale=True, live=True,
                                 group="optimiser", label="Learning rate",
                                 help="step size η")
    momentum: float = param(0.9, minimum=0.0, maximum=0.999, live=True, group="optimiser",
                            help="γ of momentum and Nesterov")
    beta1: float = param(0.9, minimum=0.0, maximum=0.9999, live=True, group="optimiser",
                         advanced=True, label="Adam β₁")
    beta2: float = param(0.999, minimum=0.0, maximum=0.99999, live=True, group="optimiser",
                         advanced=True, label="Adam β₂")
    rho: float = param(0.99, minimum=0.0, maximum=0.99999, live=True, group="optimiser",
                       advanced=True, label="RMSProp ρ")
    epsilon: float = param(1e-8, minimum=1e-12, maximum=1.0, log_scale=True, live=True,
                           group="optimiser", advanced=True, label="ε")
    weight_decay: float = param(0.0, minimum=0.0, maximum=10.0, live=True, group="optimiser",
                                label="Weight decay", help="L2 penalty λ/2·Σ‖W‖²")
    batch_size: int = param(0, minimum=0, maximum=1_000_000, live=True, group="optimiser",
                            help="examples per update; 0 = full batch, 1 = one at a time")
    loss_reduction: str = param("mean", choices=("mean", "sum"), live=True, group="optimiser",
                                help="sum reproduces tutorial code that sums per-example "
                                     "gradients")
    lr_schedule: str = param("constant", choices=SCHEDULES, live=True, group="optimiser",
                             label="LR schedule")
    lr_step_epochs: float = param(100.0, minimum=0.01, maximum=1e6, live=True,
                                  group="optimiser", advanced=True, label="LR step every",
                                  help="the step schedule multiplies η by the decay factor "
                                       "this often, counted in the LR step unit")
    lr_step_unit: str = param("epochs", choices=STEP_UNITS, live=True, group="optimiser",
                              advanced=True, label="LR step unit",
                              help="what the step and exponential schedules count: epochs, "
                                   "or updates (the classic step-decay experiment's \"epochs\")")
    lr_decay: float = param(0.1, minimum=1e-6, maximum=1.0, live=True, group="optimiser",
                            advanced=True, label="LR decay factor")
    seed: int = param(0, minimum=0, maximum=2**31 - 1, group="data",
                      help="same seed: same data, same initial weights, same batches")
    data_seed: int | None = param(None, kind="optional_int", minimum=0, maximum=2**31 - 1,
                                  group="data", advanced=True, label="Data seed",
                                  help="draws the data and its split; empty follows seed. Fix "
                                       "it and vary seed to train the same data from several "
                                       "starts")
    precision: str = param("float32", choices=("float32", "float64"), advanced=True,
                           help="float64 for exact comparisons; float32 is faster")
    backend: str = param("numpy", choices=("numpy", "torch"), group="engine",
                         help="numpy, or the same network on PyTorch (optional install)")
    device: str = param("auto", choices=DEVICES, group="engine",
                        help="torch device; auto picks cuda, then mps, then cpu")
    torch_threads: int = param(1, minimum=1, maximum=64, group="engine", advanced=True,
                               label="Torch CPU threads",
                               help="1 keeps the GUI smooth on small machines")

    def check(self) -> None:
        n_classes = getattr(self, "n_classes", 2)  # None: known once a data file is read
        if self.output == "sigmoid" and n_classes not in (None, 2):
            raise ParamError("output='sigmoid' needs a two-class dataset; use softmax")
