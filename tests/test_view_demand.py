"""Views are computed on demand: only the kinds a consumer draws, only as often as it draws them.

The loop used to compute every view at every snapshot (about 45 a second) while the window drew
the boundary at ~30 frames/s and the other panels at a few; the rest was training time lost.
"""

from __future__ import annotations

import itertools

from nnviz.scenarios.registry import get_scenario
from nnviz.session import Mailbox, ViewDemand, train


class CountingClock:
    """A clock that moves ``tick`` seconds each time it is read."""

    def __init__(self, tick: float) -> None:
        self._times = itertools.count(0.0, tick)

    def __call__(self) -> float:
        return next(self._times)


def moons():
    return get_scenario("moons").create_session()


def test_a_demand_computes_only_the_wanted_kinds():
    snapshots = list(train(moons(), max_steps=20, every=5,
                           views=ViewDemand({"decision_grid": 0.0})))
    assert [set(s.views) for s in snapshots] == [{"decision_grid"}] * len(snapshots)


def test_nothing_wanted_computes_no_view():
    snapshots = list(train(moons(), max_steps=20, every=5, views=ViewDemand({})))
    assert all(s.views == {} for s in snapshots)


def test_a_demand_not_yet_said_computes_every_view():
    snapshots = list(train(moons(), max_steps=10, every=5, views=ViewDemand()))
    assert all({"decision_grid", "network", "histograms"} <= set(s.views) for s in snapshots)


def test_a_slow_kind_is_computed_only_when_its_interval_has_passed():
    """The clock moves 1 s per read: a kind wanted every 10 s is in few snapshots, a kind
    wanted every snapshot in all; the first and the final snapshot carry both."""
    demand = ViewDemand({"decision_grid": 0.0, "network": 10.0})
    snapshots = list(train(moons(), max_steps=200, every=5, views=demand,
                           clock=CountingClock(1.0)))
    with_network = [s for s in snapshots if "network" in s.views]
    assert all("decision_grid" in s.views for s in snapshots)
    assert 2 < len(with_network) < len(snapshots) / 2
    assert "network" in snapshots[0].views and "network" in snapshots[-1].views


def test_a_pause_brings_every_wanted_view_of_the_step_it_stopped_at():
    demand = ViewDemand({"network": 1e9})  # computed once, then never due again
    mailbox = Mailbox()
    loop = train(moons(), mailbox=mailbox, every=3, views=demand)
    assert "network" in next(loop).views
    assert "network" not in next(loop).views
    mailbox.pause()
    mailbox.step(2)  # the budget running out flushes a snapshot of the step it stopped at
    flushed = next(s for s in loop if s.views)
    assert "network" in flushed.views
    mailbox.stop()


def test_the_consumer_changes_its_wants_while_the_loop_runs():
    demand = ViewDemand({})
    loop = train(moons(), every=2, views=demand)
    assert next(loop).views == {}
    demand.want({"histograms": 0.0})
    assert set(next(loop).views) == {"histograms"}
    demand.want(None)
    assert {"decision_grid", "network", "histograms"} <= set(next(loop).views)


def test_an_export_computes_only_the_views_its_panels_draw():
    from nnviz.cli_export import exported_view_kinds, train_for_export

    kinds = exported_view_kinds(get_scenario("moons"))
    assert kinds == {"decision_grid", "network", "histograms"}
    snapshots = train_for_export(moons(), 12, {"decision_grid"})
    assert {kind for s in snapshots for kind in s.views} == {"decision_grid"}


def test_the_cli_run_computes_no_views(monkeypatch):
    """``nnviz run`` prints metrics only: not one view is computed."""
    import io

    from nnviz.cli import main
    from nnviz.scenarios.mlp_training import MLPSession

    def no_views(self, kinds=None):
        raise AssertionError("nnviz run computed views")

    monkeypatch.setattr(MLPSession, "views", no_views)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["run", "moons", "--steps", "20"]) in (0, None)
    assert out.getvalue().strip()
