"""Logistic regression: exact derivatives against finite differences, Newton against sklearn."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.logistic import (
    fit_newton,
    logistic_gradient,
    logistic_hessian,
    logistic_loss,
    loss_grid,
    newton_step,
    with_bias,
)
from nnviz.core.mlp import MLP


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    inputs = rng.normal(size=(200, 2)) * [1.0, 3.0]
    labels = (inputs @ [1.5, -0.4] + 0.3 + rng.normal(size=200) > 0).astype(int)
    return with_bias(inputs), labels


def numeric_gradient(f, theta, h=1e-6):
    grad = np.zeros_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = h
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_finite_differences(problem, l2):
    design, labels = problem
    theta = np.array([0.7, -0.2, 0.4])
    numeric = numeric_gradient(lambda t: logistic_loss(t, design, labels, l2), theta)
    np.testing.assert_allclose(logistic_gradient(theta, design, labels, l2), numeric,
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_hessian_matches_finite_differences_of_the_gradient(problem, l2):
    design, labels = problem
    theta = np.array([-0.5, 0.9, 1.1])
    numeric = np.stack([
        numeric_gradient(lambda t, i=i: logistic_gradient(t, design, labels, l2)[i], theta)
        for i in range(3)
    ])
    hessian = logistic_hessian(theta, design, labels, l2)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(hessian, hessian.T)
    assert np.all(np.linalg.eigvalsh(hessian) > 0)


def test_loss_is_stable_for_huge_logits(problem):
    design, labels = problem
    loss = logistic_loss(np.array([1e4, -1e4, 0.0]), design, labels)
    assert np.isfinite(loss) and loss > 100


def test_same_loss_and_gradient_as_the_mlp_without_hidden_layers(problem):
    design, labels = problem
    model = MLP(2, (), 2, output="sigmoid", seed=1, dtype=np.float64)
    loss, grads, _ = model.loss_and_gradients(design[:, :2], labels)
    theta = np.concatenate([model.params[0].ravel(), model.params[1]])
    assert loss == pytest.approx(logistic_loss(theta, design, labels), rel=1e-12)
    np.testing.assert_allclose(np.concatenate([grads[0].ravel(), grads[1]]),
                               logistic_gradient(theta, design, labels), rtol=1e-10)


def test_newton_converges_in_a_few_iterations_to_sklearns_unpenalised_solution(problem):
    sklearn = pytest.importorskip("sklearn.linear_model")
    design, labels = problem
    theta, iterations = fit_newton(design, labels, tolerance=1e-10)
    assert iterations <= 10
    assert np.linalg.norm(logistic_gradient(theta, design, labels)) < 1e-10
    reference = sklearn.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)  # no penalty
    reference.fit(design[:, :2], labels)
    np.testing.assert_allclose(theta, [*reference.coef_[0], reference.intercept_[0]],
                               rtol=1e-4, atol=1e-5)


def test_newton_step_returns_the_loss_and_gradient_where_it_started(problem):
    design, labels = problem
    theta = np.array([0.1, 0.2, 0.3])
    new, loss, grad = newton_step(theta, design, labels, step_size=0.5)
    assert loss == logistic_loss(theta, design, labels)
    np.testing.assert_array_equal(grad, logistic_gradient(theta, design, labels))
    assert logistic_loss(new, design, labels) < loss


def test_loss_grid_rows_follow_w2_and_columns_w1(problem):
    design, labels = problem
    w1, w2 = np.linspace(-1, 2, 4), np.linspace(-0.5, 0.5, 3)
    grid = loss_grid(w1, w2, 0.25, design[:, :2], labels)
    assert grid.shape == (3, 4)
    assert grid[2, 1] == pytest.approx(
        logistic_loss(np.array([w1[1], w2[2], 0.25]), design, labels), rel=1e-12)


def test_pure_newton_flies_off_from_far_away_but_the_line_search_converges(problem):
    design, labels = problem
    start = np.array([-6.0, 4.0, 3.0])
    pure = start.copy()
    for _ in range(10):
        pure, _, _ = newton_step(pure, design, labels)
    searched, iterations = fit_newton(design, labels, start=start, max_iterations=30)
    optimum, _ = fit_newton(design, labels)
    assert not logistic_loss(pure, design, labels) < 1.01 * logistic_loss(optimum, design, labels)
    assert iterations < 30
    np.testing.assert_allclose(searched, optimum, atol=1e-8)
