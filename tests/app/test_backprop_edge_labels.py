"""The compute graph's operation names ("σ", "BCE") never touch a node or an edge: in a
narrow panel (the window at 1024×700) "BCE" once lay across the A² and L circles."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

from nnviz.app.panels.backprop import BackpropPanel
from nnviz.scenarios.backprop import BackpropConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def first_snapshot():
    config = BackpropConfig().with_values({"check_with_torch": False})
    session = get_scenario("backprop").create_session(config)
    return next(iter(train(session, max_steps=0)))


def letters(label) -> QRectF:
    """A label's letters in canvas pixels (its 1-pixel document margin left out)."""
    inner = label.textItem
    margin = inner.document().documentMargin()
    local = inner.boundingRect().adjusted(margin, margin, -margin, -margin)
    return label.getViewBox().mapSceneToView(inner.mapToScene(local)).boundingRect()


def touches_circle(rect: QRectF, centre: QPointF, radius: float) -> bool:
    x = min(max(centre.x(), rect.left()), rect.right())
    y = min(max(centre.y(), rect.top()), rect.bottom())
    return float(np.hypot(x - centre.x(), y - centre.y())) < radius


def touches_segment(rect: QRectF, x0, y0, x1, y1) -> bool:
    """Sampled finely enough for pixels: whether the segment passes through ``rect``."""
    t = np.linspace(0.0, 1.0, 200)
    xs, ys = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
    return bool(np.any((xs > rect.left()) & (xs < rect.right())
                       & (ys > rect.top()) & (ys < rect.bottom())))


@pytest.mark.parametrize("size", [(330, 560), (420, 600), (560, 700)])
def test_operation_names_touch_no_node_and_no_edge(qtbot, size):
    snapshot = first_snapshot()
    panel = BackpropPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    panel.start_run(snapshot.run_id)
    panel.show_snapshot(snapshot)
    graph = panel.graph
    xs, ys = graph.nodes.getData()
    radius = graph.nodes.opts["size"] / 2
    centres = [QPointF(x, y) for x, y in zip(xs, ys, strict=True)]
    lines = np.column_stack(graph.edges.getData()).reshape(-1, 4)
    shown = [label for label in graph.edge_labels.values()
             if label.isVisible() and label.toPlainText()]
    assert any(label.toPlainText() == "BCE" for label in shown), "the loss's name is drawn"
    for label in shown:
        rect = letters(label)
        assert not any(touches_circle(rect, c, radius) for c in centres), label.toPlainText()
        assert not any(touches_segment(rect, *line) for line in lines), label.toPlainText()
