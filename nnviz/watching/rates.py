"""When a watcher samples: every N steps, and at most K times a second.

A fast loop (thousands of steps a second) is then sampled by time and a slow one by steps,
so what a watcher costs stays a bounded share of the loop it watches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Rate:
    """Due once at least ``every`` steps and ``1 / per_second`` seconds have passed since the
    last time it was taken (the first step is always due)."""

    every: int
    per_second: float
    _last_step: float = -math.inf
    _last_time: float = -math.inf

    def due(self, step: int, now: float) -> bool:
        """Whether ``step`` (at clock time ``now``) may be sampled; does not take it."""
        return (step - self._last_step >= self.every
                and now - self._last_time >= 1.0 / self.per_second)

    def take(self, step: int, now: float) -> None:
        """Mark ``step`` as sampled at ``now``."""
        self._last_step, self._last_time = step, now
