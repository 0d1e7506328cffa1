"""What the window and the exporter ask of a panel is declared on Panel: any panel answers it.

The window connects every panel's ``live_change`` and ``pins_requested`` and pins the panels
that say they pin runs; the exporter asks every panel for its table notes, sidecar fields and
comparison. None of it is probed with ``getattr``, so a panel that leaves a member out gets
the plain panel's answer instead of silently dropping out.
"""

from __future__ import annotations

import pytest

from nnviz.app.panels import Panel, all_panels
from nnviz.io.columns import TableNotes


@pytest.mark.parametrize("kind", sorted(all_panels()))
def test_a_fresh_panel_answers_every_declared_question(qtbot, kind):
    panel = all_panels()[kind]()
    qtbot.addWidget(panel)
    assert all(isinstance(note, TableNotes) for note in panel.csv_notes().values())
    assert isinstance(panel.sidecar_fields(), dict)
    assert panel.can_compare() is False and panel.comparison_figure() is None
    panel.pin_run()  # nothing drawn yet: nothing to keep, and no error
    panel.clear_pinned()
    edits, pins = [], []
    panel.live_change.connect(lambda name, value: edits.append((name, value)))
    panel.pins_requested.connect(pins.append)
    panel.live_change.emit("learning_rate", 0.5)
    panel.pins_requested.emit("pin")
    assert (edits, pins) == ([("learning_rate", 0.5)], ["pin"])


def test_only_the_loss_and_boundary_panels_pin_runs_and_only_the_boundary_compares():
    panels = all_panels()
    assert {k for k, cls in panels.items() if cls.pins_runs} == {"loss", "decision_boundary",
                                                                 "regression_fit"}
    assert {k for k, cls in panels.items() if cls.compares_runs} == {"decision_boundary"}
    assert not Panel.pins_runs and not Panel.compares_runs


def test_any_panel_s_edit_reaches_the_controls_and_the_run(qtbot, window):
    """The boundary panel edits nothing itself, but the window wires every panel alike."""
    boundary = next(p for p in window.panels() if p.kind == "decision_boundary")
    boundary.live_change.emit("learning_rate", 0.05)
    assert window.controls.editors["learning_rate"].spin.value() == pytest.approx(0.05)
    assert window.current_config.learning_rate == pytest.approx(0.05)


def test_pin_run_pins_the_panels_that_pin_and_says_so(qtbot, window, wait_for_step):
    window.runner.step(20)
    wait_for_step(window, 20)
    window.pin_run()
    pinned = {p.kind: len(p.pinned) for p in window.panels() if p.pins_runs}
    assert pinned == {"loss": 1, "decision_boundary": 1}
    assert window.statusBar().currentMessage().startswith("Pinned")
    loss = next(p for p in window.panels() if p.kind == "loss")
    loss.clear_button.click()  # its own button clears the others' pins too
    assert all(not p.pinned for p in window.panels() if p.pins_runs)
