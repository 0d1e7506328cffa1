"""Building the walk through the compute graph, step by step, in the tutorials' words.

The steps, in order:

* **forward**, node by node: X, then Z^l and A^l for every layer, then the loss L;
* **backward**, node by node: dA^L, dZ^L, then dA^{l−1} and dZ^{l−1} down to dZ¹: the
  gradient arriving at the node, the local derivative it is multiplied by, the result;
* **parameters**, layer by layer from the top: ∂L/∂W^l and ∂L/∂b^l;
* **apply**: W ← W − η∂L/∂W and b ← b − η∂L/∂b, with the batch's loss before and after.

The numbers are :func:`nnviz.core.backprop.chain_rule`'s (the MLP's own forward pass); the
formulas name the terms as the tutorials do. A planted mistake is drawn where it happens:
the term it makes wrong is flagged, and the step says what was planted.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.backprop import (
    ChainRule,
    chain_rule,
    loss_after_update,
    superscript,
    too_big_to_draw,
)
from nnviz.core.backprop_walk import BackpropWalk, GraphEdge, GraphNode, Term, WalkStep
from nnviz.core.mlp import MLP

Array = np.ndarray

#: per hidden activation: (its name in a formula, f'(Z) in symbols of A and Z, in words)
ACTIVATION_TEXT = {
    "sigmoid": ("σ", "A{l}(1 − A{l})", "the sigmoid's slope σ'(Z) = A(1 − A)"),
    "tanh": ("tanh", "1 − (A{l})²", "tanh's slope 1 − A²"),
    "relu": ("relu", "[Z{l} > 0]", "relu's slope: 1 where Z > 0, else 0"),
    "leaky_relu": ("leaky relu", "(1 if Z{l} > 0 else 0.01)",
                   "leaky relu's slope: 1 where Z > 0, else 0.01"),
    "linear": ("identity", "1", "the identity's slope, 1"),
}

#: what the d-names are, said once on every backward step
D_NAMES = ("dZ, dA: gradients of the batch's summed loss Σℓ, one row per example "
           "(∂L/∂Z = dZ/N for the mean L)")


def layer_names(layer: int) -> dict[str, str]:
    """Symbols of layer ``layer``: {"Z": "Z²", "A": "A²", "W": "W²", "b": "b²",
    "A_below": "A¹" (X for the first layer)}."""
    mark = superscript(layer)
    below = "X" if layer == 1 else f"A{superscript(layer - 1)}"
    return {"Z": f"Z{mark}", "A": f"A{mark}", "W": f"W{mark}", "b": f"b{mark}",
            "A_below": below}


def make_walk(model: MLP, inputs: Array, labels: Array, *, learning_rate: float,
              mistake: str = "none", examples: Array | None = None) -> BackpropWalk:
    """The walk for ``model`` on one batch, with ``mistake`` planted in the backward pass.

    ``examples`` are the batch's indices in the training set (for the panel's caption).
    Raises ValueError with a sentence for a network too big to draw.
    """
    refusal = too_big_to_draw(model.sizes)
    if refusal:
        raise ValueError(refusal)
    right = chain_rule(model, inputs, labels)
    used = right if mistake == "none" else chain_rule(model, inputs, labels, mistake)
    _, loss_after = loss_after_update(model, used, learning_rate)
    mistake_note = _mistake_note(used, right)
    steps = (*_forward_steps(model, used), *_backward_steps(model, used, right),
             *_parameter_steps(used, right),
             _apply_step(used, right, learning_rate, loss_after, mistake_note))
    nodes, edges = _graph(model, used)
    examples = np.arange(len(labels)) if examples is None else np.asarray(examples)
    return BackpropWalk(
        sizes=tuple(model.sizes), activation=model.activation.name, output=model.output.kind,
        examples=examples, nodes=nodes, edges=edges, steps=steps,
        loss_before=used.loss, loss_after=loss_after, learning_rate=learning_rate,
        mistake=mistake, mistake_note=mistake_note,
    )


def _differs(a: Array, b: Array) -> bool:
    """Whether a planted mistake changed a matrix (shapes, or values beyond rounding)."""
    return np.shape(a) != np.shape(b) or not np.allclose(a, b, rtol=1e-12, atol=1e-15)


def _mistake_note(used: ChainRule, right: ChainRule) -> str:
    if used.mistake == "none":
        return ""
    changed = [name for name, a, b in _named_gradients(used, right) if _differs(a, b)]
    if not changed:
        return (f"Planted mistake {used.mistake}: on this batch it changes no gradient "
                f"(the check cannot see it here).")
    return f"Planted mistake {used.mistake}: it makes {', '.join(changed)} wrong."


def _named_gradients(used: ChainRule, right: ChainRule):
    for layer in range(used.n_layers):
        names = layer_names(layer + 1)
        yield (f"∂L/∂{names['W']}", used.weight_gradients[layer],
               right.weight_gradients[layer])
        yield (f"∂L/∂{names['b']}", used.bias_gradients[layer], right.bias_gradients[layer])


def _output_name(model: MLP) -> str:
    return "σ" if model.output.kind == "sigmoid" else "softmax"


def _forward_steps(model: MLP, rule: ChainRule) -> list[WalkStep]:
    n, features = rule.inputs.shape
    target_words = ("Y, 1 for class 1 and 0 for class 0" if model.output.kind == "sigmoid"
                    else "Y, one-hot: a 1 in the column of each example's class")
    steps = [WalkStep(
        "forward", "X", "Forward · X, the input",
        f"A⁰ = X   ({n} × {features}: examples × features)",
        f"The batch: {_examples(n)} (rows) of {features} feature"
        f"{'s' if features != 1 else ''} each (columns), with their targets {target_words}.",
        ((Term("X", "input", rule.inputs), Term("Y", "target", rule.targets, "with")),),
    )]
    for layer in range(1, rule.n_layers + 1):
        names = layer_names(layer)
        below = rule.activations[layer - 1]
        z, a = rule.pre_activations[layer - 1], rule.activations[layer]
        fan_out = z.shape[1]
        steps.append(WalkStep(
            "forward", names["Z"], f"Forward · {names['Z']}",
            f"{names['Z']} = {names['A_below']} {names['W']}ᵀ + {names['b']}",
            f"Each unit of layer {layer} weighs its inputs and adds its bias: row n is "
            f"example n, column j unit j. Shapes: ({n}×{below.shape[1]})·"
            f"({below.shape[1]}×{fan_out}) + (1×{fan_out}) → {n}×{fan_out}.",
            ((Term(names["A_below"], "input" if layer == 1 else "activation", below),
              Term(f"{names['W']}ᵀ", "weights, transposed", rule.weights[layer - 1].T, "·"),
              Term(names["b"], "biases", rule.biases[layer - 1], "+"),
              Term(names["Z"], "pre-activation", z, "=")),),
        ))
        function = (ACTIVATION_TEXT[model.activation.name][0] if layer < rule.n_layers
                    else _output_name(model))
        if layer < rule.n_layers:
            formula = f"{names['A']} = {function}({names['Z']})"
            words = (f"The hidden activation {function}, entry by entry: "
                     f"{names['A']} has the shape of {names['Z']}, {n}×{fan_out}.")
        elif model.output.kind == "sigmoid":
            formula = f"{names['A']} = σ({names['Z']}) = 1 / (1 + e^(−{names['Z']}))"
            words = (f"The output: {names['A']} is each example's probability of class 1.")
        else:
            formula = f"{names['A']} = softmax({names['Z']}) = e^{names['Z']} / Σₖ e^{names['Z']}ₖ"
            words = (f"The output: each row of {names['A']} holds one example's class "
                     f"probabilities, and sums to 1.")
        steps.append(WalkStep(
            "forward", names["A"], f"Forward · {names['A']}", formula, words,
            ((Term(names["Z"], "pre-activation", z),
              Term(names["A"], "activation" if layer < rule.n_layers else "output", a,
                   f"{function} →")),),
        ))
    top = layer_names(rule.n_layers)["A"]
    if model.output.kind == "sigmoid":
        formula = f"L = −(1/N) Σₙ [Y log {top} + (1 − Y) log(1 − {top})]"
        what = "binary cross-entropy"
    else:
        formula = f"L = −(1/N) Σₙ Σₖ Yₙₖ log {top}ₙₖ"
        what = "cross-entropy"
    steps.append(WalkStep(
        "forward", "L", "Forward · L, the loss", formula,
        f"Each example's {what} ℓ (one row each), averaged over the batch: L = {rule.loss:.4g}.",
        ((Term(top, "output", rule.activations[-1]), Term("Y", "target", rule.targets, "with"),
          Term("ℓ", "loss per example", rule.example_losses[:, None], "→"),
          Term("L", "mean loss", np.array([[rule.loss]]), "mean →")),),
    ))
    return steps


def _backward_steps(model: MLP, used: ChainRule, right: ChainRule) -> list[WalkStep]:
    last = used.n_layers
    top = layer_names(last)
    a, y = used.activations[-1], used.targets
    out = top["A"]
    if model.output.kind == "sigmoid":
        arriving_formula = f"d{out} = ∂ℓ/∂{out} = −(Y/{out} − (1 − Y)/(1 − {out}))"
    else:
        arriving_formula = f"d{out} = ∂ℓ/∂{out} = −Y / {out}"
    steps = [WalkStep(
        "backward", top["A"], f"Backward · d{top['A']}", arriving_formula,
        f"The gradient arriving at {top['A']} from the loss. {D_NAMES}.",
        ((Term(top["A"], "output", a), Term("Y", "target", y, "with"),
          Term(f"d{top['A']}", "result", used.output_gradient, "→")),),
    )]
    steps.append(_output_delta_step(model, used, right))
    for layer in range(last - 1, 0, -1):
        steps += _hidden_steps(model, used, right, layer)
    return steps


def _output_delta_step(model: MLP, used: ChainRule, right: ChainRule) -> WalkStep:
    top = layer_names(used.n_layers)
    a, z_name, a_name = used.activations[-1], top["Z"], top["A"]
    wrong = _differs(used.deltas[-1], right.deltas[-1])
    if model.output.kind == "sigmoid":
        local = Term(f"{a_name}(1 − {a_name})", "local derivative σ'", a * (1.0 - a), "⊙")
        formula = f"d{z_name} = d{a_name} ⊙ {a_name}(1 − {a_name}) = {a_name} − Y"
        words = (f"The sigmoid's slope at {z_name} turns the gradient at {a_name} into the "
                 f"gradient at {z_name}; with the cross-entropy the product is simply "
                 f"{a_name} − Y, the error.")
    else:
        local = Term(a_name, "local derivative: softmax's Jacobian diag(A) − AAᵀ", a, "with")
        formula = f"d{z_name} = {a_name} ⊙ (d{a_name} − Σₖ {a_name}ₖ d{a_name}ₖ) = {a_name} − Y"
        words = (f"Softmax mixes the classes, so each row of d{a_name} is multiplied by the "
                 f"softmax's Jacobian; with the cross-entropy the product is simply "
                 f"{a_name} − Y, the error. Each row sums to 0.")
    note = ""
    if used.mistake == "output_instead_of_error":
        note = (f"Planted mistake: d{z_name} = {a_name}, the output, where it should be "
                f"{a_name} − Y.")
    return WalkStep(
        "backward", z_name, f"Backward · d{z_name}", formula, words,
        ((Term(f"d{a_name}", "arriving", used.output_gradient), local,
          Term(f"d{z_name}", "result", used.deltas[-1], "=", wrong)),),
        note,
    )


def _hidden_steps(model: MLP, used: ChainRule, right: ChainRule, layer: int
                  ) -> list[WalkStep]:
    """dA^layer = dZ^{layer+1} W^{layer+1}, then dZ^layer = dA^layer ⊙ f'(Z^layer)."""
    here, above = layer_names(layer), layer_names(layer + 1)
    arriving = used.deltas[layer]
    d_a = used.hidden_gradients[layer - 1]
    n, fan_out = arriving.shape
    units = d_a.shape[1]
    upstream_wrong = _differs(arriving, right.deltas[layer])
    steps = [WalkStep(
        "backward", here["A"], f"Backward · d{here['A']}",
        f"d{here['A']} = d{above['Z']} {above['W']}",
        f"Each unit of layer {layer} collects the gradients of the units it feeds, weighted by "
        f"the weights it feeds them through: ({n}×{fan_out})·({fan_out}×{units}) → "
        f"{n}×{units}. {D_NAMES}.",
        ((Term(f"d{above['Z']}", "arriving", arriving, "", upstream_wrong),
          Term(above["W"], f"local derivative ∂{above['Z']}/∂{here['A']}",
               used.weights[layer], "·"),
          Term(f"d{here['A']}", "result", d_a, "=",
               _differs(d_a, right.hidden_gradients[layer - 1]))),),
    )]
    function, slope_formula, slope_words = ACTIVATION_TEXT[model.activation.name]
    slope_symbol = slope_formula.format(l=superscript(layer))
    delta = used.deltas[layer - 1]
    note = ""
    if used.mistake == "no_activation_derivative":
        note = (f"Planted mistake: the activation's derivative is dropped: d{here['Z']} = "
                f"d{here['A']}.")
    steps.append(WalkStep(
        "backward", here["Z"], f"Backward · d{here['Z']}",
        f"d{here['Z']} = d{here['A']} ⊙ {function}'({here['Z']}) = d{here['A']} ⊙ "
        f"{slope_symbol}",
        f"The gradient at {here['A']} times {slope_words}, entry by entry: a unit whose "
        f"slope is near 0 passes almost nothing back.",
        ((Term(f"d{here['A']}", "arriving", d_a, "",
               _differs(d_a, right.hidden_gradients[layer - 1])),
          Term(f"{function}'({here['Z']})", "local derivative",
               used.derivatives[layer - 1], "⊙"),
          Term(f"d{here['Z']}", "result", delta, "=",
               _differs(delta, right.deltas[layer - 1]))),),
        note,
    ))
    return steps


