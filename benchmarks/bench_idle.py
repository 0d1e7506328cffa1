"""What does a window that is not training cost? Both processes, measured from ``/proc``.

The main window (offscreen, 1440×900) opens moons, trains it for ``--train`` seconds, is
paused, settles for a second, and then sits paused for ``--seconds`` (default 20) with the
real event loop running, as a person reading the plots would leave it. Over that time it
reads the CPU time of the window's process and of the training worker process (the sum of
every thread's ``/proc/PID/task/TID/schedstat`` run time, in nanoseconds; ``utime+stime``
from ``/proc/PID/stat`` beside it, in clock ticks), and prints each as a share of one core.
It then does the same for the window as it opens (a fresh paused run, never started).

Aim (issue 21): both processes together under 0.5 % of a core when paused. Compare with the
code before a change by putting another checkout first on ``PYTHONPATH``.

    .venv/bin/python benchmarks/bench_idle.py [--seconds 20] [--train 3]
        [--worker process|thread] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def run_time_ns(pid: int) -> int:
    """CPU time every live thread of ``pid`` has run, in ns (0 for a process that is gone)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
    return total


def cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid`` (all its threads, including ended ones), in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def spin(seconds: float) -> None:
    """Run the real event loop (it sleeps between events) for ``seconds``."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(window, seconds: float) -> dict[str, float]:
    """Share of one core (%) the window's process and its worker process use over
    ``seconds`` of the event loop, with how many polls and pings happened meanwhile."""
    gui = os.getpid()
    process = getattr(window.runner, "process", None)
    child = process.pid if process is not None else None
    pids = {"gui": gui} | ({"worker": child} if child is not None else {})
    pings = getattr(process, "pings_sent", 0)
    polls = [0]
    window.runner.frame.connect(lambda _: None)
    original_poll = window.runner.poll

    def counted_poll() -> None:
        polls[0] += 1
        original_poll()

    window.runner._timer.timeout.disconnect()
    window.runner._timer.timeout.connect(counted_poll)
    before_ns = {name: run_time_ns(pid) for name, pid in pids.items()}
    before_ticks = {name: cpu_ticks(pid) for name, pid in pids.items()}
    start = time.perf_counter()
    spin(seconds)
    elapsed = time.perf_counter() - start
    result: dict[str, float] = {"seconds": round(elapsed, 2)}
    for name, pid in pids.items():
        result[f"{name}_core_percent"] = round(
            100 * (run_time_ns(pid) - before_ns[name]) / 1e9 / elapsed, 3)
        result[f"{name}_core_percent_ticks"] = round(
            100 * (cpu_ticks(pid) - before_ticks[name]) / TICKS_PER_SECOND / elapsed, 3)
    result["total_core_percent"] = round(
        sum(v for k, v in result.items() if k.endswith("_core_percent")), 3)
    result["polls"] = polls[0]
    result["pings"] = getattr(process, "pings_sent", 0) - pings
    window.runner._timer.timeout.disconnect()
    window.runner._timer.timeout.connect(original_poll)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--train", type=float, default=3.0,
                        help="seconds of training before the pause (default 3)")
    parser.add_argument("--worker", choices=("process",), default="process")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from nnviz.app.main import configure_interpreter
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    configure_interpreter()
    app = QApplication.instance() or QApplication([])
    window = MainWindow("moons", settings=scratch_settings("nnviz-idle-"))
    window.resize(1440, 900)
    window.show()
    spin(3.0)  # the fresh paused run is built and drawn
    opened = measure(window, args.seconds)
    window.runner.run()
    spin(args.train)
    window.runner.pause()
    spin(1.0)  # the pause's snapshot arrives and is drawn
    paused = measure(window, args.seconds)
    window.close()
    app.processEvents()
    report = {"worker": args.worker, "load_average": round(os.getloadavg()[0], 2),
              "opened": opened, "paused": paused}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{args.worker} worker, {args.seconds:g} s each, load {report['load_average']}")
        for name, figures in (("opened, never run", opened), ("paused after a run", paused)):
            shares = ", ".join(f"{key.removesuffix('_core_percent')} {value:.3f} %"
                               for key, value in figures.items()
                               if key.endswith("_core_percent"))
            print(f"  {name:20s} {shares} of a core (aim: total < 0.5 %); "
                  f"{figures['polls']} polls, {figures['pings']} pings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
