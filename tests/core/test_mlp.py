"""The MLP's forward pass, loss and chain-rule gradients against finite differences."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnviz.core import threads
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.mlp import MLP, WORKSPACES_KEPT, ForwardPass


def _data(n_inputs: int, n_classes: int, n: int = 7, seed: int = 0):
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(n, n_inputs))
    labels = rng.integers(0, n_classes, n)
    labels[:n_classes] = np.arange(n_classes)  # every class present
    return inputs, labels


def _numeric_gradients(model: MLP, inputs, labels, *, weight_decay, reduction, step=1e-6):
    """Central differences (L(θ + h) − L(θ − h)) / 2h of every parameter, in float64."""
    numeric = []
    for param in model.params:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            values = []
            for shift in (step, -step):
                param[index] = original + shift
                values.append(model.loss(inputs, labels, weight_decay=weight_decay,
                                         reduction=reduction))
            param[index] = original
            grad[index] = (values[0] - values[1]) / (2 * step)
        numeric.append(grad)
    return numeric


def _assert_gradients_match(model, inputs, labels, *, weight_decay=0.0, reduction="mean"):
    loss, grads, _ = model.loss_and_gradients(inputs, labels, weight_decay=weight_decay,
                                              reduction=reduction)
    grads = [g.copy() for g in grads]
    assert loss == pytest.approx(
        model.loss(inputs, labels, weight_decay=weight_decay, reduction=reduction), rel=1e-12)
    numeric = _numeric_gradients(model, inputs, labels, weight_decay=weight_decay,
                                 reduction=reduction)
    for analytic, expected in zip(grads, numeric, strict=True):
        np.testing.assert_allclose(analytic, expected, rtol=1e-6, atol=1e-8)
    # the allocating path (forward + gradients) agrees with the training step
    fresh = model.gradients(model.forward(inputs), labels, weight_decay=weight_decay,
                            reduction=reduction)
    for analytic, expected in zip(fresh, grads, strict=True):
        np.testing.assert_allclose(analytic, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradients_of_every_activation(activation):
    inputs, labels = _data(3, 3)
    # he keeps relu units alive; a shifted input avoids kinks of relu exactly at 0
    model = MLP(3, [5, 4], 3, activation=activation, init="inv_sqrt_fan_in", seed=1)
    _assert_gradients_match(model, inputs + 0.01, labels)


@pytest.mark.parametrize("hidden_sizes", [[], [6], [5, 4], [4, 3, 5]])
@pytest.mark.parametrize("output, n_classes", [("softmax", 4), ("softmax", 2), ("sigmoid", 2)])
def test_gradients_of_every_depth_and_output(hidden_sizes, output, n_classes):
    inputs, labels = _data(2, n_classes, seed=len(hidden_sizes))
    model = MLP(2, hidden_sizes, n_classes, output=output, init="inv_sqrt_fan_in", seed=2)
    _assert_gradients_match(model, inputs, labels)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.3])
def test_gradients_with_reduction_and_weight_decay(reduction, weight_decay):
    inputs, labels = _data(3, 3, n=9)
    model = MLP(3, [4], 3, activation="sigmoid", init="standard_normal", seed=3)
    _assert_gradients_match(model, inputs, labels, weight_decay=weight_decay,
                            reduction=reduction)


def test_sum_reduction_is_n_times_the_mean():
    inputs, labels = _data(2, 2, n=10)
    model = MLP(2, [3], 2, seed=4)
    mean_loss, mean_grads, _ = model.loss_and_gradients(inputs, labels)
    mean_grads = [g.copy() for g in mean_grads]
    sum_loss, sum_grads, _ = model.loss_and_gradients(inputs, labels, reduction="sum")
    assert sum_loss == pytest.approx(10 * mean_loss)
    for total, mean in zip(sum_grads, mean_grads, strict=True):
        np.testing.assert_allclose(total, 10 * mean, rtol=1e-12)


def test_weight_decay_penalises_weights_not_biases():
    inputs, labels = _data(2, 2)
    model = MLP(2, [3], 2, seed=5)
    plain = [g.copy() for g in model.loss_and_gradients(inputs, labels)[1]]
    decayed = model.loss_and_gradients(inputs, labels, weight_decay=0.5)[1]
    for index, (with_decay, without) in enumerate(zip(decayed, plain, strict=True)):
        extra = 0.5 * model.params[index] if index % 2 == 0 else 0.0
        np.testing.assert_allclose(with_decay, without + extra, rtol=1e-12, atol=1e-15)
    penalty = 0.25 * sum(float((w**2).sum()) for w in model.weights)
    assert model.penalty(0.5) == pytest.approx(penalty)


def test_forward_pass_records_every_layer():
    inputs, _ = _data(2, 2, n=5)
    model = MLP(2, [4, 3], 2, activation="relu", seed=6)
    forward = model.forward(inputs)
    assert [z.shape for z in forward.pre_activations] == [(5, 4), (5, 3), (5, 2)]
    assert [a.shape for a in forward.activations] == [(5, 2), (5, 4), (5, 3), (5, 2)]
    np.testing.assert_allclose(forward.activations[0], inputs)
    z1 = inputs @ model.weights[0] + model.biases[0]
    np.testing.assert_allclose(forward.pre_activations[0], z1, rtol=1e-12)
    np.testing.assert_allclose(forward.activations[1], np.maximum(z1, 0), rtol=1e-12)
    probabilities = forward.activations[-1]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.predict_proba(inputs), probabilities, rtol=1e-12)
    np.testing.assert_allclose(forward.logits, forward.pre_activations[-1])


def test_forward_results_are_not_overwritten_by_later_calls():
    inputs, _ = _data(2, 2, n=5)
    model = MLP(2, [3], 2, seed=7)
    first = model.forward(inputs)
    kept = first.activations[1].copy()
    model.forward(inputs * 3)
    model.predict_proba(inputs * 5)
    np.testing.assert_array_equal(first.activations[1], kept)


def test_params_are_views_of_one_flat_vector():
    model = MLP(3, [4], 2, seed=8)
    assert model.n_parameters == 3 * 4 + 4 + 4 * 2 + 2 == model.flat_params.size
    model.flat_params[:] = np.arange(model.n_parameters)
    np.testing.assert_array_equal(model.weights[0].ravel(), np.arange(12))
    np.testing.assert_array_equal(model.biases[0], np.arange(12, 16))
    saved = model.copy_params()
    model.flat_params[:] = 0
    model.set_params(saved)
    np.testing.assert_array_equal(model.flat_params, np.arange(model.n_parameters))
    model.params = [np.ones_like(p) for p in saved]  # assignment copies in place
    assert model.flat_params.sum() == model.n_parameters


def test_same_seed_same_weights_and_dtype():
    first, second = MLP(2, [5], 3, seed=9), MLP(2, [5], 3, seed=9)
    np.testing.assert_array_equal(first.flat_params, second.flat_params)
    small = MLP(2, [5], 3, seed=9, dtype=np.float32)
    assert small.flat_params.dtype == np.float32
    _, grads, forward = small.loss_and_gradients(np.ones((4, 2)), np.array([0, 1, 2, 0]))
    assert all(g.dtype == np.float32 for g in grads)
    assert forward.activations[-1].dtype == np.float32


def test_split_pass_equals_single_pass(monkeypatch):
    """Rows computed on two threads give the same loss and gradients as on one."""
    rng = np.random.default_rng(10)
    inputs, labels = rng.normal(size=(101, 2)), rng.integers(0, 3, 101)
    model = MLP(2, [6, 5], 3, seed=10)
    single_loss, grads, _ = model.loss_and_gradients(inputs, labels, weight_decay=0.1)
    single = [g.copy() for g in grads]
    monkeypatch.setattr(threads, "_split_min_rows", 50)
    monkeypatch.setattr(threads, "_split_threads", 2)
    assert threads.split_count(101) == 2
    for _ in range(2):  # the second call reuses the split buffers
        loss, grads, forward = model.loss_and_gradients(inputs, labels, weight_decay=0.1)
        assert loss == pytest.approx(single_loss, rel=1e-12)
        for split, expected in zip(grads, single, strict=True):
            np.testing.assert_allclose(split, expected, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(forward.activations[-1], model.predict_proba(inputs),
                                   rtol=1e-12)


def test_bad_inputs_are_refused():
    model = MLP(2, [3], 2)
    with pytest.raises(ValueError, match="shape"):
        model.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="labels"):
        model.loss_and_gradients(np.ones((4, 2)), np.zeros(3, int))
    with pytest.raises(ValueError, match="reduction"):
        model.loss_and_gradients(np.ones((4, 2)), np.zeros(4, int), reduction="median")
    with pytest.raises(ValueError, match="sigmoid"):
        MLP(2, [3], 3, output="sigmoid")
    with pytest.raises(ValueError, match="activation"):
        MLP(2, [3], 2, activation="swish")


# -- tests added after mutation testing (each kills surviving mutants of nnviz.core.mlp) ------

def _mean_cross_entropy(model: MLP, inputs, labels) -> float:
    """The mean softmax cross-entropy of a tanh network, computed here from its weights."""
    a = inputs
    for layer, (w, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        z = a @ w + b
        a = np.tanh(z) if layer < model.n_layers - 1 else z
    log_norm = np.log(np.exp(a - a.max(axis=1, keepdims=True)).sum(axis=1)) + a.max(axis=1)
    return float(np.mean(log_norm - a[np.arange(len(labels)), labels]))


def test_defaults_are_the_plain_mean_cross_entropy():
    """loss() and gradients() default to no weight decay and the mean over examples."""
    inputs, labels = _data(2, 3, n=8)
    model = MLP(2, [4], 3, seed=11)
    assert model.loss(inputs, labels) == pytest.approx(
        _mean_cross_entropy(model, inputs, labels), rel=1e-12)
    _, grads, _ = model.loss_and_gradients(inputs, labels, weight_decay=0.0, reduction="mean")
    expected = [g.copy() for g in grads]
    for default, explicit in zip(model.gradients(model.forward(inputs), labels), expected,
                                 strict=True):
        np.testing.assert_allclose(default, explicit, rtol=1e-12, atol=1e-15)


def test_batch_mean_loss_is_the_mean_data_loss_whatever_the_reduction():
    inputs, labels = _data(2, 3, n=8)
    model = MLP(2, [4], 3, seed=12)
    assert isinstance(model.batch_mean_loss, float) and np.isnan(model.batch_mean_loss)
    loss, _, _ = model.loss_and_gradients(inputs, labels, weight_decay=0.3, reduction="sum")
    mean = _mean_cross_entropy(model, inputs, labels)
    assert model.batch_mean_loss == pytest.approx(mean, rel=1e-12)
    assert loss == pytest.approx(8 * mean + model.penalty(0.3), rel=1e-12)


def test_default_seed_is_zero_and_a_given_rng_is_used():
    default = MLP(2, [5], 3)
    np.testing.assert_array_equal(default.flat_params, MLP(2, [5], 3, seed=0).flat_params)
    from_rng = MLP(2, [5], 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(from_rng.flat_params, MLP(2, [5], 3, seed=7).flat_params)
    assert not np.array_equal(from_rng.flat_params, default.flat_params)


def test_error_messages_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^a classifier needs at least two classes$"):
        MLP(2, [3], 1)
    with pytest.raises(ValueError, match=r"^the sigmoid output is for two classes; "
                                         r"use softmax for more$"):
        MLP(2, [3], 3, output="sigmoid")
    model = MLP(2, [3], 2)
    with pytest.raises(ValueError, match=r"^inputs must have shape \(n, 2\), not \(4, 3\)$"):
        model.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"^unknown loss reduction 'median'; known: mean, sum$"):
        model.gradients(model.forward(np.ones((4, 2))), np.zeros(4, int), reduction="median")


def test_set_params_refuses_a_wrong_number_of_arrays():
    model = MLP(2, [3], 2, seed=13)
    saved = model.copy_params()
    with pytest.raises(ValueError):
        model.set_params(saved[:-1])
    with pytest.raises(ValueError):
        model.set_params([*saved, saved[-1]])


def test_gradients_of_a_forward_pass_put_together_by_hand():
    """A ForwardPass without buffers (e.g. built from saved arrays) is recomputed from its input."""
    inputs, labels = _data(2, 3, n=6)
    model = MLP(2, [4], 3, seed=14)
    forward = model.forward(inputs)
    expected = [g.copy() for g in model.gradients(forward, labels)]
    by_hand = ForwardPass([z.copy() for z in forward.pre_activations],
                          [a.copy() for a in forward.activations])
    for grad, wanted in zip(model.gradients(by_hand, labels), expected, strict=True):
        np.testing.assert_allclose(grad, wanted, rtol=1e-12, atol=1e-15)


def _float_arrays(value):
    """Every floating-point array held by a workspace (lists, scratch dataclasses included)."""
    if isinstance(value, np.ndarray):
        return [value] if np.issubdtype(value.dtype, np.floating) else []
    if isinstance(value, list | tuple):
        return [a for item in value for a in _float_arrays(item)]
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, ForwardPass):
        return [a for item in vars(value).values() for a in _float_arrays(item)]
    return []


def test_float32_model_computes_in_float32_throughout():
    """No buffer silently falls back to float64 (twice the memory, mixed-dtype products)."""
    model = MLP(2, [5, 4], 3, seed=15, dtype=np.float32)
    inputs, labels = _data(2, 3, n=6)
    _, _, trained = model.loss_and_gradients(inputs, labels)
    forward = model.forward(inputs)
    for workspace in (trained.workspace, forward.workspace):
        arrays = _float_arrays(list(vars(workspace).values()))
        assert len(arrays) > 10
        assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    assert {a.dtype for a in forward.pre_activations + forward.activations} \
        == {np.dtype(np.float32)}
    assert all(g.dtype == np.float32 for g in model.gradients(forward, labels))


def test_buffers_of_the_last_few_batch_sizes_are_reused():
    """The training step reuses one set of buffers per batch size, for WORKSPACES_KEPT sizes."""
    model = MLP(2, [3], 2, seed=16)

    def step(n: int):
        inputs, labels = _data(2, 2, n=n + 2)
        return model.loss_and_gradients(inputs, labels)[2].activations[-1]

    first = {n: step(n) for n in range(2, 2 + WORKSPACES_KEPT)}  # sizes 2…7, 2 the oldest
    assert np.shares_memory(step(2), first[2])  # kept; now the most recently used
    step(2 + WORKSPACES_KEPT)  # one size too many: the least recently used (3) is dropped
    assert not np.shares_memory(step(3), first[3])
    assert np.shares_memory(step(2), first[2])


def _record_split_blocks(model, monkeypatch, fail_on_helper=False):
    """Run the training step split in two; return (thread name, rows) of every block."""
    monkeypatch.setattr(threads, "_split_min_rows", 50)
    monkeypatch.setattr(threads, "_split_threads", 2)
    blocks = []
    loss_pass = model._loss_pass
    caller = threading.current_thread()

    def recording(workspace, inputs, *args):
        blocks.append((threading.current_thread().name, len(inputs)))
        if fail_on_helper and threading.current_thread() is not caller:
            raise RuntimeError("boom in the helper thread")
        return loss_pass(workspace, inputs, *args)

    monkeypatch.setattr(model, "_loss_pass", recording)
    rng = np.random.default_rng(17)
    model.loss_and_gradients(rng.normal(size=(101, 2)), rng.integers(0, 3, 101))
    return sorted(blocks), caller.name


def test_split_pass_runs_one_block_per_named_thread(monkeypatch):
    model = MLP(2, [4], 3, seed=17)
    blocks, caller = _record_split_blocks(model, monkeypatch)
    assert blocks == sorted([(caller, 50), ("nnviz-mlp-split", 51)])


def test_split_pass_reraises_a_helper_threads_error(monkeypatch):
    model = MLP(2, [4], 3, seed=18)
    with pytest.raises(RuntimeError, match="boom in the helper thread"):
        _record_split_blocks(model, monkeypatch, fail_on_helper=True)
