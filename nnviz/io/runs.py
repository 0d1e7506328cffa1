"""A run kept for later: its config, its curves, snapshots to scrub through, its final weights.

:class:`RunRecord` is fed the snapshots of one run (by the GUI or the CLI) and stays bounded:

- ``history``: one row of metrics per snapshot (step, epoch, wall seconds, every metric), at
  most ``history_capacity`` rows: when full, every other row but the newest is dropped, so
  old stretches of a long run get coarser while the first and the latest rows stay;
- ``trace``: the per-step series (e.g. the mini-batch loss of every update), each a
  :class:`~nnviz.core.history.History` of at most ``trace_capacity`` points that keeps the
  minimum and maximum of every bucket when it thins out, so spikes stay visible however long
  the run (its ``stride`` says by how much);
- ``snapshots``: at most ``max_snapshots`` snapshots with their views, evenly spaced in arrival
  order (when full, every other one is dropped and the stride doubles); the latest is always
  kept;
- ``final_state``: the session's checkpoint (weights …) when the owner of the session gives it.

:func:`save_run` writes it to one ``.npz`` file (NumPy arrays plus a JSON header, no pickle),
atomically; :func:`load_run` reads it back.
"""

from __future__ import annotations

import datetime as _dt
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core.history import History
from nnviz.io.codec import CodecError, Encoder, decode
from nnviz.io.files import ExportError, atomic_open
from nnviz.io.sidecar import versions
from nnviz.scenarios.params import Config

FORMAT = "nnviz-run"
FORMAT_VERSION = 1
SUFFIX = ".nnviz-run.npz"
_HEADER_KEY = "__header__"


class RunFileError(ValueError):
    """A file that is not a saved nnviz run, or is damaged."""


def series_arrays(series: History) -> tuple[np.ndarray, np.ndarray]:
    """(steps as integers, values) of a stored per-step series."""
    return series.x.astype(np.int64), series.y.copy()


