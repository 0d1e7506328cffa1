"""Shared set-up for the reliability GUI tests: small presets and a window on them.

The presets shrink the datasets and views (a 40×40 decision grid, 200 moons, 300 digits) so
that hundreds of runs start and stop within seconds on a loaded two-core machine.
"""

from __future__ import annotations

import os
from pathlib import Path

TINY_PRESETS = {
    "tiny-moons": ('moons', {"n_samples": 200, "grid_resolution": 40, "hidden_sizes": [6]}),
    "tiny-circles": ('moons', {"dataset": "circles", "n_samples": 120, "grid_resolution": 30,
                               "hidden_sizes": [4, 4], "optimizer": "adam",
                               "learning_rate": 0.01}),
    "tiny-race": ('race', {"n_samples": 80, "surface_resolution": 16,
                           "surface_points": 100}),
    "tiny-digits": ('digits', {"max_train": 300, "eval_examples": 200,
                               "projection_points": 50, "gallery_size": 6,
                               "hidden_sizes": [16]}),
    # a linear network on a summed loss: the weights grow geometrically, so a learning rate
    # of 10 overflows to inf/NaN within a few steps, from any starting point
    "tiny-linear": ('moons', {"n_samples": 200, "grid_resolution": 40, "activation": "linear",
                              "loss_reduction": "sum", "optimizer": "sgd",
                              "learning_rate": 0.0005, "hidden_sizes": [6]}),
}


def toml_value(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return repr(value)


def write_tiny_presets(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (scenario, values) in TINY_PRESETS.items():
        lines = [f'scenario = "{scenario}"', f'title = "{name}"', "", "[values]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
        (folder / f"{name}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def training_threads() -> list[str]:
    """What training left behind in this process: the threads that serve a worker process
    (reader, sender, stderr, watchdog) and any child process still in the process table
    (a zombie included), named ``child <pid>``."""
    import os
    import threading

    left = [t.name for t in threading.enumerate()
            if t.name.startswith("nnviz-worker-") and t.is_alive()]
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as listing:
                left += [f"child {pid}" for pid in listing.read().split()]
        except OSError:
            continue
    return left


def use_presets(monkeypatch, folder: Path) -> None:
    """Point every loaded nnviz module's ``presets_dir`` (imported by name or not) at
    ``folder``."""
    import sys

    import nnviz.app.picker  # noqa: F401  (loaded, so its imported name is patched too)
    import nnviz.scenarios.presets as presets_module

    original = presets_module.presets_dir
    for name, module in list(sys.modules.items()):
        if name.startswith("nnviz") and getattr(module, "presets_dir", None) is original:
            monkeypatch.setattr(module, "presets_dir", lambda: folder)