def _parameter_steps(used: ChainRule, right: ChainRule) -> list[WalkStep]:
    steps = []
    n = used.batch
    averaged = used.mistake != "sum_instead_of_mean"
    mean, divide = ("(1/N) ", " ÷N") if averaged else ("", "")
    for layer in range(used.n_layers, 0, -1):
        names = layer_names(layer)
        delta, below = used.deltas[layer - 1], used.activations[layer - 1]
        w_grad, b_grad = used.weight_gradients[layer - 1], used.bias_gradients[layer - 1]
        w_wrong = _differs(w_grad, right.weight_gradients[layer - 1])
        b_wrong = _differs(b_grad, right.bias_gradients[layer - 1])
        shape = f"{w_grad.shape[0]}×{w_grad.shape[1]}"
        notes = []
        if used.mistake == "forgot_transpose":
            product = used.transposed_products[layer - 1]
            product_shape = f"{product.shape[0]}×{product.shape[1]}"
            first = (Term(f"{names['A_below']}ᵀ", "activation below, transposed", below.T),
                     Term(f"d{names['Z']}", "arriving", delta, "·"),
                     Term(f"{names['A_below']}ᵀd{names['Z']}", f"{product_shape}, not {shape}",
                          product, f"{divide} =".strip(), w_wrong),
                     Term(f"∂L/∂{names['W']}", "reshaped to fit", w_grad, "→", w_wrong))
            notes.append(f"Planted mistake: the transpose is forgotten: "
                         f"{names['A_below']}ᵀd{names['Z']} is {product_shape} where "
                         f"{names['W']} is {shape}; reshaped to fit, its entries land in the "
                         f"wrong places.")
            formula = f"∂L/∂{names['W']} = {mean}{names['A_below']}ᵀ d{names['Z']}, reshaped"
        else:
            first = (Term(f"d{names['Z']}ᵀ", "arriving, transposed", delta.T),
                     Term(names["A_below"], f"local derivative ∂{names['Z']}/∂{names['W']}",
                          below, "·"),
                     Term(f"∂L/∂{names['W']}", "result", w_grad, f"{divide} =".strip(),
                          w_wrong))
            formula = f"∂L/∂{names['W']} = {mean}d{names['Z']}ᵀ {names['A_below']}"
        if not averaged:
            notes.append(f"Planted mistake: summed over the batch, not averaged: N = {n} times "
                         f"too large.")
        second = (Term(f"d{names['Z']}", "arriving", delta),
                  Term(f"∂L/∂{names['b']}", "result", b_grad, f"Σₙ{divide} =", b_wrong))
        steps.append(WalkStep(
            "parameters", names["W"],
            f"Parameter gradients · ∂L/∂{names['W']}, ∂L/∂{names['b']}",
            f"{formula}    ∂L/∂{names['b']} = {mean}Σₙ d{names['Z']}ₙ",
            f"Each weight's gradient sums, over the examples, the gradient at its unit times "
            f"the input it multiplies. Shape check: ∂L/∂{names['W']} must be {shape} like "
            f"{names['W']}, and ∂L/∂{names['b']} 1×{b_grad.shape[1]} like {names['b']}.",
            (first, second), " ".join(notes),
        ))
    return steps


