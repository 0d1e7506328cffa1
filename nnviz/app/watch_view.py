"""Watched runs in the app: the window that shows them live, and what wires it to the rest.

:class:`WatchViewer` is one window for every attached run: the overlay of all their curves
(:mod:`nnviz.app.watch_curves`), the steering of the shown run
(:mod:`nnviz.app.watch_steering`), and the generic panels a recorded watched run opens with
("Open run…", :class:`~nnviz.app.runs.RunViewer`: loss and metrics with pinning, histograms
over time, layer health with each layer's gradient norm over the steps), fed live. The loss panel
draws the shown run's own store, so switching runs redraws from it; pin a run there to keep
its curves under the next one.

:class:`WatchController` belongs to the main window: it owns the
:class:`~nnviz.app.watch_listener.WatchListener` (started by ``nnviz app``, not by every
window a test makes), keeps the picker's "Watch" group current and attaches the run chosen
there. The window's file actions (Save run…, Export all…, Screenshot, Record) and its panels'
export menus are the app's own (:mod:`nnviz.app.watch_exports`). Drawing is paced by a timer
(:data:`REDRAW_MS`), never by the arrival of frames.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.panels import all_panels
from nnviz.app.panels.base import Panel
from nnviz.app.watch_curves import WatchCurves
from nnviz.app.watch_exports import WatchExports
from nnviz.app.watch_listener import WatchedRun, WatchListener
from nnviz.app.watch_picker import WatchEntries, run_key
from nnviz.app.watch_steering import SteeringControls
from nnviz.io.run_curves import RunCurves
from nnviz.io.runs import RunRecord
from nnviz.watching.address import WatchAddress, parse_address
from nnviz.watching.records import WatchConfig

#: how often the watch window redraws while runs stream (the panels pace themselves too)
REDRAW_MS = 200


class WatchViewer(QWidget):
    """Every attached run; see the module docstring."""

    def __init__(self, listener: WatchListener, *, exports: Any = None, recording: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.listener = listener
        self.setWindowTitle("nnviz — watched runs")
        self.attached: list[str] = []
        self.shown: str | None = None
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(QLabel("Shown run"))
        self.run_box = QComboBox()
        self.run_box.setObjectName("watch-run-box")
        self.run_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.run_box.currentIndexChanged.connect(
            lambda index: self.show_run(self.run_box.itemData(index)))
        header.addWidget(self.run_box)
        self.summary = QLabel()
        self.summary.setObjectName("watch-summary")
        # a long model summary is cut at the window's edge, never widens the window
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        header.addWidget(self.summary, 1)
        self.file_buttons = QHBoxLayout()
        header.addLayout(self.file_buttons)
        layout.addLayout(header)

        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_row = QHBoxLayout(top)
        top_row.setContentsMargins(0, 0, 0, 0)
        self.curves = WatchCurves()
        self.steering = SteeringControls()
        self.steering.setMinimumWidth(330)
        self.steering.command.connect(self._command)
        top_row.addWidget(self.curves, 1)
        top_row.addWidget(self.steering)
        splitter.addWidget(top)

        bottom = QWidget()
        grid = QGridLayout(bottom)
        grid.setContentsMargins(0, 0, 0, 0)
        registry = all_panels()
        self.panels: list[Panel] = [registry[kind]() for kind in WatchConfig.recorded_panels
                                    if kind in registry]
        for panel in self.panels:
            panel.read_curves_from(self._curves_for)
        for index, panel in enumerate(self.panels):  # the last one spans a row of its own
            span = 2 if index == len(self.panels) - 1 and index % 2 == 0 else 1
            grid.addWidget(panel, index // 2, index % 2, 1, span)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        #: Save run…, Export all…, Screenshot, Record, and the panels' export menus: the
        #: window's own export machinery when given (``exports``, ``recording``)
        self.files = WatchExports(self, lambda: self.panels, shown=self._shown_record,
                                  exports=exports, recording=recording)
        self.files.message.connect(self.summary.setText)
        for action in self.files.actions:
            button = QToolButton()
            button.setDefaultAction(action)
            self.file_buttons.addWidget(button)

        self._drawn: dict[int, Any] = {}
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()
        listener.snapshot.connect(self._snapshot)
        listener.changed.connect(self._changed)
        listener.left.connect(self._changed)

    # -- runs -----------------------------------------------------------------------------
    @property
    def runs(self) -> list[WatchedRun]:
        return [self.listener.runs[key] for key in self.attached if key in self.listener.runs]

    def attach(self, key: str) -> None:
        """Add run ``key`` to the overlay (once) and show its panels."""
        run = self.listener.runs.get(key)
        if run is None:
            return
        if key not in self.attached:
            self.attached.append(key)
            self.run_box.addItem(run.title, key)
        self.run_box.setCurrentIndex(self.attached.index(key))
        self.show_run(key)

    def show_run(self, key: str | None) -> None:
        """Draw ``key``'s panels from its store (the loss panel's pins stay under it)."""
        if key == self.shown or key is None:
            return
        self.shown = key
        run = self.listener.runs[key]
        self._drawn = {}
        for panel in self.panels:
            panel.start_run(run.run_id)
        self._dirty = True
        self.redraw()

    def shown_run(self) -> WatchedRun | None:
        return self.listener.runs.get(self.shown) if self.shown else None

    def _shown_record(self) -> RunRecord | None:
        run = self.shown_run()
        return run.record if run is not None else None

    def _curves_for(self, run_id: int) -> RunCurves | None:
        for run in self.listener.runs.values():
            if run.run_id == run_id and run.record is not None:
                return run.record.curves
        return None

    # -- live -----------------------------------------------------------------------------
    def _snapshot(self, key: str, snapshot: Any) -> None:
        if key in self.attached:
            self._dirty = True

    def _changed(self, key: str) -> None:
        """Paused, resumed, steered or ended: the controls follow at once (the curves at the
        next redraw)."""
        if key in self.attached:
            self._dirty = True
        if key == self.shown:
            self.steering.show_run(self.shown_run())

    def _command(self, message: dict) -> None:
        if self.shown is not None and not self.listener.send(self.shown, message):
            self.summary.setText("the script is gone or refuses steering: nothing was sent")

    def redraw(self) -> None:
        """Draw what arrived since the last redraw (nothing when nothing did)."""
        if not self._dirty:
            return
        self._dirty = False
        self.curves.redraw(self.runs)
        run = self.shown_run()
        self.steering.show_run(run)
        if run is None or run.record is None:
            return
        self.summary.setText(_summary(run))
        latest = run.record.latest
        with_views = run.record.snapshots[-1] if run.record.snapshots else None
        for panel in self.panels:
            newest = with_views if panel.draws and with_views is not None else latest
            if self._drawn.get(id(panel)) is not newest:
                self._drawn[id(panel)] = newest
                panel.show_snapshot(newest)

    def closeEvent(self, event: Any) -> None:
        self._timer.stop()
        self.files.shutdown()
        super().closeEvent(event)


def _summary(run: WatchedRun) -> str:
    config = run.record.config if run.record is not None else None
    model = getattr(config, "model_summary", "")
    state = "ended" if not run.connected else (
        f"paused at step {run.paused_at:,}" if run.paused_at is not None else "streaming")
    return f"{run.title}: {state}, step {run.steps:,}" + (f" · {model}" if model else "")


class WatchController(QObject):
    """The main window's part in watching: listener, picker entries, the watch window."""

    def __init__(self, picker: Any, *, exports: Any = None, parent: QObject | None = None,
                 report: Any = None) -> None:
        super().__init__(parent)
        self.listener = WatchListener(self)
        self.entries = WatchEntries(picker)
        #: the window's ``WindowExports`` (its ``exports`` menus go on the watch panels)
        self.exports = exports
        #: ``report(level, text)``: the window's message line
        self.report = report or (lambda level, text: None)
        self.viewer: WatchViewer | None = None
        self.listener.joined.connect(self._runs_changed)
        self.listener.left.connect(self._runs_changed)
        self.listener.changed.connect(self._runs_changed)
        self.listener.refused.connect(lambda text: self.report("warning", text))
        self._picker_timer = QTimer(self)
        self._picker_timer.setInterval(1000)  # the entries' step counts, once a second
        self._picker_timer.timeout.connect(self._runs_changed)

    def listen_local(self) -> WatchAddress | None:
        """Listen on the local socket; None (and a message) when it cannot."""
        try:
            address = self.listener.listen_local()
        except OSError as error:
            self.report("warning", f"Not listening for watched runs: {error}")
            return None
        self._picker_timer.start()
        return address

    def listen_tcp(self, text: str) -> tuple[WatchAddress, str]:
        """Also listen on ``HOST:PORT``; returns the address and the token scripts need
        (``ValueError`` / ``OSError`` when it cannot)."""
        address = parse_address(text)
        if address.is_local:
            raise ValueError("--listen takes HOST:PORT; the local socket is always on")
        self._picker_timer.start()
        return self.listener.listen_tcp(address.host, address.port)

    @staticmethod
    def handles(name: str) -> bool:
        return run_key(name) is not None

    def attach(self, name: str) -> bool:
        """Show the run a picker entry names in the watch window (made on first use)."""
        key = run_key(name)
        if key is None or key not in self.listener.runs:
            self.report("error", "That watched run is no longer known")
            return False
        if self.viewer is None:
            # the window's exports give the panels their export menus (made on first use)
            controller = getattr(self.exports, "exports", None)
            recording = getattr(self.exports, "recording", None)
            self.viewer = WatchViewer(self.listener, exports=controller, recording=recording)
            self.viewer.resize(1280, 860)
        self.viewer.attach(key)
        if self.viewer.isVisible():
            self.viewer.activateWindow()  # behind the main window: bring it forward
        else:
            self.viewer.show()
        return True

    def _runs_changed(self, *_: Any) -> None:
        self.entries.show_runs(self.listener.runs.values())

    def shutdown(self) -> None:
        self._picker_timer.stop()
        self.listener.close()
        if self.viewer is not None:
            self.viewer.close()
