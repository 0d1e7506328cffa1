"""The optimiser race: several optimisers train the same model from the same start, side by side.

Fairness is built in. Every racer starts from the same initial weights (one draw from the
seed), and racers with the same batch size see the same sequence of mini-batches
(:class:`BatchStream`). One loop steps all racers in turn, one update each per session step.

Each racer has two clocks, and every report names which it gives:

* ``compute_seconds``: the racer's own updates only: fetching its batch, its learning rate, the
  gradient (or Newton step) and the optimiser's step. Loss evaluation is left out, so racers
  compare on the work of optimising.
* ``wall_seconds``: everything the race spends on that racer's turns: its updates as above,
  its training-loss evaluations (every ``eval_every`` updates, and at its finish), the
  divergence check and the recording of its curve and path. This is what timing a whole
  training loop measures, as the classic batch-against-mini-batch comparison does.

Neither clock counts what is done for no racer in particular or before its race begins: the
racer's creation (its starting loss and an untimed warm-up pass), pacing waits, other racers'
turns, snapshots (test losses, the loss surface) and losses measured after a live edit, so
racers stepped in one loop compare fairly on either clock, and ``compute_seconds ≤
wall_seconds`` for every racer. A full-batch racer's loss comes free with its step, so its two
clocks differ little; a mini-batch racer evaluated every update on a large training set may
spend more of its wall time measuring than learning. A loss on a racer's curve is stamped with
both clocks as they stood when the racer reached those weights, before that loss was evaluated.

Two problems: logistic regression (2 features + bias, convex; Newton's method may race) and an
MLP (:class:`~nnviz.core.mlp.MLP`) on a 2-D toy dataset. The training loss of a racer is
measured on the whole training set, outside its compute clock: full-batch racers get it from
their own step, mini-batch racers are evaluated every ``eval_every`` updates.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.initializers import BIAS_INITIALIZERS, INITIALIZERS
from nnviz.core.logistic import NoFiniteMinimiser, fit_newton, newton_step, with_bias
from nnviz.core.mlp import MLP
from nnviz.core.optimizers import Optimizer, make_optimizer
from nnviz.core.schedules import STEP_UNITS, schedule_position, scheduled_rate
from nnviz.data.table_file import (
    DATA_FILE_HELP,
    LABEL_COLUMN_HELP,
    label_column_of,
    load_table_cached,
    table_split,
)
from nnviz.data.toy import TOY_CLASSES, TOY_DATASETS, Split, make_toy, split
from nnviz.scenarios.base import ResultTable, Scenario, next_run_id
from nnviz.scenarios.params import Config, ParamError, data_seed_of, param
from nnviz.scenarios.race_history import CurveHistory, PathHistory
from nnviz.scenarios.race_surface import SurfaceMaker
from nnviz.scenarios.racers import KIND_TITLES, RacerSpec, parse_racers
from nnviz.scenarios.registry import register

Array = np.ndarray

PROBLEMS = ("logistic", "mlp")
#: the dataset choice that reads ``data_file`` (as in the moons scenario)
FILE_DATASET = "file"
DATASETS = ("gaussians", *(name for name, k in TOY_CLASSES.items() if k == 2), FILE_DATASET)
#: a racer whose training loss exceeds this has diverged (cross-entropy this large means
#: logits of about this size: the weights have flown off)
DIVERGED_LOSS = 1e6
DEFAULT_RACERS = ("gd lr=0.5; momentum lr=0.5 momentum=0.9; nesterov lr=0.5 momentum=0.9; "
                  "adam lr=0.3; newton")


@dataclass(frozen=True)
class RaceConfig(Config):
    racers: str = param(
        DEFAULT_RACERS, live=True, group="optimiser", label="Racers",
        help="racers separated by ';', each KIND key=value…; kinds gd sgd momentum nesterov "
             "adagrad rmsprop adam newton; keys name lr momentum beta1 beta2 rho eps batch "
             "schedule every factor epochs (see nnviz.scenarios.racers)",
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
        specs = parse_racers(self.racers)
        if self.problem != "logistic":
            for position, spec in enumerate(specs, start=1):
                if spec.kind == "newton":
                    raise ParamError(
                        f"racers: racer {position} ({spec.name}): Newton's method races only "
                        "on the convex problem; set problem=logistic or remove it"
                    )

    @property
    def racer_specs(self) -> tuple[RacerSpec, ...]:
        return parse_racers(self.racers)


def correlated_gaussians(n: int, correlation: float, rng: np.random.Generator
                         ) -> tuple[Array, Array]:
    """Two classes N(±μ, Σ), μ = (½, −½)/√2, Σ = [[1, ρ], [ρ, 1]]; half the points each.

    The classes differ along (1, −1), the direction of least spread, so the logistic loss is a
    long ravine whose narrowness grows with ρ.
    """
    labels = np.arange(n) % 2
    cholesky = np.linalg.cholesky([[1.0, correlation], [correlation, 1.0]])
    centres = np.where(labels[:, None] == 1, 1.0, -1.0) * np.array([0.5, -0.5]) / math.sqrt(2)
    return rng.standard_normal((n, 2)) @ cholesky.T + centres, labels


def make_data(config: RaceConfig) -> Split:
    if config.dataset == FILE_DATASET:
        return file_data(config)
    if config.dataset == "gaussians":
        rng = np.random.default_rng(data_seed_of(config))
        points, labels = correlated_gaussians(config.n_samples, config.correlation, rng)
        return split(points, labels, config.test_fraction, rng, 2)
    if config.dataset not in TOY_DATASETS:
        raise ValueError(f"unknown dataset {config.dataset!r}")
    return make_toy(config.dataset, config.n_samples, config.noise, data_seed_of(config),
                    config.test_fraction)


def file_data(config: RaceConfig) -> Split:
    """The data file split by the data seed; logistic regression races on exactly two
    features (its loss surface is the plane of their two weights) and two classes."""
    table = load_table_cached(config.data_file, label_column_of(config.label_column),
                              min_features=2)
    if config.problem == "logistic" and (table.n_features != 2 or table.n_classes != 2):
        raise ValueError(
            f"{table.path}: {table.n_features} features and {table.n_classes} classes; "
            "logistic regression races on exactly 2 features and 2 classes (its loss surface "
            "is the plane of the two weights); choose problem=mlp for this file")
    return table_split(table, config.test_fraction, data_seed_of(config))


class BatchStream:
    """The k-th mini-batch of size B, the same for every racer that asks for it.

    Epoch e of size B reads the permutation drawn from the seed (seed, B, e) in order, dropping
    the last partial batch; random access means a racer added late sees the same batches.
    """

    def __init__(self, inputs: Array, labels: Array, seed: int, cache: int = 16) -> None:
        self.inputs, self.labels, self.seed = inputs, labels, seed
        self._permutations: OrderedDict[tuple[int, int], Array] = OrderedDict()
        self._cache = cache

    @property
    def n(self) -> int:
        return len(self.labels)

    def effective(self, batch_size: int) -> int:
        return self.n if batch_size <= 0 or batch_size >= self.n else batch_size

    def steps_per_epoch(self, batch_size: int) -> int:
        return self.n // self.effective(batch_size)

    def indices(self, batch_size: int, index: int) -> Array | None:
        """Row indices of batch ``index`` of size ``batch_size``; None for the full batch."""
        size = self.effective(batch_size)
        if size == self.n:
            return None
        per_epoch = self.n // size
        epoch, offset = divmod(index, per_epoch)
        key = (size, epoch)
        order = self._permutations.get(key)
        if order is None:
            order = np.random.default_rng([self.seed, 7, size, epoch]).permutation(self.n)
            self._permutations[key] = order
            while len(self._permutations) > self._cache:
                self._permutations.popitem(last=False)
        else:
            self._permutations.move_to_end(key)
        return order[offset * size:(offset + 1) * size]

    def batch(self, batch_size: int, index: int) -> tuple[Array, Array]:
        rows = self.indices(batch_size, index)
        if rows is None:
            return self.inputs, self.labels
        return self.inputs[rows], self.labels[rows]


class Racer:
    """One optimiser in the race with its own copy of the model, its counters and its clock."""

    def __init__(self, spec: RacerSpec, model: MLP) -> None:
        self.spec = spec
        self.model = model
        self.optimizer: Optimizer | None = (
            make_optimizer(spec.optimizer, **spec.optimizer_settings()) if spec.optimizer
            else None
        )
        self.updates = 0
        self.examples = 0
        #: the racer's two clocks (see the module docstring)
        self.compute_seconds = 0.0
        self.wall_seconds = 0.0
        self.loss = math.nan
        self.measured_at = -1
        self.learning_rate = spec.learning_rate
        self.diverged_at: int | None = None
        self.finished = False
        #: creation order within the run: a stable colour for the panels
        self.number = 0
        self.curve = CurveHistory()
        self.path = PathHistory()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.diverged_at is None and not self.finished

    @property
    def status(self) -> str:
        if self.diverged_at is not None:
            return "diverged"
        return "finished" if self.finished else "running"

    def retune(self, spec: RacerSpec) -> None:
        """New hyperparameters for the same kind of racer: keep weights and optimiser state."""
        self.spec = spec
        if self.optimizer is not None:
            self.optimizer.set(**spec.optimizer_settings())


class RaceSession:
    """All racers of one race; one :meth:`train_step` gives each running racer one update."""

    def __init__(self, config: RaceConfig) -> None:
        self.run_id = next_run_id()
        self.scenario = "race"
        self.config = config
        self.step_count = 0
        self._last_tick: float | None = None
        #: when the turn of the racer being stepped began (its wall clock runs); else None
        self._turn_started: float | None = None
        self.data = make_data(config)
        self.train_x = np.ascontiguousarray(self.data.train_x, dtype=np.float64)
        self.train_y = np.asarray(self.data.train_y)
        self.test_x = np.ascontiguousarray(self.data.test_x, dtype=np.float64)
        self.test_y = np.asarray(self.data.test_y)
        self.batches = BatchStream(self.train_x, self.train_y, config.seed)
        self.initial_params = self._build_model().copy_params()
        self.design: Array | None = None
        #: logistic regression's minimiser θ* = (w₁, w₂, b) by Newton's method; None when
        #: there is none (``separable``) or Newton did not find it
        self.optimum: Array | None = None
        #: the training classes are linearly separable: the logistic loss has no finite
        #: minimiser, only an infimum approached as |θ| → ∞
        self.separable = False
        if config.problem == "logistic":
            self.design = with_bias(self.train_x)
            try:
                theta, _ = fit_newton(self.design, self.train_y)
            except NoFiniteMinimiser:
                self.separable = True
            else:
                converged = np.isfinite(theta).all() and np.linalg.norm(theta) < 1e6
                self.optimum = theta if converged else None
        self.racers: list[Racer] = []
        self._racers_made = 0
        for spec in config.racer_specs:
            self.racers.append(self._new_racer(spec))
        self.surface = SurfaceMaker(self)

    # -- set-up -----------------------------------------------------------------------------
    def new_model(self) -> MLP:
        """A fresh model of the race's problem holding the shared initial weights."""
        model = self._build_model()
        model.set_params(self.initial_params)
        return model

    def _build_model(self) -> MLP:
        """The race's model drawn from the seed; logistic regression is the MLP without hidden
        layers and with one sigmoid output, started at (start_w1, start_w2, b = 0)."""
        config = self.config
        if config.problem == "logistic":
            model = MLP(2, (), 2, output="sigmoid", init="zeros", seed=config.seed,
                        dtype=np.float64)
            model.params[0][:, 0] = (config.start_w1, config.start_w2)
        else:
            model = MLP(self.data.n_features, config.hidden_sizes, self.data.n_classes,
                        activation=config.activation, init=config.init,
                        bias_init=config.bias_init, seed=config.seed, dtype=np.float64)
        return model

    def _new_racer(self, spec: RacerSpec) -> Racer:
        racer = Racer(spec, self.new_model())
        racer.number = self._racers_made
        self._racers_made += 1
        racer.finished = self._budget_reached(racer)
        self._measure(racer)
        self._warm_up(racer)
        return racer

    def _warm_up(self, racer: Racer) -> None:
        """One untimed gradient pass at the racer's batch size, weights untouched, so the
        model's first allocation of work buffers is not charged to its first update."""
        if racer.optimizer is not None:
            inputs, labels = self.batches.batch(racer.spec.batch_size, 0)
            racer.model.loss_and_gradients(inputs, labels)

    # -- the protocol -----------------------------------------------------------------------
    @property
    def n_train(self) -> int:
        return len(self.train_y)

    @property
    def epoch(self) -> float:
        return max((self.racer_epoch(r) for r in self.racers), default=0.0)

    @property
    def steps_per_epoch(self) -> int:
        if not self.racers:
            return 1
        return max(1, self.batches.steps_per_epoch(self.racers[0].spec.batch_size))

    @property
    def finished(self) -> bool:
        """True when no racer can take another step (all reached their budget or diverged)."""
        return not any(r.running for r in self.racers)

    @property
    def finish_message(self) -> str:
        """Who reached the target loss first, once the race is over ("" while it runs)."""
        if not self.finished:
            return ""
        return f"Race over at step {self.step_count}: {race_result(self.race_view())}"

    @property
    def planned_steps(self) -> int | None:
        """The step at which every running racer will have used its epochs (each takes one
        update per step, of its batch size); None when one runs until stopped (epochs 0).
        A racer that diverges or is added later changes it."""
        remaining = 0
        for racer in self.racers:
            if not racer.running:
                continue
            budget = racer.spec.epochs or self.config.epochs
            if budget <= 0:
                return None
            per_update = self.batches.effective(racer.spec.batch_size)
            updates = math.ceil((budget - 1e-9) * self.n_train / per_update)
            remaining = max(remaining, updates - racer.updates)
        return self.step_count + remaining

    def result_table(self) -> ResultTable:
        """The finish line for the command line: per racer, whether and when (updates,
        epochs, ``compute_seconds`` and ``wall_seconds``, headed "compute s" and "wall s" to
        fit 100 columns) its training loss first reached the target."""
        view = self.race_view()
        rows = []
        for racer in view.racers:
            finish = racer.finish
            status = ("diverged" if racer.status == "diverged"
                      else "reached" if finish is not None else "not reached")
            rows.append((racer.name, status,
                         *((finish.updates, finish.epoch, finish.compute_seconds,
                            finish.wall_seconds) if finish else (None, None, None, None)),
                         racer.loss, racer.updates))
        return ResultTable(
            f"Finish line: first training loss <= {view.target_loss:g}",
            ("racer", "target", "updates to it", "epochs to it", "compute s to it",
             "wall s to it", "loss now", "updates"),
            tuple(rows))

    def racer_epoch(self, racer: Racer) -> float:
        return racer.examples / max(self.n_train, 1)

    def racer(self, name: str) -> Racer:
        for racer in self.racers:
            if racer.name == name:
                return racer
        raise KeyError(f"no racer named {name!r}; racers: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.racers]

    def train_step(self) -> dict[str, float]:
        self._wait_for_pace()
        values: dict[str, float] = {}
        for racer in self.racers:
            if not racer.running:
                continue
            self._take_turn(racer)
            if racer.diverged_at is None:
                name = racer.name
                values[f"loss/{name}"] = racer.loss
                values[f"compute_seconds/{name}"] = racer.compute_seconds
                values[f"wall_seconds/{name}"] = racer.wall_seconds
                values[f"updates/{name}"] = float(racer.updates)
                values[f"epoch/{name}"] = self.racer_epoch(racer)
        self.step_count += 1
        return values

    def _wait_for_pace(self) -> None:
        pace = self.config.pace
        now = time.perf_counter()
        if pace > 0 and self._last_tick is not None:
            wait = self._last_tick + 1.0 / pace - now
            if wait > 0:
                time.sleep(wait)
                now += wait
        self._last_tick = now

    def _take_turn(self, racer: Racer) -> None:
        """One update of ``racer`` and what it brings (loss evaluations, its finish), all on
        the racer's wall clock."""
        self._turn_started = time.perf_counter()
        try:
            self._update(racer)
            if racer.diverged_at is None and self._budget_reached(racer):
                racer.finished = True
                self._measure(racer)
        finally:
            racer.wall_seconds = self._wall_now(racer)
            self._turn_started = None

    def _wall_now(self, racer: Racer) -> float:
        """``racer``'s wall clock now: its past turns plus the one running, if any."""
        if self._turn_started is None:
            return racer.wall_seconds
        return racer.wall_seconds + time.perf_counter() - self._turn_started

    def _update(self, racer: Racer) -> None:
        spec = racer.spec
        model = racer.model
        epoch = self.racer_epoch(racer)
        # a full-batch step's loss is that of the weights before it: stamped with the
        # clocks as they stood then
        clocks_before = (racer.compute_seconds, racer.wall_seconds)
        started = time.perf_counter()
        inputs, labels = self.batches.batch(spec.batch_size, racer.updates)
        position = schedule_position(self.config.lr_step_unit, epoch=epoch,
                                     updates=racer.updates)
        rate = scheduled_rate(spec.schedule, spec.learning_rate, position,
                              every=spec.step_every, factor=spec.decay)
        if racer.optimizer is None:
            theta = self._theta(model)
            theta, loss, _ = newton_step(theta, self.design, self.train_y, step_size=rate,
                                         line_search=spec.line_search)
            model.params[0][:, 0] = theta[:2]
            model.params[1][0] = theta[2]
        else:
            racer.optimizer.learning_rate = rate
            loss, grads, _ = model.loss_and_gradients(inputs, labels)
            racer.optimizer.step(model.params, grads)
        racer.compute_seconds += time.perf_counter() - started
        racer.learning_rate = rate
        full_batch = len(labels) == self.n_train
        if full_batch:
            # the loss of this step is the training loss before it: a free measurement
            self._record(racer, float(loss), clocks_before)
        racer.updates += 1
        racer.examples += len(labels)
        if not self._finite_params(racer):
            racer.diverged_at = racer.updates
            return
        if not full_batch and racer.updates % self.config.eval_every == 0:
            self._measure(racer)
        if racer.running:
            racer.path.append(racer.updates, self.flat_params(racer))

    def _record(self, racer: Racer, loss: float, clocks: tuple[float, float]) -> None:
        """Log the training loss at the racer's current update, stamped with its
        (compute, wall) ``clocks``."""
        if not math.isfinite(loss) or loss > DIVERGED_LOSS:
            racer.diverged_at = racer.updates
            return
        racer.loss = loss
        racer.measured_at = racer.updates
        compute_seconds, wall_seconds = clocks
        racer.curve.append(racer.updates, self.racer_epoch(racer), compute_seconds, loss,
                           wall_seconds)

    def _measure(self, racer: Racer) -> None:
        """Record the racer's training loss at its current update: outside its compute
        clock, on its wall clock when done in its turn."""
        if racer.measured_at == racer.updates or racer.diverged_at is not None:
            return
        clocks = (racer.compute_seconds, self._wall_now(racer))
        with np.errstate(all="ignore"):
            loss = racer.model.loss(self.train_x, self.train_y)
        self._record(racer, loss, clocks)
        if racer.updates == 0:
            racer.path.append(0, self.flat_params(racer))

    def _finite_params(self, racer: Racer) -> bool:
        return all(np.isfinite(p).all() for p in racer.model.params)

    def _budget_reached(self, racer: Racer) -> bool:
        budget = racer.spec.epochs or self.config.epochs
        return budget > 0 and self.racer_epoch(racer) >= budget - 1e-9

    @staticmethod
    def _theta(model: MLP) -> Array:
        return np.concatenate([model.params[0][:, 0], model.params[1]])

    def flat_params(self, racer: Racer) -> Array:
        return np.concatenate([p.ravel() for p in racer.model.params])

    def apply_live(self, values: Mapping[str, Any]) -> None:
        old = self.config
        self.config = old.with_values(values)
        if self.config.racers != old.racers:
            self._rebuild_racers(self.config.racer_specs)
        for racer in self.racers:
            if racer.diverged_at is None:
                racer.finished = self._budget_reached(racer)
                if racer.finished:
                    self._measure(racer)

    def _rebuild_racers(self, specs: tuple[RacerSpec, ...]) -> None:
        """Keep racers whose name and kind stay (with new settings); add and drop the rest."""
        current = {r.name: r for r in self.racers}
        racers = []
        for spec in specs:
            racer = current.get(spec.name)
            if racer is not None and racer.spec.kind == spec.kind:
                racer.retune(spec)
            else:
                racer = self._new_racer(spec)
            racers.append(racer)
        self.racers = racers

    def metrics(self) -> dict[str, float]:
        """Per racer: training loss, test loss, compute and wall seconds (the two clocks of
        the module docstring), updates, epochs, learning rate.

        Logistic regression on linearly separable data adds ``separable`` = 1: no finite
        minimiser exists, so a racer's weights grow without bound while its loss falls towards
        0 (the CLI prints it as a column; the loss-surface note says it in words).

        ``loss/<racer>`` is the latest measured training loss (a full-batch racer's is
        measured by its next step, so it may trail by one update while the race runs; a
        finished racer's is measured at its last update). Nothing here re-evaluates the
        training set, so frequent snapshots do not slow a race on 100,000 points.
        """
        report: dict[str, float] = {"separable": 1.0} if self.separable else {}
        for racer in self.racers:
            name = racer.name
            report[f"loss/{name}"] = racer.loss
            if len(self.test_y) and racer.diverged_at is None:
                with np.errstate(all="ignore"):
                    test_loss = racer.model.loss(self.test_x, self.test_y)
                if math.isfinite(test_loss):
                    report[f"test_loss/{name}"] = test_loss
            report[f"compute_seconds/{name}"] = racer.compute_seconds
            report[f"wall_seconds/{name}"] = racer.wall_seconds
            report[f"updates/{name}"] = float(racer.updates)
            report[f"epoch/{name}"] = self.racer_epoch(racer)
            report[f"learning_rate/{name}"] = racer.learning_rate
            report[f"diverged/{name}"] = float(racer.diverged_at is not None)
        return report

    def views(self) -> dict[str, Any]:
        return {"race": self.race_view(), "loss_surface": self.surface.view()}

    def race_view(self) -> RaceView:
        target = self.config.target_loss
        rows = []
        for racer in self.racers:
            finish = racer.curve.first_below(target)
            rows.append(RacerView(
                name=racer.name,
                kind=racer.spec.kind,
                title=KIND_TITLES[racer.spec.kind],
                settings=racer.spec.settings_text(self.config.lr_step_unit),
                spec=racer.spec.text(),
                status=racer.status,
                updates=racer.updates,
                epoch=self.racer_epoch(racer),
                compute_seconds=racer.compute_seconds,
                wall_seconds=racer.wall_seconds,
                loss=racer.loss,
                curve=racer.curve.rows,
                finish=None if finish is None else FinishTime(
                    updates=int(finish[0]), epoch=float(finish[1]),
                    compute_seconds=float(finish[2]), wall_seconds=float(finish[4]),
                    loss=float(finish[3])),
                diverged_at=racer.diverged_at,
                number=racer.number,
                thinned=racer.curve.thinned,
            ))
        return RaceView(tuple(rows), target, self.config.problem, self.n_train)

    def checkpoint(self) -> dict[str, Any]:
        return {
            "step_count": self.step_count,
            "racers": {r.name: (r.model.copy_params(), r.updates, r.examples,
                                r.compute_seconds, r.wall_seconds) for r in self.racers},
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.step_count = state["step_count"]
        for racer in self.racers:
            saved = state["racers"].get(racer.name)
            if saved is None:
                continue
            (params, racer.updates, racer.examples, racer.compute_seconds,
             racer.wall_seconds) = saved
            racer.model.set_params(params)
            if racer.optimizer is not None:
                racer.optimizer.reset()


@dataclass(frozen=True)
class FinishTime:
    """When a racer first measured a training loss ≤ the target, on both clocks."""

    updates: int
    epoch: float
    compute_seconds: float
    wall_seconds: float
    loss: float


@dataclass(frozen=True)
class RacerView:
    """One racer for the panels: identity, settings, state, its loss curve and finish time.

    ``curve`` has columns :data:`~nnviz.scenarios.race_history.CURVE_COLUMNS` (updates,
    epoch, compute seconds, loss, wall seconds), bounded in length (see
    :class:`~nnviz.scenarios.race_history.CurveHistory`).
    """

    name: str
    kind: str
    title: str
    settings: str
    spec: str
    status: str
    updates: int
    epoch: float
    compute_seconds: float
    wall_seconds: float
    loss: float
    curve: Array
    finish: FinishTime | None
    diverged_at: int | None = None
    #: creation order in the run (stable when others are added or removed): picks the colour
    number: int = 0
    #: the curve's older points were thinned (each 4 → their lowest and highest loss)
    thinned: bool = False


@dataclass(frozen=True)
class RaceView:
    racers: tuple[RacerView, ...]
    target_loss: float
    problem: str
    n_train: int


#: how the finish line measures "first": (words, the finish time's field)
FINISH_MEASURES = (("updates", "updates"), ("epochs", "epoch"),
                   ("compute time", "compute_seconds"), ("wall time", "wall_seconds"))


def race_result(view: RaceView) -> str:
    """Who reached training loss ≤ the target first, in one sentence.

    One racer fastest by updates, epochs, compute time and wall time alike is named once, with
    the four; otherwise each measure names its own winner (full-batch Newton may take the
    fewest updates and mini-batch SGD the least time). Racers that never reached it are named
    too.
    """
    target = f"training loss ≤ {view.target_loss:g}"
    reached = [r for r in view.racers if r.finish is not None]
    if not reached:
        lowest = min((r for r in view.racers if math.isfinite(r.loss)),
                     key=lambda r: r.loss, default=None)
        best = f" (lowest: {lowest.name}, {lowest.loss:.3g})" if lowest is not None else ""
        return f"no racer reached {target}{best}."
    winners = {words: min(reached, key=lambda r, f=field: getattr(r.finish, f))
               for words, field in FINISH_MEASURES}
    if len({w.name for w in winners.values()}) == 1:
        winner = winners["updates"]
        text = f"{winner.name} reached {target} first ({_finish_times(winner.finish)})"
    else:
        text = f"first to {target}: " + "; ".join(
            f"by {words}, {w.name} ({_finish_time(w.finish, field)})"
            for (words, field), w in zip(FINISH_MEASURES, winners.values(), strict=True))
    missed = [_missed(r) for r in view.racers if r.finish is None]
    return text + ("; " + ", ".join(missed) if missed else "") + "."


def _finish_times(finish: FinishTime) -> str:
    return ", ".join(_finish_time(finish, field) for _, field in FINISH_MEASURES)


def _finish_time(finish: FinishTime, field: str) -> str:
    if field == "updates":
        return f"{finish.updates:,} updates"
    if field == "epoch":
        return f"{finish.epoch:.3g} epochs"
    clock = "compute" if field == "compute_seconds" else "wall"
    return f"{format_seconds(getattr(finish, field))} {clock}"


def _missed(racer: RacerView) -> str:
    if racer.status == "diverged":
        return f"{racer.name} diverged at update {racer.diverged_at}"
    return f"{racer.name} did not reach it (loss {racer.loss:.3g})"


def format_seconds(seconds: float) -> str:
    """A duration in µs, ms or s, three significant digits."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def build(config: RaceConfig) -> RaceSession:
    return RaceSession(config)


SCENARIO = register(
    Scenario(
        name="race",
        title="Optimiser race",
        description="Optimisers train the same model from the same start; watch who gets "
                    "where first, and why",
        config_type=RaceConfig,
        build=build,
        panels=("race_curves", "race_surface", "race_finish", "race_editor"),
        default_steps=20_000,
        watch_values={"pace": 20.0},
    )
)