def _apply_step(used: ChainRule, right: ChainRule, learning_rate: float, loss_after: float,
                mistake_note: str) -> WalkStep:
    """The update of every layer ([W b] before, the step, after) and the batch's new loss;
    its note says what a planted mistake did, and why the loss rose if it did."""
    rows = []
    wrong_gradients = False
    for layer in range(1, used.n_layers + 1):
        names = layer_names(layer)
        before = np.hstack([used.weights[layer - 1], used.biases[layer - 1].T])
        gradient = np.hstack([used.weight_gradients[layer - 1],
                              used.bias_gradients[layer - 1].T])
        wrong = _differs(gradient, np.hstack([right.weight_gradients[layer - 1],
                                               right.bias_gradients[layer - 1].T]))
        wrong_gradients |= wrong
        pair = f"[{names['W']} {names['b']}]"
        rows.append((
            Term(pair, "before", before),
            Term(f"η·∂L/∂{pair}", "step", learning_rate * gradient, "−", wrong),
            Term(f"{pair} new", "after", before - learning_rate * gradient, "=", wrong),
        ))
    change = loss_after - used.loss
    trend = "down" if change < 0 else "up" if change > 0 else "unchanged"
    notes = [mistake_note] if mistake_note else []
    if change > 0:
        notes.append("The loss went up: " + (
            "the wrong gradients sent the parameters the wrong way." if wrong_gradients
            else "the step overshot; try a smaller learning rate."))
    return WalkStep(
        "apply", "", "Apply · W ← W − η ∂L/∂W",
        f"W ← W − η ∂L/∂W,  b ← b − η ∂L/∂b   (η = {learning_rate:g})",
        f"Loss on this batch: {used.loss:.4g} before, {loss_after:.4g} after the update "
        f"({trend} by {abs(change):.3g}). Each row: layer l's weights with its biases as the "
        f"last column.",
        tuple(rows), " ".join(notes),
    )


