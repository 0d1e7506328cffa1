"""The race's finish line: per racer, the updates, epochs, compute time and wall time it took
to reach the target loss (the two clocks of :mod:`nnviz.scenarios.race`), drawn as a table
inside a plot scene so that it exports as a figure."""

from __future__ import annotations

import html
from typing import ClassVar

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument, QTextOption
from PySide6.QtWidgets import (
    QWidget,
)

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import SIDE_MARGIN, Caption
from nnviz.app.panels.race import race_view_of, racer_colour
from nnviz.core.race_views import RacerView, RaceView, format_seconds
from nnviz.session import Snapshot

TABLE_TEXT = (30, 30, 30)
FINISH_COLUMNS = ("racer", "status", "updates to target", "epochs to target",
                  "compute time to target", "wall time to target", "loss now", "updates")


@register_panel
class RaceFinishPanel(Panel):
    """The finish line: updates, epochs, compute and wall time each racer took to the target."""

    kind: ClassVar[str] = "race_finish"
    draws = view_types(race=RaceView)
    title: ClassVar[str] = "Finish line"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # drawn in a pyqtgraph scene, not a table widget: the figure on screen is the export
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.heading = Caption(self.view.ci, "Finish line", color=TABLE_TEXT, bold=True,
                               size="10pt")  # wraps in a narrow panel
        self.view.addItem(self.heading, row=0, col=0)
        self.table = Caption(self.view.ci)
        option = self.table.item.document().defaultTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)  # a narrow table never splits words
        self.table.item.document().setDefaultTextOption(option)
        self.view.addItem(self.table, row=1, col=0)
        grid = self.view.ci.layout
        grid.setAlignment(self.heading, Qt.AlignLeft | Qt.AlignTop)
        grid.setAlignment(self.table, Qt.AlignLeft | Qt.AlignTop)
        grid.setRowStretchFactor(0, 0)
        grid.setRowStretchFactor(1, 1)
        self.layout_.addWidget(self.view)
        self.rows: list[list[str]] = []
        #: (column, racer) cells printed in bold: the fewest updates, epochs, least time
        self.best: set[tuple[int, str]] = set()
        self._colours: list[tuple[int, int, int]] = []
        #: racers as columns instead of rows: the shape that fits a narrow panel
        self.transposed = False
        self.base_font = QFont(self.table.item.font())
        self.view.ci.geometryChanged.connect(self._fit_table)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = race_view_of(snapshot)
        if view is not None:
            self.draw(view)

    def draw(self, view: RaceView) -> None:
        self.heading.setText(f"Finish line: first training loss ≤ {view.target_loss:g}")
        rows = [finish_row(r) for r in view.racers]
        best = _best_finishers(view)
        if rows == self.rows and best == self.best:
            return
        self.rows, self.best = rows, best
        self._colours = [racer_colour(r.number) for r in view.racers]
        self._fit_table(force=True)

    def _fit_table(self, *, force: bool = False) -> None:
        """A row per racer where that fits the width; else a column per racer (a narrow
        panel), and only if that is still too wide, cells wrapped at spaces."""
        if not self.rows:
            return
        width = self.view.ci.width() - 2 * SIDE_MARGIN
        wide = finish_table_html(self.rows, self._colours, self.best)
        transposed = width > 0 and _ideal_width(wide, self.base_font) > width
        html_text = finish_table_html(self.rows, self._colours, self.best, transposed=transposed)
        font = _font_that_fits(html_text, self.base_font, width) if width > 0 else self.base_font
        if force or transposed != self.transposed or font != self.table.item.font():
            self.transposed = transposed
            self.table.item.setFont(font)
            self.table.item.setHtml(html_text)
            self.table.wrap()
        # still too wide or too tall in the smallest type (five racers in a very narrow
        # panel): the whole table drawn smaller, rather than cut at the panel's edge
        self.table.item.setScale(self._scale_that_fits(width))
        self.table.updateMin()  # the row holds the table as drawn, not at full size

    def _scale_that_fits(self, width: float) -> float:
        """1, or less where the laid-out table is wider than ``width`` or taller than the
        room under the heading."""
        document = self.table.item.document()  # wrapped as far as its words allow
        laid_out = max(document.idealWidth() + 2 * document.documentMargin(),
                       document.size().width() if document.size().width() > width else 0.0)
        room = width - SIDE_MARGIN  # the layout's left margin is taken from the same width
        scale = min(1.0, room / laid_out) if room > 0 and laid_out else 1.0
        room_height = self.view.viewport().height() - self.table.pos().y() - SIDE_MARGIN
        tall = document.size().height()
        if room_height > 0 and tall * scale > room_height:
            scale = room_height / tall
        return scale

    def export_target(self) -> pg.GraphicsScene:
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        if not self.rows:
            return {}
        return {"finish_line": (list(FINISH_COLUMNS),
                                [list(column) for column in zip(*self.rows, strict=True)])}


