"""Logistic regression: exact derivatives against finite differences, Newton against sklearn."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.logistic import (
    SUBSET_ROWS,
    NoFiniteMinimiser,
    fit_newton,
    logistic_gradient,
    logistic_hessian,
    logistic_loss,
    loss_grid,
    newton_step,
    separating_direction,
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


# -- existence of a finite minimiser --------------------------------------------------------------
def separated_gaussians(n: int = 200, seed: int = 4):
    """Two well-separated clouds N(±(3, 3), I): linearly separable with a wide margin."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    inputs = rng.normal(size=(n, 2)) + np.where(labels[:, None] == 1, 3.0, -3.0)
    return with_bias(inputs), labels


def margins(design, labels, theta):
    return np.where(labels == 1, 1.0, -1.0) * (design @ theta)


def test_separable_data_have_no_finite_minimiser_only_a_direction_of_descent():
    design, labels = separated_gaussians()
    with pytest.raises(NoFiniteMinimiser, match="separable") as caught:
        fit_newton(design, labels)
    direction = caught.value.direction
    assert np.linalg.norm(direction) == pytest.approx(1.0)
    assert margins(design, labels, direction).min() > 0, "it separates every example"
    losses = [logistic_loss(t * direction, design, labels) for t in (0.0, 1.0, 4.0, 16.0)]
    assert (np.diff(losses) < 0).all(), "falls for ever"


def test_the_gradient_test_alone_accepts_a_point_on_the_way_to_infinity():
    """The defect: on a narrow, separable ravine the gradient underflows below 1e-10 while
    the loss still falls along the ray θ → 2θ; fit_newton must not call that a minimiser."""
    rng = np.random.default_rng(0)
    labels = np.arange(1000) % 2
    cholesky = np.linalg.cholesky([[1.0, 0.99], [0.99, 1.0]])
    centres = np.where(labels[:, None] == 1, 1.0, -1.0) * np.array([0.5, -0.5]) / np.sqrt(2)
    design = with_bias(rng.standard_normal((1000, 2)) @ cholesky.T + centres)
    theta = np.zeros(3)
    for _ in range(50):
        theta, _, grad = newton_step(theta, design, labels, line_search=True)
        if np.linalg.norm(grad) < 1e-10:
            break
    assert np.linalg.norm(grad) < 1e-10, "plain Newton 'converges'…"
    assert margins(design, labels, theta).min() > 0, "…with every example classified…"
    assert logistic_loss(2 * theta, design, labels) < logistic_loss(theta, design, labels)
    with pytest.raises(NoFiniteMinimiser):
        fit_newton(design, labels)


def test_quasi_separable_data_with_ties_on_the_boundary_have_no_finite_minimiser():
    inputs = np.array([[-1, 0], [-2, 1], [1, 0], [2, -1], [0, 0], [0, 0], [0, 1], [0, -1.0]])
    labels = np.array([0, 0, 1, 1, 0, 1, 1, 0])  # the two points at the origin disagree
    design = with_bias(inputs)
    with pytest.raises(NoFiniteMinimiser) as caught:
        fit_newton(design, labels)
    np.testing.assert_allclose(caught.value.direction, [1, 1, 0] / np.sqrt(2), atol=1e-9)


def test_one_overlapping_point_makes_the_minimiser_finite_again():
    design, labels = separated_gaussians()
    labels = labels.copy()
    labels[np.argmax(design[:, 0] + design[:, 1])] = 0  # deep inside the other class
    assert separating_direction(design, labels) is None
    theta, _ = fit_newton(design, labels)
    assert np.all(np.isfinite(theta)) and np.linalg.norm(theta) < 100


def test_newtons_minimiser_is_a_true_minimum_on_overlapping_data(problem):
    design, labels = problem
    assert separating_direction(design, labels) is None
    theta, _ = fit_newton(design, labels)
    assert np.linalg.norm(logistic_gradient(theta, design, labels)) < 1e-10
    best = logistic_loss(theta, design, labels)
    rng = np.random.default_rng(1)
    for direction in rng.normal(size=(20, 3)):
        direction /= np.linalg.norm(direction)
        for step in (1e-3, 0.1, 1.0, 10.0):
            assert best <= logistic_loss(theta + step * direction, design, labels)
    assert best < logistic_loss(2 * theta, design, labels)


def test_a_penalty_gives_separable_data_a_finite_minimiser():
    design, labels = separated_gaussians()
    theta, iterations = fit_newton(design, labels, l2=0.1)
    assert iterations < 50 and np.linalg.norm(theta) < 10
    assert np.linalg.norm(logistic_gradient(theta, design, labels, 0.1)) < 1e-10
    best = logistic_loss(theta, design, labels, 0.1)
    for scale in (0.5, 0.9, 1.1, 2.0):
        assert best < logistic_loss(scale * theta, design, labels, 0.1)


def test_with_a_penalty_a_single_class_still_sends_the_bias_to_infinity():
    design, labels = separated_gaussians()
    with pytest.raises(NoFiniteMinimiser) as caught:
        fit_newton(design, np.ones_like(labels), l2=0.1)
    np.testing.assert_array_equal(caught.value.direction, [0, 0, 1])


def test_a_large_data_set_is_decided_on_all_of_its_rows():
    """A subset is tried first; one overlapping point outside it must still count."""
    design, labels = separated_gaussians(n=3 * SUBSET_ROWS + 7, seed=5)
    assert separating_direction(design, labels) is not None
    stride = len(labels) // SUBSET_ROWS
    outside = next(i for i in range(len(labels)) if i % stride and labels[i] == 1)
    overlapping = design.copy()
    overlapping[outside, :2] = -overlapping[outside, :2]  # a class-1 point among class 0
    assert separating_direction(overlapping, labels) is None
    fit_newton(overlapping, labels)
