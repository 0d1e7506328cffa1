"""The GUI side of the training worker process: one child, many runs, no wait without a limit.

:class:`WorkerProcess` starts ``python -m nnviz.worker`` (spawned: a fresh interpreter, since
Qt and threads do not survive a fork) with one end of a socket pair, and keeps it for every
run the window starts, so a reset or a structural change does not pay for a new interpreter
(nor a second import of torch). Its reader thread decodes the child's frames and puts each
run's snapshots and events in that run's :class:`~nnviz.app.outbox.Outbox`, which the
:class:`~nnviz.app.runner.RunController` drains from the GUI thread.

:class:`ProcessWorker` is one run in that process, with the interface the controller uses:
``mailbox`` (post, pause, resume, step, stop,
take_held), ``views.want``, ``outbox``, ``run_id``, ``alive``, ``join``, ``stop``; and what
replaces reaching into the session: ``steps_per_epoch`` (sent when the session is built) and
:meth:`ProcessWorker.checkpoint` (asked for, with a timeout).

Faults: when the child dies (a signal, ``os._exit``, an exception while it starts) the reader
sees the socket close, reaps the child and tells every live run why, in words; a child that
answers no ping for :data:`HANG_SECONDS` is killed and reported the same way. The run on
screen stays there; the next Run or Reset starts a new process. Nothing here imports Qt.

Idle costs nothing: the watchdog pings only while the window expects the child to send
something (a run training, stepping, being built or stopping, a checkpoint asked for); while
every run is paused and has said so (:attr:`ProcessWorker.active`) it sleeps until the next
command, and the hang time counts from that command. The child marks each snapshot with
whether its run stands paused and how many of the run's Steps and Runs (:data:`WAKING`) it
had applied, so a snapshot sent before a Step arrived never passes for the end of that Step.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from nnviz.app.outbox import SNAPSHOT_INTERVAL, Outbox, WorkerEvent
from nnviz.io.wire import WireError
from nnviz.scenarios.base import next_run_id
from nnviz.scenarios.params import Config
from nnviz.session import Snapshot
from nnviz.worker.channel import Channel

#: a child that answers nothing (not even a ping) for this long is killed as hung
HANG_SECONDS = 10.0
#: how often the watchdog pings the child
PING_SECONDS = 1.0
#: how long :meth:`WorkerProcess.close` waits for the child to leave by itself before SIGKILL
CLOSE_SECONDS = 0.6
#: how long :meth:`WorkerProcess.close` waits for its own threads once the child is gone
THREADS_JOIN_SECONDS = 0.3
#: how many lines of the child's stderr are kept to say why it died
STDERR_LINES = 20
#: the commands that make a paused run train again (counted on both sides, see above)
WAKING = ("step", "resume")


class WorkerProcess:
    """One training child process and the threads that listen to it (see the module docstring).

    ``hang_seconds`` is :data:`HANG_SECONDS` unless a test needs a shorter wait; ``env`` is
    the child's environment (the parent's by default)."""

    def __init__(self, *, hang_seconds: float = HANG_SECONDS,
                 env: Mapping[str, str] | None = None) -> None:
        self.hang_seconds = hang_seconds
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nnviz.worker", "--fd", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env=child_environment(env), close_fds=True)
        finally:
            theirs.close()
        self.pid = self.process.pid
        self.channel = Channel(ours)
        self._runs: dict[int, ProcessWorker] = {}
        self._runs_lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._requests = itertools.count(1)
        self._replies: dict[int, dict[str, Any]] = {}
        self._replied = threading.Condition()
        self._stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
        self._last_heard = time.monotonic()
        #: when the watchdog last woke from idle: silence before it does not count
        self._watch_from = self._last_heard
        #: set by every command, so an idle watchdog wakes when the child is asked something
        self._nudge = threading.Event()
        #: checkpoint requests waiting for their reply (the watchdog pings meanwhile)
        self._waiting_requests = 0
        #: pings sent so far (a test checks that a paused window sends none)
        self.pings_sent = 0
        self._closing = False
        self._kill_reason = ""
        #: why the child ended, in words, once it has (None while it lives)
        self.death: str | None = None
        self._ended = threading.Event()
        #: commands waiting for the sender thread (None: no more)
        self._outgoing: queue.SimpleQueue[Mapping[str, Any] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=target, name=f"nnviz-worker-{name}-{self.pid}", daemon=True)
            for name, target in (("reader", self._read), ("sender", self._send_all),
                                 ("stderr", self._read_stderr), ("watchdog", self._watch))
        ]
        for thread in self._threads:
            thread.start()

    @property
    def alive(self) -> bool:
        return not self._ended.is_set()

    # -- runs -----------------------------------------------------------------------------
    def open_run(self, scenario: str, config: Config, *, paused: bool,
                 hold_at: int | None = None, wants: Mapping[str, float] | None = None,
                 interval: float = SNAPSHOT_INTERVAL) -> ProcessWorker:
        """A new run of ``scenario`` with ``config``, built in the child."""
        run = self._add_run(paused=paused, hold_at=hold_at, wants=wants, run_id=None)
        self.send({"type": "open", "run": run.token, "run_id": run.assigned_id,
                   "scenario": scenario, "config": config, "paused": paused,
                   "hold_at": hold_at, "wants": _wants(wants), "interval": interval})
        return run

    def continue_run(self, source: ProcessWorker, *, paused: bool, config: Config,
                     hold_at: int | None = None,
                     wants: Mapping[str, float] | None = None,
                     interval: float = SNAPSHOT_INTERVAL) -> ProcessWorker:
        """A new loop on the session of ``source``, whose loop ended (after a divergence),
        with the live values of ``config`` that differ from the session's."""
        run = self._add_run(paused=paused, hold_at=hold_at, wants=wants, run_id=source.run_id)
        run.steps_per_epoch = source.steps_per_epoch
        self.send({"type": "continue", "run": run.token, "from": source.token,
                   "run_id": run.assigned_id, "paused": paused, "hold_at": hold_at,
                   "wants": _wants(wants), "interval": interval, "config": config})
        return run

    def _add_run(self, *, paused: bool, hold_at: int | None,
                 wants: Mapping[str, float] | None, run_id: int | None) -> ProcessWorker:
        run = ProcessWorker(self, next(self._tokens), paused=paused, hold_at=hold_at,
                            wants=wants, run_id=run_id)
        with self._runs_lock:
            self._runs[run.token] = run
        if not self.alive:
            run.fail(self.death or "the training process has ended")
        return run

    def send(self, message: Mapping[str, Any]) -> bool:
        """Queue one command for the sender thread; False (and nothing else) when the child
        is gone. The caller never waits: encoding, and a write the child is slow to read,
        happen on the sender thread, in the order the commands were given."""
        if not self.alive:
            return False
        self._outgoing.put(message)
        self._nudge.set()
        return True

    def _send_all(self) -> None:
        """The sender thread. A command that cannot be encoded (a config of a kind the wire
        does not know) ends its run with the reason rather than leaving it waiting."""
        while (message := self._outgoing.get()) is not None:
            try:
                if not self.channel.send(message):
                    return
            except WireError as error:
                with self._runs_lock:
                    run = self._runs.pop(message.get("run"), None)  # type: ignore[arg-type]
                if run is not None:
                    run.fail(f"Could not send the run to the training process: {error}")

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send a command that is answered, and wait for its reply at most ``timeout``."""
        number = next(self._requests)
        with self._replied:
            self._waiting_requests += 1
        try:
            if not self.send({**message, "request": number}):
                return None
            deadline = time.monotonic() + timeout
            with self._replied:
                while number not in self._replies:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self.alive:
                        return None
                    self._replied.wait(left)
                return self._replies.pop(number)
        finally:
            with self._replied:
                self._waiting_requests -= 1
                self._replies.pop(number, None)

    # -- ending ---------------------------------------------------------------------------
    def close(self, timeout: float = CLOSE_SECONDS) -> bool:
        """Ask the child to leave, wait up to ``timeout``, then kill it; True once reaped."""
        self._closing = True
        self.send({"type": "shutdown"})
        try:
            self.process.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            self.kill("")
        self.channel.close()
        reaped = self._reap(0.3)  # a killed child is reaped at once
        self._join_threads(THREADS_JOIN_SECONDS)
        return reaped

    def _join_threads(self, timeout: float) -> None:
        """Wait (``timeout`` at most in all) for the reader, sender, stderr and watchdog
        threads, which end on their own once the socket has closed, so a closed window
        leaves no thread of its worker behind."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is not threading.current_thread() and thread.ident is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    def kill(self, reason: str) -> None:
        """SIGKILL the child; ``reason`` (if any) is what the runs are told."""
        if reason and not self._kill_reason:
            self._kill_reason = reason
        try:
            self.process.kill()
        except OSError:
            pass

    def _reap(self, timeout: float) -> bool:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    # -- threads --------------------------------------------------------------------------
    def _read(self) -> None:
        """The reader thread: route every frame to its run until the socket closes."""
        try:
            while True:
                message = self.channel.receive()
                if message is None:
                    break
                self._last_heard = time.monotonic()
                self._route(message)
        except WireError as error:  # cut short because the child died, or really damaged
            if not self._reap(1.0):
                self.kill(f"it sent a damaged message ({error})")
        except (KeyError, TypeError, ValueError) as error:  # a frame, but not our protocol
            self.kill(f"it sent a message this nnviz does not understand ({error!r})")
        self._died()

    def _route(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind in ("pong", "hello"):
            return
        if kind in ("checkpoint", "describe"):
            with self._replied:
                self._replies[message["request"]] = message
                self._replied.notify_all()
            return
        with self._runs_lock:
            run = self._runs.get(message.get("run"))  # type: ignore[arg-type]
            if kind == "ended":
                self._runs.pop(message.get("run"), None)  # type: ignore[arg-type]
        if run is not None:
            run.receive(message)

    def _died(self) -> None:
        """The socket closed: reap the child, then tell every run still alive why."""
        self.channel.close()
        if not self._reap(2.0):
            self.kill("")
            self._reap(2.0)
        why = self._kill_reason or _exit_words(self.process.returncode)
        tail = self._last_error_line()
        if tail and not self._kill_reason and (self.process.returncode or 0) > 0:
            why += f": {tail}"
        self.death = why
        self._ended.set()
        self._nudge.set()
        self._outgoing.put(None)
        with self._replied:
            self._replied.notify_all()
        with self._runs_lock:
            runs, self._runs = list(self._runs.values()), {}
        for run in runs:
            if self._closing:
                run.end()
            else:
                run.fail(f"The training process ended unexpectedly ({why}). "
                         "The last snapshot stays on screen; Run or Reset starts a new one.")

    def _last_error_line(self) -> str:
        lines = [line for line in list(self._stderr_tail) if line.strip()]
        return lines[-1].strip() if lines else ""

    def _read_stderr(self) -> None:
        """Pass the child's stderr on to ours, keeping the last lines to say why it died."""
        assert self.process.stderr is not None
        for raw in iter(self.process.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            self._stderr_tail.append(line)
            try:
                sys.stderr.write(line)
            except (OSError, ValueError):
                pass
        self.process.stderr.close()

    def expecting(self) -> bool:
        """Whether the window waits for the child to send something (see the module doc)."""
        with self._runs_lock:
            runs = list(self._runs.values())
        return self._waiting_requests > 0 or any(run.active for run in runs)

    def _watch(self) -> None:
        """The watchdog thread: while the child is expected to send, ping it, and kill it
        when it is silent for ``hang_seconds``; while it is not, wait for a command."""
        period = min(PING_SECONDS, self.hang_seconds / 4)
        while self.alive:
            if not self.expecting():
                self._nudge.clear()
                if not self.expecting():  # a command sent before the clear still counts
                    self._nudge.wait()
                self._watch_from = time.monotonic()
                continue
            if self._ended.wait(period):
                return
            if not self.expecting():  # it went idle meanwhile: nothing to ping for
                continue
            silent = time.monotonic() - max(self._last_heard, self._watch_from)
            if silent > self.hang_seconds:
                self.kill(f"it stopped answering for {self.hang_seconds:g} s and was ended")
                return
            self.pings_sent += 1
            self.send({"type": "ping"})


def child_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: ``env`` (else ours), with the folder this ``nnviz`` was
    imported from first on ``PYTHONPATH``, so the child runs the same code even when the
    parent found it through a path it set itself (a script, a test's checkout)."""
    import nnviz

    environment = dict(os.environ if env is None else env)
    root = os.path.dirname(os.path.dirname(os.path.abspath(nnviz.__file__)))
    paths = [root, *(p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p)]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


def _wants(wants: Mapping[str, float] | None) -> dict[str, float] | None:
    return None if wants is None else {kind: float(gap) for kind, gap in wants.items()}


def _exit_words(code: int | None) -> str:
    """How a process ended, in words: "killed by signal 9 (SIGKILL)", "exit code 1"."""
    if code is None:
        return "it did not exit"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-code} ({name})"
    return f"exit code {code}"


class RemoteMailbox:
    """The :class:`~nnviz.session.Mailbox` calls the controller makes, sent as commands."""

    def __init__(self, run: ProcessWorker, *, paused: bool) -> None:
        self._run = run
        self._paused = paused
        self._stopped = False
        self._held = False
        self._lock = threading.Lock()

    def post(self, name: str, value: Any) -> None:
        self._run.command("post", name=name, value=value)

    def post_data_edit(self, edit: Any) -> None:
        self._run.command("edit_data", edit=edit)

    def pause(self) -> None:
        self._paused = True
        self._run.command("pause")

    def resume(self) -> None:
        self._paused = False
        self._run.command("resume")

    def step(self, count: int = 1) -> None:
        self._run.command("step", count=max(1, int(count)))

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._run.command("stop")

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped

    def mark_held(self) -> None:
        with self._lock:
            self._held = True

    def take_held(self) -> bool:
        """True once after the child said the loop paused itself at ``hold_at``."""
        with self._lock:
            held, self._held = self._held, False
            return held


class RemoteViews:
    """:meth:`~nnviz.session.ViewDemand.want` for a run in the child: sent only on a change,
    since the window says what it wants at every frame."""

    def __init__(self, run: ProcessWorker, wants: Mapping[str, float] | None) -> None:
        self._run = run
        self._sent = _wants(wants)

    def want(self, wants: Mapping[str, float] | None) -> None:
        wanted = _wants(wants)
        if wanted != self._sent:
            self._sent = wanted
            self._run.command("want_views", wants=wanted)

    @property
    def wants(self) -> dict[str, float] | None:
        return None if self._sent is None else dict(self._sent)


class ProcessWorker:
    """One run in a :class:`WorkerProcess` (see the module docstring); made by
    :meth:`WorkerProcess.open_run` and :meth:`WorkerProcess.continue_run`."""

    def __init__(self, process: WorkerProcess, token: int, *, paused: bool,
                 hold_at: int | None, wants: Mapping[str, float] | None,
                 run_id: int | None) -> None:
        self.process = process
        self.token = token
        #: the id this run's snapshots carry, chosen here so it is unique across processes
        self.assigned_id = run_id if run_id is not None else next_run_id()
        self._built = run_id is not None
        self.hold_at = hold_at
        self.mailbox = RemoteMailbox(self, paused=paused)
        self.views = RemoteViews(self, wants)
        self.outbox = Outbox()
        #: updates per epoch of the session, as of its latest snapshot (1 before it is built)
        self.steps_per_epoch = 1
        self._config: Config | None = None
        self._ended = threading.Event()
        #: :data:`WAKING` commands sent to the run, and whether its latest snapshot said it
        #: stands paused having applied all of them (``_idle_lock``: two threads write them)
        self._wakings_sent = 0
        self._idle = False
        self._idle_lock = threading.Lock()

    @property
    def run_id(self) -> int | None:
        """The run's id once its session exists (None while it is being built)."""
        return self.assigned_id if self._built else None

    def start(self) -> ProcessWorker:
        return self

    @property
    def alive(self) -> bool:
        return not self._ended.is_set()

    @property
    def active(self) -> bool:
        """Whether the child still has something to send for this run: it is being built,
        trains, has steps to take, or was stopped and has not said it ended."""
        if not self.alive:
            return False
        if self.mailbox.stopped or not self._built or not self.mailbox.paused:
            return True
        with self._idle_lock:
            return not self._idle

    def stop(self) -> None:
        """Ask the loop to end after the current step (never blocks)."""
        self.mailbox.stop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the child says the run's loop ended; True when it has."""
        return self._ended.wait(timeout)

    def command(self, kind: str, **payload: Any) -> None:
        if self.alive:
            if kind in WAKING:
                with self._idle_lock:
                    self._wakings_sent += 1
                    self._idle = False
            self.process.send({"type": kind, "run": self.token, **payload})

    def checkpoint(self, timeout: float = 1.0) -> tuple[int, Any] | None:
        """``(step, state)``: the session's checkpoint, taken in the child between two steps
        of a paused run; None when there is none to take or no answer came within
        ``timeout``."""
        if not self._built:
            return None
        reply = self.process.request({"type": "checkpoint", "run": self.token}, timeout)
        if reply is None or reply.get("step") is None:
            return None
        return int(reply["step"]), reply["state"]

    def describe(self, timeout: float = 1.0) -> dict[str, Any] | None:
        """What the run's session is now, read in the child between two steps: ``step``,
        ``steps_per_epoch``, ``config`` (its values by name), and where the session has
        them ``optimizer_learning_rate`` and ``sizes``; None before the session is built or
        when no answer came within ``timeout``."""
        if not self._built:
            return None
        reply = self.process.request({"type": "describe", "run": self.token}, timeout)
        return None if reply is None else reply.get("description")

    # -- the reader thread ----------------------------------------------------------------
    def receive(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "snapshot":  # steps per epoch follow a live batch size
            self.steps_per_epoch = max(1, int(message["steps_per_epoch"]))
            self._note_idle(message)
            self.outbox.put(self._same_config(message["snapshot"]))
        elif kind == "built":
            self.steps_per_epoch = max(1, int(message["steps_per_epoch"]))
            self._built = True
        elif kind == "event":
            self.outbox.put(WorkerEvent(message["kind"], message["message"], self.run_id))
        elif kind == "held":
            self.mailbox.mark_held()
        elif kind == "ended":
            self.end()

    def _note_idle(self, message: Mapping[str, Any]) -> None:
        """A snapshot sent while the run stood paused, after the child had applied every
        Step and Run sent to the run, means nothing more comes until the next one."""
        with self._idle_lock:
            self._idle = (bool(message.get("idle"))
                          and message.get("wakings") == self._wakings_sent)

    def _same_config(self, snapshot: Snapshot) -> Snapshot:
        """``snapshot`` with the config object of the previous one when the values are the
        same: every frame decodes a new config, and panels tell a changed config by
        identity (relabelling a pinned run each time would cost every frame)."""
        if snapshot.config == self._config:
            return dataclasses.replace(snapshot, config=self._config)
        self._config = snapshot.config
        return snapshot

    def fail(self, text: str) -> None:
        """The process died under this run: say so, and end."""
        if self.alive:
            self.outbox.put(WorkerEvent("error", text, self.run_id))
            self.end()

    def end(self) -> None:
        self._ended.set()
