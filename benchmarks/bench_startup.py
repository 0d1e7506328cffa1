"""How long from starting Python to nnviz's window on screen, against a bare pyqtgraph window?

Each repetition starts a fresh interpreter (``python -c``) that builds a window, shows it and
runs the event loop. Three moments are timed from just before the process is started:

* **loop running**: a zero-delay timer set right after ``show()`` fires, i.e. the window is
  shown and its event loop runs (the moment issue 16 names);
* **first frame**: the window's first paint is done (the event loop's pass after the first
  paint event of any of its widgets; later than the loop running, as Qt posts the paint at
  low priority: this includes laying the window out, drawing the first snapshot and painting);
* **settled**: one pass later, when what the window left for after its first frame (nnviz's
  picker list) has run too.

Two windows, interleaved so that a busy machine slows both alike:

1. ``nnviz``: ``MainWindow()`` on the default scenario (moons), as ``nnviz`` opens it, with a
   settings file of its own so that a person's last target does not change what is measured;
2. ``bare``: a ``QMainWindow`` holding one pyqtgraph ``PlotWidget`` — what any PySide6 +
   pyqtgraph app pays.

Aim (issue 16): nnviz's window up (loop running) within 1.5× the bare window's. Both run
offscreen (``QT_QPA_PLATFORM``); the medians of ``--repeat`` processes each are compared.

Also reported: the CPU seconds each process had used when its loop was running
(``time.process_time``: the interpreter, imports and building the window, on every thread of
that process). On a machine other work keeps busy the wall-clock ratio swings by a tenth or
two from run to run; the CPU ratio barely moves, so it shows whether a change made start-up
cheaper. It leaves out a child process (nnviz's training worker), which the wall clock does
not.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 7] [--target moons] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

AIM_RATIO = 1.5
MOMENTS = ("loop_running", "first_frame", "settled")
#: the process's CPU seconds when its loop was running
CPU_AT_LOOP = "loop_running_cpu"

#: shared by both windows: report the three moments, then close the window as a person would
#: (nnviz saves its layout and stops its runner), which ends the event loop
MOMENTS_WATCHER = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


def loop_running():
    print("loop_running", time.time(), flush=True)
    print("loop_running_cpu", time.process_time(), flush=True)


class FirstFrame(QObject):
    def __init__(self, window):
        super().__init__()
        self.window, self.painted = window, False
        QApplication.instance().installEventFilter(self)  # any widget's paint: the frame's

    def eventFilter(self, watched, event):
        if not self.painted and event.type() == QEvent.Type.Paint:
            self.painted = True
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, self.first_frame)  # once this paint pass is done
        return False

    def first_frame(self):
        print("first_frame", time.time(), flush=True)
        QTimer.singleShot(0, self.settled)

    def settled(self):
        print("settled", time.time(), flush=True)
        self.window.close()
"""

BARE_WINDOW = MOMENTS_WATCHER + """
from PySide6.QtWidgets import QMainWindow
import pyqtgraph as pg

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1440, 900)
watcher = FirstFrame(window)
window.show()
QTimer.singleShot(0, loop_running)
app.exec()
"""

NNVIZ_WINDOW = MOMENTS_WATCHER + """
from nnviz.app.main import configure_interpreter
from nnviz.app.settings import app_settings
from nnviz.app.window import MainWindow

configure_interpreter()
app = QApplication(sys.argv[:1])
window = MainWindow(sys.argv[1], settings=app_settings(sys.argv[2]))
watcher = FirstFrame(window)
window.show()
QTimer.singleShot(0, loop_running)
app.exec()
"""


