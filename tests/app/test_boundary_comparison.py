"""A lesson's comparison keeps the first run's decision boundary: dashed over the second run's
field, named in the legend, and side by side with it in one export."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtGui import QImage

from nnviz.app import export
from nnviz.app.export_menu import ExportController
from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def run(steps=200, **values):
    scenario = get_scenario("moons")
    session = scenario.create_session(scenario.default_config().with_values(values))
    return list(train(session, max_steps=steps, every=steps))


@pytest.fixture
def compared(qtbot):
    """A boundary panel that showed a 3-unit run, pinned it, then showed a 10-unit run."""
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 380)
    for snapshot in run(hidden_sizes=(3,)):
        panel.show_snapshot(snapshot)
    first = panel.grid
    panel.pin_run()
    second = run(hidden_sizes=(10,))
    panel.start_run(second[-1].run_id)
    for snapshot in second:
        panel.show_snapshot(snapshot)
    return panel, first


def test_the_pinned_border_stays_dashed_over_the_next_run_and_is_named(compared):
    panel, first = compared
    assert panel.grid is not first
    (pinned,) = panel.pinned
    assert pinned.item.scene() is panel.plot.scene()
    assert pinned.item.opts["pen"].style() != panel.boundary.opts["pen"].style()
    x, y = pinned.item.getData()
    ends = first.borders
    drawn = np.column_stack([x, y])[np.isfinite(x)]
    # the first run's border, every end of it, not the current one's
    assert {tuple(p) for p in drawn} == {tuple(p) for p in ends}
    assert "pinned 1: Hidden layers 3 (now 10)" in panel.legend_texts()


def test_the_pinned_border_is_one_polyline_so_its_dashes_show(compared):
    """Drawn as one segment per grid cell, a dash pattern restarts every few pixels and
    the dashed line reads as solid."""
    panel, first = compared
    x, _ = panel.pinned[0].item.getData()
    lines = int(np.isnan(x).sum()) + 1
    assert lines <= 3 and len(x) > 0.4 * len(first.borders)


def test_clearing_pins_removes_border_and_legend_keys(compared):
    panel, _ = compared
    item = panel.pinned[0].item
    panel.clear_pinned()
    assert item.scene() is None
    assert not [t for t in panel.legend_texts() if "pinned" in t]
    assert not panel.can_compare() and panel.comparison_figure() is None


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen plugin, on show()
def test_the_pair_exports_side_by_side_each_titled_with_its_settings(compared, tmp_path):
    panel, _ = compared
    figure = panel.comparison_figure()
    assert figure.titles() == ["Hidden layers 3 · step 200", "Hidden layers 10 · step 200"]
    figure.deleteLater()
    written = export.export_comparison(panel, tmp_path,
                                       export.ExportOptions(("png", "csv"), (1000, 400)))
    names = [path.name for path in written]
    assert "moons-200-decision-boundary-pair.png" in names
    image = QImage(str(tmp_path / "moons-200-decision-boundary-pair.png"))
    assert (image.width(), image.height()) == (1000, 400)
    left = image.copy(0, 0, 500, 400).convertToFormat(QImage.Format.Format_RGB888)
    right = image.copy(500, 0, 500, 400).convertToFormat(QImage.Format.Format_RGB888)
    for half in (left, right):  # each half holds a drawn field, not an empty plot
        pixels = np.frombuffer(half.constBits(), np.uint8, half.sizeInBytes())
        assert pixels.std() > 20
    sidecar = json.loads((tmp_path / "moons-200-decision-boundary-pair.json").read_text())
    assert "hidden_sizes=3" in sidecar["pinned_run"]["set"]
    assert sidecar["hyperparameters"]["hidden_sizes"] == [10]
    assert "pinned_probability_field" in {entry["table"] for entry in sidecar["csv"].values()}


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_export_menu_offers_the_pair_once_a_run_is_pinned(qtbot, compared, tmp_path,
                                                              app_settings):
    panel, _ = compared
    controller = ExportController(settings=app_settings)
    controller.quiet = True
    controller.folder = tmp_path
    controller.run_dialog = lambda dialog: True
    menu = controller.menu_for(panel)
    menu.aboutToShow.emit()
    entry = next(a for a in menu.actions() if "side by side" in a.text())
    assert entry.isEnabled()
    entry.trigger()
    assert any(p.name.endswith("decision-boundary-pair.png") for p in tmp_path.iterdir())
    panel.clear_pinned()
    menu.aboutToShow.emit()
    entry = next(a for a in menu.actions() if "side by side" in a.text())
    assert not entry.isEnabled()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_export_all_writes_the_pair_beside_the_panels(qtbot, compared, tmp_path, app_settings):
    panel, _ = compared
    controller = ExportController(settings=app_settings)
    controller.quiet = True
    controller.folder = tmp_path
    controller.run_dialog = lambda dialog: dialog.format_boxes["svg"].setChecked(False) or True
    written = controller.export_all([panel])
    names = {path.name for path in written}
    assert "moons-200-decision-boundary.png" in names
    assert "moons-200-decision-boundary-pair.png" in names


def test_the_window_pins_the_boundary_with_the_curves(window, wait_for_step, qtbot):
    window.runner.run()
    wait_for_step(window, 5)
    window.runner.pause()
    boundary = next(p for p in window.panels() if isinstance(p, DecisionBoundaryPanel))
    qtbot.waitUntil(lambda: boundary.grid is not None)
    window.pin_run()
    assert len(boundary.pinned) == 1


def test_the_loss_panels_pin_buttons_pin_and_clear_the_boundary_too(window, wait_for_step,
                                                                    qtbot):
    """The loss panel has its own «Pin run» and «Clear pinned» buttons: a pinned run is one
    run, so the boundary keeps (and drops) its border with the curves."""
    from nnviz.app.panels.loss import LossPanel

    window.runner.run()
    wait_for_step(window, 5)
    window.runner.pause()
    boundary = next(p for p in window.panels() if isinstance(p, DecisionBoundaryPanel))
    loss = next(p for p in window.panels() if isinstance(p, LossPanel))
    qtbot.waitUntil(lambda: boundary.grid is not None and bool(loss.curves))
    loss.pin_button.click()
    assert len(loss.pinned) == 1 and len(boundary.pinned) == 1
    loss.clear_button.click()
    assert loss.pinned == [] and boundary.pinned == []
