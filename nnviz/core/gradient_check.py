"""The gradient check: analytic gradients against central finite differences, in float64.

For every entry θ_i of every parameter the loss is evaluated with θ_i moved by ±h and by ±h/2
(the MLP's own forward pass and loss, the other entries as they are), and the two central
differences are combined by Richardson extrapolation::

    D(h) = (L(θ + h e_i) − L(θ − h e_i)) / 2h          error ≈ h²·L'''/6
    ∂L/∂θ_i ≈ (4·D(h/2) − D(h)) / 3                      the h² terms cancel

With h = 2·10⁻³ the truncation error is ~10⁻¹⁴ and the rounding error ~10⁻¹³ for a loss of
order 1 (it grows with the loss, which is rounded to about 10⁻¹⁶·max(1, L)), so a correct
analytic gradient agrees to about 10⁻¹¹ of its size. The relative error of an entry is
|a − n| / max(|a| + |n|, floor) with floor = FLOOR·max(1, L): entries smaller than that are
judged by their absolute difference, below what the finite differences can resolve relatively.

relu and leaky relu have a kink at z = 0. Where moving θ_i by ±h moves some hidden z across
0 for some example, the two sides of the difference lie on different pieces and the finite
difference is no test of the derivative: such entries are marked as kinks and left out of the
maximum (cs231n's "kinks in the objective").

The check of the torch twin (autograd in float64) is the same comparison against another
reference; it is computed where torch is installed (``nnviz.backends``), not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnviz.core.backprop import superscript
from nnviz.core.mlp import MLP

Array = np.ndarray

#: the larger of the two steps of the central differences
STEP = 2e-3
#: entries with |a| + |n| below this (times the loss, when it is above 1) are compared by
#: their absolute difference
FLOOR = 1e-5
#: a relative error above this is a wrong gradient (drawn red)
WRONG_ABOVE = 1e-2
#: a relative error below this is a gradient as right as float64 finite differences can tell
GOOD_BELOW = 1e-7
#: activations whose derivative jumps at z = 0
KINKED = ("relu", "leaky_relu")


def relative_error(analytic: Array, reference: Array, floor: float = FLOOR) -> Array:
    """|a − n| / max(|a| + |n|, floor), entry by entry (0 where both are 0)."""
    analytic, reference = np.asarray(analytic, float), np.asarray(reference, float)
    size = np.maximum(np.abs(analytic) + np.abs(reference), floor)
    return np.abs(analytic - reference) / size


@dataclass(frozen=True)
class NumericalGradients:
    """Finite-difference gradients in the MLP's parameter layout ([W_1, b_1, …]), per entry
    whether the difference straddled a kink, and the floor of the relative error for this
    loss (module docstring)."""

    gradients: tuple[Array, ...]
    kinks: tuple[Array, ...]
    step: float
    floor: float = FLOOR


def _signs_and_logits(model: MLP, inputs: Array) -> tuple[Array, Array]:
    """Which hidden pre-activations are positive (flattened, every layer), and the logits."""
    forward = model.forward(inputs)
    signs = np.concatenate([(z > 0).ravel() for z in forward.pre_activations[:-1]]) \
        if model.n_layers > 1 else np.zeros(0, bool)
    return signs, forward.logits


def numerical_gradients(model: MLP, inputs: Array, labels: Array,
                        step: float = STEP) -> NumericalGradients:
    """∂L/∂θ of the batch's mean loss by Richardson-extrapolated central differences.

    Entries of ``model.flat_params`` are moved in place and put back exactly.
    """
    inputs = np.asarray(inputs, dtype=model.dtype)
    labels = np.asarray(labels)
    flat = model.flat_params
    kinked = model.activation.name in KINKED
    numeric = np.empty(flat.size)
    kinks = np.zeros(flat.size, bool)
    for index in range(flat.size):
        original = flat[index]
        losses, signs = {}, {}
        for offset in (step, -step, step / 2, -step / 2):
            flat[index] = original + offset
            sign, logits = _signs_and_logits(model, inputs)
            losses[offset] = model.output.loss(logits, labels, "mean")
            signs[offset] = sign
        flat[index] = original
        wide = (losses[step] - losses[-step]) / (2 * step)
        narrow = (losses[step / 2] - losses[-step / 2]) / step
        numeric[index] = (4 * narrow - wide) / 3
        kinks[index] = kinked and not np.array_equal(signs[step], signs[-step])
    floor = FLOOR * max(1.0, abs(model.loss(inputs, labels)))
    return NumericalGradients(_in_layout(model, numeric), _in_layout(model, kinks), step, floor)


def _in_layout(model: MLP, flat: Array) -> tuple[Array, ...]:
    """A flat vector cut into arrays shaped as ``model.params``."""
    parts, offset = [], 0
    for fan_in, fan_out in model.layer_shapes:
        block = flat[offset:offset + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out)
        parts += [block[:fan_in].copy(), block[fan_in].copy()]
        offset += block.size
    return tuple(parts)


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter's entries, analytic against finite differences (and torch autograd).

    Arrays are in the tutorials' layout: W^l is n_l × n_{l−1}, b^l is 1 × n_l.
    ``relative_error`` is NaN at a kink (see the module docstring); ``torch`` and
    ``torch_relative_error`` are None where torch was not asked or is not installed.
    """

    name: str
    analytic: Array
    numeric: Array
    relative_error: Array
    kinks: Array
    torch: Array | None = None
    torch_relative_error: Array | None = None

    @property
    def max_relative_error(self) -> float:
        """The largest relative error of a compared entry (0 when every entry is a kink)."""
        judged = self.relative_error[~self.kinks]
        return float(judged.max()) if judged.size else 0.0

    @property
    def torch_max_relative_error(self) -> float | None:
        if self.torch_relative_error is None:
            return None
        return float(self.torch_relative_error.max()) if self.torch_relative_error.size \
            else 0.0

    @property
    def wrong(self) -> Array:
        """Entries the check flags: above :data:`WRONG_ABOVE` against either reference."""
        flagged = np.nan_to_num(self.relative_error, nan=0.0) > WRONG_ABOVE
        if self.torch_relative_error is not None:
            flagged |= self.torch_relative_error > WRONG_ABOVE
        return flagged


