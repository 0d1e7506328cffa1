"""Word labels in a projection never overlap; the important ones keep their place."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnviz.app.panels.label_layout import HIDDEN, choose_positions, label_rects
from nnviz.app.panels.projection import ProjectionPanel, highlighted_words, label_priority
from nnviz.core.similarity import QueryAnswer
from nnviz.core.views import Projection
from nnviz.scenarios.embeddings import EmbeddingsConfig
from nnviz.session import Snapshot


def overlapping(rects) -> list[tuple[int, int]]:
    """Pairs of (x0, y0, x1, y1) rectangles that share more than a sliver."""
    pairs = []
    for (i, a), (j, b) in itertools.combinations(enumerate(rects), 2):
        width = min(a[2], b[2]) - max(a[0], b[0])
        height = min(a[3], b[3]) - max(a[1], b[1])
        if width > 0.01 and height > 0.01:
            pairs.append((i, j))
    return pairs


def dense_cluster(count=120, seed=0):
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal([300, 200], 25, (count, 2)),
                        rng.uniform([20, 20], [580, 380], (count // 4, 2))])
    sizes = np.column_stack([rng.uniform(25, 70, len(points)), np.full(len(points), 16.0)])
    return points, sizes


def test_no_two_placed_labels_overlap_and_all_stay_inside():
    points, sizes = dense_cluster()
    chosen = choose_positions(points, sizes, np.arange(len(points)), (600, 400))
    shown = chosen != HIDDEN
    assert 20 < shown.sum() < len(points)  # a dense centre: some give way, many stay
    rects = label_rects(points, sizes, chosen)[shown]
    assert overlapping(rects) == []
    assert (rects[:, :2] >= 0).all() and (rects[:, 2] <= 600).all() and (rects[:, 3] <= 400).all()


def test_the_first_in_priority_keeps_its_label_where_two_collide():
    points = np.array([[100.0, 100.0], [101.0, 100.0]])
    sizes = np.array([[80.0, 16.0], [80.0, 16.0]])
    for order in ([0, 1], [1, 0]):
        chosen = choose_positions(points, sizes, np.array(order), (130, 120))
        assert chosen[order[0]] != HIDDEN


def test_a_label_prefers_a_place_that_hides_no_other_point():
    points = np.array([[100.0, 100.0], [130.0, 100.0]])  # a neighbour right of the first
    sizes = np.array([[50.0, 16.0], [10.0, 16.0]])
    chosen = choose_positions(points, sizes, np.array([0]), (400, 400))
    rect = label_rects(points, sizes, chosen)[0]
    assert not (rect[0] <= 130 <= rect[2] and rect[1] <= 100 <= rect[3])


def test_priority_is_query_words_then_paired_words_then_the_rest():
    labels = ["the", "france", "paris", "of", "italy", "rome"]
    arrows = np.array([[1, 2], [4, 5]])
    order = label_priority(labels, arrows, ("rome", "italy"))
    assert [labels[i] for i in order] == ["rome", "italy", "france", "paris", "the", "of"]


def test_highlighted_words_are_the_query_and_its_answers():
    answer = QueryAnswer("paris - france + italy", "analogy", (("rome", 0.9), ("milan", 0.5)))
    snapshot = Snapshot(1, "embeddings", 1, 0.0, 0.0, {}, EmbeddingsConfig(),
                        views={"word_query": answer})
    assert highlighted_words(snapshot) == ("paris", "italy", "france", "rome", "milan")


def crowded_words(count=60, seed=1):
    """Countries and capitals around the edge, a crowd of other words in the centre."""
    rng = np.random.default_rng(seed)
    words = [f"word{i:02d}" for i in range(count)]
    words[:4] = ["france", "paris", "italy", "rome"]
    points = rng.normal(0.0, 0.05, (count, 2))
    points[:4] = [[-1.0, 0.5], [1.0, 0.5], [-1.0, -0.5], [1.0, -0.5]]
    groups = np.array([0, 1, 0, 1] + [2] * (count - 4))
    return Projection(points, words, (0.5, 0.2), groups, "words",
                      ("countries", "capitals", "other words"), np.array([[0, 1], [2, 3]]))


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
@pytest.mark.parametrize("size", [(420, 300), (700, 500), (1400, 900)])
def test_panel_labels_in_the_dense_centre_never_overlap(qtbot, size):
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    projection = crowded_words()
    answer = QueryAnswer("word30", "neighbours", (("word31", 0.9),))
    panel.show_snapshot(Snapshot(1, "embeddings", 1, 0.0, 0.0, {}, EmbeddingsConfig(),
                                 views={"projection": projection, "word_query": answer}))
    qtbot.wait(20)  # a paint: the view box settles its range
    shown = {text.toPlainText(): text.sceneBoundingRect() for text in panel.texts
             if text.isVisible()}
    rects = [(r.left(), r.top(), r.right(), r.bottom()) for r in shown.values()]
    assert overlapping(rects) == []
    assert {"france", "paris", "italy", "rome", "word30", "word31"} <= set(shown)
    assert len(shown) < 60  # the crowd gave way
    assert sum(len(s.data) for s in panel.scatters) == 60  # every point is still drawn
    panel.resize(size[0] // 2, size[1])  # a narrower view: placed again, still apart
    qtbot.wait(20)
    rects = [(r.left(), r.top(), r.right(), r.bottom())
             for r in (t.sceneBoundingRect() for t in panel.texts if t.isVisible())]
    assert overlapping(rects) == []
