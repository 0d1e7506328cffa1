"""The GUI-side owner of training runs: starts, pauses, steps and restarts workers.

A :class:`RunController` lives in the GUI thread. It holds the config the person has chosen
(``config``), posts live changes to the running loop's mailbox, restarts the run on structural
changes, and drains the current worker's outbox from a ~60 Hz timer, emitting ``frame`` with
every new snapshot of the current run, oldest first (views draw the last one; curves take
them all). Workers being retired are told to stop and never read again.

A structural change keeps the run it replaces (paused) until the new session has been built:
when the build fails (a folder that does not exist, a file of the wrong format, a missing
optional package) the old run, its config and its state come back, ``config_restored`` tells
the controls to show the old values, and the message says what was wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from nnviz.app import gui_gc
from nnviz.app.worker import SNAPSHOT_INTERVAL, TrainingWorker, WorkerEvent
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.params import Config, ParamError
from nnviz.session import Session, Snapshot, ViewDemand

POLL_MS = 16

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

    worker: TrainingWorker | None
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

    def __init__(self, parent: QObject | None = None, *,
                 interval: float = SNAPSHOT_INTERVAL) -> None:
        super().__init__(parent)
        self.interval = interval
        self.scenario: Scenario | None = None
        self.config: Config | None = None
        self.worker: TrainingWorker | None = None
        self.run_id: int | None = None
        self.last_snapshot: Snapshot | None = None
        self.state = IDLE
        self._retired: list[TrainingWorker] = []
        self._fallback: _Fallback | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._gc_held = False
        #: the step at which every run pauses by itself, once (a preset's planned length)
        self.hold_at: int | None = None
        #: the views the window draws, by kind, and the least seconds between two of each
        #: (None: not said yet for this scenario, so every view is computed)
        self.view_wants: dict[str, float] | None = None

    # -- what runs ------------------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return self.worker.session if self.worker is not None else None

    def open(self, scenario: Scenario, config: Config, *, running: bool = False) -> None:
        """Switch to ``scenario`` with ``config`` and build a fresh run (paused unless asked)."""
        self.scenario = scenario
        self.config = config
        self.view_wants = None  # another scenario's panels: every view until they say
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
        scenario, config = self.scenario, self.config
        self.worker = TrainingWorker(
            build=lambda: scenario.create_session(config), paused=not running,
            interval=self.interval, hold_at=self.hold_at, views=ViewDemand(self.view_wants),
        ).start()
        self._set_state(RUNNING if running else PAUSED)
        self._timer.start()

    def _continue(self, *, paused: bool) -> bool:
        """Resume a session whose loop ended (after a divergence): same run, new worker."""
        session = self.session
        if session is None or self.config is None:
            return False
        self._retire()
        self._hold_gc()
        worker = TrainingWorker(session=session, paused=paused, interval=self.interval,
                                hold_at=self.hold_at, views=ViewDemand(self.view_wants))
        live, _ = session.config.live_changes(self.config)
        for name, value in live.items():
            worker.mailbox.post(name, value)
        self.worker = worker.start()
        self._timer.start()
        return True

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
        the next ones of the scenario: the loop computes no other (:class:`ViewDemand`)."""
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

    def step_epoch(self) -> None:
        session = self.session
        self.step(session.steps_per_epoch if session is not None else 1)

    # -- hyperparameters ------------------------------------------------------------------
    def set_value(self, name: str, value: Any) -> str:
        """Apply one control change: "live", "restart", or "" when refused (message sent)."""
        if self.config is None:
            return ""
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
        self._drop_fallback()
        self._retire()
        deadline = time.monotonic() + timeout
        for worker in self._retired:
            worker.join(max(0.0, deadline - time.monotonic()))
        self._retired = [worker for worker in self._retired if worker.alive]
        self._set_state(IDLE)
        if self._gc_held:
            self._gc_held = False
            gui_gc.release()
        return not self._retired


def finish_text(latest: Snapshot | None, run_id: int | None) -> str:
    """Why the run stopped, in the session's own words (its final snapshot's ``message``: the
    race names who reached the target first), else a plain "Training finished"."""
    if latest is not None and latest.final and latest.message and latest.run_id == run_id:
        return latest.message
    return "Training finished"
