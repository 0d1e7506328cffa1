"""Logistic regression: exact derivatives against finite differences, Newton against sklearn."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnviz.core.logistic import (
    ARMIJO,
    MIN_STEP,
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


def test_a_large_quasi_separable_data_set_is_caught_when_its_subset_is_all_ties():
    """x = 0 → class 0, x = 2 → class 1, x = 1 both (quasi-complete separation: the loss falls
    for ever along w = −b). The evenly spaced subset holds only the ties at x = 1, whose
    programme has optimum 0; that proves nothing about the rows outside it."""
    n = 3 * SUBSET_ROWS
    inputs, labels = np.ones(n), np.arange(n) % 2
    inputs[1], labels[1] = 0.0, 0  # both off the subset of every third row
    inputs[2], labels[2] = 2.0, 1
    design = with_bias(inputs[:, None])
    np.testing.assert_allclose(separating_direction(design, labels), [1, -1] / np.sqrt(2),
                               atol=1e-9)
    with pytest.raises(NoFiniteMinimiser):
        fit_newton(design, labels)


# -- mutation testing: behaviour the tests above left open -----------------------------------------
def test_with_bias_gives_a_float64_design_whatever_the_inputs_dtype():
    """np.linalg (Newton) rejects long double and linprog works in float64."""
    for inputs in ([[1, 2], [3, 4]], np.array([[0.5, 2.0]], dtype=np.float32),
                   np.array([[0.5, 2.0]], dtype=np.longdouble)):
        design = with_bias(inputs)
        assert design.dtype == np.float64
        np.testing.assert_array_equal(design, np.hstack([np.asarray(inputs, dtype=np.float64),
                                                         np.ones((len(design), 1))]))


def test_the_hessian_by_default_has_no_penalty_and_needs_no_labels(problem):
    design, _ = problem
    theta = np.array([0.3, -0.1, 0.2])
    p = 1.0 / (1.0 + np.exp(-design @ theta))
    expected = np.einsum("i,ij,ik->jk", p * (1.0 - p), design, design) / len(design)
    np.testing.assert_allclose(logistic_hessian(theta, design), expected, rtol=1e-12)


def test_examples_at_the_origin_have_no_margin_to_give_and_are_left_out():
    """Without a bias column an example at x = 0 is on every boundary at once."""
    design = np.array([[0.0, 0.0], [2.0, 1.0], [1.0, 3.0], [0.0, 0.0]])
    labels = np.array([0, 1, 1, 1])
    np.testing.assert_allclose(separating_direction(design, labels), [1, 1] / np.sqrt(2),
                               atol=1e-9)
    assert separating_direction(np.zeros((3, 2)), labels[:3]) is None


def test_a_single_example_is_always_separable():
    np.testing.assert_allclose(separating_direction(np.array([[1.0, 1.0]]), np.array([0])),
                               [-1, -1] / np.sqrt(2), atol=1e-9)


def test_the_direction_is_the_optimum_of_the_linear_programme_over_the_unit_box():
    """Class-1 examples at (−1, 0) and (0, 1): maximising −d₁ + d₂ over −1 ≤ d_j ≤ 1 gives
    d = (−1, 1), whatever direction in between would also separate."""
    design, labels = np.array([[-1.0, 0.0], [0.0, 1.0]]), np.array([1, 1])
    np.testing.assert_allclose(separating_direction(design, labels), [-1, 1] / np.sqrt(2),
                               atol=1e-9)


@pytest.mark.parametrize("label, sign", [(1, 1.0), (0, -1.0)])
def test_one_class_and_only_a_bias_column_is_separated_by_the_bias(label, sign):
    """The programme's optimum d = ±1 has length exactly 1."""
    np.testing.assert_array_equal(
        separating_direction(np.ones((4, 1)), np.full(4, label)), [sign])


def test_a_direction_from_the_solver_is_checked_on_every_row(monkeypatch):
    """The solver's answer is verified in floating point, not trusted."""
    from nnviz.core import logistic

    design, labels = separated_gaussians()
    labels = labels.copy()
    labels[np.argmax(design[:, 0] + design[:, 1])] = 0  # overlapping now
    wrong = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)  # separates all but that one example
    monkeypatch.setattr(logistic, "_lp_direction", lambda rows: wrong)
    assert separating_direction(design, labels) is None


def test_margins_exactly_at_the_tolerances():
    """A margin of −BOUNDARY_TOLERANCE is still a tie on the boundary; a largest margin of
    exactly SEPARATION_MARGIN does not separate."""
    from nnviz.core.logistic import BOUNDARY_TOLERANCE, SEPARATION_MARGIN, _separates

    one = np.array([1.0])
    assert _separates(np.array([[1.0], [-BOUNDARY_TOLERANCE]]), one)
    assert not _separates(np.array([[1.0], [-2 * BOUNDARY_TOLERANCE]]), one)
    assert not _separates(np.array([[SEPARATION_MARGIN], [0.0]]), one)
    assert _separates(np.array([[2 * SEPARATION_MARGIN], [0.0]]), one)


