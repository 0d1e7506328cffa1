"""Image folders for transfer learning: one sub-folder per class, as the classic retraining
script expects (``photos/hotdog/*.jpg``, ``photos/not_hotdog/*.jpg``, any number of classes).

:func:`scan_image_folder` lists the images, hashes each file's bytes (the feature cache's key)
and decodes each one once to check it. An image that cannot be used (empty, not a regular file,
not decodable, over :data:`~nnviz.data.limits.MAX_IMAGE_BYTES` or
:data:`~nnviz.data.limits.MAX_IMAGE_PIXELS`, checked from the header before decoding) is
**skipped** and listed in :attr:`ImageFolder.skipped` with the reason, and
:meth:`ImageFolder.skipped_message` counts them by reason in one line, so one bad file among
thousands does not stop a run; a folder that is missing or empty, has fewer than two classes,
or has a class with no readable image is an :class:`ImageFolderError` that says what to fix.

Pixels are read with Pillow (a dependency of torchvision), imported inside the functions that
need it. Crops follow the usual ImageNet practice: the evaluation crop scales the shorter side
to the network's input size and cuts the centre square; the augmentation crop takes a random
box of a random share of the area and aspect ratio, and may mirror it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import re
import stat
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.data.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, describe_size, file_kind

Array = np.ndarray

#: file name endings read as images (case-insensitive); other files are ignored
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}
)


class ImageFolderError(ValueError):
    """An image folder that cannot be used; the message names the folder and the fix."""


class ImageReadError(OSError):
    """One image file that cannot be decoded."""


@dataclass(frozen=True)
class LabelledImage:
    """One image file, its class index and the SHA-256 of its bytes (hex)."""

    path: Path
    label: int
    digest: str


@dataclass(frozen=True)
class ImageFolder:
    """The readable images of a class-per-sub-folder tree, and the files that were skipped."""

    root: Path
    class_names: tuple[str, ...]
    images: tuple[LabelledImage, ...]
    skipped: tuple[tuple[Path, str], ...] = ()

    @property
    def labels(self) -> Array:
        return np.fromiter((item.label for item in self.images), dtype=np.int64,
                           count=len(self.images))

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def counts(self) -> dict[str, int]:
        totals = np.bincount(self.labels, minlength=self.n_classes)
        return {name: int(n) for name, n in zip(self.class_names, totals, strict=True)}

    def skipped_message(self, limit: int = 3) -> str:
        """One line: how many files were skipped, how many for each reason, and the first few
        by name (empty when none was skipped).
        """
        if not self.skipped:
            return ""
        shown = "; ".join(f"{path.parent.name}/{path.name} ({why})"
                          for path, why in self.skipped[:limit])
        more = f" and {len(self.skipped) - limit} more" if len(self.skipped) > limit else ""
        kinds = Counter(_skip_kind(why) for _, why in self.skipped)
        breakdown = ", ".join(f"{n} {kind if n == 1 else _PLURAL.get(kind, kind)}"
                              for kind, n in kinds.most_common())
        in_all = f"; in all: {breakdown}" if len(self.skipped) > 1 else ""
        return f"skipped {len(self.skipped)} unreadable image(s): {shown}{more}{in_all}"


#: why an image file is skipped: the first words of its reason, singular → plural
EMPTY, NOT_REGULAR, NOT_IMAGE, UNREADABLE = (
    "empty file", "not a regular file", "not a readable image", "cannot be read")
_PLURAL = {EMPTY: "empty files", NOT_REGULAR: "not regular files",
           NOT_IMAGE: "not readable images"}


def _skip_kind(reason: str) -> str:
    """The kind of a reason: its words before a detail in parentheses or after a colon."""
    return re.split(r" \(|: ", reason, maxsplit=1)[0]


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def scan_image_folder(root: str | Path) -> ImageFolder:
    """Classes are the sorted visible sub-folders of ``root``; see the module docstring."""
    root = Path(root).expanduser()
    example = "one sub-folder per class, e.g. hotdog/ and not_hotdog/, each holding images"
    if not root.exists():
        raise ImageFolderError(f"image folder {root} does not exist; it needs {example}")
    if not root.is_dir():
        raise ImageFolderError(f"{root} is a file, not a folder; the image folder needs "
                               f"{example}")
    class_dirs = sorted((p for p in root.iterdir() if p.is_dir() and _visible(p)),
                        key=lambda p: p.name)
    if not class_dirs:
        raise ImageFolderError(f"image folder {root} has no sub-folders; it needs {example}")
    if len(class_dirs) < 2:
        raise ImageFolderError(
            f"image folder {root} has only one class ({class_dirs[0].name}/); a classifier "
            f"needs at least two sub-folders, e.g. hotdog/ and not_hotdog/"
        )
    images: list[LabelledImage] = []
    skipped: list[tuple[Path, str]] = []
    for label, class_dir in enumerate(class_dirs):
        files = sorted(p for p in class_dir.rglob("*")
                       if _visible(p) and p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir())
        found = 0
        for path in files:
            try:
                data = _read_image_file(path)
                check_image_bytes(data)
            except ImageReadError as error:
                skipped.append((path, str(error)))
                continue
            images.append(LabelledImage(path, label, hashlib.sha256(data).hexdigest()))
            found += 1
        if not found:
            why = (f"its {len(files)} image file(s) cannot be read ({skipped[-1][1]})"
                   if files else
                   f"it holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
            raise ImageFolderError(f"class folder {class_dir} has no usable image: {why}")
    return ImageFolder(root, tuple(p.name for p in class_dirs), tuple(images), tuple(skipped))


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    # Pillow names the in-memory buffer it was given ("<_io.BytesIO object at 0x…>")
    text = re.sub(r"<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "the file", text)
    return text.splitlines()[0][:120]


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("reading images needs Pillow: pip install pillow "
                          "(it comes with torchvision)") from None
    return Image


def _read_image_file(path: Path) -> bytes:
    """The bytes of an image file, checked first: regular, not empty, within MAX_IMAGE_BYTES.

    Raises :class:`ImageReadError` whose message starts with the kind of problem.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ImageReadError(f"{NOT_REGULAR} ({file_kind(info.st_mode)})")
        if info.st_size == 0:
            raise ImageReadError(EMPTY)
        if info.st_size > MAX_IMAGE_BYTES:
            raise ImageReadError(f"larger than {describe_size(MAX_IMAGE_BYTES)} "
                                 f"({describe_size(info.st_size, like=MAX_IMAGE_BYTES)})")
        return path.read_bytes()
    except ImageReadError:
        raise
    except OSError as error:
        raise ImageReadError(f"{UNREADABLE}: {_reason(error)}") from None


