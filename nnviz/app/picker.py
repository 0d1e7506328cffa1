"""The scenario/preset picker: every registered scenario and every shipped preset, one line each.

A scenario whose optional requirements are missing is listed but disabled; its tooltip and
description say what is missing and how to install it. Choosing an entry emits
``chosen(target)`` with the scenario or preset name (the same names the CLI accepts).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from nnviz.scenarios.base import Scenario
from nnviz.scenarios.params import Config
from nnviz.scenarios.presets import Preset, PresetError, load_preset, presets_dir
from nnviz.scenarios.registry import all_scenarios

TARGET_ROLE = Qt.ItemDataRole.UserRole
DOUBLE_CLICK_S = 0.6


@dataclass(frozen=True)
class Target:
    """What a picker entry opens: a scenario with its default config, or a preset."""

    name: str
    scenario: Scenario
    preset: Preset | None = None

    @property
    def title(self) -> str:
        return self.preset.title if self.preset else self.scenario.title

    def config(self) -> Config:
        """The config to open; the scenario's ``watch_values`` apply where the preset is
        silent."""
        if self.preset is None:
            return self._watched(self.scenario.default_config(), {})
        return self._watched(self.preset.config(), self.preset.values)

    def compare_config(self) -> Config | None:
        """The lesson's second run, or None when the preset is not a comparison."""
        compare = self.preset.compare_config() if self.preset else None
        return None if compare is None else self._watched(compare, self.preset.values)

    def _watched(self, config: Config, chosen: Mapping[str, Any]) -> Config:
        extra = {name: value for name, value in self.scenario.watch_values.items()
                 if name not in chosen}
        return config.with_values(extra) if extra else config


def usable_presets() -> tuple[dict[str, Preset], list[str]]:
    """Every shipped preset that loads, in picker order, and an error line for each that does not.

    One broken file must not hide the others (``all_presets`` stops at the first error).
    """
    presets, errors = [], []
    for path in sorted(presets_dir().glob("*.toml")):
        try:
            presets.append(load_preset(path))
        except PresetError as error:
            errors.append(str(error))
    presets.sort(key=lambda p: (p.lesson.order if p.lesson else 10_000, p.name))
    return {preset.name: preset for preset in presets}, errors


def resolve_target(name: str) -> Target:
    """A scenario or preset by the name the CLI and the picker use; KeyError if unknown."""
    scenarios = all_scenarios()
    if name in scenarios:
        return Target(name, scenarios[name])
    presets, _ = usable_presets()
    if name in presets:
        preset = presets[name]
        return Target(name, scenarios[preset.scenario], preset)
    raise KeyError(
        f"unknown scenario or preset {name!r}; scenarios: {', '.join(scenarios)}; "
        f"presets: {', '.join(presets) or 'none'}"
    )


class ScenarioPicker(QTreeWidget):
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("picker")
        self.setColumnCount(1)
        self.setHeaderHidden(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.preset_errors: list[str] = []
        self._last_emitted: tuple[str, ...] = ()
        self._last_time = 0.0
        self._fill()
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    def _fill(self) -> None:
        scenarios = QTreeWidgetItem(self, ["Scenarios"])
        for name, scenario in all_scenarios().items():
            reason = scenario.unavailable_reason()
            item = QTreeWidgetItem(scenarios, [f"{scenario.title} — {scenario.description}"])
            item.setData(0, TARGET_ROLE, name)
            tip = f"{scenario.title}: {scenario.description}"
            if reason:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled
                              & ~Qt.ItemFlag.ItemIsSelectable)
                item.setText(0, f"{scenario.title} — unavailable: {reason}")
                tip = reason
            item.setToolTip(0, tip)
            self.items[name] = item
        presets, errors = usable_presets()
        self.preset_errors = errors
        if presets:
            group = QTreeWidgetItem(self, ["Presets"])
            for name, preset in presets.items():
                item = QTreeWidgetItem(group, [f"{preset.title} — {preset.description}"])
                item.setData(0, TARGET_ROLE, name)
                tip = f"{name} ({preset.scenario}): {preset.description}"
                item.setToolTip(0, tip)
                self.items[name] = item
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
        self.expandAll()

    def select(self, name: str) -> None:
        """Highlight ``name`` without emitting ``chosen``."""
        item = self.items.get(name)
        if item is not None:
            self.blockSignals(True)
            self.setCurrentItem(item)
            self.blockSignals(False)

    def _activated(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, TARGET_ROLE)
        if not name or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        now = time.monotonic()
        if self._last_emitted == (name, ) and now - self._last_time < DOUBLE_CLICK_S:
            return  # a double click also clicks: open once
        self._last_emitted, self._last_time = (name, ), now
        self.chosen.emit(name)
