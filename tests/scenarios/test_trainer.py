"""The one trainer under every gradient-trained session: the same batches, counts, schedule,
live values and checkpoints whatever the backend and whatever the session shows."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest

from nnviz.data.images import scan_image_folder
from nnviz.data.toy import make_toy
from nnviz.scenarios.digits import DigitsCNNConfig, DigitsConfig
from nnviz.scenarios.hotdog import HotdogConfig, HotdogSession
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.scenarios.trainer import NumpyEngine, Trainer, new_mlp

has_torch = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not has_torch, reason="needs torch")


def moons(**values):
    config = MoonsConfig(n_samples=120, grid_resolution=20, batch_size=16, device="cpu",
                         precision="float64")
    return get_scenario("moons").build(config.with_values(values))


def digits(**values):
    config = DigitsConfig(max_train=300, eval_examples=100, batch_size=16, device="cpu")
    return get_scenario("digits").build(config.with_values(values))


def digits_cnn(**values):
    config = DigitsCNNConfig(source="sklearn_8x8", max_train=200, eval_examples=50,
                             batch_size=16, conv_channels=(2,), hidden_sizes=(8,),
                             device="cpu")
    return get_scenario("digits_cnn").build(config.with_values(values))


SESSIONS = [
    pytest.param(moons, {}, id="moons-numpy"),
    pytest.param(moons, {"backend": "torch"}, id="moons-torch", marks=needs_torch),
    pytest.param(digits, {}, id="digits-numpy"),
    pytest.param(digits, {"backend": "torch"}, id="digits-torch", marks=needs_torch),
    pytest.param(digits_cnn, {}, id="digits-cnn", marks=needs_torch),
]


@pytest.mark.parametrize(("build", "values"), SESSIONS)
def test_every_gradient_trained_session_trains_through_the_one_trainer(build, values):
    session = build(**values)
    assert isinstance(session, Trainer)
    for member in ("train_step", "apply_live", "checkpoint", "epoch", "steps_per_epoch"):
        assert getattr(type(session), member) is getattr(Trainer, member), member


@pytest.mark.parametrize(("build", "values"), SESSIONS)
def test_a_restored_checkpoint_replays_the_same_batches_and_losses(build, values):
    """With plain SGD (a restore starts the optimiser afresh, and SGD keeps no state)."""
    session = build(optimizer="sgd", **values)
    for _ in range(3):
        session.train_step()
    state = session.checkpoint()
    assert set(state) == {"step_count", "params", "examples_seen", "batches"}
    first = [session.train_step()["loss"] for _ in range(12)]  # past an epoch's end
    after = session.metrics()
    session.restore(state)
    assert (session.step_count, session.epoch) == (3, 3 * 16 / session.n_train)
    again = [session.train_step()["loss"] for _ in range(12)]
    assert again == pytest.approx(first, rel=1e-9)
    assert session.metrics() == pytest.approx(after, rel=1e-9)


@pytest.mark.parametrize(("build", "values"), SESSIONS)
def test_the_rate_reported_after_a_live_change_is_the_new_one_on_every_engine(build, values):
    """Paused after a live change, the metrics show the η the next update takes (the CNN
    used to keep showing the last update's η)."""
    session = build(**values)
    session.train_step()
    session.apply_live({"learning_rate": 0.0125})
    assert session.metrics()["learning_rate"] == 0.0125
    session.train_step()
    assert session.metrics()["learning_rate"] == 0.0125


@needs_torch
def test_the_torch_mirror_follows_a_restore():
    """The views read the restored weights, not those of the steps undone."""
    session = moons(backend="torch", hidden_sizes=(4,))
    state = session.checkpoint()
    start = [p.copy() for p in session.model.params]
    for _ in range(5):
        session.train_step()
    assert not np.array_equal(session.model.params[0], start[0])
    session.restore(state)
    for mine, saved in zip(session.model.params, start, strict=True):
        np.testing.assert_array_equal(mine, saved)


def test_augment_gives_the_inputs_of_the_batch_rows_the_sampler_drew():
    config = MoonsConfig(batch_size=10, precision="float64")
    data = make_toy("moons", 60, 0.2, 0, 0.25)

    def trainer() -> Trainer:
        return Trainer("moons", config, data, NumpyEngine(new_mlp(config, 2, 2), config, data))

    plain, augmented = trainer(), trainer()
    rows_given = []

    def same_rows(rows: np.ndarray) -> np.ndarray:
        rows_given.append(rows.copy())
        return augmented.train_x[rows]

    augmented.augment = same_rows
    for _ in range(8):
        expected_rows = plain.batches.peek_indices(config.batch_size).copy()
        assert augmented.train_step()["loss"] == plain.train_step()["loss"]
        np.testing.assert_array_equal(rows_given[-1], expected_rows)
    augmented.augment = lambda rows: np.zeros((len(rows), 2))
    loss = augmented.train_step()["loss"]
    assert loss != pytest.approx(plain.train_step()["loss"])


# -- hotdog's new layer is a bare trainer (a fake backbone: no torch needed) ----------------
class MeanColourExtractor:
    """A stand-in backbone: an image's features are its mean colour (augmented: plus a
    random shift), so hotdog's feature phase and layer run without torch."""

    feature_size = 3
    seconds_per_image = 0.0
    input_size = 16
    cache = None
    weights_path = None
    backbone = SimpleNamespace(name="mean_colour", title="Mean colour")

    def __init__(self) -> None:
        self.augmented_paths: list[str] = []

    def features_for(self, items) -> tuple[np.ndarray, int]:
        return np.stack([self._colour(item.path) for item in items]), 0

    def augmented_features(self, paths, rng, *, min_area: float, flip: bool) -> np.ndarray:
        self.augmented_paths.extend(str(path) for path in paths)
        return np.stack([self._colour(path) for path in paths]) + rng.normal(
            0, 0.01, (len(paths), 3)).astype(np.float32)

    @staticmethod
    def _colour(path) -> np.ndarray:
        from PIL import Image

        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"), dtype=np.float32).mean(axis=(0, 1)) / 255


@pytest.fixture(scope="module")
def coloured_folder(tmp_path_factory):
    from vision_fakes import make_image_folder

    return scan_image_folder(make_image_folder(tmp_path_factory.mktemp("colours"), 4))


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
def test_hotdog_trains_its_new_layer_with_the_one_trainer(coloured_folder, backend):
    config = HotdogConfig(backbone="inception_v3", batch_size=2, learning_rate=0.1,
                          validation_fraction=0.25, loss_floor=0.0, backend=backend,
                          device="cpu")
    session = HotdogSession("hotdog-test", config, coloured_folder, MeanColourExtractor())
    assert session.scenario == "hotdog-test"  # named by its builder, as every session is
    while session.layer is None:
        session.train_step()
    assert type(session.layer) is Trainer and session.layer.run_id == session.run_id
    losses = [session.train_step()["loss"] for _ in range(6)]
    assert session.step_count == session.layer.step_count == 6
    assert np.isfinite(losses).all()
    assert session.metrics()["learning_rate"] == 0.1


def test_hotdog_augmentation_reaches_the_layers_batches(coloured_folder):
    config = HotdogConfig(backbone="inception_v3", batch_size=2, loss_floor=0.0,
                          validation_fraction=0.25)
    extractor = MeanColourExtractor()
    session = HotdogSession("hotdog", config, coloured_folder, extractor)
    while session.layer is None:
        session.train_step()
    session.train_step()
    assert extractor.augmented_paths == []
    session.apply_live({"augment": True})
    session.train_step()
    training_paths = {str(coloured_folder.images[i].path) for i in session.train_index}
    assert len(extractor.augmented_paths) == 2
    assert set(extractor.augmented_paths) <= training_paths
    session.apply_live({"augment": False})
    session.train_step()
    assert len(extractor.augmented_paths) == 2
