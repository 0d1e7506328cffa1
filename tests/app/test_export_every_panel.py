"""Every registered panel, fed a real run of a scenario that shows it, exports and reopens.

Panels land from several people; this catches one whose figure comes out blank, whose SVG
does not parse (pyqtgraph's exporter and closed paths), or whose CSV is ragged.
"""

from __future__ import annotations

import csv
import dataclasses
import xml.etree.ElementTree as ET
from unittest import mock

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from nnviz.app import export
from nnviz.app.panels import all_panels
from nnviz.scenarios.registry import all_scenarios
from nnviz.session import train

STEPS = 6


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
