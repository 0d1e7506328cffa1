"""Time :func:`nnviz.data.table_file.load_table` on a large CSV (default 1,000,000 rows × 10
feature columns and a label), comma-separated, whitespace-separated and with quoted labels.

Run: ``python benchmarks/bench_table_file.py [--rows N] [--repeats N] [--json]``. The files are
written once into a temporary folder; each is loaded ``--repeats`` times and the best time is
printed (the machine may be busy: the load average is printed with it, and numbers from a
busy machine are not comparable).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from nnviz.data.table_file import load_table

FEATURES = 10


def write_tables(folder: Path, rows: int) -> dict[str, Path]:
    """The benchmark's files: the same numbers, delimited three ways."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(rows, FEATURES)).round(6)
    labels = rng.integers(0, 3, rows)
    numbers = [",".join(map(str, row)) for row in values.tolist()]
    header = ",".join(f"f{i}" for i in range(FEATURES))
    comma = [f"{header},label", *(f"{n},{y}" for n, y in zip(numbers, labels, strict=True))]
    spaced = [f"{n.replace(',', '   ')}   {y}" for n, y in zip(numbers, labels, strict=True)]
    quoted = [f'{header},label',
              *(f'{n},"class {y}, quoted"' for n, y in zip(numbers, labels, strict=True))]
    tables = {"comma": comma, "spaces": spaced, "quoted": quoted}
    paths = {}
    for name, lines in tables.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text("\n".join(lines) + "\n")
    return paths


def best_seconds(path: Path, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        table = load_table(path)
        best = min(best, time.perf_counter() - start)
        assert table.n_features == FEATURES
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="comma,spaces,quoted",
                        help="comma-separated subset of the files to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_tables(Path(folder), args.rows)
        results = {}
        for name in args.only.split(","):
            try:
                results[name] = best_seconds(paths[name], args.repeats)
            except ValueError as error:  # a loader that cannot read this kind yet
                results[name] = f"refused: {error}"
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"rows": args.rows, "features": FEATURES, "seconds": results,
                          "load_average": load}))
        return
    print(f"{args.rows:,} rows × {FEATURES} features (load average {load:.2f})")
    for name, seconds in results.items():
        shown = f"{seconds:.2f} s" if isinstance(seconds, float) else seconds[:100]
        print(f"  {name:<7} {shown}")


if __name__ == "__main__":
    main()
