"""Everything export-related a main window offers, behind one object.

The window creates one :class:`WindowExports`, adds its :attr:`actions` to a toolbar or menu,
calls :meth:`install` with its panels whenever it builds them, :meth:`on_snapshot` with every
snapshot it shows, and :meth:`shutdown` when it closes. Messages go to the window's status
bar when it has one.

The machinery behind the actions (export dialogs and writers, the recorder, saved runs: with
pyqtgraph's exporters and the sidecar's package versions, some 30 ms of imports and
set-up) is not needed to show the window, so it is built on first use, or on the event loop's
pass after the window's first paint, whichever comes first (:meth:`build`). The actions exist
from the start, so the toolbar is complete in the first frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from nnviz.app.panels.base import Panel

if TYPE_CHECKING:
    from nnviz.app.export_menu import ExportController
    from nnviz.app.recording import RecordingController
    from nnviz.app.runs import RunKeeper
    from nnviz.io.run_curves import RunCurves


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
        self.final_state = final_state
        self._exports: ExportController | None = None
        self._recording: RecordingController | None = None
        self._runs: RunKeeper | None = None
        self._build_queued = False
        window.installEventFilter(self)  # its first paint queues the build (eventFilter)

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
        self.save_run_action = action("Save run…", lambda: self.runs.save(),
                                      "Save this run's config, curves, snapshots and weights",
                                      "Ctrl+S")
        self.open_run_action = action("Open run…", lambda: self.runs.open(),
                                      "Open a saved run to look at it and compare", "Ctrl+O")
        self.actions = [self.export_all_action, self.screenshot_action, self.record_action,
                        self.save_run_action, self.open_run_action]

    # -- the machinery, built on first use ---------------------------------------------------
    @property
    def built(self) -> bool:
        """Whether the export, recording and run machinery exists yet."""
        return self._exports is not None

    @property
    def exports(self) -> ExportController:
        self.build()
        assert self._exports is not None
        return self._exports

    @property
    def recording(self) -> RecordingController:
        self.build()
        assert self._recording is not None
        return self._recording

    @property
    def runs(self) -> RunKeeper:
        self.build()
        assert self._runs is not None
        return self._runs

    def build(self) -> None:
        """Import and create the export, recording and run machinery (once), and give the
        window's panels their right-click export menu."""
        if self._exports is not None:
            return
        from nnviz.app.export_menu import ExportController
        from nnviz.app.recording import RecordingController
        from nnviz.app.runs import RunKeeper

        exports = ExportController(self.window)
        self._exports = exports
        self._recording = RecordingController(exports, self.window, self.latest, parent=self)
        self._runs = RunKeeper(self.window, folder=lambda: exports.folder, preset=self.preset,
                               final_state=self.final_state, exports=exports)
        exports.sidecar_extra = self._live_changes
        for source in (exports, self._recording, self._runs):
            source.message.connect(self._status)
        self._recording.failed.connect(self._error)
        self._runs.failed.connect(self._error)
        self._recording.changed.connect(self._recording_changed)
        exports.install_all(self.panels())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The window's first paint: build the machinery on the event loop's next pass, once
        that frame is on screen."""
        if event.type() == QEvent.Type.Paint and watched is self.window:
            self.window.removeEventFilter(self)
            if not self.built and not self._build_queued:
                self._build_queued = True
                QTimer.singleShot(0, self, self.build)
        return False

    # -- the window's hooks -----------------------------------------------------------------
    def install(self, panels: Iterable[Panel] | None = None) -> None:
        """Give panels their right-click export menu (call again after rebuilding panels).
        Before the machinery is built there is nothing to do: :meth:`build` installs the
        menus on the window's panels of that moment."""
        if self.built:
            self.exports.install_all(panels if panels is not None else self.panels())

    def on_snapshot(self, snapshot: Any) -> None:
        self.exports.preset = self.preset()
        self.runs.on_snapshot(snapshot)

    def curves_for(self, run_id: int) -> RunCurves | None:
        """The curve store of run ``run_id`` (:meth:`RunKeeper.curves_for`); None before
        the machinery is built, as no snapshot has reached a store then (:meth:`on_snapshot`
        builds it), so asking does not build it."""
        return self._runs.curves_for(run_id) if self._runs is not None else None

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
        if not self.built:  # nothing recorded, no saved run open
            self.window.removeEventFilter(self)
            return
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
