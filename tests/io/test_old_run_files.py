"""Run files written by earlier versions still open, and record names come from one registry.

``old_runs/`` holds short runs saved by two earlier versions (``make_old_runs.py`` says how):
``kinds-by-class-*`` name records by class name, as nnviz did from commit 0cc2e6b on, and
``module-qualname-*`` by ``module:qualname``, as it did before. (A race saved then does not
open: its ``RacerView`` had one ``seconds`` field where the race now keeps two clocks.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from scenario_sessions import records_in

from nnviz.io.codec import CodecError, Encoder, decode
from nnviz.io.record_kinds import OLD_NAMES, readable_kinds, record_kinds
from nnviz.io.runs import RunFileError, RunRecord, load_run, save_run
from nnviz.scenarios.registry import all_scenarios
from nnviz.session import Snapshot, train

OLD_RUNS = sorted((Path(__file__).parent / "old_runs").glob("*.nnviz-run.npz"))


def stored_names(path: Path) -> set[str]:
    """The record names a run file's header gives."""
    with np.load(path, allow_pickle=False) as archive:
        header = archive["__header__"].tobytes().decode("utf-8")
    return set(re.findall(r'"\$dataclass": "([^"]+)"', header))




def test_both_generations_of_old_files_are_here():
    assert {p.name.split("-")[0] for p in OLD_RUNS} == {"kinds", "module"}
    assert any(":" in name for path in OLD_RUNS for name in stored_names(path))


@pytest.mark.parametrize("path", OLD_RUNS, ids=lambda p: p.name.removesuffix(".nnviz-run.npz"))
def test_a_run_saved_by_an_earlier_version_opens_with_every_record(path):
    scenario = path.name.removesuffix(".nnviz-run.npz").rsplit("-", 1)[1]
    record = load_run(path)
    assert record.scenario == scenario
    assert type(record.config) is all_scenarios()[scenario].config_type
    assert record.snapshots and all(isinstance(s, Snapshot) for s in record.snapshots)
    assert record.snapshots[-1].views, "the saved snapshot kept its views"
    rebuilt = {type(r) for s in record.snapshots for r in records_in(s)}
    assert rebuilt == {readable_kinds()[name] for name in stored_names(path)}


def test_every_old_module_name_maps_to_the_class_it_named():
    for old, kind in OLD_NAMES.items():
        module, _, qualname = old.partition(":")
        assert module.startswith("nnviz.") and qualname == kind, old
        assert kind in record_kinds()


def test_every_scenario_config_is_a_record_kind():
    registered = set(record_kinds().values())
    for name, scenario in all_scenarios().items():
        assert scenario.config_type in registered, (
            f"{name}: add {scenario.config_type.__name__} to KIND_HOMES in "
            "nnviz/io/record_kinds.py, or its runs cannot be saved")


def test_a_saved_run_names_records_by_their_kind_not_their_class(tmp_path):
    """A renamed class keeps its kind's name in files, so saved runs survive the rename."""
    from nnviz.core.views import DecisionGrid

    scenario = all_scenarios()["moons"]
    config = scenario.default_config().with_values({"n_samples": 40, "grid_resolution": 20})
    *_, last = train(scenario.create_session(config), max_steps=2, every=2)
    record = RunRecord.from_snapshot(last)
    record.add(last)
    DecisionGrid.__name__ = DecisionGrid.__qualname__ = "RenamedGrid"
    try:
        path = save_run(tmp_path / "renamed.nnviz-run.npz", record)
        loaded = load_run(path)
    finally:
        DecisionGrid.__name__ = DecisionGrid.__qualname__ = "DecisionGrid"
    assert "DecisionGrid" in stored_names(path) and "RenamedGrid" not in stored_names(path)
    assert isinstance(loaded.latest.views["decision_grid"], DecisionGrid)


def with_config_named(tmp_path: Path, name: str) -> Path:
    """A copy of the saved moons run whose config record is called ``name``."""
    source = next(p for p in OLD_RUNS if p.name == "kinds-by-class-moons.nnviz-run.npz")
    with np.load(source, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(arrays.pop("__header__").tobytes().decode("utf-8"))
    header["$dict"]["config"]["$dataclass"] = name
    path = tmp_path / "renamed.nnviz-run.npz"
    text = json.dumps(header).encode("utf-8")
    np.savez_compressed(path, __header__=np.frombuffer(text, dtype=np.uint8), **arrays)
    return path


@pytest.mark.parametrize("name", ["os:MoonsConfig", "subprocess:MoonsConfig",
                                  "nnviz.cli:MoonsConfig", "nnviz.core.views:MoonsConfig",
                                  "nnviz.scenarios.moons:MoonsConfig.x", "moons_config"])
def test_a_name_outside_the_registry_is_refused_in_one_line(tmp_path, name):
    """Only the kind names and the old names nnviz wrote: a known class name after another
    module is no alias (it was read by the part after the colon)."""
    path = with_config_named(tmp_path, name)
    with pytest.raises(RunFileError) as error:
        load_run(path)
    message = str(error.value)
    assert str(path) in message and "unknown record kind" in message and "\n" not in message


def test_the_old_name_of_a_record_is_read_as_its_kind(tmp_path):
    record = load_run(with_config_named(tmp_path, "nnviz.scenarios.moons:MoonsConfig"))
    assert type(record.config) is record_kinds()["MoonsConfig"]


def test_the_codec_writes_the_kind_and_reads_only_the_names_it_is_given():
    from nnviz.core.similarity import QueryAnswer

    answer = QueryAnswer("paris", "neighbours", (("rome", 0.5),))
    encoder = Encoder(record_kinds())
    tree = encoder.encode(answer)
    assert tree["$dataclass"] == "QueryAnswer"
    assert decode(tree, encoder.arrays, readable_kinds()) == answer
    old = {**tree, "$dataclass": "nnviz.core.similarity:QueryAnswer"}
    assert decode(old, encoder.arrays, readable_kinds()) == answer
    with pytest.raises(CodecError, match="unknown record kind"):
        decode(old, encoder.arrays, record_kinds())
