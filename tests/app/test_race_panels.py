"""Race panels: curves, loss surface, finish line and racer editor, drawn from real races."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsProxyWidget,
    QPushButton,
    QTableWidget,
)

from nnviz.app.panels import all_panels
from nnviz.app.panels.race import racer_colour
from nnviz.app.panels.race_curves import RaceCurvesPanel
from nnviz.app.panels.race_editor import RacerEditorPanel
from nnviz.app.panels.race_finish import RaceFinishPanel
from nnviz.app.panels.race_surface import RaceSurfacePanel, log_excess
from nnviz.core.race_views import RacerView, format_seconds
from nnviz.core.racers import parse_racers
from nnviz.scenarios.race import RaceConfig, RaceSession
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

RACERS = "gd lr=1; momentum lr=0.5 momentum=0.9; newton"


@pytest.fixture(scope="module")
def logistic_run():
    session = RaceSession(RaceConfig(racers=RACERS, epochs=30, target_loss=0.34))
    return session, list(train(session, every=10))


@pytest.fixture(scope="module")
def mlp_run():
    config = RaceConfig(problem="mlp", dataset="moons", n_samples=300, hidden_sizes=(5,),
                        racers="sgd lr=0.3 batch=30; adam lr=0.05", epochs=4,
                        surface_resolution=12, surface_points=200)
    session = RaceSession(config)
    return session, list(train(session, every=10))


def _shown(panel, snapshots, qtbot, size=(600, 400)):
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    for snapshot in snapshots:
        panel.show_snapshot(snapshot)
    qtbot.waitExposed(panel)
    image = panel.grab().toImage()
    assert image.width() == size[0] and not image.isNull()
    return image


def _colours(image, step=7):
    return {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}


def test_the_race_panels_are_registered_for_the_scenario():
    panels = all_panels()
    for kind in get_scenario("race").panels:
        assert kind in panels
    assert panels["race_curves"] is RaceCurvesPanel


def test_curves_follow_the_axis_selector(qtbot, logistic_run):
    _, snapshots = logistic_run
    panel = RaceCurvesPanel()
    image = _shown(panel, snapshots, qtbot)
    view = snapshots[-1].views["race"]
    assert set(panel.curves) == {"gd", "momentum", "newton"}
    for axis, column in (("epoch", 1), ("updates", 0), ("compute time", 2), ("wall time", 4)):
        panel.axis_choice.setCurrentText(axis)
        for racer in view.racers:
            x, y = panel.curves[racer.name].getData()
            np.testing.assert_allclose(x, racer.curve[:, column])
            np.testing.assert_allclose(y, np.log10(racer.curve[:, 3]))  # log loss is on
        marks_x, marks_y = panel.finish_marks.getData()
        finishers = [r for r in view.racers if r.finish is not None]
        np.testing.assert_allclose(marks_x, [r.curve[r.curve[:, 0] == r.finish.updates][0,
                                                                                       column]
                                             for r in finishers])
        np.testing.assert_allclose(marks_y, [np.log10(r.finish.loss) for r in finishers])
    panel.log_loss.setChecked(False)
    _, y = panel.curves["gd"].getData()
    np.testing.assert_allclose(y, view.racers[0].curve[:, 3])
    assert "thinned" not in panel.plot.getAxis("bottom").labelText
    assert panel.target_line.value() == pytest.approx(0.34)
    labels = [label.text for _, label in panel.legend.items]
    assert any("momentum: η=0.5, γ=0.9" in text for text in labels)
    colours = _colours(image)
    for number in range(3):
        assert any((c & 0xFFFFFF) == _rgb(racer_colour(number)) for c in colours)
    header, columns = panel.csv_tables()["loss_curves"]
    assert header == ["racer", "updates", "epoch", "compute_seconds", "wall_seconds", "loss"]
    assert len(columns[0]) == sum(len(r.curve) for r in view.racers)


def _rgb(colour):
    r, g, b = colour
    return (r << 16) | (g << 8) | b


def test_curves_drop_a_removed_racer_and_forget_everything_on_a_new_run(qtbot):
    session = RaceSession(RaceConfig(racers="gd; adam lr=0.1", epochs=0))
    panel = RaceCurvesPanel()
    qtbot.addWidget(panel)
    first = next(iter(train(session, max_steps=3, every=1)))
    panel.show_snapshot(first)
    assert set(panel.curves) == {"gd", "adam"}
    session.apply_live({"racers": "gd"})
    snapshots = list(train(session, max_steps=6, every=3))
    panel.show_snapshot(snapshots[-1])
    assert set(panel.curves) == {"gd"}
    panel.start_run(999)
    assert panel.curves == {} and panel.csv_tables() == {}


def test_surface_draws_contours_paths_and_the_optimum(qtbot, logistic_run):
    session, snapshots = logistic_run
    panel = RaceSurfacePanel()
    image = _shown(panel, snapshots, qtbot)
    surface = snapshots[-1].views["loss_surface"]
    assert set(panel.paths) == set(surface.paths) == {"gd", "momentum", "newton"}
    x, y = panel.paths["momentum"].getData()
    np.testing.assert_allclose(np.c_[x, y], surface.paths["momentum"])
    assert panel.image.image.shape == surface.values.shape
    assert len(panel.contours.getData()[0]) > 100
    ox, oy = panel.optimum.getData()
    assert (ox[0], oy[0]) == pytest.approx(tuple(session.optimum[:2]))
    assert len(panel.heads.getData()[0]) == 3
    assert "b*" in panel.note.text
    assert len(_colours(image)) > 40, "an image of the surface, not a blank plot"
    grid, paths = panel.csv_tables()["loss_surface"], panel.csv_tables()["paths"]
    assert len(grid[1][2]) == surface.values.size and set(paths[1][0]) == set(surface.paths)


def test_surface_redraws_its_image_only_for_a_new_revision(qtbot, logistic_run, monkeypatch):
    _, snapshots = logistic_run
    panel = RaceSurfacePanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots[-1])
    calls = []
    monkeypatch.setattr(panel.image, "setImage", lambda *a, **k: calls.append(1))
    panel.show_snapshot(snapshots[-1])
    assert calls == []


def test_mlp_surface_slice(qtbot, mlp_run):
    _, snapshots = mlp_run
    panel = RaceSurfacePanel()
    _shown(panel, snapshots, qtbot)
    assert panel.image.image.shape == (12, 12)
    assert panel.optimum.getData()[0].size == 0
    assert "filter-normalised" in panel.note.text
    assert panel.plot.getAxis("bottom").labelText.startswith("α")


def test_log_excess_resolves_the_floor():
    values = np.array([[0.33, 0.331], [0.5, 4.0]])
    out = log_excess(values)
    assert out[0, 0] < out[0, 1] < out[1, 0] < out[1, 1]
    plain = np.log10(values)
    assert out[0, 1] - out[0, 0] > 50 * (plain[0, 1] - plain[0, 0])


def test_finish_table(qtbot, logistic_run):
    from nnviz.app.panels.race_finish import finish_table_html

    _, snapshots = logistic_run
    panel = RaceFinishPanel()
    _shown(panel, snapshots, qtbot, size=(600, 200))
    view = snapshots[-1].views["race"]
    assert [row[0] for row in panel.rows] == ["gd", "momentum", "newton"]
    newton = view.racers[2]
    assert panel.rows[2][2] == str(newton.finish.updates)
    assert (2, "newton") in panel.best, "fewest updates is in bold"
    text = panel.table.item.toPlainText()
    assert "upd." in text and "updates and epochs to the target" in text
    assert str(newton.finish.updates) in text
    assert f"<b>{newton.finish.updates}</b>" in finish_table_html(
        panel.cells, [racer_colour(r.number) for r in view.racers], panel.best)
    assert "0.34" in panel.heading
    header, columns = panel.csv_tables()["finish_line"]
    assert header[2] == "updates to target" and columns[0] == ["gd", "momentum", "newton"]
    assert format_seconds(0.0021) == "2.1 ms" and format_seconds(3e-5) == "30 µs"


def test_the_curves_and_the_finish_line_name_both_clocks(qtbot, logistic_run):
    """Compute time (a racer's own updates) and wall time (with its loss evaluations) are
    two x axes of the curves, titled by what they count, and two columns of the finish line."""
    _, snapshots = logistic_run
    curves = RaceCurvesPanel()
    _shown(curves, snapshots, qtbot)
    options = [curves.axis_choice.itemText(i) for i in range(curves.axis_choice.count())]
    assert options == ["epoch", "updates", "compute time", "wall time"]
    titles = {}
    for option in ("compute time", "wall time"):
        curves.axis_choice.setCurrentText(option)
        titles[option] = curves.plot.getAxis("bottom").labelText
    assert "compute time" in titles["compute time"] and "own updates" in titles["compute time"]
    assert "wall time" in titles["wall time"] and "loss evaluations" in titles["wall time"]
    finish = RaceFinishPanel()
    _shown(finish, snapshots, qtbot, size=(900, 200))
    newton = snapshots[-1].views["race"].racers[2]
    header, columns = finish.csv_tables()["finish_line"]
    compute, wall = header.index("compute time to target"), header.index("wall time to target")
    assert columns[compute][2] == format_seconds(newton.finish.compute_seconds)
    assert columns[wall][2] == format_seconds(newton.finish.wall_seconds)
    text = finish.table.item.toPlainText()
    assert "compute (own updates only) and wall time (with loss evaluations)" in text


def test_editor_loads_edits_and_emits_a_valid_racers_line(qtbot, logistic_run):
    session, snapshots = logistic_run
    panel = RacerEditorPanel()
    _shown(panel, snapshots[-1:], qtbot, size=(600, 250))
    assert panel.table.rowCount() == 3
    assert parse_racers(panel.racers_line()) == parse_racers(RACERS)
    assert panel.table.item(1, 4).text() == "momentum=0.9"
    panel.table.item(1, 2).setText("0.05")
    assert panel.dirty
    panel.new_kind.setCurrentText("adam")
    qtbot.mouseClick(panel.add_button, Qt.LeftButton)
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.LeftButton)
    with qtbot.waitSignal(panel.live_change) as emitted:
        qtbot.mouseClick(panel.apply_button, Qt.LeftButton)
    name, line = emitted.args
    assert name == "racers"
    specs = parse_racers(line)
    assert [s.name for s in specs] == ["momentum", "newton", "adam"]
    assert specs[0].learning_rate == 0.05 and specs[0].momentum == 0.9
    session.apply_live({"racers": line})  # the loop accepts what the editor sends
    assert session.names == ["momentum", "newton", "adam"]


def test_editor_sends_racers_the_race_takes_as_they_are(qtbot, logistic_run):
    """The table is read into specs once; the race takes those very specs (no line written
    out and parsed again on the way)."""
    from nnviz.core.racers import Racers

    _, snapshots = logistic_run
    panel = RacerEditorPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots[-1])
    panel.table.item(0, 2).setText("0.25")
    with qtbot.waitSignal(panel.live_change) as emitted:
        assert panel.apply()
    name, racers = emitted.args
    assert name == "racers" and isinstance(racers, Racers)
    assert racers == panel.racers_line() and racers.specs[0].learning_rate == 0.25
    session = RaceSession(RaceConfig(racers=RACERS, epochs=0))
    session.apply_live({"racers": racers})
    assert [r.spec for r in session.racers] == list(racers.specs)
    assert all(r.spec is spec for r, spec in zip(session.racers, racers.specs, strict=True))


def test_editor_shows_the_racers_of_the_race_view_not_the_config(qtbot, logistic_run):
    """What the editor shows comes in the view record: a snapshot whose config says other
    racers (or none) still loads the racers that race."""
    import dataclasses

    _, snapshots = logistic_run
    panel = RacerEditorPanel()
    qtbot.addWidget(panel)
    other = dataclasses.replace(snapshots[-1], config=RaceConfig(racers="adam"))
    panel.show_snapshot(other)
    assert [panel._cell(row, 1) for row in range(panel.table.rowCount())] == \
        ["gd", "momentum", "newton"]
    assert panel.problem == "logistic"


def test_editor_says_what_is_wrong_and_sends_nothing(qtbot, logistic_run, mlp_run):
    _, snapshots = logistic_run
    panel = RacerEditorPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots[-1])
    panel.table.item(0, 2).setText("fast")
    emitted = []
    panel.live_change.connect(lambda *args: emitted.append(args))
    assert not panel.apply()
    assert "racer 1" in panel.message.text() and "lr='fast' is not a number" in \
        panel.message.text()
    assert emitted == []
    mlp_panel = RacerEditorPanel()
    qtbot.addWidget(mlp_panel)
    mlp_panel.show_snapshot(mlp_run[1][-1])
    mlp_panel.new_kind.setCurrentText("newton")
    mlp_panel.add_racer()
    assert not mlp_panel.apply()
    assert "problem=logistic" in mlp_panel.message.text()
    assert mlp_panel.table.item(0, 3).text() == "30"


def test_editor_keeps_unapplied_edits_when_snapshots_arrive(qtbot, logistic_run):
    _, snapshots = logistic_run
    panel = RacerEditorPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots[0])
    panel.table.item(0, 1).setText("plain")
    panel.show_snapshot(snapshots[-1])
    assert panel.table.item(0, 1).text() == "plain"


def test_a_racer_replaced_by_another_kind_gets_a_new_colour(qtbot):
    session = RaceSession(RaceConfig(racers="gd name=x; adam", epochs=0))
    curves, surface = RaceCurvesPanel(), RaceSurfacePanel()
    for panel in (curves, surface):
        qtbot.addWidget(panel)
        panel.show_snapshot(next(iter(train(session, max_steps=2, every=1))))
    before = curves.curves["x"].opts["pen"].color().getRgb()[:3]
    session.apply_live({"racers": "momentum name=x; adam"})
    snapshot = list(train(session, max_steps=4, every=2))[-1]
    for panel in (curves, surface):
        panel.show_snapshot(snapshot)
    after = curves.curves["x"].opts["pen"].color().getRgb()[:3]
    assert before == racer_colour(0) and after == racer_colour(2)
    assert surface.paths["x"].opts["pen"].color().getRgb()[:3] == racer_colour(2)


def test_the_editor_changes_a_race_running_in_the_worker_process(qtbot):
    from nnviz.app.process_worker import WorkerProcess

    process = WorkerProcess()
    worker = process.open_run("race", RaceConfig(racers="gd", epochs=0, pace=300),
                              paused=False, interval=0.02)
    editor, curves = RacerEditorPanel(), RaceCurvesPanel()
    for panel in (editor, curves):
        qtbot.addWidget(panel)
    editor.live_change.connect(worker.mailbox.post)
    seen = []

    def drain():
        for item in worker.outbox.take_all():
            if hasattr(item, "views") and item.views:
                seen.append(item)
                editor.show_snapshot(item)
                curves.show_snapshot(item)
        return seen

    try:
        qtbot.waitUntil(lambda: bool(drain()), timeout=10_000)
        assert editor.table.rowCount() == 1
        editor.new_kind.setCurrentText("adam")
        editor.add_racer()
        assert editor.apply()
        qtbot.waitUntil(lambda: drain() and "adam" in curves.curves, timeout=5000)
        assert [s.name for s in parse_racers(seen[-1].config.racers)] == ["gd", "adam"]
    finally:
        worker.stop()
        assert worker.join(2.0)
        assert process.close()


def test_a_thinned_curve_says_so_on_the_axis(qtbot):
    session = RaceSession(RaceConfig(racers="gd", epochs=0))
    session.racers[0].curve = type(session.racers[0].curve)(capacity=8)
    snapshots = list(train(session, max_steps=30, every=30))
    assert snapshots[-1].views["race"].racers[0].thinned
    panel = RaceCurvesPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots[-1])
    assert "thinned" in panel.plot.getAxis("bottom").labelText
    assert len(panel.curves["gd"].getData()[0]) < 30


# -- issue 19: framing, captions, exports without widgets, the finish message ------------------
def _runaway_surface(revision: int = 0, far: float = 1e4):
    """The plane (−2…2)² with a racer heading off to ``far``, as Newton does on separable data."""
    from nnviz.core.loss_surface import LossSurface

    values = np.add.outer(np.linspace(0, 1, 20), np.linspace(0, 1, 20))
    path = np.array([[0.0, 0.0], [1.0, 1.0], [far, far]])
    return LossSurface(extent=(-2.0, 2.0, -2.0, 2.0), values=values, x_label="w₁",
                       y_label="w₂", paths={"newton": path, "gd": path[:2]}, note="a plane",
                       revision=revision)


def test_the_surface_view_frames_the_surface_not_a_runaway_path(qtbot):
    panel = RaceSurfacePanel()
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.draw(_runaway_surface())
    qtbot.wait(30)  # an auto range would be applied by now
    (x_low, x_high), (y_low, y_high) = panel.plot.viewRange()
    assert (x_low, x_high) == pytest.approx((-2.0, 2.0), abs=0.05)
    assert (y_low, y_high) == pytest.approx((-2.0, 2.0), abs=0.05)
    panel.draw(_runaway_surface(revision=1, far=1e6))  # a new image of the same plane
    qtbot.wait(30)
    assert panel.plot.viewRange()[0] == pytest.approx([-2.0, 2.0], abs=0.05)


def test_the_separable_race_surface_fills_the_view(qtbot):
    """On separable gaussians Newton runs off towards |θ| → ∞; the loss image must still
    fill the plot, not shrink to a patch in a corner of the runaway path's range."""
    session = RaceSession(RaceConfig().with_values({"correlation": 0.99,
                                                    "racers": "gd lr=1; newton"}))
    snapshots = list(train(session, max_steps=40, every=40))
    newton = snapshots[-1].views["loss_surface"].paths["newton"]
    assert np.abs(newton).max() > 50, "Newton has run far off the plane"
    panel = RaceSurfacePanel()
    _shown(panel, snapshots[-1:], qtbot, size=(500, 400))
    qtbot.wait(30)
    image = panel.image.mapRectToView(panel.image.boundingRect())
    (x_low, x_high), (y_low, y_high) = panel.plot.viewRange()
    covered = (min(image.right(), x_high) - max(image.left(), x_low)) * (
        min(image.bottom(), y_high) - max(image.top(), y_low))
    assert covered >= 0.9 * (x_high - x_low) * (y_high - y_low)


def test_the_surface_caption_wraps_in_a_narrow_panel_and_is_never_cut(qtbot, logistic_run):
    _, snapshots = logistic_run
    panel = RaceSurfacePanel()
    _shown(panel, snapshots, qtbot, size=(900, 400))
    one_line = panel.note.item.boundingRect().height()
    panel.resize(280, 400)
    qtbot.wait(30)
    item = panel.note.item
    margin = item.document().documentMargin()
    letters = item.mapRectToScene(item.boundingRect().adjusted(margin, 0, -margin, 0))
    assert item.boundingRect().height() > 1.5 * one_line, "the caption wraps"
    assert letters.left() >= 0 and letters.right() <= panel.plot.width()
    assert "log(loss − lowest)" in item.toPlainText()


@pytest.mark.parametrize("panel_class", [RaceCurvesPanel, RaceSurfacePanel, RaceFinishPanel])
def test_race_figures_are_exported_without_their_widgets(qtbot, tmp_path, logistic_run,
                                                         panel_class):
    """An export is the plot (axes, legend, caption): never the axis selector, the log
    checkbox or a table widget's header and scroll bars."""
    from nnviz.app import export

    _, snapshots = logistic_run
    panel = panel_class()
    _shown(panel, snapshots, qtbot, size=(600, 400))
    target = panel.export_target()
    assert isinstance(target, (pg.GraphicsItem, pg.GraphicsScene))
    scene = target if isinstance(target, pg.GraphicsScene) else target.scene()
    assert not [item for item in scene.items() if isinstance(item, QGraphicsProxyWidget)]
    view = export._view_of(target)
    scene_rect = target.sceneRect() if target is scene else target.sceneBoundingRect()
    exported = view.mapFromScene(scene_rect).boundingRect()
    exported.moveTopLeft(view.mapTo(panel, exported.topLeft()))
    widgets = [w for kind in (QComboBox, QCheckBox, QPushButton, QTableWidget)
               for w in panel.findChildren(kind)]
    for widget in widgets:
        if widget.isVisible():
            where = QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size())
            assert not exported.intersects(where), f"the export would show {widget}"
    image = export.render_png(panel, (500, 300))
    assert (image.width(), image.height()) == (500, 300)


