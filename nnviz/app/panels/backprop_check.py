"""The gradient check: a table per parameter and a heat map of relative error per entry.

The table lists every parameter (W¹, b¹, …) with its shape, its largest gradient entry, the
largest relative error against central finite differences and against torch.autograd, and
how many entries are wrong. Under it, one heat map per parameter colours each entry's
relative error |a − n| / (|a| + |n|) on a log scale: green where the analytic gradient agrees
as well as float64 finite differences can tell (below 10⁻⁷), red where it is wrong (above
10⁻²), grey at a relu kink that finite differences cannot judge. A planted mistake shows up
as red entries, in the parameters below the line it broke.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from nnviz.app.panels.backprop_cards import (
    MAX_CELL,
    MUTED_COLOR,
    NUMBER_POINT_SIZE,
    WRONG_COLOR,
    Canvas,
    MatrixCard,
    line_height,
    place_line,
    place_paragraph,
    text_item,
    text_width,
)
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.core.gradient_check import GradientCheck, ParameterCheck
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot

MARGIN = 6.0
GOOD_COLOR = (35, 120, 50)
#: the error map's log10 range: an error of exactly 0 is drawn as the lowest
LOG_RANGE = (-16.0, 0.0)
NO_CHECK_YET = "No check yet: the first snapshot brings it"
TABLE_COLUMNS = ("parameter", "shape", "largest |∂L/∂θ|", "vs finite differences",
                 "vs torch.autograd", "wrong")


def error_lut(points: int = 256) -> np.ndarray:
    """Green up to 10⁻⁷, through yellow at 10⁻⁴, to red from 10⁻² on (log10 of the error
    mapped over :data:`LOG_RANGE`)."""
    low, high = LOG_RANGE
    stops = [(-16.0, (26, 152, 80)), (-7.0, (145, 207, 96)), (-4.0, (254, 224, 139)),
             (-2.0, (215, 48, 39)), (0.0, (165, 0, 38))]
    colormap = pg.ColorMap(pos=[(value - low) / (high - low) for value, _ in stops],
                           color=[color for _, color in stops])
    return colormap.getLookupTable(0.0, 1.0, points, alpha=False)


def power_text(value: float | None) -> str:
    """An error as people read it: "3·10⁻¹²", "0" or "—" (not computed)."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(value))
    mantissa = value / 10 ** exponent
    if round(mantissa) == 10:
        mantissa, exponent = 1.0, exponent + 1
    if -3 <= exponent <= 0:
        return f"{value:.2g}"
    return f"{mantissa:.0f}·10{superscript_number(exponent)}"


def cell_exponents(check: ParameterCheck) -> list[str]:
    """Each entry's relative error as its nearest power of ten ("10⁻¹²", "1"), "kink" where
    the finite difference straddled one, "0" where analytic and numeric agree exactly."""
    texts = []
    for error, kink in zip(check.relative_error.ravel(), check.kinks.ravel(), strict=True):
        if kink:
            texts.append("kink")
        elif error == 0:
            texts.append("0")
        else:
            exponent = round(math.log10(error))
            texts.append("1" if exponent == 0 else f"10{superscript_number(exponent)}")
    return texts


def superscript_number(number: int) -> str:
    """−12 → "⁻¹²"."""
    return str(number).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def verdict(check: GradientCheck) -> tuple[str, str, tuple[int, int, int]]:
    """(long, short) sentences on the whole check, and their colour."""
    entries = sum(p.relative_error.size for p in check.parameters)
    planted = f" (planted mistake: {check.mistake})" if check.mistake != "none" else ""
    if check.wrong_entries:
        return (f"✗ {check.wrong_entries} of {entries} gradient entries wrong{planted}",
                f"✗ {check.wrong_entries} of {entries} entries wrong", WRONG_COLOR)
    torch = check.torch_max_relative_error
    against = f", {power_text(torch)} vs torch.autograd" if torch is not None else ""
    return (f"✓ max relative error {power_text(check.max_relative_error)} vs finite "
            f"differences{against}{planted}",
            f"✓ max error {power_text(check.max_relative_error)}", GOOD_COLOR)


