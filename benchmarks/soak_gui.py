"""Soak: minutes of training at full speed with the window drawing; does memory stay flat?

The main window (offscreen, 1440×900) trains a scenario (default: moons) for ``--minutes``
(default 10) with every panel drawing. Once a second it samples the process's resident set
size (``/proc/self/statm``), the step count, and how many snapshots reached the window and
how many boundary frames were drawn in that second. At the end it prints, after a warm-up
(``--warmup`` seconds, default 60):

* the RSS slope in MB per minute, by least squares over the post-warm-up samples, with the
  first and last post-warm-up RSS and the peak; a flat process has |slope| well under 1;
  and the slope over the last half of the run alone, which tells memory that levels off
  (allocator arenas filling, caches reaching their bounds) from a steady leak;
* the snapshot arrival rate (mean and the slowest 10-second window) against the worker's
  target (1 / SNAPSHOT_INTERVAL), and the training throughput;
* any error the run controller reported (a soak must report none);
* with ``--worker process`` (the app's default), the worker process's RSS too
  (``/proc/PID/statm``), with its own slope after the warm-up: both processes must stay flat.

With ``--tracemalloc`` it also tells a Python-level leak from allocator behaviour. At the end
of the warm-up it collects garbage, starts :mod:`tracemalloc` (``--frames`` deep, default 10:
25 frames slow training several-fold) and takes a first snapshot, counts the live objects the
collector tracks by type, and counts the Qt and pyqtgraph items of every panel (scene items,
items in each plot and view box, QObject children, Shiboken wrappers). Every
``--report-every`` minutes and at the end it prints the top 15 growth entries of
``snapshot.compare_to(first, "lineno")``, the object types that grew most, and the item
counts that changed, with the sizes of the app's bounded stores (the run record's kept
snapshots and the bytes of their views, its history rows and trace points, the curve
points, the outbox); at the end also the top entries grouped by traceback. The traced size
(what Python and NumPy hold) is sampled every second beside the RSS, with its own slopes: a
traced size that is flat while the RSS rises points at the allocator (arenas,
fragmentation), not at a store that grows. Only blocks allocated after the start are
traced, so the traced size first rises while older objects are replaced (turnover), and a
store that refills after decimating shows as growth until its next decimation. Tracing costs
memory of its own (the tracemalloc overhead; each report's snapshot of every trace also
raises the RSS) and slows the app a lot (moons at 10 frames: ~11,000 → ~150 steps/s,
~30 → 0.5 boundary frames/s, about a quarter of the snapshots reach the record), so
compare RSS slopes only between runs alike. The per-minute line (and the CSV's last column)
says how many snapshots with views the run record keeps.

    .venv/bin/python benchmarks/soak_gui.py [--minutes 10] [--warmup 60]
        [--target moons] [--worker process|thread] [--csv rss.csv] [--max-slope 1.0]
        [--tracemalloc [--frames 10] [--report-every 2]]

With ``--max-slope`` the exit status is 1 when the slope is larger (for CI-style use).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import os
import sys
import time
import tracemalloc
from collections import Counter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QGraphicsView

from nnviz.app.outbox import SNAPSHOT_INTERVAL


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of process ``pid`` (this one by default) in MB; NaN once it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_rss_mb(window) -> float:
    """RSS of the window's training process in MB (NaN with a thread worker)."""
    process = getattr(window.runner, "process", None)
    return rss_mb(process.pid) if process is not None and process.alive else float("nan")


def least_squares_slope(xs: list[float], ys: list[float]) -> float:
    """Slope b of y ≈ a + b·x: b = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²."""
    n = len(xs)
    if n < 2:
        return float("nan")
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx if sxx else float("nan")


def traced_mb() -> float:
    """What tracemalloc sees allocated now (Python objects and NumPy buffers), or NaN."""
    if not tracemalloc.is_tracing():
        return float("nan")
    return tracemalloc.get_traced_memory()[0] / 2**20


