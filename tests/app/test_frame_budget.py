"""The frame budget slows expensive secondary panels, never the main view."""

from __future__ import annotations

import time

import pyqtgraph as pg

from nnviz.app.frame_budget import DEFAULT_CAP, FLOOR, SHARE, FrameBudget
from nnviz.app.panels.base import Panel


class SlowPanel(Panel):
    kind = "slow-test-panel"

    def __init__(self, paint_seconds: float) -> None:
        super().__init__()
        self.view = pg.PlotWidget()
        self.layout_.addWidget(self.view)
        self.paint_seconds = paint_seconds
        self.curve = self.view.plot([0, 1], [0, 1])

    def show_snapshot(self, snapshot) -> None:
        time.sleep(self.paint_seconds)


def test_costly_panels_get_a_lower_rate_and_the_main_view_none(qtbot):
    main, cheap, costly = SlowPanel(0.0), SlowPanel(0.0), SlowPanel(0.0)
    for panel in (main, cheap, costly):
        qtbot.addWidget(panel)
    budget = FrameBudget()
    budget.watch([main, cheap, costly])
    budget.drawn(main, 0.05)
    budget.drawn(cheap, 0.0005)
    budget.drawn(costly, 0.05)
    assert budget.rate(main) == 0.0  # every frame
    assert budget.rate(cheap) == DEFAULT_CAP
    assert budget.rate(costly) == max(FLOOR, SHARE / 2 / 0.05)


def test_paint_time_of_a_panels_views_counts_toward_its_cost(qtbot):
    main, other = SlowPanel(0.0), SlowPanel(0.0)
    for panel in (main, other):
        qtbot.addWidget(panel)
        panel.resize(200, 150)
        panel.show()
    budget = FrameBudget()
    budget.watch([main, other])
    qtbot.waitExposed(other)
    other.curve.setData([0, 1, 2], [1, 0, 1])
    qtbot.waitUntil(lambda: budget._painted[other] > 0.0, timeout=2000)
    budget.drawn(other, 0.0)
    assert budget.cost[other] > 0.0
    assert budget._painted[other] == 0.0  # counted once
