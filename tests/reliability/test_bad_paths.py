"""Files and folders that are missing, empty, unreadable or of the wrong kind.

Every path a person can type (MNIST folder, image folder, weights file, corpus, preset) is
tried with each kind of wrong; ``nnviz run`` must answer with exit 2 and one line that names
the path, never a traceback.

Unreadable files: tests run as root here, where ``chmod 000`` does not stop reads, so for root
the file's ``open`` is made to fail with the same ``PermissionError`` the kernel would raise.
"""

from __future__ import annotations

import builtins
import errno
import gzip
import io
import os
from pathlib import Path

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.data.idx import write_idx
from nnviz.data.mnist import MNIST_FILES
from nnviz.scenarios.registry import all_scenarios


@pytest.fixture
def make_unreadable(monkeypatch):
    """``make_unreadable(path)``: reading ``path`` fails with EACCES from now on."""
    blocked: set[str] = set()
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) in blocked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, *args, **kwargs)

    def block(path: Path) -> Path:
        if os.geteuid() != 0:
            path.chmod(0)
            return path
        blocked.add(os.path.abspath(path))
        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(io, "open", guarded_open)  # pathlib opens through io.open
        return path

    yield block
    for path in blocked:
        if Path(path).exists():
            Path(path).chmod(0o644)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line(result, *fragments: str) -> None:
    code, _, err = result
    assert code == EXIT_BAD_INPUT, err
    assert err.count("\n") == 1 and err.startswith("nnviz: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


# -- MNIST IDX folders ---------------------------------------------------------------------------
def mnist_folder(folder: Path, n: int = 20, **replace) -> Path:
    """Four tiny valid IDX files; ``replace`` swaps one file's array or raw bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        MNIST_FILES["train_images"]: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        MNIST_FILES["train_labels"]: (np.arange(n) % 10).astype(np.uint8),
        MNIST_FILES["test_images"]: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        MNIST_FILES["test_labels"]: (np.arange(n) % 10).astype(np.uint8),
    }
    arrays.update({MNIST_FILES[key]: value for key, value in replace.items()})
    for name, value in arrays.items():
        if isinstance(value, bytes):
            (folder / name).write_bytes(value)
        else:
            write_idx(folder / name, value)
    return folder


def run_mnist(folder: Path | str):
    return run_cli("run", "digits", "--steps", "2", "--set", "source=mnist_idx",
                   "--set", f"mnist_folder={folder}")


def test_a_good_tiny_mnist_folder_trains(tmp_path):
    code, out, err = run_mnist(mnist_folder(tmp_path / "mnist"))
    assert code == 0, err
    assert out.count("\n") >= 2


BAD_MNIST = {
    "wrong magic number": (dict(train_images=b"\x12\x34\x08\x03" + bytes(12)),
                           ["train-images-idx3-ubyte", "bad magic number 0x12340803"]),
    "empty file": (dict(train_labels=b""), ["train-labels-idx1-ubyte", "0 bytes"]),
    "a text file": (dict(test_images=b"these are not pixels\n"),
                    ["t10k-images-idx3-ubyte", "bad magic number"]),
    "truncated data": (dict(test_labels=b"\x00\x00\x08\x01\x00\x00\x00\x14" + bytes(5)),
                       ["t10k-labels-idx1-ubyte", "truncated"]),
    "truncated gzip": (dict(train_images=gzip.compress(b"\x00\x00\x08\x03" + bytes(64))[:18]),
                       ["train-images-idx3-ubyte", "gzip"]),
    "labels above 9": (dict(train_labels=np.full(20, 12, np.uint8)), ["label 12"]),
    "labels and images disagree": (dict(train_labels=np.zeros(5, np.uint8)),
                                   ["20 images", "5 labels"]),
    "flat images": (dict(train_images=np.zeros((20, 784), np.uint8)), ["expected 3"]),
    "float pixels": (dict(train_images=np.zeros((20, 28, 28), np.float32)),
                     ["float32", "uint8"]),
    "no examples": (dict(train_images=np.zeros((0, 28, 28), np.uint8),
                         train_labels=np.zeros(0, np.uint8)), ["no examples"]),
    "test images of another size": (dict(test_images=np.zeros((20, 20, 20), np.uint8)),
                                    ["(28, 28)", "(20, 20)"]),
}


@pytest.mark.parametrize("case", list(BAD_MNIST))
def test_bad_mnist_files(tmp_path, case):
    replace, fragments = BAD_MNIST[case]
    assert_one_line(run_mnist(mnist_folder(tmp_path / "mnist", **replace)), *fragments)


def test_bad_mnist_folders(tmp_path, make_unreadable):
    assert_one_line(run_mnist(tmp_path / "missing"), "missing", "MNIST folder not found")
    (tmp_path / "empty").mkdir()
    assert_one_line(run_mnist(tmp_path / "empty"), "missing MNIST file(s)")
    (tmp_path / "file.txt").write_text("x")
    assert_one_line(run_mnist(tmp_path / "file.txt"), "file.txt", "not found")
    assert_one_line(run_mnist(""), "no MNIST folder chosen")
    folder = mnist_folder(tmp_path / "locked")
    make_unreadable(folder / MNIST_FILES["test_labels"])
    assert_one_line(run_mnist(folder), "t10k-labels-idx1-ubyte", "ermission denied")


# -- presets ---------------------------------------------------------------------------------------
def test_unreadable_preset(tmp_path, make_unreadable):
    path = tmp_path / "locked.toml"
    path.write_text('scenario = "moons"\n')
    make_unreadable(path)
    assert_one_line(run_cli("run", "moons", "--preset", str(path)), str(path),
                    "cannot read preset")


# -- corpus files (word embeddings) ----------------------------------------------------------------
needs_embeddings = pytest.mark.skipif("embeddings" not in all_scenarios(),
                                      reason="no embeddings scenario in this tree")


@needs_embeddings
@pytest.mark.parametrize("content, fragment", [
    (None, "not found"),
    (b"", "no words"),
    (b"... !!! ???\n", "no words"),
    (b"\x00\x01\xff\xfe binary", "not UTF-8"),
    ("caf\xe9 au lait\n".encode("latin-1"), "not UTF-8"),
])
def test_bad_corpus_files(tmp_path, content, fragment):
    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_bytes(content)
    assert_one_line(run_cli("run", "embeddings", "--steps", "2", "--set", f"corpus={path}"),
                    str(path), fragment)


@needs_embeddings
def test_corpus_folder_and_unreadable_corpus(tmp_path, make_unreadable):
    assert_one_line(run_cli("run", "embeddings", "--set", f"corpus={tmp_path}"),
                    str(tmp_path), "folder")
    path = tmp_path / "locked.txt"
    path.write_text("the cat sat on the mat\n" * 50)
    make_unreadable(path)
    assert_one_line(run_cli("run", "embeddings", "--set", f"corpus={path}"), str(path),
                    "ermission denied")


@needs_embeddings
def test_a_corpus_too_small_to_train_on_is_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("one two\n")
    code, _, err = run_cli("run", "embeddings", "--steps", "5", "--set", f"corpus={path}")
    assert code in (0, EXIT_BAD_INPUT), err
    assert "Traceback" not in err
    if code:
        assert err.count("\n") == 1 and err.startswith("nnviz: error: embeddings: ")


# -- image folders and weights (hotdog) ----------------------------------------------------------
@pytest.fixture(scope="module")
def vision(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    from vision_fakes import make_image_folder, save_random_backbone

    root = tmp_path_factory.mktemp("vision")
    weights = save_random_backbone("inception_v3", root / "random.pth")
    return root, weights, make_image_folder


def run_hotdog(root: Path, folder: Path | str, weights: Path | str, *extra: str):
    sets = [f"image_folder={folder}", f"weights_file={weights}", "backbone=inception_v3",
            "image_size=75", "device=cpu", "batch_size=0", f"cache_dir={root / 'cache'}",
            *extra]
    argv = ["run", "hotdog", "--steps", "1"]
    for item in sets:
        argv += ["--set", item]
    return run_cli(*argv)


def test_bad_image_folders(vision, tmp_path, make_unreadable):
    root, weights, make_image_folder = vision
    good = make_image_folder(tmp_path / "good", per_class=3)
    code, _, err = run_hotdog(root, good, weights)
    assert code == 0, err

    assert_one_line(run_hotdog(root, tmp_path / "missing", weights), "does not exist")
    assert_one_line(run_hotdog(root, weights, weights), "is a file, not a folder")
    (tmp_path / "empty").mkdir()
    assert_one_line(run_hotdog(root, tmp_path / "empty", weights), "has no sub-folders")
    one = make_image_folder(tmp_path / "one", per_class=3, classes=("hotdog",))
    assert_one_line(run_hotdog(root, one, weights), "only one class")
    texts = tmp_path / "texts"
    for name in ("a", "b"):
        (texts / name).mkdir(parents=True)
        (texts / name / "notes.txt").write_text("x")
    assert_one_line(run_hotdog(root, texts, weights), "no usable image", "no image files")
    broken = make_image_folder(tmp_path / "broken", per_class=2)
    for image in (broken / "not_hotdog").iterdir():
        image.write_bytes(b"this is not a PNG")
    assert_one_line(run_hotdog(root, broken, weights), "not_hotdog", "no usable image")
    locked = make_image_folder(tmp_path / "locked", per_class=2)
    for image in (locked / "hotdog").iterdir():
        make_unreadable(image)
    assert_one_line(run_hotdog(root, locked, weights), "hotdog", "no usable image")
    single = make_image_folder(tmp_path / "single", per_class=1)
    assert_one_line(run_hotdog(root, single, weights), "validation")


def test_one_unreadable_image_is_skipped_not_fatal(vision, tmp_path, make_unreadable):
    root, weights, make_image_folder = vision
    folder = make_image_folder(tmp_path / "photos", per_class=3)
    (folder / "hotdog" / "broken.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    make_unreadable(sorted((folder / "not_hotdog").iterdir())[0])
    code, out, err = run_hotdog(root, folder, weights)
    assert code == 0, err
    assert "step" in out


def test_bad_weights_files(vision, tmp_path, make_unreadable):
    import torch

    root, weights, make_image_folder = vision
    photos = make_image_folder(tmp_path / "photos", per_class=3)
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    text = tmp_path / "text.pth"
    text.write_text("not weights")
    other = tmp_path / "other.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, other)
    a_list = tmp_path / "list.pth"
    torch.save([1, 2, 3], a_list)
    locked = tmp_path / "locked.pth"
    locked.write_bytes(weights.read_bytes())
    make_unreadable(locked)
    cases = [
        (tmp_path / "missing.pth", ["missing.pth", "does not exist"]),
        (empty, ["empty.pth", "not a PyTorch weights file"]),
        (text, ["text.pth", "not a PyTorch weights file"]),
        (other, ["other.pth", "does not hold Inception v3 weights"]),
        (a_list, ["list.pth", "does not hold a state dict"]),
        (tmp_path, [str(tmp_path), "weights file"]),
        (next((photos / "hotdog").iterdir()), ["not a PyTorch weights file"]),
        (locked, ["locked.pth"]),
    ]
    for path, fragments in cases:
        assert_one_line(run_hotdog(root, photos, path), *fragments)