def type_counts() -> Counter[str]:
    """Live objects the cyclic collector tracks, by type (after a collection)."""
    gc.collect()
    return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())


def item_counts(window) -> dict[str, int]:
    """Qt and pyqtgraph objects per panel: a panel that adds items instead of reusing them
    (``setData``) shows here even when its memory is C++ that tracemalloc cannot see."""
    import pyqtgraph as pg
    from shiboken6 import Shiboken

    counts: dict[str, int] = {}
    for panel in window.panels():
        scenes = {id(v.scene()): v.scene() for v in panel.findChildren(QGraphicsView)
                  if v.scene() is not None}
        items = [item for scene in scenes.values() for item in scene.items()]
        counts[f"{panel.kind}: scene items"] = len(items)
        counts[f"{panel.kind}: PlotItem.items"] = sum(
            len(item.items) for item in items if isinstance(item, pg.PlotItem))
        counts[f"{panel.kind}: ViewBox.addedItems"] = sum(
            len(item.addedItems) for item in items if isinstance(item, pg.ViewBox))
        counts[f"{panel.kind}: QObject children"] = len(panel.findChildren(QObject))
    counts["window: QObject descendants"] = len(window.findChildren(QObject))
    counts["pyqtgraph: ViewBox.AllViews"] = len(pg.ViewBox.AllViews)
    counts["Shiboken: valid wrappers"] = len(Shiboken.getAllValidWrappers())
    return counts | store_counts(window)


def view_bytes(value, seen: set[int]) -> int:
    """Bytes of the NumPy arrays reachable from a snapshot's views (each array once)."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes if value.base is None else view_bytes(value.base, seen)
    if isinstance(value, dict):
        return sum(view_bytes(item, seen) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(view_bytes(item, seen) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(view_bytes(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    return 0


def run_record(window):
    """The record the window keeps of the current run for "Save run" (None when absent)."""
    exports = getattr(window, "exports", None)
    return getattr(getattr(exports, "runs", None), "record", None)


def store_counts(window) -> dict[str, int]:
    """The app's bounded stores: each must stay under its bound however long the run."""
    counts: dict[str, int] = {}
    record = run_record(window)
    if record is not None:
        kept = record.snapshots
        counts["run record: snapshots with views"] = len(kept)
        counts["run record: snapshot stride"] = record._stride
        counts["run record: view KiB held"] = view_bytes([s.views for s in kept], set()) // 1024
        counts["run record: history rows"] = len(record.history.get("step", []))
        counts["run record: trace points"] = sum(len(h) for h in record.trace.values())
    for panel in window.panels():
        curves = getattr(panel, "curves", None)
        if isinstance(curves, dict):
            counts[f"{panel.kind}: curve points"] = sum(len(h) for h in curves.values())
    runner = window.runner
    counts["runner: queued in outbox"] = len(runner.worker.outbox) if runner.worker else 0
    counts["runner: retired workers"] = len(runner._retired)
    return counts


