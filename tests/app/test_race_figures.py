"""The race's figures fit to publish: a finish table readable at every window size and
racer count and filling its export, loss curves with a title and headroom, legend words
spelled out."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QTextTable

from nnviz.app import export
from nnviz.app.panel_checks import clipped_texts, problems, small_texts
from nnviz.app.panels.race_curves import RaceCurvesPanel
from nnviz.app.panels.race_finish import RaceFinishPanel
from nnviz.core.racers import RacerSpec
from nnviz.scenarios.race import RaceConfig, RaceSession
from nnviz.session import train

#: two, five (the race's default line-up) and eight racers
LINE_UPS = {
    2: "gd; momentum momentum=0.9",
    5: "gd; momentum momentum=0.9; nesterov momentum=0.9; adam lr=0.3; newton",
    8: "gd; momentum momentum=0.9; nesterov momentum=0.9; adam lr=0.3; newton; "
       "rmsprop lr=0.05; adagrad lr=0.5; sgd batch=50",
}
#: the finish panel's size (below its title) in a window of 1024×700, 1440×900, 2560×1440
PANEL_SIZES = {"1024x700": (264, 235), "1440x900": (525, 300), "2560x1440": (1000, 560)}


@pytest.fixture(scope="module")
def races():
    """The last snapshot of a short race per line-up."""
    last = {}
    for count, racers in LINE_UPS.items():
        session = RaceSession(RaceConfig(racers=racers, epochs=12, target_loss=0.35))
        last[count] = list(train(session, every=12))[-1]
    return last


def shown(qtbot, panel, snapshot, size):
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    panel.start_run(snapshot.run_id)
    panel.show_snapshot(snapshot)
    qtbot.wait(1)
    return panel


def wrapped_cells(panel) -> list[str]:
    """The table's cells laid out on more than one line ("momentum" as "mom/entu/m")."""
    document = panel.table.item.document()
    tables = [frame for frame in document.rootFrame().childFrames()
              if isinstance(frame, QTextTable)]
    assert len(tables) == 1
    table = tables[0]
    found = []
    for row in range(table.rows()):
        for column in range(table.columns()):
            block = table.cellAt(row, column).firstCursorPosition().block()
            if block.layout().lineCount() > 1:
                found.append(block.text())
    return found


@pytest.mark.parametrize("count", sorted(LINE_UPS))
@pytest.mark.parametrize("window", sorted(PANEL_SIZES))
def test_the_finish_table_is_readable_whole_at_every_window_size(qtbot, races, count, window):
    """Never below 9 px type (five racers were set at ~6 px in a 1024×700 window), never
    cut at the panel's edge, every racer's row there."""
    panel = shown(qtbot, RaceFinishPanel(), races[count], PANEL_SIZES[window])
    assert small_texts(panel) == []
    assert clipped_texts(panel) == []
    assert panel.table.item.scale() == 1.0
    assert wrapped_cells(panel) == [], "no cell split over two lines"
    text = panel.table.item.toPlainText()
    assert all(racer.name in text for racer in races[count].views["race"].racers)
    assert "upd., ep.: updates and epochs to the target" in text, "the key explains them"


def test_a_larger_panel_sets_the_table_in_larger_type(qtbot, races):
    small = shown(qtbot, RaceFinishPanel(), races[5], PANEL_SIZES["1024x700"])
    large = shown(qtbot, RaceFinishPanel(), races[5], PANEL_SIZES["2560x1440"])
    assert small.pixels < large.pixels


def _inked(image) -> tuple[float, float]:
    """The fractions of the image's width and height that its non-white pixels span."""
    image = image.convertToFormat(image.Format.Format_RGB32)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    pixels = pixels[:, :width * 4].reshape(height, width, 4)[:, :, :3]
    ink = (pixels < 235).any(axis=2)
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return ((columns[-1] - columns[0] + 1) / width, (rows[-1] - rows[0] + 1) / height)


@pytest.mark.parametrize("count", [2, 5])
def test_the_finish_table_fills_its_export(qtbot, races, count):
    """An 800×600 export is the table at that size (its width, and half its height or
    more), not the table in its top-left corner."""
    panel = shown(qtbot, RaceFinishPanel(), races[count], PANEL_SIZES["1024x700"])
    image = export.render_png(panel, (800, 600))
    wide, tall = _inked(image)
    assert wide > 0.9 and tall > 0.5, (wide, tall)
    assert QColor(image.pixel(799, 599)).lightness() > 240, "a white page"


def test_the_loss_curves_have_a_title_and_room_above_the_highest_loss(qtbot, races):
    panel = shown(qtbot, RaceCurvesPanel(), races[5], (800, 600))
    plot = panel.plot.getPlotItem()
    assert plot.titleLabel.isVisible() and "0.35" in plot.titleLabel.text
    box = plot.getViewBox()
    (_, _), (low, high) = box.viewRange()
    highest = max(np.nanmax(curve.getData()[1]) for curve in panel.curves.values())
    assert (high - highest) / (high - low) >= 0.05, "the first loss is off the top edge"
    assert problems(panel) == []


def test_a_step_schedule_counts_in_epochs_not_ep():
    spec = RacerSpec(kind="sgd", name="sgd", learning_rate=4.0, schedule="step",
                     step_every=150, decay=0.1)
    assert spec.settings_text("epochs").endswith("η×0.1 every 150 epochs")
    assert spec.settings_text("updates").endswith("η×0.1 every 150 updates")


def test_a_panel_too_short_for_the_smallest_type_asks_for_height(qtbot, races):
    """Eight racers in a very short panel: the type stays readable and the panel asks for
    the height it needs (the window scrolls) instead of drawing the table smaller; having
    grown to it, it keeps asking the same (no back and forth between two heights)."""
    panel = shown(qtbot, RaceFinishPanel(), races[8], (264, 120))
    needed = panel.view.minimumHeight()
    assert needed > 120
    assert panel.pixels == 9 and panel.table.item.scale() == 1.0  # the smallest readable
    qtbot.waitUntil(lambda: panel.view.height() >= needed)
    qtbot.wait(20)
    assert panel.view.minimumHeight() == needed
    assert small_texts(panel) == [] and clipped_texts(panel) == []


def test_the_loss_surface_has_a_title(qtbot, races):
    from nnviz.app.panels.race_surface import RaceSurfacePanel

    panel = shown(qtbot, RaceSurfacePanel(), races[2], (800, 600))
    title = panel.plot.getPlotItem().titleLabel
    assert title.isVisible() and "each racer's path" in title.text
    assert problems(panel) == []
