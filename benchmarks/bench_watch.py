"""What ``nnviz.watch`` costs a training loop: a small CNN on digits, watched and not, in one run.

Two copies of the same CNN (two 3×3 convolutions, max-pooling, two dense layers; sklearn's
8×8 digits, batches of 64, SGD with momentum, torch on the CPU with one thread) train in
alternating blocks of ``--steps`` steps: one copy bare, the other with
``nnviz.watch(model, optimizer, record=FILE)`` at the default rates (a row of metrics every 10
steps and at most 10 a second; histograms and layer health every 50 steps and at most once a
second; the file rewritten every 30 s). Alternating the blocks spreads the machine's load over
both. Printed: the median step time of each, the overhead in percent of the bare step time
(the issue's aim: under 5 %), and what closing the watcher (the final save) took.

    .venv/bin/python benchmarks/bench_watch.py [--blocks 6] [--steps 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


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

    def block(self, steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            images, labels = next(self.batches)
            loss = self.loss(self.model(images), labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if self.watcher is not None:
                self.watcher.step(loss=loss.item(), batch_size=len(labels))
        return (time.perf_counter() - start) / steps


def measure(blocks: int, steps: int, folder: Path) -> dict:
    import torch

    import nnviz

    torch.set_num_threads(1)
    bare = Loop()
    watched = Loop(lambda model, optimizer: nnviz.watch(
        model, optimizer, name="bench-watch", record=folder / "bench.nnviz"))
    bare.block(20)  # warm up both (first calls allocate)
    watched.block(20)
    bare_times, watched_times = [], []
    for _ in range(blocks):
        bare_times.append(bare.block(steps))
        watched_times.append(watched.block(steps))
    start = time.perf_counter()
    watched.watcher.close()
    closing = time.perf_counter() - start
    bare_step, watched_step = statistics.median(bare_times), statistics.median(watched_times)
    return {
        "bare_step_ms": round(1000 * bare_step, 4),
        "watched_step_ms": round(1000 * watched_step, 4),
        "overhead_percent": round(100 * (watched_step / bare_step - 1), 2),
        "close_seconds": round(closing, 4),
        "blocks": blocks, "steps_per_block": steps,
        "file_bytes": (folder / "bench.nnviz").stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = measure(args.blocks, args.steps, Path(folder))
    if args.json:
        print(json.dumps(result))
        return
    print(f"bare step     {result['bare_step_ms']:.3f} ms")
    print(f"watched step  {result['watched_step_ms']:.3f} ms")
    print(f"overhead      {result['overhead_percent']:+.2f} %  (aim: under 5 %)")
    print(f"close (final save) {result['close_seconds']:.3f} s, "
          f"file {result['file_bytes'] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
