"""The network as TensorFlow Playground draws it: layers as columns, edges by weight.

Each layer is a column of nodes under a header row that names it and its width. An edge's
colour is its weight's sign (blue positive, orange negative) and its width and opacity grow
with |w| relative to the largest weight of the network. When the input is 2-D, every input and
hidden node is a small image of that unit's output over the input plane
(``NetworkView.unit_grids``); hovering a hidden node shows its image large, beside the network.
Edges are drawn by a fixed set of pair-connected curves, one per (sign, strength) bin, so a
frame costs a few ``setData`` calls however many edges there are.

Deep and wide networks stay readable: a layer wider than :data:`MAX_NODES` shows its first
units and a "⋮" in its last slot (the header gives the true width), and the headers take the
longest of three forms ("hidden 1 (8)", "hidden 1⏎8", "h1⏎8") that fits between the columns
at the panel's current size. The view is framed so that the outer headers are never cut off.
The hint for the mouse is a widget under the figure, so exports (which render the scene) never
carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel, QSizePolicy

from nnviz.app.panels.axes import add_plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.colors import class_color, diverging_lut
from nnviz.core.views import NetworkView
from nnviz.session import Snapshot

#: slots per column; a wider layer draws its first MAX_NODES − 1 units and "⋮" in the last slot
MAX_NODES = 12
NODE = 0.72          # node (thumbnail) side, in layout units; nodes are 1 unit apart
LAYER_GAP = 2.6      # least horizontal distance between layer columns
MAX_LAYER_GAP = 6.0  # columns spread up to this far apart where the panel is wide
HEADER_GAP = 0.45    # from the tallest column's top node to the header row
MARGIN_PX = 4        # free pixels around the drawing
CIRCLE_PX = 14       # output nodes without images are circles of this many pixels
MAX_SCALE = 48.0     # pixels per unit at most: a small network does not blow up its nodes
STRENGTH_BINS = 5
POSITIVE, NEGATIVE = class_color(1), class_color(0)
PREVIEW_HINT = "Hover a hidden unit to see it large."
#: header forms, longest first: (input, hidden, output) names and how the width follows
HEADER_FORMS = (
    ("input", "hidden {layer}", "output", " ({size})"),
    ("input", "hidden {layer}", "output", "\n{size}"),
    ("in", "h{layer}", "out", "\n{size}"),
    ("in", "h{layer}", "out", ""),  # the widths move to one line above: architecture_text
)
#: the form whose headers leave the widths to the architecture line
NAMES_ONLY = len(HEADER_FORMS) - 1


def drawn_units(size: int) -> int:
    """How many of a layer's units are drawn as nodes."""
    return size if size <= MAX_NODES else MAX_NODES - 1


def column_slots(size: int) -> np.ndarray:
    """y of each slot of a layer's column, top first, centred on y = 0."""
    slots = min(size, MAX_NODES)
    return np.arange(slots)[::-1] - (slots - 1) / 2


def layer_positions(sizes: Sequence[int], gap: float = LAYER_GAP) -> list[np.ndarray]:
    """(x, y) centres of the drawn nodes of each layer, columns ``gap`` apart."""
    positions = []
    for layer, size in enumerate(sizes):
        ys = column_slots(size)[: drawn_units(size)]
        positions.append(np.column_stack([np.full(len(ys), layer * gap), ys]))
    return positions


def ellipsis_positions(sizes: Sequence[int], gap: float = LAYER_GAP
                       ) -> list[tuple[float, float]]:
    """Where each summarised layer's "⋮" goes: its column's last slot."""
    return [(layer * gap, float(column_slots(size)[-1]))
            for layer, size in enumerate(sizes) if size > MAX_NODES]


def header_text(layer: int, size: int, last: int, form: int) -> str:
    """A column's header in one of :data:`HEADER_FORMS`: "hidden 2 (16)", "h2⏎16" …"""
    first_name, hidden_name, last_name, width = HEADER_FORMS[form]
    name = first_name if layer == 0 else last_name if layer == last else hidden_name
    return name.format(layer=layer) + width.format(size=size)


def architecture_text(sizes: Sequence[int]) -> str:
    """The widths in one line, runs of equal hidden layers counted: "units: 2 → 6×16 → 2"."""
    hidden = [f"{len(run)}×{run[0]}" if len(run) > 1 else str(run[0])
              for run in _runs(sizes[1:-1])]
    return "units: " + " → ".join([str(sizes[0]), *hidden, str(sizes[-1])])


