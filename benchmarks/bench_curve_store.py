"""What the GUI thread spends on a run's curves while moons trains with every panel shown.

The loss panel draws its curves from the run's one curve store (:class:`~nnviz.io.run_curves.
RunCurves`, kept by the window's run keeper for "Save run"); before, the panel kept a second
copy of every curve. This measures, over ``--seconds`` of the default moons scenario in the
main window (offscreen, 1440×900):

- the GUI thread's CPU time per wall second (``time.thread_time``), and the share of it in
  the window's frame handler and in the panels' held-back draws;
- the time in each piece that touches the curves: the run keeper taking a snapshot, the loss
  panel taking one (``record_snapshot``) and drawing (``show_snapshot``);
- the training throughput, for context.

    .venv/bin/python benchmarks/bench_curve_store.py [--seconds 10] [--repeat 1]

It wraps methods by name, so the same script measures an older tree (``PYTHONPATH=…``).
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

#: (module, class, method) timed on the GUI thread
TIMED = [
    ("nnviz.app.window", "MainWindow", "_frame"),
    ("nnviz.app.panel_area", "PanelArea", "flush"),
    ("nnviz.app.runs", "RunKeeper", "on_snapshot"),
    ("nnviz.app.panels.loss", "LossPanel", "record_snapshot"),
    ("nnviz.app.panels.loss", "LossPanel", "show_snapshot"),
]


def install_timers(spent: dict[str, list[float]]) -> None:
    """Wrap every :data:`TIMED` method so each call adds its seconds and count to ``spent``."""
    import importlib

    for module_name, class_name, method in TIMED:
        owner = getattr(importlib.import_module(module_name), class_name)
        original = getattr(owner, method)
        setattr(owner, method, _timed(original, f"{class_name}.{method}", spent))


def _timed(function: Callable[..., Any], name: str,
           spent: dict[str, list[float]]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            entry = spent[name]
            entry[0] += time.perf_counter() - start
            entry[1] += 1
    return wrapper


def spin(seconds: float) -> None:
    """Run the real event loop for ``seconds``."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(seconds: float) -> dict[str, Any]:
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    install_timers(spent)  # before the window connects its slots to these methods
    window = MainWindow("moons", settings=scratch_settings("nnviz-bench-"))
    window.resize(1440, 900)
    window.show()
    window.runner.run()
    spin(0.5)  # warm-up
    spent.clear()
    steps, wall, cpu = window.last_snapshot.step, time.perf_counter(), time.thread_time()
    spin(seconds)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    steps = window.last_snapshot.step - steps  # as drawn: the loop may run in another process
    window.close()
    return {"steps_per_s": steps / wall, "gui_cpu_per_s": cpu / wall, "wall": wall,
            "spent": {k: tuple(v) for k, v in spent.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from nnviz.app.main import configure_interpreter

    configure_interpreter()
    app = QApplication.instance() or QApplication([])
    for round_ in range(args.repeat):
        result = measure(args.seconds)
        wall = result["wall"]
        print(f"round {round_ + 1}: {args.seconds:g} s, load {os.getloadavg()[0]:.2f}")
        print(f"  training                 {result['steps_per_s']:10,.0f} steps/s")
        print(f"  GUI thread CPU           {result['gui_cpu_per_s'] * 1000:10.1f} ms per s")
        for name, (seconds, calls) in sorted(result["spent"].items()):
            per_call = seconds / calls * 1e6 if calls else 0.0
            print(f"  {name:24} {seconds / wall * 1000:10.2f} ms per s"
                  f"   ({calls / wall:6.1f} calls/s, {per_call:8.0f} µs each)")
    del app


if __name__ == "__main__":
    main()
