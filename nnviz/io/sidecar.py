"""The JSON sidecar written beside every export, so a figure can be made again.

It records the scenario, the preset, every hyperparameter (as values and as ``--set`` lines),
the seed, the step, the metrics at that step and the versions of nnviz, Python, NumPy and
(when installed) torch; beside CSV files, what each file's table holds and what each of its
columns means (``"csv"``: file name → :func:`nnviz.io.columns.describe_table`).
:func:`reproduce_arguments` turns a sidecar back into the command line that retrains the same
run: ``nnviz run SCENARIO --preset P --set K=V … --steps STEP``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import nnviz
from nnviz.io.files import atomic_write
from nnviz.scenarios.params import Config

FORMAT = "nnviz-sidecar"
FORMAT_VERSION = 1


def package_version(name: str, module: str | None = None) -> str | None:
    """The installed version of a distribution, read without importing it; None if absent."""
    loaded = sys.modules.get(module or name)
    version = getattr(loaded, "__version__", None)
    if isinstance(version, str):
        return version
    import importlib.metadata  # here, not on import: ~10 ms that a panel module would pay

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str]:
    """nnviz, Python, NumPy, and torch/PySide6/pyqtgraph where installed (none is imported)."""
    found = {
        "nnviz": nnviz.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    for name, module in (("torch", "torch"), ("PySide6-Essentials", "PySide6"),
                         ("pyqtgraph", "pyqtgraph")):
        version = package_version(name, module)
        if version is not None:
            found[module.lower() if module != "PySide6" else "pyside6"] = version
    return found


def json_value(value: Any) -> Any:
    """Plain JSON for config values and metrics (tuples → lists, NaN → None)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def set_arguments(config: Config) -> list[str]:
    """Every hyperparameter as a ``KEY=VALUE`` line that ``--set`` parses back to the value."""
    params = config.params()
    return [f"{name}={spec.format(getattr(config, name))}" for name, spec in params.items()]


def changed_arguments(scenario: str, config: Config, preset: str | None) -> list[str]:
    """Only the ``KEY=VALUE`` lines that differ from the preset's (or the default) config.

    Falls back to every hyperparameter when the scenario or preset cannot be looked up.
    """
    from nnviz.scenarios.presets import PresetError, find_preset
    from nnviz.scenarios.registry import get_scenario

    try:
        base = find_preset(preset).config() if preset else get_scenario(scenario).default_config()
    except (KeyError, PresetError, ValueError):
        return set_arguments(config)
    if type(base) is not type(config):
        return set_arguments(config)
    changed = base.differences(config)
    return [line for line in set_arguments(config) if line.partition("=")[0] in changed]


def make_sidecar(
    *,
    scenario: str | None,
    config: Config | None,
    step: int | None,
    epoch: float | None = None,
    metrics: Mapping[str, float] | None = None,
    preset: str | None = None,
    panel: str | None = None,
    files: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    csv: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The sidecar record; ``files`` are the names it describes (in the same folder), and
    ``csv`` describes the CSV files among them (file name → table, about, rows, columns).

    Without a config (a panel that has shown nothing yet) only the versions and names are
    recorded, and there is no command to reproduce.
    """
    values = config.as_dict() if config is not None else {}
    record: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario": scenario,
        "preset": preset,
        "panel": panel,
        "step": None if step is None else int(step),
        "epoch": None if epoch is None else round(float(epoch), 6),
        "seed": json_value(values.get("seed")),
        "hyperparameters": {k: json_value(v) for k, v in values.items()},
        "set": set_arguments(config) if config is not None else [],
        "metrics": {k: json_value(v) for k, v in (metrics or {}).items()},
        "files": list(files),
        **({"csv": {name: json_value(entry) for name, entry in csv.items()}} if csv else {}),
        "versions": versions(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": None,
    }
    if scenario is not None and config is not None and step is not None:
        short = {**record, "set": changed_arguments(scenario, config, preset)}
        record["command"] = shlex.join(["nnviz", "run", *reproduce_arguments(short)])
    if extra:
        record.update({k: json_value(v) for k, v in extra.items()})
    return record


def snapshot_sidecar(snapshot: Any, *, preset: str | None = None, panel: str | None = None,
                     files: Sequence[str] = (), extra: Mapping[str, Any] | None = None,
                     csv: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """:func:`make_sidecar` for the state a :class:`~nnviz.session.Snapshot` shows."""
    return make_sidecar(scenario=snapshot.scenario, config=snapshot.config, step=snapshot.step,
                        epoch=snapshot.epoch, metrics=snapshot.metrics, preset=preset,
                        panel=panel, files=files, extra=extra, csv=csv)


def sidecar_text(record: Mapping[str, Any]) -> str:
    return json.dumps(record, indent=2, allow_nan=False) + "\n"


def write_sidecar(path: str | Path, record: Mapping[str, Any]) -> Path:
    """Write the sidecar atomically (an earlier file at ``path`` survives a failure)."""
    return atomic_write(path, sidecar_text(record))


class SidecarError(ValueError):
    """A file that is not an nnviz sidecar, or one missing what reproducing needs."""


def read_sidecar(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SidecarError(f"{path}: not a readable sidecar ({error})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SidecarError(f"{path}: not an nnviz sidecar (no \"format\": \"{FORMAT}\")")
    for key in ("scenario", "step", "set"):
        if record.get(key) is None:
            raise SidecarError(f"{path}: sidecar has no {key!r}; it cannot reproduce a run")
    return record


def reproduce_arguments(record: Mapping[str, Any]) -> list[str]:
    """``SCENARIO [--preset P] --set K=V … --steps STEP``: the run that made this figure."""
    arguments = [str(record["scenario"])]
    if record.get("preset"):
        arguments += ["--preset", str(record["preset"])]
    for assignment in record["set"]:
        arguments += ["--set", str(assignment)]
    arguments += ["--steps", str(int(record["step"]))]
    return arguments