def test_the_race_says_who_reached_the_target_first():
    session = RaceSession(RaceConfig(racers="gd lr=1; newton", epochs=30, target_loss=0.34))
    final = list(train(session, every=10))[-1]
    assert session.finished and final.final
    assert final.message == session.finish_message
    assert final.message.startswith(f"Race over at step {session.step_count}: newton reached "
                                    "training loss ≤ 0.34 first (4 updates, 4 epochs,")
    slow = RaceSession(RaceConfig(racers="gd lr=0.01", epochs=2, target_loss=0.01))
    assert list(train(slow, every=10))[-1].message.endswith(
        "no racer reached training loss ≤ 0.01 (lowest: gd, "
        f"{slow.racers[0].loss:.3g}).")


def test_different_winners_by_updates_and_by_time_are_each_named():
    from nnviz.scenarios.race import FinishTime, RaceView, race_result

    def racer(name, updates, compute, wall):
        finish = FinishTime(updates=updates, epoch=updates / 10, compute_seconds=compute,
                            wall_seconds=wall, loss=0.1)
        return RacerView(name=name, kind="sgd", title="", settings="", spec="",
                         status="finished", updates=updates, epoch=1.0,
                         compute_seconds=compute, wall_seconds=wall, loss=0.1,
                         curve=np.zeros((0, 5)), finish=finish)

    view = RaceView((racer("newton", 4, 0.02, 0.03), racer("sgd", 40, 0.005, 0.05)), 0.2,
                    "logistic", 10)
    assert race_result(view) == ("first to training loss ≤ 0.2: by updates, newton "
                                 "(4 updates); by epochs, newton (0.4 epochs); by compute "
                                 "time, sgd (5 ms compute); by wall time, newton (30 ms wall).")


