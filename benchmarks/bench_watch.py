"""What ``nnviz.watch`` costs a training loop: a small CNN on digits, watched and not, in one run.

Copies of the same CNN (two 3×3 convolutions, max-pooling, two dense layers; sklearn's 8×8
digits, batches of 64, SGD with momentum, torch on the CPU with one thread) train in
alternating blocks of ``--steps`` steps: one copy bare, the others with
``nnviz.watch(model, optimizer, record=FILE)`` at the default rates (a row of metrics every 10
steps and at most 10 a second; histograms and layer health every 50 steps and at most once a
second; the file rewritten every 30 s), streaming to

- ``no app``: an address nobody listens on (a connection tried every 2 s);
- ``app``: the app's real listener (:class:`nnviz.app.watch_listener.WatchListener`, in a
  process of its own, decoding every frame);
- ``hung app``: a socket that accepts connections and never reads (the send buffers fill,
  then snapshots are dropped).

Alternating the blocks spreads the machine's load over all. Printed: the median step time of
each, the overhead in percent of the bare step time (the issue's aim: under 5 %), the median
and the slowest single ``watcher.step()`` call of each (the slowest is the bound on what one
step was delayed: a sampled step, a save of the run file, or the machine's scheduling), and
what closing the recording watcher (the final save) took.

    .venv/bin/python benchmarks/bench_watch.py [--blocks 6] [--steps 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: the loops, bare first; each watched one streams to the address its mode names
MODES = ("bare", "no app", "app", "hung app")


def digits_batches(batch: int = 64):
    import numpy as np
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32)[:, None]
    labels = torch.tensor(digits.target, dtype=torch.long)
    order = np.random.default_rng(0).permutation(len(labels))
    while True:
        for start in range(0, len(order) - batch + 1, batch):
            chosen = torch.as_tensor(order[start:start + batch])
            yield images[chosen], labels[chosen]


def small_cnn():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 4 * 4, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10))


class Loop:
    """One model, its optimiser and batches; ``block(n)`` trains n steps and returns the
    seconds per step."""

    def __init__(self, watcher_for=None) -> None:
        import torch

        self.model = small_cnn()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.batches = digits_batches()
        self.watcher = watcher_for(self.model, self.optimizer) if watcher_for else None
        self.loss = torch.nn.functional.cross_entropy
        #: the seconds of every ``watcher.step()`` call so far
        self.watch_calls: list[float] = []

    def block(self, steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            images, labels = next(self.batches)
            loss = self.loss(self.model(images), labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if self.watcher is not None:
                value = loss.item()
                called = time.perf_counter()
                self.watcher.step(loss=value, batch_size=len(labels))
                self.watch_calls.append(time.perf_counter() - called)
        return (time.perf_counter() - start) / steps


def start_app(folder: Path) -> subprocess.Popen:
    """The app's listener in a process of its own, listening in ``folder``; returns once it
    listens. It exits when the watched run says goodbye."""
    app = subprocess.Popen([sys.executable, __file__, "--serve", str(folder)],
                           stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert app.stdout is not None and app.stdout.readline().strip() == "listening"
    return app


def serve(folder: str) -> None:
    """``--serve FOLDER``: run the app's listener until its first run leaves."""
    from PySide6.QtCore import QCoreApplication, QTimer

    from nnviz.app.watch_listener import WatchListener
    from nnviz.watching.address import WatchAddress

    application = QCoreApplication([])
    listener = WatchListener()
    listener.listen_local(WatchAddress(path=Path(folder) / "app.sock"))
    listener.left.connect(lambda _key: application.quit())
    QTimer.singleShot(600_000, application.quit)  # never outlive a benchmark run
    print("listening", flush=True)
    application.exec()
    listener.close()


def hung_app(folder: Path) -> socket.socket:
    """A socket that takes connections (the kernel's backlog) and never reads them."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(folder / "hung.sock"))
    server.listen(8)
    return server


def measure(blocks: int, steps: int, folder: Path) -> dict:
    import torch

    import nnviz

    torch.set_num_threads(1)
    app, hung = start_app(folder), hung_app(folder)
    addresses = {"no app": folder / "nobody.sock", "app": folder / "app.sock",
                 "hung app": folder / "hung.sock"}

    def watching(mode: str):
        record = folder / "bench.nnviz" if mode == "no app" else None
        return lambda model, optimizer: nnviz.watch(
            model, optimizer, name=f"bench-watch ({mode})", record=record,
            address=str(addresses[mode]))

    loops = {mode: Loop(watching(mode) if mode != "bare" else None) for mode in MODES}
    for loop in loops.values():
        loop.block(20)  # warm up each (first calls allocate)
        loop.watch_calls = []
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(blocks):
        for mode, loop in loops.items():
            times[mode].append(loop.block(steps))
    streamed = loops["app"].watcher.steering.link
    dropped = loops["hung app"].watcher.steering.link.dropped
    start = time.perf_counter()
    loops["no app"].watcher.close()
    closing = time.perf_counter() - start
    for mode in ("app", "hung app"):
        loops[mode].watcher.close()
    app.wait(timeout=60)
    hung.close()
    bare_step = statistics.median(times["bare"])
    result = {"bare_step_ms": round(1000 * bare_step, 4)}
    for mode in MODES[1:]:
        key = mode.replace(" ", "_")
        step = statistics.median(times[mode])
        result[f"{key}_step_ms"] = round(1000 * step, 4)
        result[f"{key}_overhead_percent"] = round(100 * (step / bare_step - 1), 2)
        calls = loops[mode].watch_calls
        result[f"{key}_median_watch_ms"] = round(1000 * statistics.median(calls), 4)
        result[f"{key}_slowest_watch_ms"] = round(1000 * max(calls), 3)
    result.update({
        "app_connections": streamed.connections, "app_dropped": streamed.dropped,
        "hung_app_dropped": dropped, "close_seconds": round(closing, 4),
        "blocks": blocks, "steps_per_block": steps,
        "file_bytes": (folder / "bench.nnviz").stat().st_size,
    })
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with tempfile.TemporaryDirectory(prefix="nnbw-") as folder:
        result = measure(args.blocks, args.steps, Path(folder))
    if args.json:
        print(json.dumps(result))
        return
    print(f"bare step             {result['bare_step_ms']:.3f} ms")
    for mode in MODES[1:]:
        key = mode.replace(" ", "_")
        print(f"watched, {mode + ':':9} {result[f'{key}_step_ms']:.3f} ms  overhead "
              f"{result[f'{key}_overhead_percent']:+.2f} % (aim: under 5 %); "
              f"watcher.step() median {result[f'{key}_median_watch_ms']:.3f} ms, slowest "
              f"{result[f'{key}_slowest_watch_ms']:.2f} ms")
    print(f"app: {result['app_connections']} connection, {result['app_dropped']} snapshots "
          f"dropped; hung app: {result['hung_app_dropped']} dropped")
    print(f"close (final save) {result['close_seconds']:.3f} s, "
          f"file {result['file_bytes'] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
