"""The worker process's main: commands in, snapshots and events out (see ``nnviz.worker``).

Threads in the child:

- the main thread reads commands and applies them at once (a pause, a live value, a ping
  answered with a pong), so a busy training step never delays a command;
- one builder thread builds the sessions the window opens, in order; a run stopped before
  its turn is never built, so a hundred quick switches build one session, not a hundred,
  and start no thread for the others;
- each built run trains on a thread of its own in the child: a
  structural change keeps the run it replaces (paused) until the new session exists, so two
  runs may be alive for a moment.

A run is named by a ``run`` token the window chooses; snapshots go out with the run id the
window gave, so ids stay unique across processes (a restarted worker counts from 1 again).

Every message is a dict with a ``"type"``; :data:`COMMANDS` lists the ones the child obeys.

Test-only hook: the environment variable :data:`FAULT_VARIABLE` makes the child fail on
purpose, since a test cannot monkeypatch another process: ``import-error`` raises while the
child starts (as a broken install would), ``hang`` stops answering anything after the
greeting (as a stuck native call would).
"""

from __future__ import annotations

import dataclasses
import os
import queue
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from nnviz.session import Mailbox, Session, ViewDemand, train
from nnviz.worker.channel import Channel
from nnviz.worker.running import failure_text, limit_torch_threads_for

#: the environment variable of the test-only fault hook (see the module docstring)
FAULT_VARIABLE = "NNVIZ_WORKER_FAULT"
#: how long a shutdown waits for the runs to end before the process exits anyway
SHUTDOWN_JOIN_SECONDS = 0.3
_limits: list[Any] = []  # threadpoolctl's handle, kept for the life of the process
#: how long a checkpoint request waits for the loop to stand between two steps
CHECKPOINT_WAIT_SECONDS = 0.5


class GuardedMailbox(Mailbox):
    """A mailbox whose loop holds ``session_lock`` except while it waits for leave to step.

    The loop thread takes the lock before training and gives it up only inside
    :meth:`acquire_step`, so whoever else holds it (a checkpoint request) sees the session
    between two steps, never in the middle of one."""

    def __init__(self, *, paused: bool = False, hold_at: int | None = None) -> None:
        super().__init__(paused=paused, hold_at=hold_at)
        self.session_lock = threading.Lock()

    def acquire_step(self, timeout: float = 0.1, step: int | None = None) -> bool | None:
        self.session_lock.release()
        try:
            return super().acquire_step(timeout, step)
        finally:
            self.session_lock.acquire()


@dataclass
class Run:
    """One run the window asked for: its mailbox, its views, and its session once built."""

    token: int
    run_id: int
    mailbox: GuardedMailbox
    views: ViewDemand
    interval: float
    scenario: str = ""
    config: Any = None
    session: Session | None = None
    thread: threading.Thread | None = field(default=None, repr=False)
    #: set once the window has been told the run ended
    ended: bool = False
    #: Steps and Runs applied (``WAKING``): each snapshot says how many, with whether the run
    #: then stands paused, so the window knows when nothing more comes and stops pinging
    wakings: int = 0


