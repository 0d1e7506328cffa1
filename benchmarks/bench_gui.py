"""Is the window smooth while moons trains at full speed? And what does drawing cost training?

Three measurements, each over ``--seconds`` (default 20) of ``--scenario`` (default moons;
digits and embeddings are the other scenarios issue 21 measures):

1. headless: the same worker (train() on a thread, every view at every snapshot, as before
   views were computed on demand) with a plain thread draining its outbox: the throughput to
   compare against; and the same worker computing no views (the most training can do);
2. with the window: the main window (offscreen, 1440×900) trains and draws, while a 5 ms
   QTimer records how late each tick is (the event loop's worst gap), an event filter counts
   the main panel's paint events, its draws give the frames/s (the decision boundary on
   moons, else the scenario's first panel; every panel's draws/s are in the JSON as
   ``panel_fps``), and the session's step count gives
   the training throughput; the window asks the loop only for the views its panels draw, at
   the rates they are drawn (:class:`~nnviz.session.ViewDemand`);
3. the ratio of 2 to 1.

The window trains in its worker process, as the app does (``--worker process``, the only
choice since the thread worker was removed); the headless figure is the same loop on a thread.
Steps are counted from the snapshots the window received. ``--json`` prints one JSON object
per round instead of the table: ``headless_steps_per_s``, ``gui_steps_per_s``,
``throughput_ratio``, ``boundary_fps``, ``worst_gap_ms``, ``p99_gap_ms`` (and a few more).

Aims (issue 21): throughput ratio ≥ 0.85, ≥ 30 boundary frames/s, worst gap < 50 ms,
p99 gap < 25 ms.

    .venv/bin/python benchmarks/bench_gui.py [--seconds 20] [--repeat 1] [--json]
        [--scenario moons|digits|embeddings]
        [--panels decision_boundary,loss,network]
        [--switch-interval 0.005]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QEventLoop,
    QObject,
    QTimer,
)
from PySide6.QtWidgets import QApplication

from nnviz.app.outbox import SNAPSHOT_INTERVAL, Outbox
from nnviz.core.threads import limit_blas_threads
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Mailbox, ViewDemand, train

TICK_MS = 5


def headless(seconds: float, *, views: bool = True, name: str = "moons") -> float:
    """Steps/s of the worker process's loop (the same ``train()``, BLAS on one thread) with a
    consumer thread instead of a window: every view at every snapshot, or (``views`` False)
    none."""
    limits = limit_blas_threads(1)
    session = get_scenario(name).create_session()
    mailbox, outbox = Mailbox(), Outbox()
    demand = True if views else ViewDemand({})
    stop = threading.Event()

    def run() -> None:
        for snapshot in train(session, mailbox=mailbox, interval=SNAPSHOT_INTERVAL,
                              views=demand):
            if mailbox.stopped:
                break
            outbox.put(snapshot)

    def consume() -> None:
        while not stop.is_set():
            outbox.take_all()
            time.sleep(1 / 60)

    trainer, consumer = threading.Thread(target=run), threading.Thread(target=consume)
    trainer.start()
    consumer.start()
    time.sleep(0.5)  # warm-up
    start_steps, start = session.step_count, time.perf_counter()
    time.sleep(seconds)
    rate = (session.step_count - start_steps) / (time.perf_counter() - start)
    mailbox.stop()
    stop.set()
    trainer.join(2.0)
    consumer.join()
    limits.restore_original_limits()
    return rate


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class DrawCounter:
    """Counts each panel's draws (``PanelArea._draw``), by panel kind."""

    def __init__(self, area) -> None:
        self.counts: dict[str, int] = {}
        draw = area._draw

        def counted(panel, snapshot, now) -> None:
            self.counts[panel.kind] = self.counts.get(panel.kind, 0) + 1
            draw(panel, snapshot, now)

        area._draw = counted

    def take(self) -> dict[str, int]:
        counts, self.counts = self.counts, {}
        return counts


def main_panel(window):
    """The panel whose frames/s is reported: the decision boundary, else the first panel."""
    panels = window.panels()
    return next((p for p in panels if p.kind == "decision_boundary"), panels[0])


