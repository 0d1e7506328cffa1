"""The Qt-free worker: snapshots in order, errors as messages, bounded outbox."""

from __future__ import annotations

import math
import time

import numpy as np

from nnviz.app.worker import KEEP_VIEWS, Outbox, TrainingWorker, WorkerEvent
from nnviz.scenarios.base import MissingDependency, SessionBase
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Snapshot


def drain(worker, until, timeout=10.0):
    items = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items += worker.outbox.take_all()
        if until(items):
            return items
        time.sleep(0.01)
    raise AssertionError(f"timed out; got {items[-3:]}")


def test_snapshots_arrive_in_order_with_every_step_traced():
    scenario = get_scenario("moons")
    worker = TrainingWorker(build=lambda: scenario.create_session(), interval=0.005).start()
    try:
        items = drain(worker, lambda got: sum(isinstance(i, Snapshot) for i in got) > 10)
    finally:
        worker.stop()
        assert worker.join(2.0)
    snapshots = [i for i in items if isinstance(i, Snapshot)]
    steps = np.concatenate([s.trace["step"] for s in snapshots if s.trace])
    np.testing.assert_array_equal(steps, np.arange(1, len(steps) + 1))  # no step lost
    assert {s.run_id for s in snapshots} == {worker.run_id}


def test_build_errors_become_messages():
    def missing():
        raise MissingDependency("needs torch: pip install torch")

    def broken():
        raise ValueError("no such file: data.csv")

    for build, kind, text in ((missing, "missing", "pip install torch"),
                              (broken, "error", "no such file")):
        worker = TrainingWorker(build=build).start()
        assert worker.join(2.0)
        (event,) = worker.outbox.take_all()
        assert isinstance(event, WorkerEvent) and event.kind == kind and text in event.message


class DivergingSession(SessionBase):
    run_id = 991
    scenario = "stub"
    steps_per_epoch = 1

    def __init__(self):
        self.config = get_scenario("moons").default_config()
        self.step_count = 0

    @property
    def epoch(self):
        return float(self.step_count)

    def train_step(self):
        self.step_count += 1
        return {"loss": math.nan if self.step_count == 5 else 1.0 / self.step_count}

    def apply_live(self, values):
        self.config = self.config.with_values(values)

    def metrics(self):
        return {"train_loss": 1.0}

    def views(self):
        return {}

    def checkpoint(self):
        return {"step_count": self.step_count}

    def restore(self, state):
        self.step_count = state["step_count"]


def test_divergence_is_a_final_snapshot_with_a_message_and_no_finished_event():
    worker = TrainingWorker(session=DivergingSession(), interval=0.0).start()
    assert worker.join(2.0)
    items = worker.outbox.take_all()
    assert all(isinstance(i, Snapshot) for i in items)
    assert items[-1].diverged and "diverged" in items[-1].message


def test_outbox_keeps_views_only_on_the_newest_snapshots():
    outbox = Outbox()
    config = get_scenario("moons").default_config()
    for step in range(20):
        outbox.put(Snapshot(1, "moons", step, 0.0, 0.0, {}, config, views={"big": step}))
    items = outbox.take_all()
    assert [s.step for s in items] == list(range(20))
    assert [bool(s.views) for s in items] == [False] * (20 - KEEP_VIEWS) + [True] * KEEP_VIEWS
    outbox.put(Snapshot(1, "moons", 20, 0.0, 0.0, {}, config, views={"big": 20}))
    assert outbox.take_all()[0].views == {"big": 20}
