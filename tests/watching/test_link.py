"""The watcher's side of streaming: it never waits on the app, and it obeys the app's steering.

A plain socket stands in for the app here (the app's own listener is tested in
``tests/app/test_watch_listener.py``), so each test says exactly what "the app" does: never
listens, never reads, sends a command, goes away.
"""

from __future__ import annotations

import itertools
import socket
import threading
import warnings

import numpy as np
import pytest

import nnviz
from nnviz.io.wire import decode_message
from nnviz.session import Snapshot
from nnviz.watching.link import AppLink
from nnviz.watching.probe import ScalarsOnly
from nnviz.watching.protocol import SCRIPT_MESSAGES, FrameReader, frame_bytes
from nnviz.watching.records import WatchConfig
from nnviz.watching.steering import Steering, steering_for
from nnviz.watching.watcher import Watcher

#: a hang guard for the stand-in app's blocking reads, not a timing
GUARD_SECONDS = 30


@pytest.fixture
def app_socket(runtime_dir):
    """A stand-in app listening on the default local socket (it accepts when told to)."""
    folder = runtime_dir / "nnviz"
    folder.mkdir(mode=0o700)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(folder / "watch.sock"))
    server.listen(4)
    server.settimeout(GUARD_SECONDS)
    yield server
    server.close()


def ticking_clock(seconds: float = 1.0):
    """A clock that moves ``seconds`` at every reading: every step is due for a poll."""
    counter = itertools.count()
    return lambda: next(counter) * seconds


def watched(steering: Steering, probe=None) -> Watcher:
    probe = probe or ScalarsOnly()
    return Watcher(probe, WatchConfig(snapshot_every=1, snapshots_per_second=1000.0),
                   [steering.link], clock=ticking_clock(), steering=steering)


class StandIn:
    """The app's end of one accepted connection: reads messages, sends commands."""

    def __init__(self, server: socket.socket) -> None:
        self.socket, _ = server.accept()
        self.socket.settimeout(GUARD_SECONDS)
        self.reader = FrameReader(SCRIPT_MESSAGES)
        self.messages: list[dict] = []

    def read_until(self, kind: str) -> dict:
        while True:
            found = [m for m in self.messages if m["type"] == kind]
            if found:
                self.messages.remove(found[0])
                return found[0]
            data = self.socket.recv(1 << 16)
            assert data, f"the script closed before sending {kind!r}"
            self.messages.extend(self.reader.feed(data))

    def send(self, message: dict) -> None:
        self.socket.sendall(frame_bytes(message))

    def close(self) -> None:
        self.socket.close()


def test_with_no_app_listening_a_loop_runs_without_error_or_warning(runtime_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        watcher = nnviz.watch(None, name="alone", every=1)
        for step in range(500):
            watcher.step(loss=1.0 / (step + 1))
        watcher.close()
    assert watcher.steering.link.connections == 0
    assert watcher.step_count == 500


def test_a_bad_address_is_a_warning_not_an_error(runtime_dir):
    with pytest.warns(RuntimeWarning, match="not streaming"):
        watcher = nnviz.watch(None, address="not an address")
    watcher.step(loss=1.0)
    watcher.close()


def test_an_app_that_never_reads_never_blocks_the_loop(app_socket):
    """The socket's buffers fill, then the queue's bound: further snapshots are dropped."""
    link = AppLink({"name": "flood"}, max_pending_bytes=1 << 20)  # room for 3 snapshots
    big = {"step": np.arange(20_000, dtype=np.int64), "loss": np.zeros(20_000)}
    snapshots = (Snapshot(run_id=1, scenario="watch", step=step, epoch=0.0, wall_seconds=0.0,
                          metrics={"loss": 0.0}, config=WatchConfig(), trace=big)
                 for step in itertools.count(1))
    for snapshot in itertools.islice(snapshots, 200):  # 200 × 320 kB: far past every buffer
        link.take(snapshot)
    assert link.connected and 100 < link.dropped < 200  # the first ones went or wait
    link.close()


def test_a_set_command_is_applied_at_the_next_step_and_sent_back_as_a_mark(app_socket):
    torch = pytest.importorskip("torch")
    from nnviz.backends.torch_watch import TorchProbe

    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5, weight_decay=0.0)
    probe = TorchProbe(model, optimizer)
    steering = steering_for(WatchConfig(name="steered"), probe)
    watcher = watched(steering, probe)
    watcher.step(loss=1.0)  # connects and says hello
    app = StandIn(app_socket)
    hello = app.read_until("hello")
    assert hello["steerable"] and hello["groups"][0].learning_rate == 0.1
    app.send({"type": "set", "group": 0, "name": "learning_rate", "value": 0.003})
    app.send({"type": "set", "group": 0, "name": "weight_decay", "value": 0.01})
    app.send({"type": "set", "group": 7, "name": "momentum", "value": 0.9})  # no such group
    applied_at = 0
    while optimizer.param_groups[0]["lr"] != 0.003:
        watcher.step(loss=1.0)
        applied_at = watcher.step_count
    assert optimizer.param_groups[0]["weight_decay"] == 0.01
    watcher.step(loss=1.0)
    marks = []
    while len(marks) < 2:
        marks += app.read_until("snapshot")["steered"]
    assert [(m["step"], m["name"], m["value"]) for m in marks] == [
        (applied_at + 1, "learning_rate", 0.003), (applied_at + 1, "weight_decay", 0.01)]
    assert steering.ignored == 1
    watcher.close()
    app.close()