def with_window(app: QApplication, seconds: float, panels: list[str] | None = None, *,
                name: str = "moons") -> dict[str, float]:
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    window = MainWindow(name, settings=scratch_settings("nnviz-bench-"))
    if panels:
        window.panel_area.set_kinds(panels)
    window.resize(1440, 900)
    window.show()
    boundary = main_panel(window)
    counter = PaintCounter()
    viewed = getattr(boundary, "plot", None)
    (viewed.viewport() if viewed is not None else boundary).installEventFilter(counter)
    draws = DrawCounter(window.panel_area)

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
    while window.last_snapshot is None:
        spin(0.1)
    gaps.clear()
    counter.count = 0
    draws.take()
    start_steps, start = window.last_snapshot.step, time.perf_counter()
    last[0] = clock.nsecsElapsed()
    timer.start()
    spin(seconds)
    elapsed = time.perf_counter() - start
    timer.stop()
    steps = window.last_snapshot.step - start_steps
    drawn = draws.take()
    window.close()
    gaps.sort()
    return {
        "steps_per_s": steps / elapsed,
        "paints_per_s": counter.count / elapsed,
        "main_panel": boundary.kind,
        "frames_per_s": drawn.get(boundary.kind, 0) / elapsed,
        "panel_fps": {kind: round(count / elapsed, 1) for kind, count in drawn.items()},
        "worst_gap_ms": gaps[-1] if gaps else float("nan"),
        "p99_gap_ms": gaps[int(0.99 * (len(gaps) - 1))] if gaps else float("nan"),
        "median_gap_ms": statistics.median(gaps) if gaps else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scenario", default="moons",
                        help="the scenario to train (default moons; also digits, embeddings)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--panels", default="",
                        help="comma-separated panel kinds to show (default: the scenario's)")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval for this run (default: what the app sets)")
    parser.add_argument("--worker", choices=("process",), default="process",
                        help="where the window's runs train (the worker process, as the app)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per round instead of the table")
    args = parser.parse_args()
    from nnviz.app.main import configure_interpreter

    configure_interpreter()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    say = (lambda *_: None) if args.json else print
    say(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
    app = QApplication.instance() or QApplication([])
    say(f"load average before: {os.getloadavg()[0]:.2f}")
    for round_ in range(args.repeat):
        base = headless(args.seconds, name=args.scenario)
        bare = headless(args.seconds, views=False, name=args.scenario)
        gui = with_window(app, args.seconds,
                          [k for k in args.panels.split(",") if k] or None,
                          name=args.scenario)
        ratio = gui["steps_per_s"] / base
        if args.json:
            print(json.dumps(summary(args, base, bare, gui)))
            continue
        shown = args.panels or f"all of {args.scenario}' panels"
        print(f"round {round_ + 1}: {args.seconds:g} s each, panels: {shown}, "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"  headless worker          {base:10,.0f} steps/s   (every view, every snapshot)")
        print(f"  headless, no views       {bare:10,.0f} steps/s")
        print(f"  with the window          {gui['steps_per_s']:10,.0f} steps/s"
              f"   ({ratio:.0%} of headless; aim ≥ 80%)")
        print(f"  {gui['main_panel'][:14]:14s} frames    {gui['frames_per_s']:10.1f} /s"
              f"   (paint events {gui['paints_per_s']:.1f}/s; aim ≥ 30)")
        print(f"  event-loop gap           worst {gui['worst_gap_ms']:.1f} ms, "
              f"p99 {gui['p99_gap_ms']:.1f} ms, median {gui['median_gap_ms']:.1f} ms"
              f"   (timer {TICK_MS} ms; aim worst < 50)")


def summary(args: argparse.Namespace, base: float, bare: float,
            gui: dict[str, float]) -> dict[str, object]:
    """One round as the JSON object ``--json`` prints."""
    return {
        "scenario": args.scenario, "worker": args.worker, "seconds": args.seconds,
        "panels": args.panels or "all", "size": "1440x900",
        "headless_steps_per_s": round(base, 1),
        "headless_no_views_steps_per_s": round(bare, 1),
        "gui_steps_per_s": round(gui["steps_per_s"], 1),
        "throughput_ratio": round(gui["steps_per_s"] / base, 3),
        "main_panel": gui["main_panel"],
        "boundary_fps": round(gui["frames_per_s"], 1),
        "panel_fps": gui["panel_fps"],
        "paints_per_s": round(gui["paints_per_s"], 1),
        "worst_gap_ms": round(gui["worst_gap_ms"], 1),
        "p99_gap_ms": round(gui["p99_gap_ms"], 1),
        "median_gap_ms": round(gui["median_gap_ms"], 1),
        "load_average": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