class MemoryProbe:
    """tracemalloc, gc and Qt item counts from the end of the warm-up on (``--tracemalloc``)."""

    TOP = 15

    def __init__(self, window, frames: int) -> None:
        self.window = window
        self.frames = frames
        self.first: tracemalloc.Snapshot | None = None
        self.first_types: Counter[str] = Counter()
        self.first_items: dict[str, int] = {}
        self.started_at = 0.0

    @property
    def started(self) -> bool:
        return self.first is not None

    def start(self, elapsed: float) -> None:
        # items first: listing a panel's children creates Python wrappers that then stay
        self.first_items = item_counts(self.window)
        self.first_types = type_counts()
        tracemalloc.start(self.frames)
        self.first = self._snapshot()
        self.started_at = elapsed
        print(f"  tracemalloc started at {elapsed / 60:.1f} min ({self.frames} frames): "
              f"{traced_mb():.1f} MB traced, {sum(self.first_types.values()):,} gc objects",
              flush=True)

    @staticmethod
    def _snapshot() -> tracemalloc.Snapshot:
        return tracemalloc.take_snapshot().filter_traces((
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
            tracemalloc.Filter(False, "<unknown>"),
        ))

    def report(self, elapsed: float, *, final: bool) -> None:
        assert self.first is not None
        snapshot = self._snapshot()
        current, peak = tracemalloc.get_traced_memory()
        overhead = tracemalloc.get_tracemalloc_memory()
        print(f"--- memory after {(elapsed - self.started_at) / 60:.1f} min of tracing "
              f"({elapsed / 60:.1f} min in) ---")
        print(f"traced now {current / 2**20:.2f} MB, peak {peak / 2**20:.2f} MB; "
              f"tracemalloc overhead {overhead / 2**20:.1f} MB; RSS {rss_mb():.1f} MB")
        print(f"top {self.TOP} growth by line (size diff, count diff, size now):")
        _print_growth(snapshot.compare_to(self.first, "lineno")[: self.TOP], frames=1)
        if final:
            print(f"top {self.TOP} growth by traceback (newest frame first):")
            _print_growth(snapshot.compare_to(self.first, "traceback")[: self.TOP], frames=6)
        del snapshot
        items = item_counts(self.window)
        types = type_counts()
        growth = [(name, count - self.first_types.get(name, 0))
                  for name, count in types.items()]
        growth = sorted((g for g in growth if g[1]), key=lambda g: -abs(g[1]))[: self.TOP]
        print(f"gc objects: {sum(self.first_types.values()):,} at start, "
              f"{sum(types.values()):,} now; largest changes by type:")
        for name, diff in growth:
            print(f"  {diff:+8d}  {types.get(name, 0):8d}  {name}")
        changed = {k: (self.first_items.get(k, 0), v) for k, v in items.items()
                   if v != self.first_items.get(k, 0)}
        print(f"Qt/pyqtgraph items and app stores: {len(items)} counted, "
              f"{len(changed)} changed")
        for name, (before, after) in (changed if not final else
                                      {k: (self.first_items.get(k, 0), v)
                                       for k, v in items.items()}).items():
            print(f"  {name}: {before} -> {after}")
        print("---", flush=True)


def _print_growth(stats: list[tracemalloc.StatisticDiff], frames: int) -> None:
    for stat in stats:
        where = list(stat.traceback)[::-1][:frames]
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks "
              f"{stat.size / 1024:9.1f} KiB" + (f"  {_where(where[0])}" if frames == 1 else ""))
        if frames > 1:
            for frame in where:
                print(f"      {_where(frame)}")


