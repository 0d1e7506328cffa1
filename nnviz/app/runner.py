"""The GUI-side owner of training runs: starts, pauses, steps and restarts workers.

A :class:`RunController` lives in the GUI thread. It holds the config the person has chosen
(``config``), posts live changes to the running loop's mailbox, restarts the run on structural
changes, and drains the current worker's outbox from a ~60 Hz timer, emitting ``frame`` with
every new snapshot of the current run, oldest first (views draw the last one; curves take
them all). Workers being retired are told to stop and never read again.

A paused, finished or idle window costs nothing: the timer runs only while the run trains,
and otherwise stops as soon as the outbox is empty; anything the worker puts in the outbox
afterwards (the snapshots of a Step, a live change's snapshot, an error, the end of the run)
wakes it through a queued signal (``Outbox.on_put``), so nothing polls while nothing comes.

Each run trains in the worker process (``nnviz.app.process_worker``), one child reused for
every run of the controller and started again after it dies. The child starts with the first
run, so a window that never trains starts no process. This process holds no model: what the
GUI knows of a run comes in its snapshots, or is asked of the child (:meth:`checkpoint`,
:meth:`describe`), each wait with a timeout.

A structural change keeps the run it replaces (paused) until the new session has been built:
when the build fails (a folder that does not exist, a file of the wrong format, a missing
optional package) the old run, its config and its state come back, ``config_restored`` tells
the controls to show the old values, and the message says what was wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from nnviz.app import gui_gc
from nnviz.app.outbox import SNAPSHOT_INTERVAL, WorkerEvent
from nnviz.app.process_worker import HANG_SECONDS, ProcessWorker, WorkerProcess
from nnviz.data.point_edits import DATA_EDIT_CHANGE, DataEdit
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.params import Config, ParamError, data_seed_of
from nnviz.session import Snapshot

POLL_MS = 16
#: data sets whose drawing is kept for a reset (one per data key: see :func:`data_key`)
KEPT_DRAWINGS = 8

IDLE, PAUSED, RUNNING, FINISHED = "idle", "paused", "running", "finished"


def divergence_text(message: str, learning_rate: float | None = None) -> str:
    """The session's divergence message plus what to do in the app: the run is paused at the
    last good step, so a smaller learning rate and Run go on from there, and Reset starts over.
    """
    if learning_rate is not None:
        return f"{message} Lower it and press Run to go on, or press Reset to start again."
    return f"{message} Press Reset to start again."


@dataclass
class _Fallback:
    """The run a structural change replaces, kept until the new session exists."""

    worker: ProcessWorker | None
    config: Config
    state: str
    change: str


class RunController(QObject):
    """See the module docstring. ``message(level, text)``: level is info, warning or error."""

    frame = Signal(list)
    run_started = Signal(int)
    message = Signal(str, str)
    state_changed = Signal(str)
    config_restored = Signal(object)
    #: emitted from the worker's thread when it puts something in a sleeping controller's
    #: outbox (queued to the GUI thread, where it starts the poll timer)
    _woken = Signal()

    def __init__(self, parent: QObject | None = None, *,
                 interval: float = SNAPSHOT_INTERVAL) -> None:
        super().__init__(parent)
        self.interval = interval
        #: the worker process, started with the first run and again after it dies
        self.process: WorkerProcess | None = None
        #: how long a silent worker process lives before it is killed as hung
        self.hang_seconds = HANG_SECONDS
        self.scenario: Scenario | None = None
        self.config: Config | None = None
        self.worker: ProcessWorker | None = None
        self.run_id: int | None = None
        self.last_snapshot: Snapshot | None = None
        self.state = IDLE
        self._retired: list[ProcessWorker] = []
        self._fallback: _Fallback | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        #: True while the timer is stopped and a put must wake it (read by worker threads)
        self._sleeping = False
        self._woken.connect(self._wake, Qt.ConnectionType.QueuedConnection)
        self._gc_held = False
        #: the step at which every run pauses by itself, once (a preset's planned length)
        self.hold_at: int | None = None
        #: the views the window draws, by kind, and the least seconds between two of each
        #: (None: not said yet for this scenario, so every view is computed)
        self.view_wants: dict[str, float] | None = None
        #: the data edits sent to the runs of each data set (:func:`data_key`), replayed on a
        #: reset or restart so a drawn data set survives it: the session keeps the history,
        #: this is only what was asked of it. ``_unsent``: edits made while no loop ran
        self._drawings: dict[tuple, list[DataEdit]] = {}
        self._unsent: list[DataEdit] = []

    # -- what runs ------------------------------------------------------------------------
    @property
    def has_run(self) -> bool:
        """Whether a run exists (built, or being built) to run, pause or step."""
        return self.worker is not None

    @property
    def steps_per_epoch(self) -> int:
        """Updates per epoch of the current run's session (1 until it is built)."""
        return self.worker.steps_per_epoch if self.worker is not None else 1

    def checkpoint(self, timeout: float = 1.0) -> tuple[int, int, Any] | None:
        """``(run_id, step, state)`` of the current run while it is not running, asked of
        the worker process (waiting ``timeout`` at most); None when there is none."""
        if self.state == RUNNING or self.worker is None:
            return None
        run_id = self.worker.run_id
        answer = self.worker.checkpoint(timeout)
        if run_id is None or answer is None:
            return None
        return (run_id, *answer)

    def describe(self, timeout: float = 1.0) -> dict[str, Any] | None:
        """What the current run's session is now, asked of the worker process (waiting
        ``timeout`` at most; see :meth:`ProcessWorker.describe`); None when there is none."""
        return self.worker.describe(timeout) if self.worker is not None else None

    def open(self, scenario: Scenario, config: Config, *, running: bool = False) -> None:
        """Switch to ``scenario`` with ``config`` and build a fresh run (paused unless asked)."""
        self.scenario = scenario
        self.config = config
        self.view_wants = None  # another scenario's panels: every view until they say
        self._drawings.clear()  # another lesson or scenario starts from its own data
        self._start_new(running=running)

    def reset(self) -> None:
        """A fresh run from the current config and seed: same data, same initial weights."""
        self._start_new(running=False)
        seed = self.config.as_dict().get("seed", 0) if self.config is not None else 0
        self.message.emit("info", f"Reset: a new run from seed {seed}")

    def _start_new(self, *, running: bool, replacing: _Fallback | None = None) -> None:
        """Build and start a new run. With ``replacing``, the current run is paused and kept
        until the new session has been built (see the module docstring)."""
        if self.scenario is None or self.config is None:
            return
        if replacing is not None and self._fallback is None and self.worker is not None:
            replacing.worker = self.worker
            if self.worker.alive:
                self.worker.mailbox.pause()
            self.worker = None
            self._fallback = replacing
        elif replacing is not None and self._fallback is not None:
            self._fallback.change += f", {replacing.change}"  # changed again while building
        elif replacing is None:
            self._drop_fallback()
        self._retire()
        self._hold_gc()
        self.worker = self._listen(self._new_worker(self.scenario, self.config,
                                                    paused=not running))
        self._unsent.clear()
        for edit in self._drawings.get(data_key(self.config), ()):
            self.worker.mailbox.post_data_edit(edit)
        self._set_state(RUNNING if running else PAUSED)
        self._wake()

    def _new_worker(self, scenario: Scenario, config: Config, *,
                    paused: bool) -> ProcessWorker:
        """A new run of ``scenario`` in the worker process (started now if need be)."""
        return self._worker_process().open_run(
            scenario.name, config, paused=paused, hold_at=self.hold_at,
            wants=self.view_wants, interval=self.interval)

    def _worker_process(self) -> WorkerProcess:
        """The worker process, started now if there is none or it has died."""
        if self.process is None or not self.process.alive:
            self.process = WorkerProcess(hang_seconds=self.hang_seconds)
        return self.process

    def _continue(self, *, paused: bool) -> bool:
        """Resume a session whose loop ended (after a divergence): same run, a new loop in
        the worker process, which keeps an ended run's session until the next run opens; a
        process that died has none, so this is False and a new run starts."""
        source = self.worker
        if (source is None or self.config is None or source.run_id is None or source.alive
                or not source.process.alive):
            return False
        self._retire()
        self._hold_gc()
        self.worker = self._listen(source.process.continue_run(
            source, paused=paused, config=self.config, hold_at=self.hold_at,
            wants=self.view_wants, interval=self.interval))
        self._send_unsent(self.worker)
        self._wake()
        return True

    def _listen(self, worker: ProcessWorker) -> ProcessWorker:
        """Have ``worker``'s puts wake the poll timer while it sleeps (see the module doc)."""
        worker.outbox.on_put = self._put_arrived
        return worker

    def _put_arrived(self) -> None:
        """On the worker's thread, after a put: wake the GUI thread if it sleeps. The GUI
        thread sets ``_sleeping`` before it looks at the outbox a last time, and the worker
        reads it after its put, so one of the two always sees the other."""
        if self._sleeping:
            self._sleeping = False
            try:
                self._woken.emit()
            except RuntimeError:  # the controller was deleted (the window closed)
                pass

    def _wake(self) -> None:
        """Start polling (a run, a step, a command, or something arrived)."""
        self._sleeping = False
        if not self._timer.isActive():
            self._timer.start()

    def _sleep_if_nothing_comes(self) -> None:
        """Stop the timer unless the run trains or something waits in the outbox."""
        worker = self.worker
        if self.state == RUNNING and worker is not None and worker.alive:
            return
        self._sleeping = True
        if worker is not None and len(worker.outbox):
            self._wake()  # it arrived between the drain and now
            return
        self._timer.stop()

    def _retire(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            if self.worker.alive:
                self._retired.append(self.worker)
            self.worker = None

    def _hold_gc(self) -> None:
        """While workers may run, only the GUI thread collects garbage (``nnviz.app.gui_gc``):
        a worker must never be the thread that destroys Qt objects."""
        if not self._gc_held:
            gui_gc.hold()
            self._gc_held = True

    def _drop_fallback(self) -> None:
        fallback, self._fallback = self._fallback, None
        if fallback is not None and fallback.worker is not None:
            fallback.worker.stop()
            if fallback.worker.alive:
                self._retired.append(fallback.worker)

    def _restore_fallback(self, why: str) -> None:
        """The new session could not be built: bring back the run it was to replace."""
        fallback, self._fallback = self._fallback, None
        assert fallback is not None
        self._retire()
        self.config = fallback.config
        self.worker = fallback.worker
        self.config_restored.emit(fallback.config)
        if self.worker is not None and self.worker.alive and fallback.state == RUNNING:
            self.worker.mailbox.resume()
        self._set_state(fallback.state if self.worker is not None else IDLE)
        reason = why.removeprefix("Training stopped: ")
        self.message.emit("error", f"Could not apply {fallback.change}: {reason}. "
                                   "Kept the previous run and settings.")

    def want_views(self, wants: dict[str, float] | None) -> None:
        """The views the panels draw (kind -> least seconds between two), for this run and
        the next ones of the scenario: the loop computes no other
        (:class:`~nnviz.session.ViewDemand`)."""
        self.view_wants = None if wants is None else dict(wants)
        if self.worker is not None and self.worker.views is not None:
            self.worker.views.want(self.view_wants)

    # -- buttons --------------------------------------------------------------------------
    def run(self) -> None:
        if self.worker is not None and self.worker.alive:
            self.worker.mailbox.resume()
        elif not self._continue(paused=False):
            self._start_new(running=True)
        self._set_state(RUNNING)
        self._wake()

    def pause(self) -> None:
        if self.worker is not None and self.worker.alive:
            self.worker.mailbox.pause()
            self._set_state(PAUSED)

    def toggle(self) -> None:
        self.pause() if self.state == RUNNING else self.run()

    def step(self, count: int = 1) -> None:
        """Take ``count`` steps, then pause (pressing it while running pauses after them)."""
        if self.worker is None or not self.worker.alive:
            if not self._continue(paused=True):
                self._start_new(running=False)
        assert self.worker is not None
        self.worker.mailbox.step(count)
        self._set_state(PAUSED)
        self._wake()

    def step_epoch(self) -> None:
        self.step(self.steps_per_epoch)

    # -- hyperparameters ------------------------------------------------------------------
    def set_value(self, name: str, value: Any) -> str:
        """Apply one control change: "live", "restart", or "" when refused (message sent).
        A panel's data edit (:data:`~nnviz.data.point_edits.DATA_EDIT_CHANGE`) is live."""
        if self.config is None:
            return ""
        if name == DATA_EDIT_CHANGE:
            self.edit_data(value)
            return "live"
        try:
            new = self.config.with_values({name: value})
        except ParamError as error:
            self.message.emit("error", str(error))
            return ""
        if new == self.config:
            return "live"
        spec = self.config.param(name)
        old, self.config = self.config, new
        if spec.live:
            if self.worker is not None and self.worker.alive:
                self.worker.mailbox.post(name, getattr(new, name))
            self.message.emit("info", f"{spec.title} = {spec.format(getattr(new, name))} "
                                      "(live: applies from the next step)")
            return "live"
        change = f"{spec.title} = {spec.format(getattr(new, name))}"
        self._start_new(running=self.state == RUNNING,
                        replacing=_Fallback(None, old, self.state, change))
        self.message.emit("warning", f"{spec.title} changed to {spec.format(getattr(new, name))}"
                                     ": the run restarted")
        return "restart"

    def edit_data(self, edit: DataEdit) -> None:
        """Points drawn, erased, undone: to the running loop, applied before its next step
        (paused, it answers with a snapshot at once), and kept for a reset."""
        if self.config is None:
            return
        drawing = self._drawings.setdefault(data_key(self.config), [])
        drawing.append(edit)
        while len(self._drawings) > KEPT_DRAWINGS:
            del self._drawings[next(iter(self._drawings))]
        if self.worker is not None and self.worker.alive:
            self.worker.mailbox.post_data_edit(edit)
        else:  # the loop ended (a divergence, the end): Run continues it with these
            self._unsent.append(edit)

    def _send_unsent(self, worker: ProcessWorker) -> None:
        for edit in self._unsent:
            worker.mailbox.post_data_edit(edit)
        self._unsent.clear()

    def set_config(self, config: Config) -> str:
        """Apply a whole config (a lesson's comparison): live values posted, else a restart."""
        if self.config is None:
            self.config = config
            return "restart"
        live, structural = self.config.live_changes(config)
        old, self.config = self.config, config
        if structural:
            change = ", ".join(f"{old.param(k).title} = {old.param(k).format(v)}"
                               for k, v in structural.items())
            self._start_new(running=self.state == RUNNING,
                            replacing=_Fallback(None, old, self.state, change))
            return "restart"
        if self.worker is not None and self.worker.alive:
            for name, value in live.items():
                self.worker.mailbox.post(name, value)
        return "live"

    # -- the GUI side of the outbox -------------------------------------------------------
    def poll(self) -> None:
        """Drain the current worker's outbox; emit ``frame`` with the new snapshots."""
        self._retired = [worker for worker in self._retired if worker.alive]
        worker = self.worker
        if worker is None:
            self._sleep_if_nothing_comes()
            return
        snapshots: list[Snapshot] = []
        for item in worker.outbox.take_all():
            if isinstance(item, WorkerEvent):
                self._event(item, snapshots[-1] if snapshots else self.last_snapshot)
                continue
            if item.run_id != worker.run_id:
                continue  # stale: a run this worker does not own
            if self._fallback is not None:  # the new session exists: the old run can go
                self._drop_fallback()
            if item.run_id != self.run_id:
                if snapshots:
                    self.frame.emit(snapshots)
                    snapshots = []
                self.run_id = item.run_id
                self.run_started.emit(item.run_id)
            snapshots.append(item)
            if item.diverged:
                self.message.emit("error", divergence_text(
                    item.message, item.config.as_dict().get("learning_rate")))
                self._set_state(FINISHED)
        if snapshots:
            self.last_snapshot = snapshots[-1]
            self.frame.emit(snapshots)
        if worker is self.worker and worker.mailbox.take_held() and self.state == RUNNING:
            self._set_state(PAUSED)
            self.message.emit("info", f"Paused at step {self.hold_at:,}, where this preset's "
                                      "run ends; Run trains on from here")
        if (worker is self.worker and not worker.alive and not len(worker.outbox)
                and self.state != FINISHED):
            self._set_state(FINISHED)
        self._sleep_if_nothing_comes()

    def _event(self, event: WorkerEvent, latest: Snapshot | None = None) -> None:
        """``latest``: the newest snapshot taken from the outbox before the event."""
        if self._fallback is not None and event.kind != "finished" and event.run_id is None:
            self._restore_fallback(event.message)
            return
        if event.kind == "finished":
            self.message.emit("info", finish_text(latest, event.run_id))
        else:
            self.message.emit("error", event.message)
        self._set_state(FINISHED)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # -- shutting down --------------------------------------------------------------------
    def shutdown(self, timeout: float = 1.0) -> bool:
        """Stop every worker and wait up to ``timeout`` seconds in all; True if all ended."""
        self._timer.stop()
        self._sleeping = False  # nothing wakes a controller that is shut down
        for worker in (self.worker, *self._retired):
            if worker is not None:
                worker.outbox.on_put = None
        self._drop_fallback()
        self._retire()
        if self.process is not None:  # the child stops its runs as it leaves
            self.process.close(timeout * 0.6)
            self.process = None
            self._retired = []
        deadline = time.monotonic() + timeout
        for worker in self._retired:
            worker.join(max(0.0, deadline - time.monotonic()))
        self._retired = [worker for worker in self._retired if worker.alive]
        self._set_state(IDLE)
        if self._gc_held:
            self._gc_held = False
            gui_gc.release()
        return not self._retired


def data_key(config: Config) -> tuple:
    """What fixes a run's data set: its config's kind, data seed and "data" parameters. A
    reset or a change of any other parameter keeps the data, and so a drawing made on it."""
    values = config.as_dict()
    return (type(config).__name__, data_seed_of(config),
            *(repr(values[name]) for name, spec in config.params().items()
              if spec.group == "data"))


def finish_text(latest: Snapshot | None, run_id: int | None) -> str:
    """Why the run stopped, in the session's own words (its final snapshot's ``message``: the
    race names who reached the target first), else a plain "Training finished"."""
    if latest is not None and latest.final and latest.message and latest.run_id == run_id:
        return latest.message
    return "Training finished"