class WorkerChild:
    """The child's state: its runs by token, and the channel to the window."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.runs: dict[int, Run] = {}
        self._runs_lock = threading.Lock()
        #: runs waiting to be built, in the order they were opened (None: no more)
        self._to_build: queue.SimpleQueue[Run | None] = queue.SimpleQueue()
        self._builder = threading.Thread(target=self._build_all, daemon=True,
                                         name="nnviz-builder")
        self._builder.start()

    # -- the main thread: commands --------------------------------------------------------
    def serve(self) -> None:
        """Obey commands until ``shutdown`` or until the window's end of the socket closes."""
        self.channel.send({"type": "hello", "pid": os.getpid()})
        inject_fault("serve")
        while True:
            message = self.channel.receive()
            if message is None or message["type"] == "shutdown":
                break
            self.obey(message)
        self.stop_all()

    def obey(self, message: dict[str, Any]) -> None:
        """Apply one command (see :data:`COMMANDS`)."""
        kind = message["type"]
        if kind == "ping":
            self.channel.send({"type": "pong", "request": message.get("request")})
            return
        if kind in ("open", "continue"):
            self._start(message)
            return
        run = self.runs.get(message.get("run"))  # type: ignore[arg-type]
        if kind == "checkpoint":  # always answered, so the window does not wait in vain
            self._send_checkpoint(run, message.get("run"), message.get("request"))
        elif kind == "describe":  # the same
            self._send_description(run, message.get("run"), message.get("request"))
        elif run is not None:  # else a run that ended and was forgotten: nothing to do
            COMMANDS[kind](run, message)
            if kind in WAKING:  # counted once applied: see ``_loop``
                run.wakings += 1

    def _start(self, message: dict[str, Any]) -> None:
        paused, hold_at = bool(message["paused"]), message.get("hold_at")
        run = Run(token=message["run"], run_id=message["run_id"],
                  mailbox=GuardedMailbox(paused=paused, hold_at=hold_at),
                  views=ViewDemand(message.get("wants")), interval=float(message["interval"]))
        if message["type"] == "continue":
            source = self.runs.get(message["from"])
            if source is None or source.session is None or not source.ended:
                self._send_event(run, "error", "Training stopped: the run to continue is gone")
                self.channel.send({"type": "ended", "run": run.token})
                return
            run.session = source.session
            self._forget(source.token)
            live, _ = run.session.config.live_changes(message["config"])
            for name, value in live.items():
                run.mailbox.post(name, value)
            with self._runs_lock:
                self.runs[run.token] = run
            self._start_training(run)
            return
        run.scenario, run.config = message["scenario"], message["config"]
        with self._runs_lock:
            self._forget_ended()  # an ended run is kept only until the next one opens
            self.runs[run.token] = run
        self._to_build.put(run)

    def _forget(self, token: int) -> None:
        with self._runs_lock:
            self.runs.pop(token, None)

    def _forget_ended(self) -> None:
        """(With ``_runs_lock`` held.)"""
        for token in [token for token, run in self.runs.items() if run.ended]:
            del self.runs[token]

    def _send_checkpoint(self, run: Run | None, token: Any, request: Any) -> None:
        """The session's checkpoint, taken between two steps of a paused run, else none."""
        reply: dict[str, Any] = {"type": "checkpoint", "run": token, "request": request,
                                 "state": None, "step": None}
        lock = run.mailbox.session_lock if run is not None else None
        if (run is not None and run.session is not None and lock is not None
                and lock.acquire(timeout=CHECKPOINT_WAIT_SECONDS)):
            try:
                if run.mailbox.paused or run.ended:
                    reply["state"] = run.session.checkpoint()
                    reply["step"] = run.session.step_count
            finally:
                lock.release()
        self.channel.send(reply)

    def _send_description(self, run: Run | None, token: Any, request: Any) -> None:
        """What the session is now, read between two steps (:func:`describe_session`), so
        a caller in the window can check what the loop really uses (a live value applied,
        the step a pause held at) without holding a model; None when it is not built yet or
        the loop did not stand still within :data:`CHECKPOINT_WAIT_SECONDS`."""
        reply: dict[str, Any] = {"type": "describe", "run": token, "request": request,
                                 "description": None}
        lock = run.mailbox.session_lock if run is not None else None
        if (run is not None and run.session is not None and lock is not None
                and lock.acquire(timeout=CHECKPOINT_WAIT_SECONDS)):
            try:
                reply["description"] = describe_session(run.session)
            finally:
                lock.release()
        self.channel.send(reply)

    def stop_all(self, timeout: float = SHUTDOWN_JOIN_SECONDS) -> None:
        with self._runs_lock:
            runs = list(self.runs.values())
        for run in runs:
            run.mailbox.stop()
        self._to_build.put(None)
        for run in runs:
            if run.thread is not None:
                run.thread.join(timeout / max(1, len(runs)))

    # -- the builder thread ---------------------------------------------------------------
    def _build_all(self) -> None:
        """Build each opened run in turn and start its training thread."""
        while (run := self._to_build.get()) is not None:
            if self._build(run):
                self._start_training(run)
            else:
                self._end(run)

    def _build(self, run: Run) -> bool:
        """Build the run's session unless it was stopped first; False when not built."""
        from nnviz.scenarios.base import MissingDependency
        from nnviz.scenarios.registry import get_scenario

        if run.mailbox.stopped:
            return False
        try:
            run.session = get_scenario(run.scenario).create_session(run.config)
        except MissingDependency as error:
            self._send_event(run, "missing", str(error))
            return False
        except Exception as error:  # every failure must reach the person
            self._send_event(run, "error", f"Training stopped: {failure_text(error)}")
            return False
        limit_torch_threads_for(run.session)
        self.channel.send({"type": "built", "run": run.token, "run_id": run.run_id,
                           "steps_per_epoch": int(run.session.steps_per_epoch)})
        return True

    def _end(self, run: Run) -> None:
        run.ended = True
        self.channel.send({"type": "ended", "run": run.token})

    # -- a run's thread: train ------------------------------------------------------------
    def _start_training(self, run: Run) -> None:
        run.thread = threading.Thread(target=self._train, args=(run,), daemon=True,
                                      name=f"nnviz-run-{run.token}")
        run.thread.start()

    def _train(self, run: Run) -> None:
        try:
            assert run.session is not None
            self._loop(run, run.session)
        finally:
            self._end(run)

    def _loop(self, run: Run, session: Session) -> None:
        """The same ``train()`` as every front end, each snapshot sent under the window's id."""
        mailbox = run.mailbox
        diverged = False
        mailbox.session_lock.acquire()
        try:
            for snapshot in train(session, mailbox=mailbox, interval=run.interval,
                                  views=run.views):
                if mailbox.stopped:
                    break
                # read before ``paused``: a Step counted here was applied before the read
                wakings = run.wakings
                self.channel.send({"type": "snapshot", "run": run.token,
                                   "snapshot": dataclasses.replace(snapshot, run_id=run.run_id),
                                   "steps_per_epoch": int(session.steps_per_epoch),
                                   "idle": mailbox.paused, "wakings": wakings})
                diverged = snapshot.diverged
                if mailbox.take_held():
                    self.channel.send({"type": "held", "run": run.token})
        except Exception as error:  # every failure must reach the person, not a log
            self._send_event(run, "error", f"Training stopped: {failure_text(error)}")
        else:
            if not mailbox.stopped and not diverged:
                self._send_event(run, "finished", "")
        finally:
            mailbox.session_lock.release()

    def _send_event(self, run: Run, kind: str, text: str) -> None:
        self.channel.send({"type": "event", "run": run.token, "kind": kind, "message": text})


