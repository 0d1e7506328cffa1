"""The walk through the compute graph: its steps in the tutorials' order, their matrices the
chain rule's, the graph's nodes and what each shows, and planted mistakes flagged in place."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.backprop import chain_rule
from nnviz.core.backprop_steps import make_walk
from nnviz.core.backprop_walk import node_states
from nnviz.core.mlp import MLP


def two_layer(output="sigmoid", classes=2, hidden=(3,)):
    model = MLP(2, hidden, classes, activation="sigmoid", output=output, seed=3)
    rng = np.random.default_rng(4)
    return model, rng.normal(size=(4, 2)), np.arange(4) % classes


def test_the_steps_come_in_the_tutorials_order():
    model, inputs, labels = two_layer()
    walk = make_walk(model, inputs, labels, learning_rate=0.5)
    assert [(s.kind, s.node) for s in walk.steps] == [
        ("forward", "X"), ("forward", "Z¹"), ("forward", "A¹"), ("forward", "Z²"),
        ("forward", "A²"), ("forward", "L"),
        ("backward", "A²"), ("backward", "Z²"), ("backward", "A¹"), ("backward", "Z¹"),
        ("parameters", "W²"), ("parameters", "W¹"), ("apply", ""),
    ]
    assert walk.index_of("backward", "Z¹") == 9
    deep_model, _, _ = two_layer(hidden=(3, 2, 2))
    deep = make_walk(deep_model, inputs, labels, learning_rate=0.5)
    kinds = [s.kind for s in deep.steps]
    assert (kinds.count("forward"), kinds.count("backward"), kinds.count("parameters"),
            kinds.count("apply")) == (2 * 4 + 2, 2 * 4, 4, 1)


def test_every_matrix_shown_is_the_chain_rules():
    model, inputs, labels = two_layer()
    rule = chain_rule(model, inputs, labels)
    walk = make_walk(model, inputs, labels, learning_rate=0.5)
    step = walk.steps[walk.index_of("forward", "Z¹")]
    np.testing.assert_array_equal(step.term("Z¹").values, rule.pre_activations[0])
    np.testing.assert_array_equal(step.term("W¹ᵀ").values, model.weights[0])
    step = walk.steps[walk.index_of("backward", "Z¹")]
    np.testing.assert_array_equal(step.term("dA¹").values, rule.hidden_gradients[0])
    np.testing.assert_array_equal(step.term("σ'(Z¹)").values, rule.derivatives[0])
    np.testing.assert_array_equal(step.term("dZ¹").values, rule.deltas[0])
    step = walk.steps[walk.index_of("parameters", "W¹")]
    np.testing.assert_array_equal(step.term("∂L/∂W¹").values, rule.weight_gradients[0])
    np.testing.assert_array_equal(step.term("∂L/∂b¹").values, rule.bias_gradients[0])
    assert not any(term.wrong for s in walk.steps for term in s.terms())
    assert all(not s.note for s in walk.steps[:-1]) and walk.mistake_note == ""


def test_apply_shows_the_update_and_the_new_loss():
    model, inputs, labels = two_layer()
    walk = make_walk(model, inputs, labels, learning_rate=0.5)
    apply = walk.steps[-1]
    before, step, after = apply.rows[0]
    np.testing.assert_allclose(after.values, before.values - step.values)
    np.testing.assert_array_equal(before.values[:, :-1], model.weights[0].T)
    assert walk.loss_after < walk.loss_before
    assert f"{walk.loss_before:.4g} before, {walk.loss_after:.4g} after" in apply.words


def test_the_graph_has_every_node_with_its_shape():
    model, inputs, labels = two_layer("softmax", 3)
    walk = make_walk(model, inputs, labels, learning_rate=0.5)
    shapes = {node.name: node.shape for node in walk.nodes}
    assert shapes == {"X": (4, 2), "Y": (4, 3), "W¹": (3, 2), "b¹": (1, 3), "Z¹": (4, 3),
                      "A¹": (4, 3), "W²": (3, 3), "b²": (1, 3), "Z²": (4, 3), "A²": (4, 3),
                      "L": (1, 1)}
    operations = {(e.source, e.target): e.operation for e in walk.edges}
    assert operations[("Z¹", "A¹")] == "σ" and operations[("Z²", "A²")] == "softmax"
    assert operations[("A²", "L")] == "CE"


def test_node_states_follow_the_walk():
    model, inputs, labels = two_layer()
    walk = make_walk(model, inputs, labels, learning_rate=0.5)
    first = node_states(walk, 0)
    assert first["X"] == "current" and first["W¹"] == "value" and first["Z¹"] == "pending"
    loss = node_states(walk, walk.index_of("forward", "L"))
    assert loss["L"] == "current" and loss["A²"] == "value"
    back = node_states(walk, walk.index_of("backward", "A¹"))
    assert back["A¹"] == "current" and back["Z²"] == "gradient" and back["Z¹"] == "value"
    grads = node_states(walk, walk.index_of("parameters", "W²"))
    assert grads["W²"] == "current" and grads["b²"] == "gradient" and grads["W¹"] == "value"
    done = node_states(walk, len(walk.steps) - 1)
    assert {done[name] for name in ("W¹", "b¹", "W²", "b²")} == {"updated"}


def test_a_planted_mistake_is_flagged_where_it_happens():
    model, inputs, labels = two_layer()
    walk = make_walk(model, inputs, labels, learning_rate=0.5,
                     mistake="no_activation_derivative")
    dz1 = walk.steps[walk.index_of("backward", "Z¹")]
    assert dz1.term("dZ¹").wrong and "derivative is dropped" in dz1.note
    assert not walk.steps[walk.index_of("backward", "Z²")].term("dZ²").wrong
    assert walk.steps[walk.index_of("parameters", "W¹")].term("∂L/∂W¹").wrong
    assert not walk.steps[walk.index_of("parameters", "W²")].term("∂L/∂W²").wrong
    assert "∂L/∂W¹, ∂L/∂b¹ wrong" in walk.mistake_note
    assert walk.steps[-1].note.startswith(walk.mistake_note), "Apply says what was planted"
    transposed = make_walk(model, inputs, labels, learning_rate=0.5,
                           mistake="forgot_transpose")
    step = transposed.steps[transposed.index_of("parameters", "W¹")]
    assert "XᵀdZ¹" in [t.symbol for t in step.terms()]
    assert "is 2×3 where W¹ is 3×2" in step.note


def test_a_mistake_that_changes_nothing_on_this_batch_says_so():
    model = MLP(2, (3,), 2, activation="sigmoid", output="sigmoid", seed=0)
    inputs, labels = np.ones((1, 2)), np.array([0])  # Y = 0: the output is the error
    walk = make_walk(model, inputs, labels, learning_rate=0.5,
                     mistake="output_instead_of_error")
    assert "changes no gradient" in walk.mistake_note
    assert "changes no gradient" in walk.steps[-1].note


def test_apply_says_why_the_loss_rose():
    model, inputs, labels = two_layer()
    walk = make_walk(model, inputs, labels, learning_rate=300.0)
    assert walk.loss_after > walk.loss_before
    assert walk.steps[-1].note == ("The loss went up: the step overshot; try a smaller "
                                   "learning rate.")


def test_a_network_too_big_to_draw_is_refused_with_a_sentence():
    model = MLP(2, (11,), 2, seed=0)
    with pytest.raises(ValueError, match="up to 3 hidden layers of up to 10 units"):
        make_walk(model, np.ones((1, 2)), np.array([0]), learning_rate=0.1)
