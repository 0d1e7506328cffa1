"""The chain rule written out node by node equals the MLP's own forward and backward numbers,
and each planted mistake breaks exactly the line it names."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.backprop import (
    MISTAKES,
    chain_rule,
    loss_after_update,
    mistake_cannot_show,
    superscript,
    too_big_to_draw,
)
from nnviz.core.mlp import MLP

ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUTS = (("sigmoid", 2), ("softmax", 3))


def network(activation="sigmoid", output="sigmoid", classes=2, hidden=(3, 4), seed=0):
    return MLP(2, hidden, classes, activation=activation, output=output, seed=seed)


def batch(classes, n=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) * 1.5, rng.integers(0, classes, n)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output, classes", OUTPUTS)
@pytest.mark.parametrize("n", [1, 4, 8])
def test_every_quantity_is_the_mlps_own(activation, output, classes, n):
    model = network(activation, output, classes)
    inputs, labels = batch(classes, n)
    rule = chain_rule(model, inputs, labels)
    forward = model.forward(inputs)
    for ours, theirs in zip(rule.pre_activations, forward.pre_activations, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for ours, theirs in zip(rule.activations[:-1], forward.activations[:-1], strict=True):
        np.testing.assert_array_equal(ours, theirs)
    top = forward.activations[-1][:, 1:2] if output == "sigmoid" else forward.activations[-1]
    np.testing.assert_array_equal(rule.activations[-1], top)
    assert rule.loss == pytest.approx(model.loss(inputs, labels), rel=1e-14)
    # the MLP's backward pass: its gradients, and its deltas δ_l = ∂L/∂Z^l = dZ^l / N
    gradients = model.gradients(forward, labels)
    for ours, theirs in zip(rule.mlp_gradients(), gradients, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-16)
    for delta, theirs in zip(rule.deltas, forward.workspace.deltas_t, strict=True):
        np.testing.assert_allclose(delta / n, theirs.T, rtol=1e-12, atol=1e-16)


def test_the_tutorials_formulas_hold_line_by_line():
    model = network("sigmoid", "sigmoid", 2, hidden=(3,))
    inputs, labels = batch(2, 4)
    rule = chain_rule(model, inputs, labels)
    a1, a2, y = rule.activations[1], rule.activations[2], rule.targets
    dz2 = a2 - y
    np.testing.assert_allclose(rule.deltas[1], dz2, rtol=1e-13)
    np.testing.assert_allclose(rule.weight_gradients[1], dz2.T @ a1 / 4, rtol=1e-13)
    np.testing.assert_allclose(rule.hidden_gradients[0], dz2 @ rule.weights[1], rtol=1e-13)
    np.testing.assert_allclose(rule.deltas[0], dz2 @ rule.weights[1] * a1 * (1 - a1),
                               rtol=1e-13)
    np.testing.assert_allclose(rule.weight_gradients[0], rule.deltas[0].T @ inputs / 4,
                               rtol=1e-13)
    # dA² ⊙ A²(1 − A²) is dZ² = A² − Y: the output's local derivative, written out
    np.testing.assert_allclose(rule.output_gradient * a2 * (1 - a2), dz2, rtol=1e-9)


def test_softmax_deltas_are_the_error_and_each_row_sums_to_zero():
    model = network("tanh", "softmax", 3, hidden=(3,))
    inputs, labels = batch(3, 6)
    rule = chain_rule(model, inputs, labels)
    np.testing.assert_allclose(rule.deltas[-1], rule.activations[-1] - np.eye(3)[labels],
                               atol=1e-15)
    np.testing.assert_allclose(rule.deltas[-1].sum(axis=1), 0.0, atol=1e-14)


def test_weights_are_in_the_tutorials_layout():
    model = network(hidden=(3,))
    rule = chain_rule(model, *batch(2))
    assert [w.shape for w in rule.weights] == [(3, 2), (1, 3)]
    assert [b.shape for b in rule.biases] == [(1, 3), (1, 1)]
    np.testing.assert_array_equal(rule.weights[0], model.weights[0].T)


def mistaken(mistake, *, activation="sigmoid", output="softmax", classes=3, n=4):
    model = network(activation, output, classes, hidden=(3, 4))
    inputs, labels = batch(classes, n)
    return chain_rule(model, inputs, labels), chain_rule(model, inputs, labels, mistake)


def test_no_activation_derivative_breaks_only_what_lies_below_the_top_layer():
    right, wrong = mistaken("no_activation_derivative")
    np.testing.assert_array_equal(wrong.weight_gradients[-1], right.weight_gradients[-1])
    np.testing.assert_array_equal(wrong.deltas[1], wrong.hidden_gradients[1])
    for layer in (0, 1):
        assert not np.allclose(wrong.weight_gradients[layer], right.weight_gradients[layer])


def test_forgot_transpose_reshapes_the_transposed_product_and_spares_the_biases():
    right, wrong = mistaken("forgot_transpose")
    for layer in range(3):
        np.testing.assert_array_equal(wrong.bias_gradients[layer], right.bias_gradients[layer])
        expected = right.weight_gradients[layer].T.reshape(right.weight_gradients[layer].shape)
        np.testing.assert_allclose(wrong.weight_gradients[layer], expected, rtol=1e-13)


def test_sum_instead_of_mean_is_n_times_too_large():
    right, wrong = mistaken("sum_instead_of_mean", n=4)
    for ours, theirs in zip(wrong.mlp_gradients(), right.mlp_gradients(), strict=True):
        np.testing.assert_allclose(ours, 4 * theirs, rtol=1e-13)


def test_output_instead_of_error_uses_the_output_as_dz():
    right, wrong = mistaken("output_instead_of_error")
    np.testing.assert_array_equal(wrong.deltas[-1], wrong.activations[-1])
    assert not np.allclose(wrong.deltas[-1], right.deltas[-1])


def test_an_unknown_mistake_is_refused():
    model = network()
    with pytest.raises(ValueError, match="unknown mistake"):
        chain_rule(model, *batch(2), mistake="typo")


def test_apply_gives_the_new_loss_and_leaves_the_model_as_it_was():
    model = network(hidden=(3,))
    inputs, labels = batch(2, 4)
    before = model.copy_params()
    rule = chain_rule(model, inputs, labels)
    after, loss = loss_after_update(model, rule, 0.5)
    for now, then in zip(model.params, before, strict=True):
        np.testing.assert_array_equal(now, then)
    expected = [p - 0.5 * g for p, g in zip(before, rule.mlp_gradients(), strict=True)]
    for ours, theirs in zip(after, expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    model.set_params(after)
    assert loss == model.loss(inputs, labels)
    assert loss < rule.loss


def test_sentences_refuse_what_cannot_be_drawn_or_shown():
    assert too_big_to_draw((2, 10, 10, 10, 3)) == ""
    assert "up to 3 hidden layers" in too_big_to_draw((2, 4, 4, 4, 4, 1))
    assert "this one (2 → 12 → 1)" in too_big_to_draw((2, 12, 1))
    assert mistake_cannot_show("none", (1, 1), "sigmoid", 1) == ""
    assert "has none" in mistake_cannot_show("no_activation_derivative", (2, 1), "sigmoid", 1)
    assert "linear" in mistake_cannot_show("no_activation_derivative", (2, 3, 1), "linear", 1)
    assert "one row or one column" in mistake_cannot_show("forgot_transpose", (2, 1), "tanh", 4)
    assert mistake_cannot_show("forgot_transpose", (2, 3, 1), "tanh", 4) == ""
    assert "batch of one" in mistake_cannot_show("sum_instead_of_mean", (2, 3, 1), "tanh", 1)
    assert set(MISTAKES) == {"none", "no_activation_derivative", "forgot_transpose",
                             "sum_instead_of_mean", "output_instead_of_error"}
    assert superscript(12) == "¹²"
