"""The race's finish line: per racer, the updates, epochs, compute time and wall time it took
to reach the target loss (the two clocks of :mod:`nnviz.scenarios.race`), drawn as a table
inside a plot scene so that it exports as a figure.

The table is a figure, so it is always readable: six short columns (the racer, four measures
to the target, the loss now) under a heading and above a key that spells out the short column
names. All three are one rich-text item whose type size is the largest, from
:data:`SMALLEST_TABLE_PIXELS` to :data:`LARGEST_TABLE_PIXELS`, at which the whole fits the
panel: a small panel shows it in small but readable type, a large export fills its page. Where
even the smallest type does not fit, cells wrap at spaces and the panel asks for the height
it needs (the window scrolls) rather than shrinking the type below readable.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import ClassVar

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextDocument
from PySide6.QtWidgets import (
    QWidget,
)

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.legends import SIDE_MARGIN, Caption
from nnviz.app.panels.race import race_view_of, racer_colour
from nnviz.core.race_views import RacerView, RaceView, format_seconds
from nnviz.session import Snapshot

TABLE_TEXT = (30, 30, 30)
KEY_TEXT = (68, 68, 68)
#: every measure of a racer, as the CSV writes them
FINISH_COLUMNS = ("racer", "status", "updates to target", "epochs to target",
                  "compute time to target", "wall time to target", "loss now", "updates")
#: the measures the figure shows (indices into FINISH_COLUMNS) under short names: a narrow
#: panel has room for six short columns, not eight long ones. The key under the table says
#: what each name means; a racer's status is a sentence in the key when it matters.
SHOWN_COLUMNS = ((0, "racer"), (2, "upd."), (3, "ep."), (4, "compute"), (5, "wall"),
                 (6, "loss"))
#: pixels of empty document around the figure's text (the layout keeps its own margin)
DOCUMENT_MARGIN = 1
#: the time units of the figure: both time columns in the unit of their largest time
TIME_UNITS = ((1e-3, "µs", 1e6), (1.0, "ms", 1e3), (float("inf"), "s", 1.0))
#: the smallest type of the table, in pixels: the smallest readable (what
#: :func:`nnviz.app.panel_checks.small_texts` asks of every text), reached by five racers
#: in a 1024×700 window
SMALLEST_TABLE_PIXELS = 9
#: the largest: a big panel or export is filled by the table, up to twice the app's text
LARGEST_TABLE_PIXELS = 24


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
        #: heading, table and key in one item, sized together (see the module's docstring)
        self.table = Caption(self.view.ci, color=TABLE_TEXT)
        self.table.item.setDefaultTextColor(QColor(*TABLE_TEXT))
        # the layout keeps SIDE_MARGIN free around it already: 4 more pixels a side of
        # empty document margin are a column's width in a narrow panel
        self.table.item.document().setDocumentMargin(DOCUMENT_MARGIN)
        self.view.addItem(self.table, row=0, col=0)
        grid = self.view.ci.layout
        grid.setAlignment(self.table, Qt.AlignLeft | Qt.AlignTop)
        grid.setRowStretchFactor(0, 1)
        self.layout_.addWidget(self.view)
        self.rows: list[list[str]] = []
        #: (column, racer) cells printed in bold: the fewest updates, epochs, least time
        self.best: set[tuple[int, str]] = set()
        self._colours: list[tuple[int, int, int]] = []
        self.heading_text = ""
        self.notes: list[str] = []
        #: the figure's cells: a line per racer of SHOWN_COLUMNS, times in ``unit``
        self.cells: list[list[str]] = []
        self.unit = "ms"
        self.base_font = QFont(self.table.item.font())
        #: the type size chosen at the last fit, in pixels
        self.pixels = SMALLEST_TABLE_PIXELS
        self._fitted: tuple = ()
        self.view.ci.geometryChanged.connect(self._fit_table)

    @property
    def heading(self) -> str:
        """The figure's heading: the target the racers race to."""
        return self.heading_text

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = race_view_of(snapshot)
        if view is not None:
            self.draw(view)

    def draw(self, view: RaceView) -> None:
        heading = f"Finish line: first training loss ≤ {view.target_loss:g}"
        rows = [finish_row(r) for r in view.racers]
        best = _best_finishers(view)
        notes = [f"{r.name} diverged at update {r.diverged_at}." for r in view.racers
                 if r.status == "diverged"]
        unit, cells = figure_cells(view)
        if (rows, best, heading, notes, cells) == (self.rows, self.best, self.heading_text,
                                                   self.notes, self.cells):
            return
        self.rows, self.best, self.heading_text, self.notes = rows, best, heading, notes
        self.unit, self.cells = unit, cells
        self._colours = [racer_colour(r.number) for r in view.racers]
        self._fit_table(force=True)

    def figure_html(self, pixels: int, padding: int | None = None) -> str:
        """Heading, table and key as one rich text; the table and key in the item's font of
        ``pixels``, the heading a little larger; ``padding`` around each cell's text (None:
        :func:`cell_padding`)."""
        # across the whole width: a big panel or export is filled, not its top-left corner
        table = self._table_html(pixels, padding).replace("<table ", '<table width="100%" ', 1)
        key = html.escape(" ".join([key_sentence(self.unit), *self.notes]))
        red, green, blue = KEY_TEXT
        return (f'<p style="margin-bottom: {pixels // 2}px; font-size: {pixels + 2}px"><b>'
                f'{html.escape(self.heading_text)}</b></p>{table}'
                f'<p style="margin-top: {pixels // 2}px; color: rgb({red}, {green}, {blue})">'
                f'{key}</p>')

    def _table_html(self, pixels: int, padding: int | None = None) -> str:
        return finish_table_html(self.cells, self._colours, self.best,
                                 padding=cell_padding(pixels) if padding is None else padding)

    def _padding_that_fills(self, pixels: int, width: float, height: float) -> int:
        """The cell padding, up to three quarters of the type size, at which the rows share
        the height the largest type left over (a page is filled, not its upper half), with
        no cell wrapped by the wider padding."""
        font = _sized(self.base_font, pixels)
        padding = cell_padding(pixels)
        while padding < 0.75 * pixels and self._fits(font, pixels, padding + 1, width, height):
            padding += 1
        return padding

    def _fits(self, font: QFont, pixels: int, padding: int, width: float,
              height: float) -> bool:
        """Whether, at this type size and padding, no cell wraps and the whole fits."""
        if _document(self._table_html(pixels, padding), font, None).idealWidth() > width:
            return False
        whole = _document(self.figure_html(pixels, padding), font, width)
        return whole.size().height() <= height

    def _fit_table(self, *_: object, force: bool = False) -> None:
        """The largest type at which heading, table and key fit the panel (see the module's
        docstring); only re-laid out when the size or the text changed."""
        if not self.rows:
            return
        width = self.view.ci.width() - 2 * SIDE_MARGIN
        height = self.view.viewport().height() - 2 * SIDE_MARGIN
        if width <= 0 or height <= 0:
            return
        key = (round(width), round(height))
        if key == self._fitted and not force:
            return
        self._fitted = key
        self.pixels = _pixels_that_fit(self.figure_html, self._table_html, self.base_font,
                                       width, height)
        font = _sized(self.base_font, self.pixels)
        # the height the whole takes in the smallest type: the least the panel can have
        smallest = _document(self.figure_html(SMALLEST_TABLE_PIXELS),
                             _sized(self.base_font, SMALLEST_TABLE_PIXELS), width)
        needed = smallest.size().height()
        padding = (cell_padding(self.pixels) if needed > height
                   else self._padding_that_fills(self.pixels, width, height))
        self.table.item.setFont(font)
        self.table.item.setHtml(self.figure_html(self.pixels, padding))
        self.table.wrap()
        # the last resort, for a panel narrower than any window makes (a long racer name in
        # a tiny panel): the table drawn smaller rather than cut at the panel's edge
        laid_out = self.table.item.document().size().width()
        self.table.item.setScale(width / laid_out if laid_out > width + 2 else 1.0)
        self.table.updateMin()
        # a panel too small even for the smallest type asks for more height: the window
        # scrolls, the type stays readable. The request depends on the width alone, so a
        # panel that grew to it keeps it (no back and forth between two heights).
        self.view.setMinimumHeight(math.ceil(needed + 2 * SIDE_MARGIN))

    def export_target(self) -> pg.GraphicsScene:
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        if not self.rows:
            return {}
        return {"finish_line": (list(FINISH_COLUMNS),
                                [list(column) for column in zip(*self.rows, strict=True)])}


