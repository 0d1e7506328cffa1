"""Backpropagation written out node by node, in the classic tutorials' notation, for the MLP.

The tutorials write a layer with examples as rows and the weight matrix one row per unit
(the project's :class:`~nnviz.core.mlp.MLP` stores that matrix transposed, fan_in × fan_out)::

    Z^l = A^{l−1} W^lᵀ + b^l          (N × n_l), with A⁰ = X
    A^l = f(Z^l)                      hidden: sigmoid, tanh, relu …; output: σ or softmax
    L   = (1/N) Σ_n ℓ_n               ℓ_n the cross-entropy of example n

and walk back with ``dZ^l = ∂(Σ_n ℓ_n)/∂Z^l``, one row per example (their dZ; the mean's
gradient ∂L/∂Z^l is dZ^l / N)::

    dZ^L = A^L − Y                    (sigmoid + BCE and softmax + cross-entropy alike)
    ∂L/∂W^l = (1/N) dZ^lᵀ A^{l−1}     ∂L/∂b^l = (1/N) Σ_n dZ^l_n
    dA^{l−1} = dZ^l W^l               dZ^{l−1} = dA^{l−1} ⊙ f'(Z^{l−1})

Nothing of the network is implemented twice: the values come from :meth:`MLP.forward`, dZ^L
from the output layer's own gradient, f' from the activation's own derivative, the losses from
the output layer's loss. What is written out here is the chain rule between them, so that
each of its lines can be shown, and broken on purpose (:data:`MISTAKES`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from nnviz.core.mlp import MLP

Array = np.ndarray

#: the classic mistakes a person can plant, each changing one line of the backward pass
MISTAKES: dict[str, str] = {
    "none": "no mistake: the backward pass as it should be",
    "no_activation_derivative": "dZ = dA: the hidden activation's derivative f'(Z) is dropped",
    "forgot_transpose": "∂L/∂W computed as Aᵀ dZ (the transpose forgotten), then reshaped "
                        "to W's shape",
    "sum_instead_of_mean": "∂L/∂W and ∂L/∂b summed over the batch where they should be "
                           "averaged (no 1/N)",
    "output_instead_of_error": "dZ = A, the output, where it should be A − Y, the error",
}
#: how close to 0 or 1 a probability may come in dA^L's quotients
PROBABILITY_CLIP = 1e-12
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
#: the largest network whose compute graph is drawn in full
MAX_HIDDEN_LAYERS = 3
MAX_UNITS = 10


def superscript(number: int) -> str:
    """A layer number as the tutorials write it on a symbol: 2 → "²" (as in W²)."""
    return str(number).translate(_SUPERSCRIPTS)


def too_big_to_draw(sizes: tuple[int, ...] | list[int]) -> str:
    """Empty when the compute graph of a network of ``sizes`` is drawn in full; else the
    sentence that says why not."""
    hidden = list(sizes[1:-1])
    widest = max(sizes, default=0)
    if len(hidden) <= MAX_HIDDEN_LAYERS and widest <= MAX_UNITS:
        return ""
    return (f"The compute graph is drawn for networks of up to {MAX_HIDDEN_LAYERS} hidden "
            f"layers of up to {MAX_UNITS} units; this one ({' → '.join(map(str, sizes))}) "
            f"is bigger. Try hidden layers such as 3 or 4,4.")


def mistake_cannot_show(mistake: str, sizes: tuple[int, ...] | list[int], activation: str,
                        batch: int) -> str:
    """Empty when ``mistake`` changes some gradient of this network and batch size; else the
    sentence that says why it cannot (the check would pass, and teach nothing)."""
    if mistake not in MISTAKES:
        raise ValueError(f"unknown mistake {mistake!r}; known: {', '.join(MISTAKES)}")
    if mistake == "no_activation_derivative":
        if len(sizes) < 3:
            return ("mistake=no_activation_derivative drops f'(Z) of a hidden layer, and this "
                    "network has none: add a hidden layer")
        if activation == "linear":
            return ("mistake=no_activation_derivative changes nothing with activation=linear, "
                    "whose f'(Z) is 1: choose sigmoid, tanh or relu")
    if mistake == "forgot_transpose" and not any(
            fan_in > 1 and fan_out > 1 for fan_in, fan_out in itertools.pairwise(sizes)):
        return ("mistake=forgot_transpose changes nothing when every weight matrix is one row "
                "or one column (a transposed vector reshaped is the same vector): use a layer "
                "of 2 or more units fed by 2 or more inputs")
    if mistake == "sum_instead_of_mean" and batch < 2:
        return ("mistake=sum_instead_of_mean changes nothing on a batch of one example (its "
                "sum is its mean): choose a batch of 2 or more")
    return ""


@dataclass(frozen=True)
class ChainRule:
    """One forward and backward pass over a batch, every quantity in the tutorials' layout.

    Lists are per layer, first layer first: ``pre_activations[l − 1]`` is Z^l,
    ``activations[l]`` is A^l (``activations[0]`` is X; the last is the output, one column
    for a sigmoid output), ``weights[l − 1]`` is W^l (n_l × n_{l−1}), ``biases[l − 1]`` is
    b^l (1 × n_l). ``deltas[l − 1]`` is dZ^l; ``hidden_gradients[l − 1]`` is dA^l and
    ``derivatives[l − 1]`` f'(Z^l), for hidden layers only. ``output_gradient`` is dA^L =
    ∂ℓ/∂A^L. ``transposed_products[l − 1]`` is (1/N)·A^{l−1}ᵀ dZ^l, the product that the
    forgot-the-transpose mistake computes before reshaping it.
    """

    inputs: Array
    targets: Array
    labels: Array
    pre_activations: tuple[Array, ...]
    activations: tuple[Array, ...]
    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    example_losses: Array
    loss: float
    output_gradient: Array
    deltas: tuple[Array, ...]
    hidden_gradients: tuple[Array, ...]
    derivatives: tuple[Array, ...]
    weight_gradients: tuple[Array, ...]
    bias_gradients: tuple[Array, ...]
    transposed_products: tuple[Array, ...]
    mistake: str = "none"

    @property
    def batch(self) -> int:
        return len(self.labels)

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def mlp_gradients(self) -> list[Array]:
        """The parameter gradients in the MLP's order and layout: [W_1, b_1, …], W fan_in ×
        fan_out (the transpose of the tutorials' W), b one row."""
        gradients: list[Array] = []
        for weight, bias in zip(self.weight_gradients, self.bias_gradients, strict=True):
            gradients += [weight.T.copy(), bias[0].copy()]
        return gradients


def targets_of(model: MLP, labels: Array) -> Array:
    """Y as the output layer sees it: a 0/1 column for a sigmoid output, one-hot rows for
    softmax."""
    labels = np.asarray(labels)
    if model.output.kind == "sigmoid":
        return labels.astype(np.float64)[:, None]
    return np.eye(model.n_classes)[labels]


def output_activation(model: MLP, probabilities: Array) -> Array:
    """A^L from the MLP's class probabilities: σ(Z^L) alone for a sigmoid output (the MLP
    also lists 1 − σ as class 0's probability), all of them for softmax."""
    return probabilities[:, 1:2] if model.output.kind == "sigmoid" else probabilities


def example_losses(model: MLP, logits: Array, labels: Array) -> Array:
    """ℓ_n, each example's cross-entropy, by the output layer's own loss."""
    return np.array([model.output.loss(logits[n:n + 1], labels[n:n + 1], "sum")
                     for n in range(len(labels))])


def output_gradient(model: MLP, output: Array, targets: Array) -> Array:
    """dA^L = ∂ℓ/∂A^L: −(Y/A − (1 − Y)/(1 − A)) for BCE, −Y/A for the cross-entropy.

    A is clipped away from 0 and 1 (by 10⁻¹²) so that a saturated output shows a large
    number rather than infinity; dZ^L = A − Y does not go through this quotient.
    """
    clipped = np.clip(output, PROBABILITY_CLIP, 1.0 - PROBABILITY_CLIP)
    if model.output.kind == "sigmoid":
        return -(targets / clipped - (1.0 - targets) / (1.0 - clipped))
    return -targets / clipped


def chain_rule(model: MLP, inputs: Array, labels: Array, mistake: str = "none") -> ChainRule:
    """The forward pass of ``model`` on a batch and its backward pass written out line by line
    (module docstring), with ``mistake`` planted in it (a name of :data:`MISTAKES`)."""
    if mistake not in MISTAKES:
        raise ValueError(f"unknown mistake {mistake!r}; known: {', '.join(MISTAKES)}")
    inputs = np.asarray(inputs, dtype=model.dtype)
    labels = np.asarray(labels)
    forward = model.forward(inputs)
    n = len(labels)
    targets = targets_of(model, labels)
    pre_activations = tuple(z.copy() for z in forward.pre_activations)
    activations = (*(a.copy() for a in forward.activations[:-1]),
                   output_activation(model, forward.activations[-1]).copy())
    weights = tuple(w.T.copy() for w in model.weights)
    biases = tuple(b[None, :].copy() for b in model.biases)
    losses = example_losses(model, pre_activations[-1], labels)

    # dZ^L = A^L − Y, by the output layer's own gradient (reduction "sum": one row each)
    top = model.output.gradient(pre_activations[-1], labels, "sum")
    if mistake == "output_instead_of_error":
        top = activations[-1].copy()
    deltas: list[Array] = [top]
    hidden_gradients: list[Array] = []
    derivatives: list[Array] = []
    for layer in range(model.n_layers - 1, 0, -1):  # dZ^{l+1} known; find dZ^l
        arriving = deltas[0] @ weights[layer]  # dA^l = dZ^{l+1} W^{l+1}
        slope = model.activation.derivative(pre_activations[layer - 1], activations[layer])
        slope = np.asarray(slope, dtype=model.dtype)
        delta = arriving.copy() if mistake == "no_activation_derivative" else arriving * slope
        deltas.insert(0, delta)
        hidden_gradients.insert(0, arriving)
        derivatives.insert(0, slope)

    scale = 1.0 if mistake == "sum_instead_of_mean" else 1.0 / n
    weight_gradients, bias_gradients, transposed = [], [], []
    for layer, delta in enumerate(deltas):
        below = activations[layer]
        product = scale * (below.T @ delta)  # (n_{l−1} × n_l): A^{l−1}ᵀ dZ^l
        transposed.append(product)
        if mistake == "forgot_transpose":
            weight_gradients.append(product.reshape(weights[layer].shape))
        else:
            weight_gradients.append(scale * (delta.T @ below))
        bias_gradients.append(scale * delta.sum(axis=0, keepdims=True))

    return ChainRule(
        inputs=inputs, targets=targets, labels=labels,
        pre_activations=pre_activations, activations=activations,
        weights=weights, biases=biases,
        example_losses=losses, loss=float(losses.mean()),
        output_gradient=output_gradient(model, activations[-1], targets),
        deltas=tuple(deltas), hidden_gradients=tuple(hidden_gradients),
        derivatives=tuple(derivatives),
        weight_gradients=tuple(weight_gradients), bias_gradients=tuple(bias_gradients),
        transposed_products=tuple(transposed), mistake=mistake,
    )


def loss_after_update(model: MLP, rule: ChainRule, learning_rate: float) -> tuple[
        list[Array], float]:
    """(parameters after W ← W − η∂L/∂W, b ← b − η∂L/∂b with ``rule``'s gradients, the
    batch's mean loss with them). ``model`` is left as it was."""
    before = model.copy_params()
    after = [p - learning_rate * g for p, g in zip(before, rule.mlp_gradients(), strict=True)]
    try:
        model.set_params(after)
        loss = model.loss(rule.inputs, rule.labels)
    finally:
        model.set_params(before)
    return after, float(loss)
