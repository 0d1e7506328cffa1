"""``nnviz`` / ``nnviz app [scenario-or-preset]``: create the application and the main window."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

import nnviz

#: seconds a thread may hold the GIL while another waits (CPython's default is 5 ms)
GIL_SWITCH_INTERVAL = 0.001


def configure_interpreter() -> None:
    """Let the GUI thread get the GIL back within ~1 ms instead of 5 ms.

    Painting calls into Qt many times per frame; each time Qt calls back into Python the GUI
    thread may queue for the GIL behind another Python thread of the window's process (the
    worker connection's reader decoding snapshots, a recording being saved), up to the switch
    interval. At 5 ms, when training ran on a thread of this process, a frame's few hundred
    round trips stretched paints from ~3 ms to 10-20 ms.
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def run_app(target: str | None = None, run_file: str | None = None,
            listen: str | None = None) -> int:
    """Open the main window on ``target`` (or the last one used) and run the event loop;
    with ``run_file``, also open that saved or watched run as "Open run…" does. The window
    listens for watched runs on the local socket, and with ``listen`` (HOST:PORT) on TCP."""
    configure_interpreter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnviz")
    app.setOrganizationName("nnviz")
    app.setApplicationVersion(getattr(nnviz, "__version__", ""))
    from nnviz.app.window import MainWindow

    window = MainWindow(target)
    handler = _crash_handler(window)
    window.show()
    if not _start_watching(window, listen):
        dispose(window)
        return 2
    if run_file is not None:
        from pathlib import Path

        window.exports.runs.open(Path(run_file))
    try:
        return int(app.exec())
    finally:
        if handler is not None:
            handler.uninstall()
        dispose(window)


def dispose(window: QWidget) -> None:
    """Close ``window`` and destroy its C++ widgets now, while Python still runs.

    Whatever is left when the interpreter exits, PySide destroys while tearing down the
    QApplication; a pyqtgraph item's destructor then calls back into Python overrides that are
    half gone, which segfaults at exit (seen about 1 run in 20 under load, after the work was
    done and saved).
    """
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def _start_watching(window: QWidget, listen: str | None) -> bool:
    """Listen for watched runs; with ``listen``, print the TCP address and token (False
    when that address cannot be listened on: the person asked for it explicitly)."""
    watch = window.start_watching()
    watch.listen_local()
    if listen is None:
        return True
    try:
        address, token = watch.listen_tcp(listen)
    except (OSError, ValueError) as error:
        print(f"nnviz: cannot listen on {listen}: {error}", file=sys.stderr)
        return False
    print(f"nnviz: listening for watched runs on {address}, token {token}\n"
          f"  in the script: nnviz.watch(..., address={str(address)!r}, token={token!r})\n"
          f"  or set NNVIZ_WATCH_ADDRESS={address} NNVIZ_WATCH_TOKEN={token}", flush=True)
    return True


def _crash_handler(window):
    """Unexpected exceptions become a dialog, not a dead window (``nnviz.app.crash``)."""
    try:
        from nnviz.app.crash import CrashHandler
    except ImportError:
        return None
    return CrashHandler(window).install()