def _runs(values: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1].append(value)
        else:
            runs.append([value])
    return runs


def header_y(sizes: Sequence[int]) -> float:
    """The header row's baseline: above the tallest column, the same for every column."""
    return max(float(column_slots(size)[0]) for size in sizes) + NODE / 2 + HEADER_GAP


def edge_bins(weights: tuple[np.ndarray, ...], positions: list[np.ndarray],
              half_widths: Sequence[float] | None = None) -> dict[tuple[int, int], np.ndarray]:
    """Segment end points per (sign, strength bin): sign 1 for w ≥ 0, 0 for w < 0.

    Edges start and end at the nodes' sides, ``half_widths[layer]`` from the column's centre
    (half a node unless given: a circle of fixed pixels has its own).
    """
    if half_widths is None:
        half_widths = [NODE / 2] * len(positions)
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
        ends[0::2] = left[i] + (half_widths[layer], 0)
        ends[1::2] = right[j] - (half_widths[layer + 1], 0)
        for s in (0, 1):
            for b in range(STRENGTH_BINS):
                mask = (sign == s) & (strength == b)
                if mask.any():
                    pairs = np.repeat(mask, 2)
                    chunks.setdefault((s, b), []).append(ends[pairs])
    return {key: np.concatenate(parts) for key, parts in chunks.items()}


# -- framing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """How the network is framed in a view of ``width`` × ``height`` pixels.

    ``form`` indexes :data:`HEADER_FORMS`; ``scale`` is pixels per layout unit (the same on
    both axes, so nodes stay square); ``gap`` the distance of the columns in units; the
    ranges are what the view box shows.
    """

    form: int
    scale: float
    gap: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def largest_scale(width: float, height: float, span_x: float, span_y: float,
                  left_px: float, right_px: float, top_px: float) -> float:
    """The most pixels per unit at which the network and its headers fit.

    Horizontally the column centres span ``span_x`` units; beyond the outer centres the
    drawing needs half a node or half the outer header (``left_px``/``right_px``), whichever
    is wider. Vertically ``span_y`` units of nodes and header gap, plus the header's
    ``top_px``. The horizontal condition is monotone in the scale: bisection finds it.
    """
    room_x, room_y = width - 2 * MARGIN_PX, height - 2 * MARGIN_PX - top_px
    by_height = room_y / span_y if span_y > 0 else np.inf

    def fits(scale: float) -> bool:
        half_node = NODE / 2 * scale
        return (span_x * scale + max(half_node, left_px) + max(half_node, right_px)
                <= room_x)

    low, high = 0.0, max(room_x, 1.0) / max(span_x, NODE)
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return max(min(low, by_height, MAX_SCALE), 1e-3)


def spread_gap(width: float, scale: float, columns: int, left_px: float,
               right_px: float) -> float:
    """The column distance that uses the width a tall network leaves over, in units.

    At least :data:`LAYER_GAP`, at most :data:`MAX_LAYER_GAP`: a shallow network in a wide
    panel spreads out, as TensorFlow Playground's does, which leaves room for long headers.
    """
    if columns < 2:
        return LAYER_GAP
    half_node = NODE / 2 * scale
    room = width - 2 * MARGIN_PX - max(half_node, left_px) - max(half_node, right_px)
    return float(np.clip(room / ((columns - 1) * scale), LAYER_GAP, MAX_LAYER_GAP))


def frame_network(sizes: Sequence[int], width: float, height: float,
                  header_sizes: Sequence[Sequence[tuple[float, float]]],
                  input_label_px: float = 0.0) -> Frame:
    """The longest header form whose neighbouring headers do not touch, and its framing.

    ``header_sizes[form][layer]`` is the (width, height) in pixels of that layer's header in
    that form. The last form is used when none fits (a panel too narrow for any words).
    ``input_label_px``: the widest input node name, drawn left of its node (extra features);
    room is kept for it beside a node at its largest, so it is never cut.
    """
    last = len(sizes) - 1
    bottom = min(float(column_slots(size)[-1]) for size in sizes) - NODE / 2
    top = header_y(sizes)
    for form, measured in enumerate(header_sizes):
        widths = [w for w, _ in measured]
        label_height = max(h for _, h in measured)
        left = max(widths[0] / 2, CIRCLE_PX / 2,
                   input_label_px + NODE / 2 * MAX_SCALE if input_label_px else 0.0)
        right = max(widths[-1] / 2, CIRCLE_PX / 2)
        scale = largest_scale(width, height, last * LAYER_GAP, top - bottom, left, right,
                              label_height)
        gap = spread_gap(width, scale, len(sizes), left, right)
        apart = all((a + b) / 2 <= gap * scale for a, b in pairwise(widths))
        if apart or form == len(header_sizes) - 1:
            break
    span_x = last * gap
    content_left = min(-NODE / 2, -left / scale)
    content_right = max(span_x + NODE / 2, span_x + right / scale)
    content_top = top + label_height / scale
    middle_x = (content_left + content_right) / 2
    middle_y = (bottom + content_top) / 2
    half_w, half_h = width / 2 / scale, height / 2 / scale
    return Frame(form, scale, gap, (middle_x - half_w, middle_x + half_w),
                 (middle_y - half_h, middle_y + half_h))


def _set_node_image(image: pg.ImageItem, grid: np.ndarray, scale: float,
                    lut: np.ndarray) -> None:
    """Draw ``grid`` on a node's image, symmetric levels so that 0 is the map's white."""
    first = image.image is None or image.image.shape != grid.shape
    image.setImage(grid, levels=(-scale, scale), lut=lut, autoLevels=False)
    if first:
        image.setRect(image.node_rect)


def _centred_text(item: pg.TextItem, text: str) -> None:
    """Set ``text`` with every line centred (a two-line header reads as one block)."""
    item.setText(text)
    document = item.textItem.document()
    option = document.defaultTextOption()
    option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    document.setDefaultTextOption(option)
    item.setTextWidth(-1)
    item.setTextWidth(document.idealWidth())


def _text_size(item: pg.TextItem, text: str) -> tuple[float, float]:
    """(width, height) in pixels that ``text`` takes in ``item`` (margins included)."""
    metrics = QFontMetricsF(item.textItem.font())
    lines = text.split("\n")
    margin = 2 * item.textItem.document().documentMargin()
    return (max(metrics.horizontalAdvance(line) for line in lines) + margin,
            len(lines) * metrics.lineSpacing() + margin)


def preview_titles(layer: int, unit: int, activation: str) -> list[str]:
    """The large preview's title, longest first; the first that fits is shown."""
    kind = f" ({activation})" if activation else ""
    return [f"hidden layer {layer}, unit {unit + 1}{kind}",
            f"hidden layer {layer}<br>unit {unit + 1}{kind}",
            f"layer {layer}<br>unit {unit + 1}",
            f"h{layer} u{unit + 1}"]