def child_environment(runtime_dir: str) -> dict[str, str]:
    """Offscreen Qt, a private runtime folder, this checkout importable as ``nnviz``, and
    bytecode written (as an installed package has it: compiling every module from source
    on each start would add a few tenths of a second to nnviz only)."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=runtime_dir)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (root, environment.get("PYTHONPATH", "")) if part)
    return environment


def window_up_seconds(code: str, arguments: list[str],
                      environment: dict[str, str]) -> dict[str, float]:
    """Seconds from starting a fresh interpreter running ``code`` to each of its
    :data:`MOMENTS`, and its CPU seconds when its loop was running (:data:`CPU_AT_LOOP`)."""
    started = time.time()
    finished = subprocess.run([sys.executable, "-c", code, *arguments], env=environment,
                              capture_output=True, text=True, timeout=120)
    reported = dict(line.split() for line in finished.stdout.splitlines()
                    if line.split()[:1] and line.split()[0] in (*MOMENTS, CPU_AT_LOOP))
    if finished.returncode != 0 or set(reported) != {*MOMENTS, CPU_AT_LOOP}:
        raise RuntimeError(f"the window did not come up (exit {finished.returncode}):\n"
                           f"{finished.stderr[-2000:]}")
    return {**{moment: float(reported[moment]) - started for moment in MOMENTS},
            CPU_AT_LOOP: float(reported[CPU_AT_LOOP])}


def measure(repeat: int, target: str) -> dict[str, list[dict[str, float]]]:
    """Both windows' moments, ``repeat`` fresh processes each, interleaved."""
    times: dict[str, list[dict[str, float]]] = {"nnviz": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="nnviz-startup-") as folder:
        os.chmod(folder, 0o700)
        environment = child_environment(folder)
        settings = os.path.join(folder, "nnviz.ini")
        # once each unmeasured: the file cache is warm and the .pyc files are written
        window_up_seconds(BARE_WINDOW, [], environment)
        window_up_seconds(NNVIZ_WINDOW, [target, settings], environment)
        for _ in range(repeat):
            times["bare"].append(window_up_seconds(BARE_WINDOW, [], environment))
            times["nnviz"].append(
                window_up_seconds(NNVIZ_WINDOW, [target, settings], environment))
    return times


def median(runs: list[dict[str, float]], moment: str) -> float:
    return statistics.median(run[moment] for run in runs)


def summary(times: dict[str, list[dict[str, float]]], target: str) -> dict[str, object]:
    """Medians in seconds of each moment (and of the CPU time at the first) for both windows,
    and the ratios nnviz / bare."""
    result: dict[str, object] = {"target": target, "repeat": len(times["nnviz"]),
                                 "aim_ratio": AIM_RATIO}
    for moment in (*MOMENTS, CPU_AT_LOOP):
        nnviz, bare = median(times["nnviz"], moment), median(times["bare"], moment)
        result |= {f"nnviz_{moment}_s": round(nnviz, 3), f"bare_{moment}_s": round(bare, 3),
                   f"{moment}_ratio": round(nnviz / bare, 2)}
    result["ratio"] = result["loop_running_ratio"]
    return result


def table(times: dict[str, list[dict[str, float]]], result: dict[str, object]) -> str:
    labels = {"nnviz": f"nnviz MainWindow({result['target']!r})",
              "bare": "bare QMainWindow + PlotWidget", "ratio": "ratio nnviz / bare"}
    rows = [f"{'median seconds':<34}{'loop running':>14}{'first frame':>13}{'settled':>9}"]
    for key, label in labels.items():
        cells = [f"{result[f'{moment}_ratio']:.2f}×" if key == "ratio"
                 else f"{median(times[key], moment):.3f}" for moment in MOMENTS]
        rows.append(f"{label:<34}{cells[0]:>14}{cells[1]:>13}{cells[2]:>9}")
    cpu = [f"{median(times[key], CPU_AT_LOOP):.3f}" for key in ("nnviz", "bare")]
    rows.append(f"CPU seconds at loop running: nnviz {cpu[0]}, bare {cpu[1]} "
                f"({result[f'{CPU_AT_LOOP}_ratio']:.2f}×)")
    spread = [run["loop_running"] for run in times["nnviz"]]
    verdict = "within" if float(result["ratio"]) <= AIM_RATIO else "NOT within"
    rows.append(f"{result['repeat']} fresh processes each (nnviz loop running "
                f"{min(spread):.3f}-{max(spread):.3f} s); window up {result['ratio']}× the "
                f"bare window's, {verdict} the aim of {AIM_RATIO}×")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh processes per window")
    parser.add_argument("--target", default="moons", help="scenario or preset nnviz opens")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    times = measure(max(1, args.repeat), args.target)
    result = summary(times, args.target)
    print(json.dumps(result) if args.json else table(times, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
