"""What the optimiser race's panels share: the racers' colours, a white plot, the race view.

The panels draw the ``"race"`` view (:class:`~nnviz.core.race_views.RaceView`): the loss
curves (:mod:`~nnviz.app.panels.race_curves`), the loss surface
(:mod:`~nnviz.app.panels.race_surface`), the finish line (:mod:`~nnviz.app.panels.race_finish`)
and the racer editor (:mod:`~nnviz.app.panels.race_editor`). A racer's colour follows its
creation number in the run, so it keeps its colour in every panel when others join or leave.
"""

from __future__ import annotations

import pyqtgraph as pg

from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.colors import qualitative_color
from nnviz.core.race_views import RaceView
from nnviz.session import Snapshot


def racer_colour(number: int) -> tuple[int, int, int]:
    """Racer ``number``'s colour, the same in every race panel."""
    return qualitative_color(number)


def white_plot() -> pg.PlotWidget:
    """A plot on white with black axes and no context menu, as every race figure is drawn."""
    # no menu built and hidden, no default axes built and replaced
    plot = plain_plot(enableMenu=False)
    plot.setBackground("w")
    for side in ("left", "bottom"):
        plot.getAxis(side).setTextPen("k")
        plot.getAxis(side).setPen("k")
    return plot


def race_view_of(snapshot: Snapshot) -> RaceView | None:
    """The snapshot's race view, if it carries one."""
    return snapshot.view(RaceView)