def describe_session(session: Session) -> dict[str, Any]:
    """The session's live state in plain values: its step, steps per epoch, config values,
    the learning rate its optimiser uses (when it has one) and its model's layer sizes
    (when the model has them)."""
    description: dict[str, Any] = {
        "step": int(session.step_count),
        "steps_per_epoch": int(session.steps_per_epoch),
        "config": dict(session.config.as_dict()),
    }
    optimizer = getattr(getattr(session, "engine", None), "optimizer", None)
    rate = getattr(optimizer, "learning_rate", None)
    if isinstance(rate, int | float):
        description["optimizer_learning_rate"] = float(rate)
    sizes = getattr(getattr(session, "model", None), "sizes", None)
    if sizes is not None:
        description["sizes"] = [int(size) for size in sizes]
    return description


def _post(run: Run, message: dict[str, Any]) -> None:
    run.mailbox.post(message["name"], message["value"])


def _edit_data(run: Run, message: dict[str, Any]) -> None:
    run.mailbox.post_data_edit(message["edit"])


def _step(run: Run, message: dict[str, Any]) -> None:
    run.mailbox.step(int(message.get("count", 1)))


def _want_views(run: Run, message: dict[str, Any]) -> None:
    run.views.want(message.get("wants"))


#: the commands that make a paused run train again (the window counts them too)
WAKING = ("step", "resume")

#: the commands addressed to one run (``run``: its token), besides ``open``, ``continue``,
#: ``checkpoint`` and ``describe``; ``ping`` and ``shutdown`` address the process
COMMANDS = {
    "post": _post,
    "edit_data": _edit_data,
    "pause": lambda run, _message: run.mailbox.pause(),
    "resume": lambda run, _message: run.mailbox.resume(),
    "step": _step,
    "stop": lambda run, _message: run.mailbox.stop(),
    "want_views": _want_views,
}


def inject_fault(stage: str) -> None:
    """The test-only hook (see the module docstring): fail here if told to."""
    fault = os.environ.get(FAULT_VARIABLE, "")
    if fault == "import-error" and stage == "start":
        raise ImportError(f"{FAULT_VARIABLE}=import-error: the worker failed to start")
    if fault == "hang" and stage == "serve":
        threading.Event().wait()


def main(argv: list[str] | None = None) -> int:
    """``python -m nnviz.worker --fd N``: serve the window on the socket with descriptor N."""
    import argparse
    import socket

    inject_fault("start")
    parser = argparse.ArgumentParser(prog="python -m nnviz.worker")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the window")
    args = parser.parse_args(argv)
    sys.stdout = sys.stderr  # a print() anywhere goes to the log, never near the frames
    from nnviz.core.threads import limit_blas_threads

    _limits.append(limit_blas_threads(1))  # the window paints on the other core
    child = WorkerChild(Channel(socket.socket(fileno=args.fd)))
    child.serve()
    sys.stderr.flush()
    os._exit(0)  # daemon run threads and native libraries: no slow interpreter teardown