def _examples(n: int) -> str:
    return "one example" if n == 1 else f"{n} examples"


def _graph(model: MLP, rule: ChainRule) -> tuple[tuple[GraphNode, ...], tuple[GraphEdge, ...]]:
    n = rule.batch
    sizes = model.sizes
    nodes = [GraphNode("X", "input", 0, (n, sizes[0])),
             GraphNode("Y", "target", 0, rule.targets.shape)]
    edges = []
    hidden_name = ACTIVATION_TEXT[model.activation.name][0]
    for layer in range(1, rule.n_layers + 1):
        names = layer_names(layer)
        width = rule.pre_activations[layer - 1].shape[1]
        fan_in = rule.activations[layer - 1].shape[1]
        nodes += [GraphNode(names["W"], "weight", layer, (width, fan_in)),
                  GraphNode(names["b"], "bias", layer, (1, width)),
                  GraphNode(names["Z"], "pre_activation", layer, (n, width)),
                  GraphNode(names["A"], "activation", layer, (n, width))]
        edges += [GraphEdge(names["A_below"], names["Z"], "·Wᵀ+b"),
                  GraphEdge(names["W"], names["Z"], ""),
                  GraphEdge(names["b"], names["Z"], ""),
                  GraphEdge(names["Z"], names["A"],
                            hidden_name if layer < rule.n_layers else _output_name(model))]
    top = layer_names(rule.n_layers)["A"]
    nodes.append(GraphNode("L", "loss", rule.n_layers + 1, (1, 1)))
    edges += [GraphEdge(top, "L", "BCE" if model.output.kind == "sigmoid" else "CE"),
              GraphEdge("Y", "L", "")]
    return tuple(nodes), tuple(edges)