def key_sentence(unit: str) -> str:
    """The key under the table: what the short column names mean, the times' unit."""
    return (f"upd., ep.: updates and epochs to the target; compute (own updates only) and "
            f"wall time (with loss evaluations) to it, in {unit}; — not yet; bold: the best. "
            f"loss: the latest training loss.")


def figure_cells(view: RaceView) -> tuple[str, list[list[str]]]:
    """(time unit, a line per racer of :data:`SHOWN_COLUMNS`): the numbers without units,
    both times in the unit of the largest (a unit in every cell would not fit a narrow
    panel)."""
    finishes = [r.finish for r in view.racers if r.finish is not None]
    # no finish yet: milliseconds, the unit of most races' times
    longest = max((max(f.compute_seconds, f.wall_seconds) for f in finishes), default=1e-3)
    _, unit, factor = next(u for u in TIME_UNITS if longest < u[0])
    lines = []
    for racer in view.racers:
        finish = racer.finish
        numbers = ["—"] * 4 if finish is None else [
            str(finish.updates), f"{finish.epoch:.3g}",
            three_digits(finish.compute_seconds * factor),
            three_digits(finish.wall_seconds * factor)]
        lines.append([racer.name, *numbers, f"{racer.loss:.4g}"])
    return unit, lines


def _document(rich_text: str, font: QFont, width: float | None) -> QTextDocument:
    """``rich_text`` laid out in ``font``, wrapped at ``width`` (None: unwrapped)."""
    document = QTextDocument()
    document.setDocumentMargin(DOCUMENT_MARGIN)
    document.setDefaultFont(font)
    document.setHtml(rich_text)
    if width is not None:
        document.setTextWidth(width)
    return document


