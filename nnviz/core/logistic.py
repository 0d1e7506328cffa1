"""Binary logistic regression with its exact gradient and Hessian, and Newton's method.

Parameters are one vector θ = (w₁ … w_d, b); ``X̃ = [X 1]`` is the design matrix with a column
of ones for the bias, ``p = σ(X̃θ)`` the predicted P(y = 1). The mean cross-entropy and its
derivatives (n examples, optional L2 penalty λ/2·‖w‖² on the weights only):

    L(θ)  = (1/n) Σ log(1 + e^{−s_i z_i}),   z = X̃θ,  s_i = ±1 for y_i = 1 / 0
    ∇L    = X̃ᵀ(p − y) / n + λ·(w, 0)
    ∇²L   = X̃ᵀ diag(p(1 − p)) X̃ / n + λ·diag(1, …, 1, 0)

L is convex, so Newton's step θ ← θ − η·(∇²L)⁻¹∇L (η = 1 for the pure method) converges
quadratically near the minimiser: a handful of iterations where gradient descent needs hundreds.
Far from it the loss is nearly linear, the Hessian nearly singular and the pure step flies off;
a backtracking line search (halve η until L falls by at least c·η·∇Lᵀd, Armijo's rule) keeps
every step downhill and still takes η = 1 once near the minimiser.

Convex is not enough for a minimiser to exist. Write a_i = s_i·x̃_i, so the margin of example i
is a_iᵀθ. Without a penalty, if some direction d ≠ 0 has a_iᵀd ≥ 0 for every i and > 0 for some
(the classes are linearly separable, or quasi-separable with ties on the boundary), then every
term of L(θ + t·d) is non-increasing in t, so L keeps falling towards its infimum as
t → ∞ and no finite θ attains it (Albert & Anderson, 1984). Newton's method still "converges"
there: far along d the gradient underflows below any tolerance and the iterate is just a
point on the way to infinity. :func:`fit_newton` therefore decides existence first
(:func:`separating_direction`, a small linear programme) and raises
:class:`NoFiniteMinimiser` rather than report such a point. With λ > 0 the penalty grows along
every direction that moves w, so a finite minimiser exists unless all labels are equal (then
the bias alone runs to ±∞).
"""

from __future__ import annotations

import numpy as np

from nnviz.core.activations import sigmoid

Array = np.ndarray


def with_bias(inputs: Array) -> Array:
    """The design matrix X̃ = [X 1]."""
    inputs = np.asarray(inputs, dtype=np.float64)
    return np.hstack([inputs, np.ones((len(inputs), 1))])


def _penalty_mask(n_parameters: int) -> Array:
    mask = np.ones(n_parameters)
    mask[-1] = 0.0
    return mask


def logistic_loss(theta: Array, design: Array, labels: Array, l2: float = 0.0) -> float:
    """Mean cross-entropy of 0/1 ``labels`` (stable for large |z|) plus λ/2·‖w‖²."""
    z = design @ theta
    signed = np.where(np.asarray(labels) == 1, z, -z)
    loss = float(np.logaddexp(0.0, -signed).mean())
    if l2:
        loss += 0.5 * l2 * float(theta[:-1] @ theta[:-1])
    return loss


def logistic_gradient(theta: Array, design: Array, labels: Array, l2: float = 0.0) -> Array:
    """∇L = X̃ᵀ(p − y)/n (+ λ·w)."""
    residual = sigmoid(design @ theta) - np.asarray(labels, dtype=np.float64)
    grad = design.T @ residual / len(residual)
    if l2:
        grad += l2 * theta * _penalty_mask(len(theta))
    return grad


def logistic_hessian(theta: Array, design: Array, labels: Array | None = None,
                     l2: float = 0.0) -> Array:
    """∇²L = X̃ᵀ diag(p(1−p)) X̃ / n (+ λ on the weights); it does not depend on the labels."""
    p = sigmoid(design @ theta)
    weights = p * (1.0 - p)
    hessian = (design * weights[:, None]).T @ design / len(design)
    if l2:
        hessian += np.diag(l2 * _penalty_mask(len(theta)))
    return hessian


