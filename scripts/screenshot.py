"""Open the window on a scenario or preset, train for a while, and save a picture of it.

Run: ``python scripts/screenshot.py moons docs/screenshot.png [--seconds 6] [--size 1400x900]``.
Works offscreen (``QT_QPA_PLATFORM=offscreen``) or on a display; the README's picture is
made with it, and it is the quick way to look at a window after changing a panel.

A target that cannot open (an unknown name, a missing package or file) is an error: exit
status 2, the reason on stderr, and no picture (the window would show its fallback, Moons,
instead of what was asked for).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from nnviz.cli import path_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", help="scenario or preset name")
    parser.add_argument("out", type=path_text, help="PNG file to write")
    parser.add_argument("--seconds", type=float, default=6.0, help="training time first")
    parser.add_argument("--size", default="1400x900", help="window size WxH")
    parser.add_argument("--compare", action="store_true",
                        help="a lesson: after half the time, pin and run its comparison")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from nnviz.app.main import configure_interpreter, dispose
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    configure_interpreter()
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 (kept alive)
    settings = scratch_settings("nnviz-screenshot-")
    window = MainWindow(args.target, settings=settings)
    if window.target is None or window.target.name != args.target:
        print(f"screenshot: {window.banner.text() or f'could not open {args.target!r}'}; "
              f"nothing written", file=sys.stderr)
        dispose(window)
        return 2
    window.resize(width, height)
    window.show()
    window.runner.run()

    def train_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.005)

    if args.compare:
        train_for(args.seconds / 2)
        window.run_comparison()
        train_for(args.seconds / 2)
    else:
        train_for(args.seconds)
    window.runner.pause()
    train_for(0.3)  # the last frames drawn
    ok = window.grab().save(args.out)
    dispose(window)
    print(f"{args.out}: {'written' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
