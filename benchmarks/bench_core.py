"""Time one training step of the NumPy core against scikit-learn and torch on the CPU.

Run: ``python benchmarks/bench_core.py [--seconds S] [--no-threads]``. All float32, the same
network, data and optimiser (SGD, momentum 0.9) for every contender (for two classes
scikit-learn has one logistic output unit where the others have a softmax over two):

* moons, 200 points, 2-10-2 tanh, full batch: one step
* moons, 100,000 points, 2-10-2 tanh, full batch: one step (the core splits it over threads)
* sklearn digits (1,438 training images), 64-200-10 tanh, mini-batches of 32: one epoch
* the decision-boundary forward pass: class probabilities over a 200×200 grid

Then what BLAS (and torch) thread counts do while another Python thread is busy, as the GUI
thread is, so the training worker's setting is chosen on numbers (see nnviz.core.threads).

Contenders are timed in interleaved rounds; the best block of each counts. The core runs as
the training worker does, BLAS on one thread (``WORKER_BLAS``), large batches split over two
Python threads; torch runs at both 1 and 2 threads and the faster counts; scikit-learn keeps
its defaults.
Load average is printed: numbers from a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import numpy as np
from sklearn.datasets import make_moons
from sklearn.neural_network import MLPClassifier

from nnviz.core import threads
from nnviz.core.mlp import MLP
from nnviz.core.optimizers import make_optimizer
from nnviz.data.mnist import load_sklearn_digits

LEARNING_RATE, MOMENTUM = 0.1, 0.9
#: BLAS threads of the core in the comparison table: the training worker's setting
WORKER_BLAS = 1
QUIET_SECONDS = 0.3  # lets BLAS/OpenMP threads that spin after a call go idle between runs


def per_call(function: Callable[[], object], seconds: float = 0.4, blocks: int = 5) -> float:
    """Seconds per call in the best of ``blocks`` blocks of about ``seconds`` each.

    The best block, as ``timeit`` advises: it is the one least disturbed by other processes
    on a shared machine.
    """
    function()
    times = []
    for _ in range(blocks):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            function()
            calls += 1
        times.append(elapsed / calls)
    time.sleep(QUIET_SECONDS)
    return min(times)


# -- contenders -----------------------------------------------------------------------------
def ours_step(inputs: np.ndarray, labels: np.ndarray, hidden: int, n_classes: int):
    """The core's step: forward, backward, momentum update."""
    model = MLP(inputs.shape[1], [hidden], n_classes, activation="tanh", seed=0,
                dtype=np.float32)
    optimizer = make_optimizer("momentum", learning_rate=LEARNING_RATE, momentum=MOMENTUM)

    def step(x=inputs, y=labels):
        _, grads, _ = model.loss_and_gradients(x, y)
        optimizer.step(model.params, grads)

    return model, step


def torch_step(torch, inputs: np.ndarray, labels: np.ndarray, hidden: int, n_classes: int):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(inputs.shape[1], hidden), torch.nn.Tanh(),
                              torch.nn.Linear(hidden, n_classes))
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    cross_entropy = torch.nn.functional.cross_entropy
    x_all, y_all = torch.from_numpy(inputs), torch.from_numpy(labels.astype(np.int64))

    def step(x=x_all, y=y_all):
        optimizer.zero_grad()
        cross_entropy(net(x), y).backward()
        optimizer.step()

    return net, step


def sklearn_model(hidden: int, batch_size: int) -> MLPClassifier:
    return MLPClassifier(hidden_layer_sizes=(hidden,), activation="tanh", solver="sgd",
                         learning_rate_init=LEARNING_RATE, momentum=MOMENTUM,
                         nesterovs_momentum=False, alpha=0.0, batch_size=batch_size,
                         shuffle=True, random_state=0)


Contender = tuple[Callable[[], object], Callable[[], AbstractContextManager]]


