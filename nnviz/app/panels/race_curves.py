"""The race's loss curves: each racer's training loss against epochs, updates or either clock.

Drawn from the ``"race"`` view (:class:`~nnviz.core.race_views.RaceView`); the two clocks
(compute time, wall time) are defined in :mod:`nnviz.scenarios.race`. Each racer's curve is
built once and updated with ``setData``; its finish (the first loss at or below the target) is
a dot in its colour on the dashed target line.
"""

from __future__ import annotations

import html
import math
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import fit_title, legend_below
from nnviz.app.panels.race import race_view_of, racer_colour, white_plot
from nnviz.core.race_views import RacerView, RaceView
from nnviz.session import Snapshot

#: x-axis choices of the curves: label → (column of RacerView.curve, the FinishTime field
#: it matches, axis title, unit); the two clocks are defined in :mod:`nnviz.scenarios.race`
AXES = {
    "epoch": (1, "epoch", "epoch", ""),
    "updates": (0, "updates", "parameter updates", ""),
    "compute time": (2, "compute_seconds", "compute time, own updates only", "s"),
    "wall time": (4, "wall_seconds", "wall time, updates and loss evaluations", "s"),
}
#: the loss column of RacerView.curve
LOSS = 3
TITLE_COLOR = (20, 20, 20)
#: the fraction of the loss range kept free above and below the curves (pyqtgraph's 2 to
#: 4 % puts the first loss, the highest, on the plot's top edge)
HEADROOM = 0.06


