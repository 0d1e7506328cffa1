"""Messages both ways over one socket: whole frames, written by one thread at a time.

The channel is a socket passed to the child by file descriptor, never its stdout, so a
``print()`` in library code (or a warning, or a native library's chatter) cannot corrupt the
frames. The same frames will later cross a TCP socket from a training script nnviz did not
start, so both ends decode with :func:`nnviz.io.wire.decode_message` and trust nothing.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from typing import Any

from nnviz.io.wire import WireError, decode_message, encode_message, read_frame, write_frame


class Channel:
    """One end of the socket: :meth:`send` from any thread, :meth:`receive` from one."""

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock
        self._reader = sock.makefile("rb")
        self._writer = sock.makefile("wb")
        self._lock = threading.Lock()

    def send(self, message: Mapping[str, Any]) -> bool:
        """Encode and send one message; False when the other end is gone.

        A message that cannot be encoded raises :class:`~nnviz.io.wire.WireError`: that is a
        bug in the sender, not a fault of the other process."""
        frame = encode_message(message)
        with self._lock:
            try:
                write_frame(self._writer, frame)
            except (OSError, ValueError):  # ValueError: the stream was closed meanwhile
                return False
        return True

    def receive(self) -> dict[str, Any] | None:
        """The next message, or None once the other end has closed the socket.

        A damaged frame raises :class:`~nnviz.io.wire.WireError`."""
        try:
            frame = read_frame(self._reader)
        except WireError:
            raise
        except (OSError, ValueError):  # the socket was closed under the read
            return None
        return None if frame is None else decode_message(frame)

    def close(self) -> None:
        """Close both directions; a thread blocked in :meth:`receive` then gets None."""
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        for stream in (self._writer, self._reader):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        self.socket.close()
