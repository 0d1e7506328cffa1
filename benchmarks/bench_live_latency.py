"""How soon does a learning-rate change show? From the slider to the first snapshot trained with it.

The main window (offscreen, 1440×900) trains moons with every panel drawing. ``--changes``
times (default 30), at random gaps of 0.2–0.5 s, the learning-rate slider moves to another
position (as a drag would: ``QSlider.setValue``, which sends the value through the window to
the run's mailbox); the latency is the time from that move until the window's run controller
emits (``frame``) the first snapshot whose config carries the new rate, i.e. the first one the
loop made after it applied the change. It prints the median, p90 and worst of the changes.

``--worker process`` (the app's default) trains in the worker process, ``--worker thread`` on
a thread of the window's process. Aim (issue 21): under 50 ms.

    .venv/bin/python benchmarks/bench_live_latency.py [--changes 30]
        [--worker process|thread] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

#: slider positions the changes alternate between (a log slider: 10x apart or so)
POSITIONS = (300, 600)


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class LatencyProbe:
    """Times each change from the slider's move to the first snapshot carrying it."""

    def __init__(self, window) -> None:
        self.window = window
        self.editor = window.controls.editors["learning_rate"]
        self.waiting_for: float | None = None
        self.moved_at = 0.0
        self.latencies_ms: list[float] = []
        window.runner.frame.connect(self._frame)

    def move(self, position: int) -> None:
        self.moved_at = time.perf_counter()
        self.editor.slider.setValue(position)
        self.waiting_for = self.editor.value()

    def _frame(self, snapshots: list) -> None:
        if self.waiting_for is None:
            return
        if any(s.config.learning_rate == self.waiting_for for s in snapshots):
            self.latencies_ms.append((time.perf_counter() - self.moved_at) * 1000)
            self.waiting_for = None

    def wait(self, timeout: float = 5.0) -> bool:
        deadline = time.perf_counter() + timeout
        while self.waiting_for is not None and time.perf_counter() < deadline:
            spin(0.005)
        return self.waiting_for is None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--worker", choices=("process",), default="process")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from nnviz.app.main import configure_interpreter
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    configure_interpreter()
    app = QApplication.instance() or QApplication([])
    window = MainWindow("moons", settings=scratch_settings("nnviz-latency-"))
    window.resize(1440, 900)
    window.show()
    probe = LatencyProbe(window)
    window.runner.run()
    while window.last_snapshot is None or window.last_snapshot.step < 1000:
        spin(0.1)
    rng = random.Random(0)
    lost = 0
    for index in range(args.changes):
        spin(rng.uniform(0.2, 0.5))
        probe.move(POSITIONS[index % 2])
        lost += not probe.wait()
    window.close()
    app.processEvents()
    found = probe.latencies_ms
    report = {
        "worker": args.worker, "changes": args.changes, "lost": lost,
        "median_ms": round(statistics.median(found), 1) if found else None,
        "p90_ms": round(percentile(found, 0.9), 1) if found else None,
        "worst_ms": round(max(found), 1) if found else None,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{args.worker} worker, {args.changes} learning-rate changes, load "
              f"{report['load_average']}: median {report['median_ms']} ms, p90 "
              f"{report['p90_ms']} ms, worst {report['worst_ms']} ms (aim < 50 ms)"
              + (f"; {lost} never seen" if lost else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
