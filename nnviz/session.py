"""The training loop shared by the GUI, the CLI and the tests, with no Qt in it.

``train(session)`` is a plain generator: it steps a :class:`Session` as fast as it can, applies
live hyperparameter changes posted to a :class:`Mailbox` between steps, and yields an immutable
:class:`Snapshot` when one is due (every ``every`` steps for the CLI, about every ``interval``
seconds for the GUI), carrying the views its consumer draws when they are due
(:class:`ViewDemand`). The GUI runs the same generator in its worker process
(``nnviz.worker``); tests iterate it on the main thread.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from nnviz.data.point_edits import DATA_EDITS
from nnviz.scenarios.base import ResultTable, next_run_id
from nnviz.scenarios.params import Config

__all__ = ["TRACE_LABELS", "Diverged", "Mailbox", "Session", "Snapshot", "ViewDemand",
           "next_run_id", "train"]

#: What the per-step trace series that several scenarios share are, in the words a legend
#: shows. ``loss`` is the loss of the examples one update was computed on, before that
#: update, as a mean per example and without any weight-decay penalty: the quantity of the
#: ``train_loss`` metric (mean cross-entropy over the training split), measured on the batch,
#: so the two can share an axis whatever ``loss_reduction`` scales the gradient by.
TRACE_LABELS: Mapping[str, str] = {"loss": "batch loss (mean per example)"}


#: a view record type (each declares its default kind as the ClassVar ``view_kind``)
RecordT = TypeVar("RecordT")


class Diverged(ArithmeticError):
    """Training produced a non-finite loss or parameter."""


@dataclass(frozen=True)
class Snapshot:
    """What crosses from the training loop to the views: plain numbers, never mutated.

    ``metrics`` are evaluated at ``step`` (train/test loss and accuracy …). ``trace`` holds
    per-step series since the previous snapshot (``trace["step"]`` and e.g. ``trace["loss"]``,
    the batch loss of every update as :data:`TRACE_LABELS` defines it) so curves miss no
    spike between frames. ``views``
    maps a view kind (``"decision_grid"``, ``"histograms"`` …) to the record a panel draws,
    read with :meth:`view`; it holds only the kinds the consumer asked for and was due for
    (:class:`ViewDemand`), and is empty when it asked for metrics only.
    """

    run_id: int
    scenario: str
    step: int
    epoch: float
    wall_seconds: float
    metrics: Mapping[str, float]
    config: Config
    trace: Mapping[str, np.ndarray] = field(default_factory=dict)
    views: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""
    diverged: bool = False
    final: bool = False

    def view(self, record_type: type[RecordT], kind: str | None = None) -> RecordT | None:
        """The view of ``kind`` (by default the record type's own ``view_kind``) if the
        snapshot holds one of ``record_type``, else None: a panel asks for what it draws by
        type, and a misspelt or missing kind gives None, never a record of another type."""
        found = self.views.get(kind if kind is not None else record_type.view_kind)
        return found if isinstance(found, record_type) else None

    def report(self) -> dict[str, Any]:
        """The flat record the CLI prints as one JSON line."""
        record: dict[str, Any] = {"step": self.step, "epoch": round(self.epoch, 6)}
        record.update({k: _json_number(v) for k, v in self.metrics.items()})
        record["wall_seconds"] = round(self.wall_seconds, 6)
        return record


def _json_number(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


@runtime_checkable
class Session(Protocol):
    """One run of one scenario: owns its model, data and optimiser state.

    ``step_count`` counts parameter updates; ``epoch`` is fractional (updates × batch / n).
    A call of ``train_step`` that updates nothing (hotdog's feature extraction) leaves
    ``step_count`` alone, and ``every`` counts updates, not calls.

    When ``finished`` turns true, ``train`` ends with a final snapshot (the optimiser race
    stops once every racer is done) whose ``message`` is ``finish_message``. Sessions inherit
    :class:`~nnviz.scenarios.base.SessionBase` for the answers of a run that never finishes
    by itself, and override what differs.
    """

    run_id: int
    scenario: str
    config: Config
    step_count: int

    @property
    def epoch(self) -> float: ...

    @property
    def steps_per_epoch(self) -> int: ...

    @property
    def finished(self) -> bool:
        """True once the run has run its course; ``train`` then ends."""
        ...

    @property
    def finish_message(self) -> str:
        """Why a finished run stopped (the final snapshot's ``message``)."""
        ...

    @property
    def planned_steps(self) -> int | None:
        """The ``step_count`` at which the run finishes by itself (None: not known, or
        never), so ``nnviz run`` spreads its reports over the run's real length."""
        ...

    @property
    def notes(self) -> tuple[str, ...]:
        """Lines ``nnviz run`` prints before training (what was chosen for the person)."""
        ...

    def result_table(self) -> ResultTable | None:
        """The outcome the CLI prints after the last report (the race's finish line)."""
        ...

    def train_step(self) -> Mapping[str, float]:
        """One update; returns its per-step trace values (e.g. ``{"loss": 0.31}``), each
        named series meaning what :data:`TRACE_LABELS` says."""
        ...

    def apply_live(self, values: Mapping[str, Any]) -> None:
        """Take validated live hyperparameters (learning rate …) without losing the run."""
        ...

    def metrics(self) -> dict[str, float]:
        """Evaluate the scalar report (train/test loss, accuracy …) at the current step."""
        ...

    def views(self, kinds: Collection[str] | None = None) -> dict[str, Any]:
        """Compute the expensive views (grids, histograms, projections) for a snapshot:
        those named in ``kinds``, or every one the session makes when ``kinds`` is None."""
        ...

    def checkpoint(self) -> Any:
        """An opaque copy of the state needed to go back to this step after a divergence."""
        ...

    def restore(self, state: Any) -> None:
        """Return to a state from :meth:`checkpoint`."""
        ...


#: planned runs (a preset's ``steps``) this short get a snapshot at every step
EVERY_STEP_RUNS = 200


class Mailbox:
    """Commands from the GUI to a running loop: latest live values, pause, steps, stop.

    Live values are a "latest value wins" dictionary read once per step, so turning a slider
    fast costs nothing. ``budget`` is the number of steps the loop may still take: ``None``
    while running freely, 0 while paused.
    """

    def __init__(self, *, paused: bool = False, hold_at: int | None = None) -> None:
        self._condition = threading.Condition()
        self._changes: dict[str, Any] = {}
        self._budget: int | None = 0 if paused else None
        self._stopped = False
        self._flush = False
        #: the step at which the loop pauses by itself, once (a preset's planned length)
        self._hold_at = hold_at
        self._held = False
        #: a run planned this short is reported at every step up to its end: four full-batch
        #: epochs are four points on the curves, not the two a 45 Hz snapshot clock would give
        self.every_step_until = (hold_at if hold_at is not None and hold_at <= EVERY_STEP_RUNS
                                 else None)

    # -- GUI side -------------------------------------------------------------------------
    def post(self, name: str, value: Any) -> None:
        with self._condition:
            self._changes[name] = value
            self._condition.notify_all()

    def post_data_edit(self, edit: Any) -> None:
        """Queue a data edit (:class:`~nnviz.data.point_edits.DataEdit`): unlike a live
        value every one counts, in order, handed over with the live values under
        :data:`~nnviz.data.point_edits.DATA_EDITS`."""
        with self._condition:
            self._changes.setdefault(DATA_EDITS, []).append(edit)
            self._condition.notify_all()

    def pause(self) -> None:
        with self._condition:
            self._budget = 0
            self._flush = True
            self._condition.notify_all()

    def resume(self) -> None:
        with self._condition:
            self._budget = None
            self._condition.notify_all()

    def step(self, count: int = 1) -> None:
        """Allow ``count`` more steps, then pause (Step / Step epoch buttons)."""
        with self._condition:
            self._budget = (self._budget or 0) + max(1, int(count))
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()

    @property
    def paused(self) -> bool:
        with self._condition:
            return self._budget == 0

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- loop side ------------------------------------------------------------------------
    def take_changes(self) -> dict[str, Any]:
        with self._condition:
            changes, self._changes = self._changes, {}
            return changes

    def holds_at(self, step: int) -> bool:
        """Whether the loop will pause itself at ``step`` (its snapshot is a pause's)."""
        with self._condition:
            return self._hold_at == step and self._budget != 0

    def take_held(self) -> bool:
        """True once after the loop paused itself at ``hold_at``."""
        with self._condition:
            held, self._held = self._held, False
            return held

    def take_flush(self) -> bool:
        """True once after a pause or a budget ran out: the loop should yield a snapshot now."""
        with self._condition:
            flush, self._flush = self._flush, False
            return flush

    def acquire_step(self, timeout: float = 0.1, step: int | None = None) -> bool | None:
        """Wait until a step may be taken: True to step, False when stopped, None to poll again.

        Returns None after ``timeout`` while paused so the loop can apply live changes and
        check for a stop without busy-waiting. ``step`` (the session's step count) reaching
        ``hold_at`` pauses the loop there, once; continuing from it runs on freely.
        """
        with self._condition:
            if self._stopped:
                return False
            if self._hold_at is not None and step == self._hold_at:
                self._hold_at = None
                if self._budget != 0:
                    self._budget, self._flush, self._held = 0, True, True
            if self._budget == 0:
                self._condition.wait(timeout)
                if self._stopped:
                    return False
                if self._budget == 0:
                    return None
            if self._budget is not None:
                self._budget -= 1
                if self._budget == 0:
                    self._flush = True
            return True


class ViewDemand:
    """Which views a consumer draws and how often, so the loop computes nothing thrown away.

    Views cost training time (the worker and the GUI share one GIL), and a panel drawn at a
    few frames per second has no use for the 45 views a second the loop could make. The
    consumer (the window, an export, a test) says, for each view kind it draws, the least
    interval in seconds between two computations of it (0: every snapshot); a kind nobody
    wants is never computed. Thread-safe: the GUI thread replaces the wants with :meth:`want`
    while the loop reads them with :meth:`due`. Until a consumer has said what it wants
    (``wants`` None), every kind is computed at every snapshot, as with ``views=True``.
    """

    def __init__(self, wants: Mapping[str, float] | None = None) -> None:
        self._lock = threading.Lock()
        self._wants: dict[str, float] | None = None
        self._computed_at: dict[str, float] = {}
        if wants is not None:
            self.want(wants)

    def want(self, wants: Mapping[str, float] | None) -> None:
        """Replace what is wanted: view kind -> least seconds between two computations
        (None: every kind, every snapshot)."""
        with self._lock:
            self._wants = None if wants is None else {
                kind: max(0.0, float(gap)) for kind, gap in wants.items()}

    @property
    def wants(self) -> dict[str, float] | None:
        with self._lock:
            return None if self._wants is None else dict(self._wants)

    def due(self, now: float, *, every_wanted: bool = False) -> frozenset[str] | None:
        """The wanted kinds whose interval has passed by ``now`` (all wanted ones with
        ``every_wanted``: a pause or the end must show every panel's view of that step),
        counted as computed at ``now``; None while every kind is wanted."""
        with self._lock:
            if self._wants is None:
                return None
            due = frozenset(
                kind for kind, gap in self._wants.items()
                if every_wanted or now - self._computed_at.get(kind, -math.inf) >= gap
            )
            self._computed_at.update(dict.fromkeys(due, now))
            return due


def _finite(values: Mapping[str, float]) -> bool:
    return all(math.isfinite(float(v)) for v in values.values())


def divergence_message(session: Session, bad: Mapping[str, float], bad_step: int) -> str:
    """What happened and what to change, in words true in every front end.

    How to act on it differs (the app: lower the slider and press Run, or Reset; the CLI: run
    again with ``--set learning_rate=…``), so each front end adds its own sentence.
    """
    names = ", ".join(f"{k}={v}" for k, v in bad.items())
    hint = ""
    rate = session.config.as_dict().get("learning_rate")
    if rate is not None:
        hint = f" Try a smaller learning rate (now {rate:g})."
    return (
        f"Training diverged at step {bad_step}: {names}. "
        f"Went back to the last good step, {session.step_count}.{hint}"
    )


def train(
    session: Session,
    *,
    mailbox: Mailbox | None = None,
    max_steps: int | None = None,
    every: int | None = None,
    interval: float | None = 1 / 30,
    views: bool | ViewDemand = True,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[Snapshot]:
    """Step ``session`` and yield snapshots; see the module docstring.

    A snapshot is due every ``every`` steps when given, else when ``interval`` seconds have
    passed, and always for the first (step-0) state, when a step budget runs out, and at the
    end. Each snapshot whose metrics are finite becomes the "last good" checkpoint. A
    non-finite loss or metric restores that checkpoint, yields a ``diverged`` snapshot with a
    message saying what to try, and ends the generator. Floating-point warnings are silenced:
    divergence is reported by that snapshot, never as a warning.

    ``views`` says which views a snapshot carries: True every kind the session makes, False
    none (the CLI's metrics-only run), a :class:`ViewDemand` the kinds its consumer wants and
    is due for (every wanted kind on the first, paused and final snapshots).
    """
    mailbox = mailbox or Mailbox()
    started = clock()
    trace_rows: list[tuple[int, Mapping[str, float]]] = []

    def snapshot(*, final: bool = False, message: str = "", diverged: bool = False,
                 every_wanted: bool = True) -> Snapshot:
        with np.errstate(all="ignore"):
            metrics = session.metrics()
            if diverged or _finite(metrics):
                computed_views = _compute_views(session, views, clock(), every_wanted)
            else:
                computed_views = {}
        trace = _stack_trace(trace_rows)
        trace_rows.clear()
        return Snapshot(
            run_id=session.run_id,
            scenario=session.scenario,
            step=session.step_count,
            epoch=session.epoch,
            wall_seconds=clock() - started,
            metrics=metrics,
            config=session.config,
            trace=trace,
            views=computed_views,
            message=message,
            diverged=diverged,
            final=final,
        )

    def diverge(bad: Mapping[str, float], bad_step: int) -> Snapshot:
        session.restore(good_state)
        trace_rows.clear()
        return snapshot(final=True, diverged=True,
                        message=divergence_message(session, bad, bad_step))

    first = snapshot()
    good_state = session.checkpoint()
    yield first
    last_yield = clock()
    step_at_yield = session.step_count
    while max_steps is None or session.step_count < max_steps:
        changes = mailbox.take_changes()
        if changes:
            session.apply_live(changes)
        if session.finished:
            break
        permission = mailbox.acquire_step(step=session.step_count)
        if permission is False:
            break
        if permission is None:
            if mailbox.take_flush() or changes:
                yield snapshot()
                last_yield = clock()
            continue
        with np.errstate(all="ignore"):
            values = session.train_step()
        if not _finite(values):
            yield diverge(_non_finite(values), session.step_count)
            return
        trace_rows.append((session.step_count, values))
        # a live change is shown by the first step trained with it, not up to a snapshot
        # interval later: a person moving a slider sees the effect at once
        due = (every is not None and session.step_count - step_at_yield >= every) or (
            every is None and interval is not None
            and (bool(changes) or clock() - last_yield >= interval)
        ) or (mailbox.every_step_until is not None
              and session.step_count <= mailbox.every_step_until)
        # a budget ran out here, or the run is held here: the views of a pause, all of them
        flush = mailbox.take_flush() or mailbox.holds_at(session.step_count)
        if due or flush:
            current = snapshot(every_wanted=flush)
            if not _finite(current.metrics):
                yield diverge(_non_finite(current.metrics), current.step)
                return
            good_state = session.checkpoint()
            yield current
            last_yield = clock()
            step_at_yield = session.step_count
    yield snapshot(final=True, message=session.finish_message if session.finished else "")


def _compute_views(session: Session, views: bool | ViewDemand, now: float,
                   every_wanted: bool) -> dict[str, Any]:
    """The views one snapshot carries (see ``train``'s ``views``)."""
    if isinstance(views, ViewDemand):
        kinds = views.due(now, every_wanted=every_wanted)
        if kinds is None:
            return session.views()
        return session.views(kinds) if kinds else {}
    return session.views() if views else {}


def _non_finite(values: Mapping[str, float]) -> dict[str, float]:
    return {k: v for k, v in values.items() if not math.isfinite(float(v))}


def _stack_trace(rows: list[tuple[int, Mapping[str, float]]]) -> dict[str, np.ndarray]:
    if not rows:
        return {}
    keys = list(dict.fromkeys(key for _, values in rows for key in values))  # union, in order
    trace = {"step": np.fromiter((step for step, _ in rows), dtype=np.int64, count=len(rows))}
    for key in keys:
        trace[key] = np.fromiter(
            (float(values.get(key, math.nan)) for _, values in rows), dtype=np.float64,
            count=len(rows),
        )
    return trace
