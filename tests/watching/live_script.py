"""A small training script watched by nnviz, for the live tests (run as a subprocess).

It trains a tiny torch model on random data with ``nnviz.watch`` and appends one line per step
to the file named by its first argument: ``step learning_rate``, where the learning rate is
the one its optimiser uses for that step's update. It stops when a file named ``stop`` appears
next to that log, or after its second argument of steps (default 100 000).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

import nnviz

STEP_SECONDS = 0.005


def main() -> None:
    log = Path(sys.argv[1])
    most_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    steerable = "--not-steerable" not in sys.argv
    stop = log.with_name("stop")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    points = torch.randn(128, 8)
    labels = (points[:, 0] > 0).long()
    with nnviz.watch(model, optimizer, name="live-test", every=1, snapshots_per_second=50,
                     histogram_every=5, histograms_per_second=10,
                     steerable=steerable) as watcher, log.open("w") as out:
        for step in range(1, most_steps + 1):
            if stop.exists():
                break
            loss = torch.nn.functional.cross_entropy(model(points), labels)
            optimizer.zero_grad()
            loss.backward()
            rate = optimizer.param_groups[0]["lr"]
            optimizer.step()
            out.write(f"{step} {rate!r}\n")
            out.flush()
            watcher.step(loss=loss.item())
            time.sleep(STEP_SECONDS)


if __name__ == "__main__":
    main()