def race(contenders: dict[str, Contender], seconds: float, rounds: int = 5) -> dict[str, float]:
    """Best seconds per call of each contender, timed in interleaved rounds.

    Each round times one block of every contender in turn, so on a shared machine all of
    them meet the same other processes; the best block of each counts. A contender is
    (call, settings) where settings() is a context manager entered around its blocks
    (thread counts).
    """
    best = dict.fromkeys(contenders, float("inf"))
    for function, settings in contenders.values():
        with settings():
            function()
    for _ in range(rounds):
        for name, (function, settings) in contenders.items():
            with settings():
                calls, start = 0, time.perf_counter()
                while (elapsed := time.perf_counter() - start) < seconds:
                    function()
                    calls += 1
            best[name] = min(best[name], elapsed / calls)
            time.sleep(QUIET_SECONDS / 5)
    return best


@contextmanager
def worker_threads(blas: int = 1, split: int | None = None) -> Iterator[None]:
    """Within the block, BLAS uses ``blas`` threads and large batches split over ``split``
    (None keeps the current split); both are restored after it."""
    previous = threads.split_threads()
    limits = threads.limit_blas_threads(blas)
    if split is not None:
        threads.set_split_threads(split)
    try:
        yield
    finally:
        limits.restore_original_limits()
        threads.set_split_threads(previous)


def core_settings(split: int | None = None) -> Callable[[], AbstractContextManager]:
    return lambda: worker_threads(blas=WORKER_BLAS, split=split)


def torch_settings(torch, count: int) -> Callable[[], AbstractContextManager]:
    @contextmanager
    def settings():
        torch.set_num_threads(count)
        yield
    return settings


def with_torch(torch, contenders: dict[str, Contender],
               make: Callable[[], Callable[[], object]]) -> dict[str, Contender]:
    """Add torch at 1 and at 2 threads (each with its own model) to the contenders."""
    if torch is not None:
        for count in (1, 2):
            contenders[f"torch {count}"] = (make(), torch_settings(torch, count))
    return contenders


def summarise(times: dict[str, float], ours: str = "ours") -> dict[str, float]:
    """The row ratio_line prints: ours, sklearn, and the faster torch setting."""
    row = dict(times)
    row["ours"] = times[ours]
    torch_times = {k: v for k, v in times.items() if k.startswith("torch ")}
    if torch_times:
        fastest = min(torch_times, key=torch_times.get)
        row["torch"], row["torch threads"] = torch_times[fastest], int(fastest.split()[1])
    return row


# -- the four workloads ---------------------------------------------------------------------
def moons(n: int) -> tuple[np.ndarray, np.ndarray]:
    points, labels = make_moons(n, noise=0.2, random_state=0)
    return points.astype(np.float32), labels.astype(np.int64)


