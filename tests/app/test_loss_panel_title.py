"""The loss panel says what it shows: a regression's lower plot is R², so its title is
"Loss and R²"; a classifier's stays "Loss and accuracy" (the words the lessons quote)."""

from __future__ import annotations

from nnviz.app.panel_area import PanelFrame
from nnviz.app.panels.loss import LossPanel
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def _framed_panel(qtbot, scenario: str) -> tuple[LossPanel, PanelFrame]:
    panel = LossPanel()
    frame = PanelFrame(panel)
    qtbot.addWidget(frame)
    session = get_scenario(scenario).build(get_scenario(scenario).default_config())
    for snapshot in train(session, max_steps=20, every=10, views=False):
        panel.show_snapshot(snapshot)
    return panel, frame


def test_a_regression_loss_panel_is_titled_loss_and_r2(qtbot):
    panel, frame = _framed_panel(qtbot, "regression")
    assert frame.title.text() == "Loss and R²"
    assert panel.title == "Loss and R²"  # exports read it too
    assert panel.accuracy_plot.getAxis("left").labelText == "R²"


def test_a_classifier_loss_panel_keeps_the_words_lessons_quote(qtbot):
    panel, frame = _framed_panel(qtbot, "moons")
    assert frame.title.text() == "Loss and accuracy" == panel.title
    assert LossPanel.title == "Loss and accuracy"  # one panel's words are its own
