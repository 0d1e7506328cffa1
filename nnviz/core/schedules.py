"""Learning-rate schedules: the rate to use at a (fractional) epoch, from the base rate.

    constant     η(e) = η₀
    step         η(e) = η₀ · factor^⌊e / every⌋      ("divide by 10 at epoch 150": factor 0.1)
    exponential  η(e) = η₀ · factor^e
"""

from __future__ import annotations

import math

SCHEDULES = ("constant", "step", "exponential")


def scheduled_rate(
    schedule: str, base_rate: float, epoch: float, *, every: float = 100.0, factor: float = 0.1
) -> float:
    if schedule == "constant":
        return base_rate
    if schedule == "step":
        return base_rate * factor ** math.floor(epoch / every) if every > 0 else base_rate
    if schedule == "exponential":
        return base_rate * factor**epoch
    raise ValueError(f"unknown schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
