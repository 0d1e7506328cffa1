"""History from before the app listened: the link keeps a bounded backlog of snapshots and sends
it right after the hello, so an app opened during a run draws its curves from before."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from nnviz.core.watch_readings import LayerNorms
from nnviz.session import Snapshot
from nnviz.watching.link import AppLink
from nnviz.watching.protocol import SCRIPT_MESSAGES, FrameReader, frame_bytes
from nnviz.watching.records import WatchConfig

#: a hang guard for the stand-in app's blocking reads, not a timing
GUARD_SECONDS = 30


def listen(runtime_dir: Path) -> socket.socket:
    """A stand-in app starting to listen on the default local socket (late)."""
    folder = runtime_dir / "nnviz"
    folder.mkdir(mode=0o700, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(folder / "watch.sock"))
    server.listen(4)
    server.settimeout(GUARD_SECONDS)
    return server


def snapshot(step: int, views: dict | None = None) -> Snapshot:
    """Snapshot ``step``, with the trace of the five steps up to it."""
    steps = np.arange(step - 4, step + 1)
    return Snapshot(run_id=1, scenario="watch", step=step, epoch=0.0, wall_seconds=0.0,
                    metrics={"loss": 1.0 / step}, config=WatchConfig(),
                    trace={"step": steps, "loss": 1.0 / steps}, views=views or {})


def norms(step: int) -> dict:
    return {"layer_norms": LayerNorms(step, ("fc1",), np.array([1.0]), np.array([0.1]))}


def received(server: socket.socket, count: int) -> list[dict]:
    """The first ``count`` messages the script sends on the connection it makes."""
    connection, _ = server.accept()
    with connection:
        connection.settimeout(GUARD_SECONDS)
        reader, messages = FrameReader(SCRIPT_MESSAGES), []
        while len(messages) < count:
            data = connection.recv(1 << 16)
            assert data, "the script closed early"
            messages += reader.feed(data)
    return messages


def test_snapshots_from_before_the_app_listened_follow_the_hello(runtime_dir):
    link = AppLink({"name": "early"}, retry_seconds=0.0, backlog=4)
    for step in range(5, 35, 5):  # no app yet: six snapshots, the last four kept
        link.take(snapshot(step))
    assert link.connections == 0
    server = listen(runtime_dir)
    try:
        link.take(snapshot(35))  # connects now
        messages = received(server, 6)
    finally:
        link.close()
        server.close()
    assert messages[0]["type"] == "hello"
    sent = [m["snapshot"] for m in messages[1:]]
    assert [s.step for s in sent] == [15, 20, 25, 30, 35]  # the backlog, then the new one
    np.testing.assert_array_equal(sent[0].trace["step"], np.arange(11, 16))
    assert all(m["steered"] == [] for m in messages[1:])


def test_the_backlog_keeps_the_views_of_the_newest_snapshot_that_had_some(runtime_dir):
    """Only one snapshot with views is kept (its histograms hold the run's distribution
    history); the others go as light ones, metrics and trace only."""
    link = AppLink({"name": "views"}, retry_seconds=0.0, backlog=3)
    link.take(snapshot(5, norms(5)))  # dropped from the backlog by the three after it …
    for step in (10, 15, 20):
        link.take(snapshot(step, norms(step) if step == 10 else None))
    server = listen(runtime_dir)
    try:
        link.take(snapshot(25))
        messages = received(server, 5)
    finally:
        link.close()
        server.close()
    sent = [m["snapshot"] for m in messages[1:]]
    assert [s.step for s in sent] == [10, 15, 20, 25]
    assert list(sent[0].views) == ["layer_norms"] and sent[0].views["layer_norms"].step == 10
    assert not any(s.views for s in sent[1:])


def test_a_views_snapshot_older_than_the_backlog_goes_first(runtime_dir):
    link = AppLink({"name": "old views"}, retry_seconds=0.0, backlog=2)
    link.take(snapshot(5, norms(5)))
    for step in (10, 15, 20):
        link.take(snapshot(step))
    server = listen(runtime_dir)
    try:
        link.take(snapshot(25))
        messages = received(server, 5)
    finally:
        link.close()
        server.close()
    assert [m["snapshot"].step for m in messages[1:]] == [5, 15, 20, 25]
    assert messages[1]["snapshot"].views["layer_norms"].step == 5


def test_a_backlog_of_zero_keeps_nothing(runtime_dir):
    link = AppLink({"name": "none"}, retry_seconds=0.0, backlog=0)
    link.take(snapshot(5))
    server = listen(runtime_dir)
    try:
        link.take(snapshot(10))
        messages = received(server, 2)
    finally:
        link.close()
        server.close()
    assert [m["snapshot"].step for m in messages[1:]] == [10]


def frame_size(step: int) -> int:
    return len(frame_bytes({"type": "snapshot", "snapshot": snapshot(step), "steered": []}))


def test_a_long_backlog_is_sent_a_bounded_share_per_step_and_arrives_whole(runtime_dir):
    """Issue 18: 600 kept snapshots were all encoded inside the one ``step()`` that
    connected; now each ``take`` encodes at most the budget (plus the frame that crosses
    it), and later takes send the rest, in order, with the new snapshots behind them."""
    budget = 20 * frame_size(3000)
    link = AppLink({"name": "long"}, retry_seconds=0.0, backlog=600, catch_up_bytes=budget)
    for step in range(5, 605):
        link.take(snapshot(step))
    server = listen(runtime_dir)
    app = ThreadPoolExecutor(max_workers=1)
    arriving = app.submit(received, server, 1 + 600 + 40)
    encoded = []
    try:
        for step in range(605, 645):
            link.take(snapshot(step))
            encoded.append(link.encoded_last_take)
        # what the socket did not take yet (a slow reader on a loaded machine) goes out at
        # the loop's next exchanges, as in a watched script that goes on stepping
        deadline = time.monotonic() + GUARD_SECONDS
        while not arriving.done() and time.monotonic() < deadline:
            link.exchange()
            time.sleep(0.001)
        messages = arriving.result(timeout=0)
    finally:
        link.close()
        server.close()
        app.shutdown()
    assert max(encoded) <= budget + frame_size(3000)
    assert sum(encoded) == sum(frame_size(step) for step in range(5, 645))
    assert messages[0]["type"] == "hello"
    assert [m["snapshot"].step for m in messages[1:]] == list(range(5, 645))
    assert link.dropped == 0
