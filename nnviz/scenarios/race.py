"""The optimiser race: several optimisers train the same model from the same start, side by side.

Fairness is built in. Every racer starts from the same initial weights (one draw from the
seed), and racers with the same batch size see the same sequence of mini-batches
(:class:`~nnviz.data.batches.IndexedBatches`). One loop steps all racers in turn, one update
each per session step.

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

This module is the race itself (the session that steps the racers and keeps their clocks). Its
settings are in :mod:`~nnviz.scenarios.race_config`, its data in
:mod:`~nnviz.scenarios.race_data`, its batches in :mod:`nnviz.data.batches` (shared with every
session that trains on mini-batches), one racer's state in
:mod:`~nnviz.scenarios.race_racer`, the loss surface in :mod:`~nnviz.scenarios.race_surface`,
and the records the panels draw in :mod:`nnviz.core.race_views`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnviz.core.logistic import NoFiniteMinimiser, fit_newton, newton_step, with_bias
from nnviz.core.mlp import MLP
from nnviz.core.race_views import FinishTime, RacerView, RaceView, race_result
from nnviz.core.racers import KIND_TITLES, RacerSpec
from nnviz.core.schedules import schedule_position, scheduled_rate
from nnviz.core.views import ViewKinds, wanted_views
from nnviz.data.batches import IndexedBatches
from nnviz.scenarios.base import ResultTable, Scenario, SessionBase, next_run_id
from nnviz.scenarios.race_config import RaceConfig
from nnviz.scenarios.race_data import make_data
from nnviz.scenarios.race_racer import Racer
from nnviz.scenarios.race_surface import SurfaceMaker
from nnviz.scenarios.registry import register

Array = np.ndarray

#: a racer whose training loss exceeds this has diverged (cross-entropy this large means
#: logits of about this size: the weights have flown off)
DIVERGED_LOSS = 1e6


class RaceSession(SessionBase):
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
        self.batches = IndexedBatches(self.train_x, self.train_y, config.seed)
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

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        return wanted_views({"race": self.race_view, "loss_surface": self.surface.view}, kinds)

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
                finish=None if finish is None else FinishTime.from_row(finish),
                diverged_at=racer.diverged_at,
                number=racer.number,
                thinned=racer.curve.thinned,
            ))
        return RaceView(tuple(rows), target, self.config.problem, self.n_train,
                        specs=tuple(r.spec for r in self.racers))

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
