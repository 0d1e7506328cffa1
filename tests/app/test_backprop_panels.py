"""The backprop panels driven as a person drives them: every step of the walk by key and
button, each matrix shown equal to the MLP's own forward and backward numbers for the batch,
the walk played and recorded as a GIF, and the gradient check flagging a planted mistake."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.app import export
from nnviz.app.panels.backprop import BackpropPanel
from nnviz.app.panels.backprop_cards import WRONG_COLOR
from nnviz.app.panels.backprop_check import GradientCheckPanel
from nnviz.app.recording import Recorder, RecordingSettings
from nnviz.cli import main
from nnviz.core.backprop import superscript
from nnviz.scenarios.backprop import BackpropConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def first_snapshot(**values):
    config = BackpropConfig().with_values({"check_with_torch": False, **values})
    session = get_scenario("backprop").create_session(config)
    return session, next(iter(train(session, max_steps=0)))


def shown_panel(qtbot, panel_class, snapshot, size=(620, 760)):
    panel = panel_class()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    panel.start_run(snapshot.run_id)
    panel.show_snapshot(snapshot)
    return panel


def mlp_numbers(model, inputs, labels, learning_rate):
    """Every matrix the walk may show, by its symbol, from the MLP's own passes: its forward
    pass, its loss, its backward pass's gradients and deltas (δ = ∂L/∂Z = dZ/N)."""
    n = len(labels)
    forward = model.forward(inputs)
    gradients = model.gradients(forward, labels)
    deltas = [n * d.T for d in forward.workspace.deltas_t]  # dZ^l = N·δ_l
    layers = model.n_layers
    sigmoid = model.output.kind == "sigmoid"
    top = forward.activations[-1][:, 1:2] if sigmoid else forward.activations[-1]
    targets = labels[:, None].astype(float) if sigmoid else np.eye(model.n_classes)[labels]
    losses = [model.output.loss(forward.logits[i:i + 1], labels[i:i + 1], "sum")
              for i in range(n)]
    numbers = {"X": inputs, "Y": targets, "ℓ": np.array(losses)[:, None],
               "L": np.array([[model.loss(inputs, labels)]])}
    for layer in range(1, layers + 1):
        mark, below = superscript(layer), "X" if layer == 1 else f"A{superscript(layer - 1)}"
        a = top if layer == layers else forward.activations[layer]
        w_grad, b_grad = gradients[2 * layer - 2].T, gradients[2 * layer - 1][None, :]
        numbers |= {
            f"Z{mark}": forward.pre_activations[layer - 1], f"A{mark}": a,
            f"W{mark}ᵀ": model.weights[layer - 1], f"b{mark}": model.biases[layer - 1][None, :],
            f"dZ{mark}": deltas[layer - 1], f"dZ{mark}ᵀ": deltas[layer - 1].T,
            f"∂L/∂W{mark}": w_grad, f"∂L/∂b{mark}": b_grad,
            f"{below}": forward.activations[layer - 1],
        }
        before = np.hstack([model.weights[layer - 1].T, model.biases[layer - 1][:, None]])
        step = learning_rate * np.hstack([w_grad, b_grad.T])
        pair = f"[W{mark} b{mark}]"
        numbers |= {pair: before, f"η·∂L/∂{pair}": step, f"{pair} new": before - step}
        if layer < layers:
            z, act = forward.pre_activations[layer - 1], forward.activations[layer]
            numbers[f"dA{mark}"] = deltas[layer] @ model.weights[layer].T
            numbers[f"σ'(Z{mark})"] = model.activation.derivative(z, act)
    mark = superscript(layers)
    numbers[f"A{mark}(1 − A{mark})"] = top * (1 - top)
    numbers[f"dA{mark}"] = (-(targets / top - (1 - targets) / (1 - top)) if sigmoid
                            else -targets / top)
    return numbers


def press(panel, key):
    QTest.keyClick(panel.view, key)


@pytest.mark.parametrize("values", [
    {"batch_size": 3},
    {"dataset": "blobs", "output": "softmax", "hidden_sizes": (3, 2), "batch_size": 2},
])
def test_every_step_shows_the_mlps_own_numbers(qtbot, values):
    session, snapshot = first_snapshot(**values)
    panel = shown_panel(qtbot, BackpropPanel, snapshot)
    inputs, labels = session.batch()
    expected = mlp_numbers(session.model, inputs, labels, session.config.learning_rate)
    panel.view.setFocus()
    qtbot.waitUntil(panel.view.hasFocus)
    kinds, compared = [], 0
    for position in range(len(panel.walk.steps)):
        assert panel.position == position
        step = panel.step
        kinds.append(step.kind)
        shown = [card for card in panel.cards if card.title.isVisible()]
        assert len(shown) == len(step.terms()), f"{step.title}: every matrix is drawn"
        for card, term in zip(shown, step.terms(), strict=True):
            assert card.title.toPlainText().startswith(term.symbol)
            if term.symbol in expected:
                np.testing.assert_allclose(card.values, expected[term.symbol], rtol=1e-9,
                                           atol=1e-12, err_msg=f"{step.title}: {term.symbol}")
                compared += 1
        press(panel, Qt.Key.Key_Right)
    assert panel.position == len(panel.walk.steps) - 1, "→ stops at the last step"
    assert {"forward", "backward", "parameters", "apply"} == set(kinds)
    assert compared >= 0.9 * sum(len(s.terms()) for s in panel.walk.steps)
    press(panel, Qt.Key.Key_Home)
    assert panel.position == 0
    press(panel, Qt.Key.Key_End)
    press(panel, Qt.Key.Key_Left)
    assert panel.position == len(panel.walk.steps) - 2


