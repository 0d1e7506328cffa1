"""Tiny synthetic image folders and randomly initialised backbones saved to weight files.

The random weights go through the same loading code as real ImageNet weights; the images are
small (Inception v3 needs at least 75 × 75 pixels), so a test's forward passes take
milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLOURS = {"hotdog": (200, 60, 30), "not_hotdog": (40, 90, 210), "pizza": (230, 200, 40)}


def save_random_backbone(name: str, path: Path, seed: int = 0, calibration_size: int = 80
                         ) -> Path:
    import torch

    from nnviz.backends.backbones import get_backbone

    torch.manual_seed(seed)
    backbone = get_backbone(name)
    model = backbone.build(backbone.input_size)
    # Batch-norm statistics measured on smooth random images, so activations keep their scale
    # through the depth (with the default mean 0 / variance 1 the bottleneck features shrink to
    # ~1e-8).
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.momentum = None
            module.reset_running_stats()
    model.train()
    with torch.no_grad():
        smooth = torch.nn.functional.interpolate(
            torch.rand(8, 3, 6, 6) * 2 - 1, size=calibration_size, mode="bilinear")
        backbone.features(model, smooth)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


def make_image_folder(root: Path, per_class: int = 4, classes=("hotdog", "not_hotdog"),
                      size: int = 80, seed: int = 0) -> Path:
    """``per_class`` noisy images per class: a coloured disc on grey, one colour per class."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    for name in classes:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            image = Image.new("RGB", (size, size + 8), (128, 128, 128))
            radius = rng.uniform(0.25, 0.4) * size
            cx, cy = rng.uniform(radius, size - radius, 2)
            ImageDraw.Draw(image).ellipse([cx - radius, cy - radius, cx + radius,
                                           cy + radius], fill=COLOURS[name])
            noisy = np.asarray(image, dtype=np.float64) + rng.normal(0, 8, (size + 8, size, 3))
            Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(
                folder / f"{name}-{index}.png")
    return root