def _capacity(points: int) -> int:
    return max(8, (points + 3) // 4 * 4)


@dataclass
class RunRecord:
    """Everything about one run that is worth keeping; see the module docstring."""

    scenario: str
    config: Config
    preset: str | None = None
    run_id: int | None = None
    max_snapshots: int = 60
    trace_capacity: int = 100_000
    history_capacity: int = 5_000
    history: dict[str, list[float]] = field(default_factory=dict)
    trace: dict[str, History] = field(default_factory=dict)
    _kept: list[Any] = field(default_factory=list, repr=False)
    _tail: Any = field(default=None, repr=False)
    config_changes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    final_state: Any = None
    latest: Any = None
    label: str = ""
    _stride: int = 1
    _arrivals: int = 0

    @classmethod
    def from_snapshot(cls, snapshot: Any, **options: Any) -> RunRecord:
        return cls(scenario=snapshot.scenario, config=snapshot.config,
                   run_id=snapshot.run_id, **options)

    @property
    def final_config(self) -> Config:
        return self.latest.config if self.latest is not None else self.config

    @property
    def steps(self) -> int:
        return int(self.latest.step) if self.latest is not None else 0

    def add(self, snapshot: Any) -> None:
        """Take one snapshot of this run (snapshots of another run id are refused)."""
        if self.run_id is not None and snapshot.run_id != self.run_id:
            raise ValueError(f"snapshot of run {snapshot.run_id} offered to run {self.run_id}")
        previous = self.latest.config if self.latest is not None else self.config
        if snapshot.config != previous:
            changed = previous.differences(snapshot.config)
            self.config_changes.append(
                (int(snapshot.step), {k: new for k, (_, new) in changed.items()}))
        self._add_history(snapshot)
        trace = dict(snapshot.trace)
        steps = trace.pop("step", None)
        if steps is not None:
            for key, values in trace.items():
                self.trace.setdefault(key, History(_capacity(self.trace_capacity))).extend(steps,
                                                                                      values)
        self.latest = snapshot
        if snapshot.views:
            self._add_snapshot(snapshot)

    def _add_history(self, snapshot: Any) -> None:
        row = {"step": float(snapshot.step), "epoch": float(snapshot.epoch),
               "wall_seconds": float(snapshot.wall_seconds)}
        row.update({k: float(v) for k, v in snapshot.metrics.items()})
        length = len(self.history.get("step", []))
        for key in row:
            if key not in self.history:
                self.history[key] = [float("nan")] * length
        for key, column in self.history.items():
            column.append(row.get(key, float("nan")))
        if length + 1 > max(self.history_capacity, 2):
            for column in self.history.values():
                column[:] = column[:-1:2] + column[-1:]

    def _add_snapshot(self, snapshot: Any) -> None:
        if self._tail is not None and self._tail.step == snapshot.step:
            self._tail = snapshot
            return
        if self._kept and self._tail is None and self._kept[-1].step == snapshot.step:
            self._kept[-1] = snapshot
            return
        if self._arrivals % self._stride == 0:
            self._kept.append(snapshot)
            self._tail = None
            if len(self._kept) > self.max_snapshots:
                self._kept = self._kept[::2]
                self._stride *= 2
        else:
            self._tail = snapshot
        self._arrivals += 1

    @property
    def snapshots(self) -> list[Any]:
        """The kept snapshots in step order, ending with the latest one that had views."""
        return [*self._kept, self._tail] if self._tail is not None else list(self._kept)

    def history_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.history.items()}

    def trace_arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {k: series_arrays(series) for k, series in self.trace.items()}

    def weights(self) -> dict[str, np.ndarray]:
        """The final weights as ``name → array`` (from the checkpoint, else the network view)."""
        source: Any = self.final_state
        if source is None and self.latest is not None:
            source = self.latest.views.get("network")
            if source is None:
                for snapshot in reversed(self.snapshots):
                    if "network" in snapshot.views:
                        source = snapshot.views["network"]
                        break
        found: dict[str, np.ndarray] = {}
        _collect_arrays(source, "", found)
        return found


def _collect_arrays(value: Any, prefix: str, found: dict[str, np.ndarray]) -> None:
    if isinstance(value, np.ndarray):
        found[prefix or "value"] = value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _collect_arrays(item, f"{prefix}/{key}" if prefix else str(key), found)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _collect_arrays(item, f"{prefix}/{index}" if prefix else str(index), found)
    elif hasattr(value, "__dataclass_fields__"):
        for name in ("weights", "biases"):
            if hasattr(value, name):
                _collect_arrays(getattr(value, name), f"{prefix}/{name}" if prefix else name,
                                found)


