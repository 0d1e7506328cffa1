"""The compute graph of the backprop panel: nodes, operations, and what each node shows.

X, Z¹, A¹, …, L lie along a row, the parameters W, b and the target Y above, an arrow per
operation. A node's fill says what is known of it at the current step (its value, its
gradient, updated by Apply; :func:`~nnviz.core.backprop_walk.node_states`), the node of the
step is drawn bold, and the edges it is computed through are highlighted: blue going forward,
red going backward (arrows against the operation, as the gradient flows), green for Apply.
Names, shapes and operations are drawn where they fit, and left out where they do not.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from nnviz.app.panels.backprop_cards import (
    MUTED_COLOR,
    Canvas,
    line_height,
    text_item,
    text_width,
)
from nnviz.core.backprop_walk import BackpropWalk, WalkStep, node_states

#: fill colours of the node states
STATE_FILLS = {
    "pending": (255, 255, 255),
    "value": (198, 219, 239),
    "gradient": (252, 187, 161),
    "updated": (199, 233, 192),
}
FORWARD_COLOR = (8, 81, 156)
BACKWARD_COLOR = (203, 24, 29)
APPLY_COLOR = (35, 139, 69)
EDGE_COLOR = (150, 150, 150)
ARROW_PX = 6.0


def main_chain(walk: BackpropWalk) -> list[str]:
    """The nodes along the graph's row, left to right: X, Z¹, A¹, …, L."""
    chain = ["X"]
    for node in walk.nodes:
        if node.kind in ("pre_activation", "activation"):
            chain.append(node.name)
    return [*chain, "L"]


def graph_positions(walk: BackpropWalk, rect: QRectF, radius: float) -> dict[str, tuple[float,
                                                                                       float]]:
    """Node centres in ``rect``: the main chain on the bottom row, one column each; W^l and
    b^l on the top row half a column left and right of Z^l; Y above L."""
    chain = main_chain(walk)
    spacing = rect.width() / len(chain)
    top, bottom = rect.top() + radius + 1, rect.bottom() - radius - 1
    positions = {name: (rect.left() + spacing * (i + 0.5), bottom)
                 for i, name in enumerate(chain)}
    for node in walk.nodes:
        if node.kind in ("weight", "bias"):
            z_x = positions[f"Z{node.name[1:]}"][0]
            positions[node.name] = (z_x + (-0.5 if node.kind == "weight" else 0.5) * spacing,
                                    top)
    positions["Y"] = (positions["L"][0], top)
    return positions


def highlighted_edges(walk: BackpropWalk, step: WalkStep) -> list[tuple[str, str]]:
    """The edges a step is computed through: into its node going forward, out of it (toward
    the loss) going backward; every parameter edge for Apply."""
    if step.kind == "apply":
        return [(e.source, e.target) for e in walk.edges if e.source[0] in "Wb"]
    if step.kind == "forward":
        return [(e.source, e.target) for e in walk.edges if e.target == step.node]
    edges = [(e.source, e.target) for e in walk.edges if e.source == step.node]
    if step.kind == "parameters":
        bias = step.node.replace("W", "b", 1)
        edges += [(e.source, e.target) for e in walk.edges if e.source == bias]
    return edges


