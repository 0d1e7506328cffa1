"""Every scenario's snapshots save and open again: each record kind it makes is registered."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import pytest
from scenario_sessions import default_session, records_in

from nnviz.io.record_kinds import readable_kinds, record_kinds
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


def test_every_kind_is_one_dataclass_at_its_home():
    kinds = dict(record_kinds().items())
    assert all(dataclasses.is_dataclass(cls) for cls in kinds.values())
    assert len(set(kinds.values())) == len(kinds), "a class is listed under two kinds"
    for name, cls in kinds.items():
        assert record_kinds().name_of(cls) == name


def test_a_class_that_only_shares_a_name_is_no_kind():
    @dataclasses.dataclass(frozen=True)
    class DecisionGrid:  # same qualname, another module
        x: int = 0

    assert record_kinds().name_of(DecisionGrid) is None
    assert readable_kinds().name_of(DecisionGrid) is None


def test_a_moons_message_imports_no_other_scenario():
    """The GUI decodes the worker's frames: the first one must not import every scenario
    module (about 0.2 s of imports racing the first frame)."""
    script = textwrap.dedent("""
        import sys
        from nnviz.io.wire import decode_message, encode_message
        from nnviz.scenarios.moons import build, MoonsConfig
        from nnviz.session import train
        snapshot = list(train(build(MoonsConfig()), max_steps=2, every=1))[-1]
        frame = encode_message({"type": "snapshot", "snapshot": snapshot})
        assert decode_message(frame)["snapshot"].step == snapshot.step
        others = ("hotdog", "digits", "embeddings", "race_config", "backprop")
        print(sorted(n for n in others if f"nnviz.scenarios.{n}" in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
