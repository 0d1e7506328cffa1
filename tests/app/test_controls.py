"""Controls generated from Config.params(): bounds hold, errors show, nothing invalid applies."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox

from nnviz.app.controls import ControlsPanel
from nnviz.app.controls.editors import ChoiceEditor, FloatEditor, IntEditor, TextEditor
from nnviz.scenarios.moons import MoonsConfig


@pytest.fixture
def controls(qtbot):
    panel = ControlsPanel(MoonsConfig)
    qtbot.addWidget(panel)
    panel.show()
    changes = []
    panel.changed.connect(lambda name, value: changes.append((name, value)))
    return panel, changes


def test_every_parameter_gets_an_editor_of_its_kind(controls):
    panel, _ = controls
    assert set(panel.editors) == set(MoonsConfig.params())
    assert isinstance(panel.editors["learning_rate"], FloatEditor)
    assert panel.editors["learning_rate"].log_scale
    assert isinstance(panel.editors["seed"], IntEditor)
    assert isinstance(panel.editors["activation"], ChoiceEditor)
    assert isinstance(panel.editors["hidden_sizes"], TextEditor)


def test_advanced_parameters_are_folded_away(controls):
    panel, _ = controls
    epsilon = panel.editors["epsilon"]
    assert not epsilon.isVisibleTo(panel)
    panel.advanced_button.setChecked(True)
    assert epsilon.isVisibleTo(panel)


def test_typed_value_above_the_maximum_is_not_applied(qtbot, controls):
    panel, changes = controls
    spin = panel.editors["learning_rate"].spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "20")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert spin.value() <= 10.0
    assert all(value <= 10.0 for name, value in changes if name == "learning_rate")
    spin.setValue(50.0)  # programmatic values are clamped too
    assert spin.value() == 10.0


def test_log_slider_spans_the_bounds(controls):
    panel, changes = controls
    editor = panel.editors["learning_rate"]
    editor.slider.setValue(0)
    assert changes[-1] == ("learning_rate", pytest.approx(1e-6))
    editor.slider.setValue(editor.slider.maximum())
    assert changes[-1] == ("learning_rate", pytest.approx(10.0))
    editor.slider.setValue(editor.slider.maximum() // 2)  # log midpoint of 1e-6..10
    assert changes[-1][1] == pytest.approx(10 ** -2.5, rel=0.01)


def test_int_spin_box_holds_its_bounds(controls):
    panel, _ = controls
    spin = panel.editors["n_samples"].spin
    spin.setValue(10**7)
    assert spin.value() == 200_000
    spin.setValue(1)
    assert spin.value() == 10


def test_bad_hidden_sizes_show_an_error_and_are_not_applied(qtbot, controls):
    panel, changes = controls
    editor = panel.editors["hidden_sizes"]
    editor.line.setText("8,0")
    editor.line.editingFinished.emit()
    assert "below the minimum" in editor.error_text()
    assert changes == []
    assert editor.value() == (8,)
    editor.line.setText("16, 8")
    editor.line.editingFinished.emit()
    assert editor.error_text() == ""
    assert changes == [("hidden_sizes", (16, 8))]


def test_set_config_updates_without_emitting(controls):
    panel, changes = controls
    config = MoonsConfig(learning_rate=0.003, hidden_sizes=(3,), activation="relu")
    panel.set_config(config)
    assert changes == []
    assert panel.values()["learning_rate"] == pytest.approx(0.003)
    assert panel.values()["hidden_sizes"] == (3,)
    assert panel.values()["activation"] == "relu"


def test_a_group_of_only_advanced_settings_folds_away_whole(controls):
    panel, _ = controls
    view = panel.findChild(QGroupBox, "group-view")
    assert not view.isVisibleTo(panel)
    panel.advanced_button.setChecked(True)
    assert view.isVisibleTo(panel)
