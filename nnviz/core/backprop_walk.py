"""The compute graph of the MLP on a batch, and the walk through it: the view records.

A :class:`BackpropWalk` is the view record the backprop panel draws: the graph's nodes (X,
Z¹, A¹, …, L and the parameters W, b) and edges (the operations), and the steps of the walk
in order (:data:`STEP_KINDS`), each naming the node it is about and the matrices it shows as
:class:`Term` s. :mod:`nnviz.core.backprop_steps` builds it; :func:`node_states` says what
each node of the graph shows at a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

Array = np.ndarray

#: step kinds, in walk order
STEP_KINDS = ("forward", "backward", "parameters", "apply")


@dataclass(frozen=True)
class Term:
    """One matrix a step shows: its symbol, its role, its numbers, the operator that joins it
    to the term before it ("·", "⊙", "+", "=" …), and whether a planted mistake made it
    wrong."""

    symbol: str
    role: str
    values: Array
    operator: str = ""
    wrong: bool = False

    @property
    def shape_text(self) -> str:
        rows, columns = np.shape(self.values)
        return f"{rows}×{columns}"


@dataclass(frozen=True)
class WalkStep:
    """One step of the walk: its kind (:data:`STEP_KINDS`), the graph node it is about ("" for
    Apply, which is about every parameter), a title, the formula in symbols, a sentence in
    words, rows of terms, and a note (what a planted mistake did here; empty otherwise)."""

    kind: str
    node: str
    title: str
    formula: str
    words: str
    rows: tuple[tuple[Term, ...], ...]
    note: str = ""

    def terms(self) -> tuple[Term, ...]:
        return tuple(term for row in self.rows for term in row)

    def term(self, symbol: str) -> Term:
        for term in self.terms():
            if term.symbol == symbol:
                return term
        raise KeyError(f"step {self.title!r} shows no term {symbol!r}")


@dataclass(frozen=True)
class GraphNode:
    """A node of the compute graph: ``kind`` is input, target, pre_activation, activation,
    loss, weight or bias; ``layer`` 0 for X and Y, l for Z^l, A^l, W^l, b^l, L + 1 for the
    loss; ``shape`` (rows, columns) of its value."""

    name: str
    kind: str
    layer: int
    shape: tuple[int, int]


@dataclass(frozen=True)
class GraphEdge:
    """An operation: ``source`` feeds ``target`` through ``operation`` (e.g. "σ")."""

    source: str
    target: str
    operation: str


@dataclass(frozen=True)
class BackpropWalk:
    """Everything the backprop panel draws for one batch at the current parameters."""

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "backprop_walk"

    sizes: tuple[int, ...]
    activation: str
    output: str
    examples: Array
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    steps: tuple[WalkStep, ...]
    loss_before: float
    loss_after: float
    learning_rate: float
    mistake: str = "none"
    #: what the planted mistake did on this batch, or why it did nothing
    mistake_note: str = ""

    @property
    def batch(self) -> int:
        return len(self.examples)

    def index_of(self, kind: str, node: str = "") -> int:
        """The position of the first step of ``kind`` (about ``node``, when given)."""
        for index, step in enumerate(self.steps):
            if step.kind == kind and (not node or step.node == node):
                return index
        raise KeyError(f"no {kind} step {node!r}")


def node_states(walk: BackpropWalk, position: int) -> dict[str, str]:
    """What each graph node shows after the walk's first ``position + 1`` steps:
    "pending", "value" (forward done), "gradient" (its gradient computed), "updated"
    (Apply done); the node of the current step gets "current"."""
    states = dict.fromkeys((node.name for node in walk.nodes), "pending")
    for node in walk.nodes:  # the data and the parameters are there from the start
        if node.kind in ("input", "target", "weight", "bias"):
            states[node.name] = "value"
    for step in walk.steps[:position + 1]:
        if step.kind == "apply":
            for node in walk.nodes:
                if node.kind in ("weight", "bias"):
                    states[node.name] = "updated"
        elif step.kind == "forward":
            states[step.node] = "value"
        elif step.node:
            states[step.node] = "gradient"
            if step.kind == "parameters":
                states[step.node.replace("W", "b", 1)] = "gradient"
    current = walk.steps[position].node if 0 <= position < len(walk.steps) else ""
    if current:
        states[current] = "current"
    return states