def test_newton_direction_is_exact_when_the_hessian_is_invertible_and_least_squares_if_not():
    from nnviz.core.logistic import newton_direction

    # condition number 1e17: a least-squares solve would drop the second component
    np.testing.assert_allclose(newton_direction(np.array([1.0, 1e-17]), np.diag([1.0, 1e-17])),
                               [-1.0, -1.0], rtol=1e-12)
    singular = np.array([[2.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(newton_direction(np.array([1.0, 3.0]), singular), [-0.5, 0.0])


def _independent_gradient_and_hessian(theta, design, labels):
    p = 1.0 / (1.0 + np.exp(-design @ theta))
    n = len(design)
    return design.T @ (p - labels) / n, (design.T * (p * (1 - p))) @ design / n


def test_a_pure_newton_step_is_theta_minus_the_inverse_hessian_times_the_gradient(problem):
    design, labels = problem
    theta = np.array([0.5, -0.3, 0.1])
    grad, hessian = _independent_gradient_and_hessian(theta, design, labels)
    new, _, _ = newton_step(theta, design, labels)
    np.testing.assert_allclose(new, theta - np.linalg.solve(hessian, grad), rtol=1e-10)


def test_where_the_hessian_vanishes_the_line_search_falls_back_to_steepest_descent(problem):
    """σ(1000) = 1 exactly: H = 0, the least-squares Newton direction is 0, so −g is used."""
    design, labels = problem
    theta = np.array([0.0, 0.0, 1000.0])
    assert not logistic_hessian(theta, design).any()
    new, loss, grad = newton_step(theta, design, labels, line_search=True)
    np.testing.assert_allclose(new, theta - grad, rtol=1e-15)  # the full step is accepted
    assert logistic_loss(new, design, labels) < loss - 0.5 * grad @ grad


@pytest.mark.parametrize("l2", [0.0, 0.5])
def test_the_line_search_asks_for_a_sufficient_decrease_not_just_no_increase(problem, l2):
    """Armijo: a first step that lands where L is back to L(θ) is halved, though L did not
    rise, because it did not fall by c·η·∇Lᵀd. L includes the penalty."""
    from scipy.optimize import brentq

    design, labels = problem
    theta = np.array([-1.0, 0.5, 0.5])  # Newton's step overshoots from here
    direction = -np.linalg.solve(logistic_hessian(theta, design, labels, l2),
                                 logistic_gradient(theta, design, labels, l2))
    loss = logistic_loss(theta, design, labels, l2)
    along = lambda eta: logistic_loss(theta + eta * direction, design, labels, l2)  # noqa: E731
    back = brentq(lambda eta: along(eta) - loss, 1.0, 100.0, xtol=1e-14)  # L(η) = L(θ) again
    new, _, _ = newton_step(theta, design, labels, step_size=back, l2=l2, line_search=True)
    np.testing.assert_allclose(new, theta + back / 2 * direction, rtol=1e-12)


def test_the_steepest_descent_fallback_also_asks_for_a_sufficient_decrease(problem):
    """Where H = 0 the search runs along −g with slope −‖g‖²: a first step landing where L is
    back to L(θ) is halved."""
    from scipy.optimize import brentq

    design, labels = problem
    theta = np.array([0.0, 0.0, 1000.0])
    grad, loss = logistic_gradient(theta, design, labels), logistic_loss(theta, design, labels)
    back = brentq(lambda eta: logistic_loss(theta - eta * grad, design, labels) - loss,
                  1.0, 1e5, xtol=1e-12)
    new, _, _ = newton_step(theta, design, labels, step_size=back, line_search=True)
    np.testing.assert_allclose(new, theta - back / 2 * grad, rtol=1e-12)


def test_newton_keeps_stepping_where_the_loss_no_longer_changes_in_floating_point(problem):
    """Near the minimiser a Newton step lowers L by less than its rounding, L(new) == L(θ);
    Armijo's strict '>' takes that step, so the gradient keeps falling quadratically."""
    design, labels = problem
    theta, iterations = fit_newton(design, labels, tolerance=1e-14)
    assert iterations < 20
    assert np.linalg.norm(logistic_gradient(theta, design, labels)) < 1e-14


def test_with_a_penalty_and_one_class_labelled_0_the_bias_runs_to_minus_infinity():
    design, labels = separated_gaussians()
    with pytest.raises(NoFiniteMinimiser, match="no finite minimiser: every label is the same, "
                       "so the unpenalised bias runs to infinity") as caught:
        fit_newton(design, np.zeros_like(labels), l2=0.1)
    np.testing.assert_array_equal(caught.value.direction, [0, 0, -1])


def test_the_separable_message_says_what_happens():
    design, labels = separated_gaussians()
    message = ("no finite minimiser: the classes are linearly separable, so the loss keeps "
               "falling towards its infimum as |θ| → ∞ along the separating direction")
    with pytest.raises(NoFiniteMinimiser, match=re.escape(message)):
        fit_newton(design, labels)


def test_fit_newton_is_that_many_line_searched_newton_steps_from_start(problem):
    design, labels = problem
    start = np.array([-6.0, 4.0, 3.0])
    theta, iterations = fit_newton(design, labels, start=start, tolerance=0.0,
                                   max_iterations=3)
    expected = start
    for _ in range(3):
        expected, _, _ = newton_step(expected, design, labels, line_search=True)
    assert iterations == 3
    np.testing.assert_array_equal(theta, expected)
    assert fit_newton(design, labels, tolerance=0.0)[1] == 50  # the default budget


def test_fit_newton_counts_the_step_whose_gradient_passed_the_tolerance(problem):
    design, labels = problem
    theta, count, grad = np.zeros(3), 0, np.ones(3)
    while np.linalg.norm(grad) >= 1e-10:
        theta, _, grad = newton_step(theta, design, labels, line_search=True)
        count += 1
    fitted, iterations = fit_newton(design, labels, tolerance=1e-10)
    assert iterations == count
    np.testing.assert_array_equal(fitted, theta)


def test_the_tolerance_is_a_strict_bound_on_the_gradient(problem):
    """A start whose gradient norm equals the tolerance has not converged yet."""
    design, labels = problem
    start = np.array([0.1, 0.2, 0.3])
    tolerance = float(np.linalg.norm(logistic_gradient(start, design, labels)))
    _, iterations = fit_newton(design, labels, start=start, tolerance=tolerance)
    assert iterations == 2


def test_fit_newton_takes_a_start_of_any_real_dtype(problem):
    design, labels = problem
    optimum, _ = fit_newton(design, labels)
    for start in ([0, 0, 0], np.array([1.0, -1.0, 0.5], dtype=np.longdouble)):
        theta, _ = fit_newton(design, labels, start=start)
        assert theta.dtype == np.float64
        np.testing.assert_allclose(theta, optimum, atol=1e-8)


def test_the_loss_grid_is_the_loss_at_every_pair_of_weights(problem):
    design, labels = problem
    w1, w2 = np.array([-1.5, 0.5, 2.0]), np.array([-0.5, 0.25])
    grid = loss_grid(w1, w2, -0.4, design[:, :2], labels)
    expected = [[logistic_loss(np.array([a, b, -0.4]), design, labels) for a in w1] for b in w2]
    np.testing.assert_allclose(grid, expected, rtol=1e-12)


def test_a_line_searched_step_never_raises_the_loss(problem):
    """From a badly saturated start the Newton direction is ~10¹² long: no halving down to
    MIN_STEP satisfies Armijo along it, so the search turns to −∇L instead of taking the last
    (uphill) step tried."""
    design, labels = problem
    theta = np.array([0.0, 0.0, 30.0])
    before = logistic_loss(theta, design, labels)
    moved, loss, _ = newton_step(theta, design, labels, line_search=True)
    assert loss == before
    assert logistic_loss(moved, design, labels) < before
    for seed in range(20):  # and from random, often saturated, starts
        start = np.random.default_rng(seed).normal(scale=40.0, size=3)
        after, loss, _ = newton_step(start, design, labels, line_search=True)
        assert logistic_loss(after, design, labels) <= loss


def test_line_search_takes_the_first_halving_that_meets_armijo(problem):
    """The step is the largest η·2⁻ᵏ with L(θ + s·d) ≤ L(θ) + c·s·∇Lᵀd, worked out here
    from the rule itself, along the Newton direction and else along −∇L."""
    design, labels = problem
    rng = np.random.default_rng(11)
    for start in [np.array([0.0, 0.0, 30.0]), *rng.normal(scale=20.0, size=(12, 3))]:
        loss = logistic_loss(start, design, labels)
        grad = logistic_gradient(start, design, labels)
        newton = -np.linalg.solve(logistic_hessian(start, design, labels), grad)
        expected = start
        for direction in (newton, -grad):
            slope = float(grad @ direction)
            steps = [0.5**k for k in range(40) if 0.5**k > MIN_STEP] if slope < 0 else []
            accepted = [s for s in steps if logistic_loss(start + s * direction, design, labels)
                        <= loss + ARMIJO * s * slope]
            if accepted:
                expected = start + accepted[0] * direction
                break
        got, _, _ = newton_step(start, design, labels, line_search=True)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_overlapping_data_are_settled_by_the_subset_alone(monkeypatch):
    """Many overlapping rows: the subset's linear programme proves overlap (full rank), so
    the whole set's programme is never run."""
    from nnviz.core import logistic

    rng = np.random.default_rng(2)
    inputs = rng.normal(size=(5 * SUBSET_ROWS, 2))
    labels = rng.integers(0, 2, len(inputs))
    calls = []
    real = logistic._lp_direction
    monkeypatch.setattr(logistic, "_lp_direction", lambda rows: calls.append(len(rows))
                        or real(rows))
    assert separating_direction(with_bias(inputs), labels) is None
    assert calls == [SUBSET_ROWS]
