"""A watcher's connection to a listening app: a sink that never makes the training loop wait.

:class:`AppLink` is one more sink of a :class:`~nnviz.watching.watcher.Watcher`. Everything it
does on the loop's thread is non-blocking:

- **connecting**: a non-blocking connect to the app's address
  (:mod:`nnviz.watching.address`), tried at most every :data:`RETRY_SECONDS`; with no app
  listening a step costs one clock comparison;
- **sending**: each snapshot is encoded once (:mod:`nnviz.io.wire`, no pickle) and queued;
  the queue is written as far as the socket takes it now, and a snapshot that would make it
  longer than ``max_pending_bytes`` is dropped whole (frames are never cut), so an app that
  hangs or never reads costs the loop nothing but the dropped frames;
- **receiving**: whatever commands have arrived are read and returned
  (:meth:`AppLink.exchange`);
- **before an app listens**: the last :data:`BACKLOG_SNAPSHOTS` snapshots are kept (without
  their views, but for the newest that had some: its histograms carry the run's distribution
  history) and sent after the hello, so an app opened, or reopened, during a run shows
  its curves from before it connected, within that bound. They go a bounded share at a time
  (:data:`CATCH_UP_BYTES`, encoded at each ``take``, oldest first, with newer snapshots
  behind them): 600 snapshots encoded at once were a pause of tens of milliseconds in the
  person's loop.

The one wait is :meth:`AppLink.wait`, which the steering calls only while the person has
paused the run from the app: it blocks in ``select`` until a command arrives or the app goes
away (no timeout to tune, and an app that closes releases the loop at once).
"""

from __future__ import annotations

import collections
import os
import select
import socket
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from nnviz.io.wire import WireError
from nnviz.session import Snapshot
from nnviz.watching.address import WatchAddress, chosen_address
from nnviz.watching.protocol import APP_MESSAGES, FrameReader, ProtocolError, frame_bytes

#: seconds between attempts to reach an app that was not there
RETRY_SECONDS = 2.0
#: the most bytes waiting to be sent before new snapshots are dropped
MAX_PENDING_BYTES = 8 << 20
RECEIVE_BYTES = 1 << 16
#: snapshots kept while no app is connected, sent when one connects (at the default rate of
#: 10 a second, the last minute or so; a snapshot without views is a few kilobytes)
BACKLOG_SNAPSHOTS = 600
#: the most bytes of waiting snapshots encoded in one ``take`` (one ``watcher.step()``), past
#: which the rest wait for the next: a frame is never cut, so one ``take`` encodes up to this
#: plus one snapshot, and at least two, so a backlog drains even while new snapshots arrive
CATCH_UP_BYTES = 32 << 10