@register_panel
class NetworkPanel(Panel):
    kind = "network"
    draws = view_types(network=NetworkView)
    title = "Network"
    max_fps = 10.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.view.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.layout_.setSpacing(2)
        self.box = self.view.addViewBox(row=0, col=0, enableMenu=False)
        self.box.setMouseEnabled(x=False, y=False)
        preview_plot = add_plain_plot(self.view, row=0, col=1, enableMenu=False)
        preview_plot.hideButtons()
        preview_plot.setMouseEnabled(x=False, y=False)
        preview_plot.setAspectLocked(True)
        preview_plot.hideAxis("left")
        preview_plot.hideAxis("bottom")
        self.preview_plot = preview_plot
        self._preview_shown = True
        self.preview = pg.ImageItem(axisOrder="row-major")
        preview_plot.addItem(self.preview)
        self.layout_.addWidget(self.view, 1)
        # a hint for the mouse is no part of the figure: a widget, outside the exported scene
        self.hint = QLabel(PREVIEW_HINT)
        self.hint.setObjectName("network-hint")
        self.hint.setStyleSheet("color: #666; font-size: 8pt;")
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.layout_.addWidget(self.hint)

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
        self.nodes = pg.ScatterPlotItem(size=CIRCLE_PX, pen=pg.mkPen((60, 60, 60)), pxMode=True)
        self.nodes.setZValue(20)
        self.box.addItem(self.nodes)
        self.thumbnails: list[list[pg.ImageItem]] = []
        self.labels: list[pg.TextItem] = []
        #: the input nodes' names, left of them, when the view names its inputs
        self.input_labels: list[pg.TextItem] = []
        self.ellipses: list[pg.TextItem] = []
        self.architecture = pg.TextItem(color=(40, 40, 40), anchor=(0.5, 1.0))
        self.architecture.setVisible(False)
        self.box.addItem(self.architecture, ignoreBounds=True)
        self.sizes: tuple[int, ...] = ()
        self.header_form = 0
        self.layer_gap, self.layer_scale = LAYER_GAP, MAX_SCALE
        self.half_widths: list[float] = []
        self._layout_key: tuple | None = None
        self.positions: list[np.ndarray] = []
        self.network: NetworkView | None = None
        self.hovered: tuple[int, int] | None = None
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)
        self.box.sigResized.connect(self._frame)
        preview_plot.vb.sigResized.connect(self._fit_preview_title)
        self._set_preview_shown(False)

    # -- drawing --------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        network = snapshot.view(NetworkView)
        if network is not None:
            self.draw(network)

    def draw(self, network: NetworkView) -> None:
        self.network = network
        key = (tuple(network.sizes), network.extent is None, network.input_names)
        if key != self._layout_key:
            self._layout_key = key
            self._layout(network)
        self._draw_edges()
        for layer, grids in enumerate(network.unit_grids, start=1):
            if layer >= len(self.thumbnails):
                break
            self._set_images(self.thumbnails[layer], grids)
        self._set_preview_shown(bool(network.unit_grids))
        if self.hovered is None and len(self.sizes) > 2 and network.unit_grids:
            self.hovered = (1, 0)  # until the person hovers, show the first hidden unit
        if self.hovered is not None:
            self._show_preview(*self.hovered)

    def _draw_edges(self) -> None:
        if self.network is None or not self.positions:
            return
        binned = edge_bins(self.network.weights, self.positions, self.half_widths)
        for key, curve in self.edges.items():
            ends = binned.get(key)
            if ends is None:
                curve.setData(np.empty(0), np.empty(0))
            else:
                curve.setData(ends[:, 0], ends[:, 1], connect="pairs")

    def _set_images(self, images: list[pg.ImageItem], grids: np.ndarray) -> None:
        if not images:
            return
        scale = float(np.abs(grids[: len(images)]).max()) or 1.0
        for image, grid in zip(images, grids, strict=False):
            _set_node_image(image, grid, scale, self.lut)

    def _layout(self, network: NetworkView) -> None:
        """Build the node and header items of a new architecture (not per frame)."""
        for item in [*(i for images in self.thumbnails for i in images), *self.labels,
                     *self.ellipses, *self.input_labels]:
            self.box.removeItem(item)
        self.sizes = tuple(network.sizes)
        last = len(self.sizes) - 1
        images_here = network.extent is not None
        self.thumbnails = [
            [self._node_image() for _ in range(drawn_units(size))]
            if images_here and layer < last else []
            for layer, size in enumerate(self.sizes)]
        self.labels = [self._text_item("", (0.5, 1.0)) for _ in self.sizes]
        self.input_labels = [self._text_item(name, (1.0, 0.5)) for name
                             in network.input_names[:drawn_units(self.sizes[0])]]
        self.ellipses = [self._text_item("⋮", (0.5, 0.5))
                         for _ in ellipsis_positions(self.sizes)]
        if images_here and self.thumbnails[0]:
            self._input_images(network)
        self.header_form = -1
        self._place(LAYER_GAP, MAX_SCALE)  # a box without a size keeps this until it has one
        self._frame()

    def _node_image(self) -> pg.ImageItem:
        image = pg.ImageItem(axisOrder="row-major")
        image.node_rect = QRectF()
        image.setZValue(15)
        image.setBorder(pg.mkPen((90, 90, 90), width=1))
        self.box.addItem(image)
        return image

    def _text_item(self, text: str, anchor: tuple[float, float]) -> pg.TextItem:
        item = pg.TextItem(text, color=(40, 40, 40), anchor=anchor)
        self.box.addItem(item, ignoreBounds=True)
        return item

    def _place(self, gap: float, scale: float) -> None:
        """Put every node, header and "⋮" where columns ``gap`` units apart have them, at
        ``scale`` pixels per unit (circles keep their size in pixels)."""
        self.layer_gap, self.layer_scale = gap, scale
        self.half_widths = [NODE / 2 if images else CIRCLE_PX / 2 / scale
                            for images in self.thumbnails]
        self.positions = layer_positions(self.sizes, gap)
        top = header_y(self.sizes)
        circles = []
        for layer, (centres, images) in enumerate(zip(self.positions, self.thumbnails,
                                                      strict=True)):
            self.labels[layer].setPos(layer * gap, top)
            if layer == 0:
                for name, (x, y) in zip(self.input_labels, centres, strict=False):
                    name.setPos(x - self.half_widths[0], y)
            if not images:
                circles.extend(map(tuple, centres))
                continue
            for image, (x, y) in zip(images, centres, strict=True):
                # setRect needs the image's size: before the first setImage it waits there
                image.node_rect = QRectF(x - NODE / 2, y - NODE / 2, NODE, NODE)
                if image.image is not None:
                    image.setRect(image.node_rect)
        for dots, position in zip(self.ellipses, ellipsis_positions(self.sizes, gap),
                                  strict=True):
            dots.setPos(*position)
        if circles:
            self.nodes.setData(pos=np.array(circles), brush=pg.mkBrush(235, 235, 235))
        else:
            self.nodes.setData([], [])
        self._draw_edges()

    def _frame(self, *_args) -> None:
        """Pick the header form, the columns' distance and the view range for the box's size."""
        if not self.sizes or not self.labels:
            return
        rect = self.box.boundingRect()
        if rect.width() < 2 or rect.height() < 2:
            return
        last = len(self.sizes) - 1
        texts = [[header_text(layer, size, last, form) for layer, size in enumerate(self.sizes)]
                 for form in range(len(HEADER_FORMS))]
        measured = [[_text_size(self.labels[0], text) for text in form] for form in texts]
        architecture = architecture_text(self.sizes)
        line_height = _text_size(self.architecture, architecture)[1]
        measured[NAMES_ONLY] = [(w, h + line_height) for w, h in measured[NAMES_ONLY]]
        names_px = max((_text_size(item, item.toPlainText())[0] for item in self.input_labels),
                       default=0.0)
        frame = frame_network(self.sizes, rect.width(), rect.height(), measured, names_px)
        if (frame.gap, frame.scale) != (self.layer_gap, self.layer_scale):
            self._place(frame.gap, frame.scale)
        if frame.form != self.header_form:
            self.header_form = frame.form
            for label, text in zip(self.labels, texts[frame.form], strict=True):
                _centred_text(label, text)
        names_only = frame.form == NAMES_ONLY
        self.architecture.setVisible(names_only)
        if names_only:
            self.architecture.setText(architecture)
            name_height = measured[NAMES_ONLY][0][1] - line_height
            self.architecture.setPos(last * frame.gap / 2,
                                     header_y(self.sizes) + name_height / frame.scale)
        self.box.setRange(xRange=frame.x_range, yRange=frame.y_range, padding=0)

    def _input_images(self, network: NetworkView) -> None:
        """Input node k shows x_k over the plane (a ramp, or a computed feature's values),
        each on its own symmetric colour scale."""
        grids = network.input_grids
        if grids is None:
            x_min, x_max, y_min, y_max = network.extent
            grids = np.meshgrid(np.linspace(x_min, x_max, 40), np.linspace(y_min, y_max, 40))
        for image, grid in zip(self.thumbnails[0], grids, strict=False):
            _set_node_image(image, grid, float(np.abs(grid).max()) or 1.0, self.lut)

    # -- the large preview --------------------------------------------------------------------
    def _set_preview_shown(self, shown: bool) -> None:
        """The preview (and its hint) only when there are unit images to show large.

        Its column share grows with the network's depth: a deep network needs the width.
        """
        layout = self.view.ci.layout
        layout.setColumnStretchFactor(0, max(3, len(self.sizes)))
        layout.setColumnStretchFactor(1, 2 if shown else 0)
        if shown == self._preview_shown:
            return
        self._preview_shown = shown
        if shown:
            self.view.ci.addItem(self.preview_plot, row=0, col=1)
        else:
            self.view.ci.removeItem(self.preview_plot)
        self.hint.setVisible(shown)

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
        self._fit_preview_title()

    def _fit_preview_title(self, *_args) -> None:
        """The longest title that fits the preview's width (a title is never cut off)."""
        if self.hovered is None or self.network is None:
            return
        font = QFont()
        font.setPointSizeF(9)
        metrics = QFontMetricsF(font)
        room = self.preview_plot.width() - 2 * MARGIN_PX
        titles = preview_titles(*self.hovered, self.network.activation)
        fitting = [t for t in titles
                   if max(metrics.horizontalAdvance(line) for line in t.split("<br>")) <= room]
        title = fitting[0] if fitting else titles[-1]
        label = self.preview_plot.titleLabel
        if title != label.text or not label.isVisible():
            self.preview_plot.setTitle(title, size="9pt", color="#222")
        # chosen to fit, the title must not also hold the preview at its width: a narrower
        # panel could then not shrink the preview, and the title would never be refitted
        label.setMinimumWidth(0)

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
