"""What a run hands the GUI: snapshots and events in an outbox the window drains at its pace.

The worker process's reader thread (:mod:`nnviz.app.process_worker`) puts each run's
snapshots and events in that run's :class:`Outbox`; the
:class:`~nnviz.app.runner.RunController` drains it from the GUI thread. The GUI can never be
flooded: it draws only the newest snapshot's views, however fast they arrive, and a queued
snapshot loses a view kind once :data:`KEEP_VIEWS` newer ones hold it, so the outbox stays
bounded in memory while curves still see every snapshot's ``trace`` and ``metrics``.

Each run owns one outbox. A new run gives a new one; the old one is never read again, so a
stale snapshot cannot reach the panels (the window also compares run ids). This module
imports no Qt, so its tests and benchmarks run without a QApplication.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from nnviz.session import Snapshot

#: seconds of training between snapshots; with the views' own cost (~5 ms for moons) this
#: gives the boundary ~35-40 frames/s
SNAPSHOT_INTERVAL = 1 / 45

#: a queued snapshot loses a view kind once this many newer ones hold it (only the newest of
#: each kind is drawn)
KEEP_VIEWS = 4


@dataclass(frozen=True)
class WorkerEvent:
    """Something the GUI should say: ``kind`` is "error", "missing" or "finished"."""

    kind: str
    message: str
    run_id: int | None = None


class Outbox:
    """Thread-safe queue from the worker to the GUI; bounded in memory by dropping old views."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[Snapshot | WorkerEvent] = deque()
        #: per view kind, the sequence numbers of the queued snapshots that hold it
        self._holding: dict[str, deque[int]] = {}
        self._sequence = 0
        self._first = 0
        #: called (on the putting thread) after each put, so a consumer that sleeps while
        #: nothing arrives can wake up instead of polling (``RunController``)
        self.on_put: Callable[[], None] | None = None

    def put(self, item: Snapshot | WorkerEvent) -> None:
        self._put(item)
        wake = self.on_put
        if wake is not None:
            wake()

    def _put(self, item: Snapshot | WorkerEvent) -> None:
        with self._lock:
            self._items.append(item)
            if isinstance(item, Snapshot):
                for kind in item.views:
                    holders = self._holding.setdefault(kind, deque())
                    holders.append(self._sequence)
                    if len(holders) > KEEP_VIEWS:
                        self._drop_view(holders.popleft() - self._first, kind)
            self._sequence += 1

    def _drop_view(self, index: int, kind: str) -> None:
        old = self._items[index]
        views = {name: view for name, view in old.views.items() if name != kind}
        self._items[index] = dataclasses.replace(old, views=views)

    def take_all(self) -> list[Snapshot | WorkerEvent]:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._holding.clear()
            self._first = self._sequence
            return items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
