"""Bottleneck features on disk, so a frozen backbone looks at each image only once.

A feature vector is stored as ``<root>/<backbone key>/<aa>/<image digest>.npy``: the image is
identified by the SHA-256 of its file's bytes (renaming or moving it keeps the entry; editing
it makes a new one), the backbone key by network, input size, preprocessing version and the
SHA-256 of its weights file (other weights, other features). Files are written to a temporary
name and renamed, so a crash never leaves half a file; an unreadable entry counts as a miss.

The root is ``$NNVIZ_CACHE_DIR`` when set, else the user's cache folder
(``$XDG_CACHE_HOME/nnviz/features`` or ``~/.cache/nnviz/features`` on Linux,
``~/Library/Caches/nnviz/features`` on macOS, ``%LOCALAPPDATA%\\nnviz\\Cache\\features`` on
Windows); a scenario's ``cache_dir`` overrides both.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

#: bump when the crop or normalisation changes, so old features are not reused
PREPROCESSING_VERSION = "v1"


def user_cache_dir() -> Path:
    """Where nnviz keeps features unless told otherwise (see the module docstring)."""
    override = os.environ.get("NNVIZ_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        base = home / "Library" / "Caches" / "nnviz"
    elif sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "nnviz" / "Cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "nnviz"
    return base / "features"


def backbone_key(name: str, input_size: int, weights_digest: str) -> str:
    return f"{name}-{input_size}px-{PREPROCESSING_VERSION}-{weights_digest[:16]}"


class FeatureCache:
    """Get and put one feature vector per image digest, for one backbone key."""

    def __init__(self, root: str | Path | None, key: str) -> None:
        self.root = Path(root).expanduser() if root else user_cache_dir()
        self.folder = self.root / key
        self.hits = 0
        self.misses = 0

    def path(self, digest: str) -> Path:
        return self.folder / digest[:2] / f"{digest}.npy"

    def get(self, digest: str) -> np.ndarray | None:
        path = self.path(digest)
        try:
            features = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return features

    def put(self, digest: str, features: np.ndarray) -> None:
        """Store atomically; a cache that cannot be written is not an error (just slower)."""
        path = self.path(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, np.asarray(features, dtype=np.float32), allow_pickle=False)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
