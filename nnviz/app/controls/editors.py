"""One editor widget per hyperparameter kind, each built from a :class:`Param` alone.

Every editor emits ``edited(value)`` only for a value the person chose and that
:meth:`Param.coerce` accepted, so nothing outside the bounds can leave an editor:
spin boxes and sliders are clamped to the bounds, and a typed list of hidden sizes that does
not parse shows the error under the field and is not applied. ``set_value`` changes the
display without emitting (the window uses it to follow presets and resets).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.scenarios.params import Param, ParamError

SLIDER_STEPS = 1000
INT_LIMIT = 2**31 - 1
ERROR_STYLE = "QLineEdit { border: 1px solid #c0392b; background: #fdecea; }"


def describe(spec: Param) -> str:
    """The tooltip: help, what is accepted, and whether a change is live or restarts."""
    lines = [spec.help] if spec.help else []
    lines.append(f"Accepted: {spec.accepted()}" + (f" ({spec.unit})" if spec.unit else ""))
    lines.append("Live: takes effect on the next step." if spec.live
                 else "Changing it restarts the run.")
    return "\n".join(lines)


class ParamEditor(QWidget):
    """Base: one row's input widget for one :class:`Param`."""

    edited = Signal(object)

    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"editor-{spec.name}")
        self.setToolTip(describe(spec))
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, value: Any) -> None:
        try:
            self.edited.emit(self.spec.coerce(value))
        except ParamError:
            pass  # widgets are clamped to the bounds; nothing invalid is applied


class ScientificSpinBox(QDoubleSpinBox):
    """A double spin box that shows ``1e-05`` rather than ``0.00``; log steps if asked."""

    def __init__(self, log_scale: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_scale = log_scale
        self.setDecimals(15)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int) -> object:
        stripped = text.strip()
        try:
            number = float(stripped)
        except ValueError:
            return QValidator.State.Intermediate, text, position
        if not math.isfinite(number) or not self.minimum() <= number <= self.maximum():
            return QValidator.State.Intermediate, text, position
        return QValidator.State.Acceptable, text, position

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if self.log_scale and value > 0:
            value *= 10 ** (0.1 * steps)
        else:
            value += steps * self.singleStep()
        self.setValue(min(max(value, self.minimum()), self.maximum()))


class FloatEditor(ParamEditor):
    """An exact spin box plus a slider (log-scaled for ``log_scale`` params)."""

    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        low = spec.minimum if spec.minimum is not None else -1e9
        high = spec.maximum if spec.maximum is not None else 1e9
        self.log_scale = bool(spec.log_scale and low > 0)
        self.low, self.high = float(low), float(high)
        self.spin = ScientificSpinBox(self.log_scale)
        self.spin.setRange(self.low, self.high)
        self.spin.setSingleStep(_nice_step(self.high - self.low))
        self.spin.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.spin.setMinimumWidth(84)
        self.slider: QSlider | None = None
        if spec.minimum is not None and spec.maximum is not None:
            self.slider = QSlider(Qt.Orientation.Horizontal)
            self.slider.setRange(0, SLIDER_STEPS)
            self.slider.setObjectName(f"slider-{spec.name}")
            # a structural parameter restarts the run: apply on release, not on every tick
            self.slider.setTracking(spec.live)
            self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.slider.valueChanged.connect(self._slider_moved)
            self.row.addWidget(self.slider, 1)
        self.row.addWidget(self.spin)
        self.spin.valueChanged.connect(self._spin_changed)
        self.set_value(spec.default)

    def value(self) -> float:
        return float(self.spin.value())

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(float(value))
        self.spin.blockSignals(False)
        self._follow_slider(float(value))

    def to_slider(self, value: float) -> int:
        if self.high <= self.low:
            return 0
        if self.log_scale:
            fraction = math.log(value / self.low) / math.log(self.high / self.low)
        else:
            fraction = (value - self.low) / (self.high - self.low)
        return round(min(max(fraction, 0.0), 1.0) * SLIDER_STEPS)

    def from_slider(self, position: int) -> float:
        fraction = position / SLIDER_STEPS
        if self.log_scale:
            value = self.low * (self.high / self.low) ** fraction
            return float(f"{value:.3g}")  # round numbers: 0.0316, not 0.031622776
        return self.low + fraction * (self.high - self.low)

    def _follow_slider(self, value: float) -> None:
        if self.slider is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(self.to_slider(value))
            self.slider.blockSignals(False)

    def _slider_moved(self, position: int) -> None:
        value = min(max(self.from_slider(position), self.low), self.high)
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        self._emit(value)

    def _spin_changed(self, value: float) -> None:
        self._follow_slider(value)
        self._emit(float(value))


class IntEditor(ParamEditor):
    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin = QSpinBox()
        low = int(spec.minimum) if spec.minimum is not None else -INT_LIMIT
        high = int(spec.maximum) if spec.maximum is not None else INT_LIMIT
        self.spin.setRange(max(low, -INT_LIMIT), min(high, INT_LIMIT))
        self.spin.setKeyboardTracking(False)
        self.spin.setAccelerated(True)
        self.spin.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.row.addWidget(self.spin, 1)
        self.set_value(spec.default)
        self.spin.valueChanged.connect(lambda value: self._emit(int(value)))

    def value(self) -> int:
        return int(self.spin.value())

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(value))
        self.spin.blockSignals(False)


