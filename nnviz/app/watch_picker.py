"""The picker's "Watch" group: the scripts streaming to this app, one line each.

The group sits first in :class:`~nnviz.app.picker.ScenarioPicker` and lists every watched run
the listener knows (a run whose script has ended says so). Its entries carry a target name
``watch:KEY``; the window hands names of that form to the watch controller instead of
opening a scenario. With no script streaming, one disabled line says how to start one.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from nnviz.app.picker import TARGET_ROLE
from nnviz.app.watch_listener import WatchedRun

PREFIX = "watch:"
GROUP_TITLE = "Watch (your own training scripts)"
NONE_STREAMING = "no script is streaming: call nnviz.watch(model, optimizer) in one"


def target_name(key: str) -> str:
    return f"{PREFIX}{key}"


def run_key(name: str) -> str | None:
    """The run key a picker target names, or None for a scenario or preset."""
    return name.removeprefix(PREFIX) if name.startswith(PREFIX) else None


def entry_text(run: WatchedRun) -> str:
    state = "ended" if not run.connected else (
        f"paused at step {run.paused_at:,}" if run.paused_at is not None else "streaming")
    return f"{run.title} — {state}, step {run.steps:,}"


class WatchEntries:
    """Keeps the "Watch" group of ``picker`` in step with the listener's runs."""

    def __init__(self, picker: QTreeWidget) -> None:
        self.picker = picker
        self.group = QTreeWidgetItem([GROUP_TITLE])
        self.group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = self.group.font(0)
        font.setBold(True)
        self.group.setFont(0, font)
        picker.insertTopLevelItem(0, self.group)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._hint: QTreeWidgetItem | None = None
        self.show_runs([])
        self.group.setExpanded(True)

    def show_runs(self, runs: Iterable[WatchedRun]) -> None:
        """List ``runs`` (newest last); refresh the text of those already listed."""
        runs = list(runs)
        for run in runs:
            item = self.items.get(run.key)
            if item is None:
                item = self.items[run.key] = QTreeWidgetItem(self.group, [""])
                item.setData(0, TARGET_ROLE, target_name(run.key))
            item.setText(0, entry_text(run))
            tip = f"{run.title}: attach to see its panels" + (
                "" if run.steerable else f"; not steerable: {run.reason}")
            item.setToolTip(0, f"<p>{html.escape(tip, quote=False)}</p>")
        self._show_hint(not runs)

    def _show_hint(self, shown: bool) -> None:
        hint = self._hint
        if shown and hint is None:
            self._hint = QTreeWidgetItem(self.group, [NONE_STREAMING])
            self._hint.setFlags(Qt.ItemFlag.NoItemFlags)
            self._hint.setToolTip(0, "<p>import nnviz; watcher = nnviz.watch(model, "
                                     "optimizer); then watcher.step(loss=…) in the loop</p>")
        elif not shown and hint is not None:
            self.group.removeChild(hint)
            self._hint = None
