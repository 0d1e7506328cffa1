"""Every optimiser's trajectory against torch.optim, and the flat fast path against the slow."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.mlp import MLP
from nnviz.core.optimizers import OPTIMIZERS, make_optimizer, tiled_base

HYPER = {"learning_rate": 0.05, "momentum": 0.8, "rho": 0.9, "beta1": 0.85, "beta2": 0.99,
         "epsilon": 1e-7}
STEPS = 8


def _problem():
    rng = np.random.default_rng(0)
    inputs, labels = rng.normal(size=(20, 3)), rng.integers(0, 3, 20)
    return MLP(3, [5], 3, seed=1), inputs, labels


def _torch_optimizer(torch, name, tensors):
    lr, eps = HYPER["learning_rate"], HYPER["epsilon"]
    return {
        "sgd": lambda: torch.optim.SGD(tensors, lr=lr),
        "momentum": lambda: torch.optim.SGD(tensors, lr=lr, momentum=HYPER["momentum"]),
        "nesterov": lambda: torch.optim.SGD(tensors, lr=lr, momentum=HYPER["momentum"],
                                            nesterov=True),
        "adagrad": lambda: torch.optim.Adagrad(tensors, lr=lr, eps=eps),
        "rmsprop": lambda: torch.optim.RMSprop(tensors, lr=lr, alpha=HYPER["rho"], eps=eps),
        "adam": lambda: torch.optim.Adam(tensors, lr=lr, betas=(HYPER["beta1"],
                                                                HYPER["beta2"]), eps=eps),
    }[name]()


def _race_torch_optim(torch, name, steps, rate_at=lambda step: HYPER["learning_rate"]):
    """Step ``name`` and its ``torch.optim`` twin from the same start, each with the gradient
    of the same loss at its own current point and the rate ``rate_at(step)``; returns
    (our parameters, torch's tensors)."""
    model, inputs, labels = _problem()
    reference = MLP(3, [5], 3, seed=1)  # torch's copy: its gradients come from here
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in model.params]
    torch_optimizer = _torch_optimizer(torch, name, tensors)
    optimizer = make_optimizer(name, **HYPER)
    for step in range(steps):
        optimizer.learning_rate = rate_at(step)
        for group in torch_optimizer.param_groups:
            group["lr"] = rate_at(step)
        _, grads, _ = model.loss_and_gradients(inputs, labels)
        optimizer.step(model.params, grads)
        reference.set_params([t.detach().numpy() for t in tensors])
        _, torch_grads, _ = reference.loss_and_gradients(inputs, labels)
        for tensor, grad in zip(tensors, torch_grads, strict=True):
            tensor.grad = torch.from_numpy(grad.copy())
        torch_optimizer.step()
    return model, tensors


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_trajectory_matches_torch_optim(name):
    """Same start, and at every step the gradient of the same loss at the current point."""
    torch = pytest.importorskip("torch")
    model, tensors = _race_torch_optim(torch, name, STEPS)
    moved = model.flat_params - MLP(3, [5], 3, seed=1).flat_params
    assert np.abs(moved).max() > 1e-3  # the comparison is not of two unmoved points
    for ours, theirs in zip(model.params, tensors, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_flat_and_per_parameter_updates_agree(name):
    model, inputs, labels = _problem()
    separate = [p.copy() for p in model.params]  # own arrays: the per-parameter path
    assert tiled_base(model.params) is model.flat_params
    assert tiled_base(separate) is None
    fast, slow = make_optimizer(name, **HYPER), make_optimizer(name, **HYPER)
    for _ in range(4):
        _, grads, _ = model.loss_and_gradients(inputs, labels)
        slow_grads = [g.copy() for g in grads]
        fast.step(model.params, grads)
        slow.step(separate, slow_grads)
    assert fast._flat_pair is not None and slow._flat_pair is None
    for ours, expected in zip(model.params, separate, strict=True):
        np.testing.assert_allclose(ours, expected, rtol=1e-13, atol=1e-15)


def test_buffer_form_and_live_changes():
    """b ← γb + g; θ ← θ − ηb, the current η scaling the whole buffer (torch's form)."""
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    optimizer = make_optimizer("momentum", learning_rate=0.1, momentum=0.9)
    optimizer.step([theta], [grad])
    np.testing.assert_allclose(theta, [0.95, -2.025])
    optimizer.set(learning_rate=0.2, unknown_name=3)
    optimizer.step([theta], [grad])
    np.testing.assert_allclose(theta, np.array([0.95, -2.025]) - 0.2 * 1.9 * grad)
    optimizer.reset()
    assert optimizer.t == 0 and optimizer.state == []
    optimizer.step([theta], [grad])
    np.testing.assert_allclose(optimizer.state[0]["momentum_buffer"], grad)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_changed_to_zero_and_back(name):
    """γ = 0 still records the gradient, so γ = 0.5 afterwards builds on the last step."""
    grads = [np.array([1.0, -1.0]), np.array([0.5, 2.0]), np.array([-3.0, 0.25])]
    theta = np.zeros(2)
    optimizer = make_optimizer(name, learning_rate=0.1, momentum=0.9)
    optimizer.step([theta], [grads[0]])
    optimizer.set(momentum=0.0)
    optimizer.step([theta], [grads[1]])
    after_plain_step = theta.copy()
    optimizer.set(momentum=0.5)
    optimizer.step([theta], [grads[2]])
    buffer = 0.5 * grads[1] + grads[2]
    step = grads[2] + 0.5 * buffer if name == "nesterov" else buffer
    np.testing.assert_allclose(theta, after_plain_step - 0.1 * step, rtol=1e-15)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_with_a_step_decay_matches_torch_optim(name):
    """The learning rate dropping mid-run: torch.optim.SGD is the reference trajectory."""
    torch = pytest.importorskip("torch")
    model, tensors = _race_torch_optim(
        torch, name, 12, lambda step: HYPER["learning_rate"] * (0.1 if step >= 6 else 1.0))
    for ours, theirs in zip(model.params, tensors, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-14)


def test_adam_first_step_is_learning_rate_times_sign():
    theta = np.zeros(3)
    optimizer = make_optimizer("adam", learning_rate=0.01)
    optimizer.step([theta], [np.array([3.0, -0.5, 1e-3])])
    np.testing.assert_allclose(theta, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_make_optimizer_by_name():
    optimizer = make_optimizer("rmsprop", learning_rate=0.3, momentum=0.5, rho=0.5)
    assert (optimizer.learning_rate, optimizer.rho) == (0.3, 0.5)
    with pytest.raises(ValueError, match="known: sgd"):
        make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="no hyperparameter"):
        OPTIMIZERS["sgd"](momentum=0.9)
    with pytest.raises(ValueError, match="gradients"):
        make_optimizer("sgd").step([np.zeros(2)], [])


# -- mutation testing: behaviour the tests above left open -----------------------------------------
def test_tiled_base_needs_one_dimensional_contiguous_views_covering_the_whole_vector():
    flat = np.zeros(6)
    assert tiled_base([flat[:2], flat[2:]]) is flat
    assert tiled_base([flat[:2]]) is None  # covers only part of it
    # elements 0 and 2, then 2 to 5: the sizes add up, but 1 is missing and 2 is there twice
    assert tiled_base([flat[0:4:2], flat[2:]]) is None
    matrix = np.zeros((2, 3))
    assert tiled_base([matrix[0], matrix[1]]) is None  # the rows of a 2-D array


def test_the_default_learning_rate_is_0_01():
    theta = np.array([1.0, -2.0])
    make_optimizer("sgd").step([theta], [np.array([3.0, 5.0])])
    np.testing.assert_allclose(theta, [0.97, -2.05])


def test_reset_leaves_no_state():
    optimizer = make_optimizer("adam")
    optimizer.step([np.zeros(3)], [np.ones(3)])
    optimizer.reset()
    assert optimizer.state == [] and optimizer.flat_state == {} and optimizer.t == 0


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_parameters_keep_float32_state(name):
    flat = np.zeros(5, dtype=np.float32)
    params, grads = [flat[:2], flat[2:]], [np.ones(2, np.float32), np.ones(3, np.float32)]
    optimizer = make_optimizer(name)
    optimizer.step(params, grads)
    assert flat.dtype == np.float32
    assert all(a.dtype == np.float32 for a in optimizer.flat_state.values())
    assert all(a.dtype == np.float32 for state in optimizer.state for a in state.values())


@pytest.mark.parametrize("tiled", ["params", "grads"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_when_only_one_side_tiles_a_flat_vector_each_parameter_is_updated_alone(name, tiled):
    model, inputs, labels = _problem()
    _, grads, _ = model.loss_and_gradients(inputs, labels)
    assert tiled_base(model.params) is not None and tiled_base(grads) is not None
    params = model.params if tiled == "params" else [p.copy() for p in model.params]
    used_grads = [g.copy() for g in grads] if tiled == "params" else grads
    expected = [p.copy() for p in model.params]
    optimizer, reference = make_optimizer(name, **HYPER), make_optimizer(name, **HYPER)
    for _ in range(3):
        optimizer.step(params, used_grads)
        reference.step(expected, [g.copy() for g in grads])
    for ours, theirs in zip(params, expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


def test_a_parameter_list_changed_without_reset_is_an_error_not_a_partial_update():
    flat, flat_grads = np.zeros(5), np.ones(5)
    params, grads = [flat[:2], flat[2:]], [flat_grads[:2], flat_grads[2:]]
    optimizer = make_optimizer("momentum")
    optimizer.step(params, grads)  # the flat path, remembered for these two lists
    with pytest.raises(ValueError):
        optimizer.step([*params, np.zeros(3)], [*grads, np.ones(3)])
    with pytest.raises(ValueError):
        optimizer.step(params[:1], grads[:1])


def test_gradients_shaped_unlike_their_parameters_are_an_error_even_when_both_tile():
    flat, flat_grads = np.zeros(6), np.ones(6)
    params = [flat[:2], flat[2:].reshape(2, 2)]
    grads = [flat_grads[:4].reshape(2, 2), flat_grads[4:]]  # same total, shapes swapped
    with pytest.raises(ValueError):
        make_optimizer("sgd").step(params, grads)


def test_an_unknown_optimiser_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown optimiser 'lbfgs'; known: sgd, momentum, "
                       r"nesterov, adagrad, rmsprop, adam$"):
        make_optimizer("lbfgs")
