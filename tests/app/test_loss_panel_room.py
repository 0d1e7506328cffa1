"""The loss plot keeps a readable height in the short panels of 1024×700 and 1440×900 windows.

Stacked under their legend, the loss and accuracy plots of a 236-pixel panel got some 45 pixels
each (moons, digits at 1440×900) and 30 under a pinned run's four-row legend (a lesson's
comparison at 1024×700). Short panels now put the two plots side by side.
"""

from __future__ import annotations

import pytest

from nnviz.app.panels.loss import MIN_PLOT_HEIGHT_PX, LossPanel
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

#: loss panels as the panel area lays them out: 1024×700, 1440×900, a regression's taller
#: one at 1024×700, and 2560×1440
PANEL_SIZES = ((321, 236), (536, 236), (328, 343), (1096, 482))
#: under a pinned run's legend (four rows in a 321-pixel panel) a plot keeps at least this
MIN_PINNED_PLOT_HEIGHT_PX = 48


def _snapshots(scenario: str, **values):
    config = get_scenario(scenario).default_config().with_values(values)
    return list(train(get_scenario(scenario).build(config), max_steps=40, every=10,
                      views=False))


def _panel(qtbot, size, snapshots) -> LossPanel:
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    for snapshot in snapshots:
        panel.show_snapshot(snapshot)
    _settle(qtbot, panel)
    return panel


def _settle(qtbot, panel: LossPanel) -> None:
    for _ in range(2):
        panel.grab()
        qtbot.wait(5)


def _plot_heights(panel: LossPanel) -> tuple[float, float]:
    return panel.loss_plot.vb.height(), panel.accuracy_plot.vb.height()


@pytest.mark.parametrize("scenario", ["moons", "regression"])
@pytest.mark.parametrize("size", PANEL_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_each_plot_keeps_its_least_height(qtbot, scenario, size):
    panel = _panel(qtbot, size, _snapshots(scenario))
    heights = _plot_heights(panel)
    assert min(heights) >= MIN_PLOT_HEIGHT_PX, (size, heights, panel.legend_texts())


def test_short_panels_put_the_plots_side_by_side_and_tall_ones_stack_them(qtbot):
    snapshots = _snapshots("moons")
    short = _panel(qtbot, (536, 236), snapshots)
    assert short.wants_side_by_side()
    assert short.accuracy_plot.getAxis("bottom").labelText == "step"
    assert short.loss_plot.getAxis("bottom").style["showValues"]  # each has its step axis
    tall = _panel(qtbot, (536, 480), snapshots)
    assert not tall.wants_side_by_side()
    assert tall.accuracy_plot.vb.sceneBoundingRect().top() \
        > tall.loss_plot.vb.sceneBoundingRect().bottom()


def test_a_pinned_run_in_a_narrow_panel_leaves_readable_plots(qtbot):
    panel = _panel(qtbot, (321, 236), _snapshots("moons", hidden_sizes=3))
    panel.pin_run()
    panel.start_run(panel.run_id + 1)
    for snapshot in _snapshots("moons"):
        panel.show_snapshot(snapshot)
    _settle(qtbot, panel)
    assert len(panel.legend_texts()) == 4
    heights = _plot_heights(panel)
    assert min(heights) >= MIN_PINNED_PLOT_HEIGHT_PX, heights
