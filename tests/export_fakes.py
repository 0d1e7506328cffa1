"""Stand-in panels for export tests: small panels that draw real snapshot data.

They draw the loss trace and the decision grid much as the real panels do, with none of
their layout, so the window-level exports can be checked against the run they were fed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnviz.app.panels.base import Panel


class LossStandIn(Panel):
    kind = "loss"
    title = "Loss"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title="Training loss")
        self.plot.setLabel("bottom", "step")
        self.layout_.addWidget(self.plot)
        self.curve = self.plot.plot(pen=pg.mkPen("y", width=2))
        self.steps: list[float] = []
        self.loss: list[float] = []

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.steps, self.loss = [], []

    def record_snapshot(self, snapshot) -> None:
        if "loss" in snapshot.trace:
            self.steps += [float(s) for s in snapshot.trace["step"]]
            self.loss += [float(v) for v in snapshot.trace["loss"]]

    def show_snapshot(self, snapshot) -> None:
        super().show_snapshot(snapshot)
        self.record_snapshot(snapshot)
        self.curve.setData(self.steps, self.loss)

    def export_target(self):
        return self.plot.plotItem

    def csv_tables(self):
        return {"loss": (["step", "loss"], [list(self.steps), list(self.loss)])}


class BoundaryStandIn(Panel):
    kind = "decision_boundary"
    title = "Decision boundary"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title="P(class 1)")
        self.layout_.addWidget(self.plot)
        self.image = pg.ImageItem()
        self.image.setLookupTable(pg.colormap.get("CET-D1").getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=5)
        self.plot.addItem(self.points)
        self.grid = None

    def show_snapshot(self, snapshot) -> None:
        super().show_snapshot(snapshot)
        grid = snapshot.views.get("decision_grid")
        if grid is None:
            return
        self.grid = grid
        x0, x1, y0, y1 = grid.extent
        self.image.setImage(grid.probabilities[..., 1].T, levels=(0, 1))
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        brushes = [pg.mkBrush("w" if label else "k") for label in grid.train_labels]
        self.points.setData(pos=grid.train_points, brush=brushes)

    def export_target(self):
        return self.plot.plotItem

    def csv_tables(self):
        if self.grid is None:
            return {}
        points = np.asarray(self.grid.train_points)
        return {"points": (["x", "y", "label"], [points[:, 0], points[:, 1],
                                                 self.grid.train_labels])}
