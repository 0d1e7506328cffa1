"""scripts/contact_sheet.py as a person runs it: a sheet, a picture per window and per panel,
and a failing exit status when a target cannot be opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "contact_sheet.py"


def _sheet(tmp_path: Path, *names: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "sheet.png"), "--steps", "5",
         "--size", "1024x700", "--only", *names],
        capture_output=True, text=True, env=env, timeout=240)


def test_sheet_of_a_scenario_and_an_unknown_name(tmp_path):
    done = _sheet(tmp_path, "moons", "no-such-target")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "could not open: no-such-target" in done.stderr
    assert "moons: step 5; 0 problem(s)" in done.stdout, done.stdout
    sheet = QImage(str(tmp_path / "sheet.png"))
    assert not sheet.isNull() and sheet.width() > 1000
    pictures = tmp_path / "sheet-pictures"
    window = QImage(str(pictures / "moons.png"))
    assert (window.width(), window.height()) == (1024, 700)
    panels = sorted(path.name for path in pictures.glob("moons--*.png"))
    assert "moons--decision-boundary.png" in panels and "moons--loss.png" in panels
    assert not list(pictures.glob("no-such-target*"))
