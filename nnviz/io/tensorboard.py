"""Read TensorBoard event files (scalars and histograms) with TensorBoard's own reader.

``nnviz app LOGDIR``, "Open run…" and ``nnviz show LOGDIR`` show a past run that was logged
for TensorBoard (``torch.utils.tensorboard.SummaryWriter``, ``tf.summary``, Keras' callback).
The event files are protobuf records; they are read by TensorBoard's
``plugin_event_accumulator.EventAccumulator``, the reader TensorBoard's own server uses, not
by a parser of our own: it migrates old-style summaries (``simple_value`` scalars, ``histo``
protos, as PyTorch writes them) to the tensor summaries TF2 writes, so one path reads both,
and it drops records that a crashed writer left half written.

TensorBoard is an optional extra (``pip install 'nnviz[tensorboard]'``); without it the
reader raises :class:`~nnviz.io.runs.RunFileError` with the one line that says how to install
it. A log directory is read the way TensorBoard reads one: every folder under it that holds
event files is a run (``logs/train``, ``logs/val``); with more than one, each tag is named
``RUN/TAG`` so the runs stay apart. Other summaries (images, text, graphs) are skipped.
This module gives plain NumPy (:class:`TensorBoardLogs`);
:mod:`nnviz.io.tensorboard_run` turns it into the record the panels draw.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.io.runs import RunFileError

TENSORBOARD_HINT = "pip install 'nnviz[tensorboard]'"
#: the most values kept of one scalar tag (TensorBoard's reservoir keeps an even sample of
#: longer series, and always the newest value); the run's curve store thins further
MAX_SCALARS_PER_TAG = 200_000
#: the most histograms kept of one tag (at most 60 snapshots are kept of a run anyway; the
#: distribution bands are drawn from all of these)
MAX_HISTOGRAMS_PER_TAG = 500


@dataclass
class TagSeries:
    """One tag's values in step order: ``values[i]`` (a float, or a TensorBoard histogram as
    an array of ``[left edge, right edge, count]`` rows) logged at ``steps[i]``, wall clock
    ``wall_times[i]``."""

    steps: np.ndarray
    wall_times: np.ndarray
    values: list[Any]


@dataclass
class TensorBoardLogs:
    """What a log directory holds, by tag (``RUN/TAG`` when it holds several runs)."""

    source: Path
    runs: tuple[str, ...]
    scalars: dict[str, TagSeries] = field(default_factory=dict)
    histograms: dict[str, TagSeries] = field(default_factory=dict)
    #: tags of summaries nnviz does not draw (images, text …), by plugin name
    skipped: dict[str, int] = field(default_factory=dict)


def is_event_file(path: Path) -> bool:
    """Whether ``path`` is named like a TensorBoard event file (``events.out.tfevents.*``)."""
    return "tfevents" in path.name


def tensorboard_missing() -> bool:
    """Whether the optional reader is not installed."""
    return importlib.util.find_spec("tensorboard") is None


def read_logs(path: str | Path) -> TensorBoardLogs:
    """Every scalar and histogram under ``path`` (a log directory, or one event file).

    A folder without event files, files that hold no scalars or histograms, or a missing
    reader raise :class:`RunFileError` with one line naming ``path``.
    """
    path = Path(path)
    if not path.exists():
        raise RunFileError(f"{path}: no such file or folder")
    if tensorboard_missing():
        raise RunFileError(f"{path}: reading TensorBoard logs needs the tensorboard package: "
                           f"{TENSORBOARD_HINT}")
    runs = _runs_in(path)
    if not runs:
        raise RunFileError(f"{path}: no TensorBoard event files (events.out.tfevents.*) here")
    logs = TensorBoardLogs(path, tuple(runs))
    for name, location in runs.items():
        prefix = f"{name}/" if len(runs) > 1 else ""
        _read_run(location, prefix, logs)
    if not logs.scalars and not logs.histograms:
        found = ", ".join(f"{count} {plugin}" for plugin, count in logs.skipped.items())
        raise RunFileError(f"{path}: no TensorBoard scalars or histograms here"
                           + (f" (only {found} summaries)" if found else ""))
    return logs


def _runs_in(path: Path) -> dict[str, str]:
    """The runs under ``path`` as TensorBoard finds them: name (the folder relative to
    ``path``, ``.`` for ``path`` itself) → folder, or the event file itself."""
    if path.is_file():
        return {path.name: str(path)} if is_event_file(path) else {}
    from tensorboard.backend.event_processing import io_wrapper

    folders = sorted(io_wrapper.GetLogdirSubdirectories(str(path)))
    return {Path(os.path.relpath(folder, path)).as_posix(): folder for folder in folders}


def _read_run(location: str, prefix: str, logs: TensorBoardLogs) -> None:
    """Add one run's scalars and histograms to ``logs``, each tag named ``prefix + tag``."""
    from tensorboard.backend.event_processing import plugin_event_accumulator as reader

    accumulator = reader.EventAccumulator(
        location, size_guidance={reader.TENSORS: 1},
        tensor_size_guidance={"scalars": MAX_SCALARS_PER_TAG,
                              "histograms": MAX_HISTOGRAMS_PER_TAG})
    try:
        accumulator.Reload()
    except Exception as error:  # the reader's own errors: any of them means "cannot read"
        raise RunFileError(f"{logs.source}: cannot read its TensorBoard events "
                           f"({type(error).__name__}: {error})"[:300]) from None
    for tag in accumulator.Tags().get(reader.TENSORS, ()):
        plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        if plugin == "scalars":
            logs.scalars[prefix + tag] = _series(accumulator.Tensors(tag), _scalar)
        elif plugin == "histograms":
            logs.histograms[prefix + tag] = _series(accumulator.Tensors(tag), _buckets)
        else:
            logs.skipped[plugin or "unnamed"] = logs.skipped.get(plugin or "unnamed", 0) + 1


def _series(events: list[Any], convert: Any) -> TagSeries:
    """A tag's events in step order (a step logged twice keeps its later value)."""
    by_step = {int(event.step): event for event in events}
    ordered = [by_step[step] for step in sorted(by_step)]
    return TagSeries(np.array([e.step for e in ordered], dtype=np.int64),
                     np.array([e.wall_time for e in ordered], dtype=np.float64),
                     [convert(e.tensor_proto) for e in ordered])


def _scalar(proto: Any) -> float:
    from tensorboard.util import tensor_util

    return float(np.asarray(tensor_util.make_ndarray(proto), dtype=np.float64).reshape(-1)[0])


def _buckets(proto: Any) -> np.ndarray:
    """A histogram as rows of ``[left edge, right edge, count]`` (empty when malformed)."""
    from tensorboard.util import tensor_util

    array = np.asarray(tensor_util.make_ndarray(proto), dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 3:
        return np.zeros((0, 3))
    return array