@contextlib.contextmanager
def _pixel_limit(image_module: Any) -> Iterator[None]:
    """Pillow's own decompression-bomb warning (above 89 million pixels) raised as an error
    instead of printed, so an oversized image gives one line, not a warning per opening.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", image_module.DecompressionBombWarning)
        yield


def _too_many_pixels() -> str:
    return f"more than {MAX_IMAGE_PIXELS:,} pixels"


def _check_pixels(image: Any) -> None:
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageReadError(f"{_too_many_pixels()} ({width} × {height})")


def _bomb_reason(error: Exception) -> str:
    found = re.search(r"\((\d+) pixels\)", str(error))
    return f"{_too_many_pixels()} ({int(found.group(1)):,} pixels)" if found else _too_many_pixels()


def check_image_bytes(data: bytes) -> None:
    """Decode ``data`` fully (at reduced scale where the format allows); raise if it fails.

    An image of more than :data:`~nnviz.data.limits.MAX_IMAGE_PIXELS` is refused from its
    header, before its pixels are decoded.
    """
    image_module = _pillow()
    bombs = (image_module.DecompressionBombWarning, image_module.DecompressionBombError)
    try:
        with _pixel_limit(image_module), image_module.open(io.BytesIO(data)) as image:
            _check_pixels(image)
            image.draft("RGB", (64, 64))
            image.load()
    except ImageReadError:
        raise
    except bombs as error:
        raise ImageReadError(_bomb_reason(error)) from None
    except Exception as error:  # Pillow raises many types for broken files
        raise ImageReadError(f"{NOT_IMAGE}: {_reason(error)}") from None


def open_rgb(path: str | Path, min_side: int | None = None) -> Any:
    """The image as an RGB Pillow image; JPEGs are decoded at the smallest scale whose shorter
    side is still at least ``min_side`` (much faster for large photos).
    """
    image_module = _pillow()
    bombs = (image_module.DecompressionBombWarning, image_module.DecompressionBombError)
    try:
        with _pixel_limit(image_module), image_module.open(path) as image:
            _check_pixels(image)
            if min_side:
                image.draft("RGB", (min_side, min_side))
            return image.convert("RGB")
    except ImageReadError as error:
        raise ImageReadError(f"{path}: {error}") from None
    except bombs as error:
        raise ImageReadError(f"{path}: {_bomb_reason(error)}") from None
    except Exception as error:
        raise ImageReadError(f"{path}: {_reason(error)}") from None


def center_square(image: Any, size: int) -> Array:
    """Scale the shorter side to ``size`` and cut the centre square: uint8 (size, size, 3)."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return _resized(image, (left, top, left + side, top + side), size)


