"""A multi-layer perceptron of any depth, with the backward pass written out by the chain rule.

Notation, per layer l = 1..L (inputs are layer 0):
    z_l = a_{l-1} · W_l + b_l          pre-activations, shape (n, units_l)
    a_l = f(z_l)                       activations (the output layer's f is softmax / sigmoid)
Backward, with δ_l = dLoss/dz_l:
    δ_L = p − y  (÷ n for the mean)     the fused output + cross-entropy gradient
    dW_l = a_{l-1}ᵀ · δ_l + λ·W_l       (L2 weight decay on weights, not biases)
    db_l = Σ_rows δ_l
    δ_{l-1} = (δ_l · W_lᵀ) ⊙ f'(z_{l-1})
The parameters are one flat list ``[W_1, b_1, …, W_L, b_L]`` that optimisers update in place.

How it is made fast without changing the formulas:

* All parameters live in one flat vector, laid out ``[W_1, b_1, W_2, b_2, …]``; ``params`` are
  views into it. ``W_l`` followed by ``b_l`` is the (fan_in + 1) × fan_out matrix
  ``[W_l; b_l]``, so with a column of ones appended to ``a_{l-1}`` one matrix product gives
  ``z_l = [a_{l-1}, 1]·[W_l; b_l]`` and ``[dW_l; db_l] = [a_{l-1}, 1]ᵀ·δ_l`` (the bias
  gradient is the row sum of δ_l). Gradients share the same layout, so an optimiser updates
  the whole network with a handful of array operations (see ``optimizers``).
* Inside, examples are columns: a layer's activations are stored as a units × n array, so
  tanh, exp and the other element-wise operations run along contiguous rows of n numbers
  (with examples as rows, a 10-unit layer would make NumPy loop over rows of 10).
  :class:`ForwardPass` shows the usual n × units arrays, as transposed views.
* :meth:`MLP.loss_and_gradients` (the training step) works in buffers allocated once per batch
  size and reused; its results are overwritten by its next call.
* Batches of at least :func:`nnviz.core.threads.split_min_rows` rows are cut in blocks of
  examples computed on separate Python threads (NumPy releases the GIL inside large
  operations, while each of its element-wise operations uses one core); gradients add up.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnviz.core import threads
from nnviz.core.activations import get_activation
from nnviz.core.initializers import initial_layer
from nnviz.core.losses import REDUCTIONS, OutputScratch, RegressionLoss, get_output_loss

Array = np.ndarray
#: batch sizes whose buffers are kept (training batch, evaluation sets, the view grid …)
WORKSPACES_KEPT = 6


@dataclass
class ForwardPass:
    """Everything the backward pass and the histogram views need from one forward pass.

    ``activations[0]`` is the input; ``pre_activations[l]`` and ``activations[l + 1]`` belong
    to layer l + 1. The last pre-activation is the output's (the logits) and the last
    activation the class probabilities.
    """

    pre_activations: list[Array]
    activations: list[Array]
    workspace: Any = field(default=None, repr=False, compare=False)

    @property
    def logits(self) -> Array:
        return self.pre_activations[-1]


class _Workspace:
    """The arrays of one forward and backward pass over ``n`` examples, allocated once.

    Examples are columns (units × n), so element-wise operations run over contiguous rows;
    the :class:`ForwardPass` shows the usual (n × units) views. ``augmented_t[l]`` is
    ``[a_l, 1]ᵀ``: layer l's activations with a row of ones under them, so the next layer's
    affine map is one product with ``[W; b]``.
    """

    def __init__(self, sizes: Sequence[int], n_classes: int, n: int, dtype: np.dtype) -> None:
        self.n = n
        self.augmented_t = [np.ones((units + 1, n), dtype) for units in sizes[:-1]]
        self.pre_activations_t = [np.empty((units, n), dtype) for units in sizes[1:]]
        self.deltas_t = [np.empty((units, n), dtype) for units in sizes[1:]]
        self.derivatives_t = [np.empty((units, n), dtype) for units in sizes[1:-1]]
        self.probabilities_t = np.empty((n_classes, n), dtype)
        self.output_scratch = OutputScratch.allocate(n, sizes[-1], dtype)
        #: column blocks for a split pass, by block count: [(columns, own gradient layout)]
        self.splits: dict[int, list[tuple[_Workspace, Any]]] = {}
        self._link()

    def _link(self) -> None:
        self.activations_t = [a[:-1] for a in self.augmented_t] + [self.probabilities_t]
        self.forward_pass = ForwardPass([z.T for z in self.pre_activations_t],
                                        [a.T for a in self.activations_t], self)

    def columns(self, start: int, stop: int) -> _Workspace:
        """A workspace over examples start:stop of this one's (shared memory)."""
        part = object.__new__(_Workspace)
        part.n = stop - start
        part.splits = {}
        for name in ("augmented_t", "pre_activations_t", "deltas_t", "derivatives_t"):
            setattr(part, name, [a[:, start:stop] for a in getattr(self, name)])
        part.probabilities_t = self.probabilities_t[:, start:stop]
        part.output_scratch = self.output_scratch.columns(start, stop)
        part._link()
        return part


