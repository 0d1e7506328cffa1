"""``scripts/screenshot.py``: a picture of what was asked for, or an error and no file.

The window falls back to Moons when its target cannot open (so the app always starts); a
script that saved that fallback would hand back a picture of the wrong thing with status 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screenshot.py"


def screenshot(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                   "XDG_CONFIG_HOME": str(cwd / "config")}
    return subprocess.run([sys.executable, str(SCRIPT), *argv], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=environment, check=False)


@pytest.mark.parametrize("target", ["no-such-preset", "lesson-01-straight-lin"])
def test_a_target_that_cannot_open_fails_and_writes_nothing(tmp_path, target):
    result = screenshot(target, "shot.png", "--seconds", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert f"Could not open '{target}'" in result.stderr and "nothing written" in result.stderr
    assert not (tmp_path / "shot.png").exists()


def test_an_empty_out_path_is_refused(tmp_path):
    result = screenshot("moons", "", cwd=tmp_path)
    assert result.returncode == 2 and "it is empty" in result.stderr


def test_a_target_that_opens_is_saved(tmp_path):
    result = screenshot("lesson-08-blobs", "shot.png", "--seconds", "0.2", "--size", "640x400",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shot.png").stat().st_size > 1000