def save_run(path: str | Path, record: RunRecord) -> Path:
    """Write ``record`` to ``path`` (one ``.npz``) atomically; return the path."""
    path = Path(path)
    encoder = Encoder()
    trace = {key: {"steps": steps, "values": values,
                   "decimation": record.trace[key].stride}
             for key, (steps, values) in record.trace_arrays().items()}
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario": record.scenario,
        "preset": record.preset,
        "label": record.label,
        "run_id": record.run_id,
        "config": record.config,
        "final_config": record.final_config,
        "config_changes": [[step, values] for step, values in record.config_changes],
        "history": record.history_arrays(),
        "trace": trace,
        "snapshots": record.snapshots,
        "latest": record.latest,
        "final_state": record.final_state,
        "versions": versions(),
        "saved": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        header = encoder.encode(payload)
    except CodecError as error:
        raise ExportError(f"{path}: cannot save this run ({error})") from None
    text = json.dumps(header, allow_nan=False)
    arrays = dict(encoder.arrays)
    arrays[_HEADER_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    with atomic_open(path, "wb") as stream:
        np.savez_compressed(stream, **arrays)
    return path


def load_run(path: str | Path) -> RunRecord:
    """Read a file written by :func:`save_run`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _HEADER_KEY not in archive.files:
                raise RunFileError(f"{path}: not a saved nnviz run (no header)")
            header = json.loads(archive[_HEADER_KEY].tobytes().decode("utf-8"))
            arrays = {key: archive[key] for key in archive.files if key != _HEADER_KEY}
    except RunFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as error:
        raise RunFileError(f"{path}: cannot read this run file ({error})") from None
    try:
        payload = decode(header, arrays)
    except CodecError as error:
        raise RunFileError(f"{path}: {error}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise RunFileError(f"{path}: not a saved nnviz run")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise RunFileError(f"{path}: saved by a newer nnviz (format "
                           f"{payload['format_version']}); please upgrade")
    record = RunRecord(scenario=payload["scenario"], config=payload["config"],
                       preset=payload.get("preset"), run_id=payload.get("run_id"),
                       label=payload.get("label") or path.name.removesuffix(SUFFIX))
    record.history = {k: [float(x) for x in v] for k, v in payload["history"].items()}
    for key, stored in payload["trace"].items():
        series = History(_capacity(max(record.trace_capacity, len(stored["steps"]))))
        series.extend(stored["steps"], stored["values"])
        series.stride = int(stored["decimation"])
        record.trace[key] = series
    record._kept = list(payload["snapshots"])
    record.latest = payload.get("latest")
    record.config_changes = [(int(step), dict(values))
                             for step, values in payload.get("config_changes", [])]
    record.final_state = payload.get("final_state")
    return record



def config_at(record: RunRecord, step: int) -> Config:
    """The config in force at ``step``: the start config with the live changes made by then."""
    config = record.config
    for changed_at, values in record.config_changes:
        if changed_at <= step:
            config = config.with_values(values)
    return config


def replay(record: RunRecord, index: int, *, max_rows: int = 300, run_id: int = 0) -> list[Any]:
    """Snapshots that bring fresh panels to timeline position ``index``.

    Panels build their curves from a run's snapshots, so scrubbing cannot hand them one saved
    snapshot: this returns up to ``max_rows`` light snapshots (metrics and the per-step trace
    between them, no views) evenly spread over the history up to that step, then the saved
    snapshot itself with its views and the trace since the last of those.
    """
    from nnviz.session import Snapshot

    target = record.snapshots[index]
    history = record.history_arrays()
    steps = history.get("step", np.zeros(0))
    rows = np.flatnonzero(steps < target.step)
    if len(rows) > max_rows:
        rows = rows[np.linspace(0, len(rows) - 1, max_rows).round().astype(int)]
    traces = record.trace_arrays()
    reference = next(iter(traces.values()), (np.zeros(0, np.int64), np.zeros(0)))[0]
    shared = {k: v for k, (s, v) in traces.items() if np.array_equal(s, reference)}
    metric_names = [k for k in history if k not in ("step", "epoch", "wall_seconds")]

    def trace_between(low: float, high: float) -> dict[str, np.ndarray]:
        chosen = (reference > low) & (reference <= high)
        if not chosen.any():
            return {}
        return {"step": reference[chosen], **{k: v[chosen] for k, v in shared.items()}}

    frames: list[Any] = []
    previous = -np.inf
    for row in rows:
        step = int(steps[row])
        frames.append(Snapshot(
            run_id=run_id, scenario=record.scenario, step=step,
            epoch=float(history["epoch"][row]), wall_seconds=float(history["wall_seconds"][row]),
            metrics={k: float(history[k][row]) for k in metric_names},
            config=config_at(record, step), trace=trace_between(previous, step)))
        previous = step
    frames.append(Snapshot(
        run_id=run_id, scenario=record.scenario, step=target.step, epoch=target.epoch,
        wall_seconds=target.wall_seconds, metrics=dict(target.metrics), config=target.config,
        trace=trace_between(previous, target.step), views=target.views,
        message=target.message, diverged=target.diverged, final=target.final))
    return frames
