"""The optimiser race presets, headless: how long each takes, and whether the clocks are fair.

For each shipped ``race-*`` preset: the wall time of the whole race (what a person waits), and
per racer its updates, its own compute time, its final loss and its finish (updates and time
to the target loss). Then the fairness check of the racers' clocks: the batch-vs-mini-batch
race run with the racers in both orders; each racer's own time should not depend on whether
it is stepped first or second in the loop.

    python benchmarks/bench_race.py [--presets race-momentum,...] [--repeats 2]

Run on a quiet machine (``uptime``) and repeat: on two shared cores, other work shows up.
"""

from __future__ import annotations

import argparse
import statistics
import time

from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.race import RaceSession
from nnviz.session import train


def run_race(config) -> tuple[float, RaceSession]:
    session = RaceSession(config)
    started = time.perf_counter()
    for _ in train(session, every=10**9, views=False):
        pass
    return time.perf_counter() - started, session


def report(name: str, wall: float, session: RaceSession) -> None:
    print(f"\n{name}: {wall:.2f} s wall, {session.step_count} loop steps")
    for row in session.race_view().racers:
        finish = "—" if row.finish is None else (
            f"{row.finish.updates} updates, {row.finish.compute_seconds * 1e3:.1f} ms compute")
        print(f"  {row.name:<10} {row.updates:>6} updates  compute {row.compute_seconds:8.3f} s  "
              f"wall {row.wall_seconds:8.3f} s  "
              f"loss {row.loss:.4f}  to target {session.config.target_loss:g}: {finish}")


def clock_fairness(config, repeats: int) -> None:
    racers = config.racers.split(";")
    orders = {"as written": config.racers, "reversed": ";".join(reversed(racers))}
    print("\nclock fairness (batch vs mini-batch, own time per racer, median of "
          f"{repeats}):")
    for label, line in orders.items():
        times: dict[str, list[float]] = {}
        for _ in range(repeats):
            _, session = run_race(config.with_values({"racers": line}))
            for racer in session.racers:
                times.setdefault(racer.name, []).append(racer.compute_seconds)
        cells = ", ".join(f"{name} {statistics.median(t):.3f} s" for name, t in times.items())
        print(f"  {label:<11} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", help="comma-separated preset names (default: all race-*)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--fairness-samples", type=int, default=20_000,
                        help="points in the clock-fairness race (100,000 in the preset)")
    args = parser.parse_args()
    presets = {n: p for n, p in all_presets().items() if p.scenario == "race"}
    names = args.presets.split(",") if args.presets else list(presets)
    for name in names:
        wall, session = run_race(presets[name].config())
        report(name, wall, session)
    fairness = presets["race-batch-vs-minibatch"].config().with_values(
        {"n_samples": args.fairness_samples})
    clock_fairness(fairness, args.repeats)


if __name__ == "__main__":
    main()
