"""Digit panels: confusion matrix, weight tiles, examples; drawn from a real digits run."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.panels import all_panels
from nnviz.app.panels.digits import (
    ConfusionMatrixPanel,
    MisclassifiedPanel,
    WeightTilesPanel,
    mosaic_columns,
    tile_mosaic,
)
from nnviz.app.panels.projection import ProjectionPanel
from nnviz.core.classifier_views import ConfusionMatrix
from nnviz.scenarios.digits import DigitsConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


@pytest.fixture(scope="module")
def snapshots():
    config = DigitsConfig(hidden_sizes=(10,), max_train=300, eval_examples=120,
                          gallery_size=8, projection_points=60)
    run = get_scenario("digits").create_session(config)
    return list(train(run, max_steps=40, every=20))


def _shown(panel, snapshot, qtbot):
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    panel.show_snapshot(snapshot)
    qtbot.waitExposed(panel)
    image = panel.grab().toImage()
    assert image.width() == 500 and not image.isNull()
    return image


def _colours(image, step=10):
    return {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}


def test_panels_registered_for_the_scenario():
    panels = all_panels()
    for kind in get_scenario("digits").panels:
        if kind in ("confusion_matrix", "weight_tiles", "misclassified", "projection"):
            assert kind in panels
    assert panels["confusion_matrix"] is ConfusionMatrixPanel


def test_confusion_matrix(qtbot, snapshots):
    panel = ConfusionMatrixPanel()
    image = _shown(panel, snapshots[-1], qtbot)
    matrix = snapshots[-1].views["confusion_matrix"]
    counts = [int(text) for text in panel.counts.texts()]
    assert counts == [int(c) for c in matrix.counts.ravel()]
    assert "accuracy" in panel.plot.getPlotItem().titleLabel.text
    assert len(_colours(image)) > 5
    header, columns = panel.csv_tables()["confusion_matrix"]
    assert header[1:] == list(matrix.class_names)
    assert sum(sum(c) for c in columns[1:]) == 120
    panel.start_run(99)
    assert panel.csv_tables() == {}
    assert panel.counts.texts() == []


def test_confusion_matrix_of_two_classes_drops_extra_texts(qtbot, snapshots):
    panel = ConfusionMatrixPanel()
    _shown(panel, snapshots[-1], qtbot)
    two = ConfusionMatrix(np.array([[5, 1], [0, 4]]), ("1", "7"))
    panel.draw(two)
    assert panel.counts.texts() == ["5", "1", "0", "4"]


def test_weight_tiles(qtbot, snapshots):
    panel = WeightTilesPanel()
    image = _shown(panel, snapshots[-1], qtbot)
    tiles = snapshots[-1].views["weight_tiles"]
    # 10 tiles of 8×8, 4 per row; captioned, so each has 3 empty rows below for its caption
    assert panel.image.image.shape == (3 * (8 + 3 + 1) - 1, 4 * 9 - 1)
    assert panel.image.levels[0] == pytest.approx(-tiles.scale)
    assert [c.toPlainText() for c in panel.captions if c.isVisible()] == list(tiles.labels)
    assert len(_colours(image)) > 10  # red and blue shades, not a blank panel
    header, columns = panel.csv_tables()["weights"]
    assert len(header) == 65 and len(columns[0]) == 10
    assert columns[1 + 9][2] == pytest.approx(float(tiles.tiles[2, 1, 1]))


def test_captions_that_would_collide_are_shortened_then_hidden(qtbot, snapshots):
    panel = MisclassifiedPanel()
    _shown(panel, snapshots[-1], qtbot)

    def captions_at(width, height):  # no new snapshot: a resize alone re-fits them
        panel.resize(width, height)
        qtbot.wait(30)  # the layout settles: the view box has its new size
        return [c.toPlainText() for c in panel.captions if c.isVisible()]

    roomy = captions_at(1400, 1000)
    assert len(roomy) == 8 and all(" " in text for text in roomy)  # label and score
    cramped = captions_at(200, 200)  # "4→1 0.97 / 4: 0.02" would overlap its neighbours
    assert cramped and all(" " not in text for text in cramped)  # "4→1" or "7"
    assert captions_at(70, 60) == []  # not even that fits


def test_misclassified_examples(qtbot, snapshots):
    panel = MisclassifiedPanel()
    _shown(panel, snapshots[-1], qtbot)
    gallery = snapshots[-1].views["misclassified"]
    captions = [c.toPlainText() for c in panel.captions if c.isVisible()]
    assert len(captions) == 8
    first_true, first_guess = gallery.labels[0], gallery.predicted[0]
    if first_true != first_guess:
        assert captions[0].startswith(f"{first_true}→{first_guess} ")
    assert f"{gallery.n_wrong} of 120" in panel.plot.getPlotItem().titleLabel.text
    header, columns = panel.csv_tables()["examples"]
    assert header[:3] == ["index", "true", "predicted"] and len(columns[0]) == 8
    panel.start_run(5)
    assert not any(c.isVisible() for c in panel.captions)


def test_projection_panel_draws_the_hidden_layer(qtbot, snapshots):
    panel = ProjectionPanel()
    _shown(panel, snapshots[-1], qtbot)
    assert sum(len(s.data) for s in panel.scatters if s.isVisible()) == 60
    assert "PC 1" in panel.plot.getAxis("bottom").labelText


def test_new_run_frames_update_in_place(qtbot, snapshots):
    panel = WeightTilesPanel()
    _shown(panel, snapshots[0], qtbot)
    item = panel.image
    first = item.image.copy()
    panel.show_snapshot(snapshots[-1])
    assert panel.image is item and not np.array_equal(first, item.image, equal_nan=True)


def test_mosaic_layout():
    tiles = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    mosaic = tile_mosaic(tiles, 2)
    assert mosaic.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_array_equal(mosaic[3:5, 4:7], tiles[3])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[6:, 4:]).all()
    assert mosaic_columns(100) == 10 and mosaic_columns(1) == 1 and mosaic_columns(0) == 1


def test_colour_examples_keep_their_colours(qtbot):
    from nnviz.core.classifier_views import gallery

    images = np.zeros((3, 6, 6, 3), dtype=np.float32)
    images[:, :, :, 0] = 1.0  # pure red photographs
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    view = gallery(images, np.array([0, 0, 1]), scores, ("hotdog", "not_hotdog"))
    panel = MisclassifiedPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 300)
    panel.draw(view)
    assert panel.image.image.shape[-1] == 3
    captions = [c.toPlainText() for c in panel.captions if c.isVisible()]
    assert captions[0] == "hotdog→not_hotdog 0.80\nhotdog: 0.20"
    assert captions[-1] == "hotdog 0.90"
    grabbed = panel.grab().toImage()
    red = sum(1 for x in range(0, 300, 5) for y in range(0, 300, 5)
              if grabbed.pixelColor(x, y).red() > 200 and grabbed.pixelColor(x, y).green() < 60)
    assert red > 10


def test_average_digits(qtbot, snapshots):
    from nnviz.app.panels.digits import AverageDigitsPanel

    panel = AverageDigitsPanel()
    image = _shown(panel, snapshots[-1], qtbot)
    means = snapshots[-1].views["class_means"]
    assert means.tiles.shape == (10, 8, 8)
    assert [c.toPlainText() for c in panel.captions if c.isVisible()] == list("0123456789")
    assert panel.image.levels[0] == 0.0
    assert "nearest mean scores" in panel.plot.getPlotItem().titleLabel.text
    assert len(_colours(image)) > 5


def _gallery(wrong: int, right: int, limit: int):
    """A gallery of ``wrong`` mistakes and ``right`` correct answers, ``limit`` tiles shown."""
    from nnviz.core.classifier_views import gallery

    rng = np.random.default_rng(1)
    total = wrong + right
    labels = np.arange(total) % 3
    scores = np.full((total, 3), 0.1)
    predicted = np.where(np.arange(total) < wrong, (labels + 1) % 3, labels)
    scores[np.arange(total), predicted] = rng.uniform(0.4, 0.9, total)
    return gallery(rng.uniform(size=(total, 8, 8)), labels, scores, ("a", "b", "c"),
                   limit=limit)


def _frame_tiles(panel, wrong: bool) -> int:
    xs, _ = panel.frames[wrong].getData()
    return 0 if xs is None else len(xs) // 8  # four segments, eight points, per tile


@pytest.mark.parametrize(("wrong", "right", "limit", "words"), [
    (12, 50, 24, ["all 12 mistakes", "12 correct answers"]),
    (40, 50, 24, ["the 24 most confident of the 40 mistakes"]),
    (0, 30, 24, ["No mistakes", "24 correct answers"]),
    (1, 0, 24, ["the 1 mistake"]),
])
def test_the_key_counts_the_red_and_green_tiles_drawn(qtbot, wrong, right, limit, words):
    from nnviz.app.panels.digits import gallery_key

    panel = MisclassifiedPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    shown = _gallery(wrong, right, limit)
    panel.draw(shown)
    drawn_wrong, drawn_right = _frame_tiles(panel, True), _frame_tiles(panel, False)
    assert drawn_wrong == min(wrong, limit)
    assert drawn_wrong + drawn_right == len(shown.labels)
    key = panel.key.text
    assert key == gallery_key(shown)
    for phrase in words:
        assert phrase in key
    assert ("green" in key.lower()) == (drawn_right > 0)
    assert f"{wrong} of {wrong + right}" in panel.plot.getPlotItem().titleLabel.text


def test_frames_mark_the_tiles_even_where_captions_do_not_fit(qtbot):
    panel = MisclassifiedPanel()
    qtbot.addWidget(panel)
    panel.resize(180, 160)
    panel.show()
    panel.draw(_gallery(5, 20, 24))
    qtbot.wait(30)
    assert not any(c.isVisible() for c in panel.captions)
    assert _frame_tiles(panel, True) == 5 and _frame_tiles(panel, False) == 19


def test_the_gallery_captions_are_made_before_the_first_draw(qtbot):
    """Issue 21: made at the first draw, 24 captions were half of a 40 ms stall of a training
    window; they are made once the event loop runs, hidden until a gallery shows them."""
    panel = MisclassifiedPanel()
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: len(panel.captions) == 24, timeout=2000)
    assert not any(caption.isVisible() for caption in panel.captions)
