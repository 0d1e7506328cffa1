"""Golden images: every panel kind rendered through the export path and compared with the
picture a person looked at and approved.

Each panel kind is drawn from the first scenario that shows it, after the same deterministic
run (``visual_scenes.STEPS`` steps, fixed seeds), at 480×360 through ``export.render_png`` (what
a PNG export writes), with the DejaVu fonts CI installs. The measure is the root-mean-square
difference of the RGB values (0–255) over all pixels: antialiasing and font hinting move it by
well under 1, a legend moved onto the data or a new scale factor on an axis by 5–30, a panel
that renders empty by far more. Tolerance: RMS ≤ ``TOLERANCE``.

After an intended change, regenerate and look at every changed picture before committing:
``python -m pytest tests/visual/test_goldens.py --update-goldens``. A failure writes the new
picture and a difference image beside the test's temporary folder and names them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from visual_scenes import fed_panel, scenario_of, targets

from nnviz.app import export
from nnviz.app.panels import all_panels

GOLDENS = Path(__file__).parent / "goldens"
SIZE = (480, 360)
TOLERANCE = 2.5


def _first_target_per_kind() -> list:
    registry = all_panels()
    seen: dict[str, str] = {}
    for name in targets():
        for kind in scenario_of(name).panels:
            if kind in registry and kind not in seen and registry[kind].figure:
                seen[kind] = name  # (a control panel, the racer editor, is no figure)
    return [pytest.param(name, kind, id=kind) for kind, name in seen.items()]


def rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return rows.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3] \
        .reshape(image.height(), image.width(), 3).astype(np.float64)


def rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def test_rms_sees_a_moved_legend_but_not_a_repaint():
    base = np.full((360, 480, 3), 255.0)
    base[100:260, 60:420] = (8, 119, 189)
    assert rms(base, base.copy()) == 0
    moved = base.copy()
    moved[10:60, 300:460] = (240, 240, 240)  # a legend box laid over the data's corner
    moved[20:50, 310:450] = (20, 20, 20)
    assert rms(base, moved) > TOLERANCE


@pytest.mark.parametrize("name, kind", _first_target_per_kind())
def test_panel_matches_its_golden(qtbot, request, tmp_path, name, kind):
    with fed_panel(qtbot, kind, name, SIZE) as panel:
        image = export.render_png(panel, SIZE)
    golden = GOLDENS / f"{kind}.png"
    if request.config.getoption("--update-goldens"):
        GOLDENS.mkdir(exist_ok=True)
        assert image.save(str(golden))
        pytest.skip(f"wrote {golden.name}")
    assert golden.exists(), (f"no golden image for {kind}: run pytest {__file__} "
                             "--update-goldens and look at it")
    actual, expected = rgb(image), rgb(QImage(str(golden)))
    assert actual.shape == expected.shape, f"{kind}: size {actual.shape} ≠ {expected.shape}"
    difference = rms(actual, expected)
    if difference > TOLERANCE:
        image.save(str(tmp_path / f"{kind}-actual.png"))
        diff = np.abs(actual - expected).max(axis=2)
        diff = np.ascontiguousarray(255 - np.clip(diff * 4, 0, 255)).astype(np.uint8)
        QImage(diff.data, diff.shape[1], diff.shape[0], diff.strides[0],
               QImage.Format.Format_Grayscale8).save(str(tmp_path / f"{kind}-difference.png"))
    assert difference <= TOLERANCE, (
        f"{kind} (from {name}) differs from its golden image: RMS {difference:.2f} > "
        f"{TOLERANCE}; see {tmp_path}")
