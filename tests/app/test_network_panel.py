"""The network panel stays readable from logistic regression to 8 hidden layers of 256 units,
and its exports carry no hint for the mouse."""

from __future__ import annotations

from itertools import combinations, pairwise

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsTextItem

from nnviz.app import export
from nnviz.app.panels.network import (
    MAX_NODES,
    PREVIEW_HINT,
    NetworkPanel,
    architecture_text,
    frame_network,
    header_text,
    layer_positions,
)
from nnviz.core.views import NetworkView

EXTENT = (-2.0, 2.0, -1.5, 1.5)
#: the panel's size in a 1024×700, a 1440×900 and a 2560×1440 window (two columns of panels)
PANEL_SIZES = [(331, 230), (539, 230), (1000, 560)]


def network_view(hidden: tuple[int, ...], *, images: bool = True) -> NetworkView:
    """A network of the given hidden widths between 2 inputs and 2 outputs, random weights."""
    rng = np.random.default_rng(0)
    sizes = (2, *hidden, 2)
    weights = tuple(rng.normal(size=(a, b)) for a, b in pairwise(sizes))
    biases = tuple(np.zeros(b) for b in sizes[1:])
    grids = tuple(rng.normal(size=(units, 40, 40)) for units in hidden) if images else ()
    return NetworkView(sizes=sizes, weights=weights, biases=biases,
                       extent=EXTENT if images else None, unit_grids=grids,
                       activation="tanh")


def shown_panel(qtbot, size: tuple[int, int], network: NetworkView) -> NetworkPanel:
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    panel.draw(network)
    qtbot.wait(20)
    panel.view.scene().prepareForPaint()  # view boxes apply a new range just before painting
    return panel


def text_rects(panel: NetworkPanel) -> list[QRectF]:
    """Scene rectangles of the visible header texts (layer names and the architecture line),
    without the text items' empty margins."""
    items = [*panel.labels, panel.architecture]
    margin = panel.labels[0].textItem.document().documentMargin() - 1
    return [item.mapRectToScene(item.boundingRect()).adjusted(margin, margin, -margin, -margin)
            for item in items if item.isVisible() and item.toPlainText()]


@pytest.mark.parametrize("size", PANEL_SIZES)
@pytest.mark.parametrize("hidden", [(8,), (16,) * 6, (256,) * 8], ids=["8", "6x16", "8x256"])
def test_headers_never_overlap_and_stay_inside_the_view(qtbot, size, hidden):
    panel = shown_panel(qtbot, size, network_view(hidden))
    box = panel.box.sceneBoundingRect()
    rects = text_rects(panel)
    assert len(rects) >= len(hidden) + 2
    for rect in rects:
        assert box.contains(rect), f"{rect} leaves the view {box}"
    for a, b in combinations(rects, 2):
        assert not a.intersects(b), f"headers overlap: {a} and {b}"


def test_a_wide_layer_is_summarised_not_drawn_unit_by_unit(qtbot):
    panel = shown_panel(qtbot, (539, 230), network_view((256,) * 8))
    assert all(len(images) <= MAX_NODES for images in panel.thumbnails)
    assert len(panel.ellipses) == 8  # "⋮" in each wide column
    headers = " ".join(label.toPlainText() for label in panel.labels)
    shown = headers + panel.architecture.toPlainText()
    assert "256" in shown  # the true width is said, in the headers or the architecture line


def test_header_forms_and_architecture_line():
    assert header_text(0, 2, 3, 0) == "input (2)"
    assert header_text(2, 16, 3, 1) == "hidden 2\n16"
    assert header_text(3, 2, 3, 2) == "out\n2"
    assert architecture_text((2, 16, 16, 16, 8, 2)) == "units: 2 → 3×16 → 8 → 2"
    assert architecture_text((2, 2)) == "units: 2 → 2"


def test_the_frame_keeps_the_outer_headers_inside():
    sizes = (2, 8, 2)
    widths = [[(60.0, 22.0), (80.0, 22.0), (68.0, 22.0)]]
    frame = frame_network(sizes, 200, 200, widths)
    left = -60.0 / 2 / frame.scale
    right = (len(sizes) - 1) * frame.gap + 68.0 / 2 / frame.scale
    assert frame.x_range[0] <= left and frame.x_range[1] >= right
    assert np.isclose((frame.x_range[1] - frame.x_range[0]) * frame.scale, 200)
    assert np.isclose((frame.y_range[1] - frame.y_range[0]) * frame.scale, 200)


def test_columns_spread_over_a_wide_panel_and_stay_at_least_the_least_gap(qtbot):
    panel = shown_panel(qtbot, (1000, 560), network_view((8,)))
    narrow = shown_panel(qtbot, (331, 230), network_view((16,) * 6))
    assert panel.layer_gap > narrow.layer_gap
    positions = layer_positions((2, 8, 2), panel.layer_gap)
    assert np.allclose(panel.positions[1], positions[1])


def scene_texts(panel: NetworkPanel) -> list[str]:
    scene = panel.view.scene()
    return [item.toPlainText() for item in scene.items()
            if isinstance(item, QGraphicsTextItem) and item.isVisible()]


def test_exports_carry_no_hint_for_the_mouse_but_the_app_shows_one(qtbot):
    panel = shown_panel(qtbot, (600, 300), network_view((5, 3)))
    image = export.render_png(panel, (800, 400))
    assert image.width() == 800
    texts = " ".join(scene_texts(panel)).lower()
    assert "hover" not in texts
    assert "unit 1" in texts  # the preview still says what it shows
    assert panel.hint.isVisible() and panel.hint.text() == PREVIEW_HINT


def test_no_hidden_layer_means_no_preview_and_no_hint(qtbot):
    panel = shown_panel(qtbot, (539, 230), network_view(()))
    assert panel.preview_plot.scene() is None
    assert not panel.hint.isVisible()
    assert panel.box.sceneBoundingRect().width() > 500  # the network takes the whole width
    assert "hover" not in " ".join(scene_texts(panel)).lower()


@pytest.mark.parametrize("size", PANEL_SIZES)
def test_the_preview_title_fits_its_column(qtbot, size):
    panel = shown_panel(qtbot, size, network_view((16,) * 6))
    label = panel.preview_plot.titleLabel
    assert "unit 1" in label.text or "u1" in label.text
    text = label.item.mapRectToScene(label.item.boundingRect())
    column = panel.preview_plot.sceneBoundingRect()
    assert column.left() - 1 <= text.left() and text.right() <= column.right() + 1
