"""The messages between a watched script and the app, and frames cut from a non-blocking socket.

Both ends speak :mod:`nnviz.io.wire` (JSON plus raw arrays, never pickle; dataclasses only of
registered kinds), each frame after its length in 8 bytes as :func:`nnviz.io.wire.write_frame`
sends it. A message whose ``"type"`` is not listed here for its direction is refused: the
connection is closed.

Script → app: ``hello`` first (name, pid, token, whether it may be steered and why not, the
parameter groups), then ``snapshot`` (a :class:`~nnviz.session.Snapshot` and the steering
changes applied since the last one), ``paused`` / ``resumed`` (the step the loop waits at),
``bye``.

App → script: ``set`` (group, setting, value), ``rates`` (``snapshot_every`` and/or
``histogram_every``), ``pause``, ``run``, ``step`` (count), and ``refused`` (the reason) just
before the app closes a connection it will not take.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from nnviz.io.wire import MAX_FRAME_BYTES, WireError, decode_message, encode_message
from nnviz.watching.records import STEERABLE_SETTINGS

#: what a script may send
SCRIPT_MESSAGES = frozenset({"hello", "snapshot", "paused", "resumed", "bye"})
#: what the app may send
APP_MESSAGES = frozenset({"set", "rates", "pause", "run", "step", "refused"})
#: the most steps one "step" command lets through
MAX_STEP_COUNT = 1_000_000
#: the sampling rates the app may change ("every N steps"), by their names in WatchConfig
RATE_SETTINGS = ("snapshot_every", "histogram_every")

_LENGTH = struct.Struct("<Q")


class ProtocolError(ValueError):
    """A message that breaks the protocol: the connection that sent it is closed."""


def frame_bytes(message: Mapping[str, Any]) -> bytes:
    """One message as it goes on a stream: its length, then its frame."""
    frame = encode_message(message)
    return _LENGTH.pack(len(frame)) + frame


def checked(message: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    """``message`` when its type is one ``allowed``; :class:`ProtocolError` otherwise."""
    kind = message.get("type")
    if kind not in allowed:
        raise ProtocolError(f"unknown message kind {str(kind)[:40]!r}")
    return message


def steering_command(message: Mapping[str, Any]) -> tuple[int, str, float]:
    """(group, setting, value) of a ``set`` message, each checked."""
    group, name, value = message.get("group"), message.get("name"), message.get("value")
    if not isinstance(group, int) or isinstance(group, bool) or group < 0:
        raise ProtocolError("a 'set' message without a parameter group index")
    if name not in STEERABLE_SETTINGS:
        raise ProtocolError(f"a 'set' message for {str(name)[:40]!r}, which cannot be steered")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0 \
            or value == float("inf"):
        raise ProtocolError(f"a 'set' message with value {str(value)[:40]!r}, not a "
                            "number ≥ 0")
    return group, name, float(value)


def step_count(message: Mapping[str, Any]) -> int:
    """How many steps a ``step`` message lets through (1 when it does not say)."""
    count = message.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) \
            or not 0 < count <= MAX_STEP_COUNT:
        raise ProtocolError(f"a 'step' message with count {str(count)[:40]!r}")
    return count


def rate_settings(message: Mapping[str, Any]) -> dict[str, int]:
    """The sampling rates a ``rates`` message sets, each a whole number of steps ≥ 1."""
    rates = {name: message[name] for name in RATE_SETTINGS if name in message}
    for name, every in rates.items():
        if not isinstance(every, int) or isinstance(every, bool) \
                or not 0 < every <= MAX_STEP_COUNT:
            raise ProtocolError(f"a 'rates' message with {name}={str(every)[:40]!r}")
    if not rates:
        raise ProtocolError("a 'rates' message that sets no rate")
    return rates


class FrameReader:
    """Cuts whole messages out of the bytes a non-blocking socket hands over piecemeal.

    A frame announcing more than :data:`~nnviz.io.wire.MAX_FRAME_BYTES` is refused as soon as
    its length arrives, so a hostile peer cannot make the reader hold more than one frame."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """The messages completed by ``data``; :class:`ProtocolError` or
        :class:`~nnviz.io.wire.WireError` for a frame that is not one."""
        self._buffer += data
        messages = []
        while len(self._buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self._buffer)
            if length > MAX_FRAME_BYTES:
                raise WireError(f"a frame announces {length} bytes, more than a frame may be")
            end = _LENGTH.size + length
            if len(self._buffer) < end:
                break
            frame = bytes(self._buffer[_LENGTH.size:end])
            del self._buffer[:end]
            messages.append(checked(decode_message(frame), self.allowed))
        return messages
