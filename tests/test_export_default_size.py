"""``nnviz export`` without ``--size`` writes every PNG at the size its help promises.

The help says "default: 800x600 × scale". Each panel was laid out at 800×600 and its figure
exported at the figure's own size, which is the panel less its control bar and rounding: the
same export held PNGs of 800×600, 801×601, 800×570, 800×572 and 800×585.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from nnviz.cli import main

SMALL = ["--set", "n_samples=100", "--set", "grid_resolution=40"]


def _png_sizes(folder: Path) -> dict[str, tuple[int, int]]:
    return {path.name: (QImage(str(path)).width(), QImage(str(path)).height())
            for path in sorted(folder.glob("*.png"))}


@pytest.mark.parametrize("scale, expected", [("1", (800, 600)), ("2", (1600, 1200))])
def test_every_png_has_the_default_size_times_the_scale(qapp, tmp_path, scale, expected):
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "moons", "--steps", "20", *SMALL, "--out", str(tmp_path),
                 "--format", "png", "--scale", scale], out=out, err=err)
    assert code == 0, err.getvalue()
    sizes = _png_sizes(tmp_path)
    assert len(sizes) == 5  # boundary, loss, network, histograms, layer health
    assert {name: size for name, size in sizes.items() if size != expected} == {}