def test_buttons_step_and_the_walk_keeps_its_step_across_snapshots(qtbot):
    session, snapshot = first_snapshot()
    panel = shown_panel(qtbot, BackpropPanel, snapshot)
    assert not panel.previous_button.isEnabled()
    for _ in range(4):
        panel.next_button.click()
    panel.previous_button.click()
    assert panel.position == 3 and panel.position_label.text() == "step 4 of 13"
    session.train_step()
    panel.show_snapshot(next(iter(train(session, max_steps=session.step_count))))
    assert panel.position == 3, "a new snapshot keeps the step shown"
    panel.start_run(snapshot.run_id + 1)
    assert panel.walk is None and panel.position == 0


def test_the_walk_plays_and_records_as_a_gif(qtbot, tmp_path):
    iio = pytest.importorskip("imageio.v3")
    _, snapshot = first_snapshot(batch_size=2)
    panel = shown_panel(qtbot, BackpropPanel, snapshot, (480, 520))
    panel.timer.setInterval(150)
    recorder = Recorder(panel, RecordingSettings(fps=20, width=240))
    recorder.start()
    panel.play_button.click()
    assert panel.play_button.text() == "Pause"
    last = len(panel.walk.steps) - 1
    qtbot.waitUntil(lambda: panel.position == last and not panel.timer.isActive(),
                    timeout=10_000)
    qtbot.wait(100)
    recorder.stop()
    assert panel.play_button.text() == "Play" and not panel.play_button.isChecked()
    gif, _ = recorder.save(tmp_path / "walk.gif")
    frames = iio.imread(gif, index=None)
    distinct = {frame.tobytes() for frame in frames}
    assert len(distinct) >= 6, "the recording shows the walk moving"


def test_the_check_panel_flags_a_planted_mistake_in_red(qtbot):
    _, snapshot = first_snapshot(dataset="blobs", output="softmax", batch_size=4,
                                 mistake="no_activation_derivative")
    panel = shown_panel(qtbot, GradientCheckPanel, snapshot)
    assert panel.heading.toPlainText().startswith("✗ ")
    assert "planted mistake: no_activation_derivative" in panel.heading.toPlainText()
    wrong_titles = [card.title.toPlainText().split()[0] for card in panel.cards
                    if card.title.isVisible()
                    and card.title.textItem.defaultTextColor().getRgb()[:3] == WRONG_COLOR]
    assert wrong_titles == ["W¹", "b¹"]
    table = panel.table_rows(panel.check)
    assert [row[-1] for row in table[1:]] == ["6", "3", "0", "0"]
    tables = panel.csv_tables()["gradient_check"]
    wrong = tables[1][tables[0].index("wrong")]
    assert sum(wrong) == 9


def test_the_check_panel_says_when_it_passes(qtbot):
    _, snapshot = first_snapshot()
    panel = shown_panel(qtbot, GradientCheckPanel, snapshot)
    assert panel.heading.toPlainText().startswith("✓ max relative error")
    assert "torch.autograd: not asked" in panel.about.toPlainText()


def test_both_panels_export_the_graph_as_png_svg_and_csv(qtbot, tmp_path):
    _, snapshot = first_snapshot(batch_size=2)
    for panel_class in (BackpropPanel, GradientCheckPanel):
        panel = shown_panel(qtbot, panel_class, snapshot, (640, 560))
        written = export.export_panel(panel, tmp_path,
                                      export.ExportOptions(("png", "svg", "csv")),
                                      snapshot=snapshot)
        suffixes = sorted(path.suffix for path in written)
        assert suffixes == [".csv", ".json", ".png", ".svg"]
    svg = next(path for path in tmp_path.glob("*backprop*.svg")).read_text()
    assert "Forward" in svg and "X" in svg


def test_nnviz_export_writes_the_compute_graph_as_png_and_svg(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "backprop", "--out", str(tmp_path), "--steps", "5", "--format",
                 "png,svg", "--set", "check_with_torch=false"], out, err)
    assert code == 0, err.getvalue()
    names = sorted(path.name for path in tmp_path.iterdir())
    assert "backprop-5-backprop.png" in names and "backprop-5-backprop.svg" in names
    assert "backprop-5-gradient-check.svg" in names
