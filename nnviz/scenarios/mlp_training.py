"""The session shared by every scenario that trains the MLP (its config: ``mlp_config``).

:class:`MLPSession` is the :class:`~nnviz.scenarios.trainer.Trainer` of
an :class:`~nnviz.core.mlp.MLP` on a :class:`~nnviz.data.toy.Split` plus its views: the
decision boundary on the input plane (or a slice of it), the network drawing and the layer
histograms, all read from the engine's NumPy mirror of the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.core.mlp import MLP
from nnviz.core.views import (
    DecisionGrid,
    HistogramSet,
    InputPlane,
    NetworkView,
    ViewKinds,
    grid_points,
    padded_extent,
    thinned,
    unit_grids,
    wanted_views,
)
from nnviz.data.point_edits import DataEdit, PointEditLog
from nnviz.data.toy import Split
from nnviz.scenarios.mlp_config import MLPConfig
from nnviz.scenarios.mlp_histograms import LayerHistograms
from nnviz.scenarios.trainer import Engine, NumpyEngine, Trainer, new_mlp


class MLPSession(Trainer):
    """One training run of the MLP on a fixed train/test split, and its views.

    The NumPy engine trains the network itself; :class:`~nnviz.scenarios.torch_sessions.
    TorchMLPSession` is the same session on the torch engine (:meth:`new_engine`).
    """

    def __init__(self, scenario: str, config: MLPConfig, data: Split, *,
                 grid_resolution: int | None = None,
                 input_plane: InputPlane | None = None) -> None:
        model = new_mlp(config, data.n_features, data.n_classes)
        super().__init__(scenario, config, data, self.new_engine(model, config, data))
        self.grid_resolution = grid_resolution
        self.layer_histograms = LayerHistograms()
        #: the drawn edits of the data set and their undo history, once a person edits it
        self._edit_log: PointEditLog | None = None
        #: the slice of input space the boundary is drawn on when there are not 2 features
        self.input_plane = input_plane if data.n_features != 2 else None
        if data.n_features == 2 or self.input_plane is not None:
            self._set_up_plane(grid_resolution or 200)
        else:
            self._extent = None
            self._grid = None

    @staticmethod
    def new_engine(model: MLP, config: MLPConfig, data: Split) -> Engine:
        """What trains ``model``: the NumPy engine (the torch session's is torch's)."""
        return NumpyEngine(model, config, data)

    def _set_up_plane(self, resolution: int) -> None:
        """The decision grid's plane (the inputs' own for two features, else
        ``input_plane``), its grid as model inputs, and the points drawn on it: projected onto
        a slice, at most :data:`~nnviz.core.views.MAX_DRAWN_POINTS` per split."""
        data, plane = self.data, self.input_plane
        if plane is None:
            self._extent = data.bounds()
            grid, drawn = grid_points(self._extent, resolution), (data.train_x, data.test_x)
        else:
            drawn = (plane.coordinates(data.train_x), plane.coordinates(data.test_x))
            self._extent = padded_extent(np.concatenate(drawn))
            grid = plane.inputs_at(grid_points(self._extent, resolution))
        self._grid = grid.astype(self.train_x.dtype)
        self._set_drawn_points(drawn)

    def _set_drawn_points(self, drawn: tuple[np.ndarray, np.ndarray]) -> None:
        """The points the boundary view carries (their plane coordinates ``drawn``, train
        and test), thinned, and the axis names and title that say what they are."""
        data, plane = self.data, self.input_plane
        self._drawn = (*thinned(drawn[0], data.train_y), *thinned(drawn[1], data.test_y))
        names = data.feature_names if plane is None and data.feature_names else ("", "")
        x_label, y_label = (plane.x_label, plane.y_label) if plane is not None else names
        notes = [plane.title] if plane is not None and plane.title else []
        if len(self._drawn[0]) < len(data.train_y) or len(self._drawn[2]) < len(data.test_y):
            notes.append(f"{len(self._drawn[0]):,} of {len(data.train_y):,} training and "
                         f"{len(self._drawn[2]):,} of {len(data.test_y):,} test points drawn")
        self._plane_text = (x_label, y_label, " · ".join(notes))

    # -- drawn data -------------------------------------------------------------------------
    def apply_data_edits(self, edits: Sequence[DataEdit]) -> None:
        """Points drawn, erased, undone on the boundary's plane, applied to the training
        data now (the network and optimiser go on; see :mod:`nnviz.data.point_edits`). The
        plane's extent stays, so the picture does not jump as points come and go."""
        if self._grid is None:
            return
        if self._edit_log is None:
            plane = self.input_plane
            self._edit_log = PointEditLog(self.data) if plane is None else PointEditLog(
                self.data, to_inputs=plane.inputs_at, to_plane=plane.coordinates)
        changed = [self._edit_log.apply(edit) for edit in edits]
        if any(changed):
            self.set_drawn_data(self._edit_log.data)

    def set_drawn_data(self, data: Split) -> None:
        """Train on ``data`` from the next step and draw its points on the plane."""
        self.replace_data(data)
        if self._grid is not None:
            plane = self.input_plane
            to_plane = plane.coordinates if plane is not None else np.asarray
            self._set_drawn_points((to_plane(self.data.train_x), to_plane(self.data.test_x)))

    # -- views ------------------------------------------------------------------------------
    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        return wanted_views({
            "histograms": self.histograms,
            "network": self.network,
            "decision_grid": self.decision_grid if self._grid is not None else None,
        }, kinds)

    def decision_grid(self) -> DecisionGrid:
        resolution = self.grid_resolution or 200
        probabilities = self.model.predict_proba(self._grid)
        train_points, train_labels, test_points, test_labels = self._drawn
        x_label, y_label, title = self._plane_text
        return DecisionGrid(
            extent=self._extent,
            probabilities=probabilities.reshape(resolution, resolution, -1).astype(np.float32),
            train_points=train_points,
            train_labels=train_labels,
            test_points=test_points,
            test_labels=test_labels,
            class_names=self.data.class_names,
            x_label=x_label,
            y_label=y_label,
            title=title,
            point_totals=(len(self.data.train_y), len(self.data.test_y)),
        )

    def network(self) -> NetworkView:
        model = self.model
        grids: tuple[np.ndarray, ...] = ()
        # on a slice of wider inputs, node pictures would show the slice's coordinates as if
        # they were the first two inputs: there the network is drawn without pictures. An
        # exact plane (the raw inputs of extra features) keeps them
        plane = self.input_plane
        exact = plane is None or getattr(plane, "exact", False)
        extent = self._extent if exact else None
        inputs_at = plane.inputs_at if plane is not None else np.asarray
        input_grids = None
        if extent is not None and plane is not None:
            input_grids = unit_grids(lambda points: [inputs_at(points)], extent, 40)[0]
        if extent is not None and len(model.sizes) > 2:
            def hidden(points: np.ndarray) -> list[np.ndarray]:
                return model.forward(inputs_at(points)).activations[1:-1]
            grids = unit_grids(hidden, extent, 40)
        return NetworkView(
            sizes=tuple(model.sizes),
            weights=tuple(w.copy() for w in model.weights),
            biases=tuple(b.copy() for b in model.biases),
            extent=extent,
            unit_grids=grids,
            activation=self.config.activation,
            input_names=tuple(getattr(plane, "input_names", ())),
            input_grids=input_grids,
        )

    def histograms(self) -> HistogramSet:
        return self.layer_histograms.of(self)