def _where(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for marker in ("site-packages/", "/nnviz/", "/lib/python3"):
        if marker in name:
            name = name[name.index(marker):].removeprefix("site-packages/")
            break
    return f"{name}:{frame.lineno}"


class Soak:
    """Samples the window once a second while it trains."""

    def __init__(self, window) -> None:
        self.window = window
        self.snapshots = 0
        self.errors: list[str] = []
        # t, rss, step, snapshots, boundary frames, traced MB (NaN without --tracemalloc),
        # snapshots with views that the run record keeps, the worker process's RSS (NaN with
        # a thread worker)
        self.samples: list[tuple[float, float, int, int, int, float, int, float]] = []
        self.started = time.perf_counter()
        self.boundary = next((p for p in window.panels() if p.kind == "decision_boundary"),
                             None)
        window.runner.frame.connect(self._frame)
        window.runner.message.connect(self._message)
        self.timer = QTimer()
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.sample)

    def _frame(self, snapshots: list) -> None:
        self.snapshots += len(snapshots)

    def _message(self, level: str, text: str) -> None:
        if level == "error":
            self.errors.append(text)

    def sample(self) -> None:
        latest = self.window.last_snapshot  # the session may live in the worker process
        step = latest.step if latest is not None else 0
        frames = self.boundary.frames if self.boundary is not None else 0
        record = run_record(self.window)
        kept = len(record.snapshots) if record is not None else 0
        self.samples.append((time.perf_counter() - self.started, rss_mb(), step,
                             self.snapshots, frames, traced_mb(), kept,
                             child_rss_mb(self.window)))


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def report(soak: Soak, warmup: float, csv_path: str | None) -> float:
    samples = soak.samples
    if csv_path:
        with open(csv_path, "w", encoding="utf-8") as out:
            out.write("seconds,rss_mb,step,snapshots,boundary_frames,traced_mb,kept_snapshots,"
                      "child_rss_mb\n")
            for row in samples:
                out.write(",".join(f"{v:.3f}" if isinstance(v, float) else str(v)
                                   for v in row) + "\n")
    kept = [s for s in samples if s[0] >= warmup]
    if len(kept) < 10:
        print(f"only {len(kept)} samples after the warm-up; run longer")
        return float("nan")
    minutes = [s[0] / 60 for s in kept]
    rss = [s[1] for s in kept]
    slope = least_squares_slope(minutes, rss)
    span_s = kept[-1][0] - kept[0][0]
    snapshots = kept[-1][3] - kept[0][3]
    steps = kept[-1][2] - kept[0][2]
    frames = kept[-1][4] - kept[0][4]
    window_rates = []  # snapshots per second in each 10-sample window
    for i in range(0, len(kept) - 10, 10):
        a, b = kept[i], kept[i + 10]
        window_rates.append((b[3] - a[3]) / (b[0] - a[0]))
    target = 1 / SNAPSHOT_INTERVAL
    print(f"samples: {len(samples)} (1/s), {len(kept)} after a {warmup:g} s warm-up "
          f"spanning {span_s / 60:.1f} min")
    print(f"RSS: {samples[0][1]:.1f} MB at start, {kept[0][1]:.1f} MB after warm-up, "
          f"{kept[-1][1]:.1f} MB at the end, peak {max(s[1] for s in samples):.1f} MB")
    print(f"RSS slope after warm-up: {slope:+.3f} MB/min (least squares)")
    half = [s for s in kept if s[0] >= (kept[0][0] + kept[-1][0]) / 2]
    tail = least_squares_slope([s[0] / 60 for s in half], [s[1] for s in half])
    print(f"RSS slope over the last {(half[-1][0] - half[0][0]) / 60:.1f} min: "
          f"{tail:+.3f} MB/min")
    report_child(kept)
    print(f"snapshots reaching the window: {snapshots / span_s:.1f}/s mean, slowest 10 s "
          f"window {min(window_rates, default=float('nan')):.1f}/s "
          f"(worker target {target:.0f}/s)")
    print(f"training: {steps / span_s:,.0f} steps/s; boundary frames drawn "
          f"{frames / span_s:.1f}/s")
    traced = [s for s in kept if not math.isnan(s[5])]
    if len(traced) >= 10:
        traced_half = [s for s in traced if s[0] >= (traced[0][0] + traced[-1][0]) / 2]
        whole = least_squares_slope([s[0] / 60 for s in traced], [s[5] for s in traced])
        late = least_squares_slope([s[0] / 60 for s in traced_half],
                                   [s[5] for s in traced_half])
        print(f"traced (tracemalloc): {traced[0][5]:.2f} MB when started, "
              f"{traced[-1][5]:.2f} MB at the end, peak {max(s[5] for s in traced):.2f} MB; "
              f"slope {whole:+.3f} MB/min, over the last "
              f"{(traced_half[-1][0] - traced_half[0][0]) / 60:.1f} min {late:+.3f} MB/min")
    if any(s[6] for s in kept):
        print(f"run record (Save run) kept {kept[0][6]} snapshots with views after the "
              f"warm-up, {kept[-1][6]} at the end, {min(s[6] for s in kept)}.."
              f"{max(s[6] for s in kept)} in between (it halves them when full; the views it "
              "holds rise and fall with that count)")
    print(f"errors reported: {len(soak.errors)}" +
          (f" (first: {soak.errors[0]})" if soak.errors else ""))
    return slope


