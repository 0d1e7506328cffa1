"""Where a watched script finds the app: a local socket by default, another address only when
the person names one.

By default the app listens on a Unix-domain socket in the user's runtime directory
(``$XDG_RUNTIME_DIR/nnviz/watch.sock``; the directory is made mode 0700 and the socket
0600), so only the same user's scripts can reach it and no token is needed. ``nnviz app
--listen HOST:PORT`` also listens on TCP and prints a token; a script then passes
``address="HOST:PORT"`` and ``token=`` to :func:`nnviz.watch` (or sets
``NNVIZ_WATCH_ADDRESS`` / ``NNVIZ_WATCH_TOKEN``), and the app refuses a connection whose
first message does not carry that token.

This module is shared by both ends and imports neither Qt nor torch.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADDRESS_VARIABLE = "NNVIZ_WATCH_ADDRESS"
TOKEN_VARIABLE = "NNVIZ_WATCH_TOKEN"
SOCKET_NAME = "watch.sock"
#: the most bytes of a token (a hostile first message cannot make the app compare a novel)
MAX_TOKEN_CHARS = 256


@dataclass(frozen=True)
class WatchAddress:
    """A Unix socket ``path``, or a TCP ``host`` and ``port``."""

    path: Path | None = None
    host: str = ""
    port: int = 0

    @property
    def is_local(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        return str(self.path) if self.path is not None else f"{self.host}:{self.port}"


def runtime_folder() -> Path:
    """``$XDG_RUNTIME_DIR/nnviz`` (or ``nnviz-UID`` in the temporary folder where there is no
    runtime directory), created mode 0700; a folder someone else owns, or one that others
    may enter, is refused with ``PermissionError``."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "nnviz" if base else \
        Path(tempfile.gettempdir()) / f"nnviz-{os.getuid()}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise PermissionError(f"{folder} is not a private folder of this user "
                              f"(mode {status.st_mode & 0o777:o}); nnviz will not listen there")
    return folder


def local_address() -> WatchAddress:
    """The default address: the socket in :func:`runtime_folder`."""
    return WatchAddress(path=runtime_folder() / SOCKET_NAME)


def parse_address(text: str) -> WatchAddress:
    """``HOST:PORT`` (TCP; ``[::1]:PORT`` for IPv6; port 0 lets a listener take any free
    port) or a socket path (it contains a ``/``); ``ValueError`` naming what is wrong."""
    text = text.strip()
    if "/" in text:
        return WatchAddress(path=Path(text))
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"watch address {text!r} is not HOST:PORT (e.g. 127.0.0.1:7345) "
                         "or a socket path")
    return WatchAddress(host=host.strip("[]"), port=int(port))


def chosen_address(address: str | None, token: str | None) -> tuple[WatchAddress, str]:
    """The address and token a watcher uses: the arguments, else the environment variables,
    else the local socket (token ""). A local socket needs no token."""
    text = address or os.environ.get(ADDRESS_VARIABLE, "")
    token = token if token is not None else os.environ.get(TOKEN_VARIABLE, "")
    return (parse_address(text) if text else local_address()), token


def new_token() -> str:
    """A token for a TCP listener: 128 random bits, URL-safe text."""
    return secrets.token_urlsafe(16)