class NoFiniteMinimiser(ValueError):
    """The loss has no finite minimiser: it keeps falling along ``direction`` for ever.

    ``direction`` is a unit vector d with L(θ + t·d) non-increasing in t for every θ, falling
    towards the infimum as t → ∞ (0 for completely separable data).
    """

    def __init__(self, message: str, direction: Array) -> None:
        super().__init__(message)
        self.direction = direction


#: margins (of unit-length rows) this far below 0 still count as on the boundary: the linear
#: programme's solution is exact only to its feasibility tolerance (1e-7)
BOUNDARY_TOLERANCE = 1e-9
#: a separating direction must put at least one example this far on its side (unit rows)
SEPARATION_MARGIN = 1e-6
#: rows in the first, cheap linear programme (see :func:`separating_direction`)
SUBSET_ROWS = 1000


def separating_direction(design: Array, labels: Array) -> Array | None:
    """A unit d with every margin s_i·x̃_iᵀd ≥ 0 and some > 0, or None if none exists.

    None means the classes overlap in every direction, which is exactly when the unpenalised
    loss has a finite minimiser (module docstring). Found by the linear programme (Konis 2007)

        maximise Σ_i â_iᵀd   subject to   â_iᵀd ≥ 0 for all i,   −1 ≤ d_j ≤ 1,

    with â_i = a_i/‖a_i‖ (rescaling rows changes no sign, and keeps the solver's absolute
    tolerances meaningful). Its optimum is 0 exactly when no separating d exists. An evenly
    spaced subset of ``SUBSET_ROWS`` is tried first: on 200,000 points that settles the usual,
    overlapping case in milliseconds instead of a second. Its optimum 0 leaves only the d with
    every subset margin 0, and when the subset's rows have full column rank that is d = 0, so
    no d separates the whole either. (Without full rank it proves nothing: a subset of ties,
    say points of both classes on one line, can miss the rows that separate.) Any direction
    found is checked against every row in floating point: margins down to
    −``BOUNDARY_TOLERANCE`` count as ties on the boundary, and at least one must exceed
    ``SEPARATION_MARGIN``.
    """
    design = np.asarray(design, dtype=np.float64)
    signed = design * np.where(np.asarray(labels) == 1, 1.0, -1.0)[:, None]
    norms = np.linalg.norm(signed, axis=1)
    rows = signed[norms > 0] / norms[norms > 0, None]
    if len(rows) == 0:
        return None
    if len(rows) > SUBSET_ROWS:
        subset = rows[::len(rows) // SUBSET_ROWS]
        candidate = _lp_direction(subset)
        if candidate is None and np.linalg.matrix_rank(subset) == rows.shape[1]:
            return None
        if candidate is not None and _separates(rows, candidate):
            return candidate
    candidate = _lp_direction(rows)
    return candidate if candidate is not None and _separates(rows, candidate) else None


def _lp_direction(rows: Array) -> Array | None:
    """The linear programme of :func:`separating_direction` on ``rows``: a unit d, or None
    when its optimum is 0 (the rows overlap) or the solver fails (nothing is proven then)."""
    from scipy.optimize import linprog  # imported here: only fitting needs the solver

    result = linprog(-rows.sum(axis=0), A_ub=-rows, b_ub=np.zeros(len(rows)),
                     bounds=[(-1.0, 1.0)] * rows.shape[1], method="highs")
    if result.status != 0 or result.x is None:
        return None
    direction = np.asarray(result.x, dtype=np.float64)
    length = float(np.linalg.norm(direction))
    if length == 0.0 or float((rows @ direction).max()) <= SEPARATION_MARGIN * length:
        return None
    return direction / length


def _separates(rows: Array, direction: Array) -> bool:
    margins = rows @ direction
    return bool(margins.min() >= -BOUNDARY_TOLERANCE and margins.max() > SEPARATION_MARGIN)


def newton_direction(gradient: Array, hessian: Array) -> Array:
    """−H⁻¹g; a least-squares solve where H is singular (separable data, saturated σ)."""
    try:
        return -np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:
        return -np.linalg.lstsq(hessian, gradient, rcond=None)[0]


ARMIJO = 1e-4
MIN_STEP = 1e-10


def newton_step(theta: Array, design: Array, labels: Array, *, step_size: float = 1.0,
                l2: float = 0.0, line_search: bool = False) -> tuple[Array, float, Array]:
    """One Newton iteration from θ: returns (new θ, loss at θ, gradient at θ).

    With ``line_search`` the step starts at ``step_size`` and halves until Armijo's
    sufficient-decrease condition holds (see the module docstring). When no step down to
    ``MIN_STEP`` satisfies it along the Newton direction (saturated σ can make that direction
    astronomically long), the same search runs along −∇L; when that fails too, θ stays where
    it is: a line-searched step never raises the loss.
    """
    loss = logistic_loss(theta, design, labels, l2)
    grad = logistic_gradient(theta, design, labels, l2)
    hessian = logistic_hessian(theta, design, labels, l2)
    direction = newton_direction(grad, hessian)
    if not line_search:
        return theta + step_size * direction, loss, grad
    for candidate in (direction, -grad):
        slope = float(grad @ candidate)
        if slope >= 0:  # not a descent direction (numerically singular H)
            continue
        step = step_size
        while step > MIN_STEP:
            if logistic_loss(theta + step * candidate, design, labels, l2) \
                    <= loss + ARMIJO * step * slope:
                return theta + step * candidate, loss, grad
            step *= 0.5
    return theta.copy(), loss, grad


def fit_newton(design: Array, labels: Array, *, l2: float = 0.0, tolerance: float = 1e-10,
               max_iterations: int = 50, start: Array | None = None) -> tuple[Array, int]:
    """The minimiser by line-searched Newton from ``start`` (default θ = 0).

    Returns (θ*, iterations used). Raises :class:`NoFiniteMinimiser` when there is none to
    find (separable data without a penalty, or a single class): the gradient test alone
    would accept a far-off point whose gradient has merely underflowed below ``tolerance``.
    """
    labels = np.asarray(labels)
    if l2 > 0:
        if len(np.unique(labels)) < 2:
            bias_only = np.zeros(design.shape[1])
            bias_only[-1] = 1.0 if np.all(labels == 1) else -1.0
            raise NoFiniteMinimiser(
                "no finite minimiser: every label is the same, so the unpenalised bias "
                "runs to infinity", bias_only)
    else:
        direction = separating_direction(design, labels)
        if direction is not None:
            raise NoFiniteMinimiser(
                "no finite minimiser: the classes are linearly separable, so the loss keeps "
                "falling towards its infimum as |θ| → ∞ along the separating direction",
                direction)
    theta = np.zeros(design.shape[1]) if start is None else np.array(start, dtype=np.float64)
    for iteration in range(1, max_iterations + 1):
        theta, _, grad = newton_step(theta, design, labels, l2=l2, line_search=True)
        if np.linalg.norm(grad) < tolerance:
            return theta, iteration
    return theta, max_iterations


def loss_grid(w1: Array, w2: Array, bias: float, inputs: Array, labels: Array) -> Array:
    """L over a grid of the two weights with the bias held fixed: shape (len(w2), len(w1)).

    Rows follow ``w2`` and columns ``w1`` (image convention: y outer, x inner).
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    signs = np.where(np.asarray(labels) == 1, 1.0, -1.0)
    # z[k, j, i] = x_k1·w1_i + x_k2·w2_j + b, evaluated one row of w2 at a time
    out = np.empty((len(w2), len(w1)))
    base = np.outer(inputs[:, 0], w1) + bias
    for j, weight in enumerate(w2):
        z = base + (inputs[:, 1] * weight)[:, None]
        out[j] = np.logaddexp(0.0, -signs[:, None] * z).mean(axis=0)
    return out