@register_panel
class RaceCurvesPanel(Panel):
    """Each racer's training loss against epochs, updates, compute time or wall time."""

    kind: ClassVar[str] = "race_curves"
    draws = view_types(race=RaceView)
    title: ClassVar[str] = "Loss curves"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_.addLayout(self._choices())
        self.plot = white_plot()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("left", "training loss", color="k")
        # the figure's title, as every exported figure has one; wraps in a narrow panel
        fit_title(self.plot.getPlotItem())
        _keep_headroom(self.plot.getViewBox())
        # under the plot, never over the curves; wrapped, never cut, in a narrow panel
        self.legend = legend_below(self.plot.getPlotItem())
        self.layout_.addWidget(self.plot)
        self.target_line = pg.InfiniteLine(angle=0, movable=False,
                                           pen=pg.mkPen((90, 90, 90), style=Qt.DashLine))
        self.target_line.setZValue(-5)
        self.plot.addItem(self.target_line)
        self.finish_marks = pg.ScatterPlotItem(symbol="o", size=9, pen=pg.mkPen("k", width=1))
        self.finish_marks.setZValue(20)
        self.plot.addItem(self.finish_marks)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._numbers: dict[str, int] = {}
        self._thinned = False
        self._legend_key: tuple = ()
        self.view: RaceView | None = None
        self.axis_choice.currentTextChanged.connect(self._redraw)
        self.log_loss.toggled.connect(self._redraw)
        self._redraw()

    def _choices(self) -> QHBoxLayout:
        """The bar above the plot: the x axis and whether the loss is on a log scale."""
        bar = QHBoxLayout()
        bar.addWidget(QLabel("x axis:"))
        self.axis_choice = QComboBox()
        self.axis_choice.addItems(list(AXES))
        self.axis_choice.setToolTip(
            "compute time: each racer's own updates only. wall time: its updates and its "
            "training-loss evaluations, as timing a whole training loop counts. Neither "
            "counts other racers' turns, so racers stepped in one loop compare fairly")
        bar.addWidget(self.axis_choice)
        self.log_loss = QCheckBox("log loss")
        self.log_loss.setChecked(True)
        bar.addWidget(self.log_loss)
        bar.addStretch(1)
        return bar

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = race_view_of(snapshot)
        if view is not None:
            self.view = view
            self._draw(view)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        for name in list(self.curves):
            self.plot.removeItem(self.curves.pop(name))
        self._numbers.clear()
        self.finish_marks.setData([], [])
        self.legend.clear()
        self._legend_key = ()
        self.view = None

    @property
    def axis(self) -> str:
        return self.axis_choice.currentText()

    def _redraw(self, *_: object) -> None:
        self._set_axis_label()
        self.plot.setLogMode(x=False, y=self.log_loss.isChecked())
        if self.view is not None:
            self._draw(self.view)
        self.plot.enableAutoRange()

    def _set_axis_label(self) -> None:
        _, _, title, unit = AXES[self.axis]
        if self.view is not None and any(r.thinned for r in self.view.racers):
            title += " (older points thinned, lowest and highest kept)"
        self.plot.setLabel("bottom", title, units=unit or None, color="k")

    def _draw(self, view: RaceView) -> None:
        column, finish_field, _, _ = AXES[self.axis]
        log = self.log_loss.isChecked()
        self._note_thinning(view)
        self._drop_curves_not_in(view)
        for racer in view.racers:
            self._draw_curve(racer, column, log)
        self._draw_target(view.target_loss, log)
        self._draw_finishes(view, finish_field, log)
        self._update_legend(view)

    def _note_thinning(self, view: RaceView) -> None:
        """Say on the axis when a curve's older points have been thinned."""
        if any(r.thinned for r in view.racers) != self._thinned:
            self._thinned = not self._thinned
            self._set_axis_label()

    def _drop_curves_not_in(self, view: RaceView) -> None:
        names = {r.name for r in view.racers}
        for name in list(self.curves):
            if name not in names:
                self.plot.removeItem(self.curves.pop(name))
                self._numbers.pop(name, None)

    def _curve_of(self, racer: RacerView) -> pg.PlotDataItem:
        """The racer's curve, made on its first appearance and recoloured when its name is
        taken by a new racer (another kind: a new creation number)."""
        curve = self.curves.get(racer.name)
        if curve is None:
            curve = pg.PlotDataItem()
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves[racer.name] = curve
            self.plot.addItem(curve)
        if self._numbers.get(racer.name) != racer.number:
            self._numbers[racer.name] = racer.number
            curve.setPen(pg.mkPen(racer_colour(racer.number), width=2))
        return curve

    def _draw_curve(self, racer: RacerView, column: int, log: bool) -> None:
        """The racer's finite losses (and positive ones on a log scale) against ``column``."""
        rows = racer.curve
        losses = rows[:, LOSS]
        keep = np.isfinite(losses) & ((losses > 0) if log else True)
        self._curve_of(racer).setData(rows[keep, column], losses[keep])

    def _draw_target(self, target: float, log: bool) -> None:
        """The dashed finish line (named in the title); a target of 0 has no place on a log
        scale."""
        title = f"Training loss, target {target:g}"
        if self.plot.getPlotItem().titleLabel.text != title:
            self.plot.setTitle(title, color=TITLE_COLOR, size="10pt")
        shown = target > 0 or not log
        self.target_line.setVisible(shown)
        if shown:
            self.target_line.setValue(math.log10(target) if log else target)

    def _draw_finishes(self, view: RaceView, finish_field: str, log: bool) -> None:
        """A dot in the racer's colour where it first reached the target."""
        finishes = [r for r in view.racers
                    if r.finish is not None and (r.finish.loss > 0 or not log)]
        self.finish_marks.setData(
            [getattr(r.finish, finish_field) for r in finishes],
            [math.log10(r.finish.loss) if log else r.finish.loss for r in finishes],
            brush=[pg.mkBrush(racer_colour(r.number)) for r in finishes])

    def _update_legend(self, view: RaceView) -> None:
        key = tuple((r.name, r.settings, r.status, r.diverged_at) for r in view.racers)
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.clear()
        for racer in view.racers:
            self.legend.addItem(self.curves[racer.name], html.escape(legend_text(racer)))

    def export_target(self) -> pg.PlotItem:
        """The plot with its legend, without the axis selector and the log checkbox above."""
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        if self.view is None:
            return {}
        columns: list[list[object]] = [[], [], [], [], [], []]
        for racer in self.view.racers:
            for updates, epoch, compute_seconds, loss, wall_seconds in racer.curve:
                for column, value in zip(columns, (racer.name, int(updates), epoch,
                                                   compute_seconds, wall_seconds, loss),
                                         strict=True):
                    column.append(value)
        return {"loss_curves": (["racer", "updates", "epoch", "compute_seconds", "wall_seconds",
                                 "loss"], columns)}


def _keep_headroom(box: pg.ViewBox) -> None:
    """Auto-range the loss axis with :data:`HEADROOM` above and below the curves; the x axis
    keeps pyqtgraph's small padding (the race starts at 0 and ends at its last update).

    pyqtgraph has one default padding for both axes, so the view box's per-axis suggestion
    is replaced on this instance.
    """
    suggest = box.suggestPadding

    def padding(axis: int) -> float:
        return max(HEADROOM, suggest(axis)) if axis == 1 else suggest(axis)

    box.suggestPadding = padding


def legend_text(racer: RacerView) -> str:
    text = f"{racer.name}: {racer.settings}"
    if racer.status == "diverged":
        text += f" — diverged at update {racer.diverged_at}"
    return text