class AppLink:
    """The connection to an app; see the module docstring. ``hello`` is the first message
    sent on every connection (its ``token`` is added here)."""

    def __init__(self, hello: Mapping[str, Any], *, address: str | None = None,
                 token: str | None = None, clock: Callable[[], float] = time.monotonic,
                 retry_seconds: float = RETRY_SECONDS,
                 max_pending_bytes: int = MAX_PENDING_BYTES,
                 backlog: int = BACKLOG_SNAPSHOTS,
                 catch_up_bytes: int = CATCH_UP_BYTES) -> None:
        self.hello = dict(hello)
        self.retry_seconds = retry_seconds
        self.max_pending_bytes = max_pending_bytes
        self.catch_up_bytes = catch_up_bytes
        #: bytes of snapshots encoded by the last ``take`` (what the catch-up budget bounds)
        self.encoded_last_take = 0
        #: snapshots not sent (no room in the queue); connections made; why the app refused
        self.dropped = 0
        self.connections = 0
        self.refused = ""
        #: steering changes applied since the last snapshot (sent with the next one)
        self.steered: list[dict[str, Any]] = []
        self._clock = clock
        self._socket: socket.socket | None = None
        self._connecting = False
        self._queue: collections.deque[memoryview] = collections.deque()
        self._pending = 0
        self._reader = FrameReader(APP_MESSAGES)
        self._next_attempt = -float("inf")
        #: what the app has not seen: light snapshots, and the newest one with views
        self._backlog: collections.deque[Snapshot] = collections.deque(maxlen=backlog)
        self._backlog_views: Snapshot | None = None
        #: snapshot messages for the connected app not encoded yet, oldest first
        self._unsent: collections.deque[dict[str, Any]] = collections.deque()
        self._address: WatchAddress | None = None
        try:
            self._address, self._token = chosen_address(address, token)
        except (ValueError, OSError) as error:
            self._warn(f"nnviz: not streaming to the app ({error}); training goes on")

    @property
    def connected(self) -> bool:
        return self._socket is not None and not self._connecting

    # -- the Sink protocol ----------------------------------------------------------------
    def take(self, snapshot: Snapshot) -> None:
        """Queue ``snapshot`` for the app (dropped when no app is connected or the queue is
        full), and send what the socket takes now."""
        self._ensure_connection()
        if not self.connected:
            self.steered.clear()
            self._keep(snapshot)
            return
        self._unsent.append({"type": "snapshot", "snapshot": snapshot,
                             "steered": list(self.steered)})
        self.steered.clear()
        self._encode_unsent()
        self._flush()

    def _encode_unsent(self) -> None:
        """Queue waiting snapshots, oldest first, until :attr:`catch_up_bytes` are encoded
        (at least two, so the backlog shrinks though a new snapshot joins it each time)."""
        encoded = count = 0
        while self._unsent and (count < 2 or encoded < self.catch_up_bytes):
            encoded += self._queue_message(self._unsent.popleft(), droppable=True)
            count += 1
        self.encoded_last_take = encoded

    def _keep(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` for an app that connects later (bounded; see the module
        docstring)."""
        if not self._backlog.maxlen:
            return
        if snapshot.views:
            self._backlog_views = snapshot
            snapshot = replace(snapshot, views={})
        self._backlog.append(snapshot)

    def _send_backlog(self) -> None:
        """Line up what the app has not seen, oldest first, after the hello; ``take`` encodes
        it a bounded share at a time."""
        kept = list(self._backlog)
        views = self._backlog_views
        if views is not None:
            kept = [views if light.step == views.step else light for light in kept]
            if not any(snapshot is views for snapshot in kept):  # older than all kept
                kept.insert(0, views)
        self._backlog.clear()
        self._backlog_views = None
        self._unsent.extendleft({"type": "snapshot", "snapshot": snapshot, "steered": []}
                                for snapshot in reversed(kept))

    def close(self) -> None:
        """Say goodbye (if the socket takes it now) and close."""
        if self.connected:
            self._queue_message({"type": "bye"}, droppable=True)
            self._flush()
        self._disconnect()
        self._address = None  # closed for good

    # -- what the steering uses -----------------------------------------------------------
    def send(self, message: Mapping[str, Any]) -> None:
        """Queue a small control message (``paused`` …) and send what the socket takes."""
        if self.connected:
            self._queue_message(message, droppable=False)
            self._flush()

    def exchange(self) -> list[dict[str, Any]]:
        """Connect if due, send what the socket takes, and return the commands that have
        arrived; never blocks."""
        self._ensure_connection()
        if not self.connected:
            return []
        self._flush()
        return self._receive()

    def wait(self) -> list[dict[str, Any]]:
        """Block until a command arrives or the app goes away (then ``connected`` is False
        and the list is empty); queued messages are sent meanwhile."""
        while self.connected:
            writing = [self._socket] if self._queue else []
            try:
                readable, writable, _ = select.select([self._socket], writing, [])
            except (OSError, ValueError):
                self._disconnect()
                break
            if writable:
                self._flush()
            if readable:
                messages = self._receive()
                if messages:
                    return messages
        return []

    # -- connecting -----------------------------------------------------------------------
    def _ensure_connection(self) -> None:
        if self._socket is None:
            now = self._clock()
            if self._address is not None and not self.refused and now >= self._next_attempt:
                self._next_attempt = now + self.retry_seconds
                self._start_connecting(self._address)
        elif self._connecting:
            self._finish_connecting()

    def _start_connecting(self, address: WatchAddress) -> None:
        family = socket.AF_UNIX if address.is_local else (
            socket.AF_INET6 if ":" in address.host else socket.AF_INET)
        target: Any = str(address.path) if address.is_local else (address.host, address.port)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(target)
        except BlockingIOError:  # TCP: EINPROGRESS, finished at a later step
            self._socket, self._connecting = sock, True
            return
        except OSError:  # no app listening (no socket file, refused, unreachable)
            sock.close()
            return
        self._socket = sock
        self._connected()

    def _finish_connecting(self) -> None:
        assert self._socket is not None
        _, writable, _ = select.select([], [self._socket], [], 0)
        if not writable:
            if self._clock() >= self._next_attempt:  # still nothing: give up this attempt
                self._disconnect()
            return
        if self._socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            self._disconnect()
            return
        self._connecting = False
        self._connected()

    def _connected(self) -> None:
        self.connections += 1
        self._reader = FrameReader(APP_MESSAGES)
        self._queue_message({**self.hello, "type": "hello", "token": self._token,
                             "pid": os.getpid()}, droppable=False)
        self._send_backlog()
        self._flush()  # the hello; the backlog goes at the next takes

    def _disconnect(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            except OSError:
                pass
        self._socket, self._connecting = None, False
        self._queue.clear()
        self._pending = 0
        for message in self._unsent:  # the next app to connect gets them
            self._keep(message["snapshot"])
        self._unsent.clear()

    # -- bytes ----------------------------------------------------------------------------
    def _queue_message(self, message: Mapping[str, Any], *, droppable: bool) -> int:
        """Encode and queue ``message`` unless the queue is full; the bytes encoded."""
        if droppable and self._pending >= self.max_pending_bytes:
            self.dropped += 1  # not even encoded: the app is not keeping up
            return 0
        data = frame_bytes(message)
        if droppable and self._pending + len(data) > self.max_pending_bytes:
            self.dropped += 1
            return len(data)
        self._queue.append(memoryview(data))
        self._pending += len(data)
        return len(data)

    def _flush(self) -> None:
        while self._queue and self._socket is not None:
            head = self._queue[0]
            try:
                sent = self._socket.send(head)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # the app went away
                self._disconnect()
                return
            self._pending -= sent
            if sent == len(head):
                self._queue.popleft()
            else:
                self._queue[0] = head[sent:]

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while self._socket is not None:
            try:
                data = self._socket.recv(RECEIVE_BYTES)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._disconnect()
                break
            if not data:  # the app closed the connection
                self._disconnect()
                break
            try:
                messages.extend(self._reader.feed(data))
            except (WireError, ProtocolError) as error:
                self._warn(f"nnviz: the app sent something this script does not take "
                           f"({error}); disconnected")
                self._disconnect()
                return []
        return self._refusals(messages)

    def _refusals(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The app refused this script (a wrong token …): say why once, stop retrying."""
        for message in messages:
            if message["type"] == "refused":
                self.refused = str(message.get("reason", "no reason given"))[:200]
                self._warn(f"nnviz: the app refused this run: {self.refused}")
                self._disconnect()
                return []
        return messages

    @staticmethod
    def _warn(text: str) -> None:
        warnings.warn(text, RuntimeWarning, stacklevel=5)