def edge_segments(ends: list[tuple[tuple[float, float], tuple[float, float]]], radius: float,
                  *, reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of points for lines from circle to circle with a "V" arrow head at the target
    (at the source when ``reverse``: a gradient flows against the operation)."""
    xs, ys = [], []
    for (x0, y0), (x1, y1) in ends:
        dx, dy = x1 - x0, y1 - y0
        length = float(np.hypot(dx, dy)) or 1.0
        ux, uy = dx / length, dy / length
        start = (x0 + ux * radius, y0 + uy * radius)
        end = (x1 - ux * radius, y1 - uy * radius)
        xs += [start[0], end[0]]
        ys += [start[1], end[1]]
        tip, back = (start, (ux, uy)) if reverse else (end, (-ux, -uy))
        for angle in (0.45, -0.45):
            cos, sin = np.cos(angle), np.sin(angle)
            wing = (back[0] * cos - back[1] * sin, back[0] * sin + back[1] * cos)
            xs += [tip[0], tip[0] + wing[0] * ARROW_PX]
            ys += [tip[1], tip[1] + wing[1] * ARROW_PX]
    return np.array(xs, float), np.array(ys, float)


class ComputeGraph:
    """The graph's items on a :class:`Canvas`, made once and moved on every draw."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.edges = pg.PlotCurveItem(pen=pg.mkPen(EDGE_COLOR, width=1.2), connect="pairs",
                                      antialias=True)
        self.lit_edges = pg.PlotCurveItem(pen=pg.mkPen(FORWARD_COLOR, width=3),
                                          connect="pairs", antialias=True)
        self.nodes = pg.ScatterPlotItem(pxMode=True, antialias=True)
        self.nodes.setZValue(3)
        self.lit_edges.setZValue(2)
        for item in (self.edges, self.lit_edges, self.nodes):
            canvas.add(item)
        self.node_labels: dict[str, pg.TextItem] = {}
        self.shape_labels: dict[str, pg.TextItem] = {}
        self.edge_labels: dict[tuple[str, str], pg.TextItem] = {}

    def hide(self) -> None:
        for item in (self.edges, self.lit_edges, self.nodes, *self.node_labels.values(),
                     *self.shape_labels.values(), *self.edge_labels.values()):
            item.setVisible(False)

    def draw(self, walk: BackpropWalk, position: int, rect: QRectF) -> None:
        """The graph in ``rect`` as it stands at step ``position`` of ``walk``."""
        self.walk, self.position, self.step = walk, position, walk.steps[position]
        self._draw_graph(rect)

    def _draw_graph(self, rect: QRectF) -> None:
        walk, step = self.walk, self.step
        chain = main_chain(walk)
        spacing = rect.width() / len(chain)
        shape_height = line_height(text_item(7))
        radius = float(np.clip(min(spacing * 0.34, (rect.height() - shape_height) / 4.2), 8, 17))
        area = QRectF(rect.left(), rect.top(), rect.width(), rect.height() - shape_height)
        positions = graph_positions(walk, area, radius)
        ends = [(positions[e.source], positions[e.target]) for e in walk.edges]
        self.edges.setData(*edge_segments(ends, radius), connect="pairs")
        lit = highlighted_edges(walk, step)
        backward = step.kind in ("backward", "parameters")
        color = (APPLY_COLOR if step.kind == "apply" else BACKWARD_COLOR if backward
                 else FORWARD_COLOR)
        self.lit_edges.setPen(pg.mkPen(color, width=3))
        self.lit_edges.setData(*edge_segments([(positions[a], positions[b]) for a, b in lit],
                                              radius, reverse=backward), connect="pairs")
        self.edges.setVisible(True)
        self.lit_edges.setVisible(bool(lit))
        states = node_states(walk, self.position)
        names = [node.name for node in walk.nodes]
        self._draw_nodes(names, positions, states, radius, backward)
        self._label_nodes(walk, positions, radius, spacing, rect.bottom())
        parameter_row = min(y for _, y in positions.values())
        self._label_edges(walk, positions, radius, spacing, parameter_row + radius)

    def _draw_nodes(self, names: list[str], positions, states: dict[str, str], radius: float,
                    backward: bool) -> None:
        brushes, pens = [], []
        current_state = "gradient" if backward else "value"
        if self.step.kind == "apply":
            current_state = "updated"
        for name in names:
            state = states[name]
            fill = STATE_FILLS[current_state if state == "current" else state]
            brushes.append(pg.mkBrush(fill))
            current = state == "current"
            pens.append(pg.mkPen((0, 0, 0) if current else (90, 90, 90),
                                 width=3 if current else 1.2))
        xs = [positions[name][0] for name in names]
        ys = [positions[name][1] for name in names]
        self.nodes.setData(xs, ys, size=2 * radius, brush=brushes, pen=pens)
        self.nodes.setVisible(True)

    def _label_nodes(self, walk: BackpropWalk, positions, radius: float, spacing: float,
                     bottom: float) -> None:
        """Each node's name in its circle, and under a node of the main row its shape."""
        for node in walk.nodes:
            label = self.node_labels.get(node.name)
            if label is None:
                label = self.node_labels[node.name] = text_item(9, bold=True, anchor=(0.5, 0.5))
                label.setZValue(4)
                self.canvas.add(label)
            x, y = positions[node.name]
            fits = text_width(label, node.name) <= 2 * radius + 4
            label.setText(node.name if fits else "")
            label.setPos(x, y)
            label.setVisible(fits)
            shape = self.shape_labels.get(node.name)
            if shape is None:
                shape = self.shape_labels[node.name] = text_item(7, color=MUTED_COLOR,
                                                                 anchor=(0.5, 0.0))
                self.canvas.add(shape)
            text = f"{node.shape[0]}×{node.shape[1]}"
            main = node.kind not in ("weight", "bias", "target")
            shown = main and text_width(shape, text) <= spacing - 2
            shape.setText(text)
            shape.setPos(x, min(y + radius, bottom - line_height(shape)))
            shape.setVisible(shown)
        for name in set(self.node_labels) - {node.name for node in walk.nodes}:
            self.node_labels[name].setVisible(False)
            self.shape_labels[name].setVisible(False)

    def _label_edges(self, walk: BackpropWalk, positions, radius: float, spacing: float,
                     below: float) -> None:
        """Each operation's name over its edge of the main row, under the parameters (whose
        circles end at ``below``): just above the edge where it fits between the two nodes,
        else higher, clear of the circles; left out where it would touch a node, an edge or
        an arrow head either way (a wide "BCE" in a narrow panel once lay across A² and L)."""
        ends = [(positions[e.source], positions[e.target]) for e in walk.edges]
        segments = np.column_stack(edge_segments(ends, radius)).reshape(-1, 4)
        circles = list(positions.values())
        seen = set()
        for edge in walk.edges:
            key = (edge.source, edge.target)
            seen.add(key)
            label = self.edge_labels.get(key)
            if label is None:
                label = self.edge_labels[key] = text_item(8, color=MUTED_COLOR,
                                                          anchor=(0.5, 1.0))
                self.canvas.add(label)
            (x0, y0), (x1, y1) = positions[edge.source], positions[edge.target]
            label.setText(edge.operation)
            spot = None
            if edge.operation and y0 == y1:
                size = (text_width(label, edge.operation), line_height(label))
                spot = _clear_label_spot((x0 + x1) / 2, (y0 - 2, y0 - radius - 3), size,
                                         below, circles, radius, segments)
            if spot is not None:
                label.setPos(*spot)
            label.setVisible(spot is not None)
        for key in set(self.edge_labels) - seen:
            self.edge_labels[key].setVisible(False)