def report_child(kept: list[tuple]) -> None:
    """The worker process's RSS and its slopes, as the window's above (process mode only)."""
    child = [s for s in kept if not math.isnan(s[7])]
    if len(child) < 10:
        return
    slope = least_squares_slope([s[0] / 60 for s in child], [s[7] for s in child])
    half = [s for s in child if s[0] >= (child[0][0] + child[-1][0]) / 2]
    tail = least_squares_slope([s[0] / 60 for s in half], [s[7] for s in half])
    print(f"worker process RSS: {child[0][7]:.1f} MB after warm-up, {child[-1][7]:.1f} MB at "
          f"the end, peak {max(s[7] for s in child):.1f} MB; slope {slope:+.3f} MB/min, "
          f"over the last {(half[-1][0] - half[0][0]) / 60:.1f} min {tail:+.3f} MB/min")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0,
                        help="seconds left out of the slope (default 60)")
    parser.add_argument("--target", default="moons", help="scenario or preset to train")
    parser.add_argument("--csv", help="write the 1-second samples to this CSV file")
    parser.add_argument("--worker", choices=("process",), default="process",
                        help="where the run trains (the worker process, as the app): its "
                             "RSS is sampled and fitted too")
    parser.add_argument("--max-slope", type=float, default=None,
                        help="exit 1 when the RSS slope exceeds this many MB/min")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace Python allocations, gc objects and Qt items from the end "
                             "of the warm-up (see the module docstring)")
    parser.add_argument("--frames", type=int, default=10,
                        help="traceback depth for --tracemalloc (default 10)")
    parser.add_argument("--report-every", type=float, default=0.0,
                        help="with --tracemalloc, also report every this many minutes")
    args = parser.parse_args()

    from nnviz.app.main import configure_interpreter
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    configure_interpreter()
    app = QApplication.instance() or QApplication([])
    window = MainWindow(args.target, settings=scratch_settings("nnviz-soak-"))
    window.resize(1440, 900)
    window.show()
    soak = Soak(window)
    probe = MemoryProbe(window, args.frames) if args.tracemalloc else None
    print(f"soak: {args.target}, {args.worker} worker, {args.minutes:g} min, load average "
          f"{os.getloadavg()[0]:.2f}, Python {sys.version.split()[0]}")
    window.runner.run()
    soak.timer.start()
    deadline = time.perf_counter() + args.minutes * 60
    next_note = time.perf_counter() + 60
    next_report = math.inf
    while time.perf_counter() < deadline:
        spin(min(1.0, deadline - time.perf_counter()))
        now = time.perf_counter()
        if probe is not None and not probe.started and now - soak.started >= args.warmup:
            probe.start(now - soak.started)
            if args.report_every > 0:
                next_report = now + args.report_every * 60
        if now >= next_note and soak.samples:
            t, rss, step, snaps, _, traced, _, child = soak.samples[-1]
            record = run_record(window)
            print(f"  {t / 60:5.1f} min  RSS {rss:7.1f} MB  step {step:>10,}  "
                  f"snapshots {snaps:>7,}" +
                  ("" if math.isnan(child) else f"  worker RSS {child:7.1f} MB") +
                  ("" if math.isnan(traced) else f"  traced {traced:7.2f} MB") +
                  ("" if record is None else f"  run record keeps {len(record.snapshots)} "
                                             f"(stride {record._stride})"), flush=True)
            next_note += 60
        if probe is not None and now >= next_report and now < deadline - 30:
            probe.report(now - soak.started, final=False)
            next_report += args.report_every * 60
    soak.timer.stop()
    if probe is not None and probe.started:
        probe.report(time.perf_counter() - soak.started, final=True)
    alive = window.runner.worker is not None and window.runner.worker.alive
    print(f"worker still training at the end: {alive}; state {window.runner.state}; "
          f"load average {os.getloadavg()[0]:.2f}")
    window.close()
    app.processEvents()
    slope = report(soak, args.warmup, args.csv)
    if args.max_slope is not None and not slope <= args.max_slope:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
