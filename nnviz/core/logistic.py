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
    sufficient-decrease condition holds (see the module docstring).
    """
    loss = logistic_loss(theta, design, labels, l2)
    grad = logistic_gradient(theta, design, labels, l2)
    hessian = logistic_hessian(theta, design, labels, l2)
    direction = newton_direction(grad, hessian)
    step = step_size
    if line_search:
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction (numerically singular H): use −g
            direction, slope = -grad, -float(grad @ grad)
        while (step > MIN_STEP and logistic_loss(theta + step * direction, design, labels, l2)
               > loss + ARMIJO * step * slope):
            step *= 0.5
    return theta + step * direction, loss, grad


def fit_newton(design: Array, labels: Array, *, l2: float = 0.0, tolerance: float = 1e-10,
               max_iterations: int = 50, start: Array | None = None) -> tuple[Array, int]:
    """The minimiser by line-searched Newton from ``start`` (default θ = 0).

    Returns (θ*, iterations used).
    """
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
