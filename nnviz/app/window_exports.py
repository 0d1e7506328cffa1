"""Everything export-related a main window offers, behind one object.

The window creates one :class:`WindowExports`, adds its :attr:`actions` to a toolbar or menu,
calls :meth:`install` with its panels whenever it builds them, :meth:`on_snapshot` with every
snapshot it shows, and :meth:`shutdown` when it closes. Messages go to the window's status
bar when it has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from nnviz.app.export_menu import ExportController
from nnviz.app.panels.base import Panel
from nnviz.app.recording import RecordingController
from nnviz.app.runs import RunKeeper


class WindowExports(QObject):
    """Export all, screenshot, record window, save run, open run, and the panel menus."""

    def __init__(self, window: QWidget, *, panels: Callable[[], Iterable[Panel]],
                 latest: Callable[[], Any] | None = None,
                 preset: Callable[[], str | None] | None = None,
                 final_state: Callable[[], Any] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.panels = panels
        self.latest = latest or (lambda: None)
        self.preset = preset or (lambda: None)
        self.exports = ExportController(window)
        self.recording = RecordingController(self.exports, window, self.latest, parent=self)
        self.runs = RunKeeper(window, folder=lambda: self.exports.folder, preset=self.preset,
                              final_state=final_state, exports=self.exports)
        self.exports.sidecar_extra = self._live_changes
        for source in (self.exports, self.recording, self.runs):
            source.message.connect(self._status)
        self.recording.failed.connect(self._error)
        self.runs.failed.connect(self._error)

        def action(text: str, slot: Callable[[], Any], tip: str, shortcut: str = "") -> QAction:
            made = QAction(text, self)
            made.setToolTip(tip)
            made.setStatusTip(tip)
            if shortcut:
                made.setShortcut(QKeySequence(shortcut))
            made.triggered.connect(lambda _checked=False: slot())
            return made

        self.export_all_action = action(
            "Export all…", self.export_all,
            "Write every panel as PNG/SVG/CSV with a sidecar into one folder", "Ctrl+E")
        self.screenshot_action = action(
            "Screenshot", self.screenshot,
            "Save the whole window as a PNG (with a sidecar) in the export folder",
            "Ctrl+Shift+S")
        self.record_action = QAction("Record", self)
        self.record_action.setCheckable(True)
        self.record_action.setToolTip("Record the window while it trains (GIF, or MP4)")
        self.record_action.toggled.connect(self._record_toggled)
        self.recording.changed.connect(self._recording_changed)
        self.save_run_action = action("Save run…", self.runs.save,
                                      "Save this run's config, curves, snapshots and weights",
                                      "Ctrl+S")
        self.open_run_action = action("Open run…", lambda: self.runs.open(),
                                      "Open a saved run to look at it and compare", "Ctrl+O")
        self.actions = [self.export_all_action, self.screenshot_action, self.record_action,
                        self.save_run_action, self.open_run_action]

    # -- the window's hooks -----------------------------------------------------------------
    def install(self, panels: Iterable[Panel] | None = None) -> None:
        """Give panels their right-click export menu (call again after rebuilding panels)."""
        self.exports.install_all(panels if panels is not None else self.panels())

    def on_snapshot(self, snapshot: Any) -> None:
        self.exports.preset = self.preset()
        self.runs.on_snapshot(snapshot)

    def _live_changes(self) -> dict[str, Any]:
        """Hyperparameters changed while the run trained: the sidecar's command alone
        (final values from step 0) would not reproduce such a run."""
        record = self.runs.record
        if record is None or not record.config_changes:
            return {}
        return {"live_changes": [{"step": step, "values": values}
                                 for step, values in record.config_changes],
                "initial_hyperparameters": record.config.as_dict()}

    def shutdown(self) -> None:
        self.recording.stop()
        self.recording.wait()
        for viewer in list(self.runs.viewers):
            viewer.close()

    # -- actions ---------------------------------------------------------------------------
    def export_all(self) -> list:
        self.exports.preset = self.preset()
        return self.exports.export_all(list(self.panels()), self.window)

    def screenshot(self) -> list:
        self.exports.preset = self.preset()
        return self.exports.save_screenshot(self.window, self.latest())

    def _record_toggled(self, on: bool) -> None:
        if on != self.recording.recording:
            self.recording.toggle_window(on)
        if on and not self.recording.recording:
            self.record_action.blockSignals(True)
            self.record_action.setChecked(False)
            self.record_action.blockSignals(False)

    def _recording_changed(self, on: bool) -> None:
        self.record_action.blockSignals(True)
        self.record_action.setChecked(on and self.recording.recorder is not None
                                      and self.recording.recorder.target is self.window)
        self.record_action.setText("Stop recording" if on else "Record")
        self.record_action.blockSignals(False)

    def _status(self, text: str) -> None:
        if isinstance(self.window, QMainWindow):
            self.window.statusBar().showMessage(text, 8000)

    def _error(self, text: str) -> None:
        self._status(text)
        if not self.exports.quiet:
            QMessageBox(QMessageBox.Icon.Warning, "nnviz", text, parent=self.window).open()
