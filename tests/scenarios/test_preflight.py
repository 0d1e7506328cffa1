"""Cheap checks before a scenario replaces the open one: missing files are named at once."""

from __future__ import annotations

import pytest

from nnviz.data.corpus import CorpusError
from nnviz.scenarios.registry import get_scenario


def check(scenario, **values):
    found = get_scenario(scenario)
    found.check_can_start(found.default_config().with_values(values))


def test_defaults_can_start():
    for name in ("moons", "digits", "embeddings", "race", "init"):
        check(name)


def test_a_missing_corpus_is_named(tmp_path):
    with pytest.raises(CorpusError, match=r"corpus file not found: .*nope\.txt"):
        check("embeddings", corpus=str(tmp_path / "nope.txt"))
    with pytest.raises(CorpusError, match="is a folder"):
        check("embeddings", corpus=str(tmp_path))
    (tmp_path / "words.txt").write_text("a b c\n", encoding="utf-8")
    check("embeddings", corpus=str(tmp_path / "words.txt"))


def test_a_missing_mnist_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST folder not found"):
        check("digits", source="mnist_idx", mnist_folder=str(tmp_path / "mnist"))
    with pytest.raises(FileNotFoundError, match="missing MNIST file"):
        check("digits", source="mnist_idx", mnist_folder=str(tmp_path))


def test_hotdog_names_a_missing_folder_or_weights_file(tmp_path):
    pytest.importorskip("torchvision")
    from nnviz.backends.backbones import WeightsError
    from nnviz.data.images import ImageFolderError

    with pytest.raises(ImageFolderError, match="does not exist"):
        check("hotdog", image_folder=str(tmp_path / "pictures"))
    with pytest.raises(WeightsError, match="does not exist"):
        check("hotdog", backbone="inception_v3", weights_file=str(tmp_path / "w.pth"))
    with pytest.raises(WeightsError, match="is a folder"):
        check("hotdog", backbone="inception_v3", weights_file=str(tmp_path))
