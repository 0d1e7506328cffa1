"""Ask the word vectors: nearest neighbours or an analogy, and the analogy check, live.

The query box does not compute anything: pressing Enter emits :attr:`WordQueryPanel.live_change`
("query", text), which the window posts to the training loop like any live hyperparameter
(the ``query`` param of the embeddings config). The session answers it in ``views()`` at the
next snapshot, so the answers follow the training: draws ``snapshot.views["word_query"]``
(:class:`~nnviz.core.similarity.QueryAnswer`) and ``snapshot.views["analogies"]``
(:class:`~nnviz.core.similarity.AnalogyCheck`).
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.core.similarity import AnalogyCheck, QueryAnswer
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot

SOLVED = QColor(220, 242, 220)
MISSED = QColor(250, 222, 222)


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], colors: list[QColor | None]) -> None:
    table.setRowCount(len(rows))
    for r, (row, color) in enumerate(zip(rows, colors, strict=True)):
        for c, text in enumerate(row):
            item = table.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                table.setItem(r, c, item)
            item.setText(text)
            if color is not None:
                item.setBackground(color)
            else:
                item.setData(Qt.ItemDataRole.BackgroundRole, None)


@register_panel
class WordQueryPanel(Panel):
    """A query box with its five best answers, and the analogy questions as they are solved."""

    kind: ClassVar[str] = "word_query"
    draws = view_types(word_query=QueryAnswer)
    may_draw = view_types(analogies=AnalogyCheck)
    title: ClassVar[str] = "Ask the vectors"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText("a word, or e.g. paris - france + italy  (Enter)")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.returnPressed.connect(self.ask)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.answers = _table(["#", "word", "cosine"])
        self.answers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.examples = _table(["question", "expected", "top 3"])
        for widget in (self.query_edit, self.status, self.answers, self.summary, self.examples):
            self.layout_.addWidget(widget)
        self.layout_.setStretch(2, 2)
        self.layout_.setStretch(4, 3)
        self.answer: QueryAnswer | None = None
        self.check: AnalogyCheck | None = None
        self._asked: str | None = None

    def app_only_widgets(self) -> list[QWidget]:
        """The query box: the figure shows the question in its answer line."""
        return [self.query_edit]

    def ask(self) -> None:
        """Send the typed query to the session (answered at the next snapshot)."""
        text = self.query_edit.text().strip()
        self._asked = text
        self.status.setText(f"asking: {text}" if text else "")
        self.live_change.emit("query", text)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        answer = snapshot.view(QueryAnswer)
        if answer is not None:
            self.show_answer(answer)
            # the box follows the query the run answers (a preset's, or one typed and
            # answered), but never while a person types or waits for their own answer
            if not self.query_edit.hasFocus() and self._asked in (None, answer.query):
                if self.query_edit.text() != answer.query:
                    self.query_edit.setText(answer.query)
                self._asked = None
        check = snapshot.view(AnalogyCheck)
        if check is not None:
            self.show_check(check)

    def show_answer(self, answer: QueryAnswer) -> None:
        self.answer = answer
        if answer.kind in ("error", "empty"):
            self.status.setText(answer.message)
            _fill(self.answers, [], [])
            return
        what = "nearest neighbours of" if answer.kind == "neighbours" else "best answers to"
        self.status.setText(f"{what} <b>{answer.query}</b> (cosine similarity)")
        rows = [[str(rank), word, f"{score:+.3f}"]
                for rank, (word, score) in enumerate(answer.answers, 1)]
        _fill(self.answers, rows, [None] * len(rows))

    def show_check(self, check: AnalogyCheck) -> None:
        self.check = check
        sections = ", ".join(f"{name} {100 * top3:.0f}%"
                             for name, (_, _, top3) in check.sections.items())
        self.summary.setText(
            f"Analogies a : b :: c : ?  top-1 {100 * check.top1:.0f}%, "
            f"<b>top-3 {100 * check.top3:.0f}%</b> of {check.questions} questions"
            + (f" ({sections})" if sections else "")
        )
        rows = [[f"{b} − {a} + {c}", d, ", ".join(best)] for a, b, c, d, best, _ in
                check.examples]
        colors = [SOLVED if solved else MISSED for *_, solved in check.examples]
        _fill(self.examples, rows, colors)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.answer = None
        self.check = None
        self.status.setText("")
        self.summary.setText("")
        _fill(self.answers, [], [])
        _fill(self.examples, [], [])

    def csv_tables(self) -> dict[str, CsvTable]:
        tables: dict[str, CsvTable] = {}
        if self.answer is not None and self.answer.answers:
            words = [w for w, _ in self.answer.answers]
            tables["answers"] = (["query", "rank", "word", "cosine"],
                                 [[self.answer.query] * len(words),
                                  list(range(1, len(words) + 1)), words,
                                  [s for _, s in self.answer.answers]])
        if self.check is not None and self.check.examples:
            columns = list(zip(*self.check.examples, strict=True))
            tables["analogies"] = (
                ["a", "b", "c", "expected", "top3", "solved"],
                [list(columns[0]), list(columns[1]), list(columns[2]), list(columns[3]),
                 [" ".join(best) for best in columns[4]], list(columns[5])],
            )
        return tables

    def csv_notes(self) -> dict[str, TableNotes]:
        """What the two tables answer, for the sidecar (the columns are the shared words)."""
        notes = {}
        if self.answer is not None:
            what = ("nearest neighbours of" if self.answer.kind == "neighbours"
                    else "best answers to")
            notes["answers"] = TableNotes(
                f"the {what} {self.answer.query!r} by cosine similarity, at this step")
        if self.check is not None:
            notes["analogies"] = TableNotes(
                f"analogy questions a : b :: c : ?, answered by the words nearest to b − a + c "
                f"(top-3 {100 * self.check.top3:.0f}% of {self.check.questions} questions)")
        return notes
