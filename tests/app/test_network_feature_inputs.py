"""The network panel names computed input features (x₁², sin x₁ …) beside their nodes, and
draws each one's values over the plane."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from nnviz.app.panels.network import NetworkPanel
from nnviz.core.views import NetworkView

EXTENT = (-2.0, 2.0, -1.5, 1.5)
NAMES = ("x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂")
#: the panel's size in a 1024×700, a 1440×900 and a 2560×1440 window
PANEL_SIZES = [(331, 230), (539, 230), (1000, 560)]


def feature_network(hidden: tuple[int, ...]) -> NetworkView:
    rng = np.random.default_rng(0)
    sizes = (len(NAMES), *hidden, 2)
    xs, ys = np.meshgrid(np.linspace(-2, 2, 40), np.linspace(-1.5, 1.5, 40))
    inputs = np.stack([xs, ys, xs**2, ys**2, xs * ys, np.sin(xs), np.sin(ys)])
    return NetworkView(
        sizes=sizes, weights=tuple(rng.normal(size=(a, b)) for a, b in pairwise(sizes)),
        biases=tuple(np.zeros(b) for b in sizes[1:]), extent=EXTENT,
        unit_grids=tuple(rng.normal(size=(u, 40, 40)) for u in hidden), activation="tanh",
        input_names=NAMES, input_grids=inputs)


@pytest.mark.parametrize("size", PANEL_SIZES)
def test_input_names_sit_left_of_their_nodes_inside_the_view(qtbot, size):
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    panel.draw(feature_network((4,)))
    qtbot.wait(20)
    panel.view.scene().prepareForPaint()
    assert [item.toPlainText() for item in panel.input_labels] == list(NAMES)
    box = panel.box.sceneBoundingRect()
    margin = panel.input_labels[0].textItem.document().documentMargin() - 1
    for label, image in zip(panel.input_labels, panel.thumbnails[0], strict=True):
        text = label.mapRectToScene(label.boundingRect()).adjusted(margin, margin, -margin,
                                                                   -margin)
        node = image.sceneBoundingRect()
        assert box.contains(text), f"{label.toPlainText()} at {text} leaves {box}"
        assert text.right() <= node.left() + 1 and abs(text.center().y()
                                                       - node.center().y()) < 2


def test_each_input_node_shows_its_own_feature(qtbot):
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.resize(539, 230)
    panel.show()
    network = feature_network(())
    panel.draw(network)
    for image, grid in zip(panel.thumbnails[0], network.input_grids, strict=True):
        np.testing.assert_allclose(image.image, grid)


def test_plain_inputs_have_no_names_and_show_ramps(qtbot):
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.show()
    network = feature_network(())
    plain = NetworkView(sizes=(2, 2), weights=(np.ones((2, 2)),), biases=(np.zeros(2),),
                        extent=EXTENT)
    panel.draw(network)
    panel.draw(plain)  # a new architecture drops the names and the features' pictures
    assert panel.input_labels == []
    np.testing.assert_allclose(panel.thumbnails[0][0].image[0], np.linspace(-2, 2, 40))
