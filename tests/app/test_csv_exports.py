"""CSV exports in proportion to their figure, and a sidecar that says what every column is."""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest

from nnviz.app import export
from nnviz.app.panels import all_panels
from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel
from nnviz.io.columns import UNDESCRIBED, describe_column
from nnviz.scenarios.registry import all_scenarios, get_scenario
from nnviz.session import train


def moons_boundary(qtbot, steps=30):
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    scenario = get_scenario("moons")
    session = scenario.create_session(scenario.default_config())
    for snapshot in train(session, max_steps=steps, every=steps):
        panel.show_snapshot(snapshot)
    return panel


def test_the_probability_field_csv_is_a_stated_sample_not_3_megabytes(qtbot, tmp_path):
    panel = moons_boundary(qtbot)
    assert panel.grid.probabilities.shape[:2] == (200, 200)  # what the panel draws
    written = export.export_panel(panel, tmp_path, export.ExportOptions(("csv",)))
    field = next(p for p in written if p.name.endswith("probability_field.csv"))
    assert field.stat().st_size < 150_000  # 40,000 rows of float64 reprs were 3.1 MB
    rows = list(csv.reader(field.read_text().splitlines()))
    assert rows[0] == ["x1", "x2", "p_class0", "p_class1"] and len(rows) == 1 + 50 * 50
    sidecar = json.loads(next(p for p in written if p.suffix == ".json").read_text())
    entry = sidecar["csv"][field.name]
    assert entry["rows"] == 2500 and entry["table"] == "probability_field"
    assert "50×50 grid: every 4th point of the 200×200 field" in entry["about"]
    assert entry["columns"]["p_class1"] == (
        "the model's probability of class 1 at this point (0 to 1)")
    points = sidecar["csv"][next(p.name for p in written if p.name.endswith("points.csv"))]
    assert points["columns"]["label"] == "the point's true class index"


def test_a_panel_with_one_table_describes_its_single_file(qtbot, tmp_path):
    panel = moons_boundary(qtbot)
    panel.csv_tables = lambda: {"loss": (["step", "loss"], [[1, 2], [0.5, 0.4]])}
    written = export.export_panel(panel, tmp_path, export.ExportOptions(("csv",)))
    sidecar = json.loads(written[-1].read_text())
    assert list(sidecar["csv"]) == [written[0].name]
    assert sidecar["csv"][written[0].name]["columns"]["step"].startswith("training step")


def test_a_png_export_has_no_csv_entry(qtbot, tmp_path):
    panel = moons_boundary(qtbot)
    written = export.export_panel(panel, tmp_path, export.ExportOptions(("png",), (200, 150)))
    assert "csv" not in json.loads(written[-1].read_text())


def test_rules_match_whole_names_and_quote_their_groups():
    assert describe_column("probability_field", "p_class3").startswith(
        "the model's probability of class 3")
    assert describe_column("weights-layer1-distribution", "p15.87").startswith(
        "the 15.87th percentile")
    assert describe_column("confusion_matrix", "7").startswith(
        "test examples of the row's class predicted as 7")
    assert describe_column("anything", "a column nobody named") == UNDESCRIBED


_frames: dict[str, list] = {}


def _cases():
    registry = all_panels()
    for scenario in all_scenarios().values():
        if scenario.unavailable_reason() or "torch" in scenario.requires:
            continue
        for kind in scenario.panels:
            if kind in registry:
                yield pytest.param(scenario.name, kind, id=f"{scenario.name}-{kind}")


@pytest.mark.parametrize("scenario_name, kind", list(_cases()))
def test_every_column_of_every_panel_is_described(qtbot, scenario_name, kind):
    if scenario_name not in _frames:
        scenario = all_scenarios()[scenario_name]
        session = scenario.create_session(scenario.default_config())
        frames = list(train(session, max_steps=6, every=2, views=False))
        frames[-1] = dataclasses.replace(frames[-1], views=session.views())
        _frames[scenario_name] = frames
    panel = all_panels()[kind]()
    qtbot.addWidget(panel)
    for frame in _frames[scenario_name]:
        panel.show_snapshot(frame)
    for _, description in export.csv_files(panel).values():
        undescribed = [name for name, meaning in description["columns"].items()
                       if meaning == UNDESCRIBED or not meaning]
        assert not undescribed, f"{description['table']}: {undescribed}"