class ChoiceEditor(ParamEditor):
    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.addItems(list(spec.choices))
        self.row.addWidget(self.combo, 1)
        self.set_value(spec.default)
        self.combo.activated.connect(lambda index: self._emit(self.combo.itemText(index)))

    def value(self) -> str:
        return self.combo.currentText()

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(self.combo.findText(str(value)), 0))
        self.combo.blockSignals(False)


class BoolEditor(ParamEditor):
    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.check = QCheckBox()
        self.row.addWidget(self.check, 1)
        self.set_value(spec.default)
        self.check.clicked.connect(lambda checked: self._emit(bool(checked)))

    def value(self) -> bool:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)


class TextEditor(ParamEditor):
    """Free text, parsed by :meth:`Param.parse` on Enter or focus-out; errors shown, not applied.

    Used for ``int_list`` (``8,8``), ``str`` and ``path`` (with a Browse… button).
    """

    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.row.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        self.line = QLineEdit()
        if spec.kind == "int_list":
            self.line.setPlaceholderText("e.g. 8 or 16,8 (empty: none)")
        self.error = QLabel()
        self.error.setObjectName(f"error-{spec.name}")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b; font-size: 8pt;")
        self.error.hide()
        column.addWidget(self.line)
        column.addWidget(self.error)
        self.row.addLayout(column, 1)
        if spec.kind == "path":
            browse = QPushButton("Browse…")
            browse.setObjectName(f"browse-{spec.name}")
            browse.clicked.connect(self._browse)
            self.row.addWidget(browse, 0, Qt.AlignmentFlag.AlignTop)
        self._applied = spec.default
        self.set_value(spec.default)
        self.line.textEdited.connect(self._check)
        self.line.editingFinished.connect(self._commit)

    def value(self) -> Any:
        return self._applied

    def set_value(self, value: Any) -> None:
        self._applied = value
        self.line.setText(self.spec.format(value))
        self._show_error("")

    def error_text(self) -> str:
        return self.error.text() if self.error.isVisibleTo(self) else ""

    def _parse(self) -> tuple[Any, str]:
        try:
            return self.spec.parse(self.line.text()), ""
        except ParamError as error:
            return None, str(error)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.line.setStyleSheet(ERROR_STYLE if message else "")

    def _check(self) -> None:
        self._show_error(self._parse()[1])

    def _commit(self) -> None:
        value, message = self._parse()
        self._show_error(message)
        if message or value == self._applied:
            return
        self._applied = value
        self.edited.emit(value)

    def _browse(self) -> None:
        current = self.line.text().strip()
        if current and Path(current).is_dir():
            chosen = QFileDialog.getExistingDirectory(self, self.spec.title, current)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self.spec.title, current)
        if chosen:
            self.line.setText(chosen)
            self._commit()


class MultiChoiceEditor(ParamEditor):
    """One check box per choice (``multi_choice``); a click that leaves too few or too many
    names checked is undone rather than applied."""

    def __init__(self, spec: Param, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        self.checks: dict[str, QCheckBox] = {}
        for choice in spec.choices:
            check = QCheckBox(choice)
            check.setObjectName(f"check-{spec.name}-{choice}")
            check.clicked.connect(self._clicked)
            column.addWidget(check)
            self.checks[choice] = check
        self.row.addLayout(column, 1)
        self._applied = spec.default
        self.set_value(spec.default)

    def value(self) -> tuple[str, ...]:
        return self._applied

    def set_value(self, value: Any) -> None:
        self._applied = tuple(value)
        for choice, check in self.checks.items():
            check.blockSignals(True)
            check.setChecked(choice in self._applied)
            check.blockSignals(False)

    def _clicked(self) -> None:
        chosen = tuple(c for c, check in self.checks.items() if check.isChecked())
        try:
            value = self.spec.coerce(chosen)
        except ParamError:
            self.set_value(self._applied)
            return
        self._applied = value
        self.edited.emit(value)


def _nice_step(span: float) -> float:
    """A 1-2-5 step near 1 % of the range."""
    if not math.isfinite(span) or span <= 0:
        return 0.01
    raw = span / 100
    exponent = math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * 10**exponent >= raw:
            return factor * 10**exponent
    return raw


EDITORS: dict[str, type[ParamEditor]] = {
    "float": FloatEditor,
    "int": IntEditor,
    "optional_int": TextEditor,  # an integer, or empty for unset (Param.parse/format)
    "choice": ChoiceEditor,
    "bool": BoolEditor,
    "int_list": TextEditor,
    "str": TextEditor,
    "path": TextEditor,
    "multi_choice": MultiChoiceEditor,
}


def make_editor(spec: Param, parent: QWidget | None = None) -> ParamEditor:
    return EDITORS[spec.kind](spec, parent)
