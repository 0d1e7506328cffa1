"""A torch digits run in the app's worker process: torch imported and trained in the child."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("torch")

from nnviz.app.outbox import WorkerEvent
from nnviz.app.process_worker import WorkerProcess
from nnviz.scenarios.digits import DigitsConfig
from nnviz.session import Snapshot


def test_torch_session_trains_in_the_worker_process():
    config = DigitsConfig(backend="torch", device="cpu", torch_threads=1, max_train=200,
                          eval_examples=100, projection_points=50)
    process = WorkerProcess()
    snapshots: list[Snapshot] = []
    try:
        worker = process.open_run("digits", config, paused=False, interval=0.01)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(snapshots) < 3:
            for item in worker.outbox.take_all():
                assert not isinstance(item, WorkerEvent) or item.kind == "finished", item
                if isinstance(item, Snapshot):
                    snapshots.append(item)
            time.sleep(0.01)
        worker.stop()
        assert worker.join(5)
    finally:
        assert process.close()
    assert len(snapshots) >= 3 and snapshots[-1].step > 0
    assert {"confusion_matrix", "weight_tiles", "projection"} <= set(snapshots[-1].views)
    assert snapshots[-1].config.backend == "torch"
