"""The regression panels drawn from real snapshots: the fit panel (curve, points, unit
contributions, a surface for two inputs) and the loss panel's MSE and R² curves."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnviz.app import export
from nnviz.app.panels.loss import LossPanel
from nnviz.app.panels.regression_fit import RegressionFitPanel
from nnviz.io.columns import UNDESCRIBED, describe_table
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def snapshots(steps=40, every=20, **values):
    scenario = get_scenario("regression")
    session = scenario.create_session(scenario.default_config().with_values(values))
    return list(train(session, max_steps=steps, every=every))


@pytest.fixture
def fit_panel(qtbot):
    panel = RegressionFitPanel()
    qtbot.addWidget(panel)
    panel.resize(560, 420)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_the_curve_points_and_each_unit_s_share_are_drawn(fit_panel):
    last = snapshots(hidden_sizes=(6,))[-1]
    fit_panel.show_snapshot(last)
    curve = last.views["regression_fit"].curve
    xs, ys = fit_panel.curve.getData()
    np.testing.assert_allclose(xs, curve.xs)
    np.testing.assert_allclose(ys, curve.predictions)
    assert len(fit_panel.contribution_items) == 6
    for item, values in zip(fit_panel.contribution_items, curve.contributions, strict=True):
        np.testing.assert_allclose(item.getData()[1], values)
        assert item.isVisible()
    train_x, train_y = fit_panel.train_points.getData()
    np.testing.assert_allclose(train_y, last.views["regression_fit"].train_targets)
    assert len(train_x) == 150 and len(fit_panel.test_points.getData()[0]) == 50
    assert fit_panel.legend_texts() == ["train", "test", "network ŷ(x)",
                                        "one hidden unit's share"]
    assert fit_panel.plot_item.titleLabel.item.toPlainText() == "Fit of y = sin 2x"


def test_the_overlay_toggle_hides_the_units_and_their_key(fit_panel):
    fit_panel.show_snapshot(snapshots(hidden_sizes=(4,))[-1])
    fit_panel.overlay.setChecked(False)
    assert not any(item.isVisible() for item in fit_panel.contribution_items)
    assert "one hidden unit's share" not in fit_panel.legend_texts()
    fit_panel.overlay.setChecked(True)
    assert all(item.isVisible() for item in fit_panel.contribution_items)


def test_the_legend_is_under_the_plot_not_over_the_data(fit_panel):
    fit_panel.show_snapshot(snapshots()[-1])
    view_box = fit_panel.plot_item.vb.sceneBoundingRect()
    legend = fit_panel.legend.sceneBoundingRect()
    assert legend.top() >= view_box.bottom()


def test_the_view_frames_the_data_not_the_far_off_unit_shares(fit_panel):
    last = snapshots(steps=300, every=300)[-1]
    fit_panel.show_snapshot(last)
    (_, _), (y_low, y_high) = fit_panel.plot_item.vb.viewRange()
    assert y_high - y_low < 5  # the sine and its noise span about 2.5


def test_a_deeper_network_says_why_there_is_no_overlay(fit_panel):
    fit_panel.show_snapshot(snapshots(hidden_sizes=(4, 4))[-1])
    assert fit_panel.contribution_items == []
    assert not fit_panel.overlay.isEnabled()
    assert "one hidden layer" in fit_panel.overlay_note.text()


def test_two_inputs_draw_a_heat_map_with_a_colour_bar_that_goes_with_them(fit_panel):
    last = snapshots(target="saddle", grid_resolution=40)[-1]
    fit_panel.show_snapshot(last)
    view = last.views["regression_fit"]
    assert fit_panel.image.image.shape == (40, 40)
    assert fit_panel.image.isVisible() and not fit_panel.curve.isVisible()
    assert fit_panel.colorbar.isVisible()
    assert tuple(fit_panel.colorbar.levels()) == pytest.approx(view.target_range)
    assert fit_panel.legend_texts() == ["train (colour: target)", "test"]
    # the points are coloured by their own targets: the lowest point gets the scale's low end
    brushes = fit_panel.surface_train.data["brush"]
    lowest = int(np.argmin(view.train_targets))
    expected = fit_panel.colormap.map(np.array([
        (view.train_targets[lowest] - view.target_range[0])
        / (view.target_range[1] - view.target_range[0])]), mode="qcolor")[0]
    assert brushes[lowest].color().getRgb()[:3] == expected.getRgb()[:3]
    # back to one input: the colour bar leaves the layout
    fit_panel.show_snapshot(snapshots()[-1])
    assert not fit_panel.colorbar.isVisible() and fit_panel.curve.isVisible()
    assert fit_panel.colorbar not in [fit_panel.plot_item.layout.itemAt(i)
                                      for i in range(fit_panel.plot_item.layout.count())]


@pytest.mark.parametrize("values", [{}, {"target": "saddle", "grid_resolution": 20}])
def test_export_writes_a_picture_and_described_csv_tables(fit_panel, tmp_path, values):
    fit_panel.show_snapshot(snapshots(**values)[-1])
    options = export.ExportOptions(("png", "svg", "csv"), (500, 360), 1.0)
    files = export.export_panel(fit_panel, tmp_path, options)
    assert {path.suffix for path in files} >= {".png", ".svg", ".csv", ".json"}
    tables = fit_panel.csv_tables()
    notes = fit_panel.csv_notes()
    expected = {"points", "fit_curve"} if not values else {"points", "fit_surface"}
    assert set(tables) == expected
    for name, (columns, rows) in tables.items():
        described = describe_table(name, columns, len(rows[0]), notes.get(name))
        assert UNDESCRIBED not in json.dumps(described), name
        assert len({len(column) for column in rows}) == 1


def test_the_loss_panel_draws_mse_and_r2_where_moons_has_accuracy(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    for snapshot in snapshots():
        panel.show_snapshot(snapshot)
    assert {"train_mse", "test_mse", "train_r2", "test_r2"} <= set(panel.items)
    assert panel.items["test_r2"] in panel.accuracy_plot.items
    assert panel.items["test_mse"] in panel.loss_plot.items
    assert panel.accuracy_plot.getAxis("left").labelText == "R²"
    assert "train mse" in panel.legend_texts()


def test_a_pinned_run_s_curve_stays_dashed_and_named_by_what_differed(fit_panel):
    first = snapshots(hidden_sizes=(1,))[-1]
    fit_panel.show_snapshot(first)
    fit_panel.pin_run()
    fit_panel.start_run(first.run_id + 1000)
    fit_panel.show_snapshot(snapshots(hidden_sizes=(50,))[-1])
    (_, item, _), = fit_panel.pinned
    np.testing.assert_allclose(item.getData()[1], first.views["regression_fit"].curve.predictions)
    assert "pinned 1: Hidden layers 1 (now 50)" in fit_panel.legend_texts()
    fit_panel.clear_pinned()
    assert not any(text.startswith("pinned") for text in fit_panel.legend_texts())
    assert item not in fit_panel.plot_item.items


def test_a_formula_with_a_less_than_sign_is_shown_whole(fit_panel):
    fit_panel.show_snapshot(snapshots(target="step")[-1])
    title = fit_panel.plot_item.titleLabel.item.toPlainText()
    assert title == "Fit of y = −1 for x < 0, else 1"
