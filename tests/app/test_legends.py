"""Legends never cover data and are never cut off; every key is there, and only real ones.

Every panel with a legend is fed a real run and laid out at the sizes a panel gets in
1024×700, 1440×900 and 2560×1440 windows (and one very narrow size). The legend must lie
outside every plot's data area (its view box) and wholly inside the panel's view.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF

from nnviz.app.panels import all_panels
from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel
from nnviz.app.panels.projection import ProjectionPanel
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import all_scenarios, get_scenario
from nnviz.session import train

#: panel sizes: narrow, and about what a panel gets in 1024×700, 1440×900, 2560×1440 windows
SIZES = ((260, 220), (360, 300), (520, 380), (1200, 700))

#: panel kinds that draw a legend, and the scenario (or preset) whose run fills it
LEGEND_PANELS = {
    "race_curves": "race-momentum",
    "loss": "moons",
    "decision_boundary": "moons",
    "projection": "digits",
    "layer_health": "digits",
    "init_histogram": "init-all-initialisers",
}

_runs: dict[str, list] = {}


def run_of(name: str, steps: int = 30) -> list:
    """Snapshots of a short run of a scenario or preset, the last with its views."""
    if name not in _runs:
        presets = all_presets()
        if name in presets:
            preset = presets[name]
            scenario, config = get_scenario(preset.scenario), preset.config()
        else:
            scenario = all_scenarios()[name]
            config = scenario.default_config()
        session = scenario.create_session(config)
        frames = list(train(session, max_steps=steps, every=5, views=False))
        frames[-1] = dataclasses.replace(frames[-1], views=session.views())
        _runs[name] = frames
    return _runs[name]


def shown_panel(qtbot, kind: str, frames: list, size: tuple[int, int]):
    panel = all_panels()[kind]()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    panel.start_run(frames[-1].run_id)
    for frame in frames[:-1]:
        panel.record_snapshot(frame)
    panel.show_snapshot(frames[-1])
    settle(qtbot, panel, size)
    return panel


def settle(qtbot, panel, size: tuple[int, int]) -> None:
    panel.resize(*size)
    qtbot.wait(30)  # layouts run before the next paint


def legends_in(panel) -> list[tuple[pg.GraphicsView, pg.LegendItem]]:
    found = []
    for view in panel.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.LegendItem) and item.items and item.isVisible():
                found.append((view, item))
    return found


def view_boxes_in(view: pg.GraphicsView) -> list[pg.ViewBox]:
    return [item for item in view.scene().items()
            if isinstance(item, pg.ViewBox) and item.isVisible() and item.width() > 1]


def text_rect(label: pg.LabelItem) -> QRectF:
    """Where the label's letters are, in scene coordinates (less the document margin)."""
    margin = label.item.document().documentMargin()
    inner = label.item.boundingRect().adjusted(margin, margin, -margin, -margin)
    return label.item.mapRectToScene(inner)


def problems_of(panel) -> list[str]:
    """Legends over a data area, or with an entry cut off by their plot or by the panel.

    A plot whose title is wider than its panel is itself wider than the view, and cut with
    everything in it; that is the title's defect, reported once and not as the legend's.
    """
    problems = []
    for view, legend in legends_in(panel):
        names = [label.text for _, label in legend.items]
        legend_rect = legend.sceneBoundingRect()
        for box in view_boxes_in(view):
            overlap = legend_rect.intersected(box.sceneBoundingRect())
            if overlap.width() > 0.5 and overlap.height() > 0.5:
                problems.append(f"legend {names} lies over a plot's data area")
        host = _host_of(legend).sceneBoundingRect().adjusted(-1, -1, 1, 1)
        bounds = QRectF(view.viewport().rect()).adjusted(-1, -1, 1, 1)
        if not bounds.contains(host):
            problems.append(f"the plot of legend {names} is wider than its panel ({host})")
        for _, label in legend.items:
            if not host.contains(text_rect(label)):
                problems.append(f"legend entry {label.text!r} is cut off "
                                f"({text_rect(label)} outside {host})")
    return list(dict.fromkeys(problems))


def _host_of(legend: pg.LegendItem):
    """What the legend is fitted to: its host, else the plot item that holds it."""
    host = getattr(legend, "host", None)
    parent = legend.parentItem()
    while host is None and parent is not None:
        if isinstance(parent, pg.PlotItem):
            host = parent
        parent = parent.parentItem()
    return host if host is not None else legend


def legend_problems(panel) -> list[str]:
    return [p for p in problems_of(panel) if "wider than its panel" not in p]


@pytest.mark.parametrize("kind", list(LEGEND_PANELS))
def test_legends_lie_beside_the_data_and_are_whole_at_every_size(qtbot, kind):
    frames = run_of(LEGEND_PANELS[kind])
    panel = shown_panel(qtbot, kind, frames, SIZES[0])
    assert legends_in(panel), f"{kind} draws no legend"
    for size in SIZES:
        settle(qtbot, panel, size)
        assert legend_problems(panel) == [], f"{kind} at {size}"
    assert problems_of(panel) == [], f"{kind} at {SIZES[-1]}"


