"""Learning-rate schedules: the rate to use at a point t of training, from the base rate.

    constant     η(t) = η₀
    step         η(t) = η₀ · factor^⌊t / every⌋      ("divide by 10 at epoch 150": factor 0.1)
    exponential  η(t) = η₀ · factor^t

t counts epochs (fractional: examples seen / training examples) or updates (optimiser steps
taken before this one), as the schedule's unit says. The classic step-decay experiment
divides the rate by 10 "at epoch 150" where its epochs are the 200 updates of one mini-batch
epoch: that is ``unit="updates"``, ``every=150``, and update 150 (the 151st) is the first one
made at the lower rate.
"""

from __future__ import annotations

import math

SCHEDULES = ("constant", "step", "exponential")
STEP_UNITS = ("epochs", "updates")


def schedule_position(unit: str, *, epoch: float, updates: int) -> float:
    """t on the schedule's axis: the epoch, or the number of updates already taken."""
    if unit == "epochs":
        return epoch
    if unit == "updates":
        return float(updates)
    raise ValueError(f"unknown schedule unit {unit!r}; known: {', '.join(STEP_UNITS)}")


def scheduled_rate(
    schedule: str, base_rate: float, position: float, *, every: float = 100.0,
    factor: float = 0.1
) -> float:
    """η at ``position`` (in the unit ``every`` counts in; see :func:`schedule_position`)."""
    if schedule == "constant":
        return base_rate
    if schedule == "step":
        return base_rate * factor ** math.floor(position / every) if every > 0 else base_rate
    if schedule == "exponential":
        return base_rate * factor**position
    raise ValueError(f"unknown schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