@dataclass(frozen=True)
class GradientCheck:
    """Every parameter checked; the maxima are over compared (non-kink) entries."""

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "gradient_check"

    parameters: tuple[ParameterCheck, ...]
    step: float
    mistake: str = "none"
    #: why torch autograd is not in the check ("" when it is)
    torch_note: str = ""
    wrong_above: float = WRONG_ABOVE
    good_below: float = GOOD_BELOW
    floor: float = FLOOR

    @property
    def max_relative_error(self) -> float:
        return max((p.max_relative_error for p in self.parameters), default=0.0)

    @property
    def torch_max_relative_error(self) -> float | None:
        values = [p.torch_max_relative_error for p in self.parameters]
        if any(v is None for v in values):
            return None
        return max(values, default=0.0)  # type: ignore[type-var]

    @property
    def wrong_entries(self) -> int:
        return int(sum(int(p.wrong.sum()) for p in self.parameters))

    @property
    def kink_entries(self) -> int:
        return int(sum(int(p.kinks.sum()) for p in self.parameters))

    @property
    def passed(self) -> bool:
        return self.wrong_entries == 0


def parameter_names(n_layers: int) -> list[str]:
    """["W¹", "b¹", "W²", "b²", …]: the tutorials' names, in the MLP's parameter order."""
    names = []
    for layer in range(1, n_layers + 1):
        names += [f"W{superscript(layer)}", f"b{superscript(layer)}"]
    return names


def tutorial_layout(gradients: Sequence[Array]) -> list[Array]:
    """MLP-layout gradients [W (fan_in × fan_out), b (fan_out,)] → the tutorials' [W (n_l ×
    n_{l−1}), b (1 × n_l)]."""
    shown = []
    for index, gradient in enumerate(gradients):
        gradient = np.asarray(gradient, float)
        shown.append(gradient.T.copy() if index % 2 == 0 else gradient[None, :].copy())
    return shown


def check_gradients(analytic: Sequence[Array], numeric: NumericalGradients, *,
                    torch: Sequence[Array] | None = None, torch_note: str = "",
                    mistake: str = "none") -> GradientCheck:
    """Compare ``analytic`` gradients (MLP layout) with the finite differences and, when
    given, torch autograd's gradients (MLP layout)."""
    names = parameter_names(len(analytic) // 2)
    shown = tutorial_layout(analytic)
    reference = tutorial_layout(numeric.gradients)
    kinks = [k.T if i % 2 == 0 else k[None, :] for i, k in enumerate(numeric.kinks)]
    by_torch = tutorial_layout(torch) if torch is not None else [None] * len(shown)
    checks = []
    for name, a, n, kink, t in zip(names, shown, reference, kinks, by_torch, strict=True):
        error = relative_error(a, n, numeric.floor)
        error[kink] = np.nan
        checks.append(ParameterCheck(
            name=name, analytic=a, numeric=n, relative_error=error, kinks=kink.copy(),
            torch=t,
            torch_relative_error=None if t is None else relative_error(a, t, numeric.floor)))
    return GradientCheck(tuple(checks), numeric.step, mistake=mistake,
                         torch_note="" if torch is not None else torch_note,
                         floor=numeric.floor)
