"""Time the histogram view a snapshot carries, and one step of the init experiment.

Run: ``python benchmarks/bench_histograms.py [--repeats N]``. Prints, per network, the cost of
``MLPSession.histograms()`` (forward pass on the 512-point sample, 5 quantities per layer on
StableBins, percentiles, health figures, the DistributionRecorder's frozen history) after the
recorder has been filled past its capacity, and what share of a 30 Hz frame budget it takes;
then one ``init`` step (a fresh 1000 × 500 layer per initialiser). Best of ``--repeats`` blocks.
Load average is printed: numbers from a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from nnviz.scenarios.init_experiment import InitConfig
from nnviz.scenarios.init_experiment import build as build_init
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.moons import build as build_moons

FRAME = 1 / 30


def best_ms(action: Callable[[], object], calls: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    networks = {
        "moons 2-8-2 tanh": MoonsConfig(),
        "moons 2-(16×6)-2 tanh": MoonsConfig(hidden_sizes=(16,) * 6),
        "moons 2-64-64-2 relu": MoonsConfig(hidden_sizes=(64, 64), activation="relu",
                                             init="he"),
    }
    for name, config in networks.items():
        session = build_moons(config)
        for _ in range(600):  # past the recorder's 512 rows: the steady state of a long run
            session.train_step()
            session.histograms()
        ms = best_ms(session.histograms, 50, args.repeats)
        print(f"{name:<24} histograms() {ms:6.2f} ms  ({ms / (FRAME * 1e3):.0%} of a frame)")
    for names in (("standard_normal", "inv_sqrt_fan_in"),
                  ("standard_normal", "inv_sqrt_fan_in", "xavier", "he", "zeros")):
        session = build_init(InitConfig(initializers=names))
        ms = best_ms(session.train_step, 5, args.repeats)
        print(f"init step, {len(names)} initialisers: {ms:6.2f} ms")


if __name__ == "__main__":
    main()
