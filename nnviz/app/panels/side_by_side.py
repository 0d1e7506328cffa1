"""Panels next to each other as one figure: the export of a comparison.

A panel that can compare a pinned run with the current one (the decision boundary) builds one
of these with a fresh panel per run, each drawn and titled like the panel on screen, and the
exporter writes it like any panel (PNG, SVG, CSV and the sidecar). It is never shown in the
window: it exists for the length of one export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QWidget

from nnviz.app.panels.base import CsvTable, Panel
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot


class SideBySide(Panel):
    """``halves`` in a row, each under its name's prefix in the CSV tables.

    ``snapshot`` is the state the figure shows (the current run: its sidecar reproduces that
    run); ``sidecar`` adds what the other halves were made from (a pinned run's settings).
    """

    def __init__(self, halves: Mapping[str, Panel], *, snapshot: Snapshot | None,
                 sidecar: Mapping[str, Any] | None = None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.layout_.addLayout(row)
        self.halves = dict(halves)
        for half in self.halves.values():
            row.addWidget(half, 1)
        self.last_snapshot = snapshot
        self.run_id = snapshot.run_id if snapshot is not None else None
        self._sidecar = dict(sidecar or {})
        palette = self.palette()  # the gaps between plots are paper, not window grey
        palette.setColor(QPalette.ColorRole.Window, QColor("white"))
        self.setPalette(palette)
        self.setAutoFillBackground(True)

    def sidecar_fields(self) -> dict[str, Any]:
        """More sidecar fields: what the halves other than the current run show."""
        return dict(self._sidecar)

    def csv_tables(self) -> dict[str, CsvTable]:
        return {f"{prefix}_{name}": table for prefix, half in self.halves.items()
                for name, table in half.csv_tables().items()}

    def csv_notes(self) -> dict[str, TableNotes]:
        """The halves' notes on their tables, under the same prefixed names."""
        return {f"{prefix}_{name}": note for prefix, half in self.halves.items()
                for name, note in half.csv_notes().items()}

    def titles(self) -> Sequence[str]:
        """Each half's plot title, left to right (what a reader sees above each)."""
        found = []
        for half in self.halves.values():
            plot = getattr(half, "plot", None)
            label = plot.getPlotItem().titleLabel if plot is not None else None
            found.append(label.text if label is not None and label.isVisible() else "")
        return found
