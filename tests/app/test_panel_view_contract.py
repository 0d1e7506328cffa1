"""Every panel of every scenario receives the views it declares it draws, of the declared type.

A panel names the view kinds it draws and the record type of each (``Panel.draws``); the
window asks the training loop for exactly those kinds. A session that stopped making one, a
panel that reads a kind under another name, or a record of another type would leave the panel
silently empty: this test says which.
"""

from __future__ import annotations

import pytest
from scenario_sessions import default_session

from nnviz.app.panels import panel_classes
from nnviz.scenarios.registry import all_scenarios


def _scenario_or_skip(name: str):
    scenario = all_scenarios()[name]
    if scenario.missing_requirements():
        pytest.skip(f"needs {scenario.missing_requirements()}")
    return scenario


@pytest.mark.parametrize("name", sorted(all_scenarios()))
def test_every_panel_of_the_scenario_receives_the_views_it_declares(name, tmp_path):
    scenario = _scenario_or_skip(name)
    session = default_session(scenario, tmp_path)
    session.train_step()
    views = session.views()
    panels = panel_classes(scenario.panels)
    assert set(panels) == set(scenario.panels), "every listed panel kind is registered"
    for kind, panel in panels.items():
        missing = [view for view in panel.draws if view not in views]
        assert not missing, f"{name}: panel {kind} draws {missing}, which the session never makes"
        for view, record_type in (*panel.draws.items(), *panel.may_draw.items()):
            if view in views:
                assert isinstance(views[view], record_type), f"{name}: {kind} reads {view}"


def test_a_record_type_s_own_kind_is_where_the_sessions_put_it(tmp_path):
    """``Snapshot.view(Type)`` looks under ``Type.view_kind``: every panel that reads a
    kind without naming it reads the kind its record type declares."""
    for panel in panel_classes(sorted({k for s in all_scenarios().values()
                                       for k in s.panels})).values():
        for view, record_type in panel.draws.items():
            assert isinstance(record_type.view_kind, str) and record_type.view_kind
            assert view == record_type.view_kind or hasattr(panel, "view_name") or hasattr(
                panel, "boundary_view"), (panel.kind, view)


@pytest.mark.parametrize("name", sorted(all_scenarios()))
def test_a_session_computes_only_the_views_asked_for(name, tmp_path):
    scenario = _scenario_or_skip(name)
    session = default_session(scenario, tmp_path)
    session.train_step()
    every = session.views()
    assert session.views(()) == {}
    for kind in every:
        assert set(session.views({kind})) == {kind}
