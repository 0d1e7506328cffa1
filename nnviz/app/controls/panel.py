"""The controls dock's content: one editor per hyperparameter, grouped, advanced ones folded.

Nothing here is written per scenario: the rows come from ``config_type.params()`` in
declaration order, grouped by ``Param.group`` (model, optimiser, data …). Structural
parameters carry a ↻ mark (changing them restarts the run).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.controls.editors import ParamEditor, describe, make_editor
from nnviz.scenarios.params import Config

GROUP_TITLES = {"model": "Model", "optimiser": "Optimiser", "data": "Data", "view": "View"}
RESTART_MARK = " ↻"


class ControlsPanel(QWidget):
    """Editors for every parameter of one config type; emits ``changed(name, value)``."""

    changed = Signal(str, object)

    def __init__(self, config_type: type[Config], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controls")
        self.config_type = config_type
        self.editors: dict[str, ParamEditor] = {}
        self._advanced_rows: list[tuple[QFormLayout, ParamEditor]] = []
        self._boxes: dict[str, QGroupBox] = {}
        advanced_only: dict[str, bool] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        forms: dict[str, QFormLayout] = {}
        for name, spec in config_type.params().items():
            if spec.group not in forms:
                box = QGroupBox(GROUP_TITLES.get(spec.group, spec.group.capitalize()))
                box.setObjectName(f"group-{spec.group}")
                form = QFormLayout(box)
                form.setContentsMargins(6, 4, 6, 4)
                form.setVerticalSpacing(3)
                form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                forms[spec.group] = form
                self._boxes[spec.group] = box
                layout.addWidget(box)
            editor = make_editor(spec)
            editor.edited.connect(lambda value, name=name: self.changed.emit(name, value))
            label = QLabel(spec.title + ("" if spec.live else RESTART_MARK))
            label.setToolTip(describe(spec))
            forms[spec.group].addRow(label, editor)
            self.editors[name] = editor
            advanced_only[spec.group] = advanced_only.get(spec.group, True) and spec.advanced
            if spec.advanced:
                self._advanced_rows.append((forms[spec.group], editor))
        #: groups with nothing but advanced rows disappear while those are folded away
        self._advanced_groups = [self._boxes[g] for g, only in advanced_only.items() if only]
        self.advanced_button = QToolButton()
        self.advanced_button.setObjectName("show-advanced")
        self.advanced_button.setText("Show advanced settings")
        self.advanced_button.setCheckable(True)
        self.advanced_button.toggled.connect(self.show_advanced)
        self.advanced_button.setVisible(bool(self._advanced_rows))
        layout.addWidget(self.advanced_button)
        note = QLabel(f"{RESTART_MARK.strip()} restarts the run; other changes apply live.")
        note.setStyleSheet("color: palette(mid); font-size: 8pt;")
        layout.addWidget(note)
        layout.addStretch(1)
        self.show_advanced(False)

    def show_advanced(self, shown: bool) -> None:
        for form, editor in self._advanced_rows:
            form.setRowVisible(editor, shown)
        for box in self._advanced_groups:
            box.setVisible(shown)
        self.advanced_button.setText("Hide advanced settings" if shown
                                     else "Show advanced settings")

    def set_config(self, config: Config) -> None:
        """Show ``config``'s values without emitting ``changed``."""
        for name, editor in self.editors.items():
            editor.set_value(getattr(config, name))

    def values(self) -> dict[str, Any]:
        return {name: editor.value() for name, editor in self.editors.items()}
