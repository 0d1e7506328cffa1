"""Backpropagation, step by step: the compute graph of the batch, and one step of the walk.

The panel draws a :class:`~nnviz.core.backprop_walk.BackpropWalk`: at the top the compute
graph as it stands at the current step (:mod:`nnviz.app.panels.backprop_graph`), under it the
step's formula in symbols, a sentence in words, what a planted mistake did, and its matrices
as heat maps with their numbers (:class:`~nnviz.app.panels.backprop_cards.MatrixCard`),
joined by their operators (·, ⊙, +, =).

A person walks with the Previous and Next buttons (← and → when the panel has the keyboard
focus; Home and End for the first and last step) or lets Play step every
:data:`PLAY_INTERVAL_MS`; recording the panel (its context menu, or the window's Record)
keeps the walk as an animation. A new snapshot keeps the step shown, so a running network
can be watched at one node; a new run starts at the first step.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton

from nnviz.app.panels.backprop_cards import (
    MAX_CELL,
    MUTED_COLOR,
    NUMBER_POINT_SIZE,
    TEXT_COLOR,
    WRONG_COLOR,
    Canvas,
    MatrixCard,
    line_height,
    numbers_width,
    place_line,
    place_paragraph,
    text_item,
    text_width,
)
from nnviz.app.panels.backprop_graph import ComputeGraph
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.core.backprop_walk import BackpropWalk, WalkStep
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot

PLAY_INTERVAL_MS = 1200
MARGIN = 6.0
#: the colour key under the graph: a bullet in each state's colour (darker than its fill)
KEY_HTML = ('<span style="color:#4a86c5">●</span> value (forward) &nbsp; '
            '<span style="color:#e8694a">●</span> gradient (backward) &nbsp; '
            '<span style="color:#41ab5d">●</span> updated (Apply)')
#: the shortest cell whose number still reads (a wrapped line of cards must allow it)
READABLE_CELL = 18.0
NO_WALK_YET = "No walk yet: the first snapshot brings the batch's compute graph"


@register_panel
class BackpropPanel(Panel):
    kind = "backprop"
    draws = view_types(backprop_walk=BackpropWalk)
    title = "Backpropagation, step by step"
    max_fps = 10.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.walk: BackpropWalk | None = None
        self.position = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build_bar()
        self.view = pg.GraphicsLayoutWidget()
        self.layout_.addWidget(self.view, 1)
        self.canvas = Canvas(self.view, self._relayout)
        self._build_items()
        self._bind_keys()
        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_INTERVAL_MS)
        self.timer.timeout.connect(self._play_tick)
        self._update_bar()

    # -- building -------------------------------------------------------------------------
    def _build_bar(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        self.previous_button = QToolButton()
        self.previous_button.setText("Previous")
        self.previous_button.setObjectName("backprop-previous")
        self.previous_button.setToolTip("The step before (← with the panel focused; Home: "
                                        "the first)")
        self.next_button = QToolButton()
        self.next_button.setText("Next")
        self.next_button.setObjectName("backprop-next")
        self.next_button.setToolTip("The next step (→ with the panel focused; End: the last)")
        self.play_button = QToolButton()
        self.play_button.setText("Play")
        self.play_button.setObjectName("backprop-play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Walk through every step as an animation (P)")
        self.position_label = QLabel()
        self.position_label.setObjectName("backprop-position")
        self.position_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                          QSizePolicy.Policy.Preferred)
        for button in (self.previous_button, self.next_button, self.play_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            bar.addWidget(button)
        bar.addWidget(self.position_label, 1)
        self.layout_.addLayout(bar)
        self.previous_button.clicked.connect(self.previous_step)
        self.next_button.clicked.connect(self.next_step)
        self.play_button.toggled.connect(self.set_playing)

    def _bind_keys(self) -> None:
        for key, slot in ((Qt.Key.Key_Right, self.next_step), (Qt.Key.Key_Left, self.previous_step),
                          (Qt.Key.Key_Home, self.first_step), (Qt.Key.Key_End, self.last_step),
                          (Qt.Key.Key_P, self.play_button.toggle)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def _build_items(self) -> None:
        add = self.canvas.add
        self.heading = text_item(10, bold=True)
        self.graph = ComputeGraph(self.canvas)
        self.formula = text_item(9.5, bold=True)
        self.words = text_item(NUMBER_POINT_SIZE + 0.5, color=MUTED_COLOR)
        self.note = text_item(NUMBER_POINT_SIZE + 0.5, bold=True, color=WRONG_COLOR)
        self.key = text_item(NUMBER_POINT_SIZE, color=MUTED_COLOR)
        self.empty = text_item(9, color=MUTED_COLOR, anchor=(0.5, 0.5))
        for item in (self.heading, self.formula, self.words, self.note, self.key, self.empty):
            add(item)
        self.cards: list[MatrixCard] = []
        self.operators: list[pg.TextItem] = []

    # -- stepping -------------------------------------------------------------------------
    @property
    def step(self) -> WalkStep | None:
        if self.walk is None:
            return None
        return self.walk.steps[self.position]

    def go_to(self, position: int) -> None:
        """Show step ``position`` (clamped to the walk)."""
        if self.walk is None:
            return
        self.position = int(np.clip(position, 0, len(self.walk.steps) - 1))
        self._update_bar()
        self.canvas.refit()

    def next_step(self) -> None:
        self.go_to(self.position + 1)

    def previous_step(self) -> None:
        self.go_to(self.position - 1)

    def first_step(self) -> None:
        self.go_to(0)

    def last_step(self) -> None:
        if self.walk is not None:
            self.go_to(len(self.walk.steps) - 1)

    def set_playing(self, playing: bool) -> None:
        """Start (from the first step when at the last) or stop the animation."""
        if playing and self.walk is not None:
            if self.position == len(self.walk.steps) - 1:
                self.go_to(0)
            self.timer.start()
        else:
            self.timer.stop()
        if self.play_button.isChecked() != playing:
            self.play_button.setChecked(playing)
        self.play_button.setText("Pause" if playing else "Play")

    def _play_tick(self) -> None:
        if self.walk is None or self.position >= len(self.walk.steps) - 1:
            self.set_playing(False)
            return
        self.next_step()

    def _update_bar(self) -> None:
        walk = self.walk
        count = len(walk.steps) if walk is not None else 0
        self.previous_button.setEnabled(walk is not None and self.position > 0)
        self.next_button.setEnabled(walk is not None and self.position < count - 1)
        self.play_button.setEnabled(walk is not None)
        if walk is None:
            self.position_label.setText("")
            return
        examples = ", ".join(str(int(i)) for i in walk.examples)
        self.position_label.setText(f"step {self.position + 1} of {count}")
        self.position_label.setToolTip(
            f"The batch: training example{'s' if walk.batch != 1 else ''} {examples}")

    # -- snapshots ------------------------------------------------------------------------
    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.walk = None
        self.position = 0
        self.set_playing(False)
        self._update_bar()
        self.canvas.refit()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        walk = snapshot.view(BackpropWalk)
        if walk is None:
            return
        self.show_walk(walk)

    def show_walk(self, walk: BackpropWalk) -> None:
        """Draw ``walk`` at the current step (the first, for a network of another shape)."""
        same = (self.walk is not None and self.walk.sizes == walk.sizes
                and len(self.walk.steps) == len(walk.steps))
        self.walk = walk
        if not same:
            self.position = 0
        self.go_to(self.position)

    # -- drawing --------------------------------------------------------------------------
    def _relayout(self, width: float, height: float) -> None:
        step = self.step
        if step is None:
            self._show_empty(width, height)
            return
        self.empty.setVisible(False)
        inner = width - 2 * MARGIN
        y = MARGIN
        y += place_line(self.heading, [f"{step.title}", step.title.split(" · ")[-1]],
                        MARGIN, y, inner)
        graph_height = float(np.clip(0.28 * height, 64, 170))
        self.graph.draw(self.walk, self.position, QRectF(MARGIN, y, inner, graph_height))
        y += graph_height + 2
        y += place_paragraph(self.formula, step.formula, MARGIN, y, inner, height * 0.2)
        rows = len(step.rows)
        least_cards = rows * 46.0
        room = height - MARGIN - y - least_cards
        used = place_paragraph(self.note, step.note, MARGIN, y, inner, room)
        y += used
        room -= used
        used = place_paragraph(self.words, step.words, MARGIN, y, inner, room)
        y += used
        room -= used
        y += self._place_key(MARGIN, y, inner, room)
        self._draw_cards(step, QRectF(MARGIN, y + 4, inner, height - MARGIN - y - 4))

    def _place_key(self, x: float, y: float, width: float, room: float) -> float:
        """The colour key on one line, where it fits; its height (0 when left out)."""
        key_text = "● value (forward)   ● gradient (backward)   ● updated (Apply)"
        if room < line_height(self.key) + 8 or text_width(self.key, key_text) > width:
            self.key.setVisible(False)
            return 0.0
        self.key.setTextWidth(-1)
        self.key.setHtml(f'<span style="color:#646464">{KEY_HTML}</span>')
        self.key.setPos(x, y)
        self.key.setVisible(True)
        return line_height(self.key)

    def _show_empty(self, width: float, height: float) -> None:
        for item in (self.heading, self.formula, self.words, self.note, self.key,
                     *self.operators):
            item.setVisible(False)
        self.graph.hide()
        for card in self.cards:
            card.hide()
        self.empty.setText(NO_WALK_YET if text_width(self.empty, NO_WALK_YET) < width - 8
                           else "No walk yet")
        self.empty.setPos(width / 2, height / 2)
        self.empty.setVisible(True)

    def _draw_cards(self, step: WalkStep, area: QRectF) -> None:
        """The step's matrices, a row of terms per line, joined by their operators.

        A row whose cells are too narrow for their numbers is wrapped onto more lines while
        the height allows (a person reads a number more easily than a shade).
        """
        terms = step.terms()
        while len(self.cards) < len(terms):
            self.cards.append(MatrixCard(self.canvas))
        while len(self.operators) < len(terms):
            item = text_item(10, bold=True, color=TEXT_COLOR, anchor=(0.5, 0.5))
            self.canvas.add(item)
            self.operators.append(item)
        lines = self._card_lines(step.rows, area)
        heights = [self._line_height_needed(line) for line in lines]
        shrink = min(1.0, area.height() / sum(heights))
        heights = [height * shrink for height in heights]
        cards, operators = iter(self.cards), iter(self.operators)
        used_cards, used_operators = 0, 0
        top = area.top()
        for line, height in zip(lines, heights, strict=True):
            x = area.left()
            gaps = self._gaps(line)
            width = (area.width() - sum(gaps)) / len(line)
            for term, gap in zip(line, gaps, strict=True):
                operator = next(operators) if term.operator else None
                x += gap
                card = next(cards)
                used_cards += 1
                card.show(term.values, QRectF(x, top, width, height - 6),
                          title=f"{term.symbol}  {term.shape_text}", short_title=term.symbol,
                          role=term.role, wrong=term.wrong)
                if operator is not None:
                    used_operators += 1
                    rect = card.map_rect
                    middle = rect.center().y() if not rect.isEmpty() else top + height / 2
                    operator.setText(term.operator)
                    operator.setPos(x - gap / 2, middle)
                    operator.setVisible(True)
                x += width
            top += height
        for card in self.cards[used_cards:]:
            card.hide()
        for operator in self.operators[used_operators:]:
            operator.setVisible(False)

    def _gaps(self, line) -> list[float]:
        """Room before each card: its operator's width, or a few pixels."""
        probe = self.operators[0]
        gaps = [text_width(probe, term.operator) + 10 if term.operator else 6.0
                for term in line]
        if not line[0].operator:
            gaps[0] = 0.0
        return gaps

    def _line_height_needed(self, line, cell: float = MAX_CELL[1]) -> float:
        """The height a line of cards takes with cells ``cell`` pixels tall (the largest,
        unless said): the cards' title and role lines, the rows, and a gap."""
        card = self.cards[0]
        rows = max(np.atleast_2d(term.values).shape[0] for term in line)
        return line_height(card.title) + line_height(card.role) + rows * cell + 8

    def _card_lines(self, rows, area: QRectF) -> list[tuple]:
        """Each row of terms on as few lines as keep every number readable, within the
        height; a row that cannot be made readable stays on one line."""
        lines: list[tuple] = []
        for row in rows:
            chosen = [tuple(row)]
            for per_line in range(len(row), 0, -1):
                split = [tuple(row[i:i + per_line]) for i in range(0, len(row), per_line)]
                readable = all(self._numbers_fit(line, area.width()) for line in split)
                if readable:
                    chosen = split
                    break
            lines += chosen
        height = sum(self._line_height_needed(line, READABLE_CELL) for line in lines)
        height -= len(lines) * line_height(self.cards[0].role)  # roles go first
        if height > area.height() and len(lines) > len(rows):
            return [tuple(row) for row in rows]  # no room to wrap: shades, not numbers
        return lines

    def _numbers_fit(self, line, width: float) -> bool:
        room = (width - sum(self._gaps(line))) / len(line)
        return all(numbers_width(term.values) <= room for term in line)

    # -- export ---------------------------------------------------------------------------
    def export_target(self):
        return self.view.scene()

    def app_only_widgets(self):
        return [self.previous_button, self.next_button, self.play_button, self.position_label]

    def csv_tables(self) -> dict[str, CsvTable]:
        """Every number of the walk, one row per matrix entry."""
        walk = self.walk
        if walk is None:
            return {}
        columns = ["walk_step", "step_kind", "node", "term", "role", "row", "column", "value",
                   "wrong"]
        rows: list[list[object]] = [[] for _ in columns]
        for index, step in enumerate(walk.steps, start=1):
            for term in step.terms():
                values = np.atleast_2d(term.values)
                for (row, column), value in np.ndenumerate(values):
                    for target, item in zip(rows, (index, step.kind, step.node or "all",
                                                   term.symbol, term.role, row, column,
                                                   float(value), int(term.wrong)), strict=True):
                        target.append(item)
        return {"backprop_walk": (columns, rows)}

    def csv_notes(self) -> dict[str, TableNotes]:
        if self.walk is None:
            return {}
        examples = ", ".join(str(int(i)) for i in self.walk.examples)
        return {"backprop_walk": TableNotes(
            f"every matrix of the walk through the batch of training examples {examples} "
            f"(the figure shows step {self.position + 1} of {len(self.walk.steps)}); "
            f"planted mistake: {self.walk.mistake}")}
