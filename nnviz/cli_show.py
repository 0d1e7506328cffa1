"""``nnviz show FILE [--json]``: print a recorded run's curves, one record per recorded step.

For scripts and tests as much as for people: with ``--json`` each line is one JSON object with
``step`` and every curve's name (``null`` where that curve has no value at that step, or a
non-finite one); without it, the same records as the table ``nnviz run`` prints. The curves
are the run file's per-step series (the scalars a watched script passed to ``step``, its
learning rates, step times …) and, at their own steps, its metric rows. A file that is not a
saved run, or is damaged, exits 2 with the loader's one line. A TensorBoard log folder
(or one event file) prints its scalars the same way (:mod:`nnviz.io.tensorboard_run`).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from nnviz.cli_table import LINE_WIDTH, header_lines, left_out_text, plan_columns, row_line

EXIT_BAD_INPUT = 2
#: metric-row columns that are not curves
ROW_FIELDS = ("step", "epoch", "wall_seconds")


def add_show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a run file (from nnviz.watch(record=…) or Save run…), "
                        "or a TensorBoard log folder or event file")
    parser.add_argument("--json", action="store_true", help="one JSON object per step")


def run_records(record: Any) -> Iterator[dict[str, Any]]:
    """One ``{"step": …, name: value …}`` per step any curve was recorded at, in step order;
    every record has every name (None where there is no finite value)."""
    by_step: dict[int, dict[str, float]] = {}
    names: dict[str, None] = {}
    for name, (steps, values) in record.trace_arrays().items():
        names[name] = None
        for step, value in zip(steps.tolist(), values.tolist(), strict=True):
            by_step.setdefault(int(step), {})[name] = value
    history = record.history_arrays()
    for name, values in history.items():
        if name in ROW_FIELDS or name in names:
            continue
        names[name] = None
        for step, value in zip(history["step"].tolist(), np.asarray(values).tolist(),
                               strict=True):
            by_step.setdefault(int(step), {})[name] = value
    for step in sorted(by_step):
        found = by_step[step]
        yield {"step": step, **{name: _finite(found.get(name)) for name in names}}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def command_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from nnviz.io.runs import RunFileError, load_run

    try:
        record = load_run(Path(args.file))
    except RunFileError as error:
        err.write(f"nnviz: error: {error}\n")
        return EXIT_BAD_INPUT
    records = run_records(record)
    if args.json:
        for line in records:
            out.write(json.dumps(line) + "\n")
        return 0
    _print_table(records, out, err, record.steps)
    return 0


def _print_table(records: Iterator[dict[str, Any]], out: TextIO, err: TextIO,
                 last_step: int) -> None:
    width = shutil.get_terminal_size((LINE_WIDTH, 24)).columns if out.isatty() else LINE_WIDTH
    layout = None
    for line in records:
        if layout is None:
            layout = plan_columns(list(line), width, len(str(max(last_step, 1))))
            left_out = left_out_text(layout)
            if left_out:
                err.write(f"nnviz: {left_out}\n")
            out.write("\n".join(header_lines(layout)) + "\n")
        out.write(row_line(layout, line) + "\n")
