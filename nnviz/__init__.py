"""nnviz: a desktop lab for watching neural networks learn."""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``nnviz.watch`` loads on first use, so ``import nnviz`` stays light (no torch, no Qt,
    no scenario). Imported by name: every layer imports this package for its version, and
    none of them may import the watcher."""
    if name == "watch":
        return import_module("nnviz.watching").watch
    raise AttributeError(f"module 'nnviz' has no attribute {name!r}")