def _pixels_that_fit(rich_text: Callable[[int], str], table: Callable[[int], str], font: QFont,
                     width: float, height: float) -> int:
    """The largest type size from :data:`SMALLEST_TABLE_PIXELS` to
    :data:`LARGEST_TABLE_PIXELS` at which the ``table`` of that size needs no wrapping and
    the whole (``rich_text`` of that size) is no wider than ``width`` and no taller than
    ``height``; the smallest size where none fits (its cells wrap at spaces)."""

    def fits(pixels: int) -> bool:
        sized = _sized(font, pixels)
        if _document(table(pixels), sized, None).idealWidth() > width:
            return False
        whole = _document(rich_text(pixels), sized, width)
        return whole.size().width() <= width + 2 and whole.size().height() <= height

    low, high = SMALLEST_TABLE_PIXELS, LARGEST_TABLE_PIXELS
    if not fits(low):
        return low
    while low < high:  # the largest size that fits: fitting only gets harder as type grows
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _sized(font: QFont, pixels: int) -> QFont:
    sized = QFont(font)
    sized.setPixelSize(pixels)
    return sized


def three_digits(value: float) -> str:
    """Three significant digits, trailing zeros kept ("0.400", "1.90"), so that the numbers
    of a column read alike."""
    return f"{value:#.3g}".rstrip(".")


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


def cell_padding(pixels: int) -> int:
    """Pixels around a cell's text: a quarter of the type size, so that large type keeps its
    columns apart (bold numbers of neighbouring columns would touch)."""
    return max(2, round(pixels / 4))


def finish_table_html(cells: list[list[str]], colours: list[tuple[int, int, int]],
                      best: set[tuple[int, str]], *, padding: int = 2) -> str:
    """The finish line as a rich-text table of :data:`SHOWN_COLUMNS` (``cells``: a line per
    racer, from :func:`figure_cells`): a shaded header, each racer's name in its colour,
    numbers right-aligned, the best of each column in bold."""
    lines = []
    for i, line in enumerate(_finish_cells(cells, colours, best)):
        shade = ' style="background-color: #ececec"' if i == 0 else ""
        tag = "th" if i == 0 else "td"
        parts = [f'<{tag} align="{_align(column)}">{cell}</{tag}>'
                 for (column, _), cell in zip(SHOWN_COLUMNS, line, strict=True)]
        lines.append(f"<tr{shade}>{''.join(parts)}</tr>")
    return (f'<table cellspacing="0" cellpadding="{padding}" style="color: rgb{TABLE_TEXT}">'
            f'{"".join(lines)}</table>')


def _finish_cells(lines: list[list[str]], colours: list[tuple[int, int, int]],
                  best: set[tuple[int, str]]) -> list[list[str]]:
    """HTML of every shown cell, the short column names first, a line per racer."""
    cells = [[html.escape(name) for _, name in SHOWN_COLUMNS]]
    for line, (red, green, blue) in zip(lines, colours, strict=True):
        name = line[0]
        out = [f'<span style="color: rgb({red}, {green}, {blue})">{html.escape(name)}</span>']
        for (column, _), text in zip(SHOWN_COLUMNS[1:], line[1:], strict=True):
            out.append(f"<b>{html.escape(text)}</b>" if (column, name) in best
                       else html.escape(text))
        cells.append(out)
    return cells


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
