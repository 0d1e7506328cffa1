"""Every scenario's snapshots save and open again: each record kind it makes is registered."""

from __future__ import annotations

import pytest
from scenario_sessions import default_session, records_in

from nnviz.io.record_kinds import record_kinds
from nnviz.io.runs import RunRecord, load_run, save_run
from nnviz.scenarios.registry import all_scenarios
from nnviz.session import train


@pytest.mark.parametrize("name", list(all_scenarios()))
def test_a_run_of_every_scenario_round_trips(name, tmp_path):
    scenario = all_scenarios()[name]
    if scenario.missing_requirements():
        pytest.skip(f"needs {scenario.missing_requirements()}")
    session = default_session(scenario, tmp_path)
    record = None
    for snapshot in train(session, max_steps=3, every=1):
        record = record or RunRecord.from_snapshot(snapshot)
        record.add(snapshot)
    kinds = {type(r).__name__ for s in record.snapshots for r in records_in(s)}
    assert kinds <= set(record_kinds())
    loaded = load_run(save_run(tmp_path / f"{name}.nnviz-run.npz", record))
    assert [s.step for s in loaded.snapshots] == [s.step for s in record.snapshots]
    assert {type(r).__name__ for s in loaded.snapshots for r in records_in(s)} == kinds
    assert type(loaded.config) is type(session.config)
