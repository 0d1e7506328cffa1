"""Choosing a torch device by name and limiting torch's thread pool, with torch imported lazily.

On two cores, torch's default intra-op pool collapses 10–100× as soon as another thread (the
GUI's) is busy, so the worker sets its thread count on purpose instead of trusting defaults.
"""

from __future__ import annotations

import importlib.util
from typing import Any

DEVICES = ("auto", "cpu", "cuda", "mps")
TORCH_INSTALL_HINT = ("pip install 'nnviz[torch]'  (a CPU-only build is much smaller: "
                      "pip install torch --index-url https://download.pytorch.org/whl/cpu)")


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def require_torch() -> Any:
    """Import torch or raise an ImportError that says how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"this needs PyTorch, which is not installed: {TORCH_INSTALL_HINT}")\
            from None
    return torch


def available_devices() -> list[str]:
    """Device names usable here, best first (always ends with "cpu")."""
    torch = require_torch()
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return [*found, "cpu"]


def pick_device(name: str = "auto") -> Any:
    """The torch.device for ``name``; "auto" takes the best available; unavailable → error."""
    torch = require_torch()
    if name not in DEVICES:
        raise ValueError(f"unknown device {name!r}; known: {', '.join(DEVICES)}")
    usable = available_devices()
    if name == "auto":
        return torch.device(usable[0])
    if name not in usable:
        raise ValueError(f"device {name!r} is not available here; available: {', '.join(usable)}")
    return torch.device(name)


def limit_torch_threads(count: int = 1) -> None:
    """Set torch's intra- and (where still allowed) inter-op thread counts."""
    torch = require_torch()
    torch.set_num_threads(max(1, int(count)))
    try:
        torch.set_num_interop_threads(max(1, int(count)))
    except RuntimeError:
        pass  # can only be set once, before any parallel work has run
