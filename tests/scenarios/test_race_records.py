"""The race's records live in the core: the racers are parsed once, the race takes the specs
it is given, and runs saved when the records lived in ``nnviz.scenarios`` still open."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from nnviz.core import racers as racers_module
from nnviz.core.race_views import FinishTime, RacerView, RaceView
from nnviz.core.racers import Racers, RacerSpec, RacerSpecError, parse_racers, read_racers
from nnviz.io.runs import RunRecord, load_run, save_run
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.race import RaceSession
from nnviz.scenarios.race_config import RaceConfig
from nnviz.session import train


@pytest.fixture
def parses(monkeypatch):
    """Every racers line parsed from now on, in order."""
    seen: list[str] = []
    parse = racers_module.parse_racers

    def counting(text: str) -> tuple[RacerSpec, ...]:
        seen.append(str(text))
        return parse(text)

    monkeypatch.setattr(racers_module, "parse_racers", counting)
    return seen


def test_a_racers_line_is_parsed_once_however_often_the_config_changes(parses):
    config = RaceConfig(racers="gd lr=0.5; adam lr=0.1")
    assert parses == ["gd lr=0.5; adam lr=0.1"]
    for values in ({"epochs": 3.0}, {"pace": 10.0}, {"target_loss": 0.3}):
        config = config.with_values(values)
    session = RaceSession(config)
    session.apply_live({"eval_every": 2})
    assert parses == ["gd lr=0.5; adam lr=0.1"], "never parsed again"
    assert config.racers == "gd lr=0.5; adam lr=0.1" and isinstance(config.racers, Racers)
    assert [spec.name for spec in config.racer_specs] == ["gd", "adam"]


def test_the_race_takes_the_specs_it_is_given_as_they_are(parses):
    session = RaceSession(RaceConfig(racers="gd", epochs=0))
    before = list(parses)
    momentum = RacerSpec(kind="momentum", name="fast", learning_rate=0.2, momentum=0.8)
    adam = RacerSpec(kind="adam", name="adam", learning_rate=0.05)
    session.apply_live({"racers": Racers((momentum, adam))})
    assert parses == before, "the specs were not written out and parsed again"
    assert session.racers[0].spec is momentum and session.racers[1].spec is adam
    assert session.config.racers == "momentum name=fast lr=0.2 momentum=0.8; adam lr=0.05"
    assert session.race_view().specs == (momentum, adam)


def test_racers_keep_their_specs_through_copies_and_compare_as_their_text():
    racers = read_racers("gd; sgd batch=10")
    assert racers == "gd; sgd batch=10" and str(racers) == "gd; sgd batch=10"
    for copied in (copy.copy(racers), copy.deepcopy(racers)):
        assert copied.specs == racers.specs and copied == racers
    assert read_racers(racers) is racers
    assert json.dumps({"racers": racers}) == '{"racers": "gd; sgd batch=10"}'


def test_racers_built_from_specs_are_checked_like_a_line():
    gd = parse_racers("gd")[0]
    with pytest.raises(RacerSpecError, match=r"racer 2 .*the name 'gd' is taken"):
        Racers((gd, gd))
    with pytest.raises(RacerSpecError, match="no racer"):
        Racers(())
    newton = parse_racers("newton")
    with pytest.raises(ParamError, match=r"racer 1 \(newton\).*problem=logistic"):
        RaceConfig(problem="mlp", dataset="moons", racers="gd").with_values(
            {"racers": Racers(newton)})


def test_the_racers_grammar_fails_as_a_setting_does():
    """The core's racers error is the settings' error: the CLI, presets and the window catch
    one class."""
    assert issubclass(RacerSpecError, ParamError)
    with pytest.raises(ParamError, match="lr='oops' is not a number"):
        RaceConfig().with_text({"racers": "gd lr=oops"})


def test_a_racers_error_echoes_a_short_stretch_of_what_was_typed():
    """The line is read where it comes in (Param.coerce), so its error must be one short line
    however long the text: a preset or ``--set`` with a 10,000-character line."""
    with pytest.raises(ParamError) as caught:
        RaceConfig(racers="x" * 10_000)
    message = str(caught.value)
    assert message.startswith("racers: racer 1 ('xxx") and "unknown kind" in message
    assert len(message) < 300


# -- saved runs ------------------------------------------------------------------------------
#: the names runs saved before the kind names (nnviz up to commit 326b3e7) gave the race's
#: records, when they lived in nnviz.scenarios
MODULE_NAMES = {
    "RaceView": "nnviz.scenarios.race:RaceView",
    "RacerView": "nnviz.scenarios.race:RacerView",
    "FinishTime": "nnviz.scenarios.race:FinishTime",
    "RacerSpec": "nnviz.scenarios.racers:RacerSpec",
    "RaceConfig": "nnviz.scenarios.race:RaceConfig",
}


def _as_saved_before_the_move(tree):
    """The header tree as files saved before the records moved hold it: records named by
    their old ``module:qualname``, and no racer specs in the race view."""
    if isinstance(tree, list):
        return [_as_saved_before_the_move(item) for item in tree]
    if not isinstance(tree, dict):
        return tree
    if set(tree) == {"$dataclass", "fields"} and tree["$dataclass"] in MODULE_NAMES:
        fields = dict(tree["fields"])
        if tree["$dataclass"] == "RaceView":
            fields.pop("specs")
        return {"$dataclass": MODULE_NAMES[tree["$dataclass"]],
                "fields": _as_saved_before_the_move(fields)}
    return {key: _as_saved_before_the_move(value) for key, value in tree.items()}


def test_a_race_saved_when_its_records_lived_in_the_scenarios_still_opens(tmp_path):
    session = RaceSession(RaceConfig(racers="gd lr=1; newton", n_samples=100,
                                     surface_resolution=8, target_loss=0.5))
    *_, last = train(session, max_steps=6, every=3)
    record = RunRecord.from_snapshot(last)
    record.add(last)
    path = save_run(tmp_path / "race.nnviz-run.npz", record)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["__header__"].tobytes().decode("utf-8"))
    old_header = json.dumps(_as_saved_before_the_move(header))
    for old_name in MODULE_NAMES.values():
        if "RacerSpec" not in old_name:  # the race view held no specs then
            assert f'"{old_name}"' in old_header
    arrays["__header__"] = np.frombuffer(old_header.encode("utf-8"), dtype=np.uint8)
    old = tmp_path / "old.nnviz-run.npz"
    np.savez_compressed(old, **arrays)

    loaded = load_run(old)
    view = loaded.snapshots[-1].views["race"]
    assert isinstance(view, RaceView) and view.specs == ()
    assert all(isinstance(r, RacerView) for r in view.racers)
    assert [r.name for r in view.racers] == ["gd", "newton"]
    newton = view.racers[1]
    assert isinstance(newton.finish, FinishTime)
    assert newton.finish == last.views["race"].racers[1].finish
    assert isinstance(loaded.config, RaceConfig)
    assert [s.name for s in loaded.config.racer_specs] == ["gd", "newton"]
