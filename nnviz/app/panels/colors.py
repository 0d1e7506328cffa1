"""The palettes every panel draws with: class colours, a diverging map, and Tableau 10.

Two classes: orange for class 0 and blue for class 1 (TensorFlow Playground's pair), with a
near-white middle so the uncertain band around p = 0.5 reads as "undecided". More classes mix
their colours by probability: a pixel's colour is Σ_c p_c · colour_c.

Things that are told apart rather than ordered (racers, word groups, the classes of a
projection) take :data:`TABLEAU_10` in turn, so every panel gives the n-th one the same colour.

Names in code say ``color``, as Qt and pyqtgraph do (``QColor``, ``mkPen(color=…)``); prose
keeps the British "colour".
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

#: one (r, g, b) per class; the first two are the diverging map's ends
CLASS_COLORS = np.array([
    (245, 147, 34),   # orange
    (8, 119, 189),    # blue
    (46, 160, 67),    # green
    (148, 82, 165),   # purple
    (214, 39, 40),    # red
    (140, 86, 75),    # brown
    (227, 119, 194),  # pink
    (127, 127, 127),  # grey
    (188, 189, 34),   # olive
    (23, 190, 207),   # cyan
], dtype=np.float64)

MIDDLE = (247, 247, 247)

#: Tableau 10: distinct on white and in print, and in pairs for most colour-blind readers
TABLEAU_10: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)


def class_color(index: int) -> tuple[int, int, int]:
    r, g, b = CLASS_COLORS[index % len(CLASS_COLORS)]
    return int(r), int(g), int(b)


def qualitative_color(index: int) -> tuple[int, int, int]:
    """The ``index``-th of :data:`TABLEAU_10`, starting again after ten."""
    return TABLEAU_10[index % len(TABLEAU_10)]


def diverging_map() -> pg.ColorMap:
    """Orange (0) → near white (0.5) → blue (1)."""
    return pg.ColorMap(pos=[0.0, 0.5, 1.0],
                       color=[class_color(0), MIDDLE, class_color(1)])


def diverging_lut(points: int = 256) -> np.ndarray:
    return diverging_map().getLookupTable(0.0, 1.0, points, alpha=False)


def soften(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Blend colours toward white by ``amount`` (0 = unchanged, 1 = white)."""
    return rgb + (255.0 - rgb) * amount


def class_mix(probabilities: np.ndarray, lightness: float = 0.35) -> np.ndarray:
    """(ny, nx, k) probabilities → (ny, nx, 3) uint8: Σ_c p_c · colour_c, lightened."""
    k = probabilities.shape[-1]
    colors = soften(np.array([class_color(c) for c in range(k)], dtype=np.float32), lightness)
    mixed = probabilities.astype(np.float32, copy=False) @ colors
    return np.clip(mixed, 0, 255).astype(np.uint8)