def random_crop(image: Any, size: int, rng: np.random.Generator, *,
                min_area: float = 0.5, max_aspect: float = 4 / 3, flip: bool = True) -> Array:
    """A random box of area share a ~ U(min_area, 1) and aspect ratio r (log-uniform in
    [1/max_aspect, max_aspect]), scaled to size × size and mirrored left–right with p = ½.
    Box: w = √(a·W·H·r), h = √(a·W·H/r), clipped to the image, at a uniform position.
    """
    width, height = image.size
    area = rng.uniform(min(min_area, 1.0), 1.0) * width * height
    aspect = math.exp(rng.uniform(-math.log(max_aspect), math.log(max_aspect)))
    box_w = round(min(width, math.sqrt(area * aspect)))
    box_h = round(min(height, math.sqrt(area / aspect)))
    box_w, box_h = max(box_w, 1), max(box_h, 1)
    left = int(rng.integers(0, width - box_w + 1))
    top = int(rng.integers(0, height - box_h + 1))
    pixels = _resized(image, (left, top, left + box_w, top + box_h), size)
    if flip and rng.random() < 0.5:
        pixels = np.ascontiguousarray(pixels[:, ::-1])
    return pixels


def _resized(image: Any, box: tuple[int, int, int, int], size: int) -> Array:
    resample = _pillow().Resampling.BILINEAR
    return np.array(image.resize((size, size), resample, box=box, reducing_gap=3.0),
                      dtype=np.uint8)


def thumbnail(path: str | Path, size: int) -> Array:
    """The centre square of an image at ``size`` pixels, uint8 (size, size, 3)."""
    return center_square(open_rgb(path, size), size)


def stratified_split(labels: Array, validation_fraction: float, seed: int
                     ) -> tuple[Array, Array]:
    """(train indices, validation indices), sorted, with each class split on its own.

    A class of n images gives round(n·f) to validation, at least 1 when f > 0 and n ≥ 2, and
    always keeps at least one for training.
    """
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng([seed, 7])
    train, validation = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n = len(members)
        n_validation = round(n * validation_fraction)
        if validation_fraction > 0 and n >= 2:
            n_validation = min(max(n_validation, 1), n - 1)
        else:
            n_validation = min(n_validation, n - 1)
        validation.append(members[:n_validation])
        train.append(members[n_validation:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(validation))
