"""Is the window smooth while moons trains at full speed? And what does drawing cost training?

Three measurements, each over ``--seconds`` (default 20) of the default moons scenario:

1. headless: the same worker (train() on a thread, every view at every snapshot, as before
   views were computed on demand) with a plain thread draining its outbox: the throughput to
   compare against; and the same worker computing no views (the most training can do);
2. with the window: the main window (offscreen, 1440×900) trains and draws, while a 5 ms
   QTimer records how late each tick is (the event loop's worst gap), an event filter counts
   the decision-boundary plot's paint events (frames/s), and the session's step count gives
   the training throughput; the window asks the loop only for the views its panels draw, at
   the rates they are drawn (:class:`~nnviz.session.ViewDemand`);
3. the ratio of 2 to 1.

Aims (issue 3): worst gap < 50 ms, ≥ 30 boundary frames/s, GUI throughput ≥ 80 % of headless.

    .venv/bin/python benchmarks/bench_gui.py [--seconds 20] [--repeat 1]
        [--panels decision_boundary,loss,network] [--switch-interval 0.005]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QEventLoop,
    QObject,
    QSettings,
    QTimer,
)
from PySide6.QtWidgets import QApplication

from nnviz.app.worker import TrainingWorker
from nnviz.scenarios.registry import get_scenario
from nnviz.session import ViewDemand

TICK_MS = 5


def headless(seconds: float, *, views: bool = True) -> float:
    """Steps/s of the GUI's worker with a consumer thread instead of a window: every view at
    every snapshot, or (``views`` False) none."""
    scenario = get_scenario("moons")
    demand = None if views else ViewDemand({})
    worker = TrainingWorker(build=lambda: scenario.create_session(), views=demand).start()
    stop = threading.Event()

    def consume() -> None:
        while not stop.is_set():
            worker.outbox.take_all()
            time.sleep(1 / 60)

    consumer = threading.Thread(target=consume)
    consumer.start()
    while worker.session is None:
        time.sleep(0.01)
    time.sleep(0.5)  # warm-up
    start_steps, start = worker.session.step_count, time.perf_counter()
    time.sleep(seconds)
    rate = (worker.session.step_count - start_steps) / (time.perf_counter() - start)
    worker.stop()
    stop.set()
    worker.join(2.0)
    consumer.join()
    return rate


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def with_window(app: QApplication, seconds: float,
                panels: list[str] | None = None) -> dict[str, float]:
    from nnviz.app.window import MainWindow

    folder = tempfile.mkdtemp(prefix="nnviz-bench-")
    window = MainWindow("moons", settings=QSettings(os.path.join(folder, "s.ini"),
                                                    QSettings.Format.IniFormat))
    if panels:
        window.panel_area.set_kinds(panels)
    window.resize(1440, 900)
    window.show()
    boundary = next(p for p in window.panels() if p.kind == "decision_boundary")
    counter = PaintCounter()
    boundary.plot.viewport().installEventFilter(counter)

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)

    def spin(duration: float) -> None:
        """Run the real event loop (it sleeps in poll() between events) for ``duration``."""
        loop = QEventLoop()
        QTimer.singleShot(int(duration * 1000), loop.quit)
        loop.exec()

    window.runner.run()
    spin(0.5)  # warm-up
    session = window.runner.session
    gaps.clear()
    counter.count, frames0 = 0, boundary.frames
    start_steps, start = session.step_count, time.perf_counter()
    last[0] = clock.nsecsElapsed()
    timer.start()
    spin(seconds)
    elapsed = time.perf_counter() - start
    timer.stop()
    steps = session.step_count - start_steps
    window.close()
    gaps.sort()
    return {
        "steps_per_s": steps / elapsed,
        "paints_per_s": counter.count / elapsed,
        "frames_per_s": (boundary.frames - frames0) / elapsed,
        "worst_gap_ms": gaps[-1] if gaps else float("nan"),
        "p99_gap_ms": gaps[int(0.99 * (len(gaps) - 1))] if gaps else float("nan"),
        "median_gap_ms": statistics.median(gaps) if gaps else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--panels", default="",
                        help="comma-separated panel kinds to show (default: the scenario's)")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval for this run (default: what the app sets)")
    args = parser.parse_args()
    from nnviz.app.main import configure_interpreter

    configure_interpreter()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
    app = QApplication.instance() or QApplication([])
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for round_ in range(args.repeat):
        base = headless(args.seconds)
        bare = headless(args.seconds, views=False)
        gui = with_window(app, args.seconds,
                          [k for k in args.panels.split(",") if k] or None)
        ratio = gui["steps_per_s"] / base
        shown = args.panels or "all of moons' panels"
        print(f"round {round_ + 1}: {args.seconds:g} s each, panels: {shown}, "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"  headless worker          {base:10,.0f} steps/s   (every view, every snapshot)")
        print(f"  headless, no views       {bare:10,.0f} steps/s")
        print(f"  with the window          {gui['steps_per_s']:10,.0f} steps/s"
              f"   ({ratio:.0%} of headless; aim ≥ 80%)")
        print(f"  boundary frames drawn    {gui['frames_per_s']:10.1f} /s"
              f"   (paint events {gui['paints_per_s']:.1f}/s; aim ≥ 30)")
        print(f"  event-loop gap           worst {gui['worst_gap_ms']:.1f} ms, "
              f"p99 {gui['p99_gap_ms']:.1f} ms, median {gui['median_gap_ms']:.1f} ms"
              f"   (timer {TICK_MS} ms; aim worst < 50)")


if __name__ == "__main__":
    main()
