"""Time the frames that carry snapshots between processes, against pickle in the same run.

Run: ``python benchmarks/bench_wire.py [--repeats N] [--json]``. For a moons snapshot with every
view, a digits snapshot with every view and a moons snapshot of metrics only, prints the frame
size, the time to encode (:func:`nnviz.io.wire.encode_message`, in the worker) and to decode
(:func:`~nnviz.io.wire.decode_message`, on the GUI thread), frames and MB per second for the
pair, and ``pickle.dumps``/``pickle.loads`` of the same message (which the wire never uses: it
could run code sent by a process nnviz did not start) with the ratio of the two times. Best of
``--repeats`` blocks; the load average is printed, as numbers from a busy machine are not
comparable. ``--json`` prints one JSON object instead of the table.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time
from collections.abc import Callable
from typing import Any

from nnviz.io.wire import decode_message, encode_message
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Snapshot, train


def best_seconds(action: Callable[[], object], calls: int, repeats: int) -> float:
    """The best mean time of one call over ``repeats`` blocks of ``calls`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def snapshot_of(name: str, *, views: bool = True, steps: int = 20) -> Snapshot:
    """The last snapshot of a short run of ``name`` at its defaults."""
    scenario = get_scenario(name)
    session = scenario.create_session(scenario.default_config())
    return list(train(session, max_steps=steps, every=steps, views=views))[-1]


def measure(message: dict[str, Any], calls: int, repeats: int) -> dict[str, float]:
    frame = encode_message(message)
    pickled = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    encode = best_seconds(lambda: encode_message(message), calls, repeats)
    decode = best_seconds(lambda: decode_message(frame), calls, repeats)
    dumps = best_seconds(lambda: pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL),
                         calls, repeats)
    loads = best_seconds(lambda: pickle.loads(pickled), calls, repeats)
    both = encode + decode
    return {
        "frame_bytes": len(frame),
        "pickle_bytes": len(pickled),
        "encode_ms": encode * 1e3,
        "decode_ms": decode * 1e3,
        "frames_per_s": 1 / both,
        "mb_per_s": len(frame) / both / 1e6,
        "pickle_ms": (dumps + loads) * 1e3,
        "pickle_frames_per_s": 1 / (dumps + loads),
        "time_vs_pickle": both / (dumps + loads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    cases = {
        "moons, every view": snapshot_of("moons"),
        "digits, every view": snapshot_of("digits"),
        "moons, metrics only": snapshot_of("moons", views=False),
    }
    results = {name: measure({"type": "snapshot", "snapshot": snapshot}, args.calls,
                             args.repeats)
               for name, snapshot in cases.items()}
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_average": load, "cases": results}))
        return
    print(f"load average {load:.2f}")
    print(f"{'message':<22}{'frame':>9}{'encode':>9}{'decode':>9}{'frames/s':>10}{'MB/s':>8}"
          f"{'pickle':>9}{'× pickle':>10}")
    for name, r in results.items():
        print(f"{name:<22}{r['frame_bytes'] / 1e3:>7.0f}kB{r['encode_ms']:>7.2f}ms"
              f"{r['decode_ms']:>7.2f}ms{r['frames_per_s']:>10.0f}{r['mb_per_s']:>8.0f}"
              f"{r['pickle_ms']:>7.2f}ms{r['time_vs_pickle']:>9.1f}×")


if __name__ == "__main__":
    main()
