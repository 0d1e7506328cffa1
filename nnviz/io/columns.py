"""What the columns of nnviz's CSV tables mean, in words the JSON sidecar records.

A reader who opens ``moons-300-decision-boundary-probability-field.csv`` next month should not
have to guess what ``p_class1`` is. Every exported CSV file gets an entry in its sidecar
(:func:`describe_table`) with a sentence on the table and one per column. The sentences come
from the panel when it knows better (``Panel.csv_notes()``, a :class:`TableNotes` per table),
else from :data:`COLUMN_RULES`: one shared vocabulary, so ``step`` means the same in every file.

A rule is (table pattern, column pattern, meaning): the first rule whose patterns match the
whole table and column name wins, and the meaning may quote the column's named groups
(``{k}`` in ``p_class(?P<k>\\d+)``). A column no rule knows is described as such, and a test
fails for it, so a new column arrives with its words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: what :func:`describe_column` says of a column no rule knows
UNDESCRIBED = "(no description: this column is missing from nnviz.io.columns)"

ANY = r".*"

#: (table name pattern, column name pattern, meaning); first match wins
COLUMN_RULES: tuple[tuple[str, str, str], ...] = (
    # training curves, shared by the loss panel and the layer figures
    (ANY, r"step", "training step: parameter updates made so far"),
    (r"(pinned\d+_)?loss", r"loss", "batch loss: mean per example over the batch of one "
                                    "update, before it, without the weight-decay penalty"),
    (r"loss_curves", r"loss", "the racer's training loss after its updates so far"),
    (r"loss_surface", r"loss", "training loss with the weights at this (x, y)"),
    (ANY, r"loss", "loss: mean per example, without the weight-decay penalty"),
    (ANY, r"(?P<split>train|test|validation)_loss",
     "{split} loss: mean per example over the {split} set, without the weight-decay penalty"),
    (ANY, r"(?P<split>train|test|validation)_accuracy",
     "{split} accuracy: share of the {split} set classified correctly (0 to 1)"),
    (ANY, r"(?P<split>train|test)_mse",
     "{split} mean squared error: mean of (prediction − target)² over the {split} set"),
    (ANY, r"(?P<split>train|test)_r2",
     "{split} R²: 1 − squared error / the targets' variance over the {split} set (1 a "
     "perfect fit, 0 no better than their mean)"),
    (ANY, r"baseline_accuracy",
     "accuracy of the average-digit baseline (nearest class mean) on the test set (0 to 1)"),
    # a 2-D input plane and its points
    (ANY, r"x1", "first input feature (the horizontal axis)"),
    (ANY, r"x2", "second input feature (the vertical axis)"),
    (ANY, r"split", "which set the point belongs to: train or test"),
    (ANY, r"class_name", "the point's class as the data file names it"),
    (ANY, r"p_class(?P<k>\d+)", "the model's probability of class {k} at this point (0 to 1)"),
    (r"boundary_grid", r"x", "grid point's coordinate along the horizontal PCA axis"),
    (r"boundary_grid", r"y", "grid point's coordinate along the vertical PCA axis"),
    (r"boundary_grid", r"p(?P<k>\d+)",
     "the new layer's probability of class {k} at this grid point (0 to 1)"),
    # projections (PCA)
    (r"points", r"label", "the point's label: its word, or its class name"),
    (r"points", r"group", "index of the point's group (its colour in the figure)"),
    (r"points", r"group_name", "name of the point's group, as the legend shows it"),
    (r"points", r"x", "coordinate along the horizontal axis (a principal component)"),
    (r"points", r"y", "coordinate along the vertical axis (a principal component)"),
    (r"arrows", r"from", "the word the arrow starts at (e.g. a country)"),
    (r"arrows", r"to", "the word the arrow points to (e.g. its capital)"),
    (r"arrows", r"dx", "the arrow's horizontal extent in the projection"),
    (r"arrows", r"dy", "the arrow's vertical extent in the projection"),
    # classifier figures
    (ANY, r"label", "the point's true class index"),
    (ANY, r"index", "the example's index in its dataset"),
    (ANY, r"true", "the example's true class"),
    (ANY, r"predicted", "the class the model gives the highest score"),
    (ANY, r"score_(?P<name>.+)", "the model's probability that the example is {name}"),
    (r"confusion_matrix", r"true \\ predicted", "the true class of the row's examples"),
    (r"confusion_matrix", r"(?P<name>.+)", "test examples of the row's class predicted as {name}"),
    (ANY, r"unit", "the unit (or class) whose weights the row holds"),
    (ANY, r"r(?P<r>\d+)c(?P<c>\d+)", "weight from the input pixel in row {r}, column {c}"),
    # network weights
    (ANY, r"layer", "layer number, counted from the input"),
    (ANY, r"from_unit", "unit of the layer below that the weight leaves"),
    (ANY, r"to_unit", "unit of the layer that the weight enters"),
    (ANY, r"weight", "the weight's value"),
    # histograms and layer health
    (ANY, r"bin_low", "lower edge of the histogram bin"),
    (ANY, r"bin_high", "upper edge of the histogram bin"),
    (ANY, r"count", "how many values fall into the bin"),
    (ANY, r"count_(?P<name>.+)", "how many pre-activations under initialiser {name} fall into "
                                 "the bin"),
    (ANY, r"p(?P<q>\d+(\.\d+)?)", "the {q}th percentile of the values at this step"),
    (ANY, r"saturated_fraction", "share of the layer's units saturated on the sample (0 to 1)"),
    (ANY, r"dead_fraction", "share of the layer's units silent on every example (0 to 1)"),
    (r"gradient_norms", r"(?P<name>.+)", "norm of dLoss/dW of layer {name}'s weights"),
    # the initialisation experiment
    (ANY, r"initialiser", "the weight initialiser"),
    (ANY, r"units", "how many units the statistics are taken over"),
    (ANY, r"z_std", "measured standard deviation of the pre-activations z"),
    (ANY, r"z_std_error", "standard error of the measured standard deviation"),
    (ANY, r"z_std_theory", "standard deviation of z that theory predicts for the initialiser"),
    (ANY, r"saturated", "share of pre-activations where the activation's slope has vanished"),
    # the optimiser race
    (ANY, r"racer", "the racer: an optimiser and its settings, as the legend names it"),
    (ANY, r"updates", "parameter updates the racer has made"),
    (ANY, r"epoch", "passes over the training set completed (fractional)"),
    (r"loss_curves", r"compute_seconds",
     "seconds the racer's own updates took so far (its compute clock)"),
    (r"loss_curves", r"wall_seconds",
     "seconds of the racer's whole turns so far, loss evaluations included (its wall clock)"),
    (r"loss_surface|paths", r"x", "coordinate along the surface's horizontal axis "
                                  "(named in the figure)"),
    (r"loss_surface|paths", r"y", "coordinate along the surface's vertical axis "
                                  "(named in the figure)"),
    (ANY, r"status", "whether the racer is running, finished, reached the target or diverged"),
    (ANY, r"updates to target", "updates the racer needed to reach the target loss"),
    (ANY, r"epochs to target", "epochs the racer needed to reach the target loss"),
    (r"finish_line", r"compute time to target",
     "seconds of its own updates the racer needed to reach the target loss"),
    (r"finish_line", r"wall time to target",
     "seconds of its whole turns (loss evaluations included) it needed to reach the target"),
    (ANY, r"loss now", "the racer's training loss at its last update"),
    (ANY, r"kind", "the optimiser"),
    (ANY, r"name", "the racer's name"),
    (ANY, r"learning rate", "the racer's learning rate"),
    (ANY, r"batch", "examples per update (0: the whole training set)"),
    (ANY, r"more \(key=value …\)", "the racer's other optimiser settings"),
    # word vectors
    (ANY, r"query", "the query typed: a word, or words joined by + and −"),
    (ANY, r"rank", "the answer's rank, best first"),
    (ANY, r"word", "an answer word"),
    (ANY, r"cosine", "cosine similarity between the answer's vector and the query's (−1 to 1)"),
    (ANY, r"a", "analogy a : b :: c : d, the word a"),
    (ANY, r"b", "analogy a : b :: c : d, the word b"),
    (ANY, r"c", "analogy a : b :: c : d, the word c"),
    (ANY, r"expected", "the word d the analogy expects"),
    (ANY, r"top3", "the three words nearest to b − a + c, best first"),
    (ANY, r"solved", "1 if the expected word is among the three, else 0"),
    # backpropagation, step by step
    (r"backprop_walk", r"walk_step", "position of the step in the walk (1 is the input X)"),
    (r"backprop_walk", r"step_kind",
     "forward, backward, parameters (the gradients ∂L/∂W, ∂L/∂b) or apply (the update)"),
    (r"backprop_walk", r"node", "the compute-graph node the step is about (all: Apply)"),
    (r"backprop_walk", r"term", "the matrix's symbol, as the step's formula names it"),
    (r"backprop_walk", r"role",
     "what the matrix is in the step: input, arriving gradient, local derivative, result …"),
    (r"backprop_walk|gradient_check", r"row",
     "row of the matrix, from 0: an example for a node's value or gradient, a unit of the "
     "layer for a weight or bias"),
    (r"backprop_walk|gradient_check", r"column",
     "column of the matrix, from 0: a unit of the layer (for a weight: of the layer below)"),
    (r"backprop_walk", r"value", "the matrix entry"),
    (r"backprop_walk", r"wrong", "1 where a planted mistake made this matrix wrong, else 0"),
    (r"gradient_check", r"parameter", "the parameter: W¹ (weights of layer 1), b¹ (biases) …"),
    (r"gradient_check", r"analytic", "the gradient entry by the backward pass, ∂L/∂θ"),
    (r"gradient_check", r"finite_difference",
     "the same entry by central finite differences of the loss (float64)"),
    (r"gradient_check", r"relative_error",
     "|analytic − finite difference| / (|analytic| + |finite difference|), floored; empty "
     "at a kink"),
    (r"gradient_check", r"torch_autograd",
     "the same entry by torch.autograd in float64 (empty where not computed)"),
    (r"gradient_check", r"torch_relative_error",
     "|analytic − torch| / (|analytic| + |torch|), floored (empty where not computed)"),
    (r"gradient_check", r"kink",
     "1 where the finite difference straddles a relu kink and is not compared, else 0"),
    (r"gradient_check", r"wrong", "1 where the check flags the entry (relative error above "
                                  "10⁻²), else 0"),
)


@dataclass(frozen=True)
class TableNotes:
    """What a panel says of one of its CSV tables: a sentence on the table (what it samples,
    at what resolution) and the meaning of columns it knows better than the shared rules."""

    about: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)


def describe_column(table: str, column: str) -> str:
    """The meaning of ``column`` in ``table`` by the first rule that matches both names."""
    for table_pattern, column_pattern, meaning in COLUMN_RULES:
        if not re.fullmatch(table_pattern, table):
            continue
        found = re.fullmatch(column_pattern, column)
        if found:
            return meaning.format(**found.groupdict())
    return UNDESCRIBED


def describe_table(table: str, columns: Sequence[str], rows: int,
                   notes: TableNotes | None = None) -> dict[str, Any]:
    """The sidecar's entry for one CSV file: its table, what it holds, and every column."""
    known = dict(notes.columns) if notes is not None else {}
    return {
        "table": table,
        "about": notes.about if notes is not None else "",
        "rows": int(rows),
        "columns": {str(name): known.get(str(name)) or describe_column(table, str(name))
                    for name in columns},
    }