@contextmanager
def quiet_sklearn():
    """partial_fit warns about unfinished convergence on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def full_batch_row(torch, n: int, seconds: float) -> dict[str, float]:
    inputs, labels = moons(n)
    classifier = sklearn_model(10, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classifier.partial_fit(inputs, labels, classes=[0, 1])
    contenders: dict[str, Contender] = {
        "ours 1 thr": (ours_step(inputs, labels, 10, 2)[1], core_settings(split=1)),
        "ours 2 thr": (ours_step(inputs, labels, 10, 2)[1], core_settings(split=2)),
        "sklearn": (lambda: classifier.partial_fit(inputs, labels), quiet_sklearn),
    }
    with_torch(torch, contenders, lambda: torch_step(torch, inputs, labels, 10, 2)[1])
    # the default setting splits only batches of split_min_rows or more
    return summarise(race(contenders, seconds), f"ours {threads.split_count(n)} thr")


def digits_epoch_row(torch, seconds: float) -> dict[str, float]:
    data = load_sklearn_digits(seed=0).split()
    inputs = data.train_x.astype(np.float32)
    labels = data.train_y.astype(np.int64)
    batches = len(inputs) // 32
    rng = np.random.default_rng(0)
    step = ours_step(inputs, labels, 200, 10)[1]

    def epoch():
        order = rng.permutation(len(inputs))
        for b in range(batches):
            index = order[32 * b: 32 * b + 32]
            step(inputs[index], labels[index])

    classifier = sklearn_model(200, 32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classifier.partial_fit(inputs, labels, classes=np.arange(10))
    contenders: dict[str, Contender] = {
        "ours": (epoch, core_settings()),
        "sklearn": (lambda: classifier.partial_fit(inputs, labels), quiet_sklearn),
    }
    if torch is not None:
        tensors = torch.from_numpy(inputs), torch.from_numpy(labels)

        def make():
            torch_step_on = torch_step(torch, inputs, labels, 200, 10)[1]

            def torch_epoch():
                order = torch.from_numpy(rng.permutation(len(inputs)))
                for b in range(batches):
                    index = order[32 * b: 32 * b + 32]
                    torch_step_on(tensors[0][index], tensors[1][index])
            return torch_epoch

        with_torch(torch, contenders, make)
    return summarise(race(contenders, seconds))


def grid_row(torch, seconds: float) -> dict[str, float]:
    inputs, labels = moons(200)
    model, step = ours_step(inputs, labels, 10, 2)
    for _ in range(200):
        step()
    side = np.linspace(-2.5, 2.5, 200, dtype=np.float32)
    grid = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)
    classifier = sklearn_model(10, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classifier.partial_fit(inputs, labels, classes=[0, 1])
    contenders: dict[str, Contender] = {
        "ours": (lambda: model.predict_proba(grid), core_settings()),
        "sklearn": (lambda: classifier.predict_proba(grid), quiet_sklearn),
    }
    if torch is not None:
        def make():
            net = torch_step(torch, inputs, labels, 10, 2)[0]
            grid_tensor = torch.from_numpy(grid)

            def forward():
                with torch.no_grad():
                    return torch.softmax(net(grid_tensor), dim=1).numpy()
            return forward

        with_torch(torch, contenders, make)
    return summarise(race(contenders, seconds))


# -- a busy GUI thread ----------------------------------------------------------------------
class BusyThread:
    """A second thread keeping one core busy, as a GUI thread painting flat out would.

    ``holds_gil=False`` spins in NumPy (C code that releases the GIL, like Qt painting);
    ``holds_gil=True`` spins in pure Python, which also takes the GIL from the worker for
    up to ``sys.getswitchinterval()`` (5 ms) at a time: the worst case.
    """

    def __init__(self, holds_gil: bool) -> None:
        self.holds_gil = holds_gil

    def __enter__(self) -> BusyThread:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, name="busy-gui", daemon=True)
        self._thread.start()
        return self

    def _spin(self) -> None:
        canvas = np.linspace(0.0, 1.0, 200_000)
        total = 0
        while not self._stop.is_set():
            if self.holds_gil:
                total += sum(range(500))
            else:
                np.sin(canvas, out=canvas)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def busy_rates(step: Callable[[], object], seconds: float) -> tuple[float, float, float]:
    """Steps/s alone, beside a GIL-free busy thread, beside a GIL-holding one."""
    alone = per_call(step, seconds, blocks=3)
    with BusyThread(holds_gil=False):
        busy_c = per_call(step, seconds, blocks=3)
    with BusyThread(holds_gil=True):
        busy_python = per_call(step, seconds, blocks=3)
    return 1 / alone, 1 / busy_c, 1 / busy_python


def thread_rows(torch, seconds: float) -> list[tuple[str, str, tuple[float, float, float]]]:
    rows = []
    digits = load_sklearn_digits(seed=0).split()
    workloads = [
        ("moons-1000 2-32-2", *moons(1000), 32, 2),
        ("digits batch 32 64-200-10", digits.train_x[:32].astype(np.float32),
         digits.train_y[:32].astype(np.int64), 200, 10),
        ("moons-100k 2-10-2", *moons(100_000), 10, 2),
    ]
    for name, inputs, labels, hidden, n_classes in workloads:
        splits = (1, 2) if len(inputs) >= threads.split_min_rows() else (1,)
        for split in splits:
            for blas in (1, 2):
                with worker_threads(blas=blas, split=split):
                    rates = busy_rates(ours_step(inputs, labels, hidden, n_classes)[1], seconds)
                setting = f"numpy BLAS {blas}" + (f", split {split}" if len(splits) > 1 else "")
                rows.append((name, setting, rates))
        if torch is not None:
            for count in (1, 2):
                torch.set_num_threads(count)
                step = torch_step(torch, inputs, labels, hidden, n_classes)[1]
                rows.append((name, f"torch {count} threads", busy_rates(step, seconds)))
            torch.set_num_threads(os.cpu_count() or 1)
    return rows


# -- report ---------------------------------------------------------------------------------
def ratio_line(name: str, row: dict[str, float], unit: str, targets: dict[str, float]) -> str:
    ours = row["ours"]
    parts = [f"{name:<24} ours {1 / ours:>9,.1f} {unit}"]
    for peer in ("sklearn", "torch"):
        if peer in row:
            ratio = row[peer] / ours
            target = targets.get(peer)
            verdict = "" if target is None else (" ok" if ratio >= target else
                                                 f" BELOW {target:g}")
            extra = f" {int(row['torch threads'])}thr" if peer == "torch" else ""
            parts.append(f"{peer}{extra} {1 / row[peer]:>8,.1f}: ours {ratio:5.2f}×{verdict}")
    return " | ".join(parts)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.4, help="length of a timed block")
    parser.add_argument("--no-threads", action="store_true", help="skip the busy-thread table")
    args = parser.parse_args()
    seconds = args.seconds
    try:
        import torch
    except ImportError:
        torch = None
        print("torch is not installed: torch columns are left out")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ""))
    print(f"load average before: {load()}")
    print(f"core: BLAS threads {WORKER_BLAS}, split threads {threads.split_threads()} "
          f"(batches of ≥ {threads.split_min_rows():,} rows)\n")

    small = full_batch_row(torch, 200, seconds)
    print(ratio_line("moons-200 step", small, "steps/s", {"sklearn": 25, "torch": 5}))
    big = full_batch_row(torch, 100_000, seconds)
    print(ratio_line("moons-100k step", big, "steps/s", {"torch": 1}))
    print(f"{'':<24} ours on 1 thread {1 / big['ours 1 thr']:,.1f} steps/s, "
          f"split over 2 threads {1 / big['ours 2 thr']:,.1f} steps/s")
    digits = digits_epoch_row(torch, seconds)
    print(ratio_line("digits epoch (batch 32)", digits, "epochs/s", {"torch": 4}))
    grid = grid_row(torch, seconds)
    print(ratio_line("200×200 grid forward", grid, "calls/s", {}))
    verdict = "ok" if grid["ours"] <= 1e-3 else "ABOVE the 1 ms target"
    print(f"{'':<24} ours {grid['ours'] * 1e3:.3f} ms per grid ({verdict})")
    print(f"load average: {load()}")

    if not args.no_threads:
        print("\nsteps/s alone and beside a busy second thread (the GUI thread), which spins in"
              "\nC without the GIL (busy C) or in pure Python holding it (busy Py):")
        print(f"{'workload':<27}{'setting':<24}{'alone':>9}{'busy C':>9}{'ratio':>7}"
              f"{'busy Py':>9}{'ratio':>7}")
        for name, setting, (alone, busy_c, busy_py) in thread_rows(torch, seconds / 2):
            print(f"{name:<27}{setting:<24}{alone:>9,.0f}{busy_c:>9,.0f}{busy_c / alone:>7.2f}"
                  f"{busy_py:>9,.0f}{busy_py / alone:>7.2f}")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
