"""``nnviz export``: train a scenario headless, then write every panel of it as figures.

Everything a person can get wrong (format, size, folder, scenario, values) is checked before
training starts, and reported as one line with exit status 2. Training runs without Qt; only
then are the scenario's panels built offscreen (``QT_QPA_PLATFORM=offscreen`` when there is no
display), fed the run's snapshots so curves have their history, given the final snapshot with
its views (and views along the run where they keep a history: :func:`train_for_export`), and
exported with their sidecars into the folder. A write that fails there (a full
disk, a folder made read-only meanwhile) removes what this export wrote and ends with one line
and exit status 4: the folder holds the whole set or nothing new.

``--data`` writes the run's data set instead, without training: the full training and test
sets as one CSV (:mod:`nnviz.io.dataset_csv`) that ``dataset=file`` reads back to the same
points and the same split.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TextIO

#: snapshots fed to the panels over a run, so curves have a history to draw
CURVE_POINTS = 200
#: snapshots with views over a run whose views keep a history (the histograms' distributions
#: over steps, the gradient norm per layer). The app computes views with every snapshot; an
#: export computes them this often, evenly over the run, so those plots have a history too
VIEW_POINTS = 32
FORMATS = ("png", "svg", "csv")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    from nnviz.cli import number, path_text

    parser.add_argument("--out", required=True, metavar="DIR", type=path_text,
                        help="folder to write into (created if missing)")
    parser.add_argument("--format", default=",".join(FORMATS), metavar="png,svg,csv",
                        help="comma-separated formats (default: all)")
    parser.add_argument("--size", metavar="WxH",
                        help="output size of every PNG in pixels (default: 800x600 × scale)")
    parser.add_argument("--scale", type=number, default=1.0,
                        help="device-pixel ratio of the rendering, 2 = sharper (default 1)")
    parser.add_argument("--data", action="store_true",
                        help="write the whole data set (train and test, one CSV that "
                             "dataset=file reads back) instead of figures; no training")


def parse_formats(text: str) -> tuple[str, ...]:
    from nnviz.cli import UsageError

    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError(f"--format {text!r}: unknown format {', '.join(bad) or '(none)'}; "
                         f"accepted: {', '.join(FORMATS)} (comma-separated)")
    return formats


def write_failure(folder: os.PathLike, error: OSError) -> str:
    """One line for a write that failed: what, where and why, without Python's ``[Errno 28]``."""
    from nnviz.io.files import ExportError

    if isinstance(error, ExportError):
        why = str(error)
    else:
        where = f"{error.filename}: " if error.filename else ""
        why = f"{where}{error.strerror or error}"
    return f"--out {folder}: the figures could not be written ({why}); nothing of this " \
           f"export was kept"


def _needs_offscreen() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def command_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from nnviz.cli import UsageError
    from nnviz.io.files import ExportError, check_writable_folder, parse_size

    formats = parse_formats(args.format)
    try:
        size = parse_size(args.size) if args.size else None
    except ValueError as error:
        raise UsageError(f"--size: {error}") from None
    if not 0.25 <= args.scale <= 8:
        raise UsageError(f"--scale {args.scale:g}: accepted from 0.25 to 8")
    created = _missing_folders(Path(args.out))
    try:
        folder = check_writable_folder(args.out)
    except ExportError as error:
        raise UsageError(f"--out: {error}") from None
    code = 1
    try:
        if getattr(args, "data", False):
            code = _export_data_set(args, folder, out, err)
        else:
            code = _train_and_export(args, folder, formats, size, out, err)
    finally:
        if code != 0:  # an export that wrote nothing leaves no empty folder behind either
            for path in created:
                with contextlib.suppress(OSError):
                    path.rmdir()
    return code


