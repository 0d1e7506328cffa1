"""A panel's draw is painted once: its auto-ranged plots settle before the paint, not in it."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject

from nnviz.app.panel_area import PanelArea
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


class PaintCount(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


@pytest.mark.qt_log_ignore("propagateSizeHints")
@pytest.mark.parametrize("kind", ["histograms", "layer_health"])
def test_each_draw_is_painted_once(qtbot, kind):
    """Issue 21: pyqtgraph auto-ranged the view boxes as the paint began, and the new range
    asked for a second paint of every draw (10-15 ms each, on the window's thread)."""
    area = PanelArea([kind])
    qtbot.addWidget(area)
    area.resize(700, 400)
    area.show()
    qtbot.waitExposed(area)
    (panel,) = area.panels
    counter = PaintCount()
    for view in panel.findChildren(pg.GraphicsView):
        view.viewport().installEventFilter(counter)
    session = get_scenario("moons").create_session()
    snapshots = list(itertools.islice(train(session, interval=0.0, views=True), 30))
    area.show_snapshots(snapshots[:10])
    qtbot.wait(50)
    painted = []
    for snapshot in snapshots[10:]:
        counter.count = 0
        area.show_snapshots([snapshot])
        area.draw_pending()
        qtbot.wait(30)
        painted.append(counter.count)
    assert max(painted) >= 1
    assert painted.count(1) >= len(painted) - 2, painted  # a new axis width may add one
