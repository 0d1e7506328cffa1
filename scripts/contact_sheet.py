"""Every scenario and preset in the window, after the same steps, on one labelled sheet.

Run: ``python scripts/contact_sheet.py OUT.png [--size 1440x900] [--steps 300] [--only NAME …]``.

Each target opens in a real main window (offscreen unless a display is set), takes a fixed
number of training steps through the app's own worker (``Step`` N times over, the same code
path as the toolbar), and is saved as ``OUT-pictures/<target>.png`` with one PNG per panel
beside it (``<target>--<panel>.png``). The sheet puts every window side by side with its name,
the step it reached and the problems :mod:`nnviz.app.panel_checks` found in its panels (scale
factors on axes, clipped text, legends over data, silent empty plots).

Training is deterministic (fixed seeds, fixed step counts), so two sheets of the same commit
differ only where a clock is drawn (the race's wall-time axis) or where a slow target hit
``--timeout``: its label then says where it stopped. Look at the sheet after every visual change,
at 1024x700, 1440x900 and 2560x1440. A target that needs a package or file this machine lacks
is listed as unavailable with the reason. Exit status: 1 if a target could not be opened (or,
with ``--strict``, if any problem was found), else 0.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEFAULT_STEPS = 300
THUMB_WIDTH = 560
LABEL_LINES = 3


@dataclass
class Shot:
    """One target's window picture and what was found wrong in it."""

    name: str
    picture: Path | None
    step: int = 0
    note: str = ""
    problems: list[str] = field(default_factory=list)
    #: a missing optional package or file (a preset's own): drawn as such, not a failure
    unavailable: bool = False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="contact sheet PNG to write")
    parser.add_argument("--size", default="1440x900", help="window size WxH (default 1440x900)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"training steps per target, at most its default length "
                             f"(default {DEFAULT_STEPS})")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds one target may train before it is drawn as it is")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these targets only")
    parser.add_argument("--columns", type=int, default=4, help="windows per row on the sheet")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any panel has a problem")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    out = Path(args.out)
    pictures = out.with_name(f"{out.stem}-pictures")
    pictures.mkdir(parents=True, exist_ok=True)

    from PySide6.QtWidgets import QApplication

    from nnviz.app.main import configure_interpreter

    configure_interpreter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    names = args.only or all_targets()
    shots = []
    for name in names:
        shot = photograph(name, pictures, (width, height), args.steps, args.timeout)
        shots.append(shot)
        status = shot.note or f"step {shot.step}"
        print(f"{name}: {status}; {len(shot.problems)} problem(s)", flush=True)
        for problem in shot.problems:
            print(f"    {problem}", flush=True)
    write_sheet(shots, out, args.columns, (width, height))
    app.processEvents()
    print(f"{out}: {len(shots)} targets")
    failed = [shot.name for shot in shots if shot.picture is None and not shot.unavailable]
    if failed:
        print(f"could not open: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 1 if args.strict and any(shot.problems for shot in shots) else 0


def all_targets() -> list[str]:
    """Scenarios in registry order, then presets in ``nnviz list`` order."""
    from nnviz.scenarios.presets import all_presets
    from nnviz.scenarios.registry import all_scenarios

    return list(all_scenarios()) + list(all_presets())


def photograph(name: str, folder: Path, size: tuple[int, int], steps: int,
               timeout: float) -> Shot:

    from nnviz.app.export import panel_name
    from nnviz.app.main import dispose
    from nnviz.app.panel_checks import problems
    from nnviz.app.settings import scratch_settings
    from nnviz.app.window import MainWindow

    reason = unavailable_reason(name)
    if reason:
        return Shot(name, None, note=f"unavailable here: {reason}", unavailable=True)
    settings = scratch_settings("nnviz-sheet-")
    window = MainWindow(name, settings=settings)
    try:
        opened = window.target is not None and window.target.name == name
        if not opened or window.current_scenario is None:  # the window fell back to another
            return Shot(name, None, note="could not open")
        window.resize(*size)
        window.show()
        reached, note = train(window, min(steps, planned_length(window)), timeout)
        picture = folder / f"{name}.png"
        window.grab().save(str(picture))
        found = []
        for panel in window.panels():
            if panel.isVisible():
                panel.grab().save(str(folder / f"{name}--{panel_name(panel)}.png"))
                found += problems(panel)
        return Shot(name, picture, reached, note, found)
    finally:
        window.runner.shutdown(timeout=2.0)
        dispose(window)


def planned_length(window) -> int:
    """Where the window's run ends by itself: a preset's own length (the window pauses there,
    ``runner.hold_at``), else the scenario's default number of steps."""
    return window.runner.hold_at or window.current_scenario.default_steps


def unavailable_reason(name: str) -> str:
    """What a target misses here (a package, a weights file), or "" (also for an unknown
    name: the window then says it cannot open it, and the sheet counts that as a failure)."""
    from nnviz.app.picker import resolve_target

    try:
        target = resolve_target(name)
    except KeyError:
        return ""
    if target.preset is not None:
        return target.preset.unavailable_reason()
    return target.scenario.unavailable_reason()


def train(window, steps: int, timeout: float) -> tuple[int, str]:
    """Step the window's run ``steps`` times and wait for the last frame; (step, note)."""
    from PySide6.QtCore import QCoreApplication

    from nnviz.app.runner import FINISHED

    window.runner.step(steps)
    deadline = time.monotonic() + timeout
    note = ""
    while True:
        QCoreApplication.processEvents()
        latest = window.last_snapshot
        step = latest.step if latest is not None else 0
        if step >= steps or window.runner.state == FINISHED:
            break
        if time.monotonic() > deadline:
            window.runner.pause()
            note = f"stopped at step {step} of {steps} after {timeout:g} s"
            break
        time.sleep(0.01)
    # a panel's rate limit (its max_fps, the frame budget) may hold the newest draw back
    settle_until = time.monotonic() + 10.0
    while time.monotonic() < settle_until:
        QCoreApplication.processEvents()
        if not window.panel_area.drawing_behind:
            break
        time.sleep(0.01)
    QCoreApplication.processEvents()
    if window.runner.state == FINISHED and not note:
        note = f"finished at step {step}"
    elif step == window.runner.hold_at and not note:
        note = f"at step {step}, the preset's own length"
    return step, note


def write_sheet(shots: list[Shot], out: Path, columns: int, size: tuple[int, int]) -> None:
    """Thumbnails in a grid, each captioned with its name, step and problem count."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    thumb_w = THUMB_WIDTH
    thumb_h = round(thumb_w * size[1] / size[0])
    label_h = 16 * LABEL_LINES + 8
    rows = max(1, math.ceil(len(shots) / columns))
    sheet = QImage(columns * (thumb_w + 16) + 16, rows * (thumb_h + label_h + 16) + 16,
                   QImage.Format.Format_RGB32)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    font = QFont("DejaVu Sans")
    font.setPixelSize(12)
    painter.setFont(font)
    for index, shot in enumerate(shots):
        x = 16 + (index % columns) * (thumb_w + 16)
        y = 16 + (index // columns) * (thumb_h + label_h + 16)
        box = QRect(x, y + label_h, thumb_w, thumb_h)
        if shot.picture is not None:
            image = QImage(str(shot.picture)).scaled(
                thumb_w, thumb_h, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            painter.drawImage(box.topLeft(), image)
        painter.setPen(QColor(120, 120, 120))
        painter.drawRect(box)
        lines = [f"{shot.name} · {shot.note or f'step {shot.step}'}"]
        if shot.picture is not None:
            lines += shot.problems[:LABEL_LINES - 1] or ["no problems found"]
        if len(shot.problems) > LABEL_LINES - 1:
            lines[-1] = f"{lines[-1][:60]} … and {len(shot.problems) - LABEL_LINES + 2} more"
        for line_no, line in enumerate(lines):
            bad = shot.problems or (shot.picture is None and not shot.unavailable)
            painter.setPen(QColor(190, 30, 30) if bad and (line_no or shot.picture is None)
                           else QColor(20, 20, 20) if line_no == 0 else QColor(40, 120, 40))
            text = painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, thumb_w)
            painter.drawText(x, y + 14 + 16 * line_no, text)
    painter.end()
    if not sheet.save(str(out)):
        raise OSError(f"{out}: could not write the contact sheet")


if __name__ == "__main__":
    raise SystemExit(main())
