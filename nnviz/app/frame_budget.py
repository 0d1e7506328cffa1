"""How often each panel may draw, so that painting leaves the GIL to training.

Python paint code and the training thread share one GIL: every millisecond the GUI thread
spends drawing is a millisecond the worker waits. The scenario's first panel is its main view
and is drawn every frame; the other panels share a budget of ``share`` of wall time. Each
panel's cost is measured as it runs (``show_snapshot`` plus the paints of its pyqtgraph views,
an exponential average), and its rate is

    rate = min(cap, (share / n_others) / cost)

where ``cap`` is the panel's own ``max_fps`` (or ``DEFAULT_CAP``). A cheap panel runs at its
cap; an expensive one (two 20 ms paints per update) slows to a few frames per second instead
of stalling the window and the training.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pyqtgraph as pg

from nnviz.app.panels import Panel

#: the fraction of wall time the secondary panels may spend drawing, all together
SHARE = 0.25
#: the most frames/s a panel without its own ``max_fps`` is given
DEFAULT_CAP = 30.0
#: the least: even an expensive panel keeps moving
FLOOR = 1.0
SMOOTHING = 0.3


class FrameBudget:
    def __init__(self, share: float = SHARE) -> None:
        self.share = share
        self.primary: Panel | None = None
        self.cost: dict[Panel, float] = {}
        #: each watched panel's pyqtgraph views (the ones whose paints are timed)
        self.views: dict[Panel, list[pg.GraphicsView]] = {}
        self._painted: dict[Panel, float] = {}
        self._others = 1
        #: when the last paint of a watched panel ended (monotonic seconds)
        self.last_paint_end = -1e9

    def watch(self, panels: list[Panel]) -> None:
        """Start measuring ``panels`` (the first is the main view, never slowed)."""
        self.primary = panels[0] if panels else None
        self._others = max(1, len(panels) - 1)
        self.cost, self._painted = {}, {}
        self.views = {panel: panel.findChildren(pg.GraphicsView) for panel in panels}
        for panel, views in self.views.items():
            self._painted[panel] = 0.0
            for view in views:
                view.paintEvent = self._timed(panel, view.paintEvent)

    def _timed(self, panel: Panel, paint: Callable) -> Callable:
        def timed(event):
            start = time.perf_counter()
            try:
                return paint(event)
            finally:
                if panel in self._painted:
                    self._painted[panel] += time.perf_counter() - start
                self.last_paint_end = time.monotonic()
        return timed

    def rate(self, panel: Panel) -> float:
        """Frames/s allowed now; 0 means every frame."""
        cap = float(panel.max_fps)
        if panel is self.primary:
            return cap
        cost = self.cost.get(panel)
        budget = (self.share / self._others) / cost if cost else float("inf")
        return max(FLOOR, min(cap or DEFAULT_CAP, budget))

    def drawn(self, panel: Panel, show_seconds: float) -> None:
        """Record one draw: its ``show_snapshot`` time plus the paints since the last draw."""
        sample = show_seconds + self._painted.get(panel, 0.0)
        self._painted[panel] = 0.0
        old = self.cost.get(panel)
        self.cost[panel] = sample if old is None else old + SMOOTHING * (sample - old)
