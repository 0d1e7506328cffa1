"""The regression scenario's session: the one trainer, the MLP with a linear output, its views.

Training is the :class:`~nnviz.scenarios.trainer.Trainer` with the NumPy engine, as for the
moons scenario; the MLP's output is a :class:`~nnviz.core.losses.RegressionLoss`, so a batch's
"labels" are real targets and the per-step ``loss`` is the batch's mean squared error (or
Huber loss). The metrics are the fit's: mean squared error and R² on each split, and the
loss that is minimised where it is not the MSE.

With one input a person draws points on the fit while it trains (:meth:`RegressionSession.
apply_data_edits`, the boundary panel's tools and edit log): a drawn point (x, y) is a
training example with input x and target y.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from nnviz.core.losses import RegressionLoss, mean_squared_error, r_squared
from nnviz.core.mlp import MLP
from nnviz.core.regression_views import RegressionView, fit_curve, fit_surface
from nnviz.core.views import (
    HistogramSet,
    NetworkView,
    ViewKinds,
    padded_extent,
    thinned,
    unit_grids,
    wanted_views,
)
from nnviz.data.point_edits import DataEdit, PointEditLog
from nnviz.data.toy import Split
from nnviz.scenarios.mlp_histograms import LayerHistograms
from nnviz.scenarios.trainer import NumpyEngine, Trainer

#: a network drawing's node pictures are this many pixels square (two inputs)
NODE_PICTURE_RESOLUTION = 40


def regression_mlp(config: Any, n_inputs: int) -> MLP:
    """The NumPy MLP a regression config describes: one linear output unit and its loss,
    weights drawn from ``config.seed`` (as :func:`~nnviz.scenarios.trainer.new_mlp`)."""
    return MLP(n_inputs, config.hidden_sizes, 1, activation=config.activation,
               output=RegressionLoss(config.output, config.huber_delta), init=config.init,
               bias_init=config.bias_init, seed=config.seed, dtype=np.dtype(config.precision))


def fit_metrics(model: MLP, split: str, inputs: np.ndarray, targets: np.ndarray,
                loss_name: str) -> dict[str, float]:
    """``{split}_mse`` and ``{split}_r2`` of the model's predictions, and ``{split}_loss``
    where the loss minimised is not the MSE (Huber's): an equal curve would be drawn twice.

    R² is left out where it is undefined (one example, or targets all equal: no variance to
    explain): a NaN metric would read as a divergence. A diverged network still shows, as a
    NaN mean squared error."""
    if not len(targets):
        return {}
    forward = model.predict_proba(inputs)
    metrics = {f"{split}_mse": mean_squared_error(forward, targets)}
    explained = r_squared(forward, targets)
    if not math.isnan(explained):
        metrics[f"{split}_r2"] = explained
    if loss_name != "mse":
        metrics[f"{split}_loss"] = model.output.loss(forward, targets.astype(forward.dtype))
    return metrics


class RegressionSession(Trainer):
    """One run of the MLP fitting real targets, and its views (the fit, the network drawing
    and the layer histograms)."""

    def __init__(self, config: Any, data: Split, *, target_name: str = "y",
                 title: str = "") -> None:
        data = _float_targets(data, np.dtype(config.precision))
        model = regression_mlp(config, data.n_features)
        super().__init__("regression", config, data, NumpyEngine(model, config, data))
        self.target_name = target_name
        self.title = title
        self.layer_histograms = LayerHistograms()
        #: the drawn edits of the data set and their undo history, once a person edits it
        self._edit_log: PointEditLog | None = None
        inputs = np.concatenate([data.train_x, data.test_x])
        targets = np.concatenate([data.train_y, data.test_y])
        self._low, self._high = (float(v) for v in (inputs.min(axis=0)[0],
                                                     inputs.max(axis=0)[0]))
        self._target_range = (float(targets.min()), float(targets.max()))
        self._extent = padded_extent(inputs, 0.05) if data.n_features == 2 else None
        self._set_drawn_points()

    def _set_drawn_points(self) -> None:
        """The points the fit view carries, thinned."""
        data = self.data
        self._drawn = (*thinned(data.train_x, data.train_y), *thinned(data.test_x, data.test_y))

    # -- drawn data -------------------------------------------------------------------------
    @property
    def drawable(self) -> bool:
        """Whether points can be drawn on the fit: one input (a curve over (x, y))."""
        return self.data.n_features == 1

    def apply_data_edits(self, edits: Sequence[DataEdit]) -> None:
        """Points (x, y) drawn, erased, undone on the fit, applied to the data now (the
        network and optimiser go on; see :mod:`nnviz.data.point_edits`). The curve's range
        and the target range grow to take in points drawn beyond them and never shrink, so
        the figure does not jump as points come and go. A fit of two inputs draws no
        points: its edits are ignored."""
        if not self.drawable:
            return
        if self._edit_log is None:
            self._edit_log = PointEditLog.for_regression(self.data)
        changed = [self._edit_log.apply(edit) for edit in edits]
        if any(changed):
            self.set_drawn_data(self._edit_log.data)

    def set_drawn_data(self, data: Split) -> None:
        """Train and draw ``data`` (targets in the model's type) from the next step."""
        self.replace_data(_float_targets(data, self.model.dtype))
        self._set_drawn_points()
        inputs = np.concatenate([self.data.train_x, self.data.test_x])[:, 0]
        targets = np.concatenate([self.data.train_y, self.data.test_y])
        if len(inputs):
            self._low = min(self._low, float(inputs.min()))
            self._high = max(self._high, float(inputs.max()))
            low, high = self._target_range
            self._target_range = (min(low, float(targets.min())),
                                  max(high, float(targets.max())))

    # -- metrics ----------------------------------------------------------------------------
    def metrics(self) -> dict[str, float]:
        """MSE and R² on each split (no test entries without a test split), the loss
        minimised where it is not the MSE, and the learning rate."""
        model, loss_name = self.model, self.config.output
        metrics = fit_metrics(model, "train", self.train_x, self.train_y, loss_name)
        metrics |= fit_metrics(model, "test", self.test_x, self.test_y, loss_name)
        metrics["learning_rate"] = self.learning_rate
        return metrics

    # -- views ------------------------------------------------------------------------------
    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        return wanted_views({
            "regression_fit": self.regression_fit,
            "network": self.network,
            "histograms": self.histograms,
        }, kinds)

    def regression_fit(self) -> RegressionView:
        """The data and the fit: a curve over the input's range (one input), a heat map over
        the input plane (two)."""
        model, config = self.model, self.config
        train_points, train_targets, test_points, test_targets = self._drawn
        curve = surface = None
        if self._extent is None:
            pad = 0.05 * (self._high - self._low) or 1.0
            curve = fit_curve(model, self._low - pad, self._high + pad, config.curve_points)
        else:
            surface = fit_surface(model, self._extent, config.grid_resolution)
        return RegressionView(
            train_points=train_points, train_targets=train_targets,
            test_points=test_points, test_targets=test_targets,
            target_range=self._target_range, curve=curve, surface=surface,
            input_names=tuple(self.data.feature_names), target_name=self.target_name,
            title=self.title,
        )

    def network(self) -> NetworkView:
        """The network drawing; for two inputs, each hidden unit's picture over the plane."""
        model = self.model
        grids: tuple[np.ndarray, ...] = ()
        if self._extent is not None and len(model.sizes) > 2:
            def hidden(points: np.ndarray) -> list[np.ndarray]:
                return model.forward(points.astype(model.dtype)).activations[1:-1]
            grids = unit_grids(hidden, self._extent, NODE_PICTURE_RESOLUTION)
        return NetworkView(
            sizes=tuple(model.sizes),
            weights=tuple(w.copy() for w in model.weights),
            biases=tuple(b.copy() for b in model.biases),
            extent=self._extent,
            unit_grids=grids,
            activation=self.config.activation,
            input_names=tuple(self.data.feature_names),
        )

    def histograms(self) -> HistogramSet:
        return self.layer_histograms.of(self)


def _float_targets(data: Split, dtype: np.dtype) -> Split:
    """``data`` with its targets in the model's float type (the residual ŷ − y is then
    computed without a conversion per step)."""
    return replace(data, train_y=np.asarray(data.train_y, dtype=dtype),
                   test_y=np.asarray(data.test_y, dtype=dtype))
