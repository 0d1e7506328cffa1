"""Steering controls for one watched run: each parameter group's learning rate, momentum and
weight decay, Pause, Run and Step N, and how often the script samples metrics and histograms.

The controls only say what the person asked for (``command``, a protocol message); the
script applies it at its next ``watcher.step()`` and the curves mark it when it did. A run
that refuses steering (``steerable=False``), has no optimiser, or has ended shows its
controls disabled with the reason.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.watch_listener import WatchedRun
from nnviz.watching.protocol import MAX_STEP_COUNT, STEERABLE_SETTINGS

SETTING_LABELS = {"learning_rate": "learning rate", "momentum": "momentum",
                  "weight_decay": "weight decay"}
RATE_LABELS = {"snapshot_every": "metrics every", "histogram_every": "histograms every"}


def current_value(run: WatchedRun, group: int, name: str) -> float:
    """A group's setting as the script last reported it (its per-step curves, else its last
    steering change), else as it said hello; NaN where the optimiser has no such setting."""
    suffix = "" if group == 0 else f"_group{group}"
    latest = run.record.latest if run.record is not None else None
    if latest is not None and f"{name}{suffix}" in latest.metrics:
        return float(latest.metrics[f"{name}{suffix}"])
    for mark in reversed(run.marks):  # weight decay is not in the curves: its last change
        if mark.get("group") == group and mark.get("name") == name:
            return float(mark.get("value", math.nan))
    settings = run.groups[group] if group < len(run.groups) else None
    return float(getattr(settings, name, math.nan)) if settings is not None else math.nan


def number_text(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.6g}"


class SteeringControls(QWidget):
    """The steering of the shown run; see the module docstring."""

    #: a protocol message for the shown run's script (``set``, ``pause``, ``run``, ``step``)
    command = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("<b>Steer the run</b>"))
        self.reason = QLabel()
        self.reason.setObjectName("watch-steering-reason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #7a5200;")
        layout.addWidget(self.reason)
        self.groups_grid = QGridLayout()
        layout.addLayout(self.groups_grid)
        buttons = QHBoxLayout()
        self.pause_button = self._button("Pause", "watch-pause", {"type": "pause"})
        self.run_button = self._button("Run", "watch-run", {"type": "run"})
        self.step_button = QPushButton("Step")
        self.step_button.setObjectName("watch-step")
        self.step_count = QSpinBox()
        self.step_count.setObjectName("watch-step-count")
        self.step_count.setRange(1, MAX_STEP_COUNT)
        self.step_count.setToolTip("steps to let through, then pause")
        self.step_button.clicked.connect(
            lambda: self.command.emit({"type": "step", "count": self.step_count.value()}))
        for widget in (self.pause_button, self.run_button, self.step_button, self.step_count):
            buttons.addWidget(widget)
        layout.addLayout(buttons)
        layout.addLayout(self._rate_row())
        self.state = QLabel()
        self.state.setObjectName("watch-state")
        layout.addWidget(self.state)
        layout.addStretch(1)
        #: (group, setting) -> its editor
        self.editors: dict[tuple[int, str], QLineEdit] = {}
        self._run: WatchedRun | None = None

    def _rate_row(self) -> QHBoxLayout:
        """How often the script samples: a row of metrics, and histograms, every N steps."""
        row = QHBoxLayout()
        self.rate_boxes: dict[str, QSpinBox] = {}
        for name, text in RATE_LABELS.items():
            box = QSpinBox()
            box.setObjectName(f"watch-{name}")
            box.setRange(1, MAX_STEP_COUNT)
            box.setToolTip(f"{text} N steps (and at most as often a second as the "
                           "script said)")
            box.editingFinished.connect(lambda n=name, b=box: self._rate_edited(n, b))
            row.addWidget(QLabel(text))
            row.addWidget(box)
            self.rate_boxes[name] = box
        return row

    def _rate_edited(self, name: str, box: QSpinBox) -> None:
        config = self._run.record.latest.config if self._run is not None and \
            self._run.record is not None and self._run.record.latest is not None else None
        if getattr(config, name, None) != box.value():
            self.command.emit({"type": "rates", name: box.value()})

    def _button(self, text: str, name: str, message: dict) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(lambda: self.command.emit(dict(message)))
        return button

    def show_run(self, run: WatchedRun | None) -> None:
        """Show ``run``'s groups and state (editors rebuilt only when the run changes)."""
        if run is not self._run:
            self._run = run
            self._build_editors(run)
        self._show_state(run)

    def _build_editors(self, run: WatchedRun | None) -> None:
        while self.groups_grid.count():
            widget = self.groups_grid.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # gone now, not at the next event loop pass
                widget.deleteLater()
        self.editors = {}
        if run is None:
            return
        for column, name in enumerate(STEERABLE_SETTINGS, start=1):
            self.groups_grid.addWidget(QLabel(SETTING_LABELS[name]), 0, column)
        for group in run.groups:
            row = group.index + 1
            label = QLabel(f"group {group.index}")
            label.setToolTip(f"{group.parameters:,} parameters")
            self.groups_grid.addWidget(label, row, 0)
            for column, name in enumerate(STEERABLE_SETTINGS, start=1):
                editor = QLineEdit()
                editor.setObjectName(f"watch-{name}-{group.index}")
                validator = QDoubleValidator(0.0, 1e6, 12, editor)
                validator.setLocale(QLocale.c())  # "0.01" in every locale, as float() reads
                editor.setValidator(validator)
                editor.setMaximumWidth(90)
                editor.returnPressed.connect(
                    lambda g=group.index, n=name, e=editor: self._edited(g, n, e))
                self.groups_grid.addWidget(editor, row, column)
                self.editors[(group.index, name)] = editor

    def _edited(self, group: int, name: str, editor: QLineEdit) -> None:
        try:
            value = float(editor.text())
        except ValueError:
            return
        self.command.emit({"type": "set", "group": group, "name": name, "value": value})

    def _show_state(self, run: WatchedRun | None) -> None:
        steerable = run is not None and run.connected and run.steerable
        reason = "" if run is None else (
            "the script has ended" if not run.connected else
            "" if run.steerable else f"steering is off: {run.reason}")
        if run is not None and run.connected and run.steerable and run.reason:
            reason = run.reason  # steerable, with a limit (no optimiser)
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        for (group, name), editor in self.editors.items():
            value = current_value(run, group, name) if run is not None else math.nan
            editor.setEnabled(steerable and math.isfinite(value))
            if not editor.hasFocus():
                editor.setText(number_text(value))
        config = run.record.latest.config if run is not None and run.record is not None \
            and run.record.latest is not None else None
        for name, box in self.rate_boxes.items():
            box.setEnabled(steerable and hasattr(config, name))
            if hasattr(config, name) and not box.hasFocus():
                box.setValue(int(getattr(config, name)))
        paused = run is not None and run.paused_at is not None
        self.pause_button.setEnabled(steerable and not paused)
        self.run_button.setEnabled(steerable and paused)
        self.step_button.setEnabled(steerable)
        self.step_count.setEnabled(steerable)
        self.state.setText("" if run is None else
                           f"paused at step {run.paused_at:,}" if paused else
                           f"step {run.steps:,}" + ("" if run.connected else " (ended)"))
