"""Issue 17's regression follow-ups: the «Fit» panel's "Save data set as CSV…" (the points
it draws, generated and drawn with the mouse, in a file that ``target=file`` reads back to the
same points, as the decision-boundary panel's does for ``dataset=file``), and controls that
offer only the engine regression trains on."""

from __future__ import annotations

import numpy as np
from test_export_dataset_csv import controller_saving_to, menu_entry

from nnviz.app.panels.regression_fit import RegressionFitPanel
from nnviz.data.point_edits import ADD, DataEdit
from nnviz.scenarios.regression import RegressionConfig
from nnviz.scenarios.regression import build as build_regression
from nnviz.session import train

DRAWN = np.column_stack([np.linspace(3.6, 4.4, 5), np.full(5, 2.0)])


def fit_panel(qtbot, session) -> RegressionFitPanel:
    panel = RegressionFitPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(list(train(session, max_steps=10, every=10))[-1])
    return panel


def test_the_fit_panel_saves_its_points_and_target_file_reads_them_back(qtbot, tmp_path):
    session = build_regression(RegressionConfig(n_samples=60))
    session.apply_data_edits([DataEdit(ADD, DRAWN, targets=DRAWN[:, 1])])
    panel = fit_panel(qtbot, session)
    controller, dialogs = controller_saving_to(tmp_path, "fit.csv")
    action = menu_entry(controller, panel)
    assert action.isEnabled()
    action.trigger()
    assert dialogs and (tmp_path / "fit.csv").exists()
    shown = panel.view
    assert np.isin(DRAWN[:, 0], shown.train_points[:, 0]).all()  # the drawn points are in it

    again = build_regression(RegressionConfig(target="file", data_file=str(tmp_path / "fit.csv"),
                                              input_scaling="none"))
    reloaded = again.regression_fit()
    np.testing.assert_allclose(reloaded.train_points, shown.train_points, rtol=1e-6)
    np.testing.assert_allclose(reloaded.train_targets, shown.train_targets, rtol=1e-6)
    np.testing.assert_allclose(reloaded.test_points, shown.test_points, rtol=1e-6)
    np.testing.assert_allclose(reloaded.test_targets, shown.test_targets, rtol=1e-6)


def test_the_saved_file_has_the_input_the_split_and_the_target_last(qtbot, tmp_path):
    panel = fit_panel(qtbot, build_regression(RegressionConfig(n_samples=20)))
    held = panel.point_data_set()
    assert held is not None and held.target_name == "y"
    from nnviz.io.dataset_csv import write_dataset_csv

    path = write_dataset_csv(tmp_path / "fit.csv", held.data, held.notes,
                             target_name=held.target_name)
    header = next(line for line in path.read_text().splitlines() if not line.startswith("#"))
    assert header.split(",")[1:] == ["split", "y"]


def test_a_fit_panel_without_a_fit_has_nothing_to_save(qtbot):
    panel = RegressionFitPanel()
    qtbot.addWidget(panel)
    assert panel.saves_data_set and panel.point_data_set() is None


def test_the_regression_controls_offer_only_the_backend_it_trains_on(qtbot):
    """Issue 17: regression refuses backend=torch, so its Backend choice offers no torch."""
    from nnviz.app.controls import ControlsPanel

    panel = ControlsPanel(RegressionConfig)
    qtbot.addWidget(panel)
    combo = panel.editors["backend"].combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["numpy"]
