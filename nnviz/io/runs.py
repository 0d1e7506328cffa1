"""A run kept for later: its config, its curves, snapshots to scrub through, its final weights.

:class:`RunRecord` is fed the snapshots of one run (by the GUI or the CLI) and stays bounded.
Its curves are a :class:`~nnviz.io.run_curves.RunCurves` (``curves``), the one store of a
run's curves: in the window, the loss panel draws from the record's store.

- ``history``: one row of metrics per snapshot (step, epoch, wall seconds, every metric), at
  most ``history_capacity`` rows, in a :class:`~nnviz.core.history.HistoryTable`: thinned
  evenly by the one rule of :mod:`nnviz.core.history` (each bucket keeps the rows of its
  lowest and highest training loss, so loss spikes stay), the latest row always kept;
- ``trace``: the per-step series (e.g. the mini-batch loss of every update), each a
  :class:`~nnviz.core.history.History` of at most ``trace_capacity`` points, thinned by the
  same rule, so spikes stay visible however long the run (its ``stride`` says by how much);
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
import math
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnviz.core.history import History
from nnviz.data.limits import MAX_RUN_FILE_BYTES, check_file
from nnviz.io.codec import CodecError, Encoder, decode
from nnviz.io.files import ExportError, atomic_open
from nnviz.io.run_curves import RunCurves
from nnviz.io.sidecar import versions
from nnviz.scenarios.params import Config, shown_text

FORMAT = "nnviz-run"
FORMAT_VERSION = 1
SUFFIX = ".nnviz-run.npz"
_HEADER_KEY = "__header__"


class RunFileError(ValueError):
    """A file that is not a saved nnviz run, or is damaged."""


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
    #: the run's curves (metric rows and per-step series), sized by the two capacities
    curves: RunCurves = field(init=False, repr=False)
    _kept: list[Any] = field(default_factory=list, repr=False)
    _tail: Any = field(default=None, repr=False)
    config_changes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    final_state: Any = None
    latest: Any = None
    label: str = ""
    _stride: int = 1
    _arrivals: int = 0

    def __post_init__(self) -> None:
        self.curves = RunCurves(self.trace_capacity, self.history_capacity)

    @classmethod
    def from_snapshot(cls, snapshot: Any, **options: Any) -> RunRecord:
        return cls(scenario=snapshot.scenario, config=snapshot.config,
                   run_id=snapshot.run_id, **options)

    @property
    def final_config(self) -> Config:
        return self.latest.config if self.latest is not None else self.config

    @property
    def trace(self) -> dict[str, History]:
        """The per-step series by name (:attr:`RunCurves.trace`)."""
        return self.curves.trace

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
        self.curves.add(snapshot)
        self.latest = snapshot
        if snapshot.views:
            self._add_snapshot(snapshot)

    @property
    def history(self) -> dict[str, list[float]]:
        """The metric rows as columns: step, epoch, wall seconds, then every metric."""
        return {k: v.tolist() for k, v in self.history_arrays().items()}

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
        return self.curves.history_arrays()

    def set_history(self, columns: dict[str, np.ndarray]) -> None:
        """Take metric columns read back from a file, as they are (nothing thinned again)."""
        self.curves.set_history(columns)

    def trace_arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return self.curves.trace_arrays()

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
    from nnviz.io.record_kinds import record_kinds  # every scenario: not at start-up

    encoder = Encoder(record_kinds())
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


#: the most a run file may take on disk or unpack to (header and arrays together); see
#: :mod:`nnviz.data.limits`
MAX_RUN_BYTES = MAX_RUN_FILE_BYTES
#: the most the JSON header may hold
MAX_HEADER_BYTES = 64 << 20


def load_run(path: str | Path) -> RunRecord:
    """Read a file written by :func:`save_run`.

    Whatever the file holds, the result is a record or a :class:`RunFileError` with one line
    naming the file: sizes are checked against :data:`MAX_RUN_BYTES` before anything is
    unpacked, records are rebuilt only from the kinds :mod:`nnviz.io.record_kinds` names
    (their stable names, and the ``module:qualname`` of older files), and the structure is
    checked before a record is built from it.

    A folder or a TensorBoard event file is read as TensorBoard logs
    (:func:`nnviz.io.tensorboard_run.load_tensorboard_run`, the same errors).
    """
    path = Path(path)
    if path.is_dir() or "tfevents" in path.name:
        from nnviz.io.tensorboard_run import load_tensorboard_run

        return load_tensorboard_run(path)
    try:
        try:
            header, arrays = _read_archive(path)
        except (NotImplementedError, RuntimeError) as error:  # zipfile: flags it cannot read
            raise ValueError(error) from None
        from nnviz.io.record_kinds import readable_kinds  # every scenario: not at start-up

        payload = decode(header, arrays, readable_kinds())
        return _record_from(payload, path)
    except RunFileError:
        raise
    except CodecError as error:
        raise RunFileError(f"{path}: cannot read this run file: {error}") from None
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, RecursionError,
            MemoryError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else (
            "too large to unpack" if isinstance(error, MemoryError) else shown_text(error, 160))
        raise RunFileError(f"{path}: cannot read this run file ({reason})") from None


def _read_archive(path: Path) -> tuple[Any, dict[str, np.ndarray]]:
    """The JSON header and the arrays, each checked for size before it is unpacked."""
    if not path.exists():
        raise RunFileError(f"{path}: no such file")
    check_file(path, MAX_RUN_BYTES, "run file", RunFileError)
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: info for info in archive.infolist()}
        if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
               for info in members.values()):
            raise RunFileError(f"{path}: not a saved nnviz run (unknown compression)")
        total = sum(info.file_size for info in members.values())
        if total > MAX_RUN_BYTES:
            raise RunFileError(f"{path}: unpacks to {total / 2**20:.0f} MiB, more than a run "
                               f"file may ({MAX_RUN_BYTES >> 20} MiB)")
        header_name = _HEADER_KEY + ".npy"
        if header_name not in members:
            raise RunFileError(f"{path}: not a saved nnviz run (no header)")
        if members[header_name].file_size > MAX_HEADER_BYTES:
            raise RunFileError(f"{path}: its header is larger than {MAX_HEADER_BYTES >> 20} MiB")
        arrays = {}
        for name, info in members.items():
            with archive.open(info) as stream:
                arrays[name.removesuffix(".npy")] = _read_array(stream, info.file_size)
    header_bytes = arrays.pop(_HEADER_KEY)
    if header_bytes.dtype != np.uint8 or header_bytes.ndim != 1:
        raise RunFileError(f"{path}: not a saved nnviz run (bad header)")
    return json.loads(header_bytes.tobytes().decode("utf-8")), arrays


def _read_array(stream: Any, stored_bytes: int) -> np.ndarray:
    """One ``.npy`` member, refused when its header declares more data than the member holds
    (a few bytes must not make NumPy allocate terabytes)."""
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"unknown array format {version}")
    read_header = getattr(np.lib.format, f"read_array_header_{version[0]}_0",
                          np.lib.format.read_array_header_2_0)
    shape, fortran_order, dtype = read_header(stream)
    if dtype.hasobject:
        raise ValueError("an array of Python objects")
    declared = math.prod(shape) * dtype.itemsize
    if declared > stored_bytes:
        raise ValueError(f"an array declares {declared} bytes but holds at most {stored_bytes}")
    data = stream.read(declared)
    if len(data) != declared:
        raise ValueError("an array is cut short")
    array = np.frombuffer(data, dtype=dtype)
    order = "F" if fortran_order else "C"
    return array.reshape(shape, order=order) if shape else array.reshape(())


def _record_from(payload: Any, path: Path) -> RunRecord:
    """A :class:`RunRecord` from a decoded header, once its structure is what save_run writes."""
    from nnviz.session import Snapshot

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise RunFileError(f"{path}: cannot read this run file ({what})")

    need(isinstance(payload, dict) and payload.get("format") == FORMAT, "not a saved nnviz run")
    version = payload.get("format_version")
    need(isinstance(version, int) and not isinstance(version, bool) and version >= 1,
         "no valid format version")
    if version > FORMAT_VERSION:
        raise RunFileError(f"{path}: saved by a newer nnviz (format {version}); please upgrade")
    need(isinstance(payload.get("scenario"), str), "no scenario name")
    need(isinstance(payload.get("config"), Config), "no config")
    for key in ("preset", "label"):
        need(payload.get(key) is None or isinstance(payload[key], str), f"{key} is not text")
    run_id = payload.get("run_id")
    need(run_id is None or (isinstance(run_id, int) and not isinstance(run_id, bool)),
         "run_id is not a whole number")
    history = payload.get("history", {})
    need(isinstance(history, dict) and all(_is_series(v) for v in history.values()),
         "history is not a set of number columns")
    need(len({np.asarray(v).size for v in history.values()}) <= 1,
         "history columns of different lengths")
    need(not history or "step" in history, "history has no step column")
    trace = payload.get("trace", {})
    need(isinstance(trace, dict), "trace is not a mapping")
    for stored in trace.values():
        need(isinstance(stored, dict) and set(stored) == {"steps", "values", "decimation"}
             and _is_series(stored["steps"]) and _is_series(stored["values"])
             and np.asarray(stored["steps"]).size == np.asarray(stored["values"]).size
             and isinstance(stored["decimation"], int) and stored["decimation"] >= 1,
             "a per-step series is damaged")
    snapshots = payload.get("snapshots", [])
    need(isinstance(snapshots, list) and all(isinstance(s, Snapshot) for s in snapshots),
         "snapshots are not snapshots")
    latest = payload.get("latest")
    need(latest is None or isinstance(latest, Snapshot), "the latest snapshot is damaged")
    changes = payload.get("config_changes", [])
    need(isinstance(changes, list) and all(
        isinstance(c, list) and len(c) == 2 and isinstance(c[0], int) and isinstance(c[1], dict)
        for c in changes), "config changes are damaged")

    record = RunRecord(scenario=payload["scenario"], config=payload["config"],
                       preset=payload.get("preset"), run_id=run_id,
                       label=payload.get("label") or path.name.removesuffix(SUFFIX))
    record.set_history(history)
    for key, stored in trace.items():
        record.curves.set_trace(key, stored["steps"], stored["values"], stored["decimation"])
    record._kept = list(snapshots)
    record.latest = latest
    record.config_changes = [(step, dict(values)) for step, values in changes]
    record.final_state = payload.get("final_state")
    return record


def _is_series(value: Any) -> bool:
    """A 1-D run of real numbers: an array or a list of numbers."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1 and value.dtype.kind in "iuf"
    return isinstance(value, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)


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