def test_the_race_legend_is_under_the_curves_and_wraps_in_a_narrow_panel(qtbot):
    from nnviz.app.panels.legends import OutsideLegend

    frames = run_of("race-momentum")
    panel = shown_panel(qtbot, "race_curves", frames, (260, 300))
    legend = panel.legend
    assert isinstance(legend, OutsideLegend)
    box = panel.plot.getPlotItem().vb.sceneBoundingRect()
    assert legend.sceneBoundingRect().top() >= box.bottom()
    labels = [label for _, label in legend.items]
    assert any(label.text.startswith("momentum: η=0.05") for label in labels)
    wrapped = [label for label in labels if label.item.textWidth() > 0]
    assert wrapped, "at 260 pixels the momentum entry needs two lines"
    assert all(text_rect(label).left() >= 0 for label in labels), "no entry cut at the left"


def test_every_digit_class_has_a_key(qtbot):
    frames = run_of("digits")
    panel = shown_panel(qtbot, "projection", frames, (360, 300))
    names = [label.text for _, label in panel.legend.items]
    assert names == [str(digit) for digit in range(10)]
    assert problems_of(panel) == []


def test_the_decision_boundary_names_test_points_only_when_there_are_some(qtbot):
    moons = get_scenario("moons")
    config = moons.default_config().with_values({"test_fraction": 0.0})
    every_point_trains = moons.create_session(config).views()["decision_grid"]
    assert len(every_point_trains.test_points) == 0
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.draw(every_point_trains)
    assert panel.legend_texts() == ["train"]
    split = run_of("moons")[-1].views["decision_grid"]
    assert len(split.test_points) > 0
    panel.draw(split)
    assert panel.legend_texts() == ["train", "test"]
    panel.draw(every_point_trains)
    assert panel.legend_texts() == ["train"]


def test_a_projection_legend_keeps_every_group_of_a_long_list(qtbot):
    from nnviz.core.views import Projection

    names = tuple(f"group {i}" for i in range(12))
    points = np.random.default_rng(0).normal(size=(120, 2))
    projection = Projection(points=points, labels=(), groups=np.arange(120) % 12,
                            group_names=names, explained_variance=(0.5, 0.3))
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 260)
    panel.show()
    qtbot.waitExposed(panel)
    panel.draw(projection)
    settle(qtbot, panel, (300, 260))
    assert [label.text for _, label in panel.legend.items] == list(names)
    assert problems_of(panel) == []


def test_legend_below_joins_curves_added_with_a_name_and_refits_on_resize(qtbot):
    from nnviz.app.panels.legends import legend_below

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    qtbot.waitExposed(widget)
    plot = widget.getPlotItem()
    legend = legend_below(plot)
    for name in ("first curve", "second curve", "third curve with a longer name"):
        plot.plot([0, 1], [0, 1], name=name)
    qtbot.wait(20)
    assert legend.labels() == ["first curve", "second curve", "third curve with a longer name"]
    assert legend.columnCount == 3
    widget.resize(200, 300)
    qtbot.wait(20)
    assert legend.columnCount == 1
    assert legend.sceneBoundingRect().right() <= 200


def test_a_caption_wraps_to_its_plot_and_never_runs_past_it(qtbot):
    from nnviz.app.panels.legends import caption_below

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    qtbot.waitExposed(widget)
    caption = caption_below(widget.getPlotItem(), "a sentence long enough to need two "
                                                  "lines in a narrow plot, and one in a wide one")
    qtbot.wait(20)
    one_line = caption.item.boundingRect().height()
    widget.resize(220, 300)
    qtbot.wait(20)
    assert caption.item.boundingRect().height() > 1.5 * one_line
    assert caption.sceneBoundingRect().right() <= 220
    assert text_rect(caption).left() >= 0


def test_a_long_title_wraps_instead_of_widening_the_plot_and_cutting_its_legend(qtbot):
    from nnviz.core.views import Projection

    title = "EfficientNet-Lite0 bottleneck features, PCA (shading: the new layer's scores)"
    points = np.random.default_rng(1).normal(size=(40, 2))
    projection = Projection(points=points, labels=(), groups=np.arange(40) % 2, title=title,
                            group_names=("hotdog", "not hotdog"), explained_variance=(0.4, 0.2))
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.draw(projection)
    settle(qtbot, panel, (300, 300))
    plot = panel.plot.getPlotItem()
    assert plot.sceneBoundingRect().width() <= panel.plot.viewport().width() + 1
    label = plot.titleLabel
    assert label.item.toPlainText() == title
    assert text_rect(label).right() <= panel.plot.viewport().width()
    assert text_rect(label).height() > 30, "two lines"
    assert problems_of(panel) == []
    settle(qtbot, panel, (1200, 300))
    assert text_rect(label).height() < 30, "one line when it fits"