def test_steerable_false_refuses_every_command(app_socket):
    torch = pytest.importorskip("torch")
    from nnviz.backends.torch_watch import TorchProbe

    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    probe = TorchProbe(model, optimizer)
    steering = steering_for(WatchConfig(), probe, steerable=False)
    watcher = watched(steering, probe)
    watcher.step(loss=1.0)
    app = StandIn(app_socket)
    hello = app.read_until("hello")
    assert hello["steerable"] is False and "steerable=False" in hello["reason"]
    app.send({"type": "set", "group": 0, "name": "learning_rate", "value": 0.5})
    app.send({"type": "pause"})
    while steering.ignored < 2:
        watcher.step(loss=1.0)  # never held: the pause is refused too
    assert optimizer.param_groups[0]["lr"] == 0.1 and not steering.paused
    watcher.close()
    app.close()


def test_the_app_going_away_releases_a_paused_loop(app_socket):
    """Paused with no timeout: the wait ends when the app closes the connection."""
    steering = steering_for(WatchConfig(), ScalarsOnly())
    watcher = watched(steering)
    watcher.step(loss=1.0)
    app = StandIn(app_socket)
    app.read_until("hello")

    def pause_then_go_away() -> None:
        app.send({"type": "pause"})
        app.read_until("paused")  # the loop is now held inside step()
        app.close()

    helper = threading.Thread(target=pause_then_go_away)
    helper.start()
    try:
        while not steering.paused and helper.is_alive():
            watcher.step(loss=1.0)  # returns once the app has gone
    finally:
        helper.join(GUARD_SECONDS)
    assert not steering.paused and not steering.link.connected
    held_at = watcher.step_count
    watcher.step(loss=1.0)
    assert watcher.step_count == held_at + 1
    watcher.close()


def test_a_command_of_an_unknown_kind_disconnects_with_a_warning(app_socket):
    steering = steering_for(WatchConfig(), ScalarsOnly())
    watcher = watched(steering)
    watcher.step(loss=1.0)
    app = StandIn(app_socket)
    app.read_until("hello")
    app.socket.sendall(frame_bytes({"type": "exec", "code": "print('hi')"}))
    with pytest.warns(RuntimeWarning, match="unknown message kind 'exec'"):
        while steering.link.connected:
            watcher.step(loss=1.0)
    watcher.close()
    app.close()


def test_a_refusal_is_said_once_and_not_retried(app_socket):
    link = AppLink({"name": "refused"}, retry_seconds=0.0)
    link.exchange()
    app = StandIn(app_socket)
    app.read_until("hello")
    app.send({"type": "refused", "reason": "a wrong token"})
    with pytest.warns(RuntimeWarning, match="refused this run: a wrong token"):
        while link.connected:
            link.exchange()
    for _ in range(5):
        link.exchange()
    assert link.connections == 1 and link.refused == "a wrong token"
    app.close()


def test_the_hello_and_snapshots_decode_with_the_wire_codec(app_socket):
    """No pickle anywhere: what the script sends is what ``decode_message`` reads."""
    link = AppLink({"name": "codec"})
    link.take(Snapshot(run_id=1, scenario="watch", step=3, epoch=0.0, wall_seconds=0.0,
                       metrics={"loss": 0.5}, config=WatchConfig()))
    link.take(Snapshot(run_id=1, scenario="watch", step=4, epoch=0.0, wall_seconds=0.0,
                       metrics={"loss": 0.4}, config=WatchConfig()))
    app = StandIn(app_socket)
    app.read_until("hello")
    snapshot = app.read_until("snapshot")["snapshot"]
    assert isinstance(snapshot, Snapshot) and snapshot.step == 3
    raw = frame_bytes({"type": "bye"})[8:]
    assert decode_message(raw) == {"type": "bye"}
    link.close()
    app.close()
