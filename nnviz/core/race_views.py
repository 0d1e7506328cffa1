"""The optimiser race's view records: each racer's state, loss curve and finish time.

The race session (:mod:`nnviz.scenarios.race`) fills a snapshot's ``"race"`` view with a
:class:`RaceView`; the race panels draw it and :func:`race_result` says who won in words.

Each racer has two clocks, and every report names which it gives: ``compute_seconds`` counts
the racer's own updates only; ``wall_seconds`` adds its training-loss evaluations and the
recording of its curve (see :mod:`nnviz.scenarios.race` for exactly what each counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnviz.core.racers import RacerSpec

Array = np.ndarray

#: the columns of :attr:`RacerView.curve`
CURVE_COLUMNS = ("updates", "epoch", "compute_seconds", "loss", "wall_seconds")


@dataclass(frozen=True)
class FinishTime:
    """When a racer first measured a training loss ≤ the target, on both clocks."""

    updates: int
    epoch: float
    compute_seconds: float
    wall_seconds: float
    loss: float

    @classmethod
    def from_row(cls, row: Array) -> FinishTime:
        """The finish time a curve row (columns :data:`CURVE_COLUMNS`) gives."""
        return cls(updates=int(row[0]), epoch=float(row[1]), compute_seconds=float(row[2]),
                   wall_seconds=float(row[4]), loss=float(row[3]))


@dataclass(frozen=True)
class RacerView:
    """One racer for the panels: identity, settings, state, its loss curve and finish time.

    ``curve`` has columns :data:`CURVE_COLUMNS` (updates, epoch, compute seconds, loss, wall
    seconds), bounded in length (see :class:`~nnviz.scenarios.race_history.CurveHistory`).
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
    #: the curve's older points were thinned (each bucket → its lowest and highest loss)
    thinned: bool = False


@dataclass(frozen=True)
class RaceView:
    """The whole race: every racer, the finish line, the problem, the training-set size, and
    the racers' specs as the racer editor edits them (empty in runs saved before they were
    kept)."""

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "race"

    racers: tuple[RacerView, ...]
    target_loss: float
    problem: str
    n_train: int
    specs: tuple[RacerSpec, ...] = ()


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
        return f"no racer reached {target}{_lowest(view)}."
    missed = [_missed(r) for r in view.racers if r.finish is None]
    return _winners(reached, target) + ("; " + ", ".join(missed) if missed else "") + "."


def _lowest(view: RaceView) -> str:
    """The racer with the lowest finite loss as " (lowest: NAME, LOSS)"; "" if none."""
    lowest = min((r for r in view.racers if math.isfinite(r.loss)), key=lambda r: r.loss,
                 default=None)
    return f" (lowest: {lowest.name}, {lowest.loss:.3g})" if lowest is not None else ""


def _winners(reached: list[RacerView], target: str) -> str:
    """The winner by every measure, named once if it is the same racer."""
    winners = {words: min(reached, key=lambda r, f=field: getattr(r.finish, f))
               for words, field in FINISH_MEASURES}
    if len({w.name for w in winners.values()}) == 1:
        winner = winners["updates"]
        return f"{winner.name} reached {target} first ({_finish_times(winner.finish)})"
    return f"first to {target}: " + "; ".join(
        f"by {words}, {w.name} ({_finish_time(w.finish, field)})"
        for (words, field), w in zip(FINISH_MEASURES, winners.values(), strict=True))


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
