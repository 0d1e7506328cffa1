"""The training worker: ``train()`` on a plain Python thread, snapshots handed over in an outbox.

Why a plain thread and a polled outbox rather than a QThread with signals:

- No signal ever crosses threads, so none of the thread-affinity traps apply (a worker signal
  connected to a plain function runs that function in the worker thread; a QThread destroyed
  while running aborts the process).
- The GUI can never be flooded: a GUI-thread timer drains the outbox at the display rate and
  draws only the newest snapshot's views, however fast the worker produces them. Curves still
  see every snapshot's ``trace`` and ``metrics``, so no point is lost.
- The worker computes only the views the window's panels draw, as often as they are drawn
  (its :class:`~nnviz.session.ViewDemand`, which the window updates every frame): a view
  computed and never drawn is training time lost, the two threads sharing one GIL.
- This module imports no Qt, so its tests and benchmarks run without a QApplication.

Each :class:`TrainingWorker` owns one outbox. Starting a new run gives a new worker; the old
one is told to stop and its outbox is never read again, so a stale snapshot cannot reach the
panels (the window also compares run ids).

Thread limits: on two cores a worker whose BLAS uses two threads falls ~10× as soon as the GUI
paints, so the first worker caps BLAS (and torch, if already imported) at one thread for the
whole process, once, and does not restore it while the app runs; torch gets one thread too
when it is loaded, unless the run's config chooses a count (``torch_threads``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnviz.core.threads import limit_blas_threads
from nnviz.scenarios.base import MissingDependency
from nnviz.session import Mailbox, Session, Snapshot, ViewDemand, train
from nnviz.worker.running import failure_text, limit_torch_threads_for

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


_limits_lock = threading.Lock()
_limits: list[Any] = []


def limit_worker_threads() -> None:
    """Cap BLAS at one thread, once per process; see the module docstring."""
    with _limits_lock:
        if _limits:
            return
        _limits.append(limit_blas_threads(1))


class TrainingWorker:
    """Runs one session's ``train()`` loop on a daemon thread.

    Give either a built ``session`` (to continue it, e.g. after a divergence) or a ``build``
    callable that creates one on the worker thread (so a slow build never blocks the GUI and
    its errors arrive as messages). ``views`` says which views to compute and how often
    (:class:`~nnviz.session.ViewDemand`); without it every snapshot carries every view.
    """

    def __init__(
        self,
        *,
        session: Session | None = None,
        build: Callable[[], Session] | None = None,
        paused: bool = False,
        interval: float = SNAPSHOT_INTERVAL,
        name: str = "nnviz-training",
        hold_at: int | None = None,
        views: ViewDemand | None = None,
    ) -> None:
        if (session is None) == (build is None):
            raise ValueError("give exactly one of session or build")
        self.session: Session | None = session
        self._build = build
        self.mailbox = Mailbox(paused=paused, hold_at=hold_at)
        self.outbox = Outbox()
        self.interval = interval
        #: the views the consumer draws and how often (None: every view, every snapshot)
        self.views = views
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def run_id(self) -> int | None:
        return self.session.run_id if self.session is not None else None

    def start(self) -> TrainingWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the loop to end after the current step (never blocks)."""
        self.mailbox.stop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        limit_worker_threads()
        try:
            if self.session is None:
                assert self._build is not None
                self.session = self._build()
            limit_torch_threads_for(self.session)
            diverged = False
            views = self.views if self.views is not None else True
            for snapshot in train(self.session, mailbox=self.mailbox, interval=self.interval,
                                  views=views):
                if self.mailbox.stopped:
                    break
                self.outbox.put(snapshot)
                diverged = snapshot.diverged
        except MissingDependency as error:
            self.outbox.put(WorkerEvent("missing", str(error), self.run_id))
        except Exception as error:  # every failure must reach the person, not a log
            self.outbox.put(WorkerEvent("error", f"Training stopped: {failure_text(error)}",
                                        self.run_id))
        else:
            if not self.mailbox.stopped and not diverged:
                self.outbox.put(WorkerEvent("finished", "", self.run_id))
