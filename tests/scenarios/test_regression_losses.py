"""The regression output: squared error and Huber's loss, their gradients against finite
differences (Huber's on both sides of δ), and the MLP trained through them."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.losses import RegressionLoss, mean_squared_error, r_squared
from nnviz.core.mlp import MLP
from nnviz.core.regression_views import fit_curve


def numeric_gradient(function, values: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar ``function`` at each entry of ``values``."""
    gradient = np.zeros_like(values)
    for index in np.ndindex(values.shape):
        shifted = values.copy()
        shifted[index] += step
        above = function(shifted)
        shifted[index] -= 2 * step
        gradient[index] = (above - function(shifted)) / (2 * step)
    return gradient


def test_huber_is_quadratic_within_delta_and_linear_beyond():
    huber = RegressionLoss("huber", delta=0.5)
    residuals = np.array([-2.0, -0.5, -0.2, 0.0, 0.3, 0.5, 3.0])
    expected = [0.5 * (2.0 - 0.25), 0.125, 0.02, 0.0, 0.045, 0.125, 0.5 * (3.0 - 0.25)]
    assert np.allclose(huber.pointwise(residuals), expected)
    assert np.allclose(RegressionLoss("mse").pointwise(residuals), residuals**2)


@pytest.mark.parametrize("loss", [RegressionLoss("mse"), RegressionLoss("huber", 0.5),
                                  RegressionLoss("huber", 2.0)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_gradient_is_the_loss_s_slope_on_both_sides_of_delta(loss, reduction):
    targets = np.array([0.0, 1.0, -1.0, 0.5, 2.0, -3.0])
    # residuals well inside and well outside δ = 0.5 and δ = 2 (never at a corner)
    z = (targets + np.array([0.1, -0.3, 0.9, -1.7, 4.0, -2.6]))[:, None]
    analytic = loss.gradient(z, targets, reduction)
    numeric = numeric_gradient(lambda shifted: loss.loss(shifted, targets, reduction), z)
    assert np.allclose(analytic, numeric, atol=1e-7)
    inside = np.abs(z[:, 0] - targets) <= loss.delta
    if loss.kind == "huber":  # both branches are exercised
        assert inside.any() and (~inside).any()


@pytest.mark.parametrize("loss", [RegressionLoss("mse"), RegressionLoss("huber", 0.4)])
def test_the_fused_pass_gives_the_plain_formulas(loss):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(7, 1))
    targets = rng.normal(size=7)
    predictions, delta = np.empty((1, 7)), np.empty((1, 7))
    total = loss.fused(z.T.copy(), targets, predictions, delta, None)
    assert total == pytest.approx(loss.loss(z, targets, "sum"))
    assert np.allclose(delta.T, loss.gradient(z, targets, "sum"))
    assert np.allclose(predictions.T, z)


@pytest.mark.parametrize("loss", [RegressionLoss("mse"), RegressionLoss("huber", 0.3)])
def test_the_mlp_s_backward_pass_matches_finite_differences(loss):
    rng = np.random.default_rng(1)
    inputs = rng.uniform(-2, 2, size=(12, 1))
    targets = np.sin(2 * inputs[:, 0]) + rng.normal(scale=0.5, size=12)
    model = MLP(1, [5], 1, activation="tanh", output=loss, seed=3, dtype=np.float64)
    _, gradients, _ = model.loss_and_gradients(inputs, targets, weight_decay=0.01)
    gradients = [g.copy() for g in gradients]
    start = model.copy_params()
    for index, param in enumerate(start):
        def objective(values, index=index):
            params = [p.copy() for p in start]
            params[index] = values
            model.set_params(params)
            return model.loss(inputs, targets, weight_decay=0.01)
        assert np.allclose(gradients[index], numeric_gradient(objective, param), atol=1e-6)
    model.set_params(start)


def test_a_regression_mlp_has_one_output_and_predicts_real_numbers():
    model = MLP(2, [4], 1, output=RegressionLoss(), seed=0, dtype=np.float64)
    assert model.sizes == [2, 4, 1]
    assert model.predict_proba(np.zeros((3, 2))).shape == (3, 1)
    with pytest.raises(ValueError, match="at least two classes"):
        MLP(2, [4], 1, output="softmax")


@pytest.mark.parametrize(("kind", "delta"), [("huber", 0.0), ("huber", -1.0), ("l1", 1.0)])
def test_bad_losses_are_refused(kind, delta):
    with pytest.raises(ValueError):
        RegressionLoss(kind, delta)


def test_mse_and_r2_of_simple_fits():
    targets = np.array([1.0, 2.0, 3.0, 4.0])
    assert mean_squared_error(targets, targets) == 0.0
    assert r_squared(targets, targets) == 1.0
    assert r_squared(np.full(4, targets.mean()), targets) == pytest.approx(0.0)
    assert mean_squared_error(targets + 1.0, targets) == pytest.approx(1.0)
    assert r_squared(targets + 1.0, targets) == pytest.approx(1 - 4 / 5)
    assert np.isnan(r_squared(np.ones(3), np.ones(3)))  # nothing to explain


def test_the_curve_is_the_sum_of_the_units_contributions_and_the_bias():
    model = MLP(1, [6], 1, activation="relu", output=RegressionLoss(), init="he",
                bias_init="he", seed=2, dtype=np.float64)
    curve = fit_curve(model, -3.0, 3.0, 50)
    assert curve.contributions.shape == (6, 50)
    assert np.allclose(curve.output_bias + curve.contributions.sum(axis=0), curve.predictions)
    deeper = MLP(1, [4, 4], 1, output=RegressionLoss(), seed=0, dtype=np.float64)
    curve = fit_curve(deeper, -1.0, 1.0, 10)
    assert curve.contributions.shape == (0, 10) and "one hidden layer" in curve.overlay_note


@pytest.mark.parametrize("delta", [0.3, 1.0])
def test_huber_and_mse_agree_with_torch(delta):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    z = rng.normal(scale=2.0, size=(9, 1))
    targets = rng.normal(size=9)
    predictions = torch.tensor(z, requires_grad=True)
    for ours, theirs in ((RegressionLoss("huber", delta), torch.nn.HuberLoss(delta=delta)),
                         (RegressionLoss("mse"), torch.nn.MSELoss())):
        predictions.grad = None
        value = theirs(predictions, torch.tensor(targets)[:, None])
        value.backward()
        assert ours.loss(z, targets) == pytest.approx(value.item())
        assert np.allclose(ours.gradient(z, targets), predictions.grad.numpy())
