"""The network as TensorFlow Playground draws it: layers as columns, edges by weight.

Each layer is a column of nodes. An edge's colour is its weight's sign (blue positive, orange
negative) and its width and opacity grow with |w| relative to the largest weight of the
network. When the input is 2-D, every input and hidden node is a small image of that unit's
output over the input plane (``NetworkView.unit_grids``); hovering a hidden node shows its
image large, beside the network. Edges are drawn by a fixed set of pair-connected curves, one
per (sign, strength) bin, so a frame costs a few ``setData`` calls however many edges there are.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF

from nnviz.app.panels.base import CsvTable, Panel, register_panel
from nnviz.app.panels.colors import class_color, diverging_lut
from nnviz.core.views import NetworkView
from nnviz.session import Snapshot

#: nodes drawn per layer; wider layers show their first units and "+N more"
MAX_NODES = 12
NODE = 0.72          # node (thumbnail) side, in layout units; nodes are 1 unit apart
LAYER_GAP = 2.6      # horizontal distance between layer columns
STRENGTH_BINS = 5
POSITIVE, NEGATIVE = class_color(1), class_color(0)
PREVIEW_HINT = "hover a hidden unit to see its output over the input plane"


def layer_positions(sizes: tuple[int, ...]) -> list[np.ndarray]:
    """(x, y) centres of the drawn nodes of each layer, columns centred on y = 0."""
    positions = []
    for layer, size in enumerate(sizes):
        shown = min(size, MAX_NODES)
        ys = (np.arange(shown)[::-1] - (shown - 1) / 2) * 1.0
        positions.append(np.column_stack([np.full(shown, layer * LAYER_GAP), ys]))
    return positions


def edge_bins(weights: tuple[np.ndarray, ...], positions: list[np.ndarray]
              ) -> dict[tuple[int, int], np.ndarray]:
    """Segment end points per (sign, strength bin): sign 1 for w ≥ 0, 0 for w < 0."""
    scale = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    chunks: dict[tuple[int, int], list[np.ndarray]] = {}
    for layer, w in enumerate(weights):
        left, right = positions[layer], positions[layer + 1]
        shown = w[: len(left), : len(right)]
        i, j = np.meshgrid(np.arange(len(left)), np.arange(len(right)), indexing="ij")
        i, j, values = i.ravel(), j.ravel(), shown.ravel()
        strength = np.minimum((np.abs(values) / scale * STRENGTH_BINS).astype(int),
                              STRENGTH_BINS - 1)
        sign = (values >= 0).astype(int)
        ends = np.empty((2 * len(values), 2))
        ends[0::2] = left[i] + (NODE / 2, 0)
        ends[1::2] = right[j] - (NODE / 2, 0)
        for s in (0, 1):
            for b in range(STRENGTH_BINS):
                mask = (sign == s) & (strength == b)
                if mask.any():
                    pairs = np.repeat(mask, 2)
                    chunks.setdefault((s, b), []).append(ends[pairs])
    return {key: np.concatenate(parts) for key, parts in chunks.items()}


def _set_node_image(image: pg.ImageItem, grid: np.ndarray, scale: float,
                    lut: np.ndarray) -> None:
    """Draw ``grid`` on a node's image, symmetric levels so that 0 is the map's white."""
    first = image.image is None or image.image.shape != grid.shape
    image.setImage(grid, levels=(-scale, scale), lut=lut, autoLevels=False)
    if first:
        image.setRect(image.node_rect)


@register_panel
class NetworkPanel(Panel):
    kind = "network"
    title = "Network"
    max_fps = 10.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.box = self.view.addViewBox(row=0, col=0)
        self.box.setAspectLocked(True)
        self.box.setMouseEnabled(x=False, y=False)
        self.box.setMenuEnabled(False)
        preview_plot = self.view.addPlot(row=0, col=1)
        preview_plot.setMenuEnabled(False)
        preview_plot.hideButtons()
        preview_plot.setMouseEnabled(x=False, y=False)
        preview_plot.setAspectLocked(True)
        preview_plot.hideAxis("left")
        preview_plot.hideAxis("bottom")
        preview_plot.setTitle(PREVIEW_HINT, size="8pt", color="#555")
        self.preview_plot = preview_plot
        self.view.ci.layout.setColumnStretchFactor(0, 3)
        self.view.ci.layout.setColumnStretchFactor(1, 2)
        self.preview = pg.ImageItem(axisOrder="row-major")
        preview_plot.addItem(self.preview)
        self.layout_.addWidget(self.view)

        self.lut = diverging_lut()
        self.edges: dict[tuple[int, int], pg.PlotCurveItem] = {}
        for sign, color in ((0, NEGATIVE), (1, POSITIVE)):
            for strength in range(STRENGTH_BINS):
                fraction = (strength + 1) / STRENGTH_BINS
                pen = pg.mkPen((*color, int(40 + 200 * fraction)), width=0.5 + 3.5 * fraction)
                curve = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
                curve.setZValue(strength)
                self.box.addItem(curve)
                self.edges[(sign, strength)] = curve
        self.nodes = pg.ScatterPlotItem(size=14, pen=pg.mkPen((60, 60, 60)), pxMode=True)
        self.nodes.setZValue(20)
        self.box.addItem(self.nodes)
        self.thumbnails: list[list[pg.ImageItem]] = []
        self.labels: list[pg.TextItem] = []
        self.sizes: tuple[int, ...] = ()
        self._layout_key: tuple | None = None
        self.positions: list[np.ndarray] = []
        self.network: NetworkView | None = None
        self.hovered: tuple[int, int] | None = None
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)

    # -- drawing --------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        network = snapshot.views.get("network")
        if isinstance(network, NetworkView):
            self.draw(network)

    def draw(self, network: NetworkView) -> None:
        self.network = network
        key = (tuple(network.sizes), network.extent is None)
        if key != self._layout_key:
            self._layout_key = key
            self._layout(network)
        binned = edge_bins(network.weights, self.positions)
        for key, curve in self.edges.items():
            ends = binned.get(key)
            if ends is None:
                curve.setData(np.empty(0), np.empty(0))
            else:
                curve.setData(ends[:, 0], ends[:, 1], connect="pairs")
        for layer, grids in enumerate(network.unit_grids, start=1):
            if layer >= len(self.thumbnails):
                break
            self._set_images(self.thumbnails[layer], grids)
        if self.hovered is None and len(self.sizes) > 2 and network.unit_grids:
            self.hovered = (1, 0)  # until the person hovers, show the first hidden unit
        if self.hovered is not None:
            self._show_preview(*self.hovered)

    def _set_images(self, images: list[pg.ImageItem], grids: np.ndarray) -> None:
        if not images:
            return
        scale = float(np.abs(grids[: len(images)]).max()) or 1.0
        for image, grid in zip(images, grids, strict=False):
            _set_node_image(image, grid, scale, self.lut)

    def _layout(self, network: NetworkView) -> None:
        """Build node items for a new architecture (not per frame)."""
        for layer_images in self.thumbnails:
            for image in layer_images:
                self.box.removeItem(image)
        for label in self.labels:
            self.box.removeItem(label)
        self.sizes = tuple(network.sizes)
        self.positions = layer_positions(self.sizes)
        self.thumbnails, self.labels = [], []
        last = len(self.sizes) - 1
        circles = []
        for layer, centres in enumerate(self.positions):
            images = []
            images_here = network.extent is not None and layer < last
            for x, y in centres:
                if images_here:
                    image = pg.ImageItem(axisOrder="row-major")
                    # setRect needs the image's size: it is applied after the first setImage
                    image.node_rect = QRectF(x - NODE / 2, y - NODE / 2, NODE, NODE)
                    image.setZValue(15)
                    image.setBorder(pg.mkPen((90, 90, 90), width=1))
                    self.box.addItem(image)
                    images.append(image)
                else:
                    circles.append((x, y))
            self.thumbnails.append(images)
            name = "input" if layer == 0 else "output" if layer == last else f"hidden {layer}"
            more = self.sizes[layer] - len(centres)
            text = f"{name} ({self.sizes[layer]}" + (f", {more} not shown)" if more else ")")
            label = pg.TextItem(text, color=(40, 40, 40), anchor=(0.5, 1.0))
            label.setPos(centres[0][0], centres[0][1] + 0.55)
            self.box.addItem(label)
            self.labels.append(label)
        if network.extent is not None and self.thumbnails and self.thumbnails[0]:
            self._input_images(network.extent)
        if circles:
            self.nodes.setData(pos=np.array(circles), brush=pg.mkBrush(235, 235, 235))
        else:
            self.nodes.setData([], [])
        tops = [float(p[:, 1].max()) for p in self.positions]
        bottoms = [float(p[:, 1].min()) for p in self.positions]
        self.box.setRange(xRange=(-1.0, last * LAYER_GAP + 1.0),
                          yRange=(min(bottoms) - 0.6, max(tops) + 1.5), padding=0.02)

    def _input_images(self, extent: tuple[float, float, float, float]) -> None:
        """Input node k shows x_k over the plane (a ramp), on the same colour scale."""
        x_min, x_max, y_min, y_max = extent
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, 40), np.linspace(y_min, y_max, 40))
        for image, ramp in zip(self.thumbnails[0], (xs, ys), strict=False):
            _set_node_image(image, ramp, float(np.abs(ramp).max()) or 1.0, self.lut)

    # -- hovering -------------------------------------------------------------------------
    def node_at(self, point: QPointF) -> tuple[int, int] | None:
        """(layer, unit) of the hidden node under a view-coordinate point, if any."""
        for layer in range(1, len(self.positions) - 1):
            centres = self.positions[layer]
            inside = (np.abs(centres[:, 0] - point.x()) <= NODE / 2) & (
                np.abs(centres[:, 1] - point.y()) <= NODE / 2)
            if inside.any():
                return layer, int(np.argmax(inside))
        return None

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        if not self.box.sceneBoundingRect().contains(scene_pos):
            return
        node = self.node_at(self.box.mapSceneToView(scene_pos))
        if node is not None and node != self.hovered:
            self.hover(*node)

    def hover(self, layer: int, unit: int) -> None:
        """Show hidden unit ``unit`` of hidden layer ``layer`` (1-based) large."""
        self.hovered = (layer, unit)
        self._show_preview(layer, unit)

    def _show_preview(self, layer: int, unit: int) -> None:
        network = self.network
        if network is None or layer - 1 >= len(network.unit_grids):
            return
        grids = network.unit_grids[layer - 1]
        if unit >= len(grids):
            return
        grid = grids[unit]
        scale = float(np.abs(grid).max()) or 1.0
        self.preview.setImage(grid, levels=(-scale, scale), lut=self.lut, autoLevels=False)
        if network.extent is not None:
            x_min, x_max, y_min, y_max = network.extent
            self.preview.setRect(QRectF(x_min, y_min, x_max - x_min, y_max - y_min))
        activation = f" ({network.activation})" if network.activation else ""
        self.preview_plot.setTitle(
            f"hidden layer {layer}, unit {unit + 1}{activation}<br>"
            "<span style='font-size:7pt;color:#666'>hover a hidden unit to change</span>",
            size="9pt", color="#222")

    # -- export ---------------------------------------------------------------------------
    def export_target(self):
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        network = self.network
        if network is None:
            return {}
        columns: list[list[object]] = [[], [], [], []]
        for layer, w in enumerate(network.weights, start=1):
            i, j = np.meshgrid(np.arange(w.shape[0]), np.arange(w.shape[1]), indexing="ij")
            columns[0] += [layer] * w.size
            columns[1] += i.ravel().tolist()
            columns[2] += j.ravel().tolist()
            columns[3] += w.ravel().tolist()
        return {"weights": (["layer", "from_unit", "to_unit", "weight"], columns)}
