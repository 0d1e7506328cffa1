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
* any error the run controller reported (a soak must report none).

    .venv/bin/python benchmarks/soak_gui.py [--minutes 10] [--warmup 60]
        [--target moons] [--csv rss.csv] [--max-slope 1.0]

With ``--max-slope`` the exit status is 1 when the slope is larger (for CI-style use).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from nnviz.app.worker import SNAPSHOT_INTERVAL


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def least_squares_slope(xs: list[float], ys: list[float]) -> float:
    """Slope b of y ≈ a + b·x: b = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²."""
    n = len(xs)
    if n < 2:
        return float("nan")
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx if sxx else float("nan")


class Soak:
    """Samples the window once a second while it trains."""

    def __init__(self, window) -> None:
        self.window = window
        self.snapshots = 0
        self.errors: list[str] = []
        self.samples: list[tuple[float, float, int, int, int]] = []  # t, rss, step, snaps, frames
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
        session = self.window.runner.session
        step = session.step_count if session is not None else 0
        frames = self.boundary.frames if self.boundary is not None else 0
        self.samples.append((time.perf_counter() - self.started, rss_mb(), step,
                             self.snapshots, frames))


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def report(soak: Soak, warmup: float, csv_path: str | None) -> float:
    samples = soak.samples
    if csv_path:
        with open(csv_path, "w", encoding="utf-8") as out:
            out.write("seconds,rss_mb,step,snapshots,boundary_frames\n")
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
    print(f"snapshots reaching the window: {snapshots / span_s:.1f}/s mean, slowest 10 s "
          f"window {min(window_rates, default=float('nan')):.1f}/s "
          f"(worker target {target:.0f}/s)")
    print(f"training: {steps / span_s:,.0f} steps/s; boundary frames drawn "
          f"{frames / span_s:.1f}/s")
    print(f"errors reported: {len(soak.errors)}" +
          (f" (first: {soak.errors[0]})" if soak.errors else ""))
    return slope


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0,
                        help="seconds left out of the slope (default 60)")
    parser.add_argument("--target", default="moons", help="scenario or preset to train")
    parser.add_argument("--csv", help="write the 1-second samples to this CSV file")
    parser.add_argument("--max-slope", type=float, default=None,
                        help="exit 1 when the RSS slope exceeds this many MB/min")
    args = parser.parse_args()

    from nnviz.app.main import configure_interpreter
    from nnviz.app.window import MainWindow

    configure_interpreter()
    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp(prefix="nnviz-soak-")
    window = MainWindow(args.target, settings=QSettings(os.path.join(folder, "s.ini"),
                                                        QSettings.Format.IniFormat))
    window.resize(1440, 900)
    window.show()
    soak = Soak(window)
    print(f"soak: {args.target}, {args.minutes:g} min, load average "
          f"{os.getloadavg()[0]:.2f}, Python {sys.version.split()[0]}")
    window.runner.run()
    soak.timer.start()
    deadline = time.perf_counter() + args.minutes * 60
    next_note = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        spin(min(1.0, deadline - time.perf_counter()))
        if time.perf_counter() >= next_note and soak.samples:
            t, rss, step, snaps, _ = soak.samples[-1]
            print(f"  {t / 60:5.1f} min  RSS {rss:7.1f} MB  step {step:>10,}  "
                  f"snapshots {snaps:>7,}", flush=True)
            next_note += 60
    soak.timer.stop()
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
