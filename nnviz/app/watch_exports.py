"""The watch window's Save run…, Export all…, Screenshot and Record, on the app's own machinery.

Nothing here writes a file itself: :class:`WatchExports` points the main window's
:class:`~nnviz.app.export_menu.ExportController` (or one of its own, for a watch window made
without a main window), a :class:`~nnviz.app.recording.RecordingController` and a
:class:`~nnviz.app.runs.RunKeeper` at the watch window, so its panels get the same
right-click menus (PNG, SVG, CSV, copy, record this panel) as the main window's, and

- **Save run…** writes the shown run's store (the listener's bounded
  :class:`~nnviz.io.runs.RunRecord`, the one its panels draw) to a run file that "Open run…"
  and ``nnviz app FILE`` open, with its curves, histograms over time, layer health and
  steering changes;
- **Export all…** writes every panel, as the main window's does;
- **Screenshot** and **Record** take the whole watch window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from nnviz.app.export_menu import ExportController
from nnviz.app.recording import RecordingController
from nnviz.app.runs import RunKeeper
from nnviz.io.files import safe_stem, unused_stem
from nnviz.io.runs import SUFFIX, RunRecord

#: the name a recording of the whole watch window is saved under
RECORDING_NAME = "watch-window"


class ShownRunKeeper(RunKeeper):
    """A :class:`RunKeeper` that saves the run the watch window shows, under its own name
    (``resnet-cifar-1200.nnviz-run.npz``, not the scenario name every watched run shares)."""

    def __init__(self, shown: Callable[[], RunRecord | None], **options: Any) -> None:
        super().__init__(**options)
        self.shown = shown

    def save(self) -> Path | None:
        self.record = self.shown()
        if self.record is None:
            self.failed.emit("No watched run is shown: attach one from the picker's "
                             "Watch group.")
            return None
        return super().save()

    def default_path(self) -> Path:
        record = self.record
        folder = Path(self.folder())
        name = (record.label or record.scenario) if record is not None else "watch"
        steps = record.steps if record is not None else 0
        stem = unused_stem(folder, safe_stem(f"{name}-{steps}"), [SUFFIX])
        return folder / f"{stem}{SUFFIX}"


class WatchExports(QObject):
    """The watch window's file actions; see the module docstring. ``shown()`` gives the shown
    run's record and ``latest()`` its newest snapshot (for the sidecars)."""

    #: one line saying what was written, or why not
    message = Signal(str)

    def __init__(self, window: QWidget, panels: Callable[[], list], *,
                 shown: Callable[[], RunRecord | None],
                 exports: ExportController | None = None,
                 recording: RecordingController | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.panels = panels
        self.shown = shown
        self.exports = exports or ExportController(window)
        self.recording = recording or RecordingController(self.exports, window, parent=self)
        self.runs = ShownRunKeeper(shown, parent=window,
                                   folder=lambda: self.exports.folder, exports=self.exports)
        for source in (self.exports, self.recording, self.runs):
            source.message.connect(self.message.emit)
            source.failed.connect(self.message.emit)
        self.exports.install_all(panels())
        self.save_run_action = self._action("Save run…", self.save_run,
                                            "Save the shown run as a run file", "Ctrl+S")
        self.export_all_action = self._action(
            "Export all…", self.export_all,
            "Write every panel as PNG/SVG/CSV with a sidecar into one folder", "Ctrl+E")
        self.screenshot_action = self._action(
            "Screenshot", self.screenshot,
            "Save the whole watch window as a PNG (with a sidecar) in the export folder",
            "Ctrl+Shift+S")
        self.record_action = self._action("Record", self.toggle_recording,
                                          "Record the watch window (GIF, or MP4)")
        self.recording.changed.connect(self._recording_changed)
        self.actions = [self.save_run_action, self.export_all_action,
                        self.screenshot_action, self.record_action]

    def _action(self, text: str, slot: Callable[[], Any], tip: str, shortcut: str = ""
                ) -> QAction:
        action = QAction(text, self.window)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)  # the shortcut works in the watch window
        return action

    def latest(self) -> Any:
        record = self.shown()
        return record.latest if record is not None else None

    # -- actions --------------------------------------------------------------------------
    def save_run(self) -> Path | None:
        """Ask where, then write the shown run (None when cancelled or nothing is shown)."""
        return self.runs.save()

    def export_all(self) -> list[Path]:
        return self.exports.export_all(self.panels(), self.window)

    def screenshot(self) -> list[Path]:
        return self.exports.save_screenshot(self.window, self.latest())

    def toggle_recording(self) -> None:
        """Start recording the watch window, or stop (the recording is saved on stop)."""
        recorder = self.recording.recorder
        if recorder is not None and recorder.recording and recorder.target is self.window:
            self.recording.stop()
        else:
            self.recording.start(self.window, RECORDING_NAME)

    def _recording_changed(self, on: bool) -> None:
        recorder = self.recording.recorder
        mine = on and recorder is not None and recorder.target is self.window
        self.record_action.setText("Stop recording" if mine else "Record")

    def shutdown(self) -> None:
        """Stop a recording of this window (it is saved) before the window goes."""
        recorder = self.recording.recorder
        if recorder is not None and recorder.recording and recorder.target is self.window:
            self.recording.stop()
