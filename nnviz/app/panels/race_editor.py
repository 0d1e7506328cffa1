"""The racer editor: a table of racers to change while the race runs.

It shows the racers of the ``"race"`` view (their :class:`~nnviz.core.racers.RacerSpec`
records), reads its cells with the racers grammar (:func:`~nnviz.core.racers.parse_racers`,
the one place text becomes racers), checks them against the race's problem, and emits
:attr:`RacerEditorPanel.live_change` ("racers", :class:`~nnviz.core.racers.Racers`); the
window posts that to the training loop's mailbox like any live control, and the race takes the
specs as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.race import race_view_of
from nnviz.core.race_views import RaceView
from nnviz.core.racers import (
    KINDS,
    Racers,
    RacerSpec,
    RacerSpecError,
    check_problem,
    default_spec,
    parse_racers,
)
from nnviz.session import Snapshot

EDITOR_COLUMNS = ("kind", "name", "learning rate", "batch", "more (key=value …)")
EDITOR_TIPS = ("the optimiser; newton races only on logistic regression",
               "unique label (letters, digits, _ - . +)",
               "η; for newton the step size (1 = the pure method)",
               "examples per update, or full (gd and newton always use the full batch)",
               "momentum= beta1= beta2= rho= eps= schedule=constant|step|exponential every= "
               "factor= epochs= search=1|0")


@register_panel
class RacerEditorPanel(Panel):
    """A small table of racers: change settings, add or remove racers, then Apply.

    Apply reads the table into racers (:mod:`nnviz.core.racers`), checks them against the
    race's problem and emits :attr:`live_change` ("racers", racers); errors name the racer and
    key.
    """

    kind: ClassVar[str] = "race_editor"
    draws = view_types(race=RaceView)
    title: ClassVar[str] = "Racers"
    #: controls, not a figure: an export writes the racers as CSV, never a picture of the
    #: table and its buttons (the curves' legend names every racer's settings)
    figure: ClassVar[bool] = False

    live_change = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(EDITOR_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(EDITOR_COLUMNS))
        for column, tip in enumerate(EDITOR_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.layout_.addWidget(self.table)
        buttons = QHBoxLayout()
        self.new_kind = QComboBox()
        self.new_kind.addItems(list(KINDS))
        self.new_kind.setCurrentText("momentum")
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove selected")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        for widget in (self.new_kind, self.add_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        self.layout_.addLayout(buttons)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.add_button.clicked.connect(self.add_racer)
        self.remove_button.clicked.connect(self.remove_selected)
        self.apply_button.clicked.connect(self.apply)
        self.table.itemChanged.connect(self._edited)
        #: the racers the table was last filled with or applied (from the race view)
        self.loaded: tuple[RacerSpec, ...] = ()
        self.dirty = False
        #: the race's problem (from the race view): Newton's method races only on one
        self.problem: str | None = None

    # -- loading ----------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = race_view_of(snapshot)
        if view is None:
            return
        self.problem = view.problem
        if view.specs and view.specs != self.loaded and not self.dirty:
            self.load(view.specs)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.dirty = False
        self.loaded = ()

    def load(self, specs: Sequence[RacerSpec]) -> None:
        """Fill the table with ``specs`` (the run's current racers)."""
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for spec in specs:
            self._append_row(spec)
        self.table.blockSignals(False)
        self.loaded = tuple(specs)
        self.dirty = False
        self._say("", error=False)

    def _append_row(self, spec: RacerSpec) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        kind = QComboBox()
        kind.addItems(list(KINDS))
        kind.setCurrentText(spec.kind)
        kind.currentTextChanged.connect(self._edited)
        self.table.setCellWidget(row, 0, kind)
        more = spec.text(hyperparameters=True).split()[1:]
        more = [w for w in more if not w.startswith(("name=", "lr=", "batch="))]
        batch = "" if spec.kind in ("gd", "newton") else (
            "full" if spec.batch_size == 0 else str(spec.batch_size))
        cells = (spec.name, f"{spec.learning_rate:g}", batch, " ".join(more))
        for column, text in enumerate(cells, start=1):
            self.table.setItem(row, column, QTableWidgetItem(text))

    # -- editing ----------------------------------------------------------------------------
    def _edited(self, *_: object) -> None:
        self.dirty = True
        self._say("Edited: press Apply to change the race.", error=False)

    def add_racer(self) -> None:
        kind = self.new_kind.currentText()
        taken = {self._cell(r, 1) for r in range(self.table.rowCount())}
        name, count = kind, 1
        while name in taken:
            count += 1
            name = f"{kind}-{count}"
        spec = default_spec(kind, name)
        self.table.blockSignals(True)
        self._append_row(spec)
        self.table.blockSignals(False)
        self._edited()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self._edited()

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def racers_line(self) -> str:
        """The racers line the table describes (not yet validated)."""
        parts = []
        for row in range(self.table.rowCount()):
            kind = self.table.cellWidget(row, 0).currentText()
            words = [kind]
            name = self._cell(row, 1)
            if name:
                words.append(f"name={name}")
            rate = self._cell(row, 2)
            if rate:
                words.append(f"lr={rate}")
            batch = self._cell(row, 3)
            if batch and kind not in ("gd", "newton"):
                words.append(f"batch={0 if batch.lower() == 'full' else batch}")
            words += self._cell(row, 4).split()
            parts.append(" ".join(words))
        return "; ".join(parts)

    def racers(self) -> Racers:
        """The racers the table describes, read once and checked against the race's problem;
        :class:`~nnviz.core.racers.RacerSpecError` names the racer and key that are wrong."""
        line = self.racers_line()
        racers = Racers(parse_racers(line), line)
        if self.problem is not None:
            check_problem(racers.specs, self.problem)
        return racers

    def apply(self) -> bool:
        """Emit the table's racers as a live change; say what is wrong otherwise."""
        try:
            racers = self.racers()
        except RacerSpecError as error:
            self._say(str(error), error=True)
            return False
        self.live_change.emit("racers", racers)
        self.dirty = False
        self.loaded = racers.specs
        self._say(f"Applied: {racers}", error=False)
        return True

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #444;")

    def csv_tables(self) -> dict[str, CsvTable]:
        rows = [[self.table.cellWidget(r, 0).currentText(),
                 *(self._cell(r, c) for c in range(1, len(EDITOR_COLUMNS)))]
                for r in range(self.table.rowCount())]
        if not rows:
            return {}
        return {"racers": (list(EDITOR_COLUMNS),
                           [list(column) for column in zip(*rows, strict=True)])}
