"""The table ``nnviz run`` prints: as many columns as a line holds, per-member values grouped.

A report holds plain metrics (``train_loss``) and per-member ones named ``quantity/member``
(the race's ``loss/adam``, init's ``z_std/xavier``). Columns are chosen in blocks, in the
report's order: a plain metric is a block of one, a quantity is the block of all its members
(a race table with the loss of only some racers would mislead). A block that does not fit in
the line is left out, a later, narrower one may still come in, and the caller names what was
left out (``--json`` prints every value). Grouped columns get a header line of their own: the
quantity over its members::

                 ------------------ loss ------------------
    step  epoch        gd  momentum  nesterov      adam    newton  wall_seconds
       0      0     1.616     1.616     1.616     1.616     1.616     3.399e-05
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: the width a table must fit when the output is not a terminal (a file, a pipe, a log)
LINE_WIDTH = 100
GAP = "  "
#: the narrowest a number's column gets: "-1.23e-05" needs 9, four significant digits 6–9
MIN_CELL = 8
#: columns every table starts with
LEADING = ("step", "epoch")


@dataclass(frozen=True)
class Column:
    """One column: its report key, its header (the member's name when grouped), its group
    (the quantity of a ``quantity/member`` key, "" for a plain metric) and its width."""

    key: str
    label: str
    group: str
    width: int


@dataclass(frozen=True)
class Layout:
    columns: tuple[Column, ...]
    #: what did not fit: plain keys, and ``quantity/*`` for a left-out group
    left_out: tuple[str, ...]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(column.key for column in self.columns)


def plan_columns(keys: Sequence[str], width: int = LINE_WIDTH, step_digits: int = 1) -> Layout:
    """The columns for reports with these keys that fit in ``width`` characters."""
    columns = [Column(key, key, "", _plain_width(key, step_digits))
               for key in LEADING if key in keys]
    used = _line_width(columns)
    left_out = []
    for name, block in _blocks([key for key in keys if key not in LEADING]).items():
        needed = _line_width(block) + (len(GAP) if columns else 0)
        if used + needed <= width:
            columns += block
            used += needed
        else:
            left_out.append(name)
    return Layout(tuple(columns), tuple(left_out))


def _blocks(keys: Sequence[str]) -> dict[str, list[Column]]:
    """Columns by block, in order of first appearance: ``quantity/*`` or a plain key."""
    members: dict[str, list[str]] = {}
    for key in keys:
        quantity, grouped, _ = key.partition("/")
        members.setdefault(f"{quantity}/*" if grouped else key, []).append(key)
    blocks = {}
    for name, block_keys in members.items():
        if not name.endswith("/*"):
            blocks[name] = [Column(name, name, "", _plain_width(name))]
            continue
        group = name[:-2]
        block = [Column(key, key.partition("/")[2], group,
                        max(len(key.partition("/")[2]), MIN_CELL)) for key in block_keys]
        short = len(f" {group} ") - _line_width(block)
        if short > 0:  # the quantity's name is wider than its members: widen the last
            last = block[-1]
            block[-1] = Column(last.key, last.label, group, last.width + short)
        blocks[name] = block
    return blocks


def _plain_width(key: str, step_digits: int = 1) -> int:
    return max(len(key), step_digits if key == "step" else MIN_CELL)


def _line_width(columns: Sequence[Column]) -> int:
    return sum(column.width for column in columns) + len(GAP) * max(len(columns) - 1, 0)


def header_lines(layout: Layout) -> list[str]:
    """One header line, or two when some columns are members of a quantity."""
    labels = GAP.join(f"{column.label:>{column.width}}" for column in layout.columns)
    if not any(column.group for column in layout.columns):
        return [labels]
    spans: list[tuple[str, list[Column]]] = []
    for column in layout.columns:
        if spans and column.group and spans[-1][0] == column.group:
            spans[-1][1].append(column)
        else:
            spans.append((column.group, [column]))
    groups = GAP.join(f" {group} ".center(_line_width(block), "-") if group
                      else " " * _line_width(block) for group, block in spans)
    return [groups.rstrip(), labels]


def row_line(layout: Layout, record: Mapping[str, Any]) -> str:
    return GAP.join(f"{cell_text(record.get(column.key), column.width):>{column.width}}"
                    for column in layout.columns)


def cell_text(value: Any, width: int = MIN_CELL) -> str:
    """A value in at most ``width`` characters where it can be: whole numbers as integers,
    others with the most significant digits (4 at most) that fit."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10 ** (width - 1):
            return str(int(value))
        text = ""
        for digits in (4, 3, 2, 1):
            text = f"{value:.{digits}g}"
            if len(text) <= width:
                break
        return text
    return str(value)


def left_out_text(layout: Layout) -> str:
    """What the table leaves out, in words ("" when nothing)."""
    if not layout.left_out:
        return ""
    names = [name.replace("/*", " (per member)") for name in layout.left_out]
    return f"not shown at this width: {', '.join(names)}; --json prints every value"


def result_lines(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A run's result (the race's finish line) as a titled table: text left-aligned,
    numbers right-aligned, a missing value as "-"."""
    cells = [[("-" if value is None else cell_text(value)) for value in row] for row in rows]
    numeric = [all(isinstance(row[j], (int, float)) or row[j] is None for row in rows)
               for j in range(len(columns))]
    widths = [max([len(name), *(len(row[j]) for row in cells)])
              for j, name in enumerate(columns)]

    def line(texts: Sequence[str]) -> str:
        return GAP.join(f"{text:>{width}}" if right else f"{text:<{width}}"
                        for text, width, right in zip(texts, widths, numeric, strict=True)
                        ).rstrip()

    return [title, line(columns), *(line(row) for row in cells)]