def train_for_export(session: Any, steps: int, kinds: Collection[str] | None = None
                     ) -> list[Any]:
    """Train ``steps`` steps and return the snapshots the panels are fed, ending at the
    final one (or at a diverged one).

    Every snapshot carries its trace and metrics (:data:`CURVE_POINTS` of them). Views cost
    more: the final snapshot has them, and so does the first. When the first views keep a
    history of the run (:func:`views_keep_history`), views are computed :data:`VIEW_POINTS`
    times over the run as well, as the app's worker computes them with its snapshots: the
    history is then what a person watching the run would have seen, not one point. Only the
    view ``kinds`` the exported panels draw are computed (None: every kind).
    """
    from nnviz.cli import run_length
    from nnviz.session import train

    length = run_length(steps, session)  # a race ends by itself long before 20,000 steps
    every = max(1, length // CURVE_POINTS)
    view_every = max(every, length // VIEW_POINTS)
    snapshots: list[Any] = []
    history = False
    viewed_at = 0
    for snapshot in train(session, max_steps=steps, every=every, views=False):
        if snapshot.diverged:
            return [*snapshots, snapshot]
        first = not snapshots
        if first or snapshot.final or (history and snapshot.step - viewed_at >= view_every):
            snapshot = dataclasses.replace(snapshot, views=session.views(kinds))
            viewed_at = snapshot.step
            history = history or (first and views_keep_history(snapshot.views))
        snapshots.append(snapshot)
    return snapshots


def exported_view_kinds(scenario: Any) -> set[str] | None:
    """The view kinds the scenario's panels draw, so an export computes no other; None (every
    kind) when the app's libraries are missing, and the export says so after training."""
    try:
        from nnviz.app.panels import panel_classes
    except ImportError:
        return None
    return {kind for panel in panel_classes(scenario.panels).values()
            for kind in (*panel.draws, *panel.may_draw)}


def views_keep_history(views: Mapping[str, Any]) -> bool:
    """Whether a view carries a history of the run that grows each time views are computed
    (``HistogramSet.history``: the distributions over steps and the gradient norms)."""
    return any(getattr(view, "history", None) is not None for view in views.values())


def _missing_folders(folder: Path) -> list[Path]:
    """The folders ``check_writable_folder`` will create for ``folder``, deepest first."""
    return [path for path in (folder, *folder.parents) if not path.exists()]


def _export_data_set(args: argparse.Namespace, folder: Path, out: TextIO, err: TextIO
                     ) -> int:
    """``--data``: the configured data set, as drawn or read and before input scaling, written
    as ``NAME-dataset.csv`` in ``folder``."""
    from nnviz.cli import EXIT_WRITE_FAILED, UsageError, resolve_config
    from nnviz.io.dataset_csv import write_dataset_csv
    from nnviz.scenarios.moons import MoonsConfig, raw_data
    from nnviz.scenarios.params import ParamError

    scenario, config, preset = resolve_config(args.scenario, args.preset, args.assignments)
    if not isinstance(config, MoonsConfig):
        raise UsageError(f"--data: {scenario.name} has no point data set to save; the moons "
                         "scenario and its presets do")
    try:
        data = raw_data(config)
    except (OSError, ValueError, ParamError) as error:
        raise UsageError(f"{scenario.name}: {error}") from None
    path = folder / f"{preset.name if preset else scenario.name}-dataset.csv"
    notes = [f"nnviz export --data: {scenario.name} dataset={config.dataset}, "
             f"{len(data.train_y):,} training and {len(data.test_y):,} test points"]
    try:
        write_dataset_csv(path, data, notes)
    except OSError as error:
        path.unlink(missing_ok=True)
        err.write(f"nnviz: error: {write_failure(folder, error)}\n")
        return EXIT_WRITE_FAILED
    out.write(f"{path}\n")
    return 0


def _train_and_export(args: argparse.Namespace, folder: Path, formats: tuple[str, ...],
                      size: tuple[int, int] | None, out: TextIO, err: TextIO) -> int:
    from nnviz.cli import (
        EXIT_DIVERGED,
        EXIT_WRITE_FAILED,
        UsageError,
        _check_steps,
        default_steps,
        divergence_line,
        resolve_config,
    )
    from nnviz.scenarios.base import MissingDependency

    scenario, config, preset = resolve_config(args.scenario, args.preset, args.assignments)
    steps, _ = _check_steps(args.steps, None, default_steps(scenario, preset))
    try:
        session = scenario.create_session(config)
    except MissingDependency as error:
        raise UsageError(str(error)) from None
    except (OSError, ValueError) as error:
        raise UsageError(f"{scenario.name}: {error}") from None

    if _needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    snapshots = train_for_export(session, steps, exported_view_kinds(scenario))
    if snapshots[-1].diverged:
        err.write(f"{divergence_line(snapshots[-1])}\n")
        return EXIT_DIVERGED

    try:
        from nnviz.app.headless_export import export_scenario_panels
    except ImportError as error:
        err.write(f"nnviz: exporting figures needs the desktop app's libraries: {error}\n")
        return 1
    try:
        written, skipped = export_scenario_panels(
            scenario, snapshots, folder, formats=formats, size=size, scale=args.scale,
            preset=preset.name if preset else None,
        )
    except OSError as error:
        err.write(f"nnviz: error: {write_failure(folder, error)}\n")
        return EXIT_WRITE_FAILED
    for note in skipped:
        err.write(f"nnviz: {note}\n")
    for path in written:
        out.write(f"{path}\n")
    if not written:
        err.write(f"nnviz: {scenario.name} has no panel that could be exported\n")
        return 1
    return 0