@register_panel
class GradientCheckPanel(Panel):
    kind = "gradient_check"
    draws = view_types(gradient_check=GradientCheck)
    title = "Gradient check"
    max_fps = 10.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.check: GradientCheck | None = None
        self.view = pg.GraphicsLayoutWidget()
        self.layout_.addWidget(self.view, 1)
        self.canvas = Canvas(self.view, self._relayout)
        self.lut = error_lut()
        self.heading = text_item(10, bold=True)
        self.about = text_item(NUMBER_POINT_SIZE, color=MUTED_COLOR)
        self.key_bar = pg.ImageItem(axisOrder="row-major")
        self.key_caption = text_item(NUMBER_POINT_SIZE, color=MUTED_COLOR)
        self.key_ticks = [text_item(7, color=MUTED_COLOR, anchor=(0.5, 0.0)) for _ in range(4)]
        self.empty = text_item(9, color=MUTED_COLOR, anchor=(0.5, 0.5))
        for item in (self.heading, self.about, self.key_bar, self.key_caption, self.empty,
                     *self.key_ticks):
            self.canvas.add(item)
        self.cells: list[list[pg.TextItem]] = []
        self.cards: list[MatrixCard] = []

    # -- snapshots ------------------------------------------------------------------------
    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.check = None
        self.canvas.refit()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        check = snapshot.view(GradientCheck)
        if check is not None:
            self.check = check
            self.canvas.refit()

    # -- drawing --------------------------------------------------------------------------
    def _relayout(self, width: float, height: float) -> None:
        check = self.check
        if check is None:
            self._show_empty(width, height)
            return
        self.empty.setVisible(False)
        inner = width - 2 * MARGIN
        long_text, short_text, color = verdict(check)
        self.heading.setColor(pg.mkColor(color))
        y = MARGIN
        used = place_paragraph(self.heading, long_text, MARGIN, y, inner,
                               2.2 * line_height(self.heading))
        if not used:
            used = place_line(self.heading, [short_text], MARGIN, y, inner)
        y += used
        y += self._draw_table(check, MARGIN, y + 2, inner) + 6
        key_height = self._key_height()
        about = (f"analytic gradients against central finite differences (h = {check.step:g}, "
                 f"Richardson), float64; entries below {check.floor:.0e} are compared "
                 f"absolutely; a number is the error's power of ten. "
                 f"{check.torch_note}").strip()
        y += place_paragraph(self.about, about, MARGIN, y, inner,
                             (height - MARGIN - y - key_height) * 0.3)
        bottom = height - MARGIN - key_height
        y += self._draw_maps(check, QRectF(MARGIN, y + 2, inner, bottom - y - 4)) + 2
        self._draw_key(MARGIN, y, inner, height - MARGIN - y)

    def _show_empty(self, width: float, height: float) -> None:
        for item in (self.heading, self.about, self.key_bar, self.key_caption, *self.key_ticks,
                     *(cell for row in self.cells for cell in row)):
            item.setVisible(False)
        for card in self.cards:
            card.hide()
        self.empty.setText(NO_CHECK_YET if text_width(self.empty, NO_CHECK_YET) < width - 8
                           else "No check yet")
        self.empty.setPos(width / 2, height / 2)
        self.empty.setVisible(True)

    def table_rows(self, check: GradientCheck) -> list[tuple[str, ...]]:
        """The table as text, header first."""
        rows = [TABLE_COLUMNS]
        for parameter in check.parameters:
            rows.append((parameter.name, f"{parameter.analytic.shape[0]}×"
                                         f"{parameter.analytic.shape[1]}",
                         f"{np.abs(parameter.analytic).max():.3g}",
                         power_text(parameter.max_relative_error),
                         power_text(parameter.torch_max_relative_error),
                         str(int(parameter.wrong.sum()))))
        return rows

    def _draw_table(self, check: GradientCheck, left: float, top: float,
                    width: float) -> float:
        """The table, dropping its less needed columns where it is too wide; its height."""
        rows = self.table_rows(check)
        while len(self.cells) < len(rows):
            made = [text_item(NUMBER_POINT_SIZE + 0.5) for _ in TABLE_COLUMNS]
            for item in made:
                self.canvas.add(item)
            self.cells.append(made)
        probe = self.cells[0][0]
        widths = [max(text_width(probe, row[c]) for row in rows) + 10
                  for c in range(len(TABLE_COLUMNS))]
        keep = list(range(len(TABLE_COLUMNS)))
        for dropped in (4, 2, 1):  # torch, largest entry, shape: least needed first
            if sum(widths[c] for c in keep) <= width:
                break
            keep.remove(dropped)
        fits = sum(widths[c] for c in keep) <= width
        height = line_height(probe)
        for index, (items, row) in enumerate(zip(self.cells, rows, strict=False)):
            x = left
            wrong = index > 0 and check.parameters[index - 1].wrong.any()
            for column, item in enumerate(items):
                shown = fits and column in keep
                item.setVisible(shown)
                if not shown:
                    continue
                item.setText(row[column])
                item.setColor(pg.mkColor(WRONG_COLOR if wrong else (30, 30, 30)))
                item.setFont(item.textItem.font())
                item.setPos(x, top + index * height)
                x += widths[column]
        for items in self.cells[len(rows):]:
            for item in items:
                item.setVisible(False)
        return height * len(rows) if fits else 0.0

    def _key_height(self) -> float:
        return 10 + line_height(self.key_ticks[0]) + line_height(self.key_caption)

    def _draw_key(self, left: float, top: float, width: float, room: float) -> None:
        """A colour bar from 10⁻¹⁶ to 1 with its caption, at ``top`` where it fits."""
        caption = "relative error per entry, |a − n| / (|a| + |n|)"
        bar_width = min(width, 320.0)
        if room < self._key_height() or text_width(self.key_caption, caption) > width:
            for item in (self.key_bar, self.key_caption, *self.key_ticks):
                item.setVisible(False)
            return
        self.key_caption.setText(caption)
        self.key_caption.setPos(left, top)
        self.key_caption.setVisible(True)
        bar_top = top + line_height(self.key_caption)
        ramp = np.linspace(0, 255, 256).astype(np.uint8)[None, :]
        self.key_bar.setImage(self.lut[ramp], autoLevels=False)
        self.key_bar.setRect(QRectF(left, bar_top, bar_width, 10))
        self.key_bar.setVisible(True)
        low, high = LOG_RANGE
        for item, (value, text) in zip(self.key_ticks, ((-16, "10⁻¹⁶"), (-7, "10⁻⁷"),
                                                        (-2, "10⁻²"), (0, "1")), strict=True):
            x = left + (value - low) / (high - low) * bar_width
            half = text_width(item, text) / 2
            item.setText(text)
            item.setPos(min(max(x, left + half), left + width - half), bar_top + 10)
            item.setVisible(True)

    def _draw_maps(self, check: GradientCheck, area: QRectF) -> float:
        """One card per parameter, a row per layer: W^l then b^l; returns the height used.

        A row is no taller than its cards need at the largest cell size; where a row would
        be too short to read, no map is drawn (the table above says the same in numbers)."""
        layers = len(check.parameters) // 2
        while len(self.cards) < len(check.parameters):
            self.cards.append(MatrixCard(self.canvas))
        title = line_height(self.heading) + 2
        needs = [title + max(p.analytic.shape[0] for p in check.parameters[2 * i:2 * i + 2])
                 * MAX_CELL[1] + 8 for i in range(layers)]
        scale = min(1.0, area.height() / max(sum(needs), 1.0))
        readable = min(needs) * scale >= 36
        top = area.top()
        for layer in range(layers):
            row_height = needs[layer] * scale
            for is_bias in (0, 1):
                index = 2 * layer + is_bias
                self._draw_map(self.cards[index], check.parameters[index],
                               QRectF(area.left(), top, area.width(), row_height - 6),
                               is_bias, readable)
            top += row_height
        for card in self.cards[len(check.parameters):]:
            card.hide()
        return top - area.top() if readable else 0.0

    def _draw_map(self, card: MatrixCard, parameter: ParameterCheck, row: QRectF,
                  is_bias: int, shown: bool) -> None:
        if not shown:
            card.hide()
            return
        weight_share = 0.72
        x = row.left() + (row.width() * weight_share + 8 if is_bias else 0.0)
        width = row.width() * ((1 - weight_share) if is_bias else weight_share) - 8
        shape = f"{parameter.analytic.shape[0]}×{parameter.analytic.shape[1]}"
        worst = power_text(parameter.max_relative_error)
        logs = np.log10(np.maximum(np.nan_to_num(parameter.relative_error, nan=1e-16), 1e-16))
        card.show(logs, QRectF(x, row.top(), width, row.height()),
                  title=f"{parameter.name}  {shape} · max {worst}",
                  short_title=parameter.name, role="", wrong=bool(parameter.wrong.any()),
                  levels=LOG_RANGE, lut=self.lut, texts=cell_exponents(parameter),
                  grey=parameter.kinks)

    # -- export ---------------------------------------------------------------------------
    def export_target(self):
        return self.view.scene()

    def csv_tables(self) -> dict[str, CsvTable]:
        """Every checked entry: analytic, finite difference, torch, relative errors."""
        check = self.check
        if check is None:
            return {}
        columns = ["parameter", "row", "column", "analytic", "finite_difference",
                   "relative_error", "torch_autograd", "torch_relative_error", "kink", "wrong"]
        table: list[list[object]] = [[] for _ in columns]
        for parameter in check.parameters:
            wrong = parameter.wrong
            for (row, column), analytic in np.ndenumerate(parameter.analytic):
                torch = parameter.torch
                torch_error = parameter.torch_relative_error
                error = float(parameter.relative_error[row, column])
                values = (parameter.name, row, column, float(analytic),
                          float(parameter.numeric[row, column]),
                          None if math.isnan(error) else error,
                          float(torch[row, column]) if torch is not None else None,
                          float(torch_error[row, column]) if torch_error is not None else None,
                          int(parameter.kinks[row, column]), int(wrong[row, column]))
                for target, value in zip(table, values, strict=True):
                    target.append(value)
        return {"gradient_check": (columns, table)}

    def csv_notes(self) -> dict[str, TableNotes]:
        if self.check is None:
            return {}
        return {"gradient_check": TableNotes(
            f"every parameter entry's gradient, analytic against central finite differences "
            f"(step {self.check.step:g}, Richardson-extrapolated, float64) and torch.autograd "
            f"(empty where not computed); planted mistake: {self.check.mistake}")}
