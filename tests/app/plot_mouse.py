"""Mouse gestures on a panel's plot, in data coordinates: what a person does with the drawing
tools (click, Shift+click, a press-move-release spray), sent as real Qt mouse events."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

NO_KEYS = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


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
