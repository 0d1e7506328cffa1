"""A torch digits run on the app's training worker thread: thread limits land on that thread."""

from __future__ import annotations

import threading
import time

import pytest

torch = pytest.importorskip("torch")

from nnviz.app.worker import TrainingWorker, WorkerEvent  # noqa: E402
from nnviz.scenarios.digits import DigitsConfig  # noqa: E402
from nnviz.scenarios.registry import get_scenario  # noqa: E402
from nnviz.session import Snapshot  # noqa: E402


def test_torch_session_trains_on_the_worker_thread():
    config = DigitsConfig(backend="torch", device="cpu", torch_threads=1, max_train=200,
                          eval_examples=100, projection_points=50)
    worker = TrainingWorker(build=lambda: get_scenario("digits").create_session(config),
                            interval=0.01).start()
    snapshots: list[Snapshot] = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline and len(snapshots) < 3:
            for item in worker.outbox.take_all():
                assert not isinstance(item, WorkerEvent) or item.kind == "finished", item
                if isinstance(item, Snapshot):
                    snapshots.append(item)
            time.sleep(0.01)
    finally:
        worker.stop()
        assert worker.join(5)
    assert len(snapshots) >= 3 and snapshots[-1].step > 0
    assert {"confusion_matrix", "weight_tiles", "projection"} <= set(snapshots[-1].views)
    trainer = worker.session.engine.trainer
    assert trainer._threads_set_in and threading.get_ident() not in trainer._threads_set_in
