"""CSV of the numbers a panel draws: one table per file, columns of equal length.

A table is ``(column_names, columns)``, the shape of ``Panel.csv_tables()``. Numbers are written
in the shortest form that reads back to the same float (``repr``): a float32 (a column kept as a
float32 array) to the same float32, in half the digits of its float64 widening; non-finite ones
as ``nan``, ``inf``, ``-inf``, and missing cells (``None``) as empty fields. What each column
means goes into the sidecar (:mod:`nnviz.io.columns`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

Table = tuple[Sequence[str], Sequence[Sequence[object]]]


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        if isinstance(value, np.float32):  # numpy prints the shortest float32 round trip
            return str(value)
        return repr(number)
    return value


def check_table(name: str, table: Table) -> tuple[list[str], list[Sequence[object]]]:
    """Columns as lists; raise ValueError naming the table when shapes do not match."""
    names, columns = table
    names = [str(n) for n in names]
    columns = list(columns)
    if len(names) != len(columns):
        raise ValueError(f"table {name!r}: {len(names)} column names for {len(columns)} columns")
    lengths = {len(column) for column in columns}
    if len(lengths) > 1:
        raise ValueError(f"table {name!r}: columns of different lengths {sorted(lengths)}")
    return names, columns


def csv_text(name: str, table: Table) -> str:
    """The table as CSV text with a header row (``\\n`` line ends)."""
    names, columns = check_table(name, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    rows = len(columns[0]) if columns else 0
    for row in range(rows):
        writer.writerow([_cell(column[row]) for column in columns])
    return buffer.getvalue()
