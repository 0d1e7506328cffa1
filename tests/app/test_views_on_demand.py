"""The window asks the training loop only for the views its shown panels draw, at their rates,
and a panel draws the newest snapshot that holds its views."""

from __future__ import annotations

from nnviz.app.outbox import KEEP_VIEWS, Outbox
from nnviz.app.panel_area import PanelArea, newest_drawable
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Snapshot


def snapshot(step: int, views: dict) -> Snapshot:
    config = get_scenario("moons").default_config()
    return Snapshot(1, "moons", step, 0.0, 0.0, {}, config, views=views)


def test_the_panels_want_their_view_kinds_and_a_hidden_panel_wants_none(qtbot):
    area = PanelArea(["decision_boundary", "loss", "network", "histograms"])
    qtbot.addWidget(area)
    wants = area.view_wants()
    assert set(wants) == {"decision_grid", "network", "histograms"}
    assert wants["decision_grid"] == 0.0  # the main view: every snapshot
    assert wants["network"] > 0.0  # a secondary panel: at the rate the frame budget gives it
    network = next(panel for panel in area.panels if panel.kind == "network")
    network.parentWidget().hide()
    assert "network" not in area.view_wants()


def test_a_panel_draws_the_newest_snapshot_holding_its_views(qtbot):
    area = PanelArea(["decision_boundary", "network"])
    qtbot.addWidget(area)
    boundary, network = area.panels
    full = get_scenario("moons").create_session().views()
    first = snapshot(1, full)
    grid_only = snapshot(2, {"decision_grid": full["decision_grid"]})
    bare = snapshot(3, {})
    assert newest_drawable(network, [first, grid_only, bare]) is first
    assert newest_drawable(boundary, [first, grid_only, bare]) is grid_only
    assert newest_drawable(network, [grid_only, bare]) is None
    area.show_snapshots([first])
    area.draw_pending()
    area.show_snapshots([grid_only, bare])
    area.draw_pending()
    assert boundary.last_snapshot is grid_only
    assert network.last_snapshot is first  # kept what it showed, never blanked


def test_the_window_tells_the_loop_what_its_panels_draw(window, wait_for_step):
    window.runner.run()
    wait_for_step(window, 1)
    assert set(window.runner.view_wants) == {"decision_grid", "network", "histograms"}
    assert window.runner.worker.views.wants == window.runner.view_wants


def test_the_outbox_keeps_the_newest_snapshots_of_each_view_kind():
    """A slow kind (the network, a few a second) is not dropped by newer snapshots that carry
    only a fast kind (the boundary at every snapshot)."""
    outbox = Outbox()
    outbox.put(snapshot(0, {"network": 0, "decision_grid": 0}))
    for step in range(1, 2 * KEEP_VIEWS):
        outbox.put(snapshot(step, {"decision_grid": step}))
    items = outbox.take_all()
    assert items[0].views == {"network": 0}
    assert [bool(s.views) for s in items[1:]] == (
        [False] * (KEEP_VIEWS - 1) + [True] * KEEP_VIEWS)
    assert items[-1].views == {"decision_grid": 2 * KEEP_VIEWS - 1}
