"""Where the shipped data files (presets, corpus, demo images) live.

A wheel carries them inside the package as ``nnviz/resources``; a source checkout or an editable
install finds the repository's top-level ``resources/`` folder instead.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The folder holding nnviz's data files, installed or in a checkout."""
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        if (candidate / "presets").is_dir():
            return candidate
    raise FileNotFoundError(
        f"nnviz's resources folder is missing (looked in {_PACKAGE_DIR / 'resources'} and "
        f"{_PACKAGE_DIR.parent / 'resources'}); reinstall nnviz"
    )


def resource_path(*parts: str) -> Path:
    """A path inside the resources folder (it may not exist; callers say what is missing)."""
    return resources_dir().joinpath(*parts)
