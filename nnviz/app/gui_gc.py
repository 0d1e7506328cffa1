"""Python's cyclic garbage collector, run on the GUI thread only, while training threads live.

CPython collects cycles in whichever thread happens to allocate when a generation's count
passes its threshold. In this app that is often a training worker. When the garbage holds Qt
objects (the pyqtgraph items and menus of panels closed by a scenario switch), their C++
destructors then run on the worker thread, which Qt does not allow and which can deadlock:
seen in the stress test as the GUI thread waiting in ``QObject::~QObject`` on a Qt mutex held
by a worker that was itself waiting for the GIL inside a destructor.

So while any :class:`~nnviz.app.runner.RunController` is alive, automatic collection is
switched off and a GUI-thread timer does the same work: every ``INTERVAL_MS`` it collects the
oldest generation whose count passed its threshold, exactly the rule CPython applies itself.
Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

INTERVAL_MS = 250

_holders = 0
_was_enabled = True
_timer: QTimer | None = None


def collect_due() -> int:
    """Collect the generations CPython would have collected by now; returns the generation
    collected, or -1 when none was due."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = -1
    for generation in range(3):
        if counts[generation] > thresholds[generation]:
            due = generation
    if due >= 0:
        gc.collect(due)
    return due


def hold() -> None:
    """Take over collection for the GUI thread (counted: each hold needs a release)."""
    global _holders, _was_enabled, _timer
    _holders += 1
    if _holders > 1:
        return
    _was_enabled = gc.isenabled()
    gc.disable()
    _timer = QTimer(QCoreApplication.instance())
    _timer.setObjectName("nnviz-gui-gc")
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(collect_due)
    _timer.start()


def release() -> None:
    """Give collection back to CPython when the last holder releases."""
    global _holders, _timer
    if _holders == 0:
        return
    _holders -= 1
    if _holders:
        return
    if _timer is not None:
        _timer.stop()
        _timer.deleteLater()
        _timer = None
    collect_due()
    if _was_enabled:
        gc.enable()


def holders() -> int:
    return _holders