def finish_row(racer: RacerView) -> list[str]:
    status = racer.status
    if racer.status == "diverged":
        status = f"diverged at {racer.diverged_at}"
    elif racer.finish is not None:
        status = f"{racer.status}, reached"
    finish = racer.finish
    return [
        racer.name,
        status,
        "—" if finish is None else str(finish.updates),
        "—" if finish is None else f"{finish.epoch:.3g}",
        "—" if finish is None else format_seconds(finish.compute_seconds),
        "—" if finish is None else format_seconds(finish.wall_seconds),
        f"{racer.loss:.4g}",
        str(racer.updates),
    ]


def finish_table_html(rows: list[list[str]], colours: list[tuple[int, int, int]],
                      best: set[tuple[int, str]], *, transposed: bool = False) -> str:
    """The finish line as a rich-text table: a shaded header, each racer's name in its
    colour, numbers right-aligned, the best of each column in bold. ``transposed``: a column
    per racer and a row per measure."""
    cells = _finish_cells(rows, colours, best)
    if transposed:
        cells = [list(line) for line in zip(*cells, strict=True)]
    lines = []
    for i, line in enumerate(cells):
        shade = ' style="background-color: #ececec"' if i == 0 else ""
        parts = []
        for j, cell in enumerate(line):
            measure = i if transposed else j  # which of FINISH_COLUMNS the cell shows
            header = j == 0 if transposed else i == 0
            align = "left" if transposed and j == 0 else _align(measure)
            tag = "th" if header else "td"
            parts.append(f'<{tag} align="{align}">{cell}</{tag}>')
        lines.append(f"<tr{shade}>{''.join(parts)}</tr>")
    return (f'<table cellspacing="0" cellpadding="4" style="color: rgb{TABLE_TEXT}">'
            f'{"".join(lines)}</table>')


def _finish_cells(rows: list[list[str]], colours: list[tuple[int, int, int]],
                  best: set[tuple[int, str]]) -> list[list[str]]:
    """HTML of every cell, the column names first, a line per racer."""
    cells = [[html.escape(name) for name in FINISH_COLUMNS]]
    for line, (red, green, blue) in zip(rows, colours, strict=True):
        name = line[0]
        out = [f'<span style="color: rgb({red}, {green}, {blue})">{html.escape(name)}</span>']
        for j, text in enumerate(line[1:], start=1):
            out.append(f"<b>{html.escape(text)}</b>" if (j, name) in best
                       else html.escape(text))
        cells.append(out)
    return cells


def _ideal_width(rich_text: str, font: QFont) -> float:
    """The width ``rich_text`` takes when nothing wraps, document margins included."""
    document = QTextDocument()
    document.setDefaultFont(font)
    document.setHtml(rich_text)
    return document.idealWidth() + 2 * document.documentMargin()


#: the smallest type the finish table shrinks to in a narrow panel (below it, cells wrap)
SMALLEST_TABLE_POINTS = 6.5


def _font_that_fits(rich_text: str, font: QFont, width: float) -> QFont:
    """``font``, or a smaller size of it down to :data:`SMALLEST_TABLE_POINTS`, at which the
    table is no wider than ``width``: a narrow panel shows the whole table in smaller type."""
    size = font.pointSizeF()
    smaller = QFont(font)
    while size > SMALLEST_TABLE_POINTS and _ideal_width(rich_text, smaller) > width:
        size = max(SMALLEST_TABLE_POINTS, size - 0.5)
        smaller.setPointSizeF(size)
    return smaller


def _align(column: int) -> str:
    return "right" if column >= 2 else "left"


def _best_finishers(view: RaceView) -> set[tuple[int, str]]:
    """(column, racer) cells to print in bold: the fewest updates, epochs, least time on
    each clock."""
    reached = [r for r in view.racers if r.finish is not None]
    best: set[tuple[int, str]] = set()
    for column, value in ((2, lambda r: r.finish.updates), (3, lambda r: r.finish.epoch),
                          (4, lambda r: r.finish.compute_seconds),
                          (5, lambda r: r.finish.wall_seconds)):
        if reached:
            winner = min(reached, key=value)
            best.add((column, winner.name))
    return best
