"""The decision-boundary panel's "Save data set as CSV…": the points it holds, in a file that
``dataset=file`` reads back; a sample says so in the dialog, the file and the message."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from nnviz.app.export_menu import ExportController
from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel
from nnviz.data.table_file import load_table, table_split
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

ENTRY = "Save data set as CSV…"


@pytest.fixture
def panel(qtbot):
    scenario = get_scenario("moons")
    config = scenario.config_type(n_samples=120, dataset="circles")
    last = list(train(scenario.create_session(config), max_steps=10, every=10))[-1]
    widget = DecisionBoundaryPanel()
    qtbot.addWidget(widget)
    widget.show_snapshot(last)
    return widget


def controller_saving_to(tmp_path, name: str):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    controller = ExportController(settings=settings)
    controller.folder = tmp_path
    controller.quiet = True
    dialogs = []

    def run_dialog(dialog):
        dialogs.append((dialog, list(dialog.selectedFiles())))
        dialog.selectFile(str(tmp_path / name))
        return True

    controller.run_dialog = run_dialog
    return controller, dialogs


def menu_entry(controller, panel):
    menu = controller.menu_for(panel)
    controller._fill(menu, panel)
    return next(a for a in menu.actions() if a.text() == ENTRY)


def test_the_menu_saves_the_panels_points_as_a_reloadable_csv(qtbot, panel, tmp_path):
    controller, dialogs = controller_saving_to(tmp_path, "points.csv")
    messages = []
    controller.message.connect(messages.append)
    action = menu_entry(controller, panel)
    assert action.isEnabled()
    action.trigger()
    assert len(dialogs) == 1 and "sample" not in dialogs[0][0].windowTitle()
    assert dialogs[0][1][0].endswith("dataset.csv")
    grid = panel.grid
    data = table_split(load_table(tmp_path / "points.csv"), 0.5, 0)
    np.testing.assert_allclose(data.train_x, grid.train_points)
    np.testing.assert_allclose(data.test_x, grid.test_points)
    np.testing.assert_array_equal(data.train_y, grid.train_labels)
    np.testing.assert_array_equal(data.test_y, grid.test_labels)
    assert messages == [f"Wrote points.csv in {tmp_path}"]


def test_a_sampled_panel_says_so_and_points_to_export_data(qtbot, panel, tmp_path):
    grid = panel.grid
    panel.draw(dataclasses.replace(grid, point_totals=(50_000, 9_000)))
    controller, dialogs = controller_saving_to(tmp_path, "sample.csv")
    messages = []
    controller.message.connect(messages.append)
    menu_entry(controller, panel).trigger()
    assert "nnviz export --data" in dialogs[0][0].windowTitle()
    assert dialogs[0][1][0].endswith("dataset-sample.csv")
    text = (tmp_path / "sample.csv").read_text()
    assert f"# a sample: {len(grid.train_labels):,} of 50,000 training" in text
    assert "nnviz export --data writes the whole set" in text
    assert "a sample" in messages[0]
    assert load_table(tmp_path / "sample.csv").n_rows == len(grid.train_labels) + len(
        grid.test_labels)


def test_no_entry_before_the_first_grid(qtbot, tmp_path):
    widget = DecisionBoundaryPanel()
    qtbot.addWidget(widget)
    controller, _ = controller_saving_to(tmp_path, "x.csv")
    assert not menu_entry(controller, widget).isEnabled()
