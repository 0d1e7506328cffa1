"""Output layers fused with their losses, because their joint gradient is simple.

For softmax + cross-entropy and for sigmoid + binary cross-entropy alike, the derivative of the
loss with respect to the output pre-activation ``z`` is ``p − y`` per example (``p`` the
predicted probability, ``y`` the one-hot or 0/1 target). ``reduction="mean"`` divides by the
number of examples; ``"sum"`` does not, as classic tutorial code that sums per-example
gradients.

    softmax  p_j = e^{z_j} / Σ_k e^{z_k}           loss = log Σ_k e^{z_k} − z_y
    sigmoid  p = 1 / (1 + e^{−z})                  loss = log(1 + e^{z}) − y·z

:meth:`OutputLoss.loss` and :meth:`OutputLoss.gradient` are the plain formulas, for arrays of
shape (n, classes). :meth:`OutputLoss.fused` computes probabilities, summed loss and ``p − y``
in one pass into preallocated buffers for the training step, with examples as columns.

:class:`RegressionLoss` is the same interface for one linear output unit fitting real
targets: squared error or Huber's loss of the residual ŷ − y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.activations import sigmoid

Array = np.ndarray
REDUCTIONS = ("mean", "sum")


def column_max(z_t: Array, out: Array) -> Array:
    """max over classes of ``z_t`` (classes × n) into ``out`` (1 × n)."""
    return np.maximum.reduce(z_t, axis=0, keepdims=True, out=out)


def softmax(z: Array, out: Array | None = None) -> Array:
    """e^{z − max z} / Σ e^{z − max z} along each row (the shift prevents overflow)."""
    shifted = np.subtract(z, z.max(axis=1, keepdims=True), out=out)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


@dataclass
class OutputScratch:
    """Buffers for the fused pass over ``n`` examples stored as columns (classes × n)."""

    row: Array  # (1, n): max, then Σ e^{s}, then log Σ e^{s}
    ones: Array  # (1, units): Σ over the classes of each column as one matrix product
    classes: Array  # (units, 1): 0, 1, …, units − 1
    one_hot: Array  # (units, n): y as one-hot columns

    @classmethod
    def allocate(cls, n: int, units: int, dtype: np.dtype) -> OutputScratch:
        return cls(
            row=np.empty((1, n), dtype),
            ones=np.ones((1, units), dtype),
            classes=np.arange(units)[:, None],
            one_hot=np.empty((units, n), dtype),
        )

    def columns(self, start: int, stop: int) -> OutputScratch:
        """The scratch of examples start:stop (shared memory)."""
        return OutputScratch(self.row[:, start:stop], self.ones, self.classes,
                             self.one_hot[:, start:stop])


@dataclass(frozen=True)
class OutputLoss:
    """``kind`` is "softmax" (any number of classes, one unit each) or "sigmoid" (one unit)."""

    kind: str
    #: a classifier: at least two classes (see :class:`RegressionLoss`)
    is_regression = False

    def units(self, n_classes: int) -> int:
        return 1 if self.kind == "sigmoid" else n_classes

    def probabilities(self, z: Array, out: Array | None = None) -> Array:
        """Class probabilities with one column per class (two for the sigmoid output)."""
        if self.kind == "sigmoid":
            if out is None:
                out = np.empty((len(z), 2), z.dtype)
            sigmoid(z, out=out[:, 1:2])
            np.subtract(1.0, out[:, 1:2], out=out[:, 0:1])
            return out
        return softmax(z, out=out)

    def loss(self, z: Array, labels: Array, reduction: str = "mean") -> float:
        """Cross-entropy of integer ``labels`` given output pre-activations ``z``."""
        _check_reduction(reduction)
        n = len(labels)
        if self.kind == "sigmoid":
            # log(1 + e^{-z}) for y=1 and log(1 + e^{z}) for y=0, stably
            signed = np.where(labels == 1, z[:, 0], -z[:, 0])
            total = float(np.logaddexp(0.0, -signed).sum())
        else:
            shifted = z - z.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(shifted).sum(axis=1))
            total = float((log_norm - shifted[np.arange(n), labels]).sum())
        return total / n if reduction == "mean" else total

    def gradient(self, z: Array, labels: Array, reduction: str = "mean") -> Array:
        """dLoss/dz: (p − y), divided by n for the mean."""
        _check_reduction(reduction)
        n = len(labels)
        if self.kind == "sigmoid":
            grad = sigmoid(z) - labels[:, None].astype(z.dtype)
        else:
            grad = softmax(z)
            grad[np.arange(n), labels] -= 1.0
        if reduction == "mean":
            grad /= n
        return grad

    def probabilities_columns(self, z_t: Array, out_t: Array, scratch: OutputScratch) -> Array:
        """:meth:`probabilities` for examples stored as columns: z_t is units × n."""
        if self.kind == "sigmoid":
            sigmoid(z_t, out=out_t[1:2])
            np.subtract(1.0, out_t[1:2], out=out_t[0:1])
            return out_t
        row = column_max(z_t, out=scratch.row)
        np.subtract(z_t, row, out=out_t)
        np.exp(out_t, out=out_t)
        out_t /= np.matmul(scratch.ones, out_t, out=row)
        return out_t

    def fused(self, z_t: Array, labels: Array, probabilities_t: Array, delta_t: Array,
              scratch: OutputScratch) -> float:
        """Fill probabilities and δ = p − y; return the summed (not mean) loss.

        Examples are columns here (z_t is units × n), so every operation runs along
        contiguous rows of n numbers.
        """
        if self.kind == "sigmoid":
            self.probabilities_columns(z_t, probabilities_t, scratch)
            np.subtract(probabilities_t[1:2], labels, out=delta_t)
            # log(1 + e^{z}) − y·z
            return float(np.logaddexp(0.0, z_t).sum() - np.dot(labels, z_t[0].astype(float)))
        row, one_hot = scratch.row, scratch.one_hot
        shifted = delta_t  # borrowed: s = z − max z until δ is written below
        np.subtract(z_t, column_max(z_t, out=row), out=shifted)
        np.exp(shifted, out=probabilities_t)
        probabilities_t /= np.matmul(scratch.ones, probabilities_t, out=row)
        np.equal(scratch.classes, labels, out=one_hot)
        # −log p_y = log Σ e^{s} − s_y
        total = float(np.log(row, out=row).sum()) - float(np.vdot(shifted, one_hot))
        np.subtract(probabilities_t, one_hot, out=delta_t)
        return total


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown loss reduction {reduction!r}; known: mean, sum")


def get_output_loss(kind: str | RegressionLoss) -> OutputLoss | RegressionLoss:
    """The output named ``kind`` (a :class:`RegressionLoss` is its own output)."""
    if isinstance(kind, RegressionLoss):
        return kind
    if kind not in ("softmax", "sigmoid"):
        raise ValueError(f"unknown output {kind!r}; known: softmax, sigmoid")
    return OutputLoss(kind)


def accuracy(probabilities: Array, labels: Array) -> float:
    return float(np.mean(probabilities.argmax(axis=1) == labels)) if len(labels) else float("nan")



# -- regression --------------------------------------------------------------------------------
#: the regression losses by name: squared error, or Huber's (squared near 0, linear beyond δ)
REGRESSION_LOSSES = ("mse", "huber")


@dataclass(frozen=True)
class RegressionLoss:
    """One linear output unit ŷ = z and a loss of the residual r = ŷ − y, per example:

        mse    ℓ(r) = r²                                   dℓ/dz = 2r
        huber  ℓ(r) = ½r²            if |r| ≤ δ            dℓ/dz = r
                      δ·(|r| − ½δ)   otherwise             dℓ/dz = δ·sign(r)

    Huber is as torch's ``HuberLoss(delta=δ)``: quadratic near the target, so small residuals
    are fitted as by least squares, linear beyond δ, so an outlier pulls with a bounded force.
    It offers the interface the MLP asks of an output (:class:`OutputLoss`): ``targets`` take
    the place of the labels, the "probabilities" are the predictions ŷ, one column.
    """

    kind: str = "mse"
    delta: float = 1.0
    #: the MLP lets a regression output have one "class" (its one unit)
    is_regression = True

    def __post_init__(self) -> None:
        if self.kind not in REGRESSION_LOSSES:
            raise ValueError(f"unknown regression loss {self.kind!r}; known: "
                             f"{', '.join(REGRESSION_LOSSES)}")
        if not self.delta > 0:
            raise ValueError(f"Huber's delta must be > 0, not {self.delta}")

    def units(self, n_classes: int) -> int:
        return 1

    def probabilities(self, z: Array, out: Array | None = None) -> Array:
        """The predictions ŷ = z, shape (n, 1)."""
        if out is None:
            return z.copy()
        np.copyto(out, z)
        return out

    def pointwise(self, residuals: Array) -> Array:
        """ℓ(r) of each residual (float64)."""
        r = np.asarray(residuals, dtype=np.float64)
        if self.kind == "mse":
            return r * r
        size = np.abs(r)
        return np.where(size <= self.delta, 0.5 * r * r, self.delta * (size - 0.5 * self.delta))

    def slope(self, residuals: Array, out: Array | None = None) -> Array:
        """dℓ/dr of each residual, in the residuals' type (into ``out`` when given)."""
        if self.kind == "mse":
            return np.multiply(residuals, 2.0, out=out)
        return np.clip(residuals, -self.delta, self.delta, out=out)

    def loss(self, z: Array, targets: Array, reduction: str = "mean") -> float:
        """Σ or mean of ℓ(ŷ − y) over the examples; ``z`` is (n, 1), ``targets`` (n,)."""
        _check_reduction(reduction)
        total = float(self.pointwise(z[:, 0] - targets).sum())
        return total / len(targets) if reduction == "mean" and len(targets) else total

    def gradient(self, z: Array, targets: Array, reduction: str = "mean") -> Array:
        """dLoss/dz, shape (n, 1): ℓ'(ŷ − y), divided by n for the mean."""
        _check_reduction(reduction)
        grad = self.slope(z - np.asarray(targets, dtype=z.dtype)[:, None])
        if reduction == "mean":
            grad /= len(targets)
        return grad

    def probabilities_columns(self, z_t: Array, out_t: Array, scratch: OutputScratch) -> Array:
        """The predictions as a row (1 × n): ŷ = z."""
        np.copyto(out_t, z_t)
        return out_t

    def fused(self, z_t: Array, targets: Array, probabilities_t: Array, delta_t: Array,
              scratch: OutputScratch) -> float:
        """Predictions, δ = ℓ'(ŷ − y) into ``delta_t`` (1 × n); returns the summed loss."""
        np.copyto(probabilities_t, z_t)
        np.subtract(z_t, targets, out=delta_t)
        total = float(self.pointwise(delta_t).sum())
        self.slope(delta_t, out=delta_t)
        return total


def mean_squared_error(predictions: Array, targets: Array) -> float:
    """(1/n)·Σ(ŷ − y)²; NaN for no examples."""
    if not len(targets):
        return float("nan")
    residuals = np.asarray(predictions, np.float64).reshape(-1) - np.asarray(targets, np.float64)
    return float(np.mean(residuals * residuals))


def r_squared(predictions: Array, targets: Array) -> float:
    """R² = 1 − Σ(ŷ − y)² / Σ(y − ȳ)²: the share of the targets' variance the fit explains
    (1 perfect, 0 no better than predicting the mean, negative worse). NaN for fewer than two
    examples or constant targets, where the variance to explain is 0."""
    targets = np.asarray(targets, np.float64)
    spread = float(np.sum((targets - targets.mean()) ** 2)) if len(targets) > 1 else 0.0
    if spread == 0.0:
        return float("nan")
    residuals = np.asarray(predictions, np.float64).reshape(-1) - targets
    return 1.0 - float(np.sum(residuals * residuals)) / spread
