"""Pretend optional packages are not installed, as on a machine without them.

nnviz asks ``importlib.util.find_spec`` whether a package is there before it imports one
(the way ``tests/backends/test_without_torch.py`` hides torch), so hiding a name there is
enough for everything that decides what can open.
"""

from __future__ import annotations

import importlib.util


def hide_packages(monkeypatch, *names: str) -> None:
    """Make ``find_spec`` answer None for ``names`` and their submodules."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name.split(".")[0] in names:
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