def test_the_status_bar_shows_the_race_result_when_the_race_ends(qtbot):
    from nnviz.app.runner import FINISHED, RunController, finish_text

    runner = RunController(interval=0.01)
    messages = []
    runner.message.connect(lambda level, text: messages.append((level, text)))
    config = RaceConfig(racers="gd lr=1; newton", epochs=6, target_loss=0.34)
    runner.open(get_scenario("race"), config, running=True)
    try:
        qtbot.waitUntil(lambda: runner.state == FINISHED, timeout=10_000)
        assert ("info", runner.last_snapshot.message) in messages
        assert "newton reached training loss ≤ 0.34 first" in runner.last_snapshot.message
        assert not [text for _, text in messages if text == "Training finished"]
    finally:
        assert runner.shutdown(2.0)
    assert finish_text(None, 1) == "Training finished"


def test_the_racer_editor_exports_its_racers_never_a_picture_of_its_widgets(qtbot, tmp_path,
                                                                           logistic_run):
    from nnviz.app import export

    _, snapshots = logistic_run
    panel = RacerEditorPanel()
    _shown(panel, snapshots[-1:], qtbot, size=(600, 250))
    assert not panel.figure
    everything = export.ExportOptions(("png", "svg", "csv"))
    written = export.export_panel(panel, tmp_path, everything)
    assert sorted(path.suffix for path in written) == [".csv", ".json"]
    assert "newton" in next(p for p in written if p.suffix == ".csv").read_text()
    assert export.export_panel(panel, tmp_path / "png", export.ExportOptions(("png",))) == []


def test_five_racers_fit_a_very_narrow_finish_panel(qtbot):
    """At 1024×700 the race's finish panel is about 260 px wide: five racers fit in short
    columns in small but readable type, never drawn smaller, never cut at the edge; a wide
    panel sets them in larger type."""
    from nnviz.app.panel_checks import clipped_texts, small_texts

    session = RaceSession(RaceConfig(target_loss=0.35))
    frames = list(train(session, max_steps=40, every=10))
    panel = RaceFinishPanel()
    qtbot.addWidget(panel)
    panel.resize(260, 240)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_snapshot(frames[-1])
    qtbot.wait(20)
    assert len(panel.rows) == 5
    assert clipped_texts(panel) == [] and small_texts(panel) == []
    assert panel.table.item.scale() == 1
    narrow = panel.pixels
    panel.resize(1100, 400)
    qtbot.waitUntil(lambda: panel.pixels > narrow)