class MLP:
    """Fully connected network: ``n_inputs → hidden_sizes… → outputs`` with one activation.

    Each layer's weights are drawn by ``init`` and then its biases by ``bias_init`` (names of
    :mod:`nnviz.core.initializers`), layer after layer from one generator seeded by ``seed``.
    """

    def __init__(
        self,
        n_inputs: int,
        hidden_sizes: Sequence[int],
        n_classes: int,
        *,
        activation: str = "tanh",
        output: str | RegressionLoss = "softmax",
        init: str = "xavier",
        bias_init: str = "zeros",
        seed: int | None = 0,
        dtype: type | str = np.float64,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.output = get_output_loss(output)
        if n_classes < 2 and not self.output.is_regression:
            raise ValueError("a classifier needs at least two classes")
        if output == "sigmoid" and n_classes != 2:
            raise ValueError("the sigmoid output is for two classes; use softmax for more")
        self.activation = get_activation(activation)
        self.n_classes = n_classes
        self.dtype = np.dtype(dtype)
        self.sizes = [n_inputs, *map(int, hidden_sizes), self.output.units(n_classes)]
        rng = rng if rng is not None else np.random.default_rng(seed)
        self.flat_params, self._blocks, self._params = self._flat_layout()
        for block, (fan_in, fan_out) in zip(self._blocks, self.layer_shapes, strict=True):
            weights, biases = initial_layer(init, fan_in, fan_out, rng, bias_init=bias_init)
            block[:fan_in] = weights
            block[fan_in] = biases
        self.flat_gradients, self._grad_blocks, self._grads = self._flat_layout()
        # weight decay acts on weights only: 1 where flat_params holds a weight, 0 for a bias
        self._weight_mask = np.zeros_like(self.flat_params)
        for mask_block, (fan_in, _) in zip(self._flat_layout(self._weight_mask)[1],
                                           self.layer_shapes, strict=True):
            mask_block[:fan_in] = 1.0
        self._decay_scratch = np.empty_like(self.flat_params)
        self._workspaces: dict[int, _Workspace] = {}
        #: mean cross-entropy per example of the last :meth:`loss_and_gradients` batch,
        #: without the penalty and whatever the reduction (what a per-step curve should show)
        self.batch_mean_loss = float("nan")

    # -- parameters -------------------------------------------------------------------------
    @property
    def layer_shapes(self) -> list[tuple[int, int]]:
        """(fan_in, fan_out) of each layer's weight matrix."""
        return list(zip(self.sizes[:-1], self.sizes[1:], strict=True))

    def _flat_layout(self, flat: Array | None = None) -> tuple[Array, list[Array], list[Array]]:
        """A flat vector, its per-layer [W; b] blocks and its [W_1, b_1, …] views."""
        total = sum((fan_in + 1) * fan_out for fan_in, fan_out in self.layer_shapes)
        flat = np.zeros(total, self.dtype) if flat is None else flat
        blocks, views, offset = [], [], 0
        for fan_in, fan_out in self.layer_shapes:
            block = flat[offset:offset + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out)
            blocks.append(block)
            views += [block[:fan_in], block[fan_in]]
            offset += block.size
        return flat, blocks, views

    @property
    def params(self) -> list[Array]:
        """``[W_1, b_1, …]``: views into :attr:`flat_params`; change them in place only."""
        return self._params

    @params.setter
    def params(self, values: Sequence[Array]) -> None:
        self.set_params(values)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def weights(self) -> list[Array]:
        return self._params[0::2]

    @property
    def biases(self) -> list[Array]:
        return self._params[1::2]

    @property
    def n_parameters(self) -> int:
        return int(self.flat_params.size)

    def copy_params(self) -> list[Array]:
        return [p.copy() for p in self._params]

    def set_params(self, params: Sequence[Array]) -> None:
        for target, source in zip(self._params, params, strict=True):
            target[...] = source

    # -- forward ----------------------------------------------------------------------------
    def _workspace(self, n: int) -> _Workspace:
        """Buffers for ``n`` rows, kept for the last few batch sizes."""
        workspace = self._workspaces.pop(n, None)
        if workspace is None:
            workspace = _Workspace(self.sizes, self.n_classes, n, self.dtype)
            while len(self._workspaces) >= WORKSPACES_KEPT:
                del self._workspaces[next(iter(self._workspaces))]
        self._workspaces[n] = workspace  # most recently used last
        return workspace

    def _check_inputs(self, inputs: Array) -> Array:
        inputs = np.asarray(inputs)
        if inputs.ndim != 2 or inputs.shape[1] != self.sizes[0]:
            raise ValueError(f"inputs must have shape (n, {self.sizes[0]}), not {inputs.shape}")
        return inputs

    def _forward_hidden(self, workspace: _Workspace, inputs: Array) -> Array:
        """z_l = [a_{l-1}, 1]·[W_l; b_l] and a_l = f(z_l) for every layer; returns the logits.

        (As columns: z_lᵀ = [W_l; b_l]ᵀ·[a_{l-1}, 1]ᵀ.)
        """
        np.copyto(workspace.activations_t[0], inputs.T)
        last = self.n_layers - 1
        for layer, block in enumerate(self._blocks):
            z_t = np.matmul(block.T, workspace.augmented_t[layer],
                            out=workspace.pre_activations_t[layer])
            if layer < last:
                self.activation.forward(z_t, out=workspace.activations_t[layer + 1])
        return workspace.pre_activations_t[-1]

    def forward(self, inputs: Array) -> ForwardPass:
        """Every layer's pre-activations and activations, in newly allocated arrays."""
        inputs = self._check_inputs(inputs)
        workspace = _Workspace(self.sizes, self.n_classes, len(inputs), self.dtype)
        logits_t = self._forward_hidden(workspace, inputs)
        self.output.probabilities_columns(logits_t, workspace.probabilities_t,
                                          workspace.output_scratch)
        return workspace.forward_pass

    def predict_proba(self, inputs: Array) -> Array:
        """Class probabilities, one column per class (a new array; buffers are reused)."""
        inputs = self._check_inputs(inputs)
        workspace = self._workspace(len(inputs))
        logits_t = self._forward_hidden(workspace, inputs)
        probabilities_t = self.output.probabilities_columns(
            logits_t, workspace.probabilities_t, workspace.output_scratch)
        return probabilities_t.T.copy()

    # -- loss -------------------------------------------------------------------------------
    def loss(
        self,
        inputs: Array,
        labels: Array,
        *,
        weight_decay: float = 0.0,
        reduction: str = "mean",
        forward: ForwardPass | None = None,
    ) -> float:
        """Cross-entropy plus (λ/2)·Σ‖W‖² (the penalty whose gradient is λ·W).

        Without ``forward`` the pass runs in the reused buffers for this many rows, as
        ``predict_proba`` does: a loss over 100,000 points (the race measures one after every
        update) then allocates nothing.
        """
        if forward is None:
            inputs = self._check_inputs(inputs)
            logits = self._forward_hidden(self._workspace(len(inputs)), inputs).T
        else:
            logits = forward.logits
        data_loss = self.output.loss(logits, labels, reduction)
        return data_loss + self.penalty(weight_decay)

    def penalty(self, weight_decay: float) -> float:
        if not weight_decay:
            return 0.0
        return 0.5 * weight_decay * float(sum(np.vdot(w, w) for w in self.weights))

    # -- backward ---------------------------------------------------------------------------
    def _backward(self, workspace: _Workspace, grad_blocks: Sequence[Array]) -> None:
        """[dW_l; db_l] = [a_{l-1}, 1]ᵀ·δ_l and δ_{l-1} = (δ_l·W_lᵀ) ⊙ f'(z_{l-1}), l = L…1.

        Expects ``workspace.deltas_t[-1]`` to hold δ_Lᵀ (already ÷ n for the mean).
        """
        for layer in range(self.n_layers - 1, -1, -1):
            delta_t = workspace.deltas_t[layer]
            np.matmul(workspace.augmented_t[layer], delta_t.T, out=grad_blocks[layer])
            if layer:
                previous_t = workspace.deltas_t[layer - 1]
                np.matmul(self._params[2 * layer], delta_t, out=previous_t)
                previous_t *= self.activation.derivative(
                    workspace.pre_activations_t[layer - 1], workspace.activations_t[layer],
                    out=workspace.derivatives_t[layer - 1],
                )

    def _add_weight_decay(self, flat_gradients: Array, weight_decay: float) -> float:
        """Add λ·W to the weights' gradients; returns the penalty (λ/2)·Σ‖W‖²."""
        if not weight_decay:
            return 0.0
        weights_only = np.multiply(self.flat_params, self._weight_mask, out=self._decay_scratch)
        penalty = 0.5 * weight_decay * float(np.dot(weights_only, weights_only))
        weights_only *= weight_decay
        flat_gradients += weights_only
        return penalty

    def gradients(
        self,
        forward: ForwardPass,
        labels: Array,
        *,
        weight_decay: float = 0.0,
        reduction: str = "mean",
    ) -> list[Array]:
        """dLoss/dparams in the order of :attr:`params`, by the chain rule (module docstring).

        ``forward`` must come from :meth:`forward` on the current parameters; the gradients
        are new arrays (views of one new flat vector laid out as :attr:`flat_params`).
        """
        if reduction not in REDUCTIONS:
            raise ValueError(f"unknown loss reduction {reduction!r}; known: mean, sum")
        labels = np.asarray(labels)
        workspace = forward.workspace
        if workspace is None:  # a ForwardPass put together by hand: recompute its buffers
            workspace = self.forward(forward.activations[0]).workspace
        self.output.fused(workspace.pre_activations_t[-1], labels, workspace.probabilities_t,
                          workspace.deltas_t[-1], workspace.output_scratch)
        if reduction == "mean":
            workspace.deltas_t[-1] *= 1.0 / len(labels)
        flat, blocks, views = self._flat_layout()
        self._backward(workspace, blocks)
        self._add_weight_decay(flat, weight_decay)
        return views

    def loss_and_gradients(
        self,
        inputs: Array,
        labels: Array,
        *,
        weight_decay: float = 0.0,
        reduction: str = "mean",
    ) -> tuple[float, list[Array], ForwardPass]:
        """The training step's forward and backward pass: (loss, gradients, forward pass).

        The loss is the objective the gradients belong to: the cross-entropy of the batch
        (summed or mean, as ``reduction`` says) plus (λ/2)·Σ‖W‖². Its data part as a mean per
        example is kept in :attr:`batch_mean_loss`. The gradients are views of
        :attr:`flat_gradients` and the forward pass lives in reused buffers: both are
        overwritten by the next call (copy what you keep).
        """
        if reduction not in REDUCTIONS:
            raise ValueError(f"unknown loss reduction {reduction!r}; known: mean, sum")
        inputs, labels = self._check_inputs(inputs), np.asarray(labels)
        n = len(inputs)
        if len(labels) != n:
            raise ValueError(f"{n} inputs but {len(labels)} labels")
        workspace = self._workspace(n)
        scale = 1.0 / n if reduction == "mean" else 1.0
        parts = threads.split_count(n)
        if parts > 1:
            total = self._split_pass(workspace, inputs, labels, parts, scale)
        else:
            total = self._loss_pass(workspace, inputs, labels, self._grad_blocks, scale)
        penalty = self._add_weight_decay(self.flat_gradients, weight_decay)
        self.batch_mean_loss = total / n
        return total * scale + penalty, self._grads, workspace.forward_pass

    def _loss_pass(self, workspace: _Workspace, inputs: Array, labels: Array,
                   grad_blocks: Sequence[Array], scale: float) -> float:
        """Forward, summed loss and the gradients of ``scale`` × summed loss of a block.

        (Scaling δ_L by 1/n for the mean scales every gradient, at the cost of n·k numbers.)
        """
        logits_t = self._forward_hidden(workspace, inputs)
        total = self.output.fused(logits_t, labels, workspace.probabilities_t,
                                  workspace.deltas_t[-1], workspace.output_scratch)
        if scale != 1.0:
            workspace.deltas_t[-1] *= scale
        self._backward(workspace, grad_blocks)
        return total

    def _split_pass(self, workspace: _Workspace, inputs: Array, labels: Array,
                    parts: int, scale: float) -> float:
        """:meth:`_loss_pass` on ``parts`` blocks of examples at once, one thread each.

        The first block writes its gradients into :attr:`flat_gradients`, the others into
        their own flat vectors, added in afterwards.
        """
        bounds = [len(inputs) * part // parts for part in range(parts + 1)]
        split = workspace.splits.get(parts)
        if split is None:
            split = workspace.splits[parts] = [
                (workspace.columns(start, stop), self._flat_layout() if start else None)
                for start, stop in itertools.pairwise(bounds)
            ]
        totals = [0.0] * parts
        errors: list[BaseException] = []

        def run(part: int) -> None:
            start, stop = bounds[part], bounds[part + 1]
            columns, own = split[part]
            blocks = self._grad_blocks if own is None else own[1]
            try:
                totals[part] = self._loss_pass(columns, inputs[start:stop], labels[start:stop],
                                               blocks, scale)
            except BaseException as error:  # re-raised on the calling thread
                errors.append(error)

        helpers = [threading.Thread(target=run, args=(part,), name="nnviz-mlp-split")
                   for part in range(1, parts)]
        with threads.single_threaded_blas():
            for helper in helpers:
                helper.start()
            run(0)
            for helper in helpers:
                helper.join()
        if errors:
            raise errors[0]
        for _, own in split[1:]:
            self.flat_gradients += own[0]
        return float(sum(totals))
