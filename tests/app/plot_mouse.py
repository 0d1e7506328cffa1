"""Mouse gestures on a panel's plot, in data coordinates: what a person does with the drawing
tools (click, Shift+click, a press-move-release spray), sent as real Qt mouse events."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

NO_KEYS = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


def settled(qtbot, read: Callable[[], object], quiet_seconds: float = 0.5,
            timeout: int = 10_000) -> object:
    """What ``read()`` returns once it has not changed for ``quiet_seconds``: a spray's edits
    reach the drawn data over several frames, so a count read as soon as it passed a bound
    could still grow (the erase that followed then seemed to remove nothing)."""
    last = [read(), time.monotonic()]

    def quiet() -> bool:
        now = read()
        if now != last[0]:
            last[0], last[1] = now, time.monotonic()
            return False
        return time.monotonic() - last[1] >= quiet_seconds

    qtbot.waitUntil(quiet, timeout=timeout)
    return last[0]


def at(panel, x: float, y: float):
    """The viewport position of data point (x, y) on ``panel.plot``."""
    view_box = panel.plot.getPlotItem().getViewBox()
    return panel.plot.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))


def click(qtbot, panel, x: float, y: float, keys=NO_KEYS) -> None:
    qtbot.mouseClick(panel.plot.viewport(), LEFT, keys, at(panel, x, y))


def drag(qtbot, panel, path, keys=NO_KEYS) -> None:
    """Press at the path's first point, move along it with the button held, release. The
    positions are worked out first: the view may grow to take in the new points meanwhile."""
    viewport = panel.plot.viewport()
    positions = [at(panel, x, y) for x, y in path]
    qtbot.mousePress(viewport, LEFT, keys, positions[0])
    for position in positions[1:]:
        where = QPointF(position)
        QApplication.sendEvent(viewport, QMouseEvent(
            QEvent.Type.MouseMove, where, viewport.mapToGlobal(where), Qt.MouseButton.NoButton,
            LEFT, keys))
    qtbot.mouseRelease(viewport, LEFT, keys, positions[-1])


def undo_redo_clear_round(qtbot, window, panel, *, wait_totals, wait_for_step, n_train: int,
                          n_test: int, sprayed: int, run_id: int, drawing_hint: str) -> None:
    """The second half of a drawing story, after a click, a spray and an erase: undo brings
    the erase back, undo again takes back the whole spray, redo restores it; Clear empties the
    canvas and training waits; undo brings the points back and training goes on, in the same
    run. ``wait_totals(qtbot, panel, (train, test))`` waits for the panel's point counts."""
    from nnviz.app.panels.point_drawing import NO_POINTS_HINT
    from nnviz.app.runner import RUNNING

    panel.drawing.undo_tool.click()  # the erase back
    wait_totals(qtbot, panel, (sprayed, n_test))
    panel.drawing.undo_tool.click()  # the whole spray at once
    wait_totals(qtbot, panel, (n_train + 1, n_test))
    panel.drawing.redo_tool.click()
    wait_totals(qtbot, panel, (sprayed, n_test))
    assert window.runner.state == RUNNING and window.last_snapshot.run_id == run_id
    panel.drawing.clear_tool.click()
    wait_totals(qtbot, panel, (0, 0))
    assert panel.drawing.hint.text() == NO_POINTS_HINT
    stood = window.last_snapshot.step
    qtbot.wait(300)
    assert window.last_snapshot.step == stood and not window.last_snapshot.diverged
    panel.drawing.undo_tool.click()
    wait_totals(qtbot, panel, (sprayed, n_test))
    wait_for_step(window, stood + 20)  # training goes on with the points back
    assert window.last_snapshot.run_id == run_id and window.runner.state == RUNNING
    assert panel.drawing.hint.text() == drawing_hint
