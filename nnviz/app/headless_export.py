"""The Qt half of ``nnviz export``: the scenario's panels built offscreen and written out."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from nnviz.app import export
from nnviz.app.panels import Panel, all_panels
from nnviz.io.files import all_or_nothing
from nnviz.session import Snapshot

DEFAULT_PANEL_SIZE = (800, 600)


def export_scenario_panels(scenario: Any, snapshots: Sequence[Any], folder: Path, *,
                           formats: Sequence[str], size: tuple[int, int] | None = None,
                           scale: float = 1.0, preset: str | None = None
                           ) -> tuple[list[Path], list[str]]:
    """Write every panel ``scenario`` lists, fed ``snapshots`` (the last one with views,
    and earlier ones where their views keep a history: see :func:`feed`). Every PNG is
    ``size`` output pixels, 800×600 × ``scale`` when None: a panel's figure is smaller than
    the panel by its control bar, so "the figure's own size" would differ panel by panel.

    Returns (written paths, notes on what was skipped: unknown panel kinds, CSV of a panel
    that draws no table). When a write fails (a full disk), every file this call wrote is
    removed before the error propagates: the folder holds the whole set or nothing new.
    """
    app = QApplication.instance()
    if app is None:
        app = QApplication(["nnviz-export"])
        qInstallMessageHandler(_quiet_offscreen)
    registry = all_panels()
    notes: list[str] = []
    final = snapshots[-1]
    if size is None:  # the promised default, not whatever the figure inside the panel measures
        size = (round(DEFAULT_PANEL_SIZE[0] * scale), round(DEFAULT_PANEL_SIZE[1] * scale))
    width, height = round(size[0] / scale), round(size[1] / scale)
    try:
        with all_or_nothing() as written:
            for kind in scenario.panels:
                panel_class = registry.get(kind)
                if panel_class is None:
                    notes.append(f"panel {kind!r} of {scenario.name} is not available; skipped")
                    continue
                panel = panel_class()
                try:
                    panel.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
                    panel.resize(width, height)
                    panel.show()
                    panel.start_run(final.run_id)
                    feed(panel, snapshots)
                    app.processEvents()
                    chosen = [f for f in formats if f != "csv" or panel.csv_tables()]
                    if "csv" in formats and "csv" not in chosen:
                        notes.append(f"panel {kind!r} draws no data table; no CSV written")
                    if not chosen:
                        continue
                    options = export.ExportOptions(tuple(chosen), size, scale, preset)
                    written.extend(export.export_panel(panel, folder, options, snapshot=final))
                finally:
                    panel.close()
                    panel.deleteLater()
    finally:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return written, notes


def feed(panel: Panel, snapshots: Sequence[Snapshot]) -> None:
    """As the window does: every snapshot recorded for the curves, each one with views drawn
    (the window draws the snapshots the worker computed views for), the newest last."""
    for snapshot in snapshots[:-1]:
        if snapshot.views:
            panel.show_snapshot(snapshot)
        else:
            panel.record_snapshot(snapshot)
    panel.show_snapshot(snapshots[-1])


def _quiet_offscreen(kind: QtMsgType, context: Any, message: str) -> None:
    """Drop the offscreen plugin's notes on what it cannot do; print everything else."""
    if message.startswith("This plugin does not support"):
        return
    if kind != QtMsgType.QtDebugMsg:
        sys.stderr.write(f"qt: {message}\n")
