"""Transfer learning's first half: a frozen pretrained network turns images into features.

:class:`FeatureExtractor` owns one backbone (see :mod:`nnviz.backends.backbones`), its
preprocessing (centre crop for features that are cached, random crops for augmentation) and its
:class:`~nnviz.backends.feature_cache.FeatureCache`. The new final layer is trained elsewhere,
on the NumPy (or torch) MLP, from the features this returns as float32 NumPy arrays.
torch is imported lazily, by the functions that need it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.backends.backbones import file_digest, load_backbone, normalise, resolve_backbone
from nnviz.backends.device import limit_torch_threads, pick_device, require_torch
from nnviz.backends.feature_cache import FeatureCache, backbone_key
from nnviz.data.images import LabelledImage, center_square, open_rgb, random_crop

_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()


def weights_digest(path: Path) -> str:
    """SHA-256 of a weights file, remembered per (path, size, mtime) for this process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _digests_lock:
        if key not in _digests:
            _digests[key] = file_digest(path)
        return _digests[key]


class FeatureExtractor:
    """Bottleneck features of images from a frozen backbone, cached by image content.

    ``image_size`` 0 means the backbone's own input size; smaller sizes (down to the network's
    minimum) are faster and change the features (they get their own cache entries).
    """

    def __init__(self, backbone: str = "auto", weights_file: str = "", *, image_size: int = 0,
                 device: str = "auto", threads: int = 1, cache_dir: str | Path | None = None,
                 use_cache: bool = True) -> None:
        self.backbone, self.weights_path = resolve_backbone(backbone, weights_file)
        size = image_size or self.backbone.input_size
        if size < self.backbone.min_input_size:
            raise ValueError(f"image_size={size} is too small for {self.backbone.title}; "
                             f"it needs at least {self.backbone.min_input_size}")
        self.input_size = size
        self.device = pick_device(device)
        self.threads = threads
        self._threads_set_in: set[int] = set()
        self._use_threads()
        self.model = load_backbone(self.backbone, self.weights_path, size, self.device)
        key = backbone_key(self.backbone.name, size, weights_digest(self.weights_path))
        self.cache = FeatureCache(cache_dir, key) if use_cache else None
        self.images_computed = 0
        self.seconds_computing = 0.0

    @property
    def feature_size(self) -> int:
        return self.backbone.feature_size

    @property
    def seconds_per_image(self) -> float:
        """Mean forward time per image so far (0 before the first)."""
        return self.seconds_computing / self.images_computed if self.images_computed else 0.0

    def _use_threads(self) -> None:
        ident = threading.get_ident()
        if ident not in self._threads_set_in and self.device.type == "cpu":
            limit_torch_threads(self.threads)
            self._threads_set_in.add(ident)

    def compute(self, pixels: np.ndarray) -> np.ndarray:
        """Features of uint8 images (n, size, size, 3): float32 (n, feature_size)."""
        torch = require_torch()
        self._use_threads()
        started = time.perf_counter()
        with torch.inference_mode():
            batch = torch.from_numpy(np.ascontiguousarray(pixels)).to(self.device)
            features = self.backbone.features(self.model, normalise(batch))
            result = features.float().cpu().numpy()
        self.seconds_computing += time.perf_counter() - started
        self.images_computed += len(pixels)
        return result

    def crop(self, path: str | Path) -> np.ndarray:
        """The evaluation crop of one file at the network's input size (uint8)."""
        return center_square(open_rgb(path, self.input_size), self.input_size)

    def features_for(self, images: Sequence[LabelledImage]) -> tuple[np.ndarray, int]:
        """Features of centre-cropped images, from the cache where present; (features, hits)."""
        result = np.empty((len(images), self.feature_size), dtype=np.float32)
        todo: list[int] = []
        for row, item in enumerate(images):
            cached = self.cache.get(item.digest) if self.cache is not None else None
            if cached is not None and cached.shape == (self.feature_size,):
                result[row] = cached
            else:
                todo.append(row)
        if todo:
            pixels = np.stack([self.crop(images[row].path) for row in todo])
            computed = self.compute(pixels)
            for row, features in zip(todo, computed, strict=True):
                result[row] = features
                if self.cache is not None:
                    self.cache.put(images[row].digest, features)
        return result, len(images) - len(todo)

    def augmented_features(self, paths: Sequence[str | Path], rng: np.random.Generator, *,
                           min_area: float, flip: bool) -> np.ndarray:
        """Features of one random crop (and maybe mirror) of each file; never cached."""
        pixels = np.stack([
            random_crop(open_rgb(path, self.input_size), self.input_size, rng,
                        min_area=min_area, flip=flip)
            for path in paths
        ])
        return self.compute(pixels)

    def describe(self) -> dict[str, Any]:
        return {"backbone": self.backbone.name, "weights": str(self.weights_path),
                "input_size": self.input_size, "device": str(self.device)}
