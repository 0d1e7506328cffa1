"""The app's end of ``nnviz.watch``: accepts watched scripts and turns their frames into runs.

:class:`WatchListener` listens on the local Unix socket (:mod:`nnviz.watching.address`: a
private folder, the socket mode 0600) and, with ``nnviz app --listen HOST:PORT``, on TCP, where
a script's first message must carry the printed token. Everything runs on the GUI thread
without blocking: the sockets are non-blocking and a :class:`QSocketNotifier` says when one
has bytes (or room) for us.

Nothing a script sends is trusted: frames are decoded by :mod:`nnviz.io.wire` (no pickle,
only registered record kinds), a message kind the protocol does not list
(:mod:`nnviz.watching.protocol`) or a snapshot that is not one closes the connection, and the
refusal is reported with one line. Each accepted script becomes a :class:`WatchedRun` with a
bounded :class:`~nnviz.io.runs.RunRecord` of what it sent (so the app's panels, "Save run" and
a late attach all read the same store) and a run id of the app's own (scripts number their
runs from 1, so two scripts would clash).
"""

from __future__ import annotations

import hmac
import itertools
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from nnviz.core.watch_readings import ParamGroupSettings
from nnviz.io.runs import RunRecord
from nnviz.io.wire import WireError
from nnviz.session import Snapshot
from nnviz.watching.address import MAX_TOKEN_CHARS, WatchAddress, local_address, new_token
from nnviz.watching.protocol import SCRIPT_MESSAGES, FrameReader, ProtocolError, frame_bytes

#: the most bytes read from one script per notifier wake-up (the GUI thread moves on after)
READ_BUDGET_BYTES = 4 << 20
RECEIVE_BYTES = 1 << 18
#: the most commands waiting for a script that does not read them
MAX_OUTGOING_BYTES = 1 << 20
#: app-side run ids, far from the small ids scripts and the app's own runs count from
_run_ids = itertools.count(1 << 40)


@dataclass
class WatchedRun:
    """One script that said hello: who it is, what it sent, whether it may be steered."""

    key: str
    name: str
    pid: int
    steerable: bool
    reason: str
    groups: tuple[ParamGroupSettings, ...]
    run_id: int = field(default_factory=lambda: next(_run_ids))
    record: RunRecord | None = None
    #: steering changes the script applied: {"step", "group", "name", "value"}
    marks: list[dict[str, Any]] = field(default_factory=list)
    paused_at: int | None = None
    connected: bool = True
    #: the script's watcher, across reconnections (random; "" when it gave none)
    session: str = ""

    @property
    def title(self) -> str:
        return f"{self.name} (pid {self.pid})"

    @property
    def steps(self) -> int:
        return self.record.steps if self.record is not None else 0

    def take(self, snapshot: Snapshot) -> Snapshot:
        """Keep ``snapshot`` under this run's app-side id and return it so."""
        snapshot = replace(snapshot, run_id=self.run_id)
        if self.record is None:
            self.record = RunRecord.from_snapshot(snapshot)
            self.record.label = self.name
        self.record.add(snapshot)
        return snapshot


