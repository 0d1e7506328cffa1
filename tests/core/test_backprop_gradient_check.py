"""The gradient check: right gradients below 10⁻⁷ in float64 for every activation and output
type, every planted mistake above 10⁻², relu kinks left out, and torch.autograd agreeing."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nnviz.core.backprop import chain_rule, mistake_cannot_show
from nnviz.core.gradient_check import (
    FLOOR,
    GOOD_BELOW,
    WRONG_ABOVE,
    check_gradients,
    numerical_gradients,
    relative_error,
)
from nnviz.core.mlp import MLP

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUTS = (("sigmoid", 2), ("softmax", 3))
MISTAKES = ("no_activation_derivative", "forgot_transpose", "sum_instead_of_mean",
            "output_instead_of_error")


def case(activation, output, classes, hidden=(3, 4), n=4, seed=0):
    model = MLP(2, hidden, classes, activation=activation, output=output, seed=seed)
    rng = np.random.default_rng(seed + 100)
    inputs = rng.normal(size=(n, 2)) * 1.5
    labels = np.arange(n) % classes  # every class present: a mistake in Y cannot hide
    return model, inputs, labels


def checked(model, inputs, labels, mistake="none"):
    analytic = chain_rule(model, inputs, labels, mistake).mlp_gradients()
    return check_gradients(analytic, numerical_gradients(model, inputs, labels),
                           mistake=mistake)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output, classes", OUTPUTS)
def test_right_gradients_agree_below_one_in_ten_million(activation, output, classes):
    worst = 0.0
    for seed in range(3):
        for hidden, n in (((), 1), ((3,), 4), ((4, 4), 8), ((10, 10, 10), 2)):
            model, inputs, labels = case(activation, output, classes, hidden, n, seed)
            check = checked(model, inputs, labels)
            assert check.passed and check.wrong_entries == 0
            worst = max(worst, check.max_relative_error)
    assert worst < GOOD_BELOW, f"{activation}/{output}: {worst:.2e}"


@pytest.mark.parametrize("mistake", MISTAKES)
@pytest.mark.parametrize("activation", ("sigmoid", "tanh", "relu"))
@pytest.mark.parametrize("output, classes", OUTPUTS)
def test_every_planted_mistake_is_flagged(mistake, activation, output, classes):
    model, inputs, labels = case(activation, output, classes, (3, 4), 4)
    assert mistake_cannot_show(mistake, model.sizes, activation, 4) == ""
    check = checked(model, inputs, labels, mistake)
    assert check.max_relative_error > WRONG_ABOVE
    assert check.wrong_entries > 0 and not check.passed


def test_the_mistake_is_flagged_where_it_is_and_not_above_it():
    model, inputs, labels = case("sigmoid", "softmax", 3, (3,), 4)
    check = checked(model, inputs, labels, "no_activation_derivative")
    by_name = {p.name: p for p in check.parameters}
    assert by_name["W¹"].wrong.all() and by_name["b¹"].wrong.all()
    assert by_name["W²"].max_relative_error < GOOD_BELOW
    assert by_name["b²"].max_relative_error < GOOD_BELOW
    sums = checked(model, inputs, labels, "sum_instead_of_mean")
    for parameter in sums.parameters:  # 4 × the gradient: |4g − g| / (|4g| + |g|) = 3/5
        np.testing.assert_allclose(parameter.relative_error, 0.6, rtol=1e-6)


def test_a_relu_kink_is_marked_and_left_out():
    model = MLP(1, (1,), 2, activation="relu", output="sigmoid", seed=0)
    model.weights[0][...] = 1.0
    model.biases[0][...] = -1.0 + 2e-4  # z = x − 1 + 2·10⁻⁴: 0.0002 above the kink at x = 1
    inputs, labels = np.array([[1.0]]), np.array([1])
    numeric = numerical_gradients(model, inputs, labels)
    assert numeric.kinks[0].all() and numeric.kinks[1].all()  # ±h moves z across 0
    assert not numeric.kinks[2].any()  # the output layer's weight moves no hidden z
    check = checked(model, inputs, labels)
    assert check.kink_entries == 2
    assert np.isnan(check.parameters[0].relative_error).all()
    assert check.max_relative_error < GOOD_BELOW and check.passed


def test_finite_differences_put_every_parameter_back_exactly():
    model, inputs, labels = case("tanh", "softmax", 3)
    before = model.flat_params.copy()
    numerical_gradients(model, inputs, labels)
    np.testing.assert_array_equal(model.flat_params, before)


def test_relative_error_is_floored_for_tiny_entries():
    assert relative_error(np.array([1.0]), np.array([1.0]))[0] == 0.0
    assert relative_error(np.array([2.0]), np.array([1.0]))[0] == pytest.approx(1 / 3)
    tiny = relative_error(np.array([2e-12]), np.array([1e-12]))[0]
    assert tiny == pytest.approx(1e-12 / FLOOR)
    model, inputs, labels = case("sigmoid", "sigmoid", 2)
    model.flat_params *= 40  # a saturated network: a loss far above 1 raises the floor
    assert numerical_gradients(model, inputs, labels).floor > FLOOR


def test_the_check_reads_in_the_tutorials_layout():
    model, inputs, labels = case("sigmoid", "softmax", 3, (3,), 2)
    check = checked(model, inputs, labels)
    assert [p.name for p in check.parameters] == ["W¹", "b¹", "W²", "b²"]
    assert [p.analytic.shape for p in check.parameters] == [(3, 2), (1, 3), (3, 3), (1, 3)]
    assert check.torch_max_relative_error is None


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch")
@pytest.mark.parametrize("activation", ("sigmoid", "tanh", "relu"))
@pytest.mark.parametrize("output, classes", OUTPUTS)
def test_torch_autograd_agrees_and_flags_the_same_mistake(activation, output, classes):
    from nnviz.backends.torch_gradients import autograd_gradients

    model, inputs, labels = case(activation, output, classes, (3, 4), 4)
    torch = autograd_gradients(model, inputs, labels)
    right = check_gradients(chain_rule(model, inputs, labels).mlp_gradients(),
                            numerical_gradients(model, inputs, labels), torch=torch)
    assert right.torch_max_relative_error < 1e-12
    wrong = check_gradients(
        chain_rule(model, inputs, labels, "forgot_transpose").mlp_gradients(),
        numerical_gradients(model, inputs, labels), torch=torch)
    assert wrong.torch_max_relative_error > WRONG_ABOVE