#: pixels kept between an edge label and any node or line of the graph
LABEL_CLEARANCE = 1.5


def _clear_label_spot(x: float, bottoms: tuple[float, ...], size: tuple[float, float],
                      top_limit: float, circles: list[tuple[float, float]], radius: float,
                      segments: np.ndarray) -> tuple[float, float] | None:
    """The first (x, bottom) of ``bottoms`` where a label of ``size`` centred on ``x`` stays
    under ``top_limit`` and clear of every circle and every line segment, or None."""
    width, height = size
    for bottom in bottoms:
        rect = QRectF(x - width / 2, bottom - height, width, height)
        if rect.top() < top_limit + 1:
            continue
        grown = rect.adjusted(-LABEL_CLEARANCE, -LABEL_CLEARANCE, LABEL_CLEARANCE,
                              LABEL_CLEARANCE)
        if not any(_rect_meets_circle(grown, centre, radius) for centre in circles) \
                and not _rect_meets_segments(grown, segments):
            return x, bottom
    return None


def _rect_meets_circle(rect: QRectF, centre: tuple[float, float], radius: float) -> bool:
    """Whether ``rect`` and the disc of ``radius`` around ``centre`` overlap."""
    nearest_x = min(max(centre[0], rect.left()), rect.right())
    nearest_y = min(max(centre[1], rect.top()), rect.bottom())
    return bool(np.hypot(nearest_x - centre[0], nearest_y - centre[1]) < radius)


def _rect_meets_segments(rect: QRectF, segments: np.ndarray) -> bool:
    """Whether any (x0, y0, x1, y1) row of ``segments`` meets ``rect`` (Liang–Barsky)."""
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    enter, leave = np.zeros(len(segments)), np.ones(len(segments))
    inside = np.ones(len(segments), bool)
    for p, q in ((-dx, x0 - rect.left()), (dx, rect.right() - x0),
                 (-dy, y0 - rect.top()), (dy, rect.bottom() - y0)):
        parallel = p == 0
        inside &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        enter = np.where(~parallel & (p < 0), np.maximum(enter, ratio), enter)
        leave = np.where(~parallel & (p > 0), np.minimum(leave, ratio), leave)
    return bool(np.any(inside & (enter <= leave)))