class WatchListener(QObject):
    """Listens for watched scripts; see the module docstring."""

    #: a script said hello (its run key)
    joined = Signal(str)
    #: a script's connection ended (its run key; the run stays, marked disconnected)
    left = Signal(str)
    #: a run key and a snapshot of it (under the run's app-side id)
    snapshot = Signal(str, object)
    #: a run paused, resumed, or applied a steering change (its key)
    changed = Signal(str)
    #: a connection was refused or broke the protocol (one line saying why)
    refused = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: dict[str, WatchedRun] = {}
        self.addresses: list[WatchAddress] = []
        self.refusals: list[str] = []
        self._servers: list[_Server] = []
        self._connections: dict[str, _Connection] = {}
        self._keys = itertools.count(1)

    # -- listening ------------------------------------------------------------------------
    def listen_local(self, address: WatchAddress | None = None) -> WatchAddress:
        """Listen on the local socket (``OSError`` when it cannot, e.g. another app has it)."""
        address = address or local_address()
        path = address.path
        assert path is not None
        _take_over_stale_socket(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(str(path))
            os.chmod(path, 0o600)
            server.listen(16)
        except OSError:
            server.close()
            raise
        self._add_server(server, address, token="")
        return address

    def listen_tcp(self, host: str, port: int, token: str | None = None) -> tuple[WatchAddress,
                                                                                    str]:
        """Listen on TCP ``host:port`` (0: any free port); scripts must present the returned
        token."""
        token = token or new_token()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server = socket.socket(family, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind((host, port))
            server.listen(16)
        except OSError:
            server.close()
            raise
        address = WatchAddress(host=host, port=server.getsockname()[1])
        self._add_server(server, address, token=token)
        return address, token

    def _add_server(self, server: socket.socket, address: WatchAddress, token: str) -> None:
        server.setblocking(False)
        notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        entry = _Server(server, address, token, notifier)
        notifier.activated.connect(lambda *_: self._accept(entry))
        self._servers.append(entry)
        self.addresses.append(address)

    def _accept(self, server: _Server) -> None:
        while True:
            try:
                sock, _ = server.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            connection = _Connection(self, sock, server.token)
            self._connections[connection.id] = connection

    # -- commands to a script -------------------------------------------------------------
    def send(self, key: str, message: Mapping[str, Any]) -> bool:
        """Send a command to run ``key``'s script; False when it is gone or refuses
        steering (then nothing is sent)."""
        run = self.runs.get(key)
        connection = self._connections.get(key)
        if run is None or connection is None or not run.connected:
            return False
        if message.get("type") in ("set", "pause", "run", "step") and not run.steerable:
            return False
        return connection.send(message)

    # -- from connections -----------------------------------------------------------------
    def _hello(self, connection: _Connection, message: dict[str, Any]) -> None:
        groups = message.get("groups", ())
        if not (isinstance(groups, tuple) and all(isinstance(g, ParamGroupSettings)
                                                  for g in groups)):
            raise ProtocolError("a hello whose parameter groups are not groups")
        pid = message.get("pid")
        session = str(message.get("session", ""))[:64]
        run = self._reconnected(session)
        if run is None:
            run = WatchedRun(
                key=f"run{next(self._keys)}", name=str(message.get("name", "watched run"))[:120],
                pid=pid if isinstance(pid, int) else 0,
                steerable=message.get("steerable") is True,
                reason=str(message.get("reason", ""))[:200], groups=groups, session=session)
        run.connected = True
        self._connections.pop(connection.id, None)
        connection.id = run.key
        self._connections[run.key] = connection
        self.runs[run.key] = run
        self.joined.emit(run.key)

    def _reconnected(self, session: str) -> WatchedRun | None:
        """The ended run of this script session (it lost its connection and made a new
        one): its curves go on where they stopped."""
        if not session:
            return None
        return next((run for run in self.runs.values()
                     if run.session == session and not run.connected), None)

    def _message(self, connection: _Connection, message: dict[str, Any]) -> None:
        run = self.runs[connection.id]
        kind = message["type"]
        if kind == "snapshot":
            snapshot = message.get("snapshot")
            if not isinstance(snapshot, Snapshot):
                raise ProtocolError("a 'snapshot' message without a snapshot")
            marks = message.get("steered", [])
            if isinstance(marks, list) and marks:
                run.marks.extend(mark for mark in marks if isinstance(mark, dict))
                self.changed.emit(run.key)
            self.snapshot.emit(run.key, run.take(snapshot))
        elif kind in ("paused", "resumed"):
            step = message.get("step")
            run.paused_at = step if kind == "paused" and isinstance(step, int) else None
            self.changed.emit(run.key)
        elif kind == "hello":
            raise ProtocolError("a second hello")

    def _closed(self, connection: _Connection, reason: str) -> None:
        self._connections.pop(connection.id, None)
        if reason:
            self.refusals.append(reason)
            self.refused.emit(reason)
        run = self.runs.get(connection.id)
        if run is not None:
            run.connected, run.paused_at = False, None
            self.left.emit(run.key)

    # -- the end --------------------------------------------------------------------------
    def close(self) -> None:
        """Stop listening, drop every connection, remove the local socket file."""
        for connection in list(self._connections.values()):
            connection.close("")
        for server in self._servers:
            server.notifier.setEnabled(False)
            server.socket.close()
            if server.address.path is not None:
                _remove_own_socket(server.address.path, server.inode)
        self._servers = []
        self.addresses = []


@dataclass
class _Server:
    socket: socket.socket
    address: WatchAddress
    token: str
    notifier: QSocketNotifier
    inode: int = 0

    def __post_init__(self) -> None:
        if self.address.path is not None:
            self.inode = self.address.path.stat().st_ino


class _Connection:
    """One script's socket: frames in (checked), commands out (queued, never blocking)."""

    _ids = itertools.count(1)

    def __init__(self, listener: WatchListener, sock: socket.socket, token: str) -> None:
        self.listener = listener
        self.socket = sock
        self.token = token
        self.id = f"connection{next(self._ids)}"
        self.greeted = False
        self.open = True
        self._reader = FrameReader(SCRIPT_MESSAGES)
        self._outgoing = bytearray()
        self._read_notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read)
        self._read_notifier.activated.connect(lambda *_: self._readable())
        self._write_notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Write)
        self._write_notifier.setEnabled(False)
        self._write_notifier.activated.connect(lambda *_: self._flush())

    def send(self, message: Mapping[str, Any]) -> bool:
        if not self.open:
            return False
        data = frame_bytes(message)
        if len(self._outgoing) + len(data) > MAX_OUTGOING_BYTES:
            return False  # the script has stopped reading: never grow without bound
        self._outgoing += data
        self._flush()
        return self.open

    def _flush(self) -> None:
        while self._outgoing and self.open:
            try:
                sent = self.socket.send(self._outgoing)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.close("")
                return
            del self._outgoing[:sent]
        if self.open:
            self._write_notifier.setEnabled(bool(self._outgoing))

    def _readable(self) -> None:
        budget = READ_BUDGET_BYTES
        while self.open and budget > 0:
            try:
                data = self.socket.recv(RECEIVE_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.close("")
                return
            if not data:
                self.close("")
                return
            budget -= len(data)
            try:
                for message in self._reader.feed(data):
                    self._handle(message)
            except (WireError, ProtocolError) as error:
                self.refuse(f"a watched script sent what nnviz does not take ({error}); "
                            "its connection was closed")
                return

    def _handle(self, message: dict[str, Any]) -> None:
        if not self.open:
            return
        if self.greeted:
            self.listener._message(self, message)
            return
        if message["type"] != "hello":
            raise ProtocolError(f"a {message['type']!r} before hello")
        token = message.get("token", "")
        if self.token and not (isinstance(token, str) and len(token) <= MAX_TOKEN_CHARS
                               and hmac.compare_digest(token.encode(), self.token.encode())):
            self.refuse("a watched script presented a wrong token; its connection was "
                        "refused")
            return
        self.greeted = True
        self.listener._hello(self, message)

    def refuse(self, reason: str) -> None:
        """Tell the script why (if its socket takes it now) and close."""
        try:
            self.socket.send(frame_bytes({"type": "refused", "reason": reason}))
        except OSError:
            pass
        self.close(reason)

    def close(self, reason: str) -> None:
        if not self.open:
            return
        self.open = False
        for notifier in (self._read_notifier, self._write_notifier):
            notifier.setEnabled(False)
            notifier.deleteLater()
        self.socket.close()
        self.listener._closed(self, reason)


def _take_over_stale_socket(path: Path) -> None:
    """Remove a socket file no app answers on (left by an app that crashed); ``OSError``
    when another app is listening there."""
    if not path.exists():
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink(missing_ok=True)
        return
    finally:
        probe.close()
    raise OSError(f"another nnviz app is already listening for watched runs at {path}")


def _remove_own_socket(path: Path, inode: int) -> None:
    """Remove the socket file if it is still the one this app made."""
    try:
        if path.stat().st_ino == inode:
            path.unlink()
    except OSError:
        pass
