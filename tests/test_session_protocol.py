"""Every session answers the whole Session protocol, so the loop and the CLI ask it directly.

``finished``, ``finish_message``, ``planned_steps``, ``notes`` and ``result_table()`` are
declared on :class:`~nnviz.session.Session` and given the answers of a run that never finishes
by itself in :class:`~nnviz.scenarios.base.SessionBase`; a session overrides what differs.
"""

from __future__ import annotations

import sys
import types

import pytest
from scenario_sessions import default_session

import nnviz.backends.device
from nnviz.scenarios.base import ResultTable, SessionBase
from nnviz.scenarios.registry import all_scenarios, get_scenario
from nnviz.session import Session, train
from nnviz.worker.running import limit_torch_threads_for


@pytest.mark.parametrize("name", sorted(all_scenarios()))
def test_every_scenario_s_session_answers_the_whole_protocol(name, tmp_path):
    scenario = all_scenarios()[name]
    if scenario.missing_requirements():
        pytest.skip(f"needs {scenario.missing_requirements()}")
    session = default_session(scenario, tmp_path)
    assert isinstance(session, SessionBase) and isinstance(session, Session)
    assert isinstance(session.finished, bool) and isinstance(session.finish_message, str)
    assert session.planned_steps is None or isinstance(session.planned_steps, int)
    assert all(isinstance(note, str) for note in session.notes)
    table = session.result_table()
    assert table is None or isinstance(table, ResultTable)


class FinishesAtThree(SessionBase):
    """A session that runs its course after three updates, and says why."""

    run_id, scenario, steps_per_epoch = 7, "stub", 1
    planned_steps = 3

    def __init__(self) -> None:
        self.config = get_scenario("moons").default_config()
        self.step_count = 0

    @property
    def epoch(self) -> float:
        return float(self.step_count)

    @property
    def finished(self) -> bool:
        return self.step_count >= 3

    @property
    def finish_message(self) -> str:
        return "three updates are enough" if self.finished else ""

    def train_step(self) -> dict[str, float]:
        self.step_count += 1
        return {"loss": 1.0}

    def apply_live(self, values) -> None: ...

    def metrics(self) -> dict[str, float]:
        return {"train_loss": 1.0}

    def views(self) -> dict:
        return {}

    def checkpoint(self) -> int:
        return self.step_count

    def restore(self, state: int) -> None:
        self.step_count = state


def test_the_loop_ends_when_the_session_has_run_its_course():
    *_, last = train(FinishesAtThree(), max_steps=100, every=1)
    assert (last.step, last.final, last.message) == (3, True, "three updates are enough")


class RunsOn(FinishesAtThree):
    """The same session with the base's answers: it never finishes by itself."""

    finished = SessionBase.finished
    finish_message = SessionBase.finish_message
    planned_steps = SessionBase.planned_steps


def test_a_session_with_the_base_s_answers_runs_until_its_budget():
    *_, last = train(RunsOn(), max_steps=10, every=5)
    assert (last.step, last.final, last.message) == (10, True, "")
    assert RunsOn().result_table() is None and RunsOn().notes == ()


def test_torch_gets_one_thread_unless_the_run_s_config_chooses(monkeypatch):
    calls: list[int] = []
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch", types.ModuleType("torch")))
    monkeypatch.setattr(nnviz.backends.device, "limit_torch_threads", calls.append)
    chooses = get_scenario("moons").create_session(
        get_scenario("moons").default_config().with_values({"n_samples": 40}))
    limit_torch_threads_for(chooses)  # moons has a torch_threads setting of its own
    assert calls == []
    limit_torch_threads_for(get_scenario("init").create_session())
    assert calls == [1]
