"""Every registered panel, fed a real run of a scenario that shows it, exports and reopens.

Panels land from several people; this catches one whose figure comes out blank, whose SVG
does not parse (pyqtgraph's exporter and closed paths), or whose CSV is ragged, and, for the
record types below, one whose exported table does not hold the rows its view holds.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import xml.etree.ElementTree as ET
from unittest import mock

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from nnviz.app import export
from nnviz.app.panels import all_panels
from nnviz.app.panels.field_table import field_stride
from nnviz.core.classifier_views import ConfusionMatrix, ExampleGallery, ImageTiles
from nnviz.core.loss_surface import LossSurface
from nnviz.core.similarity import QueryAnswer
from nnviz.core.views import DecisionGrid, NetworkView, Projection
from nnviz.scenarios.registry import all_scenarios
from nnviz.session import train

STEPS = 6

#: record type -> (the CSV table a panel drawing it writes, the data rows the view holds)
ROWS_OF_VIEW = {
    DecisionGrid: ("probability_field", lambda v: math.prod(
        len(range(0, side, field_stride(v))) for side in v.probabilities.shape[:2])),
    NetworkView: ("weights", lambda v: sum(w.size for w in v.weights)),
    Projection: ("points", lambda v: len(v.points)),
    ConfusionMatrix: ("confusion_matrix", lambda v: len(v.class_names)),
    ImageTiles: ("weights", lambda v: len(v.tiles)),
    ExampleGallery: ("examples", lambda v: len(v.images)),
    LossSurface: ("loss_surface", lambda v: v.values.size),
    QueryAnswer: ("answers", lambda v: len(v.answers)),
}


def _cases():
    registry = all_panels()
    seen = set()
    for scenario in all_scenarios().values():
        if scenario.unavailable_reason() or "torch" in scenario.requires:
            continue
        for kind in scenario.panels:
            if kind in registry and kind not in seen:
                seen.add(kind)
                yield pytest.param(scenario.name, kind, id=f"{scenario.name}-{kind}")


_snapshots: dict[str, list] = {}


def _run(name):
    if name not in _snapshots:
        scenario = all_scenarios()[name]
        session = scenario.create_session(scenario.default_config())
        frames = list(train(session, max_steps=STEPS, every=2, views=False))
        frames[-1] = dataclasses.replace(frames[-1], views=session.views())
        _snapshots[name] = frames
    return _snapshots[name]


def fed_panel(qtbot, kind: str, scenario_name: str, size: tuple[int, int]):
    """A panel of ``kind`` shown at ``size`` and drawn from every snapshot of the run."""
    panel = all_panels()[kind]()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    frames = _run(scenario_name)
    panel.start_run(frames[-1].run_id)
    for frame in frames:
        panel.show_snapshot(frame)
    qtbot.wait(10)  # layouts settle
    return panel


@pytest.mark.parametrize("scenario_name, kind", list(_cases()))
def test_panel_exports_open(qtbot, tmp_path, scenario_name, kind):
    panel = fed_panel(qtbot, kind, scenario_name, (480, 360))
    formats = ("png", "svg", "csv") if panel.csv_tables() else ("png", "svg")
    written = export.export_panel(panel, tmp_path, export.ExportOptions(formats, (400, 300)))
    if not panel.figure:  # controls (the racer editor): their data, never a picture
        assert {p.suffix for p in written} == {".csv", ".json"}
        return
    png = next(p for p in written if p.suffix == ".png")
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
    assert (image.width(), image.height()) == (400, 300)
    pixels = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    assert pixels.std() > 3, f"{png.name} is blank"
    root = ET.parse(next(p for p in written if p.suffix == ".svg")).getroot()
    assert root.tag.endswith("svg") and len(list(root.iter())) > 5
    for table in (p for p in written if p.suffix == ".csv"):
        rows = list(csv.reader(table.read_text().splitlines()))
        assert len(rows) >= 2 and len({len(r) for r in rows}) == 1, table.name
    assert_tables_hold_the_views(panel, written, _run(scenario_name)[-1])


def assert_tables_hold_the_views(panel, written, snapshot) -> None:
    """Each view the panel draws (of a type in :data:`ROWS_OF_VIEW`) is in its exported CSV
    table, one data row per value the view holds."""
    for kind, record_type in panel.draws.items():
        if record_type not in ROWS_OF_VIEW:
            continue
        view = snapshot.view(record_type, kind)
        assert view is not None, f"{panel.kind}: the run made no {kind}"
        table, rows_of = ROWS_OF_VIEW[record_type]
        tables = [p for p in written if p.suffix == ".csv"]
        if len(tables) == 1:  # a panel's one table is written under the panel's own name
            assert set(panel.csv_tables()) == {table}, panel.kind
        path = next((p for p in tables if len(tables) == 1 or p.stem.endswith(table)), None)
        assert path is not None, f"{panel.kind}: no {table} table in {[p.name for p in written]}"
        data_rows = list(csv.reader(path.read_text().splitlines()))[1:]
        assert len(data_rows) == rows_of(view), f"{panel.kind}: {path.name}"


def test_a_widget_panel_exports_without_its_buttons_and_scroll_bars(qtbot):
    """The word query's box and its tables' scroll bars are for the app, not the figure."""
    from PySide6.QtWidgets import QAbstractScrollArea

    panel = fed_panel(qtbot, "word_query", "embeddings", (420, 300))
    seen = {}

    def spy(widget, *args, **kwargs):
        seen["query box"] = panel.query_edit.isVisible()
        seen["scroll bars"] = [area.verticalScrollBar().isVisible()
                               for area in panel.findChildren(QAbstractScrollArea)]
        return original(widget, *args, **kwargs)

    original = QWidget.render
    with mock.patch.object(QWidget, "render", spy):
        export.render_png(panel, (420, 300))
    assert seen["query box"] is False
    assert not any(seen["scroll bars"])
    assert panel.query_edit.isVisible(), "the app gets its query box back"
