"""Classifier views and the nearest-mean baseline, checked against hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.classifier_views import (
    ConfusionMatrix,
    confusion_matrix,
    gallery,
    score_text,
    weight_tiles,
)
from nnviz.core.nearest_mean import NearestMean


def test_confusion_matrix_counts_pairs():
    counts = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    matrix = ConfusionMatrix(counts, ("a", "b", "c"))
    assert matrix.accuracy == pytest.approx(4 / 6)
    np.testing.assert_allclose(matrix.row_fractions()[2], [1 / 3, 0, 2 / 3])
    empty = ConfusionMatrix(np.zeros((2, 2), dtype=int), ("a", "b"))
    assert np.isnan(empty.accuracy) and not empty.row_fractions().any()


def test_weight_tiles_share_one_symmetric_scale():
    weights = np.arange(2 * 6, dtype=float).reshape(2, 6) - 4  # 2 units, 2×3 images
    tiles = weight_tiles(weights, (2, 3), limit=1, labels=("u0", "u1"))
    assert tiles.tiles.shape == (1, 2, 3) and tiles.total_units == 2
    np.testing.assert_array_equal(tiles.tiles[0], [[-4, -3, -2], [-1, 0, 1]])
    assert tiles.scale == 4.0 and tiles.labels == ("u0",)


def test_gallery_puts_confident_mistakes_first_then_unsure_right_answers():
    scores = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.55, 0.45], [0.1, 0.9]])
    labels = np.array([0, 0, 0, 0, 1])
    view = gallery(np.zeros((5, 2, 2)), labels, scores, ("zero", "one"), limit=4)
    np.testing.assert_array_equal(view.indices, [2, 1, 3, 0])
    assert view.n_wrong == 2 and view.n_total == 5
    assert list(view.wrong) == [True, True, False, False]
    only = gallery(np.zeros((5, 2, 2)), labels, scores, ("zero", "one"),
                   misclassified_only=True)
    np.testing.assert_array_equal(only.indices, [2, 1])
    assert score_text(scores[2], ("zero", "one")) == "one 0.80 / zero 0.20"


def test_nearest_mean_by_hand():
    inputs = np.array([[0.0, 0.0], [0.0, 2.0], [4.0, 0.0], [4.0, 2.0]])
    model = NearestMean(inputs, np.array([0, 0, 1, 1]), 3)
    np.testing.assert_allclose(model.means, [[0, 1], [4, 1], [0, 0]])
    np.testing.assert_array_equal(model.predict(np.array([[1.0, 1.0], [3.0, 5.0],
                                                          [0.0, 0.0]])), [0, 1, 0])
    assert model.accuracy(inputs, np.array([0, 0, 1, 0])) == 0.75
    integer_pixels = NearestMean(np.array([[0, 0], [255, 255]], dtype=np.uint8), [0, 1], 2)
    np.testing.assert_array_equal(integer_pixels.predict(np.array([[200, 250]], dtype=np.uint8)),
                                  [1])
